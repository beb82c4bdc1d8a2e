"""Process entry points for the multi-process store tests (spawned, so importable by name)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from synthetic_listings import example_phones, make_listing

from crawler.models import Listing
from crawler.store.sqlite import SqliteStore

SEEN_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
PHONE_GROUPS = 40


def shared_listings(count: int) -> list[Listing]:
    """`count` listings; listing n has the phone of group n % PHONE_GROUPS."""
    phones = example_phones()[:PHONE_GROUPS]
    return [make_listing(n, phones=[phones[n % PHONE_GROUPS]]) for n in range(count)]


def upsert_all(
    path: str, count: int, batch: int, reverse: bool, barrier: Any, results: Any
) -> None:
    """Upsert the shared listings in batches, starting with the other process; report outcomes."""
    listings = shared_listings(count)
    if reverse:
        listings.reverse()

    async def run() -> list[tuple[str, str]]:
        outcomes: list[tuple[str, str]] = []
        async with SqliteStore(Path(path)) as store:
            barrier.wait(timeout=60)
            for start in range(0, len(listings), batch):
                for r in await store.upsert(listings[start : start + batch], SEEN_AT):
                    outcomes.append((r.id, r.outcome.value))
        return outcomes

    results.put(asyncio.run(run()))
