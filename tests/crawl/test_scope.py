"""A platform's scope: which URLs its crawl may request (crawler/crawl/scope.py)."""

from __future__ import annotations

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from crawler.crawl.scope import OutOfScope, PlatformScope, ScopeMiddleware
from crawler.profiles import parse_profile


def profile(base: str, **extra):
    data = {
        "name": "p",
        "base_url": base,
        "category": "classifieds",
        "seeds": ["/"],
        "list": {"item": "li", "link": "a::attr(href)"},
        "detail": {"fields": {"title": "h1"}},
        **extra,
    }
    return parse_profile(data)


LOCAL = PlatformScope.of(profile("http://127.0.0.1:8701"))
PUBLIC = PlatformScope.of(
    profile(
        "https://example.org",
        allowed_hosts=["cdn.example.org", "*.img.example.net", "api.example.org:8443"],
        seeds=["/", "https://m.example.org/list"],
    )
)
ONION = PlatformScope.of(profile("http://exampleonionaddressxyz.onion", network="tor"))

CASES = [
    # (scope, url, reason or None)
    (LOCAL, "http://127.0.0.1:8701/ad/1", None),
    (LOCAL, "file:///proc/self/environ", "scheme"),
    (LOCAL, "data:text/html,<h1>x</h1>", "scheme"),
    (LOCAL, "ftp://127.0.0.1:8701/", "scheme"),
    (LOCAL, "javascript:location='x'", "scheme"),
    (LOCAL, "//127.0.0.1:8702/ad", "scheme"),  # not made absolute: no scheme at all
    (LOCAL, "http://127.0.0.1:8702/ad/1", "host"),  # another port on this machine
    (LOCAL, "http://localhost:8701/ad/1", "host"),  # same server, other name: not in scope
    (LOCAL, "http://[::1]:8701/", "host"),
    (LOCAL, "http://127.0.0.1:8701@127.0.0.1:8702/", "userinfo"),
    (LOCAL, "http://user:pw@127.0.0.1:8701/", "userinfo"),
    (LOCAL, "http://127.0.0.1:8701\\@evil.test/", "userinfo"),
    (LOCAL, "http://127.0.0.1:8701\\evil.test/", "malformed"),
    (LOCAL, "http://127.0.0.1:99999/", "malformed"),
    (LOCAL, "http://victim.example.test:8701/", "host"),
    (PUBLIC, "https://example.org/ad/1", None),
    (PUBLIC, "http://example.org/ad/1", None),  # http on 80 for a host given without port
    (PUBLIC, "https://example.org:8443/", "host"),
    (PUBLIC, "https://m.example.org/list?page=2", None),  # a seed's host
    (PUBLIC, "https://cdn.example.org/x.json", None),
    (PUBLIC, "https://a.img.example.net/x", None),
    (PUBLIC, "https://img.example.net/x", "host"),  # *.domain: subdomains only
    (PUBLIC, "https://api.example.org:8443/v1", None),
    (PUBLIC, "https://api.example.org/v1", "host"),  # given with a port: that port only
    (PUBLIC, "https://evil-example.org/", "host"),
    (PUBLIC, "https://example.org.evil.test/", "host"),
    (PUBLIC, "http://127.0.0.1/", "special_address"),
    (PUBLIC, "http://10.1.2.3/", "special_address"),
    (PUBLIC, "http://169.254.169.254/latest/meta-data/", "special_address"),
    (PUBLIC, "http://[fd00::1]/", "special_address"),
    (PUBLIC, "http://localhost/", "special_address"),
    (PUBLIC, "http://exampleonionaddressxyz.onion/", "onion"),
    (ONION, "http://exampleonionaddressxyz.onion/ad/1", None),
    (ONION, "http://otheronionaddressabc.onion/", "host"),
]


@pytest.mark.parametrize(("scope", "url", "reason"), CASES)
def test_scope_case_table(scope, url, reason):
    assert scope.refusal(url) == reason


def test_the_scope_survives_the_setting_round_trip():
    for scope in (LOCAL, PUBLIC, ONION):
        again = PlatformScope.from_setting(scope.to_setting())
        assert all(again.refusal(url) == s.refusal(url) for s, url, _ in CASES if s is scope)


def test_allowed_hosts_are_checked_when_the_profile_loads():
    from crawler.profiles import ProfileError

    with pytest.raises(ProfileError, match="allowed_hosts.*no scheme, no path"):
        profile("https://example.org", allowed_hosts=["https://cdn.example.org/x"])


def test_middleware_refuses_and_counts_before_any_other_component():
    crawler = get_crawler(settings_dict={"CRAWL_SCOPE": LOCAL.to_setting()})
    crawler.stats.open_spider()
    mw = ScopeMiddleware.from_crawler(crawler)
    assert mw.process_request(Request("http://127.0.0.1:8701/ok")) is None
    with pytest.raises(OutOfScope):
        mw.process_request(Request("http://127.0.0.1:8702/no"))
    with pytest.raises(OutOfScope):
        mw.process_request(Request("http://127.0.0.1:8703/no"))
    stats = crawler.stats.get_stats()
    assert stats["scope/refused"] == 2 and stats["scope/refused/host"] == 2
    from settings import base

    enabled = [kv for kv in base.DOWNLOADER_MIDDLEWARES.items() if kv[1] is not None]
    order = sorted(enabled, key=lambda kv: kv[1])
    assert order[0][0] == "crawler.crawl.scope.ScopeMiddleware"
    assert order[0][1] < 100  # before robots.txt (100) and everything Scrapy ships
