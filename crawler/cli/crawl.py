"""`crawler crawl NAME`: one run of one platform, the unit the scheduler, cron or systemd runs.

Takes the platform's lock (CRAWLER_DATA_DIR/locks/NAME.lock, shared with the scheduler and
`flock` from cron), checks that the store can take writes, runs ListingSpider in a Scrapy
process with the command's settings (crawler.config: module, environment, `-s`), prints one
`crawl key=value ...` summary line, and exits with a code that says how the run went:

  0  complete: the platform was walked to its end
  1  incomplete: some list pages failed, or the run was stopped or paused, or a members-only
     platform kept serving pages logged out after the run's logins (auth.max_logins) were
     used (the rest is stored)
  2  configuration: the profile or a setting is broken; nothing was crawled
  3  locked: another process is crawling this platform
  4  failed: no list page could be read, or the store cannot be written (nor count the
     walk's missed listings: crawler.evidence.removed)
  5  spooled: the run is complete but some of its writes wait in the Elasticsearch spool
     (Elasticsearch was down at the end); they are replayed when it is back
  6  needs_login: a members-only platform asks for a login only a human can do (a
     CAPTCHA): the platform stopped at once; run `crawler login PLATFORM`, then crawl again

A members-only platform whose login was refused (wrong username or password) is `failed`
(4, stage "login"); a missing secret or an unusable session file is a configuration error
(2, the job recorded `failed` with the variable or file named).

with one line on standard error (platform, stage, reason) whenever it is not 0.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
from typing import Any

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_CONFIG = 2
EXIT_LOCKED = 3
EXIT_FAILED = 4
EXIT_SPOOLED = 5
EXIT_NEEDS_LOGIN = 6


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "crawl", help="crawl one configured platform (the unit cron or the scheduler runs)"
    )
    p.add_argument("platform")
    p.add_argument("--full", action="store_true", help="walk every list page (no incremental stop)")
    p.set_defaults(func=cmd_crawl, scrapy_logging=True)


def _err(msg: str) -> None:
    from crawler.cli.console import printable

    print(f"crawler: {printable(msg)}", file=sys.stderr)


def cmd_crawl(args: argparse.Namespace) -> int:
    from crawler.profiles import load_profiles
    from crawler.schedule.lock import PlatformLock

    settings = args.settings
    profiles = load_profiles(settings=settings)
    if args.platform not in profiles:
        _err(profiles.not_found(args.platform))
        return EXIT_CONFIG
    for err in profiles.errors:  # other platforms' broken files: said, not fatal here
        _err(f"warning: broken profile ignored: {err}")
    from crawler.crawl.settings import profile_settings

    # A setting this platform's crawl cannot use (TOR_STRICT=maybe, a bad TOR_SOCKS_URL...)
    # is a ConfigError here, one line and exit 2, before a lock, a store or a request.
    profile_settings(profiles[args.platform], settings)
    from crawler.evidence.capture import check_settings as check_capture_settings

    check_capture_settings(settings)  # EVIDENCE_ENABLED=maybe, a missing signing key
    lock = None
    if "SCHEDULER_LOCK_FD" not in os.environ:  # the scheduler hands its own lock down
        lock = PlatformLock.for_settings(settings, args.platform)
        if not lock.acquire():
            _err(f"{args.platform}: a crawl of this platform is already running")
            return EXIT_LOCKED
    try:
        problem = _store_preflight(settings)
        if problem:
            _err(f"{args.platform}: store: {problem}")
            return EXIT_FAILED
        return _crawl(args, profiles[args.platform])
    finally:
        if lock is not None:
            lock.release()


def _store_preflight(settings: Any) -> str | None:
    """Why the store cannot take this crawl's writes (one line), or None when it can."""
    from crawler.store import StoreError, open_store

    async def check() -> None:
        async with open_store(settings) as store:
            await store.check_writable()

    try:
        asyncio.run(check())
    except StoreError as exc:
        return str(exc)
    return None


def _crawl(args: argparse.Namespace, profile: Any) -> int:
    from scrapy.crawler import CrawlerProcess

    from crawler.cli.console import install_printable_filter

    process = CrawlerProcess(args.settings)
    install_printable_filter(profile.session_params)  # session ids in URLs: crawler.crawl.urls
    # By name, through Scrapy's spider loader (SPIDER_MODULES): crawler/ never imports spiders/.
    crawler = process.create_crawler("listing")
    process.crawl(crawler, profile=profile, full=args.full)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    reason = stats.get("finish_reason", "unknown")
    job = getattr(crawler.spider, "job", None)
    summary = {
        "platform": args.platform,
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
    print("crawl " + " ".join(f"{k}={v}" for k, v in summary.items()), flush=True)
    return crawl_exit(args.platform, stats, job, reason)


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


def crawl_exit(platform: str, stats: dict[str, Any], job: Any, reason: str) -> int:
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
