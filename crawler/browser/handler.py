"""One scrapy-playwright download handler, and so one Chromium, for http and https.

Scrapy builds a download handler per URL scheme, and scrapy-playwright's handler is not
lazy: mapping both http and https to it starts two Playwright drivers and, with a
startup context (PLAYWRIGHT_CONTEXTS), two browsers, even when a platform only ever
uses one scheme. This subclass hands Scrapy the same instance for every scheme of a
crawl and closes it once.

Requests without `playwright` in their meta (robots.txt, API pages) do not go through
the browser. scrapy-playwright sends them with Scrapy's plain HTTP/1.1 handler, which
would bypass a Tor proxy set on the browser context. Settings:
  BROWSER_DIRECT_HANDLER  import path of the download handler for those requests;
                          default Scrapy's HTTP/1.1 handler. crawler.browser.scrapy_settings
                          sets the Tor handler when the context goes through Tor.
  BROWSER_TOR_ROUTED      set by crawler.browser.scrapy_settings when the context goes
                          through Tor: then, without BROWSER_DIRECT_HANDLER, such
                          requests are refused (IgnoreRequest, stat
                          `browser/refused_direct`): fail closed, never around Tor.

A browser that dies mid-crawl (crash, OOM kill): scrapy-playwright 0.0.48 relaunches it,
but two kinds of requests of the dead browser then wait forever, and the crawl never ends
(seen here when killing Chromium under a crawl): those waiting for a page slot of the dead
context (its pages' close events release the new context's semaphore, looked up by name),
and some whose Playwright call was in flight when the browser died and is never answered.
This handler wakes the first (they fail on the closed context with TargetClosedError,
which scrapy-playwright retries; stat `browser/context_waiters_woken`) and, on the
browser's `disconnected` event, cancels the second and fails them with BrowserGoneError
(stat `browser/cancelled_downloads`), which crawler.browser.recovery retries.

Scope (crawler.crawl.scope, from the CRAWL_SCOPE setting, required): every context's only
way out is a ScopeFence (crawler.browser.fence), a SOCKS5 server on 127.0.0.1 that
connects only to the platform's hosts, chained to the context's own proxy (tor) when it
has one. On top, the page router aborts what the page asks for outside the scope (and
media) before Chromium tries, counted under `scope/refused/<reason>`.

Evidence (crawler.evidence.capture, when EVIDENCE_ENABLED): every page gets a
`requestfinished` listener that writes each text response the page loaded (the page's own
HTML as the network delivered it, and its XHR/fetch JSON) as request and response records.
After the page actions, the page waits for those writes (EVIDENCE_BROWSER_CAPTURE_TIMEOUT)
before its content is read and it is closed, and the request's meta gets the reference of
the page's network response, which the rendered DOM's record refers to. Chromium hands
over bodies decoded: the records keep the server's Content-Encoding and Content-Length as
X-Archive-Orig-* headers and say the length of what they hold. A body the browser could
not give (the page closed first) is counted in `evidence/browser_lost`, logged once.

Sessions (members-only platforms, crawler.auth): the crawl's cookie jar
(crawler.auth.jar.SessionCookiesMiddleware) is copied into a context before its next page
whenever the jar holds a new session (the stored one at the start, one from a login made
on the Scrapy route, and into a context re-created after a browser crash), so the page's
own requests carry it too (the navigation carries the jar's Cookie header anyway:
scrapy-playwright sends Scrapy's headers). `context_cookies(name)` gives back what the
context holds at the end of the run, to be saved with the session.

Everything else is scrapy-playwright's, driven by its PLAYWRIGHT_* settings.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import Any
from weakref import WeakKeyDictionary

from playwright.async_api import Error as PlaywrightError
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy_playwright.handler import BrowserContextWrapper, ScrapyPlaywrightDownloadHandler

from crawler.browser.fence import ScopeFence
from crawler.config import get_bool
from crawler.crawl.registry import remember
from crawler.crawl.reporting import Reporter
from crawler.crawl.scope import PlatformScope, count_refusal
from crawler.evidence.capture import (
    META_AUTH_SECRET,
    META_NETWORK,
    WITHHELD_LOGIN,
    EvidenceCapture,
)
from crawler.evidence.warc import HttpExchange, text_media_type
from crawler.models import EvidenceRef


def decoded_body_headers(headers: list[dict[str, str]], length: int) -> list[tuple[str, str]]:
    """Response headers in front of a body the browser decoded, agreeing with it: the
    framing and the encoding of the wire (Transfer-Encoding; Content-Encoding and the
    encoded Content-Length) kept as X-Archive-Orig-*, Content-Length the recorded body's."""
    encoded = any(h["name"].lower() == "content-encoding" for h in headers)
    renamed = (
        {"transfer-encoding", "content-encoding", "content-length"}
        if encoded
        else {"transfer-encoding"}
    )
    out = []
    for h in headers:
        name, value = h["name"], h["value"]
        if name.startswith(":"):
            continue  # HTTP/2 pseudo-headers: the status line says it
        out.append((f"X-Archive-Orig-{name}", value) if name.lower() in renamed else (name, value))
    if not any(k.lower() == "content-length" for k, _ in out):
        out.append(("Content-Length", str(length)))
    return out


