"""Getting in, and staying in, during one crawl of a members-only platform (a profile's `auth:`).

ListingSpider builds a `LoginFlow` for a profile with `auth` and asks it four things:

- `open(previous_jobs)` before any request: refuses the run (`stop`) when the platform's
  last run ended `needs_login` and no session was saved since (nothing unattended touches
  the account until a human acted: `crawler login PLATFORM`); loads the account
  (crawler.auth.secrets: a missing secret fails the job before any request, naming the
  variable or file); fills the cookie jar (crawler.auth.jar) from the stored session, or
  from `auth.import` when none is stored.
- `first_requests(seeds)`: the seeds, or, with no session and a login form, the login
  first (the seeds wait for it).
- `screen(response)` on every list and detail page: what the page says about the session
  (crawler.auth.checks.page_state). A member page (or one that says nothing) is read. A
  logged-out page is held and a login started (one at a time; pages that come back logged
  out meanwhile wait too), and every held page is fetched again once logged in: nothing of
  the walk is lost. A page answered logged out with an older session is fetched again
  without a new login. When no login can help (no form, the run's `auth.max_logins`
  used, a login that failed) the page is read as it is, so the health report counts the
  login wall; a profile without a login form (a session imported or saved by `crawler
  login` only) stops as needs_login instead: only a human can renew that session. A page asking for a human (a CAPTCHA, one of `auth.human`) stops the
  platform at once (CloseSpider "needs_login", no retries).
- `finish(job)` at the end: the jar is saved as the platform's session when the run was
  served as a member to its end (never after needs_login: the gate above reads the
  session's time).

The login (the Scrapy route, on every network: plain HTTP, tor through the tor handler,
and js profiles too, whose browser context then gets the cookies: crawler.browser.handler):
GET auth.login.url; the form (auth.login.form, else the form with a password input) must
be a POST form; `FormRequest.from_response` keeps its hidden fields (a CSRF token) and
sets the username and password fields; then, when `auth.login.extra.when` matches the
answer, its form with the extra answer (a PIN). Login POSTs carry `auth_secret: True` in
their meta (crawler.evidence.capture withholds their bodies), `dont_filter` and
`dont_retry`. The answer is judged by page_state: a member page is success (the session is
saved at once, source "login"); the form again is a refusal: the job fails with "login
refused: wrong username or password" and the account is not tried again in this run (one
attempt, never a walk into the site's lockout); a CAPTCHA is needs_login. At most
`auth.max_logins` login POSTs per run.

Stats under `auth/`: logins, login_posts, logged_out_pages, refetched, read_logged_out,
needs_login, refused, error (the job message of a run stopped by the login).
"""

from __future__ import annotations

import logging
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import scrapy
from scrapy.exceptions import CloseSpider, ScrapyDeprecationWarning
from scrapy.http import FormRequest, Request, Response, TextResponse

from crawler.auth.checks import PageState, matches, page_state
from crawler.auth.jar import META_GENERATION, SessionCookiesMiddleware
from crawler.auth.secrets import Account, load_account
from crawler.auth.sessions import SessionStore, read_session_file
from crawler.config import ConfigError

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

    from crawler.models import CrawlJob
    from crawler.profiles import Auth, PlatformProfile

logger = logging.getLogger(__name__)

NEEDS_LOGIN = "needs_login"  # the finish reason and the job status
LOGIN_REFUSED = "login_refused"  # the finish reason (the job is `failed`)
META_LOGIN = "auth_login"  # a request of the login itself
META_SECRET = "auth_secret"  # crawler.evidence.capture withholds the request body
REFUSED = "login refused: wrong username or password (the account is not tried again in this run)"
REFUSED_EXTRA = (
    "login refused at the extra step (auth.login.extra): the answer was not accepted "
    "(the account is not tried again in this run)"
)


def needs_login_message(platform: str, why: str) -> str:
    return (
        f"needs_login: {why}; log in by hand with `crawler login {platform}` "
        "(the next crawl uses the session it saves)"
    )


def _state(response: Response, auth: Auth) -> PageState:
    """page_state of a response, on the response's own parse of the page."""
    selector = response.selector if isinstance(response, TextResponse) else None
    return page_state(_text(response), auth, response.status, response.url, selector)


