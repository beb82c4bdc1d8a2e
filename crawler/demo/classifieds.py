"""demo-classifieds: a server-rendered classifieds site (companionship, massage, services, rooms).

Multilingual ads (en, nl, de, ro, uk, ru, es) in four categories. List pages
`/c/<category>?page=N` show 20 ads each, newest or most recently updated first, every entry
with title, price text, listing id and link; detail pages `/ad/<id>` show title, body
(one pre-line text block), price, location, posted date, seller, a phone field
(sometimes), an age profile field (companionship and massage) and a JSON-LD Product/Offer.
Profile: crawler/platforms/demo-classifieds.yaml, base URL from DEMO_CLASSIFIEDS_URL.
"""

from __future__ import annotations

import random
from html import escape

import phonenumbers
from phonenumbers import PhoneNumberFormat

from crawler.demo.catalog import CatalogEntry, CatalogPlatform, script_json
from crawler.demo.text import AD_CATEGORIES, Draft, classified_ad
from crawler.demo.world import register_platform

# Listing index that always carries a stated age under 18 (so every world of size > 20
# has one for the detection tests); others get one by chance (about 1%).
FORCED_MINOR_INDEX = 13

_STYLE = "body{font-family:sans-serif;max-width:60em;margin:auto}.ad-body{white-space:pre-line}"


def _page(title: str, main: str, head: str = "") -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style>{head}</head><body>"
        '<header><a href="/">Demo Classifieds</a> | '
        + " ".join(f'<a href="/c/{c}">{c}</a>' for c in AD_CATEGORIES)
        + f"</header><main>{main}</main><footer>Synthetic demo site.</footer></body></html>"
    )


def _intl(e164: str) -> str:
    return phonenumbers.format_number(phonenumbers.parse(e164), PhoneNumberFormat.INTERNATIONAL)


@register_platform
class ClassifiedsPlatform(CatalogPlatform):
    name = "demo-classifieds"
    env_var = "DEMO_CLASSIFIEDS_URL"
    default_port = 8701
    key_prefix = "C"
    categories = AD_CATEGORIES

    def draft(self, rng: random.Random, index: int) -> Draft:
        return classified_ad(rng, self.contacts, force_minor=index == FORCED_MINOR_INDEX)

    def render_list(
        self, category: str | None, page: int, entries: list[CatalogEntry], last_page: int
    ) -> str:
        items = []
        for e in entries:
            d = e.draft
            items.append(
                f'<li class="ad" data-id="{e.key}">'
                f'<a class="ad-link" href="{self.detail_path(e.key)}">{escape(d.title)}</a> '
                f'<span class="ad-price">{escape(d.price_text(0))}</span> '
                f'<span class="ad-city">{escape(d.city)}</span> '
                f'<span class="ad-id">{e.key}</span></li>'
            )
        pager = [f'<span class="current">{page} / {last_page}</span>']
        if page > 1:
            pager.insert(
                0, f'<a class="prev" href="{self.list_path(category, page - 1)}">« Previous</a>'
            )
        if page < last_page:
            pager.append(f'<a class="next" href="{self.list_path(category, page + 1)}">Next »</a>')
        main = (
            f"<h1>{escape(category or 'All ads')}</h1>"
            f'<ul class="ads">{"".join(items)}</ul>'
            f'<nav class="pager">{" ".join(pager)}</nav>'
        )
        return _page(f"{category or 'all'} - page {page}", main)

    def render_detail(self, entry: CatalogEntry) -> str:
        d = entry.draft
        posted = entry.posted_at.isoformat().replace("+00:00", "Z")
        profile = [f'<dt>Seller</dt><dd class="seller">{escape(d.seller or "")}</dd>']
        if d.stated_age is not None:
            profile.append(f'<dt>Age</dt><dd class="age">{d.stated_age}</dd>')
        if d.field_phone:
            profile.append(f'<dt>Phone</dt><dd class="phone">{escape(_intl(d.field_phone))}</dd>')
        first = d.prices[0]
        jsonld = {
            "@context": "https://schema.org",
            "@type": "Product",
            "name": d.title,
            "description": d.body(),
            "productID": entry.key,
            "category": d.category,
            "offers": {
                "@type": "Offer",
                "price": f"{first.amount:.0f}",
                "priceCurrency": first.currency,
                "validFrom": posted,
                "seller": {"@type": "Person", "name": d.seller},
                "availableAtOrFrom": {
                    "@type": "Place",
                    "address": {"addressLocality": d.city, "addressCountry": d.region},
                },
            },
        }
        main = (
            f'<article class="ad-detail" lang="{d.lang}">'
            f'<h1 class="ad-title">{escape(d.title)}</h1>'
            f'<p class="ad-meta">Ad <span class="listing-id">{entry.key}</span> · '
            f'<span class="category">{d.category}</span> · '
            f'<span class="location">{escape(d.location)}</span> · '
            f'posted <time class="posted" datetime="{posted}">{entry.posted_at:%d.%m.%Y %H:%M}</time></p>'
            f'<p class="price">{escape(d.price_text(0))}</p>'
            f'<dl class="profile">{"".join(profile)}</dl>'
            f'<img class="photo" src="/static/x.svg" alt="">'
            f'<div class="ad-body">{escape(d.body())}</div>'
            f'<a class="report" href="/admin/report?ad={entry.key}">Report</a>'
            "</article>"
        )
        head = f'<script type="application/ld+json">{script_json(jsonld)}</script>'
        return _page(d.title, main, head)
