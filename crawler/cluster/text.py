"""Text preparation for linking: a listing's own words, normalised, split and shingled.

`prepare_text` turns a listing's title and body into sentences of tokens. Case is folded,
Unicode is NFKC-normalised (crawler.extract.normalise.clean), and the parts an actor
rotates from ad to ad are replaced by class tokens, so that a new number does not make a
new text: URLs -> ``{URL}``, e-mails -> ``{EMAIL}``, @handles -> ``{HANDLE}``, digit runs
that look like phone numbers -> ``{PHONE}``, amounts with a currency -> ``{PRICE}``, other
numbers -> ``{NUM}``, and the listing's own city name -> ``{CITY}``. Emoji are kept as
tokens (they are part of how a poster writes). Punctuation is dropped.

Sentences are the unit of per-platform boilerplate (crawler.cluster.boilerplate);
`shingles` makes word k-grams of what is left. No settings, no I/O.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field

from crawler.extract.normalise import clean

# Word k-grams: 3 measured best on the tuning world (docs/clusters.md, bench --sweep).
SHINGLE_WORDS = 3

_URL = re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:onion|com|org|net|test)\S*", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_HANDLE = re.compile(r"(?<!\w)@[\w.]{2,}")
# A phone: a run of digits with the separators ads use, at least 6 digits in all. Letters
# that stand for digits in obfuscated numbers (O, l) are allowed inside the run.
_PHONE = re.compile(r"(?<![\w])\+?\(?\d[\d\s().\-/Ol]{5,}\d(?![\w])")
# The currencies (€ $ £ eur euro euros usd gbp ron lei pln zł chf kr btc xmr eth usdt) as a
# tree of shared prefixes, each prefix's shorter word tried first as in a plain list, and a
# match can only begin with a digit or a currency's first letter: the same matches, at about
# half the cost (the price pattern was the most expensive step of preparing a text).
_CURRENCY = r"(?:€|\$|£|eur(?:|o|os)|eth|usd(?:|t)|gbp|ron|lei|pln|zł|chf|kr|btc|xmr)"
_PRICE = re.compile(
    rf"(?=[\d€$£eugrlpzckbx])"
    rf"(?:{_CURRENCY}\s?\d[\d.,']*(?:\s?(?:k|-))?|\d[\d.,']*\s?(?:k\s?)?{_CURRENCY}(?![a-z]))",
    re.I,
)
_NUMBER = re.compile(r"\d+(?:[.,:]\d+)*")
# Sentence ends: line breaks, and . ! ? followed by a space (not inside numbers).
_SENTENCE_END = re.compile(r"\n+|(?<=[.!?…])\s+|\s[|•·]\s")
# Tokens: words (letters, digits, class tokens) and single emoji / pictographs.
_EMOJI = re.compile(r"[\u2600-\u27bf\U0001f000-\U0001faff]")
_CLASS_TOKENS = ("{URL}", "{EMAIL}", "{HANDLE}", "{PRICE}", "{PHONE}", "{NUM}", "{CITY}")
_TOKEN = re.compile(r"\{[A-Z]+\}|[^\W_]+(?:['’][^\W_]+)*|[\u2600-\u27bf\U0001f000-\U0001faff]")


@dataclass(frozen=True)
class PreparedText:
    """A listing's text as linking sees it: sentences of normalised tokens."""

    sentences: tuple[tuple[str, ...], ...]
    # Each sentence's `sentence_key`, computed once (linking asks for them three times).
    keys: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "keys", tuple(sentence_key(s) for s in self.sentences))

    def tokens(self, skip: frozenset[str] = frozenset()) -> list[str]:
        """Every token, in order, leaving out the sentences whose key is in `skip`."""
        out: list[str] = []
        for sentence, key in zip(self.sentences, self.keys, strict=True):
            if sentence and key not in skip:
                out.extend(sentence)
        return out


def normalise(text: str, city: str | None = None) -> str:
    """Lower-case NFKC text with rotating parts replaced by class tokens (module docstring)."""
    text = unicodedata.normalize("NFKC", clean(text or ""))
    # A pattern that needs a character the text lacks is not run (the same text back, faster).
    if "@" in text:
        text = _EMAIL.sub(" {EMAIL} ", text)
    text = _URL.sub(" {URL} ", text)
    if "@" in text:
        text = _HANDLE.sub(" {HANDLE} ", text)
    text = _PRICE.sub(" {PRICE} ", text)
    text = _PHONE.sub(" {PHONE} ", text)
    text = _NUMBER.sub(" {NUM} ", text)
    text = text.lower()
    if city:
        name = city.split(",")[0].strip().lower()
        if len(name) >= 3 and name in text:
            text = re.sub(rf"(?<!\w){re.escape(name)}(?!\w)", " {city} ", text)
    # Class tokens were lower-cased with the rest; put them back in their own case.
    for token in _CLASS_TOKENS:
        text = text.replace(token.lower(), token)
    return text


def prepare_text(title: str, body: str, city: str | None = None) -> PreparedText:
    """Sentences of tokens of a listing's title and body (the title is one sentence)."""
    sentences: list[tuple[str, ...]] = []
    # One pass of the regexes over the whole text; the title stays a sentence of its own.
    text = normalise(f"{title or ''}\n{body or ''}", city)
    for raw in _SENTENCE_END.split(text):
        tokens = tuple(_TOKEN.findall(raw))
        if not tokens:
            continue
        if sentences and all(_EMOJI.fullmatch(t) for t in tokens):
            sentences[-1] += tokens  # "... station. 🔥": the emoji ends the sentence before
        else:
            sentences.append(tokens)
    return PreparedText(tuple(sentences))


def sentence_key(tokens: tuple[str, ...]) -> str:
    """A short stable key for a normalised sentence (the boilerplate tables count these)."""
    return hashlib.blake2b(" ".join(tokens).encode("utf-8"), digest_size=8).hexdigest()


def shingles(tokens: list[str], k: int = SHINGLE_WORDS) -> set[str]:
    """Word k-grams of a token list; a text shorter than k words is one shingle."""
    if not tokens:
        return set()
    if len(tokens) <= k:
        return {" ".join(tokens)}
    return {" ".join(tokens[i : i + k]) for i in range(len(tokens) - k + 1)}
