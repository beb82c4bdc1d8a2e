"""Capture on the tor route: the tor handler is a Scrapy download handler, so the evidence
downloader middleware sees its responses like any other route's.

One real `crawler crawl demo-onion-market` through the private network's onion service
(here, not in tests/evidence, to share the session's tor network); every listing's record
is read back with warcio and compared with what the demo market serves for its URL.
"""

from __future__ import annotations

import asyncio
import hashlib
import urllib.request
from pathlib import Path

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.config import crawler_settings
from crawler.evidence.records import check_warc
from crawler.evidence.warc import read_capture, text_media_type
from crawler.models import SearchQuery
from crawler.store import open_store
from crawler.testing.crawls import crawl_env, run_crawl

pytestmark = pytest.mark.tor

PLATFORM = "demo-onion-market"


def test_onion_pages_are_captured_as_the_onion_service_sent_them(
    tornet, ensure_client, tor_world, tmp_path: Path
) -> None:
    env = crawl_env(tor_world, tmp_path / "data", tornet.environ())
    env["DEMO_ONION_MARKET_URL"] = tornet.onion_url
    run = run_crawl(PLATFORM, env, timeout=300)
    assert run.returncode == 0, run.output[-3000:]
    assert "'tor/response_count'" in run.output  # the tor handler fetched the pages

    async def stored() -> list:
        async with open_store(crawler_settings(env)) as store:
            return (await store.search(SearchQuery(platform=PLATFORM, limit=1000))).listings

    listings = asyncio.run(stored())
    assert len(listings) == len(tor_world.ground_truth()[PLATFORM])
    root = tmp_path / "data" / "evidence"
    local = tor_world.urls[PLATFORM]  # the site behind the onion service
    for listing in listings:
        ref = listing.evidence
        assert ref is not None and listing.url.startswith(tornet.onion_url), listing.url
        record = read_capture(root, ref)
        assert record.rec_type == "response" and record.target_uri == listing.url
        with urllib.request.urlopen(listing.url.replace(tornet.onion_url, local)) as reply:
            assert record.payload == reply.read(), listing.url
        assert hashlib.sha256(record.payload).hexdigest() == ref.sha256

    [warc] = list(root.rglob("*.warc.gz"))
    assert check_warc(warc.open("rb"), warc.name).problems == []
    kinds: dict[str, int] = {}
    with warc.open("rb") as f:
        for rec in ArchiveIterator(f):
            kinds[rec.rec_type] = kinds.get(rec.rec_type, 0) + 1
            uri = rec.rec_headers.get_header("WARC-Target-URI") or ""
            if rec.rec_type == "response":
                assert uri.startswith(tornet.onion_url), uri  # nothing went around tor
                assert text_media_type(rec.http_headers.get_header("Content-Type")), uri
    assert kinds["request"] == kinds["response"] > len(listings)
