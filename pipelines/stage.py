"""Base of the enrichment stages: a thin Scrapy pipeline around one crawler.crawl.enrich function.

A subclass names its stats key and implements `stage` (call the enrich function) and
`found`; the stage counts listings it found something for under
`pipeline/<name>/listings_with`.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scrapy.crawler import Crawler

from crawler.crawl.items import ListingItem
from crawler.models import Listing


class EnrichStagePipeline:
    name: ClassVar[str] = "stage"

    def stage(self, listing: Listing, fields: dict[str, Any]) -> None:
        raise NotImplementedError

    def found(self, listing: Listing) -> bool:
        return False

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> EnrichStagePipeline:
        return cls(crawler)

    def process_item(self, item: ListingItem, spider: Any = None) -> ListingItem:
        assert item.listing is not None  # set by NormalisePipeline
        self.stage(item.listing, item.raw.fields)
        if self.found(item.listing):
            self.stats.inc_value(f"pipeline/{self.name}/listings_with")
        return item
