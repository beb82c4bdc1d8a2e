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

if TYPE_CHECKING:
    from scrapy import Request, Spider
    from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

META_GENERATION = "auth_generation"

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

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> SessionCookiesMiddleware:
        mw = super().from_crawler(crawler)
        _MIDDLEWARES[crawler] = mw
        return mw

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
        """Cookies a browser context holds (storage-state form), into the jar."""
        for cookie in cookiejar_cookies({"cookies": cookies}):
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
