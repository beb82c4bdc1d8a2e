"""How fast SqliteStore.upsert is: 5,000 listings in batches of 1 and of 50 (printed with -s).

The floor asserted is far below what this machine does, so that a busy CI box passes, but an
upsert that stopped using its indexes (a full scan per listing) would not.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from synthetic_listings import example_phones, make_listing

from crawler.models import Listing
from crawler.store.sqlite import SqliteStore

COUNT = 5000
SEEN_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BODY = (
    "Synthetic listing used to measure the store. New in town for a few days, "
    "appointments by message only, prices per hour listed below. "
) * 4


def corpus() -> list[Listing]:
    phones = example_phones()
    return [
        make_listing(
            n,
            body=BODY,
            price=80.0 + n % 50,
            phones=[phones[n % 300]],
            emails=[f"contact{n % 700}@example.org"],
            indicators=["movement"] if n % 3 == 0 else [],
            risk=n % 100,
        )
        for n in range(COUNT)
    ]


async def timed_upserts(store: SqliteStore, listings: list[Listing], batch: int) -> float:
    start = time.perf_counter()
    for i in range(0, len(listings), batch):
        await store.upsert(listings[i : i + batch], SEEN_AT)
    return len(listings) / (time.perf_counter() - start)


@pytest.mark.parametrize("batch", [1, 50])
async def test_upsert_rate(tmp_path: Path, batch: int) -> None:
    listings = corpus()
    async with SqliteStore(tmp_path / "speed.db") as store:
        new_rate = await timed_upserts(store, listings, batch)
        unchanged_rate = await timed_upserts(store, listings, batch)
        assert await store.count() == COUNT
    print(
        f"\nSqliteStore.upsert, {COUNT} listings, batches of {batch}: "
        f"{new_rate:,.0f} new/s, {unchanged_rate:,.0f} unchanged/s"
    )
    assert new_rate > 200
    assert unchanged_rate > 200
