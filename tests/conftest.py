"""Fixtures shared by every test area: a fresh data dir and a running demo world."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from crawler.demo.world import DemoWorldThread
from crawler.testing.crawls import running_world
from crawler.testing.elasticsearch import (
    ElasticsearchServer,
    ElasticsearchServerError,
    default_home,
)

# Every crawl a test starts (subprocesses inherit the environment) seals its evidence with a
# signing key (crawler.evidence.chain.require_signing_key): a fresh one per session, only in
# this process's environment, never on disk, never a developer's own key. Tests of the
# missing-key path remove it from their own environment.
ROOT = Path(__file__).resolve().parents[1]

os.environ["EVIDENCE_SIGNING_KEY"] = base64.b64encode(os.urandom(32)).decode()


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


# One real Elasticsearch test server per session (startup ~10 s), for every test that asks:
# the Maven Central integ-test-zip fetched by scripts/elasticsearch.sh; skipped with the
# reason when it has not been fetched, failed under CI (which installs it).
def _require_distribution() -> None:
    if not (default_home() / "bin" / "elasticsearch").exists():
        msg = f"no Elasticsearch at {default_home()}: run scripts/elasticsearch.sh (make test does)"
        if os.environ.get("CI"):
            pytest.fail(msg)  # CI installs it: a missing server is a broken set-up, not a skip
        pytest.skip(msg)


@pytest.fixture(scope="session")
def es_server() -> Iterator[ElasticsearchServer]:
    _require_distribution()
    try:
        server = ElasticsearchServer()
        server.start()
    except ElasticsearchServerError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.close()


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    # Tests of a real component are end-to-end tests: `pytest -m "not e2e"` is the unit layer.
    for item in items:
        if any(item.get_closest_marker(m) for m in ("elasticsearch", "tor", "browser", "redis")):
            item.add_marker(pytest.mark.e2e)
        # On several workers (`make test`: pytest-xdist, --dist loadgroup) a file's tests stay
        # on one worker, so its module-scoped crawls and servers are made once, and every tor
        # test shares one worker, so one private tor network starts.
        group = "tor" if item.get_closest_marker("tor") else str(item.path.relative_to(ROOT))
        item.add_marker(pytest.mark.xdist_group(group))
