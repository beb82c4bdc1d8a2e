"""The field reader (crawler/crawl/fields.py): one profile field from a page, case by case."""

from __future__ import annotations

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse

from crawler.crawl.fields import dotted, jsonld_objects, read_field
from crawler.profiles import FieldSelector

PAGE = Selector(
    text="""<html><head>
<script type="application/ld+json">{"@type": "Product", "productID": "A-1",
  "offers": {"price": "80", "seller": {"name": "Ann"}}}</script>
<script type="application/ld+json">[[[[ not json</script>
</head><body>
<h1 class="t">  Room   near
   the station </h1>
<div class="b"><p>First line.</p><p>Second <b>bold</b> line.</p><script>var x = 1;</script></div>
<ul><li class="tag">one</li><li class="tag">two</li></ul>
<p class="price">Price: 80 EUR per night</p>
<a class="next" href="/list?page=2">next</a>
</body></html>"""
)

CASES = [
    ("css text", {"css": "h1.t::text"}, "Room near the station"),
    (
        "css element: all its text, scripts left out",
        {"css": "div.b"},
        "First line. Second bold line.",
    ),
    ("xpath text", {"xpath": "//h1/text()"}, "Room near the station"),
    ("xpath attribute", {"xpath": "//a[@class='next']/@href"}, "/list?page=2"),
    ("css attribute", {"css": "a.next::attr(href)"}, "/list?page=2"),
    ("first match only", {"css": "li.tag::text"}, "one"),
    ("all matches joined", {"css": "li.tag::text", "all": True}, "one two"),
    ("regex group 1", {"css": "p.price::text", "regex": r"(\d+) EUR"}, "80"),
    ("regex without group", {"css": "p.price::text", "regex": r"\d+ EUR"}, "80 EUR"),
    ("regex no match", {"css": "p.price::text", "regex": r"(\d+) USD"}, None),
    ("json-ld path", {"jsonld": "offers.seller.name"}, "Ann"),
    ("json-ld top level", {"jsonld": "productID"}, "A-1"),
    ("json-ld object is not text", {"jsonld": "offers"}, None),
    ("constant", {"const": "rooms"}, "rooms"),
    ("missing element", {"css": "h2::text"}, None),
    ("exslt regex", {"xpath": "//a[re:test(@href, 'page=\\d')]/@href"}, "/list?page=2"),
]


@pytest.mark.parametrize(("what", "spec", "expected"), CASES, ids=[c[0] for c in CASES])
def test_read_field_case_table(what, spec, expected):
    assert read_field(PAGE, FieldSelector(**spec)) == expected


@pytest.mark.parametrize(("what", "spec", "expected"), CASES, ids=[c[0] for c in CASES])
def test_a_scrapy_response_and_a_list_entry_read_the_same(what, spec, expected):
    # The spider reads detail fields from a Scrapy response and list fields from an entry
    # (a Selector within the page); an XML selector takes parsel's own path.
    html = PAGE.get()
    response = HtmlResponse("http://127.0.0.1/ad/1", body=html.encode(), encoding="utf-8")
    assert read_field(response, FieldSelector(**spec)) == expected
    entry = Selector(text=f"<ul><li>{html}</li></ul>").xpath("//li")[0]
    assert read_field(entry, FieldSelector(**spec)) == expected
    if "jsonld" not in spec:
        assert read_field(Selector(text=html, type="xml"), FieldSelector(**spec)) == expected


def test_broken_and_hostile_json_ld_is_skipped():
    assert [o.get("productID") for o in jsonld_objects(PAGE)] == ["A-1"]
    deep = Selector(
        text=f'<script type="application/ld+json">{"[" * 50_000}{"]" * 50_000}</script>'
    )
    assert jsonld_objects(deep) == []


def test_dotted_paths():
    data = {"a": {"b": [{"c": 1}, {"c": 2}]}}
    assert dotted(data, "a.b.1.c") == 2
    assert dotted(data, "a.b.5.c") is None and dotted(data, "a.x") is None
