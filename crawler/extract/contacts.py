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
from crawler.extract.normalise import lazy_re
from crawler.models import Handle

_LOCAL = lazy_re(r"[A-Za-z0-9._%+\-]{1,64}$")
_DOMAIN = lazy_re(
    r"[A-Za-z0-9](?:[A-Za-z0-9\-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9\-]{1,63})*\.[A-Za-z]{2,24}\b"
)
_OBFUSCATED_AT = lazy_re(
    r"\s*[\[\(\{<]\s*(?:at|@|ат|arroba|apenstaart|klammeraffe)\s*[\]\)\}>]\s*", re.IGNORECASE
)
_OBFUSCATED_DOT = lazy_re(
    r"\s*[\[\(\{<]\s*(?:dot|punt|punkt|punct|точка|punto|point)\s*[\]\)\}>]\s*", re.IGNORECASE
)
_SPOKEN_EMAIL = lazy_re(
    r"\b([A-Za-z0-9._%+\-]{2,64})\s+(?:at|AT)\s+([A-Za-z0-9\-]{2,63})\s+(?:dot|DOT)\s+"
    r"([A-Za-z]{2,24})\b"
)


_FIRST_WORD = lazy_re(r"[^\W\d_]+")


@functools.cache
def _spoken() -> tuple[
    re.Pattern[str],
    re.Pattern[str],
    re.Pattern[str],
    re.Pattern[str],
    frozenset[str],
    frozenset[str],
]:
    """Bracketed "at"/"dot" words and spoken addresses, in every lexicon language."""
    from crawler.extract.lexicon import all_languages

    at_words = {"at", "@", "ат", "arroba", "apenstaart", "klammeraffe"}
    dot_words = {"dot", "punt", "punkt", "punct", "точка", "punto", "point", "."}
    for data in all_languages():
        at_words |= data.email_at
        dot_words |= data.email_dot
    at_alt = "|".join(sorted(map(re.escape, at_words), key=len, reverse=True))
    dot_alt = "|".join(sorted(map(re.escape, dot_words), key=len, reverse=True))
    bracket_at = lazy_re(rf"\s*[\[\(\{{<]\s*(?:{at_alt})\s*[\]\)\}}>]\s*", re.IGNORECASE)
    bracket_dot = lazy_re(rf"\s*[\[\(\{{<]\s*(?:{dot_alt})\s*[\]\)\}}>]\s*", re.IGNORECASE)
    # The same from the bracket on: tried at each bracket of the text first, as the
    # patterns above (spaces before the bracket included) try every position.
    bracketed = lazy_re(rf"[\[\(\{{<]\s*(?:{at_alt}|{dot_alt})\s*[\]\)\}}>]", re.IGNORECASE)
    # The local part may itself be spelled with "dot" words: "marie point jobs arobase ...".
    spoken = lazy_re(
        rf"(?<![\w.])([A-Za-z0-9._%+\-]{{2,64}}(?:\s+(?:{dot_alt})\s+[A-Za-z0-9._%+\-]{{1,64}})*)"
        rf"\s+(?:{at_alt})\s+([A-Za-z0-9\-]{{2,63}})\s+(?:{dot_alt})\s+([A-Za-z]{{2,24}})\b",
        re.IGNORECASE,
    )
    # A spoken address needs one of the "at" words and one of the "dot" words (or ".").
    at_cues = frozenset(m.group(0) for w in at_words if (m := _FIRST_WORD.search(w)))
    dot_cues = frozenset(m.group(0) for w in dot_words if (m := _FIRST_WORD.search(w)))
    return bracket_at, bracket_dot, bracketed, spoken, at_cues, dot_cues


def _has_bracketed(text: str, bracketed: re.Pattern[str]) -> bool:
    """Whether an "at" or "dot" word in brackets opens at one of the text's brackets."""
    for bracket in "[({<":
        at = text.find(bracket)
        while at != -1:
            if bracketed.match(text, at):
                return True
            at = text.find(bracket, at + 1)
    return False


