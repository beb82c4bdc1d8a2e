"""The judgement of one run: its measurements against the platform's recent runs (pure).

`judge(job, metrics, history, thresholds)` runs every check in `CHECKS` and returns the
run's CrawlHealth: healthy without reasons, else degraded or failing (the worst reason's
severity), with one HealthReason per finding. No I/O, no Scrapy: the Spidermon monitors
(crawler.health.monitors) run the same checks one monitor each, and tests call it with
tables of cases.

- `metrics` are this run's measurements (names in crawler.health.metrics), read from the
  crawl's Scrapy stats;
- `history` is the platform's earlier jobs, most recent first. Drop, coverage and slow
  checks compare with the median of the last `history_runs` *healthy judged* runs (a
  broken platform's runs never become its new normal), and apply once `min_history` such
  runs exist (runs that finished only: a run stopped half-way is neither compared nor a
  baseline); the flatline check learns the platform's rhythm from every run that found
  new listings, judged or not.

Messages and advice are written here from counts and the profile's own names
("list.item", "expect.detail[0]"); they never quote a page.
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from crawler.health import metrics as M
from crawler.models import CrawlHealth, CrawlJob, HealthReason, utcnow
from crawler.profiles import HealthThresholds

# Every reason code, in the order reasons are listed (within one severity).
REASON_CODES = (
    "needs_login",
    "login_wall",
    "captcha",
    "block_page",
    "parked",
    "list_zero_entries",
    "items_drop",
    "entries_drop",
    "detail_no_match",
    "expect_missing",
    "http_errors",
    "run_failed",
    "coverage_drop",  # coverage_drop:<field>
    "retries",
    "slow",
    "stalled",
    "tor_circuits",
    "browser_crash",
    "flatline",
)
PAGE_KINDS = ("login_wall", "captcha", "block_page", "parked")

LAYOUT_ADVICE = "the layout may have changed: check the profile's selectors against the site"
PAGE_ADVICE = {
    "login_wall": "the platform shows a login wall instead of listings: check it by hand; a "
    "members-only platform needs an auth: section in its profile, or a login that works "
    "(docs/auth.md)",
    "captcha": "the platform challenges the crawler with a CAPTCHA: slow down "
    "(politeness.delay, politeness.concurrency) or check it by hand",
    "block_page": "the platform blocks the crawler: slow down, change the route "
    "(network: tor) or check it by hand",
    "parked": "the domain looks parked or for sale: the platform may have moved; "
    "find its new address and update base_url",
}
PAGE_NAMES = {
    "login_wall": "a login wall",
    "captcha": "a CAPTCHA",
    "block_page": "a block page",
    "parked": "a parked domain",
}


@dataclass
class RunContext:
    """What every check reads: this run, the platform's history and the thresholds."""

    job: CrawlJob
    metrics: dict[str, float]
    history: list[CrawlJob]  # earlier jobs, most recent first (this job excluded)
    thresholds: HealthThresholds
    now: datetime
    list_selector: str = "list.item"  # the profile's name of the entry selector
    _baseline_jobs: list[CrawlJob] | None = field(default=None, repr=False)

    def m(self, name: str) -> float:
        return float(self.metrics.get(name, 0.0))

    def layout_advice(self, where: str = "") -> str:
        """Advice for pages without entries: a recognised wall explains them, else layout."""
        seen = [PAGE_NAMES[kind] for kind in PAGE_KINDS if self.m(M.page(kind))]
        if seen:
            return f"the pages look like {' or '.join(seen)} (see that reason), not listings"
        return LAYOUT_ADVICE + where

    @property
    def baseline_jobs(self) -> list[CrawlJob]:
        """The last `history_runs` healthy judged runs that ran to their end, most recent first."""
        if self._baseline_jobs is None:
            self._baseline_jobs = [
                j
                for j in self.history
                if j.id != self.job.id
                and j.status == "finished"
                and j.health is not None
                and j.health.status == "healthy"
            ][: self.thresholds.history_runs]
        return self._baseline_jobs

    @property
    def partial(self) -> bool:
        """A run stopped before its end (shutdown, stalled, paused): its counts are partial
        and not compared with whole runs (the stop itself is judged where it says something)."""
        return self.job.status not in ("finished", "failed")

    def baseline(
        self,
        name: str,
        same_mode: bool = False,
        where: Callable[[dict[str, float]], bool] | None = None,
    ) -> float | None:
        """The median of `name` over the baseline runs (None: fewer than min_history)."""
        values = []
        for j in self.baseline_jobs:
            assert j.health is not None
            if same_mode and j.mode != self.job.mode:
                continue
            if name not in j.health.metrics:
                continue
            if where is not None and not where(j.health.metrics):
                continue
            values.append(float(j.health.metrics[name]))
        if len(values) < self.thresholds.min_history:
            return None
        return float(statistics.median(values))