def _text(response: Response) -> str:
    if not isinstance(response, TextResponse):
        return ""
    try:
        return response.text
    except (UnicodeDecodeError, ValueError):
        return ""


class LoginFlow:
    """The session of one crawl of one members-only platform (see the module docstring)."""

    def __init__(self, crawler: Crawler, profile: PlatformProfile) -> None:
        assert profile.auth is not None
        self.crawler = crawler
        self.profile = profile
        self.auth = profile.auth
        self.platform = profile.name
        self.store = SessionStore.of(crawler.settings)
        self.account: Account | None = None
        self.session_source: str | None = None  # where the session in the jar came from
        self.logins = 0  # login POSTs of the first form, this run
        self.logging_in = False
        self.member = False  # the last page checked was served to a member
        self.gave_up: str | None = None  # why no login is tried any more this run
        self.held: list[Request] = []  # pages to fetch again once logged in
        self.status: str | None = None  # the job status when the login decided it
        self.message: str | None = None
        self.config_error = False
        self.said_logged_out = False

    @property
    def stats(self) -> Any:
        return self.crawler.stats  # set once the crawl starts (after this is built)

    @property
    def jar(self) -> SessionCookiesMiddleware:
        jar = SessionCookiesMiddleware.of(self.crawler)  # built when the crawl starts
        if jar is None:
            raise ConfigError(
                "setting",
                "DOWNLOADER_MIDDLEWARES",
                "crawler.auth.jar.SessionCookiesMiddleware is not installed (and "
                "COOKIES_ENABLED must be on): a members-only platform needs it",
            )
        return jar

    # ---- before any request ----------------------------------------------------------------

    def open(self, previous: list[CrawlJob]) -> bool:
        """Ready the session; False when the run must end before any request (`status`,
        `message` say why)."""
        try:
            jar = self.jar
            last = next((j for j in previous if j.status not in ("killed", "running")), None)
            stored = self.store.load(self.platform)
            if last is not None and last.status == NEEDS_LOGIN:
                ended = (last.finished_at or last.started_at).timestamp()
                if stored is None or stored.saved_at < ended:
                    return self._stop(
                        NEEDS_LOGIN,
                        needs_login_message(
                            self.platform,
                            "not tried: the last run needed a login by hand and no session "
                            "was saved since",
                        ),
                        logging.ERROR,
                    )
            if self.auth.login is not None:
                self.account = load_account(self.profile, self.crawler.settings)
            if stored is not None and stored.too_old(self.auth.session_max_age):
                logger.info(
                    "%s: the stored session is %.0f s old (auth.session_max_age %g): not reused",
                    self.platform,
                    stored.age(),
                    self.auth.session_max_age or 0,
                )
                stored = None
            if stored is not None:
                count = jar.restore(stored.state)
                self.session_source = stored.source
                self.stats.set_value("auth/session", stored.source)
                logger.info(
                    "%s: starting from the stored session (%s, %d cookie(s), saved %.0f s ago)",
                    self.platform,
                    stored.source,
                    count,
                    stored.age(),
                )
            elif self.auth.session_import is not None:
                path = self._import_path(self.auth.session_import)
                count = jar.restore(read_session_file(path))
                self.session_source = "import"
                self.stats.set_value("auth/session", "import")
                logger.info(
                    "%s: starting from the imported session %s (%d cookie(s))",
                    self.platform,
                    path,
                    count,
                )
        except ConfigError as exc:  # AuthConfigError, SessionFileError: fail closed
            self.config_error = True
            self.stats.set_value("auth/config_error", 1)
            return self._stop("failed", str(exc), logging.ERROR)
        return True

    def _import_path(self, name: str) -> Path:
        path = Path(name).expanduser()
        if not path.is_absolute() and self.profile.source_file:
            path = Path(self.profile.source_file).parent / path
        return path

    def _stop(self, status: str, message: str, level: int) -> bool:
        self.status, self.message = status, message
        self.stats.set_value("auth/error", message)
        if status == NEEDS_LOGIN:
            self.stats.set_value("auth/needs_login", 1)
        logger.log(level, "%s: %s", self.platform, message)
        return False

    def first_requests(self, seeds: list[Request]) -> list[Request]:
        if self.session_source is None and self._can_login():
            self.held.extend(seeds)  # no session: the login comes first
            return [self._login_request()]
        return seeds

    # ---- every page ----------------------------------------------------------------------------

    def screen(self, response: Response) -> list[Request] | None:
        """None: read the page. A list: the page is held; yield these requests instead.
        Raises CloseSpider when the page asks for a human."""
        state = _state(response, self.auth)
        if state == "human":
            self._needs_human("a page asks for a CAPTCHA or something the profile cannot answer")
        if state == "logged_in":
            self.member = True
            return None
        if state != "logged_out":
            return None
        self.member = False
        self.stats.inc_value("auth/logged_out_pages")
        request = response.request
        assert request is not None
        sent_with = request.meta.get(META_GENERATION, 0)
        if self.logging_in or (sent_with < self.jar.generation and not self.gave_up):
            self.held.append(self._again(request))  # a login is under way, or done since
            if not self.logging_in:
                return self._release()
            return []
        if self.auth.login is None:
            self._needs_human(
                "pages are served logged out and the profile has no login form (auth.login): "
                "the session it started from has ended"
            )
        if not self._can_login():
            self.stats.inc_value("auth/read_logged_out")
            self._gave_up_once()
            return None
        self.held.append(self._again(request))
        return [self._login_request()]

    def _can_login(self) -> bool:
        return (
            self.auth.login is not None
            and self.account is not None
            and self.gave_up is None
            and self.logins < self.auth.max_logins
        )

    def _gave_up_once(self) -> None:
        if self.gave_up is None and self.logins >= self.auth.max_logins:
            self.gave_up = f"the run's {self.auth.max_logins} login(s) (auth.max_logins) are used"
        why = self.gave_up or (
            "the profile has no login form (auth.login)"
            if self.auth.login is None
            else "no login can be tried"
        )
        if not self.said_logged_out:
            self.said_logged_out = True
            logger.warning(
                "%s: pages are served logged out and %s: they are read as they are (the "
                "health report counts the login wall)",
                self.platform,
                why,
            )

    def _again(self, request: Request) -> Request:
        self.stats.inc_value("auth/refetched")
        meta = {k: v for k, v in request.meta.items() if not k.startswith(("download_", "_"))}
        return request.replace(dont_filter=True, meta=meta)

    def _release(self) -> list[Request]:
        held, self.held = self.held, []
        return held

    def _needs_human(self, why: str) -> None:
        self.logging_in = False
        self._stop(NEEDS_LOGIN, needs_login_message(self.platform, why), logging.ERROR)
        raise CloseSpider(NEEDS_LOGIN)

    # ---- the login --------------------------------------------------------------------------

    def _meta(self, **extra: Any) -> dict[str, Any]:
        return {"platform": self.platform, "page_kind": "login", META_LOGIN: True, **extra}

    def _login_request(self) -> Request:
        assert self.auth.login is not None
        self.logging_in = True
        return scrapy.Request(
            self.profile.absolute(self.auth.login.url),
            callback=self._login_page,
            errback=self._login_failed,
            dont_filter=True,
            meta=self._meta(),
            priority=100,
        )

    def _form_request(self, response: Response, css: str | None, data: dict[str, str]) -> Request:
        """A POST of the form `css` (or the one with a password input) with `data`; the
        form's own fields (a CSRF token) kept. ValueError when there is no such POST form."""
        if not isinstance(response, TextResponse):
            raise ValueError(f"not an HTML page: {response.url}")
        xpath = None if css else "//form[.//input[@type='password']]"
        forms = response.css(css) if css else response.xpath(xpath or "")
        if not forms:
            raise ValueError(f"no form {css or 'with a password input'} on {response.url}")
        method = (forms[0].attrib.get("method") or "get").strip().lower()
        if method != "post":
            raise ValueError("the form is not sent with POST (a password never goes in a URL)")
        with warnings.catch_warnings():
            # Scrapy 2.19 points to the form2request package, which is not a dependency here;
            # from_response still does what the login needs (hidden fields, the form's action).
            warnings.simplefilter("ignore", ScrapyDeprecationWarning)
            return self._from_response(response, css, xpath, data)

    def _from_response(
        self, response: TextResponse, css: str | None, xpath: str | None, data: dict[str, str]
    ) -> Request:
        return FormRequest.from_response(
            response,
            formcss=css,
            formxpath=xpath,
            formdata=data,
            dont_click=True,
            callback=self._login_answer,
            errback=self._login_failed,
            dont_filter=True,
            meta=self._meta(**{META_SECRET: True, "dont_retry": True}),
            priority=100,
        )

    def _login_page(self, response: Response) -> list[Request]:
        login, account = self.auth.login, self.account
        assert login is not None and account is not None
        state = _state(response, self.auth)
        if state == "human":
            self._needs_human(
                "the login page asks for a CAPTCHA or something the profile cannot answer"
            )
        if state == "logged_in":  # the session in the jar is still good
            return self._logged_in(save=False)
        if self.logins >= self.auth.max_logins:
            return self._give_up(f"the run's {self.auth.max_logins} login(s) are used")
        data = {
            login.username_field: account.username.reveal(),
            login.password_field: account.password.reveal(),
        }
        try:
            request = self._form_request(response, login.form, data)
        except ValueError as exc:
            return self._give_up(f"the login page cannot be used (auth.login.form): {exc}")
        self.logins += 1
        self.stats.inc_value("auth/login_posts")
        logger.info(
            "%s: logging in (%d of at most %d this run)",
            self.platform,
            self.logins,
            self.auth.max_logins,
        )
        return [request]

    def _login_answer(self, response: Response) -> list[Request]:
        login, account = self.auth.login, self.account
        assert login is not None and account is not None
        html = _text(response)
        state = _state(response, self.auth)
        if state == "human":
            self._needs_human("the login asks for a CAPTCHA or something the profile cannot answer")
        extra = login.extra
        at_extra = bool(response.meta.get("auth_extra"))
        if (
            extra is not None
            and not at_extra
            and state != "logged_in"
            and matches(html, extra.when)
        ):
            if account.extra is None:
                return self._give_up("the login asks for its extra step and no answer is set")
            try:
                request = self._form_request(
                    response, extra.form, {extra.field: account.extra.reveal()}
                )
            except ValueError as exc:
                return self._give_up(f"the extra step cannot be used (auth.login.extra): {exc}")
            request.meta["auth_extra"] = True
            return [request]
        if state == "logged_in":
            return self._logged_in(save=True)
        self._refused(REFUSED_EXTRA if at_extra else REFUSED)
        return []

    def _logged_in(self, save: bool) -> list[Request]:
        self.logging_in = False
        self.member = True
        self.jar.new_session()
        if save:
            self.stats.inc_value("auth/logins")
            self.session_source = "login"
            try:
                stored = self.jar.save(self.store, self.platform, "login")
                logger.info("%s: logged in; session saved to %s", self.platform, stored.path)
            except ConfigError as exc:
                logger.error("%s: logged in, but the session was not saved: %s", self.platform, exc)
        return self._release()

    def _refused(self, message: str) -> None:
        self.logging_in = False
        self.gave_up = "the login was refused"
        self.stats.inc_value("auth/refused")
        self._stop("failed", message, logging.ERROR)
        raise CloseSpider(LOGIN_REFUSED)

    def _give_up(self, why: str) -> list[Request]:
        """No login this run: the held pages are fetched once more and read as they are."""
        self.logging_in = False
        self.gave_up = why
        logger.error("%s: no login: %s", self.platform, why)
        self.stats.set_value("auth/login_error", why)
        return self._release()

    def _login_failed(self, failure: Any) -> list[Request]:
        reason = f"{type(failure.value).__name__}: {failure.getErrorMessage()}"[:300]
        return self._give_up(f"the login could not be sent ({reason})")

    # ---- the end -------------------------------------------------------------------------------

    async def finish(self, job: CrawlJob) -> None:
        """Save the session a run ends with as a member (browser cookies merged first)."""
        if self.status is not None or not self.member:
            return
        await self._merge_browser_cookies()
        try:
            self.jar.save(self.store, self.platform, self.session_source or "login")
        except ConfigError as exc:
            logger.error("%s: the session was not saved: %s", self.platform, exc)

    async def _merge_browser_cookies(self) -> None:
        from crawler.browser.handler import BrowserDownloadHandler

        handler = BrowserDownloadHandler.running(self.crawler)
        if handler is None:
            return
        cookies = await handler.context_cookies(self.platform)
        if cookies:
            self.jar.add_state_cookies(cookies)
