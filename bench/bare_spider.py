"""Baseline for bench_crawl: a bare Scrapy spider that fetches and follows links only.

Scrapy defaults (no project settings), so the comparison is against Scrapy as it comes.
Usage: python bench/bare_spider.py URL [URL ...]; prints `pages=N seconds=S`.
"""

from __future__ import annotations

import sys
import time

import scrapy
from scrapy.crawler import CrawlerProcess


class BareSpider(scrapy.Spider):
    name = "bare"

    def __init__(self, urls: list[str], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.urls = urls

    async def start(self):  # noqa: ANN201
        for url in self.urls:
            yield scrapy.Request(url)

    def parse(self, response):  # noqa: ANN001, ANN201
        for href in response.css("a::attr(href)").getall():
            yield response.follow(href)


def main() -> None:
    process = CrawlerProcess({"LOG_LEVEL": "WARNING"})
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, urls=sys.argv[1:])
    t0 = time.perf_counter()
    process.start()
    elapsed = time.perf_counter() - t0
    print(f"pages={crawler.stats.get_value('response_received_count', 0)} seconds={elapsed:.3f}")


if __name__ == "__main__":
    main()
