"""Stage 5: change tracking input: the content fingerprint that decides new/changed/unchanged.

The store's upsert compares it with the stored one (first_seen, last_seen and price history
are kept by the store, so that they hold across processes and restarts).
"""

from __future__ import annotations

from typing import Any

from crawler.crawl.items import ListingItem


class ChangeTrackingPipeline:
    def process_item(self, item: ListingItem, spider: Any = None) -> ListingItem:
        assert item.listing is not None
        item.listing.fingerprint = item.listing.compute_fingerprint()
        return item
