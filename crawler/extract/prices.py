"""Prices in listing text: amount, ISO 4217 currency, billing unit and a reference EUR amount.

A price is an amount next to a currency ("150€", "EUR 200", "1.200,50 zł", "R$ 3.500,00",
"0.05 BTC", "20 000 Ft"); bare numbers are never prices, which keeps dates, times, phone
numbers, ages, distances and areas out. Currencies are read from symbols, ISO codes and the
local words of every lexicon language ("forint", "kronor", "lekë", "dinara", "ლარი");
the region hint decides the ambiguous ones ("lei" in MD is MDL, "kr" in IS is ISK, "$" in
CA is CAD). Amounts are read in every locale's style ("1.500,00", "1,500.00", "20 000",
"1.5k", "30 тис."). A range ("800 to 2,000 USD", "€100-150", "od 25 do 30 zł") gives
both ends, with the currency and unit of the written one. The unit comes from the rate
words of the lexicons, after the price ("/h", "per night", "na hodinu", "το μήνα") or
before it ("1h: 150€", "Óránként 5000 Ft", "Registration fee: 250 EUR"): one of
crawler.models.PRICE_UNITS, "sale" for a purchase outright, "once" for a one-off fee.

`amount_eur` uses REFERENCE_RATES_EUR: static reference rates that make prices in
different currencies comparable (platform medians, anomaly checks). They are not market
data and must not be read as such. No settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache, lru_cache

from crawler.extract.language import TextWords
from crawler.extract.normalise import clean, fold
from crawler.models import Price

# EUR per one unit of the currency. Static reference rates (rounded, late 2026), chosen
# so that price comparisons across currencies are stable between runs; crypto rates are
# rough orders of magnitude only.
REFERENCE_RATES_EUR: dict[str, float] = {
    "EUR": 1.0, "USD": 0.93, "GBP": 1.17, "CHF": 1.05, "PLN": 0.23, "UAH": 0.022,
    "RUB": 0.010, "RON": 0.20, "MDL": 0.052, "CZK": 0.040, "HUF": 0.0025, "BGN": 0.51,
    "SEK": 0.088, "NOK": 0.086, "DKK": 0.134, "ISK": 0.0066, "ALL": 0.0098, "RSD": 0.0085,
    "MKD": 0.016, "BAM": 0.51, "GEL": 0.34, "BRL": 0.17, "TRY": 0.027, "CAD": 0.68,
    "AUD": 0.61, "NZD": 0.56, "AED": 0.25, "BTC": 60000.0, "ETH": 2500.0, "XMR": 150.0,
    "USDT": 0.93, "TRX": 0.11,
}  # fmt: skip

# Symbols and codes that mean one currency whatever the language (folded, lower case).
_TOKENS: dict[str, str] = {
    "€": "EUR", "eur": "EUR", "euro": "EUR", "euros": "EUR",
    "us$": "USD", "usd": "USD", "£": "GBP", "gbp": "GBP", "chf": "CHF",
    "zł": "PLN", "zl": "PLN", "pln": "PLN", "₴": "UAH", "uah": "UAH", "грн": "UAH",
    "₽": "RUB", "rub": "RUB", "руб": "RUB", "ron": "RON", "mdl": "MDL", "czk": "CZK",
    "kč": "CZK", "kc": "CZK", "huf": "HUF", "ft": "HUF", "bgn": "BGN", "лв": "BGN",
    "sek": "SEK", "nok": "NOK", "dkk": "DKK", "isk": "ISK", "all": "ALL", "rsd": "RSD",
    "mkd": "MKD", "bam": "BAM", "₾": "GEL", "gel": "GEL", "r$": "BRL", "brl": "BRL",
    "₺": "TRY", "try": "TRY", "cad": "CAD", "c$": "CAD", "aud": "AUD", "a$": "AUD",
    "nzd": "NZD", "aed": "AED", "btc": "BTC", "xbt": "BTC", "₿": "BTC", "bitcoin": "BTC",
    "bitcoins": "BTC", "xmr": "XMR", "monero": "XMR", "eth": "ETH", "ether": "ETH",
    "ethereum": "ETH", "usdt": "USDT", "tether": "USDT", "trx": "TRX",
}  # fmt: skip
# Tokens whose currency depends on the region: token -> {region: code, None: default}.
_AMBIGUOUS: dict[str, dict[str | None, str]] = {
    "$": {"US": "USD", "CA": "CAD", "AU": "AUD", "NZ": "NZD", None: "USD"},
    "dollar": {"CA": "CAD", "AU": "AUD", "NZ": "NZD", None: "USD"},
    "dollars": {"CA": "CAD", "AU": "AUD", "NZ": "NZD", None: "USD"},
    "kr": {"SE": "SEK", "NO": "NOK", "DK": "DKK", "IS": "ISK", None: "SEK"},
    "kr.": {"SE": "SEK", "NO": "NOK", "DK": "DKK", "IS": "ISK", None: "DKK"},
    "kroner": {"DK": "DKK", None: "NOK"},
    "lei": {"MD": "MDL", None: "RON"},
    "leu": {"MD": "MDL", None: "RON"},
    "din": {"MK": "MKD", None: "RSD"},
    "din.": {"MK": "MKD", None: "RSD"},
    "dinar": {"MK": "MKD", None: "RSD"},
    "dinara": {"MK": "MKD", None: "RSD"},
    "дин": {"MK": "MKD", None: "RSD"},
}
_LANG_REGION = {"sv": "SE", "is": "IS", "ro": "RO", "sr": "RS"}
# The language whose rate words decide a unit when the listing's is unknown.
_CURRENCY_LANG = {"RUB": "ru", "UAH": "uk", "PLN": "pl", "CZK": "cs", "HUF": "hu", "SEK": "sv",
                  "ISK": "is", "ALL": "sq", "RSD": "sr", "GEL": "ka", "BRL": "pt", "RON": "ro",
                  "MDL": "ro"}  # fmt: skip


@cache
def _language_words() -> tuple[dict[str, str], dict[str, dict[str, str]], dict[str, str]]:
    """(currency word -> code, lang -> unit words, merged unit words) from the lexicons."""
    from crawler.extract.lexicon import all_languages

    currencies: dict[str, str] = {}
    units: dict[str, dict[str, str]] = {}
    merged: dict[str, str] = {}
    for data in all_languages():
        for word, code in data.currencies.items():
            currencies.setdefault(word, code)
        units[data.lang] = dict(data.units)
        for word, unit in data.units.items():
            merged.setdefault(word, unit)
    for word, unit in units.get("en", {}).items():
        merged[word] = unit
    return currencies, units, merged


@lru_cache(maxsize=8192)
def _currency(token: str, region: str | None) -> str | None:
    """The ISO code a currency token names ("€", "lei", "Kč"), with the region's reading of
    ambiguous ones ("kr", "$"); None for other words. Cached: ads repeat a few tokens."""
    tok = fold(token.strip()).rstrip(".") if token not in ("kr.", "din.") else token
    low = token.lower()
    for key in (low, tok, tok + "."):
        if key in _AMBIGUOUS:
            table = _AMBIGUOUS[key]
            return table.get(region or "", table[None])
    if low in _TOKENS:
        return _TOKENS[low]
    if tok in _TOKENS:
        return _TOKENS[tok]
    words = _language_words()[0]
    return words.get(tok) or words.get(low)


_SYMBOLS = "€$£₴₽₿₺₾"
# The first digit comes first in the pattern and the look-behind after it, so that the
# regex engine skips to digits instead of trying every position of the text.
_NUM = (
    r"[0-9](?<![\d.,+\w][0-9])"
    r"(?:[0-9]{0,2}(?:(?:[.,\u00a0\u202f\u2009 '][0-9]{3})+)(?:[.,][0-9]{1,8})?"
    r"|[0-9]{0,6}(?:[.,][0-9]{1,8})?)"
)
_AMOUNT_RE = re.compile(
    rf"(?P<num>{_NUM})(?![\d])"
    r"(?P<mult>\s?(?:[kK]|тыс\.?|тис\.?|ezer|tis\.?|mil)(?![^\W\d_]))?"
    r"(?P<dash>[.,]-{1,2})?"
)
_CUR_AFTER_RE = re.compile(rf"[ \u00a0]?([A-Za-z]{{0,2}}[{_SYMBOLS}]|[^\W\d_]+\.?)")
_CUR_BEFORE_RE = re.compile(rf"([A-Za-z]{{0,2}}[{_SYMBOLS}]|(?<![^\W\d_])[^\W\d_]+\.?)[ \u00a0]?$")
_NOT_A_PRICE_AFTER = re.compile(r"\s?(?:%|m2|m²|km|cm|kg|mm|ml|gb|mb|sq)\b", re.IGNORECASE)
_RANGE = re.compile(
    r"\s*(?:-|–|—|~|\.\.\.?|to|till|until|bis|tot|à|a|au|hasta|ate|até|fino a|do|az|až|iki"
    r"|til|deri ne|deri në|deri|εως|έως|ως|μεχρι|μέχρι|до|and|und|en|et|e|y|i|es|és|ir|og"
    r"|och|ja|dhe|и|і|da|la|pana la|până la)\s*$",
    re.IGNORECASE,
)
_TOKEN = re.compile(r"[^\W_]/[^\W_](?![^\W_])|[^\W_]+(?:['’][^\W_]+)?|/|½")
_PREPS = frozenset(
    [
        "/", "per", "a", "an", "the", "pro", "je", "za", "na", "po", "pe", "pentru", "por",
        "par", "al", "ao", "à", "la", "de", "da", "do", "i", "í", "á", "në", "ne", "ανά", "ανα",
        "το", "την", "τον", "в", "за", "на", "по", "kohta", "til", "till", "for", "voor", "für",
        "fur", "um", "o", "un", "una", "uma", "one", "1", "between", "zwischen", "tussen",
        "entre", "tra", "kozott", "mezi", "medzi", "med", "μεταξυ", "mellan", "tarp", "milli",
        "midis", "izmedu", "между", "між", "from", "von", "vanaf", "ab", "desde", "od", "от",
        "від", "nuo", "fra", "nga", "alkaen", "fran", "starting", "only", "just", "nur",
        # definite articles before a rate word: "150 € die Std", "35€ τη μέρα", "il mese"
        "die", "der", "das", "τη", "il", "le", "el",
    ]
)  # fmt: skip
_SHORT = {"h": "hour", "u": "hour", "ч": "hour", "d": "day", "n": "night", "m": "month"}
_WINDOW = 44
_ANY_DIGIT = re.compile(r"[0-9]")
_NUMBER_SPACING = re.compile(r"[\s\u00a0\u202f\u2009']")
_CLAUSE_CUT = re.compile(r"[,;:\n!?()]|\.\s")
_COUNT_FIRST = re.compile(r"\d+[^\W\d_]*")
_COUNT_GLUED = re.compile(r"(\d+)([^\W\d_]+)")
_LETTER = re.compile(r"[^\W\d_]")


def _may_follow_currency(text: str, start: int) -> bool:
    """Whether _CUR_BEFORE_RE can end at `start`: a currency sign, a letter or a "." right
    before it, or before one space, or before the line break that `$` may stand before
    (a quick test before the regex)."""
    k = start - 1
    if k > 0 and text[k] == "\n":
        k -= 1
    if k > 0 and text[k] in " \u00a0":
        k -= 1
    if k < 0:
        return False
    c = text[k]
    return c in _SYMBOLS or c == "." or (c.isalnum() and not c.isdecimal() and c != "_")


def _parse_amount(raw: str) -> float | None:
    s = raw if raw.isdigit() else _NUMBER_SPACING.sub("", raw)
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


@cache
def _unit_words(lang: str | None) -> tuple[dict[str, str], ...]:
    _, per_lang, merged = _language_words()
    return (per_lang[lang], merged) if lang and lang in per_lang else (merged,)


def _lookup(tokens: list[str], lang: str | None, from_start: bool) -> str | None:
    """The unit named by the first (or last) tokens, longest phrase first."""
    tables = _unit_words(lang)
    for size in range(min(4, len(tokens)), 0, -1):
        chunk = tokens[:size] if from_start else tokens[-size:]
        key = " ".join(chunk)
        for table in tables:
            if key in table:
                return table[key]
    return None


def _unit_after(text: str, end: int, lang: str | None) -> str | None:
    window = fold(text[end : end + _WINDOW])
    cut = _CLAUSE_CUT.search(window)
    if cut is not None:
        window = window[: cut.start()]
    tokens = _TOKEN.findall(window)
    direct = _lookup(tokens, lang, True)
    if direct in ("once", "sale"):
        return direct  # "o singură dată", "one-time", "for sale"
    prep = False
    while tokens and tokens[0] in _PREPS and tokens[0] not in ("1",):
        prep = True
        tokens = tokens[1:]
    if not tokens:
        return None
    if tokens[0] in _SHORT and not (len(tokens) > 1 and _lookup(tokens[:2], lang, True)):
        return _SHORT[tokens[0]] if prep else None
    if _COUNT_FIRST.fullmatch(tokens[0]) and not _lookup(tokens, lang, True):
        return None  # "300€/2h": a price for two hours has no single unit
    unit = _lookup(tokens, lang, True)
    if unit is None and not prep and len(tokens) > 2 and not _ANY_DIGIT.search(tokens[0]):
        # One word naming what is paid, then the rate: "850 € Kaltmiete im Monat",
        # "£950 rent per month". The rate must open with a preposition or be a phrase.
        rest = tokens[1:]
        if rest[0] in _PREPS:
            while rest and rest[0] in _PREPS:
                rest = rest[1:]
            unit = _lookup(rest, lang, True) if rest else None
        elif _lookup(rest[:2], lang, True) and " ".join(rest[:2]) in _unit_words(lang)[0]:
            unit = _lookup(rest[:2], lang, True)
    return unit


def _unit_before(text: str, start: int, floor: int, lang: str | None) -> str | None:
    window = fold(text[max(floor, start - _WINDOW) : start]).rstrip(" \t:=-–—.")
    window = _CLAUSE_CUT.split(window)[-1]
    tokens = _TOKEN.findall(window)
    while tokens and tokens[-1] in _PREPS and tokens[-1] not in ("1",):
        tokens = tokens[:-1]
    while tokens and tokens[0] in _PREPS:
        tokens = tokens[1:]
    if not tokens:
        return None
    if tokens[-1] in _SHORT:
        return "hour" if tokens[-1] == "h" and len(tokens) > 1 and tokens[-2] == "1" else None
    glued = _COUNT_GLUED.fullmatch(tokens[-1])
    if glued is not None:
        # "1hr $250", "30min $160": a count written onto its unit word names the unit
        # only as a whole ("30 min") or as one of it ("1 hr"); "2hr" has no single unit.
        count, word = glued.groups()
        unit = _lookup([tokens[-1]], lang, True) or _lookup([count, word], lang, True)
        if unit is None and count == "1":
            unit = _SHORT.get(word) if word in _SHORT else _lookup([word], lang, True)
        return unit
    unit = _lookup(tokens, lang, False)
    if unit is None:
        # "Kotizacija za prijavu 20.000 din": a fee or sale word a few words before.
        for end in range(len(tokens) - 1, 0, -1):
            found = _lookup(tokens[:end], lang, False)
            if found in ("once", "sale"):
                return found
    return unit


@cache
def _sale_words() -> re.Pattern[str]:
    words = {w for w, unit in _language_words()[2].items() if unit == "sale"}
    for table in _language_words()[1].values():
        words |= {w for w, unit in table.items() if unit == "sale"}
    words -= {
        "sale",
        "purchase",
        "priced",
        "venta",
        "vente",
        "prodej",
        "prodaja",
        "продажа",
        "продаж",
        "koop",
        "vanzare",
        "vânzare",
    }
    alts = "|".join(sorted((re.escape(w) for w in words), key=len, reverse=True))
    return re.compile(rf"(?<![^\W_])(?:{alts})(?![^\W_])")


def _sale_nearby(text: str, start: int) -> bool:
    """An object or person offered for sale earlier in the same listing ("Vélo à vendre")."""
    return _sale_words().search(fold(text[max(0, start - 120) : start])) is not None


def _amounts_at(text: str, starts: list[int]) -> Iterator[re.Match[str]]:
    """_AMOUNT_RE.finditer(text), given where the runs of digits start.

    An amount starts with a digit that follows no digit (nor ".", ",", "+" or a letter:
    the look-behind after its first digit), so only a run's start can open one; each is
    tried from the end of the amount before, as finditer does.
    """
    end = 0
    match = _AMOUNT_RE.match
    for start in starts:
        if start < end:
            continue
        m = match(text, start)
        if m is not None:
            end = m.end()
            yield m


def extract_prices(text: str, lang: str | None = None, country: str | None = None) -> list[Price]:
    """Prices found in `text`, in order, without duplicates (same amount, currency and unit).

    `lang` picks the rate words that win when languages disagree ("год" is a year in
    Russian, an hour in Ukrainian); `country` (ISO 3166 alpha-2) decides ambiguous
    currency signs.
    """
    return prices_in_clean(clean(text), lang, country) if text else []


def prices_in_clean(
    text: str,
    lang: str | None = None,
    country: str | None = None,
    *,
    words: TextWords | None = None,
) -> list[Price]:
    """extract_prices() for text that crawler.extract.normalise.clean() has cleaned.

    `words` is TextWords.of(text) when the caller has it: its digit runs then stand in
    for a scan of the whole text."""
    if not text:
        return []
    if words is not None and words.text is text:
        starts = words.digit_runs[0]
        if not starts:
            return []
        found = _amounts_at(text, starts)
    elif not _ANY_DIGIT.search(text):
        return []
    else:
        found = _AMOUNT_RE.finditer(text)
    region = (country or _LANG_REGION.get(lang or "") or "").upper() or None
    amounts: list[dict] = []
    for m in found:
        value = _parse_amount(m.group("num"))
        if value is None:
            continue
        mult = (m.group("mult") or "").strip().lower()
        if mult:
            value *= 1000
        start, end = m.span()
        if _NOT_A_PRICE_AFTER.match(text, end):
            continue
        currency = None
        cur_end, cur_start = end, start
        after = _CUR_AFTER_RE.match(text, end)
        if after:
            currency = _currency(after.group(1), region)
            if currency:
                cur_end = after.end()
        if currency is None and _may_follow_currency(text, start):
            before = _CUR_BEFORE_RE.search(text, max(0, start - 12), start)
            if before:
                currency = _currency(before.group(1), region)
                if currency and _LETTER.match(text, end):
                    currency = None  # "EUR 1h 150": the currency of a list, not a price of 1
                if currency:
                    cur_start = before.start()
        amounts.append(
            {"value": value, "start": cur_start, "end": cur_end, "num": (start, end),
             "currency": currency, "before": currency is not None and cur_start < start,
             "mult": bool(mult)}
        )  # fmt: skip
    # Ranges: an amount without a currency joined to the next one that has it, or after one.
    pairs: dict[int, int] = {}
    for i in range(len(amounts) - 1):
        a, b = amounts[i], amounts[i + 1]
        between = text[a["end"] : b["start"]]
        if len(between) > 14 or not _RANGE.match(between):
            continue
        if a["currency"] is None and b["currency"] is not None and not b["before"]:
            a["currency"] = b["currency"]
            pairs[i] = i + 1
            if b["mult"] and not a["mult"] and a["value"] < 1000:
                a["value"] *= 1000  # "30 до 40 тис.": both ends are thousands
        elif a["currency"] is not None and a["before"] and b["currency"] is None:
            b["currency"] = a["currency"]
            pairs[i] = i + 1
        elif a["currency"] is not None and b["currency"] == a["currency"] and a["before"]:
            pairs[i] = i + 1
    out: list[Price] = []
    seen: set[tuple[float, str, str | None]] = set()
    units: dict[int, str | None] = {}
    floor = 0
    for i, a in enumerate(amounts):
        if a["currency"] is None:
            continue
        unit_lang = lang or _CURRENCY_LANG.get(a["currency"])
        if i in units:
            unit = units[i]
        else:
            last = i
            while last in pairs:
                last = pairs[last]
            unit = _unit_after(text, amounts[last]["end"], unit_lang)
            if unit is None:
                unit = _unit_before(text, a["start"], floor, unit_lang)
            if unit is None and _sale_nearby(text, a["start"]):
                unit = "sale"
            j = i
            while j in pairs:
                j = pairs[j]
                units[j] = unit
        floor = a["end"]
        key = (a["value"], a["currency"], unit)
        if key in seen:
            continue
        seen.add(key)
        rate = REFERENCE_RATES_EUR.get(a["currency"])
        out.append(
            Price(
                amount=a["value"],
                currency=a["currency"],
                unit=unit,
                amount_eur=round(a["value"] * rate, 2) if rate is not None else None,
            )
        )
    return out
