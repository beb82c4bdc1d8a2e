"""A crawl stand-in for the crash tests: stores one listing the way the pipelines do and
SIGKILLs itself at the requested point. Run as `python alert_crash_child.py POINT KEY`.

POINT: after_marker (before the upsert), after_upsert (stored, not yet evaluated),
after_outbox (alert in the outbox, not yet delivered), none (finish normally, deliver).
Like AlertsPipeline.open_spider, it first recovers what an earlier killed run left.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time

from alert_fixtures import matching_listing

from crawler.alerts.config import AlertsConfig
from crawler.alerts.engine import AlertEngine
from crawler.config import crawler_settings
from crawler.models import utcnow
from crawler.store import open_store


def die_if(point: str, here: str) -> None:
    if point == here:
        os.kill(os.getpid(), signal.SIGKILL)


async def main(point: str, key: str) -> None:
    store = open_store(crawler_settings())
    # No courier while crashing on purpose, so nothing leaves before the kill.
    engine = AlertEngine.load(
        AlertsConfig.from_settings(crawler_settings()), store, deliver=point == "none"
    )
    await store.open()
    await engine.recover()
    engine.start_delivery()
    listing = matching_listing(key)
    await engine.before_store(listing, time.time())
    die_if(point, "after_marker")
    [result] = await store.upsert([listing], utcnow())
    die_if(point, "after_upsert")
    await engine.after_store(result, time.time())
    die_if(point, "after_outbox")
    await engine.close(drain=True)
    await store.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], sys.argv[2]))
