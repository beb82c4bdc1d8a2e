"""SQLite connections kept between a worker's runs (crawler.store.sqlite.keep_connections):
each run sees what the others stored, and a store file replaced is opened afresh."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from synthetic_listings import make_listing

from crawler.store import sqlite
from crawler.store.sqlite import SqliteStore, keep_connections

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def kept() -> Iterator[None]:
    keep_connections()
    try:
        yield
    finally:
        keep_connections(False)


async def test_runs_share_connections_and_see_each_others_writes(
    tmp_path: Path, kept: None
) -> None:
    path = tmp_path / "crawler.db"
    first = SqliteStore(path)
    await first.open()
    await first.upsert([make_listing(1)], T0)
    conn = first._conn
    await first.close()

    second, third = SqliteStore(path), SqliteStore(path)
    await second.open()
    await third.open()  # two runs at once: two connections
    assert second._conn is conn and third._conn is not conn
    await third.upsert([make_listing(2)], T0)
    assert await second.count() == 2
    await second.close()
    await third.close()


async def test_a_replaced_store_file_is_opened_afresh(tmp_path: Path, kept: None) -> None:
    path = tmp_path / "crawler.db"
    store = SqliteStore(path)
    await store.open()
    await store.upsert([make_listing(1)], T0)
    await store.close()
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)

    fresh = SqliteStore(path)
    await fresh.open()  # a new file: its own connection and schema
    assert await fresh.count() == 0
    await fresh.upsert([make_listing(2)], T0)
    assert await fresh.count() == 1
    await fresh.close()


async def test_off_by_default_and_closed_when_turned_off(tmp_path: Path) -> None:
    assert sqlite._POOL is None
    keep_connections()
    store = SqliteStore(tmp_path / "crawler.db")
    await store.open()
    conn = store._conn
    await store.close()
    keep_connections(False)
    with pytest.raises(Exception, match="closed"):
        conn.execute("SELECT 1")


async def test_a_file_a_newer_program_migrated_is_refused_by_a_kept_connection(
    tmp_path: Path, kept: None
) -> None:
    """A worker keeps its connection between runs; a newer program that migrated the file in
    the meantime must still stop its next run, as a first open would, not be written over."""
    import sqlite3 as sqlite3_module

    from crawler.store.base import StoreError

    path = tmp_path / "crawler.db"
    store = SqliteStore(path)
    await store.open()
    await store.close()  # kept
    with sqlite3_module.connect(path) as other:  # what a newer program's migration leaves
        other.execute("UPDATE schema_version SET version = ?", (sqlite.SCHEMA_VERSION + 1,))
    nxt = SqliteStore(path)
    with pytest.raises(StoreError, match="newer than this program"):
        await nxt.open()
