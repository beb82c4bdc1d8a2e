"""Legal holds, and the purge of evidence that respects them.

A hold keeps listings and the WARC files of their captures (`Listing.evidence` and every
`price_history[].evidence`) out of `crawler purge`. Holds live in the manifest chain and
nowhere else: `crawler evidence hold NAME ...` appends a signed "hold" manifest (the name,
the listing ids, the files, how they were selected), `release NAME` a "release" manifest;
the active holds are those holds not released since, read back from the chain
(`active_holds`). A hold manifest names how listings were selected (by listing, cluster,
identifier or search) but not the identifier or search text: every case package carries
all manifests, and a phone number of one case must not travel with another.

`purge_evidence` deletes the sealed WARC files that no remaining listing or version points
to, that no hold keeps and whose last record is older than the purge's cutoff; before
deleting anything it appends a signed "purge" manifest listing each file with its sha256
and the number of listings removed, so `crawler evidence verify` can tell a lawful purge
from a file deleted by hand. A file whose bytes no longer match its sealed sha256 is not
deleted (that would hide the alteration): it is reported.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crawler.evidence import chain
from crawler.models import Listing, SearchFilters, SearchQuery

HOLD_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$")
SEARCH_PAGE = 500


class HoldError(ValueError):
    """A hold or release that cannot be made; the message says why."""


@dataclass
class Hold:
    name: str
    since: str  # when its manifest was sealed
    manifest: str
    selection: str  # listing, cluster, identifier or search
    listings: list[str]
    files: list[str]


def check_hold_name(name: str) -> str:
    if not HOLD_NAME.match(name):
        raise HoldError(
            f"hold name {name!r}: use letters, digits, '.', '_' and '-' (at most 128, "
            "starting with a letter or digit)"
        )
    return name


def active_holds(root: Path) -> dict[str, Hold]:
    """The holds in force: every hold manifest not released by a later release manifest."""
    holds: dict[str, Hold] = {}
    for mf in chain.list_manifests(root, ("hold", "release")):
        try:
            data = chain.read_manifest(mf.path)
            body = data[mf.kind]
            name = str(body["name"])
            if mf.kind == "release":
                holds.pop(name, None)
                continue
            holds[name] = Hold(
                name=name,
                since=str(data.get("sealed_at", "")),
                manifest=mf.name,
                selection=str(body.get("selection", "")),
                listings=[str(i) for i in body.get("listings", [])],
                files=[str(f) for f in body.get("files", [])],
            )
        except (OSError, ValueError, KeyError, TypeError) as exc:
            # Fail closed: a hold that cannot be read might keep something.
            raise HoldError(
                f"{mf.path}: cannot be read as a {mf.kind} manifest ({exc}); run "
                "`crawler evidence verify`"
            ) from exc
    return holds


def evidence_files(listings: Iterable[Listing]) -> list[str]:
    """The WARC files the listings' captures are in (latest and every version's)."""
    files: set[str] = set()
    for listing in listings:
        if listing.evidence is not None:
            files.add(listing.evidence.file)
        for point in listing.price_history:
            if point.evidence is not None:
                files.add(point.evidence.file)
    return sorted(files)


async def select_listings(
    store: Any,
    *,
    listing_ids: Sequence[str] = (),
    cluster: str | None = None,
    identifier: str | None = None,
    search: SearchFilters | None = None,
) -> list[Listing]:
    """The listings one selection names, read through the store API (both stores).

    HoldError when listed ids are unknown, the cluster does not exist, or nothing matches.
    """
    if listing_ids:
        found = await store.get_many(list(dict.fromkeys(listing_ids)))
        missing = sorted(set(listing_ids) - {x.id for x in found})
        if missing:
            raise HoldError(f"no stored listing with id {', '.join(missing)}")
        return list(found)
    if cluster is not None:
        summary = await store.cluster_summary(cluster)
        if summary is None:
            raise HoldError(f"no cluster {cluster}")
        return list(await store.get_many(summary.members))
    filters = (
        SearchFilters(identifier=identifier)
        if identifier is not None
        else search or SearchFilters()
    )
    out: list[Listing] = []
    seen: set[str] = set()
    offset = 0
    while True:
        page = await store.search(
            SearchQuery(**filters.filters(), limit=SEARCH_PAGE, offset=offset)
        )
        for listing in page.listings:
            if listing.id not in seen:
                seen.add(listing.id)
                out.append(listing)
        offset += SEARCH_PAGE
        if len(page.listings) < SEARCH_PAGE or offset >= page.total:
            break
    if not out:
        raise HoldError("no stored listing matches the selection")
    return out


def place_hold(
    root: Path, key: Ed25519PrivateKey, name: str, listings: Sequence[Listing], selection: str
) -> Path:
    """Append the hold manifest; HoldError when a hold of that name is active."""
    check_hold_name(name)

    def not_active() -> None:
        if name in active_holds(root):
            raise HoldError(f"hold {name} is already in force (release it first)")

    body = {
        "hold": {
            "name": name,
            "selection": selection,
            "listings": sorted({x.id for x in listings}),
            "files": evidence_files(listings),
        }
    }
    return chain.append(root, key, "hold", body, before=not_active)


def release_hold(root: Path, key: Ed25519PrivateKey, name: str) -> Path:
    """Append the release manifest; HoldError when no hold of that name is in force."""

    def active() -> None:
        if name not in active_holds(root):
            raise HoldError(f"no hold named {name} is in force")

    return chain.append(root, key, "release", {"release": {"name": name}}, before=active)


def held_listing_ids(holds: dict[str, Hold]) -> set[str]:
    return {i for h in holds.values() for i in h.listings}


# -- purge ---------------------------------------------------------------------------------


@dataclass
class PurgeOutcome:
    listings_removed: int
    deleted: list[str] = field(default_factory=list)  # files deleted now
    bytes_deleted: int = 0
    kept_held: int = 0  # files a hold kept that would have gone
    refused: list[str] = field(default_factory=list)  # one line per file not deleted, why
    manifest: Path | None = None


def _referenced(files: Collection[str]) -> set[str]:
    # EvidenceRef.file is relative to EVIDENCE_DIR ("warc/..."): also accept a reference
    # written without the "warc/" prefix, so that no spelling can get a file deleted.
    out = set(files)
    out.update(f"warc/{f}" for f in files if not f.startswith("warc/"))
    return out


def purge_evidence(
    root: Path,
    key: Ed25519PrivateKey,
    *,
    cutoff: datetime,
    days: int,
    listings_removed: int,
    referenced: Collection[str],
    holds: dict[str, Hold],
    locked: bool = False,
) -> PurgeOutcome:
    """Record and delete the sealed files nothing needs any more (see the module docstring).

    `referenced`: every EvidenceRef.file of the listings left in the store (after their
    purge); `holds`: the active holds. Writes no manifest when nothing was removed.
    locked: the caller holds chain.chain_lock(root) (from reading the holds on, so that no
    hold is placed between reading them and deleting)."""
    if not locked:
        with chain.chain_lock(root):
            return purge_evidence(
                root,
                key,
                cutoff=cutoff,
                days=days,
                listings_removed=listings_removed,
                referenced=referenced,
                holds=holds,
                locked=True,
            )
    outcome = PurgeOutcome(listings_removed)
    keep = _referenced(referenced)
    held = _referenced({f for h in holds.values() for f in h.files})
    cut = chain.timestamp(cutoff)
    doomed: list[tuple[str, str, int]] = []
    sealed = chain.sealed_files(root)
    purged = chain.purged_files(root)
    for path, entry in sorted(sealed.items()):
        full = root / path
        if path in purged:
            if full.is_file():  # recorded by a purge that did not finish
                _delete(full, path, outcome)
            continue
        if path in keep or not _older(entry.last_date, cutoff):
            continue
        if path in held:
            outcome.kept_held += 1
            continue
        if not chain.safe_relative(path) or not full.is_file():
            continue  # verify reports it (missing, or a manifest naming no file of ours)
        if chain.sha256_file(full) != entry.sha256:
            outcome.refused.append(
                f"{path}: not deleted: its sha256 no longer matches manifests/"
                f"{entry.manifest} (run `crawler evidence verify`)"
            )
            continue
        doomed.append((path, entry.sha256, entry.size))
    # The manifest is written before the files go: a purge cut short leaves files the chain
    # already calls deleted (verify notes them, the next purge removes them), never files
    # gone without a record.
    if doomed or listings_removed:
        body = {
            "purge": {
                "days": int(days),
                "cutoff": cut,
                "listings_removed": int(listings_removed),
                "deleted": [{"path": p, "sha256": s, "size": n} for p, s, n in doomed],
                "holds": sorted(holds),
            }
        }
        outcome.manifest = chain.append(root, key, "purge", body, locked=True)
    for path, _sha, size in doomed:
        if _delete(root / path, path, outcome):
            outcome.bytes_deleted += size
    return outcome


def _older(when: str, cutoff: datetime) -> bool:
    """Is the manifest time `when` before `cutoff`? (Unreadable: no, the file stays.)"""
    try:
        at = datetime.fromisoformat(when)
    except ValueError:
        return False
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    if cutoff.tzinfo is None:
        cutoff = cutoff.replace(tzinfo=UTC)
    return at < cutoff


def _delete(full: Path, path: str, outcome: PurgeOutcome) -> bool:
    try:
        full.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        outcome.refused.append(
            f"{path}: recorded as purged but could not be deleted: {exc.strerror or exc}"
        )
        return False
    outcome.deleted.append(path)
    for parent in list(full.parents)[:2]:  # the run's directory, then the platform's
        try:
            parent.rmdir()
        except OSError:
            break
    return True
