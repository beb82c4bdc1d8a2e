"""Fixtures of the browser tests: the demo-social platform and a SOCKS5 recorder."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from browser_support import SocksRecorder

from crawler.demo.world import DemoWorld, DemoWorldThread


@pytest.fixture
def social() -> Iterator[DemoWorldThread]:
    """demo-social with 60 posts (two feed views), seed 3."""
    world = DemoWorldThread(DemoWorld(seed=3, size=60, platforms=["demo-social"]))
    world.start()
    try:
        yield world
    finally:
        world.stop()


@pytest.fixture
def socks_recorder() -> Iterator[Callable[[dict[str, str]], SocksRecorder]]:
    started: list[SocksRecorder] = []

    def start(hosts: dict[str, str]) -> SocksRecorder:
        rec = SocksRecorder(hosts)
        rec.start()
        started.append(rec)
        return rec

    yield start
    for rec in started:
        rec.stop()