Check = Callable[[RunContext], list[HealthReason]]


def _reason(
    code: str,
    severity: str,
    message: str,
    advice: str,
    value: float | None = None,
    threshold: float | None = None,
) -> HealthReason:
    return HealthReason(
        code=code,
        severity=severity,
        message=message,
        advice=advice,
        value=None if value is None else round(float(value), 4),
        threshold=None if threshold is None else round(float(threshold), 4),
    )


def _pct(share: float) -> str:
    return f"{share * 100:.0f}%"


def _n(value: float) -> str:
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"


# ---- the checks (one Spidermon monitor each) ----------------------------------------------


def check_run_failed(ctx: RunContext) -> list[HealthReason]:
    if ctx.job.status != "failed":
        return []
    failed = ctx.m(M.LIST_PAGE_ERRORS)
    if ctx.m(M.LIST_PAGES) == 0:
        message = "no list page could be read this run" + (
            f" ({_n(failed)} list page(s) failed)" if failed else ""
        )
    else:
        message = "the run failed: listings could not be stored"
    return [
        _reason(
            "run_failed",
            "failing",
            message,
            "see the other reasons and `crawler crawl` output for the run; "
            "the next run tries again",
        )
    ]


def check_needs_login(ctx: RunContext) -> list[HealthReason]:
    """The platform stopped for a human: a CAPTCHA or a question at the login (crawler.auth)."""
    if ctx.job.status != "needs_login":
        return []
    return [
        _reason(
            "needs_login",
            "failing",
            "the platform asks for a login only a human can do (a CAPTCHA or a question the "
            "profile cannot answer); the crawl stopped and does not try again on its own",
            f"log in by hand with `crawler login {ctx.job.platform}`: the next crawl uses "
            "the session it saves",
        )
    ]


def check_items_drop(ctx: RunContext) -> list[HealthReason]:
    if ctx.partial:
        return []
    usual = ctx.baseline(M.ENTRIES, same_mode=True)
    if usual is None or usual < 1:
        return []
    found = ctx.m(M.ENTRIES)
    limit = (1 - ctx.thresholds.items_drop) * usual
    if found == 0:
        return [
            _reason(
                "items_drop",
                "failing",
                f"no listings found on list pages; {ctx.job.mode} runs usually find {_n(usual)}",
                ctx.layout_advice(", and whether the site still lists anything"),
                found,
                limit,
            )
        ]
    if found < limit:
        return [
            _reason(
                "items_drop",
                "degraded",
                f"{_n(found)} listings found on list pages; {ctx.job.mode} runs usually find "
                f"{_n(usual)} (a drop of {_pct(1 - found / usual)}, limit "
                f"{_pct(ctx.thresholds.items_drop)})",
                "part of the site may no longer be reached: check the seeds, the pagination "
                "selector (list.next_page) and the failed pages of the run",
                found,
                limit,
            )
        ]
    return []


def check_entries_drop(ctx: RunContext) -> list[HealthReason]:
    pages, entries = ctx.m(M.LIST_PAGES), ctx.m(M.ENTRIES)
    if not pages or not entries or ctx.partial:  # nothing at all: other checks say so
        return []
    usual = ctx.baseline(M.ENTRIES_PER_LIST_PAGE)
    if usual is None or usual <= 0:
        return []
    per_page = entries / pages
    limit = (1 - ctx.thresholds.entries_drop) * usual
    if per_page >= limit:
        return []
    return [
        _reason(
            "entries_drop",
            "degraded",
            f"{per_page:.1f} entries per list page matched {ctx.list_selector}; usually "
            f"{usual:.1f} (limit a drop of {_pct(ctx.thresholds.entries_drop)})",
            LAYOUT_ADVICE,
            per_page,
            limit,
        )
    ]


