"""Extraction quality on a labelled development set: precision, recall and F1 per field.

A development set is a directory of YAML case tables (see tests/extract/devset/README.md):
one listing text per case and what extraction must find in it. Every field a case does not
list is expected empty, so each case counts for precision in every field. Phone numbers
and wallets are written as placeholders and filled in here from phonenumbers' example
numbers and from wallets generated with our own encoders (docs/safety.md): no real identifier
is ever written down. `load_cases` reads a set, `evaluate` scores extract() on it, and
`held_out` says which cases belong to the held-out slice (a fifth, by a hash of the id).
Used by bench/bench_extract_quality.py and the tests. No settings.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import phonenumbers
import yaml
from phonenumbers import PhoneNumberFormat, PhoneNumberType

FIELDS = (
    "prices",
    "phones",
    "emails",
    "handles",
    "wallets",
    "indicators",
    "language",
    "location",
)


@dataclass
class Case:
    """One labelled listing: its text, hints, and the truth per field (sets of hashables)."""

    id: str
    text: str
    lang: str | None
    country: str | None
    truth: dict[str, set[Any]]
    fields: dict[str, Any] | None = None
    location_raw: str | None = None
    negative: bool = False
    source: str = ""


@cache
def example_phone(spec: str) -> str:
    """E.164 of phonenumbers' example mobile for "FR", or a valid variant of it for "FR#2"."""
    region, _, n = spec.partition("#")
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if example is None:
        raise ValueError(f"phonenumbers has no example mobile number for region {region!r}")
    base = phonenumbers.format_number(example, PhoneNumberFormat.E164)
    k = int(n or 0)
    if k == 0:
        return base
    tail = int(base[-3:])
    for step in range(1, 1000):
        candidate = base[:-3] + f"{(tail + 37 * (k + step - 1)) % 1000:03d}"
        if candidate != base and phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            return candidate
    raise ValueError(f"no valid variant for {spec}")


def _phone_text(kind: str, spec: str) -> str:
    number = phonenumbers.parse(example_phone(spec))
    if kind == "P":
        return phonenumbers.format_number(number, PhoneNumberFormat.NATIONAL)
    if kind == "PI":
        return phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    return example_phone(spec)[1:]  # PE: E.164 digits without "+"


@cache
def example_wallet(spec: str) -> tuple[str, str]:
    """(chain, address) generated from a seed: "btc:1", "btc58:3", "btcp2tr:5", "eth:2"..."""
    from crawler.extract import wallets as w

    kind, _, seed = spec.partition(":")
    rng = random.Random(f"devset:{kind}:{seed}")

    def rand(n: int) -> bytes:
        return bytes(rng.getrandbits(8) for _ in range(n))

    makers: dict[str, Callable[[], tuple[str, str]]] = {
        "btc": lambda: ("btc", w.btc_segwit_address(0, rand(20))),
        "btcp2tr": lambda: ("btc", w.btc_segwit_address(1, rand(32))),
        "btc58": lambda: ("btc", w.btc_base58_address(rand(20))),
        "eth": lambda: ("eth", w.eth_address(rand(20))),
        "xmr": lambda: ("xmr", w.xmr_address(rand(32), rand(32))),
        "trx": lambda: ("trx", w.trx_address(rand(20))),
    }
    return makers[kind]()


def _wallet_text(kind: str, spec: str) -> str:
    address = example_wallet(spec)[1]
    if kind == "WS":
        half = len(address) // 2
        return address[:half] + " " + address[half:]
    if kind == "WB":
        i = len(address) // 2
        repl = next(c for c in "23456789" if c != address[i])
        return address[:i] + repl + address[i + 1 :]
    return address


_PLACEHOLDER = re.compile(r"\{(P|PI|PE|W|WS|WB):([^{}]+)\}")


def fill(text: str) -> str:
    """The text with its phone and wallet placeholders written out."""

    def sub(m: re.Match[str]) -> str:
        kind, spec = m.group(1), m.group(2)
        return _phone_text(kind, spec) if kind.startswith("P") else _wallet_text(kind, spec)

    return _PLACEHOLDER.sub(sub, text)


