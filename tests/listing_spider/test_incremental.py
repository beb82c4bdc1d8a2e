"""Monitoring efficiency: an unchanged platform costs few pages; an advanced one is fully caught up."""

from __future__ import annotations

import pytest

from crawler.testing.crawls import crawl_env, price_tuples, run_crawl, stored_listings

pytestmark = pytest.mark.e2e  # real servers or crawl processes


def pages(counts) -> int:
    return counts["list"] + counts["detail"] + counts["api"]


def test_recrawl_fetches_few_pages_and_catches_every_change(demo_world, data_dir):
    platform = "demo-classifieds"
    env = crawl_env(demo_world, data_dir)
    first = run_crawl(platform, env)
    assert first.returncode == 0, first.output[-2000:]
    first_pages = pages(demo_world.request_counts()[platform])
    assert first.stat("new") == str(len(demo_world.ground_truth()[platform]))

    demo_world.reset_request_counts()
    second = run_crawl(platform, env)
    assert second.returncode == 0, second.output[-2000:]
    second_pages = pages(demo_world.request_counts()[platform])
    assert second_pages <= 0.10 * first_pages, (second_pages, first_pages)
    assert second.stat("new") == "0" and second.stat("changed") == "0"

    before = {t.key: t for t in demo_world.ground_truth()[platform]}
    demo_world.advance()
    after = {t.key: t for t in demo_world.ground_truth()[platform]}
    new_keys = set(after) - set(before)
    repriced = {
        k
        for k in set(after) & set(before)
        if price_tuples(after[k].prices) != price_tuples(before[k].prices)
    }
    assert new_keys and repriced, "the demo world should add and reprice listings when it advances"

    third = run_crawl(platform, env)
    assert third.returncode == 0, third.output[-2000:]
    stored = {s.listing_key: s for s in stored_listings(env, platform)}
    assert new_keys <= set(stored), f"new listings not found: {new_keys - set(stored)}"
    for key in repriced:
        # amounts and currencies (units are checked by the completeness test)
        assert {t[:2] for t in price_tuples(after[key].prices)} <= {
            t[:2] for t in price_tuples(stored[key].prices)
        }, key
        assert len(stored[key].price_history) >= 2, "a price change extends the price history"
        assert (
            stored[key].first_seen < stored[key].last_seen
            or stored[key].first_seen == stored[key].last_seen
        )
    assert int(third.stat("new")) == len(new_keys)
    assert int(third.stat("changed")) >= len(repriced)