def check_coverage(ctx: RunContext) -> list[HealthReason]:
    t = ctx.thresholds
    if ctx.m(M.LISTINGS) < t.coverage_min_listings or ctx.partial:
        return []
    out = []
    for name in M.COVERAGE_FIELDS:
        key = M.coverage(name)
        if key not in ctx.metrics:
            continue
        usual = ctx.baseline(key, where=lambda m: m.get(M.LISTINGS, 0) >= t.coverage_min_listings)
        if usual is None:
            continue
        share = ctx.m(key)
        if usual - share > t.coverage_drop:
            out.append(
                _reason(
                    f"coverage_drop:{name}",
                    "degraded",
                    f"{name} found on {_pct(share)} of {_n(ctx.m(M.LISTINGS))} listings; "
                    f"usually {_pct(usual)} (limit a drop of {_pct(t.coverage_drop)})",
                    f"the detail page's {name} may have moved: check the profile's "
                    f"detail.fields selectors for {name}",
                    share,
                    usual - t.coverage_drop,
                )
            )
    return out


def check_http_errors(ctx: RunContext) -> list[HealthReason]:
    responses, errors = ctx.m(M.RESPONSES), ctx.m(M.HTTP_ERRORS)
    if not errors or responses <= 0:
        return []
    if responses < ctx.thresholds.rate_min_requests and errors < responses:
        return []
    rate = errors / responses
    if rate <= ctx.thresholds.error_rate_max:
        return []
    severity = "failing" if rate >= 0.9 else "degraded"
    return [
        _reason(
            "http_errors",
            severity,
            f"{_n(errors)} of {_n(responses)} responses ({_pct(rate)}) were HTTP errors "
            f"(4xx/5xx); limit {_pct(ctx.thresholds.error_rate_max)}",
            "the site may be refusing the crawler or the pages moved: check the run's "
            "failed pages and the site by hand",
            rate,
            ctx.thresholds.error_rate_max,
        )
    ]


def check_retries(ctx: RunContext) -> list[HealthReason]:
    requests, retries = ctx.m(M.REQUESTS), ctx.m(M.RETRIES)
    if not retries or requests < ctx.thresholds.rate_min_requests:
        return []
    rate = retries / requests
    if rate <= ctx.thresholds.retry_rate_max:
        return []
    return [
        _reason(
            "retries",
            "degraded",
            f"{_n(retries)} retries for {_n(requests)} requests ({_pct(rate)}); limit "
            f"{_pct(ctx.thresholds.retry_rate_max)}",
            "the site or the route is unreliable (timeouts, 5xx, 429): slow down "
            "(politeness) or check the network route",
            rate,
            ctx.thresholds.retry_rate_max,
        )
    ]


def check_list_zero_entries(ctx: RunContext) -> list[HealthReason]:
    zero, pages = ctx.m(M.LIST_ZERO_ENTRIES), ctx.m(M.LIST_PAGES)
    if not zero:
        return []
    usual = ctx.baseline(M.LIST_ZERO_ENTRIES) or 0.0
    allowed = usual + ctx.thresholds.list_zero_entries_allowed
    if zero <= allowed:
        return []
    # A category or search page that empties is ordinary on a live site (a forum section
    # with no thread left); a layout change empties most list pages at once. A share below
    # the threshold is left to the listings and entries drop checks.
    if pages and zero / pages < ctx.thresholds.list_zero_entries_share:
        return []
    every = zero >= pages
    return [
        _reason(
            "list_zero_entries",
            "failing" if every else "degraded",
            f"selector {ctx.list_selector} matched 0 entries on {_n(zero)} list page(s)"
            + (" (every list page)" if every else f" of {_n(pages)}"),
            ctx.layout_advice(),
            zero,
            allowed,
        )
    ]


def check_detail_no_match(ctx: RunContext) -> list[HealthReason]:
    none, pages = ctx.m(M.DETAIL_NO_MATCH), ctx.m(M.DETAIL_PAGES)
    if not none:
        return []
    usual = ctx.baseline(M.DETAIL_NO_MATCH) or 0.0
    allowed = usual + ctx.thresholds.detail_no_match_allowed
    if none <= allowed:
        return []
    every = none >= pages and pages >= 3
    return [
        _reason(
            "detail_no_match",
            "failing" if every else "degraded",
            f"{_n(none)} of {_n(pages)} detail page(s) matched none of the detail.fields selectors",
            ctx.layout_advice(" (detail.fields)"),
            none,
            allowed,
        )
    ]


