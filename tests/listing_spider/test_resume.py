"""A crawl killed with SIGKILL and started again completes: nothing lost, nothing stored twice."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.testing.crawls import (
    crawl_env,
    kill_crawl_after,
    run_crawl,
    running_world,
    stored_listings,
)

pytestmark = pytest.mark.e2e  # real servers or crawl processes


def stored_count(db) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute("select count(*) from listings").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_killed_crawl_resumes_without_loss_or_duplicates(data_dir):
    platform = "demo-jobs"
    with running_world(seed=3, size=200, platforms=[platform]) as world:
        _kill_and_resume(world, platform, data_dir)


def _kill_and_resume(demo_world, platform, data_dir):
    env = crawl_env(demo_world, data_dir)
    db = data_dir / "crawler.db"
    kill_crawl_after(platform, env, lambda: stored_count(db) >= 15)
    partial = stored_count(db)
    truth = {t.key for t in demo_world.ground_truth()[platform]}
    assert 15 <= partial < len(truth), f"the kill should land mid-crawl ({partial} of {len(truth)})"

    demo_world.reset_request_counts()
    run = run_crawl(platform, env)
    assert run.returncode == 0, run.output[-2000:]
    keys = [s.listing_key for s in stored_listings(env, platform)]
    assert len(keys) == len(set(keys))
    assert set(keys) == truth
    # Resuming re-reads list pages but does not fetch the detail pages it already stored.
    assert demo_world.request_counts()[platform]["detail"] <= len(truth) - partial + 5
    assert run.stat("mode") == "full"
