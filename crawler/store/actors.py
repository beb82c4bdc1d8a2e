"""Actor linking inside the stores: the same code for SQLite and Elasticsearch.

After a batch of listings is written, the store links each of them, in the batch's
order, with `ActorLinker` (crawler.cluster.ActorClusterer over the document-backed index
of crawler.cluster.documents), then writes back the changed documents and every
listing whose cluster changed (the listing itself, and the members of a cluster it
absorbed). A listing already linked is skipped (one document read), so a re-crawl costs
little and a listing stored while linking could not run (an Elasticsearch outage between
the two writes) is linked the next time it is written.

What a store provides:
- SQLite: a synchronous `load(keys)` inside its write transaction;
- Elasticsearch: an async `fetch(keys)` (one mget), used by `with_documents`.

Reading clusters (`crawler clusters`, `crawler cluster ID`, the alert conditions) is
also shared: `ClusterReader` turns the documents and the member listings into
`ClusterSummary` objects, whichever store they come from.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crawler.cluster import ActorClusterer, AddResult, ClusterListing
from crawler.cluster.clusterer import HUB_SAMPLE
from crawler.cluster.documents import (
    BandIndex,
    ClusterDocuments,
    Document,
    DocumentBoilerplate,
    DocumentClusterIndex,
    Loader,
    with_documents,
)
from crawler.cluster.signature import band_keys, signature
from crawler.cluster.summary import ClusterSummary
from crawler.cluster.text import prepare_text
from crawler.models import ClusterQuery, Listing, SearchQuery

Fetch = Callable[[list[str]], Awaitable[dict[str, Document | None]]]

# `crawler clusters` reads at most this many matching listings to find their clusters.
logger = logging.getLogger(__name__)

MAX_MATCHED_LISTINGS = 10_000
SEARCH_PAGE = 500  # listings read per search while collecting them


@dataclass
class LinkOutcome:
    """What linking a batch changed, for the store to write back."""

    results: list[AddResult] = field(default_factory=list)
    clusters: dict[str, str] = field(default_factory=dict)  # listing -> its cluster, if changed
    sizes: dict[str, int] = field(default_factory=dict)  # cluster -> size, clusters that grew
    members: dict[str, list[str]] = field(default_factory=dict)  # of the clusters that grew
    documents: dict[str, Document | None] = field(default_factory=dict)  # to write back


class ActorLinker:
    """Links one batch of listings over a fresh view of the store's cluster documents."""

    def __init__(
        self,
        load: Loader | None = None,
        docs: ClusterDocuments | None = None,
        bands: BandIndex | None = None,
    ) -> None:
        self.docs = docs if docs is not None else ClusterDocuments(load)
        self.index = DocumentClusterIndex(self.docs, bands)
        self.boilerplate = DocumentBoilerplate(self.docs)
        self.clusterer = ActorClusterer(self.index, self.boilerplate)
        # Each listing's text is prepared once per batch: for the prefetch and for linking.
        self.clusterer.prepare = functools.lru_cache(maxsize=4096)(prepare_text)

    def first_keys(self, listings: Sequence[ClusterListing]) -> list[str]:
        """The documents linking these listings reads first (fetched in one go)."""
        keys = ["seq"]
        for x in listings:
            keys.append(f"rec:{x.id}")
            keys += [f"ident:{k}:{v}" for k, v in x.identifiers]
            prepared = self.clusterer.prepare(x.title, x.body, x.location)
            keys += DocumentBoilerplate.keys_for(x.platform, prepared.keys)
        return list(dict.fromkeys(keys))

    def link_sync(self, listings: Sequence[Listing]) -> LinkOutcome:
        """Link with the loader given (SQLite, whose upsert pauses the cycle collector)."""
        items = [ClusterListing.from_listing(x) for x in listings]
        self.docs.prefetch([f"rec:{x.id}" for x in items])
        todo = [x for x in items if not (self.docs.get(f"rec:{x.id}") or {}).get("cluster")]
        self.docs.prefetch(self.first_keys(todo))
        # No attempt layer: a loader never asks to try again, and an error ends the store's
        # transaction (and drops these documents).
        results = [self.clusterer.add(x) for x in items]
        return self._finish(self._outcome(results))

    async def link(self, listings: Sequence[Listing], fetch: Fetch) -> LinkOutcome:
        """Link fetching documents as they are needed (Elasticsearch)."""
        items = [ClusterListing.from_listing(x) for x in listings]
        got = await fetch([f"rec:{x.id}" for x in items])
        self.docs.provide({f"rec:{x.id}": got.get(f"rec:{x.id}") for x in items})
        todo = [x for x in items if not (got.get(f"rec:{x.id}") or {}).get("cluster")]
        keys = self.first_keys(todo)
        if todo:
            got = await fetch(keys)
            self.docs.provide({k: got.get(k) for k in keys})
            await self._prefetch_neighbours(todo, fetch)
        results: list[AddResult] = []
        for x in items:
            add = functools.partial(self.clusterer.add, x)
            results.append(await with_documents(self.docs, add, fetch))
        out = await with_documents(self.docs, lambda: self._outcome(results), fetch)
        return self._finish(out)

    async def _prefetch_neighbours(self, todo: Sequence[ClusterListing], fetch: Fetch) -> None:
        """Fetch in three round trips what linking the batch will read about older
        listings: the band documents of the listings' texts (their keys computed with the
        boilerplate as it is before the batch: a guess, right nearly always), the records
        of the listings in those bands and of the first carriers of their identifiers, and
        those listings' clusters. What the guess misses is fetched when asked for."""
        clusterer = self.clusterer

        def guess() -> list[str]:
            keys: list[str] = []
            for x in todo:
                found = clusterer.own_shingles(x, observe=False)
                if len(found) >= clusterer.min_shingles:
                    keys += [f"band:{k}" for k in band_keys(signature(found))]
            return keys

        async def more(keys: Iterable[str]) -> None:
            wanted = [k for k in dict.fromkeys(keys) if not self.docs.holds(k)]
            if wanted:
                got = await fetch(wanted)
                self.docs.provide({k: got.get(k) for k in wanted})

        await more(await with_documents(self.docs, guess, fetch))
        neighbours: list[str] = []
        for x in todo:
            for kind, value in x.identifiers:
                doc = self.docs.peek(f"ident:{kind}:{value}")
                neighbours += [f"rec:{i}" for i, _ in (doc or {}).get("ids", [])[:HUB_SAMPLE]]
        for key in list(self.docs.held()):
            if key.startswith("band:"):
                doc = self.docs.peek(key)
                neighbours += [f"rec:{i}" for i, _ in (doc or {}).get("ids", [])]
        await more(neighbours)
        clusters = [
            f"cl:{doc['cluster']}"
            for key in neighbours
            if (doc := self.docs.peek(key)) and doc.get("cluster")
        ]
        await more(clusters)

    def forget(self, listing_ids: Sequence[str]) -> dict[str, Document | None]:
        """Retention (purge): the documents to write so that deleted listings are gone from
        the linking state (DocumentClusterIndex.forget); call inside `with_documents` when
        there is no loader."""
        for listing_id in listing_ids:
            rec = self.index.record(listing_id)
            if rec is None:
                continue
            keys = band_keys(rec.signature) if rec.signature else []
            self.index.forget(listing_id, keys)
        return self.docs.take_changes()

    def _outcome(self, results: list[AddResult]) -> LinkOutcome:
        """What the store writes back to its listings (reads cluster documents only).

        Every listing linked now, and every listing a merge moved, gets its cluster id and
        the cluster's size. The other members keep the size they were given until their
        cluster reaches the next power of two, when all of them get the new size: a
        listing's `cluster_size` is at least half its cluster's size (exact up to 2, so
        `cluster_size >= 2` finds every listing in a cluster) at an amortised cost of two
        listing writes per listing linked (updating every member on every join would cost
        the size of the cluster each time). `crawler cluster ID` gives the exact size.
        """
        out = LinkOutcome(results=results)
        moved, before = self.index.changes()
        linked = [r.listing for r in results if r.created or r.links or r.merges]
        for listing_id in [*linked, *moved]:
            cluster = self.index.cluster_of(listing_id)
            if cluster is not None:
                out.clusters[listing_id] = cluster
        for cluster, previous in sorted(before.items()):
            info = self.index.cluster(cluster)
            if info is None:
                continue  # absorbed: its members moved
            out.sizes[cluster] = info.size
            if info.size.bit_length() > previous.bit_length():
                out.members[cluster] = self.index.members(cluster)
        for cluster in set(out.clusters.values()) - set(out.sizes):
            info = self.index.cluster(cluster)
            out.sizes[cluster] = info.size if info else 1
        return out

    def _finish(self, out: LinkOutcome) -> LinkOutcome:
        out.documents = self.docs.take_changes()
        return out


