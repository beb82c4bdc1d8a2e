"""The hostile platform crawled through tor (strict OPSEC, the private test network).

Every request goes through the tor handler (aiohttp + SOCKS); the private network's exit
may reach any port on 127.0.0.1, the victim's included, so only the platform's scope keeps
the hostile links, redirects and refreshes from reaching it. Nothing is looked up locally.
"""

from __future__ import annotations

import time

import pytest

from crawler.demo.hostile import STORED_KINDS
from crawler.testing.crawls import run_crawl, stored_listings
from crawler.testing.hostile import dumped_stats, hostile_world, looked_up_names, spy_env

pytestmark = pytest.mark.tor

RUN_SECONDS = 240  # measured about 60 s here


def test_hostile_platform_through_tor_stays_in_scope(tornet, ensure_client, tmp_path):
    with hostile_world(size=30) as setup:
        spy = tmp_path / "lookups.txt"
        env = spy_env(setup.env(tmp_path / "data", {**tornet.environ(), "TOR_STRICT": "1"}), spy)
        started = time.monotonic()
        run = run_crawl("demo-hostile", env, timeout=RUN_SECONDS * 2)
        seconds = time.monotonic() - started
        stats = dumped_stats(run.output)
        listings = {lst.listing_key: lst for lst in stored_listings(env, "demo-hostile")}

        assert run.returncode == 0, run.output[-3000:]
        assert stats["tor/request_count"] > 100 and "tor/direct_request_count" not in stats
        assert setup.victim.hits == [], setup.victim.hits
        assert looked_up_names(spy) == set()
        ordinary = {o.key for o in setup.platform.ordinary}
        assert set(listings) == ordinary | set(STORED_KINDS), sorted(
            set(listings) ^ (ordinary | set(STORED_KINDS))
        )
        hidden = setup.platform.hidden_phone
        for key in ("HX-HIDDEN", "HX-DEEP", "HX-LATIN1"):
            assert listings[key].phones == [hidden], key
        assert stats["scope/refused/scheme"] >= 3 and stats["scope/refused/host"] >= 5
        assert stats["pages/cut_tags"] == 1 and setup.platform.requests["wide_detail"] == 500
        assert seconds < RUN_SECONDS
        assert int(run.stat("peak_rss_mb")) < 400
