"""Benchmark: listings/s through ElasticsearchStore.upsert versus raw helpers.async_bulk.

Starts its own test server (crawler.testing.elasticsearch) and indexes the same synthetic
listings (tests/store/elasticsearch/es_fixtures.py) three ways in each round, each into its own index with
the same template:

- raw: `helpers.async_bulk` of the finished documents (`listing_document`, dicts that the
  client serializes): the floor, nothing but indexing. The issue's target is
  store/raw >= 0.8.
- raw-json: the same, with the documents serialized by pydantic (`listing_document_json`,
  what the store sends). A stricter floor: it shows how much of the store's speed comes from
  serializing faster rather than from doing less.
- store: through the store (mget + identifier lookup + optimistic-concurrency bulk + the
  identifier registry, a result per listing), called the way the item pipeline calls it:
  16 concurrent callers of 50 listings each, which the store coalesces into bulks of
  STORE_BULK_DOCS.

Prints the rates of every round, the median ratio over the rounds and the best-of ratio.

    .venv/bin/python bench/bench_es.py [--docs 20000] [--chunk 500] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "store" / "elasticsearch"))

from elasticsearch import helpers  # noqa: E402
from es_fixtures import es_store, make_listing  # noqa: E402

from crawler.store.elasticsearch import listing_document, listing_document_json  # noqa: E402
from crawler.testing.elasticsearch import ElasticsearchServer  # noqa: E402

CALLERS = 16
KINDS = ("raw", "raw-json", "store")


async def run(kind: str, url: str, docs: int, chunk: int, spool: Path, concurrency: int) -> float:
    """Index `docs` listings one way (KINDS) into fresh indices; returns docs/s."""
    listings = [make_listing(i) for i in range(docs)]
    seen_at = datetime.now(UTC)
    env = {
        "STORE_SPOOL_DIR": str(spool),
        "STORE_BULK_DOCS": str(chunk),
        "STORE_BULK_CONCURRENCY": str(concurrency),
        "STORE_INDEX_PREFIX": kind,
    }
    store = es_store(url, env)
    await store.open()
    try:
        if kind == "store":
            results = []

            async def caller(k: int) -> None:
                # Like the item pipeline's batcher: many small concurrent calls of 50 listings.
                for start in range(k * 50, docs, 50 * CALLERS):
                    results.extend(await store.upsert(listings[start : start + 50], seen_at))

            t0 = time.perf_counter()
            await asyncio.gather(*(caller(k) for k in range(CALLERS)))
            elapsed = time.perf_counter() - t0
            assert len(results) == docs and all(r.outcome.value == "new" for r in results)
        else:
            # The same documents the store writes for new listings.
            for listing in listings:
                listing.first_seen = listing.last_seen = seen_at
            alias = store.listings_alias
            t0 = time.perf_counter()
            if kind == "raw":
                actions: Any = (
                    {"_op_type": "create", "_index": alias, "_id": x.id, **listing_document(x)}
                    for x in listings
                )
                ok, errors = await helpers.async_bulk(
                    store.client, actions, chunk_size=chunk, max_retries=3
                )
            else:
                actions = (
                    ({"create": {"_index": alias, "_id": x.id}}, listing_document_json(x))
                    for x in listings
                )
                ok, errors = await helpers.async_bulk(
                    store.client,
                    actions,
                    chunk_size=chunk,
                    max_retries=3,
                    expand_action_callback=lambda action: action,
                )
            elapsed = time.perf_counter() - t0
            assert ok == docs and not errors, (ok, errors)
        await store.refresh()
        assert await store.count() == docs
    finally:
        await store.close()
    return docs / elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=20000)
    parser.add_argument("--chunk", type=int, default=500, help="bulk size, all three")
    parser.add_argument(
        "--concurrency", type=int, default=2, help="STORE_BULK_CONCURRENCY (default 2)"
    )
    parser.add_argument("--rounds", type=int, default=3, help="rounds (default 3)")
    args = parser.parse_args()
    rates: dict[str, list[float]] = {k: [] for k in KINDS}
    with tempfile.TemporaryDirectory() as tmp, ElasticsearchServer(heap="1g") as server:
        # Warm the JVM up so that no side pays for JIT compilation alone.
        for kind in KINDS:
            asyncio.run(run(kind, server.url, 2000, args.chunk, Path(tmp) / "w", 2))
        for n in range(args.rounds):
            # Fresh indices each time, and the order rotates: each side starts from the same
            # empty state and none always runs first on a machine that warms up.
            order = KINDS[n % 3 :] + KINDS[: n % 3]
            for kind in order:
                for idx in ("listings-v1", "alerts", "jobs", "identifiers"):
                    server.request("DELETE", f"/{kind}-{idx}")
                rate = asyncio.run(
                    run(
                        kind,
                        server.url,
                        args.docs,
                        args.chunk,
                        Path(tmp) / f"s{n}",
                        args.concurrency,
                    )
                )
                rates[kind].append(rate)
            print(
                f"round {n + 1}: "
                + ", ".join(f"{k} {rates[k][-1]:.0f} docs/s" for k in KINDS)
                + f"; store/raw {rates['store'][-1] / rates['raw'][-1]:.2f}"
            )
    ratios = [s / r for s, r in zip(rates["store"], rates["raw"], strict=True)]
    strict = [s / r for s, r in zip(rates["store"], rates["raw-json"], strict=True)]
    print(f"raw helpers.async_bulk        : {max(rates['raw']):8.0f} docs/s (best)")
    print(f"raw, pydantic-serialized docs : {max(rates['raw-json']):8.0f} docs/s (best)")
    print(
        f"ElasticsearchStore            : {max(rates['store']):8.0f} docs/s (best, "
        f"STORE_BULK_CONCURRENCY={args.concurrency})"
    )
    print(
        f"ratio store/raw               : {statistics.median(ratios):8.2f} median of rounds, "
        f"{max(rates['store']) / max(rates['raw']):.2f} best/best (target >= 0.8)"
    )
    print(f"ratio store/raw-json          : {statistics.median(strict):8.2f} median of rounds")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
