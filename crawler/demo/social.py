"""demo-social: a synthetic social platform whose posts only exist after JavaScript runs.

The feed page (`/feed?start=N`) is an empty HTML shell; its script fetches posts from
the JSON endpoint `/api/posts?offset=N&limit=10`. The first pages of a feed view load by
infinite scroll, the next ones through a "Load more" button, and after VIEW_PAGES pages
the view ends with a plain "Older posts" link to the next view. A post's detail page
(`/post/<id>`) is also a shell that renders `/api/posts/<id>` client-side. Every post
shows an avatar image (`/img/<id>.svg`, a tiny generated placeholder) and the page asks
for a web font (`/fonts/...`, never served): counting these requests proves that the
crawler's browser never fetches media.

Posts are profiles, recruitment offers, e-pimping agency posts and ordinary posts, all
synthetic and clinical (docs/safety.md): example phone numbers from `phonenumbers`, e-mails on
example.org, generated wallet addresses. Its profiles read the base URL from
DEMO_SOCIAL_URL: crawler/platforms/demo-social.yaml (rendered) and demo-social-api.yaml
(the same posts read from the JSON endpoint).
"""

from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import base58
import phonenumbers
from aiohttp import web

from crawler.demo.base import DemoPlatform, GroundTruthListing
from crawler.demo.world import register_platform
from crawler.models import Handle, Price, Wallet

PAGE_SIZE = 10  # posts per JSON page
SCROLL_PAGES = 3  # pages of a feed view loaded by infinite scroll (the first one included)
VIEW_PAGES = 5  # pages in one feed view; then an "Older posts" link starts the next view
EPOCH = datetime(2026, 11, 1, tzinfo=UTC)

_CITIES = ["Rotterdam", "Utrecht", "Antwerp", "Cologne", "Lyon", "Porto", "Gdansk", "Brno"]
_NAMES = ["Mira", "Lena", "Sofia", "Ana", "Ilona", "Nadia", "Eva", "Katya", "Rosa", "Vera"]
_REGIONS = ["NL", "DE", "BE", "FR", "PL", "RO", "GB", "ES", "IT", "CZ"]
_WORDS = ["river", "maple", "stone", "cloud", "amber", "north", "cedar", "pixel", "lotus"]


@dataclass
class Post:
    """One post as the platform stores it; `to_json` is what its API serves."""

    id: str
    kind: str  # profile | recruitment | epimping | ordinary
    category: str
    headline: str
    text: str
    author_name: str
    author_handle: str
    place: str
    created_at: datetime
    price_text: str | None = None
    phone: str | None = None  # E.164
    email: str | None = None
    age: int | None = None
    prices: list[Price] = field(default_factory=list)
    handles: list[Handle] = field(default_factory=list)
    wallets: list[Wallet] = field(default_factory=list)
    indicators: set[str] = field(default_factory=set)
    version: int = 1

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "category": self.category,
            "headline": self.headline,
            "text": self.text,
            "author": {"name": self.author_name, "handle": self.author_handle},
            "place": self.place,
            "created_at": self.created_at.isoformat().replace("+00:00", "Z"),
            "offer": {"price": self.price_text} if self.price_text else None,
            "contact": {"phone": _display_phone(self.phone), "email": self.email},
            "age": self.age,
            "image": f"/img/{self.id}.svg",
        }


