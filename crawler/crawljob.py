"""One crawl job: the Scrapy settings a platform profile implies, and running one crawl.

A crawl job is one Scrapy process crawling one platform (`crawler crawl NAME`, the unit
that the scheduler, cron or a systemd timer runs). The profile's politeness, limits and
network decide the settings; tor and browser routes add their own download handlers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from crawler.profiles import PlatformProfile


def profile_settings(profile: PlatformProfile, environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Scrapy settings for crawling this platform (applied at 'spider' priority)."""
    env = os.environ if environ is None else environ
    pol, lim = profile.politeness, profile.limits
    settings: dict[str, Any] = {
        "CONCURRENT_REQUESTS": max(16, pol.concurrency),
        "CONCURRENT_REQUESTS_PER_DOMAIN": pol.concurrency,
        "DOWNLOAD_DELAY": pol.delay,
        "AUTOTHROTTLE_ENABLED": pol.autothrottle,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": float(pol.concurrency),
        "ROBOTSTXT_OBEY": pol.robots_txt,
        "DOWNLOAD_MAXSIZE": lim.max_response_bytes,
        # Pagination depth is bounded by the spider (limits.max_depth list pages per seed);
        # Scrapy's DepthMiddleware would count every next page as one more level.
        "DEPTH_LIMIT": 0,
        "CLOSESPIDER_PAGECOUNT": lim.max_pages,
    }
    if lim.max_listings:
        settings["CLOSESPIDER_ITEMCOUNT"] = lim.max_listings
    if pol.user_agent:
        settings["USER_AGENT"] = pol.user_agent
    strict = profile.tor.strict or env.get("TOR_STRICT", "") in {"1", "true", "yes"}
    if profile.network == "js":
        from crawler.browser import scrapy_settings as browser_settings

        settings.update(browser_settings(profile, env))
    if profile.network == "tor" or strict:
        from crawler.tor import scrapy_settings as tor_settings

        tor = tor_settings(profile, env)
        if profile.network == "js":
            # The browser does its own fetching; tor settings only add what the browser context
            # needs (proxy), never a second http handler.
            tor.pop("DOWNLOAD_HANDLERS", None)
        settings.update(tor)
    return settings
