"""The enrichment stages (crawler/crawl/enrich.py): which raw fields feed which extractor."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawler.crawl.enrich import (
    add_contacts,
    add_indicators,
    add_language,
    add_prices,
    build_listing,
    parse_age,
    parse_date,
)
from crawler.crawl.items import RawListing


def raw(**fields) -> RawListing:
    return RawListing(id="x", platform="p", url="http://127.0.0.1/x", fields=fields,
                      country="NL", category="massage")  # fmt: skip


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-11-03T10:00:00Z", datetime(2026, 11, 3, 10, tzinfo=UTC)),
        ("2026-11-03", datetime(2026, 11, 3, tzinfo=UTC)),
        ("03.11.2026 10:30", datetime(2026, 11, 3, 10, 30, tzinfo=UTC)),
        ("03/11/2026", datetime(2026, 11, 3, tzinfo=UTC)),
        ("yesterday", None),
        (None, None),
    ],
)
def test_parse_date(text, expected):
    assert parse_date(text) == expected


@pytest.mark.parametrize(("text", "age"), [("16", 16), ("Age: 23 years", 23), ("n/a", None)])
def test_parse_age(text, age):
    assert parse_age(text) == age


def test_build_listing_keeps_known_fields_in_place_and_the_rest_in_fields():
    r = raw(title="  Room  ", body="Quiet\n room", location="Amsterdam-Centrum", age="17",
            posted_at="2026-11-03", shoe_size="42", contact=None)  # fmt: skip
    listing = build_listing(r)
    assert (listing.title, listing.body) == ("Room", "Quiet room")
    assert listing.location_raw == "Amsterdam-Centrum" and listing.location.startswith("amsterdam")
    assert listing.stated_age == 17 and listing.posted_at.year == 2026
    assert listing.fields == {"shoe_size": "42"}
    assert listing.country == "NL" and listing.category == "massage"


def test_prices_come_from_the_price_field_then_the_text():
    r = raw(title="Room", body="Also 300 EUR per week.", price="80 EUR per night")
    listing = build_listing(r)
    add_language(listing)
    add_prices(listing, r.fields)
    assert [(p.amount, p.currency, p.unit) for p in listing.prices][:2] == [
        (80.0, "EUR", "night"),
        (300.0, "EUR", "week"),
    ]


def test_contacts_come_from_the_text_and_the_contact_fields():
    r = raw(title="Room", body="Write to ann@example.org", phone="+31 6 12345678")
    listing = build_listing(r)
    add_contacts(listing, r.fields)
    assert listing.phones == ["+31612345678"] and listing.emails == ["ann@example.org"]


def test_an_age_field_under_18_is_an_indicator_with_its_evidence():
    r = raw(title="Room", body="Quiet room.", age="16")
    listing = build_listing(r)
    add_language(listing)
    add_indicators(listing, r.fields)
    hit = next(h for h in listing.indicators if h.id == "minor_age_stated")
    assert hit.field == "age" and "16" in hit.evidence
    assert listing.risk_score >= 70 and listing.risk_explanation
