"""`crawler login PLATFORM`: the analyst logs in by hand, and the crawler keeps the session.

Some logins only a person can do: a CAPTCHA, a question the profile holds no answer to, a
site that changed its form. The unattended crawl stops such a platform as `needs_login`
(crawler.auth.login); this is the way back in. Two ways:

- `open_login_window`: a real, visible Chromium window (Debian's Chromium at
  BROWSER_EXECUTABLE_PATH, never a downloaded one) at the profile's login page. The
  analyst logs in there as on any site; every ~0.5 s the open pages are read with the
  profile's `logged_in` / `logged_out` checks (crawler.auth.checks.page_state) and, as soon
  as one shows the analyst logged in, the browser context's storage state (cookies, local
  storage) of the platform's hosts is saved in the session store (crawler.auth.sessions,
  source "human") and the window closes. Closing the window, or no login before the
  timeout, saves nothing.
- `import_session`: a session file the analyst already has (a Netscape cookies.txt, a
  browser's JSON cookie export, a Playwright storage state; crawler.auth.sessions
  recognises the format); only the cookies of the platform's own hosts are kept, the
  others are dropped and counted (never shown with their values).

What the window may reach: exactly what a crawl of the platform may (crawler.crawl.scope).
Its context's only way out is a ScopeFence (crawler.browser.fence), the SOCKS5 server on
127.0.0.1 every crawl's browser context uses, which connects to the platform's hosts only;
on top, the context's router aborts images, media, fonts and anything out of scope before
Chromium tries (an address typed in the address bar included). A tor profile's window
(network: tor, tor.strict, TOR_STRICT) goes through tor (TOR_SOCKS_URL) with SOCKS
credentials under the platform's own isolation key, as the platform's crawl does: its own
circuit, never another platform's. Fail closed: when tor's SOCKS port does not answer, no
window opens; if tor goes away later, the window's pages fail to load, nothing goes around.

What never happens: anything the analyst types (username, password, CAPTCHA answer, PIN)
or a cookie value in a log line or on the terminal, since nothing here reads form fields,
requests or responses, and the pages' HTML is only matched against the profile's checks;
a CAPTCHA sent anywhere else than the platform; a record of the window's traffic (no WARC:
login pages carry the typed secrets). The browser profile is Playwright's throw-away one,
removed when the window closes (no saved passwords, no history).

The one help the window gives: when a page of the platform's login form (or the extra
step's form) has loaded and nothing has the keyboard focus, the first empty field of that
form gets it, so the analyst can type at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from crawler.auth.checks import page_state
from crawler.auth.secrets import AuthConfigError
from crawler.auth.sessions import SessionStore, StoredSession, read_session_file
from crawler.crawl.scope import PlatformScope
from crawler.profiles import PlatformProfile

logger = logging.getLogger(__name__)

POLL_INTERVAL = 0.5  # seconds between two looks at the window's pages
DEFAULT_TIMEOUT = 600.0
WINDOW_SIZE = (1200, 760)

WindowOutcome = Literal["logged_in", "closed", "timeout"]


class LoginWindowError(AuthConfigError):
    """The window cannot be opened (no display, no tor, no Chromium, the page did not load):
    names what is missing and why; nothing was saved."""


@dataclass(frozen=True)
class ImportResult:
    stored: StoredSession
    kept: int
    dropped: int
    dropped_domains: tuple[str, ...]


@dataclass(frozen=True)
class WindowResult:
    outcome: WindowOutcome
    stored: StoredSession | None = None
    waited: float = 0.0


# -- which cookies belong to the platform -----------------------------------------------------


def cookie_in_scope(domain: str, scope: PlatformScope) -> bool:
    """Whether a browser would send a cookie of `domain` to one of the platform's hosts.

    Ports do not matter to cookies. A host cookie ("forum.example.org") belongs when it is
    a host of the platform, or under one of the profile's `*.domain` entries; a domain
    cookie (".example.org") also when a host of the platform is under it. A bare top-level
    name (".org") never matches what is under it.
    """
    raw = domain.strip().lower()
    name = raw.lstrip(".")
    if not name:
        return False
    hosts = {host for host, _ in scope.origins}
    if name in hosts or any(name.endswith(suffix) for suffix in scope.domains):
        return True
    if not raw.startswith(".") or "." not in name:
        return False
    under = "." + name
    return any(host.endswith(under) for host in hosts) or any(
        suffix == under or suffix.endswith(under) for suffix in scope.domains
    )


def platform_state(state: dict[str, Any], scope: PlatformScope) -> tuple[dict[str, Any], list[str]]:
    """The part of a storage state that belongs to the platform, and the domains of the
    cookies left out (one entry per cookie)."""
    kept, dropped = [], []
    for cookie in state.get("cookies", []):
        if cookie_in_scope(str(cookie.get("domain", "")), scope):
            kept.append(cookie)
        else:
            dropped.append(str(cookie.get("domain", "")).lstrip("."))
    origins = [o for o in state.get("origins", []) if scope.refusal(o["origin"] + "/") is None]
    return {"cookies": kept, "origins": origins}, dropped


def platform_scope(profile: PlatformProfile, settings: Any) -> PlatformScope:
    from crawler.browser import routes_through_tor

    return PlatformScope.of(profile, tor_routed=routes_through_tor(profile, settings))


def login_url(profile: PlatformProfile) -> str:
    """Where the window opens: the login form's page, else the first seed, else base_url."""
    auth = profile.auth
    if auth is not None and auth.login is not None:
        return profile.absolute(auth.login.url)
    if profile.seeds:
        return profile.absolute(profile.seeds[0])
    return profile.base_url


