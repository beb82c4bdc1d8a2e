"""Child process of test_worker_memory.py: N crawls of one platform, one after another, in this
process (as `crawler worker` runs them), then how many crawls are still alive after gc.

    python crawls_in_one_process.py PLATFORM N   ->   prints `alive crawlers=C spiders=S runs=N`
"""

from __future__ import annotations

import asyncio
import gc
import sys

from scrapy.utils.reactor import install_reactor

install_reactor("twisted.internet.asyncioreactor.AsyncioSelectorReactor")

from scrapy.crawler import AsyncCrawlerRunner, Crawler  # noqa: E402
from twisted.internet import reactor  # noqa: E402
from twisted.internet.defer import Deferred  # noqa: E402

from crawler.config import crawler_settings  # noqa: E402
from crawler.profiles import load_profiles  # noqa: E402


async def main(platform: str, runs: int) -> None:
    settings = crawler_settings()
    profile = load_profiles(settings=settings)[platform]
    runner = AsyncCrawlerRunner(settings)
    for _ in range(runs):
        crawler = runner.create_crawler("listing")
        await runner.crawl(crawler, profile=profile)
        assert crawler.stats.get_value("finish_reason") == "finished"
    del crawler
    gc.collect()
    alive = [o for o in gc.get_objects() if isinstance(o, Crawler)]
    spiders = [o for o in gc.get_objects() if type(o).__name__ == "ListingSpider"]
    print(f"alive crawlers={len(alive)} spiders={len(spiders)} runs={runs}", flush=True)


def run() -> None:
    def start() -> None:
        d = Deferred.fromFuture(asyncio.ensure_future(main(sys.argv[1], int(sys.argv[2]))))
        d.addErrback(lambda f: (f.printTraceback(), sys.exit(1)))
        d.addBoth(lambda _: reactor.stop())  # type: ignore[attr-defined]

    reactor.callWhenRunning(start)  # type: ignore[attr-defined]
    reactor.run()  # type: ignore[attr-defined]


if __name__ == "__main__":
    run()
