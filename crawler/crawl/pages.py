"""What one response may cost the crawl: only text is read, and its nesting is bounded.

`PageBoundsMiddleware` (a downloader middleware) does two things to every response:
- at its headers (Scrapy's `headers_received` signal, on every route that streams:
  Scrapy's HTTP handler and the tor handler): a body typed as an image, audio, video,
  font or other binary type is never downloaded (StopDownload; the page fails with the
  reason, stat `pages/refused_content_type`). The size of a body is bounded by
  DOWNLOAD_MAXSIZE (profile limits.max_response_bytes), compressed bodies included
  (Scrapy's HttpCompressionMiddleware stops a gzip bomb at the same size);
- on an HTML response whose parse was cut by the parser's depth limit (crawler.extract.
  htmlbounds.parse_was_cut, a one-branch check): the page is re-written with its nesting
  flattened to PAGE_MAX_HTML_DEPTH (profile limits.max_html_depth), and the change is
  recorded in `response.meta["alterations"]`, which the spider copies onto the listing.
  Stats: `pages/flattened`, `pages/flattened_tags`;
- a page of more than PAGE_MAX_TAGS tags (default 100,000; no listing page has that many,
  and libxml2 needs about 600 bytes per element) is flattened, rid of empty padding
  elements, then cut after that many tags, recorded the same way (stat
  `pages/cut_tags`). Peak memory stays bounded.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from scrapy import signals
from scrapy.exceptions import StopDownload
from scrapy.http import HtmlResponse

from crawler.config import get_number
from crawler.extract.htmlbounds import (
    cut_after_tags,
    drop_empty_elements,
    flatten_nesting,
    parse_was_cut,
)

if TYPE_CHECKING:
    from scrapy import Request
    from scrapy.crawler import Crawler
    from scrapy.http import Response

logger = logging.getLogger(__name__)

# Major types that are never text; and binary types seen served instead of pages.
BINARY_MAJOR_TYPES = frozenset({"image", "audio", "video", "font", "model"})
BINARY_TYPES = frozenset(
    {
        "application/octet-stream",
        "application/pdf",
        "application/zip",
        "application/gzip",
        "application/x-gzip",
        "application/x-tar",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-rar-compressed",
        "application/x-msdownload",
        "application/x-shockwave-flash",
        "application/ogg",
        "application/wasm",
    }
)


def binary_content_type(value: bytes | str | None) -> str | None:
    """The media type when a Content-Type header names a binary body, else None."""
    if not value:
        return None
    if isinstance(value, bytes):
        value = value.decode("latin-1")
    media = value.split(";", 1)[0].strip().lower()
    if media in BINARY_TYPES or media.split("/", 1)[0] in BINARY_MAJOR_TYPES:
        return media
    return None


class PageBoundsMiddleware:
    """Downloader middleware; see the module docstring."""

    def __init__(self, crawler: Crawler) -> None:
        self.stats = crawler.stats
        self.max_depth = get_number(crawler.settings, "PAGE_MAX_HTML_DEPTH", int, 512, 32)
        self.max_tags = get_number(crawler.settings, "PAGE_MAX_TAGS", int, 100_000, 1000)
        crawler.signals.connect(self._headers_received, signal=signals.headers_received)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> PageBoundsMiddleware:
        return cls(crawler)

    def _headers_received(self, headers: Any, request: Request, **kwargs: Any) -> None:
        media = binary_content_type(headers.get(b"Content-Type"))
        if media is not None:
            self.stats.inc_value("pages/refused_content_type")
            raise StopDownload(fail=True)

    def process_response(self, request: Request, response: Response, spider: Any = None) -> Any:
        if not isinstance(response, HtmlResponse) or not response.body:
            return response
        notes: list[str] = []
        if response.body.count(b"<") > self.max_tags:
            # Too many elements to parse whole: flatten first (a deep page's content is at
            # its end), then keep the start of what is still too large.
            html, dropped = flatten_nesting(response.text, self.max_depth)
            if dropped:
                notes.append(self._flattened(dropped))
            if html.count("<") > self.max_tags:
                html, empty = drop_empty_elements(html)
                if empty:
                    self.stats.inc_value("pages/empty_elements_dropped", empty)
                    notes.append(f"page: {empty:,} empty elements (padding) removed")
            html, total = cut_after_tags(html, self.max_tags)
            if total > self.max_tags:
                self.stats.inc_value("pages/cut_tags")
                notes.append(
                    f"page: cut after {self.max_tags:,} of its {total:,} tags (PAGE_MAX_TAGS)"
                )
        elif parse_was_cut(response.selector.root):
            html, dropped = flatten_nesting(response.text, self.max_depth)
            if not dropped:
                return response
            notes.append(self._flattened(dropped))
        else:
            return response
        if not notes:
            return response
        request.meta.setdefault("alterations", []).extend(notes)
        return response.replace(body=html.encode("utf-8"), encoding="utf-8")

    def _flattened(self, dropped: int) -> str:
        self.stats.inc_value("pages/flattened")
        self.stats.inc_value("pages/flattened_tags", dropped)
        return (
            f"page: nested deeper than the parser reads; {dropped:,} wrapper tags removed "
            f"(nesting cut to {self.max_depth} levels, text kept)"
        )
