"""Alerts match what search shows: for every bundled rule, the alerts a crawl raises are
exactly the listings `crawler alerts test RULE` finds, platform-level signals included.

A real crawl of the demo classifieds into the embedded store, with the bundled rules and
watchlist. Listings whose risk crosses a rule's threshold only through the end-of-run
signals (shared_contact, price_anomaly) are alerted then (AlertEngine.catch_up).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.alerts.rules import load_rules
from crawler.testing.crawls import crawl_env, run_crawl, running_world
from crawler.testing.hostile import dumped_stats

pytestmark = pytest.mark.e2e  # real servers or crawl processes

ROOT = Path(__file__).resolve().parents[2]
RULES = [r.name for r in load_rules(ROOT / "rules").active]


def command(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args], env=env, cwd=ROOT, capture_output=True,
        text=True, timeout=300,
    )  # fmt: skip


def test_every_bundled_rule_alerts_what_alerts_test_finds(data_dir):
    with running_world(seed=3, size=300, platforms=["demo-classifieds"]) as world:
        env = crawl_env(world, data_dir)
        run = run_crawl("demo-classifieds", env)
        assert run.returncode == 0, run.output[-3000:]
    stats = dumped_stats(run.output)
    assert stats.get("alerts/raised_after_rescore", 0) > 0, (
        "no alert depended on the platform signals in this world: the test proves nothing"
    )
    for rule in RULES:
        tested = command(env, "alerts", "test", rule, "--json")
        assert tested.returncode == 0, tested.stderr
        expected = {json.loads(line)["alert_id"] for line in tested.stdout.splitlines()}
        listed = command(env, "alerts", "list", "--rule", rule, "--limit", "100000", "--json")
        assert listed.returncode == 0, listed.stderr
        raised = {json.loads(line)["alert"]["id"] for line in listed.stdout.splitlines()}
        assert raised == expected, (rule, len(raised), len(expected))
