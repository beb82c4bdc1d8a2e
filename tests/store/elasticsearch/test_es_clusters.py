"""Actor clusters: SQLite and Elasticsearch give identical clusters for the same listings.

The actors' world (crawler/demo/actors.py: actors posting across platforms with rotating
numbers, ads without identifiers, a platform-wide footer address, independent posters of
short generic ads) is stored in both stores in the same batches; every listing must end
in the same cluster, every cluster must read the same (members, linking identifiers,
hubs, template, merges), and Kibana's `cluster_size` must be each cluster's size.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from crawler.demo.actors import actor_world
from crawler.models import ClusterQuery
from crawler.store.sqlite import SqliteStore

BATCH = 25


@pytest.fixture(scope="module")
def world():
    return actor_world(seed=4, split="tune", actors=8, posters=60)


async def _fill(store, listings) -> None:
    for start in range(0, len(listings), BATCH):
        batch = listings[start : start + BATCH]
        await store.upsert(batch, max(x.posted_at for x in batch) + timedelta(hours=1))


def _pairwise_precision(clusters: dict[str, str], truth: dict[str, str]) -> float:
    by_cluster = Counter(clusters.values())
    same = sum(n * (n - 1) // 2 for n in by_cluster.values())
    right = sum(
        n * (n - 1) // 2 for n in Counter((c, truth[i]) for i, c in clusters.items()).values()
    )
    return right / same if same else 1.0


async def test_both_stores_give_identical_clusters(world, store, tmp_path) -> None:
    listings = world.listings()
    ids = [x.id for x in listings]
    async with SqliteStore(tmp_path / "crawler.db") as sqlite:
        await _fill(sqlite, listings)
        await _fill(store, listings)
        await store.refresh()
        in_sqlite = {x.id: x.cluster_id for x in await sqlite.get_many(ids)}
        in_es = {x.id: x.cluster_id for x in await store.get_many(ids)}
        assert in_sqlite == in_es
        assert all(c and c.startswith("cl-") for c in in_es.values())
        sizes = Counter(in_es.values())
        assert sizes.most_common(1)[0][1] >= 15  # actors' ads were linked...
        assert _pairwise_precision(in_es, world.truth()) >= 0.95  # ...to their own actor

        query = ClusterQuery(limit=100, now=datetime.now(UTC))
        a, b = await sqlite.clusters(query), await store.clusters(query)
        assert [s.id for s in a] == [s.id for s in b]
        assert len(a) >= 8
        for x, y in zip(a, b, strict=True):
            assert (x.members, x.identifiers, x.platform_identifiers) == (
                y.members,
                y.identifiers,
                y.platform_identifiers,
            )
            assert (x.template, x.links, x.merges, x.risk) == (
                y.template,
                y.links,
                y.merges,
                y.risk,
            )
        # The footer platform's support address is a hub: shown, never linking.
        assert any(s.platform_identifiers for s in b)

        # Kibana reads cluster_size on each listing document: at least half the cluster's
        # size (refreshed on every member each time the cluster doubles), 2+ in a cluster.
        resp = await store.client.search(
            index=store.listings_alias, size=len(ids), source=["cluster_id", "cluster_size"]
        )
        got = {hit["_id"]: hit["_source"] for hit in resp["hits"]["hits"]}
        assert len(got) == len(ids)
        for src in got.values():
            size = sizes[src["cluster_id"]]
            assert size / 2 <= src["cluster_size"] <= size, (src, size)
            assert (src["cluster_size"] >= 2) == (size >= 2)
        stored = {x.id: x.cluster_size for x in await sqlite.get_many(ids)}
        assert stored == {i: src["cluster_size"] for i, src in got.items()}


async def test_a_second_run_of_the_same_crawl_changes_no_cluster(world, store) -> None:
    listings = world.listings()[:120]
    await _fill(store, listings)
    first = {x.id: x.cluster_id for x in await store.get_many([x.id for x in listings])}
    results = []
    for start in range(0, len(listings), BATCH):
        batch = listings[start : start + BATCH]
        results += await store.upsert(batch, datetime.now(UTC))
    assert {r.id: r.listing.cluster_id for r in results} == first


async def test_a_merged_cluster_id_leads_to_the_cluster_that_absorbed_it(world, store) -> None:
    await _fill(store, world.listings())
    merged = [m for s in await store.clusters(ClusterQuery(limit=100)) for m in s.merges]
    assert merged, "the world has merges"
    m = merged[0]
    assert await store.resolve_cluster(m.absorbed) == m.kept
    summary = await store.cluster_summary(m.absorbed)
    assert summary is not None and summary.id == m.kept
    assert await store.cluster_summary("cl-unknown") is None
