"""Finding a crawl's own component from its Crawler, without keeping the crawl alive.

Several components are looked up by their crawler (`CrawlStore.of(crawler)`...) through a
`weakref.WeakKeyDictionary[Crawler, component]`. A component that references its crawler
keeps its own key alive, so such an entry is never dropped by itself: a long-running process
that runs crawl after crawl (`crawler worker`) would keep every finished crawl in memory.
`remember` adds the entry and removes it when the crawl's engine stops (the last signal).
"""

from __future__ import annotations

import weakref
from typing import TYPE_CHECKING, Any, TypeVar

from scrapy import signals

if TYPE_CHECKING:
    from scrapy.crawler import Crawler

T = TypeVar("T")


def remember(registry: weakref.WeakKeyDictionary[Crawler, T], crawler: Crawler, component: T) -> T:
    """registry[crawler] = component, until the crawler's engine stops."""
    registry[crawler] = component

    def forget() -> None:
        registry.pop(crawler, None)

    # Signal receivers are held weakly: the component keeps this one alive, and the entry
    # keeps the component alive until `forget` drops both.
    component_any: Any = component
    component_any._forget_at_engine_stop = forget
    crawler.signals.connect(forget, signal=signals.engine_stopped)
    return component
