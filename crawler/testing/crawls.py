"""Run real crawl jobs from tests and benchmarks: a demo world in a thread, `crawler crawl` as a process.

Each crawl is a separate process, as in production (Scrapy's reactor cannot restart inside
one process), with its own CRAWLER_DATA_DIR so tests never share a store.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.config import crawler_settings
from crawler.demo.world import DemoWorld, DemoWorldThread


@dataclass
class CrawlRun:
    returncode: int
    output: str

    def stat(self, name: str) -> str | None:
        """A field of the `crawl key=value ...` summary line."""
        for line in self.output.splitlines():
            if line.startswith("crawl "):
                for part in line.split()[1:]:
                    k, _, v = part.partition("=")
                    if k == name:
                        return v
        return None


@contextmanager
def running_world(
    seed: int = 1,
    size: int = 60,
    platforms: list[str] | None = None,
    options: Mapping[str, Mapping[str, Any]] | None = None,
    host: str = "127.0.0.1",
) -> Iterator[DemoWorldThread]:
    """A started demo world; use the returned runner's advance()/ground_truth() (thread-safe).

    `host`: the address its platforms listen on (their base URLs in env() name it), e.g. a
    bridge address a test created (crawler.testing.netns).
    `options`: constructor keywords by platform name (DemoWorld), e.g.
    `{"demo-members": {"session_ttl": 2}}`.
    """
    runner = DemoWorldThread(
        DemoWorld(seed=seed, size=size, platforms=platforms, options=options), host=host
    )
    runner.start()
    try:
        yield runner
    finally:
        runner.stop()


def crawl_env(
    world: DemoWorld | DemoWorldThread, data_dir: Path, extra: Mapping[str, str] | None = None
) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STORE_", "ELASTICSEARCH_", "CRAWLER_"))
    }
    env.update(world.env())
    inner = world.world if isinstance(world, DemoWorldThread) else world
    if "demo-members" in inner.platforms:
        env.update(inner.members.account.environ())
    env["CRAWLER_DATA_DIR"] = str(data_dir)
    env.update(extra or {})
    return env


def crawl_command(platform: str, *args: str) -> list[str]:
    return [sys.executable, "-m", "crawler", "crawl", platform, *args]


def run_crawl(
    platform: str,
    env: Mapping[str, str],
    *args: str,
    timeout: float = 300,
    prefix: Sequence[str] = (),
) -> CrawlRun:
    """`crawler crawl platform args...` as a process (`prefix`: a wrapper command, e.g.
    crawler.testing.hosts.hosts_prefix)."""
    proc = subprocess.run(
        [*prefix, *crawl_command(platform, *args)],
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return CrawlRun(proc.returncode, proc.stdout + proc.stderr)


def run_crawl_watching_listeners(
    platform: str, env: Mapping[str, str], *args: str, timeout: float = 300
) -> tuple[CrawlRun, set[tuple[str, int]]]:
    """Run a crawl and record every listening socket its process tree opened meanwhile."""
    import tempfile

    import psutil

    listening: set[tuple[str, int]] = set()
    with tempfile.TemporaryFile("w+") as out:
        proc = subprocess.Popen(
            crawl_command(platform, *args), env=dict(env), stdout=out, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        try:
            while proc.poll() is None and time.monotonic() < deadline:
                try:
                    root = psutil.Process(proc.pid)
                    tree = [root, *root.children(recursive=True)]
                except psutil.NoSuchProcess:
                    break
                for p in tree:
                    try:
                        for conn in p.net_connections(kind="inet"):
                            if conn.status == psutil.CONN_LISTEN:
                                listening.add((conn.laddr.ip, conn.laddr.port))
                    except (psutil.NoSuchProcess, psutil.AccessDenied):
                        continue
                time.sleep(0.1)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
        out.seek(0)
        return CrawlRun(proc.returncode, out.read()), listening


def kill_crawl_after(
    platform: str, env: Mapping[str, str], condition: Callable[[], bool], timeout: float = 120
) -> None:
    """Start a crawl and SIGKILL it as soon as `condition()` is true (polled every 50 ms)."""
    proc = subprocess.Popen(
        crawl_command(platform), env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    deadline = time.monotonic() + timeout
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            if condition():
                proc.send_signal(signal.SIGKILL)
                break
            time.sleep(0.05)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait()


def stored_listings(env: Mapping[str, str], platform: str) -> list:
    """Every listing of the platform in the store that `env` configures."""
    import asyncio

    from crawler.models import SearchQuery
    from crawler.store import open_store

    async def go() -> list:
        async with open_store(crawler_settings(env)) as store:
            return (await store.search(SearchQuery(platform=platform, limit=100000))).listings

    return asyncio.run(go())


def price_tuples(prices: list) -> set:
    return {(round(p.amount, 2), p.currency, p.unit) for p in prices}
