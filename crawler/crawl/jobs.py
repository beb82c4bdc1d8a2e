"""Crawl job records that tell the truth: who runs a job, and jobs whose process died.

A crawl records its job as `running` when it starts, with the process id and host, and
rewrites it when it ends. A process killed with SIGKILL (or a machine that lost power)
never rewrites it. `mark_dead_jobs` finds `running` jobs whose process is gone from this
host and marks them `killed`; the next crawl of the platform and `crawler status` call it,
so a killed run is never shown as running for ever. Jobs of other hosts are left to
those hosts.
"""

from __future__ import annotations

import os
import socket
from typing import TYPE_CHECKING

import psutil

from crawler.models import CrawlJob, utcnow

if TYPE_CHECKING:
    from crawler.store import ListingStore

KILLED_MESSAGE = "the run ended without recording its end (killed or crashed)"
SUPERSEDED_MESSAGE = (
    "superseded: its worker lost the platform lease (token {old}) to a newer run (token {new}) "
    "before recording its end"
)


def this_host() -> str:
    return socket.gethostname()


def process_alive(pid: int | None, started: float | None = None) -> bool:
    """True when `pid` runs (and, when known, was started at `started`: pids are reused)."""
    if not pid:
        return False
    try:
        proc = psutil.Process(pid)
        if started is not None and abs(proc.create_time() - started) > 1.0:
            return False
        return proc.status() != psutil.STATUS_ZOMBIE
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def own_process() -> tuple[int, float, str]:
    """(pid, process start time, host) to record on a job this process runs."""
    pid = os.getpid()
    return pid, psutil.Process(pid).create_time(), this_host()


def is_dead(job: CrawlJob) -> bool:
    """A `running` job of this host whose process is gone (or that predates pid records)."""
    if job.status != "running":
        return False
    if job.host is not None and job.host != this_host():
        return False
    if job.pid == os.getpid():
        return False
    return not process_alive(job.pid, job.pid_started)


def is_superseded(job: CrawlJob, fence: int | None) -> bool:
    """A `running` worker job whose lease token is older than the current run's `fence`."""
    return (
        job.status == "running"
        and fence is not None
        and job.fence is not None
        and job.fence < fence
    )


async def mark_dead_jobs(
    store: ListingStore, platform: str | None = None, fence: int | None = None
) -> list[CrawlJob]:
    """Mark this host's dead `running` jobs, and (given the current run's lease token `fence`)
    any host's superseded ones, as `killed`; returns them."""
    marked = []
    for job in await store.jobs(platform, limit=50):
        superseded = is_superseded(job, fence)
        if superseded or is_dead(job):
            job.status = "killed"
            job.complete = False
            job.finished_at = job.finished_at or job.heartbeat_at or utcnow()
            job.message = (
                SUPERSEDED_MESSAGE.format(old=job.fence, new=fence)
                if superseded
                else KILLED_MESSAGE
            )
            await store.save_job(job)
            marked.append(job)
    return marked
