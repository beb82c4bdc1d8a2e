"""The platform lease and its fencing token, on a real Redis, and the store's fence.

What an operator relies on: two workers never run one platform at once; a worker that
died frees its platform within QUEUE_LEASE; a worker that lost its lease cannot write into
the store any more, even if it wakes up later; a Redis that lost its data cannot hand out
a token the store would take for an old one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
import redis.asyncio as aioredis

from crawler.models import CrawlJob
from crawler.store import FencedOut
from crawler.store.sqlite import SqliteStore
from crawler.worker.lease import LeaseLost, PlatformLease

pytestmark = pytest.mark.redis


async def _client(url: str) -> aioredis.Redis:
    return aioredis.from_url(url)


async def test_one_holder_and_a_larger_token_after_expiry(redis_server):
    r = await _client(redis_server.url)
    try:
        first = await PlatformLease.take(r, "t", "demo-a", ttl=0.5)
        assert first is not None and first.token == 1
        assert await PlatformLease.take(r, "t", "demo-a", ttl=0.5) is None  # held
        other = await PlatformLease.take(r, "t", "demo-b", ttl=0.5)
        assert other is not None  # other platforms are independent
        await first.renew()
        await asyncio.sleep(0.7)  # the holder stopped renewing (a dead worker)
        second = await PlatformLease.take(r, "t", "demo-a", ttl=5)
        assert second is not None and second.token > first.token
        with pytest.raises(LeaseLost):
            await first.renew()  # the late holder learns it lost the platform
        await first.release()  # a late release does not free the new holder's lease
        assert await second.holder() == second.token
        await second.release()
        assert await second.holder() is None
    finally:
        await r.aclose()


async def test_a_redis_that_lost_its_data_never_reissues_an_old_token(redis_server):
    r = await _client(redis_server.url)
    try:
        for _ in range(3):
            lease = await PlatformLease.take(r, "t", "demo-a", ttl=5)
            assert lease is not None
            await lease.release()
        assert lease.token == 3
        await r.flushall()  # Redis restarted without its data
        again = await PlatformLease.take(r, "t", "demo-a", ttl=5, store_token=lease.token)
        assert again is not None and again.token == 4
    finally:
        await r.aclose()


def _job(platform: str, fence: int) -> CrawlJob:
    return CrawlJob(
        id=f"{platform}-{fence}", platform=platform, started_at=datetime.now(UTC), fence=fence
    )


class _EndsAsRenewalAnswers(PlatformLease):
    """A lease whose renewal answer arrives together with the end of its run."""

    run_ends: Callable[[], object] | None = None

    async def renew(self) -> None:
        await super().renew()
        if self.run_ends is not None:
            self.run_ends()


async def test_a_run_that_ends_as_its_lease_is_renewed_frees_the_platform(redis_server):
    """The heartbeat renewing a run's lease stops when the run ends, whenever that is.

    On Python 3.11 `asyncio.wait_for` swallows a cancel that arrives as the awaited call
    answers: the heartbeat kept renewing the finished run's lease for as long as the
    worker lived, and the platform never ran again (seen in bench_worker_run.py).
    """
    from crawler.config import crawler_settings
    from crawler.worker.config import QueueConfig, WorkerConfig
    from crawler.worker.worker import ActiveRun, CrawlWorker

    r = await _client(redis_server.url)
    worker = CrawlWorker(crawler_settings({}), WorkerConfig(QueueConfig(url=redis_server.url)))
    heartbeat: asyncio.Task[None] | None = None
    try:
        lease = await _EndsAsRenewalAnswers.take(r, "t", "demo-a", ttl=0.6)
        assert lease is not None
        heartbeat = asyncio.create_task(worker._heartbeat(ActiveRun("demo-a", lease)))
        lease.run_ends = heartbeat.cancel  # what crawl_platform does when the crawl returns
        done, _ = await asyncio.wait([heartbeat], timeout=3)
        assert heartbeat in done, "the heartbeat outlived its run"
        assert heartbeat.cancelled()
        await asyncio.sleep(0.8)  # one lease life with nobody renewing
        assert await lease.holder() is None
        again = await PlatformLease.take(r, "t", "demo-a", ttl=5)
        assert again is not None and again.token == lease.token + 1  # the next run gets it
    finally:
        if heartbeat is not None and not heartbeat.done():
            heartbeat.cancel()
        await r.aclose()


async def test_the_store_refuses_a_superseded_runs_writes(tmp_path):
    path = tmp_path / "crawler.db"
    late, current = SqliteStore(path), SqliteStore(path)
    await late.open()
    await current.open()
    try:
        await late.hold_fence("demo-a", 1)
        await late.save_job(_job("demo-a", 1))  # its writes go in while it holds the lease
        await current.hold_fence("demo-a", 2)  # a newer run took the platform over
        with pytest.raises(FencedOut, match="token 1.*newer run.*token 2"):
            await late.save_job(_job("demo-a", 1))
        with pytest.raises(FencedOut):
            await late.touch("demo-a", ["x"], datetime.now(UTC))
        await current.save_job(_job("demo-a", 2))
        assert await current.fence_token("demo-a") == 2
        assert await current.fence_token("demo-b") == 0  # other platforms are not fenced
        stale = SqliteStore(path)  # a run that starts with an old token is refused at once
        await stale.open()
        try:
            with pytest.raises(FencedOut):
                await stale.hold_fence("demo-a", 1)
        finally:
            await stale.close()
    finally:
        await late.close()
        await current.close()
