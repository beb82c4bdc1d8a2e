"""The members-only site behind the private network's onion service: login and crawl over tor.

`crawler crawl demo-members-onion` (network: tor) starts without a session: it logs in
through tor (the form's CSRF token, then the PIN page), walks every board page as a member
and stores every thread; the session it saved is the onion's, and no secret reaches the
crawl's output or its WARC files. The test lives beside the other tor tests so that it
shares the session's one private tor network (tests/tor/conftest.py).
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from crawler.testing.crawls import run_crawl, stored_listings

pytestmark = pytest.mark.tor

PLATFORM = "demo-members-onion"


def test_onion_members_site_logs_in_over_tor_and_stores_every_thread(
    tornet, ensure_client, tor_world, tor_env, data_dir: Path
):
    members = tor_world.members
    posts = members.login_posts
    seen = len(members.requests_log)
    run = run_crawl(PLATFORM, tor_env, timeout=300)
    assert run.returncode == 0, run.output[-3000:]
    # One login (CSRF + PIN: the login POST counts once), over tor.
    assert members.login_posts - posts == 1
    assert "'tor/response_count'" in run.output
    served = members.requests_log[seen:]
    board = [r for r in served if r.path.startswith(("/board", "/thread"))]
    assert board and all(r.had_session for r in board), "a page was read logged out"
    truth = {t.path for t in tor_world.ground_truth()["demo-members"]}
    listings = stored_listings(tor_env, PLATFORM)
    assert {urlsplit(lst.url).path for lst in listings} == truth
    assert all(lst.network == "tor" and lst.body.strip() for lst in listings)
    # The saved session is the onion's (its host, not the clearnet one), mode 0600.
    session = data_dir / "sessions" / f"{PLATFORM}.json"
    assert session.stat().st_mode & 0o077 == 0
    cookies = json.loads(session.read_text())["cookies"]
    onion_host = urlsplit(tor_env["DEMO_MEMBERS_ONION_URL"]).hostname
    assert cookies and {c["domain"].lstrip(".") for c in cookies} == {onion_host}
    secrets = {members.account.password, members.account.pin} | {c["value"] for c in cookies}
    texts = [run.output]
    for warc in data_dir.rglob("*.warc*"):
        raw = warc.read_bytes()
        texts.append((gzip.decompress(raw) if warc.name.endswith(".gz") else raw).decode("latin-1"))
    assert len(texts) > 1, "the crawl wrote no WARC file"
    for text in texts:
        for secret in secrets - {None, ""}:
            assert secret not in text
