"""Per-language data of crawler/extract/lexicons/<lang>.yaml, read and checked once.

One file per language (our own work) holds everything language-specific that the
extractors use: words that identify the language, negation words, spelled digits,
number words and hundreds for phones, the words that make the number after them an id,
rate words per price unit, local currency words, how e-mail
"@" and "." are spelled out, the indicator phrases and the look-alike guards. Lists are
strings split on "|" (entries may contain spaces). A file that cannot be used raises
LexiconError naming the file, the field and the reason. No settings.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crawler.extract.normalise import fold_word

LEXICON_DIR = Path(__file__).with_name("lexicons")
PRICE_UNITS = ("15min", "30min", "hour", "night", "day", "week", "month", "year", "sale", "once")
SCRIPTS = ("latin", "cyrillic", "greek", "georgian")


def _yaml_load(text: str) -> Any:
    """YAML imported here: with the compiled lexicons fresh, extraction never reads YAML."""
    import yaml

    # libyaml's loader is several times faster than the pure-Python one.
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)


class LexiconError(ValueError):
    """A lexicon file that cannot be used: names the file, the field and the reason."""


@dataclass(frozen=True)
class Entry:
    """One indicator phrase: its text, weight, and the contexts it needs or must not have."""

    phrase: str
    weight: float = 1.0
    needs: tuple[str, ...] = ()  # the listing must hold a word of one of these contexts
    unless: tuple[str, ...] = ()  # ... and no word of these


@dataclass(frozen=True)
class Concept:
    """An indicator as words of several kinds in one sentence, in any order.

    `classes` are folded word lists (words, "stem*" and multi-word entries); a sentence
    that holds a word of every class is a hit: "passport" and "safe" in "Passports stay
    in the office safe until the season ends".
    """

    classes: tuple[tuple[str, ...], ...]
    weight: float = 1.0
    needs: tuple[str, ...] = ()
    unless: tuple[str, ...] = ()


@dataclass
class LanguageData:
    lang: str
    scripts: tuple[str, ...]
    detect: frozenset[str]  # folded words typical of the language
    negations: frozenset[str]  # folded words that void a phrase right after them
    digits: dict[str, int]  # folded spelled digit or number word -> value (0-99)
    plus: frozenset[str]
    repeat: dict[str, int]  # "double" -> 2, "triple" -> 3
    units: dict[str, str]  # folded rate word(s) -> unit
    currencies: dict[str, str]  # folded currency word -> ISO code
    email_at: frozenset[str]
    email_dot: frozenset[str]
    indicators: dict[str, list[Entry]]  # id -> its phrases
    guards: dict[str, list[str]] = field(default_factory=dict)  # id -> folded guard words
    contexts: dict[str, list[str]] = field(default_factory=dict)  # name -> folded words
    concepts: dict[str, list[Concept]] = field(default_factory=dict)  # id -> its concepts
    hundreds: dict[str, int] = field(default_factory=dict)  # folded "pięćset" -> 500 (100-900)
    hundred: frozenset[str] = frozenset()  # folded "hundred" after a digit word ("šest set")
    id_words: frozenset[str] = frozenset()  # folded words that make the next number an id


def _split(value: Any, path: Path, name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, list):
        items = [str(v) for v in value]
    elif isinstance(value, str | int | float):
        items = str(value).split("|")
    else:
        raise LexiconError(f"{path}: field '{name}': must be a string or a list of strings")
    return [fold_word(i) for i in items if str(i).strip()]


def _concept(rule: Any, path: Path, name: str) -> Concept:
    """A concept from "a|b* & c|d e" or {all: "...", needs: ..., unless: ..., weight: ...}."""
    extra: dict[str, Any] = {}
    if isinstance(rule, dict):
        extra, rule = rule, rule.get("all")
    if not isinstance(rule, str) or "&" not in rule:
        raise LexiconError(f"{path}: field '{name}': must be word lists joined by ' & '")
    classes = tuple(tuple(_split(part, path, name)) for part in rule.split("&"))
    if any(not c for c in classes):
        raise LexiconError(f"{path}: field '{name}': an empty word list")
    weight = extra.get("weight", 1.0)
    if not isinstance(weight, int | float) or not 0 < weight <= 1:
        raise LexiconError(f"{path}: field '{name}.weight': must be in (0, 1]")
    return Concept(
        classes,
        float(weight),
        _names(extra.get("needs"), path, f"{name}.needs"),
        _names(extra.get("unless"), path, f"{name}.unless"),
    )


def _names(value: Any, path: Path, name: str) -> tuple[str, ...]:
    if value is None:
        return ()
    items = value if isinstance(value, list) else str(value).split("|")
    if not all(isinstance(v, str) and v.strip() for v in items):
        raise LexiconError(f"{path}: field '{name}': must name contexts")
    return tuple(v.strip() for v in items)


def _single_words(value: Any, path: Path, name: str) -> frozenset[str]:
    """Folded "|"-separated entries of one word each (compared with one word of the text)."""
    if value is not None and not isinstance(value, str):
        raise LexiconError(f"{path}: field '{name}': must be words separated by '|'")
    items = _split(value, path, name)
    for item in items:
        if len(item.split()) != 1:
            raise LexiconError(f"{path}: field '{name}': {item!r} is not one word")
    return frozenset(items)


def _number_list(value: Any, path: Path, name: str, first: int, step: int) -> dict[str, int]:
    """Folded word -> value from a list of the words for first, first + step, ... (ten
    digits 0-9, nine hundreds 100-900; null where a value has no word); a word listed
    twice keeps its first value."""
    if value is None:
        return {}
    count = 10 if first == 0 else 9
    if not isinstance(value, list) or len(value) != count:
        last = first + step * (count - 1)
        raise LexiconError(
            f"{path}: field '{name}': must list the words for {first} to {last}, in order"
        )
    out: dict[str, int] = {}
    for n, words in enumerate(value):
        if words is None:
            continue  # no word for this value ("digits: [null, eins, ...]")
        item = f"{name}[{n}]"
        if not isinstance(words, str | int) or not str(words).strip():
            raise LexiconError(f"{path}: field '{item}': must be a word (or words joined by '|')")
        for w in _split(words, path, item):
            out.setdefault(w, first + step * n)
    return out


def _words(value: Any, path: Path, name: str) -> frozenset[str]:
    out: set[str] = set()
    for item in _split(value, path, name):
        out.update(item.split())
    return frozenset(out)


# Serbian Latin -> Cyrillic, letter by letter (digraphs first).
_SR_DIGRAPHS = {"lj": "љ", "nj": "њ", "dž": "џ", "Lj": "Љ", "Nj": "Њ", "Dž": "Џ"}
_SR_LETTERS = dict(
    zip(
        "abcčćdđefghijklmnoprsštuvzž",
        "абцчћдђефгхијклмнопрсштувзж",
        strict=True,
    )
)


def sr_cyrillic(text: str) -> str:
    """Serbian Latin script written in Cyrillic ("smeštaj" -> "смештај")."""
    for latin, cyr in _SR_DIGRAPHS.items():
        text = text.replace(latin, cyr)
    return "".join(_SR_LETTERS.get(ch, ch) for ch in text)


def _both(rule: str, spell: Any) -> str:
    """A concept rule whose every word list also holds the words respelled by `spell`."""
    parts = []
    for part in rule.split("&"):
        words = [w.strip() for w in part.split("|") if w.strip()]
        extra = [x for w in words for x in spell(w.lower()).split("|") if x and x != w.lower()]
        parts.append("|".join(words + extra))
    return " & ".join(parts)


def _with_cyrillic(data: dict[str, Any]) -> None:
    """Add the Cyrillic spelling of every phrase and word list of a Latin-script file."""
    for entries in (data.get("indicators") or {}).values():
        extra = []
        for entry in entries:
            phrase = entry.get("phrase") if isinstance(entry, dict) else entry
            if isinstance(phrase, str):
                cyr = sr_cyrillic(phrase.lower())
                if cyr != phrase.lower():
                    extra.append({**entry, "phrase": cyr} if isinstance(entry, dict) else cyr)
        entries.extend(extra)
    for rules in (data.get("concepts") or {}).values():
        for n, rule in enumerate(rules):
            if isinstance(rule, str):
                rules[n] = _both(rule, sr_cyrillic)
            elif isinstance(rule, dict) and isinstance(rule.get("all"), str):
                rules[n] = {**rule, "all": _both(rule["all"], sr_cyrillic)}
    for key in ("detect", "negations"):
        if isinstance(data.get(key), str):
            data[key] = data[key] + " " + sr_cyrillic(data[key])
    for section in ("units", "priced", "currencies", "guards", "contexts"):
        for name, words in (data.get(section) or {}).items():
            if isinstance(words, str):
                data[section][name] = words + "|" + sr_cyrillic(words)
    # The number words for 0-9 and for the hundreds (a list each); "hundred" (after a
    # digit word), "numbers" and the id words stay as written.
    for key in ("digits", "hundreds"):
        if isinstance(data.get(key), list):
            data[key] = [f"{w}|{sr_cyrillic(str(w))}" for w in data[key]]


# Russian, Ukrainian, Greek and Georgian as ads write them in Latin letters ("tolko
# priehala", "nova v misti", "douleia sto spiti", "gvyavs gogoebi"): the one
# transliteration table. Each letter (or Greek letter pair, read first) lists its spellings: the formal scheme's, the casual scheme's,
# then other spellings ads use ("ж": zh, zh, j). Indicator phrases, concepts and detect
# words are respelled by the two schemes (latin_spellings: at most two forms a phrase);
# rate and currency words, short and few, by every mix of spellings (latin_forms: ads
# mix the schemes within one word, "mesjats").
TRANSLIT: dict[str, dict[str, tuple[str, ...]]] = {
    "ru": {
        "а": ("a",), "б": ("b",), "в": ("v",), "г": ("g",), "д": ("d",), "е": ("e",),
        "ё": ("yo", "e"), "ж": ("zh", "zh", "j"), "з": ("z",), "и": ("i",),
        "й": ("y", "i", "j"), "к": ("k",), "л": ("l",), "м": ("m",), "н": ("n",),
        "о": ("o",), "п": ("p",), "р": ("r",), "с": ("s",), "т": ("t",), "у": ("u",),
        "ф": ("f",), "х": ("kh", "h"), "ц": ("ts", "c"), "ч": ("ch",), "ш": ("sh",),
        "щ": ("shch", "sch"), "ъ": ("",), "ы": ("y", "i"), "ь": ("",), "э": ("e",),
        "ю": ("yu", "ju"), "я": ("ya", "ja", "ia"),
    },
    "uk": {
        "а": ("a",), "б": ("b",), "в": ("v",), "г": ("h", "g"), "ґ": ("g",), "д": ("d",),
        "е": ("e",), "є": ("ye", "e", "je"), "ж": ("zh", "zh", "j"), "з": ("z",),
        "и": ("y", "y", "i"), "і": ("i",), "ї": ("yi", "i", "ji"), "й": ("y", "i", "j"),
        "к": ("k",), "л": ("l",), "м": ("m",), "н": ("n",), "о": ("o",), "п": ("p",),
        "р": ("r",), "с": ("s",), "т": ("t",), "у": ("u",), "ф": ("f",), "х": ("kh", "h"),
        "ц": ("ts", "c"), "ч": ("ch",), "ш": ("sh",), "щ": ("shch", "sch"), "ь": ("",),
        "ю": ("yu", "ju"), "я": ("ya", "ja", "ia"), "'": ("",), "’": ("",),
    },
    # Greeklish: "douleia", "xrimata", "dwrean", "doulia".
    "el": {
        "α": ("a",), "β": ("v",), "γ": ("g",), "δ": ("d",), "ε": ("e",), "ζ": ("z",),
        "η": ("i",), "θ": ("th",), "ι": ("i",), "ϊ": ("i",), "κ": ("k",), "λ": ("l",),
        "μ": ("m",), "ν": ("n",), "ξ": ("x", "ks"), "ο": ("o",), "π": ("p",), "ρ": ("r",),
        "σ": ("s",), "ς": ("s",), "τ": ("t",), "υ": ("y", "i"), "ϋ": ("y", "i"),
        "φ": ("f",), "χ": ("x", "x", "h", "ch"), "ψ": ("ps",), "ω": ("o", "w"),
        "ου": ("ou", "ou", "u"), "ευ": ("ev", "eu", "ef"), "αυ": ("av", "au", "af"),
        "ει": ("ei", "i"), "οι": ("oi", "i"), "αι": ("ai", "e"), "μπ": ("mp", "mp", "b"),
        "ντ": ("nt", "nt", "d"), "γκ": ("gk", "gk", "g"),
    },
    # Georgian in Latin letters: the national scheme without its apostrophes ("kh", "ts",
    # "gh", "q" for ყ), then the chat scheme ("x", "w", "q" for ქ, "y" for ყ, "r" for ღ:
    # "gvyavs", "xelmisawvdomi"), then other chat spellings.
    "ka": {
        "ა": ("a",), "ბ": ("b",), "გ": ("g",), "დ": ("d",), "ე": ("e",), "ვ": ("v",),
        "ზ": ("z",), "თ": ("t",), "ი": ("i",), "კ": ("k",), "ლ": ("l",), "მ": ("m",),
        "ნ": ("n",), "ო": ("o",), "პ": ("p",), "ჟ": ("zh", "j", "zh"), "რ": ("r",),
        "ს": ("s",), "ტ": ("t",), "უ": ("u",), "ფ": ("p", "f", "ph"), "ქ": ("k", "q", "k"),
        "ღ": ("gh", "r", "g"), "ყ": ("q", "y", "k"), "შ": ("sh", "sh", "s"),
        "ჩ": ("ch", "ch", "c"), "ც": ("ts", "c", "ts"), "ძ": ("dz", "z", "dz"),
        "წ": ("ts", "w", "ts"), "ჭ": ("ch", "w", "ch"), "ხ": ("kh", "x", "kh"),
        "ჯ": ("j",), "ჰ": ("h",),
    },
}  # fmt: skip


def _letters(text: str, table: dict[str, tuple[str, ...]]) -> list[tuple[str, ...]]:
    """The spellings of each letter (or letter pair) of lower-case, stressless `text`;
    characters the table lacks stand for themselves."""
    out: list[tuple[str, ...]] = []
    i = 0
    while i < len(text):
        pair = text[i : i + 2]
        if len(pair) == 2 and pair in table:
            out.append(table[pair])
            i += 2
        else:
            out.append(table.get(text[i], (text[i],)))
            i += 1
    return out


@functools.cache
def _mixes(lang: str) -> dict[str, tuple[str, ...]]:
    """TRANSLIT of `lang` with each letter's distinct spellings (for latin_forms)."""
    return {k: tuple(dict.fromkeys(v)) for k, v in TRANSLIT[lang].items()}


