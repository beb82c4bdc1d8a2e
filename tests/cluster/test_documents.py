"""The document-backed index (what both stores run) links exactly as the in-memory one.

Both stores keep actor-linking state as key -> JSON documents (crawler.cluster.documents):
SQLite loads them inside its transaction, Elasticsearch fetches what a listing asks for and
tries again. Here the documents live in a dict, read both ways; the clusters, links and
merges must be the memory index's, on a world with footers, hubs and actors.
"""

from __future__ import annotations

import asyncio
import functools
import json

import pytest

from crawler.cluster import ActorClusterer, ClusterListing, MemoryClusterIndex
from crawler.cluster.documents import (
    ClusterDocuments,
    DocumentBoilerplate,
    DocumentClusterIndex,
    NeedDocuments,
    with_documents,
)
from crawler.demo.actors import actor_world


@pytest.fixture(scope="module")
def world() -> list[ClusterListing]:
    w = actor_world(2, "tune", actors=8, posters=60)
    return [ClusterListing.from_listing(x) for x in w.listings()]


def _partition(members: dict[str, list[str]]) -> dict[str, list[str]]:
    return {c: sorted(m) for c, m in members.items() if m}


def _memory(listings: list[ClusterListing]) -> tuple[ActorClusterer, dict[str, str]]:
    clusterer = ActorClusterer(MemoryClusterIndex())
    got = {x.id: clusterer.add(x).cluster for x in listings}
    return clusterer, got


class DictStore:
    """Documents as a store holds them: JSON text by key (what goes in comes back equal)."""

    def __init__(self) -> None:
        self.rows: dict[str, str] = {}
        self.fetches = 0

    def load(self, keys) -> dict:
        self.fetches += 1
        return {k: json.loads(self.rows[k]) for k in keys if k in self.rows}

    def write(self, changes: dict) -> None:
        for key, doc in changes.items():
            if doc is None:
                self.rows.pop(key, None)
            else:
                self.rows[key] = json.dumps(doc)


def _document_clusterer(docs: ClusterDocuments) -> ActorClusterer:
    return ActorClusterer(DocumentClusterIndex(docs), DocumentBoilerplate(docs))


def test_documents_with_a_loader_link_as_the_memory_index(world):
    memory, expected = _memory(world)
    store = DictStore()
    got = {}
    # A fresh document layer per batch of 7, as a store does per transaction.
    for start in range(0, len(world), 7):
        docs = ClusterDocuments(store.load)
        clusterer = _document_clusterer(docs)
        for x in world[start : start + 7]:
            got[x.id] = clusterer.add(x).cluster
        store.write(docs.take_changes())
    assert got == expected
    assert len(set(got.values())) < len(got) - 10  # the world does link
    docs = ClusterDocuments(store.load)
    clusterer = _document_clusterer(docs)
    for cluster in set(expected.values()):
        assert clusterer.index.members(cluster) == memory.index.members(cluster)
        assert clusterer.index.links(cluster) == memory.index.links(cluster)
        assert clusterer.index.merges(cluster) == memory.index.merges(cluster)


def test_documents_fetched_on_demand_link_as_the_memory_index(world):
    _, expected = _memory(world)
    store = DictStore()

    async def fetch(keys):
        return store.load(keys)

    async def run() -> dict[str, str]:
        got = {}
        for start in range(0, len(world), 10):
            docs = ClusterDocuments()  # no loader: NeedDocuments, fetch, try again
            clusterer = _document_clusterer(docs)
            for x in world[start : start + 10]:
                add = functools.partial(clusterer.add, x)
                got[x.id] = (await with_documents(docs, add, fetch)).cluster
            store.write(docs.take_changes())
        return got

    assert asyncio.run(run()) == expected
    assert store.fetches > len(world)  # it did have to fetch, listing by listing


def test_an_attempt_that_needs_documents_leaves_nothing_behind():
    docs = ClusterDocuments()
    docs.provide({"seq": {"n": 4}})
    index = DocumentClusterIndex(docs)
    with pytest.raises(NeedDocuments) as need, docs.attempt():
        assert index.next_seq() == 5
        index.record("abc")
    assert need.value.keys == ["rec:abc"]
    assert docs.get("seq") == {"n": 4}
    assert docs.take_changes() == {}


def test_an_absorbed_cluster_resolves_to_the_one_that_kept_it(world):
    store = DictStore()
    docs = ClusterDocuments(store.load)
    clusterer = _document_clusterer(docs)
    merges = []
    for x in world:
        merges += clusterer.add(x).merges
    assert merges, "the world has merges"
    m = merges[0]
    final = clusterer.index.resolve(m.kept)
    assert clusterer.index.resolve(m.absorbed) == final
    assert clusterer.index.cluster(m.absorbed) is None
    assert clusterer.index.resolve("cl-nothing") is None