def check_page_signals(ctx: RunContext) -> list[HealthReason]:
    checked = max(ctx.m(M.PAGES_CHECKED), 1.0)
    out = []
    for kind in PAGE_KINDS:
        n = ctx.m(M.page(kind))
        if not n:
            continue
        share = min(n / checked, 1.0)
        failing = share >= ctx.thresholds.page_signal_failing
        out.append(
            _reason(
                kind,
                "failing" if failing else "degraded",
                f"{_n(n)} of {_n(checked)} pages looked like {PAGE_NAMES[kind]}",
                PAGE_ADVICE[kind],
                share,
                ctx.thresholds.page_signal_failing,
            )
        )
    return out


def check_expect(ctx: RunContext) -> list[HealthReason]:
    parts, worst = [], 0.0
    for kind, pages_metric, label in (
        ("list", M.LIST_PAGES, "list"),
        ("detail", M.DETAIL_PAGES, "detail"),
    ):
        pages = ctx.m(pages_metric)
        prefix = M.expect_missing(kind, "")
        for key in sorted(k for k in ctx.metrics if k.startswith(prefix)):
            n = ctx.m(key)
            if not n or not pages:
                continue
            index = key[len(prefix) :]
            parts.append(
                f"selector expect.{kind}[{index}] matched nothing on {_n(n)} of "
                f"{_n(pages)} {label} page(s)"
            )
            worst = max(worst, n / pages)
    if not parts:
        return []
    failing = worst >= ctx.thresholds.page_signal_failing
    return [
        _reason(
            "expect_missing",
            "failing" if failing else "degraded",
            "; ".join(parts[:4]) + ("" if len(parts) <= 4 else f"; {len(parts) - 4} more"),
            "the pages are not what the profile expects (a login wall, a challenge or a new "
            "layout): check the site by hand and the profile's expect selectors",
            worst,
            ctx.thresholds.page_signal_failing,
        )
    ]


def check_stalled(ctx: RunContext) -> list[HealthReason]:
    stalled = ctx.m(M.STALLED_S)
    limit = ctx.thresholds.stalled_minutes * 60
    if stalled < limit:
        return []
    return [
        _reason(
            "stalled",
            "degraded",
            f"no progress for {stalled / 60:.1f} minutes (no response and no stored "
            f"listing; limit {ctx.thresholds.stalled_minutes:g}); the run was stopped",
            "the site or the route hangs: check the site by hand and the tor or browser "
            "route; the next run resumes",
            stalled,
            limit,
        )
    ]


def check_slow(ctx: RunContext) -> list[HealthReason]:
    median = ctx.m(M.LATENCY_S)
    if not median:
        return []
    usual = ctx.baseline(M.LATENCY_S, same_mode=True)  # full runs queue more requests
    if usual is None:
        return []
    t = ctx.thresholds
    limit = max(t.slow_factor * usual, t.slow_min_seconds)
    if median <= limit:
        return []
    return [
        _reason(
            "slow",
            "degraded",
            f"responses took {_secs(median)} (median); usually {_secs(usual)} "
            f"(limit {t.slow_factor:g}x and at least {t.slow_min_seconds:g} s)",
            "the site is slowing the crawler down (throttling or load): slow down "
            "(politeness) or check the site by hand",
            median,
            limit,
        )
    ]


def check_tor(ctx: RunContext) -> list[HealthReason]:
    requests, failures = ctx.m(M.TOR_REQUESTS), ctx.m(M.TOR_FAILURES)
    if not failures:
        return []
    attempts = max(requests, failures)
    if attempts < ctx.thresholds.rate_min_requests and failures < attempts:
        return []
    rate = failures / attempts
    if rate <= ctx.thresholds.tor_failure_rate_max:
        return []
    return [
        _reason(
            "tor_circuits",
            "degraded",
            f"{_n(failures)} of {_n(attempts)} tor requests failed (circuit, timeout or "
            f"unreachable; {_pct(rate)}, limit {_pct(ctx.thresholds.tor_failure_rate_max)})",
            "check tor (crawler tor status) and whether the onion service is up",
            rate,
            ctx.thresholds.tor_failure_rate_max,
        )
    ]


