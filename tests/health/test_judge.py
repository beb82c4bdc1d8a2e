"""The judgement of a run (crawler.health.judge): case tables, one row per situation.

Each case is this run's metrics (over a typical healthy run), the platform's history and
thresholds, and the status and reason codes an analyst must see.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawler.health.judge import judge
from crawler.models import CrawlHealth, CrawlJob
from crawler.profiles import HealthThresholds

NOW = datetime(2026, 12, 2, 12, 0, tzinfo=UTC)

# A healthy full run of a classifieds site: 4 list pages of 20 entries, 80 detail pages.
HEALTHY = {
    "list_pages": 4,
    "entries": 80,
    "entries_per_list_page": 20,
    "list_zero_entries": 0,
    "list_page_errors": 0,
    "detail_pages": 80,
    "detail_no_match": 0,
    "listings": 80,
    "new": 80,
    "responses": 84,
    "http_errors": 0,
    "requests": 84,
    "retries": 0,
    "pages_checked": 84,
    "latency_median_s": 0.02,
    "stalled_s": 0,
    "coverage_title": 1.0,
    "coverage_body": 1.0,
    "coverage_price": 0.8,
    "coverage_contact": 0.7,
    "coverage_posted_at": 0.9,
}


def job(n: int = 0, *, mode: str = "full", new: int = 80, status: str = "finished", **kw):
    """The n-th job before NOW (hourly), judged healthy with HEALTHY metrics unless told."""
    health = kw.pop("health", CrawlHealth(status="healthy", metrics=dict(HEALTHY)))
    started = NOW - timedelta(hours=n)
    return CrawlJob(
        id=f"demo-{n}",
        platform="demo",
        started_at=started,
        finished_at=started + timedelta(minutes=2),
        status=status,
        mode=mode,
        new=new,
        health=health,
        **kw,
    )


HISTORY = [job(n) for n in range(1, 6)]


def run(metrics=None, history=HISTORY, thresholds=None, **job_kw):
    this = job(0, **job_kw)
    values = {**HEALTHY, **(metrics or {})}
    return judge(this, values, history, thresholds or HealthThresholds(), now=NOW)


def codes(health):
    return [r.code for r in health.reasons]


CASES = [
    # (name, metrics over HEALTHY, job fields, history, status, codes)
    ("unchanged run", {}, {}, HISTORY, "healthy", []),
    ("first run, no history, listings found", {}, {}, [], "healthy", []),
    (
        "first run, no history, list selector matches nothing",
        {"entries": 0, "list_zero_entries": 4, "detail_pages": 0, "listings": 0},
        {"new": 0},
        [],
        "failing",
        ["list_zero_entries"],
    ),
    (
        "layout changed: zero entries on every list page where there used to be 80",
        {"entries": 0, "list_zero_entries": 4, "detail_pages": 0, "listings": 0, "new": 0},
        {"new": 0},
        HISTORY,
        "failing",
        ["list_zero_entries", "items_drop"],
    ),
    (
        # An emptied category (a forum section with no thread left) is ordinary.
        "one list page of four with zero entries",
        {"entries": 60, "entries_per_list_page": 15, "list_zero_entries": 1},
        {},
        HISTORY,
        "healthy",
        [],
    ),
    (
        "two list pages of four with zero entries",
        {"entries": 40, "entries_per_list_page": 10, "list_zero_entries": 2},
        {},
        HISTORY,
        "degraded",
        ["list_zero_entries"],
    ),
    (
        "listings found halved (same mode)",
        {"entries": 30, "entries_per_list_page": 15, "list_pages": 2},
        {},
        HISTORY,
        "degraded",
        ["items_drop"],
    ),
    (
        "entries per list page dropped to a quarter",
        {"entries": 80, "list_pages": 16, "entries_per_list_page": 5},
        {},
        HISTORY,
        "degraded",
        ["entries_drop"],
    ),
    (
        "price coverage fell from 80% to 10%",
        {"coverage_price": 0.1},
        {},
        HISTORY,
        "degraded",
        ["coverage_drop:price"],
    ),
    (
        "coverage on too few listings is not judged",
        {"coverage_price": 0.0, "listings": 3},
        {},
        HISTORY,
        "healthy",
        [],
    ),
    (
        "detail pages match no selector (all of them)",
        {"detail_no_match": 80, "coverage_title": 0, "coverage_body": 0, "coverage_price": 0},
        {},
        HISTORY,
        "failing",
        [
            "detail_no_match",
            "coverage_drop:title",
            "coverage_drop:body",
            "coverage_drop:price",
        ],
    ),
    (
        "login wall on every page",
        {
            "entries": 0,
            "list_zero_entries": 4,
            "page_login_wall": 4,
            "pages_checked": 4,
            "detail_pages": 0,
            "listings": 0,
        },
        {"new": 0},
        HISTORY,
        "failing",
        ["login_wall", "list_zero_entries", "items_drop"],
    ),
    (
        "one CAPTCHA page among 84",
        {"page_captcha": 1},
        {},
        HISTORY,
        "degraded",
        ["captcha"],
    ),
    (
        "403 block on every list page: the run failed",
        {
            "list_pages": 0,
            "entries": 0,
            "list_page_errors": 4,
            "responses": 4,
            "http_errors": 4,
            "requests": 4,
            "page_block_page": 4,
            "pages_checked": 4,
            "detail_pages": 0,
            "listings": 0,
        },
        {"status": "failed", "new": 0},
        HISTORY,
        "failing",
        ["block_page", "items_drop", "http_errors", "run_failed"],
    ),
    (
        "25% HTTP errors",
        {"responses": 100, "http_errors": 25},
        {},
        HISTORY,
        "degraded",
        ["http_errors"],
    ),
    (
        "a few errors on a small run are not judged",
        {"responses": 5, "http_errors": 2, "requests": 5},
        {},
        HISTORY,
        "healthy",
        [],
    ),
    (
        "30% retries",
        {"requests": 100, "retries": 30},
        {},
        HISTORY,
        "degraded",
        ["retries"],
    ),
    (
        "responses 100x slower than usual",
        {"latency_median_s": 2.0},
        {},
        HISTORY,
        "degraded",
        ["slow"],
    ),
    (
        "10x slower but still fast in absolute terms",
        {"latency_median_s": 0.2},
        {},
        HISTORY,
        "healthy",
        [],
    ),
    (
        "1.2 s on a loaded machine: over 5x the usual but not over 1.5 s",
        {"latency_median_s": 1.2},
        {},
        HISTORY,
        "healthy",
        [],
    ),
    (
        "slow without history is not judged",
        {"latency_median_s": 2.0},
        {},
        [],
        "healthy",
        [],
    ),
    ("stalled 11 minutes", {"stalled_s": 660}, {}, HISTORY, "degraded", ["stalled"]),
    (
        "tor circuits failing",
        {"tor_requests": 20, "tor_failures": 12},
        {},
        HISTORY,
        "degraded",
        ["tor_circuits"],
    ),
    ("browser crashed", {"browser_crashes": 1}, {}, HISTORY, "degraded", ["browser_crash"]),
    (
        "expect selector missing on every list page",
        {"expect_missing_list_0": 4},
        {},
        HISTORY,
        "failing",
        ["expect_missing"],
    ),
    (
        "expect selector missing on a few detail pages",
        {"expect_missing_detail_1": 5},
        {},
        HISTORY,
        "degraded",
        ["expect_missing"],
    ),
]


@pytest.mark.parametrize(
    ("name", "metrics", "job_kw", "history", "status", "expected"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_judgement(name, metrics, job_kw, history, status, expected):
    health = run(metrics, history, **job_kw)
    assert (health.status, codes(health)) == (status, expected)
    assert health.checked_at == NOW
    for reason in health.reasons:
        assert reason.message and reason.advice


def test_the_message_names_the_profile_selector_and_the_count():
    health = judge(
        job(0),
        {**HEALTHY, "entries": 40, "list_zero_entries": 3, "list_pages": 5},
        HISTORY,
        HealthThresholds(),
        now=NOW,
        list_selector="list.item",
    )
    reason = health.reasons[0]
    assert reason.code == "list_zero_entries"
    assert reason.message == "selector list.item matched 0 entries on 3 list page(s) of 5"
    assert "layout may have changed" in reason.advice
    assert reason.value == 3 and reason.threshold == 0


def test_incremental_runs_compare_listings_found_with_incremental_runs_only():
    # Full runs find 80; incremental runs of an unchanged site read one page per seed (20).
    history = [job(n, mode="incremental", new=0) for n in range(1, 4)]
    for j in history:
        assert j.health is not None
        j.health.metrics.update(entries=20, list_pages=1, listings=0)
    history += [job(n, mode="full", new=0) for n in range(4, 8)]
    incremental = {"entries": 20, "list_pages": 1, "listings": 0, "detail_pages": 0}
    assert run(incremental, history, mode="incremental", new=0).status == "healthy"
    fewer = {**incremental, "entries": 5, "list_pages": 5}  # more pages, fewer listings
    assert codes(run(fewer, history, mode="incremental", new=0)) == ["items_drop", "entries_drop"]


def test_unhealthy_runs_never_become_the_baseline():
    broken = CrawlHealth(
        status="failing",
        metrics={**HEALTHY, "entries": 0, "list_zero_entries": 4},
    )
    history = [job(n, health=broken, new=0) for n in range(1, 20)] + [job(n) for n in range(20, 25)]
    still_broken = run({"entries": 0, "list_zero_entries": 4, "listings": 0}, history, new=0)
    assert still_broken.status == "failing"
    # (and 19 hours without new listings, where there were new ones every hour: a flatline)
    assert codes(still_broken) == ["list_zero_entries", "items_drop", "flatline"]


def test_zero_entry_pages_that_are_usual_for_the_platform_are_not_reasons():
    usual = {**HEALTHY, "list_zero_entries": 1}
    history = [job(n, health=CrawlHealth(metrics=usual)) for n in range(1, 5)]
    assert run({"list_zero_entries": 1}, history).status == "healthy"
    assert codes(run({"list_zero_entries": 2}, history)) == ["list_zero_entries"]


def test_min_history_and_thresholds_come_from_the_profile():
    few = HISTORY[:2]
    halved = {"entries": 30, "entries_per_list_page": 15, "list_pages": 2}
    assert run(halved, few).status == "healthy"  # 2 runs < min_history 3
    assert codes(run(halved, few, HealthThresholds(min_history=2))) == ["items_drop"]
    assert run(halved, HISTORY, HealthThresholds(items_drop=0.9)).status == "healthy"


FLATLINE_CASES = [
    # (hours of earlier runs that found new listings, this run's new, status, codes)
    ("new listings every 2 hours, last one 4 hours ago", [4, 6, 8, 10], 0, "healthy", []),
    ("new listings every 2 hours, none for 8 hours", [8, 10, 12, 14], 0, "degraded", ["flatline"]),
    ("this run found new listings", [8, 10, 12, 14], 3, "healthy", []),
    ("too few runs with new listings to learn a rhythm", [20, 40, 60], 0, "healthy", []),
    ("a slow rhythm: every 24 hours, none for 30", [30, 54, 78, 102], 0, "healthy", []),
]


@pytest.mark.parametrize(
    ("name", "hours", "new", "status", "expected"),
    FLATLINE_CASES,
    ids=[c[0] for c in FLATLINE_CASES],
)
def test_flatline(name, hours, new, status, expected):
    # Hourly runs over the last 5 days; those at `hours` found new listings.
    history = [job(n, new=10 if n in hours else 0) for n in range(1, 120)]
    health = run({"new": new}, history, new=new)
    assert (health.status, codes(health)) == (status, expected)
    if expected:
        assert health.reasons[0].message == (
            "no new listings for 8.0 hours; the platform usually yields new ones every "
            "2.0 hours (limit 3x)"
        )


def test_twenty_unchanged_runs_raise_nothing():
    """The demo world unchanged: a full first run, then incremental runs finding nothing new."""
    history: list[CrawlJob] = []
    first = {**HEALTHY}
    incremental = {
        **HEALTHY,
        "list_pages": 4,
        "entries": 80,
        "detail_pages": 0,
        "listings": 0,
        "new": 0,
        "responses": 4,
        "requests": 4,
        "pages_checked": 4,
    }
    for coverage in [k for k in incremental if k.startswith("coverage_")]:
        incremental.pop(coverage)
    statuses = []
    for n in range(20):
        started = NOW + timedelta(hours=n)
        this = CrawlJob(
            id=f"run-{n}",
            platform="demo",
            started_at=started,
            finished_at=started + timedelta(minutes=1),
            mode="full" if n == 0 else "incremental",
            new=80 if n == 0 else 0,
        )
        this.health = judge(this, first if n == 0 else incremental, history, now=started)
        statuses.append(this.health.status)
        history.insert(0, this)
    assert statuses == ["healthy"] * 20


def test_a_run_stopped_before_its_end_is_not_compared_with_whole_runs():
    # The scheduler stopped the crawl half-way (SIGTERM: status interrupted): fewer listings
    # found is not a drop, and the run does not become part of the baseline.
    half = {"entries": 20, "entries_per_list_page": 20, "list_pages": 1, "listings": 20}
    assert run(half, status="interrupted").status == "healthy"
    assert codes(run(half)) == ["items_drop"]
    interrupted = [job(n, status="interrupted") for n in range(1, 6)]
    assert run(half, interrupted).status == "healthy"  # no whole runs: no baseline
    stalled = run({**half, "stalled_s": 900}, status="interrupted")
    assert codes(stalled) == ["stalled"]
