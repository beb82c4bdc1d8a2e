"""The Spidermon suite (crawler.health.monitors) and the run's measurements (metrics)."""

from __future__ import annotations

import pytest
from test_judge import CASES, HEALTHY, HISTORY, NOW, job

from crawler.health import metrics as M
from crawler.health.judge import judge
from crawler.health.monitors import CrawlHealthMonitorSuite, monitor_run
from crawler.models import Listing, Price
from crawler.profiles import HealthThresholds


def stats_for(metrics: dict[str, float]) -> dict[str, float]:
    """Scrapy stats that `run_metrics` reads back as these metrics."""
    stats = {
        "listing/list_pages_read": metrics.get("list_pages", 0),
        M.STAT_ENTRIES: metrics.get("entries", 0),
        M.STAT_LIST_ZERO: metrics.get("list_zero_entries", 0),
        "listing/list_page_errors": metrics.get("list_page_errors", 0),
        "listing/detail_pages": metrics.get("detail_pages", 0),
        M.STAT_DETAIL_NO_MATCH: metrics.get("detail_no_match", 0),
        M.STAT_LISTINGS: metrics.get("listings", 0),
        "store/new": metrics.get("new", 0),
        "downloader/response_count": metrics.get("responses", 0),
        "downloader/response_status_count/403": metrics.get("http_errors", 0),
        "downloader/request_count": metrics.get("requests", 0),
        "retry/count": metrics.get("retries", 0),
        M.STAT_ERROR_PAGES: metrics.get("pages_checked", 0)
        - metrics.get("list_pages", 0)
        - metrics.get("detail_pages", 0),
        M.STAT_STALLED: metrics.get("stalled_s", 0),
        "tor/request_count": metrics.get("tor_requests", 0),
        "tor/failures/circuit": metrics.get("tor_failures", 0),
        "browser/disconnects": metrics.get("browser_crashes", 0),
        M.STAT_LATENCY_MEDIAN: metrics.get("latency_median_s", 0),
    }
    for field in M.COVERAGE_FIELDS:
        if M.coverage(field) in metrics:
            stats[M.STAT_FIELD + field] = metrics[M.coverage(field)] * metrics["listings"]
    for key, value in metrics.items():
        if key.startswith("page_"):
            stats[f"{M.STAT_PAGE}{key[5:]}"] = value
        elif key.startswith("expect_missing_"):
            kind, _, index = key[len("expect_missing_") :].partition("_")
            stats[f"{M.STAT_EXPECT}{kind}/{index}"] = value
    return stats


@pytest.mark.parametrize(
    ("name", "metrics", "job_kw", "history", "status", "expected"),
    CASES,
    ids=[c[0] for c in CASES],
)
def test_the_spidermon_suite_judges_as_the_pure_function(
    name, metrics, job_kw, history, status, expected
):
    values = {**HEALTHY, **metrics}
    this = job(0, **job_kw)
    by_suite = monitor_run(stats_for(values), this, history, None, now=NOW)
    by_function = judge(this, M.run_metrics(stats_for(values)), history, now=NOW)
    assert by_suite == by_function
    assert (by_suite.status, [r.code for r in by_suite.reasons]) == (status, expected)


def test_the_suite_has_one_spidermon_monitor_per_check():
    from spidermon import Monitor

    from crawler.health.judge import CHECKS

    suite = CrawlHealthMonitorSuite()
    monitors = suite.all_monitors
    assert all(isinstance(m, Monitor) for m in monitors)
    assert sorted(type(m).check.__name__ for m in monitors) == sorted(c.__name__ for c in CHECKS)


def test_run_metrics_leave_robots_txt_out_and_compute_rates_and_coverage():
    stats = {
        "listing/list_pages_read": 4,
        M.STAT_ENTRIES: 40,
        "listing/detail_pages": 20,
        M.STAT_LISTINGS: 20,
        M.STAT_FIELD + "price": 5,
        "downloader/response_count": 25,
        "downloader/response_status_count/200": 22,
        "downloader/response_status_count/404": 2,
        "downloader/response_status_count/503": 1,
        "downloader/response_status_count/301": 0,
        "robotstxt/response_count": 1,
        "robotstxt/response_status_count/404": 1,
        "downloader/request_count": 27,
        "robotstxt/request_count": 1,
        M.STAT_PAGE + "captcha": 2,
        M.STAT_PAGE + "captcha/recaptcha_widget": 2,
        M.STAT_EXPECT + "detail/1": 3,
        M.STAT_LATENCY_MEDIAN: 0.05,
        "finish_reason": "finished",  # not a number: ignored
    }
    m = M.run_metrics(stats)
    assert m["responses"] == 24 and m["http_errors"] == 2 and m["requests"] == 26
    assert m["entries_per_list_page"] == 10
    assert m["coverage_price"] == 0.25 and m["coverage_title"] == 0
    assert m["page_captcha"] == 2 and "page_captcha/recaptcha_widget" not in m
    assert m["expect_missing_detail_1"] == 3
    assert m["latency_median_s"] == 0.05
    assert m["pages_checked"] == 24


def test_listing_fields_for_coverage():
    listing = Listing(
        id="x",
        platform="demo",
        url="http://127.0.0.1/x",
        title="A title",
        body=" ",
        prices=[Price(amount=10, currency="EUR")],
        handles=[],
        emails=["someone@example.org"],
    )
    assert M.listing_fields(listing) == ["title", "price", "contact"]


def test_profile_thresholds_reach_the_suite():
    from crawler.profiles import PlatformProfile

    profile = PlatformProfile.model_validate(
        {
            "name": "demo",
            "base_url": "http://127.0.0.1:1",
            "category": "classifieds",
            "seeds": ["/"],
            "list": {"item": "li", "link": "a::attr(href)"},
            "detail": {"fields": {"title": "h1::text"}},
            "health": {"list_zero_entries_allowed": 2},
        }
    )
    assert profile.health == HealthThresholds(list_zero_entries_allowed=2)
    values = {**HEALTHY, "list_zero_entries": 2, "entries": 60, "entries_per_list_page": 15}
    assert monitor_run(stats_for(values), job(0), HISTORY, profile, now=NOW).status == "healthy"
    values["list_zero_entries"] = 3
    health = monitor_run(stats_for(values), job(0), HISTORY, profile, now=NOW)
    assert [r.code for r in health.reasons] == ["list_zero_entries"]
