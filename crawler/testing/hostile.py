"""The hostile platform with its victims, for the tests and benchmarks of every route.

`hostile_world()` serves demo-hostile (crawler/demo/hostile.py) and a `VictimServer` on
127.0.0.1: the hostile pages link, redirect and script their way to the victim (another
port on this machine) and to host names only a local DNS lookup could resolve. A crawl
must leave the victim at zero hits, and the name-lookup spy (crawler/testing/dnsspy, a
`sitecustomize` put on the crawl process's PYTHONPATH) at zero lookups.

`spy_env()` adds the spy to a crawl environment; `looked_up_names()` reads what it saw.
"""

from __future__ import annotations

import asyncio
import ipaddress
import re
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import web

from crawler.demo.hostile import HostilePlatform, VictimServer
from crawler.demo.world import DemoWorld, DemoWorldThread
from crawler.testing.crawls import crawl_env

SPY_DIR = Path(__file__).with_name("dnsspy")
PROFILE_DIR = Path(__file__).resolve().parents[1] / "demo" / "profiles"
# Put in the crawl's environment: it must never appear in the store (file:///proc/self/environ).
CANARY = "flagwatch-canary-7d1f0c9a"


def spy_env(env: Mapping[str, str], spy_file: Path) -> dict[str, str]:
    """`env` with the name-lookup recorder on PYTHONPATH, writing to `spy_file`."""
    spy_file.parent.mkdir(parents=True, exist_ok=True)
    spy_file.touch()
    out = dict(env, DNS_SPY_FILE=str(spy_file))
    out["PYTHONPATH"] = str(SPY_DIR) + (":" + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return out


def looked_up_names(spy_file: Path) -> set[str]:
    """Host names (not addresses) the spied process looked up."""
    names = set()
    for host in spy_file.read_text().split():
        try:
            ipaddress.ip_address(host)
        except ValueError:
            if host not in {"None", ""}:
                names.add(host)
    return names


_STAT = re.compile(r"^ '([\w/.-]+)': (\d+(?:\.\d+)?),?$", re.M)


def dumped_stats(output: str) -> dict[str, float]:
    """The numeric Scrapy stats a crawl process dumped in its log."""
    return {k: float(v) for k, v in _STAT.findall(output)}


@dataclass
class HostileSetup:
    world: DemoWorldThread
    platform: HostilePlatform
    victim: VictimServer
    victim_url: str

    def env(self, data_dir: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        env = crawl_env(self.world, data_dir, {"PLATFORMS_DIR": str(PROFILE_DIR), "CANARY": CANARY})
        env.update(extra or {})
        return env


class _VictimThread:
    def __init__(self, victim: VictimServer) -> None:
        self.victim = victim
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)

    def start(self) -> str:
        self._thread.start()

        async def go() -> str:
            self._runner = web.AppRunner(self.victim.make_app(), access_log=None)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            await site.start()
            return f"http://127.0.0.1:{self._runner.addresses[0][1]}"

        self.url = asyncio.run_coroutine_threadsafe(go(), self._loop).result(30)
        return self.url

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)


@contextmanager
def hostile_world(size: int = 30, seed: int = 1) -> Iterator[HostileSetup]:
    """demo-hostile and its victim, both serving; stopped afterwards, even on failure."""
    victim = VictimServer()
    victim_thread = _VictimThread(victim)
    world = DemoWorldThread(DemoWorld(seed=seed, size=size, platforms=["demo-hostile"]))
    try:
        victim_url = victim_thread.start()
        world.start()
        platform = world.world.platforms["demo-hostile"]
        assert isinstance(platform, HostilePlatform)
        platform.victim_urls = [victim_url]
        platform.own_port = int(world.urls["demo-hostile"].rsplit(":", 1)[1])
        yield HostileSetup(world, platform, victim, victim_url)
    finally:
        world.stop()
        victim_thread.stop()
