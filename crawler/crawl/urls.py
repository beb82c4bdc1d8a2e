"""Session ids in URLs: kept in the requests a crawl sends, never in what it stores or logs.

Forum software and old shops put the visitor's session in every link (`?sid=...`,
`;jsessionid=...`, `PHPSESSID=...`); onion forums often do, to work without cookies. Such a
parameter is a credential of our account (or our crawler's guest session), and it changes
with every session: left in, it would reach the store, Kibana, alerts, evidence and logs,
and give the same listing a new id every run. So:

- `strip_session(url, names)` is the URL without them (query parameters, matrix parameters
  of a path segment); listing ids, stored URLs and the walk's seen-page keys use it;
- `redact_session(text, names)` replaces their values in free text (log lines, the URLs in
  evidence records) with `[withheld]`.

The names come from the profile (`url_session_params`, crawler.profiles; DEFAULT_SESSION_PARAMS
when it does not say), compared without case. Pure code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from urllib.parse import urlsplit, urlunsplit

from crawler.profiles import DEFAULT_SESSION_PARAMS

__all__ = ["DEFAULT_SESSION_PARAMS", "WITHHELD", "redact_session", "strip_session"]

WITHHELD = "[withheld]"


def _names(names: Iterable[str]) -> frozenset[str]:
    if isinstance(names, tuple | frozenset):  # a profile's (hashable): lowered once
        return _lowered(names)
    return frozenset(n.lower() for n in names)


@lru_cache(maxsize=64)
def _lowered(names: tuple[str, ...] | frozenset[str]) -> frozenset[str]:
    return frozenset(n.lower() for n in names)


def _is_session(name: str, names: frozenset[str]) -> bool:
    lowered = name.lower()
    # ASP's cookie-less sessions are named ASPSESSIONIDxxxxxxxx.
    return lowered in names or ("aspsessionid" in names and lowered.startswith("aspsessionid"))


def strip_session(url: str, names: Iterable[str]) -> str:
    """`url` without its session parameters (unchanged when it has none)."""
    wanted = _names(names)
    if not wanted or ("=" not in url):
        return url
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    path = parts.path
    if ";" in path:
        segments = []
        for segment in path.split("/"):
            head, *params = segment.split(";")
            kept = [p for p in params if not _is_session(p.partition("=")[0], wanted)]
            segments.append(";".join([head, *kept]))
        path = "/".join(segments)
    query = parts.query
    if query:
        pairs = [p for p in re.split(r"[&;]", query) if p]
        kept_pairs = [p for p in pairs if not _is_session(p.partition("=")[0], wanted)]
        if len(kept_pairs) != len(pairs):
            query = "&".join(kept_pairs)
    if path == parts.path and query == parts.query:
        return url
    return urlunsplit((parts.scheme, parts.netloc, path, query, parts.fragment))


@lru_cache(maxsize=64)
def _value_pattern(names: frozenset[str]) -> re.Pattern[str]:
    alternatives = "|".join(
        re.escape(n) + (r"[A-Za-z0-9]*" if n == "aspsessionid" else "") for n in sorted(names)
    )
    return re.compile(rf"(?i)([?&;](?:{alternatives})=)[^&;#?/\s'\"<>]+")


def redact_session(text: str, names: Iterable[str]) -> str:
    """`text` with the value of every session parameter it shows replaced by [withheld]."""
    wanted = _names(names)
    if not wanted or "=" not in text:
        return text
    return _value_pattern(wanted).sub(lambda m: m.group(1) + WITHHELD, text)
