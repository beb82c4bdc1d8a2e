"""Health alerts: tell the channels when a platform's crawl health changes, once per change.

A run's health (crawler.health, `CrawlJob.health`: healthy / degraded / failing with the
reasons) is judged when the run ends. `notify_health(store, job, settings)` is called
right after the finished job is recorded (crawler.crawl.store.CrawlStore) and:

1. reads the platform's previous judged job from the store (`ListingStore.jobs`; runs
   without a judgement, such as killed ones, are skipped);
2. for each enabled health rule covering the platform (rules files, `type: health`,
   crawler.alerts.rules.HealthRule) decides with `health_change` whether this run changes
   what the rule sees: the status (seen through the rule's `min_status`), or, for a rule
   with `new_reasons: true`, a reason code the previous run did not have at the same
   not-healthy status;
3. writes one alert per rule to the outbox with the id `health_alert_id(rule, platform,
   job id)`: a retry, a re-run of the notifier or a second process notifying for the same
   job finds the id there and adds nothing, so each change is delivered once (and the
   receivers get one idempotency key per alert and channel, as for listing alerts);
4. saves it in the store (`crawler alerts list`, Kibana) and delivers it through the
   rule's channels, waiting up to ALERTS_DRAIN_TIMEOUT; what is left is delivered by
   `crawler alerts deliver` or the scheduler, like any alert.

A platform's first judged run alerts only when it is not healthy. When the previous
judgement cannot be read (the store is unavailable) the run is treated like a first one:
a run that is not healthy alerts (at most one alert per run, by its id), a healthy one does
not. Failing closed costs at most a repeated notice; the other way could lose a failing
platform. docs/alerts.md describes the rule and these choices.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from crawler.alerts.alert import Alert, AlertHealth, health_alert_id
from crawler.alerts.config import AlertsConfig
from crawler.alerts.courier import Courier
from crawler.alerts.outbox import Outbox
from crawler.alerts.rules import HEALTH_LEVELS, HealthRule, RuleSet, load_rules
from crawler.alerts.watchlist import AlertConfigError
from crawler.models import CrawlHealth, CrawlJob
from crawler.store.base import ListingStore, StoreError

logger = logging.getLogger(__name__)

# How many of the platform's recent jobs are read to find the previous judged one.
PREVIOUS_JOBS = 50


def seen_as(health: CrawlHealth, min_status: str) -> tuple[str, frozenset[str]]:
    """(status, reason codes) as a rule with this min_status sees a judgement: a status
    below min_status is healthy, and only reasons at or above it count."""
    floor = HEALTH_LEVELS[min_status]
    if HEALTH_LEVELS[health.status] < floor:
        return "healthy", frozenset()
    return health.status, frozenset(
        r.code for r in health.reasons if HEALTH_LEVELS.get(r.severity, 2) >= floor
    )


def health_change(
    previous: CrawlHealth | None,
    current: CrawlHealth,
    min_status: str = "degraded",
    new_reasons: bool = False,
) -> tuple[str, list[str]] | None:
    """What a rule tells about `current` after `previous` (None: no earlier judgement):
    ("failing" | "degraded", new codes) when the status changes to one that is not
    healthy, ("recovered", []) when it becomes healthy, and with `new_reasons`
    ("reasons", new codes) when it stays not healthy with a reason code the previous run
    did not have; else None."""
    now, codes = seen_as(current, min_status)
    if previous is None:
        return None if now == "healthy" else (now, sorted(codes))
    before, old_codes = seen_as(previous, min_status)
    if now != before:
        return ("recovered", []) if now == "healthy" else (now, sorted(codes - old_codes))
    new = sorted(codes - old_codes)
    if new_reasons and now != "healthy" and new:
        return "reasons", new
    return None


async def previous_judged(store: ListingStore, job: CrawlJob) -> CrawlJob | None:
    """The platform's most recent judged job before this one (StoreError when unreadable)."""
    for other in await store.jobs(job.platform, limit=PREVIOUS_JOBS):
        if other.id == job.id or other.health is None:
            continue
        if other.started_at <= job.started_at:
            return other
    return None


