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
import sys
from typing import Any

from crawler.crawl.outcome import (
    EXIT_CONFIG,
    EXIT_FAILED,
    EXIT_LOCKED,
    crawl_exit,
    crawl_summary,
    peak_rss_mb,
)

__all__ = ["cmd_crawl", "peak_rss_mb", "register"]


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
    from crawler.profiles import UnknownPlatform, find_profile
    from crawler.schedule.lock import PlatformLock

    settings = args.settings
    # Only the files that may define the platform are parsed (other platforms' broken files
    # are for `crawler profiles check`, the scheduler and `crawler status` to report).
    try:
        profile = find_profile(args.platform, settings=settings)
    except UnknownPlatform as exc:
        _err(str(exc))  # its broken file, or what is configured
        return EXIT_CONFIG
    from crawler.crawl.settings import profile_settings

    # A setting this platform's crawl cannot use (TOR_STRICT=maybe, a bad TOR_SOCKS_URL...)
    # is a ConfigError here, one line and exit 2, before a lock, a store or a request.
    profile_settings(profile, settings)
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
        return _crawl(args, profile)
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
    summary = crawl_summary(args.platform, crawler)
    print("crawl " + " ".join(f"{k}={v}" for k, v in summary.items()), flush=True)
    stats = crawler.stats.get_stats() if crawler.stats else {}
    job = getattr(crawler.spider, "job", None)
    return crawl_exit(args.platform, stats, job, summary["finish_reason"], _err)
