"""The state and serving machinery shared by the server-rendered demo platforms.

A `CatalogPlatform` holds the listings of one synthetic platform (classifieds, job board,
forum), evolves them with `advance()` and serves them with aiohttp. Subclasses only
generate a listing (`draft`) and render HTML (`render_list`, `render_detail`).

Behaviour the crawler relies on:
- list pages hold `page_size` (20) entries and show the most recently added OR updated
  listings first; a price change bumps a listing to the top and raises its version;
- a removed listing leaves every list page and its detail page answers 404; besides the
  random removals of `advance()`, `take_down(key)` removes one chosen listing now and
  `restore(key)` brings it back unchanged (the removed-listings tests);
- robots.txt allows everything but /admin;
- detail pages may reference one placeholder image under /static/ that is counted as
  an "asset" request, so tests can prove the crawler never fetches media.

Every listing is generated from its own `random.Random(f"{seed}:{name}:listing:{index}")`
and every step from `...:step:{n}`, so a (seed, size) pair fixes the whole history. HTML is
rendered once per listing version and list pages once per state, so serving is a lookup.
"""

from __future__ import annotations

import json
import random
from abc import abstractmethod
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from crawler.demo.base import DemoPlatform, GroundTruthListing
from crawler.demo.text import ContactBook, Draft, change_price

EPOCH = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
PLACEHOLDER_SVG = b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"></svg>'
ROBOTS_TXT = "User-agent: *\nDisallow: /admin\nAllow: /\n"

# Shares of the live listings touched by one advance() step.
NEW_SHARE = 0.05
CHANGE_SHARE = 0.05
REMOVE_SHARE = 0.03


def script_json(data: object) -> str:
    """JSON safe inside a <script> element (JSON-LD)."""
    return json.dumps(data, ensure_ascii=False).replace("</", "<\\/")


@dataclass
class CatalogEntry:
    """One listing as the platform holds it."""

    key: str
    index: int
    draft: Draft
    posted_at: datetime
    updated_at: datetime
    seq: int  # ordering on list pages: higher = more recently added or updated
    version: int = 1
    html: bytes | None = None  # rendered detail page of this version