def latin_spellings(text: str, lang: str) -> list[str]:
    """`text` (Cyrillic or Greek) as it is written in Latin letters, by the formal and the
    casual scheme of TRANSLIT (one or two forms; none for a language without a table)."""
    table = TRANSLIT.get(lang)
    if table is None:
        return []
    low = text.lower()
    if not low.isascii() and "\u0301" in unicodedata.normalize("NFD", low):
        # Stress marks dropped: "δουλειά" is spelled from "δουλεια".
        low = unicodedata.normalize("NFC", unicodedata.normalize("NFD", low).replace("\u0301", ""))
    letters = _letters(low, table)
    out: list[str] = []
    for scheme in (0, 1):
        latin = "".join(ls[min(scheme, len(ls) - 1)] for ls in letters)
        if latin != low and latin not in out:
            out.append(latin)
    return out


def latin_forms(word: str, lang: str, limit: int = 48) -> list[str]:
    """Latin spellings of a folded Cyrillic or Greek word by TRANSLIT, every mix of each
    letter's spellings up to `limit` forms (all-ASCII ones only). The few words with
    more mixes (a two-word Ukrainian rate word has 48) keep those of their first letters'
    first spellings."""
    forms = [""]
    for options in _letters(word, _mixes(lang)):
        forms = [f + o for f in forms for o in options][:limit]
    return [f for f in forms if f != word and f.isascii()]


