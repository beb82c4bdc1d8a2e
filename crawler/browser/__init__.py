"""Rendering JavaScript platforms with scrapy-playwright and Debian's Chromium.

A crawl of a profile that needs a browser (`network: js`, or `network: tor` with a
`render` section) merges `scrapy_settings(profile, environ)` into its Scrapy settings,
and its spider merges `request_meta(profile, "list" | "detail")` into each request's
meta. What that gives:

- scrapy-playwright's download handler for http and https, driving Chromium from Debian
  (never a downloaded browser), headless, with flags that keep it off the network except
  for the pages it is sent to;
- one browser context per platform, named after the profile; through the Tor SOCKS
  proxy when the profile routes through Tor (`network: tor`, `tor.strict` or TOR_STRICT=1;
  requests that skip the browser, like robots.txt, then use the Tor handler), set both
  as a startup context and in every request's `playwright_context_kwargs`, so that the
  context scrapy-playwright re-creates after a browser restart has the proxy too;
- image, media and font requests aborted inside the browser (SAFETY.md);
- the profile's bounded page actions (crawler.browser.actions) run on list pages, and a
  wait for the detail fields on detail pages;
- one shared download handler for http and https (crawler.browser.handler: one browser,
  requests of a dead browser failed instead of hanging, non-browser requests never
  around the Tor proxy) and a downloader middleware (crawler.browser.recovery) that
  retries requests failed by a browser that died, once a new one is launched.

Environment (read when the settings are built):
  BROWSER_EXECUTABLE_PATH   Chromium binary (default /usr/lib/chromium/chromium)
  BROWSER_HEADLESS          1/0 (default 1)
  BROWSER_MAX_PAGES         open pages per context (default: the profile's concurrency)
  BROWSER_NAVIGATION_TIMEOUT_MS  page load timeout (default 30000)
  BROWSER_RETRY_TIMES       retries of a request failed by a dead browser (default 3)
  BROWSER_USER_AGENT        the context's User-Agent (default: the profile's, else desktop Chrome's)
  TOR_SOCKS_URL             the Tor SOCKS proxy (default socks5://127.0.0.1:9050)
  TOR_STRICT                1: every platform's browser goes through Tor
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from scrapy_playwright.page import PageMethod

from crawler.browser.actions import item_selector, run_action, wait_for_content
from crawler.envsettings import env_number
from crawler.profiles import PlatformProfile, ProfileError

__all__ = [
    "BrowserConfig",
    "abort_media_request",
    "check_render",
    "context_options",
    "needs_browser",
    "request_meta",
    "routes_through_tor",
    "scrapy_settings",
]

HANDLER = "crawler.browser.handler.BrowserDownloadHandler"
RECOVERY_MIDDLEWARE = "crawler.browser.recovery.BrowserCrashRetryMiddleware"
# Requests that skip the browser (robots.txt) in a Tor-routed crawl go through Tor too.
TOR_HANDLER = "crawler.tor.handler.TorDownloadHandler"
DEFAULT_EXECUTABLE = "/usr/lib/chromium/chromium"
DEFAULT_TOR_SOCKS_URL = "socks5://127.0.0.1:9050"
# OPSEC: headless Chromium announces "HeadlessChrome" to page scripts; present the ordinary
# desktop Chrome string of the same engine instead (never one naming this tool).
DEFAULT_BROWSER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)

# Flags that work as root and stop Chromium's own traffic (updates, sync, field trials):
# the browser must only ever fetch what the crawl sends it to (COMPONENTS.md).
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # Every context goes through the scope fence (crawler.browser.fence), a SOCKS proxy:
    # WebRTC must not open UDP around it.
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp",
)

ABORTED_RESOURCE_TYPES = frozenset({"image", "media", "font"})


@dataclass(frozen=True)
class BrowserConfig:
    """BROWSER_* and TOR_SOCKS_URL, read once from the environment."""

    executable_path: str = DEFAULT_EXECUTABLE
    headless: bool = True
    max_pages: int | None = None
    navigation_timeout_ms: int = 30000
    retry_times: int = 3
    user_agent: str | None = None
    tor_socks_url: str = DEFAULT_TOR_SOCKS_URL

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> BrowserConfig:
        env = os.environ if environ is None else environ

        def integer(name: str, default: int | None, minimum: int) -> int | None:
            return env_number(env, name, int, default, minimum)

        headless_raw = env.get("BROWSER_HEADLESS", "1").strip().lower()
        if headless_raw not in {"1", "0", "true", "false", "yes", "no"}:
            raise ValueError(f"environment BROWSER_HEADLESS: use 1 or 0, got {headless_raw!r}")
        return cls(
            executable_path=env.get("BROWSER_EXECUTABLE_PATH") or DEFAULT_EXECUTABLE,
            headless=headless_raw in {"1", "true", "yes"},
            max_pages=integer("BROWSER_MAX_PAGES", None, 1),
            navigation_timeout_ms=integer("BROWSER_NAVIGATION_TIMEOUT_MS", 30000, 1000) or 30000,
            retry_times=integer("BROWSER_RETRY_TIMES", 3, 0) or 0,
            user_agent=env.get("BROWSER_USER_AGENT") or None,
            tor_socks_url=env.get("TOR_SOCKS_URL") or DEFAULT_TOR_SOCKS_URL,
        )


def needs_browser(profile: PlatformProfile) -> bool:
    """True when the profile's pages are rendered in Chromium."""
    if profile.api is not None and profile.network != "js":
        return False
    return profile.network == "js" or (profile.network == "tor" and profile.render is not None)


