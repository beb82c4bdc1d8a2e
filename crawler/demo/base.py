"""The contract every synthetic demo platform implements.

A demo platform is a deterministic, seeded synthetic site served by aiohttp on 127.0.0.1.
It keeps a ground-truth record of every listing it currently shows, can advance in time
(new listings, price changes, removals) and counts the requests it serves, so that
tests can compare a crawl against the truth and count what the crawler fetched.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections import Counter
from dataclasses import dataclass, field

from aiohttp import web

from crawler.models import Handle, Price, Wallet


@dataclass
class GroundTruthListing:
    platform: str  # profile name, e.g. "demo-classifieds"
    key: str  # the platform's own listing id (shown on the page)
    path: str  # URL path of the detail page, e.g. "/ad/123"
    title: str
    body: str
    category: str | None = None
    language: str | None = None
    location: str | None = None
    seller: str | None = None
    stated_age: int | None = None
    prices: list[Price] = field(default_factory=list)
    phones: list[str] = field(default_factory=list)  # E.164
    emails: list[str] = field(default_factory=list)
    handles: list[Handle] = field(default_factory=list)
    wallets: list[Wallet] = field(default_factory=list)
    indicators: set[str] = field(
        default_factory=set
    )  # ids from docs/indicators.md planted in the text
    version: int = 1  # bumped whenever the listing's content (e.g. price) changes


class DemoPlatform(ABC):
    """One synthetic platform. Subclasses generate listings from (seed, size)."""

    name: str = "demo"
    env_var: str = "DEMO_URL"  # the environment variable its profile reads its base URL from
    # False: only served when asked for by name (DemoWorld(platforms=[...])), never by `crawler run`.
    in_default_world: bool = True

    def __init__(self, seed: int = 1, size: int = 200) -> None:
        self.seed = seed
        self.size = size
        self.step = 0
        self.requests: Counter[str] = (
            Counter()
        )  # request counts by kind: list, detail, robots, api, asset, other

    @abstractmethod
    def ground_truth(self) -> list[GroundTruthListing]:
        """The listings the platform shows now."""

    @abstractmethod
    def advance(self) -> None:
        """Move one step in time: some new listings, some price changes, some removals."""

    @abstractmethod
    def make_app(self) -> web.Application:
        """The aiohttp application serving the current state."""
