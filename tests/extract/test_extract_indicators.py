"""Case table for crawler.extract.indicators.find_indicators, and lexicon checks.

Texts are clinical and carry only the indicator phrases (docs/safety.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from crawler.extract import indicators
from crawler.extract.indicators import (
    INDICATOR_IDS,
    LexiconError,
    available_languages,
    find_indicators,
    load_lexicons,
)

# (text, lang, expected [(id, evidence), ...] in order of appearance)
CASES = [
    # English
    (
        "New in town, only a few days!",
        "en",
        [("movement", "New in town"), ("movement", "only a few days")],
    ),
    (
        "My girls are available, call my manager",
        "en",
        [("third_party_control", "My girls"), ("third_party_control", "call my manager")],
    ),
    (
        "Very young and inexperienced",
        "en",
        [("youth_emphasis", "Very young"), ("youth_emphasis", "inexperienced")],
    ),
    ("Age 16", "en", [("minor_age_stated", "Age 16")]),
    ("She is 16 y.o.", "en", [("minor_age_stated", "16 y.o.")]),
    ("16 years of age", "en", [("minor_age_stated", "16 years")]),
    # A duration is not an age, unless the words say age ("for 16 years old").
    ("In business for 16 years, all staff 18+", "en", []),
    ("Seit 16 Jahren im Geschäft", "de", []),
    ("Looking for 16 years old", "en", [("minor_age_stated", "16 years old")]),
    ("Asian girl, new here", "en", [("nationality_emphasis", "Asian girl")]),
    (
        "Speaks no English, contact through my friend",
        "en",
        [
            ("restricted_communication", "Speaks no English"),
            ("restricted_communication", "contact through my friend"),
            # The friend who takes the contact runs it: a third party (docs/indicators.md).
            ("third_party_control", "through my friend"),
        ],
    ),
    (
        "Available 24/7, lives in the apartment",
        "en",
        [("constant_availability", "24/7"), ("constant_availability", "lives in the apartment")],
    ),
    ("No limits, no taboos", "en", [("no_limits", "No limits"), ("no_limits", "no taboos")]),
    (
        "Girl for sale, permanent ownership",
        "en",
        [("sale_of_person", "Girl for sale"), ("sale_of_person", "permanent ownership")],
    ),
    (
        "Registration fee of 300 EUR, costs deducted from your salary",
        "en",
        [("recruitment_fee", "Registration fee"), ("recruitment_fee", "deducted from your salary")],
    ),
    (
        "Free accommodation and transport provided",
        "en",
        [("employer_housing", "Free accommodation"), ("employer_housing", "transport provided")],
    ),
    (
        "Hand over your passport on arrival",
        "en",
        [("document_retention", "Hand over your passport on arrival")],
    ),
    (
        "No experience needed, easy money, urgent departure",
        "en",
        [
            ("unrealistic_offer", "No experience needed"),
            ("unrealistic_offer", "easy money"),
            ("unrealistic_offer", "urgent departure"),
        ],
    ),
    (
        "Work in Germany, visa arranged",
        "en",
        # A job abroad is not an indicator by itself; arranged travel is.
        [("travel_arranged_abroad", "visa arranged")],
    ),
    (
        "Salary advance for the ticket, repay the debt through work",
        "en",
        [("debt_bondage", "Salary advance"), ("debt_bondage", "repay the debt")],
    ),
    (
        "Kidney for sale, paid donor wanted",
        "en",
        [("organ_trade", "Kidney for sale"), ("organ_trade", "paid donor")],
    ),
    (
        "OnlyFans manager wanted, chatters needed",
        "en",
        [("e_pimping", "OnlyFans manager"), ("e_pimping", "chatters needed")],
    ),
    (
        "Help for Ukrainian women fleeing the war",
        "en",
        [
            ("refugee_targeting", "Help for Ukrainian women"),
            ("refugee_targeting", "fleeing the war"),
        ],
    ),
    (
        "Hostess jobs abroad, dancers wanted",
        "en",
        [("lure_job_abroad", "Hostess jobs abroad"), ("lure_job_abroad", "dancers wanted")],
    ),
    ("Payment only in bitcoin", "en", [("crypto_only_payment", "Payment only in bitcoin")]),
    ("NEW-IN-TOWN", "en", [("movement", "NEW-IN-TOWN")]),
    # Dutch
    (
        "Nieuw in de stad, net aangekomen",
        "nl",
        [("movement", "Nieuw in de stad"), ("movement", "net aangekomen")],
    ),
    (
        "Mijn meiden spreken geen Nederlands",
        "nl",
        [("third_party_control", "Mijn meiden"), ("restricted_communication", "geen Nederlands")],
    ),
    (
        "Gratis huisvesting, paspoort inleveren",
        "nl",
        [("employer_housing", "Gratis huisvesting"), ("document_retention", "paspoort inleveren")],
    ),
    ("Ik ben 16 jaar", "nl", [("minor_age_stated", "Ik ben 16 jaar")]),
    # German
    (
        "Neu in der Stadt, rund um die Uhr",
        "de",
        [("movement", "Neu in der Stadt"), ("constant_availability", "rund um die Uhr")],
    ),
    (
        "Unterkunft wird gestellt, Reisekosten werden abgezogen",
        "de",
        [
            ("employer_housing", "Unterkunft wird gestellt"),
            ("recruitment_fee", "Reisekosten werden abgezogen"),
        ],
    ),
    ("Sie ist 16 Jahre alt", "de", [("minor_age_stated", "16 Jahre")]),
    # Romanian
    (
        "Nouă în oraș, abia am sosit",
        "ro",
        [("movement", "Nouă în oraș"), ("movement", "abia am sosit")],
    ),
    (
        "Cazare gratuită, plecare urgentă",
        "ro",
        [("employer_housing", "Cazare gratuită"), ("unrealistic_offer", "plecare urgentă")],
    ),
    (
        "Lucru în străinătate, fără experiență",
        "ro",
        [("unrealistic_offer", "fără experiență")],
    ),
    # Ukrainian
    (
        "Нова в місті, щойно приїхала",
        "uk",
        [("movement", "Нова в місті"), ("movement", "щойно приїхала")],
    ),
    (
        "Безкоштовне житло, робота за кордоном",
        "uk",
        [("employer_housing", "Безкоштовне житло")],
    ),
    ("Мені 16 років", "uk", [("minor_age_stated", "Мені 16 років")]),
    # Russian
    (
        "Новая в городе, без ограничений",
        "ru",
        [("movement", "Новая в городе"), ("no_limits", "без ограничений")],
    ),
    (
        "Паспорт хранится у работодателя",
        "ru",
        [("document_retention", "Паспорт хранится у работодателя")],
    ),
    ("Продам почку", "ru", [("organ_trade", "Продам почку")]),
    ("Ей 16 лет", "ru", [("minor_age_stated", "16 лет")]),
    # Spanish
    (
        "Nueva en la ciudad, recién llegada",
        "es",
        [("movement", "Nueva en la ciudad"), ("movement", "recién llegada")],
    ),
    (
        "Alojamiento gratis, sin experiencia",
        "es",
        [("employer_housing", "Alojamiento gratis"), ("unrealistic_offer", "sin experiencia")],
    ),
    ("Tengo 16 años", "es", [("minor_age_stated", "Tengo 16 años")]),
    # English phrases in a Dutch ad still count.
    ("Nieuw hier, available 24/7", "nl", [("constant_availability", "24/7")]),
    # Indicators written as whole clauses, in every lexicon language (phrasing of real ads).
    (
        "Predați actele de identitate la sosire. Cazare asigurată de angajator.",
        "ro",
        [
            ("document_retention", "Predați actele"),
            # Issue #12: the evidence runs on to who arranges the housing.
            ("employer_housing", "Cazare asigurată de angajator"),
        ],
    ),
    (
        "Vă împrumutăm banii pentru drum, îi returnați prin muncă.",
        "ro",
        [("debt_bondage", "împrumutăm banii"), ("debt_bondage", "returnați prin muncă")],
    ),
    (
        "Avem mai multe doamne. Abia am împlinit 18 ani.",
        "ro",
        [
            ("third_party_control", "Avem mai multe doamne"),
            ("youth_emphasis", "Abia am împlinit 18"),
        ],
    ),
    (
        "Витрати на візу та дорогу утримуються з першої зарплати.",
        "uk",
        [("recruitment_fee", "утримуються з першої зарплати")],
    ),
    (
        "Аванс на дорогу відпрацьовується із зарплати.",
        "uk",
        [("debt_bondage", "Аванс на дорогу відпрацьовується")],
    ),
    (
        "Житло надає роботодавець. Щойно виповнилося 18.",
        "uk",
        [
            ("employer_housing", "Житло надає роботодавець"),
            ("youth_emphasis", "Щойно виповнилося 18"),
        ],
    ),
    (
        "У нас несколько девушек, на звонки отвечает менеджер.",
        "ru",
        [
            ("third_party_control", "У нас несколько девушек"),
            ("third_party_control", "отвечает менеджер"),
        ],
    ),
    (
        "Только исполнилось 18, без опыта.",
        "ru",
        # Issue #12: with no job in sight, "no experience" is inexperience (youth
        # emphasis in the taxonomy), not a job offer that asks for none.
        [("youth_emphasis", "Только исполнилось 18"), ("youth_emphasis", "без опыта")],
    ),
    (
        "По-русски не говорит, пишите подруге. Принимаем только Bitcoin.",
        "ru",
        [
            ("restricted_communication", "По-русски не говорит"),
            ("restricted_communication", "пишите подруге"),
            ("crypto_only_payment", "Принимаем только Bitcoin"),
        ],
    ),
    (
        "El empleador guarda tu pasaporte. Recién cumplidos los 18.",
        "es",
        [
            ("document_retention", "guarda tu pasaporte"),
            ("youth_emphasis", "Recién cumplidos los 18"),
        ],
    ),
    (
        "Agencia busca chatters, gestionamos las páginas de las chicas.",
        "es",
        [("e_pimping", "busca chatters"), ("e_pimping", "gestionamos las páginas de las chicas")],
    ),
    (
        "Lever je identiteitsbewijs in bij aankomst. Wij lenen je het geld voor de reis.",
        "nl",
        [
            ("document_retention", "Lever je identiteitsbewijs in"),
            ("debt_bondage", "Wij lenen je het geld"),
        ],
    ),
    (
        "Wir haben mehrere Damen. Der Reisevorschuss wird vom Lohn zurückgezahlt.",
        "de",
        [("third_party_control", "Wir haben mehrere Damen"), ("debt_bondage", "Reisevorschuss")],
    ),
    (
        "Visa- und Reisekosten werden vom ersten Lohn abgezogen.",
        "de",
        [("recruitment_fee", "Reisekosten werden vom ersten Lohn abgezogen")],
    ),
    (
        "Bookings only through my manager. Does not speak the local language.",
        "en",
        [
            ("third_party_control", "Bookings only through my manager"),
            ("restricted_communication", "Does not speak the local language"),
        ],
    ),
    (
        "We lend you the money for the trip, you pay it back through work.",
        "en",
        # Issue #12: the loan and its repayment are one piece of evidence.
        [("debt_bondage", "lend you the money for the trip, you pay it back")],
    ),
    # Not indicators.
    ("Work in Germany, team wanted", "en", []),
    ("Работа за границей: уборщик, Германия", "ru", []),
    ("Trabajo en el extranjero: Alemania", "es", []),
    ("Паспорт остаётся у вас, экзотические фрукты в подарок.", "ru", []),
    ("Паспорт залишається у вас.", "uk", []),
    ("Book your trip in advance", "en", []),
    ("18+ only, nobody under 16 allowed", "en", []),
    ("16 years of experience in plumbing", "en", []),
    ("Our company has 16 years of history", "en", []),
    ("We are a young dynamic team looking for a waiter", "en", []),
    ("Wij zoeken een schoonmaker voor 20 uur per week", "nl", []),
    ("Сдается квартира рядом с метро", "ru", []),
    ("Au pair for children aged 12 and 14", "en", []),
    ("Open from 10 to 17, 15 minutes from the station", "en", []),
    ("On tourism and hospitality", "en", []),
    ("The apartment is close to the station", "en", []),
]


@pytest.mark.parametrize(("text", "lang", "expected"), CASES, ids=[c[0][:40] for c in CASES])
def test_find_indicators(text: str, lang: str, expected: list[tuple[str, str]]) -> None:
    assert [(h.id, h.evidence) for h in find_indicators(text, lang)] == expected


def test_language_is_detected_when_not_given() -> None:
    hits = find_indicators("Nieuw in de stad, net aangekomen, bel mij")
    assert [(h.id, h.lang) for h in hits] == [("movement", "nl"), ("movement", "nl")]


def test_weak_forms_carry_a_lower_weight() -> None:
    (strong,) = find_indicators("Available 24/7", "en")
    (weak,) = find_indicators("Start immediately", "en")
    assert strong.weight == 1.0
    assert weak.id == "unrealistic_offer" and weak.weight < 1.0
    # Issue #12: a support desk open 24/7 is a look-alike (a guard word), not a weak hit.
    assert find_indicators("We offer 24/7 customer support", "en") == []


def test_age_field_under_18_is_minor_age_stated() -> None:
    (hit,) = find_indicators("Profile", "en", fields={"age": "16"})
    assert (hit.id, hit.evidence, hit.field) == ("minor_age_stated", "16", "age")
    assert find_indicators("Profile", "en", fields={"age": "21"}) == []


def test_every_lexicon_covers_every_text_indicator() -> None:
    load_lexicons()
    langs = available_languages()
    assert {"en", "nl", "de", "ro", "uk", "ru", "es"} <= set(langs)
    wanted = set(INDICATOR_IDS) - {"minor_age_stated"}
    for lang in langs:
        assert set(indicators._lexicon(lang)) == wanted, lang


@pytest.mark.parametrize(
    ("content", "field", "reason"),
    [
        (
            "indicators:\n  movemnt:\n    - new in town\n",
            "indicators.movemnt",
            "unknown indicator id",
        ),
        ("indicators:\n  movement: []\n", "indicators.movement", "non-empty list"),
        (
            "indicators:\n  movement:\n    - {phrase: new in town, weight: 2}\n",
            "indicators.movement[0].weight",
            "(0, 1]",
        ),
        (
            "indicators:\n  movement:\n    - ab* cd\n",
            "indicators.movement[0]",
            "at least 3 letters",
        ),
        ("indicators:\n  movement:\n    - new (in town\n", "indicators.movement[0]", "parentheses"),
        ("lang: en\n", "indicators", "mapping"),
        (
            "hundreds: [cent, deux cents]\nindicators:\n  movement:\n    - new in town\n",
            "hundreds",
            "100 to 900",
        ),
        (
            "hundreds: [a, b, c, d, e, f, g, h, {x: 1}]\n"
            "indicators:\n  movement:\n    - new in town\n",
            "hundreds[8]",
            "must be a word",
        ),
        (
            "hundred: [hundred]\nindicators:\n  movement:\n    - new in town\n",
            "hundred",
            "separated by '|'",
        ),
        (
            "id_words: invoice|order no\nindicators:\n  movement:\n    - new in town\n",
            "id_words",
            "'order no' is not one word",
        ),
    ],
)
def test_lexicon_errors_name_file_field_and_reason(
    tmp_path: Path, content: str, field: str, reason: str
) -> None:
    path = tmp_path / "xx.yaml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(LexiconError) as err:
        indicators._read_lexicon(path)
    message = str(err.value)
    assert str(path) in message and f"'{field}'" in message and reason in message


def test_sentence_around_cuts_sentences_as_the_whole_text_split_does() -> None:
    import bisect
    import random

    from crawler.extract.indicators import _SENTENCE_END, _sentence_around

    rng = random.Random(7)
    for _ in range(3000):
        text = "".join(rng.choice("ab .!?;\n12٣") for _ in range(rng.randint(0, 24)))
        ends = [0, *(m.end() for m in _SENTENCE_END.finditer(text)), len(text)]
        for at in range(len(text)):
            k = bisect.bisect_right(ends, at) - 1
            assert _sentence_around(text, at, {}) == (ends[k], ends[k + 1]), (text, at)


def test_age_numbers_from_digit_runs_match_the_regex() -> None:
    import random

    from crawler.extract.indicators import _AGE_NUMBER, _age_numbers
    from crawler.extract.language import TextWords

    rng = random.Random(5)
    alphabet = "1111100234567789.,:/+-- ab\n\u0661\U0001e951é–"
    for _ in range(20000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randrange(12)))
        words = TextWords.of(text)
        expected = [m.span() for m in _AGE_NUMBER.finditer(words.lower)]
        assert _age_numbers(words.lower, words.digit_runs) == expected, text
