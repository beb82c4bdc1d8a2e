"""demo-onion-market: a synthetic dark-web marketplace, served as an onion service in tests.

Modelled on the marketplaces of the Europol EMPACT findings, where people were offered
per hour and "permanently": vendors post offers in three categories (hourly, labour,
permanent), every offer priced in USD, BTC and XMR, per hour or "permanent" (unit `sale`),
and paid to the vendor's own BTC (bech32) and XMR wallets. Text is clinical and
non-explicit (docs/safety.md): it carries indicator phrases and nothing more.

Layout: list pages `/c/<category>?page=N` (20 offers, most recently added or updated
first: each entry has title, USD price, offer id, link), offer pages `/ad/<id>`, vendor
pages `/vendor/<name>`. Wallet addresses are encoded here from seeded random bytes (btc
bech32 through crawler.demo.wallets; Monero through crawler.extract.wallets' encoder),
never copied from anywhere. In the tests the site sits behind the private test network's
onion service (crawler.tor.private_network); its profile is
crawler/platforms/demo-onion-market.yaml, base URL from DEMO_ONION_MARKET_URL.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from html import escape

from aiohttp import web

from crawler.demo.catalog import CatalogEntry, CatalogPlatform
from crawler.demo.text import Draft
from crawler.demo.wallets import bech32_address
from crawler.demo.world import register_platform
from crawler.extract.wallets import xmr_address
from crawler.models import Price, Wallet

CATEGORIES = ("hourly", "labour", "permanent")

# Reference rates only to make crypto amounts plausible (USD per coin).
USD_PER_BTC = 65000.0
USD_PER_XMR = 160.0

VENDOR_NAMES = (
    "NorthLine", "QuietHarbor", "GreyAtlas", "SilentOrchard", "IronMeadow", "BlueCanal",
    "StoneBridge", "PaleRiver", "ColdSpire", "EastGate", "LowTide", "FarField",
)  # fmt: skip
ORIGINS = ("Kyiv, UA", "Chisinau, MD", "Bucharest, RO", "Lagos, NG", "Minsk, BY", "Sofia, BG")

# Indicator id -> clinical phrases the extractor's English lexicon recognises.
PHRASES: dict[str, tuple[str, ...]] = {
    "movement": ("Just arrived this week.", "New in the city, only a few days."),
    "third_party_control": ("The girls work for us.", "Booking through our manager only."),
    "constant_availability": ("Available 24/7.", "Available day and night."),
    "restricted_communication": ("She does not speak English; contact the manager.",),
    "document_retention": ("Passports are kept by the agency.",),
    "sale_of_person": ("Full ownership is transferred to the buyer.", "She will belong to you."),
    "debt_bondage": ("Travel debt is repaid through work.",),
}
CATEGORY_INDICATORS = {
    "hourly": ("movement", "third_party_control", "constant_availability", "restricted_communication"),
    "labour": ("document_retention", "debt_bondage", "constant_availability"),
    "permanent": ("sale_of_person", "restricted_communication", "third_party_control"),
}  # fmt: skip
TITLES = {
    "hourly": ("Companion offer, hourly", "Hourly booking, verified vendor", "Hourly offer"),
    "labour": ("Workers for hire, hourly", "Labour offer, group rates", "Work crew offer"),
    "permanent": ("Permanent offer", "Permanent arrangement, escrow", "Permanent listing"),
}
NEUTRAL = (
    "Escrow accepted.",
    "Vendor verified by the market.",
    "Discreet delivery of details after payment.",
    "Ask for terms in the market messenger.",
)
CRYPTO_ONLY = "Payment only in BTC or XMR."


@dataclass
class Vendor:
    name: str
    origin: str
    btc: Wallet
    xmr: Wallet


def make_vendor(rng: random.Random, name: str) -> Vendor:
    btc = bech32_address(bytes(rng.getrandbits(8) for _ in range(20)))
    xmr = xmr_address(
        bytes(rng.getrandbits(8) for _ in range(32)), bytes(rng.getrandbits(8) for _ in range(32))
    )
    return Vendor(name, rng.choice(ORIGINS), Wallet(chain="btc", address=btc),
                  Wallet(chain="xmr", address=xmr))  # fmt: skip


class OfferDraft(Draft):
    """A Draft whose price line carries USD, BTC and XMR amounts (crypto with decimals)."""

    def price_text(self, index: int = 0) -> str:
        p = self.prices[index]
        unit = "per hour" if p.unit == "hour" else "permanent"
        if p.currency == "USD":
            return f"${p.amount:.0f} {unit}"
        digits = 4 if p.currency == "BTC" else 2
        return f"{p.amount:.{digits}f} {p.currency} {unit}"


def crypto_prices(usd: float, unit: str) -> list[Price]:
    return [
        Price(amount=usd, currency="USD", unit=unit),
        Price(amount=round(usd / USD_PER_BTC, 4), currency="BTC", unit=unit),
        Price(amount=round(usd / USD_PER_XMR, 2), currency="XMR", unit=unit),
    ]


def _page(title: str, main: str) -> str:
    nav = " ".join(f'<a href="/c/{c}">{c}</a>' for c in CATEGORIES)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title></head><body>"
        f'<header><a href="/">Demo Onion Market</a> | {nav}</header>'
        f"<main>{main}</main><footer>Synthetic demo market.</footer></body></html>"
    )


@register_platform
class OnionMarket(CatalogPlatform):
    name = "demo-onion-market"
    env_var = "DEMO_ONION_MARKET_URL"
    default_port = 8704
    key_prefix = "M"
    categories = CATEGORIES

    def __init__(self, seed: int = 1, size: int = 200) -> None:
        rng = random.Random(f"{seed}:demo-onion-market:vendors")
        self.vendors = {n: make_vendor(rng, n) for n in VENDOR_NAMES}
        super().__init__(seed=seed, size=size)

    def draft(self, rng: random.Random, index: int) -> Draft:
        category = CATEGORIES[index % len(CATEGORIES)]
        vendor = self.vendors[VENDOR_NAMES[rng.randrange(len(VENDOR_NAMES))]]
        planted = set(rng.sample(CATEGORY_INDICATORS[category], k=rng.choice((1, 1, 2))))
        if category == "permanent":
            planted.add("sale_of_person")
        lines = [rng.choice(NEUTRAL)]
        lines += [rng.choice(PHRASES[i]) for i in sorted(planted)]
        lines.append(CRYPTO_ONLY)
        planted.add("crypto_only_payment")
        if category == "permanent":
            usd, unit = float(rng.randrange(40, 200) * 100), "sale"
        else:
            usd, unit = float(rng.randrange(8, 60) * 5), "hour"
        city, _, region = vendor.origin.partition(", ")
        return OfferDraft(
            lang="en",
            category=category,
            city=city,
            region=region,
            title=rng.choice(TITLES[category]),
            lines=lines,
            prices=crypto_prices(usd, unit),
            money_styles=[0, 0, 0],
            price_label="Price:",
            contact_lines=[
                f"BTC wallet: {vendor.btc.address}",
                f"XMR wallet: {vendor.xmr.address}",
            ],
            indicators=planted,
            wallets=[vendor.btc, vendor.xmr],
            seller=vendor.name,
        )

    def advance(self) -> None:
        super().advance()
        # CatalogPlatform re-prices only the first (USD) price: keep BTC/XMR consistent.
        for entry in self.entries.values():
            usd = entry.draft.prices[0]
            if entry.draft.prices[1].amount != round(usd.amount / USD_PER_BTC, 4):
                entry.draft.prices = crypto_prices(usd.amount, usd.unit or "hour")
                entry.html = None
        self._invalidate()

    def routes(self) -> list[web.RouteDef]:
        return [*super().routes(), web.get("/vendor/{name}", self._handle_vendor, name="vendor")]

    def render_home(self) -> str:
        cats = "".join(f'<li><a href="/c/{c}">{c}</a></li>' for c in CATEGORIES)
        vendors = "".join(f'<li><a href="/vendor/{n}">{n}</a></li>' for n in self.vendors)
        return _page("Demo Onion Market", f"<h2>Categories</h2><ul>{cats}</ul>"
                     f"<h2>Vendors</h2><ul>{vendors}</ul>")  # fmt: skip

    def render_list(
        self, category: str | None, page: int, entries: list[CatalogEntry], last_page: int
    ) -> str:
        items = "".join(
            f'<li class="offer"><a class="offer-link" href="{self.detail_path(e.key)}">'
            f"{escape(e.draft.title)}</a> "
            f'<span class="offer-price">{escape(e.draft.price_text(0))}</span> '
            f'<span class="vendor">{escape(e.draft.seller or "")}</span> '
            f'<span class="offer-id">{e.key}</span></li>'
            for e in entries
        )
        pager = f'<span class="current">{page} / {last_page}</span>'
        if page < last_page:
            pager += f' <a class="next" href="{self.list_path(category, page + 1)}">next</a>'
        main = (
            f"<h1>{escape(category or 'all offers')}</h1>"
            f'<ul class="offers">{items}</ul><nav class="pager">{pager}</nav>'
        )
        return _page(f"{category or 'all'} - page {page}", main)

    def render_detail(self, entry: CatalogEntry) -> str:
        d = entry.draft
        main = (
            '<article class="offer-detail" lang="en">'
            f'<h1 class="offer-title">{escape(d.title)}</h1>'
            f'<p class="meta">Offer <span class="offer-id">{entry.key}</span> · '
            f'<span class="category">{d.category}</span> · ships from '
            f'<span class="origin">{escape(d.location)}</span></p>'
            f'<dl><dt>Vendor</dt><dd class="vendor"><a href="/vendor/{escape(d.seller or "")}">'
            f"{escape(d.seller or '')}</a></dd></dl>"
            f'<p class="price">{escape(d.price_line())}</p>'
            f'<div class="offer-body" style="white-space:pre-line">{escape(d.body())}</div>'
            "</article>"
        )
        return _page(d.title, main)

    async def _handle_vendor(self, request: web.Request) -> web.Response:
        vendor = self.vendors.get(request.match_info["name"])
        if vendor is None:
            return self._html(None)
        offers = [e for e in self.ordered() if e.draft.seller == vendor.name]
        items = "".join(
            f'<li><a href="{self.detail_path(e.key)}">{escape(e.draft.title)}</a></li>'
            for e in offers
        )
        main = (
            f'<h1 class="vendor-name">{escape(vendor.name)}</h1>'
            f"<p>Ships from {escape(vendor.origin)}. {len(offers)} offers.</p><ul>{items}</ul>"
        )
        return self._html(_page(vendor.name, main).encode())
