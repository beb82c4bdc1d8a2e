"""demo-members: a members-only forum market, for the crawler's logins (issue #16, docs/auth.md).

The listings are forum-market threads generated like demo-forum's (crawler.demo.text
`forum_post`), but every member page needs a session:

- `GET /login`: `<form id="login" method="post" action="/login">` with `username`,
  `password` and a hidden `csrf` token bound to the pre-login cookie `members_pre`.
- `POST /login` with the right account: when the account has a PIN, a 200 page with
  `<form id="pin" method="post" action="/login/pin">` (input `pin`; the half-done login is
  the cookie `members_pin`); else, or after the PIN, a 302 to `/board` setting the session
  cookie `members_sid` (HttpOnly). A wrong password: 200, the login form again with
  `<p class="error">Wrong username or password</p>`.
- Member pages, `/board?page=N` (list) and `/thread/<id>` (detail), carry
  `<a class="logout" href="/logout">Log out</a>`. Without a valid session they answer
  HTTP 200 with a "Members only: please log in" page holding the login form: no listings,
  never a redirect or a 401.
- Sessions live `session_ttl` seconds (and, with `session_pages` > 0, serve that many pages
  before they end); `expire_sessions()` ends all of them at once. With `rolling_sessions`,
  every thread page a member gets hands out a new session id (`renewed_sessions`), and its
  script sets a `members_seen` cookie only a browser gets (`seen_tokens`).
- A text CAPTCHA (`<div class="captcha">Type the word shown: <b>WORD</b></div>`, input
  `captcha`) is on the login form once a username has failed `captcha_after_failures` times
  in a row (a login page served before the username is known shows it while any username
  is at that count), on every login form while `captcha_always` is set, and at random with
  `captcha_rate`. A login POST without the current word (`captcha_word`) fails while a
  CAPTCHA is due, and counts as a failed login. Each word is good for one POST.
- After `lockout_after` failed logins of the account in a row it is `locked`: even the
  right password fails ("Account locked") until `unlock()`.

The account (`account`: username, password, pin) is drawn from `secrets` when the world is
built, never from the seed, and is never written to a page, a log or the terminal: the
crawl environment gets it from `crawler.testing.crawls.crawl_env` (DEMO_MEMBERS_USERNAME,
DEMO_MEMBERS_PASSWORD, DEMO_MEMBERS_PIN). `requests_log` records (path, had_session) of
every request, so tests see what the crawler fetched as a member and what it did not.

Requests are served on the world's loop thread and tests read the state from theirs: all
auth state sits behind one lock, and the attributes tests read are snapshots.

Not in the default world (`crawler run` does not crawl it): ask for it by name,
`DemoWorld(platforms=["demo-members", ...])`. Profiles: crawler/platforms/demo-members.yaml
(DEMO_MEMBERS_URL) and demo-members-onion.yaml (the same site behind the private tor
network's onion service, DEMO_MEMBERS_ONION_URL).
"""

from __future__ import annotations

import hmac
import random
import secrets
import threading
import time
from dataclasses import dataclass, field
from html import escape
from typing import Any, NamedTuple

from aiohttp import web

from crawler.demo.catalog import CatalogEntry, CatalogPlatform
from crawler.demo.text import FORUM_BOARDS, Draft, forum_post
from crawler.demo.world import register_platform

SESSION_COOKIE = "members_sid"
SEEN_COOKIE = "members_seen"  # set by a thread page's script (rolling_sessions)
PRE_COOKIE = "members_pre"
PIN_COOKIE = "members_pin"
PIN_TIMEOUT = 300.0  # seconds a half-done login (password ok, PIN not yet) stays valid
_MEMBER = web.RequestKey("demo_members_member", bool)  # the request had a valid session
PRE_TIMEOUT = 3600.0  # seconds a pre-login cookie and its csrf token stay valid

# Words of the text CAPTCHA (a test reads the current one from `captcha_word`).
CAPTCHA_WORDS = (
    "harbor", "lantern", "meadow", "copper", "orchard", "pebble", "thistle", "canyon",
    "willow", "ember", "glacier", "juniper", "marble", "saffron", "tundra", "velvet",
)  # fmt: skip

WRONG_CREDENTIALS = "Wrong username or password"
WRONG_CAPTCHA = "Please type the word shown"
WRONG_PIN = "Wrong PIN"
LOCKED = "This account is locked after too many failed logins"
FORM_EXPIRED = "The form expired, please log in again"


