"""E-mail addresses and messenger handles in listing text.

E-mails are found plain ("name@example.org") and obfuscated ("name [at] example [dot]
org", "name(at)example(punt)org", "name at example dot org"). Handles come from profile
links ("t.me/name", "wa.me/<digits>", "onlyfans.com/name", "instagram.com/name") and from
labelled mentions ("tg: @name", "snap: name", "insta @name", "kik: name"); a label needs
a colon or an "@" before the name, so that "snap a photo" is not a handle.
A number written for WhatsApp, Viber, Signal or Telegram ("WhatsApp +31 6...", wa.me/31...)
is a phone number, found by crawler.extract.phones, not a handle. No settings.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from crawler.extract.language import TextWords
from crawler.extract.normalise import fold
from crawler.extract.phones import extract_phones
from crawler.models import Handle

_LOCAL = re.compile(r"[A-Za-z0-9._%+\-]{1,64}$")
_DOMAIN = re.compile(
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}\b"
)
_OBFUSCATED_AT = re.compile(
    r"\s*[\[\(\{<]\s*(?:at|@|ат|arroba|apenstaart|klammeraffe)\s*[\]\)\}>]\s*", re.IGNORECASE
)
_OBFUSCATED_DOT = re.compile(
    r"\s*[\[\(\{<]\s*(?:dot|punt|punkt|punct|точка|punto|point)\s*[\]\)\}>]\s*", re.IGNORECASE
)
_SPOKEN_EMAIL = re.compile(
    r"\b([A-Za-z0-9._%+\-]{2,64})\s+(?:at|AT)\s+([A-Za-z0-9\-]{2,63})\s+(?:dot|DOT)\s+"
    r"([A-Za-z]{2,24})\b"
)


@functools.cache
def _spoken() -> tuple[re.Pattern[str], re.Pattern[str], re.Pattern[str], frozenset[str]]:
    """Bracketed "at"/"dot" words and spoken addresses, in every lexicon language."""
    from crawler.extract.lexicon import all_languages

    at_words = {"at", "@", "ат", "arroba", "apenstaart", "klammeraffe"}
    dot_words = {"dot", "punt", "punkt", "punct", "точка", "punto", "point", "."}
    for data in all_languages():
        at_words |= data.email_at
        dot_words |= data.email_dot
    at_alt = "|".join(sorted(map(re.escape, at_words), key=len, reverse=True))
    dot_alt = "|".join(sorted(map(re.escape, dot_words), key=len, reverse=True))
    bracket_at = re.compile(rf"\s*[\[\(\{{<]\s*(?:{at_alt})\s*[\]\)\}}>]\s*", re.IGNORECASE)
    bracket_dot = re.compile(rf"\s*[\[\(\{{<]\s*(?:{dot_alt})\s*[\]\)\}}>]\s*", re.IGNORECASE)
    spoken = re.compile(
        rf"(?<![\w.])([A-Za-z0-9._%+\-]{{2,64}})\s+(?:{at_alt})\s+([A-Za-z0-9\-]{{2,63}})"
        rf"\s+(?:{dot_alt})\s+([A-Za-z]{{2,24}})\b",
        re.IGNORECASE,
    )
    cues = frozenset(w for w in at_words if w.replace("-", "").isalpha())
    return bracket_at, bracket_dot, spoken, cues


def _deobfuscate_email_text(text: str) -> str:
    bracket_at, bracket_dot, spoken, cues = _spoken()
    if "[" in text or "(" in text or "{" in text or "<" in text:
        text = bracket_at.sub("@", text)
        text = bracket_dot.sub(".", text)
    low = fold(text)
    if any(f" {w} " in low for w in cues):
        text = spoken.sub(r"\1@\2.\3", low)
    return text


def extract_emails(text: str) -> list[str]:
    """E-mail addresses in `text` (plain or obfuscated), deduplicated case-insensitively."""
    if not text:
        return []
    text = _deobfuscate_email_text(text)
    out: list[str] = []
    seen: set[str] = set()
    at = text.find("@")
    while at != -1:
        local = _LOCAL.search(text, max(0, at - 64), at)
        domain = _DOMAIN.match(text, at + 1)
        if local and domain:
            address = f"{local.group(0).strip('.')}@{domain.group(0)}"
            key = address.lower()
            if key not in seen and not address.startswith("@"):
                seen.add(key)
                out.append(address)
        at = text.find("@", at + 1)
    return out


_NAME = r"([A-Za-z][A-Za-z0-9_.\-]{1,31})"
# A label, then ":" (optionally "@") or "@" before the name.
_LABELLED = r"\s*(?:id)?\s*(?:[:：]\s*@?|-\s+@?|@)"
# Words that follow a label but are not names ("telegram: available", "snap: same as tg").
_NOT_NAMES = frozenset(
    [
        "only",
        "and",
        "or",
        "me",
        "here",
        "available",
        "same",
        "number",
        "below",
        "above",
        "yes",
        "no",
        "please",
        "ask",
        "dm",
        "pm",
        "write",
        "message",
        "link",
        "profile",
        "account",
    ]
)


def _url(host: str, path_prefix: str = "") -> str:
    return rf"(?:https?://)?(?:www\.)?{host}/{path_prefix}@?{_NAME}"


_I = re.IGNORECASE
_LABEL_LEAD = r"(?<![^\W\d_])"


def _labelled(labels: str, name: str = _NAME) -> re.Pattern[str]:
    return re.compile(rf"{_LABEL_LEAD}(?:{labels}){_LABELLED}{name}", _I)


@dataclass(frozen=True)
class _Service:
    """How one service's handles show in ads."""

    name: str
    label_words: frozenset[str]  # lower-case words that announce a labelled handle
    links: tuple[re.Pattern[str], ...] = ()  # profile links (checked when the text has one)
    labels: tuple[re.Pattern[str], ...] = ()  # "label: name" forms


