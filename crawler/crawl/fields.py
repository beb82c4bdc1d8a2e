"""Read one profile field from a page: CSS, XPath, JSON-LD or a constant, then a regex.

Used by ListingSpider for list entries and detail pages. Pure: takes anything that answers
css() and xpath() the way a parsel Selector does (a Selector, a Scrapy text response).
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import Any, Protocol

from lxml import etree
from parsel import Selector
from parsel.csstranslator import HTMLTranslator

from crawler.profiles import FieldSelector


class Page(Protocol):
    """A parsel Selector, or a Scrapy TextResponse (which delegates to its selector)."""

    def css(self, query: str) -> Any: ...

    def xpath(self, query: str, **kwargs: Any) -> Any: ...


_WS = re.compile(r"\s+")


def clean_text(value: str) -> str:
    return _WS.sub(" ", value).strip()


_NODE_TEXT = ".//text()[not(ancestor::script or ancestor::style)]"


def _texts(sel: Page, spec: FieldSelector) -> list[str]:
    if spec.css is not None:
        pseudo = "::text" in spec.css or "::attr" in spec.css
    else:
        pseudo = bool(re.search(r"(text\(\)|/@[\w-]+|string\()\s*$", spec.xpath or ""))
    fast = _fast_texts(sel, spec, pseudo)
    if fast is not None:
        return fast
    found = sel.css(spec.css) if spec.css is not None else sel.xpath(spec.xpath or "")
    if pseudo:
        return [t for t in found.getall()]
    return [" ".join(node.xpath(_NODE_TEXT).getall()) for node in found]


# ---- the same reads, straight on the parsed page --------------------------------------
# parsel wraps every node a query returns in a Selector (and a SelectorList) before
# .getall() turns them into strings; a crawl reads about ten fields per page, so on an
# HTML page (a Scrapy text response or a parsel Selector of type html) the compiled query
# runs on the lxml tree itself and its results are turned into strings the way parsel's
# Selector.get() does. Anything else (another type, a query using a namespace prefix, a
# query lxml refuses) takes parsel's own path, errors included.

_CSS = HTMLTranslator()  # what parsel uses for an html Selector's css()


@lru_cache(maxsize=1024)
def _compiled(query: str) -> Any:
    """The query compiled as parsel compiles it (no smart strings), or None."""
    if ":" in query.replace("::", "") and re.search(r"[\w-]+:[\w*]", query):
        return None  # a namespace prefix (re:, set:...): parsel's namespaces decide
    try:
        return etree.XPath(query, smart_strings=False)
    except etree.XPathError:
        return None


@lru_cache(maxsize=1024)
def _css_query(css: str) -> str | None:
    try:
        return _CSS.css_to_xpath(css)
    except Exception:  # cssselect's SelectorError and friends: parsel's path says it
        return None


_NODE_TEXT_XPATH = etree.XPath(_NODE_TEXT, smart_strings=False)


def _html_root(sel: Any) -> Any:
    if not isinstance(sel, Selector):
        sel = getattr(sel, "selector", None)  # a Scrapy TextResponse's (parsed once)
        if not isinstance(sel, Selector):
            return None
    if sel.type != "html" or not hasattr(sel.root, "xpath"):
        return None
    return sel.root


def _as_string(value: Any) -> str:
    """parsel's Selector.get() of one query result."""
    if isinstance(value, str):
        return str(value)
    try:
        return etree.tostring(value, method="html", encoding="unicode", with_tail=False)
    except (AttributeError, TypeError):
        if value is True:
            return "1"
        if value is False:
            return "0"
        return str(value)


def _fast_texts(sel: Page, spec: FieldSelector, pseudo: bool) -> list[str] | None:
    root = _html_root(sel)
    if root is None:
        return None
    query = _css_query(spec.css) if spec.css is not None else (spec.xpath or "")
    compiled = _compiled(query) if query else None
    if compiled is None:
        return None
    try:
        found = compiled(root)
        if not isinstance(found, list):
            found = [found]
        if pseudo:
            return [_as_string(x) for x in found]
        return [" ".join(_NODE_TEXT_XPATH(x)) if hasattr(x, "xpath") else "" for x in found]
    except (etree.XPathError, ValueError):  # e.g. a comment node as context: parsel's says so
        return None


def jsonld_objects(sel: Page) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    query = '//script[@type="application/ld+json"]/text()'
    root = _html_root(sel)
    compiled = _compiled(query) if root is not None else None
    scripts = compiled(root) if compiled is not None else sel.xpath(query).getall()
    for raw in scripts:
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
