"""Read one profile field from a page: CSS, XPath, JSON-LD or a constant, then a regex.

Used by ListingSpider for list entries and detail pages. Pure: takes anything that answers
css() and xpath() the way a parsel Selector does (a Selector, a Scrapy text response).
"""

from __future__ import annotations

import json
import re
from typing import Any, Protocol

from crawler.profiles import FieldSelector


class Page(Protocol):
    """A parsel Selector, or a Scrapy TextResponse (which delegates to its selector)."""

    def css(self, query: str) -> Any: ...

    def xpath(self, query: str, **kwargs: Any) -> Any: ...


_WS = re.compile(r"\s+")


def clean_text(value: str) -> str:
    return _WS.sub(" ", value).strip()


def _texts(sel: Page, spec: FieldSelector) -> list[str]:
    if spec.css is not None:
        found = sel.css(spec.css)
        pseudo = "::text" in spec.css or "::attr" in spec.css
    else:
        found = sel.xpath(spec.xpath or "")
        pseudo = bool(re.search(r"(text\(\)|/@[\w-]+|string\()\s*$", spec.xpath or ""))
    if pseudo:
        return [t for t in found.getall()]
    return [
        " ".join(node.xpath(".//text()[not(ancestor::script or ancestor::style)]").getall())
        for node in found
    ]


def jsonld_objects(sel: Page) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for raw in sel.xpath('//script[@type="application/ld+json"]/text()').getall():
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue  # broken or hostile (nested past the parser's recursion limit)
        items = (
            data
            if isinstance(data, list)
            else data.get("@graph", [data])
            if isinstance(data, dict)
            else []
        )
        out.extend(d for d in items if isinstance(d, dict))
    return out


def dotted(data: Any, path: str) -> Any:
    for part in path.split("."):
        if isinstance(data, dict):
            data = data.get(part)
        elif isinstance(data, list) and part.isdigit() and int(part) < len(data):
            data = data[int(part)]
        else:
            return None
    return data


def read_field(
    sel: Page, spec: FieldSelector, jsonld: list[dict[str, Any]] | None = None
) -> str | None:
    """The field's text (whitespace collapsed), or None when the page does not have it."""
    if spec.const is not None:
        values = [spec.const]
    elif spec.jsonld is not None:
        objects = jsonld_objects(sel) if jsonld is None else jsonld
        values = []
        for obj in objects:
            v = dotted(obj, spec.jsonld)
            if v is not None and not isinstance(v, dict | list):
                values.append(str(v))
                break
    else:
        values = _texts(sel, spec)
    values = [clean_text(v) for v in values if v and v.strip()]
    if not values:
        return None
    text = " ".join(values) if spec.all else values[0]
    if spec.regex:
        m = re.search(spec.regex, text, re.S)
        if not m:
            return None
        text = m.group(1) if m.groups() else m.group(0)
    return clean_text(text) or None
