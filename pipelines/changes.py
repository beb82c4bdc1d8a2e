"""Stage 5: change tracking input: the content fingerprint that decides new/changed/unchanged.

The store's upsert compares it with the stored one (first_seen, last_seen and price history
are kept by the store, so that they hold across processes and restarts).
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler


class ChangeTrackingPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ChangeTrackingPipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        listing = item["listing"]
        listing.fingerprint = listing.compute_fingerprint()
        return item
