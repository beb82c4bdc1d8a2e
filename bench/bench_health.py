"""Benchmark: false alarms of crawl health over consecutive runs of an unchanged demo world.

Starts the demo world (three clearnet platforms, `--size` listings each, no condition) and
a real webhook receiver on 127.0.0.1, then runs `crawler schedule --once` over the three
platforms `--runs` times (real `crawler crawl` processes, the bundled profiles with their
default health thresholds, a `type: health` rule delivering to the receiver). Between runs
the world moves one step (new, changed and removed listings, as a living site does;
`--still` keeps it as it is). Prints, per run, each platform's judged status, and at the
end the health alerts delivered and the runs judged not healthy; target: zero of both.

    .venv/bin/python bench/bench_health.py --runs 20 --size 20
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.config import crawler_settings  # noqa: E402
from crawler.models import CrawlJob  # noqa: E402
from crawler.store import open_store  # noqa: E402
from crawler.testing.crawls import crawl_env, running_world  # noqa: E402
from crawler.testing.receivers import WebhookReceiver  # noqa: E402

PLATFORMS = ["demo-classifieds", "demo-jobs", "demo-forum"]
SECRET = "bench-only-secret"


def latest_jobs(env: dict[str, str]) -> dict[str, CrawlJob]:
    async def go() -> dict[str, CrawlJob]:
        async with open_store(crawler_settings(env)) as store:
            return {p: (await store.jobs(p, limit=1))[0] for p in PLATFORMS}

    return asyncio.run(go())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", type=int, default=20, help="listings per platform")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--still", action="store_true", help="do not advance the world")
    args = parser.parse_args()

    receiver = WebhookReceiver(secret=SECRET).start()
    tmp = Path(tempfile.mkdtemp(prefix="bench-health-"))
    rules = tmp / "rules"
    rules.mkdir()
    (rules / "health.yaml").write_text(
        yaml.safe_dump(
            {
                "channels": {
                    "hook": {
                        "type": "webhook",
                        "url": receiver.url,
                        "secret_env": "ALERTS_WEBHOOK_SECRET",
                    }
                },
                "rules": [{"name": "crawl-health", "type": "health", "channels": ["hook"]}],
            }
        )
    )
    not_healthy: Counter[str] = Counter()
    codes: Counter[str] = Counter()
    started = time.monotonic()
    try:
        with running_world(seed=args.seed, size=args.size, platforms=PLATFORMS) as world:
            env = crawl_env(
                world,
                tmp / "data",
                {
                    "ALERTS_RULES": str(rules),
                    "ALERTS_WEBHOOK_SECRET": SECRET,
                    "SCHEDULER_MAX_PARALLEL": "3",
                },
            )
            for k in [k for k in env if k.startswith("SCHEDULER_CRAWL")]:
                del env[k]
            env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
            (tmp / "data").mkdir()
            command = [sys.executable, "-m", "crawler", "schedule", "--once"]
            command += [x for p in PLATFORMS for x in ("--platform", p)]
            for n in range(1, args.runs + 1):
                t0 = time.monotonic()
                proc = subprocess.run(
                    command, env=env, capture_output=True, text=True, cwd=tmp / "data"
                )
                if proc.returncode != 0:
                    print((proc.stdout + proc.stderr)[-3000:], file=sys.stderr)
                    return 2
                jobs = latest_jobs(env)
                line = []
                for p, job in jobs.items():
                    status = job.health.status if job.health else "not judged"
                    if status != "healthy":
                        not_healthy[p] += 1
                        codes.update(r.code for r in (job.health.reasons if job.health else []))
                    line.append(f"{p}={status}")
                print(f"run {n:2d} ({time.monotonic() - t0:4.1f} s): {' '.join(line)}", flush=True)
                if not args.still:
                    world.advance()
    finally:
        receiver.stop()
    alerts = [d.json()["alert"] for d in receiver.deliveries]
    health_alerts = [a for a in alerts if a.get("health")]
    print(
        f"runs={args.runs} platforms={len(PLATFORMS)} size={args.size} "
        f"world={'still' if args.still else 'advancing'} "
        f"health_alerts={len(health_alerts)} not_healthy_runs={sum(not_healthy.values())} "
        f"seconds={time.monotonic() - started:.0f}"
    )
    if codes:
        print("reasons: " + ", ".join(f"{c}={n}" for c, n in codes.most_common()))
    for a in health_alerts:
        print(f"alert: {a['platform']} {a['health']['change']}: {a['health']['judged']}")
    return 0 if not health_alerts and not not_healthy else 1


if __name__ == "__main__":
    sys.exit(main())
