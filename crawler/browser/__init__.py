"""Rendering JavaScript platforms with scrapy-playwright and Debian's Chromium.

A crawl of a profile that needs a browser (`network: js`, or `network: tor` with a
`render` section) merges `scrapy_settings(profile, settings)` into its Scrapy settings,
and its spider merges `request_meta(profile, "list" | "detail", settings)` into each
request's meta. What that gives:

- scrapy-playwright's download handler for http and https, driving Chromium from Debian
  (never a downloaded browser), headless, with flags that keep it off the network except
  for the pages it is sent to;
- one browser context per platform, named after the profile; through the Tor SOCKS
  proxy when the profile routes through Tor (`network: tor`, `tor.strict` or TOR_STRICT=1;
  requests that skip the browser, like robots.txt, then use the Tor handler), set both
  as a startup context and in every request's `playwright_context_kwargs`, so that the
  context scrapy-playwright re-creates after a browser restart has the proxy too;
- image, media and font requests aborted inside the browser (docs/safety.md);
- the profile's bounded page actions (crawler.browser.actions) run on list pages, and a
  wait for the detail fields on detail pages;
- one shared download handler for http and https (crawler.browser.handler: one browser,
  requests of a dead browser failed instead of hanging, non-browser requests never
  around the Tor proxy) and a downloader middleware (crawler.browser.recovery) that
  retries requests failed by a browser that died, once a new one is launched.

Settings (defaults in settings/base.py, read once by `BrowserConfig.from_settings`):
  BROWSER_EXECUTABLE_PATH   Chromium binary (default /usr/lib/chromium/chromium)
  BROWSER_HEADLESS          yes/no (default yes)
  BROWSER_MAX_PAGES         open pages per context (0: the profile's concurrency)
  BROWSER_NAVIGATION_TIMEOUT_MS  page load timeout (default 30000; a profile's
                            limits.download_timeout wins)
  BROWSER_RETRY_TIMES       retries of a request failed by a dead browser (default 3)
  BROWSER_USER_AGENT        the context's User-Agent (default: the profile's, else desktop Chrome's)
  TOR_SOCKS_URL, TOR_STRICT the Tor SOCKS proxy, and every platform's browser through it
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import Any
from urllib.parse import urlsplit

from scrapy_playwright.page import PageMethod

from crawler.browser.actions import item_selector, run_action, wait_for_content
from crawler.config import ConfigError, get_bool, get_number, get_str
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
DEFAULT_TOR_SOCKS_URL = "socks5h://127.0.0.1:9050"
# OPSEC: headless Chromium announces "HeadlessChrome" to page scripts; present the ordinary
# desktop Chrome string of the same engine instead (never one naming this tool).
DEFAULT_BROWSER_USER_AGENT = (
    "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Safari/537.36"
)

# Flags that work as root and stop Chromium's own traffic (updates, sync, field trials):
# the browser must only ever fetch what the crawl sends it to (without them Chromium
# keeps trying to reach the network on its own).
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
    """BROWSER_* and TOR_SOCKS_URL, read once from settings."""

    executable_path: str = DEFAULT_EXECUTABLE
    headless: bool = True
    max_pages: int | None = None
    navigation_timeout_ms: int = 30000
    retry_times: int = 3
    user_agent: str | None = None
    tor_socks_url: str = DEFAULT_TOR_SOCKS_URL

    @classmethod
    def from_settings(cls, settings: Any) -> BrowserConfig:
        return cls(
            executable_path=get_str(settings, "BROWSER_EXECUTABLE_PATH") or DEFAULT_EXECUTABLE,
            headless=get_bool(settings, "BROWSER_HEADLESS", True),
            max_pages=get_number(settings, "BROWSER_MAX_PAGES", int, 0, 0) or None,
            navigation_timeout_ms=get_number(
                settings, "BROWSER_NAVIGATION_TIMEOUT_MS", int, 30000, 1000
            ),
            retry_times=get_number(settings, "BROWSER_RETRY_TIMES", int, 3, 0),
            user_agent=get_str(settings, "BROWSER_USER_AGENT"),
            tor_socks_url=get_str(settings, "TOR_SOCKS_URL") or DEFAULT_TOR_SOCKS_URL,
        )


def needs_browser(profile: PlatformProfile) -> bool:
    """True when the profile's pages are rendered in Chromium."""
    if profile.api is not None and profile.network != "js":
        return False
    return profile.network == "js" or (profile.network == "tor" and profile.render is not None)


def routes_through_tor(profile: PlatformProfile, settings: Any) -> bool:
    """True when the browser context must use the Tor SOCKS proxy.

    `network: tor`, the profile's `tor.strict`, or TOR_STRICT for every platform.
    """
    from crawler.tor import tor_strict

    return profile.network == "tor" or tor_strict(profile, settings)


