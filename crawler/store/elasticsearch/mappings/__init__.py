"""The index mappings: data files next to this module, plus language sub-fields in code.

- listings.json: one document per listing. Dynamic, with new strings as keywords: a field
  added to Listing later is indexed, not rejected (a model change must not stop a crawl;
  the next mapping version types it). `price_history` is kept for the record, not indexed.
  The derived flat fields at the end (identifiers ... shared_identifiers, see
  documents.DERIVED_FIELDS) exist because Kibana aggregations cannot reach into nested
  fields.
- alerts.json, jobs.json: one document per alert / crawl job (dynamic, as listings).
- identifiers.json: the identifier registry (registry.py), strict.
- clusters.json: actor-linking documents (linking.py): kept in _source, nothing indexed
  (read by id only).

`listing_mapping(languages)` adds `title.<code>` and `body.<code>` sub-fields for each
language whose analyzer the cluster has (the test server has none; indices.py asks the
cluster with _analyze). Each call returns a fresh dict. A change here is a new
MAPPING_VERSION and a migration (migration.py).

Versions: 1 the first; 2 adds the evidence reference (`evidence`: file, record_id, sha256,
uri as keywords, offset and length as longs, captured_at a date) and the removed-listing
fields (`missed_walks` integer, `missed_since`, `removed_at`, `returned_at` dates;
crawler.evidence.removed). A version-1 index maps them dynamically (the dates as dates,
the counts as long), so searches and the Kibana objects work on it too; `migrate_listings`
copies it into a version-2 index with the exact types.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Sequence
from importlib import resources
from typing import Any

MAPPING_VERSION = 2
# Language analyzers we add sub-fields for when the cluster has them (ISO code -> analyzer).
LANGUAGE_ANALYZERS = {
    "en": "english",
    "nl": "dutch",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "ro": "romanian",
    "ru": "russian",
}
# Listing fields searched as text in every language the cluster has.
LANGUAGE_FIELDS = ("title", "body")


@functools.cache
def _text(name: str) -> str:
    return resources.files(__name__).joinpath(f"{name}.json").read_text(encoding="utf-8")


def load_mapping(name: str) -> dict[str, Any]:
    """The mapping in `<name>.json`, as a new dict."""
    return json.loads(_text(name))


def listing_mapping(languages: Sequence[str] = ()) -> dict[str, Any]:
    """The listing mapping; `languages` are ISO codes whose analyzers the cluster has."""
    mapping = load_mapping("listings")
    if languages:
        for name in LANGUAGE_FIELDS:
            spec = mapping["properties"][name]
            subs = {
                code: {"type": "text", "analyzer": LANGUAGE_ANALYZERS[code]} for code in languages
            }
            spec["fields"] = {**subs, **spec.get("fields", {})}
    return mapping


def alert_mapping() -> dict[str, Any]:
    return load_mapping("alerts")


def job_mapping() -> dict[str, Any]:
    return load_mapping("jobs")


def identifier_mapping() -> dict[str, Any]:
    return load_mapping("identifiers")


def cluster_documents_mapping() -> dict[str, Any]:
    return load_mapping("clusters")
