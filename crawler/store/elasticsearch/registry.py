"""Shared identifiers: the identifier registry, `<prefix>-identifiers`.

One document per identifier (phone, e-mail, handle, wallet) with the listing that first
had it, created with op_type create in the same bulk as the listings (the first writer
wins, also across processes) and read with mget (real-time, no refresh wait).
`shared_identifiers` counts the identifiers a listing shares with a listing seen before
it (the platform signals read it); the first listing with an identifier has 0. Clusters
are not decided here but by actor linking (linking.py, docs/clusters.md); the entries'
`cluster_id` field is what it was when written (None for a listing not linked yet) and
nothing reads it for clustering.

Entries are create-only for everybody (they never change once written), so this process
caches them (memory.CACHE_SIZE of them), which spares most identifier mgets. The one
exception: entries this process created for a listing that was created blind and turned
out to exist (upsert.py) carry the cluster of a NEW listing; they are rewritten with the
cluster decided in the re-read round (`corrections`).
Settings: STORE_INDEX_PREFIX (the index name).
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from crawler.models import UpsertResult
from crawler.store.elasticsearch.connection import Connection
from crawler.store.elasticsearch.documents import identifier_doc_id
from crawler.store.elasticsearch.memory import CACHE_SIZE, bounded_put

if TYPE_CHECKING:
    from crawler.store.elasticsearch.upsert import Entry

logger = logging.getLogger(__name__)

Cluster = tuple[str, str]  # (cluster id, first listing)


def link_within_batch(
    entries: Sequence[Entry], clusters: dict[str, Cluster], registered: set[str]
) -> None:
    """Listings of one batch sharing a not yet registered identifier join one cluster."""
    holders: dict[str, list[str]] = {}
    for e in entries:
        for ident in e.idents:
            if ident not in registered:
                holders.setdefault(ident, []).append(e.listing.id)
    for ident, lids in holders.items():
        if len(set(lids)) > 1:
            clusters[ident] = (min(lids), min(lids))


class IdentifierRegistry:
    """Reads (cached) and writes of the identifier registry (module docstring)."""

    def __init__(self, conn: Connection, cap: int = CACHE_SIZE) -> None:
        self.conn = conn
        self.index = conn.names.identifiers
        self.cap = cap
        self._cache: OrderedDict[str, Cluster] = OrderedDict()
        # listing id -> registry entries created for it while it was a blind create.
        self._fixes: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    async def lookup(self, idents: list[str]) -> dict[str, Cluster]:
        """identifier -> (cluster id, first listing) from the identifier registry (mget)."""
        cache = self._cache
        out = {i: cache[i] for i in idents if i in cache}
        missing = [i for i in idents if i not in out]
        if not missing:
            return out
        resp = await self.conn.retrying(
            self.conn.client.mget,
            index=self.index,
            ids=[identifier_doc_id(i) for i in missing],
        )
        for doc in resp["docs"]:
            if doc.get("found"):
                src = doc["_source"]
                out[src["identifier"]] = (src["cluster_id"], src["first_listing"])
                self._remember(src["identifier"], out[src["identifier"]])
        return out

    def _remember(self, ident: str, entry: Cluster) -> None:
        bounded_put(self._cache, ident, entry, self.cap)

    def corrections(self, writing: Iterable[tuple[Entry, UpsertResult]]) -> list[Any]:
        """Bulk operations rewriting the entries this process created for listings that
        were created blind and turned out to exist, with the cluster decided now."""
        operations: list[Any] = []
        for e, result in writing:
            for ident, doc in self._fixes.pop(e.listing.id, []):
                if doc["cluster_id"] != result.listing.cluster_id:
                    doc = {**doc, "cluster_id": result.listing.cluster_id}
                    operations.append(
                        {"index": {"_index": self.index, "_id": identifier_doc_id(ident)}}
                    )
                    operations.append(doc)
                    self._remember(ident, (doc["cluster_id"], doc["first_listing"]))
        return operations

    def new_entries(
        self, writing: Iterable[tuple[Entry, UpsertResult]], registered: set[str]
    ) -> dict[str, dict[str, Any]]:
        """identifier -> registry entry for the written listings' unregistered identifiers."""
        new: dict[str, dict[str, Any]] = {}
        for e, result in writing:
            for ident in e.idents:
                if ident not in registered and ident not in new:
                    new[ident] = {
                        "identifier": ident,
                        "cluster_id": result.listing.cluster_id,
                        "first_listing": result.id,
                        "first_seen": e.seen_at.isoformat(),
                    }
        return new

    def create_operations(self, new: dict[str, dict[str, Any]]) -> list[Any]:
        # create: when another process registered it first, its entry stays (409 ignored).
        operations: list[Any] = []
        for ident, doc in new.items():
            operations.append({"create": {"_index": self.index, "_id": identifier_doc_id(ident)}})
            operations.append(doc)
        return operations

    def record(
        self,
        new: dict[str, dict[str, Any]],
        items: Sequence[dict[str, Any]],
        conflicted: set[str],
    ) -> None:
        """Take the bulk results of `new` entries: cache those created, and keep those of
        listings whose blind create conflicted (`conflicted`) for `corrections`."""
        for (ident, doc), item in zip(new.items(), items, strict=True):
            if item.get("status") in (200, 201):
                self._remember(ident, (doc["cluster_id"], doc["first_listing"]))
                if doc["first_listing"] in conflicted:
                    self._fixes.setdefault(doc["first_listing"], []).append((ident, doc))
            elif item.get("status", 500) >= 300 and item.get("status") != 409:
                logger.warning(
                    "identifier registry write failed (HTTP %s): %s",
                    item.get("status"),
                    json.dumps(item.get("error"))[:300],
                )
