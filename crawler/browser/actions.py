"""Bounded page actions of a `network: js` profile, run on a Playwright page.

A profile's `render.actions` (crawler.profiles.PageAction) say what a person would do to
see every listing of a list page: wait for the first entries, scroll to the bottom so
infinite scroll loads more, click "load more" until the button disappears, wait for a
number of entries. Every loop here is bounded twice: by the action's `times` and by its
`timeout_ms` per step, so a page that keeps growing (or never changes) cannot hold a
browser page forever.

The actions are coroutines taking the page first, which is what scrapy-playwright's
`PageMethod(callable, ...)` calls (`crawler.browser.request_meta` builds them); a spider
that holds a page itself (`playwright_include_page`) can call `run_actions` instead.
"""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from playwright.async_api import Page
from playwright.async_api import TimeoutError as PlaywrightTimeoutError

from crawler.profiles import PageAction, PlatformProfile

logger = logging.getLogger(__name__)

# Counts elements, or measures the document when there is no selector to count.
_COUNT_JS = """(selector) => selector
    ? document.querySelectorAll(selector).length
    : document.documentElement.scrollHeight"""

_GREW_JS = """([selector, before]) => (selector
    ? document.querySelectorAll(selector).length
    : document.documentElement.scrollHeight) > before"""

_GREW_OR_GONE_JS = """([selector, before, button]) => {
    const now = selector
        ? document.querySelectorAll(selector).length
        : document.documentElement.scrollHeight;
    const b = document.querySelector(button);
    return now > before || !b || b.offsetParent === null;
}"""

_NAV_STATUS_JS = """() => {
    const nav = performance.getEntriesByType("navigation")[0];
    return nav && nav.responseStatus ? nav.responseStatus : 0;
}"""

_SCROLL_JS = "() => window.scrollTo(0, document.documentElement.scrollHeight)"


async def _count(page: Page, selector: str | None) -> int:
    return int(await page.evaluate(_COUNT_JS, selector))


async def wait_for(page: Page, selector: str, timeout_ms: int) -> dict[str, Any]:
    """Wait until `selector` is in the page; a timeout fails the request (nothing rendered)."""
    await page.wait_for_selector(selector, state="attached", timeout=timeout_ms)
    return {"action": "wait_for", "found": True}


async def wait_for_content(page: Page, selector: str, timeout_ms: int) -> dict[str, Any]:
    """Like wait_for, but an error page (HTTP status >= 400) is returned at once.

    A removed listing's page will never render its fields; waiting for them would only
    hold a browser page until the timeout before Scrapy sees the 404 anyway.
    """
    status = await page.evaluate(_NAV_STATUS_JS)
    if status and int(status) >= 400:
        return {"action": "wait_for", "found": False, "status": int(status)}
    return await wait_for(page, selector, timeout_ms)


async def scroll(
    page: Page, item_selector: str | None, times: int, timeout_ms: int
) -> dict[str, Any]:
    """Scroll to the bottom up to `times` times; stop when a scroll loads nothing new."""
    done = 0
    for _ in range(times):
        before = await _count(page, item_selector)
        await page.evaluate(_SCROLL_JS)
        try:
            await page.wait_for_function(
                _GREW_JS, arg=[item_selector, before], timeout=timeout_ms, polling=100
            )
        except PlaywrightTimeoutError:
            break  # the end of the infinite scroll (or a slow page): keep what is there
        done += 1
    return {"action": "scroll", "steps": done, "count": await _count(page, item_selector)}


async def click_until_gone(
    page: Page, button: str, item_selector: str | None, times: int, timeout_ms: int
) -> dict[str, Any]:
    """Click `button` until it disappears, at most `times` clicks, each waiting for new entries."""
    clicks = 0
    for _ in range(times):
        target = page.locator(button).first
        if await target.count() == 0 or not await target.is_visible():
            break
        before = await _count(page, item_selector)
        try:
            await target.click(timeout=timeout_ms)
            await page.wait_for_function(
                _GREW_OR_GONE_JS,
                arg=[item_selector, before, button],
                timeout=timeout_ms,
                polling=100,
            )
        except PlaywrightTimeoutError:
            break  # the button stays but loads nothing: do not click forever
        clicks += 1
    gone = await page.locator(button).count() == 0
    return {"action": "click_until_gone", "clicks": clicks, "gone": gone}


async def wait_for_count(page: Page, selector: str, times: int, timeout_ms: int) -> dict[str, Any]:
    """Wait until at least `times` elements match; fewer after the timeout is not an error."""
    # The last page of a platform legitimately holds fewer entries: not an error.
    with contextlib.suppress(PlaywrightTimeoutError):
        await page.wait_for_function(
            "([s, n]) => document.querySelectorAll(s).length >= n",
            arg=[selector, times],
            timeout=timeout_ms,
            polling=100,
        )
    return {"action": "wait_for_count", "count": await _count(page, selector)}


async def run_action(page: Page, action: PageAction, item_selector: str | None) -> dict[str, Any]:
    """Run one profile action on `page`; `item_selector` is what counts as a new entry."""
    if action.action == "wait_for":
        return await wait_for(page, action.selector or item_selector or "body", action.timeout_ms)
    if action.action == "scroll":
        return await scroll(page, action.selector or item_selector, action.times, action.timeout_ms)
    if action.action == "click_until_gone":
        if not action.selector:
            raise ValueError("click_until_gone needs the button's selector")
        return await click_until_gone(
            page, action.selector, item_selector, action.times, action.timeout_ms
        )
    if action.action == "wait_for_count":
        return await wait_for_count(
            page, action.selector or item_selector or "body", action.times, action.timeout_ms
        )
    raise ValueError(f"unknown page action {action.action!r}")


def item_selector(profile: PlatformProfile) -> str | None:
    """The CSS selector of one listing entry on a list page, if the profile has one."""
    return profile.list_page.item if profile.list_page is not None else None


async def run_actions(page: Page, profile: PlatformProfile) -> list[dict[str, Any]]:
    """Run every list-page action of `profile` on `page`, in order (for include_page spiders)."""
    actions = profile.render.actions if profile.render is not None else []
    return [await run_action(page, a, item_selector(profile)) for a in actions]
