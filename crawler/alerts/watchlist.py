"""The watchlist: subjects an analyst follows (phones, handles, e-mails, wallets, usernames,
keywords, locations), loaded from YAML and matched against listings.

Setting: ALERTS_WATCHLIST (a YAML file; default ./watchlist.yaml when it exists). Format::

    subjects:
      - phone: "+31 6 12345678"       # any format with a country code; stored as E.164
        label: case-0042                # optional: shown in alerts instead of nothing
        tags: [case-0042]               # optional: rules can select subjects by tag
      - handle: telegram:examplehandle  # service:name, or @name for any service
      - email: someone@example.org
      - wallet: bc1q...                 # chain:address or a bare address
      - username: seller-name           # compared with the listing's seller, case-insensitive
      - keyword: "fresh arrivals"       # phrase in title or body, case-insensitive
      - location: rotterdam             # compared with the normalised or raw location
      - cluster: cl-3739ab...           # an actor cluster (`crawler cluster ID`): its new members

A `cluster` subject matches a listing stored in that cluster, or in the cluster that has
absorbed it since (clusters merge; the older id is kept). The alert engine resolves the
watched ids through the store (`AlertEngine`, crawler.alerts.clusters) and passes the result
to `matches`; without it a cluster subject matches its own id only.

Errors name the file, the field (subjects.N.kind) and the reason, before anything runs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import phonenumbers

from crawler.config import ConfigError
from crawler.config.yamlfile import read_yaml as read_config_yaml
from crawler.models import Listing

SUBJECT_KINDS = (
    "phone", "handle", "email", "wallet", "username", "keyword", "location", "cluster",
)  # fmt: skip
# An actor cluster id as `crawler clusters` and `crawler cluster ID` print it.
CLUSTER_ID = re.compile(r"cl-[0-9a-f]{6,64}")


class AlertConfigError(ConfigError):
    """A rules, channels or watchlist file is broken: names the file, the field and the reason."""

    def __init__(self, path: str | Path, field: str, reason: str) -> None:
        super().__init__(path, field, reason)
        self.path = str(path)


@dataclass(frozen=True)
class WatchlistSubject:
    kind: str  # one of SUBJECT_KINDS
    value: str  # normalised for matching
    label: str | None = None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class WatchlistMatch:
    """One subject found in one listing; `value` is the identifier as the listing holds it."""

    kind: str
    value: str
    label: str | None
    tags: tuple[str, ...]


@dataclass
class Watchlist:
    subjects: list[WatchlistSubject] = field(default_factory=list)
    source: str | None = None

    def __len__(self) -> int:
        return len(self.subjects)

    @property
    def clusters(self) -> list[str]:
        """The watched cluster ids, in watchlist order."""
        return list(dict.fromkeys(s.value for s in self.subjects if s.kind == "cluster"))

    def matches(
        self, listing: Listing, clusters: Mapping[str, str | None] | None = None
    ) -> list[WatchlistMatch]:
        """Every subject the listing carries, in watchlist order.

        `clusters`: watched cluster id -> the cluster holding it now (None: no such cluster),
        as the engine resolved them; a watched id missing from it stands for itself.
        """
        if not self.subjects:
            return []
        phones = set(listing.phones)
        emails = {e.lower() for e in listing.emails}
        handles = {(h.service.lower(), h.handle.lower().lstrip("@")) for h in listing.handles}
        wallets = {(w.chain.lower(), w.address) for w in listing.wallets}
        text = f"{listing.title}\n{listing.body}".casefold()
        seller = (listing.seller or "").casefold().strip()
        locations = {v.casefold().strip() for v in (listing.location, listing.location_raw) if v}
        out: list[WatchlistMatch] = []
        for s in self.subjects:
            hit: str | None = None
            if s.kind == "phone" and s.value in phones or s.kind == "email" and s.value in emails:
                hit = s.value
            elif s.kind == "handle":
                service, _, name = s.value.rpartition(":")
                for hs, hn in handles:
                    if hn == name and (not service or service == hs):
                        hit = f"{hs}:{hn}"
                        break
            elif s.kind == "wallet":
                chain, _, address = s.value.rpartition(":")
                for wc, wa in wallets:
                    if wa == address and (not chain or chain == wc):
                        hit = f"{wc}:{wa}"
                        break
            elif s.kind == "cluster":
                now = clusters.get(s.value, s.value) if clusters is not None else s.value
                if listing.cluster_id and now == listing.cluster_id:
                    hit = s.value
            elif s.kind == "username" and seller and seller == s.value:
                hit = listing.seller
            elif (
                s.kind == "keyword"
                and s.value in text
                or s.kind == "location"
                and any(s.value in loc for loc in locations)
            ):
                hit = s.value
            if hit is not None:
                out.append(WatchlistMatch(s.kind, hit, s.label, s.tags))
        return out


def normalise_phone(raw: str) -> str | None:
    """E.164 for a number written with its country code; None when it is not a valid number."""
    raw = raw.strip()
    if raw.startswith("00"):  # international call prefix written instead of "+"
        raw = "+" + raw[2:]
    try:
        num = phonenumbers.parse(raw if raw.startswith("+") else f"+{raw}", None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(num):
        return None
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def _subject(path: Path | str, i: int, raw: Any) -> WatchlistSubject:
    where = f"subjects.{i}"
    if not isinstance(raw, dict):
        raise AlertConfigError(path, where, "each subject must be a mapping such as {phone: ...}")
    kinds = [k for k in raw if k in SUBJECT_KINDS]
    unknown = [k for k in raw if k not in SUBJECT_KINDS and k not in ("label", "tags")]
    if unknown:
        raise AlertConfigError(path, f"{where}.{unknown[0]}", "unknown field")
    if len(kinds) != 1:
        raise AlertConfigError(
            path, where, f"give exactly one of {', '.join(SUBJECT_KINDS)} (found {len(kinds)})"
        )
    kind = kinds[0]
    value = raw[kind]
    if not isinstance(value, str | int) or not str(value).strip():
        raise AlertConfigError(path, f"{where}.{kind}", "must be a non-empty string")
    value = str(value).strip()
    label = raw.get("label")
    if label is not None and not isinstance(label, str):
        raise AlertConfigError(path, f"{where}.label", "must be a string")
    tags = raw.get("tags", [])
    if isinstance(tags, str):
        tags = [tags]
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise AlertConfigError(path, f"{where}.tags", "must be a list of strings")
    if kind == "phone":
        e164 = normalise_phone(value)
        if e164 is None:
            raise AlertConfigError(
                path, f"{where}.phone", "not a valid phone number (write it with its +country code)"
            )
        value = e164
    elif kind == "email":
        if not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
            raise AlertConfigError(path, f"{where}.email", "not an e-mail address")
        value = value.lower()
    elif kind == "handle":
        if value.startswith("@"):
            value = value[1:]
        service, _, name = value.rpartition(":")
        if not name:
            raise AlertConfigError(path, f"{where}.handle", "write service:name or @name")
        value = f"{service.lower()}:{name.lower().lstrip('@')}"
    elif kind == "wallet":
        chain, _, address = value.rpartition(":")
        value = f"{chain.lower()}:{address}"
    elif kind == "cluster":
        value = value.lower()
        if not CLUSTER_ID.fullmatch(value):
            raise AlertConfigError(
                path,
                f"{where}.cluster",
                "not a cluster id (cl- and hex digits, as `crawler clusters` prints it)",
            )
    else:  # username, keyword, location compare case-insensitively
        value = value.casefold()
    return WatchlistSubject(kind, value, label, tuple(tags))


def parse_watchlist(data: Any, path: str | Path = "<watchlist>") -> Watchlist:
    if data is None:
        return Watchlist(source=str(path))
    if not isinstance(data, dict):
        raise AlertConfigError(path, "(file)", "the file must hold a mapping with a subjects list")
    unknown = [k for k in data if k != "subjects"]
    if unknown:
        raise AlertConfigError(path, str(unknown[0]), "unknown field")
    subjects = data.get("subjects") or []
    if not isinstance(subjects, list):
        raise AlertConfigError(path, "subjects", "must be a list")
    return Watchlist([_subject(path, i, s) for i, s in enumerate(subjects)], source=str(path))


def read_yaml(path: Path) -> Any:
    """Parse one YAML file, turning I/O and syntax errors into AlertConfigError."""
    return read_config_yaml(path, AlertConfigError)


def load_watchlist(path: str | Path | None) -> Watchlist:
    """The watchlist in the file, or an empty one when no file is configured."""
    if path is None:
        return Watchlist()
    from crawler.config.yamlfile import expand_env

    path = Path(path)
    try:
        data = expand_env(read_yaml(path))
    except KeyError as exc:
        raise AlertConfigError(
            path, "(environment)", f"variable {exc.args[0]} is not set and has no default"
        ) from None
    return parse_watchlist(data, path)
