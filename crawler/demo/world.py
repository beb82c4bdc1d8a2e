"""The demo world: every registered synthetic platform, served together on 127.0.0.1.

`crawler run`, the tests and the benchmark use it to get a deterministic set of flagged
platforms to crawl; `set_condition` (or `advance(conditions=...)`) breaks one of them the
way real platforms break (new layout, login wall, CAPTCHA, 403s, slowness) and "ok" mends it. Each platform is a `DemoPlatform` (crawler/demo/base.py) registered
here with `@register_platform`; the world builds one instance per platform from
(seed, size), serves each on its own aiohttp site on a free port, and exposes the base
URLs as the environment variables the platform profiles read (`DEMO_CLASSIFIEDS_URL`...).

Registering a platform (other modules do this at import time)::

    from crawler.demo.world import register_platform

    @register_platform
    class OnionMarket(DemoPlatform):
        name = "demo-onion-market"
        env_var = "DEMO_ONION_MARKET_URL"

A module listed in PLATFORM_MODULES that does not exist yet is skipped, so platforms can
be added by dropping a module in and listing it. `DemoWorldThread` runs a world's event
loop in a background thread for synchronous callers (the CLI, Scrapy-driven tests).
"""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from aiohttp import web

from crawler.demo.base import DemoPlatform, GroundTruthListing

if TYPE_CHECKING:
    from crawler.demo.catalog import CatalogPlatform
    from crawler.demo.members import MembersPlatform
from crawler.demo.conditions import check_condition

# Modules whose import registers platforms; missing ones are skipped (not written yet).
PLATFORM_MODULES: tuple[str, ...] = (
    "crawler.demo.classifieds",
    "crawler.demo.jobs",
    "crawler.demo.forum",
    "crawler.demo.onion_market",
    "crawler.demo.social",
    "crawler.demo.hostile",
    "crawler.demo.boards",
    "crawler.demo.members",
)

PLATFORM_CLASSES: dict[str, type[DemoPlatform]] = {}

P = TypeVar("P", bound=type[DemoPlatform])
T = TypeVar("T")


def register_platform(cls: P) -> P:
    """Class decorator: make a DemoPlatform subclass part of every DemoWorld under `cls.name`."""
    existing = PLATFORM_CLASSES.get(cls.name)
    if existing is not None and existing is not cls and existing.__qualname__ != cls.__qualname__:
        raise ValueError(
            f"demo platform name {cls.name!r} is registered twice: {existing} and {cls}"
        )
    PLATFORM_CLASSES[cls.name] = cls
    return cls


def load_platform_modules() -> None:
    """Import every module in PLATFORM_MODULES so that its platforms register themselves."""
    for module in PLATFORM_MODULES:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            # Only a missing platform module is tolerated; a broken import inside it is a bug.
            if exc.name != module:
                raise


def platform_classes() -> dict[str, type[DemoPlatform]]:
    """name -> platform class for every registered demo platform."""
    load_platform_modules()
    return dict(PLATFORM_CLASSES)


