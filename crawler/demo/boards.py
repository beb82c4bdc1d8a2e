"""board-north, board-south, board-east: the actors' world served as three demo boards.

crawler/demo/actors.py generates classified ads written by known actors (and by
independent posters of short generic ads) on three boards; this module serves those ads
over HTTP on 127.0.0.1 like the other demo platforms, so that the real crawler can crawl
them and actor linking can be measured on what a crawl stores. The world is fixed: split
"tune", seed `BOARD_SEED`, `BOARD_ACTORS` actors and `BOARD_POSTERS` independent posters,
whatever seed and size the DemoWorld is built with (the ads are the same on every run).

The boards are not part of the default demo world (`crawler run` does not crawl them);
they are served when named: `DemoWorld(platforms=["board-north", ...])`,
`running_world(platforms=BOARDS)`, `python -m crawler.demo serve --platform board-north`.

Pages (server-rendered HTML, every text escaped, no images):
- `/ads?page=N`: 20 ads per page, newest first; each entry has title, price text, city,
  listing id and link; a pager with a `next` link;
- `/ad/<id>`: title, listing id, category, location, posted date (`<time datetime>`),
  price text, a contact line with the ad's phone numbers when it has any, and the body:
  the ad's lines as the generator wrote them, the board's footer lines included (on
  board-north its support e-mail, on board-south a disclaimer and a navigation line);
- `/robots.txt` allows everything but /admin.

Listing ids are the board's own (`N10001`, `S10001`, `E10001`, numbered in posting
order), so the pages do not give the actor away. Ground truth: `board_actors()` maps
every listing id to the actor who wrote the ad ("actor-003", or "solo-0042" for an
independent poster). The world never changes: `advance()` only counts steps.

Profiles: crawler/platforms/board-north.yaml, board-south.yaml, board-east.yaml, base URLs
from DEMO_BOARD_NORTH_URL, DEMO_BOARD_SOUTH_URL, DEMO_BOARD_EAST_URL. Everything is
synthetic and non-explicit (docs/safety.md, crawler/demo/actors.py).
"""

from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass
from html import escape
from typing import Any

import phonenumbers
from aiohttp import web
from phonenumbers import PhoneNumberFormat

from crawler.demo.actors import ActorAd, ActorWorld, actor_world
from crawler.demo.base import DemoPlatform, GroundTruthListing
from crawler.demo.catalog import ROBOTS_TXT
from crawler.demo.phrasebook import table
from crawler.demo.text import UNIT_WORDS, format_money
from crawler.demo.world import register_platform

BOARD_SEED = 1
BOARD_SPLIT = "tune"
BOARD_ACTORS = 8
BOARD_POSTERS = 60
BOARDS = ("board-north", "board-south", "board-east")
PAGE_SIZE = 20

# Unit words for the price text where crawler.demo.text has none (French).
_UNIT_WORDS_FR = {
    "hour": "de l'heure",
    "30min": "pour 30 min",
    "night": "par nuit",
    "month": "par mois",
    "day": "par jour",
    "once": "paiement unique",
}
_STYLE = "body{font-family:sans-serif;max-width:60em;margin:auto}.ad-body{white-space:pre-line}"


@dataclass(frozen=True)
class BoardAd:
    """One ad as a board shows it."""

    key: str  # the board's listing id
    ad: ActorAd
    city: str  # as written in the ad ("München"), not the normalised "münchen, de"
    region: str  # ISO 3166 alpha-2

    @property
    def actor(self) -> str:
        return self.ad.actor

    @property
    def location(self) -> str:
        return f"{self.city}, {self.region}"

    def price_text(self) -> str:
        """The ad's first price, written the way the ad's language writes it."""
        listing = self.ad.listing
        if not listing.prices:
            return ""
        price = listing.prices[0]
        words = UNIT_WORDS.get(listing.language or "", _UNIT_WORDS_FR)
        money = format_money(price.amount, price.currency or "EUR", 0)
        return f"{money} {words.get(price.unit or '', '')}".strip()

    def contact(self) -> str:
        """The ad's phone numbers, internationally formatted ("" when it has none)."""
        return ", ".join(
            phonenumbers.format_number(phonenumbers.parse(p), PhoneNumberFormat.INTERNATIONAL)
            for p in self.ad.listing.phones
        )


@functools.cache
def board_world() -> ActorWorld:
    """The actors' world the boards serve (generated once per process)."""
    return actor_world(BOARD_SEED, BOARD_SPLIT, actors=BOARD_ACTORS, posters=BOARD_POSTERS)