_SERVICES: tuple[_Service, ...] = (
    _Service(
        "telegram",
        frozenset(["telegram", "telegramm", "tg", "tlg", "телеграм", "телеграмм", "телега", "тг"]),
        (
            re.compile(
                r"(?:https?://)?(?:t|telegram)\.me/(?!joinchat|\+)@?"
                r"([A-Za-z][A-Za-z0-9_]{3,31})",
                _I,
            ),
        ),
        (_labelled("telegram|telegramm|tg|tlg|телеграмм?|телега|тг"),),
    ),
    _Service(
        "snapchat",
        frozenset(("snap", "snapchat")),
        (re.compile(_url(r"snapchat\.com", "add/"), _I),),
        (_labelled("snapchat|snap"),),
    ),
    _Service(
        "instagram",
        frozenset(["instagram", "insta", "ig", "инстаграм", "инста", "інстаграм", "інста"]),
        (
            re.compile(
                r"(?:https?://)?(?:www\.)?instagram\.com/(?!p/|reel|explore|stories)"
                r"([A-Za-z0-9_][A-Za-z0-9_.]{0,29})",
                _I,
            ),
        ),
        (_labelled("instagram|insta|ig|инстаграм|инста|інстаграм|інста"),),
    ),
    _Service(
        "onlyfans",
        frozenset(("onlyfans", "fans")),
        (re.compile(_url(r"onlyfans\.com"), _I),),
        (_labelled("onlyfans|only fans"),),
    ),
    _Service("fansly", frozenset(), (re.compile(_url(r"fansly\.com"), _I),)),
    _Service(
        "wechat",
        frozenset(("wechat", "weixin", "微信")),
        (),
        (
            re.compile(
                r"(?:wechat|weixin|微信)\s*(?:id)?\s*[:：\-]\s*([A-Za-z][A-Za-z0-9_\-]{5,19})", _I
            ),
        ),
    ),
    _Service("kik", frozenset(("kik",)), (), (_labelled("kik"),)),
    _Service(
        "twitter",
        frozenset(("twitter",)),
        (
            re.compile(
                r"(?:https?://)?(?:www\.)?(?:twitter|x)\.com/(?!home|search|i/)@?"
                r"([A-Za-z0-9_]{1,15})\b",
                _I,
            ),
        ),
        (_labelled("twitter"),),
    ),
    _Service(
        "tiktok",
        frozenset(("tiktok",)),
        (re.compile(r"(?:https?://)?(?:www\.)?tiktok\.com/@([A-Za-z0-9_.]{2,24})", _I),),
        (_labelled("tiktok"),),
    ),
    _Service(
        "skype",
        frozenset(("skype",)),
        (),
        (re.compile(r"skype\s*(?:id)?\s*[:：]\s*((?:live:)?[A-Za-z][A-Za-z0-9_.\-]{4,31})", _I),),
    ),
    _Service(
        "threema",
        frozenset(("threema",)),
        (),
        (re.compile(r"(?i:threema)\s*(?i:id)?\s*[:：\-]\s*([A-Z0-9]{8})\b"),),
    ),
    _Service(
        "signal",
        frozenset(("signal",)),
        (),
        (_labelled("signal", r"([A-Za-z][A-Za-z0-9_]{2,31}\.\d{2,3})"),),
    ),
)  # fmt: skip
# Profile links always contain one of these; most listings have none, so links are skipped.
_LINK_MARKERS = (".me/", ".com/")

