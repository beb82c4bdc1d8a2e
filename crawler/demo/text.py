"""Synthetic listing text for the demo platforms, in en, nl, de, ro, uk, ru and es.

The phrase tables are data files under crawler/demo/phrases/ (crawler.demo.phrasebook);
this module holds the logic that assembles listings from them.

Everything here is invented, clinical and non-explicit (docs/safety.md): ordinary ads, job ads
and forum posts, some of which carry the indicator phrases of docs/indicators.md. Each
generator returns a `Draft`: the text split into parts (so that a price change can
re-render only the price line) plus the truth about what was planted: indicator ids,
prices, phones (E.164), e-mails, handles, wallets and a stated age.

Phones come from `phonenumbers.example_number_for_type(region, MOBILE)` with only the
last digits changed, and every one is checked with `phonenumbers.is_valid_number`. Some
are written obfuscated (separators, spelled-out digits, look-alike letters). E-mails use
example.org / example.com; handles are random syllables.

All randomness comes from the `random.Random` passed in, so a seed fixes the text.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cache

import phonenumbers
from phonenumbers import PhoneNumberFormat, PhoneNumberType

from crawler.demo.phrasebook import table
from crawler.demo.wallets import random_wallet
from crawler.models import Handle, Price, Wallet

LANGUAGES = ("en", "nl", "de", "ro", "uk", "ru", "es")

# Rough EUR -> local rates, only to make amounts look plausible in each currency.
RATES = {"EUR": 1.0, "GBP": 0.85, "USD": 1.08, "PLN": 4.3, "RON": 5.0, "UAH": 45.0, "RUB": 100.0}

# How an amount is written with each currency; the ground truth keeps the ISO code.
MONEY_FORMATS = table("common")["money_formats"]

# (city, phone region, ISO country, currency) per language.
PLACES = table("common")["places"]

UNIT_WORDS = table("common")["unit_words"]

SPELLED_DIGITS = table("common")["spelled_digits"]

LABELS = table("common")["labels"]

# Country names used as an origin (nationality_emphasis) or a destination (job abroad);
# uk/ru origins are in the genitive case the phrase needs ("з Бразилії").
ORIGINS = table("common")["origins"]
DESTINATIONS = table("common")["destinations"]

FIRST_NAMES = table("common")["first_names"]
ORG_WORDS = table("common")["org_words"]

# --- classifieds -------------------------------------------------------------------------

AD_CATEGORIES = ("companionship", "massage", "services", "rooms")
AD_CATEGORY_WEIGHTS = (35, 30, 20, 15)
# Categories where the sexual-exploitation indicators are planted.
RISKY_AD_CATEGORIES = frozenset({"companionship", "massage"})

AD_TITLES = table("classifieds")["ad_titles"]

AD_SENTENCES = table("classifieds")["ad_sentences"]

# Sexual-exploitation indicator phrases (clinical; the phrase and nothing more).
AD_INDICATORS = table("classifieds_indicators")["ad_indicators"]
# Indicators that alone are weak and common in ordinary ads (published studies).
WEAK_AD_INDICATORS = ("movement", "youth_emphasis", "nationality_emphasis", "constant_availability")

# --- job board -------------------------------------------------------------------------

JOB_NAMES = table("jobs")["job_names"]
JOB_SECTORS = (
    "logistics",
    "agriculture",
    "cleaning",
    "care",
    "construction",
    "hospitality",
    "transport",
    "office",
)

JOB_TITLES = table("jobs")["job_titles"]
JOB_ABROAD_TITLES = table("jobs")["job_abroad_titles"]
JOB_SENTENCES = table("jobs")["job_sentences"]
JOB_INDICATORS = table("jobs_indicators")["job_indicators"]
WEAK_JOB_INDICATORS = ("employer_housing", "travel_arranged_abroad")

# --- forum -------------------------------------------------------------------------------

FORUM_BOARDS = ("courses", "agencies", "jobs-abroad", "help", "market")
FORUM_BOARD_WEIGHTS = (30, 25, 15, 10, 20)

FORUM_TOPICS = table("forum")["forum_topics"]
FORUM_TITLES = table("forum")["forum_titles"]
FORUM_SENTENCES = table("forum")["forum_sentences"]
FORUM_INDICATORS = table("forum_indicators")["forum_indicators"]
# Which forum indicator fits which board.
FORUM_BOARD_INDICATORS = {
    "courses": ("e_pimping", "crypto_only_payment"),
    "agencies": ("e_pimping", "crypto_only_payment"),
    "jobs-abroad": ("lure_job_abroad", "crypto_only_payment"),
    "help": ("refugee_targeting", "lure_job_abroad"),
    "market": ("crypto_only_payment",),
}
WALLET_LINE = table("common")["wallet_line"]

HANDLE_SERVICES = ("telegram", "telegram", "signal", "snapchat", "instagram", "kik", "wechat")
_HANDLE_LABEL = table("common")["handle_label"]
_SYLLABLES = table("common")["syllables"]
_HANDLE_TAILS = table("common")["handle_tails"]

# The age field appears on companionship and massage ads (a profile field).
STATED_AGE_CATEGORIES = RISKY_AD_CATEGORIES


@dataclass
class Draft:
    """One listing's text in parts, and the truth about what it carries."""

    lang: str
    category: str
    city: str
    region: str  # ISO 3166 alpha-2 of the city (phone region)
    title: str
    lines: list[str]  # body sentences before the price line
    prices: list[Price]
    money_styles: list[int]  # per price: which MONEY_FORMATS variant writes it
    price_label: str
    contact_lines: list[str] = field(default_factory=list)
    indicators: set[str] = field(default_factory=set)
    phones: list[str] = field(default_factory=list)  # E.164, every phone in text or fields
    emails: list[str] = field(default_factory=list)
    handles: list[Handle] = field(default_factory=list)
    wallets: list[Wallet] = field(default_factory=list)
    seller: str | None = None
    stated_age: int | None = None
    field_phone: str | None = None  # shown in the detail page's phone field, not in the body
    extras: dict[str, object] = field(default_factory=dict)  # platform-specific parts (replies)

    def price_text(self, index: int = 0) -> str:
        return format_price(self.prices[index], self.lang, self.money_styles[index])

    def price_line(self) -> str:
        return f"{self.price_label} " + ", ".join(
            self.price_text(i) for i in range(len(self.prices))
        )

    def body(self) -> str:
        return "\n".join([*self.lines, self.price_line(), *self.contact_lines])

    @property
    def location(self) -> str:
        return f"{self.city}, {self.region}"


