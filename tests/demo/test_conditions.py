"""Demo conditions: a platform breaks the way real ones do, and "ok" mends it.

"layout" keeps every listing but in markup the profiles' selectors no longer match (read
with the spider's own selector code); "login_wall", "captcha" and "forbidden" serve pages
the health classifier recognises; "slow" delays every answer; robots.txt stays readable;
requests are still counted; advance(conditions=...) and the thread runner apply them.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from parsel import Selector
from parsel.csstranslator import css2xpath

from crawler.crawl.api import parse_api_page
from crawler.crawl.fields import jsonld_objects, read_field
from crawler.demo.conditions import CONDITIONS, LAYOUT_KEY_PREFIX
from crawler.demo.world import DemoWorld, DemoWorldThread, platform_classes
from crawler.health.pages import classify_page
from crawler.profiles import PlatformProfile, load_profile

pytestmark = pytest.mark.e2e  # real servers on 127.0.0.1

ROOT = Path(__file__).resolve().parents[2]
PROFILE_DIRS = [ROOT / "crawler" / "platforms", ROOT / "crawler" / "demo" / "profiles"]
ALL_PLATFORMS = sorted(platform_classes())


@pytest.fixture
async def world() -> AsyncIterator[DemoWorld]:
    w = DemoWorld(seed=3, size=45, platforms=ALL_PLATFORMS)
    await w.start()
    try:
        yield w
    finally:
        await w.stop()


def served_profiles(world: DemoWorld) -> list[tuple[str, PlatformProfile]]:
    """(platform name, profile) for every demo profile whose base URL the world serves,
    except those read through a browser (their pages are empty until a script runs) and
    those behind a login (without a session their list pages hold no entries:
    tests/demo/test_members_site.py)."""
    by_url = {url: name for name, url in world.urls.items()}
    out = []
    for directory in PROFILE_DIRS:
        for path in sorted(directory.glob("*.yaml")):
            if path.stem == "demo-hostile-api-deep":
                continue  # its only page is a JSON bomb no reader parses, in any condition
            profile = load_profile(path, environ=world.env())
            name = by_url.get(profile.base_url.rstrip("/"))
            if name is not None and profile.network != "js" and profile.auth is None:
                out.append((name, profile))
    return out


async def get(session: aiohttp.ClientSession, url: str) -> tuple[int, str, float]:
    start = time.monotonic()
    async with session.get(url, allow_redirects=False) as resp:
        return resp.status, await resp.text(), time.monotonic() - start


# --- reading a page the way ListingSpider does -----------------------------------------------


def list_entries(profile: PlatformProfile, url: str, text: str) -> list[tuple[str | None, str]]:
    """(key, link) of every entry the profile finds on a list (or API) page."""
    if profile.api is not None:
        raws, _ = parse_api_page(profile, url, json.loads(text))
        return [(r["key"], r["url"]) for r in raws]
    lp = profile.list_page
    assert lp is not None
    entries = Selector(text=text).xpath(css2xpath(lp.item))
    return [
        (read_field(e, lp.key) if lp.key else None, read_field(e, lp.link) or "") for e in entries
    ]


def detail_fields(profile: PlatformProfile, text: str) -> dict[str, str | None]:
    assert profile.detail is not None
    sel = Selector(text=text)
    jsonld = jsonld_objects(sel)
    return {
        name: read_field(sel, spec, jsonld)
        for name, spec in profile.detail.fields.items()
        if spec.const is None
    }


def body_text(html: str) -> list[str]:
    return [t for t in Selector(text=html).xpath("//body//text()").getall() if t.strip()]


def detail_links(html: str) -> set[str]:
    return set(Selector(text=html).xpath("//a/@href").getall())


def unprefixed(data: Any) -> Any:
    if isinstance(data, dict):
        return {k.removeprefix(LAYOUT_KEY_PREFIX): unprefixed(v) for k, v in data.items()}
    if isinstance(data, list):
        return [unprefixed(v) for v in data]
    return data


# --- "layout" -------------------------------------------------------------------------------


async def test_layout_keeps_every_listing_but_no_profile_selector_matches(world):
    profiles = served_profiles(world)
    # Every demo profile the spider reads without a browser is checked, list and API alike.
    assert {"demo-classifieds", "demo-jobs", "demo-forum", "demo-onion-market"} <= {
        n for n, _ in profiles
    }
    assert any(p.api is not None for _, p in profiles)
    async with aiohttp.ClientSession() as session:
        for name, profile in profiles:
            seed = profile.absolute(profile.seeds[0])
            world.set_condition(name, "ok")
            status, before, _ = await get(session, seed)
            assert status == 200, (profile.name, seed)
            entries = list_entries(profile, seed, before)
            assert entries, f"{profile.name}: no entries even when ok"
            detail_url = None
            if profile.api is None and profile.detail is not None:
                detail_url = profile.absolute(entries[0][1])
                _, ok_detail, _ = await get(session, detail_url)
                assert any(detail_fields(profile, ok_detail).values()), profile.name

            world.set_condition(name, "layout")
            status, after, _ = await get(session, seed)
            assert status == 200, (profile.name, seed)
            assert list_entries(profile, seed, after) == [], profile.name
            if profile.api is not None:
                assert unprefixed(json.loads(after)) == json.loads(before), profile.name
            else:
                assert body_text(after) == body_text(before), profile.name
                assert detail_links(after) == detail_links(before), profile.name
            if detail_url is not None:
                status, new_detail, _ = await get(session, detail_url)
                assert status == 200
                assert body_text(new_detail) == body_text(ok_detail), profile.name
                fields = detail_fields(profile, new_detail)
                assert not any(fields.values()), (profile.name, fields)
                assert classify_page(status, new_detail, detail_url) is None
            assert classify_page(status, after, seed) is None  # a layout change, not a wall

            world.set_condition(name, "ok")
            _, again, _ = await get(session, seed)
            assert again == before, profile.name


async def test_layout_rewrites_the_browser_client_to_the_new_markup_and_keys(world):
    # demo-social builds its pages in the browser: the script must build the new classes
    # and read the renamed API keys, or "layout" would show empty posts instead.
    base = world.urls["demo-social"]
    async with aiohttp.ClientSession() as session:
        _, script_ok, _ = await get(session, f"{base}/static/social.js")
        world.set_condition("demo-social", "layout")
        _, shell, _ = await get(session, f"{base}/feed")
        _, script, _ = await get(session, f"{base}/static/social.js")
    assert 'id="v2-app"' in shell and 'id="app"' not in shell
    assert script != script_ok
    assert 'getElementById("v2-app")' in script and '"v2-" + cls' in script
    reads = script_ok.count("await r.json()")
    assert reads >= 2 and script.count("unv2(await r.json())") == script.count("await r.json()")


@pytest.mark.browser
async def test_layout_in_the_browser_shows_every_post_in_markup_the_profile_misses(world):
    from playwright.async_api import async_playwright

    from crawler.browser import CHROMIUM_FLAGS, DEFAULT_EXECUTABLE

    base = world.urls["demo-social"]
    profile = load_profile(PROFILE_DIRS[0] / "demo-social.yaml", environ=world.env())
    first = world.ground_truth()["demo-social"][0]
    rendered: dict[str, tuple[str, str]] = {}
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=DEFAULT_EXECUTABLE, headless=True, args=list(CHROMIUM_FLAGS)
        )
        try:
            page = await browser.new_page()
            for condition, wait_for in (("ok", "article.post"), ("layout", "article.v2-post")):
                world.set_condition("demo-social", condition)
                await page.goto(f"{base}/feed")
                await page.wait_for_selector(wait_for, timeout=15000)
                feed = await page.content()
                await page.goto(base + first.path)
                await page.wait_for_selector(wait_for.replace("post", "post-detail"))
                rendered[condition] = (feed, await page.content())
        finally:
            await browser.close()
    feed, detail = rendered["ok"]
    assert list_entries(profile, base, feed) and detail_fields(profile, detail)["title"]
    feed, detail = rendered["layout"]
    assert list_entries(profile, base, feed) == []
    assert not any(detail_fields(profile, detail).values())
    assert first.title in Selector(text=feed).xpath("string(//body)").get("")
    assert first.title in Selector(text=detail).xpath("string(//body)").get("")


# --- pages that replace the platform's own ----------------------------------------------------

EXPECTED = {
    "login_wall": (200, "login_wall"),
    "captcha": (200, "captcha"),
    "forbidden": (403, "block_page"),
}


@pytest.mark.parametrize("condition", sorted(EXPECTED))
async def test_walls_replace_every_page_and_classify_as_their_kind(world, condition):
    status_expected, kind = EXPECTED[condition]
    truth = world.ground_truth()
    async with aiohttp.ClientSession() as session:
        robots_before = {
            n: (await get(session, f"{u}/robots.txt"))[:2] for n, u in world.urls.items()
        }
        for name in world.platforms:
            world.set_condition(name, condition)
        world.reset_request_counts()
        fetched = 0
        for name, base in world.urls.items():
            paths = [t.path for t in truth[name][:2]] + ["/", "/api/posts", "/no-such-page"]
            for path in paths:
                status, html, _ = await get(session, base + path)
                assert status == status_expected, (name, path)
                signal = classify_page(status, html, base + path)
                assert signal is not None and signal.kind == kind, (name, path, signal)
                fetched += 1
            # robots.txt is the platform's own, whatever the condition.
            robots = await get(session, f"{base}/robots.txt")
            assert robots[:2] == robots_before[name], name
        counts = world.request_counts()
        # Requests during a condition still count (a platform counting in its handlers too).
        assert sum(sum(c.values()) for c in counts.values()) >= fetched + len(world.urls)
        assert counts["demo-classifieds"]["detail"] == 2
        assert counts["demo-hostile"]["api"] == 1  # this platform counts in its handlers
        for name in world.platforms:
            world.set_condition(name, "ok")
        for name, base in world.urls.items():
            path = truth[name][0].path
            status, html, _ = await get(session, base + path)
            signal = classify_page(status, html, base + path)
            # demo-members' pages need a session: without one its own login page answers.
            expected = "login_wall" if name == "demo-members" else None
            assert status == 200 and (signal and signal.kind) == expected, name


async def test_slow_delays_every_answer_and_ok_makes_it_fast_again(world):
    base = world.urls["demo-jobs"]
    world.set_condition("demo-jobs", "slow", slow_delay=0.8)
    async with aiohttp.ClientSession() as session:
        results = await asyncio.gather(
            get(session, f"{base}/jobs"), get(session, f"{base}/robots.txt")
        )
        for status, _, elapsed in results:
            assert status == 200 and elapsed >= 0.8
        _, _, other = await get(session, world.urls["demo-classifieds"] + "/robots.txt")
        assert other < 0.8  # only the slow platform waits
        world.set_condition("demo-jobs", "ok")
        status, html, elapsed = await get(session, f"{base}/jobs")
        assert status == 200 and elapsed < 0.8 and "job-card" in html
    assert world.platforms["demo-jobs"].requests["list"] == 2


def test_default_slow_delay_is_two_seconds_and_settable():
    world = DemoWorld(seed=1, size=5, platforms=["demo-forum", "demo-jobs"])
    assert world.platforms["demo-forum"].slow_delay == 2.0
    world.set_condition("demo-forum", "slow", slow_delay=0.1)
    assert world.platforms["demo-forum"].slow_delay == 0.1
    assert world.platforms["demo-jobs"].slow_delay == 2.0
    with pytest.raises(ValueError, match="slow_delay"):
        world.set_condition("demo-forum", "slow", slow_delay=-1)


# --- advance(conditions=...), validation and the thread runner --------------------------------


def test_advance_applies_conditions_after_the_steps_and_checks_them_first():
    world = DemoWorld(seed=1, size=20, platforms=["demo-classifieds", "demo-jobs"])
    assert world.conditions() == {"demo-classifieds": "ok", "demo-jobs": "ok"}
    world.advance(2, conditions={"demo-jobs": "captcha"})
    assert world.platforms["demo-jobs"].step == 2
    assert world.conditions() == {"demo-classifieds": "ok", "demo-jobs": "captcha"}
    with pytest.raises(ValueError, match="unknown demo condition 'broken'"):
        world.advance(conditions={"demo-classifieds": "broken"})
    with pytest.raises(ValueError, match="no demo platform demo-nowhere"):
        world.advance(conditions={"demo-nowhere": "ok"})
    with pytest.raises(ValueError, match="known: ok, layout"):
        world.set_condition("demo-jobs", "Layout")
    # A rejected call moved nothing.
    assert world.platforms["demo-jobs"].step == 2
    assert world.conditions()["demo-jobs"] == "captcha"
    world.advance(conditions={"demo-jobs": "ok"})
    assert world.conditions()["demo-jobs"] == "ok" and world.platforms["demo-jobs"].step == 3
    assert set(CONDITIONS) == {"ok", "layout", "login_wall", "captcha", "forbidden", "slow"}


def _status(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_thread_runner_passes_conditions_through():
    runner = DemoWorldThread(DemoWorld(seed=1, size=30, platforms=["demo-forum", "demo-jobs"]))
    urls = runner.start()
    try:
        forum = urls["demo-forum"] + "/board/courses"
        runner.set_condition("demo-forum", "forbidden")
        status, html = _status(forum)
        assert status == 403 and classify_page(status, html) is not None
        assert _status(urls["demo-jobs"] + "/jobs")[0] == 200
        runner.advance(1, conditions={"demo-forum": "login_wall", "demo-jobs": "layout"})
        assert runner.conditions() == {"demo-forum": "login_wall", "demo-jobs": "layout"}
        status, html = _status(forum)
        signal = classify_page(status, html)
        assert status == 200 and signal is not None and signal.kind == "login_wall"
        assert 'class="v2-job-card"' in _status(urls["demo-jobs"] + "/jobs")[1]
        runner.advance(conditions={"demo-forum": "ok", "demo-jobs": "ok"})
        status, html = _status(forum)
        assert status == 200 and 'class="topics"' in html
    finally:
        runner.stop()


def test_serve_command_takes_conditions(tmp_path: Path):
    bad = subprocess.run(
        [sys.executable, "-m", "crawler.demo", "serve", "--condition", "demo-jobs=down"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "NAME=CONDITION" in bad.stderr
    port_file = tmp_path / "demo.env"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler.demo",
            "serve",
            "--size",
            "20",
            "--platform",
            "demo-jobs",
            "--condition",
            "demo-jobs=forbidden",
            "--port-file",
            str(port_file),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not port_file.exists():
            assert proc.poll() is None, proc.stderr.read() if proc.stderr else ""
            assert time.monotonic() < deadline, "serve did not write its port file"
            time.sleep(0.1)
        env = dict(line.split("=", 1) for line in port_file.read_text().split())
        assert _status(env["DEMO_JOBS_URL"] + "/jobs")[0] == 403
        assert _status(env["DEMO_JOBS_URL"] + "/robots.txt")[0] == 200
    finally:
        proc.terminate()
        proc.wait(30)
