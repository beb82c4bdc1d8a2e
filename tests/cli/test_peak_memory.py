"""The crawl's summary reports its own peak memory, not that of the process that started it.

Linux carries a parent's resident high-water mark over fork and exec into getrusage's
ru_maxrss, so a crawl started by a large process (the scheduler, a test run) used to report
the parent's peak as its own (447 MB for a crawl that peaked at about 210 MB).
"""

from __future__ import annotations

import subprocess
import sys

PARENT_MB = 600


def test_peak_rss_is_the_crawl_process_own() -> None:
    ballast = bytearray(PARENT_MB * 1024 * 1024)
    for i in range(0, len(ballast), 4096):  # touch every page: resident in this process
        ballast[i] = 1
    child = subprocess.run(
        [sys.executable, "-c", "from crawler.cli.crawl import peak_rss_mb; print(peak_rss_mb())"],
        capture_output=True,
        text=True,
        check=True,
    )
    del ballast
    reported = int(child.stdout.strip())
    assert 0 < reported < PARENT_MB // 2, reported
