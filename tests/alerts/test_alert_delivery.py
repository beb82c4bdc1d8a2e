"""Engine + outbox + channels end to end, with a real SQLite store and real receivers.

The listing flow is the pipelines' (before_store -> store.upsert -> after_store); the
receivers are a real aiohttp server and a real aiosmtpd server with STARTTLS and AUTH.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from alert_fixtures import OTHER_PHONE, WATCHED_PHONE, make_listing, matching_listing, write_rules

from crawler.alerts.config import AlertsConfig
from crawler.alerts.engine import AlertEngine
from crawler.alerts.outbox import Outbox
from crawler.config import crawler_settings
from crawler.models import Listing, utcnow
from crawler.store import open_store
from crawler.testing.receivers import SmtpReceiver, WebhookReceiver

pytestmark = pytest.mark.e2e  # real servers or crawl processes

RULE_MOVEMENT = {
    "name": "movement-control",
    "description": "newly arrived, run by a third party",
    "indicators": {"all": ["movement", "third_party_control"]},
    "watchlist": True,
    "channels": ["hook"],
}


def hook(receiver: WebhookReceiver) -> dict[str, Any]:
    return {"type": "webhook", "url": receiver.url, "secret_env": "ALERTS_WEBHOOK_SECRET"}


async def open_engine(**kw: Any) -> AlertEngine:
    store = open_store(crawler_settings())
    engine = AlertEngine.load(AlertsConfig.from_settings(crawler_settings()), store, **kw)
    await store.open()
    await engine.recover()
    engine.start_delivery()
    return engine


async def close_engine(engine: AlertEngine, drain: bool = True) -> None:
    store = engine.store
    await engine.close(drain=drain)
    assert store is not None
    await store.close()


async def store_listing(engine: AlertEngine, listing: Listing) -> list[Any]:
    """What the pipelines do for one item."""
    assert engine.store is not None
    await engine.before_store(listing, time.time())
    [result] = await engine.store.upsert([listing], utcnow())
    return await engine.after_store(result, time.time())


async def test_new_matching_listing_reaches_every_channel(
    alerts_env: Path, webhook: WebhookReceiver, smtp: SmtpReceiver, monkeypatch: Any, request: Any
) -> None:
    monkeypatch.setenv("ALERTS_SMTP_PASSWORD", smtp.password)
    chat = WebhookReceiver().start()  # chat webhooks are not signed
    request.addfinalizer(chat.stop)
    jsonl = alerts_env / "alerts.jsonl"
    channels = {
        "hook": hook(webhook),
        "chat": {"type": "slack", "url": chat.url.replace("/alerts", "/slack")},
        "mail": {
            "type": "email", "host": "127.0.0.1", "port": smtp.port, "username": smtp.username,
            "password_env": "ALERTS_SMTP_PASSWORD", "from": "alerts@example.org",
            "to": ["analyst@example.org"], "ca_file": str(smtp.ca_file),
        },
        "archive": {"type": "jsonl", "path": str(jsonl)},
    }  # fmt: skip
    rule = {**RULE_MOVEMENT, "channels": ["hook", "chat", "mail", "archive"]}
    write_rules(alerts_env.parent / "rules" / "r.yaml", channels, [rule])

    engine = await open_engine()
    hit = matching_listing("2001")
    miss = make_listing("2002", indicators=[], phones=[WATCHED_PHONE])
    t0 = time.time()
    raised = await store_listing(engine, hit)
    assert await store_listing(engine, miss) == []
    assert len(raised) == 1
    assert await asyncio.to_thread(webhook.wait_for, 1, 10)
    assert await asyncio.to_thread(chat.wait_for, 1, 10)
    latency = max(d.received_at for d in webhook.deliveries + chat.deliveries) - t0
    assert await asyncio.to_thread(smtp.wait_for, 1, 20)
    assert await engine.drain(20) == 0
    states = engine.outbox.delivery_states([raised[0].id])[raised[0].id]
    assert sorted((d["channel"], d["state"]) for d in states) == [
        ("archive", "delivered"), ("chat", "delivered"), ("hook", "delivered"), ("mail", "delivered")
    ]  # fmt: skip
    await close_engine(engine)

    # Webhook: signed, idempotency key, the alert with link, indicators, watched identifiers.
    [wh] = webhook.deliveries
    assert wh.signature_ok is True
    body = wh.json()
    assert body["idempotency_key"] == wh.key
    alert = body["alert"]
    assert (alert["rule"], alert["url"], alert["outcome"]) == ("movement-control", hit.url, "new")
    assert {i["id"] for i in alert["indicators"]} == {"movement", "third_party_control"}
    assert [(i["kind"], i["value"]) for i in alert["identifiers"]] == [("phone", WATCHED_PHONE)]
    # No more personal data than the rule needs: the unwatched phone and the body stay home.
    assert OTHER_PHONE not in wh.body.decode() and hit.body not in wh.body.decode()
    assert latency < 5.0

    # Slack-compatible payload shape.
    [sl] = chat.deliveries
    assert sl.path == "/slack"
    payload = sl.json()
    assert hit.url in payload["text"]
    assert payload["blocks"][0]["type"] == "section"
    assert payload["blocks"][0]["text"]["type"] == "mrkdwn"

    # E-mail: over STARTTLS after AUTH, one message with the link and the rule.
    [msg] = smtp.messages
    assert smtp.tls_used == [True] and smtp.auth_failures == 0
    assert "movement-control" in msg["Subject"]
    text = msg.get_payload(decode=True).decode()
    assert hit.url in text and WATCHED_PHONE in text and OTHER_PHONE not in text

    # JSON lines: one line; the store keeps the alert too.
    lines = jsonl.read_text().splitlines()
    assert len(lines) == 1 and json.loads(lines[0])["alert"]["listing_id"] == hit.id
    async with open_store(crawler_settings()) as store:
        stored = await store.list_alerts()
    assert [a["id"] for a in stored] == [raised[0].id]


async def test_unchanged_does_not_alert_and_changed_only_when_asked(
    alerts_env: Path, webhook: WebhookReceiver
) -> None:
    rules = [
        RULE_MOVEMENT,
        {**RULE_MOVEMENT, "name": "movement-control-edits", "on": "new_or_changed"},
    ]
    write_rules(alerts_env.parent / "rules" / "r.yaml", {"hook": hook(webhook)}, rules)
    engine = await open_engine()
    listing = matching_listing("3001")
    first = await store_listing(engine, listing)
    assert sorted(a.rule for a in first) == ["movement-control", "movement-control-edits"]
    # Re-crawl, same content: unchanged, nothing.
    assert await store_listing(engine, matching_listing("3001")) == []
    # Edited: only the new_or_changed rule fires, as a new alert (new listing version).
    edited = matching_listing("3001", body="Clinical synthetic text. Just arrived. Price updated.")
    second = await store_listing(engine, edited)
    assert [(a.rule, a.outcome) for a in second] == [("movement-control-edits", "changed")]
    assert second[0].id not in {a.id for a in first}
    assert await engine.drain(20) == 0
    await close_engine(engine)
    assert len(webhook.keys) == 3 and len(webhook.deliveries) == 3


async def test_receiver_down_then_up_delivers_exactly_once(
    alerts_env: Path, webhook: WebhookReceiver
) -> None:
    write_rules(alerts_env.parent / "rules" / "r.yaml", {"hook": hook(webhook)}, [RULE_MOVEMENT])
    webhook.stop()  # the receiver is down when the alert is raised
    engine = await open_engine()
    [alert] = await store_listing(engine, matching_listing("4001"))
    await asyncio.sleep(2.5)  # several failed attempts (backoff 0.2 s .. 1 s)
    outbox = Outbox(alerts_env / "outbox.db")
    [state] = outbox.delivery_states([alert.id])[alert.id]
    assert state["state"] == "pending" and state["attempts"] >= 2
    webhook.start()  # same port
    assert await engine.drain(20) == 0
    await asyncio.sleep(1.5)  # nothing more may arrive after success
    await close_engine(engine)
    assert len(webhook.deliveries) == 1 and len(webhook.keys) == 1
    [state] = outbox.delivery_states([alert.id])[alert.id]
    assert state["state"] == "delivered"
    outbox.close()


async def test_receiver_errors_are_retried_and_receiver_dedups_by_key(
    alerts_env: Path, webhook: WebhookReceiver
) -> None:
    write_rules(alerts_env.parent / "rules" / "r.yaml", {"hook": hook(webhook)}, [RULE_MOVEMENT])
    webhook.fail_with = 503
    engine = await open_engine()
    await store_listing(engine, matching_listing("5001"))
    assert await asyncio.to_thread(webhook.wait_for, 3, 15, False)  # three raw attempts
    webhook.fail_with = None
    assert await engine.drain(20) == 0
    await close_engine(engine)
    # Every attempt carried the same key: a receiver that dedups keeps exactly one alert.
    assert len(webhook.deliveries) >= 4
    assert len({d.key for d in webhook.deliveries}) == 1


async def test_receiver_down_across_a_restart(alerts_env: Path, webhook: WebhookReceiver) -> None:
    write_rules(alerts_env.parent / "rules" / "r.yaml", {"hook": hook(webhook)}, [RULE_MOVEMENT])
    webhook.stop()
    engine = await open_engine()
    await store_listing(engine, matching_listing("6001"))
    engine.config = dataclasses.replace(engine.config, drain_timeout=1.0)
    await close_engine(engine)  # the crawl ends while the receiver is still down
    assert webhook.deliveries == []
    webhook.start()
    from crawler.alerts.cli import deliver_outbox

    assert (
        await deliver_outbox(
            AlertsConfig.from_settings(crawler_settings()), crawler_settings(), timeout=20
        )
        == 0
    )
    assert (
        await deliver_outbox(
            AlertsConfig.from_settings(crawler_settings()), crawler_settings(), timeout=5
        )
        == 0
    )
    assert len(webhook.deliveries) == 1 and len(webhook.keys) == 1


async def test_two_couriers_on_one_outbox_never_send_twice(
    alerts_env: Path, webhook: WebhookReceiver
) -> None:
    write_rules(alerts_env.parent / "rules" / "r.yaml", {"hook": hook(webhook)}, [RULE_MOVEMENT])
    producer = await open_engine(deliver=False)
    for i in range(30):
        await store_listing(producer, matching_listing(f"70{i:02d}"))
    await close_engine(producer, drain=False)
    a, b = await open_engine(), await open_engine()
    await asyncio.gather(a.drain(20), b.drain(20))
    await close_engine(a)
    await close_engine(b)
    assert len(webhook.keys) == 30
    assert len(webhook.deliveries) == 30


async def test_cli_list_and_dry_run(alerts_env: Path, webhook: WebhookReceiver) -> None:
    write_rules(alerts_env.parent / "rules" / "r.yaml", {"hook": hook(webhook)}, [RULE_MOVEMENT])
    engine = await open_engine()
    hit = matching_listing("8001")
    await store_listing(engine, hit)
    await store_listing(engine, make_listing("8002", indicators=[]))
    assert await engine.drain(20) == 0
    await close_engine(engine)

    async def crawler(*args: str) -> str:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "crawler", "alerts", *args,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
        )  # fmt: skip
        async with asyncio.timeout(120):
            out, _ = await proc.communicate()
        assert proc.returncode == 0, out.decode()
        return out.decode()

    listed = await crawler("list")
    assert "movement-control" in listed and hit.url in listed and "hook=delivered" in listed
    dry = await crawler("test", "movement-control")
    assert hit.url in dry and "1 of 2 stored listing(s) match" in dry
    assert len(webhook.deliveries) == 1  # the dry run sent nothing
