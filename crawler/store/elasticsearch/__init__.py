"""The Elasticsearch listing store: what analysts search in Kibana.

`ElasticsearchStore.from_settings(settings)` (what crawler.store.open_store calls for an
http(s) STORE_URL) implements crawler.store.base.ListingStore. One module per concern:

- config.py      StoreConfig: every STORE_* / ELASTICSEARCH_* setting, read once; IndexNames
- connection.py  the client, retries with backoff, bulk requests, outages and refusals
- indices.py     index templates, the versioned listings index and its alias, languages
- mappings/      the index mappings as JSON data files; language sub-fields in code
- documents.py   listing <-> indexed document (derived fields for search and Kibana)
- memory.py      what this process knows of stored listings (bounded caches)
- writer.py      the write queue: upsert() calls batched by docs and bytes, backpressure
- upsert.py      deciding and writing: optimistic concurrency, blind creates, conflicts
- registry.py    cluster ids: the identifier registry
- records.py     touches, crawl jobs, alerts, retention
- replay.py      the spool while Elasticsearch is down, replayed in order when it is back
- search.py      search, known, get, count, jobs, alerts, summary
- signals.py     platform-level signals (shared_contact, price_anomaly)
- migration.py   a new versioned listings index and an atomic alias swap
- store.py       ElasticsearchStore, composing the parts
"""

from __future__ import annotations

from crawler.store.elasticsearch.config import IndexNames, StoreConfig
from crawler.store.elasticsearch.documents import (
    DERIVED_FIELDS,
    derived_fields,
    identifier_doc_id,
    listing_document,
    listing_document_json,
    listing_from_source,
)
from crawler.store.elasticsearch.mappings import (
    LANGUAGE_ANALYZERS,
    MAPPING_VERSION,
    alert_mapping,
    identifier_mapping,
    job_mapping,
    listing_mapping,
)
from crawler.store.elasticsearch.migration import migrate_listings
from crawler.store.elasticsearch.store import ElasticsearchStore

__all__ = [
    "DERIVED_FIELDS",
    "LANGUAGE_ANALYZERS",
    "MAPPING_VERSION",
    "ElasticsearchStore",
    "IndexNames",
    "StoreConfig",
    "alert_mapping",
    "derived_fields",
    "identifier_doc_id",
    "identifier_mapping",
    "job_mapping",
    "listing_document",
    "listing_document_json",
    "listing_from_source",
    "listing_mapping",
    "migrate_listings",
]