def format_money(amount: float, currency: str, style: int) -> str:
    formats = MONEY_FORMATS[currency]
    return formats[style % len(formats)].format(a=f"{amount:.0f}")


def format_price(price: Price, lang: str, style: int) -> str:
    money = format_money(price.amount, price.currency or "EUR", style)
    unit = UNIT_WORDS[lang].get(price.unit or "", "")
    return f"{money} {unit}".strip()


def round_amount(value: float) -> float:
    """A price as people write it: 2 significant digits, or 3 above 1000."""
    if value < 20:
        return float(max(1, round(value)))
    step = 5 if value < 200 else 10 if value < 1000 else 50 if value < 10000 else 500
    return float(max(step, round(value / step) * step))


def make_price(
    rng: random.Random, currency: str, unit: str, low_eur: float, high_eur: float
) -> Price:
    return Price(
        amount=round_amount(rng.uniform(low_eur, high_eur) * RATES[currency]),
        currency=currency,
        unit=unit,
    )


def change_price(rng: random.Random, price: Price) -> Price:
    """A visibly different amount (a bump up or a discount) in the same currency and unit."""
    factor = rng.choice((0.8, 0.85, 0.9, 1.1, 1.15, 1.2, 1.25))
    amount = round_amount(price.amount * factor)
    if amount == price.amount:
        amount = round_amount(price.amount * 1.5)
    return Price(amount=amount, currency=price.currency, unit=price.unit)


