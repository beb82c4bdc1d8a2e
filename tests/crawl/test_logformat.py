"""No personal data at INFO: scraped and dropped listings are logged by URL only."""

from __future__ import annotations

import logging

from scrapy.exceptions import DropItem
from scrapy.http import HtmlResponse

from crawler.crawl.items import ListingItem, RawListing
from crawler.crawl.logformat import QuietLogFormatter
from crawler.models import Handle, Listing

PHONE = "+31612345678"


def item() -> ListingItem:
    raw = RawListing(id="x", platform="p", url="http://127.0.0.1/ad/1",
                     fields={"phone": PHONE, "body": "call me"})  # fmt: skip
    listing = Listing(id="x", platform="p", url=raw.url, phones=[PHONE],
                      handles=[Handle(service="telegram", handle="secret_handle")])  # fmt: skip
    return ListingItem(raw=raw, listing=listing)


def rendered(entry: dict) -> str:
    return entry["msg"] % entry["args"]


def test_scraped_and_dropped_items_are_logged_by_url_only():
    fmt = QuietLogFormatter()
    response = HtmlResponse("http://127.0.0.1/ad/1", body=b"<html></html>")
    scraped = fmt.scraped(item(), response, None)
    assert scraped["level"] < logging.INFO
    dropped = fmt.dropped(item(), DropItem("page has neither title nor body"), response, None)
    error = fmt.item_error(item(), ValueError(PHONE), response, None)
    for entry in (scraped, dropped, error):
        text = rendered(entry)
        assert "http://127.0.0.1/ad/1" in text
        assert PHONE not in text and "secret_handle" not in text and "call me" not in text
