"""Workers as real processes against a real Redis (started by the tests), and what they left.

`Workers` starts `crawler worker` processes with an environment (their output in files),
kills or stops them, and reads the store's job records. Nothing is mocked: the queue is
Redis, the crawls go to the demo world on 127.0.0.1.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from crawler.config import crawler_settings
from crawler.models import CrawlJob


class Workers:
    def __init__(self, env: Mapping[str, str], logs: Path) -> None:
        self.env = dict(env)
        self.logs = logs
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        prefix: Sequence[str] = (),
    ) -> subprocess.Popen[bytes]:
        """A worker process (`prefix`: a wrapper such as crawler.testing.netns's
        `ip netns exec NAME`, which execs the worker: the pid is the worker's own)."""
        n = len(self.procs)
        with open(self.logs / f"worker-{n}.log", "wb") as out:
            proc = subprocess.Popen(
                [*prefix, sys.executable, "-m", "crawler", "worker", "-s", "LOG_LEVEL=INFO", *args],
                env={**self.env, **(env or {})},
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.procs.append(proc)
        return proc

    def log(self, proc: subprocess.Popen[bytes]) -> str:
        return (self.logs / f"worker-{self.procs.index(proc)}.log").read_text(errors="replace")

    def logs_text(self) -> str:
        return "\n".join(
            f"--- worker {i} ---\n{self.log(p)[-4000:]}" for i, p in enumerate(self.procs)
        )

    def stop(self, proc: subprocess.Popen[bytes], timeout: float = 60) -> int:
        proc.send_signal(signal.SIGTERM)
        return proc.wait(timeout)

    def close(self) -> None:
        for p in self.procs:
            if p.poll() is None:
                p.kill()
            p.wait(30)


def enqueue(env: Mapping[str, str], *platforms: str) -> str:
    """`crawler schedule --once` for the platforms: they are queued (QUEUE_URL in env)."""
    argv = [sys.executable, "-m", "crawler", "schedule", "--once"]
    for p in platforms:
        argv += ["--platform", p]
    run = subprocess.run(argv, env=dict(env), capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout + run.stderr


def stored_jobs(env: Mapping[str, str], platform: str) -> list[CrawlJob]:
    from crawler.store import open_store

    async def go() -> list[CrawlJob]:
        async with open_store(crawler_settings(env)) as store:
            return await store.jobs(platform, limit=100)

    return asyncio.run(go())


def wait_for(
    condition: Callable[[], Any],
    timeout: float,
    what: str,
    logs: Callable[[], str],
    every: float = 0.25,
) -> Any:
    """condition()'s first true value; `every`: seconds between two looks (each look at the
    store opens a client: on a busy machine a longer pause leaves the CPU to the workers)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(every)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}\n{logs()}")


def log_dir() -> Path:
    return Path(tempfile.mkdtemp(prefix="flagwatch-workers-"))


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True
