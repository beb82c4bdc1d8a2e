"""Price forms by class (issue 12, blind set 3's price causes), a few sentences per language.

Written fresh for each class, not taken from any labelled set: the unit as ads write it
(an adjective, an abbreviation, words between, a noun before the amount, Latin letters for
Cyrillic and Greek), `once` from a total or a course, `sale` from a classified item, the
currency words and number words of each language, and what must stay without a unit.
"""

from __future__ import annotations

import pytest

from crawler.extract.prices import extract_prices


def units(text: str, lang: str | None, country: str | None = None) -> list[tuple]:
    return [(p.amount, p.currency, p.unit) for p in extract_prices(text, lang, country)]


# Class 1: `once` from the kind of price: a total, a whole course, a fee compound.
ONCE = [
    ("Sprachkurs Italienisch für Anfänger, 280 € insgesamt", "de", "DE"),
    ("Anmeldung zum Workshop: Teilnahmegebühr 95 €", "de", "DE"),
    ("Yoga weekend, £150 for the whole course", "en", "GB"),
    ("Curso de cocina, precio total 210 €", "es", "ES"),
    ("Corso di fotografia serale, 240 € prezzo totale", "it", "IT"),
    ("Kurs języka angielskiego, 1200 zł za cały kurs", "pl", "PL"),
    ("Cursus Frans voor volwassenen, €310 in totaal", "nl", "NL"),
    ("Kurz vaření: 2 500 Kč celkem", "cs", "CZ"),
    ("Tanfolyam: 45 000 Ft összesen", "hu", "HU"),
    ("Simkurs för vuxna, 1 800 kr totalt", "sv", "SE"),
    ("Kokkikurssi 190 € yhteensä", "fi", "FI"),
    ("Курс английского, 12 000 руб. за весь курс", "ru", "RU"),
    ("Tečaj kuhanja 120 € skupaj", "sl", "SI"),
    ("Curs de dans, 450 lei în total", "ro", "RO"),
]


@pytest.mark.parametrize(("text", "lang", "country"), ONCE)
def test_a_total_or_a_course_price_is_once(text: str, lang: str, country: str) -> None:
    found = units(text, lang, country)
    assert len(found) == 1 and found[0][2] == "once", found


# Class 2: the rate word as an adjective or adverb, abbreviated, or after other words.
RATE_FORMS = [
    ("Camarera, 1.200 € mensuales", "es", "ES", "month"),
    ("Limpieza de oficinas, 60 € diarios", "es", "ES", "day"),
    ("Niñera interna, 150 € semanales", "es", "ES", "week"),
    ("Babá, 200 € semanais", "pt", "PT", "week"),
    ("Commis de cuisine, 1 700 € nets mensuels", "fr", "FR", "month"),
    ("Hôtesse, 400 €/soirée", "fr", "FR", "night"),
    ("Studio 650 € kalt monatlich", "de", "DE", "month"),
    ("Magazijnmedewerker €2.400 bruto p/m", "nl", "NL", "month"),
    ("Kuchař, 32 000 Kč čistého měsíčně", "cs", "CZ", "month"),
    ("Čašnica, 20 € na večer", "sl", "SI", "night"),
    ("Barmanka, 1 500 € v čistom mesačne", "sk", "SK", "month"),
    ("Operator, 3500 lei net pe lună", "ro", "RO", "month"),
    ("Kelner, 6 tys. zł netto miesięcznie", "pl", "PL", "month"),
]


@pytest.mark.parametrize(("text", "lang", "country", "unit"), RATE_FORMS)
def test_rate_word_forms_after_the_amount(text: str, lang: str, country: str, unit: str) -> None:
    found = units(text, lang, country)
    assert found and {u for _, _, u in found} == {unit}, found


# Class 2 too: Cyrillic and Greek rate and currency words written in Latin letters, and
# Greeklish read in a Greek listing whatever language the text looks like.
TRANSLIT = [
    ("Rabota v Germanii, 2500 evro v mesyac", "ru", "RU", (2500.0, "EUR", "month")),
    ("Robota, 20000 hryven na misyac", "uk", "UA", (20000.0, "UAH", "month")),
    ("masaz 300 grn za godinu", "uk", "UA", (300.0, "UAH", "hour")),
    ("douleia se bar, 1500 evro to mina", "it", "GR", (1500.0, "EUR", "month")),
    ("rantevou 80 euro tin ora", "en", "GR", (80.0, "EUR", "hour")),
]


@pytest.mark.parametrize(("text", "lang", "country", "price"), TRANSLIT)
def test_latin_letters_for_cyrillic_and_greek(
    text: str, lang: str, country: str, price: tuple
) -> None:
    assert units(text, lang, country) == [price]


