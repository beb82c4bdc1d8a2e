"""Stage 6: upsert the Listing into the configured store (SQLite or Elasticsearch).

After this stage the item holds `result` (UpsertResult: new, changed or unchanged) and
`listing` as stored (first_seen, price history, cluster id). Counters: store/new,
store/changed, store/unchanged, store/errors. Settings: STORE_BATCH_SIZE,
STORE_BATCH_DELAY; the store itself comes from STORE_URL / CRAWLER_DATA_DIR.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.store import ListingStore, open_store
from crawler.store.batching import UpsertBatcher

logger = logging.getLogger(__name__)


class StorePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.batch_size = crawler.settings.getint("STORE_BATCH_SIZE", 50)
        self.batch_delay = crawler.settings.getfloat("STORE_BATCH_DELAY", 0.01)
        self.store: ListingStore | None = None
        self.batcher: UpsertBatcher | None = None
        self._logged_error = False

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StorePipeline:
        return cls(crawler)

    async def open_spider(self, spider: Any = None) -> None:
        self.store = open_store(self.crawler.settings)
        await self.store.open()
        self.batcher = UpsertBatcher(self.store, self.batch_size, self.batch_delay)

    async def close_spider(self, spider: Any = None) -> None:
        if self.batcher is not None:
            await self.batcher.close()
        if self.store is None:
            return
        try:
            # Platform-level signals (shared contacts, price anomalies) need the whole platform.
            # Scrapy 2.13+ passes no spider here: it is the crawler's.
            spider = spider or self.crawler.spider
            update = getattr(self.store, "update_platform_signals", None)
            platform = getattr(spider, "platform", None)
            if update is not None and platform:
                changed = await update(platform)
                self.stats.set_value("store/platform_signals_updated", changed)
        finally:
            await self.store.close()

    async def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        assert self.batcher is not None
        try:
            result = await self.batcher.upsert(item["listing"])
        except Exception as exc:
            self.stats.inc_value("store/errors")
            if not self._logged_error:
                self._logged_error = True
                logger.error("store upsert failed (logged once; counted in store/errors): %s", exc)
            raise DropItem(f"store upsert failed: {exc}") from exc
        self.stats.inc_value(f"store/{result.outcome.value}")
        item["result"] = result
        item["listing"] = result.listing
        return item
