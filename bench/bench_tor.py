"""Onion pages per second: our tor download handler vs a sequential single-circuit client.

One invocation starts the demo onion market, the private tor network in front of it
(crawler.tor.private_network), then fetches every offer page of the market twice over the
same onion service:
- through crawler.tor.handler.TorDownloadHandler, CONCURRENCY requests in flight, spread
  over ISOLATION_KEYS platforms (each its own circuits, as in production);
- with a plain aiohttp client over one SOCKS session (one circuit), one page at a time.
Circuits are built before the clock starts in both runs. Prints both rates and the ratio
(target >= 3).

    .venv/bin/python bench/bench_tor.py [--size 200] [--concurrency 16] [--keys 4]
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import time

import aiohttp
from aiohttp_socks import ProxyConnector, ProxyType
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.demo.world import DemoWorld, DemoWorldThread
from crawler.tor.handler import TorDownloadHandler
from crawler.tor.private_network import TorTestNetwork


async def through_handler(
    net: TorTestNetwork, urls: list[str], concurrency: int, keys: int
) -> tuple[float, int]:
    crawler = get_crawler(
        settings_dict={
            "TWISTED_REACTOR_ENABLED": False,
            "TOR_SOCKS_URL": net.socks_url,
            "TOR_CONTROL_PORT": net.control_port,
            "TOR_COOKIE_AUTH_FILE": str(net.cookie_path),
            "CONCURRENT_REQUESTS": concurrency,
            "CONCURRENT_REQUESTS_PER_DOMAIN": concurrency,
        }
    )
    handler = TorDownloadHandler.from_crawler(crawler)
    platforms = [f"bench-{i}" for i in range(keys)]
    try:
        # Build each platform's circuit first, as the sequential client does.
        await asyncio.gather(
            *(handler.download_request(Request(urls[0], meta={"platform": p})) for p in platforms)
        )
        queue: asyncio.Queue[tuple[int, str]] = asyncio.Queue()
        for i, url in enumerate(urls):
            queue.put_nowait((i, url))
        ok = 0

        async def worker() -> None:
            nonlocal ok
            while not queue.empty():
                i, url = queue.get_nowait()
                r = await handler.download_request(
                    Request(url, meta={"platform": platforms[i % keys]})
                )
                ok += r.status == 200

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return time.perf_counter() - t0, ok
    finally:
        await handler.close()


async def sequential(net: TorTestNetwork, urls: list[str]) -> tuple[float, int]:
    connector = ProxyConnector(proxy_type=ProxyType.SOCKS5, host="127.0.0.1",
                               port=net.socks_port, rdns=True, limit=1)  # fmt: skip
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.get(urls[0]) as r:  # circuit built before the clock starts
            await r.read()
        ok = 0
        t0 = time.perf_counter()
        for url in urls:
            async with session.get(url) as r:
                await r.read()
                ok += r.status == 200
        return time.perf_counter() - t0, ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--size", type=int, default=200, help="offers in the market")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--keys", type=int, default=4, help="isolation keys (platforms)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    import stem.util.log  # noqa: F401 - stem sets its logger to TRACE on import

    logging.getLogger("stem").setLevel(logging.WARNING)

    world = DemoWorldThread(DemoWorld(seed=1, size=args.size, platforms=["demo-onion-market"]))
    urls_by_name = world.start()
    port = int(urls_by_name["demo-onion-market"].rsplit(":", 1)[1])
    net = TorTestNetwork(onion_target_port=port)
    try:
        t0 = time.perf_counter()
        net.start()
        print(f"private tor network up in {time.perf_counter() - t0:.1f}s "
              f"(attempts: {net.start_attempts})")  # fmt: skip
        paths = [t.path for t in world.ground_truth()["demo-onion-market"]]
        urls = [net.onion_url + p for p in paths]
        seq_s, seq_ok = asyncio.run(sequential(net, urls))
        hnd_s, hnd_ok = asyncio.run(through_handler(net, urls, args.concurrency, args.keys))
    finally:
        net.stop()
        world.stop()
    seq_rate, hnd_rate = seq_ok / seq_s, hnd_ok / hnd_s
    print(f"pages: {len(urls)} onion offer pages")
    print(f"sequential single-circuit aiohttp: {seq_rate:7.1f} pages/s ({seq_ok} ok, {seq_s:.2f}s)")
    print(f"TorDownloadHandler c={args.concurrency} keys={args.keys}: {hnd_rate:7.1f} pages/s "
          f"({hnd_ok} ok, {hnd_s:.2f}s)")  # fmt: skip
    ratio = hnd_rate / seq_rate
    print(f"ratio: {ratio:.2f}x (target >= 3)")
    return 0 if ratio >= 3 else 1


if __name__ == "__main__":
    raise SystemExit(main())
