"""Incremental actor linking: a new listing joins or merges clusters, nothing is recomputed.

`ActorClusterer.add(listing)` links a listing to earlier ones in two ways:

- **text**: its own text (title + body) without its platform's boilerplate
  (crawler.cluster.boilerplate), normalised and shingled (crawler.cluster.text), is a
  MinHash signature; listings sharing an LSH band key are candidates, and a candidate
  whose estimated Jaccard similarity is >= TEXT_THRESHOLD is linked (the best link per
  cluster is kept). A text with fewer
  than MIN_SHINGLES distinct shingles never links by text (short generic ads: "cleaner
  wanted, 12 EUR per hour" from two posters).
- **identifiers** (phone, e-mail, handle, wallet): a shared identifier links, unless it
  is a *hub*. An identifier is judged from the listings that carry it (the oldest
  HUB_SAMPLE of them), grouped by their text (single-link groups at similarity
  >= GROUP_THRESHOLD): it is a hub when at least HUB_MIN_LISTINGS listings carry it, they
  fall into at least HUB_MIN_GROUPS text groups and no group holds HUB_MAX_SHARE of them:
  a platform's support address on every ad, a footer number, a payment processor's
  wallet. One actor's ads share wording and form one or two groups, so an actor's phone
  on 40 ads links them. It links: from HUB_MIN_LISTINGS listings when their texts form
  one group; from HUB_PATIENCE listings when it is not a hub (an actor writing two ways:
  two groups, which on five listings could also be a footer on two posters' ads); below
  HUB_MIN_LISTINGS only when the texts are near-duplicates (one group at TEXT_THRESHOLD).
  Otherwise it waits, and links all its listings at once when it starts linking. A
  linking identifier is judged again each time its count doubles; one that becomes a hub
  stops linking (links already made stay, with their reasons).

Clusters: a listing that links to nothing starts a cluster whose id is ``cl-<listing id>``.
A listing that links to several clusters merges them; the oldest cluster (the one begun
first in arrival order) keeps its id and every absorbed one is recorded as a `Merge` with its reason.
All state is in the `ClusterIndex` (crawler.cluster.index) and the `PlatformBoilerplate`
tables, so a store can persist it and a new clusterer continues where the last stopped.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime

import numpy as np

from crawler.cluster.boilerplate import PlatformBoilerplate
from crawler.cluster.index import ClusterIndex, MemoryClusterIndex
from crawler.cluster.records import (
    HUB,
    LINKING,
    UNDECIDED,
    AddResult,
    ClusterListing,
    Identifier,
    IdentifierState,
    Link,
    ListingRecord,
    Merge,
)
from crawler.cluster.signature import band_keys, jaccard_many, jaccard_matrix, signature
from crawler.cluster.summary import ClusterSummary, summarize
from crawler.cluster.text import SHINGLE_WORDS, prepare_text, shingles

# Thresholds, each chosen by measurement on the tuning world (docs/clusters.md).
TEXT_THRESHOLD = 0.6
MIN_SHINGLES = 20
GROUP_THRESHOLD = 0.2
HUB_MIN_LISTINGS = 5
HUB_MIN_GROUPS = 3
HUB_MAX_SHARE = 0.5
HUB_PATIENCE = 10
HUB_SAMPLE = 24
CANDIDATE_LIMIT = 50


class ActorClusterer:
    """Links listings into actors, one `add` at a time, over a ClusterIndex."""

    def __init__(
        self,
        index: ClusterIndex | None = None,
        boilerplate: PlatformBoilerplate | None = None,
        *,
        text_threshold: float = TEXT_THRESHOLD,
        min_shingles: int = MIN_SHINGLES,
        group_threshold: float = GROUP_THRESHOLD,
        hub_min_listings: int = HUB_MIN_LISTINGS,
        hub_min_groups: int = HUB_MIN_GROUPS,
        hub_max_share: float = HUB_MAX_SHARE,
        hub_patience: int = HUB_PATIENCE,
        shingle_words: int = SHINGLE_WORDS,
    ) -> None:
        self.shingle_words = shingle_words
        # How a text is prepared (a caller linking a batch may pass a memoised one).
        self.prepare = prepare_text
        self.index: ClusterIndex = index if index is not None else MemoryClusterIndex()
        self.boilerplate = boilerplate if boilerplate is not None else PlatformBoilerplate()
        self.text_threshold = text_threshold
        self.min_shingles = min_shingles
        self.group_threshold = group_threshold
        self.hub_min_listings = hub_min_listings
        self.hub_min_groups = hub_min_groups
        self.hub_max_share = hub_max_share
        self.hub_patience = hub_patience

    # -- text -------------------------------------------------------------------------------

    def text_signature(self, listing: ClusterListing) -> tuple[bytes | None, int]:
        """(signature, distinct shingles) of a listing's own text; no signature without text.

        Counts the listing's sentences in its platform's boilerplate table first. A text
        with fewer than `min_shingles` shingles keeps its signature (hub judgements compare
        short texts too) but gets no band keys: it never links by text.
        """
        found = self.own_shingles(listing)
        return (signature(found) if found else None), len(found)

    def own_shingles(self, listing: ClusterListing, observe: bool = True) -> set[str]:
        """The shingles of a listing's own text: its platform's boilerplate left out (after
        counting its sentences in the boilerplate table, unless `observe` is False)."""
        prepared = self.prepare(listing.title, listing.body, listing.location)
        keys = list(prepared.keys)
        if observe:
            self.boilerplate.observe(listing.platform, keys)
        skip = self.boilerplate.boilerplate(listing.platform, keys)
        return shingles(prepared.tokens(skip), self.shingle_words)

    # -- adding -----------------------------------------------------------------------------

    def add(self, listing: ClusterListing, at: datetime | None = None) -> AddResult:
        """Link one listing; returns its cluster and the links, merges and hubs it made.

        A listing already in the index is left as it is (its cluster is returned).
        """
        index = self.index
        existing = index.cluster_of(listing.id)
        if existing is not None:
            return AddResult(listing.id, existing)
        at = at or listing.first_seen
        sig, count = self.text_signature(listing)
        linkable = sig is not None and count >= self.min_shingles
        keys = band_keys(sig) if sig is not None and linkable else []
        links: list[Link] = []
        if sig is not None and linkable:
            best: dict[str, tuple[float, str]] = {}  # cluster -> (similarity, listing)
            found = []
            for other in index.candidates(keys, CANDIDATE_LIMIT):
                rec = index.record(other)
                if (
                    rec is not None
                    and rec.signature is not None
                    and rec.shingle_count >= self.min_shingles
                ):
                    found.append(rec)
            sims = jaccard_many(sig, [rec.signature for rec in found if rec.signature])
            for rec, sim in zip(found, sims, strict=True):
                if sim < self.text_threshold:
                    continue  # most candidates: their cluster is not asked for
                cluster = index.cluster_of(rec.id)
                if cluster is not None and (cluster not in best or sim > best[cluster][0]):
                    best[cluster] = (sim, rec.id)
            links += [
                Link(listing.id, other, "text", at, similarity=sim) for sim, other in best.values()
            ]
        record = ListingRecord(
            listing.id,
            listing.platform,
            listing.first_seen,
            index.next_seq(),
            sig,
            count,
            tuple(dict.fromkeys(listing.identifiers)),
        )
        index.add_listing(record, keys)

        result = AddResult(listing.id, "")
        # Older listings brought together by an identifier that starts linking now: their
        # links point at this listing (the one that tipped the identifier over).
        together: list[Link] = []
        for identifier in record.identifiers:
            partners, became_hub = self._identifier_partners(identifier, record)
            if became_hub:
                result.new_hubs.append(identifier)
            if partners:
                links.append(Link(listing.id, partners[0], "identifier", at, identifier))
                together += [
                    Link(p, listing.id, "identifier", at, identifier) for p in partners[1:]
                ]
        self._join(listing, record, links, together, at, result)
        return result

    def _join(
        self,
        listing: ClusterListing,
        record: ListingRecord,
        links: list[Link],
        together: list[Link],
        at: datetime,
        result: AddResult,
    ) -> None:
        index = self.index
        reasons: dict[str, str] = {}
        for link in links:
            cluster = index.cluster_of(link.other)
            if cluster is not None:
                reasons.setdefault(cluster, f"listing {listing.id}: {link.reason}")
        for link in together:
            cluster = index.cluster_of(link.listing)
            if cluster is not None:
                reasons.setdefault(cluster, f"listing {link.listing}: {link.reason}")
        if not reasons:
            cluster_id = f"cl-{listing.id}"
            index.create_cluster(cluster_id, listing.id, record.first_seen)
            result.cluster, result.created = cluster_id, True
            return
        infos = [index.cluster(c) for c in reasons]
        # The older cluster is the one the store began first (arrival order): the same
        # listings in the same order keep the same ids, whatever the clocks said.
        ordered = sorted((i for i in infos if i is not None), key=lambda i: (i.seq, i.id))
        kept = ordered[0].id
        index.assign(listing.id, kept)
        for link in links + together:
            index.add_link(link)
        for info in ordered[1:]:
            merge = Merge(kept, info.id, at, reasons[info.id])
            index.merge(merge)
            result.merges.append(merge)
        result.cluster, result.links = kept, links + together

    # -- identifiers ------------------------------------------------------------------------

    def _identifier_partners(
        self, identifier: Identifier, record: ListingRecord
    ) -> tuple[list[str], bool]:
        """(listings to link `record` with through `identifier`, whether it just became a hub)."""
        index = self.index
        state = index.identifier_state(identifier)
        if state is not None and state.status == HUB:
            return [], False
        n = index.identifier_count(identifier)
        if n < 2:
            return [], False
        if state is not None and state.status == LINKING and n < state.next_check:
            first = index.listings_with(identifier, limit=1)
            return [i for i in first if i != record.id], False
        new = self.judge(identifier, record.id, n)
        index.set_identifier_state(identifier, new)
        if new.status == HUB:
            return [], True
        if new.status != LINKING:
            return [], False
        if state is not None and state.status == LINKING:
            first = index.listings_with(identifier, limit=1)
            return [i for i in first if i != record.id], False
        # Newly linking: every listing that carries it so far comes together.
        return [i for i in index.listings_with(identifier) if i != record.id], False

    def judge(self, identifier: Identifier, newest: str, n: int) -> IdentifierState:
        """Hub, linking or undecided, from the texts of the listings carrying `identifier`."""
        holders = self.index.listings_with(identifier, limit=HUB_SAMPLE)
        if newest not in holders:
            holders = [*holders[: HUB_SAMPLE - 1], newest]
        sigs = [
            rec.signature
            for rec in (self.index.record(h) for h in holders)
            if rec is not None and rec.signature is not None
        ]
        groups, largest = text_groups(sigs, self.group_threshold)
        big = n >= self.hub_min_listings
        if big and groups >= self.hub_min_groups and largest < self.hub_max_share * len(sigs):
            reason = (
                f"on {n} listings whose texts fall into {groups} unrelated groups "
                f"(largest {largest} of {len(sigs)})"
            )
            return IdentifierState(HUB, n, groups, n, reason)
        if big and groups <= 1:
            status, reason = LINKING, f"on {n} listings whose texts form one group"
        elif n >= self.hub_patience:
            status, reason = LINKING, f"on {n} listings in {groups} text groups: not a hub"
        elif len(sigs) >= 2 and text_groups(sigs, self.text_threshold)[0] == 1:
            # Few listings: it links only texts close enough to be one writer's.
            status, reason = LINKING, "the listings carrying it share wording"
        else:
            status, reason = UNDECIDED, f"{groups} text groups among {n} listings: waiting"
        next_check = 2 * n if status == LINKING and big else n + 1
        return IdentifierState(status, n, groups, next_check, reason)

    # -- what an analyst reads ---------------------------------------------------------------

    def summary(self, cluster_id: str, listings: Mapping[str, ClusterListing]) -> ClusterSummary:
        """The summary of a cluster; `listings` holds its members by id (the store's copy)."""
        members = [listings[i] for i in self.index.members(cluster_id) if i in listings]
        hubs = set()
        for x in members:
            for identifier in x.identifiers:
                state = self.index.identifier_state(identifier)
                if state is not None and state.status == HUB:
                    hubs.add(identifier)
        return summarize(
            cluster_id,
            members,
            hubs=hubs,
            links=self.index.links(cluster_id),
            merges=self.index.merges(cluster_id),
            boilerplate=self.boilerplate,
        )

    # -- batches ----------------------------------------------------------------------------

    def add_all(self, listings: Iterable[ClusterListing]) -> list[AddResult]:
        return [self.add(listing) for listing in listings]


def text_groups(sigs: list[bytes], threshold: float) -> tuple[int, int]:
    """(number of groups, size of the largest) of single-link groups at `threshold`."""
    if not sigs:
        return 0, 0
    if len(sigs) == 1:
        return 1, 1
    close = jaccard_matrix(sigs) >= threshold
    parent = list(range(len(sigs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, j in zip(*np.nonzero(np.triu(close, 1)), strict=True):
        a, b = find(int(i)), find(int(j))
        if a != b:
            parent[max(a, b)] = min(a, b)
    roots = [find(i) for i in range(len(sigs))]
    sizes: dict[int, int] = {}
    for r in roots:
        sizes[r] = sizes.get(r, 0) + 1
    return len(sizes), max(sizes.values())


def cluster_all(
    listings: Iterable[ClusterListing], clusterer: ActorClusterer | None = None
) -> ActorClusterer:
    """Link listings in the order given (a batch run is a run of `add`)."""
    clusterer = clusterer or ActorClusterer()
    clusterer.add_all(listings)
    return clusterer