# --- contacts ------------------------------------------------------------------------------


@cache
def valid_mobiles(region: str) -> tuple[str, ...]:
    """Valid E.164 mobile numbers of `region`: the example number with its last digits varied."""
    example = phonenumbers.example_number_for_type(region, PhoneNumberType.MOBILE)
    if example is None:
        raise ValueError(f"phonenumbers has no example mobile number for region {region!r}")
    base = phonenumbers.format_number(example, PhoneNumberFormat.E164)
    # US 555-01xx is the fictional range: vary only two digits there.
    width = 2 if region == "US" else 3
    out = []
    for i in range(10**width):
        candidate = base[:-width] + f"{i:0{width}d}"
        if phonenumbers.is_valid_number(phonenumbers.parse(candidate)):
            out.append(candidate)
    return tuple(out)


# National formats are left out on purpose: the multi-country demo platforms give no region
# hint, so a national number would not decode to the planted E.164 number.
PHONE_STYLES = (
    "international",
    "international",
    "international",
    "e164",
    "dots",
    "pairs",
    "words",
    "lookalike",
)


def format_phone(e164: str, style: str, lang: str) -> str:
    """Write a number the way ads do; obfuscated styles still decode to the same number."""
    number = phonenumbers.parse(e164)
    intl = phonenumbers.format_number(number, PhoneNumberFormat.INTERNATIONAL)
    if style == "e164":
        return e164
    if style == "dots":
        digits = e164[1:]
        cc = str(number.country_code)
        rest = digits[len(cc) :]
        groups = [rest[i : i + 3] for i in range(0, len(rest), 3)]
        if len(groups) > 1 and len(groups[-1]) == 1:
            groups[-2:] = [groups[-2] + groups[-1]]
        return "+" + ".".join([cc, *groups])
    if style == "pairs":
        digits = e164[len(str(number.country_code)) + 1 :]
        pairs = [digits[i : i + 2] for i in range(0, len(digits), 2)]
        if len(pairs) > 1 and len(pairs[-1]) == 1:
            pairs[-2:] = [pairs[-2] + pairs[-1]]
        return f"+{number.country_code} " + " ".join(pairs)
    if style == "words":
        words = SPELLED_DIGITS[lang]
        return " ".join([words[10], *(words[int(d)] for d in e164[1:])])
    if style == "lookalike":
        # Letters that look like digits: O for 0, l for 1 (only after the country code).
        cc, _, rest = intl.partition(" ")
        return cc + " " + rest.replace("0", "O").replace("1", "l")
    return intl


def make_handle(rng: random.Random, service: str | None = None) -> Handle:
    service = service or rng.choice(HANDLE_SERVICES)
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    handle = f"{stem}_{rng.choice(_HANDLE_TAILS)}{rng.randint(10, 99)}"
    return Handle(service=service, handle=handle)


def handle_text(handle: Handle) -> str:
    return _HANDLE_LABEL.get(handle.service, handle.service.capitalize() + ": {h}").format(
        h=handle.handle
    )


def make_email(rng: random.Random) -> str:
    stem = "".join(rng.choice(_SYLLABLES) for _ in range(rng.randint(2, 3)))
    return f"{stem}.{rng.choice(_HANDLE_TAILS)}{rng.randint(1, 99)}@{rng.choice(('example.org', 'example.com'))}"


class ContactBook:
    """A platform's pool of contact identifiers, some shared by several listings (clusters).

    Listings run by a third party draw from a handful of "agency" numbers, so the same phone
    shows up on many listings; ordinary listings mostly get a number of their own.
    """

    def __init__(self, seed: str) -> None:
        self.seed = seed
        self._agency: dict[str, list[str]] = {}

    def agency_phones(self, region: str) -> list[str]:
        if region not in self._agency:
            rng = random.Random(f"{self.seed}:agency:{region}")
            self._agency[region] = rng.sample(valid_mobiles(region), 4)
        return self._agency[region]

    def phone(self, rng: random.Random, region: str, shared: bool) -> str:
        if shared:
            return rng.choice(self.agency_phones(region))
        return rng.choice(valid_mobiles(region))


