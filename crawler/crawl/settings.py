"""The Scrapy settings a platform profile implies, added to a crawl at "spider" priority.

A crawl is one platform's run (`crawler crawl NAME`): the profile's politeness, limits and
network decide settings on top of the command's own (crawler.config: settings module,
environment); `-s NAME=VALUE` still wins. The tor route (crawler.tor.scrapy_settings) and
the browser route (crawler.browser.scrapy_settings) add their download handlers, and every
crawl gets its scope (CRAWL_SCOPE, crawler.crawl.scope).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawler.browser import needs_browser
from crawler.crawl.scope import PlatformScope
from crawler.evidence.removed import removed_after_misses
from crawler.profiles import PlatformProfile
from crawler.tor import tor_strict

# Items of one API page go through the pipelines this many at a time at least, so that the
# store stage batches them (settings/base.py CONCURRENT_ITEMS is 1: one item per HTML page).
API_CONCURRENT_ITEMS = 16


def profile_settings(profile: PlatformProfile, settings: Any) -> dict[str, Any]:
    """Scrapy settings for crawling this platform, given the crawl's own `settings`."""
    pol, lim = profile.politeness, profile.limits
    out: dict[str, Any] = {
        "CONCURRENT_REQUESTS": max(16, pol.concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": pol.concurrency,
        "DOWNLOAD_DELAY": pol.delay,
        "AUTOTHROTTLE_ENABLED": pol.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(pol.concurrency),
        "ROBOTSTXT_OBEY": pol.robots_txt,
        "DOWNLOAD_MAXSIZE": lim.max_response_bytes,
        "DOWNLOAD_TIMEOUT": lim.download_timeout,
        "PAGE_MAX_HTML_DEPTH": lim.max_html_depth,
        "RETRY_AFTER_MAX": pol.retry_after_max,
        # Pagination depth is bounded by the spider (limits.max_depth list pages per seed);
        # Scrapy's DepthMiddleware would count every next page as one more level.
        "DEPTH_LIMIT": 0,
        "CLOSESPIDER_PAGECOUNT": lim.max_pages,
    }
    if lim.max_listings:
        out["CLOSESPIDER_ITEMCOUNT"] = lim.max_listings
    if profile.api is not None:
        out["CONCURRENT_ITEMS"] = max(API_CONCURRENT_ITEMS, settings.getint("CONCURRENT_ITEMS", 1))
    if pol.user_agent:
        out["USER_AGENT"] = pol.user_agent
    strict = tor_strict(profile, settings)
    removed_after_misses(settings)  # checked before the crawl, not at its end
    out["CRAWL_SESSION_PARAMS"] = list(profile.session_params)  # crawler.crawl.urls
    out["CRAWL_SCOPE"] = PlatformScope.of(
        profile, tor_routed=strict or profile.network == "tor"
    ).to_setting()
    browser = needs_browser(profile)
    if browser:
        from crawler.browser import scrapy_settings as browser_settings

        merge_settings(out, browser_settings(profile, settings), settings)
    if profile.network == "tor" or strict:
        from crawler.tor import scrapy_settings as tor_settings

        tor = tor_settings(profile, settings)
        if "download_timeout" in lim.model_fields_set:
            tor.pop("DOWNLOAD_TIMEOUT", None)  # the profile's own timeout wins
        if browser:
            # The browser does its own fetching (through tor's SOCKS port, per context); the
            # tor handler only serves what the browser handler passes on (robots.txt).
            tor.pop("DOWNLOAD_HANDLERS", None)
        merge_settings(out, tor, settings)
    return out


# Dict-valued settings that several routes extend rather than replace.
_MERGED = {
    "DOWNLOADER_MIDDLEWARES",
    "DOWNLOAD_HANDLERS",
    "SPIDER_MIDDLEWARES",
    "EXTENSIONS",
    "ITEM_PIPELINES",
}


def merge_settings(into: dict[str, Any], extra: Mapping[str, Any], base: Any) -> None:
    """Add `extra` to `into`; dict-valued component settings are merged key by key.

    At 'spider' priority a dict replaces the crawl's whole dict, so the crawl's own entries
    (`base`: the scope check, the media filter) are carried over explicitly.
    """
    for key, value in extra.items():
        if key in _MERGED and isinstance(value, Mapping):
            current = into.get(key)
            if current is None:
                current = base.getdict(key)
            into[key] = {**current, **value}
        else:
            into[key] = value
