"""Log formatter that keeps personal data out of INFO logs (SAFETY.md).

Scrapy's default formatter logs every scraped item (phones, handles) at DEBUG and dropped
items with their content at WARNING; this one logs only the listing URL for both.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy.logformatter import LogFormatter


class QuietLogFormatter(LogFormatter):
    def scraped(self, item: Any, response: Any, spider: Any) -> dict[str, Any]:
        return {
            "level": logging.DEBUG,
            "msg": "Stored listing from %(src)s",
            "args": {"src": getattr(response, "url", response)},
        }

    def dropped(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> dict[str, Any]:
        return {
            "level": logging.WARNING,
            "msg": "Dropped listing from %(src)s: %(reason)s",
            "args": {"src": getattr(response, "url", response), "reason": exception},
        }

    def item_error(
        self, item: Any, exception: BaseException, response: Any, spider: Any
    ) -> dict[str, Any]:
        return {
            "level": logging.ERROR,
            "msg": "Error processing listing from %(src)s",
            "args": {"src": getattr(response, "url", response)},
        }


class PrintableLogFilter(logging.Filter):
    """Log lines never carry a platform's control characters to the terminal or the log file.

    Messages can quote page content (titles in errors, URLs, exception texts from parsers);
    escape sequences in them are shown as escapes (crawler.console.printable).
    """

    def filter(self, record: logging.LogRecord) -> bool:
        from crawler.console import printable

        try:
            message = record.getMessage()
        except Exception:  # a broken format string is logging's own business
            return True
        safe = printable(message)
        if safe != message:
            record.msg, record.args = safe, ()
        return True


def install_printable_filter() -> None:
    """Add PrintableLogFilter to every handler of the root logger (idempotent)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, PrintableLogFilter) for f in handler.filters):
            handler.addFilter(PrintableLogFilter())
