from __future__ import annotations

from collections.abc import Iterator

import pytest

from crawler.testing.redis import RedisServer, available


@pytest.fixture
def redis_server() -> Iterator[RedisServer]:
    """A real redis-server on a free 127.0.0.1 port, killed after the test however it ends."""
    if not available():
        pytest.fail("redis-server is not installed: run scripts/setup.sh --test")
    with RedisServer(persistent=True) as server:
        yield server
