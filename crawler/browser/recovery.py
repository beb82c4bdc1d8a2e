"""Downloader middleware: retry rendered requests that failed because the browser died.

When Chromium crashes or is killed mid-crawl, scrapy-playwright (0.0.48) notices the
disconnection, forgets the browser and its contexts, and launches a new browser for the
next request (PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER, on by default). It retries a
request itself only on TargetClosedError while creating its page; a request whose page
was already loading fails with a Playwright error ("Target crashed", "Browser has been
closed", "Connection closed", "net::ERR_..." ...) and would be lost, leaving a hole in the
crawl; so would a page whose connection through the proxy (tor's SOCKS port) failed. This middleware re-schedules such requests, at most BROWSER_RETRY_TIMES times
(default 3), with stats under `browser/retry/`; by then the handler has a new browser.

Enabled by crawler.browser.scrapy_settings() at priority 560 (before Scrapy's
RetryMiddleware, which does not know Playwright's errors).
"""

from __future__ import annotations

import logging

from playwright.async_api import Error as PlaywrightError
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import get_retry_request

from crawler.browser import BrowserConfig

logger = logging.getLogger(__name__)

# Messages of Playwright errors that mean "the browser, context or page went away", not
# "this page is broken": only these are worth another try on a fresh browser.
BROWSER_GONE_MARKERS = (
    "has been closed",
    "crashed",
    "Connection closed",
    "Browser closed",
    "browser has disconnected",
    "Target closed",
    "net::ERR_ABORTED",
    "net::ERR_CONNECTION_CLOSED",
    # The proxy (tor's SOCKS port on the browser route) failed to connect: transient, as a
    # refused TCP connection is, which Scrapy's RetryMiddleware retries on the HTTP route
    # (seen once in CI: one onion list page lost, the run incomplete).
    "net::ERR_SOCKS_CONNECTION_FAILED",
    "net::ERR_PROXY_CONNECTION_FAILED",
)


def is_browser_gone(exception: BaseException) -> bool:
    """True for a Playwright error caused by a dead browser, context or page."""
    if not isinstance(exception, PlaywrightError):
        return False
    message = str(exception)
    return any(marker in message for marker in BROWSER_GONE_MARKERS)


class BrowserCrashRetryMiddleware:
    """Re-schedules rendered requests lost to a browser crash (see the module docstring)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_retry_times = BrowserConfig.from_settings(crawler.settings).retry_times

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BrowserCrashRetryMiddleware:
        return cls(crawler)

    def process_exception(
        self, request: Request, exception: BaseException, spider: Spider | None = None
    ) -> Request | None:
        if not request.meta.get("playwright") or not is_browser_gone(exception):
            return None
        self.stats.inc_value("browser/lost_requests")
        spider = spider or self.crawler.spider
        assert spider is not None  # a request in flight belongs to a running crawl
        retry = get_retry_request(
            request,
            spider=spider,
            reason=f"browser gone: {type(exception).__name__}",
            max_retry_times=self.max_retry_times,
            logger=logger,
            stats_base_key="browser/retry",
        )
        if retry is not None:
            # The page object of the failed attempt belongs to the dead browser.
            retry.meta.pop("playwright_page", None)
            retry.dont_filter = True
        return retry