# Messengers addressed by phone number: label, then the number (possibly obfuscated).
_NUMBER_WORDS = r"([+(]?\d[\d\s\-().]{5,22}\d)"
_NUMBER_LABELS: tuple[tuple[str, frozenset[str], re.Pattern[str]], ...] = (
    (
        "whatsapp",
        frozenset(["whatsapp", "whats", "wa", "wapp", "whatsap", "ватсап", "вотсап", "вацап"]),
        re.compile(
            r"(?<![^\W\d_])(?:whatsapp|whats app|whatsap|wapp|wa|ватсап|вотсап|вацап)"
            r"\s*(?:[:：\-]|only|nur|alleen|doar|solo|только|тільки)?\s*" + _NUMBER_WORDS,
            _I,
        ),
    ),
    (
        "viber",
        frozenset(("viber", "вайбер")),
        re.compile(r"(?:viber|вайбер)\s*[:：\-]?\s*" + _NUMBER_WORDS, _I),
    ),
    (
        "signal",
        frozenset(("signal",)),
        re.compile(r"(?<![^\W\d_])signal\s*[:：\-]?\s*" + _NUMBER_WORDS, _I),
    ),
)
_WA_LINK = re.compile(
    r"(?:wa\.me/|api\.whatsapp\.com/send/?\?phone=|whatsapp://send\?phone=)\+?(\d{7,15})", _I
)
_SIGNAL_LINK = re.compile(r"signal\.me/#p/\+?(\d{7,15})", _I)


def _e164_digits(raw: str, region: str | None) -> str | None:
    numbers = extract_phones(raw, region) or extract_phones("+" + raw.lstrip("+"), None)
    return numbers[0].lstrip("+") if numbers else None


def extract_handles(
    text: str, region: str | None = None, *, words: TextWords | None = None
) -> list[Handle]:
    """Messenger and platform handles in `text`, deduplicated, in order of first appearance.

    `region` is accepted for compatibility (messenger numbers are phones now). `words` is
    TextWords.of(text) when the caller has it already.
    """
    if not text:
        return []
    if words is None:
        words = TextWords.of(text)
    unique = words.unique or frozenset(words.words)
    lower = words.lower
    has_links = any(marker in lower for marker in _LINK_MARKERS)
    found: list[tuple[int, Handle]] = []
    for service in _SERVICES:
        patterns = service.links if has_links else ()
        if not unique.isdisjoint(service.label_words):
            patterns += service.labels
        for pattern in patterns:
            for m in pattern.finditer(text):
                name = m.group(1).rstrip(".-_")
                if name.lower() in _NOT_NAMES and "@" not in m.group(0):
                    continue
                found.append((m.start(), Handle(service=service.name, handle=name)))
    found.sort(key=lambda item: item[0])
    out: list[Handle] = []
    seen: set[tuple[str, str]] = set()
    for _, handle in found:
        key = (handle.service, handle.handle.lower())
        if key not in seen:
            seen.add(key)
            out.append(handle)
    return out
