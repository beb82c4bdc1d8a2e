"""`ElasticsearchStore`: the ListingStore on Elasticsearch, composed of the package's parts.

The class holds no logic of its own beyond the lifecycle (open, close): each method hands
over to the part that owns the concern (see the package docstring). Built from settings
with `ElasticsearchStore.from_settings(settings)` (config.py lists them). Its counters
(spooled, replayed, conflicts, blind_misses, retries, bulk_requests) are in `stats` and,
once a crawl binds its stats collector (`bind_stats`), under `store/<name>` there too.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Collection, Sequence
from datetime import UTC, datetime
from typing import Any

from elasticsearch import ApiError, AsyncElasticsearch, TransportError

from crawler.evidence.removed import Misses
from crawler.models import CrawlJob, Listing, SearchPage, SearchQuery, UpsertResult
from crawler.store.base import ListingStore, PendingWrites, Rescored, StoreError
from crawler.store.elasticsearch import records
from crawler.store.elasticsearch.config import StoreConfig
from crawler.store.elasticsearch.connection import Connection, Unreachable, make_client
from crawler.store.elasticsearch.documents import aware
from crawler.store.elasticsearch.fencing import Fences
from crawler.store.elasticsearch.indices import Indices
from crawler.store.elasticsearch.linking import ClusterLinking
from crawler.store.elasticsearch.memory import ListingMemory
from crawler.store.elasticsearch.registry import IdentifierRegistry
from crawler.store.elasticsearch.replay import Spooler
from crawler.store.elasticsearch.search import Queries
from crawler.store.elasticsearch.signals import PlatformSignals
from crawler.store.elasticsearch.upsert import ListingWrites
from crawler.store.elasticsearch.writer import WriteQueue
from crawler.store.spool import Spool

logger = logging.getLogger(__name__)

COUNTERS = (
    "spooled",
    "replayed",
    "fenced_on_replay",
    "conflicts",
    "blind_misses",
    "retries",
    "bulk_requests",
    "outages",
    "outage_seconds",
)


class ElasticsearchStore(ListingStore):
    """ListingStore on Elasticsearch through the official async client."""

    def __init__(self, config: StoreConfig, client: AsyncElasticsearch | None = None) -> None:
        self.config = config
        names = config.names
        self.listings_alias = names.listings
        self.alerts_index = names.alerts
        self.jobs_index = names.jobs
        self.identifiers_index = names.identifiers
        self.client = client or make_client(config)
        self.spool = Spool(config.spool_dir, config.index_prefix)
        self.stats: dict[str, int] = dict.fromkeys(COUNTERS, 0)
        self.conn = Connection(config, self.client, self._count)
        self.indices = Indices(self.conn)
        self.memory = ListingMemory()
        self.linking = ClusterLinking(self.conn)
        self.fences = Fences(self.conn)
        self.writes = ListingWrites(
            self.conn, self.memory, IdentifierRegistry(self.conn), self.linking
        )
        self.spooler = Spooler(self.conn, self.indices, self.spool, self.memory, self.writes)
        self.queue = WriteQueue(self.conn, self.indices, self.writes, self.spooler)
        self.queries = Queries(self.conn, self.indices, self.memory)
        self.signals = PlatformSignals(self.conn, self.indices, self.spooler)
        self.spooler.signals_pass = self.signals.compute
        self.spooler.fences = self.fences
        self._opened = False

    @classmethod
    def from_settings(cls, settings: Any) -> ElasticsearchStore:
        """The store the settings name (STORE_URL, STORE_*, ELASTICSEARCH_*, CRAWLER_DATA_DIR)."""
        return cls(StoreConfig.from_settings(settings))

    def _count(self, key: str, value: int = 1) -> None:
        self.stats[key] += value
        self.count_event(key, value)

    @property
    def languages(self) -> list[str]:
        """ISO codes of the language analyzers the cluster has (known once installed)."""
        return self.indices.languages

    # -- lifecycle ------------------------------------------------------------------------
    async def open(self) -> None:
        """Install templates and indices (idempotent), then replay what a killed crawler left.

        Raises StoreError naming the cause when Elasticsearch refuses our credentials.
        When it is unreachable, open() still succeeds: writes go to the spool.
        """
        # Marked open first: after a refused open(), upsert() spools and names the cause
        # instead of calling open() again.
        self._opened = True
        try:
            await self.indices.ensure_installed()
        except Unreachable as exc:
            if exc.auth:
                raise StoreError(self.conn.auth_message(exc.cause)) from None
            logger.warning(
                "Elasticsearch at %s unreachable at start (%s); writes go to the spool %s",
                self.config.url,
                exc.cause,
                self.config.spool_dir,
            )
        if self.spool.segments():
            await self.replay_spool()
        self._start_tasks()

    async def close(self) -> None:
        """Finish queued writes, try a last replay, release the client."""
        await self.queue.drain()
        for task in (self.queue.cancel(), self.spooler.cancel()):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        try:
            if self.spool.pending():
                await self.replay_spool()
        except Exception as exc:  # noqa: BLE001 - the spool keeps them for the next start
            logger.warning("spool not fully replayed at close: %s", exc)
        self.spool.close_segment()
        await self.client.close()

    def _start_tasks(self) -> None:
        self.queue.start()
        self.spooler.start()

    async def install(self) -> None:
        """Index templates, the versioned listings index and its alias, alerts and jobs."""
        await self.indices.install()

    async def detect_languages(self) -> list[str]:
        return await self.indices.detect_languages()

    async def refresh(self) -> None:
        """Make everything written so far visible to search (tests, `crawler` after a run)."""
        await self.indices.refresh()

    async def replay_spool(self) -> bool:
        """Replay spooled writes in order; True when the spool is empty afterwards."""
        return await self.spooler.replay()

    # -- writes ---------------------------------------------------------------------------
    async def fence_token(self, platform: str) -> int:
        if not self._opened:
            await self.open()
        return await self.fences.token(platform)

    async def hold_fence(self, platform: str, token: int) -> None:
        if not self._opened:
            await self.open()
        await self.fences.hold(platform, token)

    async def upsert(self, listings: Sequence[Listing], seen_at: datetime) -> list[UpsertResult]:
        if not listings:
            return []
        if not self._opened:
            await self.open()
        await self.fences.check()
        self._start_tasks()
        return await self.queue.submit(listings, seen_at)

    async def touch(self, platform: str, ids: Sequence[str], seen_at: datetime) -> None:
        if not ids:
            return
        await self.fences.check()
        seen_at = aware(seen_at)
        record = {"op": "touch", "ids": list(ids), "seen_at": seen_at.isoformat()}
        await self.spooler.spool_or_run(
            record, lambda: records.write_touch(self.conn, list(ids), seen_at)
        )

    async def mark_missed(
        self,
        platform: str,
        walk_started_at: datetime,
        threshold: int,
        spare: Sequence[str] = (),
    ) -> Misses:
        """Count a complete walk's misses (base class; records.mark_missed). Never while
        writes wait in the spool: "not seen" would then be a guess."""
        await self.fences.check()
        await self.queue.drain()
        if self.spool.pending():
            raise StoreError(
                f"Elasticsearch at {self.config.url}: writes still wait in the spool "
                f"{self.config.spool_dir}; misses not counted"
            )
        try:
            return await records.mark_missed(
                self.conn, platform, aware(walk_started_at), threshold, spare
            )
        except Unreachable as exc:
            raise StoreError(
                f"Elasticsearch at {self.config.url} unavailable: {exc.cause}; misses not counted"
            ) from None
        except (ApiError, TransportError) as exc:
            raise StoreError(
                f"Elasticsearch at {self.config.url}: counting misses failed: {exc}"
            ) from None

    async def save_job(self, job: CrawlJob) -> None:
        await self.fences.check()
        record = {"op": "job", "job": job.model_dump(mode="json")}
        await self.spooler.spool_or_run(record, lambda: records.write_job(self.conn, job))

    async def save_alert(self, alert: dict[str, Any]) -> bool:
        if "id" not in alert:
            raise StoreError("save_alert: the alert record has no 'id'")
        record = {"op": "alert", "alert": alert}
        stored = await self.spooler.spool_or_run(
            record, lambda: records.write_alert(self.conn, alert)
        )
        return stored is not False

    async def purge(self, not_seen_since: datetime, keep: Collection[str] = ()) -> int:
        """Delete listings not seen since the date, except the ids in `keep` (client-side:
        no _delete_by_query here)."""
        ids = await records.purge(self.conn, not_seen_since, keep)
        for lid in ids:
            self.memory.forget(lid)
        # Retention covers the actor-linking state (records, identifier carriers, members).
        try:
            await self.linking.forget(ids)
        except Unreachable as exc:
            raise StoreError(
                f"Elasticsearch at {self.config.url}: {len(ids)} listings purged, but their "
                f"actor-linking records not yet ({exc.cause}); run the purge again"
            ) from None
        return len(ids)

    async def evidence_files(self) -> set[str]:
        """Read after every queued write and delete (a refresh first): what a purge keeps."""
        await self.queue.drain()
        try:
            await self.conn.retrying(
                self.conn.client.indices.refresh, index=self.conn.names.listings
            )
            return await records.evidence_files(self.conn)
        except (Unreachable, ApiError, TransportError) as exc:
            raise StoreError(
                f"Elasticsearch at {self.config.url}: evidence references could not be read "
                f"({getattr(exc, 'cause', exc)})"
            ) from None

    async def update_platform_signals(self, platform: str) -> int:
        """Add or refresh `shared_contact` and `price_anomaly` on the platform's listings;
        returns how many listings changed (see signals.py)."""
        await self.fences.check()
        return await self.signals.update(platform)

    async def pending_writes(self) -> PendingWrites | None:
        """Finish queued writes and try a replay; what is still in the spool after that."""
        await self.queue.drain()
        if self.spool.pending():
            with contextlib.suppress(Exception):
                await self.replay_spool()
        by_op = self.spool.pending_by_op()
        count = sum(by_op.values())
        oldest = self.spool.oldest()
        return PendingWrites(
            count=count,
            listings=by_op.get("upsert", 0),
            oldest=datetime.fromtimestamp(oldest, UTC) if count and oldest else None,
            where=str(self.config.spool_dir),
        )

    def replayed(self) -> int:
        return self.stats["replayed"]

    # -- reads ----------------------------------------------------------------------------
    async def rescored_since(self, since: datetime, limit: int = 10_000) -> list[Rescored]:
        return await self.queries.rescored_since(since, limit)

    async def known(self, platform: str, ids: Sequence[str]) -> dict[str, str | None]:
        return await self.queries.known(platform, ids)

    async def get(self, listing_id: str) -> Listing | None:
        return await self.queries.get(listing_id)

    async def get_many(self, ids: Sequence[str]) -> list[Listing]:
        return await self.queries.get_many(ids)

    async def cluster_documents(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        try:
            got = await self.linking.fetch(keys)
        except Unreachable as exc:
            raise StoreError(
                f"Elasticsearch at {self.config.url} unavailable: {exc.cause}"
            ) from None
        return {k: v for k, v in got.items() if v is not None}

    async def phone_regions(self) -> list[str]:
        """Regions of the phones stored (how a national number typed by an analyst is read)."""
        return await self.queries.phone_regions()

    def search_body(self, query: SearchQuery, phone_regions: Sequence[str] = ()) -> dict[str, Any]:
        """The bool query for a SearchQuery (every filter means what it means in SQLite)."""
        return self.queries.search_body(query, phone_regions)

    async def search(self, query: SearchQuery) -> SearchPage:
        return await self.queries.search(query)

    async def count(self, platform: str | None = None) -> int:
        return await self.queries.count(platform)

    async def jobs(self, platform: str | None = None, limit: int = 20) -> list[CrawlJob]:
        return await self.queries.jobs(platform, limit)

    async def latest_judged_jobs(self) -> list[CrawlJob]:
        return await self.queries.latest_judged_jobs()

    async def list_alerts(self, limit: int = 50, rule: str | None = None) -> list[dict[str, Any]]:
        return await self.queries.list_alerts(limit, rule)

    async def summary(self) -> dict[str, Any]:
        """Counts per platform, top indicators, clusters, the riskiest listings."""
        return await self.queries.summary()
