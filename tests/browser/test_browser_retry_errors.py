"""Which Playwright errors the browser route tries again (crawler.browser.recovery).

A page lost to a dead browser, or to a connection the proxy (tor's SOCKS port) could not
make, is tried again; a page that is itself broken is not.
"""

from __future__ import annotations

import pytest
from playwright.async_api import Error as PlaywrightError

from crawler.browser.recovery import is_browser_gone


@pytest.mark.parametrize(
    ("message", "retried"),
    [
        ("Page.goto: net::ERR_SOCKS_CONNECTION_FAILED at http://x.onion/c/labour", True),
        ("Page.goto: net::ERR_PROXY_CONNECTION_FAILED at http://127.0.0.1:1/", True),
        ("Page.goto: Target crashed", True),
        ("Page.goto: net::ERR_NAME_NOT_RESOLVED at http://nowhere.invalid/", False),
        ("Page.goto: Timeout 30000ms exceeded.", False),
    ],
)
def test_transient_failures_are_tried_again(message, retried):
    assert is_browser_gone(PlaywrightError(message)) is retried
    assert not is_browser_gone(ValueError(message))
