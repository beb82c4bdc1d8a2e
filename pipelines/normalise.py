"""Stage 1: the raw listing -> a Listing document (clean text, dates, language).

Page text is untrusted: invisible and control characters are removed and the removal is
recorded on the listing (crawler.crawl.enrich.build_listing). Counters:
pipeline/normalise/malformed, pipeline/normalise/empty.
"""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.crawl.enrich import add_language, build_listing
from crawler.crawl.items import ListingItem


class NormalisePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalisePipeline:
        return cls(crawler)

    def process_item(self, item: ListingItem, spider: Any = None) -> ListingItem:
        try:
            listing = build_listing(item.raw)
        except (KeyError, ValueError) as exc:
            self.stats.inc_value("pipeline/normalise/malformed")
            raise DropItem(f"malformed listing record: {exc}") from exc
        if not listing.title and not listing.body:
            self.stats.inc_value("pipeline/normalise/empty")
            raise DropItem("page has neither title nor body (selectors no longer match?)")
        add_language(listing)
        item.listing = listing
        return item
