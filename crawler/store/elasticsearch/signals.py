"""Platform-level signals: `shared_contact` and `price_anomaly` on a platform's listings.

What crawler.store.signals defines, as the SQLite store computes it: identifier counts over
every platform (a terms aggregation limited to the platform's identifiers, in chunks of
SIGNAL_TERMS_CHUNK), exact medians per category and price unit over the platform (one
scan of the prices), then one scan of the platform that rewrites the listings whose
signals moved, in bulks of STORE_BULK_DOCS (optimistic concurrency: a listing another
crawler wrote meanwhile is re-read and decided again). Skipped (0, with a warning) while
Elasticsearch is unreachable or the spool cannot be replayed: the next run catches up,
since signals are recomputed from the whole platform each time.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import helpers

from crawler.store.base import StoreError
from crawler.store.elasticsearch.connection import Connection, Unreachable
from crawler.store.elasticsearch.documents import listing_document_json, listing_from_source
from crawler.store.elasticsearch.indices import Indices
from crawler.store.elasticsearch.replay import Spooler
from crawler.store.elasticsearch.upsert import MAX_CONFLICT_ROUNDS
from crawler.store.signals import (
    SHARED_CONTACT_MIN_LISTINGS,
    apply_platform_signals,
    category_price_medians,
    risk_rescorer,
)

logger = logging.getLogger(__name__)

# Scroll page size, and identifiers per counting aggregation.
SIGNAL_SCAN_SIZE = 1000
SIGNAL_TERMS_CHUNK = 1000


class PlatformSignals:
    """Recomputes the platform-level signals of one platform at a time (module docstring)."""

    def __init__(self, conn: Connection, indices: Indices, spooler: Spooler) -> None:
        self.conn = conn
        self.index = conn.names.listings
        self.indices = indices
        self.spooler = spooler

    async def update(self, platform: str) -> int:
        """Add or refresh the signals on the platform's listings; how many changed."""
        # The platform's spooled listings count too: replay them first if Elasticsearch is
        # back (the writer has finished: the pipeline calls this after its last upsert).
        if self.spooler.spool.pending() and not await self.spooler.replay():
            await self._defer(platform, "the spool is not replayed yet")
            return 0
        try:
            await self.indices.ensure_installed()
            return await self._update(platform)
        except Unreachable as exc:
            if exc.auth:
                raise StoreError(self.conn.auth_message(exc.cause)) from None
            reason = exc.cause
        except (TransportConnectionError, ConnectionTimeout) as exc:
            reason = f"{type(exc).__name__}: {exc.message}"
        await self._defer(platform, f"Elasticsearch unavailable ({reason})")
        return 0

    async def _defer(self, platform: str, reason: str) -> None:
        """Spool a `signals` record: the replay computes them after the spooled listings."""
        async with self.spooler.lock:
            self.spooler.spool.append([{"op": "signals", "platform": platform}])
        self.conn.count("spooled", 1)
        logger.warning(
            "platform signals of %s deferred: %s; they are computed when the spool is replayed",
            platform,
            reason,
        )

    async def compute(self, platform: str) -> int:
        """The signals pass itself (the replay of a `signals` record calls this)."""
        return await self._update(platform)

    async def _update(self, platform: str) -> int:
        conn, client, index = self.conn, self.conn.client, self.index
        await conn.retrying(client.indices.refresh, index=index)
        on_platform = {"term": {"platform": platform}}
        prices: dict[tuple[str | None, str], list[float]] = {}
        idents: set[str] = set()
        async for hit in helpers.async_scan(
            client,
            index=index,
            query={"query": on_platform},
            _source=["category", "prices.unit", "prices.amount_eur", "identifiers"],
            size=SIGNAL_SCAN_SIZE,
        ):
            src = hit["_source"]
            for price in src.get("prices") or ():
                if price.get("unit") and price.get("amount_eur") is not None:
                    key = (src.get("category"), price["unit"])
                    prices.setdefault(key, []).append(float(price["amount_eur"]))
            idents.update(src.get("identifiers") or ())
        medians = category_price_medians(prices)
        counts = await self._identifier_counts(sorted(idents), SHARED_CONTACT_MIN_LISTINGS)
        rescore = risk_rescorer()

        def shared_of(source: dict[str, Any]) -> list[tuple[str, int]]:
            out = []
            for ident in source.get("identifiers") or ():
                n = counts.get(ident.lower())
                if n:
                    out.append((ident.split(":", 1)[0], n))
            return out

        changed = 0
        pending: list[tuple[str, dict[str, Any], str]] = []  # (id, action, document)
        conflicts: list[str] = []  # written by a crawler meanwhile: decided again

        async def flush() -> None:
            nonlocal changed
            operations: list[Any] = []
            for _, meta, doc in pending:
                operations += [meta, doc]
            items = await conn.bulk(operations)
            for (lid, _, _), item in zip(pending, items, strict=True):
                status = item.get("status", 500)
                if status == 409:
                    conflicts.append(lid)
                elif status >= 300:
                    raise StoreError(
                        f"Elasticsearch store: platform signals of listing {lid} rejected "
                        f"(HTTP {status}): {json.dumps(item.get('error'))[:300]}"
                    )
                else:
                    changed += 1
            pending.clear()

        def consider(hit: dict[str, Any]) -> None:
            source = hit["_source"]
            listing = listing_from_source(source)
            if not apply_platform_signals(listing, shared_of(source), medians, rescore):
                return
            meta = {
                "index": {
                    "_index": hit["_index"],
                    "_id": hit["_id"],
                    "if_seq_no": hit["_seq_no"],
                    "if_primary_term": hit["_primary_term"],
                }
            }
            doc = listing_document_json(listing, source.get("shared_identifiers") or 0)
            pending.append((listing.id, meta, doc))

        async for hit in helpers.async_scan(
            client,
            index=index,
            query={"query": on_platform},
            seq_no_primary_term=True,
            size=SIGNAL_SCAN_SIZE,
        ):
            consider(hit)
            if len(pending) >= conn.config.bulk_docs:
                await flush()
        for _ in range(MAX_CONFLICT_ROUNDS):
            if pending:
                await flush()
            if not conflicts:
                break
            got = await conn.retrying(client.mget, index=index, ids=conflicts)
            conflicts.clear()
            for doc in got["docs"]:
                if doc.get("found"):
                    consider(doc)
        if changed:
            # The alerts' catch-up searches for these rescores next (signals_at): visible now.
            await conn.retrying(client.indices.refresh, index=index)
        logger.info("platform signals of %s: %d listings changed", platform, changed)
        return changed

    async def _identifier_counts(self, idents: list[str], minimum: int) -> dict[str, int]:
        """Listings holding each identifier (lower-cased, as the keyword field keeps it),
        for those held by at least `minimum` listings, over every platform."""
        conn = self.conn
        out: dict[str, int] = {}
        for start in range(0, len(idents), SIGNAL_TERMS_CHUNK):
            chunk = sorted({i.lower() for i in idents[start : start + SIGNAL_TERMS_CHUNK]})
            resp = await conn.retrying(
                conn.client.search,
                index=self.index,
                size=0,
                query={"terms": {"identifiers": chunk}},
                aggs={
                    "shared": {
                        "terms": {
                            "field": "identifiers",
                            "include": chunk,
                            "size": len(chunk),
                            "min_doc_count": minimum,
                        }
                    }
                },
            )
            for bucket in resp["aggregations"]["shared"]["buckets"]:
                out[bucket["key"]] = bucket["doc_count"]
        return out
