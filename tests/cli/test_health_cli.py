"""`crawler health` and the health line of `crawler status`, over a store holding judged jobs."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from crawler.models import CrawlHealth, CrawlJob, HealthReason
from crawler.store.sqlite import SqliteStore

BUNDLED = Path(__file__).resolve().parents[2] / "crawler" / "platforms"
T0 = datetime(2026, 12, 2, 6, 0, tzinfo=UTC)


def reason(code: str, severity: str, message: str, advice: str = "check it") -> HealthReason:
    return HealthReason(code=code, severity=severity, message=message, advice=advice)  # type: ignore[arg-type]


def judged(platform: str, hour: int, status: str, *reasons: HealthReason, **kw) -> CrawlJob:
    return CrawlJob(
        id=f"{platform}-{hour}",
        platform=platform,
        started_at=T0 + timedelta(hours=hour),
        finished_at=T0 + timedelta(hours=hour, minutes=3),
        status=kw.pop("run_status", "finished"),
        new=kw.pop("new", 0),
        errors=kw.pop("errors", 0),
        health=CrawlHealth(
            status=status,  # type: ignore[arg-type]
            reasons=list(reasons),
            metrics={"entries": kw.pop("entries", 40)},
            checked_at=T0 + timedelta(hours=hour, minutes=3),
        ),
        **kw,
    )


LAYOUT = reason(
    "list_zero_entries",
    "failing",
    "selector list.item matched 0 entries on 4 list page(s) (every list page)",
    "the layout may have changed: check the profile's selectors against the site",
)
COVERAGE = reason("coverage_drop:price", "degraded", "price found on 10% of 40 listings")


@pytest.fixture
def env(tmp_path: Path, data_dir: Path) -> dict[str, str]:
    jobs = [
        judged("demo-a", 1, "healthy", new=40, entries=40),
        judged("demo-a", 2, "healthy", entries=40),
        judged("demo-a", 3, "failing", LAYOUT, entries=0),
        judged("demo-b", 1, "healthy", new=12),
        judged("demo-b", 2, "degraded", COVERAGE, new=3, errors=2),
        judged("demo-c", 1, "healthy", new=5),
        CrawlJob(id="demo-c-2", platform="demo-c", started_at=T0 + timedelta(hours=2)),
        # Text from outside (a tampered store): shown escaped, never as terminal control.
        judged(
            "demo-d", 1, "degraded", reason("captcha", "degraded", "bad \x1b]0;owned\x07 \u202e")
        ),
    ]

    async def seed() -> None:
        store = SqliteStore(data_dir / "crawler.db")
        await store.open()
        for job in jobs:
            await store.save_job(job)
        await store.close()

    asyncio.run(seed())
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    shutil.copy(BUNDLED / "demo-jobs.yaml", platforms)  # configured, never crawled
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("STORE_", "CRAWLER_"))}
    return {**keep, "CRAWLER_DATA_DIR": str(data_dir), "PLATFORMS_DIR": str(platforms)}


def crawler(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_health_shows_every_platform_with_reasons_advice_and_runs(env):
    proc = crawler(env, "health", "--runs", "3")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert out.splitlines()[0] == (
        "health: 1 healthy, 2 degraded (demo-b: coverage_drop:price; demo-d: captcha), "
        "1 failing (demo-a: list_zero_entries), 1 not judged"
    )
    assert "demo-a failing (checked 2026-12-02 09:03 UTC)" in out
    assert (
        "failing  list_zero_entries: selector list.item matched 0 entries on 4 list page(s) "
        "(every list page)" in out
    )
    assert "what to do: the layout may have changed: check the profile's selectors" in out
    assert out.splitlines()[-1] == "not judged yet (no judged run): demo-jobs"
    # demo-a's runs, newest first: the failing one, then two healthy ones
    rows = [line for line in out.splitlines() if line.startswith("│ 2026-12-02")]
    cells = [c.strip() for c in rows[0].split("│")[1:-1]]
    assert cells == [
        "2026-12-02 09:00",
        "finished",
        "full",
        "failing",
        "0",
        "0",
        "0",
        "list_zero_entries",
    ]
    # demo-c: the latest run is still running (not judged); the judged one before it counts
    assert "demo-c healthy" in out
    assert "\x1b" not in out and "\u202e" not in out
    assert "bad \\x1b]0;owned\\x07 \\u202e" in out


def test_health_json_and_one_platform(env):
    proc = crawler(env, "health", "demo-b", "--json", "--runs", "2")
    assert proc.returncode == 0, proc.stderr
    (entry,) = json.loads(proc.stdout)["platforms"]
    assert entry["platform"] == "demo-b" and entry["status"] == "degraded"
    assert entry["reasons"][0]["code"] == "coverage_drop:price"
    assert [(r["id"], r["health"], r["new"], r["errors"]) for r in entry["runs"]] == [
        ("demo-b-2", "degraded", 3, 2),
        ("demo-b-1", "healthy", 12, 0),
    ]
    assert entry["runs"][0]["listings"] == 40


def test_health_of_an_unknown_platform_is_an_error(env):
    proc = crawler(env, "health", "demo-nowhere")
    assert proc.returncode == 2
    assert proc.stderr.strip() == (
        "crawler health: unknown platform 'demo-nowhere': no profile and no crawl job"
    )


def test_status_has_one_health_line(env):
    proc = crawler(env, "status")
    assert proc.returncode == 0, proc.stderr
    lines = [line for line in proc.stdout.splitlines() if line.startswith("health: ")]
    assert lines == [
        "health: 1 healthy, 2 degraded (demo-b: coverage_drop:price; demo-d: captcha), "
        "1 failing (demo-a: list_zero_entries)"
    ]
    data = json.loads(crawler(env, "status", "--json").stdout)
    assert data["health"]["demo-a"] == {
        "status": "failing",
        "reasons": ["list_zero_entries"],
        "job": "demo-a-3",
    }
