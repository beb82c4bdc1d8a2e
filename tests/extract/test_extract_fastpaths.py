"""Fast paths of extraction give what the old ways give, on random text.

Phrase groups and word lists are tried only when the text holds what one of their
entries needs (crawler.extract.indicators: _Group.possible, _entry_needs): on random
texts made of the entries' own words, every match of a group or list must be in a text
that the test lets through, and the matcher's results must be those it gives without
the tests. Language marks and the word split read from the bytes of the codec that
folded the text, and "€" text folds as Latin-1: each is compared with the general way.
"""

from __future__ import annotations

import random
import re

import pytest

from crawler.extract import indicators
from crawler.extract.indicators import _compiled, _table, available_languages, find_indicators
from crawler.extract.language import TextWords

_SEPARATORS = [" ", " ", " ", "-", ", ", ". ", "_", "'", "/", "  ", "\n", "?", " x "]
_PIECE = re.compile(r"[^\W_]+")


def _pieces(entries: list[str]) -> list[str]:
    """The entries' words, stems cut or run on, and a few words of no entry."""
    out = ["the", "a", "no", "not", "24", "7", "x"]
    for entry in entries:
        for m in _PIECE.finditer(entry):
            word = m.group(0)
            out += [word, word[:-1], word + "s", word + "ed", word[:3]]
    return [p for p in out if p]


def _text(rng: random.Random, pieces: list[str], entries: list[str]) -> str:
    parts: list[str] = []
    for _ in range(rng.randint(1, 12)):
        if rng.random() < 0.3 and entries:
            # An entry spelt out (choices, stems and gaps left as their plain words).
            entry = rng.choice(entries)
            parts.append(" ".join(_PIECE.findall(entry.replace("*", "ing"))))
        else:
            parts.append(rng.choice(pieces))
        parts.append(rng.choice(_SEPARATORS))
    return "".join(parts)


@pytest.fixture(scope="module")
def table() -> indicators._Table:
    return _table(available_languages())


def test_word_lists_are_searched_wherever_they_can_match(table: indicators._Table) -> None:
    rng = random.Random(11)
    lists = [*table.guards.values(), *table.contexts.values()]
    lists += [wl for n in range(len(table.concepts)) for wl in table.concept(n).classes]
    for wl in rng.sample(lists, min(400, len(lists))):
        pieces = _pieces(wl.entries)
        for _ in range(25):
            text = _text(rng, pieces, wl.entries)
            words = TextWords.of(text)
            folded = words.lower
            lo = rng.randrange(len(folded) + 1)
            hi = rng.randrange(lo, len(folded) + 1)
            if wl.regex().search(folded, lo, hi) or wl.regex().search(folded):
                assert wl.possible(words), (wl.entries, text)
            fast = wl.spans(words, folded, lo, hi)
            saved = wl.multi_needs
            wl.multi_needs = [(frozenset(), frozenset())]  # the old way: always search
            try:
                assert wl.spans(words, folded, lo, hi) == fast, (wl.entries, text, lo, hi)
            finally:
                wl.multi_needs = saved


def test_phrase_groups_are_tried_wherever_they_can_match(table: indicators._Table) -> None:
    rng = random.Random(12)
    for index in (table.words, table.stems):
        keys = sorted(index.groups)
        for key in rng.sample(keys, min(600, len(keys))):
            for group in index.groups_of(key):
                spellings = list(group.spellings)
                pieces = _pieces(spellings)
                pattern = _compiled(group)
                for _ in range(8):
                    text = key + rng.choice(_SEPARATORS) + _text(rng, pieces, spellings)
                    words = TextWords.of(text)
                    if pattern.match(words.lower, 0):
                        assert group.possible(words.unique, words.prefixes), (spellings, text)


def test_indicators_are_those_found_without_the_word_tests(
    table: indicators._Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    rng = random.Random(13)
    entries: list[str] = []
    for index in (table.words, table.stems):
        for key in rng.sample(sorted(index.groups), 300):
            for group in index.groups_of(key):
                entries += group.spellings
    for wl in table.guards.values():
        entries += wl.entries
    pieces = _pieces(entries)
    texts = [_text(rng, pieces, entries) for _ in range(1500)]
    fast = [find_indicators(t) for t in texts]
    monkeypatch.setattr(indicators._Group, "possible", lambda self, unique, prefixes: True)
    monkeypatch.setattr(indicators, "_any_needs", lambda needs, words: True)
    assert [find_indicators(t) for t in texts] == fast


def test_marks_read_from_the_folded_bytes_are_those_of_the_sample() -> None:
    import dataclasses

    from crawler.extract.language import _MARK_INFO, language_scores

    rng = random.Random(14)
    codecs = ("latin-1", "cp1252", "iso8859_16", "cp1250", "cp1251")
    held = {}
    for codec in codecs:
        chars = [bytes([b]).decode(codec, "replace") for b in range(32, 256)]
        held[codec] = [c for c in chars if c != "\ufffd" and c.isprintable()]
    seen = set()
    for _ in range(3000):
        codec = rng.choice(codecs)
        chars = rng.sample(held[codec], 40) + [c for c in held[codec] if c in _MARK_INFO]
        chars += list("abcdef      ")
        if rng.random() < 0.2:
            chars.append(rng.choice("ąșαж😀"))  # one the codec may lack
        text = "".join(rng.choice(chars) for _ in range(rng.randint(60, 1400)))
        words = TextWords.of(text)
        seen.add(words.codec)
        old_way = dataclasses.replace(words, codec=None, encoded=b"")
        assert language_scores(text, words) == language_scores(text, old_way), text
    assert seen >= {*codecs, None}


def test_words_split_from_the_folded_bytes_are_those_of_the_regex() -> None:
    from crawler.extract.language import _WORD, _words
    from crawler.extract.normalise import fold_encoded

    rng = random.Random(15)
    codecs = ("latin-1", "cp1252", "iso8859_16", "cp1250", "cp1251")
    seen = set()
    for _ in range(3000):
        codec = rng.choice(codecs)
        held = [bytes([b]).decode(codec, "replace") for b in range(256)]
        chars = [c for c in rng.sample(held, 60) if c != "\ufffd"] + list("ab1 _-")
        text = "".join(rng.choice(chars) for _ in range(rng.randint(64, 400)))
        if text.isascii():
            continue
        low, used, _, folded = fold_encoded(text)
        seen.add(used)
        words, latin_only, ascii_bytes = _words(low, used, folded)
        assert (words, latin_only, ascii_bytes) == _words(low), text
        assert words == _WORD.findall(low), text
    assert seen >= set(codecs)


def test_text_with_euro_signs_folds_as_by_the_general_way() -> None:
    from crawler.extract.language import _WORD, _words
    from crawler.extract.normalise import _fold_general, fold_encoded

    rng = random.Random(16)
    latin1 = [chr(c) for c in range(32, 256) if chr(c).isprintable()]
    for _ in range(3000):
        chars = [*rng.sample(latin1, 40), "\u20ac", "\u20ac", " "]
        if rng.random() < 0.2:
            chars.append(rng.choice(["\x80", "ș", "ж", "α", "😀"]))
        text = "".join(rng.choice(chars) for _ in range(rng.randint(64, 300)))
        if text.isascii():
            continue
        low, codec, raw, folded = fold_encoded(text)
        assert low == _fold_general(text), text
        if codec is not None:
            assert len(raw) == len(folded) == len(text)
            assert _words(low, codec, folded) == _words(low), text
            assert _words(low)[0] == _WORD.findall(low), text
