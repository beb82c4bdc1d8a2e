"""The state actor linking keeps, as an interface the stores implement.

`ClusterIndex` is everything `crawler.cluster.ActorClusterer` reads and writes: listing
records with their LSH band keys, the identifier registry (which listings carry an
identifier, and whether it links or is a hub), cluster membership, links and merges. A
store implements it over its own tables or indices (SQLite: rows keyed by band key,
identifier, listing; Elasticsearch: keyword fields and a clusters index). Every read is
an exact-key lookup; orders are fixed (arrival `seq`), so that two stores fed the same
listings in the same order give the same clusters.

A band key keeps at most BAND_KEY_CAP listings (the first ones): a key shared by more is
wording half the platform uses, and reading it back on every add would make the cost of
a listing grow with the size of the index. Every implementation must keep the same cap
(for identical clusters in every store).

`MemoryClusterIndex` is the in-memory implementation used by the tests and the bench.
"""

from __future__ import annotations

import heapq
from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from crawler.cluster.records import (
    ClusterInfo,
    Identifier,
    IdentifierState,
    Link,
    ListingRecord,
    Merge,
)

BAND_KEY_CAP = 100


class ClusterIndex(Protocol):
    """What a store provides to actor linking (all lookups are exact keys)."""

    def next_seq(self) -> int:
        """A number larger than every listing record's seq so far."""
        ...

    def add_listing(self, record: ListingRecord, band_keys: Sequence[str]) -> None:
        """Keep the record, its band keys (at most BAND_KEY_CAP listings per key, the first
        ones) and its identifiers, before it has a cluster."""
        ...

    def record(self, listing_id: str) -> ListingRecord | None: ...

    def candidates(self, band_keys: Sequence[str], limit: int) -> list[str]:
        """Listings sharing at least one band key: most keys shared first, then by seq."""
        ...

    def listings_with(self, identifier: Identifier, limit: int | None = None) -> list[str]:
        """Listings carrying the identifier, oldest (lowest seq) first."""
        ...

    def identifier_count(self, identifier: Identifier) -> int: ...

    def identifier_state(self, identifier: Identifier) -> IdentifierState | None: ...

    def set_identifier_state(self, identifier: Identifier, state: IdentifierState) -> None: ...

    def cluster_of(self, listing_id: str) -> str | None: ...

    def cluster(self, cluster_id: str) -> ClusterInfo | None: ...

    def create_cluster(self, cluster_id: str, listing_id: str, first_seen: datetime) -> None:
        """A new cluster holding one listing."""
        ...

    def assign(self, listing_id: str, cluster_id: str) -> None:
        """Put a listing (without a cluster yet) into an existing cluster."""
        ...

    def merge(self, merge: Merge) -> None:
        """Move every member of merge.absorbed into merge.kept, drop absorbed, keep the record."""
        ...

    def add_link(self, link: Link) -> None: ...

    def members(self, cluster_id: str) -> list[str]:
        """Listing ids of a cluster, by seq."""
        ...

    def links(self, cluster_id: str) -> list[Link]:
        """Links between members of a cluster, in the order they were made."""
        ...

    def merges(self, cluster_id: str) -> list[Merge]:
        """Merges into this cluster (and into the clusters it absorbed), oldest first."""
        ...


