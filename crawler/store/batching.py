"""Micro-batching of upserts: many concurrent callers, one store call per batch.

Scrapy processes items of many responses concurrently; each pipeline call awaits its own
result while the batcher sends up to `max_items` listings in one store.upsert after at most
`max_delay` seconds. Both stores are much faster per listing in batches.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from crawler.models import Listing, UpsertResult, utcnow
from crawler.store.base import ListingStore


class UpsertBatcher:
    def __init__(self, store: ListingStore, max_items: int = 50, max_delay: float = 0.05) -> None:
        self.store = store
        self.max_items = max_items
        self.max_delay = max_delay
        self._pending: list[tuple[Listing, asyncio.Future[UpsertResult]]] = []
        self._timer: asyncio.TimerHandle | None = None
        self._lock = asyncio.Lock()
        self._tasks: set[asyncio.Task[None]] = set()

    async def upsert(self, listing: Listing) -> UpsertResult:
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[UpsertResult] = loop.create_future()
        self._pending.append((listing, fut))
        if len(self._pending) >= self.max_items:
            self._spawn_flush()
        elif self._timer is None:
            self._timer = loop.call_later(self.max_delay, self._spawn_flush)
        return await fut

    def _spawn_flush(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        task = asyncio.ensure_future(self.flush())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def flush(self, seen_at: datetime | None = None) -> None:
        async with self._lock:
            batch, self._pending = self._pending, []
            if not batch:
                return
            try:
                results = await self.store.upsert([lst for lst, _ in batch], seen_at or utcnow())
            except Exception as exc:
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(exc)
                return
            for (_, fut), result in zip(batch, results, strict=True):
                if not fut.done():
                    fut.set_result(result)

    async def close(self) -> None:
        await self.flush()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)
