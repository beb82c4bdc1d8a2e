"""Case table for crawler.extract.prices.extract_prices."""

from __future__ import annotations

import pytest

from crawler.extract.prices import REFERENCE_RATES_EUR, extract_prices

# (text, lang, expected [(amount, currency, unit), ...])
CASES = [
    ("150€/h", None, [(150.0, "EUR", "hour")]),
    ("EUR 200 per night", "en", [(200.0, "EUR", "night")]),
    ("1.200,50 zł/miesiąc", "pl", [(1200.5, "PLN", "month")]),
    ("0.05 BTC permanent", "en", [(0.05, "BTC", "sale")]),
    ("300 USD/hour", "en", [(300.0, "USD", "hour")]),
    ("500 грн/год", "uk", [(500.0, "UAH", "hour")]),
    ("1000 руб/год", "ru", [(1000.0, "RUB", "year")]),
    ("200 lei/ora", "ro", [(200.0, "RON", "hour")]),
    ("3000 € pe lună", "ro", [(3000.0, "EUR", "month")]),
    ("80 €/Stunde", "de", [(80.0, "EUR", "hour")]),
    ("100 euros por hora", "es", [(100.0, "EUR", "hour")]),
    (
        "1h: 150€, 30 min 80€, night 900 EUR",
        "en",
        [(150.0, "EUR", "hour"), (80.0, "EUR", "30min"), (900.0, "EUR", "night")],
    ),
    ("80€ per 30 minutes", "en", [(80.0, "EUR", "30min")]),
    # A count glued to its unit word before the price; two hours have no single unit.
    (
        "1hr €250, 30min €160, 2hr €450",
        "en",
        [(250.0, "EUR", "hour"), (160.0, "EUR", "30min"), (450.0, "EUR", None)],
    ),
    ("Mezz'ora 80€, notte intera 600€", "it", [(80.0, "EUR", "30min"), (600.0, "EUR", "night")]),
    # One word for what is paid between the price and its rate.
    ("850 € Kaltmiete im Monat", "de", [(850.0, "EUR", "month")]),
    ("Studio £950 rent per month", "en", [(950.0, "GBP", "month")]),
    ("€80 for half an hour", "en", [(80.0, "EUR", "30min")]),
    ("15 min 50 EUR", "en", [(50.0, "EUR", "15min")]),
    ("$500/mo", "en", [(500.0, "USD", "month")]),
    ("£150 ph", "en", [(150.0, "GBP", "hour")]),
    ("€ 1 200 per week", "en", [(1200.0, "EUR", "week")]),
    ("Price: 1,500 USD a week", "en", [(1500.0, "USD", "week")]),
    ("100€ per 24h", "en", [(100.0, "EUR", "day")]),
    ("USDT 500 per day", "en", [(500.0, "USDT", "day")]),
    ("fee 300 EUR once", "en", [(300.0, "EUR", "once")]),
    ("eenmalig 250 euro inschrijving", "nl", [(250.0, "EUR", "once")]),
    ("inschrijving 250 euro eenmalig", "nl", [(250.0, "EUR", "once")]),
    ("te koop 2000 euro", "nl", [(2000.0, "EUR", "sale")]),
    ("0.5 XMR", None, [(0.5, "XMR", None)]),
    ("1.5 ETH forever", "en", [(1.5, "ETH", "sale")]),
    ("30000 USD", "en", [(30000.0, "USD", None)]),
    ("300€/2h", None, [(300.0, "EUR", None)]),  # a price for two hours has no single unit
    ("2000 EUR pro Monat", "de", [(2000.0, "EUR", "month")]),
    ("1500 EUR per year", "en", [(1500.0, "EUR", "year")]),
    ("20 000 ₽ в месяц", "ru", [(20000.0, "RUB", "month")]),
    ("150€/h, 150€/h again", None, [(150.0, "EUR", "hour")]),  # duplicates collapse
    # Not prices: dates, times, phone numbers, ages, a currency naming a list.
    ("Born 12.05.2004, call 0612345678", "en", []),
    ("age 21, open 18:00-22:00", "en", []),
    ("Rates in EUR 1h 150", "en", []),
    ("Tel 0612345678 €", "nl", []),
    ("available 24/7, 16 years of experience", "en", []),
    # Russian abbreviations with a full stop, then the unit ("руб. в час").
    ("Цены: 8100 руб. в час", "ru", [(8100.0, "RUB", "hour")]),
    ("64000 RUB в месяц", "ru", [(64000.0, "RUB", "month")]),
    ("342000 ₽ в месяц", "ru", [(342000.0, "RUB", "month")]),
    (
        "8000 RUB в час, 5550 руб. за 30 мин",
        "ru",
        [(8000.0, "RUB", "hour"), (5550.0, "RUB", "30min")],
    ),
    ("Price 50 EUR. Call me", "en", [(50.0, "EUR", None)]),
    # One-off payments: spelled out, or a fee.
    ("Preț: 75 EUR o singură dată", "ro", [(75.0, "EUR", "once")]),
    ("Precio: €270 pago único", "es", [(270.0, "EUR", "once")]),
    ("Registration fee 300 EUR.", "en", [(300.0, "EUR", "once")]),
]


@pytest.mark.parametrize(("text", "lang", "expected"), CASES, ids=[c[0] for c in CASES])
def test_extract_prices(text: str, lang: str | None, expected: list) -> None:
    found = [(p.amount, p.currency, p.unit) for p in extract_prices(text, lang)]
    assert found == expected


def test_amount_eur_uses_reference_rates() -> None:
    (price,) = extract_prices("300 USD/hour")
    assert price.amount_eur == pytest.approx(300 * REFERENCE_RATES_EUR["USD"], abs=0.01)
    (eur,) = extract_prices("150€/h")
    assert eur.amount_eur == 150.0


def test_prices_with_words_agree() -> None:
    # Given the text's TextWords, prices_in_clean tries amounts at the digit runs it found
    # instead of scanning the text: the same prices either way.
    from crawler.extract.language import TextWords
    from crawler.extract.prices import prices_in_clean

    texts = [
        "150€/h, 1.200,50 zł/miesiąc, 300 USD/hour, 1h: 120€ and 800 to 2,000 USD",
        "abc123 4.5.6 €100-150 +31 20 000 Ft, 30 до 40 тис. грн, 0.05 BTC",
        "12,3456 7 8 EUR 1h 150 R$ 3.500,00 £1,500.00 20 000 Ft 1.5k EUR",
        "",
        "no digits here",
    ]
    for text in texts:
        assert prices_in_clean(text, None, "NL", words=TextWords.of(text)) == prices_in_clean(
            text, None, "NL"
        ), text
