"""The account of a members-only platform: username, password and the extra step's answer.

Secrets never come from a profile. The profile's `auth.credentials` names environment
variables (`username_env`, `password_env`, `extra_env`), or the account is read from the
secrets file AUTH_SECRETS_FILE (YAML `{key: {username, password, pin}}`, key
`credentials.secrets_key` or the platform name). The file is refused unless only its owner
may read and write it (like ssh refuses a private key readable by others).

Every value is held in a `Secret`, whose repr, str and format are "[secret]": a secret
printed by mistake (a log line, an f-string, an exception) shows nothing. `.reveal()` is
the one way to the value, used where it is sent to the platform. Errors name the
variable, the file and the field, never a value.

Settings: AUTH_SECRETS_FILE.
"""

from __future__ import annotations

import hmac
import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from crawler.config import ConfigError, get_path
from crawler.config.yamlfile import read_yaml

if TYPE_CHECKING:
    from crawler.profiles import PlatformProfile

MASK = "[secret]"
SECRETS_SETTING = "AUTH_SECRETS_FILE"
# Names an entry of the secrets file may hold; `pin` and `extra` are the same answer.
ENTRY_FIELDS = ("username", "password", "pin", "extra")


class AuthConfigError(ConfigError):
    """An account or session that cannot be used: names the file/setting/variable, the
    field and the reason; never a secret's value."""


class Secret:
    """A secret string that does not print: repr, str and format give "[secret]"."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        if not isinstance(value, str):
            raise TypeError("a Secret holds a str")
        self._value = value

    def reveal(self) -> str:
        """The value itself: only where it is sent to the platform."""
        return self._value

    def __repr__(self) -> str:
        return MASK

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return MASK

    def __bool__(self) -> bool:
        return bool(self._value)

    def __len__(self) -> int:
        return len(self._value)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Secret):
            return hmac.compare_digest(self._value.encode(), other._value.encode())
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Secret, self._value))

    def __copy__(self) -> Secret:
        return self

    def __deepcopy__(self, memo: Any) -> Secret:
        return self

    def __reduce__(self) -> Any:
        # A pickled Secret would land in a disk queue or a job file in clear.
        raise TypeError("a Secret is never pickled")


@dataclass(frozen=True)
class Account:
    """The account the crawler logs in with; `extra` answers the profile's extra step."""

    username: Secret
    password: Secret
    extra: Secret | None = None

    def values(self) -> list[str]:
        """Every secret value (for tests and for scrubbing text that may hold one)."""
        out = [self.username.reveal(), self.password.reveal()]
        if self.extra is not None:
            out.append(self.extra.reveal())
        return out


def load_account(
    profile: PlatformProfile, settings: Any, environ: Mapping[str, str] | None = None
) -> Account:
    """The account of `profile`: from the environment variables its auth.credentials
    names, else from AUTH_SECRETS_FILE. Raises AuthConfigError (fail closed)."""
    env = os.environ if environ is None else environ
    source = profile.source_file or f"profile {profile.name}"
    auth = profile.auth
    if auth is None:
        raise AuthConfigError(source, "auth", "the profile has no auth section")
    creds = auth.credentials
    wants_extra = auth.login is not None and auth.login.extra is not None
    if creds.username_env is not None and creds.password_env is not None:
        username = _from_env(env, creds.username_env, "auth.credentials.username_env", source)
        password = _from_env(env, creds.password_env, "auth.credentials.password_env", source)
        extra = None
        if creds.extra_env is not None:
            extra = _from_env(env, creds.extra_env, "auth.credentials.extra_env", source)
        elif wants_extra:
            raise AuthConfigError(
                source,
                "auth.credentials.extra_env",
                "auth.login.extra asks for an answer (a PIN): name its environment variable",
            )
        return Account(username, password, extra)
    return _from_file(profile, settings, creds.secrets_key or profile.name, wants_extra, env)


def _from_env(env: Mapping[str, str], name: str, field: str, source: str) -> Secret:
    value = env.get(name)
    if value is None:
        raise AuthConfigError("environment", name, f"not set (named by {field} in {source})")
    if not value.strip():
        raise AuthConfigError("environment", name, f"is empty (named by {field} in {source})")
    return Secret(value)


