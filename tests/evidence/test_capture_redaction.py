"""No secret in the evidence: a login's POST is recorded without its bodies, and Cookie,
Set-Cookie, Authorization and Proxy-Authorization values are redacted on every record; the
WARC files stay valid and the run verifies (`crawler evidence verify`).

Driven through the capture middleware with real Scrapy requests and responses (the Scrapy
route: plain HTTP and tor) and through `record_exchange` with the exchange the browser
handler builds (crawler.browser.handler), then read back from the WARC bytes on disk.
"""

from __future__ import annotations

import base64
import gzip
import os
from pathlib import Path

import pytest
from scrapy import FormRequest, Request
from scrapy.http import HtmlResponse, Response
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.cli.main import main
from crawler.evidence.capture import EvidenceCapture
from crawler.evidence.records import check_warc
from crawler.evidence.warc import HttpExchange, RunWarcWriter, read_capture, redact_header
from crawler.models import CrawlJob, utcnow

BASE = "http://127.0.0.1:9"
USERNAME = "member-5521"
PASSWORD = "Pw-s3cret-71"
PIN = "40961735"  # long enough never to turn up by chance in a record id or digest (hex)
PRE = "pre-login-ab12cd"  # the pre-login cookie the CSRF token is bound to
SID = "sid-0f1e2d3c4b5a"
BROWSER_SID = "sid-browser-77aa"
BASIC = base64.b64encode(f"{USERNAME}:{PASSWORD}".encode()).decode()
SECRETS = [USERNAME, PASSWORD, PIN, PRE, SID, BROWSER_SID, BASIC]


def _html(body: str) -> bytes:
    return f"<html><body>{body}</body></html>".encode()


