"""Removed listings in both stores (SQLite, and the real Elasticsearch test server).

Walks are played the way a crawl records them: the listings a walk finds are upserted or
touched at or after its start, then `mark_missed` runs with the walk's start.
- two walks in a row without a listing mark it removed, removed_at the first walk's start,
  its last capture kept; one miss alone does not; other platforms are untouched;
- a listing listed but whose detail page failed (`spare`) is not missed;
- a removed listing found again, by touch or by an upsert (same or changed content), is
  marked returned with its misses reset, and leaves `search(removed=True)`;
- `search(removed=...)` filters both ways; the Elasticsearch mapping types the fields.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from crawler.config import crawler_settings
from crawler.models import EvidenceRef, Listing, Price, SearchQuery, UpsertOutcome, listing_id
from crawler.store import open_store
from crawler.store.base import ListingStore

PLATFORM = "demo-classifieds"
OTHER = "demo-forum"
T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
WALK = timedelta(hours=6)
MINUTE = timedelta(minutes=1)


def capture(key: str, at: datetime) -> EvidenceRef:
    return EvidenceRef(
        file=f"warc/{PLATFORM}/run-1/00000.warc.gz", offset=100 * int(key), length=321,
        record_id=f"<urn:uuid:{uuid.UUID(int=int(key))}>", sha256="ab" * 32,
        uri=f"http://127.0.0.1:9/ad/{key}", captured_at=at,
    )  # fmt: skip


def make(key: str, platform: str = PLATFORM, price: float = 50.0) -> Listing:
    return Listing(
        id=listing_id(platform, key), platform=platform, url=f"http://127.0.0.1:9/ad/{key}",
        title=f"Listing {key}", body="Clinical synthetic text.",
        prices=[Price(amount=price, currency="EUR", unit="hour", amount_eur=price)],
        evidence=capture(key, T0 - WALK),
    )  # fmt: skip


@pytest.fixture(params=["sqlite", "elasticsearch"])
async def store(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[ListingStore]:
    env: dict[str, Any] = {"CRAWLER_DATA_DIR": str(tmp_path / "data")}
    if request.param == "elasticsearch":
        server = request.getfixturevalue("es_server")
        env.update(
            STORE_URL=server.url,
            STORE_INDEX_PREFIX=f"t{uuid.uuid4().hex[:10]}",
            STORE_SPOOL_DIR=str(tmp_path / "spool"),
        )
    for var in ("STORE_URL", "ELASTICSEARCH_URL", "STORE_INDEX_PREFIX"):
        monkeypatch.delenv(var, raising=False)
    async with open_store(crawler_settings(env)) as s:
        yield s


async def removed_ids(store: ListingStore, removed: bool = True) -> set[str]:
    refresh = getattr(store, "refresh", None)  # Elasticsearch: search sees the last writes
    if refresh is not None:
        await refresh()
    page = await store.search(SearchQuery(removed=removed, limit=1000))
    return {x.id for x in page.listings}


@pytest.mark.e2e
async def test_misses_removal_and_return_in_both_stores(store: ListingStore) -> None:
    keys = [str(k) for k in range(1, 9)]
    gone, flaky, back_by_touch, back_by_upsert = "3", "5", "6", "7"
    await store.upsert([make(k) for k in keys], T0 - WALK)
    await store.upsert([make("1", OTHER)], T0 - WALK)  # another platform, never walked here

    async def walk(start: datetime, found: list[str], spare: tuple[str, ...] = ()) -> Any:
        # A full walk: new/changed listings upserted, known ones touched, then the count.
        await store.touch(PLATFORM, [listing_id(PLATFORM, k) for k in found], start + MINUTE)
        return await store.mark_missed(
            PLATFORM, start, 2, spare=[listing_id(PLATFORM, k) for k in spare]
        )

    not_found = {gone, flaky, back_by_touch, back_by_upsert}
    found = [k for k in keys if k not in not_found]
    first = await walk(T0, found, spare=(flaky,))
    assert first.missed == 3 and first.removed == []
    one = await store.get(listing_id(PLATFORM, gone))
    assert one is not None and (one.missed_walks, one.missed_since) == (1, T0)
    assert await removed_ids(store) == set()

    second = await walk(T0 + WALK, found)
    ids = {listing_id(PLATFORM, k) for k in (gone, back_by_touch, back_by_upsert)}
    assert {x.id for x in second.removed} == ids
    assert second.missed == 4  # the flaky one's first miss too
    assert await removed_ids(store) == ids
    assert ids.isdisjoint(await removed_ids(store, removed=False))
    stored = await store.get(listing_id(PLATFORM, gone))
    assert stored is not None
    assert (stored.removed_at, stored.missed_walks, stored.returned_at) == (T0, 2, None)
    assert stored.evidence == capture(gone, T0 - WALK)  # the last capture is kept
    assert stored.last_seen == T0 - WALK
    other = await store.get(listing_id(OTHER, "1"))
    assert other is not None and other.missed_walks == 0 and other.removed_at is None

    # A third walk changes nothing for the removed ones (no second removal, same date).
    third = await walk(T0 + 2 * WALK, found + [flaky])
    assert third.removed == [] and await removed_ids(store) == ids

    # Back: one listed and touched, one fetched again unchanged... and one changed.
    back = T0 + 3 * WALK
    await store.touch(PLATFORM, [listing_id(PLATFORM, back_by_touch)], back)
    [same] = await store.upsert([make(back_by_upsert)], back)
    assert same.outcome is UpsertOutcome.UNCHANGED
    [changed] = await store.upsert([make(gone, price=65.0)], back)
    assert changed.outcome is UpsertOutcome.CHANGED
    for key in (back_by_touch, back_by_upsert, gone):
        x = await store.get(listing_id(PLATFORM, key))
        assert x is not None, key
        assert (x.removed_at, x.returned_at, x.missed_walks, x.missed_since) == (
            None, back, 0, None,
        ), key  # fmt: skip
    assert await removed_ids(store) == set()
    # The flaky listing's sighting in the third walk reset its misses.
    flaky_now = await store.get(listing_id(PLATFORM, flaky))
    assert flaky_now is not None and flaky_now.missed_walks == 0
    if hasattr(store, "client"):  # Elasticsearch: the mapping types the fields (version 2)
        await mapping_types_the_fields(store)


async def mapping_types_the_fields(store: Any) -> None:
    got = await store.client.indices.get_mapping(index=store.listings_alias)
    [mapping] = got.body.values()
    props = mapping["mappings"]["properties"]
    assert {f: props[f]["type"] for f in ("removed_at", "returned_at", "missed_since")} == {
        "removed_at": "date", "returned_at": "date", "missed_since": "date",
    }  # fmt: skip
    assert props["missed_walks"]["type"] == "integer"
    ev = props["evidence"]["properties"]
    assert {f: ev[f]["type"] for f in ev} == {
        "file": "keyword", "record_id": "keyword", "sha256": "keyword", "uri": "keyword",
        "offset": "long", "length": "long", "captured_at": "date",
    }  # fmt: skip