def _contacts(
    rng: random.Random, draft: Draft, book: ContactBook, shared: bool, p_phone: float = 0.8
) -> None:
    """Add phone / e-mail / handle lines to a draft and record them as truth."""
    labels = LABELS[draft.lang]
    if rng.random() < p_phone:
        e164 = book.phone(rng, draft.region, shared)
        if rng.random() < 0.3:
            draft.field_phone = e164  # only in the profile field
        else:
            style = rng.choice(PHONE_STYLES)
            draft.contact_lines.append(
                rng.choice((labels["phone"], labels["call"])).format(
                    p=format_phone(e164, style, draft.lang)
                )
            )
        draft.phones.append(e164)
        if rng.random() < 0.15:
            # A second number (same seller, another phone): in the field if it is free.
            other = book.phone(rng, draft.region, shared)
            if other not in draft.phones:
                if draft.field_phone is None:
                    draft.field_phone = other
                else:
                    draft.contact_lines.append(
                        labels["phone"].format(p=format_phone(other, "international", draft.lang))
                    )
                draft.phones.append(other)
    if rng.random() < 0.35:
        handle = make_handle(rng)
        draft.handles.append(handle)
        draft.contact_lines.append(handle_text(handle))
    if rng.random() < 0.3:
        email = make_email(rng)
        draft.emails.append(email)
        draft.contact_lines.append(labels["email"].format(e=email))


def _indicator_count(rng: random.Random, p_none: float, p_one: float) -> int:
    """How many indicators a listing carries: most none or one, a few several.

    Published studies find one or two weak indicators in most ordinary ads; the demo keeps
    75-85% of a platform's listings at none or one.
    """
    r = rng.random()
    if r < p_none:
        return 0
    if r < p_none + p_one:
        return 1
    if r < 1 - (1 - p_none - p_one) / 4:
        return rng.randint(2, 3)
    return rng.randint(4, 5)


def _pick_indicators(
    rng: random.Random, count: int, pool: tuple[str, ...], weak: tuple[str, ...]
) -> list[str]:
    if count == 0:
        return []
    if count == 1:
        return [rng.choice(weak)]
    return rng.sample(pool, min(count, len(pool)))


def _place(rng: random.Random, lang: str) -> tuple[str, str, str]:
    return rng.choice(PLACES[lang])


# --- generators ----------------------------------------------------------------------------


