"""The actor-cluster objects: data view labels, the saved search, the two dashboard panels.

Kibana cannot run here, so the queries of the saved search and of the two panels are run
the way Kibana would send them (KQL range clauses as `range` queries, a terms bucket with
its metrics as sub-aggregations) against the real Elasticsearch test server, on an index
with the project's listing mapping and a dozen hand-made listings, and their rows checked.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawler.kibana.objects import IN_CLUSTER, saved_objects
from crawler.store.elasticsearch import listing_mapping
from crawler.testing.elasticsearch import (
    ElasticsearchServer,
)


@pytest.fixture
def by_id() -> dict[str, dict]:
    return {o["id"]: o for o in saved_objects("flagwatch")}


def _source(obj: dict) -> dict:
    return json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])


def test_listings_data_view_labels_and_formats_the_cluster_fields(by_id: dict) -> None:
    attrs = by_id["flagwatch-listings"]["attributes"]
    labels = json.loads(attrs["fieldAttrs"])
    assert labels == {
        "cluster_id": {"customLabel": "Actor cluster"},
        "cluster_size": {"customLabel": "Cluster size"},
    }
    formats = json.loads(attrs["fieldFormatMap"])
    assert formats == {"cluster_size": {"id": "number", "params": {"pattern": "0,0"}}}
    for other in ("flagwatch-alerts", "flagwatch-jobs"):
        assert not {"fieldAttrs", "fieldFormatMap"} & set(by_id[other]["attributes"])


def test_saved_search_lists_clustered_listings_largest_first(by_id: dict) -> None:
    search = by_id["flagwatch-clusters"]
    attrs = search["attributes"]
    assert attrs["title"] == "Listings in actor clusters"
    assert attrs["columns"][:5] == ["cluster_id", "cluster_size", "platform", "title", "risk_score"]
    assert attrs["sort"] == [["cluster_size", "desc"], ["first_seen", "desc"]]
    assert _source(search)["query"] == {"query": "cluster_size >= 2", "language": "kuery"}
    assert search["references"][0]["id"] == "flagwatch-listings"


def test_cluster_panels_are_on_the_dashboard(by_id: dict) -> None:
    dash = by_id["flagwatch-overview"]
    on_dashboard = {r["id"] for r in dash["references"]}
    for vis_id, title in [
        ("flagwatch-vis-largest-clusters", "Largest actor clusters"),
        ("flagwatch-vis-growing-clusters", "Fastest-growing clusters"),
    ]:
        vis = by_id[vis_id]
        assert vis_id in on_dashboard
        state = json.loads(vis["attributes"]["visState"])
        assert vis["attributes"]["title"] == state["title"] == title
        [bucket] = [a for a in state["aggs"] if a["schema"] == "bucket"]
        assert bucket["type"] == "terms"
        assert bucket["params"] == {
            "field": "cluster_id",
            "size": 20,
            "order": "desc",
            "orderBy": "1",
        }
        assert {"id": "1", "type": "count"}.items() <= state["aggs"][0].items()
        assert IN_CLUSTER in _source(vis)["query"]["query"]
    growing = _source(by_id["flagwatch-vis-growing-clusters"])["query"]["query"]
    assert 'first_seen >= "now-24h"' in growing


# -- the queries against a real Elasticsearch ------------------------------------------------
_CLAUSE = re.compile(r'([A-Za-z_][\w.]*)\s*(>=|<=|>|<)\s*("[^"]*"|\d+)')
_RANGE_OPS = {">=": "gte", "<=": "lte", ">": "gt", "<": "lt"}


def kql_to_dsl(query: str) -> dict:
    """The KQL our objects use (range clauses joined by `and`) as Kibana translates it."""
    if not query:
        return {"match_all": {}}
    clauses = []
    for part in re.split(r"\s+and\s+", query.strip()):
        m = _CLAUSE.fullmatch(part)
        assert m, f"KQL this test cannot translate: {part!r}"
        field, op, value = m.groups()
        bound: Any = value.strip('"') if value.startswith('"') else int(value)
        clauses.append({"range": {field: {_RANGE_OPS[op]: bound}}})
    return {"bool": {"filter": clauses}}


def vis_request(vis: dict) -> dict:
    """The search Kibana's aggregation-based table sends for `vis` (one terms bucket)."""
    state = json.loads(vis["attributes"]["visState"])
    metrics = [a for a in state["aggs"] if a["schema"] == "metric"]
    [bucket] = [a for a in state["aggs"] if a["schema"] == "bucket"]
    params = bucket["params"]
    [order_by] = [a for a in metrics if a["id"] == params["orderBy"]]
    assert order_by["type"] == "count"
    subs = {
        a["id"]: {a["type"]: {"field": a["params"]["field"]}}
        for a in metrics
        if a["type"] != "count"
    }
    terms = {"field": params["field"], "size": params["size"], "order": {"_count": params["order"]}}
    return {
        "size": 0,
        "query": kql_to_dsl(_source(vis)["query"]["query"]),
        "aggs": {bucket["id"]: {"terms": terms, "aggs": subs}},
    }


def table_rows(server: ElasticsearchServer, index: str, vis: dict) -> list[tuple]:
    """(cluster, listings, metric values by label) per row of the table, in table order."""
    state = json.loads(vis["attributes"]["visState"])
    labels = {
        a["id"]: a["params"]["customLabel"]
        for a in state["aggs"]
        if a["schema"] == "metric" and a["type"] != "count"
    }
    res = server.request("POST", f"/{index}/_search", vis_request(vis))
    return [
        (b["key"], b["doc_count"], {labels[i]: b[i]["value"] for i in labels})
        for b in res["aggregations"]["2"]["buckets"]
    ]


