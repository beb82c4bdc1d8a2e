"""Benchmark: a crawl's listings/s while Elasticsearch is down, against the same crawl with it up.

Starts its own Elasticsearch test server and a demo world; in each round, two crawls of the
same platform into fresh indices, one invocation, one machine:

- normal: Elasticsearch stays up;
- outage: Elasticsearch is killed (SIGKILL) once the crawl has fetched `--kill-at` of the
  listings, and stays down until the crawl has ended (its writes go to the spool, behind
  the circuit breaker of crawler/store/elasticsearch/connection.py).

Both rates are measured over the same window: from the moment `--kill-at` of the listings
were fetched (detail pages served by the demo world) to the end of the crawl process. Also
printed: the WARNING/ERROR lines each crawl logged. Issue #18's target is outage/normal >= 0.5.

    .venv/bin/python bench/bench_es_outage.py [--size 1500] [--rounds 2] [--kill-at 0.2]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from crawler.testing.crawls import crawl_command, crawl_env, running_world
from crawler.testing.elasticsearch import ElasticsearchServer

PLATFORM = "demo-classifieds"


def detail_pages(world) -> int:
    return world.request_counts().get(PLATFORM, {}).get("detail", 0)


def crawl(world, server: ElasticsearchServer, tmp: Path, name: str, kill: bool, at: int):
    """One crawl; returns (listings/s over the window, warning lines, exit code)."""
    world.reset_request_counts()
    env = crawl_env(
        world,
        tmp / name / "data",
        {
            "STORE_URL": server.url,
            "STORE_INDEX_PREFIX": name,
            "STORE_SPOOL_RETRY_INTERVAL": "1",
        },
    )
    log = tmp / f"{name}.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            crawl_command(PLATFORM), env=env, stdout=fh, stderr=subprocess.STDOUT
        )
    try:
        while detail_pages(world) < at:
            if proc.poll() is not None:
                raise SystemExit(f"{name}: the crawl ended early:\n{log.read_text()[-2000:]}")
            time.sleep(0.02)
        t0, n0 = time.perf_counter(), detail_pages(world)
        if kill:
            server.kill()
        proc.wait(timeout=1800)
        elapsed = time.perf_counter() - t0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    if kill:
        server.start()  # for the next crawl; the spool stays where it is (not replayed here)
    text = log.read_text(errors="replace")
    warnings = sum(1 for x in text.splitlines() if " WARNING: " in x or " ERROR: " in x)
    return (detail_pages(world) - n0) / elapsed, warnings, proc.returncode


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1500, help="listings on the platform")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--kill-at", type=float, default=0.2, help="share of listings fetched")
    args = parser.parse_args()
    at = max(1, int(args.size * args.kill_at))
    ratios = []
    with (
        ElasticsearchServer() as server,
        running_world(seed=11, size=args.size, platforms=[PLATFORM]) as world,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for r in range(args.rounds):
            normal, normal_warn, normal_rc = crawl(world, server, Path(tmp), f"n{r}", False, at)
            outage, outage_warn, outage_rc = crawl(world, server, Path(tmp), f"o{r}", True, at)
            ratios.append(outage / normal)
            print(
                f"round {r + 1}: normal {normal:.0f} listings/s (exit {normal_rc}, "
                f"{normal_warn} warning lines); outage {outage:.0f} listings/s (exit "
                f"{outage_rc}, {outage_warn} warning lines); ratio {outage / normal:.2f}"
            )
    print(
        f"outage/normal listings/s: median {statistics.median(ratios):.2f}, "
        f"best {max(ratios):.2f}   (target >= 0.5)"
    )


if __name__ == "__main__":
    main()
