"""Stored sessions: one private file per platform, written atomically, refused when it
cannot be trusted, and convertible to and from Scrapy's cookie jar."""

from __future__ import annotations

import http.cookiejar
import json
import os
import stat
import urllib.request
from pathlib import Path

import pytest

from crawler.auth.secrets import AuthConfigError
from crawler.auth.sessions import (
    SessionFileError,
    SessionStore,
    cookiejar_cookies,
    expired,
    state_from_cookiejar,
)

SID = "sid-value-8c1f0e"
STATE = {
    "cookies": [
        {
            "name": "members_sid",
            "value": SID,
            "domain": "127.0.0.1",
            "path": "/",
            "expires": -1,
            "httpOnly": True,
            "secure": False,
            "sameSite": "Lax",
        },
        {
            "name": "lang",
            "value": "en",
            "domain": ".example.test",
            "path": "/",
            "expires": 4102444800.0,
            "httpOnly": False,
            "secure": True,
            "sameSite": "Strict",
        },
    ],
    "origins": [{"origin": "http://127.0.0.1:8000", "localStorage": [{"name": "k", "value": "v"}]}],
}


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_save_and_load_round_trip_with_private_modes(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    assert store.load("demo-members") is None
    old_umask = os.umask(0o000)  # a careless umask must not widen anything
    try:
        saved = store.save("demo-members", STATE, "login", now=1000.0)
    finally:
        os.umask(old_umask)
    assert _mode(store.directory) == 0o700
    assert _mode(store.path("demo-members")) == 0o600
    assert saved.path == store.path("demo-members")
    loaded = store.load("demo-members")
    assert loaded is not None
    assert loaded.state == STATE and loaded.source == "login" and loaded.saved_at == 1000.0
    assert store.saved_at("demo-members") == 1000.0
    # The file is a Playwright storage state as it stands (plus our own entry).
    on_disk = json.loads(store.path("demo-members").read_text())
    assert on_disk["cookies"] == STATE["cookies"] and on_disk["flagwatch"]["source"] == "login"
    # Replaced atomically: a second save leaves one file, no temporary beside it.
    store.save("demo-members", {"cookies": [], "origins": []}, "human", now=2000.0)
    assert sorted(p.name for p in store.directory.iterdir()) == ["demo-members.json"]
    again = store.load("demo-members")
    assert again is not None and again.source == "human" and again.state["cookies"] == []
    assert store.delete("demo-members") is True
    assert store.load("demo-members") is None and store.delete("demo-members") is False


def test_settings_choose_the_directory(tmp_path: Path) -> None:
    assert SessionStore.of({"AUTH_SESSIONS_DIR": str(tmp_path / "s")}).directory == tmp_path / "s"
    default = SessionStore.of({"AUTH_SESSIONS_DIR": "", "CRAWLER_DATA_DIR": str(tmp_path)})
    assert default.directory == tmp_path / "sessions"


def test_a_loose_directory_is_narrowed_on_save(tmp_path: Path) -> None:
    d = tmp_path / "sessions"
    d.mkdir(mode=0o755)
    d.chmod(0o755)
    SessionStore(d).save("demo-members", STATE, "import")
    assert _mode(d) == 0o700


@pytest.mark.parametrize("name", ["../escape", "Demo", "", "a/b", ".hidden", "x" * 70])
def test_a_platform_name_never_escapes_the_directory(tmp_path: Path, name: str) -> None:
    store = SessionStore(tmp_path)
    with pytest.raises(AuthConfigError, match="not a platform name"):
        store.save(name, STATE, "login")
    assert list(tmp_path.iterdir()) == []


def test_a_session_file_open_to_others_is_refused(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    store.save("demo-members", STATE, "login")
    path = store.path("demo-members")
    path.chmod(0o644)
    with pytest.raises(SessionFileError) as info:
        store.load("demo-members")
    assert info.value.source == str(path) and "mode 0644" in info.value.reason
    assert SID not in str(info.value)


@pytest.mark.parametrize(
    ("content", "field", "reason"),
    [
        (b"{not json", "line 1", "not valid JSON"),
        (b"\xff\xfe", "(file)", "not UTF-8"),
        (b"[]", "(file)", "not a stored session"),
        (json.dumps(STATE).encode(), "flagwatch", "not a session this crawler saved"),
        (
            json.dumps({**STATE, "flagwatch": {"saved_at": "x", "source": "login"}}).encode(),
            "flagwatch.saved_at",
            "must be a number",
        ),
        (
            json.dumps(
                {"cookies": [{"name": "a"}], "flagwatch": {"saved_at": 1, "source": "login"}}
            ).encode(),
            "cookies[0] (a)",
            "value must be a string",
        ),
    ],
)
def test_a_corrupt_session_file_is_an_error_naming_it(
    tmp_path: Path, content: bytes, field: str, reason: str
) -> None:
    store = SessionStore(tmp_path)
    path = store.path("demo-members")
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    os.write(fd, content)
    os.close(fd)
    with pytest.raises(SessionFileError) as info:
        store.load("demo-members")
    assert info.value.source == str(path)
    assert info.value.field == field and reason in info.value.reason


def test_expired_means_no_cookie_still_valid() -> None:
    session_only = {"cookies": [dict(STATE["cookies"][0])], "origins": []}
    assert not expired(session_only, now=10**10)  # a session cookie: only the server knows
    dated = {"cookies": [{**STATE["cookies"][1], "expires": 5000.0}], "origins": []}
    assert not expired(dated, now=4999.0)
    assert expired(dated, now=5000.0)
    assert expired({"cookies": [], "origins": []}, now=0)


def test_cookies_go_into_a_real_cookie_jar_and_back() -> None:
    jar = http.cookiejar.CookieJar()
    for cookie in cookiejar_cookies(STATE):
        jar.set_cookie(cookie)
    # The jar sends the host-only cookie to its host, the domain cookie to a subdomain only
    # over https, as a browser would.
    req = urllib.request.Request("http://127.0.0.1:8000/board")
    jar.add_cookie_header(req)
    assert req.get_header("Cookie") == f"members_sid={SID}"
    secure = urllib.request.Request("https://www.example.test/")
    jar.add_cookie_header(secure)
    assert secure.get_header("Cookie") == "lang=en"
    plain = urllib.request.Request("http://www.example.test/")
    jar.add_cookie_header(plain)
    assert plain.get_header("Cookie") is None
    back = state_from_cookiejar(jar)
    assert sorted(back["cookies"], key=lambda c: c["name"]) == sorted(
        STATE["cookies"], key=lambda c: c["name"]
    )


def test_a_cookie_set_by_a_server_through_scrapys_jar_is_kept_with_its_flags() -> None:
    from scrapy import Request
    from scrapy.http import HtmlResponse
    from scrapy.http.cookies import CookieJar

    jar = CookieJar()
    request = Request("http://127.0.0.1:8000/login", method="POST")
    response = HtmlResponse(
        "http://127.0.0.1:8000/login",
        status=302,
        headers={"Set-Cookie": f"members_sid={SID}; Path=/; HttpOnly; SameSite=Strict"},
        request=request,
    )
    jar.extract_cookies(response, request)
    (cookie,) = state_from_cookiejar(jar.jar)["cookies"]
    assert cookie["value"] == SID and cookie["domain"] == "127.0.0.1"
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert cookie["expires"] == -1
    # ... and a stored session goes back into Scrapy's jar and onto the next request.
    fresh = CookieJar()
    for c in cookiejar_cookies({"cookies": [cookie], "origins": []}):
        fresh.set_cookie(c)
    board = Request("http://127.0.0.1:8000/board")
    fresh.add_cookie_header(board)
    assert board.headers.get("Cookie") == f"members_sid={SID}".encode()


def test_a_symlinked_session_file_is_refused_and_age_is_measured(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "sessions")
    saved = store.save("demo-members", STATE, "import", now=1000.0)
    assert saved.age(now=1600.0) == 600.0
    assert saved.too_old(500, now=1600.0) and not saved.too_old(None, now=10**10)
    assert not saved.too_old(700, now=1600.0)
    other = tmp_path / "elsewhere.json"
    store.path("demo-members").rename(other)
    store.path("demo-members").symlink_to(other)
    with pytest.raises(SessionFileError, match="symbolic link"):
        store.load("demo-members")
