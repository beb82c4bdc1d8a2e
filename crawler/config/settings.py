"""`crawler_settings()`: the one settings object of every command.

Built in this order, later winning: the settings module (SCRAPY_SETTINGS_MODULE, default
`settings.base`, at "project" priority), the environment (crawler.config.environment,
"project"), `-s NAME=VALUE` overrides ("cmdline"). A crawl adds its platform's profile
settings at "spider" priority (crawler.crawl.settings.profile_settings), between the two.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any

from scrapy.settings import Settings

from crawler.config import ConfigError
from crawler.config.environment import apply_environment

DEFAULT_MODULE = "settings.base"


def parse_overrides(pairs: Iterable[str]) -> dict[str, str]:
    """{name: value} of `-s NAME=VALUE` arguments."""
    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise ConfigError("command line", "-s", f"{pair!r}: use -s NAME=VALUE")
        out[name.strip()] = value
    return out


def crawler_settings(
    environ: Mapping[str, str] | None = None,
    overrides: Iterable[str] | Mapping[str, Any] = (),
    module: str | None = None,
) -> Settings:
    """The settings of a command: module, then environment, then command-line overrides."""
    env = os.environ if environ is None else environ
    settings = Settings()
    settings.setmodule(
        module or env.get("SCRAPY_SETTINGS_MODULE") or DEFAULT_MODULE, priority="project"
    )
    apply_environment(settings, env)
    values = overrides if isinstance(overrides, Mapping) else parse_overrides(overrides)
    settings.setdict(dict(values), priority="cmdline")
    return settings
