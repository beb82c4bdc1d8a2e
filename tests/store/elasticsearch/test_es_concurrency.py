"""Two crawler processes upserting the same listings at the same moment (optimistic concurrency)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from es_fixtures import make_listing

from crawler.store.elasticsearch import ElasticsearchStore

pytestmark = pytest.mark.elasticsearch

WORKER = Path(__file__).with_name("es_fixtures.py")
N = 1000


def _run_pair(url: str, env: dict[str, str], tmp: Path, version: int) -> list[dict]:
    start_at = time.time() + 6  # both processes have imported and opened the store by then
    outs = [tmp / f"w{version}-{k}.json" for k in range(2)]
    procs = [
        subprocess.Popen(
            [sys.executable, str(WORKER), "upsert", url, str(out), str(N), str(version)],
            env={**os.environ, **env, "FW_START_AT": str(start_at)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for out in outs
    ]
    try:
        for p in procs:
            _, err = p.communicate(timeout=300)
            assert p.returncode == 0, err.decode()[-3000:]
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    return [json.loads(out.read_text()) for out in outs]


@pytest.mark.timeout(900)
async def test_two_processes_report_each_change_exactly_once(
    es_server, store_env, make_store, tmp_path: Path
) -> None:
    first = _run_pair(es_server.url, store_env, tmp_path, version=0)
    ids = {make_listing(i).id for i in range(N)}
    a, b = first[0]["results"], first[1]["results"]
    assert set(a) == set(b) == ids
    for lid in ids:
        assert sorted([a[lid], b[lid]]) == ["new", "unchanged"], lid
    second = _run_pair(es_server.url, store_env, tmp_path, version=1)
    a, b = second[0]["results"], second[1]["results"]
    for lid in ids:
        assert sorted([a[lid], b[lid]]) == ["changed", "unchanged"], lid
    # The processes did collide (otherwise this test would prove nothing).
    conflicts = sum(r["stats"]["conflicts"] for r in first + second)
    assert conflicts > 0
    store: ElasticsearchStore = make_store()
    await store.open()
    try:
        await store.refresh()
        assert await store.count() == N
        for i in (0, 1, N // 2, N - 1):
            stored = await store.get(make_listing(i).id)
            assert stored.title == make_listing(i, 1).title
            # One price change: exactly two points, whatever process wrote them.
            assert len(stored.price_history) == 2
    finally:
        await store.close()
