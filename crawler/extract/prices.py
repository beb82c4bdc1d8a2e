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

from crawler.extract.language import COUNTRY_LANGUAGE, TextWords
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
# A country's currency, for an amount in thousands whose currency the ad leaves implicit
# ("за час 6 тыс."): it is read only next to a rate word.
_REGION_CURRENCY = {
    "RU": "RUB", "BY": "RUB", "UA": "UAH", "PL": "PLN", "CZ": "CZK", "HU": "HUF", "SE": "SEK",
    "NO": "NOK", "DK": "DKK", "IS": "ISK", "AL": "ALL", "RS": "RSD", "GE": "GEL", "BR": "BRL",
    "RO": "RON", "MD": "MDL", "GB": "GBP", "US": "USD", "CH": "CHF", "BG": "BGN", "MK": "MKD",
    "BA": "BAM", "TR": "TRY", "XK": "EUR", "ME": "EUR",
}  # fmt: skip
_EURO_REGIONS = frozenset(
    ["AT", "BE", "CY", "DE", "EE", "ES", "FI", "FR", "GR", "HR", "IE", "IT", "LT", "LU", "LV",
     "MT", "NL", "PT", "SI", "SK"]
)  # fmt: skip
# The language whose rate words decide a unit when the listing's is unknown.
_CURRENCY_LANG = {"RUB": "ru", "UAH": "uk", "PLN": "pl", "CZK": "cs", "HUF": "hu", "SEK": "sv",
                  "ISK": "is", "ALL": "sq", "RSD": "sr", "GEL": "ka", "BRL": "pt", "RON": "ro",
                  "MDL": "ro"}  # fmt: skip


@cache
def _language_words() -> tuple[dict[str, str], dict[str, dict[str, str]], dict[str, str]]:
    """(currency word -> code, lang -> unit words, merged unit words) from the lexicons.

    Unit entries written "*word" (compound heads: "*gebühr" for "Bearbeitungsgebühr") and
    "@word" (what a listing sells as a whole, see _subject_unit) are kept apart, in
    _compound_heads and _subject_words. Russian, Ukrainian and Greek rate and currency
    words are also read in Latin letters (lexicon.TRANSLIT, every mix of spellings up to
    48 forms a word), in their own language's table only ("let", "god" and "noch" are
    everyday words elsewhere)."""
    from crawler.extract.lexicon import TRANSLIT, all_languages, latin_forms

    currencies: dict[str, str] = {}
    units: dict[str, dict[str, str]] = {}
    merged: dict[str, str] = {}
    langs = all_languages()
    # A rate word of one language that is an everyday word of another ("para" is a day in
    # Lithuanian, "for" in Spanish, "before" in Albanian) counts in its own language only.
    # (A word both languages use as a rate word, "hora" in es and pt, stays shared.)
    everyday: dict[str, set[str]] = {}
    for data in langs:
        for word in data.detect:
            if word not in data.units:
                everyday.setdefault(word, set()).add(data.lang)
    for data in langs:
        table = {w: u for w, u in data.units.items() if w[:1] not in "*@~"}
        cur = dict(data.currencies)
        if data.lang in TRANSLIT:
            for word, unit in list(table.items()):
                for form in latin_forms(word, data.lang):
                    table.setdefault(form, unit)
            for word, code in list(cur.items()):
                for form in latin_forms(word, data.lang):
                    if len(form) > 2:
                        cur.setdefault(form, code)
        for word, code in cur.items():
            currencies.setdefault(word, code)
        units[data.lang] = table
        for word, unit in data.units.items():
            if word[:1] not in "*@~" and not everyday.get(word, set()) - {data.lang}:
                merged.setdefault(word, unit)
    for word, unit in units.get("en", {}).items():
        merged[word] = unit
    return currencies, units, merged


@cache
def _compound_heads() -> dict[str, tuple[tuple[str, str], ...]]:
    """lang -> its compound heads ("*gebühr" unit entries) as (ending, unit), longest first."""
    from crawler.extract.lexicon import all_languages

    return {
        data.lang: tuple(
            sorted(
                ((w[1:], u) for w, u in data.units.items() if w[:1] == "*"),
                key=lambda x: -len(x[0]),
            )
        )
        for data in all_languages()
    }


