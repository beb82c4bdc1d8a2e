"""Benchmark: latency from a listing being scraped to its alert arriving at a webhook.

Starts the demo classifieds (`--size` listings) and a real webhook receiver on 127.0.0.1,
runs one real `crawler crawl demo-classifieds` process with a rule that matches every
listing (`--rule all`, the worst case: one alert per listing) or only listings with an
indicator (`--rule indicators`), and measures, per alert, the time from the demo server
sending the listing's detail page to the webhook receiving the alert. Prints the median,
p95 and max; target: max <= 5 s.

    .venv/bin/python bench/bench_alert_latency.py --size 500 --rule all
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

import yaml
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.demo.world import DemoWorld, DemoWorldThread  # noqa: E402
from crawler.testing.crawls import crawl_env, run_crawl  # noqa: E402
from crawler.testing.receivers import WebhookReceiver  # noqa: E402

PLATFORM = "demo-classifieds"
SECRET = "bench-only-secret"
RULES = {
    "all": {"name": "every-listing", "platforms": [PLATFORM], "channels": ["hook"]},
    "indicators": {
        "name": "any-indicator",
        "indicators": ["movement", "third_party_control", "youth_emphasis", "no_limits"],
        "channels": ["hook"],
    },
}


def timed_world(size: int, seed: int, served: dict[str, float]) -> DemoWorld:
    """A demo world whose server notes when it sends each page (path -> time)."""
    world = DemoWorld(seed=seed, size=size, platforms=[PLATFORM])
    for platform in world.platforms.values():
        make_app = platform.make_app

        def wrapped(make_app=make_app) -> web.Application:  # noqa: ANN001 - bound default
            app = make_app()

            async def note(request: web.Request, response: web.StreamResponse) -> None:
                served.setdefault(request.path, time.time())

            app.on_response_prepare.append(note)
            return app

        platform.make_app = wrapped  # type: ignore[method-assign]
    return world


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--size", type=int, default=300, help="listings on the demo classifieds")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--rule", choices=sorted(RULES), default="all")
    args = ap.parse_args()

    from settings import base

    pipes = dict(base.ITEM_PIPELINES)
    pipes.setdefault(
        "pipelines.alerts.AlertsIntakePipeline", pipes.get("pipelines.store.StorePipeline", 600) - 1
    )

    served: dict[str, float] = {}
    with (
        tempfile.TemporaryDirectory(prefix="bench-alerts-") as tmp,
        WebhookReceiver(secret=SECRET) as hook,
    ):
        data = Path(tmp) / "data"
        data.mkdir()
        rules = Path(tmp) / "rules.yaml"
        channel = {"type": "webhook", "url": hook.url, "secret_env": "ALERTS_WEBHOOK_SECRET"}
        rules.write_text(
            yaml.safe_dump({"channels": {"hook": channel}, "rules": [RULES[args.rule]]})
        )
        runner = DemoWorldThread(timed_world(args.size, args.seed, served))
        runner.start()
        try:
            env = crawl_env(
                runner,
                data,
                {
                    "ALERTS_RULES": str(rules),
                    "ALERTS_WEBHOOK_SECRET": SECRET,
                    "CRAWLER_SETTING_ITEM_PIPELINES": json.dumps(pipes),
                },
            )
            t0 = time.time()
            run = run_crawl(PLATFORM, env, timeout=1800)
            crawl_s = time.time() - t0
        finally:
            runner.stop()
        if run.returncode != 0:
            print(run.output[-3000:], file=sys.stderr)
            return 1
        latencies = []
        for d in hook.deliveries:
            path = urlsplit(d.json()["alert"]["url"]).path
            if path in served:
                latencies.append(d.received_at - served[path])
        if not latencies:
            print("no alerts arrived", file=sys.stderr)
            return 1
        latencies.sort()
        p95 = latencies[min(len(latencies) - 1, int(0.95 * len(latencies)))]
        result = {
            "listings": args.size,
            "rule": args.rule,
            "alerts": len(latencies),
            "distinct_keys": len(hook.keys),
            "crawl_seconds": round(crawl_s, 2),
            "latency_median_s": round(statistics.median(latencies), 3),
            "latency_p95_s": round(p95, 3),
            "latency_max_s": round(latencies[-1], 3),
            "target_max_s": 5.0,
            "ok": latencies[-1] <= 5.0,
        }
        print(json.dumps(result))
        return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
