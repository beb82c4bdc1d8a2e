"""Listing stores: the embedded SQLite store (default) and the Elasticsearch store.

`open_store(settings)` constructs the one the settings name: STORE_URL (or the environment's
ELASTICSEARCH_URL) starting with http(s):// selects Elasticsearch; `sqlite:///PATH` or
nothing selects SQLite at CRAWLER_DATA_DIR/crawler.db (default ./data/crawler.db).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from crawler.store.base import FencedOut, ListingStore, StoreError

__all__ = ["FencedOut", "ListingStore", "StoreError", "open_store", "store_url"]


def store_url(settings: Any = None) -> str:
    """The store URL the settings name (crawler.config.crawler_settings() when None)."""
    if settings is None:
        from crawler.config import crawler_settings

        settings = crawler_settings()
    url = str(settings.get("STORE_URL") or "")
    if url:
        return url
    data_dir = Path(str(settings.get("CRAWLER_DATA_DIR") or "data"))
    return f"sqlite:///{data_dir / 'crawler.db'}"


def open_store(settings: Any = None) -> ListingStore:
    """Construct (not yet open) the store that the settings name."""
    if settings is None:
        from crawler.config import crawler_settings

        settings = crawler_settings()
    url = store_url(settings)
    if url.startswith(("http://", "https://")):
        from crawler.store.elasticsearch import ElasticsearchStore

        return ElasticsearchStore.from_settings(settings)
    if url.startswith("sqlite:///"):
        from crawler.store.sqlite import SqliteStore

        return SqliteStore(Path(url.removeprefix("sqlite:///")))
    raise StoreError(
        f"STORE_URL: unsupported store URL {url!r} (use sqlite:///PATH or http(s)://HOST:PORT)"
    )
