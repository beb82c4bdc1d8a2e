"""Environment overrides for Scrapy settings modules: CRAWLER_SETTING_<NAME>=value."""

from __future__ import annotations

import json
import os
from typing import Any

PREFIX = "CRAWLER_SETTING_"


def apply_env_overrides(namespace: dict[str, Any], environ: dict[str, str] | None = None) -> None:
    env = os.environ if environ is None else environ
    for key, raw in env.items():
        if not key.startswith(PREFIX):
            continue
        name = key.removeprefix(PREFIX)
        try:
            namespace[name] = json.loads(raw)
        except ValueError:
            namespace[name] = raw
