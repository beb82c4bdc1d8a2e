"""What a page says about the session: logged in, logged out, or a wall only a human passes.

`page_state(html, auth)` is pure (no I/O, no Scrapy): it reads the page against the
profile's checks (crawler.profiles.Auth) and the page classifier (crawler.health.pages).
The answer, first rule that holds:

- `human`: one of `auth.human` matches, or the classifier sees a CAPTCHA: nothing the
  profile holds can answer it; the platform stops as needs_login, never retried;
- `logged_out`: `auth.logged_out` matches, or `auth.logged_in` is given and absent. A
  page showing both signs counts as logged out: a login form served to a member by
  mistake costs one login, a wall taken for a member page loses the crawl;
- `logged_in`: `auth.logged_in` matches;
- `logged_out` again when neither check says anything and the classifier sees a login
  wall (a profile with only a `logged_out` text that the site changed);
- `unknown`: nothing says (a profile with only `logged_out`, on a page without it).

A PageCheck is a CSS selector that matches at least one element, or a text the page's
visible text contains: case-insensitive, whitespace-normalised (runs of spaces, tabs and
newlines are one space; entities decoded; scripts, styles and the title left out).
"""

from __future__ import annotations

from typing import Literal

from parsel import Selector

from crawler.health.pages import classify_page
from crawler.profiles import Auth, PageCheck

PageState = Literal["logged_in", "logged_out", "human", "unknown"]
STATES: tuple[str, ...] = ("logged_in", "logged_out", "human", "unknown")

_VISIBLE_TEXT = "//body//text()[not(ancestor::script) and not(ancestor::style)]"


def normalised(text: str) -> str:
    """Case-folded, with every run of whitespace one space."""
    return " ".join(text.split()).casefold()


class _Page:
    """A page parsed once for every check."""

    def __init__(self, html: str, selector: Selector | None = None) -> None:
        self.html = html
        self.selector = selector if selector is not None else Selector(text=html or "<html></html>")
        self._text: str | None = None

    @property
    def text(self) -> str:
        if self._text is None:
            nodes = self.selector.xpath(_VISIBLE_TEXT).getall()
            if not nodes:  # a fragment or plain text without a <body>
                nodes = self.selector.xpath(
                    "//text()[not(ancestor::script) and not(ancestor::style)"
                    " and not(ancestor::title)]"
                ).getall()
            self._text = normalised(" ".join(nodes))
        return self._text

    def matches(self, check: PageCheck) -> bool:
        if check.css is not None:
            return bool(self.selector.css(check.css))
        needle = normalised(check.text or "")
        return bool(needle) and needle in self.text


def matches(html: str, check: PageCheck) -> bool:
    """Whether one PageCheck holds on the page."""
    return _Page(html).matches(check)


def page_state(
    html: str, auth: Auth, status: int = 200, url: str = "", selector: Selector | None = None
) -> PageState:
    """What the page says about the session (see the module docstring for the rules).
    `selector`: the page already parsed (a Scrapy response's), so it is not parsed again."""
    page = _Page(html, selector)
    signal = classify_page(status, html, url)
    if any(page.matches(check) for check in auth.human) or (
        signal is not None and signal.kind == "captcha"
    ):
        return "human"
    logged_in = auth.logged_in is not None and page.matches(auth.logged_in)
    if auth.logged_out is not None and page.matches(auth.logged_out):
        return "logged_out"
    if auth.logged_in is not None and not logged_in:
        return "logged_out"
    if logged_in:
        return "logged_in"
    if signal is not None and signal.kind == "login_wall":
        return "logged_out"
    return "unknown"
