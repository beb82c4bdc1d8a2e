"""Actor linking in Elasticsearch: the cluster documents index and the linking lease.

`<prefix>-clusters` holds the documents of crawler.cluster.documents (document id = key;
keys longer than ID_MAX bytes go by their SHA-256). After each batch of listings is
written (upsert.py), `ClusterLinking.link` links them with crawler.store.actors.ActorLinker,
exactly as the SQLite store does: documents are fetched with mget as linking asks for
them (real-time reads, no refresh wait), and written back in one bulk together with the
listings' new `cluster_id` and `cluster_size` (partial updates).

One process links at a time: linking reads many documents and writes them back, so two
processes interleaving would lose each other's changes. The lease is a document
(`lock`) created with op_type create; a holder that dies leaves it to expire after
LEASE_SECONDS, when the next process takes it over with if_seq_no; a lease in this
process's own name (a release that failed while Elasticsearch was away) is taken over at
once, since the calls of one process are serialised by an asyncio lock. The state documents
are written with if_seq_no/if_primary_term as read (create when new), so a process that
lost its lease (stalled past it) cannot overwrite the next holder's work: its bulk gets
409s, it says so, and its listings stay unlinked until they are written again (a listing
without a linking record is linked the next time any process stores it).

Deleted documents (retention) are written as tombstones ({"gone": true}): the bulk helper
sends action/source pairs.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import os
import socket
import time
import uuid
from collections.abc import Sequence
from typing import Any

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import ConflictError, NotFoundError

from crawler.models import UpsertResult
from crawler.store.actors import ActorLinker, LinkOutcome
from crawler.store.base import StoreError
from crawler.store.elasticsearch.connection import UPDATE_RETRIES_ON_CONFLICT, Connection

logger = logging.getLogger(__name__)

LEASE_SECONDS = 60.0
LOCK_WAIT_SECONDS = 300.0
ID_MAX = 500
MGET_CHUNK = 1000
_LOCK_ID = "lock"


def doc_id(key: str) -> str:
    """The document id of a key (a key too long for an id goes by its hash)."""
    if len(key.encode("utf-8")) <= ID_MAX:
        return key
    return "sha256:" + hashlib.sha256(key.encode("utf-8")).hexdigest()


class ClusterLinking:
    """Links written listings into actor clusters (module docstring)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.index = conn.names.clusters
        self.owner = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._versions: dict[str, tuple[int, int]] = {}
        self._lock: asyncio.Lock | None = None

    def _serial(self) -> asyncio.Lock:
        """One linking at a time in this process (the lease orders processes)."""
        if self._lock is None:
            self._lock = asyncio.Lock()
        return self._lock

    # -- documents ------------------------------------------------------------------------
    async def fetch(self, keys: Sequence[str]) -> dict[str, dict[str, Any] | None]:
        """The documents under these keys (absent and tombstoned ones left out)."""
        out: dict[str, dict[str, Any] | None] = {}
        keys = list(dict.fromkeys(keys))
        for start in range(0, len(keys), MGET_CHUNK):
            chunk = keys[start : start + MGET_CHUNK]
            ids = {doc_id(k): k for k in chunk}
            resp = await self.conn.retrying(self.conn.client.mget, index=self.index, ids=list(ids))
            for doc in resp["docs"]:
                if not doc.get("found"):
                    continue
                key = ids[doc["_id"]]
                self._versions[key] = (doc["_seq_no"], doc["_primary_term"])
                if not doc["_source"].get("gone"):
                    out[key] = doc["_source"]
        return out

    def _write_ops(self, documents: dict[str, dict[str, Any] | None]) -> list[Any]:
        ops: list[Any] = []
        for key, doc in documents.items():
            body = doc if doc is not None else {"gone": True}
            version = self._versions.get(key)
            if version is None:
                if doc is None:
                    continue  # never stored: nothing to delete
                ops.append({"create": {"_index": self.index, "_id": doc_id(key)}})
            else:
                ops.append(
                    {
                        "index": {
                            "_index": self.index,
                            "_id": doc_id(key),
                            "if_seq_no": version[0],
                            "if_primary_term": version[1],
                        }
                    }
                )
            ops.append(json.dumps(body, separators=(",", ":")))
        return ops

    def _listing_ops(self, outcome: LinkOutcome) -> list[Any]:
        updates: dict[str, dict[str, Any]] = {}
        for cluster, members in outcome.members.items():
            for member in members:
                updates[member] = {"cluster_size": outcome.sizes[cluster]}
        for listing_id, cluster in outcome.clusters.items():
            updates[listing_id] = {"cluster_id": cluster, "cluster_size": outcome.sizes[cluster]}
        ops: list[Any] = []
        for listing_id, fields in updates.items():
            # Another process may be writing the listing itself meanwhile (its own upsert):
            # the partial update is read-merge-written inside Elasticsearch, which answers
            # 409 when that write lands in between; retrying merges the same fields again.
            ops.append(
                {
                    "update": {
                        "_index": self.conn.names.listings,
                        "_id": listing_id,
                        "retry_on_conflict": UPDATE_RETRIES_ON_CONFLICT,
                    }
                }
            )
            ops.append({"doc": fields})
        return ops

    # -- the lease --------------------------------------------------------------------------
    async def _acquire(self) -> tuple[int, int]:
        client, deadline = self.conn.client, time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            now = time.time()
            body = {"owner": self.owner, "expires": now + LEASE_SECONDS}
            try:
                resp = await self.conn.retrying(
                    client.create, index=self.index, id=_LOCK_ID, document=body
                )
                return resp["_seq_no"], resp["_primary_term"]
            except ConflictError:
                pass
            try:
                held = await self.conn.retrying(client.get, index=self.index, id=_LOCK_ID)
            except NotFoundError:
                continue  # released meanwhile
            # Expired, or ours: calls in this process are serialised (`link`), so a lease
            # in our name is one a failed release left (Elasticsearch was away).
            if (
                float(held["_source"].get("expires", 0)) < now
                or held["_source"].get("owner") == self.owner
            ):
                try:
                    resp = await self.conn.retrying(
                        client.index,
                        index=self.index,
                        id=_LOCK_ID,
                        document=body,
                        if_seq_no=held["_seq_no"],
                        if_primary_term=held["_primary_term"],
                    )
                    if held["_source"].get("owner") != self.owner:
                        logger.warning(
                            "actor linking: took over an expired lease of %s",
                            held["_source"].get("owner"),
                        )
                    return resp["_seq_no"], resp["_primary_term"]
                except ConflictError:
                    pass
            if time.monotonic() > deadline:
                raise StoreError(
                    f"Elasticsearch store: actor linking waited {LOCK_WAIT_SECONDS:.0f} s for "
                    f"the lease held by {held['_source'].get('owner')} ({self.index}/lock)"
                )
            await asyncio.sleep(0.05)

    async def _release(self, version: tuple[int, int]) -> None:
        try:
            await self.conn.client.delete(
                index=self.index, id=_LOCK_ID, if_seq_no=version[0], if_primary_term=version[1]
            )
        except (TransportConnectionError, ConnectionTimeout) as exc:
            # Elasticsearch went away: the outage is reported once by the writer.
            logger.debug("actor linking: lease not released (%s); it expires by itself", exc)
        except Exception as exc:  # noqa: BLE001 - it expires; the next holder takes it over
            logger.warning("actor linking: lease not released (%s); it expires by itself", exc)

    # -- linking ----------------------------------------------------------------------------
    async def link(self, results: Sequence[UpsertResult]) -> None:
        """Link the written listings (in order) and write back clusters and listings."""
        if not results:
            return
        async with self._serial():
            version = await self._acquire()
            try:
                self._versions = {}
                outcome = await ActorLinker().link([r.listing for r in results], self.fetch)
                await self._write(outcome)
            finally:
                await self._release(version)
        for result, added in zip(results, outcome.results, strict=True):
            result.listing.cluster_id = outcome.clusters.get(result.id, added.cluster)
            result.listing.cluster_size = outcome.sizes.get(
                result.listing.cluster_id, result.listing.cluster_size
            )

    async def forget(self, listing_ids: Sequence[str]) -> None:
        """Retention: drop deleted listings from the linking state (ActorLinker.forget)."""
        if not listing_ids:
            return
        async with self._serial():
            await self._forget(listing_ids)

    async def _forget(self, listing_ids: Sequence[str]) -> None:
        version = await self._acquire()
        try:
            self._versions = {}
            linker = ActorLinker()
            from crawler.cluster.documents import with_documents

            changes = await with_documents(
                linker.docs, lambda: linker.forget(listing_ids), self.fetch
            )
            ops = self._write_ops(changes)
            if ops:
                self._check(await self.conn.bulk(ops), len(ops) // 2)
        finally:
            await self._release(version)

    async def _write(self, outcome: LinkOutcome) -> None:
        state = self._write_ops(outcome.documents)
        ops = state + self._listing_ops(outcome)
        if not ops:
            return
        items = await self.conn.bulk(ops)
        self._check(items, len(state) // 2)
        for item in items[len(state) // 2 :]:
            status = item.get("status", 500)
            if status >= 300 and status != 404:  # 404: purged meanwhile
                raise StoreError(
                    f"Elasticsearch store: cluster of a listing not written (HTTP {status}): "
                    f"{json.dumps(item.get('error'))[:300]}"
                )

    def _check(self, items: list[dict[str, Any]], state: int) -> None:
        bad = [i for i in items[:state] if i.get("status", 500) >= 300]
        if bad:
            lost = sum(1 for i in bad if i.get("status") == 409)
            raise StoreError(
                f"Elasticsearch store: {len(bad)} actor-linking documents not written "
                f"({lost} changed by another process: the linking lease was lost?): "
                f"{json.dumps(bad[0].get('error'))[:300]}"
            )
