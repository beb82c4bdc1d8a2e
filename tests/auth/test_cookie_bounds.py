"""A hostile site cannot grow the crawl's cookie jar without bound (crawler.auth.jar).

Real Scrapy responses carrying Set-Cookie floods go through the crawl's cookies middleware
(SessionCookiesMiddleware, on every platform): the Cookie header later requests carry
stays under the 8 KB servers accept, a session cookie set first survives the flood, an
oversized cookie is refused, each refusal counted and said once.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.http import HtmlResponse
from scrapy.utils.test import get_crawler

from crawler.auth.jar import MAX_COOKIES, MAX_JAR_BYTES, SessionCookiesMiddleware

SITE = "http://forum.example.org"


def _middleware():
    crawler = get_crawler(settings_dict={"COOKIES_ENABLED": True})
    crawler.stats.open_spider()
    return crawler, SessionCookiesMiddleware.from_crawler(crawler)


def _response(url: str, cookies: list[str]) -> HtmlResponse:
    headers = [(b"Set-Cookie", c.encode()) for c in cookies]
    return HtmlResponse(url, body=b"<html></html>", headers=headers, request=Request(url))


def _cookie_header(mw: SessionCookiesMiddleware, url: str) -> str:
    request = Request(url)
    mw.process_request(request)
    return (request.headers.get(b"Cookie") or b"").decode()


def test_a_cookie_flood_keeps_the_session_and_bounds_every_later_request(caplog):
    crawler, mw = _middleware()
    first = Request(f"{SITE}/login")
    mw.process_request(first)
    mw.process_response(first, _response(f"{SITE}/login", ["forum_sid=abc123; Path=/"]))
    flood = [f"junk{i}={'x' * 1000}; Path=/" for i in range(300)]
    page = Request(f"{SITE}/t/1")
    mw.process_request(page)
    with caplog.at_level(logging.WARNING):
        for chunk in range(0, 300, 30):  # ten pages, thirty cookies each
            mw.process_response(page, _response(f"{SITE}/t/1", flood[chunk : chunk + 30]))
    header = _cookie_header(mw, f"{SITE}/t/2")
    assert "forum_sid=abc123" in header  # the session set first is kept
    assert len(header) < 8190  # what aiohttp, nginx and Apache accept by default
    held = list(mw.jar)
    assert len(held) <= MAX_COOKIES
    assert sum(len(c.name) + len(c.value or "") for c in held) <= MAX_JAR_BYTES
    stats = crawler.stats.get_stats()
    assert stats["cookies/refused/too_many"] == 300 - (len(held) - 1)
    said = [r for r in caplog.records if "cookie the site set was refused" in r.getMessage()]
    assert len(said) == 1  # said once, then counted
    assert "x" * 100 not in said[0].getMessage()  # never a value


def test_an_oversized_cookie_is_refused_and_a_session_can_still_be_renewed():
    crawler, mw = _middleware()
    page = Request(f"{SITE}/t/1")
    mw.process_request(page)
    mw.process_response(
        page,
        _response(f"{SITE}/t/1", [f"huge={'y' * 5000}; Path=/", "forum_sid=one; Path=/"]),
    )
    assert crawler.stats.get_value("cookies/refused/too_large") == 1
    # Fill the jar to its limit, then renew the session: an update of a held cookie fits.
    fill = [f"k{i}=v; Path=/" for i in range(MAX_COOKIES * 2)]
    mw.process_response(page, _response(f"{SITE}/t/1", fill))
    mw.process_response(page, _response(f"{SITE}/t/1", ["forum_sid=two; Path=/"]))
    header = _cookie_header(mw, f"{SITE}/t/2")
    assert "forum_sid=two" in header and "forum_sid=one" not in header
    assert "huge=" not in header


def test_the_browser_context_merge_is_bounded_too():
    _, mw = _middleware()
    state = [
        {"name": f"c{i}", "value": "z" * 500, "domain": "forum.example.org", "path": "/",
         "expires": -1, "httpOnly": False, "secure": False, "sameSite": "Lax"}
        for i in range(200)
    ]  # fmt: skip
    mw.add_state_cookies(state)
    held = list(mw.jar)
    assert 0 < len(held) <= MAX_COOKIES
    assert sum(len(c.name) + len(c.value or "") for c in held) <= MAX_JAR_BYTES
