"""Listings built by code for the linking tests: synthetic, non-explicit, no real contacts.

A module of its own (not conftest.py): test files import these helpers by name, and
several test directories have a conftest.py."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from crawler.cluster import ClusterListing, ClusterPrice

T0 = datetime(2026, 10, 1, 9, 0, tzinfo=UTC)
# Ordinary words: posters' own texts are random sentences of them, so that two posters
# share no wording by accident while one poster's ads share theirs.
WORDS = tuple(
    [
        "garden",
        "window",
        "river",
        "morning",
        "quiet",
        "studio",
        "friendly",
        "station",
        "coffee",
        "dinner",
        "walk",
        "city",
        "evening",
        "weekend",
        "tidy",
        "bright",
        "calm",
        "warm",
        "polite",
        "simple",
        "fresh",
        "local",
        "sunny",
        "green",
        "market",
        "bridge",
        "corner",
        "street",
        "little",
        "house",
        "kitchen",
        "table",
        "chair",
        "lamp",
        "paper",
        "letter",
        "book",
        "music",
        "piano",
        "bicycle",
        "train",
        "ticket",
        "travel",
        "holiday",
        "summer",
        "winter",
        "autumn",
        "spring",
        "flower",
        "tree",
        "forest",
        "mountain",
        "lake",
        "beach",
        "harbour",
        "boat",
        "island",
        "village",
        "bakery",
        "bread",
        "cheese",
        "fruit",
        "honest",
        "careful",
        "patient",
        "cheerful",
        "gentle",
        "punctual",
        "reliable",
        "experienced",
        "relaxed",
        "open",
    ]
)


def phone(n: int) -> str:
    """Synthetic German mobile numbers of the example range (+49 1512 3456 xxx)."""
    return f"+4915123456{n:03d}"


def poster_text(seed: str, words: int = 36) -> str:
    rng = random.Random(seed)
    out = []
    for _ in range(words // 9):
        out.append(" ".join(rng.choice(WORDS) for _ in range(9)).capitalize() + ".")
    return "\n".join(out)


def ad(
    key: str,
    body: str,
    *,
    platform: str = "board",
    title: str = "",
    identifiers: tuple[tuple[str, str], ...] = (),
    day: int = 0,
    minutes: int = 0,
    location: str | None = "berlin, de",
    prices: tuple[ClusterPrice, ...] = (),
    risk: int = 0,
) -> ClusterListing:
    return ClusterListing(
        id=key,
        platform=platform,
        title=title,
        body=body,
        identifiers=identifiers,
        first_seen=T0 + timedelta(days=day, minutes=minutes),
        location=location,
        prices=prices,
        risk_score=risk,
    )


def others(platform: str = "board", count: int = 25, start: int = 500) -> list[ClusterListing]:
    """Unrelated posters who were on the platform before (each with a number of their own).

    A platform's first BOILERPLATE_WARMUP listings teach its boilerplate; the tests put
    their actors on a platform that has seen other posters, as a real one has.
    """
    return [
        ad(
            f"{platform}-other-{n}",
            poster_text(f"{platform}-other-{n}") + f"\nCall {phone(start + n)}",
            platform=platform,
            identifiers=(("phone", phone(start + n)),),
            day=-1,
            minutes=n,
        )
        for n in range(count)
    ]