def _chromium_proxy(socks_url: str) -> dict[str, str]:
    parts = urlsplit(socks_url)
    if parts.scheme not in {"socks5", "socks5h"} or not parts.hostname or not parts.port:
        raise ConfigError(
            "setting", "TOR_SOCKS_URL", f"expected socks5h://HOST:PORT, got {socks_url!r}"
        )
    # Chromium's socks5 always hands host names to the proxy (that is what socks5h means
    # elsewhere). The browser handler puts its scope fence in front of this proxy, and the
    # fence sends the platform's own SOCKS credentials (circuit isolation).
    return {"server": f"socks5://{parts.hostname}:{parts.port}"}


def context_options(profile: PlatformProfile, settings: Any) -> dict[str, Any]:
    """Keyword arguments of the platform's browser context (Browser.new_context)."""
    config = BrowserConfig.from_settings(settings)
    options: dict[str, Any] = {
        "java_script_enabled": True,
        # Service workers can fetch outside page routing, past the media filter.
        "service_workers": "block",
        "accept_downloads": False,
    }
    options["user_agent"] = (
        profile.politeness.user_agent or config.user_agent or DEFAULT_BROWSER_USER_AGENT
    )
    if routes_through_tor(profile, settings):
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
    from crawler.crawl.media import is_media_url

    return request.resource_type in ABORTED_RESOURCE_TYPES or is_media_url(request.url)


def navigation_timeout_ms(profile: PlatformProfile, settings: Any) -> int:
    """A page's load timeout: the profile's limits.download_timeout when it sets one."""
    if "download_timeout" in profile.limits.model_fields_set:
        return max(1000, int(profile.limits.download_timeout * 1000))
    return int(BrowserConfig.from_settings(settings).navigation_timeout_ms)


def scrapy_settings(profile: PlatformProfile, settings: Any) -> dict[str, Any]:
    """Scrapy settings that render this profile's pages in Chromium.

    DOWNLOADER_MIDDLEWARES is a dict to merge into the crawl's own, not to replace it.
    """
    check_render(profile)
    config = BrowserConfig.from_settings(settings)
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
        "PLAYWRIGHT_CONTEXTS": {profile.name: context_options(profile, settings)},
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": max_pages,
        "PLAYWRIGHT_ABORT_REQUEST": "crawler.browser.abort_media_request",
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": navigation_timeout_ms(profile, settings),
        "PLAYWRIGHT_RESTART_DISCONNECTED_BROWSER": True,
        "BROWSER_RETRY_TIMES": config.retry_times,
        "BROWSER_TOR_ROUTED": routes_through_tor(profile, settings),
        "BROWSER_DIRECT_HANDLER": TOR_HANDLER if routes_through_tor(profile, settings) else None,
        # To merge into the crawl's own dict. The media filter is repeated so that a caller
        # that replaces the dict instead still never fetches media (docs/safety.md).
        "DOWNLOADER_MIDDLEWARES": {
            "crawler.crawl.media.MediaBlockMiddleware": 50,
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


def _login_wall_selectors(profile: PlatformProfile) -> list[str]:
    """CSS selectors present on a members-only platform's login wall."""
    auth = profile.auth
    assert auth is not None
    out = ["input[type=password]"]
    if auth.login is not None and auth.login.form:
        out.append(auth.login.form)
    if auth.logged_out is not None and auth.logged_out.css:
        out.append(auth.logged_out.css)
    out.extend(check.css for check in auth.human if check.css)
    return out


def request_meta(profile: PlatformProfile, kind: str, settings: Any) -> dict[str, Any]:
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
            if action.action == "wait_for" and profile.auth is not None:
                # A list page served logged out never shows what the action waits for: the
                # wait ends on the login wall too (the login flow takes the page).
                target = action.selector or item_selector(profile) or "body"
                wall = ", ".join([target, *_login_wall_selectors(profile)])
                action = action.model_copy(update={"selector": wall})
            methods.append(PageMethod(run_action, action, item_selector(profile)))
    else:
        selector = _detail_wait_selector(profile)
        if selector and profile.auth is not None:
            # A members-only page served logged out never shows the fields: the wait ends on
            # the login wall too, and the spider's login flow (crawler.auth.login) takes it.
            selector = ", ".join([selector, *_login_wall_selectors(profile)])
        if selector:
            timeout = navigation_timeout_ms(profile, settings)
            methods.append(
                PageMethod(partial(wait_for_content, selector=selector, timeout_ms=timeout))
            )
    return {
        "playwright": True,
        "playwright_context": profile.name,
        # Also here, not only in PLAYWRIGHT_CONTEXTS: after a browser crash scrapy-playwright
        # re-creates the context from the request's kwargs, and the proxy must survive that.
        "playwright_context_kwargs": context_options(profile, settings),
        "playwright_page_methods": methods,
        "playwright_page_goto_kwargs": {"wait_until": "load"},
    }