@functools.cache
def _city_names() -> dict[str, str]:
    return {
        city.lower(): city
        for places in table("actors")["places"].values()
        for city, _region, _currency in places
    }


@functools.cache
def board_ads() -> dict[str, tuple[BoardAd, ...]]:
    """{board: its ads in posting order, oldest first}."""
    world = board_world()
    unknown = sorted(set(world.platforms) - set(BOARDS))
    if unknown:
        raise ValueError(f"the actors' world has boards this module does not serve: {unknown}")
    cities = _city_names()
    out: dict[str, list[BoardAd]] = {name: [] for name in BOARDS}
    for ad in world.ads:  # already in posting order
        listing = ad.listing
        board = out[listing.platform]
        city, _, region = (listing.location or "").partition(", ")
        key = f"{listing.platform.removeprefix('board-')[0].upper()}{10001 + len(board)}"
        board.append(BoardAd(key, ad, cities.get(city, city.title()), region.upper()))
    return {name: tuple(ads) for name, ads in out.items()}


def board_actors(platforms: tuple[str, ...] | list[str] = BOARDS) -> dict[str, str]:
    """Ground truth: {listing id shown on the boards: actor id} (ids are unique across boards)."""
    ads = board_ads()
    return {a.key: a.actor for name in platforms for a in ads[name]}


def _page(board: str, title: str, main: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head><body>"
        f'<header><a href="/">{escape(board)}</a> | <a href="/ads">All ads</a></header>'
        f"<main>{main}</main><footer>Synthetic demo site.</footer></body></html>"
    )


