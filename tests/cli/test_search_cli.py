"""`crawler search` and `crawler status` read what a crawl stored, with every filter."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from crawler.testing.crawls import crawl_env, run_crawl

pytestmark = pytest.mark.e2e  # real servers or crawl processes


def search(env, *args) -> list[dict]:
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "search", "--json", "--limit", "1000", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return [json.loads(line) for line in proc.stdout.splitlines() if line.strip()]


def test_search_filters_match_the_ground_truth(demo_world, data_dir):
    env = crawl_env(demo_world, data_dir)
    for platform in ("demo-classifieds", "demo-jobs"):
        assert run_crawl(platform, env).returncode == 0
    truth = {t.key: t for ts in demo_world.ground_truth().values() for t in ts}

    jobs = search(env, "--platform", "demo-jobs")
    assert len(jobs) == len(demo_world.ground_truth()["demo-jobs"])

    everything = search(env)
    fee = search(env, "--indicator", "recruitment_fee")
    flagged = {
        d["listing_key"]
        for d in everything
        if any(h["id"] == "recruitment_fee" for h in d["indicators"])
    }
    assert flagged and {d["listing_key"] for d in fee} == flagged

    risky = search(env, "--min-risk", "40")
    expected = {d["listing_key"] for d in everything if d["risk_score"] >= 40}
    assert risky and {d["listing_key"] for d in risky} == expected
    assert [d["risk_score"] for d in risky] == sorted(
        (d["risk_score"] for d in risky), reverse=True
    )

    with_phone = next(t for t in truth.values() if t.phones)
    national = with_phone.phones[0]  # E.164; search also accepts other spellings
    hits = search(env, "--identifier", national)
    assert with_phone.key in {d["listing_key"] for d in hits}

    word = with_phone.title.split()[0]
    assert with_phone.key in {d["listing_key"] for d in search(env, word)}
    assert search(env, 'punctuation "( AND *') == []  # odd input: no match, never a crash

    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "status"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0 and "demo-classifieds" in proc.stdout
