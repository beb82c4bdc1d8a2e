"""crawler.browser: the Scrapy settings and request meta a profile implies."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from crawler.browser import (
    abort_media_request,
    check_render,
    needs_browser,
    request_meta,
    scrapy_settings,
)
from crawler.profiles import ProfileError, load_profile, parse_profile

PLATFORMS = Path(__file__).resolve().parents[2] / "crawler" / "platforms"


def social(**changes):
    p = load_profile(PLATFORMS / "demo-social.yaml", {"DEMO_SOCIAL_URL": "http://127.0.0.1:9"})
    return p.model_copy(update=changes)


def test_settings_use_debian_chromium_headless_with_quiet_flags_and_one_context():
    s = scrapy_settings(social(), {})
    launch = s["PLAYWRIGHT_LAUNCH_OPTIONS"]
    assert launch["executable_path"] == "/usr/lib/chromium/chromium"
    assert launch["headless"] is True
    for flag in ("--no-sandbox", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic"):  # fmt: skip
        assert flag in launch["args"]
    assert s["DOWNLOAD_HANDLERS"]["http"] == s["DOWNLOAD_HANDLERS"]["https"]
    assert list(s["PLAYWRIGHT_CONTEXTS"]) == ["demo-social"]
    assert "proxy" not in s["PLAYWRIGHT_CONTEXTS"]["demo-social"]
    assert s["PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"] == 4  # the profile's concurrency
    assert s["PLAYWRIGHT_ABORT_REQUEST"] == "crawler.browser.abort_media_request"
    assert s["BROWSER_TOR_ROUTED"] is False and s["BROWSER_DIRECT_HANDLER"] is None
    assert "crawler.crawl.media.MediaBlockMiddleware" in s["DOWNLOADER_MIDDLEWARES"]


def test_environment_overrides_and_bad_values_name_the_variable():
    s = scrapy_settings(
        social(), {"BROWSER_EXECUTABLE_PATH": "/opt/chromium", "BROWSER_MAX_PAGES": "2"}
    )
    assert s["PLAYWRIGHT_LAUNCH_OPTIONS"]["executable_path"] == "/opt/chromium"
    assert s["PLAYWRIGHT_MAX_PAGES_PER_CONTEXT"] == 2
    with pytest.raises(ValueError, match="BROWSER_MAX_PAGES"):
        scrapy_settings(social(), {"BROWSER_MAX_PAGES": "many"})
    with pytest.raises(ValueError, match="TOR_SOCKS_URL"):
        scrapy_settings(social(tor=social().tor.model_copy(update={"strict": True})),
                        {"TOR_SOCKS_URL": "http://127.0.0.1:8118"})  # fmt: skip


@pytest.mark.parametrize(
    ("env", "strict"),
    [({"TOR_SOCKS_URL": "socks5h://user:pw@127.0.0.1:9150"}, True), ({"TOR_STRICT": "1"}, False)],
)
def test_tor_routed_profiles_get_the_socks_proxy_in_settings_and_every_request(env, strict):
    p = social(tor=social().tor.model_copy(update={"strict": strict}))
    s = scrapy_settings(p, env)
    ctx = s["PLAYWRIGHT_CONTEXTS"]["demo-social"]
    expected = "socks5://127.0.0.1:9150" if "TOR_SOCKS_URL" in env else "socks5://127.0.0.1:9050"
    assert ctx["proxy"] == {"server": expected}  # Chromium cannot send SOCKS credentials
    assert s["BROWSER_TOR_ROUTED"] is True
    # robots.txt and other requests that skip the browser go through Tor's handler.
    assert s["BROWSER_DIRECT_HANDLER"] == "crawler.tor.handler.TorDownloadHandler"
    assert any(
        a.startswith("--force-webrtc-ip-handling-policy")
        for a in s["PLAYWRIGHT_LAUNCH_OPTIONS"]["args"]
    )
    # A context re-created after a browser crash comes from the request: it keeps the proxy.
    for kind in ("list", "detail"):
        assert request_meta(p, kind, env)["playwright_context_kwargs"]["proxy"] == {
            "server": expected
        }


def test_request_meta_runs_the_profile_actions_on_lists_and_waits_for_content_on_details():
    p = social()
    lst, det = request_meta(p, "list", {}), request_meta(p, "detail", {})
    assert lst["playwright"] and lst["playwright_context"] == "demo-social"
    assert [m.args[0].action for m in lst["playwright_page_methods"]] == [
        "wait_for", "scroll", "click_until_gone",
    ]  # fmt: skip
    assert len(det["playwright_page_methods"]) == 1
    assert det["playwright_page_methods"][0].method.keywords["selector"] == "h1.headline"
    no_detail = p.model_copy(
        update={"render": p.render.model_copy(update={"render_detail": False})}
    )
    assert request_meta(no_detail, "detail", {}) == {}
    with pytest.raises(ValueError):
        request_meta(p, "api", {})


def test_api_and_clearnet_profiles_need_no_browser():
    api = load_profile(PLATFORMS / "demo-social-api.yaml", {})
    assert not needs_browser(api)
    assert request_meta(api, "list", {}) == {}
    assert needs_browser(social())


@pytest.mark.parametrize(
    ("action", "reason"),
    [
        ({"action": "click_until_gone"}, "needs the button"),
        ({"action": "wait_for", "selector": "div[["}, "does not compile"),
    ],
)
def test_render_actions_that_cannot_run_are_refused_with_file_and_field(action, reason):
    data = {
        "name": "x", "base_url": "http://127.0.0.1:9", "network": "js", "category": "social",
        "seeds": ["/"], "list": {"item": "li", "link": "a::attr(href)"},
        "detail": {"fields": {"title": "h1::text"}},
        "render": {"actions": [{"action": "wait_for", "selector": "li"}, action]},
    }  # fmt: skip
    p = parse_profile(data, "x.yaml")
    with pytest.raises(ProfileError, match=rf"x\.yaml: render\.actions\.1\.selector: .*{reason}"):
        check_render(p)
    with pytest.raises(ProfileError):
        scrapy_settings(p, {})


@dataclass
class BrowserRequest:
    """What PLAYWRIGHT_ABORT_REQUEST receives: a resource type and a URL."""

    resource_type: str
    url: str


@pytest.mark.parametrize(
    ("resource_type", "url", "aborted"),
    [
        ("image", "http://h/img/1", True),
        ("media", "http://h/v", True),
        ("font", "http://h/f", True),
        ("fetch", "http://h/avatar.png", True),  # an image fetched by script is still an image
        ("document", "http://h/post/1", False),
        ("script", "http://h/static/app.js", False),
        ("fetch", "http://h/api/posts", False),
        ("stylesheet", "http://h/s.css", False),
    ],
)
def test_abort_media_request(resource_type, url, aborted):
    assert abort_media_request(BrowserRequest(resource_type, url)) is aborted