# The context of words that show a listing is written in Latin letters in a language of
# another script (Greek: "einai", "spiti"): that language's Latin spellings need it.
LATIN_GATE = "latin_letters"

_NON_LATIN_LETTER = re.compile("[а-яіїєґ\u0370-\u03ff\u1f00-\u1fff\u10d0-\u10ff]")


def _with_latin(data: dict[str, Any], lang: str) -> None:
    """Add the Latin spellings of every phrase, concept and detect word of a Cyrillic-,
    Greek- or Georgian-script file (TRANSLIT).

    A file with a `latin_letters` context (Greek: words that show a listing is Greek
    written in Latin letters, "einai", "spiti", "douleia") gets its Latin spellings only
    where the listing holds one of those words: its phrases' Latin spellings need the
    context, its concepts get a Latin copy that needs it, and its detect words stay as
    written (Greeklish is not told from other Latin-script languages by word counts).
    Spelled in Latin letters, a short Greek phrase can be an everyday phrase of another
    language ("νεαρ* φοιτ*" -> "near* fit*", "near fitness"). Entries and concepts that
    already need a context are not respelled in such a file (needs is one of its names,
    not all of them)."""
    gate = LATIN_GATE if LATIN_GATE in (data.get("contexts") or {}) else None
    for entries in (data.get("indicators") or {}).values():
        extra: list[Any] = []
        for entry in entries:
            phrase = entry.get("phrase") if isinstance(entry, dict) else entry
            if not isinstance(phrase, str) or not _NON_LATIN_LETTER.search(phrase.lower()):
                continue
            if gate and isinstance(entry, dict) and entry.get("needs"):
                continue
            for latin in latin_spellings(phrase, lang):
                if gate:
                    base = entry if isinstance(entry, dict) else {}
                    extra.append({**base, "phrase": latin, "needs": gate})
                else:
                    extra.append({**entry, "phrase": latin} if isinstance(entry, dict) else latin)
        entries.extend(extra)
    spell = lambda t: "|".join(latin_spellings(t, lang)) or t  # noqa: E731
    for rules in (data.get("concepts") or {}).values():
        copies = []
        for n, rule in enumerate(rules):
            if gate:
                if isinstance(rule, str):
                    copies.append({"all": _latin_only(rule, spell), "needs": gate})
                elif (
                    isinstance(rule, dict)
                    and isinstance(rule.get("all"), str)
                    and not rule.get("needs")
                ):
                    latin = _latin_only(rule["all"], spell)
                    copies.append({**rule, "all": latin, "needs": gate})
            elif isinstance(rule, str):
                rules[n] = _both(rule, spell)
            elif isinstance(rule, dict) and isinstance(rule.get("all"), str):
                rules[n] = {**rule, "all": _both(rule["all"], spell)}
        rules.extend(copies)
    if isinstance(data.get("detect"), str) and not gate:
        detect = data["detect"].split()
        latins = [w for word in detect if len(word) > 3 for w in latin_spellings(word, lang)]
        data["detect"] = " ".join(detect + latins)


