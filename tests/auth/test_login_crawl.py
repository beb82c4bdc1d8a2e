"""Crawling the members-only demo platform on the plain HTTP route (crawler.auth.login, jar).

One demo world (demo-members) for the module, and two data directories, each a sequence
of real `crawler crawl` processes:

- the member's story: the first run logs in (CSRF token, then the PIN page) and, when the
  site expires every session half-way through the walk, logs in again and loses nothing;
  the second run reuses the saved session (no login POST); then the site asks for a CAPTCHA:
  the run ends needs_login (exit 6) with exactly one health alert, and the run after it
  sends no request at all;
- a wrong password: the job fails with a clear message after one login POST, and the
  account is not locked;
- an imported cookies.txt (made from a real session) is used without any login.

Every log line, stored listing, job, WARC file, alert and session-free file of the runs is
searched for the password, the PIN and the session cookie values: none is there.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookiejar
import re
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml

from crawler.config import crawler_settings
from crawler.testing.crawls import (
    CrawlRun,
    crawl_command,
    crawl_env,
    running_world,
    stored_listings,
)

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
PLATFORM = "demo-members"
SIZE = 40


@dataclass
class Story:
    world: Any
    env: dict[str, str]
    runs: dict[str, CrawlRun] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    log_slices: dict[str, list[Any]] = field(default_factory=dict)
    posts: dict[str, int] = field(default_factory=dict)
    cookie_values: set[str] = field(default_factory=set)
    env_import: dict[str, str] = field(default_factory=dict)
    data: Path = Path()


def _env(world: Any, data: Path, **extra: str) -> dict[str, str]:
    data.mkdir(parents=True, exist_ok=True)
    return crawl_env(world, data, {"ALERTS_RULES": str(ROOT / "rules"), **extra})


def _crawl(story: Story, name: str, env: dict[str, str] | None = None, during: Any = None) -> None:
    """One `crawler crawl demo-members`; `during(world)` is polled while it runs."""
    members = story.world.members
    posts, seen = members.login_posts, len(members.requests_log)
    started = time.monotonic()
    with tempfile.TemporaryFile("w+") as out:  # a pipe left unread while polling fills up
        proc = subprocess.Popen(
            crawl_command(PLATFORM), env=env or story.env, stdout=out, stderr=subprocess.STDOUT,
            text=True,
        )  # fmt: skip
        if during is not None:
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline:
                during(story.world)
                time.sleep(0.02)
        proc.wait(timeout=180)
        out.seek(0)
        story.runs[name] = CrawlRun(proc.returncode, out.read())
    story.seconds[name] = round(time.monotonic() - started, 1)
    story.log_slices[name] = list(members.requests_log[seen:])
    story.posts[name] = members.login_posts - posts


def _expire_after(pages: int) -> Any:
    """A `during` hook: expire every session once `pages` member list pages were served."""
    done = {"expired": False}

    def hook(world: Any) -> None:
        if done["expired"]:
            return
        served = [
            r for r in world.members.requests_log if r.path.startswith("/board") and r.had_session
        ]
        if len(served) >= pages:
            world.members.expire_sessions()
            done["expired"] = True

    return hook


def _session_cookie(data: Path) -> set[str]:
    import json

    path = data / "sessions" / f"{PLATFORM}.json"
    if not path.exists():
        return set()
    return {c["value"] for c in json.loads(path.read_text())["cookies"]}


@pytest.fixture(scope="module")
def world() -> Iterator[Any]:
    with running_world(size=SIZE, platforms=[PLATFORM]) as w:
        yield w


@pytest.fixture(scope="module")
def story(world: Any, tmp_path_factory: pytest.TempPathFactory) -> Story:
    data = tmp_path_factory.mktemp("members")
    s = Story(world, _env(world, data / "data"))
    _crawl(s, "login", during=_expire_after(2))
    s.cookie_values |= _session_cookie(data / "data")
    _crawl(s, "reuse")
    s.cookie_values |= _session_cookie(data / "data")
    world.members.captcha_always = True
    world.members.expire_sessions()
    try:
        _crawl(s, "captcha")
        _crawl(s, "after_captcha")
    finally:
        world.members.captcha_always = False
    # A secret missing from the environment: fails closed before any request.
    missing = _env(world, data / "missing")
    del missing["DEMO_MEMBERS_PIN"]
    _crawl(s, "missing", env=missing)
    # A wrong password, in a data directory without a session.
    wrong = _env(world, data / "wrong", DEMO_MEMBERS_PASSWORD="not-the-password-1")
    _crawl(s, "wrong", env=wrong)
    # An imported cookies.txt, written from a session a member's browser got.
    s.env_import = _import_env(world, data)
    s.cookie_values |= set(s.env_import.pop("_cookie_values").split())
    _crawl(s, "import", env=s.env_import)
    s.data = data
    return s


def _member_login(world: Any) -> http.cookiejar.CookieJar:
    """Log in as a member does in a browser: the form, its csrf token, the PIN page."""
    base = world.urls[PLATFORM]
    account = world.members.account
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    page = opener.open(base + "/login").read().decode()
    csrf = re.search(r'name="csrf"[^>]*value="([^"]+)"', page) or re.search(
        r'value="([^"]+)"[^>]*name="csrf"', page
    )
    assert csrf, page
    form = {"username": account.username, "password": account.password, "csrf": csrf.group(1)}
    answer = opener.open(base + "/login", urllib.parse.urlencode(form).encode()).read().decode()
    if 'id="pin"' in answer:
        pin = {"pin": account.pin}
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', answer))
        opener.open(base + "/login/pin", urllib.parse.urlencode({**hidden, **pin}).encode()).read()
    assert any(c.name == "members_sid" for c in jar)
    return jar


def _import_env(world: Any, data: Path) -> dict[str, str]:
    jar = _member_login(world)
    lines = ["# Netscape HTTP Cookie File"]
    for c in jar:
        lines.append(
            "\t".join(
                [
                    ("#HttpOnly_" if c.has_nonstandard_attr("HttpOnly") else "") + c.domain,
                    "TRUE" if c.domain.startswith(".") else "FALSE",
                    c.path,
                    "TRUE" if c.secure else "FALSE",
                    str(c.expires or 0),
                    c.name,
                    c.value or "",
                ]
            )
        )
    platforms = data / "platforms"
    platforms.mkdir()
    (platforms / "cookies.txt").write_text("\n".join(lines) + "\n")
    (platforms / "cookies.txt").chmod(0o600)
    profile = yaml.safe_load((ROOT / "crawler/platforms" / f"{PLATFORM}.yaml").read_text())
    profile["auth"]["import"] = "cookies.txt"  # relative to the profile's own directory
    (platforms / f"{PLATFORM}.yaml").write_text(yaml.safe_dump(profile, sort_keys=False))
    env = _env(world, data / "imported", PLATFORMS_DIR=str(platforms))
    env["_cookie_values"] = " ".join(c.value or "" for c in jar)
    return env


def _jobs(env: dict[str, str]) -> list[Any]:
    from crawler.store import open_store

    async def go() -> list[Any]:
        async with open_store(crawler_settings(env)) as store:
            return await store.jobs(PLATFORM, limit=20)

    return asyncio.run(go())


def _health_alerts(data: Path) -> list[dict[str, Any]]:
    import json

    path = data / "alerts.jsonl"
    if not path.exists():
        return []
    alerts = [json.loads(line)["alert"] for line in path.read_text().splitlines() if line]
    return [a for a in alerts if a.get("outcome") == "health"]


def test_first_run_logs_in_with_csrf_and_pin_and_relogs_in_when_the_session_expires(
    story: Story,
) -> None:
    run = story.runs["login"]
    assert run.returncode == 0, run.output[-3000:]
    # Two logins: the first, and one after expire_sessions() half-way; each with its PIN.
    assert story.posts["login"] == 2, run.output[-3000:]
    assert story.world.members.locked is False
    # Nothing lost: every listing of the site stored, each with its member-only body.
    listings = stored_listings(story.env, PLATFORM)
    truth = {g.path for g in story.world.ground_truth()[PLATFORM]}
    assert {urlsplit(lst.url).path for lst in listings} == truth
    assert all(lst.body.strip() for lst in listings)
    assert "please log in" not in " ".join(lst.body.lower() for lst in listings)
    # Pages served logged out were fetched again, not read as empty list pages.
    assert "login_wall" not in run.output and "list_zero_entries" not in run.output
    assert run.stat("health") == "healthy", run.output[-3000:]


def test_second_run_reuses_the_saved_session(story: Story) -> None:
    run = story.runs["reuse"]
    assert run.returncode == 0, run.output[-3000:]
    assert story.posts["reuse"] == 0
    board = [r for r in story.log_slices["reuse"] if r.path.startswith(("/board", "/thread"))]
    assert board and all(r.had_session for r in board)
    assert not any(r.path.startswith("/login") for r in story.log_slices["reuse"])


def test_a_captcha_stops_the_platform_as_needs_login_and_alerts_once(story: Story) -> None:
    run = story.runs["captcha"]
    assert run.returncode == 6, run.output[-3000:]
    assert story.posts["captcha"] == 0  # nothing typed into a CAPTCHA form
    assert "crawler login demo-members" in run.output
    assert "status=needs_login" in run.output
    jobs = _jobs(story.env)
    assert jobs[0].status == "needs_login" and jobs[1].status == "needs_login"
    assert "crawler login demo-members" in (jobs[1].message or "")
    assert jobs[1].health is not None and "needs_login" in [r.code for r in jobs[1].health.reasons]
    alerts = _health_alerts(Path(story.env["CRAWLER_DATA_DIR"]))
    assert len(alerts) == 1, alerts
    assert "needs_login" in str(alerts[0])


def test_the_run_after_needs_login_sends_no_request(story: Story) -> None:
    run = story.runs["after_captcha"]
    assert run.returncode == 6, run.output[-3000:]
    assert story.log_slices["after_captcha"] == []
    assert story.posts["after_captcha"] == 0
    assert "crawler login demo-members" in run.output


def test_a_missing_secret_fails_the_job_before_any_request(story: Story) -> None:
    run = story.runs["missing"]
    assert run.returncode == 2, run.output[-3000:]
    assert "DEMO_MEMBERS_PIN" in run.output and "auth.credentials.extra_env" in run.output
    assert story.log_slices["missing"] == [] and story.posts["missing"] == 0
    assert "status=failed" in run.output


def test_a_wrong_password_fails_the_job_once_without_locking_the_account(story: Story) -> None:
    run = story.runs["wrong"]
    assert run.returncode == 4, run.output[-3000:]
    assert "login refused: wrong username or password" in run.output
    assert story.posts["wrong"] == 1  # one attempt: the page said the credentials are wrong
    assert story.world.members.failed_logins <= 2
    assert story.world.members.locked is False
    assert not any(r.had_session for r in story.log_slices["wrong"])


def test_an_imported_cookies_txt_is_used_without_a_login(story: Story) -> None:
    env = story.env_import
    run = story.runs["import"]
    assert run.returncode == 0, run.output[-3000:]
    assert story.posts["import"] == 0
    truth = {g.path for g in story.world.ground_truth()[PLATFORM]}
    assert {urlsplit(lst.url).path for lst in stored_listings(env, PLATFORM)} == truth


def test_no_secret_anywhere(story: Story) -> None:
    account = story.world.members.account
    secrets = {account.username, account.password, account.pin, *story.cookie_values}
    secrets -= {None, ""}
    assert len(story.cookie_values) >= 2  # the sessions of the runs were seen
    texts = {name: run.output for name, run in story.runs.items()}
    data: Path = story.data
    for path in data.rglob("*"):
        if not path.is_file() or path.name.endswith(".json") and path.parent.name == "sessions":
            continue  # the session store itself holds the cookies (mode 0600)
        if path.name == "cookies.txt":
            continue  # the analyst's own import file
        texts[str(path)] = _readable(path)
    warcs = [p for p in data.rglob("*.warc*") if p.is_file()]
    assert warcs, "the runs wrote no WARC file"
    for where, text in texts.items():
        for secret in secrets:
            assert secret not in text, f"a secret in {where}"
    for path in data.rglob("sessions/*.json"):
        assert path.stat().st_mode & 0o077 == 0


def _readable(path: Path) -> str:
    raw = path.read_bytes()
    if path.name.endswith(".gz"):
        import gzip

        with contextlib.suppress(OSError):
            raw = gzip.decompress(raw)
    return raw.decode("latin-1")


def test_a_site_that_keeps_logging_out_gets_max_logins_then_is_read_logged_out(
    world: Any, tmp_path: Path
) -> None:
    """auth.max_logins (2 in the profile's default) bounds the login POSTs of a run; after
    that the pages are read as served, the run says why, and health names the login wall."""
    s = Story(world, _env(world, tmp_path / "data"))
    world.members.session_pages = 1  # every session ends after one page
    try:
        _crawl(s, "churn")
    finally:
        world.members.session_pages = 0
    run = s.runs["churn"]
    assert s.posts["churn"] == 2, run.output[-3000:]  # never a third login POST
    assert "login(s) (auth.max_logins) are used" in run.output, run.output[-3000:]
    assert "pages are served logged out" in run.output
    assert run.stat("health") in {"degraded", "failing"}, run.output[-3000:]
    assert "login_wall" in run.output, run.output[-3000:]
    # Not a complete run: exit 1, one line saying why, and the next run walks everything.
    assert run.returncode == 1, run.output[-3000:]
    assert "demo-members: login: " in run.output and "served logged out" in run.output
    job = _jobs(s.env)[0]
    assert job.complete is False and "served logged out" in (job.message or "")
    assert world.members.locked is False