# -- --import ---------------------------------------------------------------------------------


def import_session(
    profile: PlatformProfile, settings: Any, path: str | Path, store: SessionStore | None = None
) -> ImportResult:
    """Read a session file, keep the platform's cookies, save them (source "import")."""
    state = read_session_file(path)
    scope = platform_scope(profile, settings)
    own, dropped = platform_state(state, scope)
    if not own["cookies"] and not own["origins"]:
        hosts = ", ".join(sorted({h for h, _ in scope.origins})) or "none"
        raise AuthConfigError(
            path,
            "(cookies)",
            f"none of its {len(dropped)} cookies belongs to {profile.name}'s hosts ({hosts}): "
            "nothing saved",
        )
    store = store or SessionStore.of(settings)
    stored = store.save(profile.name, own, "import")
    return ImportResult(
        stored=stored,
        kept=len(own["cookies"]),
        dropped=len(dropped),
        dropped_domains=tuple(sorted(set(dropped))),
    )


# -- the window -------------------------------------------------------------------------------

# In every page of the window, at DOMContentLoaded (in the page, so that the field has the
# focus before the analyst sees the page): when nothing has the keyboard focus, focus the
# first empty field of the first form of FORMS present on the page ({form, when}: a CSS
# selector, and an optional {css} or {text} check the page must pass, as the profile's
# extra step says). It reads no field and sends nothing.
_FOCUS_SCRIPT = """(() => {
  if (window.top !== window) return;
  const forms = %s;
  const skip = new Set(["hidden", "submit", "button", "reset", "checkbox", "radio", "image"]);
  const norm = (t) => (t || "").split(/\\s+/).join(" ").trim().toLowerCase();
  const holds = (when) => !when
    || (when.css ? !!document.querySelector(when.css)
                 : norm(document.body && document.body.innerText).includes(norm(when.text)));
  const focus = () => {
    const active = document.activeElement;
    if (active && active !== document.body && active !== document.documentElement) return;
    for (const f of forms) {
      let form = null;
      try { form = holds(f.when) ? document.querySelector(f.form) : null; } catch (e) {}
      if (!form) continue;
      for (const el of form.querySelectorAll("input, textarea")) {
        if (skip.has((el.type || "").toLowerCase()) || el.disabled || el.value) continue;
        el.focus();
        return;
      }
    }
  };
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focus, {once: true});
  } else {
    focus();
  }
})();"""


def focus_script(profile: PlatformProfile) -> str | None:
    """The window's focus help for this profile's login forms (None without a login form)."""
    login = profile.auth.login if profile.auth is not None else None
    if login is None:
        return None
    forms: list[dict[str, Any]] = []
    if login.extra is not None:
        when = login.extra.when
        forms.append(
            {
                "form": login.extra.form or "form",
                "when": {"css": when.css} if when.css is not None else {"text": when.text},
            }
        )
    forms.append({"form": login.form or "form:has(input[type=password])", "when": None})
    return _FOCUS_SCRIPT % json.dumps(forms)


def require_display(environ: dict[str, str] | None = None) -> str:
    """The X display the window goes to; LoginWindowError without one."""
    env = os.environ if environ is None else environ
    display = env.get("DISPLAY", "").strip()
    if not display:
        raise LoginWindowError(
            "environment",
            "DISPLAY",
            "not set: the login window needs a graphical session (or bring a session file "
            "with --import FILE)",
        )
    return display


async def _tor_reachable(settings: Any) -> str:
    """The tor SOCKS URL once its port answers; LoginWindowError (fail closed) otherwise."""
    from crawler.tor import tor_endpoint

    endpoint = tor_endpoint(settings)
    try:
        async with asyncio.timeout(5):
            _, writer = await asyncio.open_connection(endpoint.socks_host, endpoint.socks_port)
    except (OSError, TimeoutError):
        raise LoginWindowError(
            "setting",
            "TOR_SOCKS_URL",
            f"tor SOCKS {endpoint.socks_host}:{endpoint.socks_port} does not answer: "
            "no window opened (a tor platform's window never goes around tor)",
        ) from None
    writer.close()
    with contextlib.suppress(Exception):
        await writer.wait_closed()
    return f"socks5://{endpoint.socks_host}:{endpoint.socks_port}"


def _launch_args() -> list[str]:
    from crawler.browser import CHROMIUM_FLAGS

    width, height = WINDOW_SIZE
    return [
        *(flag for flag in CHROMIUM_FLAGS if flag != "--headless"),
        "--window-position=0,0",
        f"--window-size={width},{height}",
        # The analyst's password is typed here: the throw-away profile must not offer to keep it.
        "--disable-features=PasswordManagerOnboarding,AutofillServerCommunication",
        "--password-store=basic",
    ]


