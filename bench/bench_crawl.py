"""Crawl benchmark: our full crawl (all pipelines, embedded store) vs a bare Scrapy spider.

Both crawl the same >= 5,000-page demo world, served from this process, in one invocation.
Prints pages/s of each, the ratio (ours / bare) and the peak RSS of the crawl processes.

    .venv/bin/python bench/bench_crawl.py [--size 1700]
    .venv/bin/python bench/bench_crawl.py --one-core [--rounds 2] [--profile ours.pstats]

Ours runs the way production does: one `crawler crawl` process per platform. The figure
`ours (one process per platform, concurrently)` uses both cores like the scheduler would;
`ours (sequential)` runs the platforms one after another, each in its own process.

`--one-core`: the bare spider and ours each run in ONE process pinned to the same single
core (the last one), the demo world (this process) pinned to another; ours crawls all
three platforms in that one process (bench/ours_inprocess.py: several crawls in one
CrawlerProcess, as a worker runs them). Prints, per round and in total, pages/s of each
and their ratio, and the CPU seconds per 1,000 pages of each (the process's own CPU time
while crawling: robust under load, where wall time is not) and their ratio, peak RSS, and
the request kinds served. `--profile FILE` has ours write a cProfile of its (last) round. `--worker` adds a third
contender on the same core: the three platforms queued in Redis for one `crawler worker`
(three runs at once), timed from queueing to the last job's end (issue #17's worker mode).
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from crawler.testing.crawls import crawl_command, crawl_env, running_world

PLATFORMS = ["demo-classifieds", "demo-jobs", "demo-forum"]
BENCH_DIR = Path(__file__).parent


def watch(procs: list[subprocess.Popen]) -> tuple[float, int]:
    """Wait for the processes; return (seconds, peak RSS in bytes over any one of them)."""
    t0 = time.perf_counter()
    peak = 0
    handles = [psutil.Process(p.pid) for p in procs]
    while any(p.poll() is None for p in procs):
        for h in handles:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, h.memory_info().rss)
        time.sleep(0.05)
    for p in procs:
        if p.returncode != 0:
            raise SystemExit(f"a crawl process failed with exit code {p.returncode}")
    return time.perf_counter() - t0, peak


def bench_env(world, data_dir: Path) -> dict[str, str]:
    """crawl_env with an evidence signing key of the run's own: evidence capture stays on,
    as in production, and `crawler crawl` refuses to start without a key."""
    env = crawl_env(world, data_dir)
    env.setdefault("EVIDENCE_SIGNING_KEY", base64.b64encode(os.urandom(32)).decode())
    return env


def pages_served(world) -> int:
    return sum(
        c["list"] + c["detail"] + c["other"] + c["api"] for c in world.request_counts().values()
    )


def kinds(world) -> str:
    total: dict[str, int] = {}
    for counts in world.request_counts().values():
        for kind, n in counts.items():
            total[kind] = total.get(kind, 0) + n
    return ", ".join(f"{k} {v}" for k, v in sorted(total.items()))


def parse_report(output: str) -> dict[str, float]:
    """The `pages=N seconds=S cpu=C rss_mb=M` line of bare_spider.py / ours_inprocess.py."""
    for line in reversed(output.splitlines()):
        if line.startswith("pages="):
            return {k: float(v) for k, v in (part.split("=", 1) for part in line.split())}
    raise SystemExit(f"no report line in:\n{output}")


def pinned(core: int):  # noqa: ANN201
    return lambda: os.sched_setaffinity(0, {core})


def run_pinned(command: list[str], core: int, env: dict[str, str] | None = None) -> dict:
    proc = subprocess.run(
        command,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        preexec_fn=pinned(core),
        check=False,
    )
    if proc.returncode != 0:
        raise SystemExit(f"{command[1]} failed with exit code {proc.returncode}")
    return parse_report(proc.stdout)


def run_worker(env: dict[str, str], core: int, world_core: int, logs: Path) -> dict:
    """The three platforms queued for one `crawler worker` (three runs at once) pinned to
    `core`: wall time from queueing to the last job recorded, the worker's CPU meanwhile."""
    import asyncio

    from crawler.config import crawler_settings
    from crawler.profiles import load_profiles
    from crawler.store import open_store
    from crawler.testing.redis import RedisServer
    from crawler.worker.config import QueueConfig
    from crawler.worker.queue import connect, enqueue

    with RedisServer() as redis:
        assert redis.proc is not None
        psutil.Process(redis.proc.pid).cpu_affinity([world_core])
        env = {**env, "QUEUE_URL": redis.url}
        log = logs / "worker.log"
        with open(log, "wb") as out:
            worker = subprocess.Popen(
                [sys.executable, "-m", "crawler", "worker", "--max-jobs", str(len(PLATFORMS))],
                env=env, stdout=out, stderr=subprocess.STDOUT, preexec_fn=pinned(core),
            )  # fmt: skip
        handle = psutil.Process(worker.pid)
        try:
            while "worker: started" not in log.read_text(errors="replace"):
                if worker.poll() is not None:
                    raise SystemExit(f"crawler worker exited: {log.read_text()[-2000:]}")
                time.sleep(0.1)
            settings = crawler_settings(env)

            async def queue_all() -> None:
                config = QueueConfig.from_settings(settings)
                profiles = load_profiles(settings=settings)
                pool = await connect(config)
                for name in PLATFORMS:
                    await enqueue(pool, config, profiles[name])
                await pool.aclose()

            async def finished() -> int:
                done = 0
                async with open_store(settings) as store:
                    for name in PLATFORMS:
                        jobs = await store.jobs(name, limit=5)
                        done += any(job.status != "running" for job in jobs)
                return done

            cpu0 = sum(handle.cpu_times()[:2])
            t0 = time.perf_counter()
            asyncio.run(queue_all())
            peak = 0
            while asyncio.run(finished()) < len(PLATFORMS):
                peak = max(peak, handle.memory_info().rss)
                time.sleep(0.2)
            seconds = time.perf_counter() - t0
            cpu = sum(handle.cpu_times()[:2]) - cpu0
        finally:
            worker.terminate()
            worker.wait(120)
    return {"pages": 0, "seconds": seconds, "cpu": cpu, "rss_mb": peak / 2**20}


