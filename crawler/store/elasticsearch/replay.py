"""Durability: writes kept in the spool while Elasticsearch is down, replayed in order.

When Elasticsearch is still unreachable after the retries, or rejects the credentials,
writes go to the spool (crawler/store/spool.py: STORE_SPOOL_DIR, default
CRAWLER_DATA_DIR/spool) and are replayed in order when it is back: a background task
retries every STORE_SPOOL_RETRY_INTERVAL seconds, and open() replays what a killed crawler
left. Nothing goes to Elasticsearch directly while the spool holds older records, so order
is kept (the spool lock keeps writes out while a replay runs).

Results for spooled listings are computed from what this process knows (memory.py): a
listing it read or wrote before is CHANGED or UNCHANGED by fingerprint; a listing it never
saw is reported NEW. Reporting NEW can at worst repeat an alert (alerts are de-duplicated
by id), whereas reporting UNCHANGED could hide a new listing from the analysts. The replay
decides again against the stored document, so the index itself ends up exactly as if
Elasticsearch had never been down. A segment Elasticsearch refuses (a mapping error, not
an outage) is set aside as `*.rejected`. A crawl that ends while Elasticsearch is down
spools a `signals` record after its listings: the replay computes that platform's signals
at that point, so that the store ends up as after a clean run (and the alert engine reads
the rescored listings: crawler/alerts/engine.py). Counters: spooled, replayed.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from crawler.models import CrawlJob, Listing, UpsertOutcome, UpsertResult
from crawler.store.base import StoreError
from crawler.store.elasticsearch.connection import Connection, Unreachable
from crawler.store.elasticsearch.documents import aware, parse_time
from crawler.store.elasticsearch.indices import Indices
from crawler.store.elasticsearch.memory import ListingMemory
from crawler.store.elasticsearch.records import write_alert, write_job, write_touch
from crawler.store.elasticsearch.upsert import Entry, ListingWrites
from crawler.store.spool import Spool

logger = logging.getLogger(__name__)


class Spooler:
    """The spool of one store: appending while Elasticsearch is down, replaying after."""

    def __init__(
        self,
        conn: Connection,
        indices: Indices,
        spool: Spool,
        memory: ListingMemory,
        writes: ListingWrites,
    ) -> None:
        self.conn = conn
        self.indices = indices
        self.spool = spool
        self.memory = memory
        self.writes = writes
        # Held while appending and while replaying: a replay must finish before new writes.
        self.lock = asyncio.Lock()
        self._task: asyncio.Task[None] | None = None
        # The platform signals pass, run for a `signals` record (set by the store: signals.py
        # needs this spooler, so the two are tied after both exist).
        self.signals_pass: Callable[[str], Awaitable[int]] | None = None
        # The fences of the store (set by the store): spooled records carry the run's held
        # token, and the replay drops those a newer run has superseded meanwhile.
        self.fences: Any = None

    def _fenced(self, record: dict[str, Any]) -> dict[str, Any]:
        held = self.fences.held if self.fences is not None else None
        if held is not None:
            record["fence"] = [held[0], held[1]]
        return record

    # -- spooling ---------------------------------------------------------------------------
    def spool_entries(self, entries: list[Entry]) -> None:
        """Append entries to the spool and fill in best-known results (module docstring)."""
        records = []
        for e in entries:
            if e.result is not None:
                continue  # written before Elasticsearch went away mid-batch
            listing = e.listing.model_copy()
            listing.fingerprint = listing.fingerprint or listing.compute_fingerprint()
            known = self.memory.get(listing.id)
            if known is None:
                outcome = UpsertOutcome.NEW
                listing.first_seen = listing.first_seen or e.seen_at
            else:
                outcome = (
                    UpsertOutcome.CHANGED
                    if known.fingerprint != listing.fingerprint
                    else UpsertOutcome.UNCHANGED
                )
                listing.first_seen = known.first_seen or e.seen_at
            listing.last_seen = e.seen_at
            e.result = UpsertResult(
                id=listing.id,
                outcome=outcome,
                listing=listing,
                previous_fingerprint=known.fingerprint if known else None,
            )
            self.memory.remember(listing)
            records.append(
                self._fenced(
                    {
                        "op": "upsert",
                        "seen_at": e.seen_at.isoformat(),
                        "listing": e.listing.model_dump(mode="json"),
                    }
                )
            )
        self.spool.append(records)
        self.conn.count("spooled", len(records))

    async def spool_or_run(self, record: dict[str, Any], run: Callable[[], Awaitable[Any]]) -> Any:
        """Run a non-listing write (job, alert, touch) or spool it when ES is unreachable."""
        conn = self.conn
        record = self._fenced(record)
        async with self.lock:
            if not self.spool.pending():
                try:
                    await self.indices.ensure_installed()
                    return await run()
                except Unreachable as exc:
                    conn.log_down(exc.cause)
                    if exc.auth:
                        self.spool.append([record])
                        conn.count("spooled", 1)
                        raise StoreError(
                            f"{conn.auth_message(exc.cause)}; kept in the spool"
                        ) from None
            self.spool.append([record])
            conn.count("spooled", 1)
            return None

    # -- replaying --------------------------------------------------------------------------
    async def replay(self) -> bool:
        """Replay spooled writes in order; True when the spool is empty afterwards."""
        async with self.lock:
            return await self._replay_locked()

    async def _replay_locked(self) -> bool:
        conn, spool = self.conn, self.spool
        if not spool.pending():
            return True
        try:
            # A cheap probe first (it closes the breaker when Elasticsearch answers): while
            # it is still down, keep appending to one segment. A HEAD on our own index needs
            # only the crawler's index privileges (cluster health would need `monitor`).
            await conn.retrying(conn.client.indices.exists, index=conn.names.listings, probe=True)
            await self.indices.ensure_installed()
        except Unreachable as exc:
            conn.log_down(exc.cause)
            return False
        spool.close_segment()
        replayed = 0
        for segment in spool.segments():
            claimed = spool.claim(segment)
            if claimed is None:
                continue  # another live process is writing or replaying it
            try:
                count = await self._replay_records(list(claimed.records()))
            except Unreachable as exc:
                claimed.release()
                conn.log_down(exc.cause)
                return False
            except StoreError as exc:
                # Elasticsearch refuses a record (a mapping error, not an outage): set the
                # segment aside for inspection instead of blocking every later write on it.
                rejected = segment.with_name(segment.name + ".rejected")
                segment.rename(rejected)
                claimed.release()
                logger.error("spool %s rejected, kept as %s: %s", segment.name, rejected, exc)
                continue
            except BaseException:
                claimed.release()
                raise
            claimed.done()
            conn.count("replayed", count)
            replayed += count
            logger.info("replayed %d spooled writes from %s", count, segment.name)
        if replayed:
            # What comes next reads with searches (a job's end over its `running` record,
            # the alerts' catch-up): they must see the replayed writes, not a second ago.
            try:
                names = conn.names
                await conn.retrying(
                    conn.client.indices.refresh, index=[names.listings, names.alerts, names.jobs]
                )
            except Unreachable as exc:
                conn.log_down(exc.cause)
                return False
        conn.back_up()
        return not spool.pending()

    async def _superseded(self, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Records of runs a newer run took the platform over from are dropped (fencing:
        crawler/store/elasticsearch/fencing.py), as their writes would have been refused."""
        newest: dict[str, int] = {}
        kept = []
        for rec in records:
            fence = rec.get("fence")
            if fence and self.fences is not None:
                platform, token = fence[0], int(fence[1])
                if platform not in newest:
                    newest[platform] = await self.fences.token(platform)
                if newest[platform] > token:
                    self.conn.count("fenced_on_replay", 1)
                    continue
            kept.append(rec)
        if len(kept) < len(records):
            logger.warning(
                "spool: %d writes of superseded runs dropped (a newer run holds the platform)",
                len(records) - len(kept),
            )
        return kept

    async def _replay_records(self, records: list[dict[str, Any]]) -> int:
        """Apply records in order; consecutive upserts go in batches."""
        conn = self.conn
        records = await self._superseded(records)
        i = 0
        while i < len(records):
            rec = records[i]
            if rec.get("op") == "upsert":
                j = i
                batch: list[Entry] = []
                while j < len(records) and records[j].get("op") == "upsert":
                    r = records[j]
                    batch.append(
                        Entry(Listing.model_validate(r["listing"]), aware(parse_time(r["seen_at"])))
                    )
                    j += 1
                await self.writes.apply(batch)
                i = j
                continue
            if rec.get("op") == "job":
                await write_job(conn, CrawlJob.model_validate(rec["job"]))
            elif rec.get("op") == "alert":
                await write_alert(conn, rec["alert"])
            elif rec.get("op") == "touch":
                await write_touch(conn, rec["ids"], aware(parse_time(rec["seen_at"])))
            elif rec.get("op") == "signals" and self.signals_pass is not None:
                # A crawl ended while Elasticsearch was down: its platform's signals are
                # computed now, after the listings spooled before this record.
                changed = await self.signals_pass(rec["platform"])
                logger.info(
                    "platform signals of %s computed after the replay: %d listings changed",
                    rec["platform"],
                    changed,
                )
            else:
                logger.warning("spool: skipping a record of unknown kind %r", rec.get("op"))
            i += 1
        return len(records)

    # -- the background task ------------------------------------------------------------------
    def start(self) -> None:
        """(Re)start the task that replays the spool every STORE_SPOOL_RETRY_INTERVAL."""
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._replay_loop(), name="es-store-replay")

    def cancel(self) -> asyncio.Task[None] | None:
        """Stop the replay task; returns it (to be awaited)."""
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
        return task

    async def _replay_loop(self) -> None:
        while True:
            await asyncio.sleep(self.conn.config.spool_retry_interval)
            if self.spool.pending():
                try:
                    await self.replay()
                except Exception as exc:  # noqa: BLE001 - logged; the next round tries again
                    logger.warning("spool replay failed: %s", exc)
