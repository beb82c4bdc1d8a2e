"""How a finished crawl went: its one-line summary and its exit code (one place for both).

`crawler crawl` (crawler.cli.crawl) prints them and exits with the code; `crawler worker`
(crawler.worker) records them for each run it does in-process. The codes are documented in
crawler/cli/crawl.py.
"""

from __future__ import annotations

import resource
from collections.abc import Callable
from typing import Any

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3
EXIT_FAILED = 4
EXIT_SPOOLED = 5
EXIT_NEEDS_LOGIN = 6


def crawl_summary(platform: str, crawler: Any) -> dict[str, Any]:
    """The `crawl key=value ...` fields of a finished crawl (a Scrapy Crawler)."""
    stats = crawler.stats.get_stats() if crawler.stats else {}
    reason = stats.get("finish_reason", "unknown")
    job = getattr(crawler.spider, "job", None)
    summary = {
        "platform": platform,
        "mode": stats.get("listing/mode"),
        "status": getattr(job, "status", None),
        "finish_reason": reason,
        "pages": stats.get("response_received_count", 0),
        "new": stats.get("store/new", 0),
        "changed": stats.get("store/changed", 0),
        "unchanged": stats.get("store/unchanged", 0),
        "skipped_known": stats.get("listing/skipped_known", 0),
        "failed_pages": stats.get("listing/detail_page_errors", 0),
        "refused": stats.get("scope/refused", 0),
        "spooled": getattr(job, "spooled", 0),
        "errors": stats.get("log_count/ERROR", 0),
        "peak_rss_mb": peak_rss_mb(),
        # healthy | degraded | failing (crawler.health; the reasons are in the log and in
        # `crawler health`), or none when the run could not be judged
        "health": job.health.status if job is not None and job.health is not None else None,
    }
    return summary


def peak_rss_mb() -> int:
    """This process's own peak resident memory in MiB.

    From VmHWM in /proc/self/status: getrusage's ru_maxrss is wrong for a process that was
    started by another one, because Linux carries the parent's high-water mark over the
    fork and exec (a crawl started by a 450 MB process would report at least 450 MB).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) // 1024
    except (OSError, ValueError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


def crawl_exit(
    platform: str,
    stats: dict[str, Any],
    job: Any,
    reason: str,
    _err: Callable[[str], None],
) -> int:
    """The exit code of a finished crawl, with one line on standard error when it is not 0."""
    status = getattr(job, "status", None)
    if job is None:
        _err(f"{platform}: crawl: the crawl did not start ({reason}); see the log above")
        return EXIT_FAILED
    if job.spooled:
        listings = stats.get("store/spooled_listings_at_end", 0)
        _err(
            f"{platform}: store: {listings:,} listings spooled ({job.spooled:,} writes in all), "
            "not yet in Elasticsearch; they are replayed when it is back"
        )
    if status == "needs_login":
        _err(f"{platform}: login: {job.message}")
        return EXIT_NEEDS_LOGIN
    if status == "failed" and stats.get("auth/error"):
        _err(f"{platform}: login: {job.message}")
        return EXIT_CONFIG if stats.get("auth/config_error") else EXIT_FAILED
    if status == "failed":
        stage = (
            "evidence"
            if stats.get("evidence/error")
            else "store"
            if stats.get("store/errors")
            else "parse"
        )
        _err(f"{platform}: {stage}: {job.message}")
        return EXIT_FAILED
    if stats.get("removed/errors"):
        # The walk is stored, but its misses could not be counted (crawler.evidence.removed).
        _err(f"{platform}: store: removed listings: {job.removed_note}")
        return EXIT_FAILED
    if status == "paused":
        _err(f"{platform}: politeness: {job.message}; the next run resumes")
        return EXIT_INCOMPLETE
    list_errors = stats.get("listing/list_page_errors", 0) + stats.get(
        "listing/list_parse_errors", 0
    )
    if list_errors:
        why = stats.get("listing/list_parse_error") or stats.get("listing/list_page_error")
        _err(
            f"{platform}: list pages: {list_errors} list page(s) could not be read ({why}); "
            "the run is incomplete and the next run walks every list page again"
        )
        return EXIT_INCOMPLETE
    logged_out = stats.get("auth/read_logged_out", 0)
    if logged_out:
        _err(f"{platform}: login: {job.message}")
        return EXIT_INCOMPLETE
    if reason not in {"finished", "closespider_pagecount", "closespider_itemcount"}:
        _err(f"{platform}: crawl: stopped before the end ({reason}); the next run resumes")
        return EXIT_INCOMPLETE
    return EXIT_SPOOLED if job.spooled else EXIT_OK
