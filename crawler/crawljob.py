"""One crawl job: the Scrapy settings a platform profile implies, and running one crawl.

A crawl job is one Scrapy process crawling one platform (`crawler crawl NAME`, the unit
that the scheduler, cron or a systemd timer runs). The profile's politeness, limits and
network decide the settings; tor and browser routes add their own download handlers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from crawler.browser import needs_browser
from crawler.crawl.scope import PlatformScope
from crawler.profiles import PlatformProfile
from crawler.tor import tor_strict


def profile_settings(
    profile: PlatformProfile, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
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
        "DOWNLOAD_TIMEOUT": lim.download_timeout,
        "PAGE_MAX_HTML_DEPTH": lim.max_html_depth,
        "RETRY_AFTER_MAX": pol.retry_after_max,
        # Pagination depth is bounded by the spider (limits.max_depth list pages per seed);
        # Scrapy's DepthMiddleware would count every next page as one more level.
        "DEPTH_LIMIT": 0,
        "CLOSESPIDER_PAGECOUNT": lim.max_pages,
    }
    if lim.max_listings:
        settings["CLOSESPIDER_ITEMCOUNT"] = lim.max_listings
    if pol.user_agent:
        settings["USER_AGENT"] = pol.user_agent
    strict = tor_strict(profile, env)
    settings["CRAWL_SCOPE"] = PlatformScope.of(
        profile, tor_routed=strict or profile.network == "tor"
    ).to_setting()
    browser = needs_browser(profile)
    if browser:
        from crawler.browser import scrapy_settings as browser_settings

        merge_settings(settings, browser_settings(profile, env))
    if profile.network == "tor" or strict:
        from crawler.tor import scrapy_settings as tor_settings

        tor = tor_settings(profile, env)
        if "download_timeout" in lim.model_fields_set:
            tor.pop("DOWNLOAD_TIMEOUT", None)  # the profile's own timeout wins
        if browser:
            # The browser does its own fetching (through tor's SOCKS port, per context); the
            # tor handler only serves what the browser handler passes on (robots.txt).
            tor.pop("DOWNLOAD_HANDLERS", None)
        merge_settings(settings, tor)
    return settings


# Dict-valued settings that several routes extend rather than replace.
_MERGED = {
    "DOWNLOADER_MIDDLEWARES",
    "DOWNLOAD_HANDLERS",
    "SPIDER_MIDDLEWARES",
    "EXTENSIONS",
    "ITEM_PIPELINES",
}


def _project_settings() -> Any:
    from scrapy.settings import Settings

    project = Settings()
    project.setmodule(os.environ.get("SCRAPY_SETTINGS_MODULE", "settings.base"), priority="project")
    return project


def merge_settings(into: dict[str, Any], extra: Mapping[str, Any]) -> None:
    """Add `extra` to `into`; dict-valued component settings are merged key by key.

    At 'spider' priority a dict replaces the project's whole dict, so the project's own
    entries (e.g. the media filter) are carried over explicitly.
    """
    for key, value in extra.items():
        if key in _MERGED and isinstance(value, Mapping):
            base = into.get(key)
            if base is None:
                base = _project_settings().getdict(key)
            into[key] = {**base, **value}
        else:
            into[key] = value
