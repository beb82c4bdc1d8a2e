"""What a page says about the session: a case table over the profile's checks and the page
classifier's CAPTCHA signs (crawler.auth.checks.page_state)."""

from __future__ import annotations

from typing import Any

import pytest

from crawler.auth.checks import matches, normalised, page_state
from crawler.profiles import Auth, PageCheck

LOGIN_FORM = (
    '<form id="login" method="post" action="/login">'
    '<input type="hidden" name="csrf" value="t0k3n">'
    '<label>User name <input name="username"></label>'
    '<label>Password <input type="password" name="password"></label>'
    "{captcha}"
    '<button type="submit">Log in</button></form>'
)
CAPTCHA = '<div class="captcha">Type the word shown: <b>lantern</b></div><input name="captcha">'


def page(body: str, title: str = "Members forum") -> str:
    return f"<html><head><title>{title}</title></head><body>{body}</body></html>"


MEMBER_BOARD = page(
    '<nav><a href="/board">Board</a> <a class="logout" href="/logout">Log out</a></nav>'
    '<ul><li><a href="/thread/1">Room to share</a></li>'
    '<li><a href="/thread/2">Work abroad offer</a></li></ul>'
)
# The members-only wall: HTTP 200, a sentence and the login form, no listings.
MEMBERS_ONLY = page(
    "<h1>Members only</h1><p>Members only: please\n   log in to read the board.</p>"
    + LOGIN_FORM.format(captcha="")
)
CAPTCHA_LOGIN = page("<h1>Log in</h1>" + LOGIN_FORM.format(captcha=CAPTCHA), title="Log in")
PIN_PAGE = page(
    '<h1>One more step</h1><form id="pin" method="post" action="/login/pin">'
    '<input name="pin"><button>Go on</button></form>'
)
WIDGET_CAPTCHA = page(
    '<h1>Just a moment</h1><div class="g-recaptcha" data-sitekey="x"></div>'
    '<script src="https://www.google.com/recaptcha/api.js"></script>',
    title="Are you a robot?",
)
BOTH = page(
    '<a class="logout" href="/logout">Log out</a>'
    "<p>Members only: please log in</p>" + LOGIN_FORM.format(captcha="")
)
SECURITY_QUESTION = page(
    "<h2>Security check</h2><p>Answer the question: what is the name of your first pet?</p>"
    '<form method="post"><input name="answer"></form>'
)
UNRELATED = page("<h1>Not found</h1><p>The page you asked for is not here.</p>")

BY_CSS: dict[str, Any] = {"login": {"url": "/login"}, "logged_in": "a.logout"}
BY_TEXT: dict[str, Any] = {"login": {"url": "/login"}, "logged_out": {"text": "PLEASE LOG IN"}}
DEMO: dict[str, Any] = {
    "login": {"url": "/login", "form": "#login"},
    "logged_in": "a.logout",
    "logged_out": {"text": "please log in"},
}
ASKS: dict[str, Any] = {**DEMO, "human": [{"text": "security check"}, "form #captcha_img"]}


@pytest.mark.parametrize(
    ("auth", "html", "state"),
    [
        # logged_in given as a CSS selector: present -> in, absent -> out.
        (BY_CSS, MEMBER_BOARD, "logged_in"),
        (BY_CSS, MEMBERS_ONLY, "logged_out"),
        (BY_CSS, UNRELATED, "logged_out"),
        (BY_CSS, PIN_PAGE, "logged_out"),
        # logged_out given as a text: case-insensitive, whitespace-normalised.
        (BY_TEXT, MEMBERS_ONLY, "logged_out"),
        (BY_TEXT, MEMBER_BOARD, "unknown"),
        # The demo profile: both checks.
        (DEMO, MEMBER_BOARD, "logged_in"),
        (DEMO, MEMBERS_ONLY, "logged_out"),
        (DEMO, BOTH, "logged_out"),  # both signs: logged out (one login, not a lost crawl)
        # A CAPTCHA on the login page, text or widget: a human's job, whatever else shows.
        (DEMO, CAPTCHA_LOGIN, "human"),
        (BY_CSS, CAPTCHA_LOGIN, "human"),
        (BY_TEXT, WIDGET_CAPTCHA, "human"),
        # The profile's own human checks: a question only the account owner answers.
        (ASKS, SECURITY_QUESTION, "human"),
        (DEMO, SECURITY_QUESTION, "logged_out"),
        (ASKS, MEMBER_BOARD, "logged_in"),
        # Only a logged_out text that the page does not show, but the classifier sees a wall.
        (
            BY_TEXT,
            page("<h1>Sign in</h1>" + LOGIN_FORM.format(captcha=""), title="Sign in"),
            "logged_out",
        ),
        (BY_TEXT, UNRELATED, "unknown"),
    ],
)
def test_page_state(auth: dict[str, Any], html: str, state: str) -> None:
    assert page_state(html, Auth.model_validate(auth)) == state


@pytest.mark.parametrize(
    ("check", "html", "expected"),
    [
        ({"css": "a.logout"}, MEMBER_BOARD, True),
        ({"css": "a.logout"}, MEMBERS_ONLY, False),
        ({"css": "#login input[type=password]"}, MEMBERS_ONLY, True),
        ({"text": "please log in"}, MEMBERS_ONLY, True),  # a newline and spaces between words
        ({"text": "  Members ONLY:  Please Log In "}, MEMBERS_ONLY, True),
        ({"text": "please log in"}, MEMBER_BOARD, False),
        ({"text": "log out"}, MEMBER_BOARD, True),
        # Entities are decoded; scripts, styles and the title are not the page's text.
        ({"text": "Tom & Jerry"}, page("<p>Tom &amp; Jerry</p>"), True),
        ({"text": "please log in"}, page("<script>var m = 'please log in';</script>"), False),
        ({"text": "please log in"}, page("<style>/* please log in */</style>"), False),
        ({"text": "members forum"}, page("<p>x</p>"), False),
        # Text split by inline markup still reads as words.
        ({"text": "please log in"}, page("<p>Please <b>log</b> <i>in</i></p>"), True),
        ({"text": "please log in"}, "please log in", True),  # not even HTML
    ],
)
def test_a_page_check(check: dict[str, str], html: str, expected: bool) -> None:
    assert matches(html, PageCheck.model_validate(check)) is expected


def test_normalised() -> None:
    assert normalised("  Please\n\tLOG   in ") == "please log in"
    assert normalised("STRASSE") == normalised("straße")  # casefold, not lower


def test_an_empty_page_is_not_logged_in() -> None:
    assert page_state("", Auth.model_validate(BY_CSS)) == "logged_out"
    assert page_state("", Auth.model_validate(BY_TEXT)) == "unknown"
