"""Listing stores: the embedded SQLite store (default) and the Elasticsearch store.

`open_store()` picks one from configuration: STORE_URL (or ELASTICSEARCH_URL) starting
with http(s):// selects Elasticsearch; `sqlite:///path` or nothing selects SQLite at
CRAWLER_DATA_DIR/crawler.db (default ./data/crawler.db).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from crawler.store.base import ListingStore, StoreError

__all__ = ["ListingStore", "StoreError", "open_store", "store_url"]


def store_url(environ: Mapping[str, str] | None = None) -> str:
    env = os.environ if environ is None else environ
    url = env.get("STORE_URL") or env.get("ELASTICSEARCH_URL")
    if url:
        return url
    data_dir = Path(env.get("CRAWLER_DATA_DIR", "data"))
    return f"sqlite:///{data_dir / 'crawler.db'}"


def open_store(url: str | None = None, environ: Mapping[str, str] | None = None) -> ListingStore:
    """Construct (not yet open) the store that configuration names."""
    env = os.environ if environ is None else environ
    url = url or store_url(env)
    if url.startswith(("http://", "https://")):
        from crawler.store.elasticsearch import ElasticsearchStore

        return ElasticsearchStore.from_env(url, env)
    if url.startswith("sqlite:///"):
        from crawler.store.sqlite import SqliteStore

        return SqliteStore(Path(url.removeprefix("sqlite:///")))
    raise StoreError(
        f"STORE_URL: unsupported store URL {url!r} (use sqlite:///PATH or http(s)://HOST:PORT)"
    )
