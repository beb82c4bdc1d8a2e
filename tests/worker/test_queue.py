"""Queueing platform runs: `crawler schedule` with QUEUE_URL, routing, and settings errors.

Real redis-server; no worker runs here (the queue is inspected directly).
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import redis

from crawler.config import ConfigError, crawler_settings
from crawler.profiles import load_profiles
from crawler.testing.receivers import free_port
from crawler.worker.config import QueueConfig, WorkerConfig
from crawler.worker.queue import queue_name, queues_for, requirements

pytestmark = pytest.mark.redis


def _schedule(env: dict[str, str], *platforms: str) -> subprocess.CompletedProcess[str]:
    argv = [sys.executable, "-m", "crawler", "schedule", "--once"]
    for p in platforms:
        argv += ["--platform", p]
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=120)


def _env(tmp_path, url: str) -> dict[str, str]:
    import os

    return {**os.environ, "CRAWLER_DATA_DIR": str(tmp_path), "QUEUE_URL": url}


def test_schedule_queues_each_platform_once_by_its_needs(redis_server, tmp_path):
    env = _env(tmp_path, redis_server.url)
    first = _schedule(env, "demo-classifieds", "demo-social", "demo-onion-market")
    assert first.returncode == 0, first.stderr
    r = redis.Redis.from_url(redis_server.url)
    try:
        assert r.zrange("flagwatch:crawl", 0, -1) == [b"crawl:demo-classifieds"]
        assert r.zrange("flagwatch:crawl:browser", 0, -1) == [b"crawl:demo-social"]
        assert r.zrange("flagwatch:crawl:tor", 0, -1) == [b"crawl:demo-onion-market"]
        # Due again before a worker took it: not queued twice, and the history says why.
        again = _schedule(env, "demo-classifieds")
        assert again.returncode == 0, again.stderr
        assert r.zcard("flagwatch:crawl") == 1
    finally:
        r.close()
    events = [
        json.loads(x) for x in (tmp_path / "scheduler-history.jsonl").read_text().splitlines()
    ]
    kinds = [(e["event"], e["platform"]) for e in events if e["platform"]]
    assert ("enqueued", "demo-social") in kinds
    assert kinds[-1] == ("deferred", "demo-classifieds")


def test_schedule_with_the_queue_down_fails_and_says_so(tmp_path):
    env = _env(tmp_path, f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    run = _schedule(env, "demo-classifieds")
    assert run.returncode == 1
    assert "queue unreachable" in run.stderr


def test_worker_capabilities_pick_its_queues():
    cfg = QueueConfig(url="redis://127.0.0.1:1/0")
    assert queues_for(cfg, frozenset()) == ["flagwatch:crawl"]
    assert queues_for(cfg, frozenset({"tor", "browser"})) == [
        "flagwatch:crawl",
        "flagwatch:crawl:browser",
        "flagwatch:crawl:tor",
        "flagwatch:crawl:browser+tor",
    ]
    profiles = load_profiles(settings=crawler_settings({}))
    assert queue_name(cfg, requirements(profiles["demo-onion-market"])) == "flagwatch:crawl:tor"


@pytest.mark.parametrize(
    ("setting", "value", "reason"),
    [
        ("QUEUE_URL", "http://127.0.0.1:6379", "not a Redis URL"),
        ("WORKER_CAPABILITIES", "browser,gpu", "unknown gpu"),
        ("QUEUE_LEASE", "1", "QUEUE_LEASE"),
        ("WORKER_MAX_JOBS", "0", "WORKER_MAX_JOBS"),
    ],
)
def test_bad_queue_settings_are_named(setting, value, reason):
    settings = crawler_settings({"QUEUE_URL": "redis://127.0.0.1:6379/0", setting: value})
    with pytest.raises(ConfigError, match=reason):
        WorkerConfig.from_settings(settings)


def test_worker_without_a_queue_exits_2(tmp_path):
    import os

    env = {k: v for k, v in os.environ.items() if not k.startswith("QUEUE_")}
    run = subprocess.run(
        [sys.executable, "-m", "crawler", "worker"], env=env, capture_output=True, text=True
    )
    assert run.returncode == 2
    assert "QUEUE_URL" in run.stderr


def test_status_shows_the_queue_and_fails_when_it_is_unreachable(redis_server, tmp_path):
    env = _env(tmp_path, redis_server.url)
    assert _schedule(env, "demo-classifieds", "demo-social").returncode == 0
    run = subprocess.run(
        [sys.executable, "-m", "crawler", "status", "--json"], env=env, capture_output=True,
        text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    queue = json.loads(run.stdout)["queue"]
    assert queue["waiting"]["flagwatch:crawl"] == 1
    assert queue["waiting"]["flagwatch:crawl:browser"] == 1
    assert queue["running"] == []
    down = _env(tmp_path, f"redis://127.0.0.1:{free_port()}/0")
    run = subprocess.run(
        [sys.executable, "-m", "crawler", "status"], env=down, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert run.returncode == 4
    assert "queue unreachable" in run.stderr
