"""Ours for bench_crawl --one-core: several platform crawls in ONE process, as a worker runs them.

Every platform named on the command line is crawled by ListingSpider with the full pipeline
(all stages, the store the environment names, evidence capture, alerts), all of them in
one CrawlerProcess (Scrapy's crawler runner: one reactor, one process), the way the coming
`crawler worker` runs platform jobs in-process. Settings come from crawler.config exactly
as for `crawler crawl` (module, environment, `-s`).

    python bench/ours_inprocess.py [--profile FILE] [-s NAME=VALUE ...] PLATFORM [PLATFORM ...]

Prints one line `pages=N seconds=S cpu=C rss_mb=M` (pages: responses received over all the
crawls; seconds: wall time of the crawls; cpu: this process's user+system CPU seconds while
crawling, start-up excluded; rss_mb: peak resident memory), and a `crawl ...` line per
platform. `--profile FILE` writes a cProfile of the crawl (pstats format, in CPU seconds).
"""

from __future__ import annotations

import argparse
import os
import resource
import time
from typing import Any


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
    parser = argparse.ArgumentParser()
    parser.add_argument("platforms", nargs="+")
    parser.add_argument("--profile", help="write a cProfile of the crawl to this file")
    parser.add_argument("-s", dest="overrides", action="append", default=[])
    args = parser.parse_args()

    from scrapy.crawler import CrawlerProcess

    from crawler.config import crawler_settings
    from crawler.profiles import load_profiles

    settings = crawler_settings(os.environ, args.overrides)
    profiles = load_profiles(settings=settings)
    process = CrawlerProcess(settings)
    crawlers: list[tuple[str, Any]] = []
    for name in args.platforms:
        crawler = process.create_crawler("listing")
        process.crawl(crawler, profile=profiles[name])
        crawlers.append((name, crawler))

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU time: robust under load
    cpu0, t0 = cpu_seconds(), time.perf_counter()
    if profiler is not None:
        profiler.enable()
    process.start()
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(args.profile)
    elapsed, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0

    pages = 0
    for name, crawler in crawlers:
        stats = crawler.stats.get_stats()
        pages += stats.get("response_received_count", 0)
        job = getattr(crawler.spider, "job", None)
        print(
            f"crawl platform={name} status={getattr(job, 'status', None)} "
            f"pages={stats.get('response_received_count', 0)} new={stats.get('store/new', 0)} "
            f"items={stats.get('item_scraped_count', 0)}",
            flush=True,
        )
    print(f"pages={pages} seconds={elapsed:.3f} cpu={cpu:.3f} rss_mb={peak_rss_mb()}", flush=True)


if __name__ == "__main__":
    main()
