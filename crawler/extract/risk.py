"""Risk score (0-100) of one listing from its indicators and platform-level signals.

Published studies of adult-services and work-abroad ads find one or two indicators in
most ordinary ads, so one indicator alone scores low. The score grows with the number
of *different* indicators that occur together, strongly with a stated minor age or a
person offered for sale, and with platform-level signals passed in `extras`:
  - shared_contact_count: how many listings share this listing's phone/handle/wallet;
  - price_ratio_to_median: this listing's price / the platform median for the same unit.
Every point added is explained in a line that reads on its own, e.g.
"3 distinct indicators (movement, no limits, youth emphasis): +39 (30 for the indicators,
x1.3 because they occur together)". No settings: the weights below are
the policy, documented here and in docs/risk.md so analysts can read why a listing
scored what it did. Points are calibrated: linear up to CURVE_KNEE, then a flattening
curve below 100, so that strong listings stay ordered; a stated age under 18 scores at
least MINOR_FLOOR; exactly 100 needs a stated minor age and overwhelming other evidence.
Adding evidence never lowers the score (tests/extract/test_extract_risk.py checks it).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from typing import Any

from crawler.models import IndicatorHit

# Points for the first hit of each id; later hits of the same id add nothing.
INDICATOR_POINTS: dict[str, float] = {
    "minor_age_stated": 40,
    "sale_of_person": 35,
    "organ_trade": 30,
    "document_retention": 22,
    "debt_bondage": 22,
    "third_party_control": 14,
    "restricted_communication": 14,
    "refugee_targeting": 14,
    "e_pimping": 14,
    "recruitment_fee": 14,
    "lure_job_abroad": 12,
    "youth_emphasis": 10,
    "movement": 10,
    "no_limits": 10,
    "crypto_only_payment": 10,
    "unrealistic_offer": 10,
    "travel_arranged_abroad": 8,
    "constant_availability": 8,
    "nationality_emphasis": 6,
    "employer_housing": 6,
}
DEFAULT_POINTS = 8.0
# Indicators that make a listing a priority on their own.
SEVERE_FLOORS: dict[str, int] = {"minor_age_stated": 70, "sale_of_person": 60, "organ_trade": 55}
# One ordinary indicator alone stays below this: it is what most ads look like.
SINGLE_INDICATOR_CAP = 15
# Multiplier of the summed points by the number of distinct ids.
CO_OCCURRENCE = {1: 0.6, 2: 1.0, 3: 1.3, 4: 1.5}
CO_OCCURRENCE_MAX = 1.7  # five or more distinct ids
# Calibration: points map linearly to the score up to the knee, then on a saturating curve,
# so that the top of a ranking is ordered by strength of evidence instead of tied at 100.
CURVE_KNEE = 40
CURVE_SCALE = 50.0
# A stated age under 18 scores at least this, whatever else is (not) found.
MINOR_FLOOR = 90
# Without a stated minor age the curve flattens towards this, so a minor age dominates.
ADULT_CEILING = 89
# Only a stated minor age with this many points in all scores exactly 100.
MAX_SCORE_POINTS = 200


def _label(indicator_id: str) -> str:
    """An indicator id as analysts read it: "third_party_control" -> "third party control"."""
    return indicator_id.replace("_", " ")


def _co_occurrence(n: int) -> float:
    return CO_OCCURRENCE.get(n, CO_OCCURRENCE_MAX if n > 4 else 0.0)


def score(
    indicators: Iterable[IndicatorHit], *, extras: Mapping[str, Any] | None = None
) -> tuple[int, list[str]]:
    """(risk score 0-100, explanation lines) for one listing."""
    extras = extras or {}
    best_weight: dict[str, float] = {}
    # Loops and lists rather than generators and max(): this runs for every listing.
    get = best_weight.get
    for hit in indicators:
        hit_id, weight = hit.id, float(hit.weight)
        best = get(hit_id, 0.0)
        best_weight[hit_id] = weight if weight > best else best  # max(best, weight)
    lines: list[str] = []
    points = 0.0
    if best_weight:
        base: float = 0  # sum(), term by term in the same order
        for i, w in best_weight.items():
            base += INDICATOR_POINTS.get(i, DEFAULT_POINTS) * w
        factor = _co_occurrence(len(best_weight))
        points = base * factor
        n = len(best_weight)
        names = ", ".join([_label(i) for i in sorted(best_weight)])
        if n == 1:
            lines.append(f"1 indicator ({names}): +{round(points)}")
        else:
            lines.append(
                f"{n} distinct indicators ({names}): +{round(points)} "
                f"({round(base)} for the indicators, x{factor:g} because they occur together)"
            )
        severe = best_weight.keys() & SEVERE_FLOORS.keys()
        if n == 1 and not severe and points > SINGLE_INDICATOR_CAP:
            lines.append(
                f"one indicator alone is common in ordinary ads: {round(points)} capped "
                f"at {SINGLE_INDICATOR_CAP}"
            )
            points = SINGLE_INDICATOR_CAP
        weak = sorted([i for i, w in best_weight.items() if w < 1.0])
        if weak:
            lines.append(
                f"only a weak form of {', '.join(_label(i) for i in weak)} was found "
                "(a phrase that is often innocent): counted at reduced weight"
            )
    for ind, floor in SEVERE_FLOORS.items():
        if ind == "minor_age_stated":
            continue  # handled after calibration: it dominates every other signal
        if ind in best_weight and best_weight[ind] >= 1.0 and points < floor:
            points = floor
            lines.append(f"{_label(ind)} is a priority on its own: score raised to {floor}")
    shared = extras.get("shared_contact_count")
    if isinstance(shared, int | float) and shared >= 3:
        bonus = min(20.0, 6.0 * math.log2(shared / 1.5))
        points += bonus
        lines.append(
            f"the same phone, handle or wallet appears in {int(shared)} listings: +{round(bonus)}"
        )
    ratio = extras.get("price_ratio_to_median")
    if isinstance(ratio, int | float) and ratio > 0:
        bonus = 0.0
        if ratio <= 0.4:
            bonus = 15.0 if ratio <= 0.25 else 10.0
        elif ratio >= 3.0:
            bonus = 8.0
        if bonus:
            points += bonus
            how = "below" if ratio < 1 else "above"
            lines.append(
                f"price is {ratio:.2g}x the platform median for its unit (far {how}): "
                f"+{round(bonus)}"
            )
    floors = [
        f
        for ind, f in SEVERE_FLOORS.items()
        if ind != "minor_age_stated" and best_weight.get(ind, 0.0) >= 1.0
    ]
    total = max(_calibrated(points), *floors) if floors else _calibrated(points)
    if total != round(points) and points > CURVE_KNEE:
        lines.append(
            f"{round(points)} points in all, read on a curve that flattens above "
            f"{CURVE_KNEE}: {total} (only overwhelming evidence comes near 100)"
        )
    if "minor_age_stated" in best_weight and best_weight["minor_age_stated"] >= 1.0:
        minor = MINOR_FLOOR + (99 - MINOR_FLOOR) * (1 - math.exp(-points / 120))
        if minor > total:
            total = round(minor)
            lines.append(
                f"a stated age under 18 dominates: {total} (at least {MINOR_FLOOR}, more with "
                "other evidence)"
            )
        if points >= MAX_SCORE_POINTS:
            total = 100
            lines.append("a stated minor age with overwhelming other evidence: 100")
    total = max(0, min(100, total))
    if not lines:
        lines.append("no indicators found: 0")
    return total, lines


def _calibrated(points: float) -> int:
    """Points -> 0-89: linear up to CURVE_KNEE, then flattening towards ADULT_CEILING."""
    if points <= CURVE_KNEE:
        return max(0, round(points))
    over = points - CURVE_KNEE
    span = ADULT_CEILING - CURVE_KNEE
    return min(ADULT_CEILING, round(CURVE_KNEE + span * (1 - math.exp(-over / CURVE_SCALE))))