class LoginWindow:
    """One login window of one platform (see the module docstring)."""

    def __init__(
        self,
        profile: PlatformProfile,
        settings: Any,
        store: SessionStore | None = None,
        say: Callable[[str], None] = print,
    ) -> None:
        if profile.auth is None:
            raise ValueError(f"{profile.name} has no auth section")
        self.profile = profile
        self.auth = profile.auth
        self.settings = settings
        self.store = store or SessionStore.of(settings)
        self.say = say
        self.scope = platform_scope(profile, settings)
        self.url = login_url(profile)

    async def run(self, timeout: float = DEFAULT_TIMEOUT) -> WindowResult:
        from playwright.async_api import async_playwright

        from crawler.browser import BrowserConfig, context_options, routes_through_tor
        from crawler.browser.fence import ScopeFence

        require_display()
        config = BrowserConfig.from_settings(self.settings)
        options = context_options(self.profile, self.settings)
        options.pop("proxy", None)
        upstream = None
        if routes_through_tor(self.profile, self.settings):
            upstream = await _tor_reachable(self.settings)
        fence = ScopeFence(self.scope, upstream=upstream, isolation_key=self.profile.name)
        options["proxy"] = {"server": await fence.start()}
        options["no_viewport"] = True  # the page fills the window the analyst resizes
        try:
            async with async_playwright() as pw:
                try:
                    browser = await pw.chromium.launch(
                        executable_path=config.executable_path,
                        headless=False,
                        args=_launch_args(),
                        timeout=60000,
                    )
                except Exception as exc:
                    raise LoginWindowError(
                        "setting",
                        "BROWSER_EXECUTABLE_PATH",
                        f"Chromium ({config.executable_path}) did not open a window: "
                        f"{_first_line(exc)}",
                    ) from None
                try:
                    return await self._in_browser(browser, options, timeout)
                finally:
                    with contextlib.suppress(Exception):
                        await browser.close()
        finally:
            await fence.close()

    async def _in_browser(
        self, browser: Any, options: dict[str, Any], timeout: float
    ) -> WindowResult:
        from crawler.browser import navigation_timeout_ms

        disconnected = asyncio.Event()
        browser.on("disconnected", lambda *_: disconnected.set())
        context = await browser.new_context(**options)
        await context.route("**/*", self._route)
        script = focus_script(self.profile)
        if script is not None:
            await context.add_init_script(script)
        page = await context.new_page()
        try:
            await page.goto(
                self.url,
                wait_until="domcontentloaded",
                timeout=navigation_timeout_ms(self.profile, self.settings),
            )
        except Exception as exc:
            if disconnected.is_set() or page.is_closed():
                return WindowResult("closed")
            raise LoginWindowError(
                self.profile.source_file or self.profile.name,
                "auth.login.url",
                f"the login page {self.url} did not load: {_first_line(exc)}",
            ) from None
        self.say(
            f"A Chromium window is open at {self.url}: log in to {self.profile.name} there as "
            "you would (CAPTCHA and extra steps included). The session is saved as soon as a "
            f"page shows you logged in; close the window to give up (waiting up to {timeout:.0f} s)."
        )
        started = time.monotonic()
        deadline = started + timeout
        while True:
            if disconnected.is_set() or not [p for p in context.pages if not p.is_closed()]:
                return WindowResult("closed", waited=time.monotonic() - started)
            if await self._shows_logged_in(context):
                state = await context.storage_state()
                own, _ = platform_state(state, self.scope)
                stored = self.store.save(self.profile.name, own, "human")
                return WindowResult("logged_in", stored, time.monotonic() - started)
            left = deadline - time.monotonic()
            if left <= 0:
                return WindowResult("timeout", waited=time.monotonic() - started)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(min(POLL_INTERVAL, left)):
                    await disconnected.wait()

    async def _shows_logged_in(self, context: Any) -> bool:
        for page in list(context.pages):
            if page.is_closed():
                continue
            try:
                async with asyncio.timeout(2):
                    html = await page.content()
            except Exception:  # mid-navigation, or closed under us: look again next time
                continue
            if page_state(html, self.auth, url=page.url) == "logged_in":
                return True
        return False

    async def _route(self, route: Any, request: Any) -> None:
        from crawler.browser import abort_media_request

        if abort_media_request(request) or self.scope.refusal(request.url) is not None:
            await route.abort()
        else:
            await route.continue_()


def _first_line(exc: BaseException) -> str:
    """The first line of an error, cut short (the CLI escapes it for the terminal)."""
    lines = str(exc).strip().splitlines()
    text = lines[0] if lines else type(exc).__name__
    return text if len(text) <= 300 else text[:299] + "…"


def open_login_window(
    profile: PlatformProfile,
    settings: Any,
    timeout: float = DEFAULT_TIMEOUT,
    store: SessionStore | None = None,
    say: Callable[[str], None] = print,
) -> WindowResult:
    """Open the window and wait for the analyst (see the module docstring)."""
    return asyncio.run(LoginWindow(profile, settings, store, say).run(timeout))
