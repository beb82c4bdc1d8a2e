"""What this process knows of stored listings, in bounded least-recently-used caches.

- `known`: listings this process read or wrote (fingerprint, first_seen, prices): the
  results of writes that go to the spool are computed from it (replay.py);
- `found`: ids that `known()` found stored: never created blind (upsert.py).

A listing in neither may still be stored (by another process, or before this one
started): the write path finds out with a 409 or a read. Each cache holds at most
CACHE_SIZE entries; the identifier registry's cache (registry.py) uses the same bound.
No settings.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import datetime
from typing import Any, NamedTuple

from crawler.models import Listing
from crawler.store.elasticsearch.documents import price_key

CACHE_SIZE = 200_000


def bounded_put(cache: OrderedDict[str, Any], key: str, value: Any, cap: int) -> None:
    """Put as most recent; drop the least recent beyond `cap` entries."""
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > cap:
        cache.popitem(last=False)


class Known(NamedTuple):
    """What this process last knew of a stored listing (for results while spooling).

    A tuple of atomic values: the garbage collector stops tracking it, which matters with
    up to 200,000 of them in a long crawl.
    """

    fingerprint: str
    first_seen: datetime | None
    prices: tuple[tuple[Any, Any, Any], ...]


class ListingMemory:
    """Listings this process has seen stored (see the module docstring)."""

    def __init__(self, cap: int = CACHE_SIZE) -> None:
        self.cap = cap
        self._known: OrderedDict[str, Known] = OrderedDict()
        self._found: OrderedDict[str, None] = OrderedDict()

    def remember(self, listing: Listing) -> None:
        """`listing` is stored as it is now (this process read or wrote it)."""
        known = Known(listing.fingerprint, listing.first_seen, price_key(listing.prices))
        bounded_put(self._known, listing.id, known, self.cap)

    def found(self, listing_id: str) -> None:
        """`known()` found the listing stored."""
        bounded_put(self._found, listing_id, None, self.cap)

    def get(self, listing_id: str) -> Known | None:
        return self._known.get(listing_id)

    def maybe_stored(self, listing_id: str) -> bool:
        return listing_id in self._known or listing_id in self._found

    def forget(self, listing_id: str) -> None:
        """The listing was deleted (retention)."""
        self._known.pop(listing_id, None)