class _Words:
    """Lexicon words, each naming a unit, matched against one word at a time: whole words,
    "word*" beginnings, "*word" endings, and phrases of several words (looked for in the
    joined words)."""

    __slots__ = ("exact", "phrases", "phrase_units", "prefixes", "starts", "suffixes", "ends")

    def __init__(self, words: list[tuple[str, str]]) -> None:
        self.exact = {w: u for w, u in words if "*" not in w and " " not in w}
        self.prefixes = tuple((w[:-1], u) for w, u in words if w.endswith("*") and w[:1] != "*")
        self.suffixes = tuple((w[1:], u) for w, u in words if w.startswith("*") and w[-1:] != "*")
        self.starts = tuple(p for p, _ in self.prefixes)
        self.ends = tuple(e for e, _ in self.suffixes)
        self.phrases = tuple(f" {w} " for w, _ in words if " " in w and "*" not in w)
        self.phrase_units = {w: u for w, u in words if " " in w and "*" not in w}

    def unit(self, word: str) -> str | None:
        found = self.exact.get(word)
        if found is not None:
            return found
        if self.starts and word.startswith(self.starts):
            return next(u for p, u in self.prefixes if word.startswith(p))
        if self.ends and word.endswith(self.ends):
            return next(u for e, u in self.suffixes if word.endswith(e))
        return None


@lru_cache(maxsize=128)
def _marked_words(lang: str, marks: str) -> tuple[_Words, _Words]:
    """(the unit entries of the languages of `lang` and English whose word starts with one
    of `marks`, the mark taken off; their `job` context words), built on first use."""
    from crawler.extract.lexicon import all_languages

    codes = {*lang.split("+"), "en"}
    marked: list[tuple[str, str]] = []
    jobs: list[tuple[str, str]] = []
    for data in all_languages():
        if data.lang in codes:
            marked += [(w[1:], u) for w, u in data.units.items() if w[:1] and w[:1] in marks]
            jobs += [(w, "job") for w in data.contexts.get("job", ())]
    return _Words(marked), _Words(jobs)


def _subject_words(lang: str) -> tuple[_Words, _Words]:
    """(the subject words of `lang` and English: their "@word" unit entries; job words)."""
    return _marked_words(lang, "@")


def _priced_words(lang: str) -> tuple[_Words, _Words]:
    """(what an amount prices: the `priced` words ("~telefon") and the title words
    ("@fahrrad") of `lang` and English; job words)."""
    return _marked_words(lang, "@~")


_SENTENCE_CUT = re.compile(r"[\n;!?()\[\]]|\.\s")
_PHONE_LIKE = re.compile(r"\d{7,}")
# A word of what is priced; a hyphenated compound is one word ("Auto-Stellplatz" is no car).
_PRICED_WORD = re.compile(r"[^\W_]+(?:-[^\W_]+)*")


def _match_at(words: _Words, tokens: list[str], i: int, forward: bool) -> str | None:
    """The unit a word of `words` names at tokens[i]: the word itself, or a phrase of up
    to three words that ends there (reading back) or starts there (reading on)."""
    found = words.unit(tokens[i])
    if found is not None or not words.phrases:
        return found
    for size in (2, 3):
        part = tokens[i : i + size] if forward else tokens[max(0, i - size + 1) : i + 1]
        if len(part) == size:
            found = words.phrase_units.get(" ".join(part))
            if found is not None:
                return found
    return None


