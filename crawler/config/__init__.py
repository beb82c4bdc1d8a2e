"""Configuration: one error type, one parser per kind of value, shared by every component.

- `ConfigError(source, field, reason)`: a setting, file or field that cannot be used,
  named with where it came from (a file path, "environment", "Scrapy settings");
- `parse_bool`: the documented spellings only (1/0, true/false, yes/no, on/off, any case);
  anything else is an error, never silently false: a security switch read wrongly must
  fail closed;
- `parse_number`: int or float with a minimum, errors naming the setting.
"""

from __future__ import annotations

from typing import Any

TRUE_WORDS = frozenset({"1", "true", "yes", "on"})
FALSE_WORDS = frozenset({"0", "false", "no", "off"})


class ConfigError(ValueError):
    """Configuration that cannot be used: names the source, the field and the reason."""

    def __init__(self, source: str, field: str, reason: str) -> None:
        self.source, self.field, self.reason = str(source), field, reason
        super().__init__(f"{source}: {field}: {reason}")


def parse_bool(value: Any, field: str, source: str = "settings") -> bool:
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
    source: str = "settings",
) -> Any:
    """`kind(value)` (int or float), at least `minimum`, else ConfigError."""
    try:
        number = kind(value) if kind is not int or not isinstance(value, float) else int(value)
    except (TypeError, ValueError):
        raise ConfigError(source, field, f"{value!r} is not a {kind.__name__}") from None
    if minimum is not None and number < minimum:
        raise ConfigError(source, field, f"must be at least {minimum}, got {value!r}")
    return number
