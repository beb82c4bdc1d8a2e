"""`crawler login PLATFORM`: the analyst logs in by hand, and the platform serves the saved
session as a member's.

The window tests run the real command as a process with Debian's Chromium in a visible
window on a virtual display (Xvfb, crawler.testing.xvfb) and type into it with xdotool as
an analyst would: the demo members site shows a CAPTCHA on every login page
(`captcha_always`), which only a person can read, then asks for the account's PIN. The
account's variables are removed from the command's environment: what logs in is what was
typed. The import test brings a cookies.txt of a real session (logged in over plain HTTP
here) mixed with another site's cookie.
"""

from __future__ import annotations

import http.cookiejar
import json
import os
import stat
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from parsel import Selector

from crawler.cli.main import main
from crawler.demo.world import DemoWorldThread
from crawler.testing.crawls import CrawlRun, crawl_env, run_crawl, running_world, stored_listings
from crawler.testing.xvfb import Xdotool, XvfbDisplay, log_in_as_member, running_xvfb

ROOT = Path(__file__).resolve().parents[2]
ACCOUNT_VARIABLES = ("DEMO_MEMBERS_USERNAME", "DEMO_MEMBERS_PASSWORD", "DEMO_MEMBERS_PIN")


@pytest.fixture(scope="module")
def members() -> Iterator[DemoWorldThread]:
    """demo-members with a CAPTCHA on every login page."""
    with running_world(seed=7, size=10, platforms=["demo-members"]) as world:
        world.members.captcha_always = True
        yield world


