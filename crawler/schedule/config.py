"""SCHEDULER_* settings, read once (defaults in settings/base.py).

- SCHEDULER_CRAWL_COMMAND: how one platform run is started ({python}, {platform});
- SCHEDULER_STATE, SCHEDULER_HISTORY: state and decision log (default in CRAWLER_DATA_DIR);
- SCHEDULER_STOP_TIMEOUT: seconds crawls get after SIGTERM before they are killed;
- SCHEDULER_MAX_PARALLEL: crawls of different platforms at once;
- SCHEDULER_DELIVER_INTERVAL: seconds between drains of the alert outbox.
"""

from __future__ import annotations

import shlex
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.config import ConfigError, get_number, get_path, get_str

DEFAULT_COMMAND = "{python} -m crawler crawl {platform}"


@dataclass(frozen=True)
class SchedulerConfig:
    command: str
    data_dir: Path
    state_path: Path
    history_path: Path
    stop_timeout: float = 120.0
    max_parallel: int = 2
    deliver_interval: float = 60.0

    overrides: tuple[str, ...] = field(default=())  # -s NAME=VALUE, passed to every crawl

    @classmethod
    def from_settings(cls, settings: Any, overrides: tuple[str, ...] = ()) -> SchedulerConfig:
        data = get_path(settings, "CRAWLER_DATA_DIR", "data")
        assert data is not None
        command = get_str(settings, "SCHEDULER_CRAWL_COMMAND") or DEFAULT_COMMAND
        if "{platform}" not in command:
            raise ConfigError("setting", "SCHEDULER_CRAWL_COMMAND", "must contain {platform}")
        return cls(
            command=command,
            data_dir=data,
            state_path=get_path(settings, "SCHEDULER_STATE") or data / "scheduler.json",
            history_path=get_path(settings, "SCHEDULER_HISTORY")
            or data / "scheduler-history.jsonl",
            stop_timeout=get_number(settings, "SCHEDULER_STOP_TIMEOUT", float, 120.0, 0),
            max_parallel=get_number(settings, "SCHEDULER_MAX_PARALLEL", int, 2, 1),
            deliver_interval=get_number(settings, "SCHEDULER_DELIVER_INTERVAL", float, 60.0, 0),
            overrides=tuple(overrides),
        )

    def argv(self, platform: str) -> list[str]:
        """The crawl command of one platform, with the scheduler's own -s overrides."""
        base = [
            part.replace("{python}", sys.executable).replace("{platform}", platform)
            for part in shlex.split(self.command)
        ]
        return base + [part for o in self.overrides for part in ("-s", o)]
