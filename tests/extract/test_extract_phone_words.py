"""Phone numbers spelled in grouped number words, and references that are not phones.

Issue 12, blind set 3's phone causes, written fresh per language: tens and teens
("twaalf", "vierendertig", "zweiundvierzig"), hundreds as one word ("pięćset",
"девятьсот") or as a digit word and "hundred" ("šest set", "čtyři sta"), number words
mixed with digits, and an invoice or payment reference after an IBAN.
"""

from __future__ import annotations

import pytest

from crawler.extract.phones import extract_phones

GROUPED = [
    # nl: tens written as one word, ones first ("vierendertig" = 34)
    ("bel: nul zes achtentwintig negenenveertig drieënzestig zeventien", "NL", "+31628496317"),
    # de: "zweiundvierzig" = 42
    ("ruf an: null eins fünf eins, zwölf, vierunddreißig, sechsundfünfzig, achtundsiebzig",
     "DE", "+4915112345678"),
    # pl: hundreds as one word
    ("tel. sześćset dwa trzysta czterdzieści pięć siedemset osiemdziesiąt dziewięć", "PL",
     "+48602345789"),
    # ru: hundreds, tens and ones in groups of three
    ("звоните восемь девятьсот шестнадцать двести тридцать четыре пятьдесят шесть "
     "семьдесят восемь", "RU", "+79162345678"),
    # uk: the apostrophe of "п'ятдесят"
    ("пишіть нуль шістдесят сім сто двадцять три п'ятдесят чотири сорок вісім", "UA",
     "+380671235448"),
    # cs: a digit word and "set"/"sta" for the hundreds
    ("volejte sedm set dvacet čtyři sta padesát šest sto osmdesát devět", "CZ",
     "+420720456189"),
    # sk: hundreds as one word
    ("volaj deväťsto pätnásť dvesto tridsať štyri päťsto šesťdesiat sedem", "SK",
     "+421915234567"),
    # hu: number words between digits ("húsz" 20, "negyvenöt" 45)
    ("hívj: 06 húsz 987 negyvenöt hatvanhét", "HU", "+36209874567"),
    # sv: "tjugotre" = 23
    ("ring noll sju tre ett tjugotre fyrtiofem sextiosju", "SE", "+46731234567"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "region", "phone"), GROUPED)
def test_grouped_number_words(text: str, region: str, phone: str) -> None:
    assert extract_phones(text, region=region) == [phone]


NOT_PHONES = [
    ("Bitte überweisen an IBAN DE89 3704 0044 0532 0130 00, Verwendungszweck Rechnung 2025-0917.",
     "DE"),
    ("Betaling naar NL91 ABNA 0417 1643 00 onder vermelding van factuur 2025-0318.", "NL"),
    ("Płatność tytułem faktury 2025-0611, przelew do 14 dni.", "PL"),
    ("Maksu viitenumero 2025-0511 eräpäivään mennessä.", "FI"),
    ("Оплата по счёту 2025-0711 до конца месяца.", "RU"),
]  # fmt: skip


@pytest.mark.parametrize(("text", "region"), NOT_PHONES)
def test_invoice_and_payment_references_are_not_phones(text: str, region: str) -> None:
    assert extract_phones(text, region=region) == []


def test_hundred_words_alone_do_not_make_a_phone() -> None:
    # amounts spelled out in a price list are not a phone number
    assert extract_phones("sto złotych, dwieście złotych, trzysta złotych", region="PL") == []
