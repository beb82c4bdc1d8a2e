"""The account of a members-only platform: from named environment variables or a 0600
secrets file, never printed, refused (fail closed) whenever it cannot be trusted."""

from __future__ import annotations

import copy
import logging
import pickle
from pathlib import Path
from typing import Any

import pytest

from crawler.auth.secrets import Account, AuthConfigError, Secret, load_account
from crawler.config import ConfigError
from crawler.profiles import PlatformProfile, parse_profile

PASSWORD = "pw-Zq81!x"
USERNAME = "member-4711"
PIN = "0093"


def _profile(auth: dict[str, Any], name: str = "demo-members") -> PlatformProfile:
    data = {
        "name": name,
        "base_url": "http://127.0.0.1:8000",
        "category": "forum",
        "seeds": ["/board"],
        "list": {"item": "li", "link": "a::attr(href)"},
        "detail": {"fields": {"title": "h1::text"}},
        "auth": {"logged_in": "a.logout", **auth},
    }
    return parse_profile(data, f"/profiles/{name}.yaml")


LOGIN = {"url": "/login", "form": "#login"}
LOGIN_PIN = {**LOGIN, "extra": {"when": "#pin", "field": "pin"}}
ENV_CREDS = {"username_env": "M_USER", "password_env": "M_PASS"}
ENV = {"M_USER": USERNAME, "M_PASS": PASSWORD, "M_PIN": PIN}


def _secrets_file(tmp_path: Path, text: str, mode: int = 0o600) -> Path:
    path = tmp_path / "secrets.yaml"
    path.write_text(text)
    path.chmod(mode)
    return path


def _no_value(exc: BaseException) -> None:
    for value in (USERNAME, PASSWORD, PIN):
        assert value not in str(exc)


def test_a_secret_never_prints(caplog: pytest.LogCaptureFixture) -> None:
    s = Secret(PASSWORD)
    account = Account(Secret(USERNAME), s, Secret(PIN))
    with caplog.at_level(logging.INFO):
        logging.getLogger("t").info("logging in with %s %r", account, s)
    old_style = "%s" % s  # noqa: UP031
    texts = [str(s), repr(s), f"{s}", f"{s:>20}", old_style, str(account), repr([s])]
    for text in [*texts, caplog.text]:
        assert PASSWORD not in text and USERNAME not in text and PIN not in text
    assert str(s) == "[secret]"
    assert s.reveal() == PASSWORD
    assert s == Secret(PASSWORD) and s != Secret("other")
    assert copy.deepcopy(account).password.reveal() == PASSWORD
    with pytest.raises(TypeError):
        pickle.dumps(s)


def test_account_from_the_variables_the_profile_names() -> None:
    profile = _profile({"login": LOGIN_PIN, "credentials": {**ENV_CREDS, "extra_env": "M_PIN"}})
    account = load_account(profile, {}, ENV)
    assert account.username.reveal() == USERNAME
    assert account.password.reveal() == PASSWORD
    assert account.extra is not None and account.extra.reveal() == PIN


@pytest.mark.parametrize(
    ("env", "field", "reason"),
    [
        ({"M_PASS": PASSWORD}, "M_USER", "not set (named by auth.credentials.username_env"),
        ({"M_USER": USERNAME}, "M_PASS", "not set (named by auth.credentials.password_env"),
        ({"M_USER": USERNAME, "M_PASS": "  "}, "M_PASS", "is empty"),
    ],
)
def test_a_missing_or_empty_variable_is_named(env: dict[str, str], field: str, reason: str) -> None:
    profile = _profile({"login": LOGIN, "credentials": ENV_CREDS})
    with pytest.raises(AuthConfigError) as info:
        load_account(profile, {}, env)
    assert isinstance(info.value, ConfigError)
    assert info.value.source == "environment" and info.value.field == field
    assert reason in info.value.reason and "/profiles/demo-members.yaml" in info.value.reason
    _no_value(info.value)


def test_an_extra_step_without_an_answer_is_an_error() -> None:
    profile = _profile({"login": LOGIN_PIN, "credentials": ENV_CREDS})
    with pytest.raises(AuthConfigError) as info:
        load_account(profile, {}, ENV)
    assert info.value.field == "auth.credentials.extra_env"
    assert "auth.login.extra" in info.value.reason


def test_account_from_the_secrets_file(tmp_path: Path) -> None:
    path = _secrets_file(
        tmp_path,
        f'demo-members:\n  username: {USERNAME}\n  password: "{PASSWORD}"\n  pin: "{PIN}"\n'
        "other-key:\n  username: someone\n  password: else\n",
    )
    account = load_account(_profile({"login": LOGIN_PIN}), {"AUTH_SECRETS_FILE": str(path)}, {})
    assert account.values() == [USERNAME, PASSWORD, PIN]
    keyed = _profile({"login": LOGIN, "credentials": {"secrets_key": "other-key"}})
    assert load_account(keyed, {"AUTH_SECRETS_FILE": str(path)}, {}).username.reveal() == "someone"


@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o602, 0o660])
def test_a_secrets_file_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = _secrets_file(tmp_path, f"demo-members:\n  username: {USERNAME}\n  password: x\n", mode)
    with pytest.raises(AuthConfigError) as info:
        load_account(_profile({"login": LOGIN}), {"AUTH_SECRETS_FILE": str(path)}, {})
    assert info.value.source == str(path) and info.value.field == "(permissions)"
    assert f"mode {mode:04o}" in info.value.reason and "chmod 600" in info.value.reason
    _no_value(info.value)


