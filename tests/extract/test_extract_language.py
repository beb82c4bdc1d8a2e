"""Case table for crawler.extract.language.detect_language."""

from __future__ import annotations

import pytest

from crawler.extract.language import detect_language

CASES = [
    ("en", "New in town, just arrived. Call me, I am available for you all week."),
    ("en", "We are looking for workers, no experience needed, accommodation provided."),
    ("nl", "Nieuw in de stad, net aangekomen. Bel mij, ik ben er voor jou."),
    ("nl", "Wij zoeken medewerkers, geen ervaring nodig, huisvesting wordt geregeld."),
    ("de", "Neu in der Stadt, gerade angekommen. Ruf mich an, ich bin für dich da."),
    ("de", "Wir suchen Mitarbeiter, keine Erfahrung nötig, die Unterkunft wird gestellt."),
    ("ro", "Nouă în oraș, abia am sosit. Sună-mă, sunt aici pentru tine."),
    ("ro", "Căutăm muncitori, fără experiență, cazare și transport asigurate."),
    ("uk", "Нова в місті, щойно приїхала. Телефонуйте, я тут тільки для вас."),
    ("uk", "Шукаємо працівників, досвід не потрібен, житло надається."),
    ("ru", "Новая в городе, только приехала. Звоните, я здесь только для вас."),
    ("ru", "Ищем работников, опыт не нужен, жильё предоставляется."),
    ("es", "Nueva en la ciudad, recién llegada. Llámame, estoy aquí para ti."),
    ("es", "Buscamos trabajadores, sin experiencia, ofrecemos alojamiento y transporte."),
    ("fr", "Nouvelle en ville, je suis arrivée hier. Appelez-moi, nous sommes là pour vous."),
    ("it", "Nuova in città, sono appena arrivata. Non sono qui per molto tempo."),
    ("pl", "Nowa w mieście, właśnie przyjechała. Jestem tu tylko dla ciebie."),
    (None, ""),
    (None, "12345 67890"),
    (None, "!!! ??? ..."),
]


@pytest.mark.parametrize(("expected", "text"), CASES, ids=[f"{c[0]}:{c[1][:24]}" for c in CASES])
def test_detect_language(expected: str | None, text: str) -> None:
    assert detect_language(text) == expected


def test_long_text_costs_no_more_than_its_start() -> None:
    text = CASES[2][1] + " " + "x" * 100_000
    assert detect_language(text) == "nl"


def test_mark_letters_are_found_without_lower_casing_the_text() -> None:
    # language_scores looks for _MARK_OF's characters in the text itself: that finds the
    # marks of text.lower() only if every character that lower-cases to a mark is listed
    # and lower-cases to that one character.
    import sys

    from crawler.extract.language import _MARK_OF, _MARKS

    for cp in range(sys.maxunicode + 1):
        ch = chr(cp)
        low = ch.lower()
        if any(c in _MARKS for c in low):
            assert _MARK_OF.get(ch) == low, hex(cp)
        else:
            assert ch not in _MARK_OF, hex(cp)


@pytest.mark.parametrize("lead", [0, 1000, 1100, 1500])
def test_scripts_and_main_script_read_the_text_as_text_scripts_and_script_do(lead: int) -> None:
    from crawler.extract.language import _SAMPLE, TextWords, _script, text_scripts

    for body in ("Новая в городе, только приехала", "Ελλάδα και Αθήνα", "ახალი ქალაქში"):
        text = "x" * lead + " Ünïcode " + body + " and Latin words"
        words = TextWords.of(text)
        assert words.scripts == text_scripts(text)
        assert words.main_script == _script(text[:_SAMPLE])


def test_words_are_the_runs_of_letters_and_digits_whatever_the_way_of_splitting() -> None:
    import random

    from crawler.extract.language import _WORD, _words

    rng = random.Random(3)
    pool = "abcXYZ019_ ?!.,-/€£«»😀\n\tабвгдеёжзийіїєґђјљњћџыэъ№ ÉéßøæΣσαβγ ქართ ١٢ ¹²½"
    for _ in range(3000):
        text = "".join(rng.choice(pool) for _ in range(rng.randint(0, 40)))
        words, latin_only, ascii_bytes = _words(text)
        assert words == _WORD.findall(text), text
        assert latin_only == all(c.isascii() for w in words for c in w), text
        assert ascii_bytes == text.encode("ascii", "replace"), text