# Class 3: the rate word before the amount, as a noun or an adjective of one.
BEFORE = [
    ("Havibér: 450 000 Ft", "hu", "HU", "month"),
    ("Órabér 2 500 Ft nettó", "hu", "HU", "hour"),
    ("Mensalidade do ginásio 35 €", "pt", "PT", "month"),
    ("Mesečna vozovnica 40 €", "sl", "SI", "month"),
    ("Monthly pass £60", "en", "GB", "month"),
    ("Tageslohn 120 €", "de", "DE", "day"),
    ("Programa 30min R$ 150 | 1h R$ 250", "pt", "BR", None),  # checked below
]


@pytest.mark.parametrize(("text", "lang", "country", "unit"), BEFORE[:-1])
def test_rate_word_before_the_amount(text: str, lang: str, country: str, unit: str) -> None:
    found = units(text, lang, country)
    assert len(found) == 1 and found[0][2] == unit, found


def test_a_count_before_the_amount_belongs_to_that_amount_only() -> None:
    assert units("Programa 30min R$ 150 | 1h R$ 250", "pt", "BR") == [
        (150.0, "BRL", "30min"),
        (250.0, "BRL", "hour"),
    ]


def test_a_range_with_the_currency_at_both_ends_shares_its_rate() -> None:
    assert units("Soudeur, 2 000 € à 2 400 € brut par mois", "fr", "FR") == [
        (2000.0, "EUR", "month"),
        (2400.0, "EUR", "month"),
    ]


# Class 4: a thing in a classified ad is `sale`, also without a sale verb.
SALE = [
    ("Kinderfahrrad 20 Zoll, 85 € VB", "de", "DE"),
    ("Pushchair, hardly used, £40 ono", "en", "GB"),
    ("Bicicleta de montaña, 26 pulgadas, 180 €", "es", "ES"),
    ("Rower miejski, 28 cali, 650 zł", "pl", "PL"),
    ("Kočárek trojkombinace, 3 000 Kč", "cs", "CZ"),
    ("Диван раскладной, 8000 руб, торг", "ru", "RU"),
    ("Barnvagn i fint skick, 900 kr, bud", "sv", "SE"),
    ("Καναπές τριθέσιος, 120 €", "el", "GR"),
]


@pytest.mark.parametrize(("text", "lang", "country"), SALE)
def test_a_classified_item_is_sale(text: str, lang: str, country: str) -> None:
    found = units(text, lang, country)
    assert len(found) == 1 and found[0][2] == "sale", found


# Class 5: currency words and number words for thousands and millions.
AMOUNTS = [
    ("Praca w Anglii, 2000 funtów miesięcznie", "pl", "PL", [(2000.0, "GBP", "month")]),
    ("Darbas Airijoje, 2500 svarų per mėnesį", "lt", "LT", [(2500.0, "GBP", "month")]),
    ("Lucru în Anglia, 2200 lire pe lună", "ro", "RO", [(2200.0, "GBP", "month")]),
    ("Kellner, 28 Fr./Std.", "de", "CH", [(28.0, "CHF", "hour")]),
    ("Eladó lakás, 45 millió Ft", "hu", "HU", [(45_000_000.0, "HUF", "sale")]),
    ("Wynagrodzenie 7-9 tys. zł netto", "pl", "PL", [(7000.0, "PLN", None), (9000.0, "PLN", None)]),
    ("за ночь 30 тыс.", "ru", "RU", [(30000.0, "RUB", "night")]),
    ("за годину 2 тис., за ніч 10 тис. грн", "uk", "UA",
     [(2000.0, "UAH", "hour"), (10000.0, "UAH", "night")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "lang", "country", "expected"), AMOUNTS)
def test_currency_and_number_words(text: str, lang: str, country: str, expected: list) -> None:
    assert units(text, lang, country) == expected


# Precision: what these forms must not turn into a unit or a price.
NOT = [
    ("Mo.-Fr. 8-17 Uhr geöffnet", "de", "CH", []),
    ("6 тыс. подписчиков в канале", "ru", "RU", []),
    ("10k followers, 50 € per post", "en", "DE", [(50.0, "EUR", None)]),
    ("Fahrer mit eigenem Auto gesucht, 2500 €", "de", "DE", [(2500.0, "EUR", None)]),
    ("Auto-Mechaniker gesucht, 3000 € brutto", "de", "DE", [(3000.0, "EUR", None)]),
    ("Gehalt 2000 € und 200 € Bonus monatlich", "de", "DE",
     [(2000.0, "EUR", None), (200.0, "EUR", "month")]),
    ("Matrícula 50 € e mensalidade 70 €", "pt", "PT", [(50.0, "EUR", "once"), (70.0, "EUR", "month")]),
    ("Sueldo 1500 € negociable", "es", "ES", [(1500.0, "EUR", None)]),
    ("100 € este mes", "es", "ES", [(100.0, "EUR", None)]),
    ("Tarifë regjistrimi 15 000 lekë para nisjes", "sq", "AL", [(15000.0, "ALL", "once")]),
]  # fmt: skip


@pytest.mark.parametrize(("text", "lang", "country", "expected"), NOT)
def test_what_stays_without_a_unit_or_price(
    text: str, lang: str, country: str, expected: list
) -> None:
    assert units(text, lang, country) == expected
