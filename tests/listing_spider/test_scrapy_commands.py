"""The Scrapy project works from the project root: `scrapy list`, `scrapy crawl listing -a platform=...`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from crawler.testing.crawls import crawl_env, stored_listings

pytestmark = pytest.mark.e2e  # real servers or crawl processes

ROOT = Path(__file__).resolve().parents[2]
SCRAPY = [sys.executable, "-m", "scrapy.cmdline"]


def test_scrapy_list_and_crawl_from_project_root(demo_world, data_dir):
    env = crawl_env(demo_world, data_dir)
    out = subprocess.run(
        [*SCRAPY, "list"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    # listing: every platform; trial: a profile rendered without pipelines (spiders/trial.py).
    assert out.returncode == 0 and out.stdout.split() == ["listing", "trial"], out.stderr
    out = subprocess.run(
        [*SCRAPY, "crawl", "listing", "-a", "platform=demo-forum"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    assert len(stored_listings(env, "demo-forum")) == len(demo_world.ground_truth()["demo-forum"])


def test_unknown_platform_is_a_clear_error(demo_world, data_dir):
    env = crawl_env(demo_world, data_dir)
    out = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "no-such-platform"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 2 and "unknown platform 'no-such-platform'" in out.stderr
