"""Prices in listing text: amount, ISO 4217 currency, billing unit and a reference EUR amount.

A price is an amount next to a currency ("150€", "EUR 200", "1.200,50 zł", "0.05 BTC");
bare numbers are never prices, which keeps dates, times, phone numbers and ages out.
The unit is read from the words right after the price ("/h", "per night", "/miesiąc",
"permanent", "руб. в час") or right before it ("1h: 150€", "Night - 500 EUR"), in en, nl,
de, ro, uk, ru, es, fr, it and pl. A fee ("registration fee 300 EUR") is a one-off ("once").

`amount_eur` uses REFERENCE_RATES_EUR: static reference rates that make prices in
different currencies comparable (platform medians, anomaly checks). They are not market
data and must not be read as such. No settings.
"""

from __future__ import annotations

import re

from crawler.models import Price

# EUR per one unit of the currency. Static reference rates (rounded, late 2026), chosen
# so that price comparisons across currencies are stable between runs; crypto rates are
# rough orders of magnitude only.
REFERENCE_RATES_EUR: dict[str, float] = {
    "EUR": 1.0,
    "USD": 0.93,
    "GBP": 1.17,
    "CHF": 1.05,
    "PLN": 0.23,
    "UAH": 0.022,
    "RUB": 0.010,
    "RON": 0.20,
    "CZK": 0.040,
    "HUF": 0.0025,
    "BGN": 0.51,
    "SEK": 0.088,
    "NOK": 0.086,
    "DKK": 0.134,
    "TRY": 0.027,
    "BTC": 60000.0,
    "ETH": 2500.0,
    "XMR": 150.0,
    "USDT": 0.93,
}

# Spellings of a currency as it shows in ads -> ISO 4217 code (lower-case keys).
_CURRENCY_TOKENS: dict[str, str] = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR", "евро": "EUR", "євро": "EUR",
    "$": "USD", "us$": "USD", "usd": "USD", "dollar": "USD", "dollars": "USD",
    "dólares": "USD", "долларов": "USD", "доллара": "USD", "доларів": "USD",
    "£": "GBP", "gbp": "GBP", "pound": "GBP", "pounds": "GBP",
    "chf": "CHF",
    "zł": "PLN", "zl": "PLN", "pln": "PLN", "złotych": "PLN", "zlotych": "PLN", "złote": "PLN",
    "₴": "UAH", "грн": "UAH", "uah": "UAH", "гривень": "UAH", "гривні": "UAH", "гривен": "UAH",
    "гривня": "UAH", "гривна": "UAH",
    "₽": "RUB", "руб": "RUB", "rub": "RUB", "рублей": "RUB", "рубля": "RUB", "рубль": "RUB",
    "lei": "RON", "leu": "RON", "ron": "RON",
    "czk": "CZK", "kč": "CZK",
    "huf": "HUF",
    "bgn": "BGN", "лв": "BGN",
    "sek": "SEK", "nok": "NOK", "dkk": "DKK",
    "₺": "TRY",
    "btc": "BTC", "xbt": "BTC", "₿": "BTC", "bitcoin": "BTC", "bitcoins": "BTC",
    "xmr": "XMR", "monero": "XMR",
    "eth": "ETH", "ether": "ETH", "ethereum": "ETH",
    "usdt": "USDT", "tether": "USDT",
}  # fmt: skip

