"""Language identification for listing text, for the 23 languages of the lexicons.

The script decides first: Georgian letters mean ka, Greek el; Cyrillic text is uk, ru or
sr (letters only one of them uses, then words); Latin text is any of the Latin-script
languages, or Russian and Ukrainian transliterated ("tolko priehala"). Within a script,
each language scores the distinct words of the text found in its lexicon's `detect`
list (function words and common ad words; a word shared by several languages counts for
each in part) plus letters with diacritics that few languages use. Returns None when the
text is too short or ambiguous to say. `detect_languages` ranks every language that
scores close to the best, for mixed-language ads. No settings.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass
from functools import cache
from operator import itemgetter
from typing import Any, Generic, TypeVar, overload

from crawler.extract.normalise import fold, fold_encoded

_WORD = re.compile(r"[^\W_]+")
_FIRST3, _FIRST4, _FIRST5 = (itemgetter(slice(n)) for n in (3, 4, 5))


@cache  # on first use: importing a codec costs every process start a little
def _word_bytes(codec: str) -> bytes:
    """A bytes.translate table for text encoded with a one-byte `codec`: the bytes of
    letters and digits (str.isalnum, what the regex \\w is besides "_") stay, every other
    byte becomes a space."""
    out = bytearray(range(256))
    for b in range(256):
        try:
            keep = bytes([b]).decode(codec).isalnum()
        except UnicodeDecodeError:
            keep = False
        if not keep:
            out[b] = 32
    return bytes(out)


# One-byte codecs that hold every letter of folded text in the Latin script (fold leaves
# no Latin diacritics) and, for cp1251, in Cyrillic (the letters of uk, ru and sr).
_WORD_CODECS = ("ascii", "cp1251")


def _words(
    low: str, fold_codec: str | None = None, folded: bytes = b""
) -> tuple[list[str], bool, bytes]:
    """_WORD.findall(low), by the fastest way for the text at hand, whether every word is
    ASCII (then the text is in the Latin script alone: fold leaves no Latin diacritics),
    and low.encode("ascii", "replace") (one byte a character: see TextWords.digit_runs).

    The words are the runs of letters and digits. When a one-byte codec holds every letter
    and digit of the text, the text is encoded with it (anything else becomes "?"), every
    byte that is not a letter or digit becomes a space, and split does the rest: several
    times faster than a regex, which tests each character's Unicode category.
    `fold_codec` is the one-byte codec that folded the text, when one did, and `folded`
    the folded text in it (normalise.fold_encoded): after ASCII, that codec holds every
    character and its bytes are there already.
    """
    ascii_bytes = b""
    for codec in _WORD_CODECS:
        if ascii_bytes and fold_codec is not None:
            words = folded.translate(_word_bytes(fold_codec)).decode(fold_codec).split()
            return words, False, ascii_bytes
        encoded = low.encode(codec, "replace")
        if not ascii_bytes:
            ascii_bytes = encoded
        # Each "?" is a "?" of the text or a character the codec lacks: a symbol or emoji
        # is a space either way, a letter or digit means that this codec cannot split.
        at = encoded.find(b"?")
        while at >= 0 and not low[at].isalnum():
            at = encoded.find(b"?", at + 1)
        if at < 0:
            words = encoded.translate(_word_bytes(codec)).decode(codec).split()
            return words, codec == "ascii", ascii_bytes
    return _WORD.findall(low), False, ascii_bytes


# Letters with diacritics that point at a few languages: letter -> (languages, weight).
_MARKS: dict[str, tuple[tuple[str, ...], float]] = {}
for _letters, _langs, _weight in (
    ("ș ț ă", ("ro",), 1.0),
    ("ş ţ", ("ro",), 0.6),
    ("ñ ¿ ¡", ("es",), 1.0),
    ("ß", ("de",), 1.0),
    ("ł ś ż ź ń", ("pl",), 1.0),
    ("ą ę", ("pl", "lt"), 0.5),
    ("ć", ("pl", "sr"), 0.5),
    ("œ è ê û ù î", ("fr",), 0.6),
    ("ç", ("fr", "pt", "sq"), 0.3),
    ("à", ("fr", "it", "pt"), 0.3),
    ("ã õ", ("pt",), 1.0),
    ("ì ò", ("it",), 0.8),
    ("ř ů ě", ("cs",), 1.0),
    ("ť ď ň", ("cs", "sk"), 0.6),
    ("ľ ĺ ŕ ô", ("sk",), 1.0),
    ("ő ű", ("hu",), 1.0),
    ("þ ð", ("is",), 1.0),
    ("æ", ("is",), 0.5),
    ("ė ų ū į", ("lt",), 1.0),
    ("ë", ("sq",), 0.8),
    ("đ", ("sr",), 1.0),
    ("č š ž", ("cs", "sk", "sl", "sr", "lt"), 0.2),
    ("å", ("sv",), 0.8),
    ("ä ö", ("de", "fi", "sv", "sk", "hu", "is"), 0.15),
    ("ü", ("de", "hu"), 0.3),
    ("ĳ", ("nl",), 1.0),
    ("і ї є ґ", ("uk",), 1.0),
    ("ы э ъ ё", ("ru",), 1.0),
    ("ђ ј љ њ ћ џ", ("sr",), 1.0),
):
    for _ch in _letters.split():
        _MARKS[_ch] = (_langs, _weight)
# The mark letters and every character that str.lower() turns into one (capitals, "ẞ",
# the Angstrom sign), each to its lower case: looking for these in the text itself finds
# the marks of text.lower() in the same order, without lower-casing a whole sample first.
# (Every character whose lower case holds a mark lowers to that one mark alone; the
# language tests check this over all of Unicode.)
_MARK_OF = {
    c: c.lower()
    for c in {*_MARKS, *(m.upper() for m in _MARKS), "\u1e9e", "\u212b"}
    if c.lower() in _MARKS
}
_MARK_RE = re.compile("[" + "".join(sorted(_MARK_OF)) + "]")
_MARK_INFO = {c: _MARKS[low] for c, low in _MARK_OF.items()}  # _MARKS[_MARK_OF[c]]

# Runs of each script's letters (counted by their lengths: fewer strings than one a letter).
# (Written "[a][a]*", not "[a]+": a pattern that opens with a class lets the engine skip
# ahead to that class, one that opens with a repeat is tried at every position.)
_SCRIPT_RUNS = {
    "cyrillic": re.compile(r"[\u0400-\u04ff][\u0400-\u04ff]*"),
    "greek": re.compile(r"[\u0370-\u03ff][\u0370-\u03ff]*"),
    "georgian": re.compile(r"[\u10a0-\u10ff][\u10a0-\u10ff]*"),
}
_LATIN_RE = re.compile(r"[A-Za-z\u00c0-\u024f]")
_LATIN_RUNS = re.compile(r"[A-Za-z\u00c0-\u024f][A-Za-z\u00c0-\u024f]*")
# Scanning the first KB or so is enough to decide; long pages cost no more than short ones.
_SAMPLE = 1200
_SAMPLE_WORDS = 150
# bytes.translate table: ASCII digits -> "0", every other byte -> " " (see digit_runs)
_DIGIT_MARKS = bytes(48 if 48 <= b <= 57 else 32 for b in range(256))


_T = TypeVar("_T")


class _once(Generic[_T]):  # noqa: N801 (used as a decorator, like functools.cached_property)
    """functools.cached_property without its lock: Python 3.11's takes an RLock on every
    first read, which cost more than most of the values TextWords computes (one object
    is read by one thread). The value goes into the instance's __dict__, where later
    reads find it without calling the descriptor."""

    def __init__(self, func: Callable[[Any], _T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    @overload
    def __get__(self, instance: None, owner: type | None = None) -> _once[_T]: ...
    @overload
    def __get__(self, instance: object, owner: type | None = None) -> _T: ...
    def __get__(self, instance: object | None, owner: type | None = None) -> _T | _once[_T]:
        if instance is None:
            return self
        value = instance.__dict__[self.name] = self.func(instance)
        return value


@dataclass(frozen=True)
class TextWords:
    """The words of one text, split once and shared by the extractors.

    `lower` is the folded text (lower case, no diacritics, same offsets as the text, see
    crawler.extract.normalise.fold); `words` its words in order; `unique` the set of them.
    """

    text: str
    lower: str
    words: list[str]
    unique: frozenset[str]
    latin_only: bool = False  # True when every word is ASCII once folded
    # lower.encode("ascii", "replace"), when TextWords.of made it (see digit_runs)
    ascii_bytes: bytes = b""
    # `text` encoded with the one-byte codec that folded it, when fold used one (see
    # normalise.fold_encoded and _marks_in)
    codec: str | None = None
    encoded: bytes = b""

    @_once
    def prefixes(self) -> AbstractSet[str]:
        """The first three, four and five letters of every word (stems are matched on those)."""
        # By C-level slicing; words shorter than three letters come in whole, and no key
        # the prefixes are matched against is that short. A set, not a frozen copy of it:
        # nothing changes it, and every use is a membership test, an intersection or a
        # loop whose results are sorted.
        unique = self.unique
        out = set(map(_FIRST3, unique))
        out.update(map(_FIRST4, unique), map(_FIRST5, unique))
        return out

    @_once
    def digit_runs(self) -> tuple[list[int], list[int]]:
        """Starts and ends of the runs of ASCII digits in `text`, in order: one scan shared
        by the price and phone extractors, which look for numbers from each digit on.

        Not a regex scan ([0-9]+ tests every character against its class): the text
        encoded as ASCII with "?" for every other character (one byte a character, so
        the offsets are the text's) has each digit turned into "0" and every other byte
        into a space, and each run is then two byte searches (memchr). Folding keeps every
        ASCII digit where it is and makes no others, so the folded text's bytes serve."""
        encoded = self.ascii_bytes
        if len(encoded) != len(self.text):
            encoded = self.text.encode("ascii", "replace")
        find = encoded.translate(_DIGIT_MARKS).find
        starts: list[int] = []
        ends: list[int] = []
        at = find(48)  # b"0"
        while at >= 0:
            starts.append(at)
            at = find(32, at)  # b" "
            if at < 0:
                ends.append(len(encoded))
                break
            ends.append(at)
            at = find(48, at)
        return starts, ends

    @_once
    def scripts(self) -> tuple[str, ...]:
        """The scripts of the text (see text_scripts)."""
        if self.latin_only or self._non_latin_at < 0:
            return ("latin",)
        return _scripts_with(self._first_window_script, self.text)

    @_once
    def main_script(self) -> str:
        """The script of the text's first part (see language_scores)."""
        if self.latin_only:  # before _non_latin_at: that would scan the whole text
            return "latin"
        at = self._non_latin_at
        if not 0 <= at < _SAMPLE:
            return "latin"
        # _script(text[:_SAMPLE]) reads the window from the first non-Latin letter: the
        # one text_scripts reads unless the sample cuts it short.
        if at + _WINDOW <= _SAMPLE:
            return self._first_window_script
        return _window_script(self.text[at:_SAMPLE])

    @_once
    def _non_latin_at(self) -> int:
        """Where the first Greek, Cyrillic or Georgian letter is, or -1 (one scan for both
        scripts and main_script)."""
        first = _NON_LATIN.search(self.text)
        return -1 if first is None else first.start()

    @_once
    def _first_window_script(self) -> str:
        at = self._non_latin_at
        return _window_script(self.text[at : at + _WINDOW])

    @classmethod
    def of(cls, text: str) -> TextWords:
        codec, encoded, folded = None, b"", b""
        if len(text) < 64 or text.isascii():
            low = fold(text)
        else:
            low, codec, encoded, folded = fold_encoded(text)
        words, latin_only, ascii_bytes = _words(low, codec, folded)
        return cls(text, low, words, frozenset(words), latin_only, ascii_bytes, codec, encoded)


@cache
def _word_langs() -> dict[str, dict[str, list[list[Any]]]]:
    """script -> folded word -> [[language, weight], ...] (compiled ahead of time)."""
    from crawler.extract.lexicon_cache import cached_detection

    return cached_detection() or build_word_langs()


def build_word_langs() -> dict[str, dict[str, list[list[Any]]]]:
    """The detection table from the lexicons.

    A language's `detect` words weigh 1, the other words of its lexicon (indicator
    phrases, rate and currency words, digits, guards) 0.5; a word several languages
    share is split between them.
    """
    from crawler.extract.lexicon import available_languages, full_language

    by_script: dict[str, dict[str, dict[str, float]]] = {}
    for data in map(full_language, available_languages()):
        vocabulary = _vocabulary(data)
        for script in data.scripts:
            table = by_script.setdefault(script, {})
            for w in vocabulary:
                table.setdefault(w, {})[data.lang] = 0.5
            for w in data.detect:
                table.setdefault(w, {})[data.lang] = 1.0
    return {
        script: {
            w: [[lang, weight / len(langs)] for lang, weight in sorted(langs.items())]
            for w, langs in sorted(t.items())
        }
        for script, t in by_script.items()
    }


def _vocabulary(data) -> set[str]:
    """Whole words (three letters or more) of a lexicon besides its detect list."""
    from crawler.extract.lexicon import LATIN_GATE

    texts: list[str] = []
    for entries in data.indicators.values():
        # Not the Latin spellings that need a Latin-letters context (Greeklish): detection
        # knows such a language in its own script only (see indicators.LATIN_ONLY).
        texts += [fold(e.phrase) for e in entries if LATIN_GATE not in e.needs]
    # Not the `priced` words ("~telefon", "~samsung"): what an amount prices, no rate words.
    texts += [w for w in data.units if w[:1] != "~"] + list(data.currencies) + list(data.digits)
    contexts = [words for name, words in data.contexts.items() if name != LATIN_GATE]
    for words in (*data.guards.values(), *contexts):
        texts += words
    out: set[str] = set()
    for t in texts:
        for m in _PHRASE_WORD.finditer(t):
            if t[m.end() : m.end() + 1] != "*" and len(m.group(0)) >= 3:
                out.add(m.group(0))
    return out


_PHRASE_WORD = re.compile(r"[^\W\d_]+")
# Countries whose language is a fair guess for a text too short to tell.
COUNTRY_LANGUAGE = {
    "GB": "en", "IE": "en", "US": "en", "CA": "en", "AU": "en", "NZ": "en", "MT": "en",
    "NL": "nl", "BE": "nl", "DE": "de", "AT": "de", "CH": "de", "LI": "de", "FR": "fr",
    "LU": "fr", "ES": "es", "IT": "it", "PT": "pt", "BR": "pt", "PL": "pl", "RO": "ro",
    "MD": "ro", "HU": "hu", "CZ": "cs", "SK": "sk", "SI": "sl", "GR": "el", "CY": "el",
    "FI": "fi", "SE": "sv", "LT": "lt", "IS": "is", "AL": "sq", "XK": "sq", "RS": "sr",
    "ME": "sr", "BA": "sr", "GE": "ka", "UA": "uk", "RU": "ru", "BY": "ru",
}  # fmt: skip
# The country's language counts this much more when the words leave a near tie.
HINT_FACTOR = 1.3
# Below this best score (one word of one language), the country's language wins.
_WEAK = 1.2


_NON_LATIN = re.compile(r"[\u0370-\u03ff\u0400-\u04ff\u10a0-\u10ff]")


_WINDOW = 160  # letters from the first non-Latin one: enough to tell the script


def _script(sample: str) -> str:
    if sample.isascii():
        return "latin"
    first = _NON_LATIN.search(sample)
    if first is None:
        return "latin"
    return _window_script(sample[first.start() : first.start() + _WINDOW])


def _window_script(sample: str) -> str:
    """The script of a sample that opens with its first non-Latin letter."""
    counts = {name: sum(map(len, rx.findall(sample))) for name, rx in _SCRIPT_RUNS.items()}
    name, n = max(counts.items(), key=lambda kv: kv[1])
    latin = sum(map(len, _LATIN_RUNS.findall(sample))) if n else 1
    if n >= 2 and n >= 0.3 * latin:
        return name
    return "latin"


def language_scores(text: str, words: TextWords | None = None) -> dict[str, float]:
    """Each candidate language's score for `text` (higher is more likely)."""
    if not text:
        return {}
    sample = text[:_SAMPLE]
    if words is None or words.text != text:
        words = TextWords.of(sample)
    # The first couple of hundred words tell the language as well as all of them.
    unique = (
        words.unique
        if len(words.words) <= _SAMPLE_WORDS
        else frozenset(words.words[:_SAMPLE_WORDS])
    )
    script = words.main_script
    if script == "georgian":
        return {"ka": 10.0}
    if script == "greek":
        return {"el": 10.0}
    table = _word_langs().get(script, {})
    if not unique.isdisjoint(_DOMAIN_WORDS):
        # "example dot com", "onlyfans.com/x": a domain's labels are no words of the
        # text's language (Portuguese "com", Dutch "net").
        low = words.lower
        domain: set[str] = set()
        for m in _DOMAIN_END.finditer(low, 0, len(sample)):
            before = _DOMAIN_BEFORE.search(low, max(0, m.start() - 24), m.start())
            if before is not None:
                domain.update((before.group(1), m.group(0)))
        if domain:
            unique = unique - domain
    scores: dict[str, float] = {}
    # In sorted order: float sums depend on the order of the terms, and a set's order
    # changes with the hash seed (a near tie between cs and sk went either way).
    get = scores.get
    for entries in map(table.__getitem__, sorted(unique & table.keys())):
        for lang, weight in entries:
            scores[lang] = get(lang, 0.0) + weight
    marks: dict[str, float] = {}
    # A mark whose languages all reached the cap of 3.0 below changes nothing more.
    capped: set[str] = set()
    if sample.isascii():
        found: Iterable[str] = ()
    elif words.codec is not None:
        # The text's bytes in the codec that folded it hold the sample's characters one
        # byte each: keep the marks' bytes and decode them, the marks in order.
        kept = words.encoded[:_SAMPLE].translate(None, _not_mark_bytes(words.codec))
        found = kept.decode(words.codec)
    else:
        found = _marks_in(sample)
    for ch in found:
        if ch in capped:
            continue
        langs, weight = _MARK_INFO[ch]
        done = True
        for lang in langs:
            value = marks[lang] = marks.get(lang, 0.0) + weight
            if value < 3.0:
                done = False
        if done:
            capped.add(ch)
    for lang, value in marks.items():
        if script == "cyrillic" and lang not in ("uk", "ru", "sr"):
            continue
        if script == "latin" and lang in ("uk", "ru"):
            continue
        scores[lang] = scores.get(lang, 0.0) + min(value, 3.0)
    if script == "latin":
        for lang, gate in _latin_gates():
            gated = len(unique & gate)
            if gated >= 2:
                # Greeklish: two or more of the words that show Greek written in Latin
                # letters ("stin", "kopeles", "lefta"), each a word of that language.
                scores[lang] = scores.get(lang, 0.0) + gated
    return scores


@cache
def _latin_gates() -> tuple[tuple[str, frozenset[str]], ...]:
    """(language, its `latin_letters` context words) of the languages of another script
    that ads also write in Latin letters (Greek: see lexicon._with_latin)."""
    from crawler.extract.lexicon import LATIN_GATE, all_languages

    return tuple(
        (data.lang, frozenset(w for w in data.contexts[LATIN_GATE] if " " not in w))
        for data in all_languages()
        if LATIN_GATE in data.contexts and "latin" not in data.scripts
    )


_DOMAIN_WORDS = frozenset(("com", "net", "org"))
# A domain's last label (found first, by its letters), after a dot or after a dot spelled
# out in one of the languages, and the label before it.
_DOMAIN_END = re.compile(r"(?:c(?<![^\W_]c)om|n(?<![^\W_]n)et|o(?<![^\W_]o)rg)\b")
_DOMAIN_BEFORE = re.compile(
    r"([^\W_]+)\W{0,3}(?:\.|\b(?:dot|punkt|pont|punto|ponto|point|kropka|bodka|tecka|pika"
    r"|piste|punktur|taskas|tacka|пункт|крапка|точка|τελεια)\W{0,3})$"
)


# A sample with at most this many characters outside ASCII is searched for marks by
# those characters' places (see _marks_in).
_FEW_NON_ASCII = 64


@cache
def _not_mark_bytes(codec: str) -> bytes:
    """The bytes of a one-byte codec that encode no mark letter (bytes.translate's
    delete: what is left of a text encoded with the codec is its marks)."""
    return bytes(b for b in range(256) if bytes([b]).decode(codec, "replace") not in _MARK_INFO)


def _marks_in(sample: str) -> list[str]:
    """_MARK_RE.findall(sample): the mark letters of the sample in order.

    Every mark is outside ASCII: in a sample with few such characters (a Latin-script ad
    with a "€" or a few accents) they are found at the "?" of its ASCII encoding, by byte
    searches, instead of testing each character against the class of marks."""
    encoded = sample.encode("ascii", "replace")
    if encoded.count(63) > _FEW_NON_ASCII:  # 63: "?"
        return _MARK_RE.findall(sample)
    out = []
    info = _MARK_INFO
    find = encoded.find
    at = find(63)
    while at >= 0:
        ch = sample[at]
        if ch in info:
            out.append(ch)
        at = find(63, at + 1)
    return out


def detect_languages(
    text: str, words: TextWords | None = None, hint: str | None = None
) -> list[str]:
    """Languages of `text`, best first: the best and any scoring at least half as well.

    `hint` is the language of the listing's country: it weighs a little more in a near
    tie, and it is the answer when the text has no word of any language but is written
    in that language's script.
    """
    scores = language_scores(text, words)
    if hint and hint in scores:
        scores[hint] *= HINT_FACTOR
    if not scores:
        return [hint] if hint and _hint_fits(text, hint) else []
    # Best score first, ties by language code: sorted by code, then stably by score (no
    # Python-level key function; reverse=True keeps the code order of equal scores).
    ranked = sorted(scores.items())
    ranked.sort(key=itemgetter(1), reverse=True)
    top = ranked[0][1]
    if top < 0.5 or (len(ranked) > 1 and ranked[1][1] == top and top < 2.0):
        return [hint] if hint and _hint_fits(text, hint) else []
    if (
        hint
        and top < _WEAK
        and ranked[0][0] != hint
        and _hint_fits(text, hint)
        and not _own_label(text, ranked[0][0], words)
    ):
        # One word of another language (a name, "sara", is Italian "will be") does not
        # outweigh the country: a text this short is in the country's language.
        return [hint]
    if (
        ranked[0][0] == "en"
        and hint
        and hint != "en"
        and scores.get(hint, 0.0) / HINT_FACTOR >= max(1.0, 0.5 * top)
    ):
        # English words in an ad of another country ("easy money", "flights included",
        # "DM") are the ad's loanwords: with half as many words of the country's
        # language (its function words, not a place name), it is in that language.
        ranked.sort(key=lambda kv: kv[0] != hint)
        top = ranked[0][1]
    floor = max(0.5, 0.5 * top)
    return [lang for lang, s in ranked if s >= floor][:3]


_LABEL = re.compile(r"\s*([^\W\d_]{3,})\s*:\s*[^\W\d_]")


def _own_label(text: str, lang: str, words: TextWords | None) -> bool:
    """Whether `text` opens with a field label that only `lang` has among its detect words
    ("Miasto: Warszawa"): the label is written in the text's language, the value after it
    is a name. A label several languages share ("Ort", "Location") tells nothing, and the
    country's language decides such a text, too short to tell (the contract's rule)."""
    m = _LABEL.match(text)
    if m is None:
        return False
    entries = _word_langs().get("latin", {}).get(fold(m.group(1).lower()))
    return (
        entries is not None and len(entries) == 1 and entries[0][0] == lang and entries[0][1] >= 1.0
    )


def _hint_fits(text: str, hint: str) -> bool:
    """Whether the text is written in a script of the hinted language."""
    from crawler.extract.lexicon import language

    try:
        scripts = language(hint).scripts
    except (OSError, ValueError):
        return False
    return _script(text[:_SAMPLE]) in scripts and _LETTER.search(text) is not None


_LETTER = re.compile(r"[^\W\d_]")


def text_scripts(text: str) -> tuple[str, ...]:
    """The scripts `text` is written in: its main script, and Latin when it has Latin
    letters too ("latin", "cyrillic", "greek", "georgian")."""
    if text.isascii():
        return ("latin",)
    first = _NON_LATIN.search(text)
    if first is None:
        return ("latin",)
    return _scripts_with(_window_script(text[first.start() : first.start() + _WINDOW]), text)


def _scripts_with(main: str, text: str) -> tuple[str, ...]:
    """text_scripts(text) once the script of its first non-Latin window is known."""
    if main == "latin":
        return ("latin",)
    return (main, "latin") if _LATIN_RE.search(text) else (main,)


def detect_language(
    text: str, words: TextWords | None = None, hint: str | None = None
) -> str | None:
    """ISO 639-1 code of the main language of `text`, or None when it cannot tell."""
    ranked = detect_languages(text, words, hint)
    return ranked[0] if ranked else None
