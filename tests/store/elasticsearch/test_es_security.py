"""Security on: the crawler with least privilege; wrong credentials fail clearly, lose nothing.

The integ-test-zip server cannot hold API keys: they live in the .security index, whose
mapping needs the analysis-common module this distribution lacks (creating a key answers
"Unknown filter type [pattern_capture]"). So the least-privilege crawler identity here is a
file-realm user with a file-defined role restricted to the flagwatch-* indices, used with
ELASTICSEARCH_USERNAME/PASSWORD; the API-key code path is exercised with a key the server
does not know (401), which is what a revoked or mistyped key gives in production.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from elasticsearch import AsyncElasticsearch, AuthorizationException
from es_fixtures import es_store, make_listing

from crawler.models import SearchQuery
from crawler.store.base import StoreError
from crawler.store.elasticsearch import ElasticsearchStore
from crawler.testing.elasticsearch import ElasticsearchServer

pytestmark = pytest.mark.elasticsearch

T0 = datetime(2026, 11, 20, tzinfo=UTC)
# What the crawler needs, and no more: its own index templates and its own indices.
CRAWLER_ROLE = {
    "flagwatch_crawler": {
        "cluster": ["manage_index_templates"],
        "indices": [
            {
                "names": ["flagwatch-*"],
                "privileges": ["create_index", "index", "read", "view_index_metadata", "manage"],
            }
        ],
    }
}
CRAWLER_PASSWORD = "crawler-test-password"  # a throw-away test server's user


@pytest.fixture(scope="module")
def secure_server(es_server: ElasticsearchServer) -> Iterator[ElasticsearchServer]:
    # Depends on es_server only so that a missing distribution skips once.
    users = {"flagwatch-crawler": (CRAWLER_PASSWORD, ["flagwatch_crawler"])}
    with ElasticsearchServer(security=True, roles=CRAWLER_ROLE, users=users) as server:
        yield server


def _store(server: ElasticsearchServer, spool: Path, **credentials: str) -> ElasticsearchStore:
    env = {
        **credentials,
        "STORE_SPOOL_DIR": str(spool),
        "STORE_BULK_MAX_RETRIES": "1",
        "STORE_BULK_RETRY_BACKOFF": "0.1",
        "STORE_SPOOL_RETRY_INTERVAL": "0.5",
    }
    return es_store(server.url, env)


@pytest.mark.timeout(600)
async def test_least_privilege_crawler_and_wrong_credentials(
    secure_server: ElasticsearchServer, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"

    # A wrong API key: a clear error naming the cause, and the listings wait in the spool.
    wrong_key = "d3Jvbmc6a2V5LW5vdC1rbm93bg=="  # base64 of an id:key pair that does not exist
    bad = _store(secure_server, spool, ELASTICSEARCH_API_KEY=wrong_key)
    with pytest.raises(StoreError) as opened:
        await bad.open()
    message = str(opened.value)
    assert "refused the crawler's credentials" in message
    assert "ELASTICSEARCH_API_KEY" in message and "401" in message
    assert wrong_key not in message  # the secret itself is never echoed
    with pytest.raises(StoreError, match="kept in the spool"):
        await bad.upsert([make_listing(i) for i in range(40)], T0)
    await bad.close()
    assert bad.spool.pending_records() == 40

    # A wrong password names the other setting.
    bad = _store(
        secure_server,
        spool,
        ELASTICSEARCH_USERNAME="flagwatch-crawler",
        ELASTICSEARCH_PASSWORD="not-the-password",
    )
    with pytest.raises(StoreError, match="ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD"):
        await bad.open()
    await bad.close()

    # The right least-privilege user: the spooled listings are replayed at open.
    good = _store(
        secure_server,
        spool,
        ELASTICSEARCH_USERNAME="flagwatch-crawler",
        ELASTICSEARCH_PASSWORD=CRAWLER_PASSWORD,
    )
    await good.open()
    try:
        assert not good.spool.pending()
        results = await good.upsert([make_listing(i) for i in range(40, 60)], T0)
        assert {r.outcome.value for r in results} == {"new"}
        await good.refresh()
        page = await good.search(SearchQuery(limit=100))
        assert page.total == 60
    finally:
        await good.close()

    # Its privileges stop at the flagwatch-* indices.
    client = AsyncElasticsearch(
        secure_server.url, basic_auth=("flagwatch-crawler", CRAWLER_PASSWORD)
    )
    try:
        with pytest.raises(AuthorizationException):
            await client.index(index="other-index", document={"x": 1})
        with pytest.raises(AuthorizationException):
            await client.cluster.put_settings(persistent={"cluster.max_shards_per_node": 2000})
    finally:
        await client.close()
