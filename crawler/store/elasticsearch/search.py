"""Reads: search, known, get, count, jobs, alerts and the summary of `crawler status`.

Every query means what it means in the SQLite store: all words and "phrases" required
(also in the `title.<lang>`/`body.<lang>` sub-fields of the cluster's languages), highest
risk first, then most recently seen. An identifier typed by an analyst is read with the
regions of the phones stored (crawler/store/identifiers.py). Reads raise StoreError
naming the cause when Elasticsearch is unavailable, except `known()`, which answers
"nothing known" (the crawl then fetches the listings again and the writes are spooled).
Settings: STORE_INDEX_PREFIX (the index names).
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from elasticsearch import NotFoundError

from crawler.models import CrawlJob, Listing, SearchPage, SearchQuery
from crawler.store.base import Rescored
from crawler.store.elasticsearch.connection import Connection, Unreachable
from crawler.store.elasticsearch.documents import aware, listing_from_source
from crawler.store.elasticsearch.indices import Indices
from crawler.store.elasticsearch.memory import ListingMemory
from crawler.store.identifiers import parse_identifier_query

SUMMARY_TOP = 10
# Highest risk first, then most recently seen: the SQLite store's order.
LISTING_ORDER = ({"risk_score": "desc"}, {"last_seen": "desc"}, {"id": "asc"})
TEXT_FIELDS = ("title", "body", "seller", "location_raw", "location")


class Queries:
    """The store's reads (module docstring)."""

    def __init__(self, conn: Connection, indices: Indices, memory: ListingMemory) -> None:
        self.conn = conn
        self.names = conn.names
        self.indices = indices
        self.memory = memory

    async def known(self, platform: str, ids: Sequence[str]) -> dict[str, str | None]:
        """For the ids stored: id -> list_fingerprint; {} when Elasticsearch is down."""
        if not ids:
            return {}
        conn = self.conn
        try:
            got = await conn.retrying(
                conn.client.mget,
                index=self.names.listings,
                ids=list(ids),
                source=["list_fingerprint", "platform"],
            )
        except Unreachable as exc:
            # Unknown means "fetch it again": the upsert then goes to the spool. Safe.
            conn.log_down(exc.cause)
            return {}
        out = {
            d["_id"]: d["_source"].get("list_fingerprint") for d in got["docs"] if d.get("found")
        }
        for lid in out:
            self.memory.found(lid)
        return out

    async def get(self, listing_id: str) -> Listing | None:
        try:
            doc = await self.conn.read(
                self.conn.client.get, index=self.names.listings, id=listing_id
            )
        except NotFoundError:
            return None
        return listing_from_source(doc["_source"])

    async def get_many(self, ids: Sequence[str]) -> list[Listing]:
        """The stored listings with these ids, in the order given (real-time mget)."""
        out: dict[str, Listing] = {}
        ids = list(dict.fromkeys(ids))
        for start in range(0, len(ids), 1000):
            resp = await self.conn.read(
                self.conn.client.mget, index=self.names.listings, ids=ids[start : start + 1000]
            )
            for doc in resp["docs"]:
                if doc.get("found"):
                    out[doc["_id"]] = listing_from_source(doc["_source"])
        return [out[i] for i in ids if i in out]

    async def phone_regions(self) -> list[str]:
        """Regions of the phones stored (how a national number typed by an analyst is read)."""
        resp = await self.conn.read(
            self.conn.client.search,
            index=self.names.listings,
            size=0,
            aggs={"regions": {"terms": {"field": "phone_regions", "size": 300}}},
        )
        return [b["key"] for b in resp["aggregations"]["regions"]["buckets"]]

    def search_body(self, query: SearchQuery, phone_regions: Sequence[str] = ()) -> dict[str, Any]:
        """The bool query for a SearchQuery (every filter means what it means in SQLite)."""
        must: list[dict[str, Any]] = []
        filters: list[dict[str, Any]] = []
        if query.text:
            # Words and "phrases", all required: what the SQLite store's FTS5 query means.
            languages = self.indices.languages
            fields = list(TEXT_FIELDS)
            fields += [f"title.{c}" for c in languages]
            fields += [f"body.{c}" for c in languages]
            must.append(
                {
                    "simple_query_string": {
                        "query": query.text,
                        "fields": fields,
                        "default_operator": "and",
                    }
                }
            )
        if query.platform:
            filters.append({"term": {"platform": query.platform}})
        if query.category:
            filters.append({"term": {"category": query.category}})
        if query.indicator:
            filters.append({"term": {"indicator_ids": query.indicator}})
        if query.identifier:
            match = parse_identifier_query(query.identifier, phone_regions)
            either: list[dict[str, Any]] = [{"match_none": {}}]
            if match.values:
                values = sorted(f"{k}:{v}" for k, v in match.values)
                either.append({"terms": {"identifiers": values}})
            if match.keys:
                keys = sorted(f"{k}:{v}" for k, v in match.keys)
                either.append({"terms": {"identifier_keys": keys}})
            filters.append({"bool": {"should": either, "minimum_should_match": 1}})
        if query.min_risk is not None:
            filters.append({"range": {"risk_score": {"gte": query.min_risk}}})
        if query.seen_since is not None:
            filters.append({"range": {"last_seen": {"gte": aware(query.seen_since).isoformat()}}})
        if query.removed is not None:
            removed = {"exists": {"field": "removed_at"}}
            filters.append(removed if query.removed else {"bool": {"must_not": [removed]}})
        return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}

    async def search(self, query: SearchQuery) -> SearchPage:
        regions = await self.phone_regions() if query.identifier else []
        resp = await self.conn.read(
            self.conn.client.search,
            index=self.names.listings,
            query=self.search_body(query, regions),
            sort=list(LISTING_ORDER),
            from_=query.offset,
            size=query.limit,
            track_total_hits=True,
        )
        return SearchPage(
            total=resp["hits"]["total"]["value"],
            listings=[listing_from_source(h["_source"]) for h in resp["hits"]["hits"]],
        )

    async def rescored_since(self, since: datetime, limit: int = 10_000) -> list[Rescored]:
        """Listings whose platform signals changed at or after `since`, oldest first."""
        resp = await self.conn.read(
            self.conn.client.search,
            index=self.names.listings,
            query={"range": {"signals_at": {"gte": aware(since).isoformat()}}},
            sort=[{"signals_at": "asc"}, {"id": "asc"}],
            size=limit,
            source=["id", "signals_at", "fingerprint", "first_fingerprint"],
        )
        out = []
        for hit in resp["hits"]["hits"]:
            doc = hit["_source"]
            at = doc.get("signals_at")
            out.append(
                Rescored(
                    doc["id"],
                    aware(datetime.fromisoformat(at)) if at else None,
                    doc.get("fingerprint"),
                    doc.get("first_fingerprint"),
                )
            )
        return out

    async def count(self, platform: str | None = None) -> int:
        query = {"term": {"platform": platform}} if platform else {"match_all": {}}
        resp = await self.conn.read(self.conn.client.count, index=self.names.listings, query=query)
        return resp["count"]

    async def jobs(self, platform: str | None = None, limit: int = 20) -> list[CrawlJob]:
        query = {"term": {"platform": platform}} if platform else {"match_all": {}}
        resp = await self.conn.read(
            self.conn.client.search,
            index=self.names.jobs,
            query=query,
            sort=[{"started_at": "desc"}],
            size=limit,
        )
        return [CrawlJob.model_validate(h["_source"]) for h in resp["hits"]["hits"]]

    async def latest_judged_jobs(self) -> list[CrawlJob]:
        resp = await self.conn.read(
            self.conn.client.search,
            index=self.names.jobs,
            query={"exists": {"field": "health.status"}},
            size=0,
            aggs={
                "platforms": {
                    "terms": {"field": "platform", "size": 10_000},
                    "aggs": {"latest": {"top_hits": {"size": 1, "sort": [{"started_at": "desc"}]}}},
                }
            },
        )
        jobs = [
            CrawlJob.model_validate(b["latest"]["hits"]["hits"][0]["_source"])
            for b in resp["aggregations"]["platforms"]["buckets"]
        ]
        return sorted(jobs, key=lambda j: j.platform)

    async def list_alerts(self, limit: int = 50, rule: str | None = None) -> list[dict[str, Any]]:
        query = {"term": {"rule": rule}} if rule else {"match_all": {}}
        resp = await self.conn.read(
            self.conn.client.search,
            index=self.names.alerts,
            query=query,
            sort=[{"stored_at": "desc"}],
            size=limit,
        )
        return [
            {k: v for k, v in h["_source"].items() if k != "stored_at"}
            for h in resp["hits"]["hits"]
        ]

    async def summary(self) -> dict[str, Any]:
        """Same shape as the SQLite store's summary (see crawler/store/sqlite.py)::

        {"total", "platforms": {name: {"listings", "last_seen", "last_run", "last_run_status",
         "new_last_run", "changed_last_run"}}, "indicators", "clusters", "top"}
        """
        read, client = self.conn.read, self.conn.client
        listings, jobs = await asyncio.gather(
            read(
                client.search,
                index=self.names.listings,
                size=SUMMARY_TOP,
                sort=list(LISTING_ORDER),
                track_total_hits=True,
                aggs={
                    "platforms": {
                        "terms": {"field": "platform", "size": 1000},
                        "aggs": {"last_seen": {"max": {"field": "last_seen"}}},
                    },
                    "indicators": {"terms": {"field": "indicator_ids", "size": 100}},
                    "clusters": {
                        "terms": {"field": "cluster_id", "size": 65000, "min_doc_count": 2}
                    },
                },
            ),
            read(
                client.search,
                index=self.names.jobs,
                size=0,
                aggs={
                    "platforms": {
                        "terms": {"field": "platform", "size": 1000},
                        "aggs": {
                            "latest": {"top_hits": {"size": 1, "sort": [{"started_at": "desc"}]}}
                        },
                    }
                },
            ),
        )
        aggs = listings["aggregations"]
        platforms: dict[str, dict[str, Any]] = {}
        for b in aggs["platforms"]["buckets"]:
            platforms[b["key"]] = {
                "listings": b["doc_count"],
                "last_seen": b["last_seen"].get("value_as_string"),
            }
        for b in jobs["aggregations"]["platforms"]["buckets"]:
            job = b["latest"]["hits"]["hits"][0]["_source"]
            entry = platforms.setdefault(b["key"], {"listings": 0, "last_seen": None})
            entry.update(
                last_run=job.get("started_at"),
                last_run_status=job.get("status"),
                new_last_run=job.get("new"),
                changed_last_run=job.get("changed"),
            )
        for entry in platforms.values():
            for key in ("last_run", "last_run_status", "new_last_run", "changed_last_run"):
                entry.setdefault(key, None)
        return {
            "total": listings["hits"]["total"]["value"],
            "platforms": dict(sorted(platforms.items())),
            "indicators": {b["key"]: b["doc_count"] for b in aggs["indicators"]["buckets"]},
            "clusters": len(aggs["clusters"]["buckets"]),
            "top": [
                listing_from_source(h["_source"]).model_dump(mode="json")
                for h in listings["hits"]["hits"]
            ],
        }
