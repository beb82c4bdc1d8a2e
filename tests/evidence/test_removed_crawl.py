"""Removed listings end to end: real `crawler crawl --full` processes against the demo world
(SQLite store), a removed rule and a real webhook receiver.

One listing is taken down on the demo classifieds:
- a run against the platform behind a CAPTCHA does not count: nothing is missed;
- two complete full walks without it mark it removed (removed_at = the first walk's start),
  with its last capture kept; the alert is delivered once; `crawler search --removed`
  shows it with "removed <date>";
- put back, the next walk marks it returned and the removed filter no longer finds it.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.config import crawler_settings
from crawler.models import CrawlJob, Listing, SearchQuery
from crawler.store import open_store
from crawler.testing.crawls import crawl_env, run_crawl, running_world, stored_listings
from crawler.testing.receivers import WebhookReceiver

pytestmark = pytest.mark.e2e

PLATFORM = "demo-classifieds"
SECRET = "test-only-removed-secret"


def jobs(env: dict[str, str]) -> list[CrawlJob]:
    async def go() -> list[CrawlJob]:
        async with open_store(crawler_settings(env)) as store:
            return await store.jobs(PLATFORM, limit=20)

    return asyncio.run(go())


def by_url(env: dict[str, str]) -> dict[str, Listing]:
    return {x.url: x for x in stored_listings(env, PLATFORM)}


def removed_ids(env: dict[str, str]) -> list[str]:
    async def go() -> list[str]:
        async with open_store(crawler_settings(env)) as store:
            page = await store.search(SearchQuery(removed=True, limit=100))
        return [x.id for x in page.listings]

    return asyncio.run(go())


def search_removed(env: dict[str, str], *args: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "search", "--removed", *args],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def crawl(env: dict[str, str]) -> Any:
    run = run_crawl(PLATFORM, env, "--full")
    assert run.returncode == 0, run.output[-3000:]
    return run


def test_taken_down_listing_is_removed_told_once_and_returns(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    rules = tmp_path / "rules"
    rules.mkdir()
    with (
        WebhookReceiver(secret=SECRET) as hook,
        running_world(seed=5, size=24, platforms=[PLATFORM]) as world,
    ):
        env = crawl_env(
            world,
            data,
            {"ALERTS_RULES": str(rules), "ALERTS_WEBHOOK_SECRET": SECRET,
             "ALERTS_RETRY_BASE": "0.2", "ALERTS_RETRY_MAX": "1"},
        )  # fmt: skip
        crawl(env)
        truth = world.ground_truth()[PLATFORM][3]
        [url] = [u for u in by_url(env) if u.endswith(truth.path)]
        target = by_url(env)[url]
        assert target.evidence is None or target.evidence.uri == url
        channel = {"type": "webhook", "url": hook.url, "secret_env": "ALERTS_WEBHOOK_SECRET"}
        rule = {"name": "case-ad", "type": "removed", "listings": [target.id], "channels": ["hook"]}
        (rules / "r.yaml").write_text(
            yaml.safe_dump({"channels": {"hook": channel}, "rules": [rule]})
        )
        world.take_down(PLATFORM, truth.key)

        # Blocked: every page a CAPTCHA. Not a walk: no listing is missed.
        world.set_condition(PLATFORM, "captcha")
        run_crawl(PLATFORM, env, "--full")
        blocked = jobs(env)[0]
        assert blocked.missed is None and blocked.removed_note
        assert blocked.removed_note.startswith("misses not counted")
        assert all(x.missed_walks == 0 for x in by_url(env).values())
        world.set_condition(PLATFORM, "ok")

        crawl(env)
        first = jobs(env)[0]
        assert (first.missed, first.removed) == (1, 0), first.removed_note
        assert by_url(env)[url].missed_walks == 1 and by_url(env)[url].removed_at is None
        crawl(env)
        second = jobs(env)[0]
        assert (second.missed, second.removed) == (1, 1)
        gone = by_url(env)[url]
        assert gone.removed_at == first.started_at and gone.missed_walks == 2
        assert gone.evidence == target.evidence  # the last capture is kept
        assert [x.removed_at is None for x in by_url(env).values()].count(False) == 1

        # Told once, from the crawl that marked it.
        [delivery] = hook.deliveries
        alert = delivery.json()["alert"]
        assert (alert["rule"], alert["listing_id"], alert["url"]) == ("case-ad", target.id, url)
        assert alert["removal"]["job_id"] == second.id

        out = search_removed(env)
        assert "1 listing(s)" in out
        assert f"removed {first.started_at.strftime('%Y-%m-%d %H:%M')}" in out
        assert removed_ids(env) == [target.id]

        world.restore(PLATFORM, truth.key)
        crawl(env)
        back = by_url(env)[url]
        assert back.removed_at is None and back.returned_at is not None
        assert back.returned_at >= jobs(env)[0].started_at and back.missed_walks == 0
        assert removed_ids(env) == []
        assert len(hook.deliveries) == 1