def _priced_unit(text: str, start: int, end: int, lang: str | None) -> str | None:
    """`sale` or `once` from what the amount prices, when no rate word names a unit: a
    thing sold named in the few words before it ("telefon Xiaomi za 4 990 Kč", "Galaxy
    S24 für 699 €"), a fee, registration or package before or right after it ("članarina
    300 €", "Romance tour package £2,500", "30 € de gestión"), in the amount's clause
    or in the first words of its sentence ("Volvo XC60 2016, 14 500 €"). Never for a wage: a `job` word in the sentence before the amount or in its clause
    after it voids it, and a phone-shaped number between the thing and the amount parts
    them."""
    things, jobs = _priced_words(lang or "")
    head = text[max(0, start - 80) : start]
    cuts = list(_SENTENCE_CUT.finditer(head))
    if cuts:
        head = head[cuts[-1].end() :]
    tail = text[end : end + 40]
    cut = _CLAUSE_CUT.search(tail)
    if cut is not None:
        tail = tail[: cut.start()]
    sentence = _PRICED_WORD.findall(fold(head))
    after = _PRICED_WORD.findall(fold(tail))
    for tokens in (sentence, after):
        if any(jobs.unit(t) for t in tokens):
            return None
        joined = " " + " ".join(tokens) + " "
        if any(p in joined for p in jobs.phrases):
            return None
    # What is priced stands in the amount's own clause ("call my phone, 200 €" and "visa
    # and flight paid, 5000 $" price neither) or opens the sentence, as in a classified
    # ad's list ("Volvo XC60 2016, 14 500 €").
    comma = head.rfind(",")
    before = _PRICED_WORD.findall(fold(head[comma + 1 :])) if comma >= 0 else sentence
    best: tuple[int, str] | None = None
    for back in range(1, min(6, len(before)) + 1):
        if _PHONE_LIKE.search(before[-back]):
            break
        unit = _match_at(things, before, len(before) - back, False)
        if unit is not None:
            best = (back, unit)
            break
    for ahead in range(min(3, len(after))):
        if best is not None and ahead + 1 >= best[0]:
            break
        unit = _match_at(things, after, ahead, True)
        if unit is not None:  # "30 € de gestión", "8.900 € negociables"
            return unit
    if best is not None:
        return best[1]
    opens = bool(cuts) or start <= 80  # the sentence's first words are in `head`
    if comma >= 0 and opens and not any(_PHONE_LIKE.search(t) for t in sentence):
        for n in range(min(3, len(sentence))):
            unit = _match_at(things, sentence, n, True)
            if unit is not None:
                return unit
    return None


# A title's words; a hyphenated compound is one word ("Auto-Mechaniker" is no "Auto").
_TITLE_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")


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
    if tok == "fr":  # "32 Fr./Std.": francs only where they are the currency
        return "CHF" if region in ("CH", "LI") else None
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
    # thousands and millions in words; the first letter is tested once before the words
    r"(?P<mult>\s?(?=[kKтТeEtTdDmMhHχΧþÞмМ])(?i:[k]|тыс\.?|тис\.?|ezer|tis\.?|tys\.?|tūkst\.?|tukst\.?|tsd\.?|tausend"
    r"|duizend|mila|mii|mijë|hiljada|hilj\.?|χιλ\.?|þús\.?|mil"
    r"|(?P<mio>mln\.?|mio\.?|millions?|millió|milion(?:y|ów|a|i|e)?|miljoen|milijon(?:a|ov|i)?"
    r"|miljon(?:er|a)?|miljoonaa?|milj\.?|millones|millón|milhões|milhão|milioni|milione"
    r"|млн\.?|мільйон(?:а|ів)?|миллион(?:а|ов)?))(?![^\W\d_]))?"
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
        # "v čistom mesačne", "w miesiącu", "v mesyac"; Greeklish articles ("tin ora")
        "v", "ve", "w", "we", "tin", "ti", "to", "ton", "ana",
    ]
)  # fmt: skip
# Words that join two items of a list: a rate word after one names the next item's rate.
_CONJUNCTIONS = frozenset(
    ["and", "und", "en", "et", "e", "y", "i", "es", "és", "ir", "og", "och", "ja", "dhe", "и",
     "і", "та", "da", "or", "oder", "of", "ou", "o", "sau", "vagy", "tai", "eller", "ili",
     "nebo", "alebo", "lub", "albo", "czy", "или", "або", "ή", "και", "bzw", "plus"]
)  # fmt: skip
_SHORT = {"h": "hour", "u": "hour", "ч": "hour", "d": "day", "n": "night", "m": "month"}
_WINDOW = 44
_ANY_DIGIT = re.compile(r"[0-9]")
_NUMBER_SPACING = re.compile(r"[\s\u00a0\u202f\u2009']")
_CLAUSE_CUT = re.compile(r"[,;:\n!?()|•·]|\.\s")
_COUNT_FIRST = re.compile(r"\d+[^\W\d_]*")
_COUNT_GLUED = re.compile(r"(\d+)([^\W\d_]+)")
_LETTER = re.compile(r"[^\W\d_]")
_WORD = re.compile(r"[^\W_]+")
_TIME_AFTER = re.compile(r"\s?(?:[-–—:.]\s?\d|uhr|h\b)", re.IGNORECASE)


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
    """The rate-word tables to read, in order: `lang` is a language ("de") or the text's
    language and the region's joined by "+" ("it+el": Greeklish read as Italian)."""
    _, per_lang, merged = _language_words()
    own = [per_lang[code] for code in (lang or "").split("+") if code in per_lang]
    return (*own, merged)


