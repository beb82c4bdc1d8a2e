"""The crawl-health objects: status per platform over time, the reasons, "Degraded platforms".

Kibana cannot run here, so the objects' queries and aggregations are run the way Kibana
sends them (KQL `field : "value" or ...` as a bool `should` of term queries, `field : *` as
`exists`, buckets nested in the order of the aggs) against the real Elasticsearch test
server, on an index with the project's jobs mapping and job documents as the store writes
them (CrawlJob.model_dump with its health), and the rows checked.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawler.kibana.objects import NOT_HEALTHY, saved_objects
from crawler.models import CrawlHealth, CrawlJob, HealthReason
from crawler.store.elasticsearch import job_mapping
from crawler.testing.elasticsearch import ElasticsearchServer


@pytest.fixture
def by_id() -> dict[str, dict]:
    return {o["id"]: o for o in saved_objects("flagwatch")}


def _source(obj: dict) -> dict:
    return json.loads(obj["attributes"]["kibanaSavedObjectMeta"]["searchSourceJSON"])


def test_health_objects_use_the_jobs_view_and_are_on_the_dashboard(by_id: dict) -> None:
    search = by_id["flagwatch-degraded-platforms"]
    assert search["attributes"]["title"] == "Degraded platforms"
    assert search["references"][0]["id"] == "flagwatch-jobs"
    assert search["attributes"]["sort"] == [["started_at", "desc"]]
    assert {"platform", "health.status", "health.reasons.code"} <= set(
        search["attributes"]["columns"]
    )
    on_dashboard = {r["id"] for r in by_id["flagwatch-overview"]["references"]}
    for vis_id in ("flagwatch-vis-health-status", "flagwatch-vis-health-reasons"):
        assert vis_id in on_dashboard
        assert by_id[vis_id]["references"][0]["id"] == "flagwatch-jobs"
    state = json.loads(by_id["flagwatch-vis-health-status"]["attributes"]["visState"])
    fields = {a["schema"]: a["params"].get("field") for a in state["aggs"]}
    assert fields == {
        "metric": None,
        "segment": "started_at",
        "group": "health.status",
        "split": "platform",
    }


# -- the queries against a real Elasticsearch ------------------------------------------------
_TERM = re.compile(r'([A-Za-z_][\w.]*)\s*:\s*("[^"]*"|\*)')


def kql_to_dsl(query: str) -> dict:
    """The KQL these objects use (`f : "v"` joined by `or`, `f : *`) as Kibana translates it."""
    should = []
    for part in re.split(r"\s+or\s+", query.strip()):
        m = _TERM.fullmatch(part)
        assert m, f"KQL this test cannot translate: {part!r}"
        field, value = m.groups()
        should.append(
            {"exists": {"field": field}} if value == "*" else {"match": {field: value.strip('"')}}
        )
    return {"bool": {"should": should, "minimum_should_match": 1}}


def agg_request(vis: dict) -> dict:
    """Kibana's search for an aggregation-based vis: buckets nested in agg order (split
    charts outermost), the metrics under the innermost bucket."""
    state = json.loads(vis["attributes"]["visState"])
    rank = {"split": 0, "segment": 1, "group": 2, "bucket": 1}
    buckets = sorted(
        (a for a in state["aggs"] if a["schema"] != "metric"), key=lambda a: rank[a["schema"]]
    )
    metrics = {
        a["id"]: {a["type"]: {"field": a["params"]["field"]}}
        for a in state["aggs"]
        if a["schema"] == "metric" and a["type"] != "count"
    }
    inner: dict[str, Any] = metrics
    for b in reversed(buckets):
        p = b["params"]
        if b["type"] == "date_histogram":
            spec: dict[str, Any] = {"date_histogram": {"field": p["field"], "fixed_interval": "1h"}}
        else:
            key = "_key" if p["orderBy"] == "_key" else "_count"
            spec = {"terms": {"field": p["field"], "size": p["size"], "order": {key: p["order"]}}}
        if inner:
            spec["aggs"] = inner
        inner = {b["id"]: spec}
    return {"size": 0, "query": kql_to_dsl(_source(vis)["query"]["query"]), "aggs": inner}


T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
LAYOUT = HealthReason(
    code="list_zero_entries",
    severity="failing",
    message="selector list.item matched 0 entries on 3 list pages",
    advice="the layout may have changed",
)
COVERAGE = HealthReason(
    code="coverage_drop:price",
    severity="degraded",
    message="field price found on 40% of listings",
    advice="the price selector may have changed",
)


def _job(platform: str, hour: int, status: str | None, *reasons: HealthReason) -> dict:
    started = T0 + timedelta(hours=hour)
    job = CrawlJob(
        id=f"{platform}-{hour:02d}",
        platform=platform,
        started_at=started,
        finished_at=started + timedelta(minutes=3),
        status="finished",
        items=40,
        health=CrawlHealth(status=status, reasons=list(reasons), checked_at=started)  # type: ignore[arg-type]
        if status
        else None,
    )
    return job.model_dump(mode="json")


def demo_jobs() -> list[dict]:
    """demo-jobs healthy for 4 runs; demo-classifieds healthy, then failing twice (layout,
    then layout and price coverage), then healthy; demo-forum degraded once; one job
    recorded before health existed."""
    return [
        *(_job("demo-jobs", h, "healthy") for h in range(4)),
        _job("demo-classifieds", 0, "healthy"),
        _job("demo-classifieds", 1, "failing", LAYOUT),
        _job("demo-classifieds", 2, "failing", LAYOUT, COVERAGE),
        _job("demo-classifieds", 3, "healthy"),
        _job("demo-forum", 0, "healthy"),
        _job("demo-forum", 2, "degraded", COVERAGE),
        _job("demo-forum", 3, None),
    ]


@pytest.fixture
def jobs_index(es_server: ElasticsearchServer) -> Iterator[str]:
    index = f"t{uuid.uuid4().hex[:10]}-jobs"
    settings = {"number_of_shards": 1, "number_of_replicas": 0}
    es_server.request("PUT", f"/{index}", {"settings": settings, "mappings": job_mapping()})
    for doc in demo_jobs():
        es_server.request("PUT", f"/{index}/_doc/{doc['id']}", doc)
    es_server.request("POST", f"/{index}/_refresh")
    try:
        yield index
    finally:
        es_server.request("DELETE", f"/{index}")


@pytest.mark.elasticsearch
def test_degraded_platforms_search_on_elasticsearch(
    es_server: ElasticsearchServer, jobs_index: str, by_id: dict
) -> None:
    attrs = by_id["flagwatch-degraded-platforms"]["attributes"]
    assert _source(by_id["flagwatch-degraded-platforms"])["query"]["query"] == NOT_HEALTHY
    body = {
        "size": 100,
        "query": kql_to_dsl(NOT_HEALTHY),
        "sort": [{field: {"order": order}} for field, order in attrs["sort"]],
    }
    hits = es_server.request("POST", f"/{jobs_index}/_search", body)["hits"]["hits"]
    assert [h["_id"] for h in hits] == [
        "demo-classifieds-02",
        "demo-forum-02",
        "demo-classifieds-01",
    ]
    first = hits[0]["_source"]["health"]
    assert [r["code"] for r in first["reasons"]] == ["list_zero_entries", "coverage_drop:price"]


@pytest.mark.elasticsearch
def test_status_per_platform_over_time_on_elasticsearch(
    es_server: ElasticsearchServer, jobs_index: str, by_id: dict
) -> None:
    res = es_server.request(
        "POST", f"/{jobs_index}/_search", agg_request(by_id["flagwatch-vis-health-status"])
    )
    rows = {
        (p["key"], when["key_as_string"][11:16], s["key"])
        for p in res["aggregations"]["4"]["buckets"]
        for when in p["2"]["buckets"]
        for s in when["3"]["buckets"]
    }
    assert rows == {
        *(("demo-jobs", f"{6 + h:02d}:00", "healthy") for h in range(4)),
        ("demo-classifieds", "06:00", "healthy"),
        ("demo-classifieds", "07:00", "failing"),
        ("demo-classifieds", "08:00", "failing"),
        ("demo-classifieds", "09:00", "healthy"),
        ("demo-forum", "06:00", "healthy"),
        ("demo-forum", "08:00", "degraded"),
    }  # the job without a judgement is not drawn


@pytest.mark.elasticsearch
def test_reasons_per_platform_on_elasticsearch(
    es_server: ElasticsearchServer, jobs_index: str, by_id: dict
) -> None:
    res = es_server.request(
        "POST", f"/{jobs_index}/_search", agg_request(by_id["flagwatch-vis-health-reasons"])
    )
    rows = [
        (p["key"], r["key"], r["doc_count"], r["4"]["value_as_string"][11:16])
        for p in res["aggregations"]["2"]["buckets"]
        for r in p["3"]["buckets"]
    ]
    assert sorted(rows) == [
        ("demo-classifieds", "coverage_drop:price", 1, "08:00"),
        ("demo-classifieds", "list_zero_entries", 2, "08:00"),
        ("demo-forum", "coverage_drop:price", 1, "08:00"),
    ]
