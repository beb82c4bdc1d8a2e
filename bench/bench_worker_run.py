"""CPU per platform run in one `crawler worker`, against a baseline tree in the same run.

The fleet of bench_scale.py (bench/scale_fleet.py, N demo platforms of --size listings)
is served with `--on-signal`: every platform moves one step (one new listing) per round,
when this script says so. For each source tree given (--tree, default this one) one
`crawler worker` is started (its own Redis database, data directory and store) and left
running; each round, every platform is queued once to each worker in turn (the order
alternates between rounds) and the worker's process CPU (user + system, psutil) is read
before the first job and after the last run's summary line: its start-up and the first
(full) run of every platform are not counted, only the rounds after them.

    .venv/bin/python bench/bench_worker_run.py [--platforms 50] [--rounds 4]
        [--tree /tmp/old-tree --tree .] [--profile DIR]

--profile DIR runs the first tree's worker under cProfile (DIR/worker-0.prof, the whole
process, start-up included) and prints the top of it; cProfile inflates small calls
about tenfold, so confirm a finding by process CPU with the change on and off.

Each round prints every worker's RSS. --memory DIR runs the first tree's worker under
tracemalloc (8 frames; it slows the worker several times, so its CPU figures mean nothing)
and writes a snapshot after the first measured round and after the last one
(DIR/worker-0-first.snap, DIR/worker-0-last.snap); the Python allocations that grew
between them are printed by where they were made.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil

from crawler.testing.redis import RedisServer

BENCH = Path(__file__).parent
sys.path.insert(0, str(BENCH))
from bench_scale import fleet_urls, write_profiles  # noqa: E402


class Worker:
    def __init__(self, index: int, tree: Path, env: dict[str, str], tmp: Path, args) -> None:
        self.tree = tree
        self.queue = f"bench{index}"
        self.log_path = tmp / f"worker-{index}.log"
        env = {
            **env,
            "PYTHONPATH": str(tree),
            "CRAWLER_DATA_DIR": str(tmp / f"data-{index}"),
            "QUEUE_URL": env["QUEUE_URL"] + str(index),
            "QUEUE_NAME": self.queue,
        }
        self.url = env["QUEUE_URL"]
        argv = [sys.executable]
        self.profiled = args.profile is not None and index == 0
        self.traced = args.memory is not None and index == 0
        if self.profiled:
            # cProfile switched on and off by SIGUSR2: the measured rounds only.
            argv += [str(BENCH / "bench_worker_run.py"), "--profiled-worker"]
            argv += [str(args.profile / "worker-0.prof")]
        elif self.traced:
            # a tracemalloc snapshot at each SIGUSR2: after round 1 and after the last.
            argv += [str(BENCH / "bench_worker_run.py"), "--traced-worker"]
            argv += [str(args.memory / "worker-0")]
        else:
            argv += ["-m", "crawler"]
        argv += ["worker", "--max-jobs", str(args.max_jobs)]
        with open(self.log_path, "wb") as log:
            self.proc = subprocess.Popen(
                argv, cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT
            )
        self.ps = psutil.Process(self.proc.pid)
        self.cpu: list[float] = []  # CPU seconds per measured round
        self.runs: list[int] = []

    def cpu_now(self) -> float:
        t = self.ps.cpu_times()
        return t.user + t.system

    def summaries(self) -> list[str]:
        text = self.log_path.read_text(errors="replace")
        return [line for line in text.splitlines() if "] INFO: crawl platform=" in line]

    def wait_started(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while "worker: started" not in self.log_path.read_text(errors="replace"):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker of {self.tree} did not start: see {self.log_path}")
            time.sleep(0.2)

    async def round(self, names: list[str], timeout: float = 600) -> tuple[float, list[str]]:
        from arq import create_pool

        from crawler.worker.config import QueueConfig
        from crawler.worker.queue import JOB_FUNCTION, job_id, redis_settings

        before = len(self.summaries())
        pool = await create_pool(redis_settings(QueueConfig(url=self.url, name=self.queue)))
        c0 = self.cpu_now()
        try:
            for name in names:
                await pool.enqueue_job(
                    JOB_FUNCTION,
                    name,
                    False,
                    _job_id=job_id(name),
                    _queue_name=f"{self.queue}:crawl",
                )
        finally:
            await pool.aclose()
        deadline = time.monotonic() + timeout
        while len(self.summaries()) < before + len(names):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"worker of {self.tree} stopped short: see {self.log_path}")
            await asyncio.sleep(0.05)
        return self.cpu_now() - c0, self.summaries()[before:]

    def stop(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(120)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def new_listings(lines: list[str]) -> int:
    total = 0
    for line in lines:
        for part in line.split():
            if part.startswith("new="):
                total += int(part[4:])
    return total


def step(fleet_dir: Path, fleet: subprocess.Popen, n: int) -> None:
    fleet.send_signal(signal.SIGUSR1)
    steps = fleet_dir / "steps"
    while not (steps.exists() and steps.read_text().strip() == str(n)):
        time.sleep(0.05)


def profiled_worker(out: str, argv: list[str]) -> int:
    """`crawler worker` with cProfile on between two SIGUSR2 (the stats written at the second)."""
    import cProfile

    from crawler.cli import main as cli

    profile = cProfile.Profile(time.process_time)  # CPU, not wall time under load
    state = {"on": False}

    def toggle(signum: int, frame: object) -> None:
        if state["on"]:
            profile.disable()
            profile.dump_stats(out)
        else:
            profile.enable()
        state["on"] = not state["on"]

    signal.signal(signal.SIGUSR2, toggle)
    sys.argv = ["crawler", *argv]
    return int(cli() or 0)


def traced_worker(out: str, argv: list[str]) -> int:
    """`crawler worker` under tracemalloc, a snapshot written at each SIGUSR2 (first, last)."""
    import tracemalloc

    from crawler.cli import main as cli

    tracemalloc.start(8)
    names = iter(("first", "last"))

    def snapshot(signum: int, frame: object) -> None:
        import gc

        gc.collect()
        path = f"{out}-{next(names)}.snap"
        tracemalloc.take_snapshot().dump(path + ".part")
        os.replace(path + ".part", path)

    signal.signal(signal.SIGUSR2, snapshot)
    sys.argv = ["crawler", *argv]
    return int(cli() or 0)


def print_growth(directory: Path, top: int = 30) -> None:
    import tracemalloc

    first = tracemalloc.Snapshot.load(str(directory / "worker-0-first.snap"))
    last = tracemalloc.Snapshot.load(str(directory / "worker-0-last.snap"))
    size = sum(s.size for s in last.statistics("filename")) / 2**20
    was = sum(s.size for s in first.statistics("filename")) / 2**20
    print(f"traced Python memory: {was:.1f} MiB after round 1, {size:.1f} MiB after the last")
    for stat in last.compare_to(first, "traceback")[:top]:
        if stat.size_diff <= 0:
            break
        print(f"{stat.size_diff / 1024:+.0f} KiB {stat.count_diff:+d} blocks")
        for line in stat.traceback.format(limit=8, most_recent_first=True):
            print("   ", line)


def main() -> None:
    if sys.argv[1:2] == ["--profiled-worker"]:
        sys.exit(profiled_worker(sys.argv[2], sys.argv[3:]))
    if sys.argv[1:2] == ["--traced-worker"]:
        sys.exit(traced_worker(sys.argv[2], sys.argv[3:]))
    ap = argparse.ArgumentParser()
    ap.add_argument("--platforms", type=int, default=50)
    ap.add_argument("--size", type=int, default=10, help="listings per platform")
    ap.add_argument("--rounds", type=int, default=4, help="measured rounds after the first")
    ap.add_argument("--max-jobs", type=int, default=4)
    ap.add_argument("--tree", type=Path, action="append", help="source trees (default: this)")
    ap.add_argument("--profile", type=Path, help="cProfile the first tree's worker into DIR")
    ap.add_argument("--memory", type=Path, help="tracemalloc the first tree's worker into DIR")
    args = ap.parse_args()
    if args.profile is not None and args.memory is not None:
        ap.error("--profile and --memory each take over the first worker: give one")
    if args.memory is not None and args.rounds < 2:
        ap.error("--memory compares round 1 with the last: give --rounds 2 or more")
    trees = [t.resolve() for t in (args.tree or [BENCH.parent])]
    for directory in (args.profile, args.memory):
        if directory is not None:
            directory.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="flagwatch-runcpu-"))
    fleet = subprocess.Popen(
        [sys.executable, str(BENCH / "scale_fleet.py"), "--platforms", str(args.platforms),
         "--size", str(args.size), "--on-signal", "--out", str(tmp)],
    )  # fmt: skip
    redis = RedisServer().start()
    workers: list[Worker] = []
    try:
        urls = fleet_urls(fleet, tmp)
        names = sorted(urls)
        write_profiles(tmp / "platforms", urls, 3600)
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("STORE_", "CRAWLER_"))},
            "PLATFORMS_DIR": str(tmp / "platforms"),
            "QUEUE_URL": redis.url[:-1],  # + the worker's database number
            "EVIDENCE_SIGNING_KEY": base64.b64encode(os.urandom(32)).decode(),
        }
        env.pop("PYTHONPATH", None)
        workers = [Worker(i, tree, env, tmp, args) for i, tree in enumerate(trees)]
        for w in workers:
            w.wait_started(900 if w.traced else 120)  # tracemalloc slows the imports too
        print(
            f"{args.platforms} platforms x {args.size} listings, {args.max_jobs} runs at once; "
            f"trees: {', '.join(str(t) for t in trees)}",
            flush=True,
        )
        for r in range(args.rounds + 1):
            if r > 0:
                step(tmp, fleet, r)
            if r == 1 and workers[0].profiled:
                workers[0].proc.send_signal(signal.SIGUSR2)
            order = workers if r % 2 == 0 else workers[::-1]
            for w in order:
                cpu, lines = asyncio.run(w.round(names))
                label = "first runs (not counted)" if r == 0 else f"round {r}"
                print(
                    f"{label}: {w.tree}: {1000 * cpu / len(names):.1f} ms CPU per run, "
                    f"{new_listings(lines)} new listings",
                    flush=True,
                )
                if r > 0:
                    w.cpu.append(cpu)
                    w.runs.append(len(lines))
                print(f"    RSS {w.ps.memory_info().rss / 2**20:.1f} MiB", flush=True)
            if workers[0].traced and r in (1, args.rounds):
                snap = args.memory / f"worker-0-{'first' if r == 1 else 'last'}.snap"
                workers[0].proc.send_signal(signal.SIGUSR2)
                while not snap.exists():
                    time.sleep(0.2)
        if workers[0].profiled:
            workers[0].proc.send_signal(signal.SIGUSR2)
            time.sleep(2)
        base = sum(workers[0].cpu) / sum(workers[0].runs)
        for w in workers:
            per_run = sum(w.cpu) / sum(w.runs)
            rounds = ", ".join(f"{1000 * c / n:.0f}" for c, n in zip(w.cpu, w.runs, strict=True))
            print(
                f"CPU per run: {w.tree}: {1000 * per_run:.1f} ms (rounds {rounds} ms)"
                f"; {per_run / base:.3f}x the first tree"
            )
    finally:
        for w in workers:
            if w.proc.poll() is None:
                w.stop()
        fleet.terminate()
        fleet.wait(30)
        redis.close()
    if args.profile is not None:
        import pstats

        stats = pstats.Stats(str(args.profile / "worker-0.prof"))
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(80)
    if args.memory is not None:
        print_growth(args.memory)
    print(f"logs: {tmp}")


if __name__ == "__main__":
    main()