@cache
def _heads(lang: str | None) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """(the endings, (ending, unit) pairs) of the compound heads ("*gebühr") of the
    languages of `lang` (see _unit_words)."""
    heads = _compound_heads()
    pairs = tuple(h for code in (lang or "").split("+") for h in heads.get(code, ()))
    return tuple(e for e, _ in pairs), pairs


def _lookup(tokens: list[str], lang: str | None, from_start: bool) -> str | None:
    """The unit named by the first (or last) tokens, longest phrase first; a single word
    may be a compound ending in a head of the language ("Bearbeitungsgebühr")."""
    tables = _unit_words(lang)
    for size in range(min(4, len(tokens)), 0, -1):
        chunk = tokens[:size] if from_start else tokens[-size:]
        key = " ".join(chunk)
        for table in tables:
            if key in table:
                return table[key]
    if tokens:
        word = tokens[0] if from_start else tokens[-1]
        if len(word) > 5:
            endings, pairs = _heads(lang)
            if endings and word.endswith(endings):
                for head, unit in pairs:
                    if word.endswith(head) and len(word) > len(head) + 1:
                        return unit
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
        return direct  # "150 € par an": the rate word is a word _PREPS also holds
    if tokens[0] in _SHORT and not (len(tokens) > 1 and _lookup(tokens[:2], lang, True)):
        return _SHORT[tokens[0]] if prep else None
    if _COUNT_FIRST.fullmatch(tokens[0]) and not _lookup(tokens, lang, True):
        return None  # "300€/2h": a price for two hours has no single unit
    unit = _lookup(tokens, lang, True)
    if unit is None and direct is None and len(tokens) > 1:
        # One or two words between the price and a rate word: "380 € warm monatlich",
        # "2800 € netto p/m", "1 800 € v čistom mesačne", "2500 lire sterline pe lună".
        # The rate word then opens with a preposition or is a word of four letters or more.
        for skip in (1, 2):
            if len(tokens) <= skip or _ANY_DIGIT.search(tokens[skip - 1]):
                break
            if tokens[skip - 1] in _CONJUNCTIONS:
                break  # "matrícula 40 € e mensalidade 60 €": the next item's rate
            rest = tokens[skip:]
            opened = False
            while rest and rest[0] in _PREPS:
                rest, opened = rest[1:], True
            if not rest or _ANY_DIGIT.search(rest[0]):
                break
            found = _lookup(rest, lang, True)
            if found is not None and (opened or len(rest[0]) > 3 or "/" in rest[0]):
                return found
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


def _listed_unit(
    text: str, amounts: list[dict], i: int, floor: int, after: str, lang: str | None
) -> str | None:
    """In a rate list that writes each unit before its amount ("15 min £40 / 30 min £70 /
    1 hr £120", "30 min 50€ - 1h 90€"), the unit before amount i, not the next item's
    unit after it: when the unit read after amount i is the unit before the next amount
    and amount i has a unit before it too. None otherwise."""
    a = amounts[i]
    b = next((b for b in amounts[i + 1 :] if b["currency"] is not None), None)
    if b is None or b["start"] - a["end"] > 24:
        return None
    if _unit_before(text, b["start"], a["end"], lang) != after:
        return None
    return _unit_before(text, a["start"], floor, lang)


