"""Spidermon monitors of a run's health (docs/health.md).

- `CrawlHealthMonitorSuite`: one Spidermon Monitor per check of crawler.health.judge
  (items_drop, list_zero_entries, page signals, ...), run when the crawl job is finished;
  its finished action `HealthVerdictAction` turns the findings into the run's CrawlHealth.
  `monitor_run(stats, job, history, profile)` runs the suite (the spider's `finish_job`
  calls it, so that `job.health` is set before the finished job is recorded).
- `StalledMonitorSuite`: a Spidermon periodic suite (SPIDERMON_PERIODIC_MONITORS in
  settings/base.py): a run that makes no progress (no response and no stored listing:
  requests that keep timing out are none) for the profile's `health.stalled_minutes` is
  stopped with the finish reason "stalled" (requests in flight end within
  limits.download_timeout), and the stall is recorded in the stat health/stalled_s, which
  the close suite judges.

Why the close suite is not in SPIDERMON_SPIDER_CLOSE_MONITORS: Spidermon runs those in its
own synchronous spider_closed handler, beside (not after) the crawl store's asynchronous
one that finishes and records the job; the judgement needs the finished job (its status)
and the platform's earlier jobs from the store. So the suite runs with Spidermon's own
MonitorRunner at the point where the job is finished, and the same monitors, actions and
results apply.
"""

from __future__ import annotations

import logging
import time
import warnings
from datetime import datetime
from typing import Any, ClassVar

from spidermon import Monitor, MonitorSuite
from spidermon.core.actions import Action
from spidermon.runners import MonitorRunner

from crawler.health import judge as J
from crawler.health import metrics as M
from crawler.models import CrawlHealth, CrawlJob
from crawler.profiles import HealthThresholds, PlatformProfile

logger = logging.getLogger(__name__)

# Spidermon 1.27's periodic runner logs through Spider.log(), which Scrapy 2.19 deprecates:
# one warning per crawl process that says nothing to an analyst.
warnings.filterwarnings("ignore", message=r"Spider\.log\(\) is deprecated", module=r"spidermon\.")

# Earlier jobs read for a judgement: enough for `history_runs` healthy ones among failed or
# unjudged runs, and for the flatline rhythm.
HISTORY_JOBS = 100


class HealthMonitor(Monitor):
    """Runs one check of crawler.health.judge; fails with the check's messages."""

    check: ClassVar[Any] = None  # a staticmethod wrapping a crawler.health.judge check

    def test_check(self) -> None:
        reasons = type(self).check(self.data.health_context)
        self.data.health_findings.extend(reasons)
        if reasons:
            self.fail("; ".join(f"{r.code}: {r.message}" for r in reasons))


def _monitor(name: str, check: J.Check, doc: str) -> type[HealthMonitor]:
    return type(name, (HealthMonitor,), {"check": staticmethod(check), "__doc__": doc})


NeedsLoginMonitor = _monitor(
    "NeedsLoginMonitor", J.check_needs_login, "The platform stopped for a login by hand."
)
RunFailedMonitor = _monitor(
    "RunFailedMonitor", J.check_run_failed, "The run read no list page or stored nothing."
)
ItemsDropMonitor = _monitor(
    "ItemsDropMonitor", J.check_items_drop, "Listings found on list pages against recent runs."
)
EntriesDropMonitor = _monitor(
    "EntriesDropMonitor", J.check_entries_drop, "List entries per list page against recent runs."
)
FieldCoverageMonitor = _monitor(
    "FieldCoverageMonitor", J.check_coverage, "Field coverage per field against recent runs."
)
HttpErrorsMonitor = _monitor(
    "HttpErrorsMonitor", J.check_http_errors, "Share of responses with HTTP status 4xx/5xx."
)
RetriesMonitor = _monitor("RetriesMonitor", J.check_retries, "Retries per request.")
ListZeroEntriesMonitor = _monitor(
    "ListZeroEntriesMonitor", J.check_list_zero_entries, "List pages yielding zero entries."
)
DetailNoMatchMonitor = _monitor(
    "DetailNoMatchMonitor", J.check_detail_no_match, "Detail pages matching no selector."
)
PageSignalsMonitor = _monitor(
    "PageSignalsMonitor",
    J.check_page_signals,
    "Pages that look like a login wall, a CAPTCHA, a block page or a parked domain.",
)
ExpectMonitor = _monitor(
    "ExpectMonitor", J.check_expect, "The profile's expect: selectors present on every page."
)
StalledMonitor = _monitor("StalledMonitor", J.check_stalled, "No progress for N minutes.")
SlowMonitor = _monitor("SlowMonitor", J.check_slow, "Mean response time against recent runs.")
TorCircuitsMonitor = _monitor("TorCircuitsMonitor", J.check_tor, "Tor requests failing.")
BrowserCrashMonitor = _monitor("BrowserCrashMonitor", J.check_browser, "Browser crashes.")
FlatlineMonitor = _monitor(
    "FlatlineMonitor", J.check_flatline, "No new listings for longer than the usual rhythm."
)


