"""Case table for crawler.extract.risk.score: what analysts should see rank higher."""

from __future__ import annotations

import pytest

from crawler.extract.risk import score
from crawler.models import IndicatorHit


def hits(*ids: str, weight: float = 1.0) -> list[IndicatorHit]:
    return [IndicatorHit(id=i, evidence=i.replace("_", " "), lang="en", weight=weight) for i in ids]


# (case id, indicators, extras, low bound, high bound)
CASES = [
    ("nothing", [], {}, 0, 0),
    ("one ordinary indicator is weak", hits("movement"), {}, 1, 15),
    ("same indicator twice is still one", hits("movement", "movement"), {}, 1, 15),
    ("weak form of one indicator", hits("constant_availability", weight=0.2), {}, 1, 5),
    ("two distinct indicators", hits("movement", "youth_emphasis"), {}, 15, 35),
    (
        "three distinct indicators",
        hits("movement", "third_party_control", "restricted_communication"),
        {},
        40,
        65,
    ),
    (
        "five distinct indicators",
        hits(
            "movement",
            "third_party_control",
            "restricted_communication",
            "youth_emphasis",
            "no_limits",
        ),
        {},
        # Issue #12: calibrated, the top flattens below 90 without a stated minor age.
        65,
        89,
    ),
    ("minor age alone", hits("minor_age_stated"), {}, 70, 100),
    ("sale of person alone", hits("sale_of_person"), {}, 60, 100),
    ("organ trade alone", hits("organ_trade"), {}, 55, 100),
    (
        "labour: fee + documents + housing",
        hits("recruitment_fee", "document_retention", "employer_housing"),
        {},
        45,
        70,
    ),
    ("shared contact lifts a weak listing", hits("movement"), {"shared_contact_count": 12}, 20, 40),
    ("shared by two is not a signal", hits("movement"), {"shared_contact_count": 2}, 1, 15),
    ("very low price", hits("movement"), {"price_ratio_to_median": 0.2}, 15, 30),
    ("high price", [], {"price_ratio_to_median": 4.0}, 5, 10),
    ("ordinary price", hits("movement"), {"price_ratio_to_median": 1.1}, 1, 15),
    (
        "everything at once stays at 100",
        hits("minor_age_stated", "sale_of_person", "movement", "third_party_control", "no_limits"),
        {"shared_contact_count": 50, "price_ratio_to_median": 0.1},
        100,
        100,
    ),
]


@pytest.mark.parametrize(
    ("indicators", "extras", "low", "high"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_score_range(indicators: list[IndicatorHit], extras: dict, low: int, high: int) -> None:
    value, lines = score(indicators, extras=extras)
    assert low <= value <= high, lines
    assert lines


def test_co_occurrence_ranks_above_repetition() -> None:
    repeated, _ = score(hits("movement", "movement", "movement"))
    distinct, _ = score(hits("movement", "youth_emphasis", "third_party_control"))
    assert distinct > 2 * repeated


def test_explanation_names_the_indicators_and_signals() -> None:
    _, lines = score(
        hits("movement", "third_party_control", "restricted_communication"),
        extras={"shared_contact_count": 8, "price_ratio_to_median": 0.3},
    )
    assert lines[0].startswith(
        "3 distinct indicators (movement, restricted communication, third party control): +"
    )
    assert any("appears in 8 listings: +" in line for line in lines)
    assert any("platform median" in line and line.endswith(": +10") for line in lines)


def test_every_explanation_line_says_what_it_adds_or_why() -> None:
    # Each line must read on its own: no bare "(+131)" an analyst has to decode.
    _, lines = score(hits("sale_of_person"))
    assert lines == [
        "1 indicator (sale of person): +21",
        "sale of person is a priority on its own: score raised to 60",
    ]
    _, lines = score(hits("document_retention"))
    assert lines == ["1 indicator (document retention): +13"]
    _, lines = score(hits("constant_availability", weight=0.2))
    assert "weak form of constant availability" in lines[-1]
    assert score([]) == (0, ["no indicators found: 0"])


def test_adding_evidence_never_lowers_the_score() -> None:
    """Property check over random sets of indicators, weights and platform signals."""
    import random

    from crawler.extract.indicators import INDICATOR_IDS

    rng = random.Random(12)
    for _ in range(3000):
        ids = rng.sample(INDICATOR_IDS, rng.randint(0, 6))
        base = [
            IndicatorHit(id=i, evidence=i, weight=rng.choice((1.0, 1.0, 0.5, 0.2))) for i in ids
        ]
        extras = {}
        if rng.random() < 0.4:
            extras["shared_contact_count"] = rng.randint(1, 60)
        if rng.random() < 0.4:
            extras["price_ratio_to_median"] = rng.choice((0.1, 0.3, 0.5, 1.0, 2.0, 4.0))
        before, _ = score(base, extras=extras)
        extra_hit = IndicatorHit(
            id=rng.choice(INDICATOR_IDS), evidence="x", weight=rng.choice((1.0, 0.5, 0.2))
        )
        after, lines = score([*base, extra_hit], extras=extras)
        assert after >= before, (ids, extra_hit.id, extras, lines)
        if "shared_contact_count" in extras:
            more = {**extras, "shared_contact_count": extras["shared_contact_count"] + 5}
            assert score(base, extras=more)[0] >= before


def test_a_stated_minor_age_dominates_and_100_is_rare() -> None:
    minor, _ = score(hits("minor_age_stated"))
    strongest_adult, _ = score(
        hits("sale_of_person", "third_party_control", "no_limits", "movement", "youth_emphasis"),
        extras={"shared_contact_count": 20},
    )
    assert minor >= 80 and minor > strongest_adult
    assert strongest_adult < 100
    # Distinct evidence gives distinct scores near the top.
    four, _ = score(hits("movement", "third_party_control", "no_limits", "youth_emphasis"))
    five, _ = score(
        hits("movement", "third_party_control", "no_limits", "youth_emphasis", "e_pimping")
    )
    assert four < five < 100
