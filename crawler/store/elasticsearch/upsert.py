"""Deciding and writing listings: optimistic concurrency, blind creates, conflict rounds.

Upsert has the same meaning as in the SQLite store (crawler/store/base.py). Per batch, one
mget of the current documents (with their seq_no/primary_term) and of the identifier
registry (cluster ids, registry.py), then one bulk: `create` for new ids, `index` with
if_seq_no/if_primary_term for known ones. A 409 on an item means another process wrote it
first: that listing is re-read and decided again, so two crawlers writing the same
listings at once still report each change exactly once (counter: conflicts). Data older
than the stored last_seen never overwrites newer data (this also makes spool replays
idempotent). The same listing twice in one batch is written in rounds, in order.

Blind creates: listings this process has neither read, written nor seen `known()` report
(memory.py) are not read first; they are decided NEW and sent as `create`, and the 409 of
one that exists sends it to the re-read round above (counter: blind_misses). When most
blind creates of a batch miss (a fresh process re-crawling a platform), the next
BLIND_PAUSE_BATCHES batches read first.

Settings: STORE_BULK_DOCS (listings per bulk).
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from crawler.evidence.removed import record_seen
from crawler.models import Listing, PricePoint, UpsertOutcome, UpsertResult
from crawler.store.base import StoreError
from crawler.store.elasticsearch.connection import Connection
from crawler.store.elasticsearch.documents import (
    aware,
    listing_document_json,
    listing_from_source,
    price_key,
)
from crawler.store.elasticsearch.linking import ClusterLinking
from crawler.store.elasticsearch.memory import ListingMemory
from crawler.store.elasticsearch.registry import Cluster, IdentifierRegistry, link_within_batch

MAX_CONFLICT_ROUNDS = 20
# After a batch whose blind creates mostly hit existing listings, this many batches read first.
BLIND_PAUSE_BATCHES = 8


@dataclass
class Entry:
    """One listing to write, when it was seen, and (once decided and written) its result."""

    listing: Listing
    seen_at: datetime
    result: UpsertResult | None = None
    # The listing's identifiers, once: (kind, value) pairs and their "kind:value" strings.
    pairs: list[tuple[str, str]] = field(init=False)
    idents: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pairs = list(dict.fromkeys(self.listing.identifiers()))
        self.idents = [f"{kind}:{value}" for kind, value in self.pairs]


async def _no_docs() -> dict[str, Any]:
    return {"docs": []}


class ListingWrites:
    """Decides each listing's outcome against what is stored and writes it (module doc)."""

    def __init__(
        self,
        conn: Connection,
        memory: ListingMemory,
        registry: IdentifierRegistry,
        linking: ClusterLinking | None = None,
    ) -> None:
        self.linking = linking
        self.conn = conn
        self.index = conn.names.listings
        self.memory = memory
        self.registry = registry
        # Blind creates tried and missed (409) in the last batch that had some.
        self._blind: tuple[int, int] = (0, 0)
        self._blind_pause = BLIND_PAUSE_BATCHES

    async def apply(self, entries: list[Entry]) -> None:
        """Decide and write entries, then link them into actor clusters (linking.py).

        The same id twice in one batch is written in rounds, in order."""
        await self._write_all(entries)
        if self.linking is not None:
            await self.linking.link([e.result for e in entries if e.result is not None])

    async def _write_all(self, entries: list[Entry]) -> None:
        chunk = self.conn.config.bulk_docs
        pending = list(entries)
        while pending:
            seen: set[str] = set()
            this_round: list[Entry] = []
            later: list[Entry] = []
            for e in pending:
                (later if e.listing.id in seen else this_round).append(e)
                seen.add(e.listing.id)
            for start in range(0, len(this_round), chunk):
                await self._apply_unique(this_round[start : start + chunk])
            pending = later

    async def _apply_unique(self, entries: list[Entry]) -> None:
        # First round: listings this process has no reason to think stored are created
        # blind (no mget); a 409 sends them to the next round, which reads everything.
        todo = await self._decide_and_write(entries, guess_new=self._guess_new())
        for _ in range(MAX_CONFLICT_ROUNDS):
            if not todo:
                return
            todo = await self._decide_and_write(todo, guess_new=False)
        raise StoreError(
            f"Elasticsearch store: {len(todo)} listings still conflicting after "
            f"{MAX_CONFLICT_ROUNDS} rounds (too many writers on the same listings)"
        )

    def _guess_new(self) -> bool:
        """Whether to create unknown listings blind in the next first round (module doc)."""
        tried, missed = self._blind  # of the last batch with blind creates
        # Mostly misses (a re-crawl by a fresh process): read first for the next batches,
        # and try blind creates again now and then, since a platform's new listings come
        # in runs.
        if tried and missed * 2 > tried:
            self._blind_pause -= 1
            if self._blind_pause > 0:
                return False
            self._blind = (0, 0)
        self._blind_pause = BLIND_PAUSE_BATCHES
        return True

    async def _decide_and_write(self, entries: list[Entry], guess_new: bool) -> list[Entry]:
        """One round: mget listings and identifiers, then one bulk. Returns the 409s.

        With `guess_new`, listings this process never saw stored are not read: they are
        decided NEW and written with op_type create, which answers 409 when they exist.
        """
        conn, memory, registry = self.conn, self.memory, self.registry
        blind = (
            {e.listing.id for e in entries if not memory.maybe_stored(e.listing.id)}
            if guess_new
            else set()
        )
        ids = [e.listing.id for e in entries if e.listing.id not in blind]
        idents = sorted({i for e in entries for i in e.idents})
        # The two reads are independent: one round trip instead of two.
        got, clusters = await asyncio.gather(
            conn.retrying(conn.client.mget, index=self.index, ids=ids) if ids else _no_docs(),
            registry.lookup(idents),
        )
        current = {d["_id"]: d for d in got["docs"] if d.get("found")}
        registered = set(clusters)
        link_within_batch(entries, clusters, registered)
        operations: list[Any] = []
        writing: list[tuple[Entry, UpsertResult]] = []
        for e in entries:
            result, doc, meta = self._decide(e, current.get(e.listing.id), clusters)
            if doc is None:
                e.result = result
                memory.remember(result.listing)
                continue
            operations.append(meta)
            operations.append(doc)
            writing.append((e, result))
        corrections = registry.corrections(writing)
        operations += corrections
        conflicts: list[Entry] = []
        if not operations:
            return conflicts
        new_idents = registry.new_entries(writing, registered)
        operations += registry.create_operations(new_idents)
        items = await conn.bulk(operations)
        tried = missed = 0
        for (e, result), item in zip(writing, items[: len(writing)], strict=True):
            status = item.get("status", 500)
            if e.listing.id in blind:
                tried, missed = tried + 1, missed + (status == 409)
            if status == 409:
                conflicts.append(e)
                conn.count("blind_misses" if e.listing.id in blind else "conflicts", 1)
            elif status >= 300:
                raise StoreError(
                    f"Elasticsearch store: listing {e.listing.id} rejected "
                    f"(HTTP {status}): {json.dumps(item.get('error'))[:300]}"
                )
            else:
                e.result = result
                memory.remember(result.listing)
        if tried:
            self._blind = (tried, missed)
        conflicted = {e.listing.id for e in conflicts} & blind
        # Bulk results come in operation order: listings, registry corrections (an action
        # and a document each), then the new registry entries.
        first = len(writing) + len(corrections) // 2
        registry.record(new_idents, items[first : first + len(new_idents)], conflicted)
        return conflicts

    def _decide(
        self, entry: Entry, current: dict[str, Any] | None, clusters: dict[str, Cluster]
    ) -> tuple[UpsertResult, str | None, dict[str, Any]]:
        """The outcome, the document to write (None: nothing to write) and its bulk action."""
        # Shallow copy: we only rebind fields, never mutate the caller's nested objects.
        new = entry.listing.model_copy()
        seen_at = entry.seen_at
        new.fingerprint = new.fingerprint or new.compute_fingerprint()
        linked = [clusters[i] for i in entry.idents if i in clusters]
        if current is None:
            new.first_fingerprint = new.fingerprint
            new.first_seen = min(aware(new.first_seen), seen_at) if new.first_seen else seen_at
            new.last_seen = seen_at
            new.price_history = (
                [PricePoint.model_construct(at=seen_at, prices=new.prices, evidence=new.evidence)]
                if new.prices
                else []
            )
            new.cluster_id = None  # actor linking sets it once the batch is written
            meta = {"create": {"_index": self.index, "_id": new.id}}
            result = UpsertResult.model_construct(
                id=new.id, outcome=UpsertOutcome.NEW, listing=new, previous_fingerprint=None
            )
            shared = sum(1 for _, first in linked if first != new.id)
            return result, listing_document_json(new, shared, entry.pairs), meta
        old = listing_from_source(current["_source"])
        old_last = aware(old.last_seen) if old.last_seen else None
        if old_last is not None and seen_at < old_last:
            # Older than what is stored (a replay, or a slower crawler): it must not win.
            return (
                UpsertResult(
                    id=old.id,
                    outcome=UpsertOutcome.UNCHANGED,
                    listing=old,
                    previous_fingerprint=old.fingerprint,
                ),
                None,
                {},
            )
        changed = new.fingerprint != old.fingerprint
        if changed:
            new.first_fingerprint = old.first_fingerprint
            new.first_seen = old.first_seen or seen_at
            new.last_seen = seen_at
            new.price_history = list(old.price_history)
            last_prices = old.price_history[-1].prices if old.price_history else old.prices
            if new.prices and price_key(new.prices) != price_key(last_prices):
                new.price_history.append(
                    PricePoint.model_construct(at=seen_at, prices=new.prices, evidence=new.evidence)
                )
            if new.list_fingerprint is None:
                new.list_fingerprint = old.list_fingerprint
            new.missed_walks, new.missed_since = old.missed_walks, old.missed_since
            new.removed_at, new.returned_at = old.removed_at, old.returned_at
        else:
            # As in the SQLite store, the stored document stays (its platform-level signals
            # and risk score included): only when it was seen and its list entry move.
            list_fingerprint = new.list_fingerprint or old.list_fingerprint
            evidence = new.evidence or old.evidence  # the latest capture of the same content
            new = old
            new.evidence = evidence
            new.last_seen = seen_at
            new.list_fingerprint = list_fingerprint
        # Found again: the misses start over, a removed listing is marked returned.
        record_seen(new, seen_at)
        # Actor linking owns them (linking.py).
        new.cluster_id, new.cluster_size = old.cluster_id, old.cluster_size
        shared = sum(1 for _, first in linked if first != new.id)
        meta = {
            "index": {
                "_index": current["_index"],
                "_id": new.id,
                "if_seq_no": current["_seq_no"],
                "if_primary_term": current["_primary_term"],
            }
        }
        result = UpsertResult.model_construct(
            id=new.id,
            outcome=UpsertOutcome.CHANGED if changed else UpsertOutcome.UNCHANGED,
            listing=new,
            previous_fingerprint=old.fingerprint,
        )
        return result, listing_document_json(new, shared, entry.pairs), meta