def classified_ad(
    rng: random.Random, book: ContactBook, lang: str | None = None, force_minor: bool = False
) -> Draft:
    """A classifieds ad: companionship, massage, services or rooms."""
    lang = lang or rng.choice(LANGUAGES)
    category = rng.choices(AD_CATEGORIES, AD_CATEGORY_WEIGHTS)[0]
    if force_minor:
        category = "companionship"
    city, region, currency = _place(rng, lang)
    risky = category in RISKY_AD_CATEGORIES
    # A stated age under 18 appears only as a bare number in the age field, on an ad with no
    # prose about the person at all (docs/safety.md): just the title, price and contact lines.
    minor = category in STATED_AGE_CATEGORIES and (force_minor or rng.random() < 0.012)
    names = FIRST_NAMES[lang]
    name = rng.choice(names)
    title = rng.choice(AD_TITLES[lang][category]).format(city=city, name=name)
    lines = rng.sample(AD_SENTENCES[lang][category], rng.randint(2, 3))
    if minor:
        title = AD_TITLES[lang][category][0].format(city=city, name=name)
        lines = []

    count = _indicator_count(rng, 0.50, 0.22) if risky and not minor else 0
    chosen = _pick_indicators(rng, count, tuple(AD_INDICATORS[lang]), WEAK_AD_INDICATORS)
    if category == "services" and rng.random() < 0.08:
        # An emergency plumber "available 24/7": a weak indicator in an ordinary ad.
        chosen = ["constant_availability"]
    origin = rng.choice(ORIGINS[lang])
    for ind in chosen:
        phrase = rng.choice(AD_INDICATORS[lang][ind]).format(city=city, origin=origin)
        lines.insert(rng.randint(0, len(lines)), phrase)

    if category in ("companionship", "massage"):
        base = (60, 250) if category == "companionship" else (40, 90)
        hourly = make_price(rng, currency, "hour", *base)
        prices = [hourly]
        if rng.random() < 0.5:
            half = round_amount(hourly.amount * rng.uniform(0.55, 0.7))
            prices.append(Price(amount=half, currency=currency, unit="30min"))
        if category == "companionship" and rng.random() < 0.4:
            night = round_amount(hourly.amount * rng.uniform(4, 6))
            prices.append(Price(amount=night, currency=currency, unit="night"))
        if "sale_of_person" in chosen or ("no_limits" in chosen and rng.random() < 0.5):
            # Exploitative ads are often priced far below the platform's median.
            prices = [
                Price(amount=round_amount(p.amount * 0.4), currency=p.currency, unit=p.unit)
                for p in prices
            ]
    elif category == "services":
        prices = [make_price(rng, currency, "hour", 15, 45)]
        if rng.random() < 0.3:
            prices.append(make_price(rng, currency, "day", 120, 300))
    else:
        prices = [make_price(rng, currency, "month", 300, 1200)]
        if rng.random() < 0.3:
            prices.append(make_price(rng, currency, "night", 25, 70))

    third_party = "third_party_control" in chosen or len(chosen) >= 3
    if third_party:
        seller = f"{rng.choice(ORG_WORDS)} Agency"
    elif category == "massage":
        seller = f"{rng.choice(ORG_WORDS)} Massage"
    elif category == "services":
        seller = f"{name} {rng.choice(ORG_WORDS)[0]}."
    else:
        seller = name
    draft = Draft(
        lang=lang,
        category=category,
        city=city,
        region=region,
        title=title,
        lines=lines,
        prices=prices,
        money_styles=[rng.randrange(4) for _ in prices],
        price_label=LABELS[lang]["rates" if risky else "price"],
        indicators=set(chosen),
        seller=seller,
    )
    if category in STATED_AGE_CATEGORIES:
        if minor:
            draft.stated_age = rng.choice((16, 17))
            draft.indicators.add("minor_age_stated")
        elif "youth_emphasis" in chosen:
            draft.stated_age = rng.choice((18, 19))
        else:
            draft.stated_age = rng.randint(21, 45)
    _contacts(rng, draft, book, shared=third_party, p_phone=0.85 if risky else 0.6)
    return draft


def job_ad(rng: random.Random, book: ContactBook, lang: str | None = None) -> Draft:
    """A job ad: mostly ordinary, some with labour-exploitation indicators."""
    lang = lang or rng.choice(LANGUAGES)
    sector_index = rng.randrange(len(JOB_SECTORS))
    job = JOB_NAMES[lang][sector_index]
    city, region, currency = _place(rng, lang)
    dest = rng.choice(DESTINATIONS[lang])
    count = _indicator_count(rng, 0.58, 0.24)
    chosen = _pick_indicators(rng, count, tuple(JOB_INDICATORS[lang]), WEAK_JOB_INDICATORS)
    abroad = "travel_arranged_abroad" in chosen or rng.random() < 0.15
    fields = {"job": job, "Job": job[:1].upper() + job[1:], "city": city, "dest": dest}
    title = (JOB_ABROAD_TITLES[lang] if abroad else rng.choice(JOB_TITLES[lang])).format(**fields)
    sentences = JOB_SENTENCES[lang]
    lines = [sentences[0].format(**fields), *rng.sample(sentences[1:], rng.randint(1, 3))]
    for ind in chosen:
        lines.insert(
            rng.randint(1, len(lines)), rng.choice(JOB_INDICATORS[lang][ind]).format(**fields)
        )
    if "unrealistic_offer" in chosen:
        prices = [make_price(rng, currency, "month", 4000, 8000)]
    elif rng.random() < 0.3:
        prices = [make_price(rng, currency, "hour", 8, 22)]
    else:
        prices = [make_price(rng, currency, "month", 1200, 3500)]
    shared = len(chosen) >= 3
    draft = Draft(
        lang=lang,
        category=JOB_SECTORS[sector_index],
        city=city,
        region=region,
        title=title,
        lines=lines,
        prices=prices,
        money_styles=[rng.randrange(4) for _ in prices],
        price_label=LABELS[lang]["salary"],
        indicators=set(chosen),
        seller=f"{rng.choice(ORG_WORDS)} {rng.choice(('Staffing', 'Logistics', 'Services', 'Recruitment', 'Group'))}",
    )
    _contacts(rng, draft, book, shared=shared, p_phone=0.7)
    return draft


