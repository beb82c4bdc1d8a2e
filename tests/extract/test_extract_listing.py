"""extract() on whole listings (text, HTML, fields), html_text and normalise_location."""

from __future__ import annotations

import phonenumbers
import pytest

from crawler.extract import extract, html_text, normalise_location
from crawler.extract.wallets import btc_segwit_address

_NL = phonenumbers.example_number_for_type("NL", phonenumbers.PhoneNumberType.MOBILE)
NL_E164 = phonenumbers.format_number(_NL, phonenumbers.PhoneNumberFormat.E164)
NL_NAT = phonenumbers.format_number(_NL, phonenumbers.PhoneNumberFormat.NATIONAL)
WALLET = btc_segwit_address(0, bytes(range(20)))


def test_extract_combines_every_extractor() -> None:
    text = (
        f"Nieuw in de stad, net aangekomen. Mijn meiden spreken geen Nederlands. "
        f"150€/uur. Bel {NL_NAT} of tg: @example_handle, mail naam [at] example [dot] org. "
        f"Betaling alleen in bitcoin: {WALLET}"
    )
    result = extract(text, country="NL")
    assert result.language == "nl"
    assert [(p.amount, p.currency, p.unit) for p in result.prices] == [(150.0, "EUR", "hour")]
    assert result.phones == [NL_E164]
    assert result.emails == ["naam@example.org"]
    assert [(h.service, h.handle) for h in result.handles] == [("telegram", "example_handle")]
    assert [(w.chain, w.address) for w in result.wallets] == [("btc", WALLET)]
    ids = {h.id for h in result.indicators}
    assert {
        "movement",
        "third_party_control",
        "restricted_communication",
        "crypto_only_payment",
    } <= ids
    assert result.risk_score >= 60
    assert result.risk_explanation[0].startswith("4 distinct indicators")


def test_language_gives_the_phone_region_when_country_is_unknown() -> None:
    assert extract(f"Bel mij op {NL_NAT}, ik ben nieuw in de stad").phones == [NL_E164]


def test_ordinary_listing_scores_low() -> None:
    result = extract("Bright two-room apartment close to the station, available from March.")
    assert result.indicators == [] and result.risk_score == 0


def test_html_adds_visible_text_and_contact_links_only() -> None:
    html = (
        "<html><head><title>Ad</title><style>.x{color:red}</style></head><body>"
        "<h1>New in town</h1><p>Call <a href='tel:" + NL_E164 + "'>me</a></p>"
        "<script>var hidden = 'just arrived';</script>"
        "<div>Rates</div><div>150€/h</div><a href='https://t.me/example_handle'>chat</a>"
        "</body></html>"
    )
    text = html_text(html)
    assert "just arrived" not in text and "color" not in text
    assert "Rates\n150€/h" in text
    result = extract("", html=html)
    assert result.phones == [NL_E164]
    assert [(h.service, h.handle) for h in result.handles] == [("telegram", "example_handle")]
    assert [h.evidence for h in result.indicators] == ["New in town"]


def test_fields_carry_phone_and_price() -> None:
    result = extract(
        "Profile", country="NL", lang="en", fields={"phone": NL_NAT, "rate": "150 EUR/h"}
    )
    assert result.phones == [NL_E164]
    assert [(p.amount, p.unit) for p in result.prices] == [(150.0, "hour")]
    assert result.indicators == []


def test_age_field_under_18_scores_high() -> None:
    # docs/safety.md: a bare stated age in a profile field, nothing else.
    result = extract("Profile", lang="en", fields={"age": "16"})
    assert [(h.id, h.field) for h in result.indicators] == [("minor_age_stated", "age")]
    assert result.risk_score >= 70
    assert extract("Profile", lang="en", fields={"age": "30"}).risk_score == 0


def test_broken_html_does_not_fail() -> None:
    assert extract("New in town", html="<<<>>>").indicators[0].id == "movement"


@pytest.mark.parametrize(
    ("raw", "country", "expected"),
    [
        ("Amsterdam-Centrum, 1012 AB", "NL", "amsterdam, nl"),
        ("AMSTERDAM", "NL", "amsterdam, nl"),
        ("Den Haag (Centrum)", "NL", "the hague, nl"),
        ("Київ", "UA", "kyiv, ua"),
        # Issue #12: the gazetteer knows a city's country even without a hint.
        ("Kiev", None, "kyiv, ua"),
        ("Köln", "NL", "cologne, de"),  # the city's own country wins over the hint
        ("Θεσσαλονίκη", "GR", "thessaloniki, gr"),
        ("Praha 2", "CZ", "prague, cz"),
        ("București, Sector 1", "RO", "bucharest, ro"),
        ("München", "DE", "munich, de"),
        ("10115 Berlin", "DE", "berlin, de"),
        ("1012", "NL", None),
        ("", "NL", None),
        (None, None, None),
    ],
)
def test_normalise_location(raw: str | None, country: str | None, expected: str | None) -> None:
    assert normalise_location(raw, country) == expected


def test_typical_listing_is_extracted_in_well_under_a_millisecond() -> None:
    """CPU time, median over 300 generated 1-2 KB listings; generous bound for shared CI."""
    import statistics
    import time

    base = (
        "Nieuw in de stad, net aangekomen. Het appartement ligt dicht bij het station. "
        "Stuur eerst een bericht voordat je belt. Parkeren kan in de straat. "
    )
    listings = [(base * 6)[: 1000 + 3 * i] + f" Bel {NL_NAT}, 150€/uur." for i in range(300)]
    for text in listings[:20]:
        extract(text, country="NL")
    times = []
    for text in listings:
        t0 = time.process_time()
        extract(text, country="NL")
        times.append(time.process_time() - t0)
    assert statistics.median(times) < 0.002


@pytest.mark.timeout(60)
@pytest.mark.parametrize(
    "text",
    ["1 " * 20000, "O6 l2 " * 10000, "one two three four " * 5000, "age 16 " * 5000, "x@" * 20000],
    ids=["digit groups", "look-alikes", "spelled words", "ages", "at signs"],
)
def test_pathological_input_stays_fast(text: str) -> None:
    import time

    t0 = time.process_time()
    extract(text, country="NL")
    assert time.process_time() - t0 < 5.0


def test_the_rare_character_pretest_passes_every_rare_character() -> None:
    # clean skips the _RARE scan when _may_be_rare says no: it must never say no wrongly.
    from crawler.extract.normalise import _RARE, _may_be_rare

    for cp in range(0x110000):
        ch = chr(cp)
        if _RARE.match(ch):
            assert _may_be_rare(f"Квартира € – {ch} ok"), hex(cp)
    assert not _may_be_rare("Квартира € – ’ ok, ș ł ñ")
