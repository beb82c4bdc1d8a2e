"""Crawl benchmark: our full crawl (all pipelines, embedded store) vs a bare Scrapy spider.

Both crawl the same >= 5,000-page demo world, served from this process, in one invocation.
Prints pages/s of each, the ratio (ours / bare) and the peak RSS of the crawl processes.

    .venv/bin/python bench/bench_crawl.py [--size 1700]

Ours runs the way production does: one `crawler crawl` process per platform. The figure
`ours (one process per platform, concurrently)` uses both cores like the scheduler would;
`ours (sequential)` runs the platforms one after another, each in its own process.
"""

from __future__ import annotations

import argparse
import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from crawler.testing.crawls import crawl_command, crawl_env, running_world

PLATFORMS = ["demo-classifieds", "demo-jobs", "demo-forum"]
BENCH_DIR = Path(__file__).parent


def watch(procs: list[subprocess.Popen]) -> tuple[float, int]:
    """Wait for the processes; return (seconds, peak RSS in bytes over any one of them)."""
    t0 = time.perf_counter()
    peak = 0
    handles = [psutil.Process(p.pid) for p in procs]
    while any(p.poll() is None for p in procs):
        for h in handles:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, h.memory_info().rss)
        time.sleep(0.05)
    for p in procs:
        if p.returncode != 0:
            raise SystemExit(f"a crawl process failed with exit code {p.returncode}")
    return time.perf_counter() - t0, peak


def pages_served(world) -> int:
    return sum(
        c["list"] + c["detail"] + c["other"] + c["api"] for c in world.request_counts().values()
    )


def kinds(world) -> str:
    total: dict[str, int] = {}
    for counts in world.request_counts().values():
        for kind, n in counts.items():
            total[kind] = total.get(kind, 0) + n
    return ", ".join(f"{k} {v}" for k, v in sorted(total.items()))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--size", type=int, default=1700, help="listings per platform (3 platforms)"
    )
    args = parser.parse_args()
    with (
        running_world(seed=7, size=args.size, platforms=PLATFORMS) as world,
        tempfile.TemporaryDirectory() as tmp,
    ):
        # Baseline: bare Scrapy spider, one process, all three platforms.
        world.reset_request_counts()
        bare = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "bare_spider.py"), *world.urls.values()],
            stdout=subprocess.PIPE,
            text=True,
        )
        bare_s, bare_rss = watch([bare])
        bare_pages = pages_served(world)
        bare_kinds = kinds(world)

        # Ours, sequential: one process per platform, one after the other.
        world.reset_request_counts()
        seq_s, seq_rss = 0.0, 0
        env = crawl_env(world, Path(tmp) / "seq")
        for name in PLATFORMS:
            s, rss = watch(
                [
                    subprocess.Popen(
                        crawl_command(name),
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                ]
            )
            seq_s += s
            seq_rss = max(seq_rss, rss)
        seq_pages = pages_served(world)

        # Ours, concurrent: the three platform processes at once.
        world.reset_request_counts()
        env = crawl_env(world, Path(tmp) / "par")
        procs = [
            subprocess.Popen(
                crawl_command(name), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            for name in PLATFORMS
        ]
        par_s, par_rss = watch(procs)
        par_pages = pages_served(world)
        par_kinds = kinds(world)

    bare_rate = bare_pages / bare_s
    seq_rate = seq_pages / seq_s
    par_rate = par_pages / par_s
    print(
        f"bare scrapy spider (defaults):            {bare_pages} pages in {bare_s:.1f} s = {bare_rate:.0f} pages/s, peak RSS {bare_rss / 2**20:.0f} MiB"
    )
    print(
        f"ours, sequential (process per platform):  {seq_pages} pages in {seq_s:.1f} s = {seq_rate:.0f} pages/s, peak RSS {seq_rss / 2**20:.0f} MiB"
    )
    print(
        f"ours, concurrent (process per platform):  {par_pages} pages in {par_s:.1f} s = {par_rate:.0f} pages/s, peak RSS {par_rss / 2**20:.0f} MiB per process"
    )
    print(f"requests served to bare: {bare_kinds}")
    print(f"requests served to ours: {par_kinds}")
    print(f"ratio sequential/bare: {seq_rate / bare_rate:.2f}")
    print(f"ratio concurrent/bare: {par_rate / bare_rate:.2f}   (target >= 1.0)")


if __name__ == "__main__":
    main()
