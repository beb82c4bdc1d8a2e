"""Crawl jobs carry their health (crawler.health) in both stores, and both answer
`latest_judged_jobs()`: every platform's most recent judged job, for `crawler health`."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.models import CrawlHealth, CrawlJob, HealthReason
from crawler.store import ListingStore

T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def health(status: str = "healthy", *codes: str) -> CrawlHealth:
    return CrawlHealth(
        status=status,  # type: ignore[arg-type]
        reasons=[
            HealthReason(
                code=code,
                severity="failing" if status == "failing" else "degraded",
                message=f"selector list.item matched 0 entries on {i + 3} list page(s)",
                advice="the layout may have changed: check the profile's selectors",
                value=i + 3,
                threshold=0,
            )
            for i, code in enumerate(codes)
        ],
        metrics={"entries": 0.0, "list_pages": 4.0, "entries_per_list_page": 12.5},
        checked_at=T0 + timedelta(minutes=5),
    )


def job(platform: str, hour: int, h: CrawlHealth | None, status: str = "finished") -> CrawlJob:
    return CrawlJob(
        id=f"{platform}-{hour}",
        platform=platform,
        started_at=T0 + timedelta(hours=hour),
        status=status,
        new=hour,
        health=h,
    )


@pytest.fixture(params=["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)])
async def any_store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[ListingStore]:
    from crawler.config import crawler_settings
    from crawler.store import open_store

    values: dict[str, Any] = {"CRAWLER_DATA_DIR": str(tmp_path)}
    if request.param == "elasticsearch":
        server = request.getfixturevalue("es_server")
        values.update(
            STORE_URL=server.url,
            STORE_INDEX_PREFIX=f"t{uuid.uuid4().hex[:10]}",
            STORE_SPOOL_DIR=str(tmp_path / "spool"),
        )
    store = open_store(crawler_settings(environ={}, overrides=values))
    await store.open()
    try:
        yield store
    finally:
        await store.close()


async def refreshed(store: ListingStore) -> ListingStore:
    refresh = getattr(store, "refresh", None)
    if refresh is not None:
        await refresh()
    return store


async def test_a_jobs_health_is_stored_and_read_back(any_store: ListingStore) -> None:
    judged = job("demo-a", 1, health("failing", "list_zero_entries", "items_drop"))
    await any_store.save_job(judged)
    (back,) = await (await refreshed(any_store)).jobs("demo-a")
    assert back.health == judged.health
    assert back.health is not None and back.health.reasons[0].code == "list_zero_entries"
    assert back.health.metrics["entries_per_list_page"] == 12.5


async def test_latest_judged_jobs_one_per_platform(any_store: ListingStore) -> None:
    for j in [
        job("demo-a", 1, health()),
        job("demo-a", 2, health("degraded", "coverage_drop:price")),
        job("demo-a", 3, None, status="running"),  # not judged yet: the one before counts
        job("demo-b", 1, health("failing", "login_wall")),
        job("demo-b", 2, health()),
        job("demo-c", 1, None),  # recorded before crawl health: no judgement at all
    ]:
        await any_store.save_job(j)
    latest = await (await refreshed(any_store)).latest_judged_jobs()
    assert [(j.platform, j.id) for j in latest] == [("demo-a", "demo-a-2"), ("demo-b", "demo-b-2")]
    assert latest[0].health is not None and latest[0].health.status == "degraded"
    assert [j.id for j in await any_store.jobs("demo-a", limit=2)] == ["demo-a-3", "demo-a-2"]


@pytest.mark.elasticsearch
async def test_an_existing_jobs_index_gains_the_health_mapping(es_server, tmp_path) -> None:
    """A jobs index created before crawl health keeps working and gets the health fields."""
    from elasticsearch import AsyncElasticsearch

    from crawler.config import crawler_settings
    from crawler.store import open_store

    prefix = f"t{uuid.uuid4().hex[:10]}"
    client = AsyncElasticsearch(es_server.url)
    try:
        old_mapping = {
            "dynamic": True,
            "dynamic_templates": [
                {
                    "strings": {
                        "match_mapping_type": "string",
                        "mapping": {"type": "keyword", "ignore_above": 1024},
                    }
                }
            ],
            "properties": {
                "id": {"type": "keyword"},
                "platform": {"type": "keyword"},
                "started_at": {"type": "date"},
                "status": {"type": "keyword"},
            },
        }
        await client.indices.create(index=f"{prefix}-jobs", mappings=old_mapping)
        old = job("demo-a", 1, None)
        await client.index(
            index=f"{prefix}-jobs", id=old.id, document=old.model_dump(mode="json"), refresh=True
        )
        settings = crawler_settings(
            environ={},
            overrides={
                "STORE_URL": es_server.url,
                "STORE_INDEX_PREFIX": prefix,
                "STORE_SPOOL_DIR": str(tmp_path / "spool"),
                "CRAWLER_DATA_DIR": str(tmp_path),
            },
        )
        async with open_store(settings) as store:
            await store.save_job(job("demo-a", 2, health("degraded", "captcha")))
            await store.refresh()  # type: ignore[attr-defined]
            assert [j.id for j in await store.jobs("demo-a")] == ["demo-a-2", "demo-a-1"]
            (latest,) = await store.latest_judged_jobs()
            assert latest.id == "demo-a-2"
        mapping = (await client.indices.get_mapping(index=f"{prefix}-jobs"))[f"{prefix}-jobs"]
        props = mapping["mappings"]["properties"]["health"]["properties"]
        assert props["status"]["type"] == "keyword"
        assert props["reasons"]["properties"]["code"]["type"] == "keyword"
        assert props["reasons"]["properties"]["message"]["type"] == "text"
        assert props["metrics"]["properties"]["entries"]["type"] == "double"
        found = await client.search(
            index=f"{prefix}-jobs",
            query={
                "bool": {
                    "filter": [
                        {"term": {"health.reasons.code": "captcha"}},
                        {"term": {"health.status": "degraded"}},
                    ],
                    "must": [{"match": {"health.reasons.message": "entries"}}],
                }
            },
        )
        assert [h["_id"] for h in found["hits"]["hits"]] == ["demo-a-2"]
    finally:
        made = await client.indices.get(index=f"{prefix}-*")
        if made.body:
            await client.indices.delete(index=",".join(made.body))
        await client.close()
