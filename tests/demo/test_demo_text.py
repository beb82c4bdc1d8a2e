"""The synthetic text and its ground truth: valid identifiers, planted indicators, prevalence."""

from __future__ import annotations

import random
import re
from collections import Counter

import phonenumbers
import pytest
from phonenumbers import PhoneNumberType

from crawler.demo import text
from crawler.demo.wallets import (
    base58check_address,
    bech32_address,
    eth_address,
    is_valid_wallet,
    random_wallet,
)
from crawler.demo.world import DemoWorld
from crawler.models import Wallet

CLEARNET = ["demo-classifieds", "demo-jobs", "demo-forum"]
PHRASE_TABLES = {
    "demo-classifieds": text.AD_INDICATORS,
    "demo-jobs": text.JOB_INDICATORS,
    "demo-forum": text.FORUM_INDICATORS,
}


@pytest.fixture(scope="module")
def truth():
    return DemoWorld(seed=7, size=400, platforms=CLEARNET).ground_truth()


def _phrase_patterns(table: dict[str, dict[str, tuple[str, ...]]]) -> dict[str, list[re.Pattern]]:
    """indicator id -> regexes of its phrases in every language ({city} etc. as wildcards)."""
    out: dict[str, list[re.Pattern]] = {}
    for phrases in table.values():
        for ind, variants in phrases.items():
            for v in variants:
                parts = re.split(r"\{[a-z]+\}", v)
                out.setdefault(ind, []).append(re.compile(".+?".join(re.escape(p) for p in parts)))
    return out


def test_planted_phones_are_valid_mobile_numbers_from_example_ranges(truth):
    seen = 0
    for listings in truth.values():
        for t in listings:
            for e164 in t.phones:
                number = phonenumbers.parse(e164)
                assert phonenumbers.is_valid_number(number), e164
                region = phonenumbers.region_code_for_number(number)
                example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
                example_e164 = phonenumbers.format_number(
                    example, phonenumbers.PhoneNumberFormat.E164
                )
                assert e164[:-3] == example_e164[:-3], (e164, example_e164)
                seen += 1
    assert seen > 300


def test_some_phones_are_shared_by_several_listings(truth):
    counts = Counter(p for t in truth["demo-classifieds"] for p in t.phones)
    assert max(counts.values()) >= 3
    assert sum(1 for c in counts.values() if c == 1) > 20  # and most sellers have their own


@pytest.mark.parametrize("platform", CLEARNET)
def test_every_planted_indicator_is_in_the_text_and_ordinary_listings_carry_none(truth, platform):
    patterns = _phrase_patterns(PHRASE_TABLES[platform])
    for t in truth[platform]:
        content = f"{t.title}\n{t.body}"
        found = {ind for ind, pats in patterns.items() if any(p.search(content) for p in pats)}
        planted = t.indicators - {"minor_age_stated"}
        assert found == planted, (t.key, t.body)


@pytest.mark.parametrize("platform", CLEARNET)
def test_most_listings_are_ordinary(truth, platform):
    listings = truth[platform]
    at_most_one = sum(1 for t in listings if len(t.indicators) <= 1) / len(listings)
    several = sum(1 for t in listings if len(t.indicators) >= 2) / len(listings)
    assert 0.72 <= at_most_one <= 0.90, at_most_one
    assert several >= 0.08, several
    ids = {i for t in listings for i in t.indicators}
    expected = set(PHRASE_TABLES[platform]["en"])
    assert expected <= ids, expected - ids


def test_minor_age_only_as_a_bare_age_field_value(truth):
    ads = truth["demo-classifieds"]
    minors = [t for t in ads if t.stated_age is not None and t.stated_age < 18]
    assert minors, "the classifieds always carry at least one stated age under 18"
    for t in ads:
        assert ("minor_age_stated" in t.indicators) == (
            t.stated_age is not None and t.stated_age < 18
        )
    for t in minors:
        # No prose about the person at all: only the price and contact lines.
        assert t.indicators == {"minor_age_stated"}
        assert all(re.search(r"\d{2,}|@", line) for line in t.body.split("\n")), t.body


