"""The actors' world: ground-truth posters behind classified ads, for measuring actor linking.

A pure, seeded generator (no server, no crawl). `actor_world(seed, split=...)` returns
`ActorAd`s: a crawler.models.Listing each, plus the id of the actor who wrote it. The
listings' identifiers and prices come from the real extraction (crawler.extract.extract)
run on the ad's text, so they are what the crawler would see.

Who posts:
- **actors** (`actor-NNN`): many ads each (15-60), on 2-3 platforms, in one language
  (en, de, nl, fr, es, ro). Each has habits: a pool of sentences it reuses, 2-3 ways of
  ordering them (templates), its own titles, price style, contact phrase, signature (a
  persona name, sometimes a studio/agency name), emoji. Phones rotate: a pool of 1-4
  numbers used in runs, plus one-off numbers, and some ads carry no identifier at all.
- **independent posters** (`solo-NNNN`): 1-3 short generic ads each (cleaner wanted,
  room for rent, massage, babysitter, moving help), written from the same few lines by
  many posters, each with a number of their own. They must not be linked to each other.
- **platform footers**: one platform prints its own support e-mail (tuning split) or its
  hotline number and a payment wallet (held-out split) on every ad; others a disclaimer
  and navigation line, or nothing.

Two splits with separately written phrase tables (crawler/demo/phrases/actors.yaml):
"tune" (what thresholds were chosen on) and "heldout" (never tuned on: other wording,
other layout, other footer identifiers). `extract=False, wide=True` builds a large world
for timing: identifiers from the generator's truth (no extraction), and actors that also
name their studio in their sentences (thousands of actors would otherwise write from one
table of a dozen sentences per language).

Everything is synthetic and non-explicit (docs/safety.md): phones from
`phonenumbers.example_number_for_type` ranges (crawler.demo.text.valid_mobiles),
e-mails on example.org, handles and wallets generated.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from crawler.demo.phrasebook import table
from crawler.demo.text import format_money, format_phone, make_handle, valid_mobiles
from crawler.demo.wallets import random_wallet
from crawler.models import Handle, Listing, listing_id

LANGUAGES = ("en", "de", "nl", "fr", "es", "ro")
SPLITS = ("tune", "heldout")
START = datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
DAYS = 60

_HOUR = {"en": "per hour", "de": "pro Stunde", "nl": "per uur", "fr": "de l'heure",
         "es": "la hora", "ro": "pe oră"}  # fmt: skip
_HOUR_SHORT = {"en": "/h", "de": "/Std.", "nl": "/uur", "fr": "/h", "es": "/h", "ro": "/oră"}
_RATE = {"EUR": 1.0, "GBP": 0.85, "RON": 5.0}
_SYLLABLES = ("ka", "mi", "ro", "ve", "la", "ni", "so", "ta", "lu", "ze", "ri", "mo", "da", "fe")
_BRAND_WORDS = {"en": ("Studio", "Lounge", "Agency"), "de": ("Studio", "Oase", "Agentur"),
                "nl": ("Studio", "Salon", "Bureau"), "fr": ("Studio", "Salon", "Agence"),
                "es": ("Estudio", "Salón", "Agencia"), "ro": ("Studio", "Salon", "Agenția")}  # fmt: skip
# Indicator phrases from the classifieds tables, where the language has them.
_INDICATOR_IDS = ("movement", "third_party_control", "restricted_movement", "no_limits")
PHONE_STYLES = ("international", "international", "e164", "dots", "pairs")


@dataclass(frozen=True)
class ActorAd:
    listing: Listing
    actor: str  # ground truth: "actor-007" (an actor) or "solo-0123" (one independent poster)
    split: str


@dataclass
class ActorWorld:
    ads: list[ActorAd]
    split: str
    platforms: list[str]

    def listings(self) -> list[Listing]:
        return [a.listing for a in self.ads]

    def truth(self) -> dict[str, str]:
        """listing id -> actor id."""
        return {a.listing.id: a.actor for a in self.ads}


@dataclass
class _Phones:
    """Numbers handed out without repeats, per region, while the example range lasts."""

    rng: random.Random
    free: dict[str, list[str]] = field(default_factory=dict)

    def take(self, region: str) -> str | None:
        if region not in self.free:
            numbers = list(valid_mobiles(region))
            self.rng.shuffle(numbers)
            self.free[region] = numbers
        return self.free[region].pop() if self.free[region] else None


@dataclass
class _Actor:
    id: str
    lang: str
    names: list[str]
    brand: str
    places: list[tuple[str, str, str]]
    platforms: list[str]
    titles: list[str]
    templates: list[list[str]]
    price_line: str
    price_style: int
    hourly_eur: float
    contact: str
    signature: str | None
    emoji: list[str]
    phones: list[str]
    run: int  # ads per phone before it rotates
    email: str | None
    handle: Handle | None
    indicator: str | None
    ads: int


def _brand(rng: random.Random, lang: str) -> str:
    word = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()
    return f"{rng.choice(_BRAND_WORDS[lang])} {word}"


def _money(amount_eur: float, currency: str, style: int) -> str:
    amount = amount_eur * _RATE[currency]
    step = 5 if amount < 200 else 10 if amount < 1000 else 50
    return format_money(max(step, round(amount / step) * step), currency, style)


def _actor(
    rng: random.Random,
    n: int,
    tables: dict,
    platforms: list[str],
    phones: _Phones,
    wide: bool = False,
) -> _Actor:
    lang = rng.choice(LANGUAGES)
    places = list(table("actors")["places"][lang])
    emoji = rng.sample(table("actors")["emoji"], rng.randint(0, 3))
    brand = _brand(rng, lang)
    # Each actor writes the common sentences its own way: cut short, with its emoji.
    chosen = rng.sample(tables["sentences"][lang], rng.randint(5, 7))
    pools = [[_own_way(rng, s, emoji) for s in chosen]]
    if wide:
        # Thousands of actors cannot all write from one table of a dozen sentences: in the
        # large world each also names its studio in some of its sentences.
        pools = [[f"{s} {brand}." if rng.random() < 0.4 else s for s in pools[0]]]
    if rng.random() < 0.35:
        # A second way of writing (another ad writer, a copied text): no sentence in common.
        rest = [s for s in tables["sentences"][lang] if s not in chosen]
        pools.append([_own_way(rng, s, emoji) for s in rng.sample(rest, min(len(rest), 4))])
    templates = []
    for t in range(rng.randint(2, 3)):
        pool = pools[t % len(pools)]
        k = rng.randint(max(3, len(pool) - 3), len(pool))
        templates.append(
            rng.sample(pool, k)
            if rng.random() < 0.5
            else sorted(rng.sample(pool, k), key=pool.index)
        )
    places_used = rng.sample(places, rng.randint(1, 3))
    region = places_used[0][1]
    own = [p for p in (phones.take(region) for _ in range(rng.randint(1, 4))) if p]
    return _Actor(
        id=f"actor-{n:03d}",
        lang=lang,
        names=rng.sample(table("actors")["names"], rng.randint(1, 2)),
        brand=brand,
        places=places_used,
        platforms=rng.sample(platforms, rng.randint(2, len(platforms))),
        titles=rng.sample(tables["titles"][lang], rng.randint(2, 3)),
        templates=templates,
        price_line=rng.choice(tables["price"][lang]),
        price_style=rng.randint(0, 3),
        hourly_eur=rng.uniform(80, 220),
        contact=rng.choice(tables["contact"][lang]),
        signature=rng.choice(tables["signature"][lang]) if rng.random() < 0.8 else None,
        emoji=emoji,
        phones=own,
        run=rng.randint(4, 12),
        email=f"{''.join(rng.choice(_SYLLABLES) for _ in range(3))}{rng.randint(10, 99)}@example.org"
        if rng.random() < 0.3
        else None,
        handle=make_handle(rng, "telegram") if rng.random() < 0.3 else None,
        indicator=rng.choice(_INDICATOR_IDS) if rng.random() < 0.4 else None,
        ads=rng.randint(15, 60),
    )


def _own_way(rng: random.Random, sentence: str, emoji: list[str]) -> str:
    head, comma, tail = sentence.partition(", ")
    if comma and rng.random() < 0.4:
        sentence = head + rng.choice((".", "!", " :)", "..."))
    elif rng.random() < 0.2:
        sentence = sentence.rstrip(".!") + "!!"
    if emoji and rng.random() < 0.4:
        sentence = f"{sentence} {rng.choice(emoji)}"
    return sentence


def _price_text(rng: random.Random, actor: _Actor, currency: str, template: str) -> str:
    hourly = actor.hourly_eur * rng.choice((0.9, 1.0, 1.0, 1.1))
    money = _money(hourly, currency, actor.price_style)
    style = actor.price_style % 3
    price = f"{money} {_HOUR[actor.lang]}" if style == 0 else f"{money}{_HOUR_SHORT[actor.lang]}"
    if style == 2:
        price = f"1h {money}"
    if "/" in template:  # the template writes the unit itself
        price = money
    half = _money(hourly * 0.6, currency, actor.price_style)
    return template.format(price=half if "{price2}" in template else price, price2=money)


def _indicator_line(rng: random.Random, actor: _Actor, city: str) -> str | None:
    if actor.indicator is None:
        return None
    phrases = table("classifieds_indicators")["ad_indicators"].get(actor.lang, {})
    options = phrases.get(actor.indicator)
    if not options:
        return None
    origins = table("common")["origins"].get(actor.lang, ("",))
    return rng.choice(options).format(city=city, origin=origins[0])


def _footer(rng: random.Random, platform: dict, extras: dict[str, str]) -> list[str]:
    return [line.format(**extras) for line in platform["lines"]]


def _posted(rng: random.Random) -> datetime:
    return START + timedelta(minutes=rng.randrange(DAYS * 24 * 60))


def _listing(
    platform: str, key: str, title: str, lines: list[str], lang: str, city: str, region: str,
    posted: datetime, category: str, extract_text: bool, truth: dict,
) -> Listing:  # fmt: skip
    body = "\n".join(line for line in lines if line)
    listing = Listing(
        id=listing_id(platform, key),
        platform=platform,
        url=f"https://{platform}.test/ad/{key}",
        category=category,
        listing_key=key,
        title=title,
        body=body,
        language=lang,
        location=f"{city.lower()}, {region.lower()}",
        country=region,
        posted_at=posted,
        first_seen=posted,
        last_seen=posted,
    )
    if extract_text:
        from crawler.extract import extract

        found = extract(f"{title}\n{body}", country=region, lang=lang)
        listing.prices = found.prices
        listing.phones = found.phones
        listing.emails = found.emails
        listing.handles = found.handles
        listing.wallets = found.wallets
        listing.indicators = found.indicators
        listing.risk_score = found.risk_score
        listing.risk_explanation = found.risk_explanation
    else:
        listing.phones = truth.get("phones", [])
        listing.emails = truth.get("emails", [])
        listing.handles = truth.get("handles", [])
        listing.wallets = truth.get("wallets", [])
        listing.prices = truth.get("prices", [])
    return listing


def actor_world(
    seed: int = 1,
    split: str = "tune",
    actors: int = 24,
    posters: int = 240,
    *,
    extract: bool = True,
    wide: bool = False,
) -> ActorWorld:
    """The listings of `actors` actors and `posters` independent posters, in posting order."""
    if split not in SPLITS:
        raise ValueError(f"split must be one of {SPLITS}, not {split!r}")
    rng = random.Random(f"actors:{seed}:{split}")
    tables = table("actors")[split]
    footers = {f["platform"]: f for f in tables["footers"]}
    platforms = list(footers)
    phones = _Phones(random.Random(f"actors-phones:{seed}:{split}"))
    extras = {
        "platform_phone": format_phone(phones.take("GB") or "", "international", "en"),
        "platform_wallet": random_wallet(random.Random(f"actors-wallet:{seed}"), "btc").address,
    }
    raw: list[tuple[datetime, str, dict]] = []  # (posted, author, fields of one ad)
    for n in range(actors):
        actor = _actor(rng, n, tables, platforms, phones, wide)
        raw += _actor_ads(rng, actor, phones)
    for n in range(posters):
        raw += _poster_ads(rng, n, tables, platforms, phones)
    raw.sort(key=lambda r: (r[0], r[1], r[2]["key"]))
    ads = []
    for posted, author, ad in raw:
        lines = ad["lines"] + _footer(rng, footers[ad["platform"]], extras)
        listing = _listing(
            ad["platform"], ad["key"], ad["title"], lines, ad["lang"], ad["city"], ad["region"],
            posted, ad["category"], extract, ad["truth"],
        )  # fmt: skip
        ads.append(ActorAd(listing, author, split))
    return ActorWorld(ads, split, platforms)


def _actor_ads(
    rng: random.Random, actor: _Actor, phones: _Phones
) -> list[tuple[datetime, str, dict]]:
    out = []
    times = sorted(_posted(rng) for _ in range(actor.ads))
    for i, posted in enumerate(times):
        city, region, currency = rng.choice(actor.places)
        name = rng.choice(actor.names)
        sentences = list(rng.choice(actor.templates))
        if len(sentences) > 3 and rng.random() < 0.3:
            sentences.pop(rng.randrange(len(sentences)))
        lines = [s.format(name=name, city=city) for s in sentences]
        indicator = _indicator_line(rng, actor, city)
        if indicator and rng.random() < 0.7:
            lines.insert(rng.randint(0, len(lines)), indicator)
        lines.append(_price_text(rng, actor, currency, actor.price_line))
        truth: dict = {"phones": [], "emails": [], "handles": []}
        r = rng.random()
        phone = None
        if r < 0.68 and actor.phones:
            phone = actor.phones[(i // actor.run) % len(actor.phones)]
        elif r < 0.8:
            phone = phones.take(region)  # a number used once
        if phone:
            lines.append(
                actor.contact.format(
                    phone=format_phone(phone, rng.choice(PHONE_STYLES), actor.lang)
                )
            )
            truth["phones"].append(phone)
        if actor.email and rng.random() < 0.5:
            lines.append(actor.email)
            truth["emails"].append(actor.email)
        if actor.handle and rng.random() < 0.5:
            lines.append(f"Telegram: @{actor.handle.handle}")
            truth["handles"].append(actor.handle)
        if actor.signature:
            lines.append(actor.signature.format(name=name, brand=actor.brand))
        title = rng.choice(actor.titles).format(city=city, name=name)
        if actor.emoji and rng.random() < 0.7:
            title = f"{' '.join(actor.emoji)} {title}"
        ad = {
            "platform": rng.choice(actor.platforms),
            "key": f"{actor.id}-{i}",
            "title": title,
            "lines": lines,
            "lang": actor.lang,
            "city": city,
            "region": region,
            "category": "massage",
            "truth": truth,
        }
        out.append((posted, actor.id, ad))
    return out


def _poster_ads(
    rng: random.Random, n: int, tables: dict, platforms: list[str], phones: _Phones
) -> list[tuple[datetime, str, dict]]:
    lang = rng.choice(LANGUAGES)
    city, region, currency = rng.choice(table("actors")["places"][lang])
    template = rng.choice(tables["generic"][lang])
    monthly = "month" in template or "Monat" in template or "mois" in template or "lună" in template
    amount = (
        rng.uniform(350, 700)
        if monthly or "maand" in template or "mes" in template
        else rng.uniform(11, 60)
    )
    phone = phones.take(region)
    author = f"solo-{n:04d}"
    out = []
    platform = rng.choice(platforms)
    for i in range(1 if rng.random() < 0.7 else rng.randint(2, 3)):
        truth: dict = {"phones": [phone] if phone else [], "emails": [], "handles": []}
        contact = format_phone(phone, rng.choice(PHONE_STYLES), lang) if phone else ""
        text = template.format(
            price=_money(amount, currency, rng.randint(0, 3)), phone=contact, city=city
        )
        title, _, rest = text.partition(", ")
        ad = {
            "platform": platform,
            "key": f"{author}-{i}",
            "title": title,
            "lines": [rest],
            "lang": lang,
            "city": city,
            "region": region,
            "category": "services",
            "truth": truth,
        }
        out.append((_posted(rng), author, ad))
    return out
