"""Trafficking indicators (INDICATORS.md ids) in listing text, with their evidence spans.

Phrases come from the lexicons in crawler/extract/lexicons/<lang>.yaml (our own work);
one file per language, loaded once. Phrase syntax, case-insensitive:
  - a space matches any run of spaces or hyphens ("new in town", "new-in-town");
  - "*" at the end of a word matches any ending ("arriv*" -> arrived, arriving);
  - "(a|b|)" is a choice, an empty branch makes it optional ("(a |)kidney for sale");
  - an entry may be {phrase: ..., weight: 0.3} to mark a weak form (default weight 1.0).
A lexicon error (unknown id, bad phrase, bad weight) raises LexiconError naming the file,
the field and the reason.

Matching is fast because phrases are indexed by their first word (or, for a word that
runs on, its first three letters): the text's words are intersected with those keys as
sets, and only at the few word starts that open a phrase is a regex tried. Phrase groups
are compiled on first use. English phrases are used for every language, because ads mix
them in ("new in town", "24/7"). `minor_age_stated` is not a lexicon entry: it is a stated age under 18
("age 16", "16 y.o.", "16 лет", "16 Jahre") or an age field value, with guards against
"16 years of experience", children in au-pair ads and "no one under 16" notices.
No settings.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from crawler.extract.language import TextWords, detect_language
from crawler.models import IndicatorHit

LEXICON_DIR = Path(__file__).with_name("lexicons")

# Every text-level id of INDICATORS.md (price_anomaly and shared_contact are platform-level).
INDICATOR_IDS: tuple[str, ...] = (
    "movement",
    "third_party_control",
    "youth_emphasis",
    "minor_age_stated",
    "nationality_emphasis",
    "restricted_communication",
    "constant_availability",
    "no_limits",
    "sale_of_person",
    "recruitment_fee",
    "employer_housing",
    "document_retention",
    "unrealistic_offer",
    "travel_arranged_abroad",
    "debt_bondage",
    "organ_trade",
    "e_pimping",
    "refugee_targeting",
    "lure_job_abroad",
    "crypto_only_payment",
)
_LEXICON_IDS = frozenset(INDICATOR_IDS) - {"minor_age_stated"}


class LexiconError(ValueError):
    """A lexicon file that cannot be used: names the file, the field and the reason."""


@dataclass(frozen=True)
class _Phrase:
    indicator: str
    weight: float
    lang: str


_KEY_LEN = 3
_TOKEN = re.compile(r"[^\W_]+")
_CHOICE = re.compile(r"\(([^()]*)\)")


def _expand_leading(phrase: str) -> list[str]:
    """Spellings of a phrase with its leading choices spelled out, so each can be keyed.

    Later choices stay choices: they become regex alternations, which keeps the number
    of patterns (and compile time) small.
    """
    phrase = re.sub(r"\s+", " ", phrase).strip()
    if not phrase.startswith("("):
        return [phrase]
    m = _CHOICE.match(phrase)
    if m is None:
        return [phrase]
    options = m.group(1).split("|")
    rest = phrase[m.end() :].strip()
    if "" in options and rest:
        # An optional lead ("(a |my |)kidney for sale") adds nothing to what is found:
        # key the phrase on what follows, not on "a" and "my" which occur everywhere.
        return _expand_leading(rest)
    out: list[str] = []
    for option in options:
        out += _expand_leading((option + phrase[m.end() :]).strip())
    return out


def _literal(text: str) -> str:
    out = []
    for ch in text:
        if ch == " ":
            if not out or out[-1] != r"[\s\-]+":
                out.append(r"[\s\-]+")
        elif ch == "*":
            out.append(r"\w*")
        else:
            out.append(re.escape(ch))
    return "".join(out)


def _fragment(spelling: str) -> str:
    """The regex of one spelling; choices become alternations, "*" any word ending."""
    parts = _CHOICE.split(spelling)
    out = []
    for i, part in enumerate(parts):
        if i % 2 == 0:
            out.append(_literal(part))
        else:
            out.append("(?:" + "|".join(_literal(opt) for opt in part.split("|")) + ")")
    # A phrase ends at a word boundary: "teen*" may run on, "on tour" may not ("on tourism").
    return "".join(out) + r"(?![^\W_])"


def _check_spelling(spelling: str) -> str | None:
    """Why a spelling cannot be used, or None."""
    literal = _CHOICE.sub("", spelling)
    if "(" in literal or ")" in literal:
        return "unbalanced or nested parentheses"
    if _key(spelling) is None:
        return f"must start with a word of at least {_KEY_LEN} letters or a whole short word"
    return None


def _key(spelling: str) -> tuple[str, bool] | None:
    """Index key of a spelling: (its first word, False) or (a stem's first letters, True).

    Text words are looked up whole in the first index and by their first letters in
    the second, so a word that runs on ("arriv*", "urgent(ly|)") needs at least
    _KEY_LEN literal letters.
    """
    first = spelling.lower()
    m = _TOKEN.match(first)
    if not m:
        return None
    token = m.group(0)
    if first[m.end() : m.end() + 1] not in ("*", "("):
        return token, False
    if len(token) < _KEY_LEN:
        return None
    return token[:_KEY_LEN], True


@dataclass
class _Index:
    # Regex source until first used, then the compiled pattern: compiling every phrase
    # group up front would add about a second to every process start.
    patterns: dict[str, re.Pattern[str] | str]
    phrases: dict[str, list[_Phrase]]  # key -> phrase info, in the pattern's group order


@dataclass
class _Table:
    """Phrases of one or more languages, indexed by their first word or its stem."""

    words: _Index
    stems: _Index


def _read_lexicon(path: Path) -> dict[str, list[tuple[str, float]]]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise LexiconError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("indicators"), dict):
        raise LexiconError(f"{path}: field 'indicators': must be a mapping of id -> phrases")
    out: dict[str, list[tuple[str, float]]] = {}
    for ind, entries in data["indicators"].items():
        field = f"indicators.{ind}"
        if ind not in _LEXICON_IDS:
            raise LexiconError(f"{path}: field '{field}': unknown indicator id")
        if not isinstance(entries, list) or not entries:
            raise LexiconError(f"{path}: field '{field}': must be a non-empty list of phrases")
        items: list[tuple[str, float]] = []
        for n, entry in enumerate(entries):
            weight = 1.0
            if isinstance(entry, dict):
                phrase, weight = entry.get("phrase"), entry.get("weight", 1.0)
                if not isinstance(weight, int | float) or not 0 < weight <= 1:
                    raise LexiconError(f"{path}: field '{field}[{n}].weight': must be in (0, 1]")
            else:
                phrase = entry
            if not isinstance(phrase, str) or not phrase.strip():
                raise LexiconError(f"{path}: field '{field}[{n}]': phrase must be a string")
            for spelling in _expand_leading(phrase):
                problem = _check_spelling(spelling) if spelling else "empty spelling"
                if problem:
                    raise LexiconError(f"{path}: field '{field}[{n}]': {spelling!r}: {problem}")
                items.append((spelling, float(weight)))
        out[ind] = items
    return out


@functools.cache
def available_languages() -> tuple[str, ...]:
    """Languages that have a lexicon file."""
    return tuple(sorted(p.stem for p in LEXICON_DIR.glob("*.yaml")))


@functools.cache
def _lexicon(lang: str) -> dict[str, list[tuple[str, float]]]:
    return _read_lexicon(LEXICON_DIR / f"{lang}.yaml")


def _index(by_key: dict[str, list[tuple[str, _Phrase]]]) -> _Index:
    patterns: dict[str, re.Pattern[str] | str] = {}
    phrases: dict[str, list[_Phrase]] = {}
    for key, items in by_key.items():
        # Longest spelling first, so that "24/7 customer support" wins over "24/7".
        items.sort(key=lambda item: len(item[0]), reverse=True)
        patterns[key] = "|".join(f"({_fragment(spelling)})" for spelling, _ in items)
        phrases[key] = [info for _, info in items]
    return _Index(patterns, phrases)


@functools.cache
def _table(langs: tuple[str, ...]) -> _Table:
    by_word: dict[str, list[tuple[str, _Phrase]]] = {}
    by_stem: dict[str, list[tuple[str, _Phrase]]] = {}
    for lang in langs:
        for ind, items in _lexicon(lang).items():
            for spelling, weight in items:
                key = _key(spelling)
                assert key is not None  # checked when the lexicon was read
                target = by_stem if key[1] else by_word
                target.setdefault(key[0], []).append((spelling, _Phrase(ind, weight, lang)))
    return _Table(_index(by_word), _index(by_stem))


def _compiled(index: _Index, key: str) -> re.Pattern[str] | None:
    pattern = index.patterns.get(key)
    if pattern is None or not isinstance(pattern, str):
        return pattern
    compiled = index.patterns[key] = re.compile(pattern, re.IGNORECASE)
    return compiled


def load_lexicons() -> None:
    """Load, check and compile every lexicon now (raises LexiconError), not on first use."""
    for lang in available_languages():
        _lexicon(lang)
    table = _table(available_languages())
    for index in (table.words, table.stems):
        for key in list(index.patterns):
            _compiled(index, key)


def _languages_for(lang: str | None) -> tuple[str, ...]:
    langs = available_languages()
    if lang is None:
        return langs
    # English phrases are common in ads of every language ("new in town", "24/7").
    return tuple(sorted({lang, "en"} & set(langs))) or ("en",)


# --- stated ages -----------------------------------------------------------------------------

# Starts with the literal "1" (lookbehind after it) so that the engine skips ahead fast.
_AGE_NUMBER = re.compile(r"1(?<![\d.,:/+\-]1)[0-7](?![.,:/]\d)(?!\d)")
_AGE_BEFORE = re.compile(
    r"(?:\bage|\baged|\bâge|\balter|\bleeftijd|\bvârsta|\bvarsta|\bvârstă|\bedad|\bet[àa]"
    r"|\bwiek|возраст|\bвік|\bi\s*am|\bi'm|\bim|\bik\s*ben|\bich\s*bin|\bam|\bsunt|\btengo"
    r"|\bsoy|\bmne|мне|мені|\bhabe|\bj'ai|\bho|\bmam)\s*[:=\-]?\s*$",
    re.IGNORECASE,
)
_AGE_AFTER = re.compile(
    r"\s*(?:-\s*)?(?:years?\s*old|yrs?\s*old|y\.?\s*o\b\.?|yo\b|years?\b|yrs?\b|jaar\b|jahre\b"
    r"|j\.|ani\b|años\b|anos\b|anni\b|lat\b|ans\b|лет\b|года\b|год\b|років\b|роки\b|рік\b)",
    re.IGNORECASE,
)
# What follows "16 years" when it is not an age: experience, time spans, guarantees.
_NOT_AN_AGE_AFTER = re.compile(
    r"\s*of\s+(?!age\b)|"  # "16 years of history", but not "16 years of age"
    r"\s*(?:old\s*)?(?:of\s+|in\s+|de\s+|an\s+|im\s+)?(?:experience|ervaring|erfahrung|"
    r"experien|esperienza|doświadcz|опыт|досвід|business|ago|geleden|her\b|în urmă|назад|"
    r"warranty|garantie|guarantee|contract|service|dienst|work|werk|arbeit|lucru|trabajo|"
    r"работ|робот|tenure|industry|branche|praktijk|praxis|history|geschiedenis|geschichte|"
    r"istori|истори|історі|historia|jubil|anniversary)",
    re.IGNORECASE,
)
# Ages of children an au pair would look after, and "no one under 16" policy notices.
_NOT_AN_AGE_BEFORE = re.compile(
    r"(?:child|kid|son|daughter|kinder|kind\b|copii|copil|niñ|hij[oa]|дет|ребен|діт|дитин|"
    r"enfant|bambin|dziec|under|onder|unter|sub\b|menores|младше|молодше|below|minimum|"
    r"\bmin\b|from|vanaf|\bab\b|desde|\bот\b|\bвід\b|over|boven|über|peste|más de|старше|"
    r"старше|\bto\b|\btot\b|\bbis\b|\bдо\b|between|tussen|zwischen|company|firm|bedrijf|"
    r"unternehmen|empresa|компани|компані)[^.!?\n]{0,30}$",
    re.IGNORECASE,
)
AGE_FIELDS = frozenset(
    ("age", "stated_age", "leeftijd", "alter", "varsta", "vârsta", "edad", "età", "wiek",
     "возраст", "вік")
)  # fmt: skip


def _stated_minor_ages(text: str) -> list[tuple[str, int]]:
    """(evidence, position) of stated ages under 18 in the text."""
    hits: list[tuple[str, int]] = []
    for m in _AGE_NUMBER.finditer(text):
        start, end = m.span()
        before = _AGE_BEFORE.search(text, max(0, start - 16), start)
        after = _AGE_AFTER.match(text, end, end + 14)
        if not before and not after:
            continue
        if after and _NOT_AN_AGE_AFTER.match(text, after.end(), after.end() + 30):
            continue
        if _NOT_AN_AGE_BEFORE.search(text, max(0, start - 40), before.start() if before else start):
            continue
        s = before.start() if before else start
        e = after.end() if after else end
        hits.append((text[s:e].strip(), s))
    return hits


def _field_age(fields: dict) -> tuple[str, str] | None:
    for name, value in fields.items():
        if str(name).lower() not in AGE_FIELDS or value is None:
            continue
        m = re.search(r"\d{1,3}", str(value))
        if m and int(m.group(0)) < 18:
            return str(name), str(value).strip()
    return None


@functools.cache
def _word_starts(key: str, whole: bool) -> re.Pattern[str]:
    """Finds `key` at the start of a word (and, when `whole`, as the whole word).

    The pattern begins with the key itself and checks the boundary afterwards, so the
    regex engine jumps from one occurrence of the key to the next in C.
    """
    k = re.escape(key)
    return re.compile(rf"{k}(?<![^\W_]{k})" + (r"(?![^\W_])" if whole else ""))


def _candidates(table: _Table, words: TextWords) -> list[tuple[int, _Index, str]]:
    """(offset, index, key) of every word start where a phrase of `table` may begin.

    Keys present in the text are found with set intersections, their positions with one
    regex per key: only the few words that start a phrase cost a Python step.
    """
    low = words.lower
    unique = words.unique or frozenset(words.words)
    out: list[tuple[int, _Index, str]] = []
    word_keys = unique & table.words.patterns.keys()
    stem_keys = {w[:_KEY_LEN] for w in unique if len(w) >= _KEY_LEN} & table.stems.patterns.keys()
    for keys, index, whole in ((word_keys, table.words, True), (stem_keys, table.stems, False)):
        for key in keys:
            out.extend((m.start(), index, key) for m in _word_starts(key, whole).finditer(low))
    out.sort(key=lambda c: c[0])
    return out


def find_indicators(
    text: str,
    lang: str | None = None,
    *,
    fields: dict | None = None,
    words: TextWords | None = None,
) -> list[IndicatorHit]:
    """Indicator hits in `text`, in order of appearance, one per (id, evidence).

    `lang` picks the lexicon (English is always used too); when None it is detected, and
    when detection fails every lexicon is used. `fields` are structured listing fields;
    an age field under 18 gives `minor_age_stated` with that field as its source.
    `words` is TextWords.of(text) when the caller has it already.
    """
    if text and words is None:
        words = TextWords.of(text)
    if lang is None and text:
        lang = detect_language(text, words)
    table = _table(_languages_for(lang))
    found: list[tuple[int, IndicatorHit]] = []
    seen: set[tuple[str, str]] = set()
    if text and words is not None:
        covered = 0  # phrases do not overlap: "available 24/7" is one hit, not two
        best: re.Match[str] | None = None
        best_info: _Phrase | None = None
        candidates = _candidates(table, words)
        for n, (pos, index, key) in enumerate(candidates):
            if pos < covered:
                continue
            pattern = _compiled(index, key)
            m = pattern.match(text, pos) if pattern is not None else None
            if m is not None and (best is None or m.end() > best.end()):
                best, best_info = m, index.phrases[key][m.lastindex - 1]
            # A word may start phrases of both indexes: decide after the last candidate here.
            if n + 1 < len(candidates) and candidates[n + 1][0] == pos:
                continue
            if best is None or best_info is None:
                continue
            covered = best.end()
            evidence = best.group(0)
            dedup = (best_info.indicator, evidence.lower())
            if dedup not in seen:
                seen.add(dedup)
                hit = IndicatorHit(
                    id=best_info.indicator,
                    evidence=evidence,
                    lang=best_info.lang,
                    weight=best_info.weight,
                )
                found.append((pos, hit))
            best = best_info = None
        for evidence, pos in _stated_minor_ages(text):
            if ("minor_age_stated", evidence.lower()) not in seen:
                seen.add(("minor_age_stated", evidence.lower()))
                hit = IndicatorHit(id="minor_age_stated", evidence=evidence, lang=lang)
                found.append((pos, hit))
    if fields:
        age = _field_age(fields)
        if age:
            name, value = age
            hit = IndicatorHit(id="minor_age_stated", evidence=value, field=name)
            found.append((len(text or ""), hit))
    found.sort(key=lambda item: item[0])
    return [hit for _, hit in found]