class HealthVerdictAction(Action):
    """The findings of every monitor as the run's CrawlHealth (in the runner's data.meta)."""

    def run_action(self) -> None:
        ctx: J.RunContext = self.data.health_context
        self.health = J.verdict(list(self.data.health_findings), ctx.metrics, ctx.now)

    def get_meta(self) -> dict[str, Any]:
        return {"health": getattr(self, "health", None)}


class CrawlHealthMonitorSuite(MonitorSuite):
    """Every health monitor of crawler.health.judge, run when a crawl job is finished."""

    monitors: ClassVar[list[Any]] = [
        NeedsLoginMonitor,
        RunFailedMonitor,
        ItemsDropMonitor,
        EntriesDropMonitor,
        FieldCoverageMonitor,
        HttpErrorsMonitor,
        RetriesMonitor,
        ListZeroEntriesMonitor,
        DetailNoMatchMonitor,
        PageSignalsMonitor,
        ExpectMonitor,
        StalledMonitor,
        SlowMonitor,
        TorCircuitsMonitor,
        BrowserCrashMonitor,
        FlatlineMonitor,
    ]
    monitors_finished_actions: ClassVar[list[Any]] = [HealthVerdictAction]


def list_selector_name(profile: PlatformProfile | None) -> str:
    """The profile's name of the selector that finds listings on a list page."""
    return "api.items_path" if profile is not None and profile.api is not None else "list.item"


def monitor_run(
    stats: dict[str, Any],
    job: CrawlJob,
    history: list[CrawlJob],
    profile: PlatformProfile | None = None,
    now: datetime | None = None,
) -> CrawlHealth:
    """The run's health: CrawlHealthMonitorSuite over its stats and the platform's history."""
    thresholds = profile.health if profile is not None else HealthThresholds()
    ctx = J.context(
        job, M.run_metrics(stats), history, thresholds, now, list_selector_name(profile)
    )
    findings: list[Any] = []
    runner = MonitorRunner()
    result = runner.run(CrawlHealthMonitorSuite(), health_context=ctx, health_findings=findings)
    for test, trace in result.errors:
        # A monitor that raised is our bug: said, and the other monitors still count.
        logger.error("%s: health monitor %s raised: %s", job.platform, test, trace)
    health = runner.data.meta.get("health") if runner.data is not None else None
    if not isinstance(health, CrawlHealth):
        health = J.verdict(findings, ctx.metrics, ctx.now)
    return health


def describe(health: CrawlHealth) -> str:
    """One line for the log and `crawler crawl`: the status and the reasons' codes."""
    if not health.reasons:
        return health.status
    return f"{health.status} ({', '.join(r.code for r in health.reasons)})"


# ---- stalled: the periodic suite -------------------------------------------------------------

# Progress is a response or a stored listing: requests that keep timing out are none.
PROGRESS_STATS = ("response_received_count", "item_scraped_count")
STAT_PROGRESS = "health/progress"  # the progress count at the last change
STAT_PROGRESS_AT = "health/progress_at"  # when it last changed (Unix seconds)


class ProgressMonitor(Monitor):
    """Stops a run that made no progress for the profile's health.stalled_minutes."""

    def test_progress(self) -> None:
        crawler = self.data.crawler
        stats = crawler.stats
        progress = sum(int(stats.get_value(key, 0) or 0) for key in PROGRESS_STATS)
        now = time.time()
        if stats.get_value(STAT_PROGRESS) != progress:
            stats.set_value(STAT_PROGRESS, progress)
            stats.set_value(STAT_PROGRESS_AT, now)
            return
        idle = now - float(stats.get_value(STAT_PROGRESS_AT, now))
        stats.max_value(M.STAT_STALLED, round(idle, 1))
        profile = getattr(self.data.spider, "profile", None)
        thresholds = profile.health if isinstance(profile, PlatformProfile) else HealthThresholds()
        limit = thresholds.stalled_minutes * 60
        if idle < limit or stats.get_value("health/stalled_stop"):
            return
        stats.set_value("health/stalled_stop", 1)
        logger.warning(
            "%s: no progress for %.1f minutes (health.stalled_minutes %g): stopping the run",
            getattr(self.data.spider, "platform", "?"),
            idle / 60,
            thresholds.stalled_minutes,
        )
        from scrapy.utils.defer import deferred_from_coro

        deferred_from_coro(crawler.engine.close_spider_async(reason="stalled"))
        self.fail(f"no progress for {idle / 60:.1f} minutes")


class StalledMonitorSuite(MonitorSuite):
    """Periodic: a run making no progress for N minutes is stopped (reason "stalled")."""

    monitors: ClassVar[list[Any]] = [ProgressMonitor]
