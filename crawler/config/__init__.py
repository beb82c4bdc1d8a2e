"""Configuration: one settings path, one error type, one parser per kind of value.

Every setting is a Scrapy setting with its one default in `settings/base.py`. The
documented environment variables are mapped onto settings in one place
(`crawler.config.environment`), and `crawler_settings()` builds the settings object every
command uses, crawling or not: the settings module, then the environment, then `-s
NAME=VALUE` (command line). Components read their settings once, through a typed config
built with the getters below (as scrapy-playwright's `Config.from_settings` does).

- `ConfigError(source, field, reason)`: a setting, file or field that cannot be used;
- `parse_bool`: the documented spellings only (1/0, true/false, yes/no, on/off, any case);
  anything else is an error, never silently false: a security switch read wrongly must
  fail closed;
- `parse_number`: int or float with a minimum, errors naming the setting;
- `get_bool`, `get_number`, `get_str`, `get_path`: the same, read from a settings object;
- secrets (API keys, passwords) are settings too, filled from the environment or a
  secrets file named by the environment; never pass them with `-s` (process lists show it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})
SOURCE = "setting"  # how a settings value is named in errors: "setting NAME"

__all__ = [
    "ConfigError",
    "crawler_settings",
    "get_bool",
    "get_number",
    "get_path",
    "get_str",
    "parse_bool",
    "parse_number",
]


class ConfigError(ValueError):
    """Configuration that cannot be used: names the source, the field and the reason."""

    def __init__(self, source: str | Path, field: str, reason: str) -> None:
        self.source, self.field, self.reason = str(source), field, reason
        super().__init__(f"{source}: {field}: {reason}")


def parse_bool(value: Any, field: str, source: str = SOURCE) -> bool:
    """True or False from a bool or one of the documented spellings, else ConfigError."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise ConfigError(
        source, field, f"{value!r} is not a yes/no value (use 1/0, true/false, yes/no, on/off)"
    )


def parse_number(
    value: Any,
    field: str,
    kind: type = float,
    minimum: float | None = None,
    source: str = SOURCE,
) -> Any:
    """`kind(value)` (int or float), at least `minimum`, else ConfigError."""
    if isinstance(value, bool):
        raise ConfigError(source, field, f"{value!r} is not a {kind.__name__}")
    try:
        if kind is int and isinstance(value, float):
            if not value.is_integer():
                raise ValueError
            number: Any = int(value)
        else:
            number = kind(str(value).strip()) if isinstance(value, str) else kind(value)
    except (TypeError, ValueError):
        raise ConfigError(source, field, f"{value!r} is not a {kind.__name__}") from None
    if minimum is not None and number < minimum:
        raise ConfigError(source, field, f"must be at least {minimum}, got {value!r}")
    return number


def _unset(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def get_bool(settings: Any, name: str, default: bool = False) -> bool:
    value = settings.get(name)
    return default if _unset(value) else parse_bool(value, name)


def get_number(
    settings: Any, name: str, kind: type = float, default: Any = None, minimum: float | None = None
) -> Any:
    value = settings.get(name)
    if _unset(value):
        return default
    return parse_number(value, name, kind, minimum)


def get_str(settings: Any, name: str, default: str | None = None) -> str | None:
    value = settings.get(name)
    return default if _unset(value) else str(value)


def get_path(settings: Any, name: str, default: str | Path | None = None) -> Path | None:
    value = get_str(settings, name)
    if value is None:
        return None if default is None else Path(default)
    return Path(value).expanduser()


def crawler_settings(*args: Any, **kwargs: Any) -> Any:
    """The settings every command uses (see crawler.config.settings.crawler_settings)."""
    from crawler.config.settings import crawler_settings as build

    return build(*args, **kwargs)