@pytest.fixture
def written(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict:
    """A login and a member page on the Scrapy route and the browser route, captured and
    sealed; the WARC file's bytes inflated, the references of interest."""
    root = tmp_path / "evidence"
    monkeypatch.setenv("EVIDENCE_DIR", str(root))
    monkeypatch.setenv("CRAWLER_DATA_DIR", str(tmp_path / "data"))
    crawler = get_crawler(
        settings_dict={
            "EVIDENCE_DIR": str(root),
            "EVIDENCE_SIGNING_KEY": os.environ["EVIDENCE_SIGNING_KEY"],  # tests/conftest.py
            "TWISTED_REACTOR_ENABLED": False,
        }
    )
    capture = EvidenceCapture.from_crawler(crawler)
    job = CrawlJob(id="demo-members-20261202T1", platform="demo-members", started_at=utcnow())
    capture.writer = RunWarcWriter(root, job.platform, job.id, 1 << 20)
    refs: dict = {}

    # The login page sets the pre-login cookie.
    page = Request(f"{BASE}/login")
    capture.process_response(
        page,
        HtmlResponse(
            page.url,
            body=_html('<form id="login"><input name="username"></form>'),
            headers={"Set-Cookie": f"members_pre={PRE}; Path=/; HttpOnly"},
        ),
    )
    # The form's POST (CRAWL marks it auth_secret): the wrong-password answer echoes the
    # username in the form, as many sites do.
    login = FormRequest(
        f"{BASE}/login",
        formdata={"csrf": "t0k", "username": USERNAME, "password": PASSWORD},
        headers={"Cookie": f"members_pre={PRE}"},
        meta={"auth_secret": True},
    )
    capture.process_response(
        login,
        HtmlResponse(
            login.url,
            body=_html(f'<p class="error">Wrong</p><input name="username" value="{USERNAME}">'),
            headers={"Content-Type": "text/html", "Content-Length": "80"},
        ),
    )
    refs["login"] = login.meta["evidence"]
    pin = FormRequest(f"{BASE}/login/pin", formdata={"pin": PIN}, meta={"auth_secret": True})
    capture.process_response(
        pin,
        Response(
            pin.url,
            status=302,
            headers={
                "Location": "/board",
                "Set-Cookie": [f"members_sid={SID}; Path=/; HttpOnly", "lang=en; Path=/"],
            },
        ),
    )
    refs["pin"] = pin.meta["evidence"]
    # A member page with the session (and credentials of other kinds a proxy or site uses).
    board = Request(
        f"{BASE}/board?page=1",
        headers={
            "Cookie": f"members_sid={SID}; lang=en",
            "Authorization": f"Basic {BASIC}",
            "Proxy-Authorization": f"Basic {BASIC}",
        },
    )
    listing = _html('<a class="logout" href="/logout">Log out</a><li>Room to share</li>')
    capture.process_response(
        board, HtmlResponse(board.url, body=listing, headers={"Content-Type": "text/html"})
    )
    refs["board"] = board.meta["evidence"]
    # A search form is not a login: its POST body is evidence and is kept.
    search = FormRequest(f"{BASE}/search", formdata={"q": "room"})
    capture.process_response(search, HtmlResponse(search.url, body=_html("<p>1 result</p>")))
    refs["search"] = search.meta["evidence"]
    # The browser route: what crawler.browser.handler hands to record_exchange for the
    # login form's POST on a page whose request was auth_secret (withheld set), and for a
    # member page the browser loaded with its session cookie.
    refs["browser_login"] = capture.record_exchange(
        HttpExchange(
            url=f"{BASE}/login",
            method="POST",
            request_headers=[
                ("content-type", "application/x-www-form-urlencoded"),
                ("cookie", f"members_pre={PRE}"),
            ],
            request_body=f"username={USERNAME}&password={PASSWORD}".encode(),
            status=302,
            response_headers=[("set-cookie", f"members_sid={BROWSER_SID}; HttpOnly")],
            body=b"",
            withheld="login form",
        )
    )
    refs["browser_board"] = capture.record_exchange(
        HttpExchange(
            url=f"{BASE}/board",
            method="GET",
            request_headers=[("cookie", f"members_sid={BROWSER_SID}")],
            request_body=b"",
            status=200,
            response_headers=[("content-type", "text/html")],
            body=listing,
        )
    )
    run = capture.finish(job)
    assert run is not None and capture.error is None
    [warc] = run.files
    path = root / warc.path
    return {"root": root, "path": path, "raw": gzip.decompress(path.read_bytes()), "refs": refs}


def _request_of(path: Path, response_id: str) -> tuple[list[tuple[str, str]], bytes]:
    with path.open("rb") as f:
        for rec in ArchiveIterator(f):
            body = rec.raw_stream.read()
            if rec.rec_type == "request" and (
                rec.rec_headers.get_header("WARC-Concurrent-To") == response_id
            ):
                return list(rec.http_headers.headers), body
    raise AssertionError(f"no request record for {response_id}")


def test_no_secret_value_anywhere_in_the_warc_file(written: dict) -> None:
    raw = written["raw"]
    for value in SECRETS:
        assert value.encode() not in raw, value
    # The cookie names stay: an analyst sees a session was used, never its value.
    for mark in (
        b"members_sid=[redacted]; lang=[redacted]",
        b"Set-Cookie: members_sid=[redacted]; Path=/; HttpOnly",
        b"Set-Cookie: members_pre=[redacted]; Path=/; HttpOnly",
        b"Authorization: Basic [redacted]",
        b"Proxy-Authorization: Basic [redacted]",
    ):
        assert mark in raw, mark


def test_a_login_post_keeps_its_headers_but_not_its_bodies(written: dict) -> None:
    root, path, refs = written["root"], written["path"], written["refs"]
    for name in ("login", "pin", "browser_login"):
        response = read_capture(root, refs[name])
        assert response.payload == b""
        headers = dict(response.http_headers or [])
        assert headers["X-Flagwatch-Withheld"] == "response body (login form)"
        assert headers["Content-Length"] == "0"
        request_headers, body = _request_of(path, refs[name].record_id)
        assert body == b""
        request = dict(request_headers)
        assert request["X-Flagwatch-Withheld"] == "request body (login form)"
        assert request["Content-Length"] == "0"
    assert read_capture(root, refs["pin"]).status == 302
    # What is not a login is recorded as fetched: the member page, the search form's POST.
    assert b"Room to share" in read_capture(root, refs["board"]).payload
    assert b"Room to share" in read_capture(root, refs["browser_board"]).payload
    search_headers, search_body = _request_of(path, refs["search"].record_id)
    assert search_body == b"q=room"
    assert "X-Flagwatch-Withheld" not in dict(search_headers)


def test_the_redacted_run_checks_clean_and_verifies(
    written: dict, capsys: pytest.CaptureFixture[str]
) -> None:
    path = written["path"]
    with path.open("rb") as f:
        check = check_warc(f, path.name)
    assert check.problems == [] and check.responses == 7
    code = main(["evidence", "verify"])
    out = capsys.readouterr()
    assert code == 0, out.out + out.err
    assert out.out.splitlines()[-1].endswith(": OK")


@pytest.mark.parametrize(
    ("name", "value", "redacted"),
    [
        ("Cookie", "a=1; b=2", "a=[redacted]; b=[redacted]"),
        ("cookie", "lonely", "[redacted]"),
        ("Cookie", "a=1;;b=x=y", "a=[redacted]; b=[redacted]"),
        (
            "Set-Cookie",
            "sid=v; Expires=Wed, 01 Jan 2031 00:00:00 GMT; Secure",
            "sid=[redacted]; Expires=Wed, 01 Jan 2031 00:00:00 GMT; Secure",
        ),
        ("SET-COOKIE", "sid=", "sid=[redacted]"),
        ("Authorization", "Bearer eyJ.x.y", "Bearer [redacted]"),
        ("Authorization", "token-only", "[redacted]"),
        ("Proxy-Authorization", "Basic dXNlcjpwYXNz", "Basic [redacted]"),
        ("Content-Type", "text/html", "text/html"),
        ("X-Session-Hint", "members_sid=1", "members_sid=1"),
    ],
)
def test_redact_header(name: str, value: str, redacted: str) -> None:
    assert redact_header(name, value) == redacted
