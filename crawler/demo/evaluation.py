"""Score a crawl of a demo platform against the platform's ground truth.

Matches stored `Listing`s to `GroundTruthListing`s by the platform's listing key and
reports completeness (missing, extra, stale listings) and, per extracted field (phones,
e-mails, handles, wallets, prices, indicators, stated age), true/false positives and false
negatives, so that tests, `crawler run` and the benchmark can say how much of what was
planted a crawl found. Pure: no I/O; the caller reads the store.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from crawler.demo.base import GroundTruthListing
from crawler.models import Listing, Price

FIELDS = ("phones", "emails", "handles", "wallets", "prices", "indicators", "stated_age")


@dataclass
class FieldScore:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    def add(self, truth: AbstractSet[Hashable], found: AbstractSet[Hashable]) -> None:
        self.tp += len(truth & found)
        self.fp += len(found - truth)
        self.fn += len(truth - found)


@dataclass
class CrawlEvaluation:
    platform: str
    truth_count: int = 0
    stored_count: int = 0
    missing: list[str] = field(default_factory=list)  # in the truth, not stored
    extra: list[str] = field(default_factory=list)  # stored, no longer (or never) in the truth
    stale: list[str] = field(default_factory=list)  # stored, but not the current version's prices
    fields: dict[str, FieldScore] = field(default_factory=lambda: {f: FieldScore() for f in FIELDS})
    indicators: dict[str, FieldScore] = field(default_factory=dict)  # per indicator id

    @property
    def complete(self) -> bool:
        return not self.missing and not self.stale

    def summary_lines(self) -> list[str]:
        found = self.truth_count - len(self.missing)
        lines = [
            f"{self.platform}: {found}/{self.truth_count} listings stored, {len(self.missing)} missing, "
            f"{len(self.stale)} stale, {len(self.extra)} not current"
        ]
        for name, s in self.fields.items():
            lines.append(
                f"  {name:<11} recall {s.recall:6.1%}  precision {s.precision:6.1%}  (tp {s.tp}, fp {s.fp}, fn {s.fn})"
            )
        return lines


def _keys(listing: Listing) -> str:
    return listing.listing_key or listing.url


def _price_set(prices: Iterable[Price]) -> set[Hashable]:
    return {(round(p.amount, 2), p.currency, p.unit) for p in prices}


def evaluate_crawl(
    platform: str, truth: Iterable[GroundTruthListing], stored: Iterable[Listing]
) -> CrawlEvaluation:
    """Compare what a crawl stored for `platform` with the platform's ground truth now."""
    want = {t.key: t for t in truth}
    got = {_keys(lst): lst for lst in stored if lst.platform == platform}
    ev = CrawlEvaluation(platform=platform, truth_count=len(want), stored_count=len(got))
    ev.missing = sorted(set(want) - set(got))
    ev.extra = sorted(set(got) - set(want))
    for key in sorted(set(want) & set(got)):
        t, lst = want[key], got[key]
        # Stale: the stored body does not show every current amount (a missed price change).
        if any(f"{p.amount:.0f}" not in lst.body for p in t.prices):
            ev.stale.append(key)
        ev.fields["phones"].add(set(t.phones), set(lst.phones))
        ev.fields["emails"].add({e.lower() for e in t.emails}, {e.lower() for e in lst.emails})
        ev.fields["handles"].add(
            {(h.service, h.handle.lower()) for h in t.handles},
            {(h.service, h.handle.lower()) for h in lst.handles},
        )
        ev.fields["wallets"].add(
            {(w.chain, w.address) for w in t.wallets}, {(w.chain, w.address) for w in lst.wallets}
        )
        ev.fields["prices"].add(_price_set(t.prices), _price_set(lst.prices))
        found_ids = {hit.id for hit in lst.indicators}
        ev.fields["indicators"].add(set(t.indicators), found_ids)
        for ind in set(t.indicators) | found_ids:
            ev.indicators.setdefault(ind, FieldScore()).add(
                set(t.indicators) & {ind}, found_ids & {ind}
            )
        ev.fields["stated_age"].add(
            set() if t.stated_age is None else {t.stated_age},
            set() if lst.stated_age is None else {lst.stated_age},
        )
    return ev
