"""Benchmark: demo-social rendered in Chromium versus read from its JSON API, one invocation.

Serves one demo-social platform (crawler.demo.world) on 127.0.0.1 and crawls it twice
with real crawl jobs (`crawler crawl`, each into its own fresh store): once rendered
(demo-social.yaml: feed views with scroll and "load more", every post's page rendered),
once in API mode (demo-social-api.yaml: the JSON pages the feed itself calls). Both must
store the same listings. Prints, per mode, wall time, HTTP pages fetched by the crawl,
pages/s and listings/s, and the API/rendered ratio of listings/s (what a platform run
costs). Wall time includes process start-up, as a scheduled crawl pays it too.

    .venv/bin/python bench/bench_js.py [--posts 200] [--seed 1]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.config import crawler_settings  # noqa: E402
from crawler.models import SearchQuery  # noqa: E402
from crawler.store import open_store  # noqa: E402
from crawler.testing.crawls import crawl_env, run_crawl, running_world  # noqa: E402


def stored_keys(env: dict[str, str], platform: str) -> set[str]:
    async def go() -> set[str]:
        async with open_store(crawler_settings(env)) as store:
            page = await store.search(SearchQuery(platform=platform, limit=100000))
            return {listing.listing_key for listing in page.listings}

    return asyncio.run(go())


def measure(world, platform: str, tmp: Path) -> dict[str, float]:
    data = tmp / platform
    data.mkdir()
    env = crawl_env(world, data)
    world.reset_request_counts()
    t0 = time.perf_counter()
    run = run_crawl(platform, env, timeout=3600)
    seconds = time.perf_counter() - t0
    if run.returncode != 0:
        raise SystemExit(f"{platform} crawl failed:\n{run.output[-3000:]}")
    counts = world.request_counts()["demo-social"]
    # Pages the crawl itself asked for: documents in the browser, JSON pages in API mode
    # (the browser's own XHRs to the API are part of rendering a page, not pages).
    pages = int(run.stat("pages") or 0)
    keys = stored_keys(env, platform)
    return {
        "seconds": seconds,
        "pages": pages,
        "listings": len(keys),
        "pages_per_s": pages / seconds,
        "listings_per_s": len(keys) / seconds,
        "xhr": counts["api"],
        "images": counts["image"],
        "keys": keys,  # type: ignore[dict-item]
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=200, help="posts on the platform (200)")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="bench-js-") as tmp,
        running_world(seed=args.seed, size=args.posts, platforms=["demo-social"]) as world,
    ):
        rendered = measure(world, "demo-social", Path(tmp))
        api = measure(world, "demo-social-api", Path(tmp))
    if rendered["keys"] != api["keys"]:
        raise SystemExit("rendered and API crawls stored different listings")
    print(f"demo-social, {args.posts} posts, seed {args.seed}")
    for name, r in (("rendered", rendered), ("api", api)):
        print(
            f"  {name:9s} {r['seconds']:7.2f} s  {r['pages']:5d} pages  "
            f"{r['pages_per_s']:7.2f} pages/s  {r['listings']:5d} listings  "
            f"{r['listings_per_s']:8.2f} listings/s  (JSON requests served {r['xhr']}, images served {r['images']})"
        )
    print(f"  api/rendered: {api['listings_per_s'] / rendered['listings_per_s']:.1f}x listings/s, "
          f"{api['pages_per_s'] / rendered['pages_per_s']:.1f}x pages/s")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
