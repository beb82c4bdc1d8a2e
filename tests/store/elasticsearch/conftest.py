"""Fixtures for the Elasticsearch store tests (the server itself: es_server in
tests/conftest.py). Each test gets its own index prefix, so tests sharing the server do
not see each other's documents.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest
from es_fixtures import es_store

from crawler.store.elasticsearch import ElasticsearchStore
from crawler.testing.elasticsearch import ElasticsearchServer


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
