"""ALERTS_* settings gathered in one place, read once (defaults in settings/base.py).

- ALERTS_ENABLED (default true): the pipeline does nothing when false.
- ALERTS_RULES: rules file or directory (default ./rules when it exists).
- ALERTS_WATCHLIST: watchlist file (default ./watchlist.yaml when it exists).
- ALERTS_OUTBOX: SQLite outbox file (default CRAWLER_DATA_DIR/outbox.db).
- ALERTS_RETRY_BASE / ALERTS_RETRY_MAX: delivery backoff in seconds (1 / 300): attempt n waits
  min(max, base * 2**n) with +-20% jitter; deliveries are retried until they succeed.
- ALERTS_MAX_AGE: seconds after which an undelivered alert stops being retried and is marked
  failed (default 7 days; `crawler alerts deliver --retry-failed` tries again).
- ALERTS_DRAIN_TIMEOUT: seconds a crawl waits at close for pending deliveries (default 15);
  what is left stays in the outbox for `crawler alerts deliver` or the scheduler.
- ALERTS_LEASE: seconds one process owns a delivery attempt before another may retry (60).
- Channel secrets are not settings: each channel names the environment variable that holds
  its secret (ALERTS_WEBHOOK_SECRET, ALERTS_SMTP_PASSWORD, ALERTS_SLACK_WEBHOOK_URL by
  default), read when the channel is built; a secret never passes through -s.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.config import get_bool, get_number, get_path


@dataclass(frozen=True)
class AlertsConfig:
    enabled: bool
    rules_path: Path | None
    watchlist_path: Path | None
    outbox_path: Path
    retry_base: float = 1.0
    retry_max: float = 300.0
    max_age: float = 7 * 86400.0
    drain_timeout: float = 15.0
    lease: float = 60.0

    @classmethod
    def from_settings(cls, settings: Any) -> AlertsConfig:
        rules = get_path(settings, "ALERTS_RULES")
        if rules is None and Path("rules").is_dir():
            rules = Path("rules")
        watch = get_path(settings, "ALERTS_WATCHLIST")
        if watch is None and Path("watchlist.yaml").is_file():
            watch = Path("watchlist.yaml")
        data = get_path(settings, "CRAWLER_DATA_DIR", "data")
        assert data is not None
        return cls(
            enabled=get_bool(settings, "ALERTS_ENABLED", True),
            rules_path=rules,
            watchlist_path=watch,
            outbox_path=get_path(settings, "ALERTS_OUTBOX") or data / "outbox.db",
            retry_base=get_number(settings, "ALERTS_RETRY_BASE", float, 1.0, 0),
            retry_max=get_number(settings, "ALERTS_RETRY_MAX", float, 300.0, 0),
            max_age=get_number(settings, "ALERTS_MAX_AGE", float, 7 * 86400.0, 0),
            drain_timeout=get_number(settings, "ALERTS_DRAIN_TIMEOUT", float, 15.0, 0),
            lease=get_number(settings, "ALERTS_LEASE", float, 60.0, 0),
        )
