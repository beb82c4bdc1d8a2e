"""Fixtures for the store tests: an open SQLite store in a fresh directory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from crawler.store.sqlite import SqliteStore


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    s = SqliteStore(tmp_path / "nested" / "dir" / "crawler.db")
    await s.open()
    try:
        yield s
    finally:
        await s.close()
