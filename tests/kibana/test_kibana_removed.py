"""The "Removed listings" saved search: its object, and its query run the way Kibana sends it
against the real Elasticsearch test server, on an index with the project's listings mapping
and listing documents as the store writes them (documents.listing_document)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from crawler.kibana.objects import REMOVED, saved_objects
from crawler.models import EvidenceRef, Listing, listing_id
from crawler.store.elasticsearch import listing_mapping
from crawler.store.elasticsearch.documents import listing_document
from crawler.testing.elasticsearch import ElasticsearchServer

T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)


@pytest.fixture
def search() -> dict:
    [obj] = [o for o in saved_objects("flagwatch") if o["id"] == "flagwatch-removed"]
    return obj


def test_removed_listings_search_object(search: dict) -> None:
    attrs = search["attributes"]
    assert attrs["title"] == "Removed listings"
    assert search["references"][0]["id"] == "flagwatch-listings"
    assert attrs["sort"] == [["removed_at", "desc"]]
    assert {"platform", "removed_at", "last_seen", "evidence.file", "evidence.record_id"} <= set(
        attrs["columns"]
    )
    source = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
    assert source["query"] == {"query": REMOVED, "language": "kuery"}
    assert REMOVED == "removed_at : *"


def listing(n: int, removed_hours: int | None, returned: bool = False) -> Listing:
    removed = T0 + timedelta(hours=removed_hours) if removed_hours is not None else None
    return Listing(
        id=listing_id("demo-classifieds", str(n)), platform="demo-classifieds",
        url=f"http://127.0.0.1:9/ad/{n}", title=f"Listing {n}", last_seen=T0 - timedelta(hours=1),
        missed_walks=2 if removed else 0, removed_at=removed,
        returned_at=T0 + timedelta(hours=9) if returned else None,
        evidence=EvidenceRef(
            file="warc/demo-classifieds/run-1/00000.warc.gz", offset=10 * n, length=99,
            record_id=f"<urn:uuid:{uuid.UUID(int=n)}>", sha256="cd" * 32,
            uri=f"http://127.0.0.1:9/ad/{n}", captured_at=T0 - timedelta(hours=1),
        ),
    )  # fmt: skip


@pytest.fixture
def listings_index(es_server: ElasticsearchServer) -> Iterator[str]:
    index = f"t{uuid.uuid4().hex[:10]}-listings-v2"
    settings = {"number_of_shards": 1, "number_of_replicas": 0}
    es_server.request("PUT", f"/{index}", {"settings": settings, "mappings": listing_mapping()})
    # Removed at 6:00 and at 12:00; one online; one that came back (removed_at cleared).
    for x in (listing(1, 0), listing(2, 6), listing(3, None), listing(4, None, returned=True)):
        es_server.request("PUT", f"/{index}/_doc/{x.id}", listing_document(x))
    es_server.request("POST", f"/{index}/_refresh")
    try:
        yield index
    finally:
        es_server.request("DELETE", f"/{index}")


@pytest.mark.elasticsearch
def test_removed_listings_search_on_elasticsearch(
    es_server: ElasticsearchServer, listings_index: str, search: dict
) -> None:
    attrs = search["attributes"]
    body = {
        "size": 100,
        "query": {"bool": {"should": [{"exists": {"field": "removed_at"}}]}},  # `f : *` in KQL
        "sort": [{field: {"order": order}} for field, order in attrs["sort"]],
        "_source": [c for c in attrs["columns"] if not c.startswith("evidence.")] + ["evidence"],
    }
    hits = es_server.request("POST", f"/{listings_index}/_search", body)["hits"]["hits"]
    assert [h["_id"] for h in hits] == [listing(2, 6).id, listing(1, 0).id]  # latest first
    first = hits[0]["_source"]
    assert first["removed_at"] == "2026-11-02T12:00:00Z" and first["missed_walks"] == 2
    assert first["evidence"]["record_id"] == listing(2, 6).evidence.record_id  # type: ignore[union-attr]
