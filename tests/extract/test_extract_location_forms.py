"""normalise_location: district words of every language, and exonyms for the gazetteer's
folded local names (issue #12, round 2). Cases written fresh, not from a labelled set."""

from __future__ import annotations

import pytest

from crawler.extract import normalise_location


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("Torino centro", "IT", "turin, it"),
        ("Sevilla centro", "ES", "seville, es"),
        ("Centrum Brno", "CZ", "brno, cz"),
        ("Budapest belváros", "HU", "budapest, hu"),
        ("Κέντρο Αθήνα", "GR", "athens, gr"),
        ("Genève", "FR", "geneva, ch"),
        ("Göteborg", "SE", "gothenburg, se"),
        ("København", "DK", "copenhagen, dk"),
        # A town whose name holds a word for "town" keeps it.
        ("Novo mesto", "SI", "novo mesto, si"),
        ("Centro", "IT", None),
    ],
)
def test_district_words_and_exonyms(raw: str, country: str, expected: str | None) -> None:
    assert normalise_location(raw, country) == expected
