"""Count always, log once: how crawl components report what keeps happening.

A hostile or broken platform makes the same thing happen thousands of times (a refused
link, a failing page, a store that is down). Each occurrence is counted in the crawl's
stats; only the first of each kind is logged, saying that the rest are only counted. One
`Reporter` per component, built with the crawl's stats collector and the component's
logger.
"""

from __future__ import annotations

import logging
from typing import Any


class Reporter:
    def __init__(self, stats: Any, logger: logging.Logger, prefix: str = "") -> None:
        self.stats = stats
        self.logger = logger
        self.prefix = prefix
        self._logged: set[str] = set()

    def count(self, key: str, value: float = 1) -> None:
        """Add `value` to the stat `prefix + key` (nothing without a stats collector)."""
        if self.stats is not None:
            self.stats.inc_value(self.prefix + key, value)

    def once(self, key: str, level: int, msg: str, *args: Any) -> bool:
        """Log `msg` the first time `key` is seen in this crawl; True when it was logged."""
        if key in self._logged:
            return False
        self._logged.add(key)
        self.logger.log(level, msg, *args)
        return True

    def problem(self, key: str, level: int, msg: str, *args: Any) -> None:
        """Count `key` and log the first occurrence, saying further ones are only counted."""
        self.count(key)
        self.once(
            key, level, msg + "; further ones are only counted in %s", *args, self.prefix + key
        )
