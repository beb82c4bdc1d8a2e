"""Numbers read from the environment, with errors that name the variable and the reason.

Shared by the configuration dataclasses that read STORE_*, ELASTICSEARCH_* and BROWSER_*.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class EnvSettingError(ValueError):
    """An environment variable holds a value its setting cannot take."""


def env_number(
    environ: Mapping[str, str], name: str, kind: type, default: Any, minimum: float = 0
) -> Any:
    """`kind(environ[name])`, or `default` when unset or empty; at least `minimum`."""
    raw = environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise EnvSettingError(f"environment {name}: not a {kind.__name__}: {raw!r}") from None
    if value < minimum:
        raise EnvSettingError(f"environment {name}: must be at least {minimum}, got {raw!r}")
    return value
