"""Elasticsearch stopped in the middle of a crawl, and a crawler killed while spooling.

Stops and restarts the session's server (same data and port; one server start saved).
Nothing acknowledged may be lost, nothing may be stored twice, price histories must not
grow from replays.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from es_fixtures import es_store, make_listing
from scrapy.settings import Settings
from scrapy.statscollectors import MemoryStatsCollector

from crawler.models import UpsertOutcome
from crawler.store.elasticsearch import ElasticsearchStore
from crawler.testing.elasticsearch import ElasticsearchServer

pytestmark = pytest.mark.elasticsearch

WORKER = Path(__file__).with_name("es_fixtures.py")
T0 = datetime(2026, 11, 20, tzinfo=UTC)


@pytest.fixture
def outage_server(es_server: ElasticsearchServer) -> Iterator[ElasticsearchServer]:
    """The session's server, stopped and restarted by the test; running again afterwards."""
    try:
        yield es_server
    finally:
        es_server.start()  # no-op when it is running


def _env(prefix: str, spool: Path) -> dict[str, str]:
    return {
        "STORE_INDEX_PREFIX": prefix,
        "STORE_SPOOL_DIR": str(spool),
        "STORE_BULK_MAX_RETRIES": "1",
        "STORE_BULK_RETRY_BACKOFF": "0.1",
        "STORE_SPOOL_RETRY_INTERVAL": "0.5",
        "ELASTICSEARCH_REQUEST_TIMEOUT": "10",
    }


async def _wait_for_empty_spool(store: ElasticsearchStore, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while store.spool.segments() or store.spool.pending():
        assert time.monotonic() < deadline, "spool not replayed"
        await asyncio.sleep(0.2)


@pytest.mark.timeout(600)
async def test_elasticsearch_down_mid_crawl_loses_and_duplicates_nothing(
    outage_server: ElasticsearchServer, prefix: str, tmp_path: Path
) -> None:
    store = es_store(outage_server.url, _env(prefix, tmp_path / "spool"))
    # A crawl binds its stats collector: the store's counters show there under store/.
    crawl_stats = MemoryStatsCollector(SimpleNamespace(settings=Settings()))
    store.bind_stats(crawl_stats)
    await store.open()
    n, step = 300, 20
    latest: dict[str, int] = {}
    during_outage = []
    try:
        for k, start in enumerate(range(0, n, step)):
            if k == 5:
                await asyncio.to_thread(outage_server.stop)
            if k == 10:
                await asyncio.to_thread(outage_server.start)
            # Every third chunk also revisits earlier listings with new content and prices.
            chunk = [make_listing(i) for i in range(start, start + step)]
            if k % 3 == 2:
                chunk += [make_listing(i, version=1) for i in range(start - 40, start - 30)]
            results = await store.upsert(chunk, T0 + timedelta(minutes=k))
            assert len(results) == len(chunk)
            for lst in chunk:
                latest[lst.id] = 1 if "revision" in lst.title else 0
            if 5 <= k < 10:
                during_outage += results
        await _wait_for_empty_spool(store)
        assert store.stats["spooled"] > 0 and store.stats["replayed"] > 0
        assert store.stats["retries"] > 0 and store.stats["bulk_requests"] > 0
        counted = {k.removeprefix("store/"): v for k, v in crawl_stats.get_stats().items()}
        assert counted == {k: v for k, v in store.stats.items() if v}
        # Results during the outage: new ids NEW, revisited known ids CHANGED.
        assert {r.outcome for r in during_outage} == {UpsertOutcome.NEW, UpsertOutcome.CHANGED}
        await store.refresh()
        assert await store.count() == n
        for i in range(n):
            stored = await store.get(make_listing(i).id)
            version = latest[stored.id]
            assert stored.title == make_listing(i, version).title
            assert len(stored.price_history) == 1 + version, (i, stored.price_history)
            assert stored.first_seen == T0 + timedelta(minutes=i // step)
    finally:
        await store.close()


@pytest.mark.timeout(600)
async def test_crawler_killed_while_spooling_is_replayed_on_next_start(
    outage_server: ElasticsearchServer, prefix: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    env = _env(prefix, spool)
    acked = tmp_path / "acked.jsonl"
    outage_server.stop()
    try:
        proc = subprocess.Popen(
            [
                sys.executable,
                str(WORKER),
                "spool-forever",
                outage_server.url,
                str(acked),
                "150",
                "0",
            ],
            env={**os.environ, **env},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 180
            while not acked.exists() or len(acked.read_text().splitlines()) < 150:
                assert proc.poll() is None, proc.stderr.read().decode()[-3000:]
                assert time.monotonic() < deadline, "worker did not spool 150 listings"
                time.sleep(0.2)
        finally:
            proc.send_signal(signal.SIGKILL)
            proc.wait(timeout=30)
    finally:
        outage_server.start()
    ids = [json.loads(line)["id"] for line in acked.read_text().splitlines()]
    assert len(ids) == len(set(ids)) == 150
    # The next crawler start replays the killed crawler's spool before anything else.
    store = es_store(outage_server.url, env)
    await store.open()
    try:
        assert not store.spool.segments()
        await store.refresh()
        assert await store.count() == 150
        got = await store.client.mget(index=store.listings_alias, ids=ids)
        assert all(d["found"] for d in got["docs"])
    finally:
        await store.close()
