"""Synthetic listings for the store tests: built by code, clinical text, numbers nobody owns.

Phones are phonenumbers' example numbers (one per region and type), e-mails use example.org,
wallet addresses are generated from a hash (not real addresses).
"""

from __future__ import annotations

import hashlib
from functools import cache

import phonenumbers

from crawler.models import Handle, IndicatorHit, Listing, Price, Wallet, listing_id


@cache
def example_phones() -> list[str]:
    """Distinct E.164 example numbers, mobile and fixed line, over every region."""
    out: list[str] = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is None:
                continue
            e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
            if e164 not in out:
                out.append(e164)
    return out


def example_phone(region: str) -> str:
    number = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def generated_wallet(seed: str) -> Wallet:
    return Wallet(chain="eth", address="0x" + hashlib.sha256(seed.encode()).hexdigest()[:40])


def make_listing(
    n: int,
    platform: str = "demo-classifieds",
    *,
    title: str | None = None,
    body: str = "Synthetic listing text.",
    price: float | None = 100.0,
    unit: str = "hour",
    phones: list[str] | None = None,
    emails: list[str] | None = None,
    handles: list[Handle] | None = None,
    wallets: list[Wallet] | None = None,
    indicators: list[str] = (),  # type: ignore[assignment]
    risk: int = 0,
    category: str | None = "adult",
    location_raw: str | None = None,
    list_fingerprint: str | None = None,
) -> Listing:
    """Listing number `n` of a platform, with its content fingerprint computed."""
    listing = Listing(
        id=listing_id(platform, f"/listing/{n}"),
        platform=platform,
        url=f"http://127.0.0.1/listing/{n}",
        category=category,
        title=title if title is not None else f"Listing {n}",
        body=body,
        location_raw=location_raw,
        prices=[Price(amount=price, currency="EUR", unit=unit, amount_eur=price)]
        if price is not None
        else [],
        phones=phones or [],
        emails=emails or [],
        handles=handles or [],
        wallets=wallets or [],
        indicators=[
            IndicatorHit(id=i, evidence=i.replace("_", " "), lang="en") for i in indicators
        ],
        risk_score=risk,
        list_fingerprint=list_fingerprint,
    )
    listing.fingerprint = listing.compute_fingerprint()
    return listing


def edited(listing: Listing, **changes: object) -> Listing:
    """The same listing with some fields changed and its fingerprint recomputed."""
    out = listing.model_copy(update=changes, deep=True)
    out.fingerprint = out.compute_fingerprint()
    return out