# Unit words -> unit. "год" is handled apart: hour in Ukrainian ("грн/год"), year in Russian.
_UNIT_WORDS: dict[str, str] = {}
_UNIT_LISTS: dict[str, str] = {
    "15min": "quarter hour|kwartier|viertelstunde|sfert de oră|четверть часа",
    "30min": "half hour|half an hour|half uur|halbe stunde|halbestunde|jumătate de oră|"
    "jumatate de ora|півгодини|полчаса|пол часа|media hora|demi-heure|mezz'ora|pół godziny",
    "hour": "hour|hours|hr|hrs|uur|stunde|stunden|std|ora|oră|orǎ|час|часа|годину|година|"
    "годин|hora|horas|heure|heures|godzina|godzinę|godz|ph",
    "night": "night|nights|overnight|nacht|noapte|noaptea|ніч|ночь|noche|nuit|notte|noc",
    "day": "day|days|dag|tag|zi|ziua|день|доба|сутки|día|dia|jour|giorno|dzień|dzien|24h|24 h",
    "week": "week|weeks|wk|woche|săptămână|saptamana|săptămâna|тиждень|неделя|неделю|semana|"
    "semaine|settimana|tydzień|tydzien",
    "month": "month|months|mo|mth|maand|monat|lună|luna|місяць|месяц|mes|mois|mese|miesiąc|"
    "miesiac|mnd",
    "year": "year|years|yr|jaar|jahr|рік|año|ano|anno|rok",
    "sale": "permanent|permanently|forever|outright|for sale|sale|purchase|te koop|"
    "zu verkaufen|kaufpreis|de vânzare|de vanzare|навсегда|назавжди|продажа|продаж|en venta|"
    "venta|à vendre|in vendita|na sprzedaż",
    "once": "once|one-off|one off|one time|one-time|eenmalig|einmalig|o singură dată|"
    "o singura data|singură dată|singura data|o dată|pago único|pago unico|único pago|разово|одноразово|una vez|única vez|une fois|una tantum|jednorazowo|"
    # A fee is charged once unless a unit says otherwise ("registration fee 300 EUR").
    "fee|registration fee|application fee|placement fee|gebühr|anmeldegebühr|"
    "vermittlungsgebühr|taxă|taxa|taxa de înscriere|взнос|сбор|внесок|cuota|tarifa de inscripción",
}
for _unit, _words in _UNIT_LISTS.items():
    for _w in _words.split("|"):
        _UNIT_WORDS[_w] = _unit
_UNIT_WORDS["год"] = "hour"  # resolved per language in _unit_of
# Minutes only make a unit with their count: "30 min" -> 30min, "60 min" -> hour.
_MINUTE_WORDS = frozenset(
    [
        "min",
        "mins",
        "minute",
        "minutes",
        "minuten",
        "minuti",
        "minutos",
        "minut",
        "minuty",
        "хв",
        "хвилин",
        "мин",
        "минут",
    ]
)
_MINUTES = {15: "15min", 30: "30min", 60: "hour"}
# Abbreviations that only mean a unit right after "/" or "per" ("150€/h", "$500/mo").
_SHORT_UNITS = {"h": "hour", "u": "hour", "ч": "hour", "d": "day", "n": "night", "m": "month"}


# An amount after its first digit: thousands groups (dot, comma, space, thin/no-break
# space) and an optional decimal part, or up to seven digits and a decimal part.
_AMOUNT_REST = r"\d{0,2}(?:[.,\u00a0\u202f\u2009 ]\d{3})+(?:[.,]\d{1,8})?|\d{0,6}(?:[.,]\d{1,8})?"
# Scanning for digits first and looking at the words around them is much faster than one
# regex with every currency and unit spelling: most of a listing has no digits. The
# pattern starts with a digit (the lookbehind comes after it) so the regex engine can skip
# ahead to digits instead of trying the lookbehind at every character.
_AMOUNT_RE = re.compile(rf"\d(?<![\d.,+]\d)(?:{_AMOUNT_REST})(?!\d)")
_SYMBOLS = "€$£₴₽₿₺"
_CUR_AFTER_RE = re.compile(rf"[ \u00a0]?([{_SYMBOLS}]|[^\W\d_]+\$?)")
_CUR_BEFORE_RE = re.compile(rf"([{_SYMBOLS}]|(?<![^\W\d_])[^\W\d_]+\$?)[ \u00a0]?$")
_LETTER_OR_DIGIT_AFTER = re.compile(r"[^\W_]")
# The words after a price: an optional preposition ("/", "per", "за", "pe", "por"), an
# optional article or count ("a", "1", "2"), then up to four words naming the unit.
_WORDS_AFTER_RE = re.compile(
    r"\s*(?P<prep>/|\bper\b|\bp/|\bpro\b|\bje\b|\bза\b|\bв\b|\bна\b|\bx\b|\bfor\b|\bvoor\b"
    r"|\bfür\b|\bpentru\b|\bpara\b|\bpour\b)?\s*"
    r"(?:(?:a|an|la|pe|por|par|al|w|um|una|un|o|1)\s+)?(?P<n>\d{1,2})?\s*"
    r"(?P<words>[^\W\d_]+(?:['’\- ][^\W\d_]+){0,3})?",
    re.IGNORECASE,
)
_WORDS_BEFORE_RE = re.compile(
    r"(?:^|[\s(\[,;|:•·*])(?:(?P<n>\d{1,2})\s*)?"
    r"(?P<words>[^\W\d_]+(?:['’\- ][^\W\d_]+){0,3})\s*[:=\-–—]?\s*$"
)
_WINDOW = 40


