"""Listing <-> indexed document: the listing as pydantic serializes it, plus derived flat
fields for search and Kibana (DERIVED_FIELDS), which are stripped again when reading back.

Documents for the bulk body are serialized by pydantic's compiled serializer
(`listing_document_json`), not through dicts: building documents is most of the store's
own CPU. Parsing phone numbers for the derived fields is cached per identifier.
No settings.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from crawler.models import Listing
from crawler.store.identifiers import IndexedIdentifier, index_identifiers

# Fields we add to the indexed document for search and Kibana; stripped when reading back.
DERIVED_FIELDS = (
    "identifiers",
    "identifier_keys",
    "phone_regions",
    "indicator_ids",
    "price_units",
    "price_amount_eur",
    "price_unit",
    "shared_identifiers",
)


def derived_fields(
    listing: Listing, shared: int = 0, pairs: Sequence[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """The flat fields added to a listing for search and Kibana (see DERIVED_FIELDS).

    `pairs` are the listing's `identifiers()` when the caller has them already.
    """
    rows = [
        _indexed_identifier(kind, value)
        for kind, value in dict.fromkeys(listing.identifiers() if pairs is None else pairs)
    ]
    first = listing.prices[0] if listing.prices else None
    return {
        "identifiers": [f"{r.kind}:{r.value}" for r in rows],
        "identifier_keys": sorted({f"{r.kind}:{r.key}" for r in rows}),
        "phone_regions": sorted({r.region for r in rows if r.region}),
        "indicator_ids": sorted({hit.id for hit in listing.indicators}),
        "price_units": sorted({p.unit for p in listing.prices if p.unit}),
        "price_amount_eur": first.amount_eur if first else None,
        "price_unit": first.unit if first else None,
        "shared_identifiers": shared,
    }


def listing_document(listing: Listing, shared: int = 0) -> dict[str, Any]:
    """The indexed document: the listing plus derived flat fields for search and Kibana."""
    doc = listing.model_dump(mode="json")
    doc.update(derived_fields(listing, shared))
    return doc


def listing_document_json(
    listing: Listing, shared: int = 0, pairs: Sequence[tuple[str, str]] | None = None
) -> str:
    """`listing_document` as a JSON string, for the bulk body.

    The same document, serialized by pydantic's compiled serializer instead of a dict
    round trip through `json.dumps`: building documents is most of the store's own CPU.
    """
    body = listing.model_dump_json()
    extra = json.dumps(derived_fields(listing, shared, pairs), ensure_ascii=False)
    return f"{body[:-1]},{extra[1:]}"


@functools.lru_cache(maxsize=65536)
def _indexed_identifier(kind: str, value: str) -> IndexedIdentifier:
    # Parsing phones is the costliest part of building a document; identifiers repeat a lot.
    return index_identifiers([(kind, value)])[0]


def listing_from_source(source: dict[str, Any]) -> Listing:
    """The Listing of an indexed document (its derived fields dropped)."""
    return Listing.model_validate({k: v for k, v in source.items() if k not in DERIVED_FIELDS})


def identifier_doc_id(identifier: str) -> str:
    """Document id of an identifier's registry entry (ids are limited to 512 bytes)."""
    if len(identifier.encode()) <= 256:
        return identifier
    return "sha256:" + hashlib.sha256(identifier.encode()).hexdigest()


def price_key(prices: Sequence[Any]) -> tuple[tuple[Any, Any, Any], ...]:
    """What makes two price lists the same for the price history."""
    return tuple((p.amount, p.currency, p.unit) for p in prices)


def parse_time(value: Any) -> datetime | None:
    """A datetime from a document or spool record (ISO text, a trailing Z allowed)."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def aware(value: datetime | None) -> datetime:
    """`value`, read as UTC when it has no time zone (a missing time is an error)."""
    if value is None:
        raise ValueError("a time is missing")
    return value if value.tzinfo else value.replace(tzinfo=UTC)