class DemoWorld:
    """All demo platforms built from one seed; `size` is the number of listings per platform.

    `options` passes keyword arguments to a platform's constructor by name, e.g.
    `{"demo-members": {"session_ttl": 2}}`.
    """

    def __init__(
        self,
        seed: int = 1,
        size: int = 200,
        platforms: Iterable[str] | None = None,
        options: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> None:
        classes = platform_classes()
        if platforms is None:
            names = sorted(n for n, cls in classes.items() if cls.in_default_world)
        else:
            names = list(platforms)
        unknown = [n for n in names if n not in classes]
        if unknown:
            raise ValueError(
                f"unknown demo platform(s) {', '.join(unknown)}; known: {', '.join(sorted(classes))}"
            )
        self.seed = seed
        self.size = size
        stray = [n for n in (options or {}) if n not in names]
        if stray:
            raise ValueError(f"options for demo platform(s) not in this world: {', '.join(stray)}")
        self.platforms: dict[str, DemoPlatform] = {
            name: classes[name](seed=seed, size=size, **dict((options or {}).get(name, {})))
            for name in names
        }
        self.urls: dict[str, str] = {}  # platform name -> base URL, once started
        self._runners: list[web.AppRunner] = []
        self._loop: asyncio.AbstractEventLoop | None = None  # the loop serving, once started

    def _on_loop(self, fn: Callable[[], T], timeout: float = 60.0) -> T:
        """Run `fn` on the serving loop when called from another thread.

        Requests are served on that loop; running state changes there too means a request
        never sees a half-advanced platform, whichever thread calls advance().
        """
        loop = self._loop
        if loop is None or loop.is_closed() or not loop.is_running():
            return fn()
        try:
            if asyncio.get_running_loop() is loop:
                return fn()
        except RuntimeError:
            pass  # no loop in this thread: a synchronous caller

        async def call() -> T:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout)

    async def start(
        self, host: str = "127.0.0.1", ports: dict[str, int] | None = None
    ) -> dict[str, str]:
        """Serve every platform on its own port (free ports unless `ports` names one).

        Returns {platform name: base URL}.
        """
        if self._runners:
            raise RuntimeError("demo world already started")
        self._loop = asyncio.get_running_loop()
        try:
            for name, platform in self.platforms.items():
                runner = web.AppRunner(platform.serve_app(), access_log=None, handle_signals=False)
                await runner.setup()
                self._runners.append(runner)
                site = web.TCPSite(runner, host, (ports or {}).get(name, 0), reuse_address=True)
                await site.start()
                port = runner.addresses[-1][1]
                self.urls[name] = f"http://{host}:{port}"
        except BaseException:
            await self.stop()
            raise
        return dict(self.urls)

    async def stop(self) -> None:
        """Stop every site; safe to call twice or after a failed start."""
        runners, self._runners = self._runners, []
        for runner in reversed(runners):
            await runner.cleanup()
        self.urls.clear()
        self._loop = None

    def env(self) -> dict[str, str]:
        """{env_var: base URL}: what the demo platform profiles need to find the platforms."""
        return {self.platforms[name].env_var: url for name, url in self.urls.items()}

    @property
    def members(self) -> MembersPlatform:
        """The members-only platform (crawler/demo/members.py): its account and auth state."""
        from crawler.demo.members import MembersPlatform

        platform = self.platforms.get("demo-members")
        if not isinstance(platform, MembersPlatform):
            raise ValueError('this demo world has no "demo-members" platform (ask for it by name)')
        return platform

    def advance(self, steps: int = 1, conditions: dict[str, str] | None = None) -> None:
        """Move every platform `steps` steps in time (new, changed and removed listings),
        then put the platforms named in `conditions` in their condition ("ok" undoes)."""
        self._check_conditions(conditions or {})

        def run() -> None:
            for _ in range(steps):
                for platform in self.platforms.values():
                    platform.advance()
            for name, condition in (conditions or {}).items():
                self.platforms[name].set_condition(condition)

        self._on_loop(run)

    def take_down(self, name: str, key: str) -> None:
        """Take listing `key` of platform `name` down now (a catalog platform: classifieds,
        jobs, forum); `restore` brings it back. ValueError for another platform or key."""
        self._on_loop(lambda: self._catalog(name).take_down(key))

    def restore(self, name: str, key: str) -> None:
        self._on_loop(lambda: self._catalog(name).restore(key))

    def _catalog(self, name: str) -> CatalogPlatform:
        from crawler.demo.catalog import CatalogPlatform

        platform = self.platforms.get(name)
        if not isinstance(platform, CatalogPlatform):
            raise ValueError(f"{name}: not a catalog platform of this world (cannot take down)")
        return platform

    def _check_conditions(self, conditions: dict[str, str]) -> None:
        # Before anything moves: a typo must not leave the world half advanced.
        unknown = [n for n in conditions if n not in self.platforms]
        if unknown:
            raise ValueError(
                f"no demo platform {', '.join(unknown)} in this world; "
                f"it has {', '.join(self.platforms)}"
            )
        for condition in conditions.values():
            check_condition(condition)

    def set_condition(self, name: str, condition: str, slow_delay: float | None = None) -> None:
        """Serve platform `name` under `condition` from the next request on
        (crawler/demo/conditions.py); "ok" restores it. `slow_delay` sets the delay of
        "slow" in seconds."""
        self._check_conditions({name: condition})
        self._on_loop(lambda: self.platforms[name].set_condition(condition, slow_delay))

    def conditions(self) -> dict[str, str]:
        """{platform name: its current condition}."""
        return self._on_loop(lambda: {n: p.condition for n, p in self.platforms.items()})

    def ground_truth(self) -> dict[str, list[GroundTruthListing]]:
        """{platform name: the listings it shows now}."""
        return self._on_loop(lambda: {name: p.ground_truth() for name, p in self.platforms.items()})

    def request_counts(self) -> dict[str, Counter[str]]:
        """{platform name: requests served by kind (list, detail, robots, asset, api, other)}."""
        return self._on_loop(
            lambda: {name: Counter(p.requests) for name, p in self.platforms.items()}
        )

    def reset_request_counts(self) -> None:
        def run() -> None:
            for p in self.platforms.values():
                p.requests.clear()

        self._on_loop(run)


