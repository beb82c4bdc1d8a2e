"""Failed pages: retried by the next runs, given up after three, never a reason for endless full walks."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from scrapy.utils.test import get_crawler

from crawler.models import CrawlJob
from crawler.profiles import load_profiles
from spiders.listing import MAX_DETAIL_ATTEMPTS, ListingSpider


def spider() -> ListingSpider:
    profile = load_profiles()["demo-jobs"]
    crawler = get_crawler(ListingSpider, settings_dict={"TWISTED_REACTOR_ENABLED": False})
    crawler.stats.open_spider()
    s = ListingSpider(profile=profile)
    s._set_crawler(crawler)
    return s


def job(status: str = "finished", complete: bool = True, **kw) -> CrawlJob:
    return CrawlJob(
        id=f"j{id(kw)}", platform="demo-jobs", started_at=datetime.now(UTC), status=status,
        complete=complete, **kw,
    )  # fmt: skip


def test_failed_detail_pages_are_retried_until_given_up():
    s = spider()
    base = s.profile.base_url
    previous = [
        job(
            failed_pages=[
                {"url": f"{base}/job/1", "listing_id": "a", "attempts": 1, "permanent": False},
                {
                    "url": f"{base}/job/2",
                    "listing_id": "b",
                    "attempts": MAX_DETAIL_ATTEMPTS,
                    "permanent": False,
                },
                {"url": f"{base}/job/3", "listing_id": "c", "attempts": 1, "permanent": True},
                {
                    "url": "http://127.0.0.1:1/elsewhere",
                    "listing_id": "d",
                    "attempts": 1,
                    "permanent": False,
                },
            ]
        )
    ]
    retries = s._retries(previous)
    assert [r.url for r in retries] == [f"{base}/job/1"]
    assert retries[0].meta["listing_id"] == "a"
    stats = s.crawler.stats.get_stats()
    assert stats["listing/detail_given_up"] == 1
    assert stats["scope/refused/host"] == 1  # a recorded URL is checked against scope again
    assert s.retry_attempts == {f"{base}/job/1": 1}


def test_incomplete_runs_force_a_full_walk_unless_the_same_list_pages_keep_failing():
    s = spider()
    decide = lambda jobs: asyncio.run(s._decide_mode(jobs))  # noqa: E731
    ok = job()
    assert decide([ok]) == "incremental"
    assert decide([job(status="killed", complete=False), ok]) == "full"
    once = job(complete=False, failed_list_pages=["u1"])
    assert decide([once, ok]) == "full"  # a first failure: walk everything again
    again = job(complete=False, failed_list_pages=["u1"])
    assert decide([again, once]) == "incremental"  # the same page failed twice in a row
    other = job(complete=False, failed_list_pages=["u1", "u2"])
    assert decide([other, once]) == "full"  # a new page failed: walk again
