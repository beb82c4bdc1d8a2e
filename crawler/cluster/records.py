"""Records of actor linking: what goes in (ClusterListing), what the index keeps, what it says.

Plain frozen dataclasses, so that the clustering core does not depend on pydantic and a
store can write every field as a column or a document field. `ClusterListing.from_listing`
builds the input from a crawler.models.Listing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.models import Listing

Identifier = tuple[str, str]  # (kind, value) as Listing.identifiers() gives them

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class ClusterPrice:
    amount: float
    currency: str | None = None
    unit: str | None = None
    amount_eur: float | None = None


@dataclass(frozen=True)
class ClusterListing:
    """One listing as linking needs it: its own text, identifiers and what a summary shows."""

    id: str
    platform: str
    title: str = ""
    body: str = ""
    identifiers: tuple[Identifier, ...] = ()
    first_seen: datetime = _EPOCH
    location: str | None = None  # normalised ("berlin, de"): its city becomes a {CITY} slot
    prices: tuple[ClusterPrice, ...] = ()
    risk_score: int = 0
    indicators: tuple[str, ...] = ()  # indicator ids

    @classmethod
    def from_listing(cls, listing: Listing) -> ClusterListing:
        return cls(
            id=listing.id,
            platform=listing.platform,
            title=listing.title,
            body=listing.body,
            identifiers=tuple(dict.fromkeys(listing.identifiers())),
            first_seen=listing.first_seen or listing.posted_at or _EPOCH,
            location=listing.location,
            prices=tuple(
                ClusterPrice(p.amount, p.currency, p.unit, p.amount_eur) for p in listing.prices
            ),
            risk_score=listing.risk_score,
            indicators=tuple(dict.fromkeys(h.id for h in listing.indicators)),
        )


@dataclass(frozen=True)
class ListingRecord:
    """What the index keeps per listing for linking (its text is not needed again)."""

    id: str
    platform: str
    first_seen: datetime
    seq: int  # arrival order in the index: ties are broken by it, in every store alike
    signature: bytes | None  # MinHash values; None when the text is too short to link
    shingle_count: int
    identifiers: tuple[Identifier, ...] = ()


@dataclass(frozen=True)
class Link:
    """Why two listings are in one cluster."""

    listing: str
    other: str
    kind: str  # "identifier" | "text"
    at: datetime
    identifier: Identifier | None = None
    similarity: float | None = None  # estimated Jaccard, text links only

    @property
    def reason(self) -> str:
        if self.kind == "identifier" and self.identifier:
            return f"{self.identifier[0]} {self.identifier[1]} shared with listing {self.other}"
        return f"text similarity {self.similarity:.2f} with listing {self.other}"


@dataclass(frozen=True)
class Merge:
    """Two clusters became one: `kept` (the older) absorbed `absorbed`."""

    kept: str
    absorbed: str
    at: datetime
    reason: str


@dataclass(frozen=True)
class ClusterInfo:
    id: str
    first_seen: datetime
    size: int
    seq: int = 0  # the arrival seq of its first listing: the older of two clusters began first


# Identifier states (IdentifierState.status).
UNDECIDED = "undecided"  # not linking yet: too few listings, and their texts disagree
LINKING = "linking"  # links the listings that carry it
HUB = "hub"  # a platform identifier: on many listings of unrelated texts; never links


@dataclass(frozen=True)
class IdentifierState:
    status: str
    listings: int  # how many listings carried it when it was last judged
    groups: int  # text groups among the sampled listings at that time
    next_check: int  # judged again when this many listings carry it
    reason: str = ""


@dataclass
class AddResult:
    """What `ActorClusterer.add` did with one listing."""

    listing: str
    cluster: str
    links: list[Link] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)
    new_hubs: list[Identifier] = field(default_factory=list)
    created: bool = False  # a new cluster was started for this listing
