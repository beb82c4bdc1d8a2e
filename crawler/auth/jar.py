"""The session's cookies on the Scrapy route: a cookies middleware that knows the session store.

`SessionCookiesMiddleware` replaces Scrapy's CookiesMiddleware at the same place
(DOWNLOADER_MIDDLEWARES 700, settings/base.py) and behaves like it, one jar per crawl, plus:

- `restore(state)` fills the jar from a Playwright storage state (the platform's stored
  session, or `auth.import` on a first run; crawler.auth.login decides which);
- `storage_state()` is the jar as a storage state, and `save(platform, source)` writes it
  to the session store (crawler.auth.sessions: file 0600) after a login and when a run
  that was served as a member ends;
- `generation` counts the sessions this run started (a restore or a login adds one;
  crawler.browser.handler copies the jar into a browser context when it changed): every request
  is stamped with the generation whose cookies it carries (meta `auth_generation`), so
  that a page answered logged out with an older session is fetched again, not taken as a
  reason to log in again;
- the browser route (scrapy-playwright) gives a response's Set-Cookie headers joined by
  newlines: they are read one by one.

Cookie values are never logged: COOKIES_DEBUG is ignored (one warning says so).

The jar is bounded, for every platform (members-only or not): a hostile site may set as
many cookies as it likes, and every request would carry them back (memory, a growing
session file, requests its own server then refuses). A cookie whose name and value exceed
MAX_COOKIE_BYTES is refused, and so is a new cookie once the jar holds MAX_COOKIES or its
names and values would exceed MAX_JAR_BYTES (the Cookie header then stays under the 8 KB
most servers accept); cookies already held (a session set first) are kept. Counted under
`cookies/refused/too_large` and `cookies/refused/too_many`, said once.
Tor: the Cookie header rides on the request through the tor download handler like any
header, and requests keep meta["platform"], so a session stays on its platform's
isolated circuit.
"""

from __future__ import annotations

import logging
import weakref
from typing import TYPE_CHECKING, Any

from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http import Response

from crawler.auth.sessions import SessionStore, StoredSession, cookiejar_cookies, state_cookies
from crawler.crawl.registry import remember
from crawler.crawl.reporting import Reporter

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

META_GENERATION = "auth_generation"

MAX_COOKIE_BYTES = 4096  # one cookie's name and value, as browsers keep them
MAX_COOKIES = 50  # in one crawl's jar
MAX_JAR_BYTES = 7000  # all names and values: a Cookie header under the usual 8 KB limit


def _size(cookie: Any) -> int:
    return len(cookie.name or "") + len(cookie.value or "")


def refusal(held: list[Any], cookie: Any) -> str | None:
    """Why `cookie` may not join a jar holding `held` ("too_large", "too_many"), or None."""
    size = _size(cookie)
    if size > MAX_COOKIE_BYTES:
        return "too_large"
    others = [
        c
        for c in held
        if not (c.name == cookie.name and c.domain == cookie.domain and c.path == cookie.path)
    ]
    if len(others) >= MAX_COOKIES or sum(map(_size, others)) + size > MAX_JAR_BYTES:
        return "too_many"
    return None


_MIDDLEWARES: weakref.WeakKeyDictionary[Crawler, SessionCookiesMiddleware] = (
    weakref.WeakKeyDictionary()
)


class SessionCookiesMiddleware(CookiesMiddleware):
    """Scrapy's CookiesMiddleware, filled from and saved to the platform's stored session."""

    def __init__(self, debug: bool = False) -> None:
        if debug:
            logger.warning("COOKIES_DEBUG is ignored: cookie values (a session) are never logged")
        super().__init__(debug=False)
        self.generation = 0
        self.origins: list[dict[str, Any]] = []
        self.report: Reporter | None = None  # set by from_crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SessionCookiesMiddleware:
        mw = super().from_crawler(crawler)
        remember(_MIDDLEWARES, crawler, mw)
        mw.report = Reporter(crawler.stats, logger, "cookies/")
        return mw

    def _admitted(self, cookies: Any, jar: Any) -> list[Any]:
        """The cookies that fit the jar (see the module docstring); the others counted."""
        held = list(jar)
        kept = []
        for cookie in cookies:
            why = refusal(held, cookie)
            if why is None:
                kept.append(cookie)
                held = [
                    c
                    for c in held
                    if not (
                        c.name == cookie.name
                        and c.domain == cookie.domain
                        and c.path == cookie.path
                    )
                ] + [cookie]
                continue
            if self.report is not None:
                self.report.problem(
                    f"refused/{why}",
                    logging.WARNING,
                    "a cookie the site set was refused (%s: at most %d cookies, %d bytes each, "
                    "%d bytes in all); further ones are only counted",
                    why,
                    MAX_COOKIES,
                    MAX_COOKIE_BYTES,
                    MAX_JAR_BYTES,
                )
        return kept

    def _process_cookies(self, cookies: Any, *, jar: Any, request: Request) -> None:
        super()._process_cookies(self._admitted(cookies, jar), jar=jar, request=request)

    @classmethod
    def of(cls, crawler: Crawler) -> SessionCookiesMiddleware | None:
        """The crawl's middleware (None when COOKIES_ENABLED is off or it is not installed)."""
        return _MIDDLEWARES.get(crawler)

    # ---- the session ---------------------------------------------------------------------

    @property
    def jar(self) -> Any:
        return self.jars[None]  # ListingSpider never sets meta["cookiejar"]: one jar

    def restore(self, state: dict[str, Any]) -> int:
        """Put a storage state's cookies in the jar; how many."""
        cookies = cookiejar_cookies(state)
        for cookie in cookies:
            self.jar.set_cookie(cookie)
        self.origins = list(state.get("origins") or [])
        self.generation += 1
        return len(cookies)

    def storage_state(self) -> dict[str, Any]:
        """The jar's live cookies as a Playwright storage state."""
        return {"cookies": state_cookies(iter(self.jar)), "origins": list(self.origins)}

    def add_state_cookies(self, cookies: list[dict[str, Any]]) -> None:
        """Cookies a browser context holds (storage-state form), into the jar (bounded)."""
        for cookie in self._admitted(cookiejar_cookies({"cookies": cookies}), self.jar):
            self.jar.set_cookie(cookie)

    def has_cookies(self) -> bool:
        return any(True for _ in self.jar)

    def new_session(self) -> int:
        """A login succeeded: requests sent from now carry the new session."""
        self.generation += 1
        return self.generation

    def save(self, store: SessionStore, platform: str, source: str) -> StoredSession:
        return store.save(platform, self.storage_state(), source)

    # ---- Scrapy ---------------------------------------------------------------------------

    def process_request(
        self, request: Request, spider: Spider | None = None
    ) -> Request | Response | None:
        request.meta[META_GENERATION] = self.generation
        return super().process_request(request)

    def process_response(
        self, request: Request, response: Response, spider: Spider | None = None
    ) -> Request | Response:
        if request.meta.get("playwright") and not request.meta.get("dont_merge_cookies"):
            # Playwright's all_headers() joins repeated headers with newlines.
            joined = response.headers.getlist("Set-Cookie")
            split = [part for value in joined for part in value.split(b"\n") if part.strip()]
            if len(split) != len(joined):
                headers = response.headers.copy()
                headers.setlist("Set-Cookie", split)
                jar = self.jars[request.meta.get("cookiejar")]
                view = response.replace(headers=headers)
                self._process_cookies(jar.make_cookies(view, request), jar=jar, request=request)
                return response
        return super().process_response(request, response)