@pytest.fixture(scope="module")
def display() -> Iterator[XvfbDisplay]:
    with running_xvfb() as xvfb:
        yield xvfb


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def member_page(world: DemoWorldThread, session_file: Path) -> str:
    """/board fetched over plain HTTP with the cookies of a saved session."""
    state = json.loads(session_file.read_text())
    cookie = "; ".join(f"{c['name']}={c['value']}" for c in state["cookies"])
    request = urllib.request.Request(
        world.urls["demo-members"] + "/board", headers={"Cookie": cookie}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.read().decode()


def secrets_of(world: DemoWorldThread, session_file: Path | None = None) -> list[str]:
    account = world.members.account
    values = [account.username, account.password, account.pin or ""]
    if session_file is not None and session_file.exists():
        values += [c["value"] for c in json.loads(session_file.read_text())["cookies"]]
    return [v for v in values if len(v) >= 6]


class LoginCommand:
    """`crawler login PLATFORM` as a process on the virtual display."""

    def __init__(self, env: dict[str, str], out: Path, *args: str) -> None:
        self.out = out
        self._file = out.open("w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawler", "login", *args],
            env=env,
            stdout=self._file,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )

    @property
    def output(self) -> str:
        return self.out.read_text()

    def wait_for_output(self, text: str, timeout: float = 40.0) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.output:
            if self.proc.poll() is not None:
                pytest.fail(f"crawler login exited ({self.proc.returncode}): {self.output[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"no {text!r} within {timeout:.0f} s: {self.output[-2000:]}")
            time.sleep(0.05)

    def wait(self, timeout: float = 60.0) -> int:
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pytest.fail(f"crawler login still running after {timeout:.0f} s: {self.output[-2000:]}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self._file.close()


def login_env(world: DemoWorldThread, display: XvfbDisplay, tmp: Path) -> dict[str, str]:
    env = crawl_env(world, tmp / "data", {"AUTH_SESSIONS_DIR": str(tmp / "sessions")})
    for name in ACCOUNT_VARIABLES:  # the analyst types them: the command never reads them
        env.pop(name, None)
    return display.env(env)


@dataclass
class Chain:
    """The whole human-in-the-loop story in one data directory."""

    blocked: CrawlRun  # the unattended crawl that met the CAPTCHA
    code: int  # `crawler login`'s exit code
    output: str  # ... and its output
    sessions: Path
    logins: int  # successful logins the window made on the site
    after: CrawlRun  # the crawl after the analyst logged in
    after_posts: int  # login POSTs that crawl sent
    crawl_env: dict[str, str] = field(default_factory=dict)


@pytest.fixture(scope="module")
def window_login(
    members: DemoWorldThread, display: XvfbDisplay, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Chain]:
    """A crawl meets the CAPTCHA (needs_login), the analyst runs `crawler login demo-members`
    and types into the window, then the next crawl runs on the saved session."""
    tmp = tmp_path_factory.mktemp("window-login")
    env = crawl_env(
        members,
        tmp / "data",
        {"AUTH_SESSIONS_DIR": str(tmp / "sessions"), "ALERTS_RULES": str(ROOT / "rules")},
    )
    blocked = run_crawl("demo-members", env, timeout=180)
    logins_before = members.members.logins
    command = LoginCommand(login_env(members, display, tmp), tmp / "out.txt", "demo-members")
    try:
        command.wait_for_output("A Chromium window is open")
        log_in_as_member(Xdotool(str(display.display)), members.members)
        code = command.wait()
    finally:
        command.stop()
    logins = members.members.logins - logins_before
    posts = members.members.login_posts
    after = run_crawl("demo-members", env, timeout=180)
    yield Chain(
        blocked, code, command.output, tmp / "sessions", logins, after,
        members.members.login_posts - posts, env,
    )  # fmt: skip


@pytest.mark.browser
def test_captcha_stops_the_crawl_the_analyst_logs_in_and_the_next_crawl_succeeds(
    members: DemoWorldThread, window_login: Chain
) -> None:
    chain = window_login
    # The unattended crawl met the CAPTCHA: needs_login, told what to run, one alert.
    assert chain.blocked.returncode == 6, chain.blocked.output[-3000:]
    assert "crawler login demo-members" in chain.blocked.output
    assert chain.code == 0, chain.output[-3000:]
    # The next crawl: the analyst's session, no login POST, every listing stored.
    assert chain.after.returncode == 0, chain.after.output[-3000:]
    assert chain.after_posts == 0
    truth = {g.path for g in members.ground_truth()["demo-members"]}
    stored = stored_listings(chain.crawl_env, "demo-members")
    assert {urlsplit(lst.url).path for lst in stored} == truth
    alerts_file = Path(chain.crawl_env["CRAWLER_DATA_DIR"]) / "alerts.jsonl"
    alerts = [json.loads(line)["alert"] for line in alerts_file.read_text().splitlines() if line]
    assert sum("needs_login" in str(a) for a in alerts) == 1, alerts


@pytest.mark.browser
def test_the_session_made_in_the_window_is_saved_and_served_as_a_member(
    members: DemoWorldThread, window_login: Chain
) -> None:
    code, output, sessions, logins = (
        window_login.code,
        window_login.output,
        window_login.sessions,
        window_login.logins,
    )
    assert code == 0, output[-3000:]
    session_file = sessions / "demo-members.json"
    assert f"saved to {session_file}" in output
    assert "the next crawl of demo-members uses it" in output
    assert logins == 1  # one login, by hand, CAPTCHA and PIN included
    assert _mode(session_file) == 0o600
    assert _mode(sessions) == 0o700
    saved = json.loads(session_file.read_text())
    assert saved["flagwatch"]["source"] == "human"
    assert {c["domain"] for c in saved["cookies"]} == {"127.0.0.1"}
    assert 'class="logout"' in member_page(members, session_file)


@pytest.mark.browser
def test_nothing_typed_and_no_cookie_value_reaches_the_terminal(
    members: DemoWorldThread, window_login: Chain
) -> None:
    code, output, sessions = window_login.code, window_login.output, window_login.sessions
    assert code == 0
    leaked = [v for v in secrets_of(members, sessions / "demo-members.json") if v in output]
    assert leaked == []
    assert "Traceback" not in output


@pytest.mark.browser
def test_closing_the_window_saves_nothing(
    members: DemoWorldThread, display: XvfbDisplay, tmp_path: Path
) -> None:
    command = LoginCommand(
        login_env(members, display, tmp_path), tmp_path / "out.txt", "demo-members"
    )
    try:
        command.wait_for_output("A Chromium window is open")
        xdo = Xdotool(str(display.display))
        window = xdo.wait_for_window(name="^Members login")[-1]
        xdo.close(window)
        code = command.wait()
    finally:
        command.stop()
    assert code == 1, command.output[-3000:]
    assert "the window was closed" in command.output
    assert "nothing saved" in command.output
    assert not (tmp_path / "sessions" / "demo-members.json").exists()
    xdo.wait_for_window(name="^Members login", gone=True, timeout=10)


@pytest.mark.browser
def test_no_login_before_the_timeout_saves_nothing_and_keeps_the_stored_session(
    members: DemoWorldThread, display: XvfbDisplay, tmp_path: Path
) -> None:
    from crawler.auth.sessions import SessionStore

    earlier = SessionStore(tmp_path / "sessions").save(
        "demo-members", {"cookies": [], "origins": []}, "import", now=1000.0
    )
    before = earlier.path.read_bytes()
    command = LoginCommand(
        login_env(members, display, tmp_path),
        tmp_path / "out.txt",
        "demo-members",
        "--timeout",
        "1",
    )
    try:
        code = command.wait()
    finally:
        command.stop()
    assert code == 1, command.output[-3000:]
    assert "no login seen on demo-members within 1 s: nothing saved" in command.output
    assert earlier.path.read_bytes() == before


# -- --import and the errors (in this process: no browser) -------------------------------------


def http_login(world: DemoWorldThread) -> http.cookiejar.CookieJar:
    """A member's session over plain HTTP (the CAPTCHA word read from the world)."""
    base = world.urls["demo-members"]
    account = world.members.account
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login", timeout=10).read().decode()
    csrf = Selector(text=page).css("form#login input[name=csrf]::attr(value)").get()
    form = {
        "csrf": csrf or "",
        "username": account.username,
        "password": account.password,
        "captcha": world.members.captcha_word,
    }
    page = opener.open(base + "/login", urlencode(form).encode(), timeout=10).read().decode()
    assert 'id="pin"' in page
    page = opener.open(base + "/login/pin", urlencode({"pin": account.pin}).encode(), timeout=10)
    assert 'class="logout"' in page.read().decode()
    return jar


def cookies_txt(jar: http.cookiejar.CookieJar) -> str:
    """The jar as curl writes a cookies.txt (#HttpOnly_ lines, expiry 0 for session cookies)."""
    lines = ["# Netscape HTTP Cookie File"]
    for c in jar:
        prefix = "#HttpOnly_" if c.has_nonstandard_attr("HttpOnly") else ""
        flag = "TRUE" if c.domain.startswith(".") else "FALSE"
        secure = "TRUE" if c.secure else "FALSE"
        lines.append(
            f"{prefix}{c.domain}\t{flag}\t{c.path}\t{secure}\t{c.expires or 0}\t{c.name}\t{c.value}"
        )
    return "\n".join(lines) + "\n"


def test_import_keeps_only_the_platforms_cookies_and_the_site_serves_them(
    members: DemoWorldThread,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    jar = http_login(members)
    cookie_file = tmp_path / "cookies.txt"
    cookie_file.write_text(
        cookies_txt(jar)
        + ".tracker.example.org\tTRUE\t/\tFALSE\t0\tvisitor\tforeign-cookie-value\n"
    )
    for name, value in members.env().items():
        monkeypatch.setenv(name, value)
    sessions = tmp_path / "sessions"
    monkeypatch.setenv("AUTH_SESSIONS_DIR", str(sessions))
    monkeypatch.setenv("CRAWLER_DATA_DIR", str(tmp_path / "data"))

    code = main(["login", "demo-members", "--import", str(cookie_file)])

    out = capsys.readouterr()
    session_file = sessions / "demo-members.json"
    assert code == 0, out.err
    assert "1 dropped (not the platform's hosts: tracker.example.org)" in out.out
    assert f"saved to {session_file}" in out.out
    assert _mode(session_file) == 0o600
    saved = json.loads(session_file.read_text())
    assert saved["flagwatch"]["source"] == "import"
    assert {c["domain"] for c in saved["cookies"]} == {"127.0.0.1"}
    assert "members_sid" in {c["name"] for c in saved["cookies"]}
    assert 'class="logout"' in member_page(members, session_file)
    values = [c.value for c in jar if c.value] + ["foreign-cookie-value"]
    assert [v for v in values if v in out.out + out.err] == []


def _run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str]:
    monkeypatch.delenv("DEMO_MEMBERS_URL", raising=False)
    code = main(["login", *args])
    out = capsys.readouterr()
    assert "Traceback" not in out.out + out.err
    return code, out.err


@pytest.mark.parametrize(
    ("args", "env", "expected"),
    [
        (["no-such-platform"], {}, "unknown platform 'no-such-platform'"),
        (["demo-classifieds"], {}, "demo-classifieds has no auth section"),
        (["demo-members"], {"DISPLAY": None}, "DISPLAY: not set"),
        (["demo-members", "--import", "/nonexistent/cookies.txt"], {}, "cookies.txt"),
        (["demo-members", "--timeout", "0"], {}, "--timeout must be more than 0"),
        # A tor profile's window never goes around tor: no tor, no window.
        (["demo-members-onion"], {"TOR_SOCKS_URL": "socks5h://127.0.0.1:9"}, "does not answer"),
    ],
)
def test_what_cannot_run_says_why_in_one_line_and_exits_2(
    args: list[str],
    env: dict[str, str | None],
    expected: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("AUTH_SESSIONS_DIR", str(tmp_path / "sessions"))
    monkeypatch.setenv("DISPLAY", os.environ.get("DISPLAY") or ":99")
    for name, value in env.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    code, err = _run(monkeypatch, capsys, *args)
    assert code == 2
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and expected in lines[0], err
    assert not (tmp_path / "sessions").exists()


# -- which cookies belong to a platform (pure) -------------------------------------------------

SCOPE_PROFILE = {
    "name": "members-forum",
    "base_url": "http://forum.example.org:8080",
    "allowed_hosts": ["*.cdn-members.test"],
    "category": "forum",
    "seeds": ["/board"],
    "list": {"item": "li", "link": "a::attr(href)"},
    "detail": {"fields": {"title": "h1"}},
}


@pytest.mark.parametrize(
    ("domain", "kept"),
    [
        ("forum.example.org", True),  # the host itself (ports do not matter to cookies)
        (".forum.example.org", True),
        (".example.org", True),  # a domain cookie sent to the platform's host
        ("FORUM.EXAMPLE.ORG", True),
        ("example.org", False),  # a host cookie of another host
        ("other.example.org", False),  # a sibling host: not the platform's
        ("tracker.example.com", False),
        (".org", False),  # a bare top-level domain never matches what is under it
        ("org", False),
        ("img.cdn-members.test", True),  # the profile's *.domain entry
        ("cdn-members.test", False),  # *.domain is the hosts under it, not itself
        (".cdn-members.test", True),  # ... but its domain cookies reach them
        ("evilcdn-members.test", False),
        ("", False),
    ],
)
def test_a_cookie_is_kept_only_for_the_platforms_hosts(domain: str, kept: bool) -> None:
    from crawler.auth.human import cookie_in_scope
    from crawler.crawl.scope import PlatformScope
    from crawler.profiles import parse_profile

    profile = parse_profile(SCOPE_PROFILE, "members-forum.yaml")
    assert cookie_in_scope(domain, PlatformScope.of(profile)) is kept
