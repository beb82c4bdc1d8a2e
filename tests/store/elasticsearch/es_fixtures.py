"""Synthetic listings for the Elasticsearch store tests (clinical text, no real people).

Phones are the libphonenumber example numbers (numbering examples that belong to nobody),
e-mails use example.org, handles and wallets are made up. Also runnable as a worker
process (`python es_fixtures.py MODE ...`) for the two-process and kill tests.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import sys
import time
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import phonenumbers

sys.path.insert(0, str(Path(__file__).resolve().parents[3]))

from crawler.models import Handle, IndicatorHit, Listing, Price, Wallet, listing_id  # noqa: E402

if TYPE_CHECKING:
    from crawler.store.elasticsearch import ElasticsearchStore

PLATFORMS = ["demo-classifieds", "demo-jobs", "demo-forum"]
CATEGORIES = ["jobs", "services", "housing"]
UNITS = ["hour", "night", "month", "once"]
INDICATORS = {
    "movement": "just arrived in town",
    "recruitment_fee": "travel costs are deducted from wages",
    "document_retention": "passport is kept by the employer",
    "employer_housing": "accommodation arranged by the employer",
    "crypto_only_payment": "payment only in crypto",
}
WORDS = ["cleaning", "warehouse", "kitchen", "harvest", "factory", "hostess", "driver", "care"]
BASE_TIME = datetime(2026, 11, 1, tzinfo=UTC)


def example_phones() -> list[str]:
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        num = phonenumbers.example_number_for_type(region, phonenumbers.PhoneNumberType.MOBILE)
        if num is not None:
            out.append(phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164))
    return sorted(set(out))


PHONES = example_phones()


def make_listing(i: int, version: int = 0, seed: int = 7) -> Listing:
    """Listing number i; `version` changes its content (and its price) deterministically."""
    rnd = random.Random(seed * 1_000_003 + i)
    platform = PLATFORMS[i % len(PLATFORMS)]
    word = WORDS[i % len(WORDS)]
    ind_ids = rnd.sample(sorted(INDICATORS), k=rnd.randint(0, 2))
    phrases = [INDICATORS[x] for x in ind_ids]
    phone = PHONES[i % len(PHONES)] if i % 5 else None  # phones shared by many listings
    title = f"{word} work offer number {i}" + (f" revision {version}" if version else "")
    body = f"Position for {word} staff. " + " ".join(phrases) + f" Reference code r{i}."
    listing = Listing(
        id=listing_id(platform, f"https://{platform}.test/ad/{i}"),
        platform=platform,
        url=f"https://{platform}.test/ad/{i}",
        category=CATEGORIES[i % len(CATEGORIES)],
        title=title,
        body=body,
        language="en",
        seller=f"seller{i % 50}",
        location_raw="Rotterdam, NL",
        location="rotterdam",
        country="NL",
        posted_at=BASE_TIME + timedelta(hours=i % 500),
        prices=[
            Price(
                amount=float(100 + (i % 40) * 5 + version * 10),
                currency="EUR",
                unit=UNITS[i % len(UNITS)],
                amount_eur=float(100 + (i % 40) * 5 + version * 10),
            )
        ],
        phones=[phone] if phone else [],
        emails=[f"contact{i % 300}@example.org"] if i % 7 == 0 else [],
        handles=[Handle(service="telegram", handle=f"fixture_{i % 200}")] if i % 3 == 0 else [],
        wallets=[Wallet(chain="btc", address=f"bc1qfixture{i:06d}")] if i % 11 == 0 else [],
        indicators=[IndicatorHit(id=x, evidence=INDICATORS[x], lang="en") for x in ind_ids],
        risk_score=(i * 37) % 101,
        fields={"contract": "temporary", "shift": str(i % 3)},
    )
    listing.fingerprint = listing.compute_fingerprint()
    return listing


def es_store(url: str, values: Mapping[str, str]) -> ElasticsearchStore:
    """A store at `url` built as every command builds it: settings from `values` (names and
    strings as in the environment) over settings/base.py."""
    from crawler.config import crawler_settings
    from crawler.store.elasticsearch import ElasticsearchStore

    return ElasticsearchStore.from_settings(crawler_settings({**values, "STORE_URL": url}))


# -- worker process ------------------------------------------------------------------------
async def _worker(mode: str, url: str, out: Path, count: int, version: int, env: dict) -> None:
    store = es_store(url, env)
    await store.open()
    start_at = float(env.get("FW_START_AT", "0"))
    # A common start time, so that two workers really write at the same moment.
    await asyncio.sleep(max(0.0, start_at - time.time()))
    try:
        if mode == "upsert":
            # Small batches in an order of our own, so two workers interleave.
            order = list(range(count))
            random.Random(os.getpid()).shuffle(order)
            results = {}
            for start in range(0, count, 25):
                chunk = [make_listing(i, version) for i in order[start : start + 25]]
                for r in await store.upsert(chunk, datetime.now(UTC)):
                    results[r.id] = r.outcome.value
            out.write_text(json.dumps({"results": results, "stats": store.stats}))
        elif mode == "spool-forever":
            # Elasticsearch is down: report every acknowledged listing, then wait to be killed.
            with out.open("a") as fh:
                for i in range(count):
                    results = await store.upsert([make_listing(i, version)], datetime.now(UTC))
                    fh.write(json.dumps({"id": results[0].id}) + "\n")
                    fh.flush()
            await asyncio.sleep(3600)
    finally:
        await store.close()


if __name__ == "__main__":
    mode, url, out, count, version = sys.argv[1:6]
    asyncio.run(_worker(mode, url, Path(out), int(count), int(version), dict(os.environ)))
