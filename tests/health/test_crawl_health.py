"""Real crawls of the demo world judged by the health monitors (`crawler crawl` processes).

An unchanged platform stays healthy run after run; a profile whose selectors no longer
fit the site, whose `expect:` selectors are missing, or a site that stops answering
(stalled) is judged with the reason an analyst must see, stored with the job.
"""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest

from crawler.config import crawler_settings
from crawler.models import CrawlJob
from crawler.store import open_store
from crawler.testing.crawls import crawl_env, run_crawl, running_world

pytestmark = pytest.mark.e2e

BUNDLED = Path(__file__).resolve().parents[2] / "crawler" / "platforms"


def stored_jobs(data_dir: Path, platform: str) -> list[CrawlJob]:
    async def read() -> list[CrawlJob]:
        settings = crawler_settings(environ={}, overrides={"CRAWLER_DATA_DIR": str(data_dir)})
        async with open_store(settings) as store:
            return await store.jobs(platform, limit=50)

    return asyncio.run(read())


def profile_with(tmp_path: Path, source: str, *changes: tuple[str, str], extra: str = "") -> Path:
    d = tmp_path / "platforms"
    d.mkdir(exist_ok=True)
    text = (BUNDLED / f"{source}.yaml").read_text()
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new)
    (d / f"{source}.yaml").write_text(text + extra)
    return d


def test_an_unchanged_platform_stays_healthy_and_the_health_is_stored(data_dir):
    with running_world(seed=1, size=30, platforms=["demo-classifieds"]) as world:
        env = crawl_env(world, data_dir)
        runs = [run_crawl("demo-classifieds", env) for _ in range(4)]
    for run in runs:
        assert run.returncode == 0, run.output[-3000:]
        assert run.stat("health") == "healthy", run.output[-3000:]
    jobs = stored_jobs(data_dir, "demo-classifieds")
    assert [j.health.status for j in jobs if j.health] == ["healthy"] * 4
    first = jobs[-1].health
    assert first is not None and first.checked_at is not None
    assert first.metrics["entries"] == 30 and first.metrics["listings"] == 30
    assert first.metrics["coverage_title"] == 1.0
    assert first.metrics["list_zero_entries"] == 0
    # incremental runs of an unchanged site find the same listings on fewer pages
    assert jobs[0].mode == "incremental" and jobs[0].health.metrics["entries"] > 0


def test_a_list_selector_that_matches_nothing_fails_the_platform(tmp_path, data_dir):
    platforms = profile_with(
        tmp_path, "demo-classifieds", ("item: ul.ads > li.ad", "item: ul.listings > li.ad")
    )
    with running_world(seed=1, size=30, platforms=["demo-classifieds"]) as world:
        env = crawl_env(world, data_dir, {"PLATFORMS_DIR": str(platforms)})
        run = run_crawl("demo-classifieds", env)
    assert run.stat("health") == "failing", run.output[-3000:]
    (job,) = stored_jobs(data_dir, "demo-classifieds")
    assert job.health is not None and job.health.status == "failing"
    reason = job.health.reasons[0]
    assert reason.code == "list_zero_entries"
    assert reason.message == (
        "selector list.item matched 0 entries on 4 list page(s) (every list page)"
    )
    assert reason.advice.startswith("the layout may have changed")
    assert "demo-classifieds: list_zero_entries: selector list.item matched 0" in run.output


def test_detail_selectors_and_expect_selectors_that_no_longer_match(tmp_path, data_dir):
    platforms = profile_with(
        tmp_path,
        "demo-classifieds",
        ("title: h1.ad-title::text", "title: h1.v2-title::text"),
        ("body: div.ad-body::text", "body: div.v2-body::text"),
        ("price: p.price::text", "price: p.v2-price::text"),
        ("category: span.category::text", "category: span.v2-category::text"),
        ("location: span.location::text", "location: span.v2-location::text"),
        ("posted_at: {jsonld: offers.validFrom}", "posted_at: {jsonld: v2.validFrom}"),
        ("listing_key: {jsonld: productID}", "listing_key: {jsonld: v2.productID}"),
        ("seller: dd.seller::text", "seller: dd.v2-seller::text"),
        ("phone: dd.phone::text", "phone: dd.v2-phone::text"),
        ("age: dd.age::text", "age: dd.v2-age::text"),
        extra="expect:\n  list: [ul.ads, nav.v2-pager]\n  detail: [h1.ad-title]\n",
    )
    with running_world(seed=1, size=30, platforms=["demo-classifieds"]) as world:
        env = crawl_env(world, data_dir, {"PLATFORMS_DIR": str(platforms)})
        run = run_crawl("demo-classifieds", env)
    (job,) = stored_jobs(data_dir, "demo-classifieds")
    assert job.health is not None, run.output[-3000:]
    by_code = {r.code: r for r in job.health.reasons}
    assert job.health.status == "failing"
    assert by_code["detail_no_match"].message == (
        "30 of 30 detail page(s) matched none of the detail.fields selectors"
    )
    assert by_code["detail_no_match"].severity == "failing"
    # expect.list[0] (ul.ads) is there; expect.list[1] is not; expect.detail[0] is there.
    assert by_code["expect_missing"].message == (
        "selector expect.list[1] matched nothing on 4 of 4 list page(s)"
    )