def health_alerts(rules: list[HealthRule], job: CrawlJob, previous: CrawlJob | None) -> list[Alert]:
    """The alerts these health rules raise for a judged job after `previous` (pure)."""
    current = job.health
    if current is None:
        return []
    before = previous.health if previous is not None else None
    out = []
    for rule in rules:
        if not rule.enabled or not rule.covers(job.platform):
            continue
        change = health_change(before, current, rule.min_status, rule.new_reasons)
        if change is None:
            continue
        kind, new_codes = change
        status, _ = seen_as(current, rule.min_status)
        floor = HEALTH_LEVELS[rule.min_status]
        reasons = [r for r in current.reasons if HEALTH_LEVELS.get(r.severity, 2) >= floor]
        out.append(
            Alert(
                id=health_alert_id(rule.name, job.platform, job.id),
                rule=rule.name,
                rule_description=rule.description,
                listing_id=f"health:{job.platform}",
                listing_fingerprint=job.id,
                outcome="health",
                platform=job.platform,
                url="",
                channels=list(rule.channels),
                health=AlertHealth(
                    job_id=job.id,
                    status=status,
                    judged=current.status,
                    previous=before.status if before is not None else None,
                    previous_job_id=previous.id if previous is not None else None,
                    change=kind,
                    reasons=[] if kind == "recovered" else reasons,
                    new_codes=new_codes,
                    finished_at=job.finished_at,
                ),
            )
        )
    return out


async def notify_health(
    store: ListingStore,
    job: CrawlJob,
    settings: Any = None,
    *,
    config: AlertsConfig | None = None,
    environ: Mapping[str, str] | None = None,
    deliver: bool = True,
    stats: Any = None,
) -> list[Alert]:
    """Raise and deliver the health alerts a judged, recorded job makes due (module
    docstring); returns the alerts new to the outbox. Nothing when the job is not judged,
    alerts are off, or no enabled health rule covers the platform. A rules file that cannot
    be loaded is logged as an error (the crawl's alert stage has refused it already)."""
    if job.health is None:
        return []
    config = config or AlertsConfig.from_settings(settings)
    if not config.enabled or config.rules_path is None:
        return []
    env = dict(environ) if environ is not None else None
    try:
        rules: RuleSet = load_rules(config.rules_path, env)
    except AlertConfigError as exc:
        logger.error("health alerts for %s not raised: %s", job.platform, exc)
        return []
    covering = [r for r in rules.active_health if r.covers(job.platform)]
    if not covering:
        return []
    try:
        previous = await previous_judged(store, job)
    except StoreError as exc:
        logger.warning(
            "health alerts for %s: the previous judgement is unreadable (%s); "
            "treating this run as the first judged one",
            job.platform,
            exc,
        )
        previous = None
    alerts = health_alerts(covering, job, previous)
    if not alerts:
        return []
    return await raise_alerts(store, alerts, rules, config, env, stats, deliver, what="health")


async def raise_alerts(
    store: ListingStore,
    alerts: list[Alert],
    rules: RuleSet,
    config: AlertsConfig,
    env: dict[str, str] | None,
    stats: Any,
    deliver: bool,
    *,
    what: str,
) -> list[Alert]:
    """Put `what` alerts (health, removed: alerts that are not about one new listing) in the
    outbox, record the new ones in the store and, with `deliver`, deliver them; returns the
    alerts new to the outbox (an id it already holds is not raised twice)."""
    outbox = Outbox(config.outbox_path)
    try:
        fresh = outbox.enqueue(alerts)
        if stats is not None and fresh:
            stats.inc_value(f"alerts/{what}_raised", len(fresh))
        for alert in fresh:
            logger.warning("%s alert %s: %s", what, alert.rule, alert.subject())
        await save_alerts(store, outbox, fresh, what=what)
        if deliver:
            await deliver_alerts(outbox, rules, alerts, config, env, stats, what=what)
    finally:
        outbox.close()
    return fresh


async def save_alerts(
    store: ListingStore, outbox: Outbox, alerts: list[Alert], what: str = "health"
) -> None:
    saved = []
    for alert in alerts:
        try:
            await store.save_alert(alert.record())
            saved.append(alert.id)
        except Exception as exc:  # noqa: BLE001 - kept in the outbox; recover() saves it
            logger.error("saving %s alert %s in the store failed: %s", what, alert.id, exc)
    if saved:
        outbox.mark_saved(saved)


async def deliver_alerts(
    outbox: Outbox,
    rules: RuleSet,
    alerts: list[Alert],
    config: AlertsConfig,
    env: dict[str, str] | None,
    stats: Any,
    what: str = "health",
) -> None:
    """Send what is due on these alerts' channels (their own or another process's)."""
    names = sorted({c for a in alerts for c in a.channels})
    try:
        channels = rules.build_channels(env, only=names)
    except AlertConfigError as exc:
        logger.error("%s alerts kept in the outbox, not delivered: %s", what, exc)
        return
    courier = Courier(outbox, channels, config, stats)
    try:
        remaining = await courier.drain(config.drain_timeout)
        if remaining:
            logger.warning(
                "%d alert deliveries still pending; `crawler alerts deliver` or the "
                "scheduler will send them",
                remaining,
            )
    finally:
        await courier.stop()
