"""JSON-lines channel: appends one line per alert to a local file (for other tools to tail).

Each line is {"idempotency_key": ..., "alert": {...}}. Appends hold an exclusive file lock and
skip a key the file already holds, so a retry after a crash never writes the alert twice.
"""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
from pathlib import Path
from typing import Literal

from crawler.alerts.alert import Alert
from crawler.alerts.channels.base import AlertChannel, ChannelConfig, DeliveryError


class JsonlConfig(ChannelConfig):
    type: Literal["jsonl"]
    path: str


class JsonlChannel(AlertChannel):
    type = "jsonl"
    config_model = JsonlConfig

    def _append(self, key: str, line: str) -> None:
        path = Path(self.config.path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "a+", encoding="utf-8") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            fh.seek(0)
            # Lines are short and alerts rare: a scan is cheaper than keeping an index in sync.
            needle = f'"idempotency_key": "{key}"'
            if any(needle in existing for existing in fh):
                return
            fh.seek(0, os.SEEK_END)
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())

    async def send(self, alert: Alert, idempotency_key: str) -> None:
        line = json.dumps({"idempotency_key": idempotency_key, "alert": alert.record()})
        try:
            await asyncio.to_thread(self._append, idempotency_key, line)
        except OSError as exc:
            raise DeliveryError(f"{self.describe()}: {exc.strerror or exc}") from None
