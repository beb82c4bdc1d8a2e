"""The demo world served on 127.0.0.1: reachability, determinism, advance(), runners, CLI."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest
from demo_reading import (
    CLEARNET_DEMOS,
    PLATFORMS_DIR,
    PlatformReading,
    demo_profile,
    page_entries,
    read_list_pages,
    read_platform,
)

from crawler.demo.world import PLATFORM_CLASSES, DemoWorld, DemoWorldThread, register_platform
from crawler.profiles import load_profile

pytestmark = pytest.mark.e2e  # real servers or crawl processes


def test_registry_holds_the_three_clearnet_platforms():
    world = DemoWorld(seed=1, size=5)
    assert set(CLEARNET_DEMOS) <= set(world.platforms)
    with pytest.raises(ValueError, match="unknown demo platform"):
        DemoWorld(platforms=["demo-nowhere"])
    with pytest.raises(ValueError, match="registered twice"):

        @register_platform
        class Impostor(PLATFORM_CLASSES["demo-jobs"]):  # type: ignore[misc, valid-type]
            name = "demo-classifieds"


@pytest.mark.parametrize("name", CLEARNET_DEMOS)
def test_profiles_load_with_defaults_and_with_the_world_env(name):
    default = load_profile(PLATFORMS_DIR / f"{name}.yaml", environ={})
    assert default.base_url.startswith("http://127.0.0.1:870")
    assert default.politeness.concurrency == 16 and default.politeness.robots_txt
    assert default.list_page is not None and "price" in default.list_page.fields
    moved = demo_profile(name, {PLATFORM_CLASSES[name].env_var: "http://127.0.0.1:9999"})
    assert moved.base_url == "http://127.0.0.1:9999"


def test_same_seed_gives_the_same_world_and_another_seed_another():
    a = DemoWorld(seed=3, size=80, platforms=CLEARNET_DEMOS)
    b = DemoWorld(seed=3, size=80, platforms=CLEARNET_DEMOS)
    c = DemoWorld(seed=4, size=80, platforms=CLEARNET_DEMOS)
    assert a.ground_truth() == b.ground_truth()
    assert a.ground_truth() != c.ground_truth()
    for name in CLEARNET_DEMOS:
        pa, pb = a.platforms[name], b.platforms[name]
        key = next(iter(pa.entries))
        assert pa.detail_bytes(key) == pb.detail_bytes(key)
        assert pa.list_page_bytes(
            pa.categories[0] if name != "demo-jobs" else None, 1
        ) == pb.list_page_bytes(pb.categories[0] if name != "demo-jobs" else None, 1)
    a.advance(3)
    b.advance(3)
    assert a.ground_truth() == b.ground_truth()


@pytest.mark.parametrize("name", CLEARNET_DEMOS)
async def test_every_listing_is_reachable_from_the_seeds_and_reads_as_the_truth(name):
    world = DemoWorld(seed=2, size=150, platforms=[name])
    await world.start()
    try:
        profile = demo_profile(name, world.env())
        reading = await read_platform(profile)
        truth = {t.key: t for t in world.ground_truth()[name]}
        assert set(reading.entries) == set(truth)
        assert reading.list_pages > len(profile.seeds)  # pagination was followed
        for key, t in truth.items():
            got = reading.details[key]
            assert got["title"] == t.title
            assert got["body"] == t.body
            assert got["listing_key"] == key
            assert got["category"] == t.category
            assert reading.links[key].endswith(t.path)
            assert f"{t.prices[0].amount:.0f}" in (reading.entries[key]["price"] or "")
            assert reading.entries[key]["price"] == got["price"]
            if "age" in got:
                assert got["age"] == (str(t.stated_age) if t.stated_age is not None else None)
            if got.get("phone"):
                assert "".join(c for c in got["phone"] if c.isdigit() or c == "+") in t.phones
        counts = world.request_counts()[name]
        assert counts["list"] == reading.list_pages
        assert counts["detail"] == len(truth)
        assert counts["asset"] == 0

        async with aiohttp.ClientSession() as session:
            async with session.get(f"{world.urls[name]}/robots.txt") as resp:
                robots = await resp.text()
            async with session.get(f"{world.urls[name]}/static/x.svg") as resp:
                assert resp.content_type == "image/svg+xml"
            async with session.get(f"{world.urls[name]}/admin/") as resp:
                assert resp.status == 403
        assert "Disallow: /admin" in robots
        counts = world.request_counts()[name]
        assert (counts["robots"], counts["asset"], counts["other"]) == (1, 1, 1)
    finally:
        await world.stop()


def test_advance_adds_reprices_and_removes_listings():
    world = DemoWorld(seed=5, size=200, platforms=["demo-classifieds"])
    platform = world.platforms["demo-classifieds"]
    before = {t.key: t for t in world.ground_truth()["demo-classifieds"]}
    world.advance()
    after_list = world.ground_truth()["demo-classifieds"]
    after = {t.key: t for t in after_list}
    new = set(after) - set(before)
    removed = set(before) - set(after)
    changed = {k for k in set(after) & set(before) if after[k].version != before[k].version}
    assert len(new) == 10 and len(removed) == 6 and len(changed) == 10
    for k in changed:
        assert after[k].version == before[k].version + 1
        assert after[k].prices[0].amount != before[k].prices[0].amount
        assert after[k].prices[1:] == before[k].prices[1:]
    # The newest and the re-priced come first, in every category's list.
    assert {t.key for t in after_list[:20]} == new | changed
    for category in platform.categories:
        ordered = [e.key for e in platform.ordered(category)]
        touched = [k for k in ordered if k in new | changed]
        assert ordered[: len(touched)] == touched
    for k in removed:
        assert platform.detail_bytes(k) is None
    for k in changed:
        assert f"{after[k].prices[0].amount:.0f}".encode() in platform.detail_bytes(k)


@pytest.mark.parametrize("name", CLEARNET_DEMOS)
async def test_an_incremental_walk_stops_early_and_still_sees_every_change(name):
    """What the crawler's incremental mode relies on: changes are on the first pages."""
    world = DemoWorld(seed=9, size=400, platforms=[name])
    await world.start()
    try:
        profile = demo_profile(name, world.env())
        first = await read_platform(profile, details=False)
        before = {t.key: t.version for t in world.ground_truth()[name]}
        world.advance()
        after = {t.key: t.version for t in world.ground_truth()[name]}
        touched = {k for k, v in after.items() if before.get(k) != v}
        seen: set[str] = set()
        pages_read = 0
        async with aiohttp.ClientSession() as session:
            for seed in profile.seeds:
                url: str | None = profile.absolute(seed)
                while url:
                    async with session.get(url) as resp:
                        entries, next_url = page_entries(await resp.text(), profile)
                    pages_read += 1
                    seen |= set(entries)
                    # Stop at the first page with nothing new or changed, as the crawler does.
                    fresh = any(
                        key not in first.entries or first.entries[key]["price"] != fields["price"]
                        for key, fields in entries.items()
                    )
                    url = next_url if fresh else None
        assert touched <= seen
        assert pages_read < first.list_pages  # it did stop early
    finally:
        await world.stop()


