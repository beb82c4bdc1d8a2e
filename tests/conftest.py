"""Fixtures shared by every test area: a fresh data dir and a running demo world."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.world import DemoWorldThread
from crawler.testing.crawls import running_world


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    d = tmp_path / "data"
    d.mkdir()
    return d


@pytest.fixture
def demo_world() -> Iterator[DemoWorldThread]:
    """The three clearnet demo platforms, 60 listings each, seed 1."""
    with running_world(
        seed=1, size=60, platforms=["demo-classifieds", "demo-jobs", "demo-forum"]
    ) as w:
        yield w


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # Tests of a real component are end-to-end tests: `pytest -m "not e2e"` is the unit layer.
    for item in items:
        if any(item.get_closest_marker(m) for m in ("elasticsearch", "tor", "browser")):
            item.add_marker(pytest.mark.e2e)
