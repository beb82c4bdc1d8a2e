"""SqliteStore: upsert semantics, restarts, crawl bookkeeping, jobs, alerts, summary, purge."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from synthetic_listings import edited, example_phone, make_listing

from crawler.config import crawler_settings
from crawler.models import CrawlJob, Price, SearchQuery, UpsertOutcome
from crawler.store import open_store
from crawler.store.base import StoreError
from crawler.store.sqlite import SCHEMA_VERSION, SqliteStore

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)
DAY = timedelta(days=1)


async def test_new_then_unchanged_then_changed(store: SqliteStore) -> None:
    listing = make_listing(1, price=100.0)

    [first] = await store.upsert([listing], T0)
    assert first.outcome is UpsertOutcome.NEW
    assert first.previous_fingerprint is None
    assert first.listing.first_seen == first.listing.last_seen == T0
    assert [p.prices[0].amount for p in first.listing.price_history] == [100.0]
    assert first.listing.cluster_id == f"cl-{listing.id}"

    [again] = await store.upsert([listing], T0 + DAY)
    assert again.outcome is UpsertOutcome.UNCHANGED
    assert again.listing.first_seen == T0
    assert again.listing.last_seen == T0 + DAY
    assert len(again.listing.price_history) == 1

    # A text edit is a change, but the price did not move: no new price point.
    [text_edit] = await store.upsert([edited(listing, title="Listing 1, edited")], T0 + 2 * DAY)
    assert text_edit.outcome is UpsertOutcome.CHANGED
    assert text_edit.previous_fingerprint == listing.fingerprint
    assert text_edit.listing.first_seen == T0
    assert text_edit.listing.last_seen == T0 + 2 * DAY
    assert len(text_edit.listing.price_history) == 1

    repriced = edited(
        listing,
        title="Listing 1, edited",
        prices=[Price(amount=150.0, currency="EUR", unit="hour")],
    )
    [price_edit] = await store.upsert([repriced], T0 + 3 * DAY)
    assert price_edit.outcome is UpsertOutcome.CHANGED
    assert [(p.at, p.prices[0].amount) for p in price_edit.listing.price_history] == [
        (T0, 100.0),
        (T0 + 3 * DAY, 150.0),
    ]

    stored = await store.get(listing.id)
    assert stored is not None
    assert stored.model_dump() == price_edit.listing.model_dump()
    assert stored.title == "Listing 1, edited"
    assert await store.count() == 1


async def test_same_id_twice_in_one_batch(store: SqliteStore) -> None:
    listing = make_listing(1)
    results = await store.upsert([listing, edited(listing, body="other text"), listing], T0)
    assert [r.outcome for r in results] == [
        UpsertOutcome.NEW,
        UpsertOutcome.CHANGED,
        UpsertOutcome.CHANGED,
    ]
    assert await store.count() == 1


async def test_missing_fingerprint_is_computed(store: SqliteStore) -> None:
    listing = make_listing(1)
    listing.fingerprint = ""
    [first] = await store.upsert([listing], T0)
    assert first.listing.fingerprint == listing.compute_fingerprint()
    [again] = await store.upsert([listing], T0 + DAY)
    assert again.outcome is UpsertOutcome.UNCHANGED


async def test_restart_keeps_semantics(tmp_path: Path) -> None:
    path = tmp_path / "crawler.db"
    listing = make_listing(7, phones=[example_phone("NL")])
    async with SqliteStore(path) as first_run:
        [r] = await first_run.upsert([listing], T0)
        assert r.outcome is UpsertOutcome.NEW

    async with SqliteStore(path) as second_run:
        [r] = await second_run.upsert([listing], T0 + DAY)
        assert r.outcome is UpsertOutcome.UNCHANGED
        assert r.listing.first_seen == T0
        [r] = await second_run.upsert([edited(listing, body="new text")], T0 + 2 * DAY)
        assert r.outcome is UpsertOutcome.CHANGED
        assert r.listing.first_seen == T0

    with sqlite3.connect(path) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]


async def test_open_store_url_selects_sqlite(tmp_path: Path) -> None:
    store = open_store(crawler_settings({"CRAWLER_DATA_DIR": str(tmp_path / "data")}))
    assert isinstance(store, SqliteStore)
    async with store:
        await store.upsert([make_listing(1)], T0)
    assert (tmp_path / "data" / "crawler.db").exists()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "crawler.db"
    async with SqliteStore(path):
        pass
    with sqlite3.connect(path) as raw:
        raw.execute("UPDATE schema_version SET version = 99")
    with pytest.raises(StoreError, match="schema version 99"):
        await SqliteStore(path).open()


async def test_calls_before_open_fail_clearly(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not open"):
        await SqliteStore(tmp_path / "x.db").count()


async def test_known_and_touch(store: SqliteStore) -> None:
    a = make_listing(1, list_fingerprint="lf-1")
    b = make_listing(2)
    other_platform = make_listing(3, platform="demo-forum")
    await store.upsert([a, b, other_platform], T0)

    known = await store.known("demo-classifieds", [a.id, b.id, other_platform.id, "unknown"])
    assert known == {a.id: "lf-1", b.id: None}

    # UNCHANGED upserts record the list-page fingerprint they were seen with.
    await store.upsert([edited(b, list_fingerprint="lf-2")], T0 + DAY)
    assert (await store.known("demo-classifieds", [b.id])) == {b.id: "lf-2"}

    await store.touch("demo-classifieds", [a.id, other_platform.id], T0 + 2 * DAY)
    assert (await store.get(a.id)).last_seen == T0 + 2 * DAY
    # A touch names its platform: the other platform's listing is left alone.
    assert (await store.get(other_platform.id)).last_seen == T0
    # last_seen never goes backwards.
    await store.touch("demo-classifieds", [a.id], T0)
    assert (await store.get(a.id)).last_seen == T0 + 2 * DAY
    page = await store.search(SearchQuery(seen_since=T0 + 2 * DAY))
    assert [listing.id for listing in page.listings] == [a.id]


async def test_jobs_insert_or_replace_most_recent_first(store: SqliteStore) -> None:
    old = CrawlJob(id="job-1", platform="demo-classifieds", started_at=T0, new=5)
    new = CrawlJob(id="job-2", platform="demo-classifieds", started_at=T0 + DAY)
    forum = CrawlJob(id="job-3", platform="demo-forum", started_at=T0 + 2 * DAY)
    for job in (old, new, forum):
        await store.save_job(job)
    await store.save_job(new.model_copy(update={"status": "finished", "new": 3, "changed": 1}))

    assert [j.id for j in await store.jobs()] == ["job-3", "job-2", "job-1"]
    mine = await store.jobs("demo-classifieds", limit=1)
    assert [(j.id, j.status, j.new) for j in mine] == [("job-2", "finished", 3)]


async def test_summary_shape(store: SqliteStore) -> None:
    await store.upsert(
        [
            make_listing(1, indicators=["movement"], risk=10),
            make_listing(2, indicators=["movement", "third_party_control"], risk=60),
            make_listing(3, platform="demo-jobs", indicators=["recruitment_fee"], risk=30),
        ],
        T0,
    )
    await store.save_job(
        CrawlJob(id="j", platform="demo-classifieds", started_at=T0, status="finished", new=2)
    )

    summary = await store.summary()

    assert summary["total"] == 3
    assert summary["platforms"]["demo-classifieds"]["listings"] == 2
    assert summary["platforms"]["demo-classifieds"]["new_last_run"] == 2
    assert summary["platforms"]["demo-classifieds"]["last_run_status"] == "finished"
    assert summary["platforms"]["demo-jobs"]["new_last_run"] is None
    assert summary["indicators"] == {"movement": 2, "recruitment_fee": 1, "third_party_control": 1}
    assert [t["risk_score"] for t in summary["top"]] == [60, 30, 10]
    assert summary["clusters"] == 0


async def test_alerts_dedup_and_order(store: SqliteStore) -> None:
    first = {"id": "a1", "rule": "high-risk", "created_at": T0.isoformat(), "listing_id": "x"}
    assert await store.save_alert(first) is True
    assert await store.save_alert({**first, "listing_id": "changed"}) is False
    assert await store.save_alert({"id": "a2", "rule": "watchlist", "created_at": T0 + DAY})
    assert await store.save_alert({"id": "a3", "rule": "high-risk", "at": T0 + 2 * DAY})

    assert [a["id"] for a in await store.list_alerts()] == ["a3", "a2", "a1"]
    assert [a["id"] for a in await store.list_alerts(rule="high-risk")] == ["a3", "a1"]
    assert (await store.list_alerts(limit=1))[0]["id"] == "a3"
    assert [a for a in await store.list_alerts() if a["id"] == "a1"][0]["listing_id"] == "x"
    with pytest.raises(StoreError, match="id"):
        await store.save_alert({"rule": "no id"})


async def test_purge_removes_listing_identifiers_and_text(store: SqliteStore) -> None:
    phone = example_phone("DE")
    stale = make_listing(1, title="Stale wording", phones=[phone], indicators=["movement"])
    fresh = make_listing(2, title="Fresh wording")
    await store.upsert([stale, fresh], T0)
    await store.touch("demo-classifieds", [fresh.id], T0 + 10 * DAY)

    assert await store.purge(T0 + 5 * DAY) == 1

    assert await store.get(stale.id) is None
    assert await store.count() == 1
    assert (await store.search(SearchQuery(text="stale"))).total == 0
    assert (await store.search(SearchQuery(identifier=phone))).total == 0
    assert (await store.search(SearchQuery(indicator="movement"))).total == 0
    assert await store.identifier_counts([phone]) == {phone: 0}
    assert (await store.summary())["indicators"] == {}
    assert await store.purge(T0 + 5 * DAY) == 0
    # A purged listing that comes back is NEW again.
    [r] = await store.upsert([stale], T0 + 11 * DAY)
    assert r.outcome is UpsertOutcome.NEW
