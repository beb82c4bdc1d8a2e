"""Rendering demo-social in Chromium: every post, no media, no browser left, crash recovery.

Crawls run as `python -m spiders.trial` processes (rendering only, no store):
what they read is compared with the platform's ground truth, and with API mode.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import psutil
import pytest
import yaml
from browser_support import PLATFORMS, alive, base_env, run_trial

from crawler.demo.world import DemoWorld, DemoWorldThread

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory):
    """One rendered trial crawl of demo-social (60 posts), shared by the tests below."""
    world = DemoWorldThread(DemoWorld(seed=3, size=60, platforms=["demo-social"]))
    world.start()
    try:
        world.reset_request_counts()
        run = run_trial("demo-social", base_env(world), tmp_path_factory.mktemp("rendered"))
        counts = world.request_counts()["demo-social"]
        yield world, run, counts
    finally:
        world.stop()


def test_rendered_crawl_reads_every_post_as_the_ground_truth_has_it(rendered):
    world, run, counts = rendered
    assert run.returncode == 0, run.output[-3000:]
    truth = {t.key: t for t in world.ground_truth()["demo-social"]}
    assert set(run.listings) == set(truth), (
        f"missing {sorted(set(truth) - set(run.listings))}, extra {sorted(set(run.listings) - set(truth))}"
    )
    wrong = []
    for key, raw in run.listings.items():
        t = truth[key]
        for name, expected in [("title", t.title), ("body", t.body), ("seller", t.seller),
                               ("location", t.location), ("category", t.category)]:  # fmt: skip
            if raw.get(name) != expected:
                wrong.append(f"{key} {name}: {raw.get(name)!r} != {expected!r}")
        if not raw["url"].endswith(t.path):
            wrong.append(f"{key} url {raw['url']}")
        if (raw.get("age") or None) != (str(t.stated_age) if t.stated_age else None):
            wrong.append(f"{key} age {raw.get('age')!r} != {t.stated_age!r}")
    assert not wrong, "\n".join(wrong[:20])
    # Both feed views were rendered (scroll + "load more" + the older-posts link).
    assert counts["list"] == 2 and counts["detail"] == 60


def test_no_image_or_font_request_reaches_the_platform(rendered):
    _, run, counts = rendered
    assert run.returncode == 0, run.output[-3000:]
    # The pages did ask for avatars and the web font: the browser aborted every one.
    assert run.stats.get("playwright/request_count/resource_type/image", 0) >= 60
    assert run.stats.get("playwright/request_count/aborted", 0) >= 60
    assert counts["image"] == 0
    assert counts["font"] == 0


def test_no_chromium_process_outlives_the_crawl(rendered):
    _, run, _ = rendered
    assert run.chromium_seen, "the crawl never started Chromium"
    assert run.chromium_left == [], f"Chromium processes left: {run.chromium_left}"
    assert run.stats.get("playwright/browser_count") == 1  # one browser for http and https


def test_api_mode_reads_the_same_listings_without_a_browser(rendered, tmp_path):
    world, run, _ = rendered
    world.reset_request_counts()
    api = run_trial("demo-social-api", base_env(world), tmp_path)
    assert api.returncode == 0, api.output[-3000:]
    assert set(api.listings) == set(run.listings)
    differences = [
        (key, name, value, run.listings[key].get(name))
        for key, raw in api.listings.items()
        for name, value in raw.items()
        if value != run.listings[key].get(name)
    ]
    assert not differences, differences[:10]
    counts = world.request_counts()["demo-social"]
    assert api.chromium_seen == {}
    assert counts["detail"] == 0 and counts["list"] == 0
    assert counts["api"] == 6  # 60 posts, 10 a page; the last page says there is no next


def _kill_browser_once(state: dict):
    def watch(proc: subprocess.Popen, out: Path, chromium: dict[int, psutil.Process]) -> None:
        if state.get("killed") or not out.exists():
            return
        if sum(1 for _ in out.open()) < 8:
            return
        for pid in alive(chromium):
            try:
                cmdline = chromium[pid].cmdline()
            except psutil.NoSuchProcess:
                continue
            if not any(arg.startswith("--type=") for arg in cmdline):
                os.kill(pid, signal.SIGKILL)  # the browser process itself, mid-crawl
                state["killed"] = pid
                state["listings_before"] = sum(1 for _ in out.open())
                return

    return watch


def test_browser_killed_mid_crawl_is_restarted_and_the_crawl_completes(social, tmp_path):
    state: dict = {}
    run = run_trial(
        "demo-social", base_env(social), tmp_path, while_running=_kill_browser_once(state)
    )
    assert state.get("killed"), "the browser was never killed (crawl too fast?)"
    assert state["listings_before"] < 60
    assert run.returncode == 0, run.output[-3000:]
    truth = {t.key for t in social.ground_truth()["demo-social"]}
    assert set(run.listings) == truth, f"lost: {sorted(truth - set(run.listings))}"
    assert run.stats.get("playwright/browser_count") == 2  # relaunched once
    assert run.stats.get("browser/disconnects", 0) >= 1
    assert run.chromium_left == [], f"Chromium processes left: {run.chromium_left}"


def test_tor_routed_rendering_goes_through_the_socks_proxy_with_remote_names(
    social, socks_recorder, tmp_path
):
    port = int(social.urls["demo-social"].rsplit(":", 1)[1])
    # ".test" names never resolve locally: a page that loads was resolved by the proxy.
    proxy = socks_recorder({"social.test": "127.0.0.1"})
    profile = yaml.safe_load((PLATFORMS / "demo-social.yaml").read_text())
    profile["base_url"] = f"http://social.test:{port}"
    profile["tor"] = {"strict": True}
    path = tmp_path / "demo-social-tor.yaml"
    path.write_text(yaml.safe_dump(profile))
    env = base_env(social) | {"TOR_SOCKS_URL": f"socks5h://127.0.0.1:{proxy.port}"}
    social.reset_request_counts()
    run = run_trial(path, env, tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    assert len(run.listings) == 60
    assert proxy.connects, "nothing went through the proxy"
    assert {host for host, _ in proxy.connects} == {"social.test"}
    counts = social.request_counts()["demo-social"]
    # robots.txt skips the browser: it went through the Tor handler, to the same proxy.
    assert counts["robots"] == 1 and not run.stats.get("browser/refused_direct")
    assert counts["image"] == 0


def test_tor_routed_rendering_never_bypasses_the_proxy_even_for_loopback(
    social, socks_recorder, tmp_path
):
    port = int(social.urls["demo-social"].rsplit(":", 1)[1])
    # The site listens on 127.0.0.1 only; 127.0.0.2 is reachable solely through the proxy,
    # which maps it: a page that loads went through the proxy, loopback or not.
    proxy = socks_recorder({"127.0.0.2": "127.0.0.1"})
    profile = yaml.safe_load((PLATFORMS / "demo-social.yaml").read_text())
    profile["base_url"] = f"http://127.0.0.2:{port}"
    profile["tor"] = {"strict": True}
    path = tmp_path / "demo-social-loopback.yaml"
    path.write_text(yaml.safe_dump(profile))
    env = base_env(social) | {"TOR_SOCKS_URL": f"socks5h://127.0.0.1:{proxy.port}"}
    run = run_trial(path, env, tmp_path)
    assert run.returncode == 0, run.output[-3000:]
    assert len(run.listings) == 60
    assert {host for host, _ in proxy.connects} == {"127.0.0.2"}
