"""Text clean-up shared by the extractors: one spelling for what ads write many ways.

`clean` removes what hides a number or a word from a reader-blind filter and from us:
format characters (zero-width spaces and joiners, bidi controls, soft hyphens), keycap
emoji ("6️⃣" -> "6"), full-width and other compatibility forms (NFKC), and digits of
other scripts ("٠٦" -> "06"). `fold` maps every character to one lower-case character
without diacritics ("Nouă în oraș" -> "noua in oras", "Ελλάδα" -> "ελλαδα") with the same
length, so that a match in the folded text is a span of the cleaned text. Both are cheap
on ASCII text, which most listings mostly are. No settings.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Zero-width characters, joiners, bidi marks and controls, soft hyphen, word joiner, BOM.
_FORMAT = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_KEYCAP = re.compile("([0-9#*])\ufe0f?\u20e3")
_NON_ASCII_DIGIT = re.compile(r"(?![0-9])\d")


@cache
def _digit_table() -> dict[int, str]:
    """Every Unicode decimal digit that is not ASCII -> its ASCII digit."""
    table: dict[int, str] = {}
    for cp in range(0x80, 0x20000):
        ch = chr(cp)
        if unicodedata.category(ch) == "Nd":
            table[cp] = str(unicodedata.digit(ch))
    return table


def clean(text: str) -> str:
    """`text` without format characters, keycaps, compatibility forms or non-ASCII digits."""
    if not text or text.isascii():
        return text or ""
    text = _FORMAT.sub("", text)
    if "\u20e3" in text:
        text = _KEYCAP.sub(r"\1", text)
    text = unicodedata.normalize("NFKC", text)
    if _NON_ASCII_DIGIT.search(text):
        text = text.translate(_digit_table())
    return text


def _fold_char(ch: str) -> str:
    low = ch.lower()
    if len(low) != 1:
        return ch
    special = {
        "ł": "l", "đ": "d", "ð": "d", "ø": "o", "ħ": "h", "ŧ": "t", "ı": "i", "ß": "s",
        "æ": "a", "œ": "o", "þ": "t", "ς": "σ", "ё": "е", "й": "и", "ї": "і", "ґ": "г",
        "ћ": "ц", "ђ": "д", "’": "'", "ʼ": "'", "`": "'", "–": "-", "—": "-",
    }  # fmt: skip
    if low in special:
        return special[low]
    base = unicodedata.normalize("NFD", low)[:1]
    return base if base else low


@cache
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for cp in list(range(0x41, 0x5B)) + list(range(0xC0, 0x530)) + list(range(0x1E00, 0x1F00)):
        ch = chr(cp)
        folded = _fold_char(ch)
        if folded != ch:
            table[cp] = folded
    for ch in "’ʼ`–—":
        table[ord(ch)] = _fold_char(ch)
    return table


def fold(text: str) -> str:
    """Lower-case `text` without diacritics, one character for one (offsets are kept)."""
    return text.translate(_fold_table())


def fold_word(text: str) -> str:
    """fold() for lexicon entries: also strips the spaces at both ends."""
    return fold(text.strip())