def secrets_file(settings: Any) -> Path | None:
    """AUTH_SECRETS_FILE, or None when unset."""
    return get_path(settings, SECRETS_SETTING)


def check_private(path: Path, what: str = "file") -> os.stat_result:
    """Refuse a file (or directory) that is not ours alone: group/others may not read or
    write it, it must be a regular file (directory) owned by us. Returns its stat."""
    try:
        st = path.lstat()
    except FileNotFoundError:
        raise AuthConfigError(path, f"({what})", "does not exist") from None
    except OSError as exc:
        raise AuthConfigError(path, f"({what})", exc.strerror or str(exc)) from None
    wanted = stat.S_ISDIR if what == "directory" else stat.S_ISREG
    if not wanted(st.st_mode):
        kind = "a symbolic link" if stat.S_ISLNK(st.st_mode) else "not a regular " + what
        raise AuthConfigError(path, f"({what})", f"{kind}: refused")
    mode = stat.S_IMODE(st.st_mode)
    if mode & 0o077:
        fix = "chmod 700" if what == "directory" else "chmod 600"
        raise AuthConfigError(
            path,
            "(permissions)",
            f"readable or writable by group or others (mode {mode:04o}): refused; {fix} {path}",
        )
    if hasattr(os, "getuid") and st.st_uid != os.getuid():
        raise AuthConfigError(path, "(owner)", f"owned by uid {st.st_uid}, not by us: refused")
    return st


def _from_file(
    profile: PlatformProfile, settings: Any, key: str, wants_extra: bool, env: Mapping[str, str]
) -> Account:
    path = secrets_file(settings)
    if path is None:
        raise AuthConfigError(
            f"setting {SECRETS_SETTING}",
            f"{profile.name}: auth.credentials",
            "not set, and the profile names no environment variables: name them in "
            "auth.credentials (username_env, password_env) or set AUTH_SECRETS_FILE",
        )
    check_private(path)
    data = read_yaml(path, AuthConfigError)
    if not isinstance(data, dict):
        raise AuthConfigError(
            path, "(file)", "must hold a YAML mapping {key: {username, password}}"
        )
    if key not in data:
        raise AuthConfigError(path, key, f"no such key (the account of platform {profile.name})")
    entry = data[key]
    if not isinstance(entry, dict):
        raise AuthConfigError(path, key, "must be a mapping with username and password")
    for field in entry:
        if field not in ENTRY_FIELDS:
            raise AuthConfigError(
                path, f"{key}.{field}", "unknown field (use username, password, pin)"
            )
    if "pin" in entry and "extra" in entry:
        raise AuthConfigError(path, f"{key}.extra", "give pin or extra, not both")
    username = _entry_value(path, key, entry, "username")
    password = _entry_value(path, key, entry, "password")
    extra_field = "extra" if "extra" in entry else "pin"
    extra = _entry_value(path, key, entry, extra_field) if extra_field in entry else None
    extra_env = profile.auth.credentials.extra_env if profile.auth is not None else None
    if extra is None and extra_env is not None:
        source = profile.source_file or f"profile {profile.name}"
        extra = _from_env(env, extra_env, "auth.credentials.extra_env", source)
    if wants_extra and extra is None:
        raise AuthConfigError(
            path, f"{key}.pin", "required: auth.login.extra of the profile asks for an answer"
        )
    return Account(username, password, extra)


def _entry_value(path: Path, key: str, entry: dict[Any, Any], field: str) -> Secret:
    if field not in entry or entry[field] is None:
        raise AuthConfigError(path, f"{key}.{field}", "required field is missing")
    value = entry[field]
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise AuthConfigError(path, f"{key}.{field}", "must be a string")
    if isinstance(value, int):
        # YAML reads 0123 as an octal number and 1234 as an int: the digits would change.
        raise AuthConfigError(
            path, f"{key}.{field}", 'is a number: quote it ("...") so no digit is lost'
        )
    if not value.strip():
        raise AuthConfigError(path, f"{key}.{field}", "is empty")
    return Secret(value)
