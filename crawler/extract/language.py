"""Language identification for listing text: small, fast and dependency-free.

Cyrillic text is told apart by letters only one of Ukrainian and Russian uses, then by
function words; Latin text by counting very common function words per language, with
language-specific diacritics as a tie-breaker. Supported: en, nl, de, ro, es, fr, it, pl,
uk, ru. Returns None when the text is too short or ambiguous to say. No settings.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass


def _words(spaced: str) -> frozenset[str]:
    return frozenset(spaced.split())


# Function words only: they occur in every ad whatever its topic, and rarely in the
# other languages. Words shared between languages (e.g. "de", "in", "a") are left out.
_STOPWORDS: dict[str, frozenset[str]] = {
    "en": _words(
        "all and are call can for from have here job just new not only our please that the "
        "this very what when who will with work you your as by or to"
    ),
    "nl": _words(
        "alleen bel bij deze een en geen graag het hier ik je jij maar met mij naar niet "
        "nieuw nieuwe ons onze ook uur van voor werk wij wordt zijn"
    ),
    "de": _words(
        "arbeit auch bei bitte das der die ein eine für hier ich ist kein keine mich mit nach "
        "neu nicht nur sehr sind stunde und uns unser wir wird zu oder"
    ),
    "ro": _words(
        "aici care cu din doar este fara foarte fără lucru mai munca muncă ne noi nu ora pe "
        "pentru sau si sunt vă și"
    ),
    "es": _words(
        "aqui aquí años chica chicas ciudad como el empleo estoy está hora las llegada "
        "llámame los muy necesitamos nueva nuevo ofrecemos para pero por recién sin somos su "
        "sueldo también trabajo y se al cerca mes piso habitaciones alquila del precio tarifas "
        "teléfono correo solo pago gracias"
    ),
    "fr": _words(
        "ans arrivée aussi avec comme des du emploi est et fille filles heure ici le les mais "
        "nous nouvelle offrons pas pour sans seulement suis travail très une ville vous"
    ),
    "it": _words("della gli lavoro lo molto non nuova nuovo qui senza siamo sono è"),
    "pl": _words(
        "bardzo bez dla godzina jest jestem jesteśmy lub na nie nowa oraz praca sie się tu "
        "tylko w z"
    ),
    "uk": _words(
        "або без ви від година для дуже з його ми на не нова робота та тут тільки у це що як є і її"
    ),
    "ru": _words(
        "без в вы для его есть её и или как мы на не новая от очень работа с только тут час что это"
    ),
}

_DIACRITICS: dict[str, str] = {
    "ro": "șțăşţ",
    "es": "ñ¿¡",
    "de": "ßäöü",
    "pl": "ąęłśżźćń",
    "fr": "çèêàœ",
    "nl": "ĳ",
}

_WORD = re.compile(r"[^\W_]+")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_UK_ONLY = re.compile(r"[іїєґІЇЄҐ]")
_RU_ONLY = re.compile(r"[ыэъёЫЭЪЁ]")
_LATIN_LANGS = ("en", "nl", "de", "ro", "es", "fr", "it", "pl")
_WORD_LANGS: dict[str, tuple[str, ...]] = {}
for _lang, _words in _STOPWORDS.items():
    for _w in _words:
        _WORD_LANGS[_w] = (*_WORD_LANGS.get(_w, ()), _lang)
_DIACRITIC_LANG = {ch: lang for lang, marks in _DIACRITICS.items() for ch in marks}
_DIACRITIC_RE = re.compile(f"[{''.join(_DIACRITIC_LANG)}]")

# Scanning the first few KB is enough to decide; long pages cost no more than short ones.
_SAMPLE = 3000


@dataclass(frozen=True)
class TextWords:
    """The words of one text, split once and shared by the extractors.

    `lower` is the lower-cased text (same offsets as the text, or the text itself in
    the rare Unicode cases where lower-casing changes lengths); `words` its lower-cased
    words in order; `unique` the set of them. Built with C-level regex and set
    operations, because per-word Python loops were the largest cost of extract().
    """

    text: str
    lower: str
    words: list[str]
    unique: frozenset[str]

    @classmethod
    def of(cls, text: str) -> TextWords:
        low = text.lower()
        if len(low) != len(text):
            # Keep offsets: characters whose lower case is longer ("İ") stay as they are.
            low = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
        words = _WORD.findall(low)
        return cls(text, low, words, frozenset(words))


def detect_language(text: str, words: TextWords | None = None) -> str | None:
    """ISO 639-1 code of the main language of `text`, or None when it cannot tell.

    `words` is TextWords.of(text) when the caller has it already.
    """
    if not text:
        return None
    sample = text[:_SAMPLE]
    if words is None or len(text) > _SAMPLE:
        words = TextWords.of(sample)
    letters = sum(map(len, words.words))
    if not letters:
        return None
    counts = Counter(words.words)
    scores: dict[str, float] = {}
    for w in counts.keys() & _WORD_LANGS.keys():
        for lang in _WORD_LANGS[w]:
            scores[lang] = scores.get(lang, 0.0) + counts[w]
    cyrillic = 0
    if _CYRILLIC.search(sample):
        # Cyrillic letters take two bytes in UTF-8: the byte surplus counts them (and any
        # other non-ASCII letters) in C, far faster than a findall over the text.
        cyrillic = len(sample.encode("utf-8", "replace")) - len(sample)
    if cyrillic >= 4 and cyrillic >= 0.3 * letters:
        uk = scores.get("uk", 0.0) + 2 * len(_UK_ONLY.findall(sample))
        ru = scores.get("ru", 0.0) + 2 * len(_RU_ONLY.findall(sample))
        if uk == ru:
            return None
        return "uk" if uk > ru else "ru"
    latin = {lang: scores.get(lang, 0.0) for lang in _LATIN_LANGS}
    marks: Counter[str] = Counter(_DIACRITIC_LANG[ch] for ch in _DIACRITIC_RE.findall(sample))
    for lang, n in marks.items():
        latin[lang] += min(n, 5) * 0.5
    best = max(latin, key=latin.__getitem__)
    top = latin[best]
    if top < 1.0:
        return None
    if sum(1 for v in latin.values() if v == top) > 1:
        return None
    return best
