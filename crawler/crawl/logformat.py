"""Log formatter that keeps personal data out of INFO logs (docs/safety.md).

Scrapy's default formatter logs every scraped item (phones, handles) at DEBUG and dropped
items with their content at WARNING; this one logs only the listing URL for both.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter, LogFormatterResult


class QuietLogFormatter(LogFormatter):
    def scraped(self, item: Any, response: Any, spider: Any) -> LogFormatterResult:
        return {
            "level": logging.DEBUG,
            "msg": "Stored listing from %(src)s",
            "args": {"src": getattr(response, "url", response)},
        }

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult:
        return {
            "level": logging.WARNING,
            "msg": "Dropped listing from %(src)s: %(reason)s",
            "args": {"src": getattr(response, "url", response), "reason": exception},
        }

    def item_error(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> LogFormatterResult:
        return {
            "level": logging.ERROR,
            "msg": "Error processing listing from %(src)s",
            "args": {"src": getattr(response, "url", response)},
        }
