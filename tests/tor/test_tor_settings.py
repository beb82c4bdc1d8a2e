"""crawler.tor.scrapy_settings: what a tor or strict crawl adds to the Scrapy settings."""

from __future__ import annotations

import pytest

from crawler.profiles import load_profile
from crawler.tor import HANDLER, TorConfigError, scrapy_settings, tor_endpoint
from crawler.tor.handler import StrictTorBlocked

PROFILES = "crawler/platforms"


def onion_profile():  # type: ignore[no-untyped-def]
    return load_profile(f"{PROFILES}/demo-onion-market.yaml", environ={})


def clearnet_profile():  # type: ignore[no-untyped-def]
    return load_profile(f"{PROFILES}/demo-classifieds.yaml", environ={})


def test_onion_profile_routes_http_and_https_through_the_tor_handler_strictly():
    from crawler.config import crawler_settings
    from crawler.crawl.settings import profile_settings
    from crawler.tor import TorConfig

    settings = crawler_settings(
        {"TOR_SOCKS_URL": "socks5h://127.0.0.1:9999", "TOR_CONTROL_PORT": "9998"}
    )
    s = scrapy_settings(onion_profile(), settings)
    others = {"ftp": None, "s3": None, "file": None, "data": None}
    assert s["DOWNLOAD_HANDLERS"] == {"http": HANDLER, "https": HANDLER, **others}
    settings.setdict(profile_settings(onion_profile(), settings), priority="spider")
    endpoint = TorConfig.from_settings(settings).endpoint
    assert (endpoint.socks_port, endpoint.control_port) == (9999, 9998)
    assert s["TOR_STRICT"] is True and s["TOR_ISOLATION_KEY"] == "demo-onion-market"
    assert s["RETRY_TIMES"] >= 5 and s["DOWNLOAD_TIMEOUT"] >= 60
    assert s["CONCURRENT_REQUESTS"] <= 8
    assert "crawler" not in s["USER_AGENT"].lower() and "flagwatch" not in s["USER_AGENT"].lower()


def test_tor_strict_environment_makes_a_clearnet_crawl_strict():
    assert scrapy_settings(clearnet_profile(), {"TOR_STRICT": "1"})["TOR_STRICT"] is True
    assert scrapy_settings(clearnet_profile(), {})["TOR_STRICT"] is False


@pytest.mark.parametrize(
    ("env", "field"),
    [
        ({"TOR_SOCKS_URL": "http://127.0.0.1:9050"}, "TOR_SOCKS_URL"),
        ({"TOR_SOCKS_URL": "socks5h://127.0.0.1"}, "TOR_SOCKS_URL"),
        ({"TOR_CONTROL_PORT": "nine"}, "TOR_CONTROL_PORT"),
    ],
)
def test_bad_tor_environment_names_the_variable(env, field):
    with pytest.raises(TorConfigError, match=field):
        tor_endpoint(env)


async def test_strict_handler_without_tor_refuses_without_sending(handler_crawler):
    from scrapy import Request

    from crawler.tor.handler import TorDownloadHandler
    from crawler.tor.private_network import free_ports

    closed = free_ports(1)[0]
    crawler = handler_crawler(
        {"TOR_SOCKS_URL": f"socks5h://127.0.0.1:{closed}", "TOR_STRICT": True}
    )
    handler = TorDownloadHandler.from_crawler(crawler)
    try:
        for path in ("a", "b", "c"):
            with pytest.raises(StrictTorBlocked, match="strict OPSEC"):
                await handler.download_request(Request(f"https://example.org/{path}"))
    finally:
        await handler.close()
    assert crawler.stats.get_value("tor/strict/blocked") == 3
    assert crawler.stats.get_value("tor/request_count") is None
