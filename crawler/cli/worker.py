"""`crawler worker`: take platform runs from the Redis queue and run them in this process.

Needs QUEUE_URL (the queue's Redis). Runs until SIGTERM/SIGINT (then finishes or hands back
its runs: crawler.worker.worker), or with --burst until the queues it reads are empty.
Settings QUEUE_* and WORKER_* (settings/base.py, docs/scaling.md).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"


def register(sub: Any) -> None:
    p = sub.add_parser(
        "worker", help="take platform runs from the Redis queue and run them (QUEUE_URL)"
    )
    p.add_argument("--max-jobs", type=int, help="platform runs at once (default: WORKER_MAX_JOBS)")
    p.set_defaults(func=cmd_worker, scrapy_logging=True)


def cmd_worker(args: argparse.Namespace) -> int:
    from scrapy.utils.log import configure_logging
    from scrapy.utils.reactor import install_reactor

    from crawler.worker.config import WorkerConfig

    settings = args.settings
    if args.max_jobs is not None:
        if args.max_jobs < 1:
            print("crawler worker: --max-jobs must be at least 1", file=sys.stderr)
            return 2
        settings.set("WORKER_MAX_JOBS", args.max_jobs, priority="cmdline")
    config = WorkerConfig.from_settings(settings)  # ConfigError: one line, exit 2
    configure_logging(settings)
    from crawler.cli.console import install_printable_filter
    from crawler.profiles import load_profiles

    profiles = load_profiles(settings=settings)
    for err in profiles.errors:  # a broken profile fails only its own runs
        print(f"crawler worker: warning: broken profile: {err}", file=sys.stderr)
    # Session ids of every platform's URLs stay out of the log (crawler.crawl.urls).
    install_printable_filter(
        tuple(sorted({p for x in profiles.values() for p in x.session_params}))
    )
    install_reactor(TWISTED_REACTOR)
    from twisted.internet import reactor as installed
    from twisted.internet.defer import Deferred

    from crawler.worker.worker import CrawlWorker

    reactor: Any = installed
    outcome: dict[str, Any] = {}

    async def main() -> None:
        outcome["code"] = await CrawlWorker(settings, config).run()

    def start() -> None:
        d = Deferred.fromFuture(asyncio.ensure_future(main()))

        def finished(result: Any) -> Any:
            if hasattr(result, "getTraceback"):
                outcome["error"] = result.value
            reactor.stop()

        d.addBoth(finished)

    reactor.callWhenRunning(start)
    reactor.run(installSignalHandlers=False)  # our own SIGTERM handling (crawler.worker)
    if "error" in outcome:
        raise outcome["error"]
    return int(outcome.get("code", 1))
