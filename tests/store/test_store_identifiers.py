"""crawler.store.identifiers: what a typed identifier means, as a case table."""

from __future__ import annotations

import pytest
from synthetic_listings import example_phone

from crawler.store.identifiers import (
    IdentifierMatch,
    index_identifiers,
    parse_identifier_query,
)

NL = example_phone("NL")  # +31612345678

CASES = [
    # typed, regions the store holds, expected exact values, expected keys
    ("+31 6 1234 5678", [], {("phone", NL)}, set()),
    ("0031 6 12345678", [], {("phone", NL)}, set()),
    ("+31 (0)6 1234-5678", [], {("phone", NL)}, set()),
    (
        "06 12345678",
        ["NL", "DE"],
        # Valid in both regions the store holds: both are candidates.
        {("phone", NL), ("phone", "+49612345678"), ("phone", "+0612345678")},
        {("phone", "0612345678"), ("phone", "612345678")},
    ),
    ("Name@Example.ORG", [], {("email", "name@example.org")}, set()),
    ("@Some_Name", [], set(), {("handle", "some_name")}),
    (
        "Telegram:Some_Name",
        [],
        {("handle", "telegram:some_name"), ("wallet", "telegram:Some_Name")},
        {("wallet", "some_name")},
    ),
    (
        "0xAbC123",
        [],
        {("email", "0xabc123")},
        {("wallet", "0xabc123"), ("handle", "0xabc123")},
    ),
    ("   ", [], set(), set()),
    ("@", [], set(), set()),
]


@pytest.mark.parametrize(("typed", "regions", "values", "keys"), CASES)
def test_parse_identifier_query(
    typed: str, regions: list[str], values: set[tuple[str, str]], keys: set[tuple[str, str]]
) -> None:
    assert parse_identifier_query(typed, regions) == IdentifierMatch(
        frozenset(values), frozenset(keys)
    )


def test_index_rows_have_keys_and_regions() -> None:
    rows = index_identifiers(
        [
            ("phone", NL),
            ("phone", NL),  # duplicates are indexed once
            ("email", "a@example.org"),
            ("handle", "telegram:some_name"),
            ("wallet", "eth:0xAbC"),
        ]
    )
    assert [(r.kind, r.key, r.region) for r in rows] == [
        ("phone", "612345678", "NL"),
        ("email", "a@example.org", None),
        ("handle", "some_name", None),
        ("wallet", "0xabc", None),
    ]
