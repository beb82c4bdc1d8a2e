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
    from scrapy import signals

    from crawler.crawl import scope as scope_mod

    crawler = get_crawler(settings_dict={"CRAWL_SCOPE": LOCAL.to_setting()})
    crawler.stats.open_spider()
    before = len(scope_mod._REGISTERED)
    mw = ScopeMiddleware.from_crawler(crawler)
    assert scope_mod._REGISTERED[-1] is mw.scope  # the resolver knows the crawl's scope
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
    crawler.signals.send_catch_log(signals.engine_stopped)
    assert len(scope_mod._REGISTERED) == before  # and forgets it when the crawl ends


# Addresses a name in scope may resolve to (DNS rebinding, crawler.crawl.scope.address_refusal):
# only global ones, unless the profile's own base_url is a special address.
RESOLVED = [
    ("93.184.215.14", None),  # a public address
    ("2606:2800:21f:cb07:6820:80da:af6b:8b2c", None),  # a public IPv6 address
    ("127.0.0.1", "resolved_special"),
    ("127.8.9.10", "resolved_special"),  # all of 127/8 is loopback
    ("10.1.2.3", "resolved_special"),
    ("172.16.5.4", "resolved_special"),
    ("192.168.1.1", "resolved_special"),  # the investigator's router
    ("169.254.169.254", "resolved_special"),  # a cloud metadata service
    ("100.64.0.1", "resolved_special"),  # carrier-grade NAT
    ("0.0.0.0", "resolved_special"),
    ("::1", "resolved_special"),
    ("::ffff:127.0.0.1", "resolved_special"),  # IPv4-mapped loopback
    ("::ffff:10.0.0.1", "resolved_special"),
    ("fe80::1%eth0", "resolved_special"),  # link-local with a zone
    ("fd00::1", "resolved_special"),  # unique local
    ("not an address", "resolved_special"),
]


@pytest.mark.parametrize(("address", "expected"), RESOLVED)
def test_a_resolved_address_must_be_public(address, expected):
    from crawler.crawl.scope import address_refusal

    assert address_refusal(address, allow_special=False) == expected
    assert address_refusal(address, allow_special=True) is None  # base_url on 127.0.0.1


def test_the_resolver_allows_special_answers_only_to_names_of_a_local_scope():
    from crawler.crawl import scope as scope_mod

    saved = list(scope_mod._REGISTERED)
    try:
        scope_mod._REGISTERED[:] = [PUBLIC]
        with pytest.raises(scope_mod.ResolvedOutOfScope):
            scope_mod._checked_answer("127.0.0.1", "example.org")
        assert "example.org" in scope_mod.refused_names()
        assert scope_mod._checked_answer("93.184.215.14", "example.org") == "93.184.215.14"
        # An address literal is the URL rule's business.
        assert scope_mod._checked_answer("127.0.0.1", "127.0.0.1") == "127.0.0.1"
        # A profile on a special address may use names that resolve there (its own only).
        local_named = PlatformScope(
            origins=frozenset({("127.0.0.1", 8701), ("box.lan", None)}), allow_special=True
        )
        scope_mod._REGISTERED[:] = [PUBLIC, local_named]
        assert scope_mod._checked_answer("10.0.0.5", "box.lan") == "10.0.0.5"
        with pytest.raises(scope_mod.ResolvedOutOfScope):
            scope_mod._checked_answer("10.0.0.5", "example.org")
        scope_mod._REGISTERED[:] = [None]  # a crawl without a scope: only the scheme rule
        assert scope_mod._checked_answer("10.0.0.5", "example.org") == "10.0.0.5"
    finally:
        scope_mod._REGISTERED[:] = saved