class MemoryClusterIndex:
    """ClusterIndex in dicts: for the tests, the bench and one-off runs."""

    def __init__(self) -> None:
        self._records: dict[str, ListingRecord] = {}
        self._bands: dict[str, list[str]] = {}
        self._holders: dict[Identifier, list[str]] = {}
        self._states: dict[Identifier, IdentifierState] = {}
        self._cluster_of: dict[str, str] = {}
        self._clusters: dict[str, ClusterInfo] = {}
        self._members: dict[str, list[str]] = {}
        self._links: dict[str, list[Link]] = {}  # by listing (the newer side)
        self._merges: dict[str, list[Merge]] = {}
        self._seq = 0

    def next_seq(self) -> int:
        self._seq += 1
        return self._seq

    def add_listing(self, record: ListingRecord, band_keys: Sequence[str]) -> None:
        self._records[record.id] = record
        for key in band_keys:
            held = self._bands.setdefault(key, [])
            if len(held) < BAND_KEY_CAP:
                held.append(record.id)
        for identifier in record.identifiers:
            self._holders.setdefault(identifier, []).append(record.id)

    def record(self, listing_id: str) -> ListingRecord | None:
        return self._records.get(listing_id)

    def candidates(self, band_keys: Sequence[str], limit: int) -> list[str]:
        counts: dict[str, int] = {}
        for key in band_keys:
            for listing_id in self._bands.get(key, ()):
                counts[listing_id] = counts.get(listing_id, 0) + 1
        records = self._records
        ranked = heapq.nsmallest(limit, [(-n, records[i].seq, i) for i, n in counts.items()])
        return [i for _, _, i in ranked]

    def listings_with(self, identifier: Identifier, limit: int | None = None) -> list[str]:
        holders = self._holders.get(identifier, [])
        return list(holders if limit is None else holders[:limit])

    def identifier_count(self, identifier: Identifier) -> int:
        return len(self._holders.get(identifier, ()))

    def identifier_state(self, identifier: Identifier) -> IdentifierState | None:
        return self._states.get(identifier)

    def set_identifier_state(self, identifier: Identifier, state: IdentifierState) -> None:
        self._states[identifier] = state

    def identifier_states(self) -> dict[Identifier, IdentifierState]:
        return dict(self._states)

    def cluster_of(self, listing_id: str) -> str | None:
        return self._cluster_of.get(listing_id)

    def cluster(self, cluster_id: str) -> ClusterInfo | None:
        return self._clusters.get(cluster_id)

    def create_cluster(self, cluster_id: str, listing_id: str, first_seen: datetime) -> None:
        self._clusters[cluster_id] = ClusterInfo(
            cluster_id, first_seen, 1, self._records[listing_id].seq
        )
        self._members[cluster_id] = [listing_id]
        self._cluster_of[listing_id] = cluster_id

    def assign(self, listing_id: str, cluster_id: str) -> None:
        info = self._clusters[cluster_id]
        self._clusters[cluster_id] = ClusterInfo(
            info.id,
            min(info.first_seen, self._records[listing_id].first_seen),
            info.size + 1,
            info.seq,
        )
        self._members[cluster_id].append(listing_id)
        self._cluster_of[listing_id] = cluster_id

    def merge(self, merge: Merge) -> None:
        kept, absorbed = self._clusters[merge.kept], self._clusters.pop(merge.absorbed)
        moved = self._members.pop(merge.absorbed)
        for listing_id in moved:
            self._cluster_of[listing_id] = merge.kept
        self._members[merge.kept].extend(moved)  # members() sorts by seq
        self._clusters[merge.kept] = ClusterInfo(
            kept.id,
            min(kept.first_seen, absorbed.first_seen),
            kept.size + absorbed.size,
            min(kept.seq, absorbed.seq),
        )
        history = self._merges.pop(merge.absorbed, [])
        self._merges[merge.kept] = [*self._merges.get(merge.kept, []), *history, merge]

    def add_link(self, link: Link) -> None:
        self._links.setdefault(link.listing, []).append(link)

    def members(self, cluster_id: str) -> list[str]:
        return sorted(self._members.get(cluster_id, []), key=lambda i: self._records[i].seq)

    def links(self, cluster_id: str) -> list[Link]:
        out = [link for m in self.members(cluster_id) for link in self._links.get(m, [])]
        return sorted(out, key=lambda link: self._records[link.listing].seq)

    def merges(self, cluster_id: str) -> list[Merge]:
        return list(self._merges.get(cluster_id, []))

    # Not part of the protocol: what the bench and the tests read.
    def clusters(self) -> dict[str, list[str]]:
        """cluster id -> member listing ids."""
        return {c: list(m) for c, m in self._members.items()}
