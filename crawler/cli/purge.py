"""`crawler purge --days N`: retention: delete listings not seen for N days."""

from __future__ import annotations

import argparse
import asyncio
from datetime import UTC, datetime, timedelta


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("purge", help="retention: delete listings not seen for N days")
    p.add_argument("--days", type=int, required=True)
    p.set_defaults(func=cmd_purge)


def cmd_purge(args: argparse.Namespace) -> int:
    from crawler.alerts.engine import alert_after_replay
    from crawler.store import open_store

    async def go() -> int:
        async with open_store(args.settings) as store:
            await alert_after_replay(store, args.settings)
            return await store.purge(datetime.now(UTC) - timedelta(days=args.days))

    print(f"purged {asyncio.run(go())} listing(s) not seen for {args.days} day(s)")
    return 0