def _display_phone(e164: str | None) -> str | None:
    if e164 is None:
        return None
    return phonenumbers.format_number(
        phonenumbers.parse(e164), phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


def _example_phone(region: str) -> str:
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    assert number is not None, region  # phonenumbers has an example mobile for every region used
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _generated_btc_address(rng: random.Random) -> str:
    # A checksum-valid P2PKH address over random bytes: generated, belongs to nobody.
    payload = b"\x00" + bytes(rng.getrandbits(8) for _ in range(20))
    checksum = hashlib.sha256(hashlib.sha256(payload).digest()).digest()[:4]
    return base58.b58encode(payload + checksum).decode()


class _PostWriter:
    """Builds synthetic posts of each kind from a seeded random generator."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def handle(self) -> str:
        return f"{self.rng.choice(_WORDS)}_{self.rng.choice(_WORDS)}{self.rng.randint(10, 99)}"

    def post(self, post_id: str, created_at: datetime) -> Post:
        kind = self.rng.choices(
            ["profile", "recruitment", "epimping", "ordinary"], weights=[3, 3, 2, 4]
        )[0]
        return getattr(self, kind)(post_id, created_at)

    def _base(self, post_id: str, created_at: datetime, kind: str, category: str) -> dict[str, Any]:
        return {
            "id": post_id,
            "kind": kind,
            "category": category,
            "author_handle": "@" + self.handle(),
            "place": self.rng.choice(_CITIES),
            "created_at": created_at,
        }

    def profile(self, post_id: str, created_at: datetime) -> Post:
        rng = self.rng
        name, age = rng.choice(_NAMES), rng.randint(21, 34)
        amount = rng.choice([100, 120, 150, 200])
        phone = _example_phone(rng.choice(_REGIONS))
        tg = self.handle()
        base = self._base(post_id, created_at, "profile", "companionship")
        variant = rng.randint(0, 1)
        if variant == 0:
            text = (
                f"{name}, {age}. New in town, just arrived for a few days. "
                f"Bookings only through my manager on Telegram @{tg}. Available 24/7. "
                f"Rate {amount} EUR per hour."
            )
            indicators = {"movement", "third_party_control", "constant_availability"}
        else:
            text = (
                f"{name}, {age}, on tour in {base['place']} this week. Does not speak the local "
                f"language, contact only through her friend on Telegram @{tg}. "
                f"Rate {amount} EUR per hour."
            )
            indicators = {"movement", "restricted_communication"}
        return Post(
            **base,
            headline=f"{name} in {base['place']}",
            text=text,
            author_name=f"{name} bookings",
            price_text=f"{amount} EUR per hour",
            phone=phone,
            age=age,
            prices=[Price(amount=amount, currency="EUR", unit="hour")],
            handles=[Handle(service="telegram", handle=tg)],
            indicators=indicators,
        )

    def recruitment(self, post_id: str, created_at: datetime) -> Post:
        rng = self.rng
        wage, fee = rng.choice([2800, 3000, 3500]), rng.choice([250, 300, 400])
        country = rng.choice(["Germany", "Dubai", "Norway", "Cyprus"])
        phone = _example_phone(rng.choice(_REGIONS))
        email = f"jobs.{rng.choice(_WORDS)}{rng.randint(1, 99)}@example.org"
        base = self._base(post_id, created_at, "recruitment", "jobs")
        if rng.random() < 0.5:
            text = (
                f"Warehouse workers needed in {country}. No experience or language needed, "
                f"earn {wage} EUR per month. Travel and visa arranged, accommodation provided "
                f"by the employer. Registration fee {fee} EUR. Passport kept by the agency "
                f"during the contract. Call {_display_phone(phone)} or write to {email}."
            )
            indicators = {
                "unrealistic_offer", "travel_arranged_abroad", "employer_housing",
                "recruitment_fee", "document_retention",
            }  # fmt: skip
            prices = [
                Price(amount=wage, currency="EUR", unit="month"),
                Price(amount=fee, currency="EUR", unit="once"),
            ]
            price_text = f"{wage} EUR per month"
        else:
            text = (
                f"Hostess and dancer jobs abroad in {country}, easy money, departure next week. "
                f"Free housing plus work for women fleeing the war. Travel costs advanced as a "
                f"loan, repaid through work. Call {_display_phone(phone)} or write to {email}."
            )
            indicators = {
                "lure_job_abroad", "unrealistic_offer", "refugee_targeting", "debt_bondage",
                "employer_housing",
            }  # fmt: skip
            prices, price_text = [], None
        return Post(
            **base,
            headline=f"Jobs in {country}",
            text=text,
            author_name=f"{rng.choice(_WORDS).title()} Recruitment",
            price_text=price_text,
            phone=phone,
            email=email,
            prices=prices,
            indicators=indicators,
        )

    def epimping(self, post_id: str, created_at: datetime) -> Post:
        rng = self.rng
        share = rng.choice([40, 50, 60])
        tg = self.handle()
        base = self._base(post_id, created_at, "epimping", "services")
        wallets: list[Wallet] = []
        if rng.random() < 0.5:
            address = _generated_btc_address(rng)
            wallets = [Wallet(chain="btc", address=address)]
            text = (
                f"OnlyFans manager course: we manage her account with our chatters and take "
                f"{share}% of her earnings. Payment only in BTC: {address}. "
                f"Telegram @{tg}."
            )
            indicators = {"e_pimping", "crypto_only_payment"}
        else:
            text = (
                f"Agency looking for chatters to run creator accounts, we keep {share}% of the "
                f"models' earnings. Write on Telegram @{tg}."
            )
            indicators = {"e_pimping"}
        return Post(
            **base,
            headline="Creator account management",
            text=text,
            author_name=f"{rng.choice(_WORDS).title()} Agency",
            handles=[Handle(service="telegram", handle=tg)],
            wallets=wallets,
            indicators=indicators,
        )

    def ordinary(self, post_id: str, created_at: datetime) -> Post:
        rng = self.rng
        base = self._base(post_id, created_at, "ordinary", "general")
        choice = rng.randint(0, 2)
        if choice == 0:
            amount = rng.choice([60, 80, 120])
            return Post(
                **base,
                headline="Used bike for sale",
                text=f"Selling my used city bike, {amount} EUR, pick-up in {base['place']}.",
                author_name=rng.choice(_NAMES),
                price_text=f"{amount} EUR",
                prices=[Price(amount=amount, currency="EUR", unit=None)],
            )
        if choice == 1:
            rent = rng.choice([450, 520, 600])
            return Post(
                **base,
                headline="Room for a flatmate",
                text=f"Looking for a flatmate, room {rent} EUR per month, near the station.",
                author_name=rng.choice(_NAMES),
                price_text=f"{rent} EUR per month",
                prices=[Price(amount=rent, currency="EUR", unit="month")],
            )
        return Post(
            **base,
            headline="Community garden",
            text=f"The community garden in {base['place']} meets on Saturday, all welcome.",
            author_name=rng.choice(_NAMES),
        )


@register_platform
class SocialPlatform(DemoPlatform):
    """A social platform rendered client-side from JSON (see the module docstring)."""

    name = "demo-social"
    env_var = "DEMO_SOCIAL_URL"

    def __init__(self, seed: int = 1, size: int = 200) -> None:
        super().__init__(seed=seed, size=size)
        self._rng = random.Random(f"demo-social:{seed}")
        self._writer = _PostWriter(self._rng)
        self._next_number = 1000
        self._clock = EPOCH
        # Newest first, as the feed and the API list them.
        self.posts: list[Post] = []
        for _ in range(size):
            self.posts.insert(0, self._new_post())

    def _new_post(self) -> Post:
        self._next_number += 1
        self._clock += timedelta(minutes=self._rng.randint(5, 90))
        return self._writer.post(f"p{self._next_number}", self._clock)

    # -- DemoPlatform ---------------------------------------------------------------

    def ground_truth(self) -> list[GroundTruthListing]:
        return [
            GroundTruthListing(
                platform=self.name,
                key=p.id,
                path=f"/post/{p.id}",
                title=p.headline,
                body=p.text,
                category=p.category,
                language="en",
                location=p.place,
                seller=p.author_name,
                stated_age=p.age,
                prices=list(p.prices),
                phones=[p.phone] if p.phone else [],
                emails=[p.email] if p.email else [],
                handles=list(p.handles),
                wallets=list(p.wallets),
                indicators=set(p.indicators),
                version=p.version,
            )
            for p in self.posts
        ]

    def advance(self) -> None:
        """New posts on top, a price change on two priced posts, one post removed."""
        self.step += 1
        rng = self._rng
        if self.posts:
            del self.posts[rng.randrange(len(self.posts))]
        priced = [p for p in self.posts if p.prices and p.price_text]
        for post in rng.sample(priced, min(2, len(priced))):
            old = post.prices[0]
            new_amount = old.amount + 10
            assert post.price_text is not None
            post.price_text = post.price_text.replace(
                f"{old.amount:g} EUR", f"{new_amount:g} EUR", 1
            )
            post.text = post.text.replace(f"{old.amount:g} EUR", f"{new_amount:g} EUR", 1)
            post.prices[0] = Price(amount=new_amount, currency=old.currency, unit=old.unit)
            post.version += 1
        for _ in range(max(1, self.size // 20)):
            self.posts.insert(0, self._new_post())

    def make_app(self) -> web.Application:
        app = web.Application(middlewares=[self._count_requests])
        app.router.add_get("/", self._feed)
        app.router.add_get("/feed", self._feed)
        app.router.add_get("/post/{post_id}", self._detail)
        app.router.add_get("/api/posts", self._api_posts)
        app.router.add_get("/api/posts/{post_id}", self._api_post)
        app.router.add_get("/static/social.js", self._script)
        app.router.add_get("/img/{name}", self._image)
        app.router.add_get("/robots.txt", self._robots)
        return app

    def relayout_script(self, script: str) -> str:
        """The "layout" condition: the client builds `v2-` classes and ids and reads the
        API's `v2_` keys, so the rendered pages show every post in the new markup."""
        return _LAYOUT_PRELUDE + (
            script.replace('document.getElementById("app")', 'document.getElementById("v2-app")')
            .replace("if (cls) e.className = cls;", 'if (cls) e.className = "v2-" + cls;')
            .replace('button.id = "load-more";', 'button.id = "v2-load-more";')
            .replace('feed.id = "feed";', 'feed.id = "v2-feed";')
            .replace("await r.json()", "unv2(await r.json())")
        )

    # -- HTTP -------------------------------------------------------------------------

    @web.middleware
    async def _count_requests(self, request: web.Request, handler: Any) -> web.StreamResponse:
        path = request.path
        if path in ("/", "/feed"):
            kind = "list"
        elif path.startswith("/post/"):
            kind = "detail"
        elif path.startswith("/api/"):
            kind = "api"
        elif path.startswith("/img/"):
            kind = "image"
        elif path.startswith("/fonts/"):
            kind = "font"
        elif path.startswith("/static/"):
            kind = "asset"
        elif path == "/robots.txt":
            kind = "robots"
        else:
            kind = "other"
        self.requests[kind] += 1
        return await handler(request)

    def _find(self, post_id: str) -> Post | None:
        return next((p for p in self.posts if p.id == post_id), None)

    async def _feed(self, request: web.Request) -> web.Response:
        return web.Response(text=_shell("Feed", "feed"), content_type="text/html")

    async def _detail(self, request: web.Request) -> web.Response:
        status = 200 if self._find(request.match_info["post_id"]) else 404
        return web.Response(text=_shell("Post", "detail"), content_type="text/html", status=status)

    async def _api_posts(self, request: web.Request) -> web.Response:
        try:
            offset = max(0, int(request.query.get("offset", "0")))
            limit = min(50, max(1, int(request.query.get("limit", str(PAGE_SIZE)))))
        except ValueError:
            raise web.HTTPBadRequest(text="offset and limit must be integers") from None
        page = self.posts[offset : offset + limit]
        more = offset + limit < len(self.posts)
        body = {
            "data": {"posts": [p.to_json() for p in page], "total": len(self.posts)},
            "paging": {
                "next": f"/api/posts?offset={offset + limit}&limit={limit}" if more else None
            },
        }
        return web.json_response(body)

    async def _api_post(self, request: web.Request) -> web.Response:
        post = self._find(request.match_info["post_id"])
        if post is None:
            raise web.HTTPNotFound(text=json.dumps({"error": "no such post"}))
        return web.json_response({"data": post.to_json()})

    async def _script(self, request: web.Request) -> web.Response:
        return web.Response(text=_SCRIPT, content_type="application/javascript")

    async def _image(self, request: web.Request) -> web.Response:
        # A grey square: the only "image" this platform has, and no crawler should ask for it.
        svg = '<svg xmlns="http://www.w3.org/2000/svg" width="8" height="8"><rect width="8" height="8" fill="#ccc"/></svg>'
        return web.Response(text=svg, content_type="image/svg+xml")

    async def _robots(self, request: web.Request) -> web.Response:
        return web.Response(text="User-agent: *\nAllow: /\n", content_type="text/plain")


def _shell(title: str, view: str) -> str:
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} - demo-social</title>
<style>
@font-face {{ font-family: "DemoSans"; src: url("/fonts/demo-sans.woff2") format("woff2"); }}
body {{ font-family: "DemoSans", sans-serif; margin: 0 auto; max-width: 40em; }}
.post {{ min-height: 180px; border-bottom: 1px solid #ddd; }}
.avatar {{ width: 32px; height: 32px; }}
</style></head>
<body data-view="{view}" data-page-size="{PAGE_SIZE}" data-scroll-pages="{SCROLL_PAGES}"
 data-view-pages="{VIEW_PAGES}">
<main id="app"><p class="loading">Loading...</p></main>
<script src="/static/social.js"></script>
</body></html>
"""


# Prepended to the client in the "layout" condition: undoes the API's renamed keys.
_LAYOUT_PRELUDE = r"""
const unv2 = (x) => Array.isArray(x) ? x.map(unv2)
  : (x && typeof x === "object")
    ? Object.fromEntries(Object.entries(x).map(([k, v]) => [k.replace(/^v2_/, ""), unv2(v)]))
    : x;
"""

# The client: renders the feed and detail views from the JSON API, like a single-page app.
_SCRIPT = r"""
(function () {
  const body = document.body;
  const app = document.getElementById("app");
  const el = (tag, cls, text) => {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  };

  function renderEntry(p) {
    const a = el("article", "post");
    a.dataset.id = p.id;
    const link = el("a", "post-link");
    link.href = "/post/" + p.id;
    link.appendChild(el("h2", "headline", p.headline));
    a.appendChild(link);
    const img = el("img", "avatar");
    img.src = p.image;
    img.alt = "";
    a.appendChild(img);
    a.appendChild(el("p", "post-text", p.text));
    if (p.offer) a.appendChild(el("span", "price", p.offer.price));
    return a;
  }

  function feedView() {
    const pageSize = Number(body.dataset.pageSize);
    const scrollPages = Number(body.dataset.scrollPages);
    const viewPages = Number(body.dataset.viewPages);
    const start = Number(new URLSearchParams(location.search).get("start") || 0);
    app.textContent = "";
    const feed = el("section", "feed");
    feed.id = "feed";
    app.appendChild(feed);
    let loaded = 0, busy = false, done = false, button = null;

    function finish(olderStart) {
      done = true;
      if (button) { button.remove(); button = null; }
      if (olderStart !== null) {
        const older = el("a", "older", "Older posts");
        older.href = "/feed?start=" + olderStart;
        app.appendChild(older);
      }
    }

    async function loadNext() {
      if (busy || done) return;
      busy = true;
      try {
        const offset = start + loaded * pageSize;
        const r = await fetch("/api/posts?offset=" + offset + "&limit=" + pageSize);
        const data = await r.json();
        for (const p of data.data.posts) feed.appendChild(renderEntry(p));
        loaded += 1;
        if (data.paging.next === null) finish(null);
        else if (loaded >= viewPages) finish(start + loaded * pageSize);
        else if (loaded >= scrollPages && !button) {
          button = el("button", "load-more", "Load more");
          button.id = "load-more";
          button.addEventListener("click", loadNext);
          app.appendChild(button);
        }
      } finally {
        busy = false;
      }
    }

    window.addEventListener("scroll", function () {
      const nearBottom = window.innerHeight + window.scrollY >= document.body.scrollHeight - 300;
      if (nearBottom && loaded < scrollPages) loadNext();
    });
    loadNext();
  }

  async function detailView() {
    const id = location.pathname.split("/").pop();
    const r = await fetch("/api/posts/" + encodeURIComponent(id));
    app.textContent = "";
    if (!r.ok) { app.appendChild(el("p", "missing", "This post is not available.")); return; }
    const p = (await r.json()).data;
    const a = el("article", "post-detail");
    a.dataset.id = p.id;
    a.appendChild(el("h1", "headline", p.headline));
    const img = el("img", "avatar");
    img.src = p.image;
    img.alt = "";
    a.appendChild(img);
    const author = el("div", "author");
    author.appendChild(el("span", "author-name", p.author.name));
    author.appendChild(el("span", "author-handle", p.author.handle));
    a.appendChild(author);
    a.appendChild(el("div", "place", p.place));
    const t = el("time", "created", p.created_at);
    t.setAttribute("datetime", p.created_at);
    a.appendChild(t);
    a.appendChild(el("span", "category", p.category));
    if (p.age !== null) a.appendChild(el("span", "age", p.age));
    a.appendChild(el("div", "post-text", p.text));
    if (p.offer) a.appendChild(el("span", "price", p.offer.price));
    if (p.contact.phone) a.appendChild(el("span", "contact-phone", p.contact.phone));
    if (p.contact.email) a.appendChild(el("span", "contact-email", p.contact.email));
    app.appendChild(a);
  }

  if (body.dataset.view === "feed") feedView(); else detailView();
})();
"""
