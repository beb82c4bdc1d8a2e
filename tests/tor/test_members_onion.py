"""The members-only demo site behind the private network's onion service (a second port).

Through the tor client's SOCKS port, as a tor user's browser: the login form is there, and a
login with its csrf token and PIN gives member pages under the .onion host. The session is
logged out at the end (the site's `logins` count of the shared tor world grows by one).
"""

from __future__ import annotations

import asyncio

import aiohttp
import pytest
from aiohttp_socks import ProxyConnector, ProxyType
from parsel import Selector

from crawler.demo.world import DemoWorldThread
from crawler.tor.private_network import TorTestNetwork

pytestmark = pytest.mark.tor


async def _visit(socks_url: str, base: str, world: DemoWorldThread) -> dict[str, object]:
    host, _, port = socks_url.split("://", 1)[1].rpartition(":")
    connector = ProxyConnector(proxy_type=ProxyType.SOCKS5, host=host, port=int(port), rdns=True)
    seen: dict[str, object] = {}
    async with aiohttp.ClientSession(
        connector=connector, timeout=aiohttp.ClientTimeout(total=60)
    ) as session:
        async with session.get(base + "/login") as resp:
            page = Selector(text=await resp.text())
            seen["login_status"] = resp.status
            seen["form"] = page.css("form#login[method=post][action='/login']").get() is not None
            seen["fields"] = page.css("form#login input::attr(name)").getall()
            csrf = page.css("form#login input[name=csrf]::attr(value)").get() or ""
        account = world.members.account
        form = {"csrf": csrf, "username": account.username, "password": account.password}
        async with session.post(base + "/login", data=form) as resp:
            seen["pin_form"] = Selector(text=await resp.text()).css("form#pin").get() is not None
        async with session.post(
            base + "/login/pin", data={"pin": account.pin or ""}, allow_redirects=False
        ) as resp:
            seen["pin_status"] = resp.status
        async with session.get(base + "/board") as resp:
            board = Selector(text=await resp.text())
            seen["board_status"] = resp.status
            seen["logout_link"] = board.css("a.logout").get() is not None
            seen["threads"] = len(board.css("li.thread"))
        async with session.get(base + "/logout", allow_redirects=False) as resp:
            seen["logout_status"] = resp.status
    return seen


def test_members_site_answers_on_its_onion_port(
    tornet: TorTestNetwork, tor_world: DemoWorldThread, tor_env: dict[str, str]
):
    url = tor_env["DEMO_MEMBERS_ONION_URL"]
    assert url.startswith(tornet.onion_url + ":") and url.endswith(".onion:8080")
    before = len(tor_world.members.requests_log)

    seen = asyncio.run(_visit(tornet.socks_url, url, tor_world))

    assert seen["login_status"] == 200 and seen["form"]
    assert {"csrf", "username", "password"} <= set(seen["fields"])  # type: ignore[arg-type]
    assert seen["pin_form"] and seen["pin_status"] == 302
    assert seen["board_status"] == 200 and seen["logout_link"] and seen["threads"] == 20
    assert seen["logout_status"] == 302
    # It was the members site that answered (not the market on port 80).
    paths = [r.path for r in tor_world.members.requests_log[before:]]
    assert paths == ["/login", "/login", "/login/pin", "/board", "/logout"]
