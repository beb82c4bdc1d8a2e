"""Text clean-up shared by the extractors: one spelling for what ads write many ways.

`clean` removes what hides a number or a word from a reader-blind filter and from us:
format characters (zero-width spaces and joiners, bidi controls, soft hyphens), keycap
emoji ("6️⃣" -> "6"), full-width and other compatibility forms (NFKC), and digits of
other scripts ("٠٦" -> "06"). `fold` maps every character to one lower-case character
without diacritics ("Nouă în oraș" -> "noua in oras", "Ελλάδα" -> "ελλαδα") with the same
length, so that a match in the folded text is a span of the cleaned text. Both are cheap:
ASCII text takes the str methods' fast paths; other text that a one-byte codec holds
(Latin-1, cp1252, ISO 8859-16, cp1250, cp1251: most Latin-script and Cyrillic ads) is
folded as bytes by one translation table; the rest is lower-cased by str.lower and then
only the few distinct characters that still need folding are replaced. No settings.
"""

from __future__ import annotations

import re
import unicodedata
from functools import cache

# Zero-width characters, joiners, bidi marks and controls, soft hyphen, word joiner, BOM.
_FORMAT = re.compile("[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_KEYCAP = re.compile("([0-9#*])\ufe0f?\u20e3")
# A decimal digit that is not 0-9 (a class, not a look-ahead: one test per character).
_NON_ASCII_DIGIT = re.compile(r"[^\D0-9]")
# Decimal digits of other scripts (Unicode's Nd category outside 0-9, as of Python 3.11),
# spelled out as ranges: a plain character class lets the regex engine skip ahead, where
# a category test would look at every character of every text.
# Decimal digits of other scripts (Unicode's Nd category outside 0-9, as of Python 3.11),
# spelled out as ranges: a plain character class of the Basic Multilingual Plane lets the
# regex engine skip ahead, where a category test would look at every character. Digits
# beyond it that obfuscators use (mathematical 𝟎-𝟗) are compatibility forms: NFKC maps them.
_BMP_DIGITS = (
    "\u0660-\u0669\u06f0-\u06f9\u07c0-\u07c9\u0966-\u096f\u09e6-\u09ef"
    "\u0a66-\u0a6f\u0ae6-\u0aef\u0b66-\u0b6f\u0be6-\u0bef\u0c66-\u0c6f"
    "\u0ce6-\u0cef\u0d66-\u0d6f\u0de6-\u0def\u0e50-\u0e59\u0ed0-\u0ed9"
    "\u0f20-\u0f29\u1040-\u1049\u1090-\u1099\u17e0-\u17e9\u1810-\u1819"
    "\u1946-\u194f\u19d0-\u19d9\u1a80-\u1a89\u1a90-\u1a99\u1b50-\u1b59"
    "\u1bb0-\u1bb9\u1c40-\u1c49\u1c50-\u1c59\ua620-\ua629\ua8d0-\ua8d9"
    "\ua900-\ua909\ua9d0-\ua9d9\ua9f0-\ua9f9\uaa50-\uaa59\uabf0-\uabf9"
    "\uff10-\uff19"
)
_RARE = re.compile(
    "[\u00ad\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\u20e3"
    + _BMP_DIGITS
    + "]"
)


# A cheap test that must pass before _RARE can match (a character-class scan tests every
# character; these are C-speed byte and substring tests). Every character of _RARE is in
# the Basic Multilingual Plane, so the high byte of its UTF-16 code unit says its block
# of 256: U+00xx holds only the soft hyphen of them, U+20xx (also the block of dashes,
# quotes and the euro sign) twenty, and the other blocks below hold the rest.
_RARE_20XX = tuple(
    "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\u20e3"
)
_RARE_BLOCKS = (
    b"\x06\x07\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10\x17\x18\x19\x1a\x1b\x1c\xa6\xa8\xa9\xaa\xab\xfe\xff"
)
_NOT_RARE_BLOCK = bytes(range(256)).translate(None, _RARE_BLOCKS)  # what translate deletes


def _may_be_rare(text: str) -> bool:
    """False only when _RARE.search(text) finds nothing."""
    blocks = text.encode("utf-16-le", "surrogatepass")[1::2]
    return (
        bool(blocks.translate(None, _NOT_RARE_BLOCK))
        or "\u00ad" in text
        or (b"\x20" in blocks and any(map(text.__contains__, _RARE_20XX)))
    )


def _ascii_digit(m: re.Match[str]) -> str:
    return str(unicodedata.digit(m.group(0), 0))


def clean(text: str) -> str:
    """`text` without format characters, keycaps, compatibility forms or non-ASCII digits."""
    if not text or text.isascii():
        return text or ""
    special = _may_be_rare(text) and _RARE.search(text) is not None  # the three rare cases
    if special:
        text = _FORMAT.sub("", text)
        if "\u20e3" in text:
            text = _KEYCAP.sub(r"\1", text)
    if not unicodedata.is_normalized("NFKC", text):
        text = unicodedata.normalize("NFKC", text)
        special = True  # compatibility forms may have been digits ("１")
    if special and _NON_ASCII_DIGIT.search(text):
        text = _NON_ASCII_DIGIT.sub(_ascii_digit, text)
    return text


_SPECIAL = {
    "ł": "l", "đ": "d", "ð": "d", "ø": "o", "ħ": "h", "ŧ": "t", "ı": "i", "ß": "s",
    "æ": "a", "œ": "o", "þ": "t", "ς": "σ", "ё": "е", "й": "и", "ї": "і", "ґ": "г",
    "ћ": "ц", "ђ": "д", "’": "'", "ʼ": "'", "`": "'", "–": "-", "—": "-",
}  # fmt: skip


def _fold_char(ch: str) -> str:
    low = ch.lower()
    if len(low) != 1:
        return ch
    if low in _SPECIAL:
        return _SPECIAL[low]
    base = unicodedata.normalize("NFD", low)[:1]
    return base if base else low


_RANGES = ((0x41, 0x5B), (0xC0, 0x530), (0x1E00, 0x1F00))


@cache
def _fold_table() -> dict[int, str]:
    table: dict[int, str] = {}
    for lo, hi in _RANGES:
        for cp in range(lo, hi):
            ch = chr(cp)
            folded = _fold_char(ch)
            if folded != ch:
                table[cp] = folded
    for ch in "’ʼ`–—":
        table[ord(ch)] = _fold_char(ch)
    return table


@cache
def _after_lower() -> tuple[dict[str, str], re.Pattern[str]]:
    """Characters that str.lower leaves as they are but fold changes, and a class of them."""
    table: dict[str, str] = {}
    for lo, hi in _RANGES:
        for cp in range(lo, hi):
            ch = chr(cp)
            if ch.lower() == ch and (folded := _fold_char(ch)) != ch:
                table[ch] = folded
    for ch in "’ʼ–—":
        table[ch] = _fold_char(ch)
    cls = "".join(sorted(re.escape(ch) for ch in table))
    return table, re.compile(f"[{cls}]")


# One-byte codecs in which fold is a byte-for-byte table (see _codec_tables): Latin-1
# first (its encoder and decoder copy the bytes of a text that has no other characters),
# then Western and Central European Latin and Cyrillic. Greek is not among them: str.lower
# makes a final sigma "ς", which depends on the next character.
_FOLD_CODECS = ("latin-1", "cp1252", "iso8859_16", "cp1250", "cp1251")
_SHORT = 64  # characters: shorter text is folded by _fold_general


@cache
def _codec_tables() -> dict[str, bytes]:
    """codec -> bytes.translate table that folds text encoded with it.

    Built from _fold_general of each character, so a text that the codec encodes folds to
    the same text (str.lower and the replacements are per character, and no character of
    these codecs lowers to two characters or folds to one the codec lacks). A codec with
    a character for which that fails is left out."""
    tables: dict[str, bytes] = {}
    for codec in _FOLD_CODECS:
        out = bytearray(range(256))
        usable = True
        for b in range(256):
            try:
                ch = bytes([b]).decode(codec)
            except UnicodeDecodeError:
                continue  # a byte no character encodes to
            folded = _fold_ascii(ch) if ch.isascii() else _fold_general(ch)
            try:
                encoded = folded.encode(codec)
            except UnicodeEncodeError:
                encoded = b""
            if len(ch.lower()) != 1 or len(encoded) != 1 or ch == "\u03a3":
                usable = False
                break
            out[b] = encoded[0]
        if usable:
            tables[codec] = bytes(out)
        elif codec == "latin-1":  # fold() relies on it
            raise AssertionError("fold is not a table on Latin-1")
    return tables


@cache
def _euro_stays() -> bool:
    """Whether fold leaves "€" and \x80 as they are (see fold_encoded)."""
    return _fold_general("\u20ac") == "\u20ac" and _codec_tables()["latin-1"][0x80] == 0x80


@cache
def _codecs_for(ch: str) -> tuple[str, ...]:
    """The codecs of _codec_tables after Latin-1 that can encode `ch`."""
    out = []
    for codec in _codec_tables():
        if codec != "latin-1":
            try:
                ch.encode(codec)
            except UnicodeEncodeError:
                continue
            out.append(codec)
    return tuple(out)


def _fold_ascii(text: str) -> str:
    low = text.lower()
    return low.replace("`", "'") if "`" in low else low


def fold(text: str) -> str:
    """Lower-case `text` without diacritics, one character for one (offsets are kept).

    Text that a one-byte codec of _codec_tables encodes (most Latin-script and Cyrillic
    ads) is folded as bytes, by one table: str.lower tests each character of non-ASCII
    text against the Unicode tables, and the replacements copy the text once per
    character to fold, several times the cost. The codec tried after Latin-1 is one that
    holds the first character Latin-1 lacks; other text is folded by _fold_general."""
    if text.isascii():
        return _fold_ascii(text)
    if len(text) < _SHORT:
        return _fold_general(text)  # cheaper than a codec's failed attempt (an exception)
    return fold_encoded(text)[0]


def fold_encoded(text: str) -> tuple[str, str | None, bytes, bytes]:
    """(fold(text), the one-byte codec that folded it, the text and the folded text
    encoded with that codec) for text of at least 64 characters, not all ASCII;
    (fold(text), None, b"", b"") when no codec of _codec_tables holds the text. The
    encoded texts have one byte a character."""
    tables = _codec_tables()
    try:
        raw = text.encode("latin-1")
        folded = raw.translate(tables["latin-1"])
        return folded.decode("latin-1"), "latin-1", raw, folded
    except UnicodeEncodeError as exc:
        candidates = _codecs_for(text[exc.start])
        if text[exc.start] == "\u20ac" and "\x80" not in text and _euro_stays():
            # "€" is the one character of many Western ads that Latin-1 lacks: the control
            # character \x80 stands in for it (fold changes neither, neither is a letter
            # or a mark), so the text is folded as Latin-1 bytes instead of by a charmap
            # codec (tens of instructions a character, both ways).
            try:
                raw = text.replace("\u20ac", "\x80").encode("latin-1")
            except UnicodeEncodeError:
                pass
            else:
                folded = raw.translate(tables["latin-1"])
                low = folded.decode("latin-1").replace("\x80", "\u20ac")
                return low, "latin-1", raw, folded
    while candidates:
        codec = candidates[0]
        try:
            raw = text.encode(codec)
            folded = raw.translate(tables[codec])
            return folded.decode(codec), codec, raw, folded
        except UnicodeEncodeError as exc:
            # The next codec must also hold the character this one lacks.
            also = _codecs_for(text[exc.start])
            candidates = tuple(c for c in candidates[1:] if c in also)
    return _fold_general(text), None, b"", b""


def _fold_general(text: str) -> str:
    """fold() of text that is not ASCII, by str.lower and a replacement per character."""
    low = text.lower()
    if len(low) != len(text):  # "İ" lower-cases to two characters: fold one by one
        return text.translate(_fold_table())
    table, needs = _after_lower()
    if "`" in low:
        low = low.replace("`", "'")
    # One search per distinct character to fold: each is then replaced all through
    # (cheaper than collecting every occurrence: "й" is in most Russian words).
    pos = 0
    while (m := needs.search(low, pos)) is not None:
        ch = m.group()
        low = low.replace(ch, table[ch])
        pos = m.start()
    return low


class LazyPattern:
    """A regex compiled on first use: Python compiles regexes in Python, and the big
    alternations of the extractors would otherwise cost every process start."""

    __slots__ = ("_args", "_compiled")

    def __init__(self, pattern: str, flags: int = 0) -> None:
        self._args = (pattern, flags)
        self._compiled: re.Pattern[str] | None = None

    def __getattr__(self, name: str):
        if self._compiled is None:
            self._compiled = re.compile(*self._args)
        return getattr(self._compiled, name)


def lazy_re(pattern: str, flags: int = 0) -> re.Pattern[str]:
    """re.compile(pattern, flags), compiled when first used."""
    return LazyPattern(pattern, flags)  # type: ignore[return-value]


def fold_word(text: str) -> str:
    """fold() for lexicon entries: also strips the spaces at both ends."""
    return fold(text.strip())
