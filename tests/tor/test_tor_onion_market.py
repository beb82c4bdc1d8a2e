"""The demo onion market (no network): deterministic, checksum-valid wallets, readable truth."""

from __future__ import annotations

from crawler.demo.onion_market import USD_PER_BTC, OnionMarket
from crawler.extract.indicators import find_indicators
from crawler.extract.prices import extract_prices
from crawler.extract.wallets import extract_wallets


def test_same_seed_same_market_other_seed_other_wallets():
    a, b, c = (
        OnionMarket(seed=7, size=30),
        OnionMarket(seed=7, size=30),
        OnionMarket(seed=8, size=30),
    )
    assert [t.body for t in a.ground_truth()] == [t.body for t in b.ground_truth()]
    wallets = lambda m: {w.address for t in m.ground_truth() for w in t.wallets}  # noqa: E731
    assert wallets(a) and not wallets(a) & wallets(c)


def test_every_offer_reads_back_as_its_ground_truth():
    market = OnionMarket(seed=1, size=90)
    market.advance()  # re-priced offers must stay consistent in all three currencies
    offers = market.ground_truth()
    for t in offers:
        prices = [(p.amount, p.currency, p.unit) for p in extract_prices(t.body, "en")]
        assert prices == [(p.amount, p.currency, p.unit) for p in t.prices], t.body
        assert t.prices[1].amount == round(t.prices[0].amount / USD_PER_BTC, 4)
        # Only checksum-valid addresses are extracted: every planted wallet must come back.
        assert {(w.chain, w.address) for w in extract_wallets(t.body)} == {
            (w.chain, w.address) for w in t.wallets
        }
        assert {h.id for h in find_indicators(t.title + "\n" + t.body, "en")} == t.indicators
    assert {t.category for t in offers} == {"hourly", "labour", "permanent"}
    assert {p.unit for t in offers for p in t.prices} == {"hour", "sale"}
    assert all("sale_of_person" in t.indicators for t in offers if t.category == "permanent")


def test_offer_pages_carry_no_media():
    market = OnionMarket(seed=1, size=5)
    html = market.detail_bytes(market.ground_truth()[0].key) or b""
    assert b"<img" not in html and b"<video" not in html and b"<audio" not in html
