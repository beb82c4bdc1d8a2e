"""A worker runs crawl after crawl in one process: a finished crawl must not stay in memory.

Components found by their crawler (the crawl's store, alert runtime, evidence capture,
browser handler, cookie middleware) used to keep every finished crawl alive through their
registries, so a worker's memory grew with each run (about 0.2 MB a run). Real crawls of the
demo world, in a child process.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.testing.crawls import crawl_env, running_world

pytestmark = pytest.mark.e2e

CHILD = Path(__file__).with_name("crawls_in_one_process.py")


def test_finished_crawls_are_freed(tmp_path):
    with running_world(seed=3, size=20, platforms=["demo-classifieds"]) as world:
        env = crawl_env(world, tmp_path)
        run = subprocess.run(
            [sys.executable, str(CHILD), "demo-classifieds", "4"],
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )
    assert run.returncode == 0, run.stderr[-3000:]
    assert "alive crawlers=0 spiders=0 runs=4" in run.stdout, run.stdout + run.stderr[-3000:]
