"""The store interface that the SQLite and Elasticsearch stores implement.

Upsert semantics (both stores, across processes and restarts): a listing id not yet
stored is NEW; a stored one whose content fingerprint differs is CHANGED (first_seen
kept, price history extended when the prices differ); else UNCHANGED (last_seen
updated). Alerts and change tracking depend on this.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from crawler.cluster.summary import ClusterSummary
from crawler.evidence.removed import Misses
from crawler.models import (
    ClusterQuery,
    CrawlJob,
    Listing,
    SearchPage,
    SearchQuery,
    UpsertResult,
)


@dataclass(frozen=True)
class Rescored:
    """A listing whose platform signals changed: what the alert engine's catch-up needs to
    tell whether it has evaluated this version already, without reading the document."""

    id: str
    signals_at: datetime | None
    fingerprint: str | None
    first_fingerprint: str | None


class StoreError(RuntimeError):
    """A store could not do what was asked; the message says which store and why."""


class FencedOut(StoreError):
    """A write of a run whose platform lease was taken over by a newer run (hold_fence)."""


class ListingStore(ABC):
    """Where listings, crawl jobs and alerts live.

    A crawl opens one store (crawler.crawl.store.CrawlStore) and binds the crawl's stats
    collector to it: the store's own counters (writes spooled and replayed, conflicts,
    retries) then appear among the crawl's stats under `store/...`.
    """

    _stats: Any = None

    def bind_stats(self, stats: Any) -> None:
        """Count this store's events in `stats` (a Scrapy stats collector) under store/."""
        self._stats = stats

    def count_event(self, key: str, value: int = 1) -> None:
        """Add `value` to the counter store/<key> of the bound stats (if any)."""
        if self._stats is not None:
            self._stats.inc_value(f"store/{key}", value)

    async def open(self) -> None:  # noqa: B027 - optional hook
        """Create tables / index templates if needed. Idempotent."""

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Flush and release resources."""

    async def check_writable(self) -> None:  # noqa: B027 - optional hook
        """Raise StoreError (naming the store) when it cannot take writes now.

        Called before a crawl starts, so that a read-only or corrupt store fails the crawl
        with one clear line instead of losing every listing. A store that keeps writes
        for later (the Elasticsearch spool) can always take them.
        """

    async def fence_token(self, platform: str) -> int:
        """The newest fencing token this store has seen for `platform` (0: none)."""
        raise StoreError(f"{self!r} does not support fencing tokens (crawler worker)")

    async def hold_fence(self, platform: str, token: int) -> None:
        """Fence this store object's writes with a run's token (crawler.worker.lease).

        Records `token` as the platform's newest; from then on every write through this
        object raises FencedOut as soon as the store has seen a newer token for the
        platform, that is, once another run took the platform's lease over. Raises
        FencedOut at once when a newer token is already there.
        """
        raise StoreError(f"{self!r} does not support fencing tokens (crawler worker)")

    async def __aenter__(self) -> ListingStore:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    @abstractmethod
    async def upsert(self, listings: Sequence[Listing], seen_at: datetime) -> list[UpsertResult]:
        """Store listings; one result per listing, in order."""

    @abstractmethod
    async def known(self, platform: str, ids: Sequence[str]) -> dict[str, str | None]:
        """For the ids already stored: id -> list_fingerprint (None when not recorded)."""

    @abstractmethod
    async def touch(self, platform: str, ids: Sequence[str], seen_at: datetime) -> None:
        """Mark known listings as seen without re-fetching them."""

    @abstractmethod
    async def mark_missed(
        self,
        platform: str,
        walk_started_at: datetime,
        threshold: int,
        spare: Sequence[str] = (),
    ) -> Misses:
        """Count a miss on each stored listing of the platform that a complete full walk
        started at `walk_started_at` did not see (last_seen earlier, not removed yet; the
        ids in `spare` excepted: listings the walk listed but could not fetch), marking
        removed those reaching `threshold` misses in a row (crawler.evidence.removed).

        Upsert and touch undo it: a listing seen again has its misses reset and, when it
        was removed, `removed_at` cleared and `returned_at` set; its evidence is kept.
        Call it only for a walk that counts (crawler.evidence.removed.walk_counts).
        """

    @abstractmethod
    async def get(self, listing_id: str) -> Listing | None: ...

    @abstractmethod
    async def search(self, query: SearchQuery) -> SearchPage: ...

    @abstractmethod
    async def count(self, platform: str | None = None) -> int: ...

    @abstractmethod
    async def save_job(self, job: CrawlJob) -> None:
        """Insert or replace a crawl job record."""

    @abstractmethod
    async def jobs(self, platform: str | None = None, limit: int = 20) -> list[CrawlJob]:
        """Most recent first."""

    @abstractmethod
    async def latest_judged_jobs(self) -> list[CrawlJob]:
        """Every platform's most recent job with a health judgement (job.health), by platform.

        What `crawler health` and `crawler status` show; a platform whose runs were never
        judged (recorded before crawl health existed, or still running) is absent.
        """

    @abstractmethod
    async def summary(self) -> dict[str, Any]:
        """Counts per platform, top indicators, for `crawler run` and `crawler status`."""

    @abstractmethod
    async def save_alert(self, alert: dict[str, Any]) -> bool:
        """Store an alert record (it has an "id"); False when that id was stored before (dedup)."""

    @abstractmethod
    async def list_alerts(self, limit: int = 50, rule: str | None = None) -> list[dict[str, Any]]:
        """Most recent first."""

    @abstractmethod
    async def purge(self, not_seen_since: datetime, keep: Collection[str] = ()) -> int:
        """Retention: delete listings not seen since the date, except the ids in `keep`
        (legal holds, crawler.evidence.holds); returns how many were deleted."""

    @abstractmethod
    async def evidence_files(self) -> set[str]:
        """Every WARC file (EvidenceRef.file) a stored listing or one of its price-history
        versions points to: the evidence a purge must keep."""

    @abstractmethod
    async def update_platform_signals(self, platform: str) -> int:
        """Add the platform-level indicators (shared_contact, price_anomaly) to the platform's
        listings and re-score them (setting their `signals_at`); returns how many changed."""

    @abstractmethod
    async def rescored_since(self, since: datetime, limit: int = 10_000) -> list[Rescored]:
        """Listings whose platform signals changed at or after `since`, oldest change first
        (their ids and versions; `get_many` reads the documents).

        The alert engine reads them to evaluate its rules on the final documents, whoever
        computed the signals (a crawl's end, a spool replay); a crawl's close looks again
        at the last seconds' rescores, most of them evaluated already."""

    # -- actor clusters (crawler.store.actors; docs/clusters.md) -------------------------------
    @abstractmethod
    async def cluster_documents(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The actor-linking documents stored under these keys (absent keys left out)."""

    @abstractmethod
    async def get_many(self, ids: Sequence[str]) -> list[Listing]:
        """The stored listings with these ids, in the order given (unknown ids left out)."""

    def cluster_reader(self) -> Any:
        from crawler.store.actors import ClusterReader

        async def fetch(keys: list[str]) -> dict[str, Any]:
            return dict(await self.cluster_documents(keys))

        async def search(query: SearchQuery) -> list[Listing]:
            return (await self.search(query)).listings

        return ClusterReader(fetch, self.get_many, search)

    async def cluster_summary(self, cluster_id: str) -> ClusterSummary | None:
        """What an analyst reads about one cluster (an absorbed id gives the cluster that
        absorbed it); None when no cluster has that id."""
        return await self.cluster_reader().summary(cluster_id)

    async def clusters(self, query: ClusterQuery) -> list[ClusterSummary]:
        """Clusters with a member matching the filters, ranked (crawler clusters)."""
        return await self.cluster_reader().clusters(query)

    async def resolve_cluster(self, cluster_id: str) -> str | None:
        """The cluster that holds `cluster_id` now (itself, or the one it was merged into)."""
        return await self.cluster_reader().resolve(cluster_id)

    async def cluster_growth(self, cluster_id: str, since: datetime) -> int:
        """Members of the cluster holding `cluster_id` first seen at or after `since`."""
        return await self.cluster_reader().growth(cluster_id, since)

    async def pending_writes(self) -> PendingWrites | None:
        """Writes this store still holds back (the Elasticsearch spool), after trying to
        deliver them now; None for a store that never holds writes back."""
        return None

    def replayed(self) -> int:
        """How many held-back writes this process delivered (a spool replay), so far."""
        return 0


@dataclass(frozen=True)
class PendingWrites:
    """Writes waiting for the store: how many, since when, where they are kept."""

    count: int  # every kind of write
    listings: int  # of which listing upserts
    oldest: datetime | None
    where: str
