"""Real crawls of the demo classifieds (`crawler crawl` processes) with an alert rule and a real
webhook receiver: new matching listings are delivered once; a re-crawl does not alert again;
a crawl SIGKILLed while the receiver is down still delivers everything exactly once."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.alerts.rules import AlertRule
from crawler.config import crawler_settings
from crawler.models import SearchQuery
from crawler.store import open_store
from crawler.testing.crawls import crawl_env, kill_crawl_after, run_crawl, running_world
from crawler.testing.receivers import WebhookReceiver

pytestmark = pytest.mark.e2e  # real servers or crawl processes

SECRET = "test-only-crawl-secret"
PLATFORM = "demo-classifieds"
RULE = {
    "name": "movement-or-control",
    "indicators": ["movement", "third_party_control", "youth_emphasis", "no_limits"],
    "platforms": [PLATFORM],
    "channels": ["hook"],
}


def pipelines_with_intake() -> dict[str, int]:
    """The lead's pipelines, with the alert intake stage just before the store stage."""
    from settings import base

    pipes = dict(base.ITEM_PIPELINES)
    store_order = pipes.get("pipelines.store.StorePipeline", 600)
    pipes.setdefault("pipelines.alerts.AlertsIntakePipeline", store_order - 1)
    pipes.setdefault("pipelines.alerts.AlertsPipeline", 900)
    return pipes


def alert_env(world: Any, data: Path, hook: WebhookReceiver) -> dict[str, str]:
    rules = data.parent / "rules"
    rules.mkdir(exist_ok=True)
    channel = {"type": "webhook", "url": hook.url, "secret_env": "ALERTS_WEBHOOK_SECRET"}
    (rules / "r.yaml").write_text(yaml.safe_dump({"channels": {"hook": channel}, "rules": [RULE]}))
    return crawl_env(
        world,
        data,
        {
            "ALERTS_RULES": str(rules),
            "ALERTS_WEBHOOK_SECRET": SECRET,
            "ALERTS_RETRY_BASE": "0.2",
            "ALERTS_RETRY_MAX": "1",
            "ALERTS_DRAIN_TIMEOUT": "15",
            "CRAWLER_SETTING_ITEM_PIPELINES": json.dumps(pipelines_with_intake()),
        },
    )


def matching_stored(env: dict[str, str]) -> set[str]:
    rule = AlertRule.model_validate(RULE)

    async def go() -> set[str]:
        async with open_store(crawler_settings(env)) as store:
            page = await store.search(SearchQuery(platform=PLATFORM, limit=100000))
        return {x.url for x in page.listings if rule.match(x, []) is not None}

    return asyncio.run(go())


def delivered_urls(hook: WebhookReceiver) -> list[str]:
    return [d.json()["alert"]["url"] for d in hook.deliveries]


def deliver(env: dict[str, str]) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "alerts", "deliver", "--timeout", "30"],
        env=env, capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.fixture
def hook() -> Any:
    with WebhookReceiver(secret=SECRET) as receiver:
        yield receiver


def test_crawl_alerts_new_matching_listings_once(tmp_path: Path, hook: WebhookReceiver) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with running_world(seed=3, size=60, platforms=[PLATFORM]) as world:
        env = alert_env(world, data, hook)
        run = run_crawl(PLATFORM, env)
        assert run.returncode == 0, run.output[-3000:]
        expected = matching_stored(env)
        assert expected, "the demo world should hold listings this rule matches"
        # Delivered from the crawl process itself, before it exited.
        assert sorted(delivered_urls(hook)) == sorted(expected)
        assert all(d.signature_ok for d in hook.deliveries)
        # Re-crawl, nothing changed: no alert.
        assert run_crawl(PLATFORM, env).returncode == 0
        assert len(hook.deliveries) == len(expected)
        # Time passes: only the new matching listings alert.
        world.advance()
        assert run_crawl(PLATFORM, env).returncode == 0
        after = matching_stored(env)
        urls = delivered_urls(hook)
        assert len(urls) == len(set(urls))
        assert set(urls) <= after and set(urls) >= expected
        assert len(hook.keys) == len(hook.deliveries)


def test_crawl_killed_while_receiver_down_delivers_exactly_once(
    tmp_path: Path, hook: WebhookReceiver
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    with running_world(seed=4, size=120, platforms=[PLATFORM]) as world:
        env = alert_env(world, data, hook)
        hook.stop()
        outbox = data / "outbox.db"

        def some_alerts_queued() -> bool:
            import sqlite3

            if not outbox.exists():
                return False
            try:
                with sqlite3.connect(outbox, timeout=1) as db:
                    return db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0] >= 3
            except sqlite3.Error:
                return False

        kill_crawl_after(PLATFORM, env, some_alerts_queued)
        assert some_alerts_queued()
        hook.start()  # the receiver is back (same port)
        deliver(env)  # what the scheduler does between crawls
        assert run_crawl(PLATFORM, env).returncode == 0  # the next crawl completes the platform
        deliver(env)
        expected = matching_stored(env)
        urls = delivered_urls(hook)
        assert sorted(urls) == sorted(expected)  # every matching listing, each exactly once
