"""Stage 6: upsert the Listing into the crawl's store (SQLite or Elasticsearch).

The store is the crawl's one store (crawler.crawl.store.CrawlStore). After this stage the
item holds `result` (UpsertResult: new, changed or unchanged) and `listing` as stored
(first_seen, price history, cluster id). At the close, the platform-level signals
(shared contacts, price anomalies) are computed over the whole platform. Counters:
store/new, store/changed, store/unchanged, store/errors, store/platform_signals_updated,
and the store's own (store/spooled, ...). Settings: STORE_BATCH_SIZE, STORE_BATCH_DELAY.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.config import get_number
from crawler.crawl.items import ListingItem
from crawler.crawl.reporting import Reporter
from crawler.crawl.store import CrawlStore
from crawler.store import ListingStore
from crawler.store.batching import UpsertBatcher

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.report = Reporter(crawler.stats, logger, "store/")
        self.batch_size = get_number(crawler.settings, "STORE_BATCH_SIZE", int, 50, 1)
        self.batch_delay = get_number(crawler.settings, "STORE_BATCH_DELAY", float, 0.01, 0)
        self.store: ListingStore | None = None
        self.batcher: UpsertBatcher | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    async def open_spider(self, spider: Any = None) -> None:
        crawl_store = CrawlStore.of(self.crawler)
        crawl_store.signals_expected = True
        self.store = await crawl_store.store()
        self.batcher = UpsertBatcher(self.store, self.batch_size, self.batch_delay)

    async def close_spider(self, spider: Any = None) -> None:
        try:
            if self.batcher is not None:
                await self.batcher.close()
            platform = getattr(self.crawler.spider, "platform", None)
            if self.store is not None and platform:
                # Platform-level signals need the whole platform (Scrapy 2.13+ passes no
                # spider: it is the crawler's).
                changed = await self.store.update_platform_signals(platform)
                self.crawler.stats.set_value("store/platform_signals_updated", changed)
        finally:
            CrawlStore.of(self.crawler).signals_done.set()

    async def process_item(self, item: ListingItem, spider: Any = None) -> ListingItem:
        assert self.batcher is not None and item.listing is not None
        try:
            result = await self.batcher.upsert(item.listing)
        except Exception as exc:
            self.report.problem("errors", logging.ERROR, "store upsert failed: %s", exc)
            raise DropItem(f"store upsert failed: {exc}") from exc
        self.report.count(result.outcome.value)
        item.result = result
        item.listing = result.listing
        return item