def _unit_before(text: str, start: int, floor: int, lang: str | None) -> str | None:
    window = fold(text[max(floor, start - _WINDOW) : start]).rstrip(" \t:=-–—.")
    window = _CLAUSE_CUT.split(window)[-1]
    tokens = _TOKEN.findall(window)
    while tokens and tokens[-1] in _PREPS and tokens[-1] not in ("1",):
        tokens = tokens[:-1]
    while tokens and tokens[0] in _PREPS and tokens[0] not in ("1",):
        tokens = tokens[1:]  # "/ 1 h 100 €": the count of the unit word stays
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
        # A rate adjective before the noun it qualifies: "mesečna karta 35 €", "monthly
        # pass £35", "Órabér brutto 15 €" (words of five letters or more, no count between).
        for k in (2, 3):
            if len(tokens) < k or _ANY_DIGIT.search(tokens[-k + 1]):
                break
            word = tokens[-k]
            if len(word) >= 5 and not _ANY_DIGIT.search(word):
                found = _lookup([word], lang, True)
                if found is not None and found not in ("once", "sale"):
                    return found
            elif k == 2 and len(word) >= 3 and len(tokens[-1]) >= 5 and lang:
                # A short rate adjective of the text's own language before one word
                # ("évi bruttó 2,4 millió Ft", "roční hrubá"): its own table only.
                own = _unit_words(lang)[0] if "+" not in lang else {}
                found = own.get(word)
                if found is not None and found not in ("once", "sale"):
                    return found
        # "Kotizacija za prijavu 20.000 din": a fee or sale word a few words before.
        for end in range(len(tokens) - 1, 0, -1):
            found = _lookup(tokens[:end], lang, False)
            if found in ("once", "sale"):
                return found
    return unit


@cache
def _sale_words() -> tuple[frozenset[str], dict[str, tuple[str, ...]]]:
    """(the sale words of one word, first word -> the sale phrases it opens), as words
    joined by single spaces (\"o.n.o\" is \"o n o\"); looked up word by word, not by a regex
    of every language's words tried at every position."""
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
    single: set[str] = set()
    phrases: dict[str, list[str]] = {}
    for w in words:
        parts = _WORD.findall(w)
        if len(parts) == 1:
            single.add(parts[0])
        elif parts:
            phrases.setdefault(parts[0], []).append(" " + " ".join(parts) + " ")
    return frozenset(single), {k: tuple(v) for k, v in phrases.items()}


def _subject_unit(text: str, start: int, lang: str | None) -> str | None:
    """The unit that what the listing offers gives a price without a rate word: a course
    ("Curso intensivo de alemán ... 320 €" is the whole course, `once`), a thing in a
    classified ad ("Ποδήλατο παιδικό ... 90 €", `sale`). What is offered is named in the
    listing's title: its first line, up to 100 characters, before the price."""
    head = text[: min(start, 100)]
    cut = head.find("\n")
    if cut > 0:
        head = head[:cut]
    if not head:
        return None
    folded = fold(head)
    found = [(m.start(), m.group(0)) for m in _TITLE_WORD.finditer(folded)]
    joined = " " + " ".join(w for _, w in found) + " "
    subjects, jobs = _subject_words(lang or "")
    if any(jobs.unit(w) for _, w in found) or any(p in joined for p in jobs.phrases):
        return None  # a job ad: "Bike courier wanted", "Fahrer mit eigenem Auto gesucht"
    for start, word in found:
        unit = subjects.unit(word)
        if unit is not None:
            # A thing for sale opens the title ("Carrera kids bike, ..."); a course may
            # come later in it ("Scuola di lingue: corso di tedesco").
            return unit if unit != "sale" or start < 40 else None
    return None