def _latin_only(rule: str, spell: Any) -> str:
    """A concept rule with every word list respelled by `spell` (its Latin copy)."""
    parts = []
    for part in rule.split("&"):
        words = [w.strip() for w in part.split("|") if w.strip()]
        parts.append(
            "|".join(dict.fromkeys(x for w in words for x in spell(w.lower()).split("|") if x))
        )
    return " & ".join(parts)


# What an amount prices when no rate word names its unit: things sold ("telefon", "Samsung")
# and fees, registrations, packages ("registracija", "tour package"). Kept with the rate
# words, each written "~word" (prices.py reads them apart; they are no rate words).
PRICED_UNITS = ("sale", "once")


def _priced(section: Any, path: Path) -> dict[str, str]:
    """The `priced` section: unit -> words ("a|b*|c d"), as {"~word": unit}."""
    if section is None:
        return {}
    if not isinstance(section, dict):
        raise LexiconError(f"{path}: field 'priced': must map sale/once to words")
    out: dict[str, str] = {}
    for unit, words in section.items():
        name = f"priced.{unit}"
        if unit not in PRICED_UNITS:
            raise LexiconError(f"{path}: field '{name}': must be one of {', '.join(PRICED_UNITS)}")
        if not isinstance(words, str) or not words.strip():
            raise LexiconError(f"{path}: field '{name}': must be words separated by '|'")
        for w in _split(words, path, name):
            if w[:1] in "@~" or len(w.strip("*")) < 2:
                raise LexiconError(f"{path}: field '{name}': {w!r} is not a word or stem")
            out["~" + w] = unit
    return out


