"""The writes besides listing upserts: touches (last_seen), misses, crawl jobs, alerts, retention.

Touches, jobs and alerts go to the spool like listings when Elasticsearch is unavailable
(replay.py replays them with these same functions). Alerts are created with their id, so
storing one twice is a no-op (False). Retention deletes client-side (scan + bulk delete:
the test server has no _delete_by_query). A touch also starts a listing's misses over and
marks a removed one returned; `mark_missed` counts a complete walk's misses
(crawler.evidence.removed), both as partial updates (no scripts: the test server has no
painless), a miss only on the document version it read (if_seq_no: a listing written
meanwhile was seen).
Settings: STORE_BULK_DOCS (documents per bulk).
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from elasticsearch import ApiError, helpers

from crawler.evidence.removed import Misses, miss_fields, record_miss, was_missed
from crawler.models import CrawlJob, Listing, utcnow
from crawler.store.base import StoreError
from crawler.store.elasticsearch.connection import UPDATE_RETRIES_ON_CONFLICT, Connection
from crawler.store.elasticsearch.documents import aware, listing_from_source


async def write_touch(conn: Connection, ids: Sequence[str], seen_at: datetime) -> None:
    """Set last_seen of the listings `ids` (those deleted meanwhile are skipped); their
    misses start over, and the removed ones among them are marked returned."""
    index = conn.names.listings
    seen = aware(seen_at).isoformat()
    removed = await _removed_among(conn, ids)
    ops: list[dict[str, Any]] = []
    for lid in ids:
        doc: dict[str, Any] = {"last_seen": seen, "missed_walks": 0, "missed_since": None}
        if lid in removed:
            doc.update(removed_at=None, returned_at=seen)
        # Absolute fields: merged again when another write to the listing lands in between.
        ops.append(
            {
                "update": {
                    "_index": index,
                    "_id": lid,
                    "retry_on_conflict": UPDATE_RETRIES_ON_CONFLICT,
                }
            }
        )
        ops.append({"doc": doc})
    chunk = 2 * conn.config.bulk_docs
    for start in range(0, len(ops), chunk):
        await conn.bulk(ops[start : start + chunk])
    # 404 items are listings deleted meanwhile (retention): nothing to touch.


async def _removed_among(conn: Connection, ids: Sequence[str]) -> set[str]:
    """The listings among `ids` marked removed (a real-time mget of one field)."""
    if not ids:
        return set()
    got = await conn.retrying(
        conn.client.mget, index=conn.names.listings, ids=list(ids), source=["removed_at"]
    )
    return {
        d["_id"]
        for d in got["docs"]
        if d.get("found") and (d.get("_source") or {}).get("removed_at") is not None
    }


async def mark_missed(
    conn: Connection,
    platform: str,
    walk_started_at: datetime,
    threshold: int,
    spare: Sequence[str] = (),
) -> Misses:
    """Count the misses of a complete walk (ListingStore.mark_missed) and make them visible."""
    index = conn.names.listings
    started = aware(walk_started_at)
    spared = set(spare)
    # The run's own upserts and touches must be searchable before "not seen" is decided.
    await conn.retrying(conn.client.indices.refresh, index=index)
    query = {
        "bool": {
            "filter": [
                {"term": {"platform": platform}},
                {"range": {"last_seen": {"lt": started.isoformat()}}},
            ],
            "must_not": [{"exists": {"field": "removed_at"}}],
        }
    }
    missed: list[tuple[dict[str, Any], Listing]] = []
    async for hit in helpers.async_scan(
        conn.client, index=index, query={"query": query}, seq_no_primary_term=True
    ):
        listing = listing_from_source(hit["_source"])
        if listing.id in spared or not was_missed(listing, started):
            continue
        missed.append((hit, listing))
    counted = 0
    removed: list[Listing] = []
    chunk = conn.config.bulk_docs
    for start in range(0, len(missed), chunk):
        part = missed[start : start + chunk]
        ops: list[Any] = []
        newly: list[bool] = []
        for hit, listing in part:
            newly.append(record_miss(listing, started, threshold))
            ops.append(
                {
                    "update": {
                        "_index": hit["_index"],
                        "_id": hit["_id"],
                        "if_seq_no": hit["_seq_no"],
                        "if_primary_term": hit["_primary_term"],
                    }
                }
            )
            ops.append({"doc": miss_fields(listing)})
        items = await conn.bulk(ops)
        for (_, listing), is_new, item in zip(part, newly, items, strict=True):
            status = item.get("status", 500)
            if status in (404, 409):  # deleted, or written (seen) since it was read
                continue
            if status >= 300:
                raise StoreError(
                    f"Elasticsearch store: miss on listing {listing.id} rejected "
                    f"(HTTP {status}): {json.dumps(item.get('error'))[:300]}"
                )
            counted += 1
            if is_new:
                removed.append(listing)
    await conn.retrying(conn.client.indices.refresh, index=index)
    return Misses(missed=counted, removed=removed)


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
