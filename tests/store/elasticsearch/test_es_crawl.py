"""A real crawl (`crawler crawl`, Scrapy, every pipeline) into Elasticsearch, which is stopped
in the middle of the crawl and started again before the crawl ends.

Nothing may be lost or stored twice, the crawl job is recorded, and what an analyst finds is
what the same crawl gives with the embedded SQLite store: the same listings with the same
indicators (platform-level ones included) and risk scores.
"""

from __future__ import annotations

import json
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
import yaml

from crawler.config import crawler_settings
from crawler.evidence import chain
from crawler.evidence.warc import read_capture
from crawler.models import SearchQuery
from crawler.profiles import load_profiles
from crawler.store import open_store
from crawler.store.elasticsearch import ElasticsearchStore
from crawler.testing.crawls import (
    crawl_command,
    crawl_env,
    run_crawl,
    running_world,
)
from crawler.testing.elasticsearch import ElasticsearchServer

pytestmark = pytest.mark.elasticsearch

PLATFORM = "demo-classifieds"
SIZE = 400


def _count(server: ElasticsearchServer, prefix: str) -> int:
    try:
        with urllib.request.urlopen(f"{server.url}/{prefix}-listings/_count", timeout=5) as resp:
            return json.loads(resp.read())["count"]
    except OSError:
        return 0


def _spooled(spool: Path) -> int:
    return sum(len(p.read_bytes().splitlines()) for p in spool.glob("*.jsonl"))


def _slow_profile(directory: Path) -> None:
    """The bundled profile, politer: the crawl lasts long enough for a server restart."""
    data = yaml.safe_load(Path(load_profiles()[PLATFORM].source_file).read_text())
    data["politeness"] = {**data["politeness"], "concurrency": 2, "delay": 0.08}
    directory.mkdir()
    (directory / f"{PLATFORM}.yaml").write_text(yaml.safe_dump(data))


def _analysis(listings: list) -> dict[str, tuple]:
    return {
        x.listing_key: (sorted((h.id, h.evidence) for h in x.indicators), x.risk_score)
        for x in listings
    }


@pytest.mark.timeout(900)
async def test_crawl_survives_elasticsearch_restart_and_matches_sqlite(
    es_server: ElasticsearchServer, prefix: str, tmp_path: Path
) -> None:
    spool = tmp_path / "spool"
    _slow_profile(tmp_path / "platforms")
    with running_world(seed=5, size=SIZE, platforms=[PLATFORM]) as world:
        truth = {t.key for t in world.ground_truth()[PLATFORM]}
        env = crawl_env(
            world,
            tmp_path / "es-data",
            {
                "STORE_URL": es_server.url,
                "STORE_INDEX_PREFIX": prefix,
                "STORE_SPOOL_DIR": str(spool),
                "STORE_BULK_MAX_RETRIES": "1",
                "STORE_BULK_RETRY_BACKOFF": "0.1",
                "STORE_SPOOL_RETRY_INTERVAL": "0.5",
                "ELASTICSEARCH_REQUEST_TIMEOUT": "5",
                "PLATFORMS_DIR": str(tmp_path / "platforms"),
            },
        )
        log = tmp_path / "crawl.log"
        with log.open("wb") as fh:  # a file, not a pipe: a full pipe would stall the crawl
            proc = subprocess.Popen(
                crawl_command(PLATFORM), env=env, stdout=fh, stderr=subprocess.STDOUT
            )
        try:
            deadline = time.monotonic() + 120
            while _count(es_server, prefix) < 40:
                assert proc.poll() is None, "crawl ended before Elasticsearch was stopped"
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)
            es_server.stop()
            while _spooled(spool) < 40:
                assert proc.poll() is None, (
                    "crawl ended before anything was spooled: " + log.read_text()[-6000:]
                )
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.2)
            # The server's start takes tens of seconds on a loaded machine: the platform
            # answers slowly meanwhile, so the crawl is still running when it is back.
            world.set_condition(PLATFORM, "slow", slow_delay=0.5)
            es_server.start()
            restarted_during_crawl = proc.poll() is None
            world.set_condition(PLATFORM, "ok")
            proc.wait(timeout=600)
        finally:
            es_server.start()  # no-op when running
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        output = log.read_text(errors="replace")
        assert restarted_during_crawl, "the crawl ended while Elasticsearch was down"
        assert proc.returncode == 0, output[-3000:]
        assert not list(spool.glob("*.jsonl*")), "spool not replayed"

        # The same world into the embedded store: the reference.
        sqlite_env = crawl_env(world, tmp_path / "sqlite-data")
        run = run_crawl(PLATFORM, sqlite_env)
        assert run.returncode == 0, run.output[-3000:]

    es = ElasticsearchStore.from_settings(crawler_settings(env))
    await es.open()
    try:
        await es.refresh()
        listings = (await es.search(SearchQuery(platform=PLATFORM, limit=100_000))).listings
        keys = [x.listing_key for x in listings]
        assert len(keys) == len(set(keys)) == len(truth)
        assert set(keys) == truth
        [job] = await es.jobs(PLATFORM)
        assert job.status == "finished" and job.new == len(truth)
        async with open_store(crawler_settings(sqlite_env)) as sqlite:
            reference = (
                await sqlite.search(SearchQuery(platform=PLATFORM, limit=100_000))
            ).listings
        assert _analysis(listings) == _analysis(reference)
        signals = {h.id for x in listings for h in x.indicators}
        assert {"shared_contact", "price_anomaly"} <= signals
        # Evidence (docs/evidence.md) holds through the outage: every listing, spooled ones
        # included, points to the capture of its own page, and the sealed run verifies.
        root = tmp_path / "es-data" / "evidence"
        assert all(x.evidence is not None for x in listings)
        for x in listings[:: max(1, len(listings) // 20)]:
            assert x.evidence is not None
            assert read_capture(root, x.evidence).target_uri == x.url
        report = chain.verify(root)
        assert report.ok and report.files >= 1, report.problems
    finally:
        await es.close()
