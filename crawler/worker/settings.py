"""The worker's settings and crawler runner: what each run's Crawler costs, made cheaper.

Every run makes a Crawler, and a Crawler starts by copying the runner's settings
(`settings.copy()`, a `copy.deepcopy` of about 3,600 objects: 12 ms of a 60 ms run, most of
it walking strings and numbers that are never modified). `RunSettings.copy` gives the same
result, a copy whose changes never reach the original, by sharing the immutable values
(str, int, float, bool, None, bytes, tuples of those) and copying the rest: nested
BaseSettings the same way, any other value with `copy.deepcopy`.

`RunCrawlers` is Scrapy's AsyncCrawlerRunner without the second merge of its settings into
a Crawler it made itself: `crawl(crawler)` merges the runner's settings into the crawler's
again (`crawler.settings.update(runner.settings)`, 300 settings set one by one: as much
again as the copy), although the crawler's are a copy of them already.
"""

from __future__ import annotations

import copy
from typing import Any

from scrapy.crawler import AsyncCrawlerRunner, Crawler
from scrapy.settings import BaseSettings, Settings, SettingsAttribute

_ATOMS = (str, int, float, bool, bytes, type(None))


def _immutable(value: Any) -> bool:
    if isinstance(value, _ATOMS):
        return True
    if type(value) is tuple or type(value) is frozenset:
        return all(_immutable(v) for v in value)
    return False


def _copy_value(value: Any) -> Any:
    if _immutable(value):
        return value
    if isinstance(value, BaseSettings):
        return _copy_settings(value)
    return copy.deepcopy(value)


def _copy_settings(settings: BaseSettings) -> Any:
    new = copy.copy(settings)  # same class, same instance attributes
    attributes: dict[str, SettingsAttribute] = {}
    for name, attr in settings.attributes.items():
        clone = SettingsAttribute.__new__(SettingsAttribute)
        clone.value = _copy_value(attr.value)
        clone.priority = attr.priority
        attributes[name] = clone
    new.attributes = attributes
    return new


class RunSettings(Settings):
    """Settings whose copy() is a cheap deep copy (module docstring)."""

    @classmethod
    def of(cls, settings: BaseSettings) -> RunSettings:
        new = _copy_settings(settings)
        new.__class__ = cls
        return new

    def copy(self) -> RunSettings:
        return _copy_settings(self)


class RunCrawlers(AsyncCrawlerRunner):
    """AsyncCrawlerRunner whose own crawlers are not merged with its settings twice."""

    def __init__(self, settings: BaseSettings) -> None:
        super().__init__(RunSettings.of(settings))
        self._own: Any = None  # weak set of the crawlers made here, made on first use

    def _create_crawler(self, spidercls: Any) -> Crawler:
        import weakref

        crawler = super()._create_crawler(spidercls)
        if self._own is None:
            self._own = weakref.WeakSet()
        self._own.add(crawler)
        return crawler

    def create_crawler(self, crawler_or_spidercls: Any) -> Crawler:
        if self._own is not None and crawler_or_spidercls in self._own:
            return crawler_or_spidercls
        return super().create_crawler(crawler_or_spidercls)