def routes_through_tor(profile: PlatformProfile, environ: Mapping[str, str] | None = None) -> bool:
    """True when the browser context must use the Tor SOCKS proxy.

    `network: tor`, the profile's `tor.strict`, or TOR_STRICT=1 for every platform.
    """
    from crawler.tor import tor_strict

    return profile.network == "tor" or tor_strict(profile, environ)


def _chromium_proxy(socks_url: str) -> dict[str, str]:
    parts = urlsplit(socks_url)
    if parts.scheme not in {"socks5", "socks5h"} or not parts.hostname or not parts.port:
        raise ValueError(
            f"environment TOR_SOCKS_URL: expected socks5://HOST:PORT, got {socks_url!r}"
        )
    # Chromium's socks5 always hands host names to the proxy (that is what socks5h means
    # elsewhere); it cannot send SOCKS credentials, so per-platform circuit isolation
    # comes from tor's IsolateDestAddr/SocksPort, not from a username here.
    return {"server": f"socks5://{parts.hostname}:{parts.port}"}


def context_options(
    profile: PlatformProfile, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Keyword arguments of the platform's browser context (Browser.new_context)."""
    config = BrowserConfig.from_env(environ)
    options: dict[str, Any] = {
        "java_script_enabled": True,
        # Service workers can fetch outside page routing, past the media filter.
        "service_workers": "block",
        "accept_downloads": False,
    }
    options["user_agent"] = (
        profile.politeness.user_agent or config.user_agent or DEFAULT_BROWSER_USER_AGENT
    )
    if routes_through_tor(profile, environ):
        options["proxy"] = _chromium_proxy(config.tor_socks_url)
    return options


def check_render(profile: PlatformProfile) -> None:
    """Reject render actions that cannot run, naming the profile file and the field."""
    path = profile.source_file or f"<profile {profile.name}>"
    actions = profile.render.actions if profile.render is not None else []
    for i, action in enumerate(actions):
        where = f"render.actions.{i}.selector"
        if action.action == "click_until_gone" and not action.selector:
            raise ProfileError(path, where, "click_until_gone needs the button's CSS selector")
        if action.action == "wait_for_count" and not (action.selector or item_selector(profile)):
            raise ProfileError(path, where, "wait_for_count needs a selector (or list.item)")
        if action.selector:
            from parsel import Selector

            try:
                Selector(text="<html/>").css(action.selector)
            except Exception as exc:
                raise ProfileError(path, where, f"css selector does not compile: {exc}") from None


def abort_media_request(request: Any) -> bool:
    """PLAYWRIGHT_ABORT_REQUEST: never let the browser fetch images, media or fonts."""
    from crawler.media import is_media_url

    return request.resource_type in ABORTED_RESOURCE_TYPES or is_media_url(request.url)


def navigation_timeout_ms(
    profile: PlatformProfile, environ: Mapping[str, str] | None = None
) -> int:
    """A page's load timeout: the profile's limits.download_timeout when it sets one."""
    if "download_timeout" in profile.limits.model_fields_set:
        return max(1000, int(profile.limits.download_timeout * 1000))
    return BrowserConfig.from_env(environ).navigation_timeout_ms


def scrapy_settings(
    profile: PlatformProfile, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Scrapy settings that render this profile's pages in Chromium.

    DOWNLOADER_MIDDLEWARES is a dict to merge into the crawl's own, not to replace it.
    """
    check_render(profile)
    config = BrowserConfig.from_env(environ)
    args = list(CHROMIUM_FLAGS)
    max_pages = min(profile.politeness.concurrency, config.max_pages or 10**6)
    return {
        "DOWNLOAD_HANDLERS": {"http": HANDLER, "https": HANDLER},
        "TWISTED_REACTOR": "twisted.internet.asyncioreactor.AsyncioSelectorReactor",
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {
            "executable_path": config.executable_path,
            "headless": config.headless,
            "args": args,
            "timeout": 60000,
        },
        "PLAYWRIGHT_CONTEXTS": {profile.name: context_options(profile, environ)},
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": max_pages,
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.browser.abort_media_request",
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": navigation_timeout_ms(profile, environ),
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
        "BROWSER_RETRY_TIMES": config.retry_times,
        "BROWSER_TOR_ROUTED": routes_through_tor(profile, environ),
        "BROWSER_DIRECT_HANDLER": TOR_HANDLER if routes_through_tor(profile, environ) else None,
        # To merge into the crawl's own dict. The media filter is repeated so that a caller
        # that replaces the dict instead still never fetches media (SAFETY.md).
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.media.MediaBlockMiddleware": 50,
            RECOVERY_MIDDLEWARE: 560,
        },
    }


def _detail_wait_selector(profile: PlatformProfile) -> str | None:
    # Wait for the first thing the detail selectors read: title, then body.
    if profile.detail is None:
        return None
    for name in ("title", "body"):
        sel = profile.detail.fields.get(name)
        if sel is not None and sel.css:
            return sel.css.split("::")[0].strip() or None
    return None


def request_meta(
    profile: PlatformProfile, kind: str, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Request.meta entries that render a `kind` page ("list" or "detail") of the profile.

    Empty when the page is fetched without a browser (a detail page of a profile with
    `render.render_detail: false`, or a profile that needs no browser).
    """
    if kind not in {"list", "detail"}:
        raise ValueError(f"kind must be 'list' or 'detail', got {kind!r}")
    if not needs_browser(profile):
        return {}
    render = profile.render
    if kind == "detail" and render is not None and not render.render_detail:
        return {}
    methods: list[PageMethod] = []
    if kind == "list":
        for action in render.actions if render is not None else []:
            methods.append(PageMethod(run_action, action, item_selector(profile)))
    else:
        selector = _detail_wait_selector(profile)
        if selector:
            timeout = navigation_timeout_ms(profile, environ)
            methods.append(
                PageMethod(partial(wait_for_content, selector=selector, timeout_ms=timeout))
            )
    return {
        "playwright": True,
        "playwright_context": profile.name,
        # Also here, not only in PLAYWRIGHT_CONTEXTS: after a browser crash scrapy-playwright
        # re-creates the context from the request's kwargs, and the proxy must survive that.
        "playwright_context_kwargs": context_options(profile, environ),
        "playwright_page_methods": methods,
        "playwright_page_goto_kwargs": {"wait_until": "load"},
    }
