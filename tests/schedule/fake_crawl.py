"""A stand-in for `crawler crawl NAME` in the scheduler tests: logs its start and end as JSON
lines to FAKE_CRAWL_LOG, "crawls" for FAKE_CRAWL_SECONDS (a JSON object platform -> seconds,
or -> a list of seconds for its 1st, 2nd, ... run, the last repeating),
and on SIGTERM stops cleanly like Scrapy does (logs `terminated`, exits 0)."""

from __future__ import annotations

import json
import os
import signal
import sys
import time

platform = sys.argv[1]
log = os.environ["FAKE_CRAWL_LOG"]
seconds = json.loads(os.environ.get("FAKE_CRAWL_SECONDS", "{}")).get(platform, 0.3)
if isinstance(seconds, list):
    try:
        with open(log) as fh:
            previous = sum(
                1
                for line in fh
                if json.loads(line) == {**json.loads(line), "platform": platform, "event": "start"}
            )
    except FileNotFoundError:
        previous = 0
    seconds = seconds[min(previous, len(seconds) - 1)]


def write(event: str) -> None:
    with open(log, "a") as fh:
        fh.write(
            json.dumps({"platform": platform, "pid": os.getpid(), "event": event, "t": time.time()})
            + "\n"
        )


def on_term(signum: int, frame: object) -> None:
    write("terminated")
    sys.exit(0)


signal.signal(signal.SIGTERM, on_term)
write("start")
time.sleep(seconds)
write("end")
