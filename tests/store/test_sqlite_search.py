"""SqliteStore.search: every filter, identifier formats, and full-text input that must not raise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import phonenumbers
import pytest
from synthetic_listings import edited, example_phone, generated_wallet, make_listing

from crawler.models import Handle, SearchQuery
from crawler.store.sqlite import SqliteStore, fts_match_expression

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)

NL_PHONE = example_phone("NL")  # +31612345678
GB_PHONE = example_phone("GB")
WALLET = generated_wallet("search-test")


@pytest.fixture
async def corpus(store: SqliteStore) -> dict[str, str]:
    """Five listings on two platforms; returns name -> listing id."""
    listings = {
        "zurich": make_listing(
            1,
            title="Just arrived in Zürich",
            body="New in town for a few days only.",
            location_raw="Zürich, CH",
            phones=[NL_PHONE],
            indicators=["movement"],
            risk=40,
        ),
        "agency": make_listing(
            2,
            title="Agency booking",
            body="We have several girls; the manager answers the phone.",
            emails=["Booking@Example.org"],
            handles=[Handle(service="telegram", handle="Synthetic_Agency")],
            indicators=["third_party_control", "movement"],
            risk=80,
        ),
        "cyrillic": make_listing(
            3,
            title="Только приехала",
            body="Новая девушка в городе.",
            wallets=[WALLET],
            risk=20,
        ),
        "job": make_listing(
            4,
            platform="demo-jobs",
            category="jobs",
            title="Warehouse work abroad, accommodation provided",
            body="No experience needed. Travel and visa arranged; fee deducted from wages.",
            phones=[GB_PHONE],
            indicators=["recruitment_fee", "employer_housing"],
            risk=55,
        ),
        "plain": make_listing(5, title="C++ tutoring (evenings)", body="Rates: 30/hour.", risk=0),
    }
    await store.upsert(list(listings.values()), T0)
    # The job ad is seen again later than the others.
    await store.touch("demo-jobs", [listings["job"].id], T0 + 3 * DAY)
    return {name: listing.id for name, listing in listings.items()}


async def ids(store: SqliteStore, **query: object) -> list[str]:
    page = await store.search(SearchQuery(**query))
    assert page.total >= len(page.listings)
    return [listing.id for listing in page.listings]


async def test_no_filter_sorts_by_risk_then_last_seen(
    store: SqliteStore, corpus: dict[str, str]
) -> None:
    page = await store.search(SearchQuery())
    assert page.total == 5
    assert [listing.risk_score for listing in page.listings] == [80, 55, 40, 20, 0]


async def test_ties_on_risk_go_to_the_most_recently_seen(store: SqliteStore) -> None:
    older, newer = make_listing(1, risk=50), make_listing(2, risk=50)
    await store.upsert([older], T0)
    await store.upsert([newer], T0 + DAY)
    assert await ids(store) == [newer.id, older.id]


async def test_limit_offset_and_total(store: SqliteStore, corpus: dict[str, str]) -> None:
    page = await store.search(SearchQuery(limit=2, offset=2))
    assert page.total == 5
    assert [listing.risk_score for listing in page.listings] == [40, 20]


async def test_platform_category_indicator_risk_seen_filters(
    store: SqliteStore, corpus: dict[str, str]
) -> None:
    assert await ids(store, platform="demo-jobs") == [corpus["job"]]
    assert await ids(store, category="jobs") == [corpus["job"]]
    assert await ids(store, indicator="movement") == [corpus["agency"], corpus["zurich"]]
    assert await ids(store, indicator="organ_trade") == []
    assert await ids(store, min_risk=50) == [corpus["agency"], corpus["job"]]
    assert await ids(store, seen_since=T0 + DAY) == [corpus["job"]]
    # Naive datetimes are taken as UTC.
    assert await ids(store, seen_since=(T0 + DAY).replace(tzinfo=None)) == [corpus["job"]]
    combined = await ids(store, platform="demo-classifieds", indicator="movement", min_risk=50)
    assert combined == [corpus["agency"]]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("+31 6 12345678", "zurich"),
        ("0031612345678", "zurich"),
        ("06-12 34 56 78", "zurich"),  # national format: the NL region of the stored number
        ("612345678", "zurich"),  # national number without trunk prefix
        ("+31612345678", "zurich"),
        ("BOOKING@example.ORG", "agency"),
        ("@synthetic_agency", "agency"),
        ("telegram:Synthetic_Agency", "agency"),
        ("synthetic_agency", "agency"),
        (WALLET.address, "cyrillic"),
        (WALLET.address.upper().replace("0X", "0x"), "cyrillic"),
        (f"eth:{WALLET.address}", "cyrillic"),
    ],
)
async def test_identifier_in_any_format(
    store: SqliteStore, corpus: dict[str, str], typed: str, expected: str
) -> None:
    assert await ids(store, identifier=typed) == [corpus[expected]]


async def test_gb_phone_in_national_format(store: SqliteStore, corpus: dict[str, str]) -> None:
    national = phonenumbers.format_number(
        phonenumbers.parse(GB_PHONE), phonenumbers.PhoneNumberFormat.NATIONAL
    )
    assert await ids(store, identifier=national) == [corpus["job"]]


@pytest.mark.parametrize(
    "typed", ["+44 20 7946 0000", "nobody@example.org", "@nobody", "signal:synthetic_agency", "!!"]
)
async def test_identifier_without_match(
    store: SqliteStore, corpus: dict[str, str], typed: str
) -> None:
    assert await ids(store, identifier=typed) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("zurich", ["zurich"]),  # diacritics removed on both sides
        ("ZÜRICH", ["zurich"]),
        ("zür*", ["zurich"]),
        ('"just arrived"', ["zurich"]),
        ('"arrived just"', []),  # a quoted phrase keeps its word order
        ("приехала", ["cyrillic"]),
        ("ПРИЕХАЛА", ["cyrillic"]),
        ("manager", ["agency"]),  # body
        ("CH", ["zurich"]),  # location
        ("visa fee", ["job"]),  # words are ANDed
        ("visa OR manager", ["agency", "job"]),
        ("c++", ["plain"]),
        ("(evenings)", ["plain"]),
        ("rates:", ["plain"]),
    ],
)
async def test_full_text(
    store: SqliteStore, corpus: dict[str, str], text: str, expected: list[str]
) -> None:
    got = await ids(store, text=text)
    assert sorted(got) == sorted(corpus[name] for name in expected)


@pytest.mark.parametrize(
    "text",
    [
        '"',
        "'",
        '"unbalanced',
        "(",
        ")",
        "*",
        "a AND",
        "OR b",
        "NOT",
        "a AND NOT b",
        "AND OR NOT",
        "title:foo",
        "NEAR(a b)",
        "a + b - c",
        "^x",
        "{x}",
        "💬",
        "x" * 2000,
        "foo\"bar'baz",
        "\u0000",
        "%_\\",
    ],
)
async def test_punctuation_never_raises(
    store: SqliteStore, corpus: dict[str, str], text: str
) -> None:
    page = await store.search(SearchQuery(text=text))
    assert page.total == len(page.listings)


def test_match_expression_quotes_terms() -> None:
    assert fts_match_expression('just "new in" to*wn*') == '"just" "new in" "to*wn"*'
    assert fts_match_expression("a AND NOT b OR") == '"a" NOT "b"'
    assert fts_match_expression('say "hi') == '"say" "hi"'
    assert fts_match_expression("!!! ???") is None


async def test_text_index_follows_changes(store: SqliteStore) -> None:
    listing = make_listing(1, title="Original wording")
    await store.upsert([listing], T0)
    await store.upsert([edited(listing, title="Replacement text")], T0 + DAY)
    assert await ids(store, text="original") == []
    assert await ids(store, text="replacement") == [listing.id]
    # An unchanged upsert leaves one index row, not two.
    await store.upsert([edited(listing, title="Replacement text")], T0 + 2 * DAY)
    assert (await store.search(SearchQuery(text="replacement"))).total == 1


async def test_identifier_search_follows_changes(store: SqliteStore) -> None:
    listing = make_listing(1, phones=[NL_PHONE])
    await store.upsert([listing], T0)
    await store.upsert([edited(listing, phones=[GB_PHONE])], T0 + DAY)
    assert await ids(store, identifier=NL_PHONE) == []
    assert await ids(store, identifier=GB_PHONE) == [listing.id]
