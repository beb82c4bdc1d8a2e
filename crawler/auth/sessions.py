"""The session of each members-only platform, kept between runs, and session files to import.

A session is stored as a Playwright storage state (`{"cookies": [...], "origins": [...]}`)
in AUTH_SESSIONS_DIR/<platform>.json (default CRAWLER_DATA_DIR/sessions): the directory
mode 0700, the file mode 0600, created with those modes (never widened then narrowed) and
replaced atomically (write, fsync, rename). Beside the state the file holds a
`"flagwatch"` entry: when it was saved and how (`login`, `import`, `human`). Playwright
ignores that entry, so the file can be handed to a browser context as it is.

A stored session that cannot be used is an error naming the file, never silently ignored:
a file readable or writable by group or others, not a regular file, not JSON, or not a
storage state.

`read_session_file(path)` reads a session someone brings (`auth.import`, `crawler login
--import`), recognising its format: a Netscape cookies.txt (curl, wget, browser add-ons:
the `#HttpOnly_` prefix, TRUE/FALSE flags, expiry 0 for a session cookie), a browser's
JSON cookie export (a list of objects as Cookie-Editor and EditThisCookie write them), or
a Playwright storage state. Errors name the file, the line or entry, and the reason;
never a cookie's value.

`cookiejar_cookies` and `state_cookies` convert between the storage state's cookies and
`http.cookiejar.Cookie` objects (Scrapy's cookie jar); `expired(state, now)` says whether
a state holds no cookie still valid.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import json
import os
import re
import stat
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from crawler.auth.secrets import AuthConfigError, check_private
from crawler.config import get_path
from crawler.durable import fsync_directory, write_synced

Source = Literal["login", "import", "human"]
SOURCES: tuple[str, ...] = ("login", "import", "human")
PLATFORM_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")  # crawler.profiles' name pattern
META_KEY = "flagwatch"
MAX_FILE_BYTES = 8 * 1024 * 1024
SAME_SITE = ("Strict", "Lax", "None")
# A cookie name is an RFC 6265 token; a value may not hold ';', controls or spaces at its ends.
_COOKIE_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
_BAD_VALUE = re.compile(r"[;\x00-\x1f\x7f]")
_DOMAIN = re.compile(r"^\.?(\[[0-9a-fA-F:]+\]|[A-Za-z0-9_]([A-Za-z0-9_.-]*[A-Za-z0-9_])?)$")


class SessionFileError(AuthConfigError):
    """A session file that cannot be used: names the file, where in it, and why."""


@dataclass(frozen=True)
class StoredSession:
    """A platform's stored session: a Playwright storage state and where it came from."""

    platform: str
    state: dict[str, Any]
    saved_at: float
    source: str
    path: Path

    def age(self, now: float | None = None) -> float:
        return (time.time() if now is None else now) - self.saved_at

    def too_old(self, max_age: float | None, now: float | None = None) -> bool:
        """True when `max_age` (auth.session_max_age) is set and the session is older."""
        return max_age is not None and self.age(now) > max_age

    def expired(self, now: float | None = None) -> bool:
        return expired(self.state, time.time() if now is None else now)