NOW = datetime.now(UTC).replace(microsecond=0)  # one instant: Elasticsearch keeps ms


def _listing(n: int, cluster: str, size: int | None, platform: str, age: timedelta, risk: int):
    doc = {
        "id": f"l{n:03d}",
        "platform": platform,
        "title": f"listing {n}",
        "risk_score": risk,
        "cluster_id": cluster,
        "first_seen": (NOW - age).isoformat(),
        "last_seen": NOW.isoformat(),
    }
    if size is not None:
        doc["cluster_size"] = size
    return doc


HOUR, DAY = timedelta(hours=1), timedelta(days=1)


def demo_listings() -> list[dict]:
    """cl-a: 4 listings on 3 platforms, 2 new; cl-b: 3 on one platform, all new; cl-c: 2,
    old; cl-z00..cl-z19: 20 old pairs (beyond the top 20); two listings alone (new); one
    listing indexed before cluster_size existed."""
    docs = [
        _listing(1, "cl-a", 4, "demo-classifieds", 1 * HOUR, 80),
        _listing(2, "cl-a", 4, "demo-classifieds", 2 * HOUR, 40),
        _listing(3, "cl-a", 4, "demo-jobs", 10 * DAY, 90),
        _listing(4, "cl-a", 4, "demo-forum", 12 * DAY, 10),
        _listing(5, "cl-b", 3, "demo-jobs", 3 * HOUR, 30),
        _listing(6, "cl-b", 3, "demo-jobs", 4 * HOUR, 20),
        _listing(7, "cl-b", 3, "demo-jobs", 5 * HOUR, 25),
        _listing(8, "cl-c", 2, "demo-forum", 5 * DAY, 60),
        _listing(9, "cl-c", 2, "demo-forum", 6 * DAY, 50),
        _listing(10, "cl-s1", 1, "demo-jobs", 1 * HOUR, 99),
        _listing(11, "cl-s2", 1, "demo-forum", 1 * HOUR, 99),
        _listing(12, "cl-old", None, "demo-forum", 1 * HOUR, 99),
    ]
    for k in range(20):
        for j in range(2):
            docs.append(_listing(100 + 2 * k + j, f"cl-z{k:02d}", 2, "demo-forum", 3 * DAY, 5))
    return docs


@pytest.fixture
def listings_index(es_server: ElasticsearchServer) -> Iterator[str]:
    index = f"t{uuid.uuid4().hex[:10]}-listings"
    mapping = listing_mapping()
    # The actor-clustering work adds cluster_size to the mapping; until then, add it here.
    mapping["properties"].setdefault("cluster_size", {"type": "integer"})
    settings = {"number_of_shards": 1, "number_of_replicas": 0}
    es_server.request("PUT", f"/{index}", {"settings": settings, "mappings": mapping})
    for doc in demo_listings():
        es_server.request("PUT", f"/{index}/_doc/{doc['id']}", doc)
    es_server.request("POST", f"/{index}/_refresh")
    try:
        yield index
    finally:
        es_server.request("DELETE", f"/{index}")


@pytest.mark.elasticsearch
def test_largest_clusters_panel_on_elasticsearch(
    es_server: ElasticsearchServer, listings_index: str, by_id: dict
) -> None:
    rows = table_rows(es_server, listings_index, by_id["flagwatch-vis-largest-clusters"])
    assert rows[:3] == [
        ("cl-a", 4, {"Platforms": 3, "Highest risk": 90}),
        ("cl-b", 3, {"Platforms": 1, "Highest risk": 30}),
        ("cl-c", 2, {"Platforms": 1, "Highest risk": 60}),
    ]
    # Top 20: ties in size by cluster id; listings alone and unsized ones are not clusters.
    assert [r[0] for r in rows[3:]] == [f"cl-z{k:02d}" for k in range(17)]


@pytest.mark.elasticsearch
def test_fastest_growing_clusters_panel_on_elasticsearch(
    es_server: ElasticsearchServer, listings_index: str, by_id: dict
) -> None:
    rows = table_rows(es_server, listings_index, by_id["flagwatch-vis-growing-clusters"])
    assert rows == [
        ("cl-b", 3, {"Cluster size": 3}),
        ("cl-a", 2, {"Cluster size": 4}),
    ]


@pytest.mark.elasticsearch
def test_clusters_saved_search_on_elasticsearch(
    es_server: ElasticsearchServer, listings_index: str, by_id: dict
) -> None:
    attrs = by_id["flagwatch-clusters"]["attributes"]
    body = {
        "size": 100,
        "query": kql_to_dsl(_source(by_id["flagwatch-clusters"])["query"]["query"]),
        "sort": [{field: {"order": order}} for field, order in attrs["sort"]],
        "_source": attrs["columns"],
    }
    hits = es_server.request("POST", f"/{listings_index}/_search", body)["hits"]["hits"]
    ids = [h["_id"] for h in hits]
    # Largest clusters first, then newest first: cl-a, cl-b, the pairs (3 days), cl-c (5, 6).
    assert ids[:7] == ["l001", "l002", "l003", "l004", "l005", "l006", "l007"]
    assert ids[-2:] == ["l008", "l009"]
    keys = [(h["_source"]["cluster_size"], h["_source"]["first_seen"]) for h in hits]
    assert keys == sorted(keys, reverse=True)
    assert len(ids) == 9 + 40 and not {"l010", "l011", "l012"} & set(ids)
    assert set(hits[0]["_source"]) == set(attrs["columns"])