def test_languages_currencies_and_units_are_varied(truth):
    ads, jobs = truth["demo-classifieds"], truth["demo-jobs"]
    assert {t.language for t in ads} == set(text.LANGUAGES)
    assert {t.language for t in jobs} == set(text.LANGUAGES)
    currencies = {p.currency for ts in truth.values() for t in ts for p in t.prices}
    assert {"EUR", "USD", "GBP", "PLN", "RON", "UAH", "RUB"} <= currencies
    units = {p.unit for ts in truth.values() for t in ts for p in t.prices}
    assert {"hour", "30min", "night", "month", "once"} <= units


def test_every_truth_price_is_written_in_the_body(truth):
    for listings in truth.values():
        for t in listings:
            for p in t.prices:
                assert f"{p.amount:.0f}" in t.body, (t.key, p, t.body)


def test_emails_and_handles_are_synthetic(truth):
    emails = [e for ts in truth.values() for t in ts for e in t.emails]
    assert emails and all(e.endswith(("@example.org", "@example.com")) for e in emails)
    handles = [h for ts in truth.values() for t in ts for h in t.handles]
    assert {h.service for h in handles} >= {"telegram", "signal", "onlyfans"}
    for ts in truth.values():
        for t in ts:
            for h in t.handles:
                assert h.handle in t.body


_WORDS = {w: str(i) for words in text.SPELLED_DIGITS.values() for i, w in enumerate(words[:10])}


def _decode(written: str) -> str:
    """What an extractor must do: spelled digits, look-alike letters, separators."""
    tokens = written.replace(".", " ").split()
    out = []
    for tok in tokens:
        if tok in ("plus", "плюс", "más", "+"):
            out.append("+")
        elif tok in _WORDS:
            out.append(_WORDS[tok])
        else:
            out.append(tok.replace("O", "0").replace("l", "1"))
    s = "".join(out)
    return "+" + re.sub(r"\D", "", s)


@pytest.mark.parametrize(
    ("region", "lang"),
    [
        ("NL", "nl"),
        ("GB", "en"),
        ("DE", "de"),
        ("RO", "ro"),
        ("UA", "uk"),
        ("RU", "ru"),
        ("ES", "es"),
    ],
)
@pytest.mark.parametrize("style", sorted(set(text.PHONE_STYLES)))
def test_written_phones_decode_to_the_planted_number(region, lang, style):
    e164 = text.valid_mobiles(region)[17]
    written = text.format_phone(e164, style, lang)
    if style not in ("e164",):
        assert written != e164
    assert _decode(written) == e164


def test_wallet_encoders_match_published_vectors():
    # BIP 173 and EIP-55 test vectors; the genesis block's P2PKH address.
    assert bech32_address(bytes.fromhex("751e76e8199196d454941c45d1b3a323f1433bd6")) == (
        "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    )
    assert eth_address(bytes.fromhex("5aaeb6053f3e94c9b9a09f33669435e7ef1beaed")) == (
        "0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"
    )
    assert base58check_address(bytes.fromhex("62e907b15cbf27d5425399ebf6f0fb50ebb88f18")) == (
        "1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa"
    )


def test_generated_wallets_are_valid_deterministic_and_checked():
    a = [random_wallet(random.Random(5)) for _ in range(3)]
    b = [random_wallet(random.Random(5)) for _ in range(3)]
    assert a == b
    rng = random.Random(11)
    wallets = [random_wallet(rng) for _ in range(200)]
    assert all(is_valid_wallet(w) for w in wallets)
    assert {w.chain for w in wallets} == {"btc", "eth"}
    assert {w.address[0] for w in wallets if w.chain == "btc"} == {"b", "1", "3"}
    # A one-character change breaks the checksum.
    w = wallets[0]
    flipped = w.address[:-1] + ("q" if w.address[-1] != "q" else "p")
    assert not is_valid_wallet(Wallet(chain=w.chain, address=flipped))


def test_forum_wallets_are_in_the_posts(truth):
    posts = [t for t in truth["demo-forum"] if t.wallets]
    assert len(posts) >= 20
    for t in posts:
        for w in t.wallets:
            assert is_valid_wallet(w) and w.address in t.body
    crypto_only = [t for t in truth["demo-forum"] if "crypto_only_payment" in t.indicators]
    assert crypto_only and all(t.wallets for t in crypto_only)
