"""Stage 1: raw scraped fields -> a Listing document (cleaned text, dates, language)."""

from __future__ import annotations

from typing import Any

from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawler.crawl.enrich import add_language, build_listing


class NormalisePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> NormalisePipeline:
        return cls(crawler)

    def process_item(self, item: dict[str, Any], spider: Any = None) -> dict[str, Any]:
        try:
            listing = build_listing(item["raw"])
        except (KeyError, ValueError) as exc:
            self.stats.inc_value("pipeline/normalise/malformed")
            raise DropItem(f"malformed listing record: {exc}") from exc
        if not listing.title and not listing.body:
            self.stats.inc_value("pipeline/normalise/empty")
            raise DropItem("page has neither title nor body (selectors no longer match?)")
        add_language(listing)
        item["listing"] = listing
        return item