def _unit_in_words(words: str, from_start: bool) -> str | None:
    """The unit word(s) at the start (after a price) or end (before a price) of `words`."""
    parts = re.split(r"\s+", words.lower().strip())
    for size in range(min(4, len(parts)), 0, -1):
        chunk = parts[:size] if from_start else parts[-size:]
        key = " ".join(chunk)
        if key in _UNIT_WORDS or key in _SHORT_UNITS or key in _MINUTE_WORDS:
            return key
    return None


def _parse_amount(raw: str) -> float | None:
    s = re.sub(r"[\s\u00a0\u202f\u2009]", "", raw)
    has_dot, has_comma = "." in s, "," in s
    if has_dot and has_comma:
        dec = "." if s.rfind(".") > s.rfind(",") else ","
        s = s.replace("," if dec == "." else ".", "").replace(dec, ".")
    elif has_dot or has_comma:
        sep = "." if has_dot else ","
        head, _, tail = s.rpartition(sep)
        # "1.200" / "1,200" are thousands; "0.050", "12.5" and "150,00" are decimals.
        if s.count(sep) > 1 or (len(tail) == 3 and head.strip("0") != ""):
            s = s.replace(sep, "")
        else:
            s = f"{head.replace(sep, '')}.{tail}"
    try:
        value = float(s)
    except ValueError:
        return None
    return value if value > 0 else None


def _unit_of(word: str, n: str | None, lang: str | None, currency: str) -> str | None:
    key = word.lower()
    count = int(n) if n is not None else None
    if key in _MINUTE_WORDS:
        return _MINUTES.get(count) if count is not None else None
    if key == "h" and count == 24:
        return "day"
    if key == "год":
        unit = "year" if lang == "ru" or (lang is None and currency == "RUB") else "hour"
    else:
        unit = _UNIT_WORDS.get(key) or _SHORT_UNITS.get(key)
    if unit is None:
        return None
    # "300€/2h" is a price for two hours: no single unit describes it.
    if count is not None and count != 1:
        return None
    return unit


def extract_prices(text: str, lang: str | None = None) -> list[Price]:
    """Prices found in `text`, in order, without duplicates (same amount, currency and unit)."""
    out: list[Price] = []
    seen: set[tuple[float, str, str | None]] = set()
    for m in _AMOUNT_RE.finditer(text):
        start, end = m.span()
        currency = None
        after_cur = _CUR_AFTER_RE.match(text, end)
        if after_cur:
            currency = _CURRENCY_TOKENS.get(after_cur.group(1).lower())
            if currency:
                end = after_cur.end()
                # An abbreviation's full stop ("3000 руб. в час") is not the end of the price.
                if text.startswith(".", end) and after_cur.group(1)[-1:].isalpha():
                    end += 1
        if currency is None:
            before_cur = _CUR_BEFORE_RE.search(text, max(0, start - 12), start)
            if before_cur:
                currency = _CURRENCY_TOKENS.get(before_cur.group(1).lower())
            # "EUR 1h 150" names the currency of the list, not a price of 1.
            if currency and _LETTER_OR_DIGIT_AFTER.match(text, end):
                currency = None
            if currency:
                start = before_cur.start()
        if currency is None:
            continue
        amount = _parse_amount(m.group(0))
        if amount is None:
            continue
        unit = None
        after = _WORDS_AFTER_RE.match(text, end, end + _WINDOW)
        if after and after.group("words"):
            word = _unit_in_words(after.group("words"), from_start=True)
            if word in _SHORT_UNITS:
                # A bare "h" or "m" after a price is a unit only behind "/" or "per".
                if after.group("prep"):
                    unit = _unit_of(word, after.group("n"), lang, currency)
            elif word:
                unit = _unit_of(word, after.group("n"), lang, currency)
        if unit is None:
            before = _WORDS_BEFORE_RE.search(text, max(0, start - _WINDOW), start)
            if before:
                word = _unit_in_words(before.group("words"), from_start=False)
                if word == "h" or (word and word not in _SHORT_UNITS):
                    unit = _unit_of(word, before.group("n"), lang, currency)
        key = (amount, currency, unit)
        if key in seen:
            continue
        seen.add(key)
        rate = REFERENCE_RATES_EUR.get(currency)
        out.append(
            Price(
                amount=amount,
                currency=currency,
                unit=unit,
                amount_eur=round(amount * rate, 2) if rate is not None else None,
            )
        )
    return out
