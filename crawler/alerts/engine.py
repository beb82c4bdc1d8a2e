"""The alert engine: evaluates rules as listings are stored, and makes every alert durable.

Order of events for one listing (the pipelines call these):
1. `before_store(listing)`: writes an outbox marker with what the store held before (new, or
   the previous fingerprint);
2. the store upsert (the lead's StorePipeline);
3. `after_store(result)`: evaluates the rules on the listing as stored, writes the alerts
   and their deliveries to the outbox and removes the marker in ONE transaction, saves the
   alerts in the store (dedup per rule + listing + fingerprint), wakes the courier.
A process killed between 1 and 3 leaves a marker: `recover()` (run when the next crawl
opens, by `crawler alerts deliver` and by the scheduler) evaluates it from the store, so
the alert is neither lost nor doubled. An alert in the outbox but not yet in the store is
saved by `recover()` too.

Rules see the final document. At the end of a platform run the store adds the platform-level
signals (shared_contact, price_anomaly) and rescores listings: a rule can match only then.
`catch_up()` evaluates every listing the store rescored since the engine last looked (the
watermark in the outbox), whoever rescored it: the crawl's own signal pass, or a spool
replay after an Elasticsearch outage, run by whichever command opened the store next. A
listing whose content is still its first version (`first_fingerprint`) counts as new, a
later version as changed. Alert ids (rule, listing, version) make it exactly once, so
`crawler alerts test RULE` and the alerts raised agree.

Cluster conditions (watched clusters, `cluster_growth`; docs/alerts.md) need facts about the
listing's actor cluster: `evaluate_stored` reads them from the store (crawler.alerts.clusters)
before the pure rule match, only for rules whose other conditions hold. When the store
cannot give them (StoreError, or a listing it has not linked yet) the listing's marker is
kept (written when there was none) and the other rules' alerts are raised at once; the
marker is evaluated again by `catch_up()` at the end of the crawl and by `recover()`, so the
cluster alert is raised late, not lost. A `cluster_growth` alert has its own id
(rule, cluster, period) and counts its members in the outbox (Outbox.enqueue).

Configuration: crawler.alerts.config.AlertsConfig (ALERTS_* settings).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.alerts.alert import Alert, alert_id, growth_alert_id
from crawler.alerts.clusters import ClusterFacts, ClusterLookup, NotLinked
from crawler.alerts.config import AlertsConfig
from crawler.alerts.courier import Courier
from crawler.alerts.outbox import Marker, Outbox, owner_alive
from crawler.alerts.rules import AlertRule, RuleSet, load_rules
from crawler.alerts.watchlist import Watchlist, load_watchlist
from crawler.filestat import file_version
from crawler.models import Listing, UpsertOutcome, UpsertResult, utcnow
from crawler.store.base import ListingStore, Rescored, StoreError

logger = logging.getLogger(__name__)

WATERMARK = "rescored_watermark"  # outbox meta key: ISO time the last catch-up read up to
# Rescores a little older than the watermark are read again (another process's clock, a
# write in the same second); alert ids make a second look harmless.
WATERMARK_MARGIN = timedelta(seconds=5)

# A long-running process (`crawler worker`) opens an engine for every run. The rules and the
# watchlist are parsed once and reused while the files they came from and the environment
# are unchanged (_sources); catch_up() remembers, per outbox and rules, the rescores it has
# evaluated, so that the ones read again inside WATERMARK_MARGIN (every rescore of the last
# seconds, by every run of every worker: tens per look at a few runs a second) are not
# evaluated again (their alerts are in the outbox already: the ids make a second look a
# no-op, but not a free one).
_LOADED: dict[tuple[Any, ...], tuple[RuleSet, Watchlist]] = {}
_CAUGHT_UP: dict[tuple[Any, ...], dict[str, tuple[Any, ...]]] = {}
_CAUGHT_UP_MAX = 20_000  # listings remembered per outbox before the old ones are dropped


def _sources(config: AlertsConfig, env: Mapping[str, str] | None) -> tuple[Any, ...] | None:
    """What the rules and watchlist are read from, as it is now; None when unreadable (then
    they are read, and the error said, as without the cache)."""
    parts: list[Any] = []
    for path in (config.rules_path, config.watchlist_path):
        if path is None:
            parts.append(None)
            continue
        p = Path(path)
        if p.is_dir():
            try:
                files = sorted(f for f in p.iterdir() if f.suffix in (".yaml", ".yml"))
            except OSError:
                return None
            parts.append((str(p), file_version(p), tuple((f.name, file_version(f)) for f in files)))
        else:
            stat = file_version(p)
            if stat is None:
                return None
            parts.append((str(p), stat))
    environ = os.environ if env is None else env
    parts.append(hash(frozenset(environ.items())))
    return tuple(parts)


def build_alert(
    rule: AlertRule, listing: Listing, outcome: str, match: Any, scraped_at: datetime | None
) -> Alert:
    fingerprint = listing.fingerprint or listing.compute_fingerprint()
    growth = getattr(match, "growth", None)
    if growth is not None:
        # One growth alert per rule, cluster and period, whichever listing raises it.
        ident = growth_alert_id(rule.name, match.cluster.id, match.period)
    else:
        ident = alert_id(rule.name, listing.id, fingerprint)
    alert = Alert(
        id=ident,
        rule=rule.name,
        rule_description=rule.description,
        listing_id=listing.id,
        listing_fingerprint=fingerprint,
        outcome=outcome,
        platform=listing.platform,
        category=listing.category,
        url=listing.url,
        risk_score=listing.risk_score,
        indicators=match.indicators,
        identifiers=match.identifiers,
        terms=match.terms,
        channels=list(rule.channels),
        scraped_at=scraped_at,
        cluster=getattr(match, "cluster", None),
    )
    return alert.with_growth(growth)


async def cluster_context(
    lookup: ClusterLookup,
    rules: list[AlertRule],
    watchlist: Watchlist,
    listing: Listing,
    counted: Callable[[str, list[str]], set[str]] | None = None,
) -> tuple[dict[str, str | None] | None, ClusterFacts | None]:
    """The store's facts these cluster rules need for one listing: the watched ids resolved
    (when a rule watches clusters) and the listing's cluster (on a watched hit, or for
    `cluster_growth`, with what `counted(rule, ids)` says the rule counted before).
    Raises NotLinked (no cluster yet) or StoreError."""
    if not listing.cluster_id:
        raise NotLinked(listing.id)
    clusters = None
    hit = False
    if any(r.watches_clusters(watchlist) for r in rules):
        clusters = await lookup.resolved(listing.cluster_id)
        hit = any(m.kind == "cluster" for m in watchlist.matches(listing, clusters))
    growth = [r for r in rules if r.cluster_growth is not None]
    if not hit and not growth:
        return clusters, None
    facts = await lookup.facts(listing, links=hit, growth=bool(growth))
    if counted is not None and growth:
        seen: dict[str, frozenset[str]] = {}
        for r in growth:
            assert r.cluster_growth is not None
            start, end, _ = r.cluster_growth.window(listing)
            window = [m for m, _ in facts.new_members(start, end, r.name)]
            seen[r.name] = frozenset(counted(r.name, window))
        facts = dataclasses.replace(facts, counted=seen)
    return clusters, facts


def _version(x: Listing | Rescored) -> tuple[Any, ...]:
    """The version of a rescored listing that catch_up remembers having evaluated."""
    return (x.signals_at, x.fingerprint, x.first_fingerprint)


class AlertEngine:
    def __init__(
        self,
        config: AlertsConfig,
        rules: RuleSet,
        watchlist: Watchlist,
        outbox: Outbox,
        store: ListingStore | None,
        courier: Courier | None = None,
        stats: Any = None,
    ) -> None:
        self.config = config
        self.rules = rules
        self.watchlist = watchlist
        self.outbox = outbox
        self.store = store
        self.courier = courier
        self.stats = stats
        self._saved_error_logged = False
        self._intake_warned = False
        self._clusters: ClusterLookup | None = None
        self._cluster_warned = False
        self._deferred: set[str] = set()  # markers kept because cluster facts were unreadable
        self._sources: tuple[Any, ...] | None = None  # set by load(): see _CAUGHT_UP

    @classmethod
    def load(
        cls,
        config: AlertsConfig,
        store: ListingStore | None,
        *,
        deliver: bool = True,
        stats: Any = None,
        environ: Mapping[str, str] | None = None,
    ) -> AlertEngine:
        """Load and check rules, watchlist and channels (AlertConfigError before anything runs)."""
        env = dict(environ) if environ is not None else None
        sources = _sources(config, env)
        loaded = _LOADED.get(sources) if sources is not None else None
        if loaded is None:
            loaded = (load_rules(config.rules_path, env), load_watchlist(config.watchlist_path))
            if sources is not None:
                if len(_LOADED) > 16:
                    _LOADED.clear()
                _LOADED[sources] = loaded
        rules, watchlist = loaded
        outbox = Outbox(config.outbox_path)
        courier = None
        if deliver:
            courier = Courier(outbox, rules.build_channels(env), config, stats)
        engine = cls(config, rules, watchlist, outbox, store, courier, stats)
        engine._sources = sources
        return engine

    @property
    def active(self) -> bool:
        return bool(self.rules.active)

    def _inc(self, key: str, n: int = 1) -> None:
        if self.stats is not None and n:
            self.stats.inc_value(f"alerts/{key}", n)

    # -- evaluation ----------------------------------------------------------------------

    def evaluate(
        self,
        listing: Listing,
        outcome: UpsertOutcome | str,
        scraped_at: datetime | None = None,
        *,
        clusters: Mapping[str, str | None] | None = None,
        cluster: ClusterFacts | None = None,
        skip_cluster_rules: bool = False,
    ) -> list[Alert]:
        """The alerts the rules raise for a listing stored with this outcome (no side effects).

        `clusters` (watched id -> cluster now) and `cluster` (the listing's cluster) are the
        store's facts for the cluster conditions (`evaluate_stored` reads them);
        `skip_cluster_rules` leaves out the rules that need them.
        """
        outcome = str(outcome)
        rules = [r for r in self.rules.active if r.fires_on(outcome)]
        if skip_cluster_rules:
            rules = [r for r in rules if not r.needs_clusters(self.watchlist)]
        if not rules:
            return []
        watch = self.watchlist.matches(listing, clusters)
        out = []
        for rule in rules:
            match = rule.match(listing, watch, cluster)
            if match is not None:
                out.append(build_alert(rule, listing, outcome, match, scraped_at))
        return out

    async def evaluate_stored(
        self, listing: Listing, outcome: UpsertOutcome | str, scraped_at: datetime | None = None
    ) -> list[Alert]:
        """`evaluate` with the cluster facts read from the store, for the rules that need
        them and whose other conditions hold. Raises StoreError (store unreadable) or
        NotLinked (the listing has no cluster yet) when such a rule cannot be decided."""
        outcome = str(outcome)
        needing = [
            r
            for r in self.rules.active
            if r.fires_on(outcome)
            and r.needs_clusters(self.watchlist)
            and r.match_listing(listing) is not None
        ]
        if not needing or self.store is None:
            return self.evaluate(listing, outcome, scraped_at)
        if self._clusters is None:
            self._clusters = ClusterLookup(self.store, self.watchlist.clusters)
        clusters, facts = await cluster_context(
            self._clusters, needing, self.watchlist, listing, self.outbox.counted
        )
        return self.evaluate(listing, outcome, scraped_at, clusters=clusters, cluster=facts)

    def _defer(
        self, listing: Listing, outcome: str, scraped_at: float | None, exc: Exception
    ) -> None:
        """Cluster facts unreadable: keep a marker so the listing is evaluated again
        (catch_up at the crawl's end, recover later). Nothing personal is logged."""
        self.outbox.mark(
            listing.id,
            listing.platform,
            None if outcome == "new" else "",
            known=outcome != "new",
            scraped_at=scraped_at,
        )
        self._deferred.add(listing.id)
        self._inc("cluster_deferred")
        if not self._cluster_warned:
            self._cluster_warned = True
            what = "not linked into a cluster yet" if isinstance(exc, NotLinked) else str(exc)
            logger.warning(
                "alerts: cluster conditions not evaluated yet (%s); kept for later (logged once)",
                what,
            )

    async def before_store(self, listing: Listing, scraped_at: float | None = None) -> None:
        if not self.active or self.store is None:
            return
        try:
            previous = await self.store.get(listing.id)
        except StoreError as exc:
            # The store cannot be read (Elasticsearch down: the upsert goes to its spool).
            # Mark the listing as not known, which is what the spool reports for a listing
            # it cannot check: at worst an alert is raised again, and its id (rule, listing,
            # fingerprint) keeps it from being delivered twice. Losing the listing would be
            # worse, and so would losing the marker (a kill would lose the alert).
            self._inc("intake_store_unavailable")
            if not self._intake_warned:
                self._intake_warned = True
                logger.warning("alerts: store unreadable before upsert, assuming new: %s", exc)
            previous = None
        self.outbox.mark(
            listing.id,
            listing.platform,
            previous.fingerprint if previous is not None else None,
            known=previous is not None,
            scraped_at=scraped_at,
        )

    async def after_store(
        self, result: UpsertResult, scraped_at: float | None = None
    ) -> list[Alert]:
        """Evaluate a stored listing; returns the alerts that were new to the outbox."""
        if not self.active:
            return []
        listing = result.listing
        outcome = str(result.outcome)
        marker = self.outbox.marker(listing.id)
        if marker is not None:
            # A marker left by a killed process knows better than this upsert: the listing
            # was new (or changed) then, and nobody evaluated it.
            outcome = _outcome_from(
                marker.known, marker.prev_fingerprint, listing.fingerprint, outcome
            )
            scraped_at = min(scraped_at or marker.scraped_at, marker.scraped_at)
        when = datetime.fromtimestamp(scraped_at, UTC) if scraped_at else listing.last_seen
        clear: str | None = listing.id
        try:
            alerts = await self.evaluate_stored(listing, outcome, when)
        except (StoreError, NotLinked) as exc:
            # The cluster rules wait for the marker's next evaluation; the others alert now.
            self._defer(listing, outcome, scraped_at, exc)
            alerts = self.evaluate(listing, outcome, when, skip_cluster_rules=True)
            clear = None
        fresh = self.outbox.enqueue(alerts, clear_marker=clear)
        self._inc("raised", len(fresh))
        if fresh:
            await self._save(fresh)
            if self.courier is not None:
                self.courier.wake()
        return fresh

    async def _save(self, alerts: list[Alert]) -> None:
        if self.store is None:
            return
        saved = []
        for a in alerts:
            try:
                await self.store.save_alert(a.record())
                saved.append(a.id)
            except Exception as exc:
                # The alert is safe in the outbox; recover() saves it later.
                self._inc("store_errors")
                if not self._saved_error_logged:
                    self._saved_error_logged = True
                    logger.error("saving alerts in the store failed (logged once): %s", exc)
        if saved:
            self.outbox.mark_saved(saved)

    async def catch_up(self) -> int:
        """Evaluate the listings rescored since the last look (module docstring), and the
        markers this engine kept for their cluster conditions; returns how many alerts that
        raised. The store being unreadable leaves it for next time."""
        if not self.active or self.store is None:
            return 0
        deferred = await self._retry_deferred()
        # A fresh outbox starts here; an existing one without a watermark starts now, not
        # with every rescore ever made.
        self.outbox.set_meta(WATERMARK, utcnow().isoformat(), only_if_missing=True)
        since = datetime.fromisoformat(self.outbox.get_meta(WATERMARK) or utcnow().isoformat())
        raised = 0
        done = False
        seen: dict[str, tuple[Any, ...]] | None = None
        if self._sources is not None:
            seen = _CAUGHT_UP.setdefault((str(self.config.outbox_path), self._sources), {})
        while not done:
            try:
                rescored = await self.store.rescored_since(since - WATERMARK_MARGIN)
                # Only the versions this process has not evaluated are read (each close
                # looks again at the margin's rescores, most of them evaluated already).
                unseen = [r.id for r in rescored if seen is None or seen.get(r.id) != _version(r)]
                docs = {x.id: x for x in await self.store.get_many(unseen)} if unseen else {}
            except StoreError as exc:
                logger.warning(
                    "alerts: rescored listings not read yet (store unavailable): %s", exc
                )
                break
            latest = since
            for rescore in rescored:
                listing = docs.get(rescore.id)
                if listing is None:
                    # Evaluated by this process already (read again inside the margin), or
                    # deleted since it was listed.
                    if rescore.signals_at is not None and rescore.signals_at > latest:
                        latest = rescore.signals_at
                    continue
                mark: tuple[Any, ...] = _version(listing)
                version = "new" if listing.fingerprint == listing.first_fingerprint else "changed"
                if listing.first_fingerprint is None:
                    version = "new"  # stored before versions were recorded
                try:
                    alerts = await self.evaluate_stored(listing, version, listing.signals_at)
                except StoreError as exc:
                    # Left for the next look: the watermark does not move past this page.
                    logger.warning(
                        "alerts: cluster facts not read yet (store unavailable): %s", exc
                    )
                    done = True
                    break
                except NotLinked as exc:
                    self._defer(listing, version, None, exc)
                    alerts = self.evaluate(
                        listing, version, listing.signals_at, skip_cluster_rules=True
                    )
                    mark = ()  # its marker is evaluated again: not remembered
                fresh = self.outbox.enqueue(alerts)
                if fresh:
                    raised += len(fresh)
                    await self._save(fresh)
                if seen is not None and mark:
                    seen[listing.id] = mark
                if listing.signals_at is not None and listing.signals_at > latest:
                    latest = listing.signals_at
            if done:
                break
            self.outbox.set_meta(WATERMARK, latest.isoformat())
            done = len(rescored) < 10_000 or latest == since
            since = latest
        if seen is not None and len(seen) > _CAUGHT_UP_MAX:
            # Rescores older than the next look's start are not read again.
            low = since - WATERMARK_MARGIN
            for key in [k for k, m in seen.items() if m[0] is None or m[0] < low]:
                del seen[key]
        self._inc("raised_after_rescore", raised)
        self._inc("raised", raised + deferred)
        if (raised or deferred) and self.courier is not None:
            self.courier.wake()
        return raised + deferred

    async def recover(self, max_marker_age: float = 3600.0, catch_up: bool = True) -> int:
        """Evaluate markers of dead crawls, save outbox alerts missing from the store, and
        catch up with rescored listings (catch_up; a crawl opening passes catch_up=False:
        its close catches up, a few seconds later, with whatever was rescored until then).

        Returns how many alerts were raised from markers.
        """
        raised = 0
        now = time.time()
        for m in self.outbox.markers():
            if owner_alive(m.owner) and now - m.created_at < max_marker_age:
                continue  # a running crawl will finish it
            if self.store is None or not self.active:
                break
            got = await self._evaluate_marker(m, give_up_unlinked=self.config.max_age)
            if got is None:
                break
            raised += got
            if got:
                logger.warning("recovered %d alert(s) from an interrupted crawl", got)
        unsaved = self.outbox.unsaved()
        if unsaved:
            await self._save(unsaved)
        if catch_up:
            await self.catch_up()
        self._inc("recovered", raised)
        if raised and self.courier is not None:
            self.courier.wake()
        return raised

    async def _evaluate_marker(self, m: Marker, give_up_unlinked: float | None) -> int | None:
        """Evaluate a marker from the stored listing; the alerts raised, or None when the
        store cannot be read (the marker is kept). A listing the store has not linked yet
        keeps its marker (the crawl that stores it again links it, and its after_store
        evaluates the marker) until `give_up_unlinked` seconds, then its cluster rules are
        given up on, with a warning."""
        assert self.store is not None
        try:
            stored = await self.store.get(m.listing_id)
        except StoreError as exc:
            # Kept for the next recover(): the store is down, the crawl goes on.
            logger.warning("alerts: markers of interrupted crawls kept for later: %s", exc)
            return None
        if stored is None:
            # Killed before the upsert: the next crawl sees the listing as new again.
            self.outbox.clear_marker(m.listing_id)
            return 0
        outcome = _outcome_from(m.known, m.prev_fingerprint, stored.fingerprint, "unchanged")
        when = datetime.fromtimestamp(m.scraped_at, UTC)
        try:
            alerts = await self.evaluate_stored(stored, outcome, when)
        except StoreError as exc:
            logger.warning("alerts: markers kept for later (cluster facts unreadable): %s", exc)
            return None
        except NotLinked:
            alerts = self.evaluate(stored, outcome, when, skip_cluster_rules=True)
            if give_up_unlinked is None or time.time() - m.created_at < give_up_unlinked:
                return len(self.outbox.enqueue(alerts))  # marker kept
            self._inc("cluster_given_up")
            logger.warning(
                "alerts: a listing stored %.0f h ago is still not linked into a cluster: "
                "its cluster conditions are not evaluated",
                (time.time() - m.created_at) / 3600,
            )
        return len(self.outbox.enqueue(alerts, clear_marker=m.listing_id))

    async def _retry_deferred(self) -> int:
        """Markers this engine kept because cluster facts were unreadable: try them again."""
        raised = 0
        for listing_id in sorted(self._deferred):
            m = self.outbox.marker(listing_id)
            if m is None or self.store is None:
                self._deferred.discard(listing_id)
                continue
            got = await self._evaluate_marker(m, give_up_unlinked=None)
            if got is None:
                break
            raised += got
            if self.outbox.marker(listing_id) is None:
                self._deferred.discard(listing_id)
        if raised:
            unsaved = self.outbox.unsaved()
            if unsaved:
                await self._save(unsaved)
        return raised

    # -- delivery ------------------------------------------------------------------------

    def start_delivery(self) -> None:
        if self.courier is not None:
            self.courier.start()

    async def drain(self, timeout: float | None = None) -> int:
        """Deliver what is due until done or timeout; returns how many deliveries remain."""
        if self.courier is None:
            return self.outbox.pending_count()
        return await self.courier.drain(self.config.drain_timeout if timeout is None else timeout)

    async def close(self, drain: bool = True) -> None:
        try:
            if drain and self.courier is not None:
                remaining = await self.drain()
                if remaining:
                    logger.warning(
                        "%d alert deliveries still pending; `crawler alerts deliver` or the "
                        "scheduler will send them",
                        remaining,
                    )
        finally:
            if self.courier is not None:
                await self.courier.stop()
            self.outbox.close()


def _outcome_from(known: bool, prev_fingerprint: str | None, fingerprint: str, default: str) -> str:
    if not known:
        return "new"
    if prev_fingerprint != fingerprint:
        return "changed"
    return default


async def alert_after_replay(store: ListingStore, settings: Any) -> int:
    """After a command's store replayed a spool: raise the alerts the replay made due.

    A spool replay (any command that opens the Elasticsearch store may run one) stores the
    listings and computes the platform signals the crawl could not; their alerts go to the
    outbox here, at once, without delivering (crawls, `crawler alerts deliver` and the
    scheduler deliver). Nothing to do when nothing was replayed or alerts are off; a broken
    rules file is said once, not raised (search and status must still work).
    """
    if not store.replayed():
        return 0
    config = AlertsConfig.from_settings(settings)
    if not config.enabled or config.rules_path is None:
        return 0
    try:
        engine = AlertEngine.load(config, store, deliver=False)
    except Exception as exc:  # noqa: BLE001 - said, and left to `crawler alerts check`
        logger.warning("alerts after the spool replay not raised: %s", exc)
        return 0
    try:
        return await engine.recover()
    finally:
        await engine.close(drain=False)