def test_a_symlinked_secrets_file_is_refused(tmp_path: Path) -> None:
    target = _secrets_file(tmp_path, f"demo-members:\n  username: {USERNAME}\n  password: x\n")
    link = tmp_path / "link.yaml"
    link.symlink_to(target)
    with pytest.raises(AuthConfigError, match="symbolic link"):
        load_account(_profile({"login": LOGIN}), {"AUTH_SECRETS_FILE": str(link)}, {})


@pytest.mark.parametrize(
    ("text", "field", "reason"),
    [
        (
            f"other:\n  username: {USERNAME}\n  password: {PASSWORD}\n",
            "demo-members",
            "no such key",
        ),
        (f"demo-members:\n  username: {USERNAME}\n", "demo-members.password", "missing"),
        (
            f"demo-members:\n  username: {USERNAME}\n  password: ''\n",
            "demo-members.password",
            "empty",
        ),
        (
            f"demo-members:\n  username: {USERNAME}\n  password: {PASSWORD}\n  pin: 0017\n",
            "demo-members.pin",
            "quote it",
        ),  # YAML 1.1 reads 0017 as the octal number 15
        (
            f"demo-members:\n  username: {USERNAME}\n  password: 4321\n",
            "demo-members.password",
            "quote it",
        ),
        (
            f"demo-members:\n  username: {USERNAME}\n  password: {PASSWORD}\n  token: x\n",
            "demo-members.token",
            "unknown field",
        ),
        (f"demo-members: {USERNAME}\n", "demo-members", "must be a mapping"),
        (f"- {USERNAME}\n", "(file)", "YAML mapping"),
        (f"demo-members: [{PASSWORD}\n", "line 2", "not valid YAML"),
    ],
)
def test_a_bad_secrets_file_names_file_and_field(
    tmp_path: Path, text: str, field: str, reason: str
) -> None:
    path = _secrets_file(tmp_path, text)
    with pytest.raises(AuthConfigError) as info:
        load_account(_profile({"login": LOGIN}), {"AUTH_SECRETS_FILE": str(path)}, {})
    assert info.value.source == str(path)
    assert info.value.field == field and reason in info.value.reason
    _no_value(info.value)


def test_the_secrets_file_must_answer_an_extra_step(tmp_path: Path) -> None:
    path = _secrets_file(tmp_path, f"demo-members:\n  username: {USERNAME}\n  password: x\n")
    with pytest.raises(AuthConfigError) as info:
        load_account(_profile({"login": LOGIN_PIN}), {"AUTH_SECRETS_FILE": str(path)}, {})
    assert info.value.field == "demo-members.pin" and "auth.login.extra" in info.value.reason


def test_no_variables_and_no_secrets_file_fails_closed(tmp_path: Path) -> None:
    with pytest.raises(AuthConfigError) as info:
        load_account(_profile({"login": LOGIN}), {"AUTH_SECRETS_FILE": ""}, ENV)
    assert info.value.source == "setting AUTH_SECRETS_FILE"
    assert "auth.credentials" in str(info.value)
    missing = tmp_path / "nope.yaml"
    with pytest.raises(AuthConfigError, match="does not exist"):
        load_account(_profile({"login": LOGIN}), {"AUTH_SECRETS_FILE": str(missing)}, {})


@pytest.mark.parametrize(
    ("auth", "field"),
    [
        ({"login": LOGIN, "password": PASSWORD}, "auth.password"),
        ({"login": {**LOGIN, "password": PASSWORD}}, "auth.login.password"),
        ({"login": {**LOGIN, "username": USERNAME}}, "auth.login.username"),
        (
            {"login": {**LOGIN_PIN, "extra": {**LOGIN_PIN["extra"], "pin": PIN}}},
            "auth.login.extra.pin",
        ),
        ({"login": LOGIN, "credentials": {"password": PASSWORD}}, "auth.credentials.password"),
        ({"login": LOGIN, "cookies": PASSWORD}, "auth.cookies"),
    ],
)
def test_a_secret_in_the_profile_is_refused(auth: dict[str, Any], field: str) -> None:
    from crawler.profiles import ProfileError

    with pytest.raises(ProfileError) as info:
        _profile(auth)
    assert info.value.field == field
    assert info.value.reason == (
        "secrets never go in a profile: name environment variables in auth.credentials "
        "or use AUTH_SECRETS_FILE"
    )
    _no_value(info.value)


def test_field_names_of_the_form_are_not_secrets() -> None:
    profile = _profile({"login": {**LOGIN, "username_field": "user", "password_field": "pass"}})
    assert profile.auth is not None and profile.auth.login is not None
    assert profile.auth.login.password_field == "pass"


def test_the_extra_answer_may_come_from_a_variable_beside_the_secrets_file(
    tmp_path: Path,
) -> None:
    path = _secrets_file(tmp_path, f"demo-members:\n  username: {USERNAME}\n  password: x\n")
    profile = _profile({"login": LOGIN_PIN, "credentials": {"extra_env": "M_PIN"}})
    account = load_account(profile, {"AUTH_SECRETS_FILE": str(path)}, {"M_PIN": PIN})
    assert account.extra is not None and account.extra.reveal() == PIN
