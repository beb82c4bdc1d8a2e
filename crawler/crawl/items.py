"""What travels between the crawl's stages: a typed item, not a dict.

ListingSpider yields one `ListingItem` per listing page (or JSON API entry) holding the
`RawListing` it read; the pipelines fill in `listing` (the Listing document, built and
enriched stage by stage), `result` (what the store made of it: new, changed, unchanged)
and `alerts_seen_at` (when the alert stages first saw it).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from crawler.models import EvidenceRef, Listing, UpsertResult


@dataclass
class RawListing:
    """A listing as the spider read it: the profile's fields, as text."""

    id: str  # stable listing id (platform + the platform's key or canonical URL)
    platform: str
    url: str
    fields: dict[str, Any]
    key: str | None = None
    list_fingerprint: str | None = None  # of its entry on a list page
    evidence_sha256: str | None = None  # of the response body it was read from
    evidence: EvidenceRef | None = None  # its capture (crawler.evidence), when capture is on
    network: str = "clearnet"
    category: str | None = None
    country: str | None = None
    language: str | None = None
    # What the crawler had to change on the way (cut text, flattened nesting): never silent.
    alterations: list[str] = field(default_factory=list)


@dataclass
class ListingItem:
    raw: RawListing
    listing: Listing | None = None
    result: UpsertResult | None = None
    alerts_seen_at: float | None = None
