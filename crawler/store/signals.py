"""Platform-level indicators, the same in every store: computed from all listings, not one text.

`shared_contact`: an identifier of the listing is held by at least SHARED_CONTACT_MIN_LISTINGS
listings (any platform). `price_anomaly`: a price in EUR below PRICE_ANOMALY_LOW or above
PRICE_ANOMALY_HIGH times the median for the same unit among the platform's listings of the
same category (a plumber's hourly rate is not compared with an escort ad's), or of the whole
platform when the category has fewer than PRICE_ANOMALY_MIN_SAMPLE such prices; a unit with
fewer prices than that on the whole platform has no median (it would say nothing).
These are not content: they never change a listing's fingerprint. When a listing's signals
change, its risk score is recomputed with crawler.extract.risk.score (looked up at call
time). The stores gather the counts and medians their own way (SQL, aggregations) and call
`apply_platform_signals` per listing. No I/O here, no settings.
"""

from __future__ import annotations

import logging
import statistics
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from crawler.models import IndicatorHit, Listing, Price, utcnow

logger = logging.getLogger(__name__)

SHARED_CONTACT = "shared_contact"
PRICE_ANOMALY = "price_anomaly"
PLATFORM_SIGNALS = frozenset({SHARED_CONTACT, PRICE_ANOMALY})
SHARED_CONTACT_MIN_LISTINGS = 3
PRICE_ANOMALY_LOW = 0.4
PRICE_ANOMALY_HIGH = 3.0
PRICE_ANOMALY_MIN_SAMPLE = 5

Rescorer = Callable[[Listing, dict[str, Any]], tuple[int, list[str]] | None]


def price_medians(prices: Mapping[str, Iterable[float]], min_sample: int = 1) -> dict[str, float]:
    """Median of the EUR amounts per unit, for units with at least `min_sample` amounts."""
    out: dict[str, float] = {}
    for unit, values in prices.items():
        values = list(values)
        if values and len(values) >= min_sample:
            out[unit] = statistics.median(values)
    return out


Medians = dict[tuple[str | None, str], float]


def category_price_medians(
    prices: Mapping[tuple[str | None, str], Iterable[float]],
    min_sample: int = PRICE_ANOMALY_MIN_SAMPLE,
) -> Medians:
    """(category, unit) -> median EUR amount, and (None, unit) for the whole platform.

    `prices`: the EUR amounts of a platform's listings by (category, unit). Only medians of at
    least `min_sample` amounts are kept.
    """
    pooled: dict[str, list[float]] = {}
    for (_, unit), values in prices.items():
        pooled.setdefault(unit, []).extend(values)
    out: Medians = {(None, unit): m for unit, m in price_medians(pooled, min_sample).items()}
    for (category, unit), values in prices.items():
        if category is not None:
            values = list(values)
            if len(values) >= min_sample:
                out[(category, unit)] = statistics.median(values)
    return out


def platform_hits(
    listing: Listing, shared: list[tuple[str, int]], medians: Medians
) -> tuple[list[IndicatorHit], dict[str, Any]]:
    """The listing's platform-level hits, and the extras risk scoring reads.

    `shared`: (kind, listings holding it) for each of its identifiers held by at least
    SHARED_CONTACT_MIN_LISTINGS listings. `medians`: from `category_price_medians`.
    """
    hits: list[IndicatorHit] = []
    extras: dict[str, Any] = {"shared_contact_count": 0, "price_ratio_to_median": None}
    if shared:
        kind, n = max(shared, key=lambda s: s[1])
        extras["shared_contact_count"] = n
        # Evidence names the kind and the count, not the identifier (personal data).
        hits.append(
            IndicatorHit(id=SHARED_CONTACT, evidence=f"{kind} shared by {n} listings", field=kind)
        )
    # (distance, ratio, price, median, whose median)
    worst: tuple[float, float, Price, float, str] | None = None
    for price in listing.prices:
        if price.amount_eur is None or not price.unit:
            continue
        median = medians.get((listing.category, price.unit))
        whose = f"{listing.category} median"
        if not median:
            median, whose = medians.get((None, price.unit)), "platform median"
        if not median:
            continue
        ratio = price.amount_eur / median
        if PRICE_ANOMALY_LOW <= ratio <= PRICE_ANOMALY_HIGH:
            continue
        # How far from the median, whichever side: x5 and x0.2 are as far.
        distance = ratio if ratio >= 1 else (1 / ratio if ratio > 0 else float("inf"))
        if worst is None or distance > worst[0]:
            worst = (distance, ratio, price, median, whose)
    if worst is not None:
        _, ratio, price, median, whose = worst
        extras["price_ratio_to_median"] = round(ratio, 3)
        hits.append(
            IndicatorHit(
                id=PRICE_ANOMALY,
                evidence=f"{price.amount_eur:.0f} EUR per {price.unit}, {whose} "
                f"{median:.0f} (x{ratio:.2f})",
                field="prices",
            )
        )
    return hits, extras


def apply_platform_signals(
    listing: Listing,
    shared: list[tuple[str, int]],
    medians: Medians,
    rescore: Rescorer | None,
) -> bool:
    """Replace the listing's platform-level hits (and rescore it); False when nothing moved."""
    hits, extras = platform_hits(listing, shared, medians)
    current = [h for h in listing.indicators if h.id in PLATFORM_SIGNALS]
    if _hits_key(current) == _hits_key(hits):
        return False
    listing.indicators = [h for h in listing.indicators if h.id not in PLATFORM_SIGNALS] + hits
    listing.signals_at = utcnow()
    if rescore is not None:
        rescored = rescore(listing, extras)
        if rescored is not None:
            listing.risk_score, listing.risk_explanation = rescored
    return True


def _hits_key(hits: list[IndicatorHit]) -> list[tuple[str, str]]:
    return sorted((h.id, h.evidence) for h in hits)


def risk_rescorer() -> Rescorer | None:
    """crawler.extract.risk.score applied to a listing, or None when it is not installed."""
    try:
        from crawler.extract.risk import score
    except ImportError:
        return None

    def rescore(listing: Listing, extras: dict[str, Any]) -> tuple[int, list[str]] | None:
        try:
            value, explanation = score(listing.indicators, extras=extras)
        except TypeError as exc:  # a signature we do not know: keep the stored score
            logger.warning("crawler.extract.risk.score cannot rescore listings: %s", exc)
            return None
        return int(value), list(explanation)

    return rescore