class MemberRequest(NamedTuple):
    path: str  # path and query, e.g. "/board?page=2"
    had_session: bool  # the request carried a valid session cookie


@dataclass(frozen=True)
class Account:
    """The one member account of a world; repr and str never show a value."""

    username: str
    password: str = field(repr=False)
    pin: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        return (
            f"Account(username=[secret], password=[secret], pin={'[secret]' if self.pin else None})"
        )

    __str__ = __repr__

    def environ(self) -> dict[str, str]:
        """The account as the variables its profiles name in auth.credentials."""
        env = {"DEMO_MEMBERS_USERNAME": self.username, "DEMO_MEMBERS_PASSWORD": self.password}
        if self.pin is not None:
            env["DEMO_MEMBERS_PIN"] = self.pin
        return env


@dataclass
class _PreLogin:
    csrf: str
    created: float
    captcha_shown: bool = False


def _new_account(with_pin: bool) -> Account:
    username = "member" + "".join(secrets.choice("abcdefghijkmnpqrstuvwxyz") for _ in range(6))
    pin = "".join(secrets.choice("0123456789") for _ in range(6)) if with_pin else None
    return Account(username=username, password=secrets.token_urlsafe(12), pin=pin)


def _frame(title: str, inner: str, member: bool) -> str:
    nav = (
        '<a class="logout" href="/logout">Log out</a>' if member else '<a href="/login">Log in</a>'
    )
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>.post-body{{white-space:pre-line}}</style></head>"
        f'<body><header><a href="/">Demo Members</a> | {nav}</header>'
        f'<main id="content">{inner}</main><footer>Synthetic demo site.</footer></body></html>'
    )