def test_a_site_that_stops_answering_is_stopped_and_judged_stalled(tmp_path, data_dir):
    # A socket that accepts connections (the kernel's backlog) and never answers.
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(16)
    port = silent.getsockname()[1]
    d = tmp_path / "platforms"
    d.mkdir()
    (d / "silent.yaml").write_text(
        f"name: demo-silent\nbase_url: http://127.0.0.1:{port}\ncategory: classifieds\n"
        "seeds: [/list]\nlist: {item: li, link: a::attr(href)}\n"
        "detail: {fields: {title: h1::text}}\n"
        "politeness: {robots_txt: false}\nlimits: {download_timeout: 5}\n"
        "health: {stalled_minutes: 0.05}\n"
    )
    try:
        env = {**crawl_env_without_world(data_dir), "PLATFORMS_DIR": str(d)}
        run = run_crawl(
            "demo-silent",
            env,
            "-s",
            'SPIDERMON_PERIODIC_MONITORS={"crawler.health.monitors.StalledMonitorSuite": 1}',
            timeout=120,
        )
    finally:
        silent.close()
    assert run.stat("finish_reason") == "stalled", run.output[-3000:]
    (job,) = stored_jobs(data_dir, "demo-silent")
    assert job.health is not None
    codes = [r.code for r in job.health.reasons]
    assert codes == ["run_failed", "stalled"], job.health.reasons
    stalled = job.health.reasons[1]
    assert stalled.severity == "degraded" and stalled.message.startswith("no progress for 0.")
    assert "the run was stopped" in stalled.message


def crawl_env_without_world(data_dir: Path) -> dict[str, str]:
    import os

    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STORE_", "ELASTICSEARCH_", "CRAWLER_"))
    }
    env["CRAWLER_DATA_DIR"] = str(data_dir)
    return env


def test_each_demo_condition_is_judged_with_its_reason_and_undone_is_healthy(data_dir):
    """The demo world's conditions (crawler/demo/conditions.py), one after another, each
    followed by the platform restored: the right reason, then healthy again."""
    expected = {
        "layout": ("failing", "list_zero_entries"),
        "login_wall": ("failing", "login_wall"),
        "captcha": ("failing", "captcha"),
        "forbidden": ("failing", "block_page"),
        "slow": ("degraded", "slow"),
    }
    seen = []
    with running_world(seed=3, size=20, platforms=["demo-jobs"]) as world:
        env = crawl_env(world, data_dir)
        # three healthy incremental runs after the first: the history `slow` compares with
        sequence = ["ok"] * 4 + [c for cond in expected for c in (cond, "ok")]
        for condition in sequence:
            world.set_condition("demo-jobs", condition)
            run_crawl("demo-jobs", env)
            job = stored_jobs(data_dir, "demo-jobs")[0]
            assert job.health is not None
            seen.append((condition, job.health.status, [r.code for r in job.health.reasons]))
    for condition, status, codes in seen:
        if condition == "ok":
            assert (status, codes) == ("healthy", []), seen
        else:
            assert (status, codes[0]) == expected[condition], seen
    forbidden = next(codes for condition, _, codes in seen if condition == "forbidden")
    assert "http_errors" in forbidden and "run_failed" in forbidden
    assert next(codes for c, _, codes in seen if c == "slow") == ["slow"]


@pytest.mark.elasticsearch
def test_health_is_judged_and_read_back_with_the_elasticsearch_store(es_server, data_dir):
    import json
    import subprocess
    import sys
    import uuid

    store = {"STORE_URL": es_server.url, "STORE_INDEX_PREFIX": f"t{uuid.uuid4().hex[:10]}"}
    with running_world(seed=1, size=20, platforms=["demo-jobs"]) as world:
        env = crawl_env(world, data_dir, store)
        first = run_crawl("demo-jobs", env)
        world.set_condition("demo-jobs", "layout")
        second = run_crawl("demo-jobs", env)
    assert first.stat("health") == "healthy", first.output[-3000:]
    assert second.stat("health") == "failing", second.output[-3000:]
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "health", "demo-jobs", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    (entry,) = json.loads(proc.stdout)["platforms"]
    assert entry["status"] == "failing"
    assert entry["reasons"][0]["code"] == "list_zero_entries"
    assert [r["health"] for r in entry["runs"]] == ["failing", "healthy"]
