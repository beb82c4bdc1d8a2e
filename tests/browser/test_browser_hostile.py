"""The hostile platform rendered in Chromium: nothing the pages run reaches another host.

One real `crawler crawl demo-hostile-js` process (crawler/demo/profiles): the hostile
pages' scripts fetch, open WebSockets, beacons, frames, popups, style sheets and scripts on
the victim's port and on host names only local DNS could resolve, submit a form to the
victim after load, redirect and meta-refresh out of scope. The page router refuses what it
sees; the scope fence (crawler/browser/fence.py), every context's only way out, refuses
the rest (redirects, which the router never sees). The only socket the crawl listens on is
that fence's, on 127.0.0.1.
"""

from __future__ import annotations

import time

import pytest

from crawler.demo.hostile import STORED_KINDS
from crawler.testing.crawls import run_crawl_watching_listeners, stored_listings
from crawler.testing.hostile import dumped_stats, hostile_world, looked_up_names, spy_env

pytestmark = pytest.mark.browser

RUN_SECONDS = 180  # measured about 25 s here


def test_rendered_hostile_pages_reach_nothing_outside_the_platform(tmp_path):
    with hostile_world(size=30) as setup:
        spy = tmp_path / "lookups.txt"
        env = spy_env(setup.env(tmp_path / "data"), spy)
        started = time.monotonic()
        run, listening = run_crawl_watching_listeners(
            "demo-hostile-js", env, timeout=RUN_SECONDS * 2
        )
        seconds = time.monotonic() - started
        stats = dumped_stats(run.output)
        listings = {lst.listing_key: lst for lst in stored_listings(env, "demo-hostile-js")}

        assert run.returncode == 0, run.output[-3000:]
        assert setup.victim.hits == [], setup.victim.hits
        assert looked_up_names(spy) == set()
        ordinary = {o.key for o in setup.platform.ordinary}
        assert set(listings) == ordinary | set(STORED_KINDS), sorted(
            set(listings) ^ (ordinary | set(STORED_KINDS))
        )
        # The page that scripts its way out, and submits a form to the victim once loaded,
        # keeps its content: the navigation was refused, the page stayed.
        assert listings["HX-EXFIL"].title == "Room with scripts"
        assert stats["browser/fence_refused"] >= 1  # what the router never saw (redirects, ...)
        assert stats["scope/refused/browser_connection"] == stats["browser/fence_refused"]
        assert stats["scope/refused/host"] >= 5
        assert setup.platform.requests["h:refresh-self"] == 1  # a refresh loop was not followed
        # Nothing listens but the fence, on loopback.
        assert len(listening) == 1 and next(iter(listening))[0] == "127.0.0.1", listening
        assert seconds < RUN_SECONDS
        assert int(run.stat("peak_rss_mb")) < 400