async def test_removed_listings_answer_404_and_leave_the_lists():
    world = DemoWorld(seed=1, size=120, platforms=["demo-jobs"])
    await world.start()
    try:
        before = {t.key for t in world.ground_truth()["demo-jobs"]}
        world.advance()
        removed = before - {t.key for t in world.ground_truth()["demo-jobs"]}
        assert removed
        profile = demo_profile("demo-jobs", world.env())
        reading = PlatformReading()
        async with aiohttp.ClientSession() as session:
            await read_list_pages(session, profile, reading, profile.seeds[0])
            for key in removed:
                async with session.get(f"{world.urls['demo-jobs']}/job/{key}") as resp:
                    assert resp.status == 404
        assert not removed & set(reading.entries)
    finally:
        await world.stop()


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


def test_thread_runner_serves_advances_and_frees_its_ports():
    runner = DemoWorldThread(
        DemoWorld(seed=1, size=40, platforms=["demo-classifieds", "demo-forum"])
    )
    urls = runner.start()
    try:
        assert set(runner.env()) == {"DEMO_CLASSIFIEDS_URL", "DEMO_FORUM_URL"}
        status, html = _get(f"{urls['demo-forum']}/board/courses")
        assert status == 200 and "topic-T" in html
        newest_before = runner.ground_truth()["demo-classifieds"][0].key
        runner.advance()
        newest = runner.ground_truth()["demo-classifieds"][0]
        assert newest.key != newest_before
        status, html = _get(f"{urls['demo-classifieds']}{newest.path}")
        assert status == 200 and newest.key in html
        assert runner.request_counts()["demo-classifieds"]["detail"] == 1
        runner.reset_request_counts()
        assert sum(runner.request_counts()["demo-classifieds"].values()) == 0
    finally:
        runner.stop()
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{urls['demo-forum']}/robots.txt", timeout=5)


