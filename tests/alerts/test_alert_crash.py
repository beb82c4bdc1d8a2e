"""A crawl process SIGKILLed between storing a listing and delivering its alert: after a
restart the alert is delivered exactly once (real store, real receiver, real processes)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from alert_fixtures import write_rules

from crawler.testing.receivers import WebhookReceiver

pytestmark = pytest.mark.e2e  # real servers or crawl processes

HERE = Path(__file__).parent


def run_child(point: str, key: str = "9001") -> int:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")]),
    }
    proc = subprocess.run(
        [sys.executable, str(HERE / "alert_crash_child.py"), point, key],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode in (0, -signal.SIGKILL), proc.stderr
    return proc.returncode


def deliver() -> str:
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "alerts", "deliver", "--timeout", "20"],
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


@pytest.fixture
def rules(alerts_env: Path, webhook: WebhookReceiver) -> Path:
    rule = {
        "name": "movement-control",
        "indicators": {"all": ["movement", "third_party_control"]},
        "channels": ["hook"],
    }
    channel = {"type": "webhook", "url": webhook.url, "secret_env": "ALERTS_WEBHOOK_SECRET"}
    return write_rules(alerts_env.parent / "rules" / "r.yaml", {"hook": channel}, [rule])


@pytest.mark.parametrize("point", ["after_upsert", "after_outbox"])
def test_killed_after_store_delivered_once_by_alerts_deliver(
    rules: Path, webhook: WebhookReceiver, point: str
) -> None:
    assert run_child(point) == -signal.SIGKILL
    assert webhook.deliveries == []  # nothing left before the kill
    deliver()
    assert webhook.wait_for(1, 10)
    deliver()  # a second run finds nothing more to send
    assert len(webhook.deliveries) == 1 and len(webhook.keys) == 1
    assert webhook.deliveries[0].signature_ok


@pytest.mark.parametrize("point", ["after_upsert", "after_outbox"])
def test_killed_after_store_delivered_once_by_the_next_crawl(
    rules: Path, webhook: WebhookReceiver, point: str
) -> None:
    assert run_child(point) == -signal.SIGKILL
    # The next crawl sees the listing unchanged, but recovers the interrupted evaluation.
    assert run_child("none") == 0
    assert webhook.wait_for(1, 10)
    deliver()
    assert len(webhook.deliveries) == 1 and len(webhook.keys) == 1


def test_killed_before_upsert_alerts_on_the_next_crawl_once(
    rules: Path, webhook: WebhookReceiver
) -> None:
    assert run_child("after_marker") == -signal.SIGKILL
    deliver()  # the listing was never stored: nothing to send yet, the marker is dropped
    assert webhook.deliveries == []
    assert run_child("none") == 0  # the next crawl stores it as new and alerts
    deliver()
    assert len(webhook.deliveries) == 1 and len(webhook.keys) == 1
