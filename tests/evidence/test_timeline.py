"""`crawler timeline`: an identifier's or a cluster's listings and versions in time order,
with the moves between cities; the pure logic on a case table, the command on both stores.
Synthetic, clinical listings only (docs/SAFETY)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import phonenumbers
import pytest

from crawler.cli.main import main
from crawler.config import crawler_settings
from crawler.evidence.timeline import (
    date_range,
    moves,
    moves_text,
    price_text,
    timeline,
)
from crawler.models import EvidenceRef, Listing, Price, PricePoint, listing_id
from crawler.store.sqlite import SqliteStore

T0 = datetime(2026, 1, 2, 10, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PHONE = phonenumbers.format_number(
    phonenumbers.example_number_for_type("NL", phonenumbers.PhoneNumberType.MOBILE),
    phonenumbers.PhoneNumberFormat.E164,
)
# One poster's ad text (the store links listings by shared contacts and wording).
AD_TEXT = (
    "Friendly cleaner available for houses and small offices in the city centre. "
    "I bring my own supplies and work carefully on weekdays and some weekends. "
    "References from earlier clients on request, ask for a free visit first."
)
HOSTILE_CITY = "\x1b]0;owned\x07amsterdam\u202e, nl"


def ref(n: int, at: datetime) -> EvidenceRef:
    return EvidenceRef(
        file=f"warc/demo-classifieds/job-{n:04d}/demo-classifieds-job-{n:04d}-00001.warc.gz",
        offset=100 * n,
        length=90,
        record_id=f"<urn:uuid:00000000-0000-0000-0000-{n:012d}>",
        sha256="0" * 64,
        uri=f"http://demo-classifieds.test/ad/{n}",
        captured_at=at,
    )


def eur(amount: float, unit: str = "hour") -> list[Price]:
    return [Price(amount=amount, currency="EUR", unit=unit)]


def listing(key: str, city: str | None, first: datetime, **kw: object) -> Listing:
    return Listing(
        id=listing_id("demo-classifieds", key),
        platform="demo-classifieds",
        url=f"http://demo-classifieds.test/ad/{key}",
        title=f"Cleaning work {key}",
        body=AD_TEXT,
        location=city,
        first_seen=first,
        last_seen=kw.pop("last_seen", first),  # type: ignore[arg-type]
        **kw,  # type: ignore[arg-type]
    )


def test_events_come_in_time_order_with_every_version() -> None:
    a = listing(
        "a",
        "amsterdam, nl",
        T0,
        last_seen=T0 + 5 * DAY,
        price_history=[
            PricePoint(at=T0 + 3 * DAY, prices=eur(150), evidence=ref(2, T0 + 3 * DAY)),
            PricePoint(at=T0, prices=eur(120), evidence=ref(1, T0)),
        ],
        removed_at=T0 + 6 * DAY,
        evidence=ref(2, T0 + 3 * DAY),
    )
    b = listing(
        "b",
        "rotterdam, nl",
        T0 + DAY,
        price_history=[PricePoint(at=T0 + DAY, prices=eur(100, "night"))],
        returned_at=T0 + 8 * DAY,
        evidence=ref(3, T0 + 8 * DAY),
    )
    got = [
        (e.at - T0, e.kind, e.listing_id, price_text(e.prices), e.evidence)
        for e in timeline([b, a])
    ]
    assert got == [
        (timedelta(0), "first seen", a.id, "120 EUR/hour", ref(1, T0)),
        (DAY, "first seen", b.id, "100 EUR/night", None),  # capture was off then
        (3 * DAY, "price", a.id, "150 EUR/hour", ref(2, T0 + 3 * DAY)),
        (6 * DAY, "removed", a.id, "", ref(2, T0 + 3 * DAY)),  # its last capture, kept
        (8 * DAY, "returned", b.id, "", ref(3, T0 + 8 * DAY)),
    ]


@pytest.mark.parametrize(
    ("cities", "expected"),
    [
        ([], ""),
        (["amsterdam, nl"], "amsterdam, nl (1 listing, 2026-01-02)"),
        (
            ["amsterdam, nl", "amsterdam, nl", "rotterdam, nl", "amsterdam, nl"],
            "amsterdam, nl (2 listings, 2026-01-02..01-03) -> rotterdam, nl (1 listing, "
            "2026-01-04) -> amsterdam, nl (1 listing, 2026-01-05)",
        ),
        (
            [None, "utrecht, nl"],
            "unknown city (1 listing, 2026-01-02) -> utrecht, nl (1 listing, 2026-01-03)",
        ),
    ],
)
def test_moves_group_consecutive_listings_by_city(cities: list[str | None], expected: str) -> None:
    listings = [listing(str(i), c, T0 + i * DAY) for i, c in enumerate(cities)]
    assert moves_text(moves(list(reversed(listings)))) == expected


def test_a_stay_lasts_until_its_listings_were_last_seen() -> None:
    stays = moves([listing("a", "gent, be", T0, last_seen=T0 + 400 * DAY)])
    assert [date_range(s.first, s.last) for s in stays] == ["2026-01-02..2027-02-06"]
    assert date_range(T0, T0 + 7 * DAY) == "2026-01-02..01-09"


async def upserted(store: SqliteStore | object) -> dict[str, str]:
    """Three listings with one phone across two cities, a price change, and one hostile city
    (first and last seen are the store's)."""
    unseen = {"first_seen": None, "last_seen": None}
    a = listing("a", "amsterdam, nl", T0).model_copy(
        update={"phones": [PHONE], "prices": eur(120), **unseen}
    )
    b = listing("b", "rotterdam, nl", T0).model_copy(
        update={"phones": [PHONE], "prices": eur(90), **unseen}
    )
    h = listing("h", HOSTILE_CITY, T0).model_copy(update={"phones": [PHONE], **unseen})
    await store.upsert([a.model_copy(update={"evidence": ref(1, T0)})], T0)  # type: ignore[attr-defined]
    await store.upsert([b], T0 + 2 * DAY)  # type: ignore[attr-defined]
    await store.upsert(
        [a.model_copy(update={"prices": eur(150), "evidence": ref(2, T0 + 3 * DAY)})], T0 + 3 * DAY
    )  # type: ignore[attr-defined]
    await store.upsert([h], T0 + 4 * DAY)  # type: ignore[attr-defined]
    if hasattr(store, "refresh"):  # Elasticsearch: searchable now, not within a second
        await store.refresh()
    return {"a": a.id, "b": b.id, "h": h.id}


def check_output(text: str, ids: dict[str, str]) -> None:
    lines = text.splitlines()
    assert lines[0] == f"identifier {PHONE}: 3 listing(s), 4 event(s)"
    assert [line[:16] for line in lines[1:5]] == [
        "2026-01-02 10:00",
        "2026-01-04 10:00",
        "2026-01-05 10:00",
        "2026-01-06 10:00",
    ]
    assert (
        ids["a"] in lines[1] and "120 EUR/hour" in lines[1] and ref(1, T0).file + "#100" in lines[1]
    )
    assert ids["b"] in lines[2] and "rotterdam, nl" in lines[2] and lines[2].endswith("no capture")
    assert ids["a"] in lines[3] and "150 EUR/hour" in lines[3] and lines[3].endswith("#200")
    assert ids["h"] in lines[4]
    assert lines[5] == (
        "moves: amsterdam, nl (1 listing, 2026-01-02..01-05) -> rotterdam, nl (1 listing, "
        "2026-01-04) -> \\x1b]0;owned\\x07amsterdam\\u202e, nl (1 listing, 2026-01-06)"
    )
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text


def test_the_command_prints_an_identifiers_timeline_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import asyncio

    db = tmp_path / "crawler.db"

    async def go() -> tuple[dict[str, str], list[str]]:
        async with SqliteStore(db) as store:
            ids = await upserted(store)
            summary = await store.cluster_summary(f"cl-{ids['a']}")
            assert summary is not None
            return ids, summary.members

    ids, members = asyncio.run(go())
    argv = ["-s", f"STORE_URL=sqlite:///{db}", "timeline"]
    national = phonenumbers.format_number(
        phonenumbers.parse(PHONE), phonenumbers.PhoneNumberFormat.NATIONAL
    )
    assert main([*argv, national]) == 0
    out = capsys.readouterr().out.replace(f"identifier {national}", f"identifier {PHONE}")
    check_output(out, ids)

    assert main([*argv, "--json", PHONE]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert [(e["kind"], e["listing_id"]) for e in doc["events"]] == [
        ("first seen", ids["a"]),
        ("first seen", ids["b"]),
        ("price", ids["a"]),
        ("first seen", ids["h"]),
    ]
    assert doc["moves"][2]["city"] == HOSTILE_CITY  # JSON is exact (it escapes itself)

    cluster = f"cl-{ids['a']}"
    assert main([*argv, "--cluster", cluster]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"cluster {cluster}: {len(members)} listing(s)") and len(members) >= 2
    assert all(m in shown for m in members)
    assert main([*argv, "+31000000000"]) == 1
    assert "no listing for identifier" in capsys.readouterr().err
    assert main([*argv]) == 2


@pytest.mark.elasticsearch
async def test_the_timeline_reads_the_elasticsearch_store(
    es_server: object, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from crawler.cli.timeline import listings_of
    from crawler.store.elasticsearch import ElasticsearchStore

    values = {
        "STORE_URL": es_server.url,  # type: ignore[attr-defined]
        "STORE_INDEX_PREFIX": f"tl{abs(hash(str(tmp_path))) % 10**8}",
        "STORE_SPOOL_DIR": str(tmp_path / "spool"),
    }
    async with ElasticsearchStore.from_settings(
        crawler_settings(environ={}, overrides=values)
    ) as store:
        ids = await upserted(store)
        by_phone = await listings_of(store, PHONE, None)
        by_cluster = await listings_of(store, None, f"cl-{ids['a']}")
        summary = await store.cluster_summary(f"cl-{ids['a']}")
    assert {x.id for x in by_phone} == set(ids.values())
    assert summary is not None and len(summary.members) >= 2
    assert sorted(x.id for x in by_cluster) == sorted(summary.members)
    events = timeline(by_phone)
    assert [(e.kind, e.listing_id, price_text(e.prices)) for e in events] == [
        ("first seen", ids["a"], "120 EUR/hour"),
        ("first seen", ids["b"], "90 EUR/hour"),
        ("price", ids["a"], "150 EUR/hour"),
        ("first seen", ids["h"], ""),
    ]
    assert moves_text(moves(by_phone)).startswith("amsterdam, nl (1 listing, 2026-01-02..01-05)")
