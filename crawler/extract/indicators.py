"""Trafficking indicators (docs/indicators.md ids) in listing text, with their evidence spans.

Phrases and concepts come from the lexicons in crawler/extract/lexicons/<lang>.yaml (our
own work, see crawler.extract.lexicon and docs/extraction.md). Text and phrases are
matched folded (lower case, no diacritics, see crawler.extract.normalise), so "NOUA IN
ORAS" matches "nouă în oraș". Phrase syntax:
  - a space matches any run of spaces, hyphens, slashes or dots ("new-in-town");
  - "*" at the end of a word matches any ending ("arriv*" -> arrived, arriving);
  - "(a|b|)" is a choice, an empty branch makes it optional ("(a |)kidney for sale");
  - "#" is a small count ("for # days");
  - "~" skips up to three words of the same clause, "~~" up to six, "~~~" up to ten
    across commas ("passport* ~ kept" -> "passports will be kept");
  - an entry may be {phrase: ..., weight: 0.3, needs: job|abroad, unless: job}: a weak
    form, or a form that counts only with (or without) a word of a context of the
    lexicons ("without experience" is an unrealistic offer in a job ad, inexperience in
    a personal one).
A concept is an indicator as words of several kinds in one sentence, in any order
("passport*" and "safe|kept|held|..."), tried for the indicators the phrases missed.
A hit is dropped when a negation word of its language, the text's or English stands
before it in the same clause or in its gaps ("we never keep your passport", "no placement
fee"), when a guard word of its indicator is in the same sentence ("new in town" next to
"for rent", "24/7" next to "customer support"), and when it is a question ("New in
town?"). A refugee lure's housing and nationality, and a fee that is really an advance
to repay, count once. Hashtags are read as the words they join ("#newintown").
Every lexicon of the text's scripts is used, so a wrong language guess loses nothing.
`minor_age_stated` is not a lexicon entry: it is a stated age under 18 ("age 16", "16
y.o.", "16 лет", "Wiek: 16") or an age field value, with guards against "16 years of
experience", children in au-pair ads and "no one under 16" notices.

Matching is fast because phrases are indexed by their first word (or a stem's first
three to five letters) and tried only when the text also holds an anchor word of one of
them; concepts, guards and contexts are tested against the text's word set before any
regex runs. The tables are compiled ahead of time (crawler.extract.lexicon_cache) and
their phrase groups are compiled on first use. No settings.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from crawler.extract.language import TextWords, detect_languages
from crawler.extract.lexicon import (
    LATIN_GATE,
    Entry,
    LexiconError,
    available_languages,
    full_language,
    language,
    read_language,
)
from crawler.extract.normalise import clean, fold, lazy_re
from crawler.models import IndicatorHit

__all__ = [
    "AGE_FIELDS",
    "INDICATOR_IDS",
    "LexiconError",
    "available_languages",
    "find_indicators",
    "load_lexicons",
]

# Every text-level id of docs/indicators.md (price_anomaly and shared_contact are platform-level).
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
LEXICON_IDS = frozenset(INDICATOR_IDS) - {"minor_age_stated"}


@dataclass(frozen=True)
class _Phrase:
    indicator: str
    weight: float
    lang: str
    needs: tuple[str, ...] = ()  # context names: the listing must hold a word of one
    unless: tuple[str, ...] = ()  # context names: the listing must hold no word of these
    # The words of a phrase with gaps ("we keep ~ passport"): a negation word in the gap
    # voids the hit ("we never keep your passport"). None for phrases without gaps and
    # for phrases that hold a negation word themselves ("no experience ~ needed").
    own_words: frozenset[str] | None = None


_KEY_LEN = 3
_STEM_KEY_MAX = 5
_TOKEN = re.compile(r"[^\W_]+")
_CHOICE = re.compile(r"\(([^()]*)\)")
_SEP = r"[\s\-_/.·•*#'\"«»]+"
_GAP = {"~": 3, "~~": 6}
_GAP_SEP = r"[\s\-_/·•*#'\"«»,:]+"


def _expand_leading(phrase: str) -> list[str]:
    """Spellings of a phrase with its leading choices spelled out, so each can be keyed."""
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
    out: list[str] = []
    for part in re.split(r"( ~~~ | ~~ | ~ | )", text):
        if part == " ~~~ ":
            # A long gap may cross a comma ("the company advances the ticket, and you
            # work it off"), never the end of a sentence.
            out.append(rf"(?:{_GAP_SEP}[^\W_][\w'\-]*){{0,10}}{_GAP_SEP}")
        elif part in (" ~ ", " ~~ "):
            n = _GAP[part.strip()]
            out.append(rf"(?:{_SEP}[^\W_][\w'\-]*){{0,{n}}}{_SEP}")
        elif part == " ":
            out.append(_SEP)
        elif part == "#":
            out.append(_number_words())
        elif part:
            out.append("".join(r"\w*" if ch == "*" else re.escape(ch) for ch in part))
    return "".join(out)


def _number_words() -> str:
    """What "#" in a phrase matches: a small count, in digits or as one short word ("3",
    "two", "drei", "кілька"). Any word, not a list of every language's number words: a
    regex of hundreds of alternatives would cost more to compile than it saves."""
    return r"(?:\d{1,2}|[^\W\d_]{2,14})(?![^\W_])"


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


def _key(spelling: str) -> tuple[str, bool] | None:
    """Index key of a spelling: (its first word, False) or (a stem's first letters, True).

    A stem keys on up to five letters: "serveuse*" on "serve", not on "ser", which opens
    half the words of a Spanish text.
    """
    m = _TOKEN.match(spelling)
    if not m:
        return None
    token = m.group(0)
    if spelling[m.end() : m.end() + 1] not in ("*", "("):
        return token, False
    if len(token) < _KEY_LEN:
        return None
    return token[:_STEM_KEY_MAX], True


def _spelling_problem(spelling: str, *, compile_it: bool) -> str | None:
    literal = _CHOICE.sub("", spelling)
    if "(" in literal or ")" in literal:
        return "unbalanced or nested parentheses"
    if _key(spelling) is None:
        return f"must start with a word of at least {_KEY_LEN} letters or a whole short word"
    if compile_it:
        try:
            re.compile(_fragment(spelling))
        except re.error as exc:
            return f"not a valid phrase: {exc}"
    return None


def _checked(
    path: object, indicators: dict[str, list[Entry]], *, compile_it: bool
) -> dict[str, list[tuple[str, Entry]]]:
    """id -> (folded spelling, entry), checked (raises LexiconError naming the entry).

    `compile_it` also compiles each spelling's regex: thorough but slow, so it is done by
    load_lexicons() and the tests, not when a process extracts its first listing (the
    phrase groups are compiled on first use then, and a bad one fails the lexicon tests).
    """
    out: dict[str, list[tuple[str, Entry]]] = {}
    for ind, entries in indicators.items():
        items: list[tuple[str, Entry]] = []
        for n, entry in enumerate(entries):
            for spelling in _expand_leading(fold(entry.phrase)):
                problem = (
                    _spelling_problem(spelling, compile_it=compile_it)
                    if spelling
                    else "empty spelling"
                )
                if problem:
                    raise LexiconError(
                        f"{path}: field 'indicators.{ind}[{n}]': {spelling!r}: {problem}"
                    )
                items.append((spelling, entry))
        out[ind] = items
    return out


@functools.cache
def _spellings(lang: str) -> dict[str, list[tuple[str, Entry]]]:
    """id -> (folded spelling, entry) of one language."""
    path = f"crawler/extract/lexicons/{lang}.yaml"
    return _checked(path, full_language(lang).indicators, compile_it=False)


def _read_lexicon(path) -> dict[str, list[tuple[str, Entry]]]:
    """Read and check one lexicon file (for tests and tools): id -> (spelling, entry)."""
    return _checked(path, read_language(path, LEXICON_IDS).indicators, compile_it=True)


def _lexicon(lang: str) -> dict[str, list[tuple[str, Entry]]]:
    return _spellings(lang)


def _anchor(spelling: str, key: str) -> tuple[tuple[str, bool], ...] | None:
    """Words (or stems' first letters) of which every text matching `spelling` holds one.

    Of the options _anchor_options finds, the rarest-looking (the longest, fewest
    branches) is taken; None when there is none (the key alone decides).
    """
    options = _anchor_options(spelling, key)
    if not options:
        return None
    return max(options, key=lambda o: (min(len(t) for t, _ in o) - 0.3 * len(o), o))


def _anchor_options(spelling: str, key: str) -> list[tuple[tuple[str, bool], ...]]:
    """Every set of words (or stems' first letters) of which every text matching
    `spelling` holds one, other than the index key.

    A whole word or a stem outside the choices is certain; a choice without an empty
    branch needs one of its branches, each of which names a word or a stem. Items are
    (text, is_stem).
    """
    options: list[tuple[tuple[str, bool], ...]] = []
    bare = _CHOICE.sub("\x00", spelling)
    for m in _TOKEN.finditer(bare):
        before = bare[m.start() - 1] if m.start() else " "
        after = bare[m.end()] if m.end() < len(bare) else " "
        if "\x00" in (before, after):
            continue
        item = _anchor_item(m.group(0), after == "*", key)
        if item:
            options.append((item,))
    previous_end, previous_spaced = -1, False
    for m in _CHOICE.finditer(spelling):
        before = spelling[m.start() - 1 : m.start()]
        after = spelling[m.end() : m.end() + 1]
        spaced = all(not b or b.endswith(" ") for b in m.group(1).split("|"))
        glued_before = before not in ("", " ", "~") and not (
            m.start() == previous_end and previous_spaced
        )
        previous_end, previous_spaced = m.end(), spaced
        if glued_before or not (after in ("", " ", "~") or (after == "(" and spaced)):
            continue  # glued to a word: "urgent(ly|)"
        items: list[tuple[str, bool]] = []
        for branch in m.group(1).split("|"):
            found = [
                it
                for t in _TOKEN.finditer(branch)
                if (it := _anchor_item(t.group(0), branch[t.end() : t.end() + 1] == "*", key))
            ]
            if not found:
                items = []
                break
            items.append(max(found, key=lambda it: (not it[1], len(it[0]))))
        if items:
            options.append(tuple(sorted(set(items))))
    return options


def _anchor_item(token: str, stem: bool, key: str) -> tuple[str, bool] | None:
    if not stem:
        return None if token == key else (token, False)
    if len(token) < _KEY_LEN or token[:_STEM_KEY_MAX] == key:
        return None
    return token[:_STEM_KEY_MAX], True


@dataclass
class _Group:
    """The phrases of one indicator that start with one key, as one alternation."""

    indicator: str
    # Spellings until first used, then the compiled pattern: building and compiling every
    # phrase group up front would add about a second to every process start.
    pattern: re.Pattern[str] | list[str]
    phrases: list[_Phrase]  # in the pattern's group order
    # What a text must hold for each phrase to match (see possible), on first use.
    needs: tuple[tuple[tuple[frozenset[str], frozenset[str]], ...], ...] | None = None

    def __post_init__(self) -> None:
        self.spellings = tuple(self.pattern) if isinstance(self.pattern, list) else ()

    def possible(self, unique: AbstractSet[str], prefixes: AbstractSet[str]) -> bool:
        """Whether some phrase of the group may match a text of these words and word
        beginnings: every option of _anchor_options of the phrase is in the text (the
        index's anchors ask for one option of one phrase of the key)."""
        needs = self.needs
        if needs is None:
            needs = self.needs = _phrase_needs(self.spellings)
        if not needs:
            return True
        for options in needs:
            for words, stems in options:
                if words.isdisjoint(unique) and stems.isdisjoint(prefixes):
                    break
            else:
                return True
        return False


def _phrase_needs(
    spellings: tuple[str, ...],
) -> tuple[tuple[tuple[frozenset[str], frozenset[str]], ...], ...]:
    """For each spelling, its _anchor_options as (words, stem beginnings) (the key itself
    is always in a text it is tried on, so it is left in); () when a spelling needs
    nothing beyond its key (then every text may match)."""
    out = []
    for spelling in spellings:
        options = tuple(
            sorted(
                {
                    (
                        frozenset(t for t, is_stem in o if not is_stem),
                        frozenset(t for t, is_stem in o if is_stem),
                    )
                    for o in _anchor_options(spelling, "")
                },
                key=lambda o: (sorted(o[0]), sorted(o[1])),
            )
        )
        if not options:
            return ()
        out.append(options)
    return tuple(sorted(set(out), key=repr))


@dataclass
class _Index:
    # key -> one group per indicator; a compiled table's entries stay JSON text
    # until their key is first met in a text (see groups_of).
    groups: dict[str, Any]  # list[_Group] once read
    negations: dict[str, frozenset[str]] = field(default_factory=dict)  # for own_words
    starts: dict[str, re.Pattern[str]] = field(default_factory=dict)  # key -> _word_starts

    def groups_of(self, key: str) -> list[_Group]:
        groups = self.groups[key]
        if groups.__class__ is str:  # a compiled table's key: its JSON, read now
            groups = json.loads(groups)
        if groups and not isinstance(groups[0], _Group):
            groups = self.groups[key] = [
                _Group(
                    ind,
                    list(spellings),
                    [
                        _Phrase(
                            ind,
                            weight,
                            lang,
                            tuple(needs),
                            tuple(unless),
                            _own_words(spelling, self.negations.get(lang, frozenset())),
                        )
                        for spelling, (weight, lang, needs, unless) in zip(
                            spellings, infos, strict=True
                        )
                    ],
                )
                for ind, spellings, infos in groups
            ]
        return groups


@dataclass
class _WordList:
    """Guard, context or concept words of one language, and the cheap test that comes
    first: the words and stem beginnings of the entries. A text that holds none of them
    cannot match, and most texts hold none, so the regex is rarely searched.

    An entry of several words is looked for by its rarest-looking word: the longest whole
    word ("month" in "a month"), else its stem's beginning.
    """

    entries: list[str]
    words: frozenset[str]  # cue words (single-word entries and multi-word entries' cues)
    stems: frozenset[str]  # cue stem beginnings
    always: bool  # an entry too short to test cheaply
    single_words: frozenset[str] = frozenset()
    single_stems: dict[str, tuple[str, ...]] = field(default_factory=dict)  # beginning -> stems
    multi: list[str] = field(default_factory=list)
    multi_words: frozenset[str] = frozenset()  # cues of the multi-word entries
    multi_stems: frozenset[str] = frozenset()
    multi_always: bool = False
    pattern: re.Pattern[str] | None = None
    multi_pattern: re.Pattern[str] | None = None
    # What a text must hold for each entry to match (see _entry_needs), on first use.
    needs: list[tuple[frozenset[str], frozenset[str]]] | None = None
    multi_needs: list[tuple[frozenset[str], frozenset[str]]] | None = None

    @classmethod
    def of(cls, entries: list[str]) -> _WordList:
        words: set[str] = set()
        stems: set[str] = set()
        always = False
        single_words: set[str] = set()
        single_stems: dict[str, set[str]] = {}
        multi: list[str] = []
        mw: set[str] = set()
        ms: set[str] = set()
        multi_always = False
        for entry in entries:
            whole: list[str] = []
            stem: list[str] = []
            tokens = list(_TOKEN.finditer(entry))
            for m in tokens:
                (stem if entry[m.end() : m.end() + 1] in ("*", "(") else whole).append(m.group(0))
            one = len(tokens) == 1 and tokens[0].span() == (0, len(entry.rstrip("*")))
            if one and whole:
                single_words.add(whole[0])
            elif one and stem and len(stem[0]) >= _KEY_LEN and entry.endswith("*"):
                single_stems.setdefault(stem[0][:_STEM_KEY_MAX], set()).add(stem[0])
            else:
                multi.append(entry)
            cue_sets = (words, stems) if not multi or multi[-1] != entry else (mw, ms)
            if whole:
                cue = max(whole, key=len)
                words.add(cue)
                cue_sets[0].add(cue)
            elif stem and len(stem[0]) >= _KEY_LEN:
                words_stem = stem[0][:_STEM_KEY_MAX]
                stems.add(words_stem)
                cue_sets[1].add(words_stem)
            else:
                always = True
                if multi and multi[-1] == entry:
                    multi_always = True
        return cls(
            list(entries),
            frozenset(words),
            frozenset(stems),
            always,
            frozenset(single_words),
            {k: tuple(sorted(v)) for k, v in single_stems.items()},
            multi,
            frozenset(mw),
            frozenset(ms),
            multi_always,
        )

    def may_match(self, words: TextWords) -> bool:
        return (
            self.always
            or not self.words.isdisjoint(words.unique)
            or not self.stems.isdisjoint(words.prefixes)
        )

    def possible(self, words: TextWords) -> bool:
        """Whether the text holds the words and beginnings some entry needs (a search of
        the list's regex over any stretch of the text finds nothing otherwise)."""
        if self.needs is None:
            self.needs = [_entry_needs(e) for e in self.entries]
        return _any_needs(self.needs, words)

    def regex(self) -> re.Pattern[str]:
        if self.pattern is None:
            self.pattern = _word_pattern(self.entries)
        return self.pattern

    def present(self, words: TextWords, folded: str) -> bool:
        """Whether an entry occurs anywhere in the text (the cheap way round: a single
        word the text holds is enough)."""
        if not self.single_words.isdisjoint(words.unique):
            return True
        return bool(self.may_match(words) and self.spans(words, folded))

    def spans(
        self, words: TextWords, folded: str, lo: int = 0, hi: int | None = None
    ) -> list[tuple[int, int]]:
        """Where the list's entries occur in folded[lo:hi], in order.

        Single words and stems are found where they start a word (a fast literal search);
        the regex of the multi-word entries runs only when one of their cues is in the
        text, and then only over [lo, hi).
        """
        hi = len(folded) if hi is None else hi
        out: set[tuple[int, int]] = set()
        for w in self.single_words & words.unique:
            out.update(m.span() for m in _word_starts(w, True).finditer(folded, lo, hi))
        for p in words.prefixes & self.single_stems.keys():
            for m in _word_starts(p, False).finditer(folded, lo, hi):
                pos = m.start()
                for stem in self.single_stems[p]:
                    if folded.startswith(stem, pos):
                        out.add((pos, _WORD_END.match(folded, pos).end()))  # type: ignore[union-attr]
                        break
        if self.multi and not self.multi_always:
            if self.multi_needs is None:
                self.multi_needs = [_entry_needs(e) for e in self.multi]
            if not _any_needs(self.multi_needs, words):
                return sorted(out)  # no multi-word entry can match: skip the cue scans
        if self.multi:
            if self.multi_pattern is None:
                self.multi_pattern = _word_pattern(self.multi)
            if self.multi_always:
                out.update(m.span() for m in self.multi_pattern.finditer(folded, lo, hi))
            else:
                # Around each place a multi-word entry's cue word starts a word.
                for cues, whole in (
                    (self.multi_words & words.unique, True),
                    (self.multi_stems & words.prefixes, False),
                ):
                    for cue in cues:
                        for at in _word_starts(cue, whole).finditer(folded, lo, hi):
                            a = at.start()
                            for m in self.multi_pattern.finditer(
                                folded, max(lo, a - 40), min(hi, a + len(cue) + 40)
                            ):
                                if m.start() <= a < m.end():
                                    out.add(m.span())
        return sorted(out)


_WORD_END = re.compile(r"[^\W_]*")


def _entry_needs(entry: str) -> tuple[frozenset[str], frozenset[str]]:
    """(words, word beginnings) that a text holds wherever a word-list entry matches, even
    in a search cut short by its end position.

    Each letter run of the entry is delimited by characters that are no letters (spaces,
    separators, punctuation), so it is a whole word of the text, except: the last run,
    whose match may be cut short (its first letters then begin a word), a stem ("kept*",
    its first letters), and a run that follows a stem's "*" (it may run on from the
    stem's word). Beginnings are those of TextWords.prefixes (three to five letters)."""
    tokens = list(_TOKEN.finditer(entry))
    whole: set[str] = set()
    begins: set[str] = set()
    for n, m in enumerate(tokens):
        token, start, end = m.group(0), m.start(), m.end()
        if start and entry[start - 1] == "*":
            continue
        if entry[end : end + 1] == "*" or n == len(tokens) - 1:
            if len(token) >= _KEY_LEN:
                begins.add(token[:_STEM_KEY_MAX])
        else:
            whole.add(token)
    return frozenset(whole), frozenset(begins)


def _any_needs(needs: list[tuple[frozenset[str], frozenset[str]]], words: TextWords) -> bool:
    """Whether the text holds all that one of `needs` (_entry_needs of entries) asks."""
    unique, prefixes = words.unique, words.prefixes
    for whole, begins in needs:  # noqa: SIM110 (a loop: any() of a generator costs more)
        if whole.issubset(unique) and begins.issubset(prefixes):
            return True
    return False


@dataclass
class _Concept:
    indicator: str
    lang: str
    weight: float
    needs: tuple[str, ...]
    unless: tuple[str, ...]
    classes: list[_WordList]


def _concept_cues(concept: _Concept) -> tuple[frozenset[str], frozenset[str], bool]:
    """The cheapest word list of a concept to index it by: (words, stems, always)."""

    def commonness(c: _WordList) -> tuple[bool, int, int]:
        # Short words are common words ("on", "a", "only"): index by the list whose
        # shortest cue is longest, so that few texts wake the concept up for nothing.
        shortest = min((len(w) for w in (*c.words, *c.stems)), default=0)
        return c.always, -shortest, len(c.words) + len(c.stems)

    best = min(concept.classes, key=commonness)
    return best.words, best.stems, best.always


class _WordLists(dict[tuple[str, str], Any]):
    """(language, name) -> _WordList. A compiled table's lists stay raw entries until
    first asked for: a process asks for a few of the 21 languages' several hundred lists,
    and building them all was a twentieth of its start-up."""

    def __getitem__(self, key: tuple[str, str]) -> _WordList:
        value = dict.__getitem__(self, key)
        if value.__class__ is list:
            value = _WordList.of(value)
            dict.__setitem__(self, key, value)
        return value

    def get(self, key: tuple[str, str], default: Any = None) -> Any:
        value = dict.get(self, key, default)
        return self[key] if value.__class__ is list else value

    def values(self) -> list[_WordList]:  # type: ignore[override]
        return [self[key] for key in self]

    def items(self) -> list[tuple[tuple[str, str], _WordList]]:  # type: ignore[override]
        return [(key, self[key]) for key in self]


@dataclass
class _Table:
    words: _Index
    stems: _Index
    vocabulary: frozenset[str]  # every word of every phrase (hashtag segmentation)
    negations: dict[str, frozenset[str]]  # language -> its negation words
    guards: dict[tuple[str, str], _WordList]  # (language, id) -> look-alike words
    contexts: dict[tuple[str, str], _WordList]  # (language, name) -> words
    # Which index keys are worth trying: a key is tried only when the text also holds an
    # anchor of one of its phrases (most keys are common words: "the", "de", "на").
    # (key, is_stem) -> (anchor words, anchor stem beginnings), or None: always tried.
    anchors: dict[tuple[str, bool], tuple[frozenset[str], frozenset[str]] | None]

    # Concepts (words of several kinds in one sentence), and which to try for a text:
    # cue word or stem beginning of a concept's first word list -> concept numbers.
    concepts: list[Any] = field(default_factory=list)  # _Concept once read
    concept_words: dict[str, list[int]] = field(default_factory=dict)
    concept_stems: dict[str, list[int]] = field(default_factory=dict)

    def concept(self, n: int) -> _Concept:
        concept = self.concepts[n]
        if isinstance(concept, list):  # from a compiled table
            ind, lang, w, needs, unless, classes = concept
            concept = self.concepts[n] = _Concept(
                ind, lang, w, tuple(needs), tuple(unless), [_WordList.of(c) for c in classes]
            )
        return concept

    def __post_init__(self) -> None:
        # The same, as sets and per kind of key, for the per-text lookups.
        self.word_keys = frozenset(self.words.groups)
        self.stem_keys = frozenset(self.stems.groups)
        self.concept_word_keys = frozenset(self.concept_words)
        self.concept_stem_keys = frozenset(self.concept_stems)
        self.word_anchors = {k: a for (k, is_stem), a in self.anchors.items() if not is_stem}
        self.stem_anchors = {k: a for (k, is_stem), a in self.anchors.items() if is_stem}
        self.negation_sets: dict[tuple[str, str | None], frozenset[str]] = {}  # _negations
        self.post_negated: re.Pattern[str] | None = None  # _post_negated_pattern
        # _context_cues: (cue words, cue stem beginnings, always) of every list of a context
        self.context_cues: dict[str, tuple[frozenset[str], frozenset[str], bool]] = {}

    def anchor_of(self, key: str, is_stem: bool) -> tuple[frozenset[str], frozenset[str]] | None:
        anchors = self.stem_anchors if is_stem else self.word_anchors
        anchor = anchors.get(key)
        if anchor.__class__ is list:  # from a compiled table
            anchor = anchors[key] = (frozenset(anchor[0]), frozenset(anchor[1]))
        return anchor


def _index(by_key: dict[str, list[tuple[str, _Phrase]]]) -> _Index:
    groups: dict[str, list[_Group]] = {}
    for key, items in by_key.items():
        by_ind: dict[str, list[tuple[str, _Phrase]]] = {}
        for spelling, info in items:
            by_ind.setdefault(info.indicator, []).append((spelling, info))
        out = []
        for ind, group in by_ind.items():
            # Longest spelling first, so that "24/7 customer support" wins over "24/7".
            group.sort(key=lambda item: len(item[0]), reverse=True)
            out.append(_Group(ind, [sp for sp, _ in group], [info for _, info in group]))
        groups[key] = out
    return _Index(groups)


_LEAD = r"(?<![^\W_])"


def _starts_word(alt: str) -> str:
    """`alt` that matches only where a word starts. The check follows the first letter
    when the alternative opens with a plain one ("b(?<![^\\W_]b)ecause"): the engine then
    jumps from one possible first letter to the next instead of trying every position."""
    c = alt[0]
    if c.isalnum() and alt[1:2] not in ("*", "+", "?", "{"):
        return rf"{c}(?<![^\W_]{c}){alt[1:]}"
    return _LEAD + alt


def _word_pattern(words: list[str]) -> re.Pattern[str]:
    # Longest first: at one position the longest entry wins ("only accept" over "only").
    alts = sorted(
        {_literal(w) + ("" if w.endswith("*") else r"(?![^\W_])") for w in words},
        key=lambda a: (-len(a), a),
    )
    return re.compile("(?:" + "|".join(map(_starts_word, alts)) + ")")


def _own_words(spelling: str, negations: frozenset[str]) -> frozenset[str] | None:
    if "~" not in spelling:
        return None
    words = frozenset(_TOKEN.findall(spelling))
    return None if words & negations else words


@functools.cache
def _table(langs: tuple[str, ...]) -> _Table:
    """The phrase table of `langs`: compiled ahead of time when it is one script's set
    (crawler.extract.lexicon_cache), else built from the lexicons now."""
    from crawler.extract.lexicon_cache import cached_table

    raw = cached_table(langs)
    return _table_from_json(raw) if raw is not None else _build_table(langs)


def _table_from_json(raw: dict[str, Any]) -> _Table:
    negations = {lang: frozenset(words) for lang, words in raw["negations"].items()}
    return _Table(
        _Index(dict(raw["words"]), negations),  # copies: groups_of replaces entries
        _Index(dict(raw["stems"]), negations),
        frozenset(raw["vocabulary"]),
        negations,
        _WordLists(
            ((lang, name), words)
            for lang, lists in raw["guards"].items()
            for name, words in lists.items()
        ),
        _WordLists(
            ((lang, name), words)
            for lang, lists in raw["contexts"].items()
            for name, words in lists.items()
        ),
        {(key[2:], key[0] == "s"): anchor for key, anchor in raw["anchors"].items()},
        list(raw["concepts"]),  # raw until first used: see _Table.concept
        raw["concept_words"],
        raw["concept_stems"],
    )


def table_to_json(langs: tuple[str, ...]) -> dict[str, Any]:
    """The phrase table of `langs` as JSON-able data (for crawler.extract.lexicon_cache)."""
    table = _build_table(langs)

    def index(ix: _Index) -> dict[str, str]:
        # Each key's groups as a JSON text of their own, read when the key is first met
        # in a text (_Index.groups_of): a process meets a few hundred of the thousands of
        # keys, and reading them all was a tenth of its start-up.
        return {
            key: json.dumps(
                [
                    [
                        g.indicator,
                        _spellings_of(g),
                        [[p.weight, p.lang, list(p.needs), list(p.unless)] for p in g.phrases],
                    ]
                    for g in ix.groups_of(key)
                ],
                ensure_ascii=False,
                separators=(",", ":"),
            )
            for key in ix.groups
        }  # fmt: skip

    def lists(table_lists: dict[tuple[str, str], _WordList]) -> dict[str, dict[str, list[str]]]:
        out: dict[str, dict[str, list[str]]] = {}
        for (lang, name), words in table_lists.items():
            out.setdefault(lang, {})[name] = words.entries
        return out

    return {
        "words": index(table.words),
        "stems": index(table.stems),
        "vocabulary": sorted(table.vocabulary),
        "negations": {lang: sorted(words) for lang, words in table.negations.items()},
        "guards": lists(table.guards),
        "contexts": lists(table.contexts),
        # Sorted: built from sets, their order changed from one build to the next.
        "concept_words": dict(sorted(table.concept_words.items())),
        "concept_stems": dict(sorted(table.concept_stems.items())),
        "concepts": [
            [
                c.indicator,
                c.lang,
                c.weight,
                list(c.needs),
                list(c.unless),
                [wl.entries for wl in c.classes],
            ]
            for c in table.concepts
        ],  # fmt: skip
        "anchors": {
            ("s:" if is_stem else "w:") + key: (
                [sorted(anchor[0]), sorted(anchor[1])] if anchor is not None else None
            )
            for (key, is_stem), anchor in table.anchors.items()
        },
    }


def _spellings_of(group: _Group) -> list[str]:
    """A group's spellings (a group built now, its pattern not compiled yet)."""
    if isinstance(group.pattern, re.Pattern):
        raise TypeError(f"group {group.indicator}: already compiled")
    return list(group.pattern)


def _build_table(langs: tuple[str, ...]) -> _Table:
    by_word: dict[str, list[tuple[str, _Phrase]]] = {}
    by_stem: dict[str, list[tuple[str, _Phrase]]] = {}
    anchors: dict[tuple[str, bool], tuple[set[str], set[str]] | None] = {}
    vocabulary: set[str] = set()
    negations: dict[str, frozenset[str]] = {}
    guards: dict[tuple[str, str], _WordList] = {}
    contexts: dict[tuple[str, str], _WordList] = {}
    concepts: list[_Concept] = []
    for name in langs:
        lang = _lexicon_name(name)
        latin_only = name.endswith(LATIN_ONLY)  # see LATIN_ONLY
        data = full_language(lang)
        for ind, items in _spellings(lang).items():
            for spelling, entry in items:
                if _left_out(name, LATIN_GATE in entry.needs):
                    continue
                key = _key(spelling)
                assert key is not None  # checked when the lexicon was read
                info = _Phrase(
                    ind,
                    entry.weight,
                    lang,
                    entry.needs,
                    entry.unless,
                    _own_words(spelling, data.negations),
                )
                (by_stem if key[1] else by_word).setdefault(key[0], []).append((spelling, info))
                vocabulary.update(w for w in _TOKEN.findall(spelling) if len(w) > 1)
                anchor = _anchor(spelling, key[0])
                known = anchors.setdefault(key, (set(), set()))
                if anchor is None or known is None:
                    anchors[key] = None
                else:
                    for text, is_stem in anchor:
                        known[is_stem].add(text)
        for ind, rules in data.concepts.items():
            for rule in rules:
                if _left_out(name, LATIN_GATE in rule.needs):
                    continue
                concepts.append(
                    _Concept(
                        ind,
                        lang,
                        rule.weight,
                        rule.needs,
                        rule.unless,
                        [_WordList.of(list(c)) for c in rule.classes],
                    )
                )
        negations[lang] = data.negations
        for ind, words in data.guards.items():
            if words and not latin_only:
                guards[(lang, ind)] = _WordList.of(words)
        for context, words in data.contexts.items():
            if words and not _left_out(name, context == LATIN_GATE):
                contexts[(lang, context)] = _WordList.of(words)
    return _Table(
        _index(by_word),
        _index(by_stem),
        frozenset(vocabulary),
        negations,
        guards,
        contexts,
        {k: (frozenset(v[0]), frozenset(v[1])) if v else None for k, v in anchors.items()},
        *_concept_index(concepts),
    )


def _concept_index(
    concepts: list[_Concept],
) -> tuple[list[_Concept], dict[str, list[int]], dict[str, list[int]]]:
    words: dict[str, list[int]] = {}
    stems: dict[str, list[int]] = {}
    for n, concept in enumerate(concepts):
        cue_words, cue_stems, always = _concept_cues(concept)
        if always:
            words.setdefault("", []).append(n)
        for w in cue_words:
            words.setdefault(w, []).append(n)
        for st in cue_stems:
            stems.setdefault(st, []).append(n)
    return concepts, words, stems


def _compiled(group: _Group) -> re.Pattern[str]:
    """The group's phrases as one alternation; the match's lastindex is the number of the
    phrase that matched (from 1).

    Each phrase ends with an empty capturing group rather than being one: alternatives
    that open with the same letters (all open with the group's key) then have those
    factored out by the regex compiler, and the rest of each opens with a literal or a
    class that the engine tests before it tries the alternative at all."""
    if isinstance(group.pattern, re.Pattern):
        return group.pattern
    source = "|".join(f"{_fragment(spelling)}()" for spelling in group.pattern)
    group.pattern = re.compile(source)
    return group.pattern


def load_lexicons() -> None:
    """Load, check and compile every lexicon now (raises LexiconError), not on first use."""
    for lang in available_languages():
        _checked(
            f"crawler/extract/lexicons/{lang}.yaml",
            full_language(lang).indicators,
            compile_it=True,
        )
    table = _table(available_languages())
    for index in (table.words, table.stems):
        for key in index.groups:
            for group in index.groups_of(key):
                _compiled(group)


@functools.cache
@functools.lru_cache(maxsize=1024)
def _languages_for(
    lang: str | None, extra: tuple[str, ...] = (), scripts: tuple[str, ...] = ()
) -> tuple[str, ...]:
    """The lexicons to match: every language written in the text's scripts, so that a
    wrong or missing language guess loses nothing, plus `lang`, `extra` and English
    (English phrases are common in ads of every language: "new in town", "24/7").

    Cached: it depends on its arguments and the lexicon files only, and a few combinations
    come back for every listing (it tests the scripts of every language)."""
    have = available_languages()
    if not scripts and lang is None and not extra:
        return have
    wanted = {lang, *extra, "en"} | {x for x in have if set(_scripts(x)) & set(scripts)}
    if "latin" in scripts:
        wanted |= {x + LATIN_ONLY for x in have if x not in wanted and _latin_gated(x)}
    elif scripts:
        wanted = {x + OWN_SCRIPT if x in have and _latin_gated(x) else x for x in wanted}
    return tuple(sorted(x for x in wanted if x and _lexicon_name(x) in have)) or ("en",)


def _left_out(name: str, latin: bool) -> bool:
    """Whether the table entry `name` leaves out a phrase, concept or context that is
    (`latin`) or is not one of its language's Latin spellings (see LATIN_ONLY)."""
    if name.endswith(LATIN_ONLY):
        return not latin
    if name.endswith(OWN_SCRIPT):
        return latin
    return False


def _lexicon_name(name: str) -> str:
    """The language of a table entry ("el" of "el~latin" and "el~own")."""
    return name.removesuffix(LATIN_ONLY).removesuffix(OWN_SCRIPT)


@functools.cache
def _scripts(lang: str) -> tuple[str, ...]:
    return language(lang).scripts


# A language whose phrases are also spelled in Latin letters where the listing shows it (a
# `latin_letters` context, Greek: see lexicon._with_latin) is matched in Latin text as
# "el" + LATIN_ONLY: its Latin spellings, negations and that context only, not the
# phrases of its own script (a table that holds them costs every Latin-text start-up);
# in text without Latin letters as "el" + OWN_SCRIPT: all but those.
LATIN_ONLY = "~latin"
OWN_SCRIPT = "~own"


@functools.cache
def _latin_gated(lang: str) -> bool:
    return LATIN_GATE in language(lang).contexts and "latin" not in _scripts(lang)


# --- hashtags ---------------------------------------------------------------------------------

_TWENTY_FOUR_SEVEN = re.compile(r"(?<![0-9])247(?![0-9])")
_HASHTAG = re.compile(r"#([^\W_]{4,40})")
_CAMEL = re.compile(r"[A-ZÀ-Þ]?[a-zß-ÿ]+|[A-ZÀ-Þ]+(?![a-z])|\d+")


def _segment(word: str, vocabulary: frozenset[str]) -> list[str] | None:
    """`word` as a sequence of vocabulary words (fewest pieces), or None."""
    n = len(word)
    best: list[list[str] | None] = [None] * (n + 1)
    best[0] = []
    for i in range(n):
        if best[i] is None:
            continue
        for j in range(i + 1, min(n, i + 16) + 1):
            piece = word[i:j]
            if piece in vocabulary or piece.isdigit():
                cand = [*best[i], piece]  # type: ignore[misc]
                if best[j] is None or len(cand) < len(best[j]):  # type: ignore[arg-type]
                    best[j] = cand
    return best[n]


def _hashtag_words(
    text: str, folded: str, vocabulary: frozenset[str]
) -> list[tuple[str, int, int]]:
    """(words, start, end) of each hashtag that reads as several words."""
    out = []
    for m in _HASHTAG.finditer(text):
        tag = m.group(1)
        parts = _CAMEL.findall(tag)
        if len(parts) < 2 or "".join(parts) != tag:
            low = folded[m.start(1) : m.end(1)].replace("247", "24 7")
            seg = _segment(low.replace(" ", ""), vocabulary | {"24", "7"})
            if seg is None or len(seg) < 2:
                continue
            parts = seg
        joined = fold(" ".join(parts)).replace("2 4 7", "24 7")
        out.append((_TWENTY_FOUR_SEVEN.sub("24 7", joined), m.start(), m.end()))
    return out


# --- stated ages -----------------------------------------------------------------------------

_AGE_NUMBER = re.compile(r"1(?<![\d.,:/+\-]1)[0-7](?![.,:/]\d)(?!\d)")
_AGE_BEFORE = lazy_re(
    r"(?:\bage|\baged|\bage\s*:|\balter|\bleeftijd|\bvarsta|\bedad|\beta|\bidade|\bwiek"
    r"|\beletkor|\bkor|\bvek|\bvek|\bstarost|\bηλικια|\bika|\balder|\bamzius|\baldur|\bmosha"
    r"|\bgodine|\bgodina|ასაკი|возраст|\bвик|\bвік|\bгодин|\bi\s*am|\bi'm|\bim|\bik\s*ben"
    r"|\bich\s*bin|\bsunt|\btengo|\bsoy|мне|мені|\bj'ai|\bho|\bmam|\bjsem|\bsom|\bolen"
    r"|\bjag\s*ar|\bes\s*esu|\beg\s*er|\bjam|\bimam)\s*[:=\-]?\s*$",
)
_AGE_AFTER = lazy_re(
    r"\s*(?:-\s*)?(?:years?\s*old|yrs?\s*old|y\.?\s*o\b\.?|yo\b|years?\b|yrs?\b|jaar\b|jahre\b"
    r"|j\.|ani\b|anos\b|anos\b|anni\b|lat\b|ans\b|лет\b|года\b|год\b|років\b|роки\b|рік\b"
    r"|eves\b|let\b|rokov\b|rocnik|ετων\b|χρονων\b|vuotias|ar\b|metu\b|metai\b|ara\b|vjec\b"
    r"|godina\b|година\b|წლის)",
)
# What follows "16 years" when it is not an age: experience, time spans, guarantees.
_NOT_AN_AGE_AFTER = lazy_re(
    r"\s*of\s+(?!age\b)|\s*(?:in|at|with|as|on|for|since|ago|behind)\b|"
    r"\s*(?:old\s*)?(?:of\s+|in\s+|de\s+|an\s+|im\s+)?(?:experience|ervaring|erfahrung|"
    r"experien|esperienza|doswiadcz|опыт|досвід|досвид|business|ago|geleden|her\b|in urma|назад|"
    r"warranty|garantie|guarantee|contract|service|dienst|work|werk|arbeit|lucru|trabajo|"
    r"работ|робот|tenure|industry|branche|praktijk|praxis|history|geschiedenis|geschichte|"
    r"istori|истори|історі|historia|jubil|anniversary|tapasztalat|praxe|prax|izkusen|"
    r"εμπειρ|kokemus|erfarenhet|patirt|reynsl|pervoj|iskust|გამოცდილ)",
)
_NOT_AN_AGE_BEFORE = lazy_re(
    r"(?:child|kid|son|daughter|kinder|kind\b|copii|copil|nin|hij[oa]|дет|ребен|діт|дитин|"
    r"enfant|bambin|dziec|under|onder|unter|sub\b|menores|младше|молодше|below|minimum|"
    r"\bmin\b|from|vanaf|\bab\b|desde|\bот\b|\bвід\b|over|boven|uber|peste|mas de|старше|"
    r"\bto\b|\btot\b|\bbis\b|\bдо\b|between|tussen|zwischen|company|firm|bedrijf|"
    r"unternehmen|empresa|компани|компані|gyerek|deti|deca|otrok|παιδι|lapsi|barn|vaik|born|"
    r"femij|ბავშვ|crianc|bambini|dzieci|aged|wieku|anos e)[^.!?\n]{0,30}$",
)
# A duration written right before the number ("in business for 16 years", "seit 16 Jahren",
# "за 16 лет"): a time span, not an age, unless an age word stands before it ("age 16").
_DURATION_BEFORE = lazy_re(
    r"(?:\bfor|\bsince|\balready|\bduring|\bseit|\bfur|\bdepuis|\bhace|\bdurante|\bsinds"
    r"|\bal\s+ruim|\bза|\bуже|\bвже|\bjau|\bjuz|\bjiz)\s*$"
)
# After the number, words that only an age takes ("16 years old", "16 y.o.").
_AGE_ONLY_AFTER = re.compile(r"old|y\.?\s*o\b|yo\b|vuotias|vjec|წლის")
AGE_FIELDS = frozenset(
    ("age", "stated_age", "leeftijd", "alter", "varsta", "vârsta", "edad", "età", "wiek",
     "возраст", "вік", "idade", "âge", "életkor", "věk", "vek", "ηλικία", "ikä", "ålder",
     "amžius", "aldur", "mosha", "godine", "ასაკი")
)  # fmt: skip


def _age_numbers(folded: str, runs: tuple[list[int], list[int]]) -> list[tuple[int, int]]:
    """The spans _AGE_NUMBER.finditer(folded) finds, read off the text's runs of ASCII
    digits (TextWords.digit_runs: fold keeps every ASCII digit where it is): a match is a
    run of two digits "10" to "17" with no other decimal digit next to it (\\d and
    str.isdecimal are the same test), no ".,:/+-" before it and no ".,:/" and digit after."""
    out: list[tuple[int, int]] = []
    n = len(folded)
    for start, end in zip(*runs, strict=True):
        if end - start != 2 or folded[start] != "1" or folded[start + 1] not in "01234567":
            continue
        if start and (folded[start - 1] in ".,:/+-" or folded[start - 1].isdecimal()):
            continue
        if end < n:
            after = folded[end]
            if after.isdecimal() or (after in ".,:/" and folded[end + 1 : end + 2].isdecimal()):
                continue
        out.append((start, end))
    return out


def _stated_minor_ages(
    folded: str, runs: tuple[list[int], list[int]] | None = None
) -> list[tuple[int, int]]:
    """(start, end) of stated ages under 18 in the folded text (`runs`: its TextWords'
    digit_runs, when known)."""
    hits: list[tuple[int, int]] = []
    spans = (
        _age_numbers(folded, runs)
        if runs is not None
        else [m.span() for m in _AGE_NUMBER.finditer(folded)]
    )
    for start, end in spans:
        before = _AGE_BEFORE.search(folded, max(0, start - 16), start)
        after = _AGE_AFTER.match(folded, end, end + 14)
        if not before and not after:
            continue
        if (
            not before
            and not (after and _AGE_ONLY_AFTER.search(after.group()))
            and _DURATION_BEFORE.search(folded, max(0, start - 12), start)
        ):
            continue
        if after and _NOT_AN_AGE_AFTER.match(folded, after.end(), after.end() + 30):
            continue
        if _NOT_AN_AGE_BEFORE.search(
            folded, max(0, start - 40), before.start() if before else start
        ):
            continue
        hits.append((before.start() if before else start, after.end() if after else end))
    return hits


def _field_age(fields: dict) -> tuple[str, str] | None:
    for name, value in fields.items():
        if str(name).lower() not in AGE_FIELDS or value is None:
            continue
        m = re.search(r"\d{1,3}", str(value))
        if m and int(m.group(0)) < 18:
            return str(name), str(value).strip()
    return None


# --- matching --------------------------------------------------------------------------------


@functools.cache
def _word_starts(key: str, whole: bool) -> re.Pattern[str]:
    k = re.escape(key)
    return re.compile(rf"{k}(?<![^\W_]{k})" + (r"(?![^\W_])" if whole else ""))


def _candidates(
    table: _Table, folded: str, words: TextWords
) -> list[tuple[int, int, str, int, list[_Group]]]:
    """(position, -length, key, kind, groups) of every place a key of the table starts a
    word, in order (kind: 0 for a word key, 1 for a stem key; groups: the key's groups
    that may match the text); a key is looked for only when the text holds an anchor of
    one of its phrases and all that a phrase of one of its groups needs."""
    out: list[tuple[int, int, str, int, list[_Group]]] = []
    append = out.append
    unique, prefixes = words.unique, words.prefixes
    for index, keys, anchors, kind in (
        (table.words, unique & table.word_keys, table.word_anchors, 0),
        (table.stems, prefixes & table.stem_keys, table.stem_anchors, 1),
    ):
        starts = index.starts
        for key in keys:
            anchor = anchors.get(key)  # _Table.anchor_of, inline: it runs for every key
            if anchor is not None:
                if anchor.__class__ is list:
                    anchor = table.anchor_of(key, kind == 1)
                if anchor[0].isdisjoint(unique) and anchor[1].isdisjoint(prefixes):
                    continue
            groups: list[_Group] = index.groups[key]
            if groups and groups[0].__class__ is not _Group:
                groups = index.groups_of(key)
            live = [g for g in groups if g.possible(unique, prefixes)]
            if not live:
                continue
            pattern = starts.get(key)
            if pattern is None:
                pattern = starts[key] = _word_starts(key, not kind)
            size = -len(key)
            for m in pattern.finditer(folded):
                append((m.start(), size, key, kind, live))
    # Position first; at one position the longer key, then the key itself, then word keys
    # before stem keys: a fixed order, never the iteration order of a set, which changes
    # with the process's hash seed (the same text gave different evidence in two runs).
    # The tuples sort so by themselves (no two share position, key and kind).
    out.sort()
    return out


_LAST_CLAUSE_END = re.compile(r"(?s:.*)[.!?;:,\n()]")  # match(): up to the last one
# Alternatives that each open with a literal: the engine then skips ahead to one of these
# characters (written "[!?;\n]|\.(?!\d)", it would try the whole pattern at every position).
_SENTENCE_END = re.compile(r"\.(?!\d)|!|\?|;|\n")
_WORD = re.compile(r"[^\W_]+(?:'[^\W_]+)?")
# Hits of the key's indicator are not counted in the same sentence as the value's: the
# housing and the nationality of a refugee lure are the lure ("Ukrainian women who fled
# the war: free room plus a job"), not separate evidence.
# Likewise travel costs advanced and then deducted are the debt, not a separate fee.
_SUBSUMED_BY = {
    "employer_housing": "refugee_targeting",
    "nationality_emphasis": "refugee_targeting",
    "recruitment_fee": "debt_bondage",
}


def _negated(
    folded: str, start: int, end: int, negations: frozenset[str], own: frozenset[str] | None
) -> bool:
    """A negation word among the three words before `start` in the same clause, or in a
    gap of the hit ("we keep ~ passport" in "we never keep your passport")."""
    window = folded[max(0, start - 40) : start]
    cut = _LAST_CLAUSE_END.match(window)
    words = _WORD.findall(window, cut.end() if cut else 0)[-3:]
    if own is not None:
        words += [w for w in _WORD.findall(folded[start:end]) if w not in own]
    return any(w in negations or w.endswith("n't") for w in words)


def _asks(folded: str, end: int) -> bool:
    """Whether the sentence that a hit ends in is a question."""
    stop = _SENTENCE_END.search(folded, end, end + 40)
    return stop is not None and stop.group(0) == "?"


def _negations(table: _Table, phrase_lang: str, text_lang: str | None) -> frozenset[str]:
    """Negation words that void a phrase: its own language's, the text's and English.

    Not every language's: Lithuanian "be" (without) before an English phrase is "be".
    """
    out = table.negation_sets.get((phrase_lang, text_lang))
    if out is None:
        empty: frozenset[str] = frozenset()
        out = table.negations.get(phrase_lang, empty) | table.negations.get("en", empty)
        if text_lang and text_lang != phrase_lang:
            out |= table.negations.get(text_lang, empty)
        table.negation_sets[(phrase_lang, text_lang)] = out
    return out


def _guarded(
    table: _Table, lang: str, ind: str, words: TextWords, folded: str, start: int, end: int
) -> bool:
    """A look-alike word of the indicator near the hit, in one language's guard list.

    Guards are per language, not pooled: Swedish "jour" (an on-call service) guards
    "24/7" in Swedish, not "jour et nuit" in French.
    """
    guard = table.guards.get((lang, ind))
    if guard is None or not guard.may_match(words) or not guard.possible(words):
        return False
    # The look-alike must be in the same sentence: "Volunteers answer within a day" does
    # not make the next sentence's offer to refugees a charity's.
    lo, hi = max(0, start - 100), end + 100
    cuts = [m.end() for m in _SENTENCE_END.finditer(folded, lo, start)]
    after = _SENTENCE_END.search(folded, end, hi)
    return (
        guard.regex().search(folded, cuts[-1] if cuts else lo, after.start() if after else hi)
        is not None
    )


def find_indicators(
    text: str,
    lang: str | None = None,
    *,
    fields: dict | None = None,
    words: TextWords | None = None,
    also: tuple[str, ...] = (),
) -> list[IndicatorHit]:
    """Indicator hits in `text`, in order of appearance, one per (id, evidence).

    `lang` picks the lexicon (English is always used too; `also` adds more languages, for
    mixed-language ads); when None it is detected, and when detection fails every lexicon
    is used. `fields` are structured listing fields; an age field under 18 gives
    `minor_age_stated` with that field as its source. `words` is TextWords.of(text) for
    the cleaned text when the caller has it already.
    """
    found: list[tuple[int, IndicatorHit]] = []
    if text:
        if words is None or words.text != text:
            text = clean(text)
            words = TextWords.of(text)
        if lang is None:
            ranked = detect_languages(text, words)
            lang = ranked[0] if ranked else None
            also = (*also, *ranked[1:2])
        langs = _languages_for(lang, also, words.scripts)
        _match(text, words, _table(langs), lang, found)
    if fields:
        age = _field_age(fields)
        if age:
            name, value = age
            hit = IndicatorHit(id="minor_age_stated", evidence=value, field=name)
            found.append((len(text or ""), hit))
    found.sort(key=lambda item: item[0])
    return [hit for _, hit in found]


def _with_hashtags(
    text: str, words: TextWords, table: _Table
) -> tuple[str, frozenset[str], list[tuple[int, int, int]]]:
    """The folded text with each hashtag's words appended ("#newintown" -> "new in town"),
    its words, and (offset in that text, start, end in `text`) of each appended tag."""
    folded, unique = words.lower, words.unique
    extra_spans: list[tuple[int, int, int]] = []
    if "#" in text:
        tags = _hashtag_words(text, folded, table.vocabulary)
        if tags:
            pieces = [folded]
            offset = len(folded)
            for joined, s, e in tags:
                pieces.append("\n")
                offset += 1
                extra_spans.append((offset, s, e))
                pieces.append(joined)
                offset += len(joined)
            folded = "".join(pieces)
            unique = unique | frozenset(_TOKEN.findall(" ".join(t[0] for t in tags)))
    return folded, unique, extra_spans


def _context(
    table: _Table,
    name: str,
    langs: set[str],
    words: TextWords,
    folded: str,
    cache: dict[tuple[str, str], bool],
) -> bool:
    """Whether the text holds a word of context `name` in one of `langs` (the phrase's
    language, the text's and English: Romanian "magazin" is a shop, not a warehouse)."""
    for lang in langs:
        key = (lang, name)
        if key not in cache:
            wanted = table.contexts.get(key)
            cache[key] = wanted is not None and wanted.present(words, folded)
        if cache[key]:
            return True
    return False


def _match(text: str, words: TextWords, table: _Table, lang: str | None, found: list) -> None:
    folded, unique, extra_spans = _with_hashtags(text, words, table)
    seen: set[tuple[str, str]] = set()
    covered: dict[str, int] = {}  # per indicator: "available 24/7" is one hit, not two
    contexts: dict[tuple[str, str], bool] = {}
    hits: list[tuple[int, int, IndicatorHit]] = []
    # The words to test anchors, guards and contexts against, hashtags' words included.
    seen_words = words if unique is words.unique else TextWords(folded, folded, [], unique)
    candidates = _candidates(table, folded, seen_words)
    guards = table.guards
    for pos, _, _, _, groups in candidates:
        for group in groups:
            ind = group.indicator
            if pos < covered.get(ind, 0):
                continue
            pattern = group.pattern
            if pattern.__class__ is list:
                pattern = _compiled(group)
            m = pattern.match(folded, pos)  # type: ignore[union-attr]
            if m is None:
                continue
            info = group.phrases[m.lastindex - 1]  # type: ignore[operator]
            start, end = m.span()
            langs = {info.lang, lang or info.lang, "en"}
            if info.needs and not any(
                _context(table, c, langs, seen_words, folded, contexts) for c in info.needs
            ):
                continue
            if info.unless and any(
                _context(table, c, langs, seen_words, folded, contexts) for c in info.unless
            ):
                continue
            if _negated(folded, start, end, _negations(table, info.lang, lang), info.own_words):
                continue
            guarded = False
            for g in langs:  # only the languages that have guards for the indicator
                if (g, ind) in guards and _guarded(table, g, ind, seen_words, folded, start, end):
                    guarded = True
                    break
            if guarded:
                continue
            if ind == "movement" and _asks(folded, end):
                continue  # "New in town?" asks the reader, it does not describe anyone
            covered[ind] = end
            if start >= len(text):
                span = next(((s, e) for off, s, e in reversed(extra_spans) if off <= start), None)
                evidence = text[span[0] : span[1]] if span else folded[start:end]
                where = span[0] if span else len(text)
            else:
                evidence, where = text[start:end], start
            dedup = (ind, evidence.lower())
            if dedup in seen:
                continue
            seen.add(dedup)
            hits.append(
                (
                    where,
                    min(end, len(text)),
                    IndicatorHit(id=ind, evidence=evidence, lang=info.lang, weight=info.weight),
                )
            )
    # A channel named alone ("tylko SMS") goes before the concepts look: a concept of the
    # same sentence ("nie mówię po polsku") is skipped when the sentence has given the
    # indicator already.
    _channel_alone(table, folded, len(text), lang, hits)
    _match_concepts(table, text, folded, seen_words, lang, contexts, hits, seen)
    if not hits and _may_hold(table, "easy_money", seen_words):
        # Easy money in a lure job abroad that no phrase read ("lätta pengar"): the hit
        # goes through the voice rules below like any other.
        _easy_money_lure(table, text, folded, seen_words, lang, contexts, hits)
    if hits:
        _drop_quoted_warnings(table, text, folded, seen_words, lang, contexts, hits)
        _drop_post_negated(table, folded, len(text), hits)
        if hits:
            _drop_not_own_offer(table, text, folded, seen_words, lang, contexts, hits)
        if hits:
            _drop_lookalike_settings(table, text, folded, seen_words, lang, contexts, hits)
    for start, end in _stated_minor_ages(words.lower, words.digit_runs):
        evidence = text[start:end].strip()
        if ("minor_age_stated", evidence.lower()) not in seen:
            seen.add(("minor_age_stated", evidence.lower()))
            hits.append(
                (start, end, IndicatorHit(id="minor_age_stated", evidence=evidence, lang=lang))
            )
    found.extend((where, hit) for where, _, hit in _not_subsumed(text, hits))


# A quoted span in any of the quotation styles of the 23 languages: "..." “...” „...“ „...”
# «...» »...« ‚...‘ ‹...› ‘...’, and '...' where the quote marks are not apostrophes (a
# letter or digit before the opening one or after the closing one: "L'agenzia", "don't").
_QUOTED = re.compile(
    r'"[^"\n]{1,200}"|“[^“”\n]{1,200}[”“]|„[^„“”\n]{1,200}[“”]|«[^«»\n]{1,200}»'
    r"|»[^«»\n]{1,200}«|‚[^‚‘’\n]{1,200}[‘’]|‹[^‹›\n]{1,200}›|‘[^‘’\n]{1,200}’"
    r"|”[^“”\n]{1,200}”"  # Finnish and Swedish: ”...”
    # '...' may hold apostrophes between letters ('lavoro all'estero, soldi facili').
    r"|'(?<![^\W_]')(?:[^'\n]|(?<=[^\W_])'(?=[^\W_])){1,200}'(?![^\W_])"
)


def _has_quote_mark(text: str) -> bool:
    """Whether `text` holds a quotation mark of _QUOTED (one test per mark, no loop: this
    runs for every listing with a hit)."""
    if "'" in text or '"' in text:
        return True
    if text.isascii():
        return False
    return (
        "“" in text
        or "”" in text
        or "„" in text
        or "«" in text
        or "»" in text
        or "‚" in text
        or "‘" in text
        or "’" in text
        or "‹" in text
        or "›" in text
    )


def _drop_quoted_warnings(
    table: _Table,
    text: str,
    folded: str,
    words: TextWords,
    lang: str | None,
    contexts: dict[tuple[str, str], bool],
    hits: list[tuple[int, int, IndicatorHit]],
) -> None:
    """Drop the hits that a warning quotes: a hit wholly inside quotation marks, in a text
    whose own voice is a warning (a word of the `warning` context of the lexicons: warn,
    beware, red flag, trafficking, report...), is the bad ad's words, not the page's own
    offer ("NGO warns of ads promising 'free housing'"). Quotes that hold only part of a
    hit are emphasis and keep it ("'free' housing")."""
    if not _has_quote_mark(text):
        return
    langs = {lang or "en", "en", *(h.lang for _, _, h in hits if h.lang)}
    if not any(_context(table, "warning", {g}, words, folded, contexts) for g in langs):
        return
    quoted = [m.span() for m in _QUOTED.finditer(text)]
    if not quoted:
        return
    # A hit may run from one quote into the next ('«we keep your passport» or «a loan'):
    # both of its ends quoted is the bad ads' words as much as one quote holding it.
    hits[:] = [
        item
        for item in hits
        if not (
            any(qs < item[0] < qe for qs, qe in quoted)
            and any(qs < item[1] <= qe for qs, qe in quoted)
        )
    ]


# Indicators whose look-alikes are venues (a gym "without limits", a restaurant "new in town",
# an IT desk "24/7").
_VENUE_LOOKALIKES = frozenset(("movement", "constant_availability", "no_limits"))
# A sentence of at most this many words is a headline fragment ("New in town!", "Open
# 24/7."): the sentence next to it says whose it is.
_FRAGMENT_WORDS = 5
# A word inside an identifier: a handle, a link or a name joined by "_" ("li_agency_uk",
# "t.me/of_agency").
_IDENTIFIER_CHARS = re.compile(r"[\w@./:\-]*")
_LINK = re.compile(r"://|[^\W\d_]\.[^\W\d_]{2,}/")  # "https://", "t.me/", "example.org/"


def _drop_not_own_offer(
    table: _Table,
    text: str,
    folded: str,
    words: TextWords,
    lang: str | None,
    contexts: dict[tuple[str, str], bool],
    hits: list[tuple[int, int, IndicatorHit]],
) -> None:
    """Drop the hits that are not the page's own offer (docs/indicators.md, "Whose words"):

    - the page reports or warns: its own voice holds a word of the `report` context (news
      and court words, reported speech, "they told me too", "had to", "victims were") or of
      the `warning` context (beware, red flag, don't trust them), and it holds no word of
      the `offer` context (call me, apply, we offer, send your CV) and no contact (phone,
      handle, e-mail, link): then every hit goes;
    - a venue's look-alike: a movement, constant-availability or no-limits hit in a
      sentence naming a venue (the `venue` context: gym, restaurant, café, IT support), or
      in a headline fragment ("New in town!") next to such a sentence;
    - "No German? No problem!": a restricted-communication hit in a question asks the
      reader, it does not describe the person;
    - a hit that starts and ends inside identifiers ("li_agency_uk or tg @li_bookings"):
      a handle's words are its name, not the text's.
    """
    # The contact first: nearly every ad has one, and then its voice is its own.
    if not _has_contact(text, words):
        langs = {lang or "en", "en", *(h.lang for _, _, h in hits if h.lang)}
        if (
            any(_context(table, "report", {g}, words, folded, contexts) for g in langs)
            or any(_context(table, "warning", {g}, words, folded, contexts) for g in langs)
        ) and not any(_context(table, "offer", {g}, words, folded, contexts) for g in langs):
            hits.clear()
            return
    n = len(text)
    sentences: dict[int, tuple[int, int]] = {}
    identifiers = "_" in text or "@" in text or "://" in text
    debt = restricted = False
    venue: bool | None = None  # whether the text holds a venue cue at all (on first need)
    out = []
    for item in hits:
        start, end, hit = item
        kind = hit.id
        if start < n:
            if kind in _VENUE_LOOKALIKES:
                if venue is None:
                    venue = _may_hold(table, "venue", words)
                if venue and _near_venue(
                    table, folded, start, {hit.lang or "en", lang or "en", "en"}, sentences
                ):
                    continue
            if kind == "restricted_communication" and _asks(folded, end):
                continue
            if identifiers and _in_identifier(text, start) and _in_identifier(text, end - 1):
                continue
        if kind == "debt_bondage":
            debt = True
        elif kind == "restricted_communication":
            restricted = True
        out.append(item)
    hits[:] = out
    if debt:
        _debt_needs_a_debt(table, folded, n, lang, hits)
    if restricted:
        _channel_alone(table, folded, n, lang, hits)


# A clause: what lies between two of these marks ("Reception open 24/7, double room ...").
_CLAUSE_END = re.compile(r",|;|!|\?|\n|\.(?!\d)")


def _drop_lookalike_settings(
    table: _Table,
    text: str,
    folded: str,
    words: TextWords,
    lang: str | None,
    contexts: dict[tuple[str, str], bool],
    hits: list[tuple[int, int, IndicatorHit]],
) -> None:
    """Drop the hits whose words belong to a setting that only looks like the indicator
    (docs/indicators.md, "Whose words"), each from a context of the lexicons:

    - a desk's or a shop's hours: a constant_availability hit in a clause that names a
      `desk` (a reception, a front desk, ordering online): "Reception open 24/7", "Rund
      um die Uhr online bestellen"; "available 0-24, booking only at the reception" is
      the person's availability (the reception is in another clause);
    - a class, a course or a club: an unrealistic_offer or youth_emphasis hit in a text
      that names a `leisure` setting (a dance school, a group for beginners, a football
      club, trials): "no experience needed", "young talents", "fresh faces" of a class;
    - a marriage or dating agency's fee (`matchmaking`) is paid by its client, not by a
      worker: no recruitment_fee in such a text;
    - easy money in a lure: an unrealistic_offer hit that is only "easy money" (the
      `easy_money` context) in a text offering a `lure` job (dancer, hostess, model,
      nanny, a club) is the lure's promise, not high pay for no experience: it goes
      unless "up to" an amount stands in its sentence ("easy money, up to 3000 EUR"),
      and easy money in a lure job is `lure_job_abroad` when the text names a place
      abroad (the `abroad` context);
    - a lure job's recruiter: beside a lure_job_abroad hit, a third_party_control hit is
      the agency that recruits, not one that runs a person's listing.
    """
    kinds = {h.id for _, _, h in hits}
    langs = _hit_langs(hits, lang)
    if "constant_availability" in kinds and _may_hold(table, "desk", words):
        _desk_hours(table, folded, len(text), lang, hits)
    if (
        ("unrealistic_offer" in kinds or "youth_emphasis" in kinds)
        and _may_hold(table, "leisure", words)
        and _context(table, "leisure", langs, words, folded, contexts)
    ):
        # youth_emphasis goes only when the class or club is in its sentence or the one
        # before (a headline: "Dance school Rytm! New group ..."): a club named anywhere
        # in a listing must not hide what it says about a person's youth.
        lists = [wl for g in langs if (wl := table.contexts.get((g, "leisure"))) is not None]
        known: dict[int, tuple[int, int]] = {}
        out = []
        for item in hits:
            start, _end, hit = item
            if hit.id == "unrealistic_offer":
                continue
            if hit.id == "youth_emphasis" and start < len(text):
                lo, hi = _sentence_around(folded, start, known)
                if lo > 0:
                    lo = _sentence_around(folded, lo - 1, known)[0]
                if any(wl.regex().search(folded, lo, hi) for wl in lists):
                    continue
            out.append(item)
        hits[:] = out
        return
    if (
        "recruitment_fee" in kinds
        and _may_hold(table, "matchmaking", words)
        and _context(table, "matchmaking", langs, words, folded, contexts)
    ):
        hits[:] = [h for h in hits if h[2].id != "recruitment_fee"]
    if "unrealistic_offer" in kinds or (
        "lure_job_abroad" not in kinds and _may_hold(table, "easy_money", words)
    ):
        _easy_money_lure(table, text, folded, words, lang, contexts, hits)
    if "third_party_control" in kinds and any(h.id == "lure_job_abroad" for _, _, h in hits):
        # A lure job's ad is a recruiter's: the agency that recruits ("Agencia de modelos
        # busca chicas") does not run a listing of the person offered.
        hits[:] = [h for h in hits if h[2].id != "third_party_control"]


def _context_cues(table: _Table, name: str) -> tuple[frozenset[str], frozenset[str], bool]:
    """(cue words, cue stem beginnings, always) of every list of context `name` in the
    table, whatever their language."""
    cues = table.context_cues.get(name)
    if cues is None:
        contexts = table.contexts
        lists = [contexts[key] for key in contexts if key[1] == name]  # keys: see _WordLists
        cues = table.context_cues[name] = (
            frozenset().union(*(wl.words for wl in lists)),
            frozenset().union(*(wl.stems for wl in lists)),
            any(wl.always for wl in lists),
        )
    return cues


def _may_hold(table: _Table, name: str, words: TextWords) -> bool:
    """Whether the text holds a cue word or stem beginning of context `name` in any
    language of the table (a set test; most texts hold none, and then no list of that
    context is searched)."""
    cue_words, cue_stems, always = _context_cues(table, name)
    return (
        always or not cue_words.isdisjoint(words.unique) or not cue_stems.isdisjoint(words.prefixes)
    )


def _hit_langs(hits: list[tuple[int, int, IndicatorHit]], lang: str | None) -> set[str]:
    return {lang or "en", "en", *(h.lang for _, _, h in hits if h.lang)}


def _clause_around(folded: str, start: int, end: int) -> tuple[int, int]:
    cuts = [m.end() for m in _CLAUSE_END.finditer(folded, max(0, start - 120), start)]
    after = _CLAUSE_END.search(folded, end, end + 120)
    return (cuts[-1] if cuts else max(0, start - 120)), (after.start() if after else end + 120)


def _desk_hours(
    table: _Table,
    folded: str,
    text_len: int,
    lang: str | None,
    hits: list[tuple[int, int, IndicatorHit]],
) -> None:
    out = []
    for item in hits:
        start, end, hit = item
        if hit.id == "constant_availability" and start < text_len:
            lo, hi = _clause_around(folded, start, end)
            langs = {hit.lang or "en", lang or "en", "en"}
            lists = [table.contexts.get((g, "desk")) for g in langs]
            if any(wl is not None and wl.regex().search(folded, lo, hi) for wl in lists):
                continue
        out.append(item)
    hits[:] = out


def _easy_money_lure(
    table: _Table,
    text: str,
    folded: str,
    words: TextWords,
    lang: str | None,
    contexts: dict[tuple[str, str], bool],
    hits: list[tuple[int, int, IndicatorHit]],
) -> None:
    langs = _hit_langs(hits, lang)
    if not any(h.id == "unrealistic_offer" for _, _, h in hits) and not any(
        wl is not None and wl.may_match(words)
        for wl in (table.contexts.get((g, "easy_money")) for g in langs)
    ):
        return
    if not _context(table, "lure", langs, words, folded, contexts):
        return
    text_len = len(text)
    out = []
    lured: tuple[int, int, IndicatorHit] | None = None
    sentences: dict[int, tuple[int, int]] = {}
    lists = [table.contexts.get((g, "easy_money")) for g in langs]
    for item in hits:
        start, end, hit = item
        if (
            hit.id == "unrealistic_offer"
            and start < text_len
            and any(wl is not None and wl.regex().search(folded, start, end) for wl in lists)
            and not _up_to_amount(table, folded, _sentence_around(folded, start, sentences), langs)
        ):
            lured = lured or item
            continue
        out.append(item)
    if lured is None:
        # No unrealistic_offer hit of easy money: the lure's words may still be there
        # ("lätta pengar" where no unrealistic_offer phrase reads them).
        lured = _easy_money_span(table, text, folded, words, langs)
        if lured is None:
            return
    if not any(h.id == "lure_job_abroad" for _, _, h in out) and _context(
        table, "abroad", langs, words, folded, contexts
    ):
        start, end, hit = lured
        out.append(
            (
                start,
                end,
                IndicatorHit(
                    id="lure_job_abroad", evidence=hit.evidence, lang=hit.lang, weight=hit.weight
                ),
            )
        )
    hits[:] = out


def _easy_money_span(
    table: _Table, text: str, folded: str, words: TextWords, langs: set[str]
) -> tuple[int, int, IndicatorHit] | None:
    """The first words of the `easy_money` context in the text, as a hit of the language
    whose list holds them (None when there are none)."""
    for g in sorted(langs):
        wl = table.contexts.get((g, "easy_money"))
        if wl is not None and wl.may_match(words):
            for start, end in wl.spans(words, folded, 0, len(text)):
                hit = IndicatorHit(id="lure_job_abroad", evidence=text[start:end], lang=g)
                return start, end, hit
    return None


# An amount right after an `up_to` word: "bis zu 3.000 €", "até R$ 5.000", "do 300 €".
_AMOUNT_AFTER = re.compile(r"[^\w\n]{0,3}\d")


def _up_to_amount(table: _Table, folded: str, span: tuple[int, int], langs: set[str]) -> bool:
    """Whether the stretch holds "up to" and an amount: easy money "up to 3000 EUR a
    month" promises high pay, which is `unrealistic_offer` ("earn up to")."""
    for g in langs:
        wl = table.contexts.get((g, "up_to"))
        if wl is not None:
            for m in wl.regex().finditer(folded, *span):
                if _AMOUNT_AFTER.match(folded, m.end()):
                    return True
    return False


def _has_contact(text: str, words: TextWords) -> bool:
    """Whether the text gives a contact: a handle, an e-mail address or a link, or nine
    digits or more in runs a few separators apart (a phone number; TextWords.digit_runs,
    no regex over the text)."""
    starts, ends = words.digit_runs
    count, last = 0, -10
    for s, e in zip(starts, ends, strict=True):
        count = count + e - s if s - last <= 3 else e - s
        if count >= 9:
            return True
        last = e
    return "@" in text or "://" in text or "www." in text or ".me/" in text


def _debt_needs_a_debt(
    table: _Table,
    folded: str,
    text_len: int,
    lang: str | None,
    hits: list[tuple[int, int, IndicatorHit]],
) -> None:
    """A debt_bondage hit whose sentence holds no word of the `debt` context (an advance,
    a loan, a debt, paid first by the company, working it off, repaying it) is a cost
    taken out of the wages, which
    docs/indicators.md calls recruitment_fee ("travel costs deducted from the first
    wage"): it becomes one, or goes when the text has a recruitment_fee hit already."""
    if not any(h.id == "debt_bondage" for _, _, h in hits):
        return
    has_fee = any(h.id == "recruitment_fee" for _, _, h in hits)
    sentences: dict[int, tuple[int, int]] = {}
    out = []
    for item in hits:
        start, end, hit = item
        if hit.id == "debt_bondage" and start < text_len:
            langs = {hit.lang or "en", lang or "en", "en"}
            lists = [table.contexts.get((g, "debt")) for g in langs]
            lo, hi = _sentence_around(folded, start, sentences)
            hi = max(hi, end)
            if not any(wl is not None and wl.regex().search(folded, lo, hi) for wl in lists):
                if has_fee:
                    continue
                has_fee = True
                item = (
                    start,
                    end,
                    IndicatorHit(
                        id="recruitment_fee",
                        evidence=hit.evidence,
                        lang=hit.lang,
                        weight=hit.weight,
                    ),
                )
        out.append(item)
    hits[:] = out


_CHANNEL_WORDS = 3


def _channel_alone(
    table: _Table,
    folded: str,
    text_len: int,
    lang: str | None,
    hits: list[tuple[int, int, IndicatorHit]],
) -> None:
    """Restricted-communication hits that only name a channel ("SMS only", "nur
    Nachrichten", "solo WhatsApp": words of the `channel` context) are a contact
    preference, not a person who cannot speak or is reached through someone else: they
    count only beside another restricted-communication hit ("speaks no English, text
    only")."""
    mine = [h for h in hits if h[2].id == "restricted_communication"]
    if not mine:
        return
    channel = []
    for item in mine:
        start, end, hit = item
        langs = {hit.lang or "en", lang or "en", "en"}
        lists = [table.contexts.get((g, "channel")) for g in langs]
        # A channel named in a few words ("SMS only", "nur Nachrichten"), not a sentence
        # that mentions messages ("she cannot read your messages, her cousin answers").
        if (
            start < text_len
            and len(_WORD.findall(folded, start, end)) <= _CHANNEL_WORDS
            and any(wl is not None and wl.regex().search(folded, start, end) for wl in lists)
        ):
            channel.append(item)
    if channel and len(channel) == len(mine):
        hits[:] = [item for item in hits if item not in channel]


def _near_venue(
    table: _Table,
    folded: str,
    at: int,
    langs: set[str],
    sentences: dict[int, tuple[int, int]],
) -> bool:
    """Whether a `venue` word is in the sentence at `at`, or, when that sentence is a
    headline fragment and one of the text's first two, in the other of the two. The
    words of that stretch are tested against every venue list's cues first (a set test
    per word), the lists' regexes only when one is there."""
    lo, hi = _sentence_around(folded, at, sentences)
    tokens = _WORD.findall(folded, lo, hi)
    if len(tokens) <= _FRAGMENT_WORDS:
        # Only the text's opening pair: a headline and the sentence after it. Further on,
        # "Meetings in hotels and restaurants only." says where a person meets clients.
        if lo > 0:
            if _sentence_around(folded, lo - 1, sentences)[0] == 0:
                lo = 0
        elif hi < len(folded):
            hi = _sentence_around(folded, hi, sentences)[1]
        tokens = _WORD.findall(folded, lo, hi)
    cue_words, cue_stems, always = _context_cues(table, "venue")
    if not always and not any(
        w in cue_words or w[:3] in cue_stems or w[:4] in cue_stems or w[:5] in cue_stems
        for w in tokens
    ):
        return False
    for g in langs:
        wl = table.contexts.get((g, "venue"))
        if wl is not None and wl.regex().search(folded, lo, hi):
            return True
    return False


def _in_identifier(text: str, at: int) -> bool:
    """Whether position `at` of `text` is in a handle, a link or a name joined by "_"."""
    lo = at
    while lo > 0 and (text[lo - 1].isalnum() or text[lo - 1] in "_@./:-"):
        lo -= 1
    m = _IDENTIFIER_CHARS.match(text, lo)
    token = m.group(0) if m else ""
    return "_" in token or token.startswith("@") or _LINK.search(token) is not None


# A negation that ends the clause right after a hit negates it, in the languages that put
# it there: "közvetítési díj nincs", "Vermittlungsgebühr: keine", "fees: none", "poplatky:
# žádné", "комиссия - нет". The words are the `post_negation` context of the lexicons.
_POST_NEGATION_CONTEXT = "post_negation"


def _post_negated_pattern(table: _Table) -> re.Pattern[str]:
    """The regex of a post-negation right after a hit: a word of the `post_negation` context
    of any lexicon of the table, ending its clause (built once per table)."""
    pattern = table.post_negated
    if pattern is None:
        contexts = table.contexts
        words = {
            w
            for key in contexts  # the keys, not items(): the other lists stay unbuilt
            if key[1] == _POST_NEGATION_CONTEXT
            for w in contexts[key].entries
        }
        pattern = table.post_negated = re.compile(
            r"[\s:=\-–—]{0,4}(?:"
            + "|".join(
                sorted(
                    {re.escape(w).replace(r"\ ", r"\s+") for w in words},
                    key=lambda w: (-len(w), w),
                )
            )
            + r")(?![^\W_])\s*(?:[.,;!?)\n]|$)"
        )
    return pattern


# Words of the `post_negation` context that are no negation in some languages: Albanian
# "ne" is "we" ("vizën e rregullojmë ne": we arrange the visa), Italian "ne" is "of it",
# Romanian "ne" is "us".
_NOT_A_NEGATION_IN = {"ne": frozenset({"sq", "it", "ro"})}


def _drop_post_negated(
    table: _Table, folded: str, text_len: int, hits: list[tuple[int, int, IndicatorHit]]
) -> None:
    """Drop the hits that a negation word right after them, ending their clause, negates
    ("közvetítési díj nincs, ...": no placement fee)."""
    post_negated = _post_negated_pattern(table)
    hits[:] = [
        item
        for item in hits
        if item[1] >= text_len or not _post_negates(post_negated, folded, item[1], item[2].lang)
    ]


def _post_negates(post_negated: re.Pattern[str], folded: str, end: int, lang: str | None) -> bool:
    """Whether a negation word of the hit's language ends the clause right after `end`."""
    m = post_negated.match(folded, end)
    if m is None:
        return False
    word = m.group(0).strip(" \t\n:=-–—.,;!?)")
    return lang not in _NOT_A_NEGATION_IN.get(word, ())


def _match_concepts(
    table: _Table,
    text: str,
    folded: str,
    words: TextWords,
    lang: str | None,
    contexts: dict[tuple[str, str], bool],
    hits: list[tuple[int, int, IndicatorHit]],
    seen: set[tuple[str, str]],
) -> None:
    """Concept hits: a sentence holding a word of every list of a concept, in any order."""
    unique, prefixes = words.unique, words.prefixes
    todo: set[int] = set(table.concept_words.get("", ()))
    for w in unique & table.concept_word_keys:
        todo.update(table.concept_words[w])
    for p in prefixes & table.concept_stem_keys:
        todo.update(table.concept_stems[p])
    if not todo:
        return
    sentences: dict[int, tuple[int, int]] = {}  # _sentence_around's answers
    # An indicator the phrases found at full weight needs no second look: concepts are
    # there for the wordings the phrases miss.
    done_ids = {h.id for _, _, h in hits if h.weight >= 1.0}
    concepts = table.concepts
    for n in sorted(todo):
        concept = concepts[n]
        if concept.__class__ is not _Concept:
            concept = table.concept(n)
        if concept.indicator in done_ids:
            continue
        # _WordList.may_match of every list, inline: this runs for every concept woken up.
        missing = False
        for wl in concept.classes:
            if not wl.always and wl.words.isdisjoint(unique) and wl.stems.isdisjoint(prefixes):
                missing = True
                break
        if missing:
            continue
        langs = {concept.lang, lang or concept.lang, "en"}
        if concept.needs and not any(
            _context(table, c, langs, words, folded, contexts) for c in concept.needs
        ):
            continue
        if concept.unless and any(
            _context(table, c, langs, words, folded, contexts) for c in concept.unless
        ):
            continue
        first = concept.classes[0].spans(words, folded)
        if not first:
            continue
        for lo, hi in sorted({_sentence_around(folded, a, sentences) for a, _ in first}):
            matches = [[sp for sp in first if lo <= sp[0] < hi]]
            for c in concept.classes[1:]:
                found = c.spans(words, folded, lo, hi)
                if not found:
                    break
                matches.append(found)
            if len(matches) < len(concept.classes):
                continue
            inside = [ms[0] for ms in matches]
            start = min(m[0] for m in inside)
            end = max(m[1] for m in inside)
            own = sorted(sp for ms in matches for sp in ms if sp[0] < end)
            if _concept_voided(table, concept, folded, lo, own, langs, words, start, end):
                continue
            if any(
                h.id == concept.indicator and s < hi and e > lo for s, e, h in hits
            ):  # the sentence already gave this indicator
                continue
            where = min(start, len(text))
            evidence = text[where : min(end, len(text))] or folded[start:end]
            key = (concept.indicator, evidence.lower())
            if key in seen:
                continue
            seen.add(key)
            hit = IndicatorHit(
                id=concept.indicator, evidence=evidence, lang=concept.lang, weight=concept.weight
            )
            hits.append((where, min(end, len(text)), hit))
            if concept.weight >= 1.0:
                done_ids.add(concept.indicator)
                break


def _sentence_around(folded: str, at: int, known: dict[int, tuple[int, int]]) -> tuple[int, int]:
    """(start, end) of the sentence of `folded` that holds position `at`, as cut by
    _SENTENCE_END (a sentence ends just after its terminator; the text's ends bound the first
    and last one).

    Found from `at` outwards rather than by splitting the whole text: concepts look at a
    few sentences, and a scan of every character of a long listing cost more than the rest
    of the concept matching. `known` keeps the answers for one text.
    """
    bounds = known.get(at)
    if bounds is None:
        after = _SENTENCE_END.search(folded, at)
        end = after.end() if after is not None else len(folded)
        # The last terminator before `at`: one of "!?;\n", or a "." not followed by a digit
        # (the digit may be at `at` itself, hence the checks in the whole text).
        start = max(folded.rfind(c, 0, at) for c in "!?;\n") + 1
        dot = folded.rfind(".", start, at)
        while dot >= 0 and folded[dot + 1 : dot + 2].isdecimal():  # \d: a decimal digit
            dot = folded.rfind(".", start, dot)
        bounds = known[at] = (dot + 1 if dot >= 0 else start, end)
    return bounds


def _concept_voided(
    table: _Table,
    concept: _Concept,
    folded: str,
    lo: int,
    own: list[tuple[int, int]],
    langs: set[str],
    words: TextWords,
    start: int,
    end: int,
) -> bool:
    """A negation word in the sentence before the hit's end, outside the concept's own words
    ("we never keep your passport"), or a look-alike guard word near it.

    Every word of the concept's lists is its own ("no skills asked"), and a negation after
    the last of them says something else ("arranged by my assistant, not by me").
    """
    negations = frozenset().union(*(table.negations.get(g, frozenset()) for g in langs))
    # From the clause the hit starts in: "bez skúseností, letenku platíme my" negates the
    # experience, not the ticket.
    cut = _LAST_CLAUSE_END.match(folded, lo, start)
    pos = cut.end() if cut else lo
    for s, e in [*own, (end, end)]:
        if any(w in negations or w.endswith("n't") for w in _WORD.findall(folded[pos:s])):
            return True
        pos = max(pos, e)
    return any(_guarded(table, g, concept.indicator, words, folded, start, end) for g in langs)


def _not_subsumed(
    text: str, hits: list[tuple[int, int, IndicatorHit]]
) -> list[tuple[int, int, IndicatorHit]]:
    by_id = {h.id for _, _, h in hits}
    if not any(_SUBSUMED_BY.get(i) in by_id for i in by_id):
        return hits
    out = []
    for start, end, hit in hits:
        other = _SUBSUMED_BY.get(hit.id)
        if other in by_id and any(
            h.id == other and not _SENTENCE_END.search(text, min(s, start), max(e, end))
            for s, e, h in hits
        ):
            continue
        out.append((start, end, hit))
    return out
