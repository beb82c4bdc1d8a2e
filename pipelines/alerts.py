"""Alert stages: thin Scrapy pipelines around crawler.alerts.AlertEngine.

- AlertsIntakePipeline (just BEFORE the store stage, e.g. order 550): records in the outbox
  what the store held before the upsert, so that a crawl killed between the upsert and the
  evaluation still alerts after a restart.
- AlertsPipeline (AFTER the store stage, order 900): evaluates the rules on item.result,
  persists alerts in the outbox and the store, and wakes the background courier that
  delivers them at once. At close it waits up to ALERTS_DRAIN_TIMEOUT for deliveries.
Both share one engine per crawl. Settings: ALERTS_* (crawler.alerts.config). Counters:
alerts/raised, alerts/delivered, alerts/delivery_retry, alerts/delivery_failed,
alerts/recovered, alerts/max_latency_s.
"""

from __future__ import annotations

import asyncio
import logging
import time
import weakref
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawler.alerts.config import AlertsConfig
from crawler.alerts.engine import AlertEngine
from crawler.crawl.items import ListingItem
from crawler.crawl.registry import remember
from crawler.crawl.store import CrawlStore

logger = logging.getLogger(__name__)


class _AlertsRuntime:
    """The engine (on the crawl's one store), started by whichever alert stage opens first."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config = AlertsConfig.from_settings(crawler.settings)
        self.engine: AlertEngine | None = None
        self._users = 0
        self._lock = asyncio.Lock()

    async def acquire(self) -> AlertEngine:
        async with self._lock:
            self._users += 1
            if self.engine is None:
                store = await CrawlStore.of(self.crawler).store()
                # Config errors (AlertConfigError) surface here, before the first request.
                engine = AlertEngine.load(self.config, store, stats=self.crawler.stats)
                self.engine = engine
                # Rescored listings are caught up with at the close (release), which reads
                # everything rescored since the last look: once a run, not twice.
                await engine.recover(catch_up=False)
                engine.start_delivery()
                if self.config.rules_path is None and self.config.enabled:
                    logger.warning(
                        "alerts: no rules (ALERTS_RULES is empty and there is no ./rules "
                        "directory here): this crawl raises no alert"
                    )
                logger.info(
                    "alerts: %d active rule(s), %d watchlist subject(s)",
                    len(engine.rules.active),
                    len(engine.watchlist),
                )
            return self.engine

    async def release(self) -> None:
        async with self._lock:
            self._users -= 1
            if self._users > 0 or self.engine is None:
                return
            try:
                crawl_store = CrawlStore.of(self.crawler)
                if crawl_store.signals_expected:
                    # Rules see the final document: after the store stage's signal pass.
                    await crawl_store.signals_done.wait()
                await self.engine.catch_up()
                await self.engine.close(drain=True)
            finally:
                self.engine = None  # the store is the crawl's: CrawlStore closes it


_RUNTIMES: weakref.WeakKeyDictionary[Crawler, _AlertsRuntime] = weakref.WeakKeyDictionary()


def _runtime(crawler: Crawler) -> _AlertsRuntime:
    config = AlertsConfig.from_settings(crawler.settings)
    if not config.enabled:
        raise NotConfigured("ALERTS_ENABLED is false")
    if crawler not in _RUNTIMES:
        remember(_RUNTIMES, crawler, _AlertsRuntime(crawler))
    return _RUNTIMES[crawler]


class _AlertStage:
    def __init__(self, crawler: Crawler) -> None:
        self.runtime = _runtime(crawler)
        self.engine: AlertEngine | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        return cls(crawler)

    async def open_spider(self) -> None:
        self.engine = await self.runtime.acquire()

    async def close_spider(self) -> None:
        if self.engine is not None:
            self.engine = None
            await self.runtime.release()


class AlertsIntakePipeline(_AlertStage):
    async def process_item(self, item: ListingItem) -> ListingItem:
        assert self.engine is not None and item.listing is not None
        if item.alerts_seen_at is None:
            item.alerts_seen_at = time.time()
        await self.engine.before_store(item.listing, item.alerts_seen_at)
        return item


class AlertsPipeline(_AlertStage):
    async def process_item(self, item: ListingItem) -> ListingItem:
        assert self.engine is not None
        if item.result is not None:
            await self.engine.after_store(item.result, item.alerts_seen_at)
        return item
