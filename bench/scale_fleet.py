"""Serve many small demo platforms from one process for bench_scale.py, changing over time.

Each platform is a synthetic demo classifieds site (crawler/demo/classifieds.py) with its own
seed, on its own port of 127.0.0.1. Every platform moves one step in time once per simulated
hour, at its own offset within the hour (new listings appear, some change, some go); each
new listing is written to OUT/appeared.jsonl with the wall time it appeared, for the
freshness figures. OUT/fleet.json ({name: base URL}) is written once every site listens.

    python bench/scale_fleet.py --platforms 1000 --size 10 --hour 120 --out DIR
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import heapq
import json
import random
import signal
import time
from pathlib import Path

from aiohttp import web

from crawler.demo.world import platform_classes


async def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--platforms", type=int, default=1000)
    ap.add_argument("--size", type=int, default=10)
    ap.add_argument("--hour", type=float, default=120.0, help="seconds per simulated hour")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--static", action="store_true", help="never advance (throughput runs)")
    ap.add_argument(
        "--on-signal",
        action="store_true",
        help="advance every platform one step on SIGUSR1 only, not by the clock (per-run CPU)",
    )
    args = ap.parse_args()
    cls = platform_classes()["demo-classifieds"]
    sites = {f"fleet-{i:04d}": cls(seed=1000 + i, size=args.size) for i in range(args.platforms)}
    urls = {}
    runners = []
    for name, platform in sites.items():
        runner = web.AppRunner(platform.serve_app(), access_log=None, handle_signals=False)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        runners.append(runner)
        urls[name] = f"http://127.0.0.1:{runner.addresses[-1][1]}"
    (args.out / "fleet.json").write_text(json.dumps(urls))
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    step = asyncio.Event()
    if args.on_signal:
        loop.add_signal_handler(signal.SIGUSR1, step.set)
    rng = random.Random(7)
    start = time.time()
    due = [(start + rng.uniform(0, args.hour), name) for name in sites]
    heapq.heapify(due)
    steps = 0
    with open(args.out / "appeared.jsonl", "a", encoding="utf-8") as log:

        def advance(name: str, now: float) -> None:
            platform = sites[name]
            before = {t.key for t in platform.ground_truth()}
            platform.advance()
            for t in platform.ground_truth():
                if t.key not in before:
                    log.write(json.dumps({"platform": name, "key": t.key, "at": now}) + "\n")

        while not stop.is_set():
            now = time.time()
            if step.is_set():  # --on-signal: every platform one step; OUT/steps counts them
                step.clear()
                for name in sites:
                    advance(name, now)
                steps += 1
                (args.out / "steps").write_text(str(steps))
            while due and due[0][0] <= now and not (args.static or args.on_signal):
                when, name = heapq.heappop(due)
                advance(name, now)
                heapq.heappush(due, (when + args.hour, name))
            log.flush()
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.05 if args.on_signal else 0.2):
                    await stop.wait()
    for runner in runners:
        await runner.cleanup()


if __name__ == "__main__":
    asyncio.run(main())
