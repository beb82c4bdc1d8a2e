"""crawler.browser.actions on real Chromium: every loop stops, however the page behaves."""

from __future__ import annotations

import time

import pytest
from aiohttp import web
from playwright.async_api import TimeoutError as PlaywrightTimeoutError
from playwright.async_api import async_playwright

from crawler.browser import scrapy_settings
from crawler.browser.actions import (
    click_until_gone,
    run_actions,
    scroll,
    wait_for,
    wait_for_content,
    wait_for_count,
)
from crawler.profiles import parse_profile

pytestmark = pytest.mark.browser

# A list whose "more" button adds one entry per click and never goes away, a button that
# does nothing, and entries that appear late: the pages a bounded loop must survive.
PAGE = """<!doctype html><html><body>
<ul id="list"><li class="item">0</li></ul>
<button id="more">more</button>
<button id="dead">dead</button>
<script>
  let n = 1;
  document.getElementById("more").onclick = () => {
    const li = document.createElement("li"); li.className = "item"; li.textContent = n++;
    document.getElementById("list").appendChild(li);
  };
  setTimeout(() => {
    for (let i = 0; i < 3; i++) {
      const li = document.createElement("li"); li.className = "late"; li.textContent = i;
      document.body.appendChild(li);
    }
  }, 300);
</script></body></html>"""


@pytest.fixture
async def site():
    async def page(request: web.Request) -> web.Response:
        return web.Response(text=PAGE, content_type="text/html")

    async def gone(request: web.Request) -> web.Response:
        return web.Response(text="<p>removed</p>", content_type="text/html", status=404)

    app = web.Application()
    app.router.add_get("/", page)
    app.router.add_get("/gone", gone)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}"
    finally:
        await runner.cleanup()


def profile(actions: list[dict]):
    return parse_profile(
        {
            "name": "p",
            "base_url": "http://127.0.0.1:9",
            "network": "js",
            "category": "social",
            "seeds": ["/"],
            "list": {"item": "li.item", "link": "a::attr(href)"},
            "detail": {"fields": {"title": "h1::text"}},
            "render": {"actions": actions},
        }  # fmt: skip
    )


@pytest.fixture
async def page(site):
    launch = scrapy_settings(profile([]), {})["PLAYWRIGHT_LAUNCH_OPTIONS"]
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(**launch)
        try:
            pg = await browser.new_page()
            await pg.goto(site + "/")
            yield pg
        finally:
            await browser.close()


async def test_click_until_gone_stops_after_times_clicks_when_the_button_stays(page):
    result = await click_until_gone(page, "#more", "li.item", times=3, timeout_ms=3000)
    assert result == {"action": "click_until_gone", "clicks": 3, "gone": False}
    assert await page.locator("li.item").count() == 4


async def test_click_until_gone_gives_up_on_a_button_that_loads_nothing(page):
    start = time.monotonic()
    result = await click_until_gone(page, "#dead", "li.item", times=50, timeout_ms=500)
    assert result["clicks"] == 0
    assert time.monotonic() - start < 5  # one timeout, not fifty


async def test_click_until_gone_without_the_button_does_nothing(page):
    result = await click_until_gone(page, "#absent", "li.item", times=5, timeout_ms=500)
    assert result == {"action": "click_until_gone", "clicks": 0, "gone": True}


async def test_scroll_stops_when_nothing_new_loads(page):
    start = time.monotonic()
    result = await scroll(page, "li.item", times=20, timeout_ms=400)
    assert result["steps"] == 0 and result["count"] == 1
    assert time.monotonic() - start < 5


async def test_wait_for_count_returns_when_enough_and_tolerates_too_few(page):
    assert (await wait_for_count(page, "li.late", 3, 5000))["count"] == 3
    start = time.monotonic()
    assert (await wait_for_count(page, "li.late", 10, 500))["count"] == 3
    assert time.monotonic() - start < 3


async def test_wait_for_a_missing_selector_fails_the_page(page):
    with pytest.raises(PlaywrightTimeoutError):
        await wait_for(page, "article.never", 300)


async def test_wait_for_content_returns_at_once_on_an_error_page(page, site):
    await page.goto(site + "/gone")
    start = time.monotonic()
    assert (await wait_for_content(page, "h1", 10000))["status"] == 404
    assert time.monotonic() - start < 2


async def test_run_actions_runs_the_profile_in_order(page):
    p = profile(
        [
            {"action": "wait_for", "selector": "li.item"},
            {"action": "click_until_gone", "selector": "#more", "times": 2, "timeout_ms": 3000},
            {"action": "wait_for_count", "times": 3, "timeout_ms": 2000},
        ]
    )
    results = await run_actions(page, p)
    assert [r["action"] for r in results] == ["wait_for", "click_until_gone", "wait_for_count"]
    assert results[-1]["count"] == 3  # wait_for_count counted list.item by default