class BoardPlatform(DemoPlatform):
    """One board of the actors' world; subclasses only name it."""

    in_default_world = False
    board_title = "Board"

    def __init__(self, seed: int = 1, size: int = 200) -> None:
        super().__init__(seed=seed, size=size)  # the ads do not depend on seed or size
        self.ads = board_ads()[self.name]
        self.by_key = {a.key: a for a in self.ads}
        self.newest_first = sorted(
            self.ads, key=lambda a: (a.ad.listing.posted_at, a.key), reverse=True
        )
        self._pages: dict[int, bytes | None] = {}
        self._details: dict[str, bytes] = {}

    # --- the DemoPlatform contract ----------------------------------------------------------

    def ground_truth(self) -> list[GroundTruthListing]:
        out = []
        for a in self.newest_first:
            x = a.ad.listing
            out.append(
                GroundTruthListing(
                    platform=self.name,
                    key=a.key,
                    path=f"/ad/{a.key}",
                    title=x.title,
                    body=x.body,
                    category=x.category,
                    language=x.language,
                    location=a.location,
                    prices=[p.model_copy() for p in x.prices],
                    phones=list(x.phones),
                    emails=list(x.emails),
                    handles=list(x.handles),
                    wallets=list(x.wallets),
                    indicators={h.id for h in x.indicators},
                )
            )
        return out

    def actors(self) -> dict[str, str]:
        """{listing id: actor} for this board."""
        return {a.key: a.actor for a in self.ads}

    def advance(self) -> None:
        """The actors' world is a fixed history: nothing is added, changed or removed."""
        self.step += 1

    # --- pages ------------------------------------------------------------------------------

    def render_list(self, page: int) -> bytes | None:
        last = max(1, -(-len(self.newest_first) // PAGE_SIZE))
        if page < 1 or page > last:
            return None
        items = []
        for a in self.newest_first[(page - 1) * PAGE_SIZE : page * PAGE_SIZE]:
            items.append(
                f'<li class="ad" data-id="{escape(a.key)}">'
                f'<a class="ad-link" href="/ad/{escape(a.key)}">{escape(a.ad.listing.title)}</a> '
                f'<span class="ad-price">{escape(a.price_text())}</span> '
                f'<span class="ad-city">{escape(a.city)}</span> '
                f'<span class="ad-id">{escape(a.key)}</span></li>'
            )
        pager = [f'<span class="current">{page} / {last}</span>']
        if page > 1:
            prev = "/ads" if page == 2 else f"/ads?page={page - 1}"
            pager.insert(0, f'<a class="prev" href="{prev}">« Previous</a>')
        if page < last:
            pager.append(f'<a class="next" href="/ads?page={page + 1}">Next »</a>')
        main = (
            f"<h1>{escape(self.board_title)}: all ads</h1>"
            f'<ul class="ads">{"".join(items)}</ul>'
            f'<nav class="pager">{" ".join(pager)}</nav>'
        )
        return _page(self.board_title, f"{self.board_title} - page {page}", main).encode()

    def render_detail(self, a: BoardAd) -> bytes:
        x = a.ad.listing
        posted = x.posted_at.isoformat().replace("+00:00", "Z") if x.posted_at else ""
        when = f"{x.posted_at:%d.%m.%Y %H:%M}" if x.posted_at else ""
        parts = [
            f'<article class="ad-detail" lang="{escape(x.language or "")}">',
            f'<h1 class="ad-title">{escape(x.title)}</h1>',
            f'<p class="ad-meta">Ad <span class="listing-id">{escape(a.key)}</span> · '
            f'<span class="category">{escape(x.category or "")}</span> · '
            f'<span class="location">{escape(a.location)}</span> · '
            f'posted <time class="posted" datetime="{escape(posted)}">{escape(when)}</time></p>',
        ]
        if a.price_text():
            parts.append(f'<p class="price">{escape(a.price_text())}</p>')
        if a.contact():
            parts.append(
                f'<p class="contact">Contact: <span class="phone">{escape(a.contact())}</span></p>'
            )
        parts.append(f'<div class="ad-body">{escape(x.body)}</div>')
        parts.append(
            f'<a class="report" href="/admin/report?ad={escape(a.key)}">Report</a></article>'
        )
        return _page(self.board_title, x.title, "".join(parts)).encode()

    def render_home(self) -> str:
        return _page(
            self.board_title,
            self.board_title,
            f'<h1>{escape(self.board_title)}</h1><p><a href="/ads">All ads</a></p>',
        )

    # --- serving ----------------------------------------------------------------------------

    @staticmethod
    def _html(body: bytes | None) -> web.Response:
        if body is None:
            return web.Response(
                status=404,
                text="<html><body><h1>Not found</h1></body></html>",
                content_type="text/html",
            )
        return web.Response(body=body, content_type="text/html", charset="utf-8")

    async def _handle_list(self, request: web.Request) -> web.Response:
        try:
            page = int(request.query.get("page", "1"))
        except ValueError:
            return self._html(None)
        if page not in self._pages:
            self._pages[page] = self.render_list(page)
        return self._html(self._pages[page])

    async def _handle_detail(self, request: web.Request) -> web.Response:
        key = request.match_info["key"]
        ad = self.by_key.get(key)
        if ad is None:
            return self._html(None)
        if key not in self._details:
            self._details[key] = self.render_detail(ad)
        return self._html(self._details[key])

    async def _handle_home(self, request: web.Request) -> web.Response:
        return web.Response(text=self.render_home(), content_type="text/html")

    async def _handle_robots(self, request: web.Request) -> web.Response:
        return web.Response(text=ROBOTS_TXT, content_type="text/plain")

    async def _handle_admin(self, request: web.Request) -> web.Response:
        return web.Response(status=403, text="forbidden")

    def make_app(self) -> web.Application:
        kinds = {"list": "list", "detail": "detail", "robots": "robots"}
        requests: Counter[str] = self.requests

        @web.middleware
        async def count_requests(request: web.Request, handler: Any) -> web.StreamResponse:
            name = request.match_info.route.name or ""
            requests[kinds.get(name, "other")] += 1
            return await handler(request)

        app = web.Application(middlewares=[count_requests])
        app.add_routes(
            [
                web.get("/", self._handle_home, name="home"),
                web.get("/robots.txt", self._handle_robots, name="robots"),
                web.get("/admin{tail:.*}", self._handle_admin, name="admin"),
                web.get("/ads", self._handle_list, name="list"),
                web.get("/ad/{key}", self._handle_detail, name="detail"),
            ]
        )
        return app


@register_platform
class BoardNorth(BoardPlatform):
    """Prints its support e-mail on every ad (the footer hub)."""

    name = "board-north"
    env_var = "DEMO_BOARD_NORTH_URL"
    default_port = 8711
    board_title = "Board North"


@register_platform
class BoardSouth(BoardPlatform):
    """Prints a disclaimer and a navigation line on every ad."""

    name = "board-south"
    env_var = "DEMO_BOARD_SOUTH_URL"
    default_port = 8712
    board_title = "Board South"


@register_platform
class BoardEast(BoardPlatform):
    """No footer."""

    name = "board-east"
    env_var = "DEMO_BOARD_EAST_URL"
    default_port = 8713
    board_title = "Board East"
