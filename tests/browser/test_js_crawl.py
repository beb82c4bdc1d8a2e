"""`crawler crawl demo-social` (rendered) and `demo-social-api` (JSON) store the same listings.

Real crawl jobs (crawler.testing.crawls): one process each, a temporary store, the demo
platform on 127.0.0.1; what is stored is compared with the ground truth and between modes.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time

import psutil
import pytest
from browser_support import alive, chromium_descendants

from crawler.config import crawler_settings
from crawler.models import SearchQuery
from crawler.store import open_store
from crawler.testing.crawls import crawl_command, crawl_env, run_crawl, running_world

pytestmark = pytest.mark.browser


def stored(env: dict[str, str], platform: str) -> dict:
    async def go() -> list:
        async with open_store(crawler_settings(env)) as store:
            return (await store.search(SearchQuery(platform=platform, limit=10000))).listings

    return {listing.listing_key: listing for listing in asyncio.run(go())}


def analyst_view(listing) -> tuple:
    """What an analyst reads of a listing, independent of the profile it came through."""
    return (
        listing.title,
        listing.body,
        listing.seller,
        listing.location_raw,
        listing.stated_age,
        sorted((p.amount, p.currency, p.unit or "") for p in listing.prices),  # unit may be null
        sorted(listing.phones),
        sorted(listing.emails),
        sorted((h.service, h.handle) for h in listing.handles),
        sorted((w.chain, w.address) for w in listing.wallets),
        sorted({h.id for h in listing.indicators}),
        listing.risk_score,
    )


def test_rendered_and_api_crawls_store_the_same_complete_listings(data_dir):
    with running_world(seed=5, size=40, platforms=["demo-social"]) as world:
        env = crawl_env(world, data_dir)
        rendered = run_crawl("demo-social", env, timeout=600)
        assert rendered.returncode == 0, rendered.output[-3000:]
        # The crawl job kept the media filter next to the browser's crash recovery.
        assert "crawler.crawl.media.MediaBlockMiddleware" in rendered.output
        assert "crawler.browser.recovery.BrowserCrashRetryMiddleware" in rendered.output
        counts = world.request_counts()["demo-social"]
        # A store of its own: the same site crawled twice into one store would share every
        # contact with itself and change the platform-level signals (shared_contact).
        api_env = crawl_env(world, data_dir / "api")
        api = run_crawl("demo-social-api", api_env, timeout=600)
        assert api.returncode == 0, api.output[-3000:]
        truth = {t.key: t for t in world.ground_truth()["demo-social"]}

    assert counts["image"] == 0 and counts["font"] == 0
    assert counts["detail"] == 40
    by_browser, by_api = stored(env, "demo-social"), stored(api_env, "demo-social-api")
    assert set(by_browser) == set(truth), f"missing {sorted(set(truth) - set(by_browser))}"
    assert set(by_api) == set(truth), f"missing {sorted(set(truth) - set(by_api))}"
    wrong = [key for key in truth if analyst_view(by_browser[key]) != analyst_view(by_api[key])]
    assert not wrong, [(analyst_view(by_browser[k]), analyst_view(by_api[k])) for k in wrong[:3]]
    for key, t in truth.items():
        listing = by_browser[key]
        assert listing.title == t.title and listing.body == t.body
        assert set(listing.phones) == set(t.phones)
        assert {(w.chain, w.address) for w in listing.wallets} == {
            (w.chain, w.address) for w in t.wallets
        }
        assert listing.url.endswith(t.path)


def test_crawl_job_survives_its_browser_being_killed_and_leaves_no_chromium(data_dir):
    with running_world(seed=6, size=40, platforms=["demo-social"]) as world:
        env = crawl_env(world, data_dir)
        seen: dict[int, psutil.Process] = {}
        killed = None
        proc = subprocess.Popen(
            crawl_command("demo-social"), env=env, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 600
            while proc.poll() is None and time.monotonic() < deadline:
                for p in chromium_descendants(proc.pid):
                    seen.setdefault(p.pid, p)
                if killed is None and world.request_counts()["demo-social"]["detail"] >= 8:
                    for pid in alive(seen):
                        if not any(a.startswith("--type=") for a in seen[pid].cmdline()):
                            os.kill(pid, signal.SIGKILL)  # the browser process, mid-crawl
                            killed = pid
                            break
                time.sleep(0.1)
        finally:
            if proc.poll() is None:
                proc.kill()
            output = proc.communicate()[0]
        truth = {t.key for t in world.ground_truth()["demo-social"]}
    settle = time.monotonic() + 3
    while alive(seen) and time.monotonic() < settle:
        time.sleep(0.1)
    left = alive(seen)
    for pid in left:
        seen[pid].kill()
    assert killed, "the browser was never killed"
    assert proc.returncode == 0, output[-3000:]
    assert set(stored(env, "demo-social")) == truth
    assert "'playwright/browser_count': 2" in output
    assert left == [], f"Chromium processes left after the crawl: {left}"
