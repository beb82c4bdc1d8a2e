"""Capture on the browser route: the rendered DOM each listing was read from, the page's
own HTML as the network delivered it, and the JSON the page loaded itself.

One real `crawler crawl demo-social` (Chromium via scrapy-playwright) on a small demo
social platform; everything is read back from the WARC files with warcio.
"""

from __future__ import annotations

import asyncio
import hashlib
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.config import crawler_settings
from crawler.crawl.media import is_media_url
from crawler.evidence import chain
from crawler.evidence.records import check_warc
from crawler.evidence.warc import read_capture, text_media_type
from crawler.models import SearchQuery
from crawler.store import open_store
from crawler.testing.crawls import crawl_env, run_crawl, running_world

pytestmark = pytest.mark.browser

PLATFORM = "demo-social"


def _fetch(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=10) as reply:
        return reply.read()


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("browser-capture")
    with running_world(seed=3, size=12, platforms=[PLATFORM]) as world:
        env = crawl_env(world, data)
        run = run_crawl(PLATFORM, env, timeout=600)
        assert run.returncode == 0, run.output[-3000:]

        async def stored() -> list:
            async with open_store(crawler_settings(env)) as store:
                return (await store.search(SearchQuery(platform=PLATFORM, limit=100))).listings

        counts = world.request_counts()[PLATFORM]  # what the crawl asked for
        listings = asyncio.run(stored())
        root = data / "evidence"
        records: dict[str, dict[str, Any]] = {}
        for path in sorted(root.rglob("*.warc.gz")):
            with path.open("rb") as f:
                it = ArchiveIterator(f)
                for rec in it:
                    payload = rec.raw_stream.read()
                    rid = rec.rec_headers.get_header("WARC-Record-ID")
                    http = rec.http_headers
                    records[rid] = {
                        "type": rec.rec_type,
                        "uri": rec.rec_headers.get_header("WARC-Target-URI"),
                        "warc": dict(rec.rec_headers.headers),
                        "content_type": http.get_header("Content-Type") if http else None,
                        "payload": payload,
                    }
        # What the demo server sends, fetched by hand while it still runs.
        json_urls = {
            r["uri"]
            for r in records.values()
            if r["type"] == "response" and "json" in (r["content_type"] or "")
        }
        sent = {url: _fetch(url) for url in json_urls | {lst.url for lst in listings}}
    yield {
        "root": root,
        "listings": listings,
        "records": records,
        "sent": sent,
        "counts": counts,
        "output": run.output,
    }


def test_listings_point_to_the_rendered_dom_which_refers_to_the_network_response(
    rendered: dict,
) -> None:
    listings, records, root = rendered["listings"], rendered["records"], rendered["root"]
    assert len(listings) == 12
    for listing in listings:
        ref = listing.evidence
        assert ref is not None, listing.url
        dom = read_capture(root, ref)
        # The DOM the listing was read from: a resource record for the page's URL.
        assert dom.rec_type == "resource" and dom.target_uri == listing.url == ref.uri
        assert hashlib.sha256(dom.payload).hexdigest() == ref.sha256
        warc = dict(dom.warc_headers)
        assert warc["WARC-Rendered"] == "dom" and warc["Content-Type"].startswith("text/html")
        assert listing.title and listing.title.encode() in dom.payload
        # ... rendered from the page as the network delivered it, which is in the run too.
        network = records[warc["WARC-Refers-To"]]
        assert network["type"] == "response" and network["uri"] == listing.url
        assert network["payload"] == rendered["sent"][listing.url]
        assert network["payload"] != dom.payload  # the page builds itself from its JSON


def test_the_json_the_page_loaded_is_captured_as_the_server_sent_it(rendered: dict) -> None:
    records = rendered["records"]
    json_responses = [
        r
        for r in records.values()
        if r["type"] == "response" and "json" in (r["content_type"] or "")
    ]
    assert len(json_responses) >= rendered["counts"]["api"] > 0
    for r in json_responses:
        assert r["payload"] == rendered["sent"][r["uri"]], r["uri"]
    requests = {r["uri"] for r in records.values() if r["type"] == "request"}
    assert {r["uri"] for r in records.values() if r["type"] == "response"} == requests


def test_the_browser_run_checks_clean_and_holds_no_media(rendered: dict) -> None:
    root = rendered["root"]
    for path in root.rglob("*.warc.gz"):
        assert check_warc(path.open("rb"), path.name).problems == []
    # The sealed run verifies: the manifest's counts (rendered DOMs included) match the file.
    report = chain.verify(root)
    assert report.ok and report.files >= 1, report.problems
    records = rendered["records"].values()
    assert all(text_media_type(r["content_type"]) for r in records if r["type"] == "response"), {
        r["content_type"] for r in records
    }
    assert not any(is_media_url(r["uri"]) for r in records if r["uri"])
    assert rendered["counts"]["image"] == 0 and rendered["counts"]["font"] == 0
    # Scripts the page ran are not text we keep: counted, not written.
    assert "'evidence/skipped/browser_non_text'" in rendered["output"]
    assert "'evidence/error'" not in rendered["output"]
