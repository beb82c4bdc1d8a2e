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


def repost(listing: Listing, n: int) -> Listing:
    """The same ad posted again under another id (same wording, same contacts)."""
    other = make_listing(n)
    return listing.model_copy(update={"id": other.id, "url": other.url})


AD_TEXT = (
    "Friendly cleaner available for houses and small offices in the city centre. "
    "I bring my own supplies and work carefully on weekdays and some weekends. "
    "References from earlier clients on request, ask for a free visit first. "
    "Windows, kitchens, ironing and moving-out cleaning are all possible."
)


OTHER_TEXT = (
    "Experienced gardener offers hedge trimming, lawn care and seasonal planting for "
    "private gardens. Tools and green waste removal included in every visit. Flexible "
    "hours in spring and summer, weekly or monthly rounds, fair prices agreed upfront."
)


async def test_a_reposted_ad_joins_the_cluster_of_the_first(store: SqliteStore) -> None:
    a = make_listing(1, phones=[PHONE_A]).model_copy(update={"body": AD_TEXT})
    lone = make_listing(3, phones=[PHONE_C])
    await store.upsert([a, lone], T0)
    [again] = await store.upsert([repost(a, 2)], T0 + DAY)
    assert again.listing.cluster_id == f"cl-{a.id}" and again.listing.cluster_size == 2
    assert await clusters(store, a, lone) == [f"cl-{a.id}", f"cl-{lone.id}"]
    assert (await store.get(a.id)).cluster_size == 2
    assert (await store.summary())["clusters"] == 1
    summary = await store.cluster_summary(f"cl-{a.id}")
    assert summary is not None and summary.members == [a.id, again.id]
    assert summary.identifiers == [("phone", PHONE_A)]


async def test_the_same_batches_give_the_same_clusters_in_another_file(
    store: SqliteStore, tmp_path
) -> None:
    from crawler.demo.actors import actor_world

    listings = actor_world(seed=3, split="tune", actors=4, posters=20).listings()
    async with SqliteStore(tmp_path / "other.db") as other:
        for start in range(0, len(listings), 16):
            batch = listings[start : start + 16]
            last = [await s.upsert(batch, T0) for s in (store, other)]
        assert await clusters(store, *listings) == await clusters(other, *listings)
        # The last batch's results carry the clusters as stored after it.
        assert [r.listing.cluster_id for r in last[0]] == await clusters(store, *listings[start:])
    assert len(set(await clusters(store, *listings))) < len(listings) // 2


async def test_purge_removes_listings_from_the_linking_state(store: SqliteStore) -> None:
    """Retention covers actor linking: a purged listing's record, its place among its
    identifiers' carriers and in its cluster are gone; an identifier nobody carries any
    more (personal data) leaves the store."""
    a = make_listing(1, phones=[PHONE_A]).model_copy(update={"body": AD_TEXT})
    b = repost(a, 2)
    old = make_listing(3, phones=[PHONE_B]).model_copy(update={"body": OTHER_TEXT})
    await store.upsert([old], T0 - 30 * DAY)
    await store.upsert([a, b], T0)
    before = await store.cluster_documents([f"rec:{old.id}", f"ident:phone:{PHONE_B}"])
    assert len(before) == 2
    bands = "SELECT count(*) FROM cluster_bands WHERE listing = ?"
    assert store._db.execute(bands, (old.id,)).fetchone()[0] == 32  # its band keys
    assert await store.purge(T0 - DAY) == 1
    assert store._db.execute(bands, (old.id,)).fetchone()[0] == 0
    after = await store.cluster_documents(
        [f"rec:{old.id}", f"ident:phone:{PHONE_B}", f"cl:cl-{old.id}", f"rec:{a.id}"]
    )
    assert list(after) == [f"rec:{a.id}"]
    assert (await store.cluster_summary(f"cl-{a.id}")).members == [a.id, b.id]


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


