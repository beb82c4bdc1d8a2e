"""What a demo platform serves while it is "broken": the conditions of crawl-health tests.

A platform's `condition` (crawler/demo/base.py) is one of CONDITIONS:

- "ok": the platform as it is;
- "layout": the same content in new markup: every class and id attribute value of an HTML
  page gets the prefix `v2-`, the JSON-LD block moves to another script type, and every key
  of a JSON response gets the prefix `v2_`, so the profile's selectors (CSS, XPath,
  JSON-LD, JSON paths) stop matching while the listings are all still there;
- "login_wall": every page is a sign-in form (HTTP 200), the way a site that turned
  members-only answers;
- "captcha": every page is a human-verification challenge (HTTP 200);
- "forbidden": every page is HTTP 403 with a short "access denied" page;
- "slow": every response waits `slow_delay` seconds first.

robots.txt is never replaced (only delayed by "slow"), so the crawler's robots handling is
not what a test measures. The pages here are synthetic and carry no platform content.
"""

from __future__ import annotations

import json
import re
from html import escape
from typing import Any

CONDITIONS: tuple[str, ...] = ("ok", "layout", "login_wall", "captcha", "forbidden", "slow")

# Conditions that replace a page by another one (the platform's own page is never sent).
REPLACING: frozenset[str] = frozenset({"login_wall", "captcha", "forbidden"})

LAYOUT_PREFIX = "v2-"
LAYOUT_KEY_PREFIX = "v2_"


def check_condition(condition: str) -> str:
    """The condition itself, or ValueError naming the known ones."""
    if condition not in CONDITIONS:
        raise ValueError(f"unknown demo condition {condition!r}; known: {', '.join(CONDITIONS)}")
    return condition


# --- "layout" -----------------------------------------------------------------------------

# A class or id attribute inside a start tag: quoted or unquoted value. The lookbehind keeps
# data-class= / data-id= and text outside tags (page text is escaped, so it holds no "<").
_ATTR = re.compile(
    r"""(?<=[\s"'])(class|id)(\s*=\s*)(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))""",
    re.IGNORECASE,
)
_TAG = re.compile(r"<[a-zA-Z][^<>]*>")
_JSONLD_TYPE = re.compile(r"""type\s*=\s*(["']?)application/ld\+json\1""", re.IGNORECASE)


def _prefixed(value: str) -> str:
    return " ".join(LAYOUT_PREFIX + token for token in value.split())


def _relayout_tag(match: re.Match[str]) -> str:
    def attr(m: re.Match[str]) -> str:
        value = next(v for v in m.groups()[2:] if v is not None)
        return f'{m.group(1)}{m.group(2)}"{escape(_prefixed(value), quote=True)}"'

    tag = _JSONLD_TYPE.sub('type="application/vnd.v2+json"', match.group(0))
    return _ATTR.sub(attr, tag)


def relayout_html(html: str) -> str:
    """The page in its "new layout": class/id values prefixed, JSON-LD under another type."""
    return _TAG.sub(_relayout_tag, html)


def relayout_json(data: Any) -> Any:
    """A JSON document with every object key prefixed (values unchanged)."""
    if isinstance(data, dict):
        return {LAYOUT_KEY_PREFIX + str(k): relayout_json(v) for k, v in data.items()}
    if isinstance(data, list):
        return [relayout_json(v) for v in data]
    return data


def relayout_json_bytes(body: bytes) -> bytes:
    try:
        data = json.loads(body)
        return json.dumps(relayout_json(data), ensure_ascii=False).encode()
    except (ValueError, RecursionError):
        return body  # not JSON after all, or nested past any reader: served as it is


# --- the replacing pages ----------------------------------------------------------------

_STYLE = (
    "body{font-family:sans-serif;background:#f4f4f4}"
    ".box{max-width:24em;margin:4em auto;background:#fff;padding:2em;border-radius:6px}"
    "label,input,button{display:block;width:100%;margin:.4em 0}"
)


def _page(title: str, main: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f'<meta name="robots" content="noindex"><title>{escape(title)}</title>'
        f'<style>{_STYLE}</style></head><body><div class="box">{main}</div></body></html>'
    )


def login_wall_page(site: str, next_path: str) -> str:
    """A members-only sign-in page, as a site that closed its listings to guests serves."""
    return _page(
        f"Sign in - {site}",
        "<h1>Sign in</h1>"
        "<p>You must be logged in to view this page.</p>"
        '<form class="login" method="post" action="/login">'
        f'<input type="hidden" name="next" value="{escape(next_path, quote=True)}">'
        '<label for="username">Username or e-mail</label>'
        '<input id="username" name="username" type="text" autocomplete="username">'
        '<label for="password">Password</label>'
        '<input id="password" name="password" type="password" autocomplete="current-password">'
        '<label><input type="checkbox" name="remember"> Keep me signed in</label>'
        '<button type="submit">Log in</button>'
        "</form>"
        '<p><a href="/password-reset">Forgot your password?</a> · '
        '<a href="/register">Create an account</a></p>',
    )


def captcha_page(site: str) -> str:
    """A human-verification interstitial with a CAPTCHA widget (no third-party script)."""
    return _page(
        f"Security check - {site}",
        "<h1>One more step</h1>"
        "<p>Please verify you are a human to continue.</p>"
        '<form id="challenge-form" method="post" action="/challenge">'
        '<div class="h-captcha" data-sitekey="00000000-0000-0000-0000-000000000000"></div>'
        '<input type="hidden" name="captcha-token" value="">'
        '<button type="submit">Continue</button>'
        "</form>"
        "<p><small>This check protects the site from automated traffic.</small></p>",
    )


def forbidden_page(site: str) -> str:
    """A short block page, as a web application firewall answers a blocked client."""
    return _page(
        "Access denied",
        "<h1>Access denied</h1>"
        f"<p>You don't have permission to access this resource on {escape(site)}.</p>"
        "<p>Your request has been blocked. Reference: 0000-demo</p>",
    )


def replacement_page(condition: str, site: str, path: str) -> tuple[int, str]:
    """(status, HTML) served for every page while `condition` (one of REPLACING) holds."""
    if condition == "login_wall":
        return 200, login_wall_page(site, path)
    if condition == "captcha":
        return 200, captcha_page(site)
    if condition == "forbidden":
        return 403, forbidden_page(site)
    raise ValueError(f"condition {condition!r} does not replace pages")
