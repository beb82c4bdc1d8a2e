"""Benchmark of SqliteStore.upsert against a plain SQLite insert of the same documents.

Prints listings/s of the store (new, then unchanged) in batches of 1 and 50, and, as a
baseline measured in the same run over the same listings, listings/s of `INSERT OR
REPLACE` of each listing's JSON document into a one-table SQLite file (no FTS, no
identifiers, no change tracking), with the ratio between the two.

    .venv/bin/python bench/bench_sqlite.py [--listings 5000]
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "store"))

from synthetic_listings import example_phones, make_listing  # noqa: E402

from crawler.models import Listing  # noqa: E402
from crawler.store.sqlite import SqliteStore  # noqa: E402

SEEN_AT = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
BODY = (
    "Synthetic listing used to measure the store. New in town for a few days, "
    "appointments by message only, prices per hour listed below. "
) * 4


def corpus(count: int) -> list[Listing]:
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
        for n in range(count)
    ]


async def store_rates(path: Path, listings: list[Listing], batch: int) -> tuple[float, float]:
    async with SqliteStore(path) as store:
        rates = []
        for _ in range(2):  # new, then unchanged
            start = time.perf_counter()
            for i in range(0, len(listings), batch):
                await store.upsert(listings[i : i + batch], SEEN_AT)
            rates.append(len(listings) / (time.perf_counter() - start))
        assert await store.count() == len(listings)
    return rates[0], rates[1]


def baseline_rate(path: Path, listings: list[Listing], batch: int) -> float:
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = NORMAL")
    conn.execute("CREATE TABLE docs (id TEXT PRIMARY KEY, doc TEXT NOT NULL)")
    start = time.perf_counter()
    for i in range(0, len(listings), batch):
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT OR REPLACE INTO docs VALUES (?, ?)",
            [(x.id, x.model_dump_json()) for x in listings[i : i + batch]],
        )
        conn.execute("COMMIT")
    rate = len(listings) / (time.perf_counter() - start)
    conn.close()
    return rate


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listings", type=int, default=5000)
    args = parser.parse_args()
    listings = corpus(args.listings)
    with tempfile.TemporaryDirectory() as tmp:
        for batch in (1, 50):
            new, unchanged = asyncio.run(store_rates(Path(tmp) / f"s{batch}.db", listings, batch))
            base = baseline_rate(Path(tmp) / f"b{batch}.db", listings, batch)
            print(
                f"batches of {batch:2d}: store {new:8,.0f} new/s {unchanged:8,.0f} unchanged/s | "
                f"plain insert {base:8,.0f}/s | ratio new/plain {new / base:.2f}"
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