class SessionStore:
    """AUTH_SESSIONS_DIR: one storage state per platform, `<platform>.json`, mode 0600."""

    def __init__(self, directory: str | Path) -> None:
        self.directory = Path(directory)

    @classmethod
    def of(cls, settings: Any) -> SessionStore:
        configured = get_path(settings, "AUTH_SESSIONS_DIR")
        if configured is not None:
            return cls(configured)
        data = get_path(settings, "CRAWLER_DATA_DIR", "data")
        assert data is not None
        return cls(data / "sessions")

    def path(self, platform: str) -> Path:
        if not isinstance(platform, str) or not PLATFORM_NAME.fullmatch(platform):
            # A platform name names a file: anything else could escape the directory.
            raise AuthConfigError(
                self.directory, "(platform)", "not a platform name (a-z, 0-9, _ and -)"
            )
        return self.directory / f"{platform}.json"

    def load(self, platform: str) -> StoredSession | None:
        """The stored session, None when there is none; SessionFileError when the file
        exists but cannot be used (permissions, not JSON, not a storage state)."""
        path = self.path(platform)
        if not os.path.lexists(path):
            return None
        try:
            st = check_private(path)
        except AuthConfigError as exc:
            raise SessionFileError(exc.source, exc.field, exc.reason) from None
        if st.st_size > MAX_FILE_BYTES:
            raise SessionFileError(path, "(file)", f"larger than {MAX_FILE_BYTES} bytes")
        try:
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
            with os.fdopen(fd, "rb") as f:
                raw = f.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise SessionFileError(path, "(file)", exc.strerror or str(exc)) from None
        data = _json(path, raw)
        if not isinstance(data, dict):
            raise SessionFileError(path, "(file)", "not a stored session (a JSON object)")
        meta = data.get(META_KEY)
        if not isinstance(meta, dict):
            raise SessionFileError(path, META_KEY, "missing: not a session this crawler saved")
        saved_at = meta.get("saved_at")
        if isinstance(saved_at, bool) or not isinstance(saved_at, int | float):
            raise SessionFileError(path, f"{META_KEY}.saved_at", "must be a number (epoch seconds)")
        source = meta.get("source")
        if source not in SOURCES:
            raise SessionFileError(
                path, f"{META_KEY}.source", f"must be one of {', '.join(SOURCES)}"
            )
        state = storage_state(data, path)
        return StoredSession(platform, state, float(saved_at), str(source), path)

    def save(
        self, platform: str, state: dict[str, Any], source: str, now: float | None = None
    ) -> StoredSession:
        """Store `state` for `platform` (atomically; file 0600 in a 0700 directory)."""
        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}")
        path = self.path(platform)
        clean = storage_state(state, f"session of {platform}")
        saved_at = time.time() if now is None else now
        document = dict(clean)
        document[META_KEY] = {"saved_at": saved_at, "source": source, "platform": platform}
        self._ensure_directory()
        payload = json.dumps(document, indent=1, sort_keys=True).encode()
        tmp = self.directory / f".{platform}.json.{os.getpid()}.tmp"
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        try:
            fd = os.open(tmp, flags, 0o600)
            try:
                os.fchmod(fd, 0o600)  # the umask could only narrow it; say it anyway
                write_synced(fd, payload)
            finally:
                os.close(fd)
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            raise SessionFileError(path, "(file)", f"cannot write: {exc.strerror or exc}") from None
        self._fsync_directory()
        return StoredSession(platform, clean, saved_at, source, path)

    def delete(self, platform: str) -> bool:
        """Remove the stored session; True when there was one."""
        try:
            self.path(platform).unlink()
        except FileNotFoundError:
            return False
        self._fsync_directory()
        return True

    def saved_at(self, platform: str) -> float | None:
        stored = self.load(platform)
        return None if stored is None else stored.saved_at

    def _ensure_directory(self) -> None:
        d = self.directory
        try:
            d.mkdir(mode=0o700, parents=True, exist_ok=True)
            st = d.lstat()
        except OSError as exc:
            raise SessionFileError(d, "(directory)", exc.strerror or str(exc)) from None
        if not stat.S_ISDIR(st.st_mode):
            raise SessionFileError(d, "(directory)", "not a directory")
        if stat.S_IMODE(st.st_mode) & 0o077:
            try:
                os.chmod(d, 0o700)
            except OSError as exc:
                raise SessionFileError(
                    d, "(directory)", f"open to group or others and cannot be narrowed: {exc}"
                ) from None

    def _fsync_directory(self) -> None:
        with contextlib.suppress(OSError):  # the file is written; the rename may not be synced
            fsync_directory(self.directory)


# -- storage states --------------------------------------------------------------------------


