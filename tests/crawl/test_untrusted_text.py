"""Untrusted text: invisible characters cannot hide a number, escapes cannot reach a terminal."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from crawler.cli.console import one_line, printable
from crawler.config import crawler_settings
from crawler.crawl.enrich import add_contacts, build_listing
from crawler.crawl.items import RawListing
from crawler.extract.textclean import clean_text_counted
from crawler.models import Listing
from crawler.store import open_store

CLEAN_CASES = [
    ("plain ascii", "plain ascii", 0, 0),
    ("+31\u200b6 12\u202e34 5678", "+316 1234 5678", 2, 0),
    ("so\u00adft hy\u00adphen", "soft hyphen", 2, 0),
    ("isolates \u2066x\u2069 and \ufeffbom", "isolates x and bom", 3, 0),
    ("tags \U000e0041\U000e0042", "tags ", 2, 0),
    ("esc \x1b[2J nul \x00 del \x7f c1 \x9b", "esc [2J nul  del  c1 ", 0, 4),
    ("family 👨\u200d👩\u200d👧", "family 👨\u200d👩\u200d👧", 0, 0),  # an emoji sequence
    ("word\u200djoiner", "wordjoiner", 1, 0),
    ("tab\tand\nnewline", "tab\tand\nnewline", 0, 0),
    ("line\u2028sep", "line\nsep", 0, 0),
    ("cafe\u0301", "café", 0, 0),  # NFC
]


@pytest.mark.parametrize(("raw", "clean", "formats", "controls"), CLEAN_CASES)
def test_clean_text_case_table(raw, clean, formats, controls):
    text, removed = clean_text_counted(raw)
    assert text == clean
    assert (removed.format, removed.control) == (formats, controls)


def test_a_number_broken_by_format_characters_is_found_and_the_removal_recorded():
    raw = RawListing(
        id="x",
        platform="p",
        url="http://127.0.0.1/x",
        fields={"title": "Room", "body": "Call +31\u200b 6\u2066 1234\u00ad 5678\u202e now"},
    )
    listing = build_listing(raw)
    add_contacts(listing, raw.fields)
    assert listing.phones == ["+31612345678"]
    assert listing.alterations == [
        "text: 4 invisible format character(s) removed (zero-width, bidi controls, soft hyphens)"
    ]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("ok", "ok"),
        ("\x1b]0;owned\x07", "\\x1b]0;owned\\x07"),
        ("rtl \u202eevil", "rtl \\u202eevil"),
        ("[/bold] stays", "[/bold] stays"),
        ("zero\u200bwidth", "zero\\u200bwidth"),
        ("ελληνικά кирилиця", "ελληνικά кирилиця"),
    ],
)
def test_printable(raw, shown):
    assert printable(raw) == shown


def test_one_line():
    assert one_line("a\nb\tc", 10) == "a b c"
    assert one_line("x" * 20, 5) == "xxxx…"


HOSTILE_TITLES = {
    "markup": "Room [/bold] [red]offer[/red] [link=file:///etc/passwd]x[/link]",
    "escape": "Room \x1b]0;owned\x07\x1b[2J\x1b[31m red \u202eevil",
}


@pytest.mark.e2e
def test_search_and_status_print_hostile_titles_literally(data_dir):
    import asyncio

    env = {"CRAWLER_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"}

    async def store() -> None:
        from datetime import UTC, datetime

        async with open_store(crawler_settings(env)) as s:
            await s.upsert(
                [
                    Listing(id=k, platform="demo-hostile", url=f"http://127.0.0.1/{k}", title=t)
                    for k, t in HOSTILE_TITLES.items()
                ],
                datetime.now(UTC),
            )

    asyncio.run(store())
    for args in (("search",), ("search", "room"), ("status",)):
        proc = subprocess.run(
            [sys.executable, "-m", "crawler", *args], env=env, capture_output=True, timeout=60
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        out = proc.stdout.decode()
        assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
        if args[0] == "search":
            assert "[/bold]" in out  # shown as written, never read as markup
            assert "\\x1b]0;owned\\x07" in out
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "search", "--json"], env=env, capture_output=True,
        timeout=60,
    )  # fmt: skip
    titles = {json.loads(line)["title"] for line in proc.stdout.decode().splitlines()}
    assert titles == set(HOSTILE_TITLES.values())  # JSON output stays exact
