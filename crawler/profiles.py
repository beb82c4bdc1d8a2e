"""Platform profiles: one YAML file per flagged platform, validated before any request.

A profile says where a platform is (base_url, seeds), how to read it (list-page and
detail-page selectors, or a JSON API), how it is reached (network: clearnet, tor, js),
how politely, how far, and how often. The pydantic models below are the format's single
source of truth; `crawler profiles schema` prints the JSON Schema generated from them.

Strings may reference the environment as ${VAR} or ${VAR:-default}; this is how the demo
platforms learn the ports of the local demo world, and how an onion address or a secret
reaches a profile without being committed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crawler.config import ConfigError
from crawler.config.yamlfile import expand_env, read_yaml


class ProfileError(ConfigError):
    """A profile is broken: names the file, the field and the reason."""

    def __init__(self, path: str | Path, field: str, reason: str) -> None:
        super().__init__(path, field, reason)
        self.path = str(path)
        self.name: str | None = None  # the platform the file declares, when readable


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class FieldSelector(_Strict):
    """How to read one field: exactly one of css, xpath, jsonld or const; optional regex."""

    css: str | None = None
    xpath: str | None = None
    jsonld: str | None = Field(None, description="dotted path into the page's JSON-LD object")
    const: str | None = None
    regex: str | None = Field(None, description="applied to the selected text; group 1 if any")
    all: bool = Field(False, description="join every match instead of taking the first")

    @model_validator(mode="after")
    def _one_source(self) -> FieldSelector:
        sources = [s for s in (self.css, self.xpath, self.jsonld, self.const) if s is not None]
        if len(sources) != 1:
            raise ValueError("give exactly one of css, xpath, jsonld, const")
        if self.regex is not None:
            try:
                re.compile(self.regex)
            except re.error as exc:
                raise ValueError(f"regex does not compile: {exc}") from exc
        if self.xpath is not None:
            from parsel import Selector

            try:
                Selector(text="<html/>").xpath(self.xpath)
            except Exception as exc:  # parsel raises ValueError subclasses for bad XPath
                raise ValueError(f"xpath does not compile: {exc}") from exc
        if self.css is not None:
            from parsel import Selector

            try:
                Selector(text="<html/>").css(self.css)
            except Exception as exc:
                raise ValueError(f"css selector does not compile: {exc}") from exc
        return self


def _selector(value: Any) -> Any:
    # A bare string is shorthand for a CSS selector.
    return {"css": value} if isinstance(value, str) else value


def _check_css(value: str) -> str:
    from parsel import Selector

    try:
        Selector(text="<html/>").css(value)
    except Exception as exc:
        raise ValueError(f"css selector does not compile: {exc}") from exc
    return value


class ListPage(_Strict):
    item: str = Field(description="CSS selector of one listing's entry on a list page")
    link: FieldSelector = Field(description="the detail-page link, relative to the entry")
    key: FieldSelector | None = Field(
        None, description="the platform's listing id, relative to the entry"
    )
    fields: dict[str, FieldSelector] = Field(
        default_factory=dict,
        description="entry fields shown on the list page (price, title): a change re-fetches the detail page",
    )
    next_page: FieldSelector | None = None

    _norm = field_validator("link", "key", "next_page", mode="before")(lambda v: _selector(v))
    _item = field_validator("item")(lambda v: _check_css(v))

    @field_validator("fields", mode="before")
    @classmethod
    def _norm_fields(cls, v: Any) -> Any:
        return {k: _selector(s) for k, s in v.items()} if isinstance(v, dict) else v


DETAIL_FIELDS = {
    "title",
    "body",
    "price",
    "seller",
    "location",
    "posted_at",
    "phone",
    "email",
    "age",
    "category",
    "listing_key",
    "contact",
}


class DetailPage(_Strict):
    fields: dict[str, FieldSelector]

    @field_validator("fields", mode="before")
    @classmethod
    def _norm_fields(cls, v: Any) -> Any:
        return {k: _selector(s) for k, s in v.items()} if isinstance(v, dict) else v

    @field_validator("fields")
    @classmethod
    def _known_fields(cls, v: dict[str, FieldSelector]) -> dict[str, FieldSelector]:
        if "body" not in v and "title" not in v:
            raise ValueError("needs at least a title or a body selector")
        return v


class Limits(_Strict):
    """What one run may cost: pages, responses, entries, text. Hostile pages hit these."""

    max_pages: int = Field(20000, ge=1)
    max_depth: int = Field(1000, ge=1, description="the most list pages followed from one seed")
    max_listings: int | None = Field(None, ge=1)
    max_response_bytes: int = Field(
        5_000_000, ge=1024, description="a larger body (compressed or not) fails the page"
    )
    max_entries_per_page: int = Field(
        1000, ge=1, description="list entries read from one list page; the rest are ignored"
    )
    max_links_per_page: int = Field(
        500, ge=1, description="requests followed from one list or API page"
    )
    max_text_chars: int = Field(
        100_000, ge=1000, description="characters kept per text field; the cut is recorded"
    )
    max_html_depth: int = Field(
        512, ge=32, le=2000, description="deeper nesting is flattened (text kept, change recorded)"
    )
    download_timeout: float = Field(60.0, gt=0, le=600, description="seconds per request")


class Politeness(_Strict):
    concurrency: int = Field(8, ge=1, le=256, description="concurrent requests to this platform")
    delay: float = Field(0.0, ge=0, description="seconds between requests (before AutoThrottle)")
    autothrottle: bool = True
    robots_txt: bool = Field(True, description="obey robots.txt; false only on purpose")
    user_agent: str | None = None
    retry_after_max: float = Field(
        300.0,
        ge=0,
        description="longest Retry-After (seconds) waited for; a longer one pauses the "
        "platform for the rest of the run",
    )


class Schedule(_Strict):
    interval: float | None = Field(None, gt=0, description="seconds between runs")
    cron: str | None = Field(None, description="cron expression (UTC)")
    jitter: float = Field(0.0, ge=0, description="random delay in seconds added to each run")

    @model_validator(mode="after")
    def _one(self) -> Schedule:
        if (self.interval is None) == (self.cron is None):
            raise ValueError("give exactly one of interval or cron")
        if self.cron is not None:
            from croniter import croniter

            if not croniter.is_valid(self.cron):
                raise ValueError(f"not a valid cron expression: {self.cron!r}")
        return self


class Incremental(_Strict):
    enabled: bool = True
    stop_on_known_page: bool = Field(
        True,
        description="stop paginating at a list page whose entries are all known and unchanged "
        "(the platform must list recently added or updated listings first)",
    )
    full_recrawl_every: int = Field(
        0, ge=0, description="every N-th run walks all list pages (0: only after an incomplete run)"
    )


class PageAction(_Strict):
    """One bounded browser action (network: js)."""

    action: Literal["wait_for", "click_until_gone", "scroll", "wait_for_count"]
    selector: str | None = None
    times: int = Field(1, ge=1, le=1000)
    timeout_ms: int = Field(10000, ge=1, le=120000)


class Render(_Strict):
    actions: list[PageAction] = Field(default_factory=list)
    render_detail: bool = Field(True, description="also render detail pages in the browser")


class ApiMode(_Strict):
    """Read listings from a JSON endpoint instead of rendering pages."""

    endpoint: str = Field(description="URL (relative to base_url); {page} or {offset} placeholders")
    items_path: str = Field(description="dotted path to the list of listings in the response")
    next_path: str | None = Field(None, description="dotted path to the next URL or cursor")
    page_size: int = Field(20, ge=1)
    max_pages: int = Field(1000, ge=1)
    fields: dict[str, str] = Field(description="listing field -> dotted path inside one item")
    url_template: str | None = Field(None, description="listing URL, e.g. /post/{id}")


class TorOptions(_Strict):
    isolation: bool = Field(True, description="a circuit of its own for this platform")
    strict: bool = Field(False, description="OPSEC strict: every request through Tor or none")


class HealthThresholds(_Strict):
    """When a run is judged degraded or failing (crawler.health; docs/health.md).

    The defaults here are the one place every threshold's default lives. Ratios are
    shares (0.5: half); "history" is the platform's last `history_runs` healthy judged runs.
    """

    history_runs: int = Field(
        10, ge=1, le=100, description="healthy judged runs whose median a run is compared with"
    )
    min_history: int = Field(
        3, ge=1, le=100, description="judged runs needed before the drop and slow monitors apply"
    )
    items_drop: float = Field(
        0.5,
        gt=0,
        le=1,
        description="listings found on list pages fell by this share of the usual (same mode)",
    )
    entries_drop: float = Field(
        0.5, gt=0, le=1, description="list entries per list page fell by this share of the usual"
    )
    coverage_drop: float = Field(
        0.4,
        gt=0,
        le=1,
        description="share of listings with a field (title, body, price, contact, posted_at) "
        "fell by this much below the usual (0.4: from 90% to under 50%)",
    )
    coverage_min_listings: int = Field(
        10, ge=1, description="listings a run must store before its field coverage is judged"
    )
    error_rate_max: float = Field(
        0.2, ge=0, le=1, description="share of responses with HTTP status 4xx/5xx"
    )
    retry_rate_max: float = Field(0.2, ge=0, le=1, description="retries per request")
    rate_min_requests: int = Field(
        10, ge=1, description="requests a run must make before error and retry rates are judged"
    )
    list_zero_entries_allowed: int = Field(
        0, ge=0, description="list pages with zero entries allowed beyond the usual number"
    )
    list_zero_entries_share: float = Field(
        0.5,
        ge=0,
        le=1,
        description="share of a run's list pages that must yield zero entries before the "
        "platform is judged degraded (an emptied category alone is not a layout change)",
    )
    detail_no_match_allowed: int = Field(
        0,
        ge=0,
        description="detail pages matching no field selector allowed beyond the usual number",
    )
    page_signal_failing: float = Field(
        0.5,
        gt=0,
        le=1,
        description="share of checked pages that look like a login wall, CAPTCHA, block page "
        "or parked domain from which the platform is failing (any such page: degraded)",
    )
    tor_failure_rate_max: float = Field(
        0.3, ge=0, le=1, description="tor requests failing (circuit, timeout, unreachable)"
    )
    browser_crashes_allowed: int = Field(0, ge=0, description="browser crashes in one run")
    stalled_minutes: float = Field(
        10.0,
        gt=0,
        description="minutes without a response or a stored listing after which the run is "
        "stopped and judged stalled",
    )
    slow_factor: float = Field(
        5.0, gt=1, description="median response time this many times the usual is slow"
    )
    slow_min_seconds: float = Field(
        1.5, ge=0, description="... and more than this many seconds (local sites answer in ms)"
    )
    flatline_factor: float = Field(
        3.0,
        gt=1,
        description="no new listings for longer than this many times the median time between "
        "runs that found new listings is a flatline",
    )
    flatline_min_runs: int = Field(
        4, ge=2, description="runs that found new listings needed to learn the rhythm"
    )


class Expect(_Strict):
    """CSS selectors that must match on every page of a kind (a login wall, a CAPTCHA or a
    new layout lacks them): checked on every list and detail page, counted per selector."""

    list_page: list[str] = Field(
        default_factory=list, alias="list", description="must match on every list page"
    )
    detail: list[str] = Field(default_factory=list, description="must match on every detail page")

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    @field_validator("list_page", "detail")
    @classmethod
    def _css(cls, v: list[str]) -> list[str]:
        for i, selector in enumerate(v):
            try:
                _check_css(selector)
            except ValueError as exc:
                raise ValueError(f"selector {i}: {exc}") from None
        return v


class PageCheck(_Strict):
    """A test on a page: a CSS selector that matches, or a text the page contains."""

    css: str | None = None
    text: str | None = Field(None, description="case-insensitive text of the page")

    @model_validator(mode="after")
    def _one(self) -> PageCheck:
        if (self.css is None) == (self.text is None):
            raise ValueError("give exactly one of css or text")
        if self.css is not None:
            _check_css(self.css)
        return self


def _check(value: Any) -> Any:
    # A bare string is shorthand for a CSS selector.
    return {"css": value} if isinstance(value, str) else value


class Credentials(_Strict):
    """Where the account's secrets come from: never the profile itself.

    Either environment variables (their names here), or a key of the secrets file
    (AUTH_SECRETS_FILE; default key: the platform name) holding username, password and,
    for an extra step, the answer it asks (pin).
    """

    username_env: str | None = Field(None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    password_env: str | None = Field(None, pattern=r"^[A-Z_][A-Z0-9_]*$")
    extra_env: str | None = Field(
        None, pattern=r"^[A-Z_][A-Z0-9_]*$", description="the extra step's answer (a PIN)"
    )
    secrets_key: str | None = Field(
        None, description="key in AUTH_SECRETS_FILE (default: the platform name)"
    )

    @model_validator(mode="after")
    def _pairs(self) -> Credentials:
        if (self.username_env is None) != (self.password_env is None):
            raise ValueError("give both username_env and password_env, or neither")
        if self.username_env is not None and self.secrets_key is not None:
            raise ValueError("give environment variables or a secrets_key, not both")
        return self


class ExtraStep(_Strict):
    """A second login page (a PIN, a security question the account owner answered)."""

    when: PageCheck = Field(description="the page after the first form asks for this step")
    form: str | None = Field(None, description="CSS selector of its form (default: the first)")
    field: str = Field(description="name of the input that takes the answer")

    _when = field_validator("when", mode="before")(lambda v: _check(v))


class FormLogin(_Strict):
    url: str = Field(description="the login page, relative to base_url or absolute")
    form: str | None = Field(
        None, description="CSS selector of the login form (default: the form with a password input)"
    )
    username_field: str = Field("username", description="name of the username input")
    password_field: str = Field("password", description="name of the password input")
    extra: ExtraStep | None = None

    _form = field_validator("form")(lambda v: v if v is None else _check_css(v))


class Auth(_Strict):
    """How the crawler gets into a members-only platform (crawler/auth, docs/auth.md)."""

    login: FormLogin | None = Field(None, description="log in with a form")
    credentials: Credentials = Field(default_factory=Credentials)
    session_import: str | None = Field(
        None,
        alias="import",
        description="a session to start from: Netscape cookies.txt, a browser's JSON "
        "cookie export, or a Playwright storage state (the format is recognised)",
    )
    logged_in: PageCheck | None = Field(
        None, description="present only when logged in (checked on every list page)"
    )
    logged_out: PageCheck | None = Field(
        None, description="present only when logged out (checked on every list page)"
    )
    human: list[PageCheck] = Field(
        default_factory=list,
        description="pages the crawler cannot answer (a CAPTCHA, a question): besides the "
        "page classifier's CAPTCHA signs, these stop the platform as needs_login",
    )
    max_logins: int = Field(
        2, ge=1, le=10, description="login attempts per run at most (never more: lockouts)"
    )
    session_max_age: float | None = Field(
        None, gt=0, description="seconds after which a stored session is not reused"
    )

    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    _checks = field_validator("logged_in", "logged_out", mode="before")(lambda v: _check(v))

    @field_validator("human", mode="before")
    @classmethod
    def _humans(cls, v: Any) -> Any:
        return [_check(x) for x in v] if isinstance(v, list) else v

    @model_validator(mode="after")
    def _way_in(self) -> Auth:
        if self.login is None and self.session_import is None:
            raise ValueError("give a login form (login) or a session to import (import)")
        if self.logged_in is None and self.logged_out is None:
            raise ValueError("give logged_in or logged_out: how a page shows the session")
        return self


class PlatformProfile(_Strict):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    title: str | None = None
    base_url: str
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="other hosts the crawl may request besides base_url's and the seeds': "
        "'host', 'host:port' or '*.domain'; nothing else is ever fetched",
    )
    network: Literal["clearnet", "tor", "js"] = "clearnet"
    category: str = Field(
        description="platform kind: classifieds, jobs, forum, marketplace, social"
    )
    country: str | None = Field(
        None, pattern=r"^[A-Z]{2}$", description="ISO 3166 alpha-2 region hint"
    )
    language: str | None = Field(None, pattern=r"^[a-z]{2}$")
    seeds: list[str] = Field(min_length=1)
    list_page: ListPage | None = Field(None, alias="list")
    detail: DetailPage | None = None
    api: ApiMode | None = None
    render: Render | None = None
    tor: TorOptions = Field(default_factory=TorOptions)
    limits: Limits = Field(default_factory=Limits)
    politeness: Politeness = Field(default_factory=Politeness)
    schedule: Schedule | None = None
    incremental: Incremental = Field(default_factory=Incremental)
    health: HealthThresholds = Field(default_factory=HealthThresholds)
    expect: Expect = Field(default_factory=Expect)
    auth: Auth | None = Field(None, description="members-only platforms: how to log in")
    url_session_params: list[str] | None = Field(
        None,
        description="names of URL parameters that carry a session (?sid=..., ;jsessionid=...): "
        "sent in requests, never stored, logged or put in an id; default: common session "
        "parameter names (crawler/crawl/urls.py); [] for none",
    )
    source_file: str | None = Field(None, exclude=True)

    @field_validator("base_url")
    @classmethod
    def _url(cls, v: str) -> str:
        if not re.match(r"^https?://[^/\s]+", v):
            raise ValueError(f"not an http(s) URL: {v!r}")
        return v.rstrip("/")

    @field_validator("url_session_params")
    @classmethod
    def _session_params(cls, v: list[str] | None) -> list[str] | None:
        for name in v or ():
            if not re.fullmatch(r"[A-Za-z0-9_.-]{1,64}", name):
                raise ValueError(f"{name!r}: a URL parameter name (letters, digits, _ . -)")
        return v

    @field_validator("allowed_hosts")
    @classmethod
    def _hosts(cls, v: list[str]) -> list[str]:
        for entry in v:
            if not re.fullmatch(
                r"(\*\.)?[A-Za-z0-9.-]+(:\d{1,5})?|\[[0-9a-fA-F:]+\](:\d{1,5})?", entry
            ):
                raise ValueError(f"{entry!r}: use host, host:port or *.domain (no scheme, no path)")
        return v

    @model_validator(mode="after")
    def _reader(self) -> PlatformProfile:
        if self.api is None and (self.list_page is None or self.detail is None):
            raise ValueError("needs list and detail selectors, or an api section")
        return self

    def absolute(self, url: str) -> str:
        return url if re.match(r"^https?://", url) else f"{self.base_url}/{url.lstrip('/')}"

    @property
    def session_params(self) -> tuple[str, ...]:
        """URL parameters that carry a session (crawler.crawl.urls): the profile's, or the
        common ones."""
        if self.url_session_params is None:
            return DEFAULT_SESSION_PARAMS
        return tuple(self.url_session_params)

    @property
    def host(self) -> str:
        return re.sub(r"^https?://", "", self.base_url).split("/")[0].split(":")[0]


# Session parameters of widespread web software (PHP, Java servlets, ASP, ColdFusion,
# phpBB, osCommerce/Zen Cart). Not "s" or "token": too many sites use them for other things;
# a profile that needs them lists them.
DEFAULT_SESSION_PARAMS: tuple[str, ...] = (
    "phpsessid",
    "jsessionid",
    "sid",
    "sessionid",
    "session_id",
    "sess_id",
    "aspsessionid",
    "cfid",
    "cftoken",
    "oscsid",
    "zenid",
)


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function-")) or "(profile)"


def parse_profile(
    data: Any, path: str | Path = "<profile>", environ: Mapping[str, str] | None = None
) -> PlatformProfile:
    if not isinstance(data, dict):
        raise ProfileError(path, "(profile)", "the file must hold a YAML mapping")
    try:
        data = expand_env(data, environ)
    except KeyError as exc:
        raise ProfileError(
            path, "(environment)", f"variable {exc.args[0]} is not set and has no default"
        ) from None
    _refuse_secrets(data, path)
    try:
        profile = PlatformProfile.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        reason = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            reason = "unknown field"
        elif err["type"] == "missing":
            reason = "required field is missing"
        raise ProfileError(path, _loc(err["loc"]), reason) from None
    profile.source_file = str(path)
    return profile


# Keys that would put an account's secret in the profile (a committed file): refused with a
# message that says where secrets go instead, before the schema's "unknown field".
SECRET_KEYS = frozenset(
    {
        "username",
        "user",
        "password",
        "passwd",
        "pass",
        "pin",
        "secret",
        "token",
        "answer",
        "cookie",
        "cookies",
    }
)
SECRETS_ELSEWHERE = (
    "secrets never go in a profile: name environment variables in auth.credentials "
    "or use AUTH_SECRETS_FILE"
)


def _refuse_secrets(data: dict[str, Any], path: str | Path) -> None:
    auth = data.get("auth")
    if not isinstance(auth, dict):
        return
    login = auth.get("login")
    extra = login.get("extra") if isinstance(login, dict) else None
    places = [
        ("auth", auth),
        ("auth.login", login),
        ("auth.login.extra", extra),
        ("auth.credentials", auth.get("credentials")),
    ]
    for where, section in places:
        if not isinstance(section, dict):
            continue
        for key in section:
            if isinstance(key, str) and key.lower() in SECRET_KEYS:
                raise ProfileError(path, f"{where}.{key}", SECRETS_ELSEWHERE)


def load_profile(path: str | Path, environ: Mapping[str, str] | None = None) -> PlatformProfile:
    return parse_profile(read_yaml(path, ProfileError), path, environ)


def default_profile_dirs(settings: Any = None) -> list[Path]:
    """PLATFORMS_DIR (os.pathsep-separated) if set, else ./platforms and the bundled demo profiles."""
    if settings is None:
        from crawler.config import crawler_settings

        settings = crawler_settings()
    configured = str(settings.get("PLATFORMS_DIR") or "")
    if configured:
        return [Path(p) for p in configured.split(os.pathsep) if p]
    dirs = [Path("platforms")]
    bundled = Path(__file__).parent / "platforms"
    if bundled.resolve() not in {d.resolve() for d in dirs}:
        dirs.append(bundled)
    return dirs


class ProfileSet(dict[str, PlatformProfile]):
    """The valid profiles by name, and the broken files beside them (`errors`).

    One broken profile fails only its own platform: the others load, crawl and are
    scheduled; every command that reads profiles reports the broken ones.
    """

    def __init__(self) -> None:
        super().__init__()
        self.errors: list[ProfileError] = []

    def not_found(self, name: str) -> str:
        """Why `name` is not here, for a command's one-line error: its broken file, or the
        platforms that are configured."""
        broken = self.error_for(name)
        if broken is not None:
            return f"{name}: broken profile: {broken}"
        return f"unknown platform {name!r}; configured: {', '.join(sorted(self)) or 'none'}"

    def error_for(self, name: str) -> ProfileError | None:
        """The error of the broken file that most likely defines platform `name`."""
        for err in self.errors:
            if Path(err.path).stem == name or err.name == name:
                return err
        return None


def load_profiles(
    dirs: list[Path] | None = None,
    environ: Mapping[str, str] | None = None,
    settings: Any = None,
) -> ProfileSet:
    """Every *.yaml profile in the directories (default: PLATFORMS_DIR of `settings`); the
    first definition of a name wins. `environ` fills ${VAR} references (default os.environ).

    Broken files and unreadable directories are collected in `.errors`, never raised.
    """
    out = ProfileSet()
    for d in dirs or default_profile_dirs(settings):
        if not d.exists():
            continue
        if not d.is_dir():
            out.errors.append(ProfileError(d, "(directory)", "not a directory"))
            continue
        try:
            paths = sorted(p for p in d.iterdir() if p.suffix == ".yaml")
        except OSError as exc:
            out.errors.append(ProfileError(d, "(directory)", exc.strerror or str(exc)))
            continue
        for path in paths:
            try:
                p = load_profile(path, environ)
            except ProfileError as exc:
                exc.name = _declared_name(path)
                out.errors.append(exc)
                continue
            out.setdefault(p.name, p)
    return out


def load_named_profile(
    name: str,
    dirs: list[Path] | None = None,
    environ: Mapping[str, str] | None = None,
    settings: Any = None,
) -> PlatformProfile | None:
    """Platform `name`'s profile as load_profiles gives it (the first valid definition, in
    the same order), parsing only the files that may define it: a file whose plain `name:`
    line declares another platform is not parsed. None when no valid file defines it
    (load_profiles then says why). A crawl of one platform among 1,000 profiles parsed them
    all before (about 3 s of CPU per `crawler crawl` process)."""
    for d in dirs or default_profile_dirs(settings):
        try:
            paths = sorted(p for p in d.iterdir() if p.suffix == ".yaml")
        except OSError:
            continue  # missing or unreadable: load_profiles reports it
        for path in paths:
            declared = _declared_name(path)
            if declared is not None and declared != name:
                continue
            try:
                profile = load_profile(path, environ)
            except ProfileError:
                continue
            if profile.name == name:
                return profile
    return None


class UnknownPlatform(ValueError):
    """No valid profile defines the platform; the message says why, in one line: its broken
    file, or the platforms that are configured."""


def find_profile(
    name: str,
    dirs: list[Path] | None = None,
    environ: Mapping[str, str] | None = None,
    settings: Any = None,
) -> PlatformProfile:
    """Platform `name`'s profile, parsing only the files that may define it
    (load_named_profile); when none does, every profile is loaded once to say why, and
    UnknownPlatform is raised. The one way a command, the spider and the worker find the
    profile of the platform they were asked for."""
    profile = load_named_profile(name, dirs, environ, settings)
    if profile is not None:
        return profile
    profiles = load_profiles(dirs, environ, settings)
    if name in profiles:  # defined under another file name: load_named_profile skips none
        return profiles[name]
    raise UnknownPlatform(profiles.not_found(name))


def _declared_name(path: Path) -> str | None:
    """The `name:` a broken profile file declares, when a plain line says it."""
    try:
        with path.open("rb") as f:
            head = f.read(4096).decode("utf-8", "replace")  # the name is at the top
    except OSError:
        return None
    m = re.search(r"^name:\s*[\"']?([a-z0-9][a-z0-9_-]{0,62})", head, re.M)
    return m.group(1) if m else None


def _allow_selector_shorthand(node: Any) -> Any:
    # A bare string is accepted wherever a FieldSelector is (shorthand for {css: ...}).
    ref = {"$ref": "#/$defs/FieldSelector"}
    if isinstance(node, dict) and node.get("$ref") == ref["$ref"]:
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return {
            "anyOf": [{"type": "string", "description": "CSS selector (shorthand)"}, ref],
            **rest,
        }
    if isinstance(node, dict):
        return {k: _allow_selector_shorthand(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_allow_selector_shorthand(v) for v in node]
    return node


def profile_json_schema() -> dict[str, Any]:
    schema = _allow_selector_shorthand(PlatformProfile.model_json_schema(by_alias=True))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Platform profile"
    return schema
