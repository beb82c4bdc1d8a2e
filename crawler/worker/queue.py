"""The crawl queue on Redis (arq): which queue a platform's runs go to, and enqueueing them.

One job per platform at a time: a job's id is `crawl:<platform>`, and arq refuses a second
job of the same id while the first is queued or running, so a platform that comes due
again while its run is still going is not queued twice (the scheduler records it deferred).
Jobs keep no result in Redis (QUEUE results live in the store's job records, as for every
run).

Routing by capability: a plain platform goes to `<name>:crawl`; one that renders pages in
Chromium to `<name>:crawl:browser`; an onion platform to `<name>:crawl:tor` (and one that
needs both to `<name>:crawl:browser+tor`). A worker reads every queue whose needs it has.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

from crawler.profiles import PlatformProfile
from crawler.worker.config import CAPABILITIES, QueueConfig

JOB_FUNCTION = "crawl_platform"


def requirements(profile: PlatformProfile) -> frozenset[str]:
    """What a worker must have to run this platform: browser and/or tor."""
    from crawler.browser import needs_browser

    needs = set()
    if needs_browser(profile):
        needs.add("browser")
    if profile.network == "tor":
        needs.add("tor")
    return frozenset(needs)


def queue_name(config: QueueConfig, needs: frozenset[str]) -> str:
    base = f"{config.name}:crawl"
    return f"{base}:{'+'.join(sorted(needs))}" if needs else base


def queues_for(config: QueueConfig, capabilities: frozenset[str]) -> list[str]:
    """Every queue a worker with these capabilities reads (plain crawls first)."""
    caps = sorted(c for c in CAPABILITIES if c in capabilities)
    return [
        queue_name(config, frozenset(combo))
        for size in range(len(caps) + 1)
        for combo in combinations(caps, size)
    ]


def job_id(platform: str) -> str:
    return f"crawl:{platform}"


def redis_settings(config: QueueConfig) -> Any:
    from dataclasses import replace

    from arq.connections import RedisSettings

    # Short connection retries: a worker or scheduler that cannot reach Redis says so and
    # tries again on its own loop instead of blocking for minutes.
    return replace(RedisSettings.from_dsn(config.url), conn_timeout=2, conn_retries=2)


async def connect(config: QueueConfig) -> Any:
    """An arq Redis pool for the queue (ArqRedis)."""
    from arq import create_pool

    return await create_pool(
        redis_settings(config), default_queue_name=queue_name(config, frozenset())
    )


async def enqueue(
    pool: Any, config: QueueConfig, profile: PlatformProfile, full: bool = False
) -> bool:
    """Queue one run of the platform; False when a run of it is already queued or running."""
    job = await pool.enqueue_job(
        JOB_FUNCTION,
        profile.name,
        full,
        _job_id=job_id(profile.name),
        _queue_name=queue_name(config, requirements(profile)),
    )
    return job is not None


async def queue_status(config: QueueConfig) -> dict[str, Any]:
    """What the queue holds now: jobs waiting per queue, platforms leased (running), and the
    workers' latest health lines (arq writes one per queue every health-check interval)."""
    pool = await connect(config)
    try:
        queues = queues_for(config, frozenset(CAPABILITIES))
        waiting = {q: int(await pool.zcard(q)) for q in queues}
        health = {}
        for q in queues:
            line = await pool.get(f"{q}:health-check")
            if line is not None:
                health[q] = line.decode(errors="replace") if isinstance(line, bytes) else line
        prefix = f"{config.name}:lease:"
        running: list[str] = []
        async for key in pool.scan_iter(match=f"{prefix}*", count=1000):
            name = key.decode() if isinstance(key, bytes) else str(key)
            running.append(name.removeprefix(prefix))
        running.sort()
        return {"waiting": waiting, "running": running, "workers": health}
    finally:
        await pool.aclose()