async def test_a_file_with_band_documents_is_migrated_to_band_rows(tmp_path) -> None:
    """Schema 1 kept band keys as JSON documents in cluster_docs; opening such a file moves
    them to cluster_bands rows (nothing lost) and linking goes on exactly as in a file that
    never had the old layout."""
    import sqlite3

    from crawler.demo.actors import actor_world

    listings = actor_world(seed=3, split="tune", actors=4, posters=20).listings()
    first, rest = listings[: len(listings) // 2], listings[len(listings) // 2 :]
    old_path, new_path = tmp_path / "old.db", tmp_path / "new.db"
    for path in (old_path, new_path):
        async with SqliteStore(path) as s:
            for start in range(0, len(first), 16):
                await s.upsert(first[start : start + 16], T0)
    # Turn one file back into the schema-1 layout: band rows as documents again, in a
    # WITHOUT ROWID cluster_docs.
    raw = sqlite3.connect(old_path)
    with raw:
        raw.execute(
            """CREATE TABLE old_docs (key TEXT PRIMARY KEY, doc TEXT NOT NULL) WITHOUT ROWID"""
        )
        raw.execute("INSERT INTO old_docs SELECT key, doc FROM cluster_docs")
        raw.execute("DROP TABLE cluster_docs")
        raw.execute("ALTER TABLE old_docs RENAME TO cluster_docs")
        raw.execute(
            """INSERT INTO cluster_docs (key, doc)
               SELECT 'band:' || key, json_object('ids', json_group_array(json(item)))
               FROM (SELECT key, json_array(listing, seq) AS item FROM cluster_bands
                     ORDER BY key, seq)
               GROUP BY key"""
        )
        bands = raw.execute("SELECT count(*) FROM cluster_bands").fetchone()[0]
        raw.execute("DROP TABLE cluster_bands")
        raw.execute("UPDATE schema_version SET version = 1")
    raw.close()
    assert bands > len(first)

    async with SqliteStore(old_path) as old, SqliteStore(new_path) as new:
        raw = sqlite3.connect(old_path)
        assert raw.execute("SELECT count(*) FROM cluster_bands").fetchone()[0] == bands
        assert raw.execute(
            "SELECT count(*) FROM cluster_docs WHERE key LIKE 'band:%'"
        ).fetchone() == (0,)
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [(2,)]
        same = sqlite3.connect(new_path)
        for query in (
            "SELECT key, doc FROM cluster_docs ORDER BY key",
            "SELECT key, seq, listing FROM cluster_bands ORDER BY key, seq",
        ):
            assert raw.execute(query).fetchall() == same.execute(query).fetchall()
        raw.close()
        same.close()
        for start in range(0, len(rest), 16):
            for s in (old, new):
                await s.upsert(rest[start : start + 16], T0 + DAY)
        assert await clusters(old, *listings) == await clusters(new, *listings)


async def test_band_rows_link_as_the_memory_index(store: SqliteStore, monkeypatch) -> None:
    """The band keys are rows ranked by a query (SqliteBands), not the documents the other
    store keeps: the clusters are still the in-memory index's, with the per-key cap
    reached (cap lowered to 3 here, in both)."""
    import crawler.cluster.index
    import crawler.store.sqlite
    from crawler.cluster import ActorClusterer, ClusterListing, MemoryClusterIndex
    from crawler.demo.actors import actor_world

    for module in (crawler.cluster.index, crawler.store.sqlite):
        monkeypatch.setattr(module, "BAND_KEY_CAP", 3)
    listings = actor_world(seed=2, split="tune", actors=6, posters=40).listings()
    memory = ActorClusterer(MemoryClusterIndex())
    memory.add_all([ClusterListing.from_listing(x) for x in listings])
    for start in range(0, len(listings), 10):
        await store.upsert(listings[start : start + 10], T0)
    expected = [memory.index.cluster_of(x.id) for x in listings]
    assert await clusters(store, *listings) == expected
    assert len(set(expected)) < len(listings) - 10  # the world does link
    raw = store._db.execute(
        "SELECT key FROM cluster_bands GROUP BY key ORDER BY count(*) DESC, key LIMIT 1"
    )
    full = f"band:{raw.fetchone()[0]}"
    # Read as the document the other store keeps: the first 3 listings, by seq.
    doc = (await store.cluster_documents([full]))[full]
    assert len(doc["ids"]) == 3 and doc["ids"] == sorted(doc["ids"], key=lambda m: m[1])


async def test_a_batchs_band_rows_rank_with_the_stored_ones(
    store: SqliteStore, monkeypatch
) -> None:
    """A batch's band rows are written at its end (SqliteBands.flush); until then its later
    listings find its earlier ones among the stored rows, ranked together, under the same
    cap: with few candidates kept (2) and a small cap (3), batches of 7 link exactly as the
    in-memory index."""
    import crawler.cluster.clusterer
    import crawler.cluster.index
    import crawler.store.sqlite
    from crawler.cluster import ActorClusterer, ClusterListing, MemoryClusterIndex
    from crawler.demo.actors import actor_world

    for module in (crawler.cluster.index, crawler.store.sqlite):
        monkeypatch.setattr(module, "BAND_KEY_CAP", 3)
    monkeypatch.setattr(crawler.cluster.clusterer, "CANDIDATE_LIMIT", 2)
    listings = actor_world(seed=3, split="tune", actors=6, posters=40).listings()
    memory = ActorClusterer(MemoryClusterIndex())
    memory.add_all([ClusterListing.from_listing(x) for x in listings])
    for start in range(0, len(listings), 7):
        await store.upsert(listings[start : start + 7], T0)
    expected = [memory.index.cluster_of(x.id) for x in listings]
    assert await clusters(store, *listings) == expected
    assert len(set(expected)) < len(listings) - 10  # the world does link
    per_key = store._db.execute(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM cluster_bands GROUP BY key)"
    )
    assert per_key.fetchone()[0] == 3
