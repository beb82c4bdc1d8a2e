"""`crawler schedule` running the real `crawler crawl` against the demo classifieds: a run once
(job history in the store), and SIGTERM during a crawl (the crawl stops cleanly, is recorded
as interrupted, and the next run completes the platform)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from crawler.config import crawler_settings
from crawler.models import CrawlJob
from crawler.store import open_store
from crawler.testing.crawls import crawl_env, running_world

pytestmark = pytest.mark.e2e  # real servers or crawl processes

PLATFORM = "demo-classifieds"


def schedule(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "schedule", "--platform", PLATFORM, *args],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def jobs(env: dict[str, str]) -> list[CrawlJob]:
    async def go() -> list[CrawlJob]:
        async with open_store(crawler_settings(env)) as store:
            return await store.jobs(PLATFORM)

    return asyncio.run(go())


def sched_env(world: Any, data: Path) -> dict[str, str]:
    env = crawl_env(world, data, {"ALERTS_ENABLED": "false", "SCHEDULER_STOP_TIMEOUT": "60"})
    for k in [k for k in env if k.startswith("SCHEDULER_CRAWL")]:
        del env[k]
    return env


def test_schedule_once_runs_the_real_crawl(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_world(seed=2, size=40, platforms=[PLATFORM]) as world:
        env = sched_env(world, data)
        proc = schedule(env, "--once")
        out, _ = proc.communicate(timeout=300)
    assert proc.returncode == 0, out[-3000:]
    [job] = jobs(env)
    assert job.status == "finished" and job.new > 0
    history = (data / "scheduler-history.jsonl").read_text()
    assert '"event": "finished"' in history and '"returncode": 0' in history


def test_sigterm_interrupts_a_real_crawl_and_the_next_run_completes(tmp_path: Path) -> None:
    data = tmp_path / "data"
    with running_world(seed=2, size=3000, platforms=[PLATFORM]) as world:
        env = sched_env(world, data)
        proc = schedule(env, "--once")
        deadline = time.monotonic() + 120
        # Wait until the crawl is really fetching pages, then stop the scheduler.
        while time.monotonic() < deadline and world.request_counts()[PLATFORM]["detail"] < 100:
            time.sleep(0.1)
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0, out[-3000:]
        [job] = jobs(env)
        assert job.status == "interrupted" and not job.complete, job
        assert '"event": "stopped"' in (data / "scheduler-history.jsonl").read_text()
        # The next run picks up and completes the platform.
        proc = schedule(env, "--once")
        out, _ = proc.communicate(timeout=600)
        assert proc.returncode == 0, out[-3000:]
        latest = jobs(env)[0]
        assert latest.status == "finished" and latest.complete, latest
    assert os.path.exists(data / "scheduler.json")
