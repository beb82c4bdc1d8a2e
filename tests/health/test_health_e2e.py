"""Crawl health end to end: the scheduler crawls several demo platforms, one of them breaks.

Each round is `crawler schedule --once` over three demo platforms (real `crawler crawl`
processes, as in production), with the shipped health rule type delivering to a real
webhook receiver on 127.0.0.1. For every demo condition (crawler/demo/conditions.py) one
platform is broken for two rounds and then mended:
- healthy round: no health alert;
- the first broken round: exactly one health alert, for the broken platform, with the
  reason code the condition must produce and what to do;
- the second broken round: nothing (the same status again);
- mended: exactly one recovery notice;
- the healthy platforms never raise anything.
SQLite for every condition, Elasticsearch for the layout change. And a false-alarm check:
runs of the living demo world without a condition raise no health alert
(bench/bench_health.py does 20).

The test profiles are the bundled ones with one health threshold lowered so that a short
test can show it: `min_history: 1` (default 3): one healthy run of the same crawl mode is
enough of a baseline for the slow monitor, so "slow" (every response delayed 2 s, against
the default limit of 5x the usual and at least 1 s) needs two healthy rounds first (a full
crawl, then an incremental one). docs/health.md lists the monitors and their defaults.
"""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.profiles import load_profiles
from crawler.testing.crawls import crawl_env, running_world
from crawler.testing.receivers import WebhookReceiver

pytestmark = pytest.mark.e2e  # a demo world, a receiver, crawl processes

PLATFORMS = ["demo-classifieds", "demo-jobs", "demo-forum"]
SECRET = "test-only-webhook-secret"
SLOW_DELAY = 2.0
TEST_THRESHOLDS = {"min_history": 1}
# The reason each condition must produce (crawler.health; docs/health.md).
EXPECTED = {
    "layout": "list_zero_entries",
    "login_wall": "login_wall",
    "captcha": "captcha",
    "forbidden": "block_page",
    "slow": "slow",
}
# Which platform breaks, per condition: every platform breaks in some test.
BREAKS = {
    "layout": "demo-classifieds",
    "login_wall": "demo-jobs",
    "captcha": "demo-forum",
    "forbidden": "demo-classifieds",
    "slow": "demo-jobs",
}


