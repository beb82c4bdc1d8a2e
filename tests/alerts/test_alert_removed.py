"""Removed alerts (crawler.alerts.removed): one alert when a watched listing is marked removed.

Listings are stored in a real SQLite store and marked removed by its `mark_missed` (as a
crawl's close does), then `notify_removed` runs as the close runs it; deliveries go to a
real webhook receiver and a real SMTP server.
- a watched listing (by id), a listing of a watched cluster, a listing carrying a watched
  subject: one alert each, with the removal and the last capture; others: nothing;
- the same removal again (a retry, a second notifier) delivers nothing; a listing that
  returns and is removed again is told again;
- rules files with a bad removed rule name file, field and reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alert_fixtures import WATCHED_PHONE, make_listing, write_rules

from crawler.alerts.removed import notify_removed, removed_alerts
from crawler.alerts.rules import RemovedRule, load_rules
from crawler.alerts.watchlist import AlertConfigError, load_watchlist
from crawler.config import crawler_settings
from crawler.models import EvidenceRef, Listing
from crawler.store import open_store
from crawler.store.base import ListingStore
from crawler.testing.receivers import SmtpReceiver, WebhookReceiver

PLATFORM = "demo-classifieds"
T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)
WALK = timedelta(hours=6)
# Synthetic: phonenumbers' example mobile range for DE.
SHARED_PHONE = "+4915123456780"
AD_TEXT = (
    "Friendly cleaner available for houses and small offices in the city centre. "
    "I bring my own supplies and work carefully on weekdays and some weekends. "
    "References from earlier clients on request, ask for a free visit first."
)


def capture(n: int) -> EvidenceRef:
    return EvidenceRef(
        file=f"warc/{PLATFORM}/{PLATFORM}-run1/00000.warc.gz", offset=1000 * n, length=900,
        record_id=f"<urn:uuid:00000000-0000-0000-0000-00000000000{n}>", sha256=f"{n:x}" * 64,
        uri=f"http://127.0.0.1:9/ad/{n}", captured_at=T0 - WALK,
    )  # fmt: skip


def hook(receiver: WebhookReceiver) -> dict[str, Any]:
    return {"type": "webhook", "url": receiver.url, "secret_env": "ALERTS_WEBHOOK_SECRET"}


@pytest.fixture
async def store(alerts_env: Path) -> AsyncIterator[ListingStore]:
    async with open_store(crawler_settings()) as s:
        yield s


async def remove(store: ListingStore, keep: list[Listing], at: datetime) -> list[Listing]:
    """One complete walk that finds only `keep`, with a threshold of one miss."""
    await store.touch(PLATFORM, [x.id for x in keep], at + timedelta(minutes=1))
    return (await store.mark_missed(PLATFORM, at, 1)).removed


def alerts_of(receiver: WebhookReceiver) -> list[dict[str, Any]]:
    return [d.json()["alert"] for d in receiver.deliveries]


@pytest.mark.e2e
async def test_watched_listings_removed_are_told_once_each(
    alerts_env: Path,
    store: ListingStore,
    webhook: WebhookReceiver,
    smtp: SmtpReceiver,
    monkeypatch: Any,
) -> None:
    # by_id: watched by its id; a and b: one actor cluster (a shared phone), watched by
    # cluster id; phone: carries the watchlist's phone (tag case-0042); quiet: nothing.
    by_id = make_listing("2001", evidence=capture(1))
    a = make_listing("2002", phones=[SHARED_PHONE], body=AD_TEXT, evidence=capture(2))
    b = make_listing("2003", phones=[SHARED_PHONE], body=AD_TEXT)  # the same ad, reposted
    phone = make_listing("2004", phones=[WATCHED_PHONE], evidence=capture(4))
    quiet = make_listing("2005")
    stayed = make_listing("2006", phones=[WATCHED_PHONE])
    await store.upsert([by_id, a, phone, quiet, stayed], T0 - WALK)
    await store.upsert([b], T0 - WALK)
    stored_a = await store.get(a.id)
    assert stored_a is not None and stored_a.cluster_id and stored_a.cluster_size == 2
    monkeypatch.setenv("ALERTS_SMTP_PASSWORD", smtp.password)
    channels = {
        "hook": hook(webhook),
        "mail": {
            "type": "email", "host": "127.0.0.1", "port": smtp.port, "username": smtp.username,
            "password_env": "ALERTS_SMTP_PASSWORD", "from": "alerts@example.org",
            "to": ["analyst@example.org"], "ca_file": str(smtp.ca_file),
        },
    }  # fmt: skip
    rules = [
        {"name": "case-listing", "type": "removed", "listings": [by_id.id], "channels": ["hook", "mail"]},
        {"name": "case-network", "type": "removed", "clusters": [stored_a.cluster_id], "channels": ["hook"]},
        {"name": "case-phone", "type": "removed", "watchlist": {"tags": ["case-0042"]}, "channels": ["hook"]},
        {"name": "elsewhere", "type": "removed", "platforms": ["demo-forum"], "watchlist": True, "channels": ["hook"]},
    ]  # fmt: skip
    write_rules(alerts_env.parent / "rules" / "removed.yaml", channels, rules)

    removed = await remove(store, [stayed], T0)
    assert {x.id for x in removed} == {by_id.id, a.id, b.id, phone.id, quiet.id}
    raised = await notify_removed(store, removed, crawler_settings(), job_id="run-2")
    told = sorted((x.rule, x.listing_id) for x in raised)
    assert told == sorted(
        [("case-listing", by_id.id), ("case-network", a.id), ("case-network", b.id),
         ("case-phone", phone.id)]
    )  # fmt: skip
    assert len(webhook.deliveries) == 4 and len(smtp.messages) == 1
    assert all(d.signature_ok for d in webhook.deliveries)
    got = {(x["rule"], x["listing_id"]): x for x in alerts_of(webhook)}
    first = got[("case-listing", by_id.id)]
    assert first["outcome"] == "removed"
    assert first["removal"]["removed_at"] == "2026-11-02T06:00:00Z"
    assert first["removal"]["last_seen"] == "2026-11-02T00:00:00Z"
    assert first["removal"]["job_id"] == "run-2"
    assert first["removal"]["evidence"]["record_id"] == capture(1).record_id
    assert first["identifiers"] == [{"kind": "listing", "value": by_id.id, "label": None}]
    network = got[("case-network", a.id)]
    assert network["cluster"]["watched"] == [stored_a.cluster_id]
    assert got[("case-phone", phone.id)]["identifiers"][0]["label"] == "case-0042 phone"
    # What the analyst reads by mail: what, since when, and where the capture is kept.
    msg = smtp.messages[0]
    assert str(msg["Subject"]).replace("\r", "").replace("\n", "") == (
        "[flagwatch] case-listing: Listing removed from demo-classifieds since 2026-11-02 06:00 UTC"
    )
    text = msg.get_payload(decode=True).decode()
    assert f"Listing: {by_id.url}" in text
    assert "not found by 1 complete walk(s) in a row since 2026-11-02 06:00 UTC" in text
    assert f"Last capture: {capture(1).file} record {capture(1).record_id}" in text

    # The same removal again (a retry, a second process): nothing new anywhere.
    assert await notify_removed(store, removed, crawler_settings(), job_id="run-2") == []
    assert len(webhook.deliveries) == 4 and len(smtp.messages) == 1
    for _ in range(50):
        saved = await store.list_alerts(rule="case-listing")
        if saved:
            break
        await asyncio.sleep(0.1)
    assert [s["id"] for s in saved] == [first["id"]]

    # It comes back, then is taken down again: a new removal, told again.
    back = T0 + 2 * WALK
    await store.touch(PLATFORM, [by_id.id], back)
    again = await remove(store, [], back + WALK)
    assert by_id.id in {x.id for x in again}
    fresh = await notify_removed(store, again, crawler_settings(), job_id="run-4")
    assert [x.rule for x in fresh if x.listing_id == by_id.id] == ["case-listing"]
    assert len(smtp.messages) == 2


def test_rules_match_removed_listings_only_on_their_subjects(tmp_path: Path) -> None:
    watch = tmp_path / "w.yaml"
    watch.write_text("subjects:\n  - cluster: cl-00aa11\n  - handle: '@someone'\n    tags: [t1]\n")
    watchlist = load_watchlist(watch)
    rule = RemovedRule.model_validate(
        {"name": "r", "type": "removed", "clusters": ["CL-00BB22"], "watchlist": {"kinds": ["cluster"]},
         "platforms": [PLATFORM], "channels": ["c"]}
    )  # fmt: skip
    gone = {"removed_at": T0, "missed_walks": 2}
    merged = make_listing("1", cluster_id="cl-00cc33", **gone)  # in what absorbed cl-00bb22
    watched = make_listing("2", cluster_id="cl-00aa11", **gone)  # a watchlist cluster
    online = make_listing("3", cluster_id="cl-00cc33")  # not removed: never told
    other = make_listing("4", platform="demo-forum", cluster_id="cl-00cc33", **gone)
    plain = make_listing("5", cluster_id="cl-00dd44", **gone)
    resolved = {"cl-00bb22": "cl-00cc33", "cl-00aa11": "cl-00aa11"}
    alerts = removed_alerts([rule], [merged, watched, online, other, plain], watchlist, resolved)
    assert [(x.listing_id, x.cluster.watched if x.cluster else None) for x in alerts] == [
        (merged.id, ["cl-00bb22"]),
        (watched.id, ["cl-00aa11"]),
    ]
    # Unresolved (the store could not say): a watched id stands for itself only.
    assert removed_alerts([rule], [merged], watchlist, {}) == []
    # A removal is one alert per rule: the id holds the removal's time.
    later = make_listing("1", cluster_id="cl-00cc33", removed_at=T0 + WALK)
    ids = {x.id for x in removed_alerts([rule], [merged, later], watchlist, resolved)}
    assert len(ids) == 2


BAD_RULES = [
    ({"listings": ["x"], "channels": []}, "rules.0", "needs at least one channel"),
    ({"channels": ["hook"]}, "rules.0", "needs listings, clusters or watchlist"),
    ({"clusters": ["c-12"], "channels": ["hook"]}, "rules.0.clusters", "not a cluster id"),
    ({"listings": [""], "channels": ["hook"]}, "rules.0.listings", "must not hold empty strings"),
    ({"listings": ["x"], "min_risk": 40, "channels": ["hook"]}, "rules.0.min_risk",
     "not a field of a removed rule"),
    ({"listings": ["x"], "channels": ["nowhere"]}, "rules.0.channels.0", "no channel named"),
]  # fmt: skip


@pytest.mark.parametrize(("rule", "field", "reason"), BAD_RULES)
def test_bad_removed_rules_name_file_field_and_reason(
    tmp_path: Path, rule: dict[str, Any], field: str, reason: str
) -> None:
    path = write_rules(
        tmp_path / "rules.yaml",
        {"hook": {"type": "webhook", "url": "http://127.0.0.1:9/x"}},
        [{"name": "r", "type": "removed", **rule}],
    )
    with pytest.raises(AlertConfigError) as err:
        load_rules(path)
    assert str(path) in str(err.value) and field in str(err.value) and reason in str(err.value)


def test_unknown_rule_type_lists_the_removed_type(tmp_path: Path) -> None:
    path = write_rules(tmp_path / "r.yaml", {}, [{"name": "r", "type": "gone"}])
    with pytest.raises(AlertConfigError, match="one of listing, health, removed"):
        load_rules(path)
    good = write_rules(
        tmp_path / "ok.yaml",
        {"hook": {"type": "webhook", "url": "http://127.0.0.1:9/x"}},
        [{"name": "r", "type": "removed", "listings": ["abc"], "channels": ["hook"]}],
    )
    rules = load_rules(good)
    assert [r.name for r in rules.active_removed] == ["r"] and rules.active == []
