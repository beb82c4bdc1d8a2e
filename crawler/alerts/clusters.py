"""What the cluster conditions know about a listing's actor cluster, read from the store.

`AlertRule.match` is pure: it gets a `ClusterFacts` (and the watched cluster ids resolved)
from the engine, which reads them here, asynchronously, only when a rule needs them and
its other conditions already hold (docs/alerts.md):

- watched clusters (watchlist subjects of kind `cluster`): each watched id is resolved
  with `ListingStore.resolve_cluster` once per engine run; when a listing's cluster is none
  of the resolved ones, the resolved ids are checked again (a merge since, possibly by that
  very listing, may have absorbed one), so a hit costs nothing and a miss one resolve per
  watched cluster;
- the cluster itself: members, merges and (for a watched hit) the links that say why the
  listing is in it, from the store's cluster documents (crawler.cluster.documents, the
  same reading `ListingStore.cluster_summary` does, without the template and member texts);
- for `cluster_growth`: when each member was first seen (`ListingStore.get_many`, cached:
  a first-seen time never changes).

Everything raises StoreError when the store cannot be read; the engine then keeps the
listing's marker and evaluates it again later. Nothing here logs identifiers or texts.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawler.cluster.documents import ClusterDocuments, DocumentClusterIndex, with_documents
from crawler.cluster.records import Link, Merge
from crawler.models import Listing

logger = logging.getLogger(__name__)

# At most this many members' first-seen times are cached (a crawl's worth); then it restarts.
FIRST_SEEN_CACHE = 200_000
MAX_REASONS = 5


class NotLinked(Exception):  # noqa: N818 - a state, not a failure
    """The stored listing has no cluster yet (the store could not link it): the cluster
    conditions cannot be decided now."""


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


@dataclass(frozen=True)
class ClusterFacts:
    """One listing's cluster as the cluster conditions see it (built by ClusterLookup)."""

    id: str  # the cluster holding the listing now
    size: int
    members: tuple[str, ...] = ()
    merges: tuple[Merge, ...] = ()  # every merge into this cluster (and into what it absorbed)
    links: tuple[Link, ...] = ()  # read for a watched hit only
    first_seen: Mapping[str, datetime] | None = None  # member -> first seen (growth rules)
    counted: Mapping[str, frozenset[str]] = field(default_factory=dict)  # rule -> counted

    def reasons(self, listing_id: str) -> list[str]:
        """Why the listing is in the cluster: the links made when it was added, else the
        links later listings made to it."""
        own = [x.reason for x in self.links if x.listing == listing_id]
        if not own:
            own = [f"listing {x.listing}: {x.reason}" for x in self.links if x.other == listing_id]
        return list(dict.fromkeys(own))[:MAX_REASONS]

    def merged_path(self, watched: str) -> list[str]:
        """How the watched id came to be in this cluster, one merge per line."""
        into = {m.absorbed: m for m in self.merges}
        out: list[str] = []
        current = watched
        while current in into and len(out) < 20:
            m = into[current]
            out.append(f"{m.absorbed} merged into {m.kept} ({m.reason})")
            current = m.kept
        return out

    def new_members(self, start: datetime, end: datetime, rule: str) -> list[tuple[str, datetime]]:
        """Members first seen in [start, end] that the rule's growth alerts have not counted."""
        if self.first_seen is None:
            return []
        counted = self.counted.get(rule, frozenset())
        return [
            (m, self.first_seen[m])
            for m in self.members
            if m in self.first_seen and start <= self.first_seen[m] <= end and m not in counted
        ]


class ClusterLookup:
    """Reads cluster facts from one store, with the per-run caches (module docstring)."""

    def __init__(self, store: Any, watched: Sequence[str]) -> None:
        self.store = store
        self.watched = list(watched)
        self._resolved: dict[str, str | None] | None = None
        self._first_seen: dict[str, datetime] = {}

    async def _fetch(self, keys: list[str]) -> dict[str, Any]:
        return dict(await self.store.cluster_documents(keys))

    async def resolved(self, cluster_id: str | None) -> dict[str, str | None]:
        """Watched id -> the cluster holding it now, current enough for a listing stored in
        `cluster_id`."""
        if self._resolved is None:
            self._resolved = {w: await self.store.resolve_cluster(w) for w in self.watched}
            unknown = sorted(w for w, now in self._resolved.items() if now is None)
            if unknown:
                logger.warning(
                    "alerts: watched cluster(s) not in the store (yet): %s", ", ".join(unknown)
                )
        elif cluster_id and cluster_id not in self._resolved.values():
            if cluster_id in self._resolved and self._resolved[cluster_id] is None:
                self._resolved[cluster_id] = cluster_id  # a watched id that exists only now
            # A merge since the ids were resolved (this listing's own arrival included) may
            # have absorbed a watched cluster: check the clusters they resolved to.
            current = {now for now in self._resolved.values() if now is not None}
            moved = {}
            for now in sorted(current):
                again = await self.store.resolve_cluster(now)
                if again != now:
                    moved[now] = again
            if moved:
                self._resolved = {
                    w: moved.get(now, now) if now is not None else None
                    for w, now in self._resolved.items()
                }
        return dict(self._resolved)

    async def facts(self, listing: Listing, *, links: bool, growth: bool) -> ClusterFacts:
        """The listing's cluster: members and merges, its links when `links`, the members'
        first-seen times when `growth`."""
        if not listing.cluster_id:
            raise NotLinked(listing.id)
        docs = ClusterDocuments()
        index = DocumentClusterIndex(docs)
        start = listing.cluster_id

        def read() -> tuple[str | None, list[str], list[Merge], list[Link]]:
            final = index.resolve(start)
            if final is None:
                return None, [], [], []
            return (
                final,
                index.members(final),
                index.merges(final),
                index.links(final) if links else [],
            )

        final, members, merges, made = await with_documents(docs, read, self._fetch)
        if final is None:
            raise NotLinked(listing.id)
        first_seen = await self._first_seen_of(members, listing) if growth else None
        return ClusterFacts(
            id=final,
            size=len(members),
            members=tuple(members),
            merges=tuple(merges),
            links=tuple(made),
            first_seen=first_seen,
        )

    async def _first_seen_of(self, members: list[str], listing: Listing) -> dict[str, datetime]:
        cache = self._first_seen
        if listing.first_seen is not None:
            cache[listing.id] = aware(listing.first_seen)
        unknown = [m for m in members if m not in cache]
        if unknown:
            if len(cache) + len(unknown) > FIRST_SEEN_CACHE:
                cache.clear()
            for x in await self.store.get_many(unknown):
                if x.first_seen is not None:
                    cache[x.id] = aware(x.first_seen)
        return {m: cache[m] for m in members if m in cache}