_SPACED_WORD = lazy_re(r"\s+\S+\s+")


def _spoken_address(m: re.Match[str]) -> str:
    """A spoken address written out: "marie point jobs arobase example point org"."""
    return f"{_SPACED_WORD.sub('.', m.group(1))}@{m.group(2)}.{m.group(3)}"


def _deobfuscate_email_text(text: str, words: TextWords | None = None) -> str:
    bracket_at, bracket_dot, bracketed, spoken, at_cues, dot_cues = _spoken()
    if _has_bracketed(text, bracketed):
        replaced = bracket_dot.sub(".", bracket_at.sub("@", text))
        if replaced != text:
            text, words = replaced, None
    if not text.isascii() and any(b in text for b in "[({<"):
        # The lexicons' words are folded ("ät" is "at"): "mia [ät] example [punkt] com".
        if words is None or words.text != text:
            words = TextWords.of(text)
        if _has_bracketed(words.lower, bracketed):
            replaced = bracket_dot.sub(".", bracket_at.sub("@", words.lower))
            if replaced != words.lower:
                text, words = replaced, None
    if words is None or words.text != text:
        words = TextWords.of(text)
    if not words.unique.isdisjoint(at_cues) and (
        " . " in text or not words.unique.isdisjoint(dot_cues)
    ):
        text = spoken.sub(_spoken_address, words.lower)
    return text


def extract_emails(text: str, *, words: TextWords | None = None) -> list[str]:
    """E-mail addresses in `text` (plain or obfuscated), deduplicated case-insensitively.

    `words` is TextWords.of(text) when the caller has it already.
    """
    if not text:
        return []
    text = _deobfuscate_email_text(text, words)
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
# A label, then ":" (optionally "@") or "@" before the name; or only a space before a name
# shaped like a handle, with "_" or "." between letters ("IG praca_zagranica_pl"), which
# prose words are not ("snap a photo").
_LABELLED = (
    r"\s*(?:id)?\s*(?:[:：]\s*@?|-\s+@?|@|[^\W\d_]{2,10}\s*[:：]\s*@"
    r"|(?<=[^\W_])[ \t](?=[A-Za-z][A-Za-z0-9]+[_.][A-Za-z0-9]{2}))"
)
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


def _labelled(labels: str, name: str = _NAME) -> re.Pattern[str]:
    # No look-behind in front: these patterns are matched where a label word was found
    # (see extract_handles), never searched through the whole text.
    return lazy_re(rf"(?:{labels}){_LABELLED}{name}", _I)


@dataclass(frozen=True)
class _Service:
    """How one service's handles show in ads."""

    name: str
    label_words: frozenset[str]  # lower-case words that announce a labelled handle
    links: tuple[re.Pattern[str], ...] = ()  # profile links (checked when the text has one)
    labels: tuple[re.Pattern[str], ...] = ()  # "label: name" forms, matched at a label word
    spellings: tuple[str, ...] = ()  # label spellings to look for, besides label_words


