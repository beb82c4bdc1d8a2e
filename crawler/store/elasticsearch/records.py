"""The writes besides listing upserts: touches (last_seen), crawl jobs, alerts, retention.

Touches, jobs and alerts go to the spool like listings when Elasticsearch is unavailable
(replay.py replays them with these same functions). Alerts are created with their id, so
storing one twice is a no-op (False). Retention deletes client-side (scan + bulk delete:
the test server has no _delete_by_query).
Settings: STORE_BULK_DOCS (documents per bulk).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from elasticsearch import ApiError, helpers

from crawler.models import CrawlJob, utcnow
from crawler.store.elasticsearch.connection import Connection
from crawler.store.elasticsearch.documents import aware


async def write_touch(conn: Connection, ids: Sequence[str], seen_at: datetime) -> None:
    """Set last_seen of the listings `ids` (those deleted meanwhile are skipped)."""
    index = conn.names.listings
    ops: list[dict[str, Any]] = []
    for lid in ids:
        ops.append({"update": {"_index": index, "_id": lid}})
        ops.append({"doc": {"last_seen": seen_at.isoformat()}})
    chunk = 2 * conn.config.bulk_docs
    for start in range(0, len(ops), chunk):
        await conn.bulk(ops[start : start + chunk])
    # 404 items are listings deleted meanwhile (retention): nothing to touch.


async def write_job(conn: Connection, job: CrawlJob) -> None:
    # Visible to the next read of the platform's jobs (the health alerts' previous judged
    # run, the next run's history) without waiting for the index refresh; two writes a run.
    await conn.retrying(
        conn.client.index,
        index=conn.names.jobs,
        id=job.id,
        document=job.model_dump(mode="json"),
        refresh=True,
    )


async def write_alert(conn: Connection, alert: dict[str, Any]) -> bool:
    """Create the alert's document; False when its id was stored before."""
    doc = json.loads(json.dumps(alert, default=str))
    # Ordered like the SQLite store: by its created_at (or at), else when it was saved.
    doc["stored_at"] = doc.get("created_at") or doc.get("at") or utcnow().isoformat()
    try:
        await conn.retrying(
            conn.client.create, index=conn.names.alerts, id=str(alert["id"]), document=doc
        )
    except ApiError as exc:
        if exc.meta.status == 409:
            return False
        raise
    return True


async def purge(
    conn: Connection, not_seen_since: datetime, keep: Collection[str] = ()
) -> list[str]:
    """Delete listings not seen since the date, except the ids in `keep`; returns their ids."""
    index = conn.names.listings
    kept = set(keep)
    ids = [
        hit["_id"]
        async for hit in helpers.async_scan(
            conn.client,
            index=index,
            query={"query": {"range": {"last_seen": {"lt": aware(not_seen_since).isoformat()}}}},
            _source=False,
        )
        if hit["_id"] not in kept
    ]
    chunk = conn.config.bulk_docs
    for start in range(0, len(ids), chunk):
        await conn.retrying(
            conn.client.bulk,
            operations=[
                {"delete": {"_index": index, "_id": i}} for i in ids[start : start + chunk]
            ],
        )
    return ids


async def evidence_files(conn: Connection) -> set[str]:
    """Every EvidenceRef.file of the stored listings and their price-history versions."""
    files: set[str] = set()
    async for hit in helpers.async_scan(
        conn.client,
        index=conn.names.listings,
        query={"query": {"match_all": {}}},
        _source=["evidence.file", "price_history.evidence.file"],
    ):
        source = hit.get("_source") or {}
        refs = [source.get("evidence")]
        refs += [
            p.get("evidence") for p in source.get("price_history") or [] if isinstance(p, dict)
        ]
        files.update(str(r["file"]) for r in refs if isinstance(r, dict) and r.get("file"))
    return files
