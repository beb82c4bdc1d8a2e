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

Configuration: crawler.alerts.config.AlertsConfig (ALERTS_* settings).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.alerts.alert import Alert, alert_id
from crawler.alerts.config import AlertsConfig
from crawler.alerts.courier import Courier
from crawler.alerts.outbox import Outbox, owner_alive
from crawler.alerts.rules import AlertRule, RuleSet, load_rules
from crawler.alerts.watchlist import Watchlist, load_watchlist
from crawler.models import Listing, UpsertOutcome, UpsertResult, utcnow
from crawler.store.base import ListingStore, StoreError

logger = logging.getLogger(__name__)

WATERMARK = "rescored_watermark"  # outbox meta key: ISO time the last catch-up read up to
# Rescores a little older than the watermark are read again (another process's clock, a
# write in the same second); alert ids make a second look harmless.
WATERMARK_MARGIN = timedelta(seconds=5)


def build_alert(
    rule: AlertRule, listing: Listing, outcome: str, match: Any, scraped_at: datetime | None
) -> Alert:
    fingerprint = listing.fingerprint or listing.compute_fingerprint()
    return Alert(
        id=alert_id(rule.name, listing.id, fingerprint),
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
    )


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
        rules = load_rules(config.rules_path, env)
        watchlist = load_watchlist(config.watchlist_path)
        outbox = Outbox(config.outbox_path)
        courier = None
        if deliver:
            courier = Courier(outbox, rules.build_channels(env), config, stats)
        return cls(config, rules, watchlist, outbox, store, courier, stats)

    @property
    def active(self) -> bool:
        return bool(self.rules.active)

    def _inc(self, key: str, n: int = 1) -> None:
        if self.stats is not None and n:
            self.stats.inc_value(f"alerts/{key}", n)

    # -- evaluation ----------------------------------------------------------------------

    def evaluate(
        self, listing: Listing, outcome: UpsertOutcome | str, scraped_at: datetime | None = None
    ) -> list[Alert]:
        """The alerts the rules raise for a listing stored with this outcome (no side effects)."""
        outcome = str(outcome)
        rules = [r for r in self.rules.active if r.fires_on(outcome)]
        if not rules:
            return []
        watch = self.watchlist.matches(listing)
        out = []
        for rule in rules:
            match = rule.match(listing, watch)
            if match is not None:
                out.append(build_alert(rule, listing, outcome, match, scraped_at))
        return out

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
        alerts = self.evaluate(listing, outcome, when)
        fresh = self.outbox.enqueue(alerts, clear_marker=listing.id)
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
        """Evaluate the listings rescored since the last look (module docstring); returns
        how many alerts that raised. The store being unreadable leaves it for next time."""
        if not self.active or self.store is None:
            return 0
        # A fresh outbox starts here; an existing one without a watermark starts now, not
        # with every rescore ever made.
        self.outbox.set_meta(WATERMARK, utcnow().isoformat(), only_if_missing=True)
        since = datetime.fromisoformat(self.outbox.get_meta(WATERMARK) or utcnow().isoformat())
        raised = 0
        while True:
            try:
                listings = await self.store.rescored_since(since - WATERMARK_MARGIN)
            except StoreError as exc:
                logger.warning(
                    "alerts: rescored listings not read yet (store unavailable): %s", exc
                )
                return raised
            latest = since
            for listing in listings:
                version = "new" if listing.fingerprint == listing.first_fingerprint else "changed"
                if listing.first_fingerprint is None:
                    version = "new"  # stored before versions were recorded
                alerts = self.evaluate(listing, version, listing.signals_at)
                fresh = self.outbox.enqueue(alerts)
                if fresh:
                    raised += len(fresh)
                    await self._save(fresh)
                if listing.signals_at is not None and listing.signals_at > latest:
                    latest = listing.signals_at
            self.outbox.set_meta(WATERMARK, latest.isoformat())
            if len(listings) < 10_000 or latest == since:
                break
            since = latest
        self._inc("raised_after_rescore", raised)
        self._inc("raised", raised)
        if raised and self.courier is not None:
            self.courier.wake()
        return raised

    async def recover(self, max_marker_age: float = 3600.0) -> int:
        """Evaluate markers of dead crawls, save outbox alerts missing from the store, and
        catch up with rescored listings (catch_up).

        Returns how many alerts were raised from markers.
        """
        raised = 0
        now = time.time()
        for m in self.outbox.markers():
            if owner_alive(m.owner) and now - m.created_at < max_marker_age:
                continue  # a running crawl will finish it
            if self.store is None or not self.active:
                break
            try:
                stored = await self.store.get(m.listing_id)
            except StoreError as exc:
                # Kept for the next recover(): the store is down, the crawl goes on.
                logger.warning("alerts: markers of interrupted crawls kept for later: %s", exc)
                break
            if stored is None:
                # Killed before the upsert: the next crawl sees the listing as new again.
                self.outbox.clear_marker(m.listing_id)
                continue
            outcome = _outcome_from(m.known, m.prev_fingerprint, stored.fingerprint, "unchanged")
            alerts = self.evaluate(stored, outcome, datetime.fromtimestamp(m.scraped_at, UTC))
            fresh = self.outbox.enqueue(alerts, clear_marker=m.listing_id)
            raised += len(fresh)
            if fresh:
                logger.warning("recovered %d alert(s) from an interrupted crawl", len(fresh))
        unsaved = self.outbox.unsaved()
        if unsaved:
            await self._save(unsaved)
        await self.catch_up()
        self._inc("recovered", raised)
        if raised and self.courier is not None:
            self.courier.wake()
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
