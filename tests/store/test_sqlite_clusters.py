"""SqliteStore clusters (listings linked by shared identifiers) and platform-level signals."""

from __future__ import annotations

import sys
import types
from datetime import UTC, datetime, timedelta

from synthetic_listings import edited, example_phone, make_listing

from crawler.models import Listing, SearchQuery, UpsertOutcome
from crawler.store.sqlite import SqliteStore

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PHONE_A, PHONE_B, PHONE_C = example_phone("NL"), example_phone("DE"), example_phone("RO")


async def clusters(store: SqliteStore, *listings: Listing) -> list[str | None]:
    return [(await store.get(listing.id)).cluster_id for listing in listings]


async def test_listings_sharing_an_identifier_form_one_cluster(store: SqliteStore) -> None:
    a = make_listing(1, phones=[PHONE_A])
    b = make_listing(2, phones=[PHONE_B])
    lone = make_listing(3, phones=[PHONE_C])
    await store.upsert([a, b, lone], T0)
    assert await clusters(store, a, b, lone) == [a.id, b.id, lone.id]

    # One listing with both phones joins the two clusters; the id is the smallest member id.
    bridge = make_listing(4, phones=[PHONE_A, PHONE_B])
    [result] = await store.upsert([bridge], T0)
    expected = min(a.id, b.id, bridge.id)
    assert result.listing.cluster_id == expected
    assert await clusters(store, a, b, bridge, lone) == [expected, expected, expected, lone.id]
    # The stored document says the same as the column the cluster search uses.
    members = await store.cluster(expected)
    assert sorted(m.id for m in members) == sorted([a.id, b.id, bridge.id])
    assert (await store.summary())["clusters"] == 1


async def test_cluster_ids_do_not_depend_on_order(store: SqliteStore, tmp_path) -> None:
    listings = [
        make_listing(1, phones=[PHONE_A]),
        make_listing(2, emails=["shared@example.org"]),
        make_listing(3, phones=[PHONE_A], emails=["shared@example.org"]),
        make_listing(4, phones=[PHONE_C]),
    ]
    await store.upsert(listings, T0)
    async with SqliteStore(tmp_path / "reversed.db") as other:
        for listing in reversed(listings):
            await other.upsert([listing], T0)
        assert await clusters(other, *listings) == await clusters(store, *listings)


async def test_results_of_a_batch_carry_the_final_cluster(store: SqliteStore) -> None:
    a = make_listing(1, phones=[PHONE_A])
    b = make_listing(2, phones=[PHONE_B])
    bridge = make_listing(3, phones=[PHONE_A, PHONE_B])
    results = await store.upsert([a, b, bridge], T0)
    assert len({r.listing.cluster_id for r in results}) == 1


async def test_losing_the_shared_identifier_splits_the_cluster(store: SqliteStore) -> None:
    a = make_listing(1, phones=[PHONE_A])
    b = make_listing(2, phones=[PHONE_B])
    bridge = make_listing(3, phones=[PHONE_A, PHONE_B])
    await store.upsert([a, b, bridge], T0)

    [r] = await store.upsert([edited(bridge, phones=[PHONE_A])], T0 + DAY)
    assert r.outcome is UpsertOutcome.CHANGED
    left = min(a.id, bridge.id)
    assert await clusters(store, a, bridge, b) == [left, left, b.id]


async def test_purging_the_bridge_splits_the_cluster(store: SqliteStore) -> None:
    a = make_listing(1, phones=[PHONE_A])
    b = make_listing(2, phones=[PHONE_B])
    bridge = make_listing(3, phones=[PHONE_A, PHONE_B])
    await store.upsert([bridge], T0)
    await store.upsert([a, b], T0 + 2 * DAY)
    assert len(set(await clusters(store, a, b))) == 1

    assert await store.purge(T0 + DAY) == 1
    assert await clusters(store, a, b) == [a.id, b.id]


async def test_shared_identifiers_and_counts(store: SqliteStore) -> None:
    await store.upsert(
        [
            make_listing(1, phones=[PHONE_A], emails=["x@example.org"]),
            make_listing(2, phones=[PHONE_A], emails=["x@example.org"]),
            make_listing(3, phones=[PHONE_A]),
            make_listing(4, phones=[PHONE_B]),
        ],
        T0,
    )
    assert await store.shared_identifiers() == [
        ("phone", PHONE_A, 3),
        ("email", "x@example.org", 2),
    ]
    assert await store.shared_identifiers(min_listings=3) == [("phone", PHONE_A, 3)]
    assert await store.identifier_counts([PHONE_A, PHONE_B, PHONE_C]) == {
        PHONE_A: 3,
        PHONE_B: 1,
        PHONE_C: 0,
    }