FORUM_LANG_WEIGHTS = (35, 8, 8, 10, 15, 16, 8)


def forum_post(rng: random.Random, book: ContactBook, lang: str | None = None) -> Draft:
    """A forum thread's opening post: courses, agencies, jobs abroad, help, market."""
    lang = lang or rng.choices(LANGUAGES, FORUM_LANG_WEIGHTS)[0]
    board = rng.choices(FORUM_BOARDS, FORUM_BOARD_WEIGHTS)[0]
    city, region, _ = _place(rng, lang)
    # Forum deals are quoted in hard currencies, whatever the poster's country.
    currency = rng.choice(("USD", "USD", "EUR"))
    dest = rng.choice(DESTINATIONS[lang])
    topic = rng.choice(FORUM_TOPICS[lang])
    fields = {"dest": dest, "topic": topic, "city": city}
    title = rng.choice(FORUM_TITLES[lang][board]).format(**fields)
    lines = list(FORUM_SENTENCES[lang][board])
    rng.shuffle(lines)
    lines = lines[: rng.randint(1, 2)]
    possible = FORUM_BOARD_INDICATORS[board]
    r = rng.random()
    chosen: list[str] = []
    if r < 0.22:
        chosen = [possible[0]]
    elif r < 0.42:
        chosen = list(possible)
    for ind in chosen:
        lines.insert(
            rng.randint(0, len(lines)), rng.choice(FORUM_INDICATORS[lang][ind]).format(**fields)
        )
    if board == "courses":
        prices = [make_price(rng, currency, "once", 30, 500)]
    elif board == "agencies":
        prices = [make_price(rng, currency, "month", 20, 200)]
        if "e_pimping" in chosen and rng.random() < 0.5:
            prices.append(make_price(rng, currency, "once", 100, 400))
    elif board == "market":
        prices = [make_price(rng, currency, "once", 50, 600)]
    else:
        prices = [make_price(rng, currency, "once", 10, 100)]
    draft = Draft(
        lang=lang,
        category=board,
        city=city,
        region=region,
        title=title,
        lines=lines,
        prices=prices,
        money_styles=[rng.randrange(2) for _ in prices],
        price_label=LABELS[lang]["price"],
        indicators=set(chosen),
        seller=make_handle(rng, "telegram").handle,
    )
    wants_wallet = (
        "crypto_only_payment" in chosen
        or ("e_pimping" in chosen and rng.random() < 0.5)
        or rng.random() < 0.08
    )
    if wants_wallet:
        wallet = random_wallet(rng)
        draft.wallets.append(wallet)
        draft.contact_lines.append(WALLET_LINE[lang].format(w=wallet.address))
    if "e_pimping" in chosen and rng.random() < 0.5:
        handle = make_handle(rng, "onlyfans")
        draft.handles.append(handle)
        draft.contact_lines.append(handle_text(handle))
    _contacts(rng, draft, book, shared=len(chosen) >= 2, p_phone=0.35)
    # Forums rarely have a phone profile field: keep every phone in the text.
    if draft.field_phone is not None:
        draft.contact_lines.append(
            LABELS[lang]["phone"].format(p=format_phone(draft.field_phone, "international", lang))
        )
        draft.field_phone = None
    return draft
