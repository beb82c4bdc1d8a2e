"""The browser route (network: js) on the members-only demo site: the context carries the session.

A js variant of the demo-members profile (written to the test's own platforms directory)
renders every page in Chromium. The crawl starts without a session: it logs in on the Scrapy
route (the login form, its CSRF token, the PIN page), the browser context gets the session,
and every board and thread page the browser loads is served to a member. The session expires
half-way (the site's expire_sessions()): the crawl logs in again, the context gets the new
session, and every thread is still stored.
"""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import yaml

from crawler.testing.crawls import crawl_command, crawl_env, running_world, stored_listings

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = "demo-members-js"


def _js_profile(tmp_path: Path, concurrency: int | None = None) -> Path:
    """A platforms directory with the demo-members profile rendered in Chromium (network js)."""
    profile = yaml.safe_load((ROOT / "crawler/platforms/demo-members.yaml").read_text())
    profile.update(name=PLATFORM, network="js")
    if concurrency is not None:
        profile["politeness"]["concurrency"] = concurrency
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    (platforms / f"{PLATFORM}.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    return platforms


def test_rendered_crawl_logs_in_and_the_browser_context_carries_the_session(tmp_path: Path):
    platforms = _js_profile(tmp_path, concurrency=4)
    data = tmp_path / "data"
    with running_world(size=12, platforms=["demo-members"]) as world:
        members = world.members
        env = crawl_env(world, data, {"PLATFORMS_DIR": str(platforms)})
        out = (tmp_path / "crawl.log").open("w+")  # a pipe left unread would fill and block
        proc = subprocess.Popen(
            crawl_command(PLATFORM), env=env, stdout=out, stderr=subprocess.STDOUT, text=True
        )
        expired = False
        deadline = time.monotonic() + 300
        while proc.poll() is None and time.monotonic() < deadline:
            served = [r for r in members.requests_log if r.path.startswith("/thread")]
            if not expired and len(served) >= 3:
                members.expire_sessions()
                expired = True
            time.sleep(0.02)
        proc.wait(timeout=60)
        out.seek(0)
        output = out.read()
        out.close()
        truth = {t.path for t in world.ground_truth()["demo-members"]}
        log = members.requests_log
        posts = members.login_posts
    assert proc.returncode == 0, output[-3000:]
    assert expired, "the crawl ended before the session could be expired"
    assert posts == 2, output[-3000:]  # the first login, and one after the expiry
    assert "'browser/session_shared': 2" in output  # each session went into the context
    assert "'playwright/page_count'" in output  # pages were rendered in Chromium
    listings = stored_listings(env, PLATFORM)
    assert {urlsplit(lst.url).path for lst in listings} == truth
    assert all(lst.body.strip() for lst in listings)
    # The browser asked for no media, and every rendered member page it stored was a
    # member's (pages answered logged out were fetched again, not stored).
    assert not any(r.path.startswith(("/static", "/img")) for r in log)
    session = json.loads((data / "sessions" / f"{PLATFORM}.json").read_text())
    assert any(c["name"] == "members_sid" for c in session["cookies"])
    account = members.account
    for secret in (account.password, account.pin, *(c["value"] for c in session["cookies"])):
        assert secret not in output


def test_a_session_the_site_renews_in_the_browser_is_the_one_saved(tmp_path: Path):
    """Rolling sessions: every thread page the browser renders hands out a new session id,
    and its script sets a cookie of its own. The session saved at the end of the run is one
    the browser received, not the one the login got, with the script's cookie (only the
    browser context holds it: merged back into the jar), and the next run uses it without a
    login."""
    platforms = _js_profile(tmp_path)
    data = tmp_path / "data"
    with running_world(size=6, platforms=["demo-members"]) as world:
        members = world.members
        members.rolling_sessions = True
        env = crawl_env(world, data, {"PLATFORMS_DIR": str(platforms)})
        first = subprocess.run(
            crawl_command(PLATFORM), env=env, capture_output=True, text=True, timeout=300
        )
        renewed, seen = members.renewed_sessions, members.seen_tokens
        posts = members.login_posts
        members.rolling_sessions = False
        second = subprocess.run(
            crawl_command(PLATFORM), env=env, capture_output=True, text=True, timeout=300
        )
        posts_again = members.login_posts - posts
    assert first.returncode == 0, (first.stdout + first.stderr)[-3000:]
    assert posts == 1 and len(renewed) >= 6  # one login, a new id per thread page
    session = json.loads((data / "sessions" / f"{PLATFORM}.json").read_text())
    saved = {c["value"] for c in session["cookies"] if c["name"] == "members_sid"}
    assert len(saved) == 1 and saved <= set(renewed), "the saved session is not a renewed one"
    # A cookie the page's script set exists only in the browser context: merged back.
    scripted = {c["value"] for c in session["cookies"] if c["name"] == "members_seen"}
    assert len(scripted) == 1 and scripted <= set(seen), session["cookies"]
    assert second.returncode == 0, (second.stdout + second.stderr)[-3000:]
    assert posts_again == 0  # the renewed session was good for the next run
