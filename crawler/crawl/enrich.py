"""From a raw scraped record to a Listing document, one stage at a time.

Each function is one pipeline stage (pipelines/ calls them): build the Listing from the
raw fields, then add prices, contacts, indicators and risk. The extraction itself lives in
crawler.extract (pure functions); this module decides which fields feed which extractor.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from crawler import extract as ex
from crawler.crawl.fields import clean_text
from crawler.crawl.items import RawListing
from crawler.extract.language import COUNTRY_LANGUAGE, TextWords
from crawler.extract.textclean import Removed, clean_text_counted
from crawler.models import IndicatorHit, Listing
from crawler.profiles import DETAIL_FIELDS

# Detail fields with a meaning of their own; anything else is kept in Listing.fields.
KNOWN_FIELDS = DETAIL_FIELDS

_DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d", "%d.%m.%Y %H:%M", "%d.%m.%Y", "%d/%m/%Y", "%d-%m-%Y")


def parse_date(value: str | None) -> datetime | None:
    if not value:
        return None
    value = value.strip()
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        dt = None
        for fmt in _DATE_FORMATS:
            try:
                dt = datetime.strptime(value, fmt)
                break
            except ValueError:
                continue
    if dt is None:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def parse_age(value: str | None) -> int | None:
    if not value:
        return None
    m = re.search(r"\b(\d{1,2})\b", value)
    return int(m.group(1)) if m else None


def _untrusted_text(fields: dict[str, Any]) -> tuple[dict[str, Any], Removed]:
    """Page fields without invisible format and control characters, whitespace collapsed."""
    removed = Removed()
    text: dict[str, Any] = {}
    for name, value in fields.items():
        if isinstance(value, str):
            value, gone = clean_text_counted(value)
            removed += gone
            value = clean_text(value)
        text[name] = value
    return text, removed


def build_listing(raw: RawListing) -> Listing:
    """Stage 1 (normalise): a Listing with cleaned text fields, no extraction yet.

    Page text is untrusted: format characters (zero-width, bidi controls) that could hide
    a number from extraction and control characters that could reach a terminal are
    removed, and the removal is recorded in `alterations` (obfuscation is itself a signal).
    """
    fields = raw.fields
    text, removed = _untrusted_text(fields)
    # The later stages read the raw fields too (phone, contact): they get the clean text.
    fields.update(text)
    alterations = list(raw.alterations)
    if removed.format:
        alterations.append(
            f"text: {removed.format} invisible format character(s) removed (zero-width, bidi "
            "controls, soft hyphens)"
        )
    if removed.control:
        alterations.append(f"text: {removed.control} control character(s) removed")
    undecodable = sum(v.count("\ufffd") for v in text.values() if isinstance(v, str))
    if undecodable:
        alterations.append(
            f"text: {undecodable} byte sequence(s) not valid in the page's declared encoding "
            "(shown as \ufffd)"
        )
    location_raw = text.get("location")
    return Listing(
        id=raw.id,
        platform=raw.platform,
        url=raw.url,
        network=raw.network or "clearnet",
        category=text.get("category") or raw.category,
        listing_key=raw.key or text.get("listing_key"),
        title=text.get("title") or "",
        body=text.get("body") or "",
        seller=text.get("seller"),
        location_raw=location_raw,
        location=ex.normalise_location(location_raw, raw.country) if location_raw else None,
        country=raw.country,
        language=raw.language,
        posted_at=parse_date(text.get("posted_at")),
        stated_age=parse_age(text.get("age")),
        list_fingerprint=raw.list_fingerprint,
        evidence_sha256=raw.evidence_sha256,
        evidence=raw.evidence,
        fields={k: v for k, v in text.items() if k not in KNOWN_FIELDS and v is not None},
        alterations=alterations,
    )


def _contact_text(listing: Listing, fields: dict[str, Any]) -> str:
    extra = " \n ".join(str(fields[k]) for k in ("phone", "email", "contact") if fields.get(k))
    return f"{listing.title}\n{listing.body}\n{extra}"


def add_language(listing: Listing) -> None:
    """The language of title and body, detected the way `crawler extract` does (the
    platform's country is a hint); the profile's language when it cannot tell."""
    hint = COUNTRY_LANGUAGE.get(listing.country.upper()) if listing.country else None
    detected = ex.detect_language(ex.clean(f"{listing.title}\n{listing.body}"), hint=hint)
    listing.language = detected or listing.language


def add_prices(listing: Listing, fields: dict[str, Any]) -> None:
    """Stage 2: prices from the price field, then from the text (a body often lists more rates)."""
    lang, country = listing.language, listing.country
    prices = ex.extract_prices(fields["price"], lang, country) if fields.get("price") else []
    seen = {(p.amount, p.currency, p.unit) for p in prices}
    for p in ex.extract_prices(f"{listing.title}\n{listing.body}", lang, country):
        key = (p.amount, p.currency, p.unit)
        if key in seen or (p.unit is None and any((p.amount, p.currency) == k[:2] for k in seen)):
            continue
        seen.add(key)
        prices.append(p)
    listing.prices = prices


def add_contacts(listing: Listing, fields: dict[str, Any]) -> None:
    """Stage 3: phones (E.164 with the platform's region hint), e-mails, handles, wallets."""
    text = ex.clean(_contact_text(listing, fields))
    words = TextWords.of(text)  # split once for the four extractors, as extract() does
    listing.phones = ex.extract_phones(text, listing.country, words=words)
    listing.emails = ex.extract_emails(text, words=words)
    listing.handles = ex.extract_handles(text, listing.country, words=words)
    listing.wallets = ex.extract_wallets(text, words=words)


def add_indicators(listing: Listing, fields: dict[str, Any]) -> None:
    """Stage 4: indicator hits with evidence, and the risk score with its explanation.

    The hits are those of `crawler extract` on the same text and fields (crawler.extract.
    extract_indicators is extract's own indicator step: cleaned text, structured fields
    such as a stated age), so that what is measured on held-out text is what the crawl
    stores."""
    hits = ex.extract_indicators(
        f"{listing.title}\n{listing.body}",
        lang=listing.language,
        country=listing.country,
        fields={k: v for k, v in fields.items() if k != "price"},
    )
    for hit in hits:
        if hit.field is None:
            hit.field = "title" if hit.evidence in listing.title else "body"
    if (
        listing.stated_age is not None
        and listing.stated_age < 18
        and not any(h.id == "minor_age_stated" for h in hits)
    ):
        hits.append(
            IndicatorHit(
                id="minor_age_stated",
                evidence=f"age: {listing.stated_age}",
                lang=listing.language,
                weight=1.0,
                field="age",
            )
        )
    listing.indicators = hits
    listing.risk_score, listing.risk_explanation = ex.score(hits, extras={})