_SERVICES: tuple[_Service, ...] = (
    _Service(
        "telegram",
        frozenset(["telegram", "telegramm", "tg", "tlg", "телеграм", "телеграмм", "телега", "тг"]),
        (
            lazy_re(
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
        (lazy_re(_url(r"snapchat\.com", "add/"), _I),),
        (_labelled("snapchat|snap"),),
    ),
    _Service(
        "instagram",
        frozenset(["instagram", "insta", "ig", "инстаграм", "инста", "інстаграм", "інста"]),
        (
            lazy_re(
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
        (lazy_re(_url(r"onlyfans\.com"), _I),),
        (_labelled("onlyfans|only fans"),),
        ("only fans",),
    ),
    _Service("fansly", frozenset(), (lazy_re(_url(r"fansly\.com"), _I),)),
    _Service(
        "wechat",
        frozenset(("wechat", "weixin", "微信")),
        (),
        (
            lazy_re(
                r"(?:wechat|weixin|微信)\s*(?:id)?\s*[:：\-]\s*([A-Za-z][A-Za-z0-9_\-]{5,19})", _I
            ),
        ),
    ),
    _Service("kik", frozenset(("kik",)), (), (_labelled("kik"),)),
    _Service(
        "twitter",
        frozenset(("twitter",)),
        (
            lazy_re(
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
        (lazy_re(r"(?:https?://)?(?:www\.)?tiktok\.com/@([A-Za-z0-9_.]{2,24})", _I),),
        (_labelled("tiktok"),),
    ),
    _Service(
        "skype",
        frozenset(("skype",)),
        (),
        (lazy_re(r"skype\s*(?:id)?\s*[:：]\s*((?:live:)?[A-Za-z][A-Za-z0-9_.\-]{4,31})", _I),),
    ),
    _Service(
        "threema",
        frozenset(("threema",)),
        (),
        (lazy_re(r"(?i:threema)\s*(?i:id)?\s*[:：\-]\s*([A-Z0-9]{8})\b"),),
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


def _label_starts(lower: str, service: _Service, present: frozenset[str]) -> list[int]:
    """Where a label of `service` starts in the folded text, at the start of a word."""
    starts: set[int] = set()
    for word in (*present, *service.spellings):
        pos = lower.find(word)
        while pos != -1:
            if pos == 0 or not lower[pos - 1].isalpha():
                starts.add(pos)
            pos = lower.find(word, pos + 1)
    return sorted(starts)


# Services whose names may end in "_" (Telegram, Snapchat and Kik names may not): the
# underscore is kept unless one opens the name too ("_name_" is emphasis).
_UNDERSCORE_LAST = frozenset(["instagram", "tiktok", "twitter"])


def extract_handles(
    text: str, region: str | None = None, *, words: TextWords | None = None
) -> list[Handle]:
    """Messenger and platform handles in `text`, deduplicated, in order of first appearance.

    `region` is accepted for compatibility (messenger numbers are phones now). `words` is
    TextWords.of(text) when the caller has it already.
    """
    if not text:
        return []
    if words is None or words.text != text:
        words = TextWords.of(text)
    unique = words.unique
    lower = words.lower
    has_links = any(marker in lower for marker in _LINK_MARKERS)
    found: list[tuple[int, Handle]] = []

    def add(m: re.Match[str], service: _Service) -> None:
        name = m.group(1).rstrip(".-_")
        raw = m.group(1).rstrip(".-")
        if (
            raw.endswith("_")
            and service.name in _UNDERSCORE_LAST
            and text[m.start(1) - 1 : m.start(1)] != "_"
        ):
            name = raw  # "@lina.studio_": Instagram, TikTok and X names may end in "_"
        if name.lower() in _NOT_NAMES and "@" not in m.group(0):
            return
        if "." in name and text.startswith("/", m.end(1)):
            return  # "Telegram: t.me/name": the host of a link, whose name is found there
        found.append((m.start(), Handle(service=service.name, handle=name)))

    for service in _SERVICES:
        if has_links:
            for pattern in service.links:
                for m in pattern.finditer(text):
                    add(m, service)
        present = unique & service.label_words
        if not present:
            continue
        # Regexes are tried only where a label word stands: searching a whole text for
        # a case-insensitive alternation costs more than everything else here.
        end = 0
        for start in _label_starts(lower, service, present):
            if start < end:
                continue
            for pattern in service.labels:
                label = pattern.match(text, start)
                if label:
                    add(label, service)
                    end = label.end()
                    break
    found.sort(key=lambda item: item[0])
    out: list[Handle] = []
    seen: set[tuple[str, str]] = set()
    for _, handle in found:
        key = (handle.service, handle.handle.lower())
        if key not in seen:
            seen.add(key)
            out.append(handle)
    return out
