"""A run's measurements: the Scrapy stats the health monitors read, and their names.

The spider counts what it knows where it knows it, under `health/` (list entries, list
pages with zero entries, detail pages matching no selector, page signals from
crawler.health.pages, `expect:` selectors missing, response times); `HealthStats` (a Scrapy
extension, settings/base.py EXTENSIONS) counts field coverage over the listings the run
stored; Scrapy, the tor route and the browser route count the rest (downloader/*, retry/*,
tor/*, browser/*). `run_metrics(stats)` turns one run's stats into the flat
name -> number dict that the judgement reads and that is stored with the job
(CrawlHealth.metrics), so that later runs compare with it.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.models import Listing

# ---- stats the spider and HealthStats write ------------------------------------------------
STAT_ENTRIES = "health/entries"  # list entries with a link (listings found on list pages)
STAT_LIST_ZERO = "health/list_zero_entries"  # list pages whose entry selector matched nothing
STAT_DETAIL_NO_MATCH = "health/detail_no_match"  # detail pages where no field selector matched
STAT_ERROR_PAGES = "health/error_pages"  # failed pages with an HTTP response (4xx/5xx)
STAT_PAGE = "health/page/"  # + kind (+ "/" + rule): pages the page classifier recognised
STAT_EXPECT = "health/expect_missing/"  # + list|detail + "/" + index of the selector
# The median response time of list, detail and API pages (the spider sets it at the end:
# a median, so that a few slow answers on a loaded machine are not a slow site).
STAT_LATENCY_MEDIAN = "health/latency_median_s"
STAT_STALLED = "health/stalled_s"  # longest time without progress (the stalled monitor)
STAT_LISTINGS = "health/listings"  # listings stored this run (the coverage denominator)
STAT_FIELD = "health/field/"  # + field: listings stored with that field

# ---- metric names (CrawlHealth.metrics) -----------------------------------------------------
LIST_PAGES = "list_pages"
ENTRIES = "entries"
ENTRIES_PER_LIST_PAGE = "entries_per_list_page"
LIST_ZERO_ENTRIES = "list_zero_entries"
LIST_PAGE_ERRORS = "list_page_errors"
DETAIL_PAGES = "detail_pages"
DETAIL_NO_MATCH = "detail_no_match"
LISTINGS = "listings"
NEW = "new"
RESPONSES = "responses"
HTTP_ERRORS = "http_errors"
REQUESTS = "requests"
RETRIES = "retries"
PAGES_CHECKED = "pages_checked"
LATENCY_S = "latency_median_s"
STALLED_S = "stalled_s"
TOR_REQUESTS = "tor_requests"
TOR_FAILURES = "tor_failures"
BROWSER_CRASHES = "browser_crashes"

COVERAGE_FIELDS = ("title", "body", "price", "contact", "posted_at")


def coverage(field: str) -> str:
    return f"coverage_{field}"


def page(kind: str) -> str:
    return f"page_{kind}"


def expect_missing(kind: str, index: int | str) -> str:
    return f"expect_missing_{kind}_{index}"


def listing_fields(listing: Listing) -> list[str]:
    """Which of the coverage fields a stored listing has."""
    present = {
        "title": bool(listing.title.strip()),
        "body": bool(listing.body.strip()),
        "price": bool(listing.prices),
        "contact": bool(listing.phones or listing.emails or listing.handles or listing.wallets),
        "posted_at": listing.posted_at is not None,
    }
    return [name for name in COVERAGE_FIELDS if present[name]]


def _sum(stats: Mapping[str, Any], prefix: str, low: int, high: int) -> float:
    total = 0.0
    for key, value in stats.items():
        if key.startswith(prefix):
            code = key[len(prefix) :]
            if code.isdigit() and low <= int(code) < high:
                total += float(value)
    return total


def run_metrics(stats: Mapping[str, Any]) -> dict[str, float]:
    """One run's measurements from its Scrapy stats (robots.txt fetches left out)."""

    def get(key: str) -> float:
        value = stats.get(key, 0)
        return float(value) if isinstance(value, int | float) else 0.0

    list_pages = get("listing/list_pages_read")
    entries = get(STAT_ENTRIES)
    detail_pages = get("listing/detail_pages")
    responses = get("downloader/response_count") - get("robotstxt/response_count")
    errors = _sum(stats, "downloader/response_status_count/", 400, 600) - _sum(
        stats, "robotstxt/response_status_count/", 400, 600
    )
    out: dict[str, float] = {
        LIST_PAGES: list_pages,
        ENTRIES: entries,
        LIST_ZERO_ENTRIES: get(STAT_LIST_ZERO),
        LIST_PAGE_ERRORS: get("listing/list_page_errors") + get("listing/list_parse_errors"),
        DETAIL_PAGES: detail_pages,
        DETAIL_NO_MATCH: get(STAT_DETAIL_NO_MATCH),
        LISTINGS: get(STAT_LISTINGS),
        NEW: get("store/new"),
        RESPONSES: max(responses, 0.0),
        HTTP_ERRORS: max(errors, 0.0),
        REQUESTS: max(get("downloader/request_count") - get("robotstxt/request_count"), 0.0),
        RETRIES: get("retry/count"),
        PAGES_CHECKED: list_pages + detail_pages + get(STAT_ERROR_PAGES),
        STALLED_S: get(STAT_STALLED),
        TOR_REQUESTS: get("tor/request_count"),
        TOR_FAILURES: sum(
            get(f"tor/failures/{kind}") for kind in ("circuit", "timeout", "unreachable", "other")
        ),
        BROWSER_CRASHES: get("browser/disconnects"),
    }
    if list_pages and entries:
        out[ENTRIES_PER_LIST_PAGE] = entries / list_pages
    if get(STAT_LATENCY_MEDIAN):
        out[LATENCY_S] = get(STAT_LATENCY_MEDIAN)
    listings = out[LISTINGS]
    if listings:
        for name in COVERAGE_FIELDS:
            out[coverage(name)] = get(STAT_FIELD + name) / listings
    for key in stats:
        if key.startswith(STAT_PAGE) and key.count("/") == 2:
            out[page(key[len(STAT_PAGE) :])] = get(key)
        elif key.startswith(STAT_EXPECT):
            kind, _, index = key[len(STAT_EXPECT) :].partition("/")
            out[expect_missing(kind, index)] = get(key)
    return out


class HealthStats:
    """Counts field coverage over the listings a run stores (item_scraped: after the store).

    Stats: health/listings and health/field/<title|body|price|contact|posted_at>.
    """

    def __init__(self, stats: Any) -> None:
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Any) -> HealthStats:
        from scrapy import signals

        ext = cls(crawler.stats)
        crawler.signals.connect(ext.item_scraped, signal=signals.item_scraped)
        return ext

    def item_scraped(self, item: Any, response: Any = None, spider: Any = None) -> None:
        listing = getattr(item, "listing", None)
        if not isinstance(listing, Listing):
            return
        self.stats.inc_value(STAT_LISTINGS)
        for name in listing_fields(listing):
            self.stats.inc_value(STAT_FIELD + name)
