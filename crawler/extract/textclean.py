"""Untrusted text made plain: invisible and control characters removed, and counted.

Pages are written by the people under investigation. A zero-width space or a bidi
override inside a phone number hides it from extraction and from search; an escape
sequence in a title reaches the analyst's terminal. `clean_text_counted` removes:
- format characters (Unicode category Cf: zero-width spaces and joiners, bidi embeddings,
  overrides and isolates, soft hyphens, word joiners, byte-order marks, tag characters),
  except a zero-width joiner between two symbols (it builds emoji sequences);
- control characters (Cc) other than tab and newline (NUL, ESC, DEL, the C1 range);
and turns line and paragraph separators into newlines. It returns the counts, because
obfuscation is itself a signal: the listing records that characters were removed.
Pure; no settings.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

_KEEP = {"\t", "\n", "\r"}
_ZWJ = "\u200d"


# Outside the Basic Multilingual Plane, format characters live only in these ranges.
_SUPPLEMENTARY_CF = ((0x110BD, 0x110CD), (0x13430, 0x1345F), (0x1BCA0, 0x1BCA3),
                     (0x1D173, 0x1D17A), (0xE0001, 0xE007F))  # fmt: skip


def _table() -> tuple[dict[int, None | str], frozenset[str], frozenset[str]]:
    delete: dict[int, None | str] = {}
    formats, controls = set(), set()
    points = [*range(0x10000)]
    for lo, hi in _SUPPLEMENTARY_CF:
        points += range(lo, hi + 1)
    for cp in points:
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if cat == "Cf" and ch != _ZWJ:
            delete[cp] = None
            formats.add(ch)
        elif cat == "Cc" and ch not in _KEEP:
            delete[cp] = None
            controls.add(ch)
    delete[0x2028] = "\n"
    delete[0x2029] = "\n"
    return delete, frozenset(formats), frozenset(controls)


_DELETE, FORMAT_CHARS, CONTROL_CHARS = _table()


@dataclass(frozen=True)
class Removed:
    """How many characters of each kind `clean_text_counted` took out."""

    format: int = 0
    control: int = 0

    def __bool__(self) -> bool:
        return bool(self.format or self.control)

    def __add__(self, other: Removed) -> Removed:
        return Removed(self.format + other.format, self.control + other.control)


def _strip_zwj(text: str) -> str:
    # A joiner between two symbols builds an emoji sequence; anywhere else it only hides.
    out = []
    for i, ch in enumerate(text):
        if ch == _ZWJ:
            before = text[i - 1] if i else ""
            after = text[i + 1] if i + 1 < len(text) else ""
            if not (
                before
                and after
                and unicodedata.category(before) == "So"
                and unicodedata.category(after) == "So"
            ):
                continue
        out.append(ch)
    return "".join(out)


def clean_text_counted(text: str) -> tuple[str, Removed]:
    """`text` without format and control characters (see module docstring), and the counts."""
    if text.isascii() and text.isprintable():
        return text, Removed()
    cleaned = text.translate(_DELETE)
    if _ZWJ in cleaned:
        cleaned = _strip_zwj(cleaned)
    if len(cleaned) == len(text):
        return unicodedata.normalize("NFC", cleaned), Removed()
    formats = sum(1 for ch in text if ch in FORMAT_CHARS or ch == _ZWJ)
    formats -= cleaned.count(_ZWJ)
    controls = sum(1 for ch in text if ch in CONTROL_CHARS)
    return unicodedata.normalize("NFC", cleaned), Removed(formats, controls)


def clean_text(text: str) -> str:
    """`text` without format and control characters."""
    return clean_text_counted(text)[0]
