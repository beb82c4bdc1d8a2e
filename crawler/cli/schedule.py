"""`crawler schedule`: run every platform on its profile schedule (daemon), or each once (--once).

See crawler/schedule for what the daemon guarantees; settings SCHEDULER_* (settings/base.py).
A broken profile is reported and not scheduled; the others run.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from typing import Any

from crawler.profiles import load_profiles
from crawler.schedule.config import SchedulerConfig
from crawler.schedule.daemon import CrawlScheduler, logger


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "schedule", help="run every platform on its profile schedule (daemon)"
    )
    p.add_argument("--platform", action="append", help="only this platform (repeatable)")
    p.add_argument(
        "--once", action="store_true", help="run each selected platform once now, then exit"
    )
    p.set_defaults(func=cmd_schedule)


def cmd_schedule(args: argparse.Namespace) -> int:
    profiles = load_profiles(settings=args.settings)
    config = SchedulerConfig.from_settings(
        args.settings, overrides=(*args.set_global, *getattr(args, "set", []))
    )
    for err in profiles.errors:
        # One broken profile fails only its own platform: the others are scheduled.
        print(f"crawler schedule: broken profile not scheduled: {err}", file=sys.stderr)
    if args.platform:
        unknown = [p for p in args.platform if p not in profiles]
        if unknown:
            print(
                f"crawler schedule: unknown platform(s) {', '.join(unknown)}; configured: {', '.join(sorted(profiles))}",
                file=sys.stderr,
            )
            return 2
    selected = {n: p for n, p in profiles.items() if not args.platform or n in args.platform}
    if not args.once and not any(p.schedule for p in selected.values()):
        print(
            "crawler schedule: no selected platform has a schedule (use --once to run them now)",
            file=sys.stderr,
        )
        return 2
    if not logging.getLogger().handlers or logging.getLogger().level > logging.INFO:
        # A daemon's decisions belong in its log even without -v.
        logging.getLogger("crawler.scheduler").setLevel(logging.INFO)
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    return asyncio.run(
        CrawlScheduler(selected, config, once=args.once, settings=args.settings).run()
    )
