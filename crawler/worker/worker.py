"""`crawler worker`: a long-running process that takes platform runs from the queue.

Runs happen in this process, several at once (WORKER_MAX_JOBS), through Scrapy's
AsyncCrawlerRunner on the asyncio reactor: no interpreter start, no imports, no profile
parsing per run (a platform's profile is read at its first run and again when its file
changes: crawler.worker.profiles). The queue is arq's: one arq Worker per queue this worker's capabilities
allow (crawler.worker.queue), all sharing one semaphore, so the worker never holds more
jobs than it runs.

For each job:
1. arq marks the job in progress; we shorten that mark to QUEUE_LEASE at once, and renew it
   with the platform lease, so a job whose worker died is picked up by another worker
   within QUEUE_LEASE (arq's own mark would last the whole QUEUE_JOB_TIMEOUT);
2. the platform lease is taken with a fencing token above the store's newest for the
   platform (crawler.worker.lease); a platform still leased by another run is retried later;
3. the crawl runs with CRAWL_FENCE_TOKEN set: the store refuses its writes once a newer run
   took the platform over (crawler.store: hold_fence);
4. a heartbeat renews the lease every third of QUEUE_LEASE; when renewing fails for good (the
   lease was taken, or Redis stayed unreachable past the lease), the crawl is stopped at once
   (finish reason `lease_lost`);
5. the lease is released and the run's summary logged (the same `crawl key=value` line and
   exit-code reasons as `crawler crawl`).

SIGTERM or SIGINT: no new jobs are taken; running crawls get WORKER_STOP_TIMEOUT seconds to
finish, then are stopped (their jobs recorded interrupted) and handed back to the queue, so
another worker finishes the platform (its next run resumes the walk). A second signal stops
them at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import time
from dataclasses import dataclass, field
from typing import Any

from crawler.config import ConfigError
from crawler.crawl.outcome import EXIT_CONFIG, EXIT_INCOMPLETE, crawl_exit, crawl_summary
from crawler.worker.config import WorkerConfig
from crawler.worker.lease import LeaseLost, PlatformLease
from crawler.worker.queue import JOB_FUNCTION, connect, queues_for

logger = logging.getLogger("crawler.worker")

# Loggers of Scrapy's per-crawler start-up lines, quiet in a worker (CrawlWorker.run).
QUIET_AFTER_START = ("scrapy.middleware", "scrapy.crawler", "scrapy.utils.log")


@dataclass
class ActiveRun:
    platform: str
    lease: PlatformLease
    crawler: Any = None
    lost: str | None = None  # why the lease was lost
    handed_back: bool = False
    started: float = field(default_factory=time.monotonic)


class CrawlWorker:
    def __init__(self, settings: Any, config: WorkerConfig) -> None:
        self.settings = settings
        self.config = config
        self.runs: dict[str, ActiveRun] = {}
        self.stopping = False
        self.done = 0
        self._stop = asyncio.Event()
        self._signals = 0
        self._profiles: Any = None  # crawler.worker.profiles.ProfileCache, made at the first run
        self._runner: Any = None
        self._arq: list[Any] = []
        self._fences: Any = None  # a store, open while the worker runs (_store_fence)

    # -- profiles ----------------------------------------------------------------------------

    def _profile(self, platform: str) -> tuple[Any, str]:
        """The platform's profile (read once, again when its file changes), or None and why
        not, as `crawler crawl NAME` says it (its broken file, or the configured platforms)."""
        from crawler.profiles import UnknownPlatform
        from crawler.worker.profiles import ProfileCache

        if self._profiles is None:
            self._profiles = ProfileCache(self.settings)
        try:
            return self._profiles.get(platform), ""
        except UnknownPlatform as exc:
            return None, str(exc)

    # -- the job -----------------------------------------------------------------------------

    async def _store_fence(self, platform: str) -> int:
        """The store's newest fencing token for the platform (one store kept open for it)."""
        if self._fences is None:
            from crawler.store import open_store

            store = open_store(self.settings)
            await store.open()
            self._fences = store
        return await self._fences.fence_token(platform)

    async def crawl_platform(self, ctx: dict[str, Any], platform: str, full: bool = False) -> dict:
        from arq.constants import in_progress_key_prefix
        from arq.worker import Retry

        redis = ctx["redis"]
        queue = self.config.queue
        in_progress = in_progress_key_prefix + ctx["job_id"]
        # Our lease, not arq's whole job timeout, decides how soon a dead worker's job moves.
        await redis.pexpire(in_progress, int(queue.lease * 1000))
        if self.stopping:
            raise Retry(defer=0)  # taken just as we stop: handed back at once
        profile, why = self._profile(platform)
        if profile is None:
            logger.error("worker: %s: not run: %s", platform, why)
            return {"platform": platform, "exit": EXIT_CONFIG, "error": why}
        try:
            self._check(profile)
        except ConfigError as exc:
            logger.error("worker: %s: not run: %s", platform, exc)
            return {"platform": platform, "exit": EXIT_CONFIG, "error": str(exc)}
        lease = await PlatformLease.take(
            redis,
            queue.name,
            platform,
            queue.lease,
            store_token=await self._store_fence(platform),
            followers=(in_progress,),
        )
        if lease is None:
            logger.info("worker: %s: another run holds the platform; retried later", platform)
            raise Retry(defer=queue.lease)
        run = ActiveRun(platform, lease)
        self.runs[platform] = run
        heartbeat = asyncio.create_task(self._heartbeat(run))
        try:
            crawler = self._runner.create_crawler("listing")
            crawler.settings.set("CRAWL_FENCE_TOKEN", lease.token, priority="cmdline")
            # The run's figures are in its `crawl key=value` line and its job record: not
            # Scrapy's pretty-printed dump of every stat, a hundred lines a run.
            crawler.settings.set("STATS_DUMP", False, priority="cmdline")
            run.crawler = crawler
            logger.info(
                "worker: %s: run started (token %d, try %d)", platform, lease.token, ctx["job_try"]
            )
            await self._runner.crawl(crawler, profile=profile, full=full)
        finally:
            heartbeat.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await heartbeat
            self.runs.pop(platform, None)
            if run.lost is None:
                # A run can end before its heartbeat notices a takeover (the store refused its
                # writes, so it failed fast): one last renewal says whose the platform is.
                try:
                    async with asyncio.timeout(max(0.5, lease.ttl / 3)):
                        await lease.renew()
                except LeaseLost as exc:
                    run.lost = str(exc)
                except Exception:  # noqa: BLE001 - Redis unreachable: the store's fence holds
                    pass
                else:
                    with contextlib.suppress(Exception):
                        await lease.release()
        self.done += 1
        summary = crawl_summary(platform, crawler)
        summary["token"] = lease.token
        stats = crawler.stats.get_stats() if crawler.stats else {}
        job = getattr(crawler.spider, "job", None)
        if run.lost is not None:
            # Whatever the crawl recorded, its end is not this run's to claim: another run
            # holds the platform (and the store refuses this one's late writes).
            summary["status"] = "lease_lost"
            code = EXIT_INCOMPLETE
            logger.info("crawl %s", " ".join(f"{k}={v}" for k, v in summary.items()))
            logger.error("worker: %s: %s; the run was stopped", platform, run.lost)
        else:
            logger.info("crawl %s", " ".join(f"{k}={v}" for k, v in summary.items()))
            code = crawl_exit(
                platform,
                stats,
                job,
                summary["finish_reason"],
                lambda m: logger.warning("worker: %s", m),
            )
        if run.handed_back:
            raise Retry(defer=0)
        return {"exit": code, **summary}

    def _check(self, profile: Any) -> None:
        """What `crawler crawl` checks before a run: ConfigError (file, field, reason)."""
        from crawler.crawl.settings import profile_settings
        from crawler.evidence.capture import check_settings

        profile_settings(profile, self.settings)
        check_settings(self.settings)

    async def _heartbeat(self, run: ActiveRun) -> None:
        from redis.exceptions import RedisError

        every = run.lease.ttl / 3
        warned = False
        while True:
            await asyncio.sleep(every)
            try:
                # A link cut without a reset (a pulled cable, a partition) leaves the call
                # waiting for ever: bound it by what is left of the lease, so that the run
                # stops once the lease has run out by this process's clock.
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows the run's
                # cancel of this heartbeat when it arrives as the renewal answers, and the
                # heartbeat then renews the finished run's lease for ever (the platform never
                # runs again while this worker lives).
                left = max(0.5, min(run.lease.deadline - time.monotonic(), run.lease.ttl / 3))
                async with asyncio.timeout(left):
                    await run.lease.renew()
                warned = False
                continue
            except LeaseLost as exc:
                run.lost = str(exc)
            except (RedisError, OSError) as exc:
                if not run.lease.expired():
                    if not warned:
                        warned = True
                        logger.warning(
                            "worker: %s: lease not renewed (%s); retrying until it runs out",
                            run.platform,
                            exc,
                        )
                    every = min(every, 1.0)
                    continue
                run.lost = f"the platform lease ran out while Redis was unreachable ({exc})"
            logger.error("worker: %s: %s; stopping the run", run.platform, run.lost)
            await self._close(run, "lease_lost")
            return

    async def _close(self, run: ActiveRun, reason: str) -> None:
        crawler = run.crawler
        if crawler is not None and crawler.engine is not None and crawler.crawling:
            await crawler.engine.close_spider_async(reason=reason)

    # -- the process -------------------------------------------------------------------------

    def stop(self) -> None:
        self._signals += 1
        self.stopping = True
        for w in self._arq:
            w.allow_pick_jobs = False
        self._stop.set()
        if self._signals > 1:
            logger.warning("worker: second signal: stopping every run now")
            for run in list(self.runs.values()):
                run.handed_back = True
                asyncio.ensure_future(self._close(run, "shutdown"))

    async def run(self) -> int:
        from arq import Worker, func

        from crawler.store.sqlite import keep_connections
        from crawler.worker.settings import RunCrawlers

        cfg = self.config
        # A SQLite store's connection (and its schema check) serves run after run.
        keep_connections()
        # What Scrapy says at each crawler's start (its enabled components, the settings that
        # differ from its defaults, the reactor) is the same for every run of a worker, and
        # `crawler crawl NAME` says it: not said here (WARNING and above still pass).
        levels = {name: logging.getLogger(name).level for name in QUIET_AFTER_START}
        for name in QUIET_AFTER_START:
            logging.getLogger(name).setLevel(logging.WARNING)
        # Each run's Crawler copies these settings: cheaply, and once (RunCrawlers).
        self._runner = RunCrawlers(self.settings)
        self._warm_up()
        pool = await connect(cfg.queue)
        queues = queues_for(cfg.queue, cfg.capabilities)
        function = func(
            self.crawl_platform,
            name=JOB_FUNCTION,
            max_tries=cfg.queue.max_tries,
            keep_result=0,
            timeout=cfg.queue.job_timeout,
        )
        slots = asyncio.BoundedSemaphore(cfg.max_jobs)
        for name in queues:
            w = Worker(
                functions=[function],
                queue_name=name,
                redis_pool=pool,
                max_jobs=cfg.max_jobs,
                handle_signals=False,
                keep_result=0,
                job_timeout=cfg.queue.job_timeout,
                max_tries=cfg.queue.max_tries,
                poll_delay=0.5,
                health_check_interval=max(cfg.queue.lease, 10),
            )
            # One budget of runs for the whole process, not one per queue.
            w.sem = slots
            self._arq.append(w)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        logger.warning(
            "worker: started: queues %s, %d runs at once, capabilities %s",
            ", ".join(queues),
            cfg.max_jobs,
            ", ".join(sorted(cfg.capabilities)) or "none",
        )
        tasks = [asyncio.ensure_future(self._supervise(w)) for w in self._arq]
        try:
            waiter = asyncio.ensure_future(self._stop.wait())
            done, _ = await asyncio.wait([waiter, *tasks], return_when=asyncio.FIRST_COMPLETED)
            failed = [t for t in done if t is not waiter and t.exception() is not None]
            if failed:
                raise failed[0].exception()  # type: ignore[misc]
            await self._drain()
        finally:
            for w in self._arq:
                with contextlib.suppress(Exception):
                    await w.close()
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            with contextlib.suppress(Exception):
                await pool.aclose()
            if self._fences is not None:
                with contextlib.suppress(Exception):
                    await self._fences.close()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            keep_connections(False)
            for name, level in levels.items():
                logging.getLogger(name).setLevel(level)
        logger.warning("worker: stopped after %d runs", self.done)
        return 0

    async def _supervise(self, w: Any) -> None:
        """Run one arq Worker's polling loop; when Redis goes away, say so and poll again once
        it is back (running crawls go on meanwhile: their leases ride out the outage)."""
        from redis.exceptions import RedisError

        warned = False
        while not self.stopping:
            try:
                await w.main()
                return
            except (RedisError, OSError) as exc:
                if not warned:
                    warned = True
                    logger.warning("worker: queue %s unreachable (%s); retrying", w.queue_name, exc)
                await asyncio.sleep(1.0)

    def _warm_up(self) -> None:
        """Import every crawl component and load the lexicons once, before the first job:
        later runs start at once, and no run's lease heartbeat waits on seconds of imports."""
        from scrapy.utils.misc import load_object

        from crawler.extract import extract, normalise_location

        self._runner.spider_loader.load("listing")
        for name in (
            "ITEM_PIPELINES",
            "DOWNLOADER_MIDDLEWARES",
            "SPIDER_MIDDLEWARES",
            "EXTENSIONS",
        ):
            for path, order in self.settings.getdict(name).items():
                if order is not None:
                    load_object(path)
        extract("warm up 1 EUR", html=None)
        normalise_location("amsterdam")

    async def _drain(self) -> None:
        """Let running crawls finish for WORKER_STOP_TIMEOUT, then stop and hand them back."""
        deadline = time.monotonic() + self.config.stop_timeout
        if self.runs:
            logger.warning(
                "worker: stopping: waiting up to %.0fs for %s",
                self.config.stop_timeout,
                ", ".join(sorted(self.runs)),
            )
        while self.runs and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for run in list(self.runs.values()):
            run.handed_back = True
            logger.warning("worker: %s: stopped and handed back to the queue", run.platform)
            await self._close(run, "shutdown")
        while any(w.tasks for w in self._arq):  # arq records each job's end (Retry: requeued)
            if all(t.done() for w in self._arq for t in w.tasks.values()):
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.1)
