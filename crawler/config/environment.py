"""The environment, mapped onto settings in one place.

Every documented environment variable is the setting of the same name (STORE_URL,
TOR_STRICT, BROWSER_HEADLESS, ALERTS_RULES, ...): a variable is mapped when settings/base.py
defines a setting of its name with one of the documented prefixes (or it is one of
`NAMES`). Aliases: ELASTICSEARCH_URL is STORE_URL (when STORE_URL is not set).
Any other Scrapy setting can be set from the environment as CRAWLER_SETTING_<NAME> (its
value parsed as JSON when it parses, else taken as a string).

Values stay strings here: the typed config of each component parses them with the shared
parsers of crawler.config, so "TRUE", "on" and "1" mean the same everywhere and a wrong
spelling is an error naming the setting.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

PREFIXES = (
    "STORE_",
    "ELASTICSEARCH_",
    "TOR_",
    "BROWSER_",
    "ALERTS_",
    "SCHEDULER_",
    "QUEUE_",
    "WORKER_",
    "KIBANA_",
    "EVIDENCE_",
    "AUTH_",
)
NAMES = frozenset({"CRAWLER_DATA_DIR", "PLATFORMS_DIR"})
ALIASES = {"ELASTICSEARCH_URL": "STORE_URL"}
GENERIC_PREFIX = "CRAWLER_SETTING_"
APPLIED = "CRAWLER_ENVIRONMENT_APPLIED"  # set once the environment is in a settings object


def documented(name: str) -> bool:
    """True for the setting names the environment may set directly."""
    return name in NAMES or name.startswith(PREFIXES)


def environment_settings(settings: Any, environ: Mapping[str, str]) -> dict[str, Any]:
    """{setting: value} that `environ` sets for a settings object (see module docstring)."""
    out: dict[str, Any] = {}
    for alias, name in ALIASES.items():
        if environ.get(alias) and not environ.get(name):
            out[name] = environ[alias]
    for key, raw in environ.items():
        if key.startswith(GENERIC_PREFIX):
            name = key.removeprefix(GENERIC_PREFIX)
            try:
                out[name] = json.loads(raw)
            except ValueError:
                out[name] = raw
        elif documented(key) and key in settings:
            out[key] = raw
    return out


def apply_environment(settings: Any, environ: Mapping[str, str], priority: str = "project") -> None:
    """Put the environment's settings into `settings` (once)."""
    if settings.get(APPLIED):
        return
    settings.setdict(environment_settings(settings, environ), priority=priority)
    settings.set(APPLIED, True, priority=priority)
