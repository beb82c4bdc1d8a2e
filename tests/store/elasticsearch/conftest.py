"""Fixtures for the Elasticsearch tests: one real test server per session (startup ~10 s).

The server is the Maven Central integ-test-zip fetched by scripts/elasticsearch.sh; tests
are skipped with the reason when it has not been fetched. Each test gets its own index
prefix, so tests sharing the server do not see each other's documents.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import pytest
from es_fixtures import es_store

from crawler.store.elasticsearch import ElasticsearchStore
from crawler.testing.elasticsearch import (
    ElasticsearchServer,
    ElasticsearchServerError,
    default_home,
)


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


@pytest.fixture
def prefix() -> str:
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def store_env(es_server: ElasticsearchServer, prefix: str, tmp_path: Path) -> dict[str, str]:
    return {
        "STORE_INDEX_PREFIX": prefix,
        "STORE_SPOOL_DIR": str(tmp_path / "spool"),
        "STORE_BULK_MAX_RETRIES": "1",
        "STORE_BULK_RETRY_BACKOFF": "0.1",
        "STORE_SPOOL_RETRY_INTERVAL": "0.5",
    }


@pytest.fixture
def make_store(
    es_server: ElasticsearchServer, store_env: dict[str, str]
) -> Callable[..., ElasticsearchStore]:
    def make(**overrides: str) -> ElasticsearchStore:
        return es_store(es_server.url, {**store_env, **overrides})

    return make


@pytest.fixture
async def store(make_store: Callable[..., ElasticsearchStore]) -> AsyncIterator[ElasticsearchStore]:
    s = make_store()
    await s.open()
    try:
        yield s
    finally:
        await s.close()
