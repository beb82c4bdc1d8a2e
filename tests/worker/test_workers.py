"""`crawler worker` processes on a real Redis, crawling the demo world into the store.

What the issue asks of scale-out, as a user would see it: platforms queued by `crawler
schedule` are crawled by whichever worker is free, each listing stored once, no two runs of
one platform at a time; a worker killed mid-crawl loses nothing (another worker finishes
the platform after QUEUE_LEASE); SIGTERM hands running crawls back; a worker whose lease
was taken stops and cannot write; a Redis restart does not lose the run.
"""

from __future__ import annotations

import asyncio
import base64
import os
import signal
import time
from datetime import UTC, datetime

import pytest
from worker_support import Workers, enqueue, log_dir, stored_jobs, wait_for

from crawler.testing.crawls import crawl_env, running_world, stored_listings

pytestmark = pytest.mark.redis

SIZE = 80
LEASE = "10"


@pytest.fixture
def world():
    with running_world(
        seed=11, size=SIZE, platforms=["demo-classifieds", "demo-jobs", "demo-forum"]
    ) as w:
        yield w


@pytest.fixture
def workers(world, redis_server, tmp_path):
    env = crawl_env(
        world,
        tmp_path / "data",
        {
            "QUEUE_URL": redis_server.url,
            "QUEUE_LEASE": LEASE,
            "WORKER_CAPABILITIES": "none",
            "EVIDENCE_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        },
    )
    ws = Workers(env, log_dir())
    try:
        yield ws
    finally:
        ws.close()


def _finished(env, platform, n=1):
    jobs = [j for j in stored_jobs(env, platform) if j.status != "running"]
    return len(jobs) >= n and jobs


def _count(env, platform):
    listings = stored_listings(env, platform)
    ids = [x.id for x in listings]
    assert len(ids) == len(set(ids))
    return len(ids)


def test_two_workers_share_the_queue_and_store_each_listing_once(workers, world):
    env = workers.env
    a = workers.start("--max-jobs", "1")
    b = workers.start("--max-jobs", "1")
    out = enqueue(env, "demo-classifieds", "demo-jobs", "demo-forum")
    assert out.count("enqueued") == 3, out
    platforms = ("demo-classifieds", "demo-jobs", "demo-forum")
    for p in platforms:
        wait_for(lambda p=p: _finished(env, p), 240, f"{p} finished", workers.logs_text)
    truth = world.ground_truth()
    for p in platforms:
        assert _count(env, p) == len(truth[p])
        [job] = stored_jobs(env, p)  # one run, not one per worker
        assert job.status == "finished" and job.complete, (p, job.message)
        assert job.fence == 1
    pids = {stored_jobs(env, p)[0].pid for p in platforms}
    assert pids == {a.pid, b.pid}  # both workers took runs, in their own process
    # Queued again while nothing runs: a second run of each, incremental, still once each.
    enqueue(env, *platforms)
    for p in platforms:
        wait_for(lambda p=p: _finished(env, p, 2), 240, f"{p} second run", workers.logs_text)
        jobs = stored_jobs(env, p)
        assert [j.fence for j in jobs] == [2, 1]
        assert jobs[0].started_at >= jobs[1].finished_at  # never two runs at once
        assert _count(env, p) == len(truth[p])
    assert workers.stop(a) == 0 and workers.stop(b) == 0
    assert "Traceback" not in workers.logs_text()


def test_a_killed_workers_platform_is_finished_by_another(workers, world):
    env = workers.env
    world.set_condition("demo-classifieds", "slow", slow_delay=0.25)
    a = workers.start()
    enqueue(env, "demo-classifieds")
    wait_for(lambda: _count(env, "demo-classifieds") >= 5, 180, "first listings", workers.logs_text)
    a.send_signal(signal.SIGKILL)  # mid-crawl, no chance to record anything
    a.wait(30)
    killed_at = datetime.now(UTC)
    b = workers.start()
    done = wait_for(
        lambda: [j for j in stored_jobs(env, "demo-classifieds") if j.status == "finished"],
        240,
        "the run finished by the second worker",
        workers.logs_text,
    )
    jobs = stored_jobs(env, "demo-classifieds")
    assert [j.status for j in jobs] == ["finished", "killed"]
    assert jobs[0].pid == b.pid and jobs[1].pid == a.pid
    assert jobs[0].fence > jobs[1].fence
    assert done[0].started_at >= killed_at  # the second run began after the first died
    assert jobs[0].complete
    assert _count(env, "demo-classifieds") == len(world.ground_truth()["demo-classifieds"])
    assert workers.stop(b) == 0


def test_sigterm_hands_a_running_crawl_back(workers, world):
    env = workers.env
    world.set_condition("demo-jobs", "slow", slow_delay=0.25)
    a = workers.start(env={"WORKER_STOP_TIMEOUT": "0"})
    enqueue(env, "demo-jobs")
    wait_for(lambda: _count(env, "demo-jobs") >= 3, 180, "first listings", workers.logs_text)
    t0 = time.monotonic()
    assert workers.stop(a, timeout=60) == 0
    assert time.monotonic() - t0 < 30
    assert "handed back to the queue" in workers.log(a)
    [job] = stored_jobs(env, "demo-jobs")
    assert job.status == "interrupted" and not job.complete
    workers.start()
    wait_for(lambda: _finished(env, "demo-jobs", 2), 240, "the run resumed", workers.logs_text)
    jobs = stored_jobs(env, "demo-jobs")
    assert jobs[0].status == "finished" and jobs[0].complete, jobs[0].message
    assert _count(env, "demo-jobs") == len(world.ground_truth()["demo-jobs"])


def test_a_worker_that_lost_its_lease_stops_and_cannot_write(workers, world, redis_server):
    import redis

    env = workers.env
    world.set_condition("demo-forum", "slow", slow_delay=0.25)
    a = workers.start()
    enqueue(env, "demo-forum")
    wait_for(lambda: _count(env, "demo-forum") >= 3, 180, "first listings", workers.logs_text)
    r = redis.Redis.from_url(redis_server.url)
    # Another run takes the platform over (as after a partition): a larger token in Redis
    # and in the store, as the new holder's first write would leave it.
    token = int(r.incr("flagwatch:fence:demo-forum"))
    r.set("flagwatch:lease:demo-forum", token, px=60_000)
    r.close()

    async def bump():
        from crawler.config import crawler_settings
        from crawler.store import open_store

        async with open_store(crawler_settings(env)) as store:
            await store.hold_fence("demo-forum", token)

    asyncio.run(bump())
    stored_then = _count(env, "demo-forum")
    wait_for(lambda: "lease_lost" in workers.log(a), 60, "the run stopped", workers.logs_text)
    time.sleep(2)
    assert _count(env, "demo-forum") <= stored_then + 16  # at most the batch in flight
    log = workers.log(a)
    assert "the platform lease (token 1) is gone" in log
    [job] = stored_jobs(env, "demo-forum")
    assert job.status == "running" and job.fence == 1  # it could not even record its end
    assert a.poll() is None  # the worker itself goes on
    assert workers.stop(a) == 0


def test_a_redis_restart_mid_run_loses_nothing(workers, world, redis_server):
    env = workers.env
    world.set_condition("demo-classifieds", "slow", slow_delay=0.15)
    workers.start()
    enqueue(env, "demo-classifieds")
    wait_for(lambda: _count(env, "demo-classifieds") >= 3, 180, "first listings", workers.logs_text)
    redis_server.restart(down_for=1.0)
    wait_for(lambda: _finished(env, "demo-classifieds"), 240, "the run finished", workers.logs_text)
    [job] = stored_jobs(env, "demo-classifieds")
    assert job.status == "finished" and job.complete, job.message
    assert _count(env, "demo-classifieds") == len(world.ground_truth()["demo-classifieds"])


def test_a_worker_takes_only_the_jobs_it_can_run(redis_server, tmp_path):
    """Browser platforms wait for a worker with Chromium; plain ones go to any worker."""
    from crawler.worker.config import QueueConfig
    from crawler.worker.queue import queue_status

    with running_world(seed=5, size=20, platforms=["demo-classifieds", "demo-social"]) as w:
        env = crawl_env(
            w,
            tmp_path / "data",
            {
                "QUEUE_URL": redis_server.url,
                "QUEUE_LEASE": LEASE,
                "WORKER_CAPABILITIES": "none",
                "EVIDENCE_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
            },
        )
        ws = Workers(env, log_dir())
        try:
            ws.start()
            enqueue(env, "demo-classifieds", "demo-social")
            wait_for(lambda: _finished(env, "demo-classifieds"), 240, "plain run", ws.logs_text)
            time.sleep(2)
            status = asyncio.run(queue_status(QueueConfig(url=redis_server.url)))
            assert status["waiting"]["flagwatch:crawl:browser"] == 1  # still waiting
            assert stored_jobs(env, "demo-social") == []
            assert "capabilities none" in ws.log(ws.procs[0])
        finally:
            ws.close()
