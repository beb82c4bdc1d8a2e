"""Fencing tokens in the Elasticsearch store (crawler worker runs; docs/scaling.md).

A run whose platform lease was taken over by a newer run is refused by the store as soon
as the newer run recorded its token: the late worker cannot overwrite what the new one
writes. Real Elasticsearch (the test server).
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from crawler.models import CrawlJob
from crawler.store import FencedOut
from crawler.store.elasticsearch.fencing import CHECK_EVERY

pytestmark = pytest.mark.elasticsearch


def _job(fence: int) -> CrawlJob:
    return CrawlJob(
        id=f"demo-a-{fence}", platform="demo-a", started_at=datetime.now(UTC), fence=fence
    )


async def test_a_superseded_run_is_refused(make_store):
    late, current = make_store(), make_store()
    await late.open()
    await current.open()
    try:
        assert await current.fence_token("demo-a") == 0
        await late.hold_fence("demo-a", 1)
        await late.save_job(_job(1))
        await current.hold_fence("demo-a", 2)
        await asyncio.sleep(CHECK_EVERY + 0.1)
        with pytest.raises(FencedOut, match="token 1.*newer run.*token 2"):
            await late.save_job(_job(1))
        with pytest.raises(FencedOut):
            await late.touch("demo-a", ["x"], datetime.now(UTC))
        await current.save_job(_job(2))  # the holder writes on
        assert await late.fence_token("demo-a") == 2
        assert await late.fence_token("demo-b") == 0
        stale = make_store()  # a run that starts with an old token is refused at once
        try:
            with pytest.raises(FencedOut):
                await stale.hold_fence("demo-a", 1)
        finally:
            await stale.close()
    finally:
        await late.close()
        await current.close()
