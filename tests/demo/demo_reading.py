"""Test support for tests/demo: read a served platform the way its profile says.

`read_platform` walks every seed's list pages with the profile's list selectors and fetches
every detail page, so tests can compare what a profile-driven crawler would see with the
platform's ground truth. It is a small reference reader, not the product's spider.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from parsel import Selector

from crawler.profiles import FieldSelector, PlatformProfile, load_profile

PLATFORMS_DIR = Path(__file__).resolve().parents[2] / "crawler" / "platforms"
CLEARNET_DEMOS = ["demo-classifieds", "demo-jobs", "demo-forum"]


def demo_profile(name: str, env: dict[str, str]) -> PlatformProfile:
    return load_profile(PLATFORMS_DIR / f"{name}.yaml", environ=env)


def _jsonld(sel: Selector) -> dict[str, Any]:
    raw = sel.css('script[type="application/ld+json"]::text').get()
    return json.loads(raw) if raw else {}


def select(sel: Selector, spec: FieldSelector) -> str | None:
    """Apply one profile field selector to a page or an entry."""
    if spec.const is not None:
        values = [spec.const]
    elif spec.jsonld is not None:
        node: Any = _jsonld(sel)
        for part in spec.jsonld.split("."):
            node = node.get(part) if isinstance(node, dict) else None
        values = [] if node is None else [str(node)]
    elif spec.css is not None:
        values = sel.css(spec.css).getall()
    else:
        values = sel.xpath(spec.xpath or "").getall()
    if not values:
        return None
    value = " ".join(values) if spec.all else values[0]
    if spec.regex:
        m = re.search(spec.regex, value)
        if not m:
            return None
        value = m.group(1) if m.groups() else m.group(0)
    return value


@dataclass
class PlatformReading:
    entries: dict[str, dict[str, str | None]] = field(default_factory=dict)  # key -> list fields
    links: dict[str, str] = field(default_factory=dict)  # key -> detail URL
    details: dict[str, dict[str, str | None]] = field(default_factory=dict)  # key -> detail fields
    list_pages: int = 0


async def read_list_pages(
    session: aiohttp.ClientSession, profile: PlatformProfile, reading: PlatformReading, seed: str
) -> list[list[str]]:
    """Follow one seed's pagination; returns the keys of each page in order."""
    assert profile.list_page is not None
    lp = profile.list_page
    url: str | None = profile.absolute(seed)
    pages: list[list[str]] = []
    while url:
        async with session.get(url) as resp:
            assert resp.status == 200, url
            sel = Selector(text=await resp.text())
        reading.list_pages += 1
        keys = []
        for item in sel.css(lp.item):
            key = select(item, lp.key) if lp.key else None
            link = select(item, lp.link)
            assert key and link, f"entry without key or link on {url}"
            reading.entries[key] = {name: select(item, s) for name, s in lp.fields.items()}
            reading.links[key] = profile.absolute(link)
            keys.append(key)
        pages.append(keys)
        nxt = select(sel, lp.next_page) if lp.next_page else None
        url = profile.absolute(nxt) if nxt else None
    return pages


def page_entries(
    html: str, profile: PlatformProfile
) -> tuple[dict[str, dict[str, str | None]], str | None]:
    """One list page: {key: list fields} in page order, and the next page's URL."""
    assert profile.list_page is not None
    lp = profile.list_page
    sel = Selector(text=html)
    entries = {}
    for item in sel.css(lp.item):
        key = select(item, lp.key) if lp.key else None
        assert key
        entries[key] = {name: select(item, s) for name, s in lp.fields.items()}
    nxt = select(sel, lp.next_page) if lp.next_page else None
    return entries, profile.absolute(nxt) if nxt else None


async def read_platform(profile: PlatformProfile, details: bool = True) -> PlatformReading:
    reading = PlatformReading()
    async with aiohttp.ClientSession() as session:
        for seed in profile.seeds:
            await read_list_pages(session, profile, reading, seed)
        if details:
            assert profile.detail is not None
            for key, url in reading.links.items():
                async with session.get(url) as resp:
                    assert resp.status == 200, url
                    sel = Selector(text=await resp.text())
                reading.details[key] = {n: select(sel, s) for n, s in profile.detail.fields.items()}
    return reading
