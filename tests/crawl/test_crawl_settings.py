"""The crawl settings builder (crawler/crawl/settings.py): what a profile adds to a crawl."""

from __future__ import annotations

from pathlib import Path

from crawler.config import crawler_settings
from crawler.crawl.scope import PlatformScope
from crawler.crawl.settings import profile_settings
from crawler.profiles import load_profile

BUNDLED = Path(__file__).resolve().parents[2] / "crawler" / "platforms"


def profile(name: str):  # type: ignore[no-untyped-def]
    return load_profile(BUNDLED / f"{name}.yaml", environ={})


def test_politeness_limits_and_scope_of_a_clearnet_profile():
    p = profile("demo-classifieds")
    s = profile_settings(p, crawler_settings({}))
    assert s["CONCURRENT_REQUESTS_PER_DOMAIN"] == p.politeness.concurrency
    assert s["AUTOTHROTTLE_ENABLED"] is False and s["ROBOTSTXT_OBEY"] is True
    assert s["DOWNLOAD_MAXSIZE"] == p.limits.max_response_bytes and s["DEPTH_LIMIT"] == 0
    scope = PlatformScope.from_setting(s["CRAWL_SCOPE"])
    assert scope.refusal(p.base_url + "/c/rooms") is None
    assert scope.refusal("http://127.0.0.1:1/") == "host"
    assert "DOWNLOAD_HANDLERS" not in s  # plain Scrapy HTTP


def test_component_dicts_are_merged_not_replaced():
    s = profile_settings(profile("demo-social"), crawler_settings({}))
    middlewares = s["DOWNLOADER_MIDDLEWARES"]
    assert middlewares["crawler.crawl.scope.ScopeMiddleware"] == 10
    assert middlewares["crawler.crawl.media.MediaBlockMiddleware"] == 50
    assert "crawler.browser.recovery.BrowserCrashRetryMiddleware" in middlewares


def test_an_onion_profile_goes_through_tor_and_may_reach_onion_hosts():
    p = profile("demo-onion-market")
    s = profile_settings(p, crawler_settings({}))
    assert s["DOWNLOAD_HANDLERS"]["https"] == "crawler.tor.handler.TorDownloadHandler"
    assert PlatformScope.from_setting(s["CRAWL_SCOPE"]).allow_onion


def test_command_line_settings_still_win_over_the_profile(tmp_path):
    settings = crawler_settings({}, ["DOWNLOAD_DELAY=3"])
    settings.setdict(profile_settings(profile("demo-jobs"), settings), priority="spider")
    assert settings.getfloat("DOWNLOAD_DELAY") == 3
