"""One transliteration table (lexicon.TRANSLIT) for Russian, Ukrainian and Greek written in
Latin letters: indicator phrases by two schemes, rate and currency words by every mix, and
Greek indicator phrases in Greeklish where the listing is Greeklish.

Texts are synthetic and clinical, written as such ads write Greek in Latin letters (χ as
"x", ω as "o" or "w", ει and οι as "i"), not taken from the case sets.
"""

from __future__ import annotations

import phonenumbers
import pytest

from crawler.extract import extract
from crawler.extract.lexicon import TRANSLIT, all_languages, latin_forms, latin_spellings
from crawler.extract.phones import extract_phones


def test_phrases_take_the_formal_and_the_casual_scheme() -> None:
    assert latin_spellings("только приехала", "ru") == ["tolko priekhala", "tolko priehala"]
    assert latin_spellings("нова в місті", "uk") == ["nova v misti"]
    # Letter pairs first, stress marks dropped: ου, ει; ω as "o" or "w".
    assert latin_spellings("δουλειά στο σπίτι", "el") == ["douleia sto spiti", "doulia sto spiti"]
    assert latin_spellings("χρήματα", "el") == ["xrimata"]
    assert latin_spellings("δωρεάν", "el") == ["dorean", "dwrean"]
    assert latin_spellings("new in town", "en") == []


def test_rate_words_take_every_mix_and_include_both_schemes() -> None:
    assert {"mesyats", "mesjac", "mesiac"} <= set(latin_forms("месяц", "ru"))
    assert {"ora", "wra"} <= set(latin_forms("ωρα", "el"))
    # The same table serves both: a rate or currency word's scheme spellings are among its
    # mixes, and the mixes stay few and ASCII.
    for data in all_languages():
        if data.lang not in TRANSLIT:
            continue
        for word in [*data.units, *data.currencies]:
            forms = latin_forms(word, data.lang)
            assert len(forms) <= 48 and all(f.isascii() for f in forms), word
            if len(forms) < 48:
                assert set(latin_spellings(word, data.lang)) <= {*forms, word}, word


def _ids(text: str, country: str | None = None) -> set[str]:
    return {hit.id for hit in extract(text, country=country).indicators}


@pytest.mark.parametrize(
    ("text", "indicator"),
    [
        ("Molis irtha stin poli, eimai edw mono gia liges meres.", "movement"),
        ("Kainouria stin poli! Kalese me twra.", "movement"),
        ("Neari kopela, eimai edw gia sena.", "youth_emphasis"),
        ("Exoume kopeles kathe mera, kleise rantevou.", "third_party_control"),
    ],
)
def test_greek_phrases_are_found_in_greeklish(text: str, indicator: str) -> None:
    assert indicator in _ids(text)
    assert indicator in _ids(text, country="GR")


def test_greeklish_phrases_need_a_greeklish_listing() -> None:
    # "νεαρ* φοιτ*" in Latin letters is "near* fit*": an English flat ad is not a youth
    # emphasis, nor any other Greek indicator.
    assert _ids("Quiet apartment near fitness centre and shops, call for a viewing.") == set()
    assert "youth_emphasis" in _ids("Eimai neari fititria, kalese me.")


def test_greeklish_negation_voids_the_phrase() -> None:
    assert "third_party_control" not in _ids("Den exoume kopeles, mono ena grafeio.")


def test_id_words_come_from_the_lexicons() -> None:
    national = str(
        phonenumbers.example_number_for_type(
            "RU", phonenumbers.PhoneNumberType.MOBILE
        ).national_number
    )
    assert extract_phones(f"tel {national}", "RU") == [f"+7{national}"]
    assert extract_phones(f"INN {national}", "RU") == []
    assert extract_phones(f"ИНН {national}", "RU") == []


def test_greeklish_words_are_no_everyday_words_of_a_latin_script_language() -> None:
    # A latin_letters word that another language uses every day ("gia" is Italian "già",
    # "kai" a name) would let Greek phrases in Latin letters loose on that language's ads.
    everyday = {w for data in all_languages() if "latin" in data.scripts for w in data.detect}
    for data in all_languages():
        gate = set(data.contexts.get("latin_letters", ()))
        assert not gate & everyday, (data.lang, sorted(gate & everyday))
