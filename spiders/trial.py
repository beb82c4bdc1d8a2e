"""A trial crawl of one profile: fetch, render, read fields; no store, no pipelines.

    python -m spiders.trial PROFILE.yaml OUT.jsonl [--stats STATS.json]

Walks a profile the way ListingSpider does (list pages -> detail pages, or JSON pages in
API mode) with the same browser settings and request meta (crawler.browser), and writes
one raw listing per line to OUT.jsonl as soon as it is read: {"key", "url", fields...}.
The Scrapy stats go to STATS.json at the end. It exists to look at rendering alone:
the browser tests use it to compare a rendered crawl with ground truth while killing the
browser, and bench/bench_js.py to measure rendered against API pages per second.
A real crawl is `crawler crawl NAME`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.crawler import CrawlerProcess
from scrapy.http import Response

from crawler.browser import request_meta
from crawler.config import crawler_settings
from crawler.crawl.fields import read_field
from crawler.crawl.settings import profile_settings
from crawler.profiles import PlatformProfile, load_profile


class TrialSpider(scrapy.Spider):
    """List -> detail (or JSON pages) for one profile, raw listings to a JSONL file."""

    name = "trial"

    def __init__(self, profile: PlatformProfile, out: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.profile = profile
        self.out = Path(out).open("a", encoding="utf-8")  # noqa: SIM115 - closed in closed()
        self.started = time.monotonic()

    def _request(self, url: str, callback: Any, kind: str, **meta: Any) -> scrapy.Request:
        if kind != "api":
            meta.update(request_meta(self.profile, kind, self.crawler.settings))
        return scrapy.Request(url, callback=callback, meta=meta, dont_filter=kind != "detail")

    async def start(self) -> AsyncIterator[Any]:
        if self.profile.api is not None:
            from crawler.crawl.api import first_api_url

            yield self._request(first_api_url(self.profile), self.parse_api, "api")
            return
        for seed in self.profile.seeds:
            yield self._request(self.profile.absolute(seed), self.parse_list, "list")

    def parse_list(self, response: Response) -> Any:
        lp = self.profile.list_page
        assert lp is not None
        self.crawler.stats.inc_value("trial/list_pages")
        for entry in response.css(lp.item):
            link = read_field(entry, lp.link)
            if link:
                key = read_field(entry, lp.key) if lp.key else None
                yield self._request(response.urljoin(link), self.parse_detail, "detail", key=key)
        nxt = read_field(response, lp.next_page) if lp.next_page else None
        if nxt:
            yield self._request(response.urljoin(nxt), self.parse_list, "list")

    def parse_detail(self, response: Response) -> None:
        dp = self.profile.detail
        assert dp is not None
        self.crawler.stats.inc_value("trial/detail_pages")
        fields = {name: read_field(response, spec) for name, spec in dp.fields.items()}
        key = response.meta.get("key") or fields.get("listing_key")
        fields.pop("listing_key", None)
        self._write({"key": key, "url": response.url, **fields})

    def parse_api(self, response: Response) -> Any:
        from crawler.crawl.api import parse_api_page

        self.crawler.stats.inc_value("trial/api_pages")
        listings, nxt = parse_api_page(self.profile, response.url, json.loads(response.text))
        for raw in listings:
            self._write(raw)
        if nxt:
            yield self._request(nxt, self.parse_api, "api")

    def _write(self, raw: dict[str, Any]) -> None:
        self.crawler.stats.inc_value("trial/listings")
        self.out.write(json.dumps(raw, ensure_ascii=False) + "\n")
        self.out.flush()  # the browser tests watch this file grow

    def closed(self, reason: str) -> None:
        self.out.close()
        self.crawler.stats.set_value("trial/seconds", round(time.monotonic() - self.started, 3))


def trial_settings(profile: PlatformProfile) -> Any:
    """Settings of a trial crawl: a crawl's (crawler.config and the profile's), no pipelines."""
    settings = crawler_settings()
    settings.setdict(profile_settings(profile, settings), priority="spider")
    settings.set("ITEM_PIPELINES", {}, priority="spider")
    return settings


def _dump_tasks(signum: int, frame: Any) -> None:
    # kill -USR1 <pid>: print what every asyncio task of a stuck crawl waits on.
    import asyncio

    try:
        loop = asyncio.get_event_loop()
    except RuntimeError:
        return
    for task in asyncio.all_tasks(loop):
        task.print_stack(limit=12, file=sys.stderr)
    sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    import signal

    signal.signal(signal.SIGUSR1, _dump_tasks)
    parser = argparse.ArgumentParser(prog="python -m spiders.trial", description=__doc__)
    parser.add_argument("profile", help="a platform profile YAML file")
    parser.add_argument("out", help="JSON-lines file for the raw listings")
    parser.add_argument("--stats", help="write the Scrapy stats here (JSON)")
    parser.add_argument("--log-level", default="INFO", help="Scrapy LOG_LEVEL (default INFO)")
    args = parser.parse_args(argv)
    profile = load_profile(args.profile)
    settings = trial_settings(profile)
    settings.set("LOG_LEVEL", args.log_level, priority="cmdline")
    process = CrawlerProcess(settings)
    crawler = process.create_crawler(TrialSpider)
    process.crawl(crawler, profile=profile, out=args.out)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    if args.stats:
        Path(args.stats).write_text(json.dumps(stats, default=str, indent=1), encoding="utf-8")
    return 0 if stats.get("finish_reason") == "finished" else 1


if __name__ == "__main__":
    sys.exit(main())