async def test_platform_signals(store: SqliteStore) -> None:
    ordinary = [make_listing(n, price=100.0 + n) for n in range(1, 7)]
    cheap = make_listing(10, price=20.0)
    pricey = make_listing(11, price=450.0)
    night = make_listing(12, price=5.0, unit="night")  # only price for its unit: no median
    sharing = [make_listing(20 + n, price=None, phones=[PHONE_A]) for n in range(3)]
    pair = [make_listing(30 + n, price=None, phones=[PHONE_B]) for n in range(2)]
    await store.upsert([*ordinary, cheap, pricey, night, *sharing, *pair], T0)

    medians = await store.platform_price_medians("demo-classifieds")
    assert medians["hour"] == 103.5  # 20, 101..106, 450
    assert medians["night"] == 5.0

    changed = await store.update_platform_signals("demo-classifieds")

    anomalies = await store.search(SearchQuery(indicator="price_anomaly"))
    assert sorted(listing.id for listing in anomalies.listings) == sorted([cheap.id, pricey.id])
    shared = await store.search(SearchQuery(indicator="shared_contact"))
    assert sorted(listing.id for listing in shared.listings) == sorted(s.id for s in sharing)
    assert changed == 5
    hit = [h for h in (await store.get(sharing[0].id)).indicators if h.id == "shared_contact"][0]
    assert hit.evidence == "phone shared by 3 listings"
    assert PHONE_A not in hit.evidence  # evidence never repeats the identifier itself

    # Signals are not content: the next crawl of the same listing is UNCHANGED and keeps them.
    [r] = await store.upsert([cheap], T0 + DAY)
    assert r.outcome is UpsertOutcome.UNCHANGED
    assert "price_anomaly" in {h.id for h in r.listing.indicators}
    # Nothing moved: a second pass changes nothing.
    assert await store.update_platform_signals("demo-classifieds") == 0

    # When the price comes back to normal the signal goes.
    await store.upsert([edited(cheap, prices=ordinary[0].prices)], T0 + 2 * DAY)
    await store.update_platform_signals("demo-classifieds")
    anomalies = await store.search(SearchQuery(indicator="price_anomaly"))
    assert [listing.id for listing in anomalies.listings] == [pricey.id]


async def test_price_anomaly_compares_within_a_category(store: SqliteStore) -> None:
    # A platform with two kinds of ads priced per hour: cheap services, dearer companionship.
    services = [make_listing(n, price=20.0 + n, category="services") for n in range(6)]
    adult = [make_listing(10 + n, price=100.0 + n) for n in range(6)]
    dear_service = make_listing(20, price=90.0, category="services")  # x4 its category
    cheap_adult = make_listing(21, price=30.0)  # x0.3 its category
    # A category with too few prices of its own is compared with the whole platform.
    rare = [make_listing(30 + n, price=60.0, category="rooms") for n in range(2)]
    await store.upsert([*services, *adult, dear_service, cheap_adult, *rare], T0)
    await store.update_platform_signals("demo-classifieds")
    page = await store.search(SearchQuery(indicator="price_anomaly"))
    assert sorted(x.id for x in page.listings) == sorted([dear_service.id, cheap_adult.id])
    [hit] = [h for h in (await store.get(dear_service.id)).indicators if h.id == "price_anomaly"]
    assert hit.evidence == "90 EUR per hour, services median 23 (x3.91)"
    # Services at 20 EUR are not "cheap" next to companionship ads: they are not flagged.
    for x in [*services, *rare]:
        assert "price_anomaly" not in {h.id for h in (await store.get(x.id)).indicators}


async def test_platform_signals_rescore_risk(store: SqliteStore, monkeypatch) -> None:
    # A stand-in for crawler.extract.risk (another part of the project) with its documented
    # signature, so that this test does not depend on its weights.
    seen: list[dict] = []

    def score(indicators, *, extras):
        seen.append(extras)
        return 10 * len(indicators) + extras["shared_contact_count"], ["stand-in"]

    monkeypatch.setitem(sys.modules, "crawler.extract.risk", types.SimpleNamespace(score=score))
    sharing = [
        make_listing(n, price=None, phones=[PHONE_A], indicators=["movement"]) for n in range(3)
    ]
    await store.upsert(sharing, T0)

    assert await store.update_platform_signals("demo-classifieds") == 3

    rescored = await store.get(sharing[0].id)
    assert rescored.risk_score == 2 * 10 + 3
    assert rescored.risk_explanation == ["stand-in"]
    assert seen[0] == {"shared_contact_count": 3, "price_ratio_to_median": None}
    assert (await store.search(SearchQuery(min_risk=23))).total == 3
