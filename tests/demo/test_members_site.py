"""demo-members, the members-only demo platform, as a browser sees it over plain HTTP.

No crawls: a cookie-keeping urllib client against the world on 127.0.0.1. Each test starts
its own small world, since logins change the site's state (failures, CAPTCHA, lockout).
"""

from __future__ import annotations

import http.cookiejar
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from email.message import Message

import pytest
from parsel import Selector

from crawler.demo.members import (
    FORM_EXPIRED,
    LOCKED,
    WRONG_CAPTCHA,
    WRONG_CREDENTIALS,
    WRONG_PIN,
    MemberRequest,
)
from crawler.demo.world import DemoWorld, DemoWorldThread
from crawler.health.pages import classify_page
from crawler.testing.crawls import running_world

LOGGED_OUT = "Members only: please log in"


@dataclass
class Page:
    status: int
    headers: Message
    text: str

    @property
    def sel(self) -> Selector:
        return Selector(text=self.text)

    @property
    def error(self) -> str | None:
        return self.sel.css("p.error::text").get()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None  # the test sees the 302 itself


class Browser:
    """A cookie-keeping client that does not follow redirects."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.jar = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.jar), _NoRedirect()
        )
        self.pages: list[str] = []

    def _open(self, request: urllib.request.Request) -> Page:
        try:
            with self.opener.open(request, timeout=10) as response:
                page = Page(response.status, response.headers, response.read().decode())
        except urllib.error.HTTPError as exc:
            page = Page(exc.code, exc.headers, exc.read().decode())
        self.pages.append(page.text)
        return page

    def get(self, path: str) -> Page:
        return self._open(urllib.request.Request(self.base + path))

    def post(self, path: str, data: dict[str, str]) -> Page:
        body = urllib.parse.urlencode(data).encode()
        return self._open(urllib.request.Request(self.base + path, data=body, method="POST"))

    def cookie(self, name: str) -> http.cookiejar.Cookie | None:
        return next((c for c in self.jar if c.name == name), None)

    def login_form(self, path: str = "/login") -> dict[str, str]:
        page = self.get(path)
        assert page.status == 200
        return {"csrf": page.sel.css("form#login input[name=csrf]::attr(value)").get() or ""}

    def submit_login(self, username: str, password: str, captcha: str | None = None) -> Page:
        data = {**self.login_form(), "username": username, "password": password}
        if captcha is not None:
            data["captcha"] = captcha
        return self.post("/login", data)


def login(world: DemoWorldThread, browser: Browser, captcha: str | None = None) -> Page:
    """The whole login: form with csrf, password, PIN; returns the page after the PIN."""
    account = world.members.account
    page = browser.submit_login(account.username, account.password, captcha)
    assert page.sel.css("form#pin").get(), page.error
    assert account.pin is not None
    return browser.post("/login/pin", {"pin": account.pin})


@pytest.fixture
def world() -> Iterator[DemoWorldThread]:
    with running_world(seed=3, size=30, platforms=["demo-members"]) as w:
        yield w


@pytest.fixture
def browser(world: DemoWorldThread) -> Browser:
    return Browser(world.urls["demo-members"])


def assert_logged_out(page: Page) -> None:
    assert page.status == 200
    assert LOGGED_OUT in page.text
    assert page.sel.css("form#login input[name=password]").get()
    assert not page.sel.css("li.thread, h1.thread-title, a.logout")


def test_login_with_csrf_and_pin_gives_member_pages_with_listings(world, browser):
    members = world.members
    truth = {t.key: t for t in world.ground_truth()["demo-members"]}
    first_key = next(iter(truth))

    logged_out = browser.get("/board")
    assert_logged_out(logged_out)
    assert_logged_out(browser.get(f"/thread/{first_key}"))

    # The csrf token is required (and bound to the pre-login cookie).
    account = members.account
    page = browser.post("/login", {"username": account.username, "password": account.password})
    assert page.status == 200 and page.error == FORM_EXPIRED
    assert not page.sel.css("form#pin") and browser.cookie("members_sid") is None

    page = browser.submit_login(account.username, account.password)
    assert page.status == 200 and page.sel.css("form#pin input[name=pin]").get()
    assert browser.cookie("members_sid") is None  # not a member before the PIN

    page = browser.post("/login/pin", {"pin": account.pin or ""})
    assert page.status == 302 and page.headers["Location"] == "/board"
    sid = browser.cookie("members_sid")
    assert sid is not None and sid.has_nonstandard_attr("HttpOnly")

    board = browser.get("/board")
    assert board.status == 200 and board.sel.css("a.logout[href='/logout']").get()
    keys = board.sel.css("li.thread span.thread-id::text").getall()
    assert len(keys) == 20 and set(keys) <= set(truth)
    assert board.sel.css("nav.pager a.next::attr(href)").get() == "/board?page=2"
    page2 = browser.get("/board?page=2").sel.css("li.thread span.thread-id::text").getall()
    assert set(keys) | set(page2) == set(truth)

    detail = browser.get(f"/thread/{keys[0]}")
    assert detail.sel.css("a.logout").get()
    # Member pages are ordinary pages; the logged-out one is a login wall.
    base = browser.base
    assert classify_page(200, board.text, base + "/board") is None
    assert classify_page(200, detail.text, f"{base}/thread/{keys[0]}") is None
    wall = classify_page(200, logged_out.text, base + "/board")
    assert wall is not None and wall.kind == "login_wall"
    assert detail.sel.css("h1.thread-title::text").get() == truth[keys[0]].title
    assert detail.sel.css("h1.thread-title::attr(data-thread)").get() == keys[0]

    log = members.requests_log
    assert MemberRequest("/board", False) in log and MemberRequest("/board", True) in log
    assert MemberRequest(f"/thread/{keys[0]}", True) in log
    assert members.logins == 1 and members.failed_logins == 0 and not members.locked

    # No page ever shows a secret; the account's repr neither.
    for secret in (account.username, account.password, account.pin or "", sid.value or ""):
        assert secret and not any(secret in text for text in browser.pages)
        assert secret not in repr(account) and secret not in str(account)


def test_wrong_password_and_wrong_pin_show_the_form_again(world, browser):
    members = world.members
    account = members.account
    page = browser.submit_login(account.username, account.password + "x")
    assert page.status == 200 and page.error == WRONG_CREDENTIALS
    assert page.sel.css("form#login input[name=password]").get()
    assert not page.sel.css("form#pin") and browser.cookie("members_sid") is None
    assert members.failed_logins == 1

    page = browser.submit_login(account.username, account.password)
    page = browser.post("/login/pin", {"pin": "x" + (account.pin or "")})
    assert page.status == 200 and page.error == WRONG_PIN and page.sel.css("form#login")
    assert browser.cookie("members_sid") is None
    assert_logged_out(browser.get("/board"))


def test_captcha_after_two_failures_then_lockout_after_five(world, browser):
    members = world.members
    account = members.account
    assert not browser.get("/login").sel.css("div.captcha")
    for _ in range(2):
        browser.submit_login(account.username, "wrong")
    login_page = browser.get("/login")
    word = login_page.sel.css("div.captcha b::text").get()
    assert word == members.captcha_word
    assert "Type the word shown" in login_page.text
    assert login_page.sel.css("form#login input[name=captcha]").get()
    # A logged-out member page shows the CAPTCHA in its form too.
    assert browser.get("/board").sel.css("form#login div.captcha")

    # The right password without the word fails (and counts); with the word it works.
    page = browser.submit_login(account.username, account.password)
    assert page.error == WRONG_CAPTCHA and not page.sel.css("form#pin")
    assert members.failed_logins == 3
    page = login(world, browser, captcha=members.captcha_word)
    assert page.status == 302 and browser.cookie("members_sid") is not None
    assert members.failed_logins == 0  # a success starts the count again
    assert not browser.get("/login").sel.css("div.captcha")

    # Five failures in a row lock the account: even the right password then fails.
    other = Browser(browser.base)
    for _ in range(5):
        assert not members.locked
        other.submit_login(account.username, "wrong", captcha=members.captcha_word)
    assert members.locked and members.failed_logins == 5
    page = other.submit_login(account.username, account.password, members.captcha_word)
    assert page.error == LOCKED and not page.sel.css("form#pin")
    assert other.cookie("members_sid") is None

    members.unlock()
    assert login(world, Browser(browser.base)).status == 302


def test_captcha_always_and_at_random():
    with running_world(
        seed=3, size=5, platforms=["demo-members"], options={"demo-members": {"captcha_rate": 1.0}}
    ) as w:
        b = Browser(w.urls["demo-members"])
        assert b.get("/login").sel.css("div.captcha b::text").get() == w.members.captcha_word
        w.members.captcha_rate = 0.0
        assert not b.get("/login").sel.css("div.captcha")
        w.members.captcha_always = True
        page = b.get("/login")
        assert page.sel.css("div.captcha b::text").get() == w.members.captcha_word
        # A word is good for one POST: the one shown before is refused afterwards.
        account = w.members.account
        used = w.members.captcha_word
        assert b.submit_login(account.username, account.password, used).sel.css("form#pin")
        assert w.members.captcha_word != used
        page = b.submit_login(account.username, account.password, used)
        assert page.error == WRONG_CAPTCHA and not page.sel.css("form#pin")


def test_sessions_expire_after_the_ttl():
    ttl = 1.0
    with running_world(
        seed=3, size=5, platforms=["demo-members"], options={"demo-members": {"session_ttl": ttl}}
    ) as w:
        b = Browser(w.urls["demo-members"])
        started = time.monotonic()
        assert login(w, b).status == 302
        assert b.get("/board").sel.css("a.logout")
        assert w.members.active_sessions == 1
        deadline = started + 10
        while LOGGED_OUT not in (page := b.get("/board")).text:
            assert time.monotonic() < deadline, "the session outlived its ttl by far"
            time.sleep(0.05)  # polling interval
        assert time.monotonic() - started >= ttl
        assert_logged_out(page)
        assert w.members.active_sessions == 0


def test_expire_sessions_and_logout_end_the_session(world, browser):
    assert login(world, browser).status == 302
    assert browser.get("/board").sel.css("a.logout")
    world.members.expire_sessions()
    assert_logged_out(browser.get("/board"))
    assert world.members.requests_log[-1] == MemberRequest("/board", False)

    assert login(world, browser).status == 302
    assert browser.get("/board").sel.css("a.logout")
    page = browser.get("/logout")
    assert page.status == 302 and page.headers["Location"] == "/login"
    assert_logged_out(browser.get("/board"))


def test_members_platform_is_only_served_when_asked_for():
    assert "demo-members" not in DemoWorld(size=5).platforms
    with pytest.raises(ValueError, match="demo-members"):
        _ = DemoWorld(size=5, platforms=["demo-forum"]).members
    with pytest.raises(ValueError, match="not in this world"):
        DemoWorld(size=5, platforms=["demo-forum"], options={"demo-members": {}})
    # A new world, a new account.
    first = DemoWorld(size=5, platforms=["demo-members"]).members.account
    second = DemoWorld(size=5, platforms=["demo-members"]).members.account
    assert first.password != second.password and first.username != second.username
