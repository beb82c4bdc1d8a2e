"""Baseline for bench_crawl: a bare Scrapy spider that fetches and follows links only.

Scrapy defaults (no project settings), so the comparison is against Scrapy as it comes.
Usage: python bench/bare_spider.py URL [URL ...]; prints `pages=N seconds=S cpu=C rss_mb=M`
(cpu: this process's user+system CPU seconds while crawling; rss_mb: its peak resident memory).
"""

from __future__ import annotations

import resource
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


def cpu_seconds() -> float:
    ru = resource.getrusage(resource.RUSAGE_SELF)
    return ru.ru_utime + ru.ru_stime


def peak_rss_mb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) // 1024
    return 0


def main() -> None:
    process = CrawlerProcess({"LOG_LEVEL": "WARNING"})
    crawler = process.create_crawler(BareSpider)
    process.crawl(crawler, urls=sys.argv[1:])
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    process.start()
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
    pages = crawler.stats.get_value("response_received_count", 0)
    print(f"pages={pages} seconds={elapsed:.3f} cpu={cpu:.3f} rss_mb={peak_rss_mb()}")


if __name__ == "__main__":
    main()