def write_profiles(directory: Path) -> Path:
    """The bundled profiles of PLATFORMS with the test thresholds."""
    directory.mkdir(parents=True, exist_ok=True)
    profiles = load_profiles()
    for name in PLATFORMS:
        source = profiles[name].source_file
        assert source is not None
        data = yaml.safe_load(Path(source).read_text())
        data["health"] = {**(data.get("health") or {}), **TEST_THRESHOLDS}
        (directory / f"{name}.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return directory


def health_rules(directory: Path, receiver: WebhookReceiver) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    rules = {
        "channels": {
            "hook": {"type": "webhook", "url": receiver.url, "secret_env": "ALERTS_WEBHOOK_SECRET"}
        },
        "rules": [{"name": "crawl-health", "type": "health", "channels": ["hook"]}],
    }
    (directory / "health.yaml").write_text(yaml.safe_dump(rules, sort_keys=False))
    return directory


@dataclass
class Rounds:
    """Scheduler rounds over the demo world, and the health alerts each delivered."""

    world: Any
    env: dict[str, str]
    receiver: WebhookReceiver
    seen: int = 0
    durations: list[float] = field(default_factory=list)

    def run(self) -> list[dict[str, Any]]:
        """One `crawler schedule --once` over PLATFORMS; the alerts it delivered."""
        args = [sys.executable, "-m", "crawler", "schedule", "--once"]
        args += [x for p in PLATFORMS for x in ("--platform", p)]
        started = time.monotonic()
        proc = subprocess.run(
            args, env=self.env, capture_output=True, text=True, timeout=300,
            cwd=self.env["CRAWLER_DATA_DIR"],
        )  # fmt: skip
        self.durations.append(time.monotonic() - started)
        assert proc.returncode == 0, (proc.stdout + proc.stderr)[-4000:]
        new = self.receiver.deliveries[self.seen :]
        self.seen = len(self.receiver.deliveries)
        assert all(d.signature_ok for d in new)
        return [d.json()["alert"] for d in new]


@pytest.fixture
def receiver() -> Any:
    r = WebhookReceiver(secret=SECRET).start()
    try:
        yield r
    finally:
        r.stop()


def make_rounds(
    tmp_path: Path, world: Any, receiver: WebhookReceiver, store: dict[str, str] | None = None
) -> Rounds:
    data = tmp_path / "data"
    data.mkdir()
    env = crawl_env(
        world,
        data,
        {
            "PLATFORMS_DIR": str(write_profiles(tmp_path / "platforms")),
            "ALERTS_RULES": str(health_rules(tmp_path / "rules", receiver)),
            "ALERTS_WEBHOOK_SECRET": SECRET,
            "SCHEDULER_MAX_PARALLEL": "3",
            **(store or {}),
        },
    )
    for k in [k for k in env if k.startswith("SCHEDULER_CRAWL")]:
        del env[k]
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    return Rounds(world, env, receiver)


def summary(alerts: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """(platform, change, status, previous, reason codes) per health alert."""
    return [
        (
            a["platform"],
            a["health"]["change"],
            a["health"]["judged"],
            a["health"]["previous"],
            [r["code"] for r in a["health"]["reasons"]],
        )
        for a in alerts
    ]


def check_condition_rounds(rounds: Rounds, condition: str) -> None:
    broken = BREAKS[condition]
    assert summary(rounds.run()) == [], "a healthy first round raised a health alert"

    if condition == "slow":
        rounds.world.advance()  # a second healthy round: the incremental runs' baseline
        assert summary(rounds.run()) == []
        rounds.world.advance()
        rounds.world.set_condition(broken, "slow", slow_delay=SLOW_DELAY)
    else:
        rounds.world.advance(conditions={broken: condition})
    alerts = rounds.run()
    assert len(alerts) == 1, summary(alerts)
    [alert] = alerts
    h = alert["health"]
    assert alert["platform"] == broken, alert
    codes = [r["code"] for r in h["reasons"]]
    assert EXPECTED[condition] in codes, codes
    assert h["change"] in ("failing", "degraded") and h["previous"] == "healthy"
    assert all(r["message"] and r["advice"] for r in h["reasons"])

    rounds.world.advance()  # still broken: the same status again
    assert summary(rounds.run()) == []

    rounds.world.advance(conditions={broken: "ok"})
    alerts = rounds.run()
    assert len(alerts) == 1, summary(alerts)
    [recovered] = alerts
    assert recovered["platform"] == broken
    assert recovered["health"]["change"] == "recovered"
    assert recovered["health"]["judged"] == "healthy"


@pytest.mark.parametrize("condition", list(EXPECTED))
def test_each_condition_alerts_once_and_recovers_once(
    tmp_path: Path, receiver: WebhookReceiver, condition: str
) -> None:
    with running_world(seed=5, size=20, platforms=PLATFORMS) as world:
        rounds = make_rounds(tmp_path, world, receiver)
        check_condition_rounds(rounds, condition)
    print(f"{condition}: rounds took {[round(d, 1) for d in rounds.durations]} s")


@pytest.mark.elasticsearch
def test_layout_change_on_elasticsearch(
    tmp_path: Path, receiver: WebhookReceiver, es_server: Any
) -> None:
    store = {
        "STORE_URL": es_server.url,
        "STORE_INDEX_PREFIX": f"t{uuid.uuid4().hex[:10]}",
        "STORE_SPOOL_DIR": str(tmp_path / "spool"),
    }
    with running_world(seed=6, size=20, platforms=PLATFORMS) as world:
        rounds = make_rounds(tmp_path, world, receiver, store)
        check_condition_rounds(rounds, "layout")


FALSE_ALARM_ROUNDS = 5


def test_the_living_world_without_conditions_raises_no_health_alert(
    tmp_path: Path, receiver: WebhookReceiver
) -> None:
    with running_world(seed=7, size=20, platforms=PLATFORMS) as world:
        rounds = make_rounds(tmp_path, world, receiver)
        for _ in range(FALSE_ALARM_ROUNDS):
            assert summary(rounds.run()) == []
            world.advance()
