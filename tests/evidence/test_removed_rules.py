"""Removed listings, the pure part (crawler.evidence.removed): which runs count as walks, what
misses and sightings do to a listing, and the STORE_REMOVED_AFTER_MISSES setting."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawler.config import ConfigError
from crawler.evidence.removed import (
    record_miss,
    record_seen,
    removed_after_misses,
    walk_counts,
    was_missed,
)
from crawler.models import CrawlHealth, CrawlJob, HealthReason, Listing

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


def reason(code: str, severity: str = "degraded") -> HealthReason:
    return HealthReason(code=code, severity=severity, message=f"{code} (test)")  # type: ignore[arg-type]


def job(**kw: Any) -> CrawlJob:
    status = kw.pop("health", "healthy")
    reasons = kw.pop("reasons", [])
    fields: dict[str, Any] = {
        "id": "demo-classifieds-1",
        "platform": "demo-classifieds",
        "started_at": T0,
        "status": "finished",
        "complete": True,
        "mode": "full",
        "unchanged": 3,
        "skipped_known": 40,
        "health": None if status is None else CrawlHealth(status=status, reasons=reasons),
    }
    fields.update(kw)
    return CrawlJob(**fields)


# (what the run was, the job's fields, the platform's stored listings, held-back writes,
#  whether it counts, words the reason must hold)
WALKS: list[tuple[str, dict[str, Any], int, int, bool, str]] = [
    ("a healthy complete full walk", {}, 60, 0, True, ""),
    ("a first walk of an empty store", {"unchanged": 0, "skipped_known": 0, "new": 5}, 0, 0, True, ""),
    ("degraded for coverage", {"health": "degraded", "reasons": [reason("coverage_drop:price")]}, 60, 0, True, ""),
    ("an incremental run", {"mode": "incremental"}, 60, 0, False, "incremental run"),
    ("stopped before the end", {"status": "interrupted", "complete": False}, 60, 0, False, "not complete"),
    ("finished but not complete", {"complete": False}, 60, 0, False, "not complete"),
    ("cut short by a limit", {"limited": True}, 60, 0, False, "not complete"),
    ("a list page failed", {"failed_list_pages": ["http://127.0.0.1:9/all?page=2"]}, 60, 0, False, "1 list page(s) failed"),
    ("judged failing", {"health": "failing", "reasons": [reason("list_zero_entries", "failing")]}, 60, 0, False, "failing"),
    ("degraded by a CAPTCHA on some pages", {"health": "degraded", "reasons": [reason("captcha")]}, 60, 0, False, "captcha"),
    ("degraded by a login wall", {"health": "degraded", "reasons": [reason("login_wall")]}, 60, 0, False, "login_wall"),
    ("not judged (store unreadable)", {"health": None}, 60, 0, False, "not judged"),
    ("writes left in the spool", {}, 60, 12, False, "12 write(s)"),
    ("found none of 60 stored listings", {"unchanged": 0, "skipped_known": 0}, 60, 0, False, "none of the platform's 60"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("what", "fields", "stored", "held", "counts", "why"), WALKS, ids=[w[0] for w in WALKS]
)
def test_which_runs_count_as_walks(
    what: str, fields: dict[str, Any], stored: int, held: int, counts: bool, why: str
) -> None:
    verdict = walk_counts(job(**fields), stored=stored, pending_writes=held)
    assert verdict.counts is counts, what
    assert why in verdict.why
    assert bool(verdict.why) is not counts  # a run that does not count always says why


def listing(last_seen: datetime = T0 - HOUR) -> Listing:
    return Listing(id="a1", platform="demo-classifieds", url="http://127.0.0.1:9/ad/1",
                   last_seen=last_seen)  # fmt: skip


def test_two_misses_in_a_row_remove_with_the_first_walks_time() -> None:
    lst = listing()
    walk1, walk2 = T0, T0 + 6 * HOUR
    assert was_missed(lst, walk1)
    assert record_miss(lst, walk1, threshold=2) is False
    assert (lst.missed_walks, lst.missed_since, lst.removed_at) == (1, walk1, None)
    assert record_miss(lst, walk2, threshold=2) is True
    assert (lst.missed_walks, lst.removed_at) == (2, walk1)
    # Removed stays removed: later walks neither count again nor move the date.
    assert not was_missed(lst, walk2 + 6 * HOUR)
    assert record_miss(lst, walk2 + 6 * HOUR, threshold=2) is False
    assert (lst.missed_walks, lst.removed_at) == (2, walk1)


def test_a_sighting_between_misses_starts_the_series_over() -> None:
    lst = listing()
    record_miss(lst, T0, threshold=2)
    assert record_seen(lst, T0 + HOUR) is False  # not removed: no return to tell
    assert (lst.missed_walks, lst.missed_since, lst.returned_at) == (0, None, None)
    assert record_miss(lst, T0 + 2 * HOUR, threshold=2) is False
    assert record_miss(lst, T0 + 3 * HOUR, threshold=2) is True
    assert lst.removed_at == T0 + 2 * HOUR  # the first miss of this series


def test_a_returning_listing_is_marked_returned_and_can_be_removed_again() -> None:
    lst = listing()
    record_miss(lst, T0, threshold=1)
    assert lst.removed_at == T0
    back = T0 + 5 * HOUR
    assert record_seen(lst, back) is True
    assert (lst.removed_at, lst.returned_at, lst.missed_walks) == (None, back, 0)
    lst.last_seen = back
    assert not was_missed(lst, back)  # seen at the walk's start is seen
    assert record_miss(lst, back + HOUR, threshold=1) is True
    assert (lst.removed_at, lst.returned_at) == (back + HOUR, back)  # the last return stays


def test_a_listing_seen_during_the_walk_is_not_missed() -> None:
    assert not was_missed(listing(last_seen=T0), T0)
    assert not was_missed(listing(last_seen=T0 + HOUR), T0)
    assert was_missed(listing(last_seen=T0 - timedelta(seconds=1)), T0)
    # A naive time is read as UTC, as the stores do.
    assert was_missed(listing(last_seen=datetime(2026, 11, 2, 5, 0)), T0)


@pytest.mark.parametrize(
    ("value", "expected"), [(None, 2), ("", 2), ("3", 3), (1, 1), ("0", None), ("two", None), (True, None)]
)  # fmt: skip
def test_the_setting_is_checked_with_its_name(value: Any, expected: int | None) -> None:
    settings = {} if value is None else {"STORE_REMOVED_AFTER_MISSES": value}
    if expected is not None:
        assert removed_after_misses(settings) == expected
        return
    with pytest.raises(ConfigError) as err:
        removed_after_misses(settings)
    assert "STORE_REMOVED_AFTER_MISSES" in str(err.value)
