"""Bounded pages: nesting flattened, padding dropped, huge pages cut, binary bodies refused."""

from __future__ import annotations

import pytest
from parsel import Selector
from scrapy import Request
from scrapy.exceptions import StopDownload
from scrapy.http import Headers, HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.crawl.pages import PageBoundsMiddleware, binary_content_type
from crawler.extract.htmlbounds import (
    cut_after_tags,
    drop_empty_elements,
    flatten_nesting,
    parse_was_cut,
)

ARTICLE = (
    '<article class="ad"><h1 class="t">Room</h1><div class="b">call +31 6 1234 5678</div></article>'
)


def deep(levels: int) -> str:
    return f"<html><body>{'<div>' * levels}{ARTICLE}{'</div>' * levels}<p class=after>end</p></body></html>"


def test_parse_of_a_deep_page_is_cut_and_flattening_restores_it():
    html = deep(100_000)
    assert parse_was_cut(Selector(text=html).root)
    flat, dropped = flatten_nesting(html, 512)
    assert dropped > 99_000
    sel = Selector(text=flat)
    assert not parse_was_cut(sel.root)
    assert sel.css("h1.t::text").get() == "Room"  # the innermost elements keep their tags
    assert sel.css("div.b::text").get() == "call +31 6 1234 5678"
    assert sel.css("p.after::text").get() == "end"


@pytest.mark.parametrize("levels", [0, 50, 500])
def test_ordinary_pages_are_left_alone(levels):
    html = deep(levels)
    assert not parse_was_cut(Selector(text=html).root)
    assert flatten_nesting(html, 512) == (html, 0)


def test_optional_end_tags_do_not_count_as_nesting():
    items = "".join(f"<li class=x><a href=/a/{i}>a</a>" for i in range(5000))
    html = f"<ul>{items}</ul><p>one<p>two"
    assert flatten_nesting(html, 64) == (html, 0)


def test_padding_and_cutting():
    padded = "<div></div>" * 10 + "<span> </span>" + ARTICLE
    html, n = drop_empty_elements(padded)
    assert n == 11 and html == ARTICLE
    assert drop_empty_elements('<div class="keep"></div>') == ('<div class="keep"></div>', 0)
    html, total = cut_after_tags("<a>1</a><b>2</b><c>3</c>", 3)
    assert total == 6 and html == "<a>1</a><b>2"  # cut before the 4th tag


@pytest.mark.parametrize(
    ("value", "binary"),
    [
        (b"image/png", "image/png"),
        (b"video/mp4; codecs=x", "video/mp4"),
        (b"application/octet-stream", "application/octet-stream"),
        (b"font/woff2", "font/woff2"),
        (b"text/html; charset=utf-8", None),
        (b"application/json", None),
        (b"application/ld+json", None),
        (None, None),
    ],
)
def test_binary_content_types(value, binary):
    assert binary_content_type(value) == binary


def test_middleware_flattens_and_records_the_change():
    crawler = get_crawler(settings_dict={"PAGE_MAX_HTML_DEPTH": 512})
    crawler.stats.open_spider()
    mw = PageBoundsMiddleware.from_crawler(crawler)
    request = Request("http://127.0.0.1/ad")
    response = HtmlResponse(request.url, body=deep(5000).encode(), request=request)
    out = mw.process_response(request, response)
    assert out.css("h1.t::text").get() == "Room"
    assert any("nested deeper" in note for note in request.meta["alterations"])
    with pytest.raises(StopDownload):
        mw._headers_received(Headers({"Content-Type": "image/jpeg"}), request)
