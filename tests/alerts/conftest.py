"""Fixtures for the alert tests: real receivers on 127.0.0.1 and a private data dir."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from alert_fixtures import WEBHOOK_SECRET

from crawler.testing.receivers import SmtpReceiver, WebhookReceiver


@pytest.fixture
def webhook() -> Iterator[WebhookReceiver]:
    receiver = WebhookReceiver(secret=WEBHOOK_SECRET).start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def smtp() -> Iterator[SmtpReceiver]:
    receiver = SmtpReceiver().start()
    try:
        yield receiver
    finally:
        receiver.stop()


@pytest.fixture
def alerts_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private data dir and ALERTS_* settings pointing into it; returns the data dir."""
    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.chdir(tmp_path)  # no ./rules or ./watchlist.yaml picked up by default
    monkeypatch.setenv("CRAWLER_DATA_DIR", str(data))
    for var in ("STORE_URL", "ELASTICSEARCH_URL"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ALERTS_WEBHOOK_SECRET", WEBHOOK_SECRET)
    monkeypatch.setenv("ALERTS_RULES", str(tmp_path / "rules"))
    monkeypatch.setenv("ALERTS_WATCHLIST", str(tmp_path / "watchlist.yaml"))
    monkeypatch.setenv("ALERTS_RETRY_BASE", "0.2")
    monkeypatch.setenv("ALERTS_RETRY_MAX", "1.0")
    (tmp_path / "watchlist.yaml").write_text(
        yaml.safe_dump(
            {
                "subjects": [
                    {"phone": "+31 6 1234 5678", "label": "case-0042 phone", "tags": ["case-0042"]},
                    {"handle": "@nobody_watched_here"},
                ]
            }
        )
    )
    return data