def _sale_nearby(text: str, start: int) -> bool:
    """An object or person offered for sale earlier in the same listing ("Vélo à vendre")."""
    single, phrases = _sale_words()
    tokens = _WORD.findall(fold(text[max(0, start - 120) : start]))
    joined = ""
    for tok in tokens:
        if tok in single:
            return True
        if tok in phrases:
            joined = joined or " " + " ".join(tokens) + " "
            if any(p in joined for p in phrases[tok]):
                return True
    return False


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
    region_lang = COUNTRY_LANGUAGE.get(region or "")
    amounts: list[dict] = []
    for m in found:
        value = _parse_amount(m.group("num"))
        if value is None:
            continue
        mult = (m.group("mult") or "").strip().lower()
        if mult:
            value *= 1_000_000 if m.group("mio") else 1000
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
                if (
                    currency == "CHF"
                    and fold(before.group(1)).rstrip(". ") == "fr"
                    and (value < 20 or _TIME_AFTER.match(text, end))
                ):
                    currency = None  # "Mo–Fr. 8–17 Uhr" is a weekday
                if currency:
                    cur_start = before.start()
        amounts.append(
            {"value": value, "start": cur_start, "end": cur_end, "num": (start, end),
             "currency": currency, "before": currency is not None and cur_start < start,
             "mult": (1_000_000 if m.group("mio") else 1000) if mult else 0,
             "local": bool(mult) and mult != "k"}
        )  # fmt: skip
    # Ranges: an amount without a currency joined to the next one that has it, or after one.
    pairs: dict[int, int] = {}
    for i in range(len(amounts) - 1):
        a, b = amounts[i], amounts[i + 1]
        between = text[a["end"] : b["start"]]
        if len(between) > 14 or not _RANGE.match(between):
            continue
        if a["currency"] is None and b["currency"] is not None and not b["before"]:
            if a["value"] >= b["value"] and not (b["mult"] and not a["mult"]):
                continue  # a range rises: "iPhone 15 a 12 €" is a model and a price
            a["currency"] = b["currency"]
            pairs[i] = i + 1
            if b["mult"] and not a["mult"] and a["value"] < 1000:
                a["value"] *= b["mult"]  # "30 до 40 тис.", "9-11 tys. zł": both ends
        elif (
            a["currency"] is not None
            and b["currency"] == a["currency"]
            and not b["before"]
            and between.strip().lower() not in _CONJUNCTIONS
        ):
            pairs[i] = i + 1  # "1 900 € à 2 100 € net par mois": the rate of both
        elif a["currency"] is not None and a["before"] and b["currency"] is None:
            b["currency"] = a["currency"]
            pairs[i] = i + 1
        elif a["currency"] is not None and b["currency"] == a["currency"] and a["before"]:
            pairs[i] = i + 1
    # An amount in thousands with its currency left implicit ("за час 6 тыс., за ночь
    # 25 тыс. руб."): the currency of the listing's nearest price, else the country's when
    # the thousands are a word of a language ("тыс.", "tys.", not "k": "10k im Monat" in
    # an ad for Dubai says nothing of the currency); kept only next to a rate word (below).
    implicit: set[int] = set()
    for i, a in enumerate(amounts):
        if a["currency"] is None and a["mult"]:
            near = [b for b in amounts if b["currency"] is not None]
            if near:
                a["currency"] = min(near, key=lambda b: abs(b["start"] - a["start"]))["currency"]
            elif a["local"] and (region in _REGION_CURRENCY or region in _EURO_REGIONS):
                a["currency"] = _REGION_CURRENCY.get(region or "", "EUR")
            if a["currency"] is not None:
                implicit.add(i)
    out: list[Price] = []
    seen: set[tuple[float, str, str | None]] = set()
    units: dict[int, str | None] = {}
    paired = set(pairs.values())
    floor = 0
    for i, a in enumerate(amounts):
        if a["currency"] is None:
            continue
        unit_lang = lang or _CURRENCY_LANG.get(a["currency"])
        if region_lang and region_lang != unit_lang:
            unit_lang = f"{unit_lang}+{region_lang}" if unit_lang else region_lang
        if i in units:
            unit = units[i]
        else:
            last = i
            while last in pairs:
                last = pairs[last]
            unit = _unit_after(text, amounts[last]["end"], unit_lang)
            if unit is not None and last == i and i not in paired:
                unit = _listed_unit(text, amounts, i, floor, unit, unit_lang) or unit
            if unit is None:
                unit = _unit_before(text, a["start"], floor, unit_lang)
            if unit is None and i not in implicit and _sale_nearby(text, a["start"]):
                unit = "sale"  # (thousands without a currency: "95 тыс. км" is no price)
            if unit is None and i not in implicit:
                unit = _subject_unit(text, a["start"], unit_lang)
            if unit is None and i not in implicit:
                unit = _priced_unit(text, a["start"], amounts[last]["end"], unit_lang)
            j = i
            while j in pairs:
                j = pairs[j]
                units[j] = unit
        floor = a["end"]
        if i in implicit and unit is None:
            continue
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
