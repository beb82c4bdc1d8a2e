"""`crawler login` of a tor platform: the window reaches the onion service through tor.

The whole story on the tor route: an unattended crawl of the onion twin meets a CAPTCHA and
ends needs_login with one alert; the analyst logs in by hand in the window (through tor);
the next crawl runs on that session and stores every thread.

The members-only demo site's onion twin (`demo-members-onion`) is only reachable through
the private tor network's onion service: a login that ends with a session for the .onion
host, served as a member's through tor, went through tor. The analyst's typing is done
with xdotool in the real Chromium window on a virtual display (crawler.testing.xvfb).
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp_socks import ProxyConnector, ProxyType

from crawler.demo.world import DemoWorldThread
from crawler.testing.crawls import run_crawl, stored_listings
from crawler.testing.xvfb import Xdotool, XvfbDisplay, log_in_as_member, running_xvfb
from crawler.tor.private_network import TorTestNetwork

pytestmark = [pytest.mark.tor, pytest.mark.browser]

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def display() -> Iterator[XvfbDisplay]:
    with running_xvfb() as xvfb:
        yield xvfb


async def _board(socks_url: str, base: str, cookies: list[dict]) -> str:
    parts = urlsplit(socks_url)
    connector = ProxyConnector(
        proxy_type=ProxyType.SOCKS5, host=parts.hostname, port=parts.port, rdns=True
    )
    header = "; ".join(f"{c['name']}={c['value']}" for c in cookies)
    async with (
        aiohttp.ClientSession(
            connector=connector, timeout=aiohttp.ClientTimeout(total=60)
        ) as session,
        session.get(base + "/board", headers={"Cookie": header}) as resp,
    ):
        return await resp.text()


def test_the_window_of_a_tor_platform_logs_in_through_tor(
    tornet: TorTestNetwork,
    tor_world: DemoWorldThread,
    tor_env: dict[str, str],
    display: XvfbDisplay,
    tmp_path: Path,
) -> None:
    # The unattended crawl meets a CAPTCHA on the onion's login page: needs_login.
    crawl_env = {
        **tor_env,
        "AUTH_SESSIONS_DIR": str(tmp_path / "sessions"),
        "ALERTS_RULES": str(ROOT / "rules"),
    }
    tor_world.members.captcha_always = True
    try:
        blocked = run_crawl("demo-members-onion", crawl_env, timeout=300)
    finally:
        tor_world.members.captcha_always = False
    assert blocked.returncode == 6, blocked.output[-3000:]
    assert "crawler login demo-members-onion" in blocked.output
    tor_world.members.captcha_always = True  # the window shows it to the analyst
    env = display.env(crawl_env)
    for name in ("DEMO_MEMBERS_USERNAME", "DEMO_MEMBERS_PASSWORD", "DEMO_MEMBERS_PIN"):
        env.pop(name, None)  # the analyst types them
    base = env["DEMO_MEMBERS_ONION_URL"]
    out = tmp_path / "out.txt"
    account = tor_world.members.account
    with out.open("w") as f:
        proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "login", "demo-members-onion", "--timeout", "120"],
            env=env,
            stdout=f,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        try:
            deadline = time.monotonic() + 90
            while "A Chromium window is open" not in out.read_text():
                assert proc.poll() is None, out.read_text()[-2000:]
                assert time.monotonic() < deadline, out.read_text()[-2000:]
                time.sleep(0.1)
            log_in_as_member(Xdotool(str(display.display)), tor_world.members, pin_timeout=60)
            code = proc.wait(90)
        finally:
            tor_world.members.captcha_always = False
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    output = out.read_text()
    assert code == 0, output[-3000:]
    session_file = tmp_path / "sessions" / "demo-members-onion.json"
    assert f"saved to {session_file}" in output
    saved = json.loads(session_file.read_text())
    onion_host = urlsplit(base).hostname
    assert {c["domain"] for c in saved["cookies"]} == {onion_host}
    assert saved["flagwatch"]["source"] == "human"
    page = asyncio.run(_board(tornet.socks_url, base, saved["cookies"]))
    assert 'class="logout"' in page
    # The next crawl runs on the analyst's session, through tor: no login, every thread.
    posts = tor_world.members.login_posts
    after = run_crawl("demo-members-onion", crawl_env, timeout=300)
    assert after.returncode == 0, after.output[-3000:]
    assert tor_world.members.login_posts == posts
    truth = {t.path for t in tor_world.ground_truth()["demo-members"]}
    stored = stored_listings(crawl_env, "demo-members-onion")
    assert {urlsplit(lst.url).path for lst in stored} == truth
    alerts_file = Path(crawl_env["CRAWLER_DATA_DIR"]) / "alerts.jsonl"
    alerts = [json.loads(line)["alert"] for line in alerts_file.read_text().splitlines() if line]
    assert sum("needs_login" in str(a) for a in alerts) == 1, alerts
    for value in [account.username, account.password, account.pin or ""] + [
        c["value"] for c in saved["cookies"]
    ]:
        assert not value or value not in output
