"""crawler.crawl.api: JSON pages -> raw listings and the next page, as a table of cases."""

from __future__ import annotations

import pytest

from crawler.crawl.api import ApiPageError, first_api_url, parse_api_page
from crawler.profiles import parse_profile


def profile(**api):
    base = {
        "endpoint": "/api/posts?offset={offset}&limit={page_size}",
        "items_path": "data.posts",
        "page_size": 2,
        "fields": {"title": "headline", "seller": "author.name", "price": "offer.price"},
        "url_template": "/post/{id}",
    }
    base.update(api)
    return parse_profile(
        {
            "name": "t",
            "base_url": "http://127.0.0.1:9",
            "category": "social",
            "seeds": ["/"],
            "api": base,
        },
        "t.yaml",
    )


def items(*ids):
    return [{"id": i, "headline": f"H {i}", "author": {"name": "A"}, "offer": None} for i in ids]


@pytest.mark.parametrize(
    ("api", "expected"),
    [
        ({}, "http://127.0.0.1:9/api/posts?offset=0&limit=2"),
        ({"endpoint": "/api/feed?page={page}"}, "http://127.0.0.1:9/api/feed?page=1"),
        ({"endpoint": "/api/feed?cursor={cursor}"}, "http://127.0.0.1:9/api/feed?cursor="),
        ({"endpoint": "http://127.0.0.1:9/api/all"}, "http://127.0.0.1:9/api/all"),
    ],
)
def test_first_api_url(api, expected):
    assert first_api_url(profile(**api)) == expected


PAGE1 = "http://127.0.0.1:9/api/posts?offset=0&limit=2"
PAGE_BY_NUMBER = "http://127.0.0.1:9/api/feed?page=3"

NEXT_CASES = [
    # (api overrides, url, data, expected next URL)
    ({}, PAGE1, {"data": {"posts": items("a", "b")}}, "http://127.0.0.1:9/api/posts?offset=2&limit=2"),
    ({}, PAGE1, {"data": {"posts": items("a")}}, None),  # a short page is the last one
    ({}, PAGE1, {"data": {"posts": []}}, None),
    ({}, PAGE1, {"data": {}}, None),  # no list at all: an empty page
    ({"max_pages": 1}, PAGE1, {"data": {"posts": items("a", "b")}}, None),
    ({"endpoint": "/api/feed?page={page}"}, PAGE_BY_NUMBER, {"data": {"posts": items("a", "b")}},
     "http://127.0.0.1:9/api/feed?page=4"),
    ({"next_path": "paging.next"}, PAGE1,
     {"data": {"posts": items("a")}, "paging": {"next": "/api/posts?offset=1&limit=2"}},
     "http://127.0.0.1:9/api/posts?offset=1&limit=2"),  # the API's word beats the page size
    ({"next_path": "paging.next"}, PAGE1, {"data": {"posts": items("a", "b")}, "paging": {"next": None}}, None),
    ({"next_path": "paging.next"}, PAGE1, {"data": {"posts": items("a", "b")}, "paging": {"next": PAGE1}}, None),
    ({"next_path": "paging.next"}, PAGE1, {"data": {"posts": []}, "paging": {"next": "/api/more"}}, None),
    ({"endpoint": "/api/feed?cursor={cursor}", "next_path": "cursor"},
     "http://127.0.0.1:9/api/feed?cursor=", {"data": {"posts": items("a")}, "cursor": "x9"},
     "http://127.0.0.1:9/api/feed?cursor=x9"),
]  # fmt: skip


@pytest.mark.parametrize(("api", "url", "data", "expected"), NEXT_CASES)
def test_next_page(api, url, data, expected):
    _, nxt = parse_api_page(profile(**api), url, data)
    assert nxt == expected


def test_listings_carry_key_absolute_url_and_text_fields():
    data = {
        "data": {
            "posts": [
                {"id": 7, "headline": "  Room \n to let ", "author": {"name": "Vera"},
                 "offer": {"price": 450.0}},
                {"id": "p8", "headline": "Bike", "author": None, "offer": {"price": [60, "EUR"]}},
                "not an object",
            ]
        }
    }  # fmt: skip
    listings, _ = parse_api_page(profile(), PAGE1, data)
    assert listings == [
        {"key": "7", "url": "http://127.0.0.1:9/post/7", "title": "Room to let",
         "seller": "Vera", "price": "450"},
        {"key": "p8", "url": "http://127.0.0.1:9/post/p8", "title": "Bike", "seller": None,
         "price": "60, EUR"},
    ]  # fmt: skip


def test_listing_key_field_wins_over_id_and_urls_fall_back_to_the_page():
    p = profile(fields={"listing_key": "ref", "title": "headline"}, url_template=None)
    listings, _ = parse_api_page(
        p, PAGE1, {"data": {"posts": [{"id": 1, "ref": "R-1", "headline": "x"}]}}
    )
    assert listings == [{"key": "R-1", "url": PAGE1 + "#R-1", "title": "x"}]


def test_a_page_of_the_wrong_shape_names_the_profile_and_field():
    with pytest.raises(ApiPageError, match=r"t\.yaml: api\.items_path"):
        parse_api_page(profile(), PAGE1, {"data": {"posts": {"a": 1}}})


def test_a_url_template_the_items_cannot_fill_names_the_field():
    with pytest.raises(ApiPageError, match=r"api\.url_template"):
        parse_api_page(profile(url_template="/u/{slug}"), PAGE1, {"data": {"posts": items("a")}})
