"""Platform-level signals (shared_contact, price_anomaly) in the Elasticsearch store.

The same cases as the SQLite store's test (tests/store/test_sqlite_clusters.py), so that an
analyst searching `--indicator price_anomaly` gets the same listings from either store.
"""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from synthetic_listings import edited, example_phone, make_listing  # noqa: E402

from crawler.models import SearchQuery, UpsertOutcome  # noqa: E402
from crawler.store.elasticsearch import ElasticsearchStore  # noqa: E402
from crawler.store.sqlite import SqliteStore  # noqa: E402

pytestmark = pytest.mark.elasticsearch

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PHONE_A, PHONE_B = example_phone("NL"), example_phone("DE")


def world() -> list:
    ordinary = [make_listing(n, price=100.0 + n) for n in range(1, 7)]
    cheap = make_listing(10, price=20.0)
    pricey = make_listing(11, price=450.0)
    night = make_listing(12, price=5.0, unit="night")  # only price for its unit: no median
    # Three listings share PHONE_A, one of them on another platform: counts cross platforms.
    sharing = [make_listing(20 + n, price=None, phones=[PHONE_A]) for n in range(2)]
    elsewhere = make_listing(22, "demo-forum", price=None, phones=[PHONE_A])
    pair = [make_listing(30 + n, price=None, phones=[PHONE_B]) for n in range(2)]
    # Another category, compared with its own median: only the dear one stands out.
    services = [make_listing(40 + n, price=20.0 + n, category="services") for n in range(6)]
    dear_service = make_listing(46, price=90.0, category="services")
    return [*ordinary, cheap, pricey, night, *sharing, elsewhere, *pair, *services, dear_service]


async def ids_with(store, indicator: str) -> list[str]:
    if isinstance(store, ElasticsearchStore):
        await store.refresh()
    page = await store.search(SearchQuery(indicator=indicator, limit=100))
    return sorted(x.id for x in page.listings)


async def test_signals_match_the_sqlite_store(store: ElasticsearchStore, tmp_path) -> None:
    listings = world()
    cheap, pricey = listings[6], listings[7]
    sharing = listings[9:11]
    async with SqliteStore(tmp_path / "reference.db") as reference:
        for s in (store, reference):
            await s.upsert(listings, T0)
        assert await store.update_platform_signals("demo-classifieds") == 5
        await reference.update_platform_signals("demo-classifieds")
        for indicator in ("price_anomaly", "shared_contact"):
            assert await ids_with(store, indicator) == await ids_with(reference, indicator)
            for listing in listings:
                ours, theirs = await store.get(listing.id), await reference.get(listing.id)
                assert ours.indicators == theirs.indicators, listing.id
                assert ours.risk_score == theirs.risk_score, listing.id
    assert await ids_with(store, "price_anomaly") == sorted([cheap.id, pricey.id, listings[-1].id])
    # The listing on demo-forum counts for the others but is updated with its own platform.
    assert await ids_with(store, "shared_contact") == sorted(s.id for s in sharing)
    hit = [h for h in (await store.get(sharing[0].id)).indicators if h.id == "shared_contact"]
    assert hit[0].evidence == "phone shared by 3 listings"
    assert PHONE_A not in hit[0].evidence  # evidence never repeats the identifier itself
    assert (await store.get(sharing[0].id)).risk_score > 0

    # Signals are not content: the next crawl of the same listing is UNCHANGED and keeps them.
    [r] = await store.upsert([cheap], T0 + DAY)
    assert r.outcome is UpsertOutcome.UNCHANGED
    assert "price_anomaly" in {h.id for h in r.listing.indicators}
    assert "price_anomaly" in {h.id for h in (await store.get(cheap.id)).indicators}
    # Nothing moved: a second pass changes nothing.
    assert await store.update_platform_signals("demo-classifieds") == 0

    # When the price comes back to normal the signal goes (the changed content is stored as
    # crawled, and the next pass does not put the signal back).
    await store.upsert([edited(cheap, prices=listings[0].prices)], T0 + 2 * DAY)
    await store.update_platform_signals("demo-classifieds")
    assert await ids_with(store, "price_anomaly") == sorted([pricey.id, listings[-1].id])


async def test_signals_wait_while_elasticsearch_is_down(make_store, es_server) -> None:
    store = make_store(ELASTICSEARCH_REQUEST_TIMEOUT="2")
    await store.open()
    try:
        await store.upsert(world(), T0)
        es_server.pause()
        try:
            # A dead server costs a warning and no signals yet, not a failed crawl.
            assert await store.update_platform_signals("demo-classifieds") == 0
        finally:
            es_server.resume()
        # The pass was spooled: the replay computes it, and nothing is left to replay.
        pending = await store.pending_writes()
        assert pending is not None and pending.count == 0
        assert len(await ids_with(store, "price_anomaly")) == 3
        assert len(await ids_with(store, "shared_contact")) == 2
    finally:
        await store.close()