def test_digit_runs_are_the_runs_of_ascii_digits() -> None:
    # TextWords.digit_runs searches bytes, not the text: it must find what [0-9]+ finds,
    # with the offsets of the text, whatever its script, digits and width.
    import random
    import re

    from crawler.extract.language import TextWords

    rng = random.Random(4)
    pool = "0123456789 0 12abc?€£😀\nабвгаб ΣσİßÉé١٢¹½-.,"
    texts = ["", "1", "abc", "12 34", "а0б1", "€100", "😀12😀3", "İ5 77"]
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(0, 60))) for _ in range(3000)]
    for text in texts:
        expected = [m.span() for m in re.finditer(r"[0-9]+", text)]
        for words in (TextWords.of(text), TextWords(text, text, [], frozenset())):
            starts, ends = words.digit_runs
            assert list(zip(starts, ends, strict=True)) == expected, text


def test_fold_by_codec_table_is_the_general_fold() -> None:
    # fold() folds text that a one-byte codec encodes (Latin-1, cp1252, ISO 8859-16,
    # cp1250, cp1251) by a byte table: the same text as str.lower and the per-character
    # replacements, for every character of those codecs and for mixtures that need a
    # second codec or none ("€" with Cyrillic, "ș" with "ř", Greek, emoji).
    import contextlib
    import random

    from crawler.extract.normalise import _FOLD_CODECS, _fold_general, fold

    chars: list[str] = []
    for codec in _FOLD_CODECS:
        for b in range(256):
            with contextlib.suppress(UnicodeDecodeError):
                chars.append(bytes([b]).decode(codec))
    for ch in set(chars):
        if not ch.isascii():
            assert fold(ch) == _fold_general(ch), ch
    rng = random.Random(12)
    extra = list("ΣΑΣ ελλάδα İǣ\u212a😀ř") + [chr(rng.randrange(0x100, 0x3000)) for _ in range(200)]
    texts = ["Straße 150€", "NOUĂ ÎN ORAȘ?", "Новая в городе, 150 €", "ș and ř", "ΣΑΣ"]
    for _ in range(4000):
        pool = rng.choice([chars, chars + extra, extra + list("abc ABC`")])
        texts.append("".join(rng.choice(pool) for _ in range(rng.choice([1, 4, 30, 200]))))
    for text in texts:
        if not text.isascii():
            assert fold(text) == _fold_general(text), text


def test_marks_are_found_in_order_either_way() -> None:
    # Language scores add the weights of letters with diacritics in the order they occur;
    # in text with few non-ASCII characters they are found at the "?" of its ASCII
    # encoding: the same letters, in the same order, as the regex finds.
    import random

    from crawler.extract.language import _MARK_INFO, _MARK_RE, _marks_in

    rng = random.Random(5)
    marks = sorted(_MARK_INFO)
    pool = list("abc ?€’é") + marks
    texts = ["", "?", "Straße, ¿qué? 150€", "ĲSSEL ẞ Å ы"]
    for _ in range(3000):
        share = rng.choice([0.01, 0.05, 0.3, 0.9])
        n = rng.choice([5, 60, 400])
        texts.append(
            "".join(
                rng.choice(pool) if rng.random() < share else rng.choice("ab ?") for _ in range(n)
            )
        )
    for text in texts:
        assert _marks_in(text) == _MARK_RE.findall(text), text


@pytest.mark.parametrize(
    ("expected", "text", "hint"),
    [
        # A spelled-out e-mail's domain is not Portuguese "com"; one name-like word of
        # another language does not outweigh the country.
        ("sv", "Mejla sara snabel-a example punkt com", "sv"),
        ("hu", "e-mail: kata kukac example pont com", "hu"),
        # Two English words outweigh the country.
        ("en", "Room in Antwerp", "nl"),
    ],
)
def test_short_text_takes_the_country_language_on_one_word_of_evidence(
    expected: str, text: str, hint: str
) -> None:
    assert detect_language(text, hint=hint) == expected
