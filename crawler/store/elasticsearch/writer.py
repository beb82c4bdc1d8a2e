"""The write queue: concurrent upsert() calls batched into bulk writes, with backpressure.

upsert() calls are queued (a bounded queue of STORE_QUEUE_SIZE calls: a full queue makes
callers wait) and a writer task takes what is queued, up to STORE_BULK_DOCS listings and
STORE_BULK_BYTES bytes, waiting at most STORE_BULK_FLUSH_INTERVAL seconds for more
(default 0: no waiting; batches form while earlier ones are in flight). At most
STORE_BULK_CONCURRENCY batches are in flight, never two with the same listing (the later
one waits). Each batch is decided and written by upsert.py, or goes to the spool
(replay.py) when Elasticsearch is unavailable or while older writes wait there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from crawler.models import Listing, UpsertResult
from crawler.store.base import StoreError
from crawler.store.elasticsearch.connection import Connection, Unreachable
from crawler.store.elasticsearch.documents import aware
from crawler.store.elasticsearch.indices import Indices
from crawler.store.elasticsearch.replay import Spooler
from crawler.store.elasticsearch.upsert import Entry, ListingWrites

# Bytes counted per listing besides its title and body (the rest of its document).
LISTING_OVERHEAD = 512


@dataclass
class Request:
    """One upsert() call waiting for the writer."""

    entries: list[Entry]
    future: asyncio.Future[list[UpsertResult]] | None
    size: int = 0


class WriteQueue:
    """The queue of upsert() calls and the task that writes them in batches (module doc)."""

    def __init__(
        self, conn: Connection, indices: Indices, writes: ListingWrites, spooler: Spooler
    ) -> None:
        self.conn = conn
        self.config = conn.config
        self.indices = indices
        self.writes = writes
        self.spooler = spooler
        self._queue: asyncio.Queue[Request] | None = None
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Create the queue and (re)start the writer task when it is not running."""
        if self._queue is None:
            self._queue = asyncio.Queue(maxsize=self.config.queue_size)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._write_loop(), name="es-store-writer")

    async def drain(self) -> None:
        """Wait until every queued upsert() call is written (or spooled)."""
        if self._queue is not None and self._task is not None:
            await self._queue.join()

    def cancel(self) -> asyncio.Task[None] | None:
        """Stop the writer task; returns it (to be awaited) and forgets the queue."""
        task, self._task, self._queue = self._task, None, None
        if task is not None:
            task.cancel()
        return task

    async def submit(self, listings: Sequence[Listing], seen_at: datetime) -> list[UpsertResult]:
        """Queue one upsert() call and wait for its results."""
        assert self._queue is not None
        seen_at = aware(seen_at)
        entries = [Entry(listing, seen_at) for listing in listings]
        future: asyncio.Future[list[UpsertResult]] = asyncio.get_running_loop().create_future()
        size = sum(len(e.listing.body) + len(e.listing.title) + LISTING_OVERHEAD for e in entries)
        await self._queue.put(Request(entries, future, size))  # blocks when full: backpressure
        return await future

    async def _write_loop(self) -> None:
        assert self._queue is not None
        queue = self._queue
        config = self.config
        slots = asyncio.Semaphore(config.bulk_concurrency)
        inflight: dict[asyncio.Task[None], set[str]] = {}
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            docs, size = len(batch[0].entries), batch[0].size
            deadline = loop.time() + config.flush_interval
            while docs < config.bulk_docs and size < config.bulk_bytes:
                try:
                    if config.flush_interval > 0:
                        remaining = deadline - loop.time()
                        if remaining <= 0:
                            break
                        async with asyncio.timeout(remaining):
                            item = await queue.get()
                    else:
                        item = queue.get_nowait()
                except (TimeoutError, asyncio.QueueEmpty):
                    break
                batch.append(item)
                docs += len(item.entries)
                size += item.size
            ids = {e.listing.id for req in batch for e in req.entries}
            # A listing in flight in another batch: let that one finish first (keeps order).
            overlapping = {t for t, tids in inflight.items() if tids & ids}
            if overlapping:
                await asyncio.wait(overlapping)
            await slots.acquire()
            task = asyncio.create_task(self._run_batch(batch, queue))
            inflight[task] = ids

            def finished(t: asyncio.Task[None]) -> None:
                inflight.pop(t, None)
                slots.release()

            task.add_done_callback(finished)

    async def _run_batch(self, batch: list[Request], queue: asyncio.Queue[Request]) -> None:
        try:
            await self._write_requests(batch)
        except Exception as exc:  # noqa: BLE001 - handed to the callers
            for req in batch:
                if req.future is not None and not req.future.done():
                    req.future.set_exception(exc)
        finally:
            for _ in batch:
                queue.task_done()

    async def _write_requests(self, batch: list[Request]) -> None:
        """Write a batch of upsert() calls to Elasticsearch, or to the spool when it is down."""
        entries = [e for req in batch for e in req.entries]
        auth_error: str | None = None
        written = False
        spooler = self.spooler
        # While older writes wait in the spool, new ones queue behind them (order); the
        # replay task drains it when Elasticsearch is back.
        async with spooler.lock:  # not while a replay is running: it must finish first
            direct = not spooler.spool.pending()
        if direct:
            try:
                await self.indices.ensure_installed()
                await self.writes.apply(entries)
                written = True
                self.conn.back_up()
            except Unreachable as exc:
                auth_error = self.conn.auth_message(exc.cause) if exc.auth else None
                self.conn.log_down(exc.cause)
        if not written:
            async with spooler.lock:
                spooler.spool_entries(entries)
        for req in batch:
            if req.future is None or req.future.done():
                continue
            if auth_error:
                req.future.set_exception(
                    StoreError(f"{auth_error}; {len(req.entries)} listings kept in the spool")
                )
            else:
                req.future.set_result([e.result for e in req.entries if e.result is not None])
