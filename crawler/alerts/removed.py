"""Removed alerts: tell the channels when a watched listing is marked removed, once per removal.

A complete full walk that no longer finds a stored listing counts a miss; enough misses in
a row mark it removed (crawler.evidence.removed, ListingStore.mark_missed).
`notify_removed(store, listings, settings)` is called by the crawl's close
(crawler.crawl.store.CrawlStore) with the listings that run marked removed, and:

1. loads the enabled removed rules (rules files, `type: removed`,
   crawler.alerts.rules.RemovedRule) and the watchlist;
2. resolves the watched cluster ids (the rules' `clusters:` and the watchlist's `cluster`
   subjects) to the clusters holding them now (clusters merge; `resolve_cluster`);
3. matches each listing against each rule (`removed_alerts`, pure): the listing is one of
   the rule's `listings`, belongs to one of its `clusters`, or carries a watchlist subject
   its `watchlist` condition admits;
4. writes one alert per rule and removal with the id `removed_alert_id(rule, listing,
   removed_at)` to the outbox (a retry or a second notifier for the same removal adds
   nothing; a listing that returns and is removed again is a new removal), saves it in the
   store and delivers it through the rule's channels, waiting up to ALERTS_DRAIN_TIMEOUT;
   what is left is delivered by `crawler alerts deliver` or the scheduler.

The alert carries the listing's link, platform, risk, the watchlist subjects or cluster
that made the rule fire, when it was last seen, when it was found gone and where its last
capture is kept; nothing else from the listing (docs/alerts.md).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

from crawler.alerts.alert import Alert, AlertRemoval, removed_alert_id
from crawler.alerts.config import AlertsConfig
from crawler.alerts.health import raise_alerts
from crawler.alerts.rules import RemovedRule, RuleMatch, RuleSet, load_rules
from crawler.alerts.watchlist import AlertConfigError, Watchlist, load_watchlist
from crawler.models import Listing
from crawler.store.base import ListingStore, StoreError

logger = logging.getLogger(__name__)


def build_removed_alert(
    rule: RemovedRule, listing: Listing, match: RuleMatch, job_id: str | None = None
) -> Alert:
    assert listing.removed_at is not None
    return Alert(
        id=removed_alert_id(rule.name, listing.id, listing.removed_at),
        rule=rule.name,
        rule_description=rule.description,
        listing_id=listing.id,
        listing_fingerprint=listing.fingerprint or listing.compute_fingerprint(),
        outcome="removed",
        platform=listing.platform,
        category=listing.category,
        url=listing.url,
        risk_score=listing.risk_score,
        identifiers=match.identifiers,
        channels=list(rule.channels),
        cluster=match.cluster,
        removal=AlertRemoval(
            removed_at=listing.removed_at,
            last_seen=listing.last_seen,
            missed_walks=listing.missed_walks,
            job_id=job_id,
            evidence=listing.evidence,
        ),
    )


def removed_alerts(
    rules: Sequence[RemovedRule],
    listings: Sequence[Listing],
    watchlist: Watchlist,
    clusters: Mapping[str, str | None] | None = None,
    job_id: str | None = None,
) -> list[Alert]:
    """The alerts these removed rules raise for listings just marked removed (pure)."""
    out = []
    for listing in listings:
        if listing.removed_at is None:
            continue
        watch = watchlist.matches(listing, clusters)
        for rule in rules:
            if not rule.enabled:
                continue
            match = rule.match(listing, watch, clusters)
            if match is not None:
                out.append(build_removed_alert(rule, listing, match, job_id))
    return out


async def resolve_watched(
    store: ListingStore, rules: Sequence[RemovedRule], watchlist: Watchlist
) -> dict[str, str | None]:
    """Watched cluster id -> the cluster holding it now (an id the store cannot resolve,
    or every id when the store cannot be read, stands for itself)."""
    ids = list(dict.fromkeys([c for r in rules for c in r.clusters] + watchlist.clusters))
    resolved: dict[str, str | None] = {}
    try:
        for cid in ids:
            resolved[cid] = await store.resolve_cluster(cid) or cid
    except StoreError as exc:
        logger.warning(
            "removed alerts: watched clusters not resolved (%s); each stands for itself", exc
        )
        return {cid: cid for cid in ids}
    return resolved


async def notify_removed(
    store: ListingStore,
    listings: Sequence[Listing],
    settings: Any = None,
    *,
    job_id: str | None = None,
    config: AlertsConfig | None = None,
    environ: Mapping[str, str] | None = None,
    deliver: bool = True,
    stats: Any = None,
) -> list[Alert]:
    """Raise and deliver the removed alerts these newly removed listings make due (module
    docstring); returns the alerts new to the outbox. Nothing when alerts are off or no
    enabled removed rule exists. A rules or watchlist file that cannot be loaded is logged
    as an error naming it."""
    if not listings:
        return []
    config = config or AlertsConfig.from_settings(settings)
    if not config.enabled or config.rules_path is None:
        return []
    env = dict(environ) if environ is not None else None
    try:
        rules: RuleSet = load_rules(config.rules_path, env)
        active = rules.active_removed
        watchlist = load_watchlist(config.watchlist_path) if active else Watchlist()
    except AlertConfigError as exc:
        logger.error("removed alerts not raised: %s", exc)
        return []
    if not active:
        return []
    clusters = await resolve_watched(store, active, watchlist)
    alerts = removed_alerts(active, listings, watchlist, clusters, job_id)
    if not alerts:
        return []
    return await raise_alerts(store, alerts, rules, config, env, stats, deliver, what="removed")
