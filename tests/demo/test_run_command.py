"""The main job: `crawler run` crawls every bundled demo platform and shows the results."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from crawler.testing.crawls import stored_listings

pytestmark = pytest.mark.e2e  # real servers or crawl processes


def test_crawler_run_crawls_every_demo_platform_and_checks_ground_truth(tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("STORE_", "CRAWLER_"))}
    env["CRAWLER_DATA_DIR"] = str(tmp_path / "data")
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "run", "--size", "20", "--rounds", "2"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 0, out[-4000:]
    for platform in (
        "demo-classifieds",
        "demo-jobs",
        "demo-forum",
        "demo-social",
        "demo-onion-market",
        "demo-members",  # members-only: the crawl logs in with the world's account
    ):
        line = next(
            (ln for ln in out.splitlines() if ln.startswith(f"ground truth {platform}:")), None
        )
        assert line is not None, f"{platform} was not crawled:\n{out[-3000:]}"
        assert "missing" not in line, line
        assert stored_listings(env, platform), platform
    for heading in ("Listings per platform", "Top indicators", "Highest-risk listings"):
        assert heading in out
    assert "Round 2" in out
    # Each platform's health, and the run's evidence checked as `crawler evidence verify` does.
    assert "health: 6 healthy" in out, out[-3000:]
    evidence = next(ln for ln in out.splitlines() if ln.startswith("evidence: "))
    assert "verify OK" in evidence and " 0 WARC file(s)" not in evidence, evidence