class DemoWorldThread:
    """Runs a DemoWorld's event loop in a daemon thread, for synchronous code.

    `start()` returns once every platform listens; `advance()`, `ground_truth()` and the
    counters (here or on the world itself) run on the loop thread, so they never race a
    request being served.
    """

    def __init__(
        self, world: DemoWorld, host: str = "127.0.0.1", ports: dict[str, int] | None = None
    ) -> None:
        self.world = world
        self.host = host
        self.ports = ports
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._stopped: asyncio.Event | None = None

    def start(self, timeout: float = 30.0) -> dict[str, str]:
        if self._thread is not None:
            raise RuntimeError("demo world thread already started")
        ready = threading.Event()
        failure: list[BaseException] = []

        async def serve() -> None:
            self._stopped = asyncio.Event()
            try:
                await self.world.start(self.host, self.ports)
            except BaseException as exc:
                failure.append(exc)
                ready.set()
                return
            ready.set()
            try:
                await self._stopped.wait()
            finally:
                await self.world.stop()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(serve())
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name="demo-world", daemon=True)
        self._thread.start()
        if not ready.wait(timeout):
            self.stop()
            raise TimeoutError(f"demo world did not start within {timeout} s")
        if failure:
            self._thread.join(timeout)
            self._thread = None
            raise failure[0]
        return dict(self.world.urls)

    def env(self) -> dict[str, str]:
        return self.world.env()

    @property
    def members(self) -> MembersPlatform:
        return self.world.members

    @property
    def urls(self) -> dict[str, str]:
        return dict(self.world.urls)

    # The world itself hands these to the serving loop, so they are safe from any thread.
    def advance(self, steps: int = 1, conditions: dict[str, str] | None = None) -> None:
        self.world.advance(steps, conditions)

    def set_condition(self, name: str, condition: str, slow_delay: float | None = None) -> None:
        self.world.set_condition(name, condition, slow_delay)

    def take_down(self, name: str, key: str) -> None:
        self.world.take_down(name, key)

    def restore(self, name: str, key: str) -> None:
        self.world.restore(name, key)

    def conditions(self) -> dict[str, str]:
        return self.world.conditions()

    def ground_truth(self) -> dict[str, list[GroundTruthListing]]:
        return self.world.ground_truth()

    def request_counts(self) -> dict[str, Counter[str]]:
        return self.world.request_counts()

    def reset_request_counts(self) -> None:
        self.world.reset_request_counts()

    def stop(self, timeout: float = 30.0) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        loop, stopped = self._loop, self._stopped
        if loop is not None and stopped is not None and not loop.is_closed():
            # RuntimeError: the loop already finished (start failed).
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopped.set)
        thread.join(timeout)

    def __enter__(self) -> DemoWorldThread:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()