def check_browser(ctx: RunContext) -> list[HealthReason]:
    crashes = ctx.m(M.BROWSER_CRASHES)
    if crashes <= ctx.thresholds.browser_crashes_allowed:
        return []
    return [
        _reason(
            "browser_crash",
            "degraded",
            f"the browser crashed {_n(crashes)} time(s) during the run "
            f"(allowed {ctx.thresholds.browser_crashes_allowed})",
            "pages may be too heavy or hostile: check memory, limits.max_response_bytes "
            "and the run's log",
            crashes,
            ctx.thresholds.browser_crashes_allowed,
        )
    ]


def check_flatline(ctx: RunContext) -> list[HealthReason]:
    if ctx.job.new > 0:
        return []
    t = ctx.thresholds
    times = sorted(
        _aware(j.started_at)
        for j in ctx.history
        if j.id != ctx.job.id and j.new > 0 and j.status != "running"
    )
    if len(times) < t.flatline_min_runs:
        return []
    gaps = [(b - a).total_seconds() for a, b in zip(times, times[1:], strict=False)]
    usual = statistics.median(gaps)
    if usual <= 0:
        return []
    since = (ctx.now - times[-1]).total_seconds()
    limit = t.flatline_factor * usual
    if since <= limit:
        return []
    return [
        _reason(
            "flatline",
            "degraded",
            f"no new listings for {_duration(since)}; the platform usually yields new ones "
            f"every {_duration(usual)} (limit {t.flatline_factor:g}x)",
            "the platform may have stopped publishing, or the crawl no longer reaches new "
            "listings: check the site by hand, the seeds and the incremental settings",
            since,
            limit,
        )
    ]


CHECKS: tuple[Check, ...] = (
    check_needs_login,
    check_run_failed,
    check_items_drop,
    check_entries_drop,
    check_coverage,
    check_http_errors,
    check_retries,
    check_list_zero_entries,
    check_detail_no_match,
    check_page_signals,
    check_expect,
    check_stalled,
    check_slow,
    check_tor,
    check_browser,
    check_flatline,
)


# ---- the verdict --------------------------------------------------------------------------


def _aware(when: datetime) -> datetime:
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _secs(seconds: float) -> str:
    return f"{seconds:.2f} s" if seconds >= 0.1 else f"{seconds * 1000:.0f} ms"


def _duration(seconds: float) -> str:
    if seconds >= 2 * 86400:
        return f"{seconds / 86400:.1f} days"
    if seconds >= 2 * 3600:
        return f"{seconds / 3600:.1f} hours"
    return f"{seconds / 60:.0f} minutes"


def _order(reason: HealthReason) -> tuple[int, int]:
    code = reason.code.split(":")[0]
    rank = REASON_CODES.index(code) if code in REASON_CODES else len(REASON_CODES)
    return (0 if reason.severity == "failing" else 1, rank)


def verdict(
    reasons: list[HealthReason], metrics: dict[str, float], now: datetime | None = None
) -> CrawlHealth:
    """The CrawlHealth of a run with these findings: the worst severity wins."""
    ordered = sorted(reasons, key=_order)
    status = "healthy"
    if ordered:
        status = "failing" if ordered[0].severity == "failing" else "degraded"
    return CrawlHealth(
        status=status,
        reasons=ordered,
        metrics={k: round(float(v), 4) for k, v in sorted(metrics.items())},
        checked_at=now or utcnow(),
    )


def context(
    job: CrawlJob,
    metrics: dict[str, float],
    history: list[CrawlJob],
    thresholds: HealthThresholds | None = None,
    now: datetime | None = None,
    list_selector: str = "list.item",
) -> RunContext:
    return RunContext(
        job=job,
        metrics=dict(metrics),
        history=[j for j in history if j.id != job.id],
        thresholds=thresholds or HealthThresholds(),
        now=_aware(now or job.finished_at or utcnow()),
        list_selector=list_selector,
    )


def judge(
    job: CrawlJob,
    metrics: dict[str, float],
    history: list[CrawlJob],
    thresholds: HealthThresholds | None = None,
    now: datetime | None = None,
    list_selector: str = "list.item",
) -> CrawlHealth:
    """This run's health: every check over its metrics, history and thresholds."""
    ctx = context(job, metrics, history, thresholds, now, list_selector)
    reasons = [reason for check in CHECKS for reason in check(ctx)]
    return verdict(reasons, ctx.metrics, ctx.now)
