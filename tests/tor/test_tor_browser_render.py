"""A JavaScript-rendered profile with `network: tor` renders through the private tor network.

The demo onion market is crawled in Chromium (a `render` section makes the profile a browser
profile) with its context's proxy set to the test network's tor client: the .onion name is
resolved by tor, so a page that loads proves the browser went through tor.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from test_tor_onion_crawl import assert_matches_truth, stored

from crawler.testing.crawls import run_crawl

pytestmark = [pytest.mark.tor, pytest.mark.browser]

BUNDLED = Path(__file__).resolve().parents[2] / "crawler" / "platforms" / "demo-onion-market.yaml"


def test_js_profile_over_tor_renders_every_offer_through_the_onion_service(
    tornet, ensure_client, tor_world, tor_env, tmp_path
):
    if not Path("/usr/lib/chromium/chromium").exists():
        pytest.fail("Debian's chromium is missing: make test installs it")
    profile = yaml.safe_load(BUNDLED.read_text())
    profile["render"] = {"actions": [{"action": "wait_for", "selector": "body"}]}
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    (platforms / "demo-onion-market.yaml").write_text(yaml.safe_dump(profile))
    env = {**tor_env, "PLATFORMS_DIR": str(platforms)}
    tor_world.reset_request_counts()

    run = run_crawl("demo-onion-market", env, timeout=600)

    assert run.returncode == 0, run.output[-3000:]
    assert_matches_truth(stored(env), tor_world.ground_truth()["demo-onion-market"])
    assert tor_world.request_counts()["demo-onion-market"]["asset"] == 0