def held_out(case_id: str) -> bool:
    """Whether a case belongs to the held-out fifth of the set."""
    return int(hashlib.sha1(case_id.encode()).hexdigest(), 16) % 5 == 0


def _truth(raw: dict[str, Any], lang: str | None) -> dict[str, set[Any]]:
    loc = raw.get("loc")
    return {
        "prices": {
            (round(float(a), 2), c, u if u not in (None, "null") else None)
            for a, c, u in raw.get("prices") or []
        },
        "phones": {example_phone(str(p)) for p in raw.get("phones") or []},
        "emails": {str(e).lower() for e in raw.get("emails") or []},
        "handles": {(s, str(h).lower()) for s, h in raw.get("handles") or []},
        "wallets": {example_wallet(str(x)) for x in raw.get("wallets") or []},
        "indicators": set(raw.get("ind") or []),
        "language": {lang} if lang else set(),
        "location": {loc[1]} if loc and loc[1] else set(),
    }


def load_cases(directory: Path | str) -> list[Case]:
    """Every case of every *.yaml file in `directory`, placeholders filled in."""
    out: list[Case] = []
    seen: set[str] = set()
    for path in sorted(Path(directory).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for raw in data.get("cases") or []:
            cid = str(raw["id"])
            if cid in seen:
                raise ValueError(f"{path}: case id {cid!r} appears twice")
            seen.add(cid)
            lang = raw.get("lang", data.get("lang"))
            country = raw.get("country", data.get("country"))
            if country is False:  # YAML 1.1 reads the bare region code NO as false
                country = "NO"
            loc = raw.get("loc")
            out.append(
                Case(
                    id=cid,
                    text=fill(str(raw["text"])),
                    lang=lang,
                    country=country,
                    truth=_truth(raw, lang),
                    fields=raw.get("fields"),
                    location_raw=loc[0] if loc else None,
                    negative=bool(raw.get("neg")),
                    source=path.name,
                )
            )
    return out


def found(case: Case) -> dict[str, set[Any]]:
    """What extraction finds in one case, in the truth's shape."""
    from crawler.extract import extract, normalise_location

    result = extract(case.text, country=case.country, fields=case.fields)
    got: dict[str, set[Any]] = {
        "prices": {(round(p.amount, 2), p.currency, p.unit) for p in result.prices},
        "phones": set(result.phones),
        "emails": {e.lower() for e in result.emails},
        "handles": {(h.service, h.handle.lower()) for h in result.handles},
        "wallets": {(w.chain, w.address) for w in result.wallets},
        "indicators": {h.id for h in result.indicators},
        "language": {result.language} if result.language else set(),
        "location": set(),
    }
    if case.location_raw is not None:
        loc = normalise_location(case.location_raw, case.country)
        got["location"] = {loc} if loc else set()
    return got


@dataclass
class Score:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    def add(self, truth: set[Any], got: set[Any]) -> None:
        self.tp += len(truth & got)
        self.fp += len(got - truth)
        self.fn += len(truth - got)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Evaluation:
    cases: int = 0
    fields: dict[str, Score] = field(default_factory=lambda: {f: Score() for f in FIELDS})
    languages: dict[str, Score] = field(default_factory=dict)  # all fields, per language
    language_fields: dict[str, dict[str, Score]] = field(default_factory=dict)
    errors: list[tuple[str, str, set[Any], set[Any]]] = field(default_factory=list)


def evaluate(cases: Iterable[Case]) -> Evaluation:
    """Scores of extract() on `cases`; `errors` lists (case id, field, missing, extra)."""
    ev = Evaluation()
    for case in cases:
        ev.cases += 1
        got = found(case)
        lang = case.lang or "-"
        per_lang = ev.languages.setdefault(lang, Score())
        lang_fields = ev.language_fields.setdefault(lang, {f: Score() for f in FIELDS})
        for name in FIELDS:
            truth, have = case.truth[name], got[name]
            ev.fields[name].add(truth, have)
            per_lang.add(truth, have)
            lang_fields[name].add(truth, have)
            if truth != have:
                ev.errors.append((case.id, name, truth - have, have - truth))
    return ev
