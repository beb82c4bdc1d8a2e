"""Session ids in URLs (crawler.crawl.urls): sent, never stored, logged or used as an id.

Case tables for strip_session and redact_session, the log filter, and one real platform
whose every link carries a visitor session (`?sid=`, DemoPlatform.url_sessions) crawled twice:
each run gets a new session from the site, yet the second run finds the same listings (no
new ids), no stored URL, job or evidence URL holds a session id.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

import pytest
import yaml

from crawler.cli.console import PrintableLogFilter
from crawler.crawl.urls import DEFAULT_SESSION_PARAMS, redact_session, strip_session
from crawler.profiles import ProfileError, parse_profile
from crawler.testing.crawls import crawl_env, run_crawl, running_world

NAMES = DEFAULT_SESSION_PARAMS
ROOT = Path(__file__).resolve().parents[2]

STRIP = [
    ("http://f.example/viewtopic.php?t=12&sid=0af3", "http://f.example/viewtopic.php?t=12"),
    ("http://f.example/viewtopic.php?sid=0af3&t=12", "http://f.example/viewtopic.php?t=12"),
    ("http://f.example/a?PHPSESSID=x1&p=2#top", "http://f.example/a?p=2#top"),
    ("http://f.example/shop/item;jsessionid=AB12?id=7", "http://f.example/shop/item?id=7"),
    ("http://f.example/a?ASPSESSIONIDQCRT=KJH&x=1", "http://f.example/a?x=1"),
    ("http://f.example/a?osCsid=9&zenid=8", "http://f.example/a"),
    # Not session parameters: kept.
    ("http://f.example/search?s=cleaner", "http://f.example/search?s=cleaner"),
    ("http://f.example/a?sidebar=1&side=2", "http://f.example/a?sidebar=1&side=2"),
    ("http://f.example/ad/123", "http://f.example/ad/123"),
]


@pytest.mark.parametrize(("url", "expected"), STRIP)
def test_strip_session(url, expected):
    assert strip_session(url, NAMES) == expected


def test_a_profile_may_name_its_own_parameters_or_none():
    assert strip_session("http://v.example/t?s=abc&p=1", ["s"]) == "http://v.example/t?p=1"
    assert strip_session("http://f.example/a?sid=1", []) == "http://f.example/a?sid=1"


REDACT = [
    (
        "Gave up retrying <GET http://f.example/t?sid=0af3&t=2> (failed 4 times)",
        "Gave up retrying <GET http://f.example/t?sid=[withheld]&t=2> (failed 4 times)",
    ),
    ("http://f.example/a;jsessionid=AB12?id=7", "http://f.example/a;jsessionid=[withheld]?id=7"),
    ("Referer: /x?PHPSESSID=abc", "Referer: /x?PHPSESSID=[withheld]"),
    ("search ?s=cleaner", "search ?s=cleaner"),
]


@pytest.mark.parametrize(("text", "expected"), REDACT)
def test_redact_session(text, expected):
    assert redact_session(text, NAMES) == expected


def test_the_log_filter_withholds_session_ids_in_messages_and_tracebacks():
    flt = PrintableLogFilter(NAMES)
    try:
        raise ValueError("cannot read http://f.example/t?sid=secret1")
    except ValueError:
        import sys

        exc_info = sys.exc_info()
    record = logging.LogRecord(
        "x", logging.ERROR, __file__, 1, "failed %s", ("http://f.example/t?sid=secret2",), exc_info
    )
    assert flt.filter(record)
    assert "secret2" not in record.getMessage() and "sid=[withheld]" in record.getMessage()
    assert record.exc_text and "secret1" not in record.exc_text


def test_profile_names_are_checked():
    base = {
        "name": "p",
        "base_url": "http://f.example",
        "category": "forum",
        "seeds": ["/"],
        "list": {"item": "li", "link": "a::attr(href)"},
        "detail": {"fields": {"title": "h1::text"}},
    }
    assert parse_profile(base).session_params == NAMES
    assert parse_profile({**base, "url_session_params": ["s"]}).session_params == ("s",)
    with pytest.raises(ProfileError, match="url_session_params"):
        parse_profile({**base, "url_session_params": ["s=1"]})


@pytest.mark.e2e
def test_a_platform_with_sessions_in_every_link_keeps_its_listing_ids(tmp_path: Path):
    from warcio.archiveiterator import ArchiveIterator

    # The profile without its key selectors: listing ids come from the URLs.
    profile = yaml.safe_load((ROOT / "crawler/platforms/demo-classifieds.yaml").read_text())
    del profile["list"]["key"]
    del profile["detail"]["fields"]["listing_key"]
    platforms = tmp_path / "platforms"
    platforms.mkdir()
    (platforms / "demo-classifieds.yaml").write_text(yaml.safe_dump(profile))
    with running_world(seed=4, size=15, platforms=["demo-classifieds"]) as world:
        platform = world.world.platforms["demo-classifieds"]
        platform.url_sessions = True
        env = crawl_env(world, tmp_path / "data", {"PLATFORMS_DIR": str(platforms)})
        first = run_crawl("demo-classifieds", env, "--full")
        second = run_crawl("demo-classifieds", env, "--full")
        sids = list(platform.handed_sids)
        truth = len(world.ground_truth()["demo-classifieds"])
    assert first.returncode == 0 and second.returncode == 0, second.output[-3000:]
    assert len(sids) >= 2  # each run started a session of its own
    assert first.stat("new") == str(truth)
    assert second.stat("new") == "0", second.output[-2000:]  # the same ids, not new listings
    db = tmp_path / "data" / "crawler.db"
    with sqlite3.connect(db) as conn:
        urls = [u for (u,) in conn.execute("select json_extract(doc, '$.url') from listings")]
        jobs = " ".join(d for (d,) in conn.execute("select doc from jobs"))
    assert len(urls) == truth and not any("sid=" in u for u in urls), urls[:3]
    assert not any(s in jobs for s in sids)
    for output in (first.output, second.output):
        assert not any(s in output for s in sids)
    # Evidence: bodies are archived as sent (their links keep the session); the records'
    # URLs, request lines and headers do not.
    warcs = list((tmp_path / "data" / "evidence").rglob("*.warc.gz"))
    assert warcs
    checked = 0
    for path in warcs:
        with path.open("rb") as f:
            for record in ArchiveIterator(f):
                uri = record.rec_headers.get_header("WARC-Target-URI") or ""
                heads = record.http_headers.to_str() if record.http_headers else ""
                assert not any(s in uri or s in heads for s in sids), (uri, heads)
                checked += "sid=[withheld]" in uri
    assert checked > 0  # the session was there, and withheld