class CatalogPlatform(DemoPlatform):
    """A server-rendered platform of listings in categories, with paginated list pages."""

    key_prefix = "L"
    page_size = 20
    categories: tuple[str, ...] = ()

    def __init__(self, seed: int = 1, size: int = 200) -> None:
        super().__init__(seed=seed, size=size)
        self.contacts = ContactBook(f"{seed}:{self.name}")
        self.entries: dict[str, CatalogEntry] = {}
        self.removed: set[str] = set()
        self._taken_down: dict[str, CatalogEntry] = {}
        self.clock = EPOCH
        self._seq = 0
        self._next_index = 0
        self._order_cache: dict[str | None, list[CatalogEntry]] = {}
        self._page_cache: dict[tuple[str | None, int], bytes | None] = {}
        for _ in range(size):
            self._add()

    # --- what subclasses provide -----------------------------------------------------------

    @abstractmethod
    def draft(self, rng: random.Random, index: int) -> Draft:
        """Generate listing number `index`."""

    @abstractmethod
    def render_list(
        self, category: str | None, page: int, entries: list[CatalogEntry], last_page: int
    ) -> str:
        """One list page (entries already ordered and sliced)."""

    @abstractmethod
    def render_detail(self, entry: CatalogEntry) -> str:
        """A listing's detail page."""

    def render_home(self) -> str:
        links = "".join(f'<li><a href="{self.list_path(c)}">{c}</a></li>' for c in self.categories)
        return f"<!doctype html><html><head><title>{self.name}</title></head><body><ul>{links}</ul></body></html>"

    def list_path(self, category: str | None, page: int = 1) -> str:
        base = f"/c/{category}" if category else "/all"
        return base if page == 1 else f"{base}?page={page}"

    def detail_path(self, key: str) -> str:
        return f"/ad/{key}"

    def routes(self) -> list[web.RouteDef]:
        """URL layout; subclasses with another layout override this."""
        return [
            web.get("/c/{category}", self._handle_category_list, name="list"),
            web.get("/all", self._handle_all_list, name="list-all"),
            web.get("/ad/{key}", self._handle_detail, name="detail"),
        ]

    # --- state --------------------------------------------------------------------------------

    def _add(self) -> CatalogEntry:
        index = self._next_index
        self._next_index += 1
        rng = random.Random(f"{self.seed}:{self.name}:listing:{index}")
        draft = self.draft(rng, index)
        self._seq += 1
        if self.step == 0:
            # The initial listings were posted over the weeks before the world starts.
            posted = EPOCH - timedelta(minutes=17 * (self.size - index))
        else:
            posted = self.clock + timedelta(minutes=index % 360)
        entry = CatalogEntry(
            key=f"{self.key_prefix}{10000 + index}",
            index=index,
            draft=draft,
            posted_at=posted,
            updated_at=posted,
            seq=self._seq,
        )
        self.entries[entry.key] = entry
        return entry

    def _invalidate(self) -> None:
        self._order_cache.clear()
        self._page_cache.clear()

    def ordered(self, category: str | None = None) -> list[CatalogEntry]:
        """Live listings of a category (None: all), most recently added or updated first."""
        cached = self._order_cache.get(category)
        if cached is None:
            pool = [
                e for e in self.entries.values() if category is None or e.draft.category == category
            ]
            cached = sorted(pool, key=lambda e: e.seq, reverse=True)
            self._order_cache[category] = cached
        return cached

    def advance(self) -> None:
        """One step: ~3% removed, ~5% re-priced (bumped to the top), ~5% new at the top."""
        self.step += 1
        self.clock = EPOCH + timedelta(hours=6 * self.step)
        rng = random.Random(f"{self.seed}:{self.name}:step:{self.step}")
        live = sorted(self.entries)
        n_remove = max(1, round(len(live) * REMOVE_SHARE)) if live else 0
        for key in rng.sample(live, min(n_remove, len(live))):
            del self.entries[key]
            self.removed.add(key)
        live = sorted(self.entries)
        n_change = max(1, round(len(live) * CHANGE_SHARE)) if live else 0
        for key in rng.sample(live, min(n_change, len(live))):
            entry = self.entries[key]
            entry.draft.prices[0] = change_price(rng, entry.draft.prices[0])
            entry.version += 1
            self._seq += 1
            entry.seq = self._seq
            entry.updated_at = self.clock
            entry.html = None
        for _ in range(max(1, round(self.size * NEW_SHARE))):
            self._add()
        self._invalidate()

    def take_down(self, key: str) -> None:
        """Remove the listing `key` now (ValueError when no such listing is online)."""
        entry = self.entries.pop(key, None)
        if entry is None:
            raise ValueError(f"{self.name}: no listing {key!r} online")
        self._taken_down[key] = entry
        self.removed.add(key)
        self._invalidate()

    def restore(self, key: str) -> None:
        """Put a listing taken down with `take_down` back, as it was, in its place."""
        entry = self._taken_down.pop(key, None)
        if entry is None:
            raise ValueError(f"{self.name}: listing {key!r} was not taken down")
        self.removed.discard(key)
        self.entries[key] = entry
        self._invalidate()

    def truth_of(self, entry: CatalogEntry) -> GroundTruthListing:
        d = entry.draft
        return GroundTruthListing(
            platform=self.name,
            key=entry.key,
            path=self.detail_path(entry.key),
            title=d.title,
            body=d.body(),
            category=d.category,
            language=d.lang,
            location=d.location,
            seller=d.seller,
            stated_age=d.stated_age,
            prices=[p.model_copy() for p in d.prices],
            phones=list(d.phones),
            emails=list(d.emails),
            handles=list(d.handles),
            wallets=list(d.wallets),
            indicators=set(d.indicators),
            version=entry.version,
        )

    def ground_truth(self) -> list[GroundTruthListing]:
        return [self.truth_of(e) for e in self.ordered()]

    # --- serving ------------------------------------------------------------------------------

    def list_page_bytes(self, category: str | None, page: int) -> bytes | None:
        """The rendered list page, or None when the page does not exist."""
        cache_key = (category, page)
        if cache_key not in self._page_cache:
            entries = self.ordered(category)
            last_page = max(1, -(-len(entries) // self.page_size))
            if page < 1 or page > last_page:
                self._page_cache[cache_key] = None
            else:
                chunk = entries[(page - 1) * self.page_size : page * self.page_size]
                self._page_cache[cache_key] = self.render_list(
                    category, page, chunk, last_page
                ).encode()
        return self._page_cache[cache_key]

    def detail_bytes(self, key: str) -> bytes | None:
        entry = self.entries.get(key)
        if entry is None:
            return None
        if entry.html is None:
            entry.html = self.render_detail(entry).encode()
        return entry.html

    @staticmethod
    def _page_number(request: web.Request) -> int | None:
        try:
            return int(request.query.get("page", "1"))
        except ValueError:
            return None

    def _html(self, body: bytes | None) -> web.Response:
        if body is None:
            return web.Response(
                status=404,
                text="<html><body><h1>Not found</h1></body></html>",
                content_type="text/html",
            )
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    async def _handle_category_list(self, request: web.Request) -> web.Response:
        category = request.match_info["category"]
        page = self._page_number(request)
        if category not in self.categories or page is None:
            return self._html(None)
        return self._html(self.list_page_bytes(category, page))

    async def _handle_all_list(self, request: web.Request) -> web.Response:
        page = self._page_number(request)
        return self._html(None if page is None else self.list_page_bytes(None, page))

    async def _handle_detail(self, request: web.Request) -> web.Response:
        return self._html(self.detail_bytes(request.match_info["key"]))

    async def _handle_home(self, request: web.Request) -> web.Response:
        return web.Response(text=self.render_home(), content_type="text/html")

    async def _handle_robots(self, request: web.Request) -> web.Response:
        return web.Response(text=ROBOTS_TXT, content_type="text/plain")

    async def _handle_asset(self, request: web.Request) -> web.Response:
        return web.Response(body=PLACEHOLDER_SVG, content_type="image/svg+xml")

    async def _handle_admin(self, request: web.Request) -> web.Response:
        return web.Response(status=403, text="forbidden")

    def make_app(self) -> web.Application:
        kinds = {"robots": "robots", "asset": "asset", "detail": "detail"}

        @web.middleware
        async def count_requests(request: web.Request, handler: Any) -> web.StreamResponse:
            # Count by route: what a test asserts ("no asset fetched", "N list pages").
            name = request.match_info.route.name or ""
            kind = "list" if name.startswith("list") else kinds.get(name, "other")
            self.requests[kind] += 1
            return await handler(request)

        app = web.Application(middlewares=[count_requests])
        app.add_routes(
            [
                web.get("/", self._handle_home, name="home"),
                web.get("/robots.txt", self._handle_robots, name="robots"),
                web.get("/static/{name}", self._handle_asset, name="asset"),
                web.get("/admin{tail:.*}", self._handle_admin, name="admin"),
                *self.routes(),
            ]
        )
        return app
