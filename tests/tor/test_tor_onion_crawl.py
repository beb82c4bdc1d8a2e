"""End to end: `crawler crawl demo-onion-market` through the private network's onion service.

The crawl runs as its own process, as in production, with TOR_* pointing at the test
network's client; the store it fills is compared with the demo market's ground truth.
"""

from __future__ import annotations

import asyncio
import subprocess
import time

import pytest

from crawler.config import crawler_settings
from crawler.models import SearchQuery
from crawler.store import open_store
from crawler.testing.crawls import crawl_command, run_crawl

pytestmark = pytest.mark.tor

PLATFORM = "demo-onion-market"


def stored(env: dict[str, str]) -> list:
    async def go() -> list:
        async with open_store(crawler_settings(env)) as store:
            return (await store.search(SearchQuery(platform=PLATFORM, limit=100000))).listings

    return asyncio.run(go())


def assert_matches_truth(listings: list, truth: list) -> None:
    by_key = {t.key: t for t in truth}
    keys = [lst.listing_key for lst in listings]
    assert len(keys) == len(set(keys)), "an offer was stored twice"
    assert set(keys) == set(by_key), (
        f"missing {sorted(set(by_key) - set(keys))}; extra {sorted(set(keys) - set(by_key))}"
    )
    wrong = []
    for lst in listings:
        t = by_key[lst.listing_key]
        prices = {(round(p.amount, 4), p.currency, p.unit) for p in lst.prices}
        want = {(round(p.amount, 4), p.currency, p.unit) for p in t.prices}
        if not want <= prices:
            wrong.append(f"{t.key} prices {sorted(prices)} lack {sorted(want - prices)}")
        if {(w.chain, w.address) for w in lst.wallets} != {(w.chain, w.address) for w in t.wallets}:
            wrong.append(f"{t.key} wallets {lst.wallets} != {t.wallets}")
        if not t.indicators <= {h.id for h in lst.indicators}:
            wrong.append(f"{t.key} indicators lack {t.indicators - {h.id for h in lst.indicators}}")
        if lst.seller != t.seller or lst.title != t.title or lst.network != "tor":
            wrong.append(f"{t.key} seller/title/network {lst.seller!r} {lst.title!r} {lst.network}")
    assert not wrong, f"{len(wrong)} wrong:\n" + "\n".join(wrong[:20])


def test_onion_crawl_stores_every_offer_with_prices_wallets_and_indicators(
    tornet, ensure_client, tor_world, tor_env
):
    tor_world.reset_request_counts()
    run = run_crawl(PLATFORM, tor_env, timeout=300)
    assert run.returncode == 0, run.output[-3000:]
    truth = tor_world.ground_truth()[PLATFORM]
    assert_matches_truth(stored(tor_env), truth)
    # Hourly and "permanent" offers, in USD, BTC and XMR, all reached the store.
    units = {p.unit for t in truth for p in t.prices}
    currencies = {p.currency for t in truth for p in t.prices}
    assert units == {"hour", "sale"} and currencies == {"USD", "BTC", "XMR"}
    assert "'tor/response_count'" in run.output
    assert tor_world.request_counts()[PLATFORM]["detail"] == len(truth)


def test_tor_killed_mid_crawl_is_reported_and_the_crawl_recovers_without_loss(
    tornet, ensure_client, tor_world, tor_env
):
    tor_world.reset_request_counts()
    # A small delay stretches the crawl over several seconds, so tor dies in the middle.
    proc = subprocess.Popen(
        crawl_command(PLATFORM, "-s", "DOWNLOAD_DELAY=0.2"),
        env=tor_env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 120
        while tor_world.request_counts()[PLATFORM]["detail"] < 10:
            assert proc.poll() is None, "the crawl ended before tor could be stopped"
            assert time.monotonic() < deadline, "the crawl made no progress"
            time.sleep(0.05)
        tornet.stop_client()
        served_while_down = tor_world.request_counts()[PLATFORM]["detail"]
        time.sleep(4)
        assert tor_world.request_counts()[PLATFORM]["detail"] == served_while_down
        tornet.start_client()
        output, _ = proc.communicate(timeout=300)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, output[-4000:]
    assert "went away mid-crawl" in output and "is back after" in output, output[-4000:]
    assert "'tor/outage/recovered': 1" in output, output[-3000:]
    assert_matches_truth(stored(tor_env), tor_world.ground_truth()[PLATFORM])