def one_core(args: argparse.Namespace) -> None:
    cores = sorted(os.sched_getaffinity(0))
    if len(cores) < 2:
        raise SystemExit("--one-core needs two cores: one for the crawl, one for the demo world")
    crawl_core, world_core = cores[-1], cores[0]
    # The demo world's thread is started after this, so it inherits the world's core.
    os.sched_setaffinity(0, {world_core})
    rows: list[tuple[str, dict, str]] = []
    with (
        running_world(seed=7, size=args.size, platforms=PLATFORMS) as world,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for r in range(args.rounds):
            world.reset_request_counts()
            bare = run_pinned(
                [sys.executable, str(BENCH_DIR / "bare_spider.py"), *world.urls.values()],
                crawl_core,
            )
            bare["served"] = pages_served(world)
            rows.append(("bare", bare, kinds(world)))

            world.reset_request_counts()
            env = bench_env(world, Path(tmp) / f"ours{r}")
            extra = ["--profile", args.profile] if args.profile and r == args.rounds - 1 else []
            ours = run_pinned(
                [sys.executable, str(BENCH_DIR / "ours_inprocess.py"), *extra, *PLATFORMS],
                crawl_core,
                env,
            )
            ours["served"] = pages_served(world)
            rows.append(("ours", ours, kinds(world)))

            if args.worker:
                world.reset_request_counts()
                logs = Path(tmp) / f"worker{r}"
                logs.mkdir()
                env = bench_env(world, logs / "data")
                worker = run_worker(env, crawl_core, world_core, logs)
                worker["served"] = worker["pages"] = pages_served(world)
                rows.append(("worker", worker, kinds(world)))

    print(f"one core: crawls pinned to core {crawl_core}, demo world to core {world_core}")
    for name, row, _ in rows:
        print(
            f"{name:5s} {row['served']:.0f} pages served ({row['pages']:.0f} responses) in "
            f"{row['seconds']:.1f} s = {row['served'] / row['seconds']:.0f} pages/s, "
            f"CPU {1000 * row['cpu'] / row['served']:.2f} s per 1,000 pages, "
            f"peak RSS {row['rss_mb']:.0f} MiB"
        )
    names = ("bare", "ours", "worker") if args.worker else ("bare", "ours")
    total = {
        name: {
            k: sum(row[k] for n, row, _ in rows if n == name) for k in ("served", "seconds", "cpu")
        }
        for name in names
    }
    print(f"requests served to bare: {next(k for n, _, k in rows if n == 'bare')}")
    print(f"requests served to ours: {next(k for n, _, k in rows if n == 'ours')}")
    b, o = total["bare"], total["ours"]
    rate = (o["served"] / o["seconds"]) / (b["served"] / b["seconds"])
    cpu = (b["cpu"] / b["served"]) / (o["cpu"] / o["served"])
    print(f"ratio ours/bare, pages/s on one core:  {rate:.2f}   (target >= 1.0)")
    print(f"ratio bare/ours, CPU per page:         {cpu:.2f}   (the same under load)")
    if args.worker:
        w = total["worker"]
        print(f"requests served to the worker: {next(k for n, _, k in rows if n == 'worker')}")
        rate = (w["served"] / w["seconds"]) / (b["served"] / b["seconds"])
        cpu = (b["cpu"] / b["served"]) / (w["cpu"] / w["served"])
        print(f"ratio worker/bare, pages/s on one core: {rate:.2f}   (target >= 1.0)")
        print(f"ratio bare/worker, CPU per page:        {cpu:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--size", type=int, default=1700, help="listings per platform (3 platforms)"
    )
    parser.add_argument(
        "--one-core", action="store_true", help="both crawls in one process on one core"
    )
    parser.add_argument("--rounds", type=int, default=1, help="--one-core: rounds of each")
    parser.add_argument("--profile", help="--one-core: ours writes a cProfile here (pstats)")
    parser.add_argument(
        "--worker",
        action="store_true",
        help="--one-core: also the same crawls queued for one `crawler worker` (Redis) on that core",
    )
    args = parser.parse_args()
    if args.one_core:
        one_core(args)
        return
    with (
        running_world(seed=7, size=args.size, platforms=PLATFORMS) as world,
        tempfile.TemporaryDirectory() as tmp,
    ):
        # Baseline: bare Scrapy spider, one process, all three platforms.
        world.reset_request_counts()
        bare = subprocess.Popen(
            [sys.executable, str(BENCH_DIR / "bare_spider.py"), *world.urls.values()],
            stdout=subprocess.PIPE,
            text=True,
        )
        bare_s, bare_rss = watch([bare])
        bare_pages = pages_served(world)
        bare_kinds = kinds(world)

        # Ours, sequential: one process per platform, one after the other.
        world.reset_request_counts()
        seq_s, seq_rss = 0.0, 0
        env = bench_env(world, Path(tmp) / "seq")
        for name in PLATFORMS:
            s, rss = watch(
                [
                    subprocess.Popen(
                        crawl_command(name),
                        env=env,
                        stdout=subprocess.DEVNULL,
                        stderr=subprocess.DEVNULL,
                    )
                ]
            )
            seq_s += s
            seq_rss = max(seq_rss, rss)
        seq_pages = pages_served(world)

        # Ours, concurrent: the three platform processes at once.
        world.reset_request_counts()
        env = bench_env(world, Path(tmp) / "par")
        procs = [
            subprocess.Popen(
                crawl_command(name), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            for name in PLATFORMS
        ]
        par_s, par_rss = watch(procs)
        par_pages = pages_served(world)
        par_kinds = kinds(world)

    bare_rate = bare_pages / bare_s
    seq_rate = seq_pages / seq_s
    par_rate = par_pages / par_s
    print(
        f"bare scrapy spider (defaults):            {bare_pages} pages in {bare_s:.1f} s = {bare_rate:.0f} pages/s, peak RSS {bare_rss / 2**20:.0f} MiB"
    )
    print(
        f"ours, sequential (process per platform):  {seq_pages} pages in {seq_s:.1f} s = {seq_rate:.0f} pages/s, peak RSS {seq_rss / 2**20:.0f} MiB"
    )
    print(
        f"ours, concurrent (process per platform):  {par_pages} pages in {par_s:.1f} s = {par_rate:.0f} pages/s, peak RSS {par_rss / 2**20:.0f} MiB per process"
    )
    print(f"requests served to bare: {bare_kinds}")
    print(f"requests served to ours: {par_kinds}")
    print(f"ratio sequential/bare: {seq_rate / bare_rate:.2f}")
    print(f"ratio concurrent/bare: {par_rate / bare_rate:.2f}   (target >= 1.0)")


if __name__ == "__main__":
    main()
