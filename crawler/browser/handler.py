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

Everything else is scrapy-playwright's, driven by its PLAYWRIGHT_* settings.
"""

from __future__ import annotations

import asyncio
import inspect
from typing import Any
from weakref import WeakKeyDictionary

from playwright.async_api import Error as PlaywrightError
from scrapy import Spider
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response
from scrapy.utils.misc import build_from_crawler, load_object
from scrapy_playwright.handler import BrowserContextWrapper, ScrapyPlaywrightDownloadHandler

_HANDLERS: WeakKeyDictionary[Crawler, BrowserDownloadHandler] = WeakKeyDictionary()


class BrowserGoneError(PlaywrightError):
    """A rendered download lost because the browser disconnected under it."""


class BrowserDownloadHandler(ScrapyPlaywrightDownloadHandler):
    """scrapy-playwright's handler, shared by every scheme of one crawl."""

    _closed = False

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        self.tor_routed = crawler.settings.getbool("BROWSER_TOR_ROUTED", False)
        path = crawler.settings.get("BROWSER_DIRECT_HANDLER")
        self.direct: Any = build_from_crawler(load_object(path), crawler) if path else None
        self._rendering: set[asyncio.Task] = set()  # rendered downloads in flight
        self._lost: set[asyncio.Task] = set()  # ... cancelled because the browser died

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserDownloadHandler:
        handler = _HANDLERS.get(crawler)
        if handler is None:
            handler = _HANDLERS[crawler] = cls(crawler)
        return handler

    async def _create_browser_context(
        self, name: str, context_kwargs: dict | None, spider: Spider | None = None
    ) -> BrowserContextWrapper:
        wrapper = await super()._create_browser_context(name, context_kwargs, spider)
        wrapper.context.on("close", lambda *_: self._wake_waiters(wrapper))
        return wrapper

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
            return await task
        except asyncio.CancelledError:
            if task in self._lost:
                raise BrowserGoneError(
                    "Browser has been closed while rendering (disconnected)"
                ) from None
            raise  # the crawl itself is being cancelled
        finally:
            self._rendering.discard(task)
            self._lost.discard(task)

    async def download_request(self, request: Request) -> Response:  # type: ignore[override]
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
            await super().close()