_HANDLERS: WeakKeyDictionary[Crawler, BrowserDownloadHandler] = WeakKeyDictionary()


class BrowserGoneError(PlaywrightError):
    """A rendered download lost because the browser disconnected under it."""


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, shared by every scheme of one crawl."""

    _closed = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.tor_routed = get_bool(crawler.settings, "BROWSER_TOR_ROUTED", False)
        path = crawler.settings.get("BROWSER_DIRECT_HANDLER")
        self.direct: Any = build_from_crawler(load_object(path), crawler) if path else None
        self._rendering: set[asyncio.Task] = set()  # rendered downloads in flight
        self._lost: set[asyncio.Task] = set()  # ... cancelled because the browser died
        raw_scope = crawler.settings.getdict("CRAWL_SCOPE")
        if not raw_scope:
            # Fail closed: a browser without a scope could be sent anywhere by a page.
            raise ValueError("CRAWL_SCOPE is not set: the browser route needs the platform's scope")
        self.scope = PlatformScope.from_setting(raw_scope)
        self.max_size = crawler.settings.getint("DOWNLOAD_MAXSIZE")
        self.fences: dict[str | None, ScopeFence] = {}
        self.report = Reporter(self.stats, logging.getLogger(__name__))
        self.abort_request = self._abort_request
        self._evidence_crawler = crawler  # the capture middleware may be built after us
        # page -> (its capture writes in flight, the refs of its main-frame documents)
        self._page_captures: WeakKeyDictionary[Any, tuple[set[asyncio.Task], list]] = (
            WeakKeyDictionary()
        )
        self._sessions: WeakKeyDictionary[Any, int] = WeakKeyDictionary()  # context -> jar gen.

    def _abort_request(self, playwright_request: Any) -> bool:
        """PLAYWRIGHT_ABORT_REQUEST of every page: media (docs/safety.md), and anything out of scope."""
        from crawler.browser import abort_media_request

        if abort_media_request(playwright_request):
            return True
        reason = self.scope.refusal(playwright_request.url)
        if reason is None:
            return False
        count_refusal(self.report, reason)
        return True

    def _make_request_handler(self, *args: Any, **kwargs: Any) -> Any:
        inner = super()._make_request_handler(*args, **kwargs)
        navigated = False  # one handler per rendered request (page)

        async def handler(route: Any, playwright_request: Any) -> None:
            # The page we were sent to is loaded once. A page navigating its main frame
            # afterwards (a form it submits, a location it sets, a meta refresh, to itself
            # in a loop or out of scope) has that navigation aborted as "aborted", which
            # shows no error page: the browser stays on the page, whose content is what we
            # came for (a refresh loop let through keeps the page from ever closing: seen
            # here). A page that navigates while it is still being parsed stops its own
            # parsing: what it rendered before is all the browser has (its listing fails
            # on its selectors; nothing leaves the scope).
            nonlocal navigated
            if playwright_request.is_navigation_request():
                frame = playwright_request.frame
                main = frame is not None and frame.parent_frame is None
                reason = self.scope.refusal(playwright_request.url)
                if reason is not None:
                    count_refusal(self.report, reason)
                if main and (reason is not None or navigated):
                    if reason is None:
                        self.stats.inc_value("browser/self_navigation_blocked")
                    await route.abort("aborted")
                    return
                if reason is not None:  # a frame of the page: it stays empty
                    await route.abort()
                    return
                if main:
                    navigated = True
            await inner(route, playwright_request)

        return handler

    async def _fence(self, upstream: str | None, name: str) -> str:
        """The proxy URL of the fence for contexts with this upstream (one fence each)."""
        fence = self.fences.get(upstream)
        if fence is None:
            fence = self.fences[upstream] = ScopeFence(
                self.scope, self.report, upstream=upstream, isolation_key=name
            )
        return await fence.start()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserDownloadHandler:
        handler = _HANDLERS.get(crawler)
        if handler is None:
            handler = remember(_HANDLERS, crawler, cls(crawler))
        return handler

    @classmethod
    def running(cls, crawler: Crawler) -> BrowserDownloadHandler | None:
        """The crawl's handler when the crawl renders pages (else None)."""
        return _HANDLERS.get(crawler)

    # ---- sessions: the crawl's cookie jar in the browser -----------------------------------

    async def _share_session(self, context: Any) -> None:
        from crawler.auth.jar import SessionCookiesMiddleware

        jar = SessionCookiesMiddleware.of(self._evidence_crawler)
        if jar is None or self._sessions.get(context, 0) == jar.generation:
            return
        self._sessions[context] = jar.generation
        cookies = jar.storage_state()["cookies"]
        if cookies:
            await context.add_cookies(cookies)
            self.stats.inc_value("browser/session_shared")

    async def context_cookies(self, name: str) -> list[dict[str, Any]]:
        """The cookies the context `name` holds (storage-state form); [] when it is gone."""
        wrapper = self.context_wrappers.get(name)
        if wrapper is None:
            return []
        try:
            return list(await wrapper.context.cookies())
        except PlaywrightError:
            return []

    async def _create_browser_context(
        self, name: str, context_kwargs: dict | None, spider: Spider | None = None
    ) -> BrowserContextWrapper:
        kwargs = dict(context_kwargs or {})
        upstream = (kwargs.get("proxy") or {}).get("server")
        kwargs["proxy"] = {"server": await self._fence(upstream, name)}
        wrapper = await super()._create_browser_context(name, kwargs, spider)
        wrapper.context.on("close", lambda *_: self._wake_waiters(wrapper))
        return wrapper

    # ---- evidence: what the page loaded ------------------------------------------------

    async def _create_page(self, request: Request, spider: Spider) -> Any:
        page = await super()._create_page(request, spider)
        await self._share_session(page.context)
        if EvidenceCapture.of(self._evidence_crawler) is not None:
            state: tuple[set[asyncio.Task], list[EvidenceRef]] = (set(), [])
            self._page_captures[page] = state
            # A login page (meta auth_secret): what it sends (the form's POST) is not written.
            secret = bool(request.meta.get(META_AUTH_SECRET))
            page.on("requestfinished", lambda r: self._page_response(state, r, secret))
        return page

    def _page_response(
        self, state: tuple[set[asyncio.Task], list], playwright_request: Any, secret: bool = False
    ) -> None:
        pending, documents = state
        task = asyncio.ensure_future(
            self._capture_page_response(playwright_request, documents, secret)
        )
        pending.add(task)
        task.add_done_callback(pending.discard)

    async def _capture_page_response(
        self, pw_request: Any, documents: list, secret: bool = False
    ) -> None:
        capture = EvidenceCapture.of(self._evidence_crawler)
        if capture is None:
            return
        try:
            response = await pw_request.response()
            if response is None:
                return
            status = response.status
            bodiless = 300 <= status < 400 or status in (204, 304)
            content_type = await response.header_value("content-type")
            if not bodiless and text_media_type(content_type) is None:
                capture.skip("browser_non_text")  # scripts, stylesheets (media is aborted)
                return
            body = b"" if bodiless else await response.body()
            request_headers = await pw_request.headers_array()
            response_headers = await response.headers_array()
            main_document = (
                pw_request.is_navigation_request() and pw_request.frame.parent_frame is None
            )
        except PlaywrightError as exc:
            capture.report.problem(
                "browser_lost",
                logging.WARNING,
                "evidence: a response the page loaded could not be read from the browser (%s)",
                type(exc).__name__,
            )
            return
        ref = capture.record_exchange(
            HttpExchange(
                url=response.url,
                method=pw_request.method,
                request_headers=[
                    (h["name"], h["value"])
                    for h in request_headers
                    if not h["name"].startswith(":")
                ],
                request_body=pw_request.post_data_buffer or b"",
                status=status,
                reason=response.status_text,
                response_headers=decoded_body_headers(response_headers, len(body)),
                body=body,
                withheld=WITHHELD_LOGIN if secret and pw_request.method != "GET" else None,
            )
        )
        if ref is not None and main_document:
            documents.append(ref)

    async def _apply_page_methods(self, page: Any, request: Request, spider: Spider) -> None:
        await super()._apply_page_methods(page, request, spider)
        state = self._page_captures.get(page)
        if state is None:
            return
        pending, documents = state
        capture = EvidenceCapture.of(self._evidence_crawler)
        if pending and capture is not None:
            # The page's responses are written before its content is read and it is closed.
            await asyncio.wait(set(pending), timeout=capture.config.browser_timeout)
        if documents:
            request.meta[META_NETWORK] = documents[-1]

    def _wake_waiters(self, wrapper: BrowserContextWrapper) -> None:
        # Releasing a plain asyncio.Semaphore past its start value is allowed; the wrapper is
        # discarded with its context, so extra slots only let waiters reach the closed context.
        waiters = len(getattr(wrapper.semaphore, "_waiters", None) or ())
        if waiters:
            self.stats.inc_value("browser/context_waiters_woken", waiters)
        for _ in range(waiters + self.config.max_pages_per_context):
            wrapper.semaphore.release()

    async def _browser_disconnected_callback(self) -> None:
        # Cancel first: closing the dead browser's contexts (in super) may itself not return.
        lost = [t for t in self._rendering if not t.done()]
        if lost:
            self.stats.inc_value("browser/cancelled_downloads", len(lost))
        for task in lost:
            self._lost.add(task)
            task.cancel()
        self.stats.inc_value("browser/disconnects")
        await super()._browser_disconnected_callback()

    async def _render(self, request: Request) -> Response:
        task = asyncio.ensure_future(super().download_request(request))
        self._rendering.add(task)
        try:
            response = await task
            maxsize = request.meta.get("download_maxsize", self.max_size)
            if maxsize and len(response.body) > maxsize:
                # As Scrapy's own handlers do with DOWNLOAD_MAXSIZE (limits.max_response_bytes).
                from scrapy.exceptions import DownloadCancelledError

                self.stats.inc_value("browser/too_large")
                raise DownloadCancelledError(
                    f"rendered page of {len(response.body)} bytes is larger than download "
                    f"max size ({maxsize})"
                )
            return response
        except asyncio.CancelledError:
            if task in self._lost:
                raise BrowserGoneError(
                    "Browser has been closed while rendering (disconnected)"
                ) from None
            raise  # the crawl itself is being cancelled
        finally:
            self._rendering.discard(task)
            self._lost.discard(task)

    async def download_request(self, request: Request) -> Response:
        if request.meta.get("playwright"):
            return await self._render(request)
        if self.direct is not None:
            return await self.direct.download_request(request)
        if self.tor_routed:
            self.stats.inc_value("browser/refused_direct")
            raise IgnoreRequest(
                f"not sent: {request.url} would bypass Tor (no BROWSER_DIRECT_HANDLER)"
            )
        return await super().download_request(request)

    async def close(self) -> None:
        # Scrapy closes each scheme's handler: the shared one must only close once.
        if self._closed:
            return
        self._closed = True
        try:
            if self.direct is not None and hasattr(self.direct, "close"):
                result = self.direct.close()
                if inspect.isawaitable(result):
                    await result
        finally:
            try:
                await super().close()
            finally:
                for fence in self.fences.values():
                    await fence.close()
