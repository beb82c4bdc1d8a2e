"""What an analyst reads about a cluster: members, why they are linked, the ad template.

`summarize(cluster_id, listings, ...)` builds a `ClusterSummary` from a cluster's member
listings (and, when given, its links, merges and the hub identifiers):

- **identifiers**: those carried by at least two members, except hubs, which are listed
  apart as platform identifiers (they do not link);
- **template**: the members' shared wording, InfoShield-style: the most typical member's
  own text (boilerplate removed), each word kept when at least TEMPLATE_SHARE of the
  members use it, else shown as a ``{*}`` slot; rotating parts keep their class
  (``{PHONE}``, ``{PRICE}``, ``{CITY}``...). Consecutive slots collapse into one;
- platforms, cities, first and last seen, a timeline (ads per day), price range per unit;
- **risk**: the mean of the members' three highest risk scores plus
  RISK_SIZE_POINTS x log2(1 + members scoring >= STRONG_RISK), at most 100. A cluster of
  ads with strong indicators ranks above one weak ad; many weak ads do not add up to a
  strong one (only strong members count for the size term).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from crawler.cluster.boilerplate import PlatformBoilerplate
from crawler.cluster.records import ClusterListing, Identifier, Link, Merge
from crawler.cluster.text import prepare_text, sentence_key

TEMPLATE_SHARE = 0.5
STRONG_RISK = 50
RISK_SIZE_POINTS = 8.0
SLOT = "{*}"


@dataclass(frozen=True)
class PriceRange:
    unit: str  # "hour", "night"... or "unknown"
    currency: str  # "EUR" when converted (amount_eur), else the listing's currency
    low: float
    high: float
    ads: int


@dataclass
class ClusterSummary:
    id: str
    size: int
    members: list[str]
    identifiers: list[Identifier]  # the ones that link (shared by >= 2 members, not hubs)
    platform_identifiers: list[Identifier]  # hubs found on members: never used to link
    template: list[str]  # one line per sentence, varying parts as slots
    platforms: dict[str, int]
    cities: dict[str, int]
    first_seen: datetime | None
    last_seen: datetime | None
    prices: list[PriceRange]
    timeline: list[tuple[date, int]]  # ads per day (by first_seen)
    risk: int
    risk_explanation: str
    indicators: dict[str, int]  # indicator id -> members carrying it
    links: list[Link] = field(default_factory=list)
    merges: list[Merge] = field(default_factory=list)


def summarize(
    cluster_id: str,
    listings: Sequence[ClusterListing],
    *,
    hubs: Iterable[Identifier] = (),
    links: Sequence[Link] = (),
    merges: Sequence[Merge] = (),
    boilerplate: PlatformBoilerplate | None = None,
) -> ClusterSummary:
    """The analyst's view of one cluster from its member listings."""
    hub_set = set(hubs)
    carried = Counter(i for x in listings for i in set(x.identifiers))
    shared = [i for i, n in carried.most_common() if n >= 2 and i not in hub_set]
    platform_ids = sorted(i for i in carried if i in hub_set)
    seen = sorted(x.first_seen for x in listings)
    return ClusterSummary(
        id=cluster_id,
        size=len(listings),
        members=[x.id for x in listings],
        identifiers=shared,
        platform_identifiers=platform_ids,
        template=template(listings, boilerplate),
        platforms=dict(Counter(x.platform for x in listings).most_common()),
        cities=dict(Counter(x.location for x in listings if x.location).most_common()),
        first_seen=seen[0] if seen else None,
        last_seen=seen[-1] if seen else None,
        prices=price_ranges(listings),
        timeline=sorted(Counter(t.date() for t in seen).items()),
        risk=cluster_risk([x.risk_score for x in listings])[0],
        risk_explanation=cluster_risk([x.risk_score for x in listings])[1],
        indicators=dict(Counter(i for x in listings for i in set(x.indicators)).most_common()),
        links=list(links),
        merges=list(merges),
    )


def cluster_risk(scores: Sequence[int]) -> tuple[int, str]:
    """(risk 0-100, explanation) of a cluster from its members' risk scores."""
    if not scores:
        return 0, "no members"
    top = sorted(scores, reverse=True)[:3]
    base = sum(top) / len(top)
    strong = sum(1 for s in scores if s >= STRONG_RISK)
    bonus = RISK_SIZE_POINTS * math.log2(1 + strong)
    risk = min(100, round(base + bonus))
    return risk, (
        f"mean of the top {len(top)} member scores {base:.0f} + {bonus:.0f} for {strong} "
        f"member(s) scoring >= {STRONG_RISK}"
    )


def price_ranges(listings: Sequence[ClusterListing]) -> list[PriceRange]:
    """Lowest and highest price per unit (in EUR where the price was converted)."""
    spans: dict[tuple[str, str], list[float]] = {}
    for x in listings:
        for p in x.prices:
            if p.amount_eur is not None:
                key, amount = (p.unit or "unknown", "EUR"), p.amount_eur
            else:
                key, amount = (p.unit or "unknown", p.currency or "?"), p.amount
            spans.setdefault(key, []).append(amount)
    return [
        PriceRange(unit, currency, min(v), max(v), len(v))
        for (unit, currency), v in sorted(spans.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]


def _own_sentences(
    x: ClusterListing, boilerplate: PlatformBoilerplate | None
) -> list[tuple[str, ...]]:
    prepared = prepare_text(x.title, x.body, x.location)
    return [
        s
        for s in prepared.sentences
        if boilerplate is None or not boilerplate.is_boilerplate(x.platform, sentence_key(s))
    ]


def template(
    listings: Sequence[ClusterListing], boilerplate: PlatformBoilerplate | None = None
) -> list[str]:
    """The shared wording of the listings, one line per sentence, varying words as slots."""
    if not listings:
        return []
    texts = [_own_sentences(x, boilerplate) for x in listings[:200]]
    df = Counter(t for sentences in texts for t in {tok for s in sentences for tok in s})
    need = max(1, TEMPLATE_SHARE * len(texts))

    def typical(sentences: list[tuple[str, ...]]) -> float:
        tokens = [t for s in sentences for t in s]
        return sum(df[t] >= need for t in tokens) / (len(tokens) or 1) * math.log1p(len(tokens))

    best = max(texts, key=typical)
    lines = []
    for sentence in best:
        out: list[str] = []
        for tok in sentence:
            word = tok if tok.startswith("{") or df[tok] >= need else SLOT
            if word == SLOT and out and out[-1] == SLOT:
                continue
            out.append(word)
        if any(w != SLOT for w in out):
            lines.append(" ".join(out))
    return lines