def _yaml_error() -> type[Exception]:
    import yaml

    return yaml.YAMLError


def read_language(path: Path, indicator_ids: frozenset[str]) -> LanguageData:
    try:
        data = _yaml_load(path.read_text(encoding="utf-8"))
    except _yaml_error() as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), dict):
        raise LexiconError(f"{path}: field 'indicators': must be a mapping of id -> phrases")
    lang = str(data.get("lang") or path.stem)
    if data.get("transliterate") == "cyrillic":
        _with_cyrillic(data)
    elif data.get("transliterate") == "latin":
        _with_latin(data, str(data.get("lang") or path.stem))
    scripts = tuple(str(data.get("script") or "latin").split("+"))
    for s in scripts:
        if s not in SCRIPTS:
            raise LexiconError(f"{path}: field 'script': unknown script {s!r}")
    digits = _number_list(data.get("digits") or None, path, "digits", 0, 1)
    numbers = data.get("numbers") or {}
    if not isinstance(numbers, dict):
        raise LexiconError(f"{path}: field 'numbers': must map number words to 10-99")
    for word, value in numbers.items():
        if not isinstance(value, int) or not 10 <= value <= 99:
            raise LexiconError(f"{path}: field 'numbers.{word}': must be a number from 10 to 99")
        digits[fold_word(str(word))] = value
    repeat = {w: 2 for w in _split(data.get("double"), path, "double")}
    repeat.update({w: 3 for w in _split(data.get("triple"), path, "triple")})
    units: dict[str, str] = {}
    for unit, words in (data.get("units") or {}).items():
        if unit not in PRICE_UNITS:
            raise LexiconError(f"{path}: field 'units.{unit}': unknown unit")
        for w in _split(words, path, f"units.{unit}"):
            units[w] = unit
    units.update(_priced(data.get("priced"), path))
    currencies: dict[str, str] = {}
    for code, words in (data.get("currencies") or {}).items():
        if not isinstance(code, str) or not code.isupper():
            raise LexiconError(f"{path}: field 'currencies.{code}': must be an ISO 4217 code")
        for w in _split(words, path, f"currencies.{code}"):
            currencies[w] = code
    contexts: dict[str, list[str]] = {}
    for ctx, words in (data.get("contexts") or {}).items():
        contexts[str(ctx)] = _split(words, path, f"contexts.{ctx}")
    indicators: dict[str, list[Entry]] = {}
    for ind, entries in data["indicators"].items():
        name = f"indicators.{ind}"
        if ind not in indicator_ids:
            raise LexiconError(f"{path}: field '{name}': unknown indicator id")
        if not isinstance(entries, list) or not entries:
            raise LexiconError(f"{path}: field '{name}': must be a non-empty list of phrases")
        items: list[Entry] = []
        for n, entry in enumerate(entries):
            weight: Any = 1.0
            needs: tuple[str, ...] = ()
            unless: tuple[str, ...] = ()
            if isinstance(entry, dict):
                phrase, weight = entry.get("phrase"), entry.get("weight", 1.0)
                if not isinstance(weight, int | float) or not 0 < weight <= 1:
                    raise LexiconError(f"{path}: field '{name}[{n}].weight': must be in (0, 1]")
                needs = _names(entry.get("needs"), path, f"{name}[{n}].needs")
                unless = _names(entry.get("unless"), path, f"{name}[{n}].unless")
            else:
                phrase = entry
            if not isinstance(phrase, str | int) or not str(phrase).strip():
                raise LexiconError(f"{path}: field '{name}[{n}]': phrase must be a string")
            items.append(Entry(str(phrase), float(weight), needs, unless))
        indicators[ind] = items
    concepts: dict[str, list[Concept]] = {}
    for ind, rules in (data.get("concepts") or {}).items():
        name = f"concepts.{ind}"
        if ind not in indicator_ids:
            raise LexiconError(f"{path}: field '{name}': unknown indicator id")
        if not isinstance(rules, list):
            raise LexiconError(f"{path}: field '{name}': must be a list of concepts")
        concepts[ind] = [_concept(rule, path, f"{name}[{n}]") for n, rule in enumerate(rules)]
    guards: dict[str, list[str]] = {}
    for ind, words in (data.get("guards") or {}).items():
        if ind not in indicator_ids:
            raise LexiconError(f"{path}: field 'guards.{ind}': unknown indicator id")
        guards[ind] = _split(words, path, f"guards.{ind}")
    return LanguageData(
        lang=lang,
        scripts=scripts,
        detect=_words(data.get("detect"), path, "detect"),
        negations=_words(data.get("negations"), path, "negations"),
        digits=digits,
        plus=frozenset(_split(data.get("plus"), path, "plus")),
        repeat=repeat,
        units=units,
        currencies=currencies,
        email_at=frozenset(_split(data.get("email_at"), path, "email_at")),
        email_dot=frozenset(_split(data.get("email_dot"), path, "email_dot")),
        indicators=indicators,
        guards=guards,
        contexts=contexts,
        concepts=concepts,
        hundreds=_number_list(data.get("hundreds"), path, "hundreds", 100, 100),
        hundred=_single_words(data.get("hundred"), path, "hundred"),
        id_words=_single_words(data.get("id_words"), path, "id_words"),
    )


@functools.cache
def available_languages() -> tuple[str, ...]:
    """Languages that have a lexicon file."""
    return tuple(sorted(p.stem for p in LEXICON_DIR.glob("*.yaml")))


@functools.cache
def language(lang: str) -> LanguageData:
    """One language's data for extraction: compiled ahead of time
    (crawler.extract.lexicon_cache) when the compiled file matches the YAML, else read
    from the YAML now. The compiled data leaves out the indicator phrases and concepts:
    extraction reads those from the compiled phrase tables (full_language has them)."""
    from crawler.extract.lexicon_cache import cached_languages

    compiled = cached_languages()
    if compiled is not None and lang in compiled:
        return compiled[lang]
    return full_language(lang)


@functools.cache
def full_language(lang: str) -> LanguageData:
    """One language's lexicon as written, phrases and concepts included (from the YAML)."""
    from crawler.extract.indicators import LEXICON_IDS

    return read_language(LEXICON_DIR / f"{lang}.yaml", LEXICON_IDS)


@functools.cache
def all_languages() -> tuple[LanguageData, ...]:
    return tuple(language(lang) for lang in available_languages())