def test_serve_command_prints_env_advances_on_sigusr1_and_stops_on_sigterm(tmp_path: Path):
    port_file = tmp_path / "demo.env"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "crawler.demo",
            "serve",
            "--seed",
            "1",
            "--size",
            "30",
            "--platform",
            "demo-classifieds",
            "--port-file",
            str(port_file),
        ],
        stdout=subprocess.PIPE,
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
        url = env["DEMO_CLASSIFIEDS_URL"]
        truth = DemoWorld(seed=1, size=30, platforms=["demo-classifieds"])
        first = truth.ground_truth()["demo-classifieds"][0]
        status, page = _get(f"{url}/c/{first.category}")
        assert status == 200 and first.key in page
        truth.advance()
        new_top = truth.ground_truth()["demo-classifieds"][0]
        assert _get(f"{url}{new_top.path}")[0] == 404
        proc.send_signal(signal.SIGUSR1)
        deadline = time.monotonic() + 30
        while _get(f"{url}{new_top.path}")[0] != 200:
            assert time.monotonic() < deadline, "SIGUSR1 did not advance the world"
            time.sleep(0.1)
        assert first.key != new_top.key
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
        assert proc.returncode == 0
        assert out.strip() == f"DEMO_CLASSIFIEDS_URL={url}"
        assert not port_file.exists()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def test_server_is_fast_enough_for_the_benchmark():
    world = DemoWorld(seed=1, size=2000, platforms=["demo-classifieds"])
    await world.start()
    try:
        base = world.urls["demo-classifieds"]
        paths = [t.path for t in world.ground_truth()["demo-classifieds"]]
        connector = aiohttp.TCPConnector(limit=16)
        async with aiohttp.ClientSession(connector=connector) as session:

            async def fetch(path: str) -> int:
                async with session.get(base + path) as resp:
                    await resp.read()
                    return resp.status

            # Shared machine: measure the second pass (rendered pages are cached by then).
            await asyncio.gather(*(fetch(p) for p in paths))
            start = time.perf_counter()
            statuses = await asyncio.gather(*(fetch(p) for p in paths))
            rate = len(paths) / (time.perf_counter() - start)
        assert set(statuses) == {200}
        print(f"demo server: {rate:.0f} detail pages/s (client and server in one process)")
        assert rate > 150, rate
    finally:
        await world.stop()


def test_a_port_conflict_fails_the_start_cleanly():
    first = DemoWorldThread(DemoWorld(seed=1, size=5, platforms=["demo-jobs"]))
    urls = first.start()
    try:
        port = int(urls["demo-jobs"].rsplit(":", 1)[1])
        second = DemoWorldThread(
            DemoWorld(seed=1, size=5, platforms=["demo-forum", "demo-jobs"]),
            ports={"demo-jobs": port},
        )
        with pytest.raises(OSError):
            second.start()
        assert second.world.urls == {}  # the forum site it had opened is closed again
        assert _get(f"{urls['demo-jobs']}/jobs")[0] == 200
    finally:
        first.stop()


_DIGEST = """
import hashlib, json
from crawler.demo.world import DemoWorld

w = DemoWorld(seed=11, size=60, platforms=["demo-classifieds", "demo-jobs", "demo-forum"])
w.advance(2)
rows = [
    [t.platform, t.key, t.title, t.body, sorted(t.indicators), t.phones, t.stated_age, t.version,
     [p.model_dump() for p in t.prices], [h.model_dump() for h in t.handles],
     [x.model_dump() for x in t.wallets]]
    for ts in w.ground_truth().values() for t in ts
]
page = w.platforms["demo-classifieds"].detail_bytes(rows[0][1])
print(hashlib.sha256((json.dumps(rows, ensure_ascii=False) + page.decode()).encode()).hexdigest())
"""


def test_the_world_is_the_same_in_every_process_whatever_the_hash_seed():
    digests = {
        subprocess.run(
            [sys.executable, "-c", _DIGEST],
            env={**os.environ, "PYTHONHASHSEED": hash_seed},
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        ).stdout.strip()
        for hash_seed in ("0", "12345")
    }
    assert len(digests) == 1 and len(next(iter(digests))) == 64
