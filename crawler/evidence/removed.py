"""Removed listings: which runs count as walks, what a miss and a return do to a listing (pure).

A listing the platform no longer shows is evidence too (ads that disappear matter most), so
the stores mark it instead of forgetting it; its last capture (`Listing.evidence`) stays.

- `walk_counts(job, stored, pending_writes)`: whether a finished run may count misses at
  all. Only a complete full walk that crawl health did not judge failing (nor blocked:
  BLOCKING_REASONS), whose writes all reached the store, and that found at least one of the
  platform's stored listings. Anything else says nothing about what is still online: a
  blocked platform must never mark its listings removed.
- `record_miss(listing, walk_started_at, threshold)`: the listing was stored before the walk
  and the walk neither stored nor touched it (its last_seen is earlier than the walk's
  start): one more miss in a row; at `threshold` misses it is removed, with `removed_at`
  the start of the first walk of the series (`missed_since`): the earliest time a walk
  found it gone, which is what can be said for sure (it was online at last_seen).
- `record_seen(listing, seen_at)`: a listing found again: the misses start over, and a
  removed one is marked returned (`removed_at` cleared, `returned_at` = seen_at).

The stores apply these (ListingStore.mark_missed at a run's end, upsert and touch for
returns); crawler.crawl.store.CrawlStore decides with `walk_counts` and calls them.
Setting: STORE_REMOVED_AFTER_MISSES (`removed_after_misses`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crawler.models import CrawlJob, Listing

DEFAULT_MISSES = 2
# Degraded runs count as walks, except when a page looked like a block: a platform that
# shows some visitors a CAPTCHA or a login wall hides listings that are still online.
BLOCKING_REASONS = frozenset({"login_wall", "captcha", "block_page", "parked"})


def removed_after_misses(settings: Any) -> int:
    """STORE_REMOVED_AFTER_MISSES (an int, at least 1; ConfigError naming it otherwise)."""
    from crawler.config import get_number

    return int(get_number(settings, "STORE_REMOVED_AFTER_MISSES", int, DEFAULT_MISSES, 1))


@dataclass(frozen=True)
class WalkVerdict:
    """Whether a run counts misses; `why` says why not (our words, for log and job)."""

    counts: bool
    why: str = ""


def walk_counts(job: CrawlJob, *, stored: int, pending_writes: int = 0) -> WalkVerdict:
    """Whether this finished run may count misses (module docstring).

    `stored`: the platform's listings in the store; `pending_writes`: writes of this run
    still held back (the Elasticsearch spool: the store was down).
    """
    if job.mode != "full":
        return WalkVerdict(False, f"a {job.mode} run, not a full walk")
    if not job.complete or job.status != "finished" or job.limited:
        return WalkVerdict(False, f"the walk was not complete (status {job.status})")
    if job.failed_list_pages:
        return WalkVerdict(False, f"{len(job.failed_list_pages)} list page(s) failed")
    if job.health is None:
        return WalkVerdict(False, "the run's health was not judged")
    if job.health.status == "failing":
        return WalkVerdict(False, "crawl health judged the run failing")
    blocked = sorted({r.code for r in job.health.reasons} & BLOCKING_REASONS)
    if blocked:
        return WalkVerdict(False, f"pages looked blocked ({', '.join(blocked)})")
    if pending_writes:
        return WalkVerdict(False, f"{pending_writes} write(s) still wait for the store")
    found = job.new + job.changed + job.unchanged + job.skipped_known
    if stored and not found:
        return WalkVerdict(False, f"the run found none of the platform's {stored} listings")
    return WalkVerdict(True)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def was_missed(listing: Listing, walk_started_at: datetime) -> bool:
    """Whether a complete walk that started then did not see the listing (and it is not
    removed already: a removed listing stays so until it is seen)."""
    return (
        listing.removed_at is None
        and listing.last_seen is not None
        and _aware(listing.last_seen) < _aware(walk_started_at)
    )


def record_miss(listing: Listing, walk_started_at: datetime, threshold: int) -> bool:
    """Count one miss on the listing (in place); True when this miss removes it."""
    if listing.removed_at is not None:
        return False
    listing.missed_walks += 1
    if listing.missed_since is None:
        listing.missed_since = _aware(walk_started_at)
    if listing.missed_walks >= threshold:
        listing.removed_at = listing.missed_since
        return True
    return False


def record_seen(listing: Listing, seen_at: datetime) -> bool:
    """The listing was found (upsert or touch), in place; True when it had been removed."""
    returned = listing.removed_at is not None
    listing.missed_walks = 0
    listing.missed_since = None
    if returned:
        listing.removed_at = None
        listing.returned_at = _aware(seen_at)
    return returned


def miss_fields(listing: Listing) -> dict[str, Any]:
    """The fields a miss changes, as the stores write them (JSON values)."""
    return {
        "missed_walks": listing.missed_walks,
        "missed_since": _iso(listing.missed_since),
        "removed_at": _iso(listing.removed_at),
    }


def _iso(value: datetime | None) -> str | None:
    return None if value is None else _aware(value).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True)
class Misses:
    """What ListingStore.mark_missed did: how many listings counted a miss, and the ones
    this walk marked removed (as stored)."""

    missed: int
    removed: list[Listing]
