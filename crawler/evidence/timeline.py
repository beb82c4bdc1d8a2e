"""Timelines: an identifier's or a cluster's listings and versions in time order (pure).

`timeline(listings)` gives one event per thing that happened to a listing, oldest first:
"first seen" (with the version the store recorded then), "price" (each later version in
its price_history), "removed" (removed_at) and "returned" (returned_at); each carries the
platform, the city (Listing.location), the prices and the capture it was read from.
`moves(listings)` is the sequence of cities over time: listings ordered by first seen,
consecutive ones in the same city grouped into one stay. `crawler timeline`
(crawler/cli/timeline.py) reads the listings through the store and prints both.

No I/O here; the text helpers return values as the platforms wrote them: the command
escapes them for the terminal.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from crawler.models import EvidenceRef, Listing, Price

UNKNOWN_CITY = "unknown city"
# Order of events at the same moment: what happened first to a listing comes first.
_KIND_ORDER = {"first seen": 0, "price": 1, "removed": 2, "returned": 3}


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


@dataclass(frozen=True)
class TimelineEvent:
    at: datetime
    kind: str  # "first seen", "price", "removed", "returned"
    listing_id: str
    platform: str
    city: str | None
    url: str
    prices: tuple[Price, ...]
    evidence: EvidenceRef | None

    def to_json(self) -> dict[str, Any]:
        return {
            "at": self.at.isoformat(),
            "kind": self.kind,
            "listing_id": self.listing_id,
            "platform": self.platform,
            "city": self.city,
            "url": self.url,
            "prices": [p.model_dump() for p in self.prices],
            "evidence": self.evidence.model_dump(mode="json") if self.evidence else None,
        }


@dataclass(frozen=True)
class Stay:
    """Consecutive listings (by first seen) in one city."""

    city: str | None
    listings: int
    first: datetime  # the first listing's first seen
    last: datetime  # the latest last seen (or first seen) of its listings

    def to_json(self) -> dict[str, Any]:
        return {
            "city": self.city,
            "listings": self.listings,
            "first": self.first.isoformat(),
            "last": self.last.isoformat(),
        }


def _captured_from(listing: Listing, at: datetime) -> EvidenceRef | None:
    """The listing's first capture made at or after `at` (its versions' and its latest)."""
    refs = [p.evidence for p in listing.price_history if p.evidence is not None]
    if listing.evidence is not None:
        refs.append(listing.evidence)
    later = [r for r in refs if _aware(r.captured_at) >= _aware(at)]
    return min(later, key=lambda r: _aware(r.captured_at)) if later else None


def listing_events(x: Listing) -> list[TimelineEvent]:
    """One listing's events: first seen, each later version, removed, returned."""
    out: list[TimelineEvent] = []

    def event(at: datetime, kind: str, prices: list[Price], ref: EvidenceRef | None) -> None:
        out.append(
            TimelineEvent(_aware(at), kind, x.id, x.platform, x.location, x.url, tuple(prices), ref)
        )

    history = sorted(x.price_history, key=lambda p: _aware(p.at))
    first = x.first_seen or (history[0].at if history else None)
    if first is not None:
        # The store records the first version when it first sees the listing.
        if history and _aware(history[0].at) <= _aware(first):
            head, history = history[0], history[1:]
            event(first, "first seen", head.prices, head.evidence)
        else:
            event(first, "first seen", [] if history else x.prices, None)
    for point in history:
        event(point.at, "price", point.prices, point.evidence)
    if x.removed_at:
        event(x.removed_at, "removed", [], x.evidence)  # the last capture is what is kept
    if x.returned_at:
        event(x.returned_at, "returned", x.prices, _captured_from(x, x.returned_at))
    return out


def timeline(listings: list[Listing]) -> list[TimelineEvent]:
    """Every listing's events, in time order (ties: by kind, then listing id)."""
    events = [e for x in listings for e in listing_events(x)]
    return sorted(events, key=lambda e: (e.at, _KIND_ORDER.get(e.kind, 9), e.listing_id))


def moves(listings: list[Listing]) -> list[Stay]:
    """The cities over time: listings by first seen, consecutive ones in one city grouped."""
    dated = [x for x in listings if x.first_seen is not None]
    dated.sort(key=lambda x: (_aware(x.first_seen), x.id))  # type: ignore[arg-type]
    stays: list[Stay] = []
    for x in dated:
        first = _aware(x.first_seen)  # type: ignore[arg-type]
        last = max(first, _aware(x.last_seen or first))
        if stays and stays[-1].city == x.location:
            s = stays[-1]
            stays[-1] = Stay(s.city, s.listings + 1, s.first, max(s.last, last))
        else:
            stays.append(Stay(x.location, 1, first, last))
    return stays


def date_range(first: datetime, last: datetime) -> str:
    """ "2026-01-02..01-09" (the year once when both ends share it)."""
    a, b = first.date(), last.date()
    if a == b:
        return a.isoformat()
    end = b.strftime("%m-%d") if a.year == b.year else b.isoformat()
    return f"{a.isoformat()}..{end}"


def moves_text(stays: list[Stay]) -> str:
    """ "amsterdam, nl (3 listings, 2026-01-02..01-09) -> rotterdam, nl (1 listing, ...)"."""
    parts = []
    for s in stays:
        n = f"{s.listings} listing{'s' if s.listings != 1 else ''}"
        parts.append(f"{s.city or UNKNOWN_CITY} ({n}, {date_range(s.first, s.last)})")
    return " -> ".join(parts)


def price_text(prices: tuple[Price, ...] | list[Price]) -> str:
    """ "900 EUR/month; 120 EUR/hour" (amount, currency, unit), or "" without prices."""
    out = []
    for p in prices:
        amount = f"{p.amount:,.2f}".rstrip("0").rstrip(".")
        out.append(f"{amount} {p.currency or ''}{'/' + p.unit if p.unit else ''}".strip())
    return "; ".join(out)


def evidence_text(ref: EvidenceRef | None) -> str:
    return f"{ref.file}#{ref.offset}" if ref else "no capture"
