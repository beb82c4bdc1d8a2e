"""Two processes upserting the same listings into one SQLite file at once."""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from sqlite_workers import shared_listings, upsert_all

from crawler.store.sqlite import SqliteStore

pytestmark = pytest.mark.e2e  # real servers or crawl processes

COUNT = 500


def collect(results: Any, workers: list[Any], deadline: float) -> list[Any]:
    """One result per worker; fails as soon as a worker dies without reporting."""
    out: list[Any] = []
    while len(out) < len(workers):
        try:
            out.append(results.get(timeout=0.5))
        except queue.Empty:
            dead = [w.exitcode for w in workers if w.exitcode not in (None, 0)]
            assert not dead, f"a worker process failed (exit codes {dead})"
            assert time.monotonic() < deadline, "workers did not finish in time"
    return out


async def test_two_processes_get_exactly_one_new_per_listing(tmp_path: Path) -> None:
    path = tmp_path / "shared" / "crawler.db"
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(2)
    results = ctx.Queue()
    # One walks the listings forwards, the other backwards: they meet on the same ids.
    workers = [
        ctx.Process(target=upsert_all, args=(str(path), COUNT, 10, reverse, barrier, results))
        for reverse in (False, True)
    ]
    try:
        for w in workers:
            w.start()
        outcomes = collect(results, workers, deadline=time.monotonic() + 180)
        for w in workers:
            w.join(timeout=30)
            assert w.exitcode == 0
    finally:
        for w in workers:
            if w.is_alive():
                w.terminate()
                w.join(timeout=10)

    news = Counter(i for per_process in outcomes for i, outcome in per_process if outcome == "new")
    assert sum(news.values()) == COUNT
    assert all(n == 1 for n in news.values())
    assert all(len(per_process) == COUNT for per_process in outcomes)
    assert {o for per_process in outcomes for _, o in per_process} == {"new", "unchanged"}

    listings = shared_listings(COUNT)
    async with SqliteStore(path) as store:
        assert await store.count() == COUNT
        # Whoever stored which listing, each was linked exactly once, one process at a time:
        # arrival numbers 1..COUNT without a gap or a repeat, and each listing's cluster
        # holds it (the linking state and the listings agree).
        ids = [x.id for x in listings]
        stored = {x.id: x.cluster_id for x in await store.get_many(ids)}
        recs = await store.cluster_documents([f"rec:{i}" for i in ids])
        assert sorted(recs[f"rec:{i}"]["seq"] for i in ids) == list(range(1, COUNT + 1))
        assert all(recs[f"rec:{i}"]["cluster"] == stored[i] for i in ids)
        clusters = await store.cluster_documents([f"cl:{c}" for c in set(stored.values())])
        for cluster, doc in clusters.items():
            members = {m for m, _ in doc["members"]}
            assert members == {i for i, c in stored.items() if f"cl:{c}" == cluster}
