"""Synthetic listings and rule files for the alert tests (imported by the test modules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from crawler.models import Handle, IndicatorHit, Listing, Price, listing_id

WEBHOOK_SECRET = "test-only-webhook-secret"
# Synthetic numbers: phonenumbers.example_number_for_type(region, MOBILE) ranges.
WATCHED_PHONE = "+31612345678"
OTHER_PHONE = "+4915123456789"


def make_listing(key: str, platform: str = "demo-classifieds", **kw: Any) -> Listing:
    listing = Listing(
        id=listing_id(platform, key),
        platform=platform,
        url=f"http://127.0.0.1:9/ad/{key}",
        category=kw.pop("category", "escort"),
        title=kw.pop("title", f"Listing {key}"),
        body=kw.pop("body", "Clinical synthetic text. Just arrived in town."),
        **kw,
    )
    listing.fingerprint = listing.compute_fingerprint()
    return listing


def indicators(*ids: str) -> list[IndicatorHit]:
    return [IndicatorHit(id=i, evidence=f"phrase for {i}", lang="en") for i in ids]


def matching_listing(key: str = "1001", **kw: Any) -> Listing:
    """A listing the `movement-control` rule below matches."""
    return make_listing(
        key,
        indicators=indicators("movement", "third_party_control"),
        risk_score=kw.pop("risk_score", 72),
        phones=kw.pop("phones", [WATCHED_PHONE, OTHER_PHONE]),
        handles=kw.pop("handles", [Handle(service="telegram", handle="example_booking_desk")]),
        prices=kw.pop("prices", [Price(amount=50, currency="EUR", unit="hour", amount_eur=50)]),
        **kw,
    )


def write_rules(path: Path, channels: dict[str, Any], rules: list[dict[str, Any]]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump({"channels": channels, "rules": rules}, sort_keys=False))
    return path
