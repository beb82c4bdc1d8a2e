"""Scale-out benchmark: many small platforms, each due every simulated hour, crawled by workers.

A fleet of small demo platforms (bench/scale_fleet.py: one process, one port each; listings
appear and change once per simulated hour) is watched by `crawler schedule` with a Redis
queue (real redis-server on a free port) and `crawler worker` processes, into one SQLite
store. One simulated hour is --hour seconds. The first simulated hour is the warm-up (every
platform's first, full run); the figures are measured over the --hours after it:

- runs completed per simulated hour (target: every platform, every hour);
- freshness lag, a listing's appearance on its platform to its storage, p50 and p95
  (target: p95 under one simulated hour);
- CPU of the workers (and of the scheduler and Redis) as % of the machine; peak RSS per
  worker, and its RSS after the warm-up against the end (memory flat over runs);
- on the same fleet afterwards: CPU per platform run of a worker against one
  `crawler crawl` process per run (ratio), and the throughput of two workers against one
  (every platform queued at once, time to drain the queue).

    .venv/bin/python bench/bench_scale.py [--platforms 1000] [--hour 120] [--hours 2]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from crawler.config import crawler_settings
from crawler.models import listing_id
from crawler.testing.redis import RedisServer

BENCH = Path(__file__).parent
TEMPLATE = Path(__file__).resolve().parents[1] / "crawler" / "platforms" / "demo-classifieds.yaml"


def write_profiles(directory: Path, urls: dict[str, str], hour: float) -> None:
    text = TEMPLATE.read_text()
    directory.mkdir(parents=True, exist_ok=True)
    for name, url in urls.items():
        profile = (
            text.replace("name: demo-classifieds", f"name: {name}")
            .replace('"${DEMO_CLASSIFIEDS_URL:-http://127.0.0.1:8701}"', f'"{url}"')
            .replace("interval: 3600", f"interval: {hour:g}")
            .replace("jitter: 60", f"jitter: {hour / 60:g}")
        )
        (directory / f"{name}.yaml").write_text(profile)


def fleet_urls(fleet: subprocess.Popen, out: Path) -> dict[str, str]:
    """The platforms' URLs, once the fleet (bench/scale_fleet.py --out OUT) has written
    them; SystemExit when it exits first."""
    while not (out / "fleet.json").exists():
        if fleet.poll() is not None:
            raise SystemExit("the fleet server exited")
        time.sleep(0.2)
    return json.loads((out / "fleet.json").read_text())


class Sampler:
    """CPU seconds and peak RSS of processes, sampled every half second."""

    def __init__(self) -> None:
        self.procs: dict[str, psutil.Process] = {}
        self.peak: dict[str, int] = {}

    def watch(self, label: str, pid: int) -> None:
        self.procs[label] = psutil.Process(pid)
        self.peak[label] = 0

    def sample(self) -> None:
        for label, p in self.procs.items():
            with contextlib.suppress(psutil.Error):
                self.peak[label] = max(self.peak[label], p.memory_info().rss)

    def cpu(self, label: str) -> float:
        try:
            t = self.procs[label].cpu_times()
            return t.user + t.system
        except psutil.Error:
            return 0.0

    def rss(self, label: str) -> int:
        try:
            return self.procs[label].memory_info().rss
        except psutil.Error:
            return 0


async def jobs_and_listings(env: dict[str, str], keys: list[tuple[str, str]]) -> tuple[list, dict]:
    from crawler.store import open_store

    async with open_store(crawler_settings(env)) as store:
        jobs = await store.jobs(None, limit=1_000_000)
        found = {}
        ids = [listing_id(p, k) for p, k in keys]
        for start in range(0, len(ids), 500):
            for listing in await store.get_many(ids[start : start + 500]):
                found[listing.id] = listing
        return jobs, found


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def start_workers(n: int, env: dict[str, str], logs: Path, max_jobs: int) -> list[subprocess.Popen]:
    out = []
    for i in range(n):
        with open(logs / f"worker-{i}-{time.time():.0f}.log", "wb") as log:
            out.append(
                subprocess.Popen(
                    [sys.executable, "-m", "crawler", "worker", "--max-jobs", str(max_jobs)],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
    return out


def stop(procs: list[subprocess.Popen]) -> None:
    for p in procs:
        p.terminate()
    for p in procs:
        try:
            p.wait(120)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def finished_jobs(env: dict[str, str]) -> list:
    jobs, _ = asyncio.run(jobs_and_listings(env, []))
    return [j for j in jobs if j.status != "running"]


def drain(
    env: dict[str, str], n_workers: int, names: list[str], logs: Path, max_jobs: int
) -> float:
    """Queue every platform at once; seconds until `n_workers` workers finished them all."""
    before = len(finished_jobs(env))
    workers = start_workers(n_workers, env, logs, max_jobs)
    try:  # stopped however this ends (an interrupt left them running)
        time.sleep(8)  # let them start (imports, warm-up) before the clock starts
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "crawler", "schedule", "--once"], env=env, check=True,
            capture_output=True,
        )  # fmt: skip
        while len(finished_jobs(env)) < before + len(names):
            time.sleep(0.5)
        return time.perf_counter() - t0
    finally:
        stop(workers)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--platforms", type=int, default=1000)
    ap.add_argument("--size", type=int, default=10, help="listings per platform")
    ap.add_argument("--hour", type=float, default=120.0, help="seconds per simulated hour")
    ap.add_argument("--hours", type=int, default=2, help="simulated hours measured")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--max-jobs", type=int, default=4, help="runs at once per worker")
    ap.add_argument("--process-runs", type=int, default=20, help="runs for the per-run CPU ratio")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="flagwatch-scale-"))
    logs = tmp / "logs"
    logs.mkdir()
    fleet = subprocess.Popen(
        [sys.executable, str(BENCH / "scale_fleet.py"), "--platforms", str(args.platforms),
         "--size", str(args.size), "--hour", str(args.hour), "--out", str(tmp)],
    )  # fmt: skip
    redis = RedisServer().start()
    sched = workers = None
    try:
        urls = fleet_urls(fleet, tmp)
        write_profiles(tmp / "platforms", urls, args.hour)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("STORE_", "CRAWLER_"))},
            "PLATFORMS_DIR": str(tmp / "platforms"),
            "CRAWLER_DATA_DIR": str(tmp / "data"),
            "QUEUE_URL": redis.url,
            "EVIDENCE_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
            "SCHEDULER_DELIVER_INTERVAL": "3600",
        }
        sampler = Sampler()
        with open(logs / "schedule.log", "wb") as log:
            sched = subprocess.Popen(
                [sys.executable, "-m", "crawler", "schedule"], env=env, stdout=log,
                stderr=subprocess.STDOUT,
            )  # fmt: skip
        workers = start_workers(args.workers, env, logs, args.max_jobs)
        for i, w in enumerate(workers):
            sampler.watch(f"worker{i}", w.pid)
        sampler.watch("schedule", sched.pid)
        assert redis.proc is not None
        sampler.watch("redis", redis.proc.pid)
        t_start = time.time()
        warm_end = t_start + args.hour
        end = warm_end + args.hours * args.hour
        print(
            f"fleet: {args.platforms} platforms x {args.size} listings, simulated hour = "
            f"{args.hour:g} s, {args.workers} workers x {args.max_jobs} runs; warm-up hour, then "
            f"{args.hours} measured hours and one to settle ({(end + args.hour - t_start) / 60:.1f} min)",
            flush=True,
        )
        cpu0: dict[str, float] = {}
        rss_warm: dict[str, int] = {}
        while time.time() < end:
            sampler.sample()
            if not cpu0 and time.time() >= warm_end:
                cpu0 = {label: sampler.cpu(label) for label in sampler.procs}
                rss_warm = {label: sampler.rss(label) for label in sampler.procs}
            time.sleep(0.5)
        cpu1 = {label: sampler.cpu(label) for label in sampler.procs}
        rss_end = {label: sampler.rss(label) for label in sampler.procs}
        window = end - warm_end
        # One more simulated hour, unmeasured: listings that appeared late in the window get
        # their platform's next run (their lag counts up to then).
        while time.time() < end + args.hour:
            sampler.sample()
            time.sleep(0.5)
        sched.terminate()
        sched.wait(60)
        sched = None
        appeared = [json.loads(x) for x in (tmp / "appeared.jsonl").read_text().splitlines()]
        measured = [a for a in appeared if warm_end <= a["at"] < end]
        jobs, found = asyncio.run(
            jobs_and_listings(env, [(a["platform"], a["key"]) for a in measured])
        )
        in_window = [
            j
            for j in jobs
            if j.finished_at is not None and warm_end <= j.finished_at.timestamp() < end
        ]
        lags, missing = [], 0
        for a in measured:
            listing = found.get(listing_id(a["platform"], a["key"]))
            if listing is None or listing.first_seen is None:
                missing += 1
                lags.append(float("inf"))
                continue
            lags.append(max(0.0, listing.first_seen.timestamp() - a["at"]))
        runs_per_hour = len(in_window) / args.hours
        # Every platform every hour: for each measured hour, the platforms with a run in it.
        covered = []
        for h in range(args.hours):
            lo, hi = warm_end + h * args.hour, warm_end + (h + 1) * args.hour
            covered.append(
                len({j.platform for j in in_window if lo <= j.finished_at.timestamp() < hi})
            )
        worker_cpu = sum(cpu1[k] - cpu0[k] for k in cpu1 if k.startswith("worker"))
        cores = psutil.cpu_count() or 1
        print(
            f"runs completed per simulated hour: {runs_per_hour:.0f} for {args.platforms} "
            f"platforms; platforms run in each measured hour: "
            f"{', '.join(str(c) for c in covered)} of {args.platforms} "
            f"(lowest {min(covered) / args.platforms:.2f}x the target)"
        )
        print(
            f"freshness lag (appearance -> stored), {len(lags)} new listings: p50 "
            f"{percentile(lags, 0.5):.1f} s = {percentile(lags, 0.5) / args.hour:.2f} sim. hour, "
            f"p95 {percentile(lags, 0.95):.1f} s = {percentile(lags, 0.95) / args.hour:.2f} sim. hour"
            f"; not stored within an hour after the window: {missing}"
        )
        print(
            f"CPU: workers {100 * worker_cpu / (window * cores):.1f}% of the machine "
            f"({cores} cores); scheduler {100 * (cpu1['schedule'] - cpu0['schedule']) / (window * cores):.1f}%"
            f"; redis {100 * (cpu1['redis'] - cpu0['redis']) / (window * cores):.1f}%"
        )
        for label in sorted(k for k in sampler.procs if k.startswith("worker")):
            print(
                f"{label}: peak RSS {sampler.peak[label] / 2**20:.0f} MiB; RSS after warm-up "
                f"{rss_warm.get(label, 0) / 2**20:.0f} MiB, at the end {rss_end[label] / 2**20:.0f} MiB"
            )
        per_run_worker = worker_cpu / max(1, len(in_window))
        stop(workers)
        workers = None
        # CPU per run: one process per run, on platforms of the same fleet (same load).
        names = sorted(urls)
        r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        for name in names[: args.process_runs]:
            subprocess.run(
                [sys.executable, "-m", "crawler", "crawl", name], env=env,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
        r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        per_run_process = (
            r1.ru_utime + r1.ru_stime - r0.ru_utime - r0.ru_stime
        ) / args.process_runs
        print(
            f"CPU per platform run: worker {1000 * per_run_worker:.0f} ms, one process per run "
            f"{1000 * per_run_process:.0f} ms: process/worker = {per_run_process / per_run_worker:.1f}x"
        )
        one = drain(env, 1, names, logs, args.max_jobs)
        two = drain(env, 2, names, logs, args.max_jobs)
        print(
            f"throughput, every platform queued at once: one worker {len(names) / one:.1f} runs/s, "
            f"two workers {len(names) / two:.1f} runs/s: two/one = {one / two:.2f}x"
        )
        print(f"logs and store: {tmp}")
    finally:
        for p in [sched, *(workers or [])]:
            if p is not None and p.poll() is None:
                p.kill()
        fleet.terminate()
        fleet.wait(30)
        redis.close()


if __name__ == "__main__":
    main()