@register_platform
class MembersPlatform(CatalogPlatform):
    name = "demo-members"
    env_var = "DEMO_MEMBERS_URL"
    in_default_world = False  # `crawler run` and the world's default figures leave it out
    default_port = 8705
    key_prefix = "MB"
    categories = FORUM_BOARDS

    def __init__(
        self,
        seed: int = 1,
        size: int = 200,
        *,
        session_ttl: float = 3600.0,
        session_pages: int = 0,
        rolling_sessions: bool = False,
        captcha_after_failures: int = 2,
        captcha_rate: float = 0.0,
        captcha_always: bool = False,
        lockout_after: int = 5,
        with_pin: bool = True,
    ) -> None:
        super().__init__(seed=seed, size=size)
        # Options: plain attributes, a test may change them while the world runs.
        self.session_ttl = session_ttl
        self.session_pages = session_pages  # > 0: a session ends after serving that many pages
        # True: each thread page served to a member hands out a new session id (the old one
        # stays valid until its ttl), as sites with rolling sessions do; `renewed_sessions`.
        self.rolling_sessions = rolling_sessions
        self._renewed: list[str] = []
        self._seen_tokens: list[str] = []  # SEEN_COOKIE values the pages' scripts set
        self.captcha_after_failures = captcha_after_failures
        self.captcha_rate = captcha_rate
        self.captcha_always = captcha_always
        self.lockout_after = lockout_after
        self.account = _new_account(with_pin)
        self._lock = threading.Lock()
        self._rng = random.Random(f"{seed}:{self.name}:captcha")
        self._captcha_word = self._rng.choice(CAPTCHA_WORDS)
        self._sessions: dict[str, float] = {}  # session id -> created (monotonic)
        self._session_uses: dict[str, int] = {}  # session id -> pages served with it
        self._pre: dict[str, _PreLogin] = {}  # pre-login cookie -> its csrf token
        self._pending_pin: dict[str, tuple[str, float]] = {}  # pin cookie -> (username, created)
        self._failures: dict[str, int] = {}  # username -> failed logins in a row
        self._locked = False
        self._log: list[MemberRequest] = []
        self._logins = 0
        self._login_posts = 0

    # --- what tests read and do (any thread) ----------------------------------------------

    @property
    def captcha_word(self) -> str:
        with self._lock:
            return self._captcha_word

    @property
    def failed_logins(self) -> int:
        """Failed logins of the account in a row (a successful login resets it)."""
        with self._lock:
            return self._failures.get(self.account.username, 0)

    @property
    def locked(self) -> bool:
        with self._lock:
            return self._locked

    @property
    def logins(self) -> int:
        """Successful logins (sessions handed out) since the world started."""
        with self._lock:
            return self._logins

    @property
    def login_posts(self) -> int:
        """POSTs to /login (any outcome; the PIN step not counted) since the world started."""
        with self._lock:
            return self._login_posts

    @property
    def active_sessions(self) -> int:
        with self._lock:
            now = time.monotonic()
            return sum(1 for t in self._sessions.values() if now - t < self.session_ttl)

    @property
    def requests_log(self) -> list[MemberRequest]:
        with self._lock:
            return list(self._log)

    def expire_sessions(self) -> None:
        """End every session now: the next member page answers "please log in"."""
        with self._lock:
            self._sessions.clear()
            self._pending_pin.clear()

    def unlock(self) -> None:
        with self._lock:
            self._locked = False
            self._failures.pop(self.account.username, None)

    def clear_requests_log(self) -> None:
        with self._lock:
            self._log.clear()

    # --- listings ---------------------------------------------------------------------------

    def draft(self, rng: random.Random, index: int) -> Draft:
        return forum_post(rng, self.contacts)

    def list_path(self, category: str | None, page: int = 1) -> str:
        return "/board" if page == 1 else f"/board?page={page}"

    def detail_path(self, key: str) -> str:
        return f"/thread/{key}"

    def routes(self) -> list[web.RouteDef]:
        return [
            web.get("/board", self._handle_board, name="list"),
            web.get("/thread/{key}", self._handle_thread, name="detail"),
            web.get("/login", self._handle_login_page, name="login"),
            web.post("/login", self._handle_login, name="login-post"),
            web.post("/login/pin", self._handle_pin, name="login-pin"),
            web.get("/logout", self._handle_logout, name="logout"),
        ]

    def render_home(self) -> str:
        inner = (
            "<h1>Demo Members</h1><p>A members-only board. "
            '<a href="/login">Log in</a> to see the threads.</p>'
        )
        return _frame("Demo Members", inner, member=False)

    def render_list(
        self, category: str | None, page: int, entries: list[CatalogEntry], last_page: int
    ) -> str:
        items = "".join(
            f'<li class="thread" data-id="{e.key}">'
            f'<a class="thread-link" href="{self.detail_path(e.key)}">{escape(e.draft.title)}</a> '
            f'<span class="thread-price">{escape(e.draft.price_text(0))}</span> '
            f'<span class="thread-board">{escape(e.draft.category or "")}</span> '
            f'<span class="thread-author">{escape(e.draft.seller or "")}</span> '
            f'<span class="thread-id">{e.key}</span></li>'
            for e in entries
        )
        pager = f'<span class="current">{page} / {last_page}</span>'
        if page < last_page:
            pager += f' <a class="next" href="{self.list_path(None, page + 1)}">Next</a>'
        inner = f'<h1>Board</h1><ul class="threads">{items}</ul><nav class="pager">{pager}</nav>'
        return _frame(f"Board - page {page}", inner, member=True)

    def render_detail(self, entry: CatalogEntry) -> str:
        d = entry.draft
        posted = entry.posted_at.isoformat().replace("+00:00", "Z")
        inner = (
            f'<article class="thread-detail" lang="{d.lang}">'
            f'<h1 class="thread-title" data-thread="{entry.key}">{escape(d.title)}</h1>'
            f'<p class="meta"><span class="board">{escape(d.category or "")}</span> · '
            f'<span class="author">{escape(d.seller or "")}</span> · '
            f'<time class="posted" datetime="{posted}">{entry.posted_at:%d %b %Y, %H:%M}</time></p>'
            f'<p class="price">{escape(d.price_text(0))}</p>'
            f'<div class="post-body">{escape(d.body())}</div>'
            "</article>"
        )
        return _frame(d.title, inner, member=True)

    # --- serving --------------------------------------------------------------------------

    def make_app(self) -> web.Application:
        app = super().make_app()
        app.middlewares.append(self._log_request)
        return app

    def _valid_session(self, request: web.Request) -> bool:
        """(Under the lock.) The request carries a live session; expired ones are dropped."""
        sid = request.cookies.get(SESSION_COOKIE)
        if not sid:
            return False
        created = self._sessions.get(sid)
        if created is None:
            return False
        if time.monotonic() - created >= self.session_ttl:
            del self._sessions[sid]
            return False
        if self.session_pages > 0:
            uses = self._session_uses.get(sid, 0) + 1
            if uses > self.session_pages:
                del self._sessions[sid]
                return False
            self._session_uses[sid] = uses
        return True

    @web.middleware
    async def _log_request(self, request: web.Request, handler: Any) -> web.StreamResponse:
        with self._lock:
            member = self._valid_session(request)
            self._log.append(MemberRequest(request.path_qs, member))
        request[_MEMBER] = member
        return await handler(request)

    def _members_only(self, request: web.Request) -> web.Response | None:
        """The "please log in" page for a request without a session (None: a member).

        In the handlers, not a middleware: the world's conditions (crawler/demo/base.py)
        then replace member pages like any other."""
        if request.get(_MEMBER):
            return None
        return self._login_response(
            request, "Members only: please log in", "Members only: please log in."
        )

    async def _handle_board(self, request: web.Request) -> web.Response:
        return self._members_only(request) or await self._handle_all_list(request)

    async def _handle_thread(self, request: web.Request) -> web.Response:
        refused = self._members_only(request)
        if refused is not None:
            return refused
        response = await self._handle_detail(request)
        if self.rolling_sessions:
            sid = secrets.token_urlsafe(24)
            seen = secrets.token_hex(8)
            with self._lock:
                self._sessions[sid] = time.monotonic()
                self._renewed.append(sid)
                self._seen_tokens.append(seen)
            response.set_cookie(SESSION_COOKIE, sid, httponly=True, path="/", samesite="Lax")
            # And a cookie only a browser gets: set by the page's own script.
            script = f'<script>document.cookie = "{SEEN_COOKIE}={seen}; path=/";</script>'
            if response.text is not None:
                response.text = response.text.replace("</body>", script + "</body>", 1)
        return response

    @property
    def renewed_sessions(self) -> list[str]:
        """The session ids handed out on thread pages (rolling_sessions), oldest first."""
        with self._lock:
            return list(self._renewed)

    @property
    def seen_tokens(self) -> list[str]:
        """The members_seen values thread pages' scripts set (rolling_sessions)."""
        with self._lock:
            return list(self._seen_tokens)

    def _captcha_due_for(self, username: str | None) -> bool:
        """(Under the lock.) A new login form shows the CAPTCHA."""
        if self.captcha_always:
            return True
        if username is not None:
            failures = self._failures.get(username, 0)
        else:
            failures = max(self._failures.values(), default=0)
        if failures >= self.captcha_after_failures:
            return True
        return self.captcha_rate > 0 and self._rng.random() < self.captcha_rate

    def _login_response(
        self,
        request: web.Request,
        title: str,
        heading: str,
        error: str | None = None,
        username: str | None = None,
    ) -> web.Response:
        """A 200 page with the login form (a fresh pre-login cookie when needed)."""
        now = time.monotonic()
        with self._lock:
            self._prune(now)
            pre_id = request.cookies.get(PRE_COOKIE, "")
            pre = self._pre.get(pre_id)
            if pre is None:
                pre_id = secrets.token_urlsafe(16)
                pre = self._pre[pre_id] = _PreLogin(secrets.token_urlsafe(24), now)
            pre.captcha_shown = self._captcha_due_for(username)
            word = self._captcha_word
        captcha = (
            f'<div class="captcha">Type the word shown: <b>{word}</b></div>'
            '<label>Word <input name="captcha" autocomplete="off"></label>'
            if pre.captcha_shown
            else ""
        )
        err = f'<p class="error">{escape(error)}</p>' if error else ""
        inner = (
            f"<h1>{escape(heading)}</h1>{err}"
            '<form id="login" method="post" action="/login">'
            f'<input type="hidden" name="csrf" value="{pre.csrf}">'
            '<label>Username <input name="username" autocomplete="username"></label>'
            '<label>Password <input type="password" name="password"></label>'
            f'{captcha}<button type="submit">Log in</button></form>'
        )
        response = web.Response(
            text=_frame(title, inner, member=False), content_type="text/html", charset="utf-8"
        )
        response.set_cookie(PRE_COOKIE, pre_id, httponly=True, path="/", samesite="Lax")
        return response

    def _prune(self, now: float) -> None:
        """(Under the lock.) Forget old pre-login and half-done logins."""
        if len(self._pre) > 1000:
            self._pre = {k: v for k, v in self._pre.items() if now - v.created < PRE_TIMEOUT}
        self._pending_pin = {k: v for k, v in self._pending_pin.items() if now - v[1] < PIN_TIMEOUT}

    def _fail(self, username: str) -> None:
        """(Under the lock.) One more failed login of `username`; the account may lock."""
        count = self._failures.get(username, 0) + 1
        self._failures[username] = count
        if username == self.account.username and count >= self.lockout_after:
            self._locked = True

    def _start_session(self) -> web.Response:
        sid = secrets.token_urlsafe(24)
        with self._lock:
            self._sessions[sid] = time.monotonic()
            self._logins += 1
        response = web.Response(status=302, headers={"Location": "/board"})
        response.set_cookie(SESSION_COOKIE, sid, httponly=True, path="/", samesite="Lax")
        response.del_cookie(PIN_COOKIE, path="/")
        return response

    async def _handle_login_page(self, request: web.Request) -> web.Response:
        return self._login_response(request, "Members login", "Members login")

    async def _handle_login(self, request: web.Request) -> web.Response:
        form = await request.post()
        username = str(form.get("username", ""))
        password = str(form.get("password", ""))
        csrf = str(form.get("csrf", ""))
        answer = str(form.get("captcha", "")).strip().lower()
        account = self.account
        with self._lock:
            self._login_posts += 1
            pre = self._pre.get(request.cookies.get(PRE_COOKIE, ""))
            if pre is None or not hmac.compare_digest(csrf.encode(), pre.csrf.encode()):
                outcome = "expired"
            else:
                due = (
                    pre.captcha_shown
                    or self.captcha_always
                    or self._failures.get(username, 0) >= self.captcha_after_failures
                )
                word = self._captcha_word
                if due:  # each word is good for one POST
                    self._captcha_word = self._rng.choice([w for w in CAPTCHA_WORDS if w != word])
                right = hmac.compare_digest(
                    username.encode(), account.username.encode()
                ) & hmac.compare_digest(password.encode(), account.password.encode())
                if due and answer != word:
                    outcome = "captcha"
                elif right and self._locked:
                    outcome = "locked"
                elif not right:
                    outcome = "wrong"
                else:
                    outcome = "ok"
                if outcome in ("captcha", "locked", "wrong"):
                    self._fail(username)
                elif outcome == "ok":
                    self._failures.pop(username, None)
        if outcome == "ok":
            if account.pin is None:
                return self._start_session()
            token = secrets.token_urlsafe(24)
            with self._lock:
                self._pending_pin[token] = (username, time.monotonic())
            inner = (
                "<h1>One more step</h1><p>Enter the PIN of your account.</p>"
                '<form id="pin" method="post" action="/login/pin">'
                '<label>PIN <input type="password" name="pin" inputmode="numeric"></label>'
                '<button type="submit">Continue</button></form>'
            )
            response = web.Response(
                text=_frame("PIN", inner, member=False), content_type="text/html", charset="utf-8"
            )
            response.set_cookie(PIN_COOKIE, token, httponly=True, path="/", samesite="Lax")
            return response
        error = {
            "expired": FORM_EXPIRED,
            "captcha": WRONG_CAPTCHA,
            "locked": LOCKED,
            "wrong": WRONG_CREDENTIALS,
        }[outcome]
        return self._login_response(
            request, "Members login", "Members login", error, username or None
        )

    async def _handle_pin(self, request: web.Request) -> web.Response:
        form = await request.post()
        pin = str(form.get("pin", ""))
        account = self.account
        with self._lock:
            self._prune(time.monotonic())
            pending = self._pending_pin.pop(request.cookies.get(PIN_COOKIE, ""), None)
            if pending is None:
                outcome = "expired"
            elif account.pin is not None and hmac.compare_digest(
                pin.encode(), account.pin.encode()
            ):
                outcome = "ok"
            else:
                outcome = "wrong"
                self._fail(pending[0])
        if outcome == "ok":
            return self._start_session()
        error = FORM_EXPIRED if outcome == "expired" else WRONG_PIN
        return self._login_response(request, "Members login", "Members login", error)

    async def _handle_logout(self, request: web.Request) -> web.Response:
        with self._lock:
            self._sessions.pop(request.cookies.get(SESSION_COOKIE, ""), None)
        response = web.Response(status=302, headers={"Location": "/login"})
        response.del_cookie(SESSION_COOKIE, path="/")
        return response