def _json(path: str | Path, raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SessionFileError(path, "(file)", f"not UTF-8 text (byte {exc.start})") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise SessionFileError(path, f"line {exc.lineno}", f"not valid JSON: {exc.msg}") from None


def _cookie(
    path: str | Path,
    where: str,
    *,
    name: Any,
    value: Any,
    domain: Any,
    cookie_path: Any = "/",
    expires: Any = -1,
    http_only: Any = False,
    secure: Any = False,
    same_site: Any = "Lax",
) -> dict[str, Any]:
    """One storage-state cookie, checked; errors name `where`, never the value."""
    if not isinstance(name, str) or not _COOKIE_NAME.fullmatch(name):
        raise SessionFileError(path, where, "the cookie name is missing or not a cookie name")
    if not isinstance(value, str):
        raise SessionFileError(path, f"{where} ({name})", "the value must be a string")
    if _BAD_VALUE.search(value):
        raise SessionFileError(
            path, f"{where} ({name})", "the value holds ';' or a control character"
        )
    if not isinstance(domain, str) or not _DOMAIN.fullmatch(domain):
        raise SessionFileError(
            path, f"{where} ({name})", "the domain is missing or not a host name"
        )
    if cookie_path is None or cookie_path == "":
        cookie_path = "/"
    if not isinstance(cookie_path, str) or not cookie_path.startswith("/"):
        raise SessionFileError(path, f"{where} ({name})", "the path must start with /")
    if isinstance(expires, bool) or not isinstance(expires, int | float):
        raise SessionFileError(path, f"{where} ({name})", "the expiry must be a number")
    for flag, label in ((http_only, "httpOnly"), (secure, "secure")):
        if not isinstance(flag, bool):
            raise SessionFileError(path, f"{where} ({name})", f"{label} must be true or false")
    if same_site not in SAME_SITE:
        raise SessionFileError(path, f"{where} ({name})", "sameSite must be Strict, Lax or None")
    return {
        "name": name,
        "value": value,
        "domain": domain.lower(),
        "path": cookie_path,
        "expires": -1 if expires <= 0 else float(expires),
        "httpOnly": http_only,
        "secure": secure,
        "sameSite": same_site,
    }


def storage_state(data: Any, path: str | Path = "<storage state>") -> dict[str, Any]:
    """A checked copy of a Playwright storage state (`cookies`, `origins`); other keys dropped."""
    if not isinstance(data, dict):
        raise SessionFileError(path, "(file)", "a storage state is a JSON object")
    cookies = data.get("cookies", [])
    origins = data.get("origins", [])
    if not isinstance(cookies, list):
        raise SessionFileError(path, "cookies", "must be a list")
    if not isinstance(origins, list):
        raise SessionFileError(path, "origins", "must be a list")
    out_cookies = []
    for i, c in enumerate(cookies):
        where = f"cookies[{i}]"
        if not isinstance(c, dict):
            raise SessionFileError(path, where, "must be an object")
        if "domain" not in c and "url" in c:
            raise SessionFileError(path, where, "give domain and path (not url)")
        out_cookies.append(
            _cookie(
                path,
                where,
                name=c.get("name"),
                value=c.get("value"),
                domain=c.get("domain"),
                cookie_path=c.get("path", "/"),
                expires=c.get("expires", -1),
                http_only=c.get("httpOnly", False),
                secure=c.get("secure", False),
                same_site=c.get("sameSite", "Lax"),
            )
        )
    out_origins = []
    for i, o in enumerate(origins):
        where = f"origins[{i}]"
        if not isinstance(o, dict) or not isinstance(o.get("origin"), str):
            raise SessionFileError(path, where, "must be an object with an origin")
        if not re.match(r"^https?://[^/\s]+$", o["origin"]):
            raise SessionFileError(path, f"{where}.origin", "not an http(s) origin")
        items = o.get("localStorage", [])
        if not isinstance(items, list) or not all(
            isinstance(e, dict)
            and isinstance(e.get("name"), str)
            and isinstance(e.get("value"), str)
            for e in items
        ):
            raise SessionFileError(
                path, f"{where}.localStorage", "must be a list of {name, value} strings"
            )
        out_origins.append(
            {
                "origin": o["origin"],
                "localStorage": [{"name": e["name"], "value": e["value"]} for e in items],
            }
        )
    return {"cookies": out_cookies, "origins": out_origins}


def expired(state: dict[str, Any], now: float) -> bool:
    """True when the state holds no cookie still valid at `now` (session cookies count as
    valid: only the server knows when they end)."""
    return not live_cookies(state, now)


def live_cookies(state: dict[str, Any], now: float) -> list[dict[str, Any]]:
    return [
        c
        for c in state.get("cookies", [])
        if c.get("expires", -1) is None or c.get("expires", -1) <= 0 or c["expires"] > now
    ]


# -- import formats ---------------------------------------------------------------------------


def read_session_file(path: str | Path) -> dict[str, Any]:
    """The storage state of a session file in any of the three formats (recognised by its
    content): Playwright storage state, a browser's JSON cookie export, Netscape cookies.txt.
    Raises SessionFileError naming the file, the line or entry, and the reason."""
    path = Path(path)
    try:
        st = path.stat()
        if not stat.S_ISREG(st.st_mode):
            raise SessionFileError(path, "(file)", "not a regular file")
        if st.st_size > MAX_FILE_BYTES:
            raise SessionFileError(path, "(file)", f"larger than {MAX_FILE_BYTES} bytes")
        raw = path.read_bytes()
    except FileNotFoundError:
        raise SessionFileError(path, "(file)", "does not exist") from None
    except OSError as exc:
        raise SessionFileError(path, "(file)", exc.strerror or str(exc)) from None
    head = raw.lstrip(b"\xef\xbb\xbf \t\r\n")
    if not head:
        raise SessionFileError(path, "(file)", "empty: no cookies")
    if head[:1] == b"{":
        data = _json(path, raw)
        if "cookies" not in data and "origins" not in data:
            raise SessionFileError(
                path, "(file)", "a JSON object but not a Playwright storage state (no cookies)"
            )
        state = storage_state(data, path)
    elif head[:1] == b"[":
        state = _browser_export(path, _json(path, raw))
    else:
        state = _netscape(path, raw)
    if not state["cookies"] and not state["origins"]:
        raise SessionFileError(path, "(file)", "holds no cookies")
    return state


# Chrome/Firefox add-ons write sameSite as the WebExtensions API names it.
_EXPORT_SAME_SITE = {
    "no_restriction": "None",
    "none": "None",
    "lax": "Lax",
    "strict": "Strict",
    "unspecified": "Lax",
    None: "Lax",
}


def _browser_export(path: Path, data: Any) -> dict[str, Any]:
    """Cookie-Editor / EditThisCookie: [{name, value, domain, path, secure, httpOnly,
    expirationDate, hostOnly, session, sameSite, ...}]."""
    cookies = []
    for i, c in enumerate(data):
        where = f"entry {i + 1}"
        if not isinstance(c, dict):
            raise SessionFileError(path, where, "must be an object (a browser cookie export)")
        domain = c.get("domain")
        host_only = c.get("hostOnly", False)
        if isinstance(domain, str) and not isinstance(host_only, bool):
            raise SessionFileError(path, where, "hostOnly must be true or false")
        if isinstance(domain, str) and domain and not host_only and not domain.startswith("."):
            domain = "." + domain
        if isinstance(domain, str) and host_only:
            domain = domain.lstrip(".")
        same_site = c.get("sameSite")
        same_site = same_site.lower() if isinstance(same_site, str) else same_site
        if same_site not in _EXPORT_SAME_SITE:
            raise SessionFileError(
                path, where, "sameSite must be no_restriction, lax, strict or unspecified"
            )
        expires = c.get("expirationDate")
        if c.get("session") is True or expires is None:
            expires = -1
        cookies.append(
            _cookie(
                path,
                where,
                name=c.get("name"),
                value=c.get("value"),
                domain=domain,
                cookie_path=c.get("path", "/"),
                expires=expires,
                http_only=c.get("httpOnly", False),
                secure=c.get("secure", False),
                same_site=_EXPORT_SAME_SITE[same_site],
            )
        )
    return {"cookies": cookies, "origins": []}


_FLAGS = {"TRUE": True, "FALSE": False}


def _netscape(path: Path, raw: bytes) -> dict[str, Any]:
    """Netscape cookies.txt: domain, subdomains flag, path, secure flag, expiry, name, value
    separated by tabs; `#HttpOnly_` before the domain marks an HttpOnly cookie."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise SessionFileError(path, "(file)", f"not UTF-8 text (byte {exc.start})") from None
    cookies = []
    for number, line in enumerate(text.splitlines(), start=1):
        where = f"line {number}"
        http_only = False
        if line.startswith("#HttpOnly_"):
            http_only = True
            line = line[len("#HttpOnly_") :]
        elif not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.rstrip("\r").split("\t")
        if len(fields) == 6:  # some writers drop the tab of an empty value
            fields.append("")
        if len(fields) != 7:
            raise SessionFileError(
                path,
                where,
                f"not a cookies.txt line: {len(fields)} tab-separated fields, 7 expected "
                "(a Netscape cookies.txt, a JSON cookie export or a Playwright storage state)",
            )
        domain, subdomains, cookie_path, secure, expiry, name, value = fields
        if subdomains.upper() not in _FLAGS or secure.upper() not in _FLAGS:
            raise SessionFileError(
                path, where, "the flags (2nd and 4th fields) must be TRUE or FALSE"
            )
        try:
            # Python's MozillaCookieJar writes an empty expiry for a session cookie.
            expires = int(expiry) if expiry.strip() else 0
        except ValueError:
            raise SessionFileError(path, where, "the expiry (5th field) is not a number") from None
        if _FLAGS[subdomains.upper()] and not domain.startswith("."):
            domain = "." + domain
        cookies.append(
            _cookie(
                path,
                where,
                name=name,
                value=value,
                domain=domain,
                cookie_path=cookie_path,
                expires=-1 if expires == 0 else expires,
                http_only=http_only,
                secure=_FLAGS[secure.upper()],
                same_site="Lax",
            )
        )
    return {"cookies": cookies, "origins": []}


# -- http.cookiejar ---------------------------------------------------------------------------


def cookiejar_cookies(state: dict[str, Any]) -> list[http.cookiejar.Cookie]:
    """The storage state's cookies as http.cookiejar.Cookie objects (for Scrapy's jar)."""
    out = []
    for c in state.get("cookies", []):
        domain = str(c["domain"])
        domain_cookie = domain.startswith(".")
        expires = c.get("expires", -1)
        session = expires is None or expires <= 0
        rest: dict[str, Any] = {}
        if c.get("httpOnly"):
            rest["HttpOnly"] = None
        if c.get("sameSite"):
            rest["SameSite"] = c["sameSite"]
        out.append(
            http.cookiejar.Cookie(
                version=0,
                name=c["name"],
                value=c["value"],
                port=None,
                port_specified=False,
                domain=domain,
                domain_specified=domain_cookie,
                domain_initial_dot=domain_cookie,
                path=c.get("path") or "/",
                path_specified=True,
                secure=bool(c.get("secure")),
                expires=None if session else int(expires),
                discard=session,
                comment=None,
                comment_url=None,
                rest=rest,
            )
        )
    return out


def state_cookies(
    cookies: Iterable[http.cookiejar.Cookie], now: float | None = None
) -> list[dict[str, Any]]:
    """Storage-state cookies from http.cookiejar.Cookie objects (Scrapy's jar), leaving out
    those expired at `now`."""
    moment = time.time() if now is None else now
    out = []
    for c in cookies:
        if c.expires is not None and c.expires <= moment:
            continue
        rest = {k.lower(): v for k, v in getattr(c, "_rest", {}).items()}
        same_site = rest.get("samesite")
        same_site = same_site.capitalize() if isinstance(same_site, str) else "Lax"
        domain = c.domain
        if c.domain_specified and not domain.startswith("."):
            domain = "." + domain
        out.append(
            {
                "name": c.name,
                "value": c.value or "",
                "domain": domain,
                "path": c.path or "/",
                "expires": -1 if c.expires is None else float(c.expires),
                "httpOnly": "httponly" in rest,
                "secure": bool(c.secure),
                "sameSite": same_site if same_site in SAME_SITE else "Lax",
            }
        )
    return out


def state_from_cookiejar(
    jar: Iterable[http.cookiejar.Cookie], origins: list[dict[str, Any]] | None = None
) -> dict[str, Any]:
    """A storage state holding a cookie jar's live cookies."""
    return {"cookies": state_cookies(jar), "origins": list(origins or [])}
