"""ALERTS_* settings gathered in one place, read once (from Scrapy settings or the environment).

- ALERTS_ENABLED (default true): the pipeline does nothing when false.
- ALERTS_RULES: rules file or directory (default ./rules when it exists).
- ALERTS_WATCHLIST: watchlist file (default ./watchlist.yaml when it exists).
- ALERTS_OUTBOX: SQLite outbox file (default CRAWLER_DATA_DIR/outbox.db, data/outbox.db).
- ALERTS_RETRY_BASE / ALERTS_RETRY_MAX: delivery backoff in seconds (1 / 300): attempt n waits
  min(max, base * 2**n) with +-20% jitter; deliveries are retried until they succeed.
- ALERTS_MAX_AGE: seconds after which an undelivered alert stops being retried and is marked
  failed (default 7 days; `crawler alerts deliver --retry-failed` tries again).
- ALERTS_DRAIN_TIMEOUT: seconds a crawl waits at close for pending deliveries (default 15);
  what is left stays in the outbox for `crawler alerts deliver` or the scheduler.
- ALERTS_LEASE: seconds one process owns a delivery attempt before another may retry (60).
- Channel secrets: the variables the channels name (ALERTS_WEBHOOK_SECRET, ALERTS_SMTP_PASSWORD,
  ALERTS_SLACK_WEBHOOK_URL by default).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any


def _get(settings: Any, env: Mapping[str, str], name: str) -> Any:
    # Scrapy settings (which already include -s overrides) win over the environment.
    if settings is not None:
        value = settings.get(name)
        if value not in (None, ""):
            return value
    return env.get(name)


def _bool(value: Any, default: bool) -> bool:
    if value is None or value == "":
        return default
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() not in ("0", "false", "no", "off")


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
    def from_settings(
        cls, settings: Any = None, environ: Mapping[str, str] | None = None
    ) -> AlertsConfig:
        env = os.environ if environ is None else environ
        rules = _get(settings, env, "ALERTS_RULES")
        if rules is None and Path("rules").is_dir():
            rules = "rules"
        watch = _get(settings, env, "ALERTS_WATCHLIST")
        if watch is None and Path("watchlist.yaml").is_file():
            watch = "watchlist.yaml"
        outbox = _get(settings, env, "ALERTS_OUTBOX") or str(
            Path(env.get("CRAWLER_DATA_DIR", "data")) / "outbox.db"
        )

        def num(name: str, default: float) -> float:
            v = _get(settings, env, name)
            try:
                return float(v) if v not in (None, "") else default
            except ValueError:
                raise ValueError(f"{name}: not a number: {v!r}") from None

        return cls(
            enabled=_bool(_get(settings, env, "ALERTS_ENABLED"), True),
            rules_path=Path(rules) if rules else None,
            watchlist_path=Path(watch) if watch else None,
            outbox_path=Path(outbox),
            retry_base=num("ALERTS_RETRY_BASE", 1.0),
            retry_max=num("ALERTS_RETRY_MAX", 300.0),
            max_age=num("ALERTS_MAX_AGE", 7 * 86400.0),
            drain_timeout=num("ALERTS_DRAIN_TIMEOUT", 15.0),
            lease=num("ALERTS_LEASE", 60.0),
        )
