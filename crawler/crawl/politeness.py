"""Politeness under pressure: 429 and 503 slow the whole crawl down, as the site asks.

`RetryAfterMiddleware` (a downloader middleware, answering before Scrapy's
RetryMiddleware does) handles 429 and 503 responses:
- with a Retry-After header (seconds or an HTTP date) of at most RETRY_AFTER_MAX
  seconds: every request of the crawl (one crawl = one platform) waits until then, and
  the request is retried;
- with a Retry-After longer than RETRY_AFTER_MAX: the platform is paused for this run:
  no further request is sent, the run ends incomplete and says why (stat
  `politeness/paused_for_s`; the spider records it on the job);
- without Retry-After: exponential backoff (BACKOFF_BASE seconds, doubling, at most
  BACKOFF_MAX), the whole crawl waiting likewise;
- at most RETRY_TIMES retries per request, then the response goes on (an HTTP error).
Stats under `politeness/`: retried/429, retried/503, waited_s, paused_for_s,
skipped_paused, gave_up.
"""

from __future__ import annotations

import asyncio
import logging
import math
import random
import time
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from scrapy.exceptions import IgnoreRequest

from crawler.config import get_number

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

STATUSES = frozenset({429, 503})


class PlatformPaused(IgnoreRequest):
    """Not sent: the platform asked to be left alone for longer than RETRY_AFTER_MAX."""


def retry_after_seconds(value: bytes | str | None, now: float | None = None) -> float | None:
    """Seconds from a Retry-After header value (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


class RetryAfterMiddleware:
    """Downloader middleware; see the module docstring."""

    def __init__(self, crawler: Crawler) -> None:
        s = crawler.settings
        self.crawler = crawler
        self.stats = crawler.stats
        self.max_wait = get_number(s, "RETRY_AFTER_MAX", float, 300.0, 0)
        self.base = get_number(s, "BACKOFF_BASE", float, 1.0, 0)
        self.cap = get_number(s, "BACKOFF_MAX", float, 60.0, 0)
        self.times = s.getint("RETRY_TIMES", 3)  # Scrapy's own retry budget
        self.resume_at = 0.0  # monotonic time before which no request is sent
        self.paused_reason: str | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        return cls(crawler)

    async def process_request(self, request: Request, spider: Any = None) -> None:
        if self.paused_reason is not None:
            self.stats.inc_value("politeness/skipped_paused")
            raise PlatformPaused(self.paused_reason)
        wait = self.resume_at - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
            if self.paused_reason is not None:
                self.stats.inc_value("politeness/skipped_paused")
                raise PlatformPaused(self.paused_reason)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        if response.status not in STATUSES or request.meta.get("dont_retry"):
            return response
        attempts = int(request.meta.get("backoff_attempts", 0))
        asked = retry_after_seconds(response.headers.get(b"Retry-After"))
        if asked is not None and asked > self.max_wait:
            self._pause(asked, response.status)
            return response
        if attempts >= self.times:
            self.stats.inc_value("politeness/gave_up")
            return response
        if asked is None:
            asked = min(self.cap, self.base * 2**attempts) * random.uniform(1.0, 1.25)
        self.resume_at = max(self.resume_at, time.monotonic() + asked)
        self.stats.inc_value(f"politeness/retried/{response.status}")
        self.stats.inc_value("politeness/waited_s", math.ceil(asked))
        if attempts == 0 and asked >= 1:
            logger.info(
                "%s answered %d: waiting %.0f s before the next request",
                request.meta.get("platform", "platform"),
                response.status,
                asked,
            )
        retry = request.replace(dont_filter=True)
        retry.meta["backoff_attempts"] = attempts + 1
        return retry

    def _pause(self, asked: float, status: int) -> None:
        if self.paused_reason is None:
            self.paused_reason = (
                f"the site answered {status} with Retry-After {asked:.0f} s, longer than "
                f"RETRY_AFTER_MAX ({self.max_wait:.0f} s): paused for this run"
            )
            self.stats.set_value("politeness/paused_for_s", round(asked))
            logger.warning("%s", self.paused_reason)