class ClusterReader:
    """Cluster summaries from a store's documents and listings (both stores alike)."""

    def __init__(
        self,
        fetch: Fetch,
        listings: Callable[[list[str]], Awaitable[list[Listing]]],
        search: Callable[[SearchQuery], Awaitable[list[Listing]]],
    ) -> None:
        self.fetch = fetch
        self.listings = listings
        self.search = search

    async def resolve(self, cluster_id: str) -> str | None:
        """The cluster holding `cluster_id` now: itself, or the one it was merged into."""
        docs = ClusterDocuments()
        index = DocumentClusterIndex(docs)
        return await with_documents(docs, lambda: index.resolve(cluster_id), self.fetch)

    async def summary(self, cluster_id: str) -> ClusterSummary | None:
        got = await self._summary(cluster_id)
        return got[0] if got else None

    async def _summary(self, cluster_id: str) -> tuple[ClusterSummary, list[Listing]] | None:
        final = await self.resolve(cluster_id)
        if final is None:
            return None
        linker = ActorLinker()
        members = await with_documents(linker.docs, lambda: linker.index.members(final), self.fetch)
        listings = await self.listings(members)
        stored = {x.id: ClusterListing.from_listing(x) for x in listings}
        summary = await with_documents(
            linker.docs, lambda: linker.clusterer.summary(final, stored), self.fetch
        )
        return summary, listings

    async def growth(self, cluster_id: str, since: datetime) -> int:
        """How many members of the cluster holding `cluster_id` were first seen since `since`."""
        got = await self._summary(cluster_id)
        return _recent(got[1], since) if got else 0

    async def clusters(self, query: ClusterQuery) -> list[ClusterSummary]:
        """Clusters with a member matching the query's filters, ranked by `query.sort`."""
        found: list[Listing] = []
        page = SEARCH_PAGE
        search = SearchQuery(**query.filters(), limit=page)
        more = True
        while more and len(found) < MAX_MATCHED_LISTINGS:
            hits = await self.search(search.model_copy(update={"offset": len(found)}))
            found += hits
            more = len(hits) == page
        if more:  # never silent: clusters beyond the cap would be missing from the ranking
            logger.warning(
                "clusters: ranked from the first %d listings that match the filters; more "
                "match: narrow them (--platform, --since, --min-risk, a text query) to see "
                "every cluster",
                len(found),
            )
        ids = list(dict.fromkeys(x.cluster_id for x in found if x.cluster_id))
        docs = ClusterDocuments()
        index = DocumentClusterIndex(docs)

        def sizes() -> dict[str, int]:
            docs.prefetch(f"cl:{c}" for c in ids)
            infos = {c: index.cluster(c) for c in ids}
            return {c: info.size if info else 0 for c, info in infos.items()}

        size = await with_documents(docs, sizes, self.fetch)
        now = query.now or datetime.now(UTC)
        day_ago = now - timedelta(days=1)
        ranked = []
        for c in ids:
            if size[c] < query.min_size:
                continue
            got = await self._summary(c)
            if got is not None:
                ranked.append((got[0], _recent(got[1], day_ago)))
        return [s for s, _ in rank_clusters(ranked, query.sort, now)][: query.limit]


def _recent(listings: Sequence[Listing], since: datetime) -> int:
    since = since if since.tzinfo else since.replace(tzinfo=UTC)
    return sum(
        1
        for x in listings
        if x.first_seen is not None
        and (x.first_seen if x.first_seen.tzinfo else x.first_seen.replace(tzinfo=UTC)) >= since
    )


CLUSTER_SORTS = ("size", "risk", "newest", "growth")


def rank_clusters(
    ranked: list[tuple[ClusterSummary, int]], sort: str, now: datetime
) -> list[tuple[ClusterSummary, int]]:
    """Order (summary, members first seen in the last day) pairs: largest, riskiest,
    newest (latest member first), or fastest-growing first; ties by size, then id."""
    keys = {
        "size": lambda r: (-r[0].size, -r[0].risk, r[0].id),
        "risk": lambda r: (-r[0].risk, -r[0].size, r[0].id),
        "newest": lambda r: (-(r[0].last_seen or now).timestamp(), r[0].id),
        "growth": lambda r: (-r[1], -r[0].size, r[0].id),
    }
    return sorted(ranked, key=keys[sort])
