"""QUEUE_* and WORKER_* settings, read once (defaults in settings/base.py, docs/scaling.md).

- QUEUE_URL: the Redis the queue lives on (redis://HOST:PORT/DB); empty: no queue, and
  `crawler schedule` starts a local process per run as before;
- QUEUE_NAME: prefix of every Redis key of this deployment (queues, leases, fences);
- QUEUE_LEASE: seconds a platform lease lasts unless renewed (a dead worker's platform is
  taken over after at most this long);
- QUEUE_JOB_TIMEOUT: longest run of one platform before the worker cancels it;
- QUEUE_MAX_TRIES: runs of one job (the first and its retries after worker deaths);
- WORKER_MAX_JOBS: platform runs one worker does at once;
- WORKER_CAPABILITIES: `auto`, or a comma list of `browser` and `tor`: the job kinds this
  worker takes besides plain crawls (auto: browser when BROWSER_EXECUTABLE_PATH can be run,
  tor when TOR_SOCKS_URL's port accepts a connection when the worker starts);
- WORKER_STOP_TIMEOUT: seconds its runs get to finish after SIGTERM before they are stopped
  and their jobs handed back to the queue.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from crawler.config import ConfigError, get_number, get_str

CAPABILITIES = ("browser", "tor")


@dataclass(frozen=True)
class QueueConfig:
    url: str
    name: str = "flagwatch"
    lease: float = 30.0
    job_timeout: float = 6 * 3600.0
    max_tries: int = 5

    @classmethod
    def from_settings(cls, settings: Any) -> QueueConfig:
        url = get_str(settings, "QUEUE_URL") or ""
        if url and not url.startswith(("redis://", "rediss://", "unix://")):
            raise ConfigError(
                "setting", "QUEUE_URL", f"not a Redis URL: {url!r} (redis://HOST:PORT/DB)"
            )
        name = get_str(settings, "QUEUE_NAME") or "flagwatch"
        if not name.replace("-", "").replace("_", "").isalnum():
            raise ConfigError("setting", "QUEUE_NAME", f"letters, digits, - and _ only: {name!r}")
        return cls(
            url=url,
            name=name,
            lease=get_number(settings, "QUEUE_LEASE", float, 30.0, 3),
            job_timeout=get_number(settings, "QUEUE_JOB_TIMEOUT", float, 6 * 3600.0, 10),
            max_tries=get_number(settings, "QUEUE_MAX_TRIES", int, 5, 1),
        )

    @property
    def enabled(self) -> bool:
        return bool(self.url)


@dataclass(frozen=True)
class WorkerConfig:
    queue: QueueConfig
    max_jobs: int = 2
    capabilities: frozenset[str] = frozenset()
    stop_timeout: float = 120.0

    @classmethod
    def from_settings(cls, settings: Any) -> WorkerConfig:
        queue = QueueConfig.from_settings(settings)
        if not queue.enabled:
            raise ConfigError("setting", "QUEUE_URL", "a worker needs the queue's Redis URL")
        return cls(
            queue=queue,
            max_jobs=get_number(settings, "WORKER_MAX_JOBS", int, 2, 1),
            capabilities=_capabilities(settings),
            stop_timeout=get_number(settings, "WORKER_STOP_TIMEOUT", float, 120.0, 0),
        )


def _answers(url: str) -> bool:
    """True when the host:port of `url` accepts a TCP connection within a second."""
    parts = urlsplit(url)
    if not parts.hostname or not parts.port:
        return False
    try:
        with socket.create_connection((parts.hostname, parts.port), timeout=1.0):
            return True
    except OSError:
        return False


def _capabilities(settings: Any) -> frozenset[str]:
    raw = (get_str(settings, "WORKER_CAPABILITIES") or "auto").strip().lower()
    if raw == "auto":
        found = set()
        if os.access(get_str(settings, "BROWSER_EXECUTABLE_PATH") or "", os.X_OK):
            found.add("browser")
        if _answers(get_str(settings, "TOR_SOCKS_URL") or ""):
            found.add("tor")
        return frozenset(found)
    names = {part.strip() for part in raw.split(",") if part.strip()} - {"none"}
    unknown = names - set(CAPABILITIES)
    if unknown:
        raise ConfigError(
            "setting",
            "WORKER_CAPABILITIES",
            f"unknown {', '.join(sorted(unknown))} (auto, none, or a list of {', '.join(CAPABILITIES)})",
        )
    return frozenset(names)
