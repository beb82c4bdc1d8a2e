"""One store per crawl, and the crawl's job record (a Scrapy extension).

`CrawlStore` (enabled in settings/base.py EXTENSIONS) opens the store the settings name
(crawler.store.open_store) the first time a component asks for it, binds the crawl's stats
collector to it (its counters appear under `store/...`), and closes it when the spider
closes, after the pipelines (upserts flushed, platform signals, alert deliveries) and
after recording the end of the crawl job. Components get the store with
`await CrawlStore.of(crawler).store()`.

The crawl job: `previous_jobs(platform)` marks this host's dead `running` jobs of the
platform as killed (crawler.crawl.jobs) and returns the earlier jobs; `start_job(platform,
mode)` saves a `running` job with this process's id; at the close, the spider's `finish_job(job, reason)` fills in how the run went and
the job is saved again; then its health alerts, if its judgement changed the platform's
status (crawler.alerts.health.notify_health). A crawl killed before that stays `running` until the next run or
`crawler status` marks it killed.

Removed listings (crawler.evidence.removed): once the job is judged and saved, a run that
counts as a complete full walk (`walk_counts`) has the store count a miss on each of the
platform's listings it did not see (`ListingStore.mark_missed`, STORE_REMOVED_AFTER_MISSES
in a row mark one removed); the counts go on the job (`missed`, `removed`, or
`removed_note` saying why the run did not count), the stats (`removed/missed`,
`removed/marked`, `removed/errors`) and the log, and the removed rules are told
(crawler.alerts.removed.notify_removed).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import NotConfigured

from crawler.alerts.health import notify_health
from crawler.alerts.removed import notify_removed
from crawler.crawl.jobs import mark_dead_jobs, own_process
from crawler.crawl.registry import remember
from crawler.evidence.removed import WalkVerdict, removed_after_misses, walk_counts
from crawler.models import CrawlJob, Listing, utcnow
from crawler.store import ListingStore, StoreError, open_store

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

_EXTENSIONS: weakref.WeakKeyDictionary[Crawler, CrawlStore] = weakref.WeakKeyDictionary()


class CrawlStore:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self._store: ListingStore | None = None
        self._lock = asyncio.Lock()
        self.job: CrawlJob | None = None
        # The store stage's end-of-run platform signals pass: the alert stage evaluates the
        # rescored listings only after it (pipelines close in parallel).
        self.signals_expected = False
        self.signals_done = asyncio.Event()
        self.removed_after = removed_after_misses(crawler.settings)
        # CRAWL_FENCE_TOKEN: the platform-lease token of a run a worker started (else 0).
        self.fence = crawler.settings.getint("CRAWL_FENCE_TOKEN")
        crawler.signals.connect(self._spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlStore:
        ext = cls(crawler)
        remember(_EXTENSIONS, crawler, ext)
        return ext

    @classmethod
    def of(cls, crawler: Crawler) -> CrawlStore:
        """The crawl's extension (settings/base.py enables it for every crawl)."""
        ext = _EXTENSIONS.get(crawler)
        if ext is None:
            raise NotConfigured("crawler.crawl.store.CrawlStore is not in EXTENSIONS")
        return ext

    async def store(self) -> ListingStore:
        """The crawl's store, opened on first use."""
        async with self._lock:
            if self._store is None:
                store = open_store(self.crawler.settings)
                store.bind_stats(self.crawler.stats)
                await store.open()
                if self.fence:
                    # A worker's run (crawler.worker): once a newer run holds the platform's
                    # lease, the store refuses this one's writes (FencedOut).
                    platform = getattr(self.crawler.spider, "platform", None)
                    await store.hold_fence(str(platform), self.fence)
                self._store = store
            return self._store

    async def previous_jobs(self, platform: str, limit: int = 50) -> list[CrawlJob]:
        """The platform's earlier jobs, most recent first, dead `running` ones marked killed."""
        store = await self.store()
        marked = await mark_dead_jobs(store, platform, fence=self.fence or None)
        if marked:
            logger.warning(
                "%s: %d earlier run(s) ended without recording their end; marked killed",
                platform,
                len(marked),
            )
        return await store.jobs(platform, limit=limit)

    async def start_job(self, platform: str, mode: str) -> CrawlJob:
        """Record this run as `running`, with this process's id and host."""
        store = await self.store()
        pid, pid_started, host = own_process()
        self.job = CrawlJob(
            id=f"{platform}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S%f')}",
            platform=platform,
            started_at=utcnow(),
            mode=mode,
            pid=pid,
            pid_started=pid_started,
            host=host,
            fence=self.fence or None,
        )
        await store.save_job(self.job)
        return self.job

    async def _spider_closed(self, spider: Any, reason: str) -> None:
        store, self._store = self._store, None
        if store is None:
            return
        try:
            finish = getattr(spider, "finish_job", None)
            if self.job is not None and finish is not None:
                await finish(self.job, reason, store)
                pending = await store.pending_writes()
                held = pending.count if pending is not None else 0
                if pending is not None and pending.count:
                    self.job.spooled = pending.count
                    self.crawler.stats.set_value("store/spooled_at_end", pending.count)
                    self.crawler.stats.set_value("store/spooled_listings_at_end", pending.listings)
                    logger.warning(
                        "%s: %d listings (%d writes in all) kept in the spool %s: "
                        "Elasticsearch is still unavailable; they are replayed when it is back",
                        self.job.platform,
                        pending.listings,
                        pending.count,
                        pending.where,
                    )
                await store.save_job(self.job)
                removed = await self._count_misses(store, self.job, held)
                await store.save_job(self.job)
                await notify_health(
                    store, self.job, self.crawler.settings, stats=self.crawler.stats
                )
                await notify_removed(
                    store,
                    removed,
                    self.crawler.settings,
                    job_id=self.job.id,
                    stats=self.crawler.stats,
                )
        finally:
            await store.close()

    async def _count_misses(self, store: ListingStore, job: CrawlJob, held: int) -> list[Listing]:
        """Count this run's misses when it is a walk that counts; the newly removed listings."""
        stats = self.crawler.stats
        try:
            verdict = walk_counts(job, stored=await store.count(job.platform), pending_writes=held)
        except StoreError as exc:
            verdict = WalkVerdict(False, f"the store cannot be read ({exc})")
        if not verdict.counts:
            job.removed_note = f"misses not counted: {verdict.why}"
            logger.info("%s: removed listings: %s", job.platform, job.removed_note)
            return []
        # Listed by this walk, but their detail pages failed: seen, not missed.
        spare = [str(f["listing_id"]) for f in job.failed_pages if f.get("listing_id")]
        try:
            misses = await store.mark_missed(
                job.platform, job.started_at, self.removed_after, spare
            )
        except StoreError as exc:
            job.removed_note = f"misses not counted: {exc}"
            stats.inc_value("removed/errors")
            logger.error("%s: removed listings: misses not counted: %s", job.platform, exc)
            return []
        job.missed, job.removed = misses.missed, len(misses.removed)
        stats.set_value("removed/missed", misses.missed)
        stats.set_value("removed/marked", len(misses.removed))
        if misses.missed:
            logger.info(
                "%s: removed listings: %d stored listing(s) not found by this full walk, "
                "%d marked removed (%d misses in a row)",
                job.platform,
                misses.missed,
                len(misses.removed),
                self.removed_after,
            )
        return misses.removed
