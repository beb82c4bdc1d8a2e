"""Health alerts (crawler.alerts.health): one alert per change of a platform's crawl health.

Judged jobs are recorded in a real store (SQLite, and Elasticsearch where the test server
is available) the way the crawl records them, then `notify_health` runs as the crawl's
close runs it; deliveries go to a real webhook receiver and a real SMTP server.
- a change of status delivers exactly one alert with every reason and its advice;
- the same status again delivers nothing; a new reason code at the same status does;
- a healthy run after a failing one delivers one recovery notice;
- two notifiers for the same job (a retry, a second process) deliver once;
- `min_status: failing` ignores degraded runs; platforms not covered raise nothing;
- rules files with a bad health rule name file, field and reason.
"""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from alert_fixtures import write_rules

from crawler.alerts.config import AlertsConfig
from crawler.alerts.engine import AlertEngine
from crawler.alerts.health import health_change, notify_health
from crawler.alerts.outbox import Outbox
from crawler.alerts.rules import load_rules
from crawler.alerts.watchlist import AlertConfigError
from crawler.config import crawler_settings
from crawler.models import CrawlHealth, CrawlJob, HealthReason
from crawler.store import open_store
from crawler.store.base import ListingStore
from crawler.testing.receivers import SmtpReceiver, WebhookReceiver

PLATFORM = "demo-classifieds"
T0 = datetime(2026, 11, 2, 6, 0, tzinfo=UTC)

LAYOUT = HealthReason(
    code="list_zero_entries",
    severity="failing",
    message="selector list.item matched 0 entries on 3 list pages",
    advice="the layout may have changed: check the profile's list selectors",
    value=3,
    threshold=1,
)
COVERAGE = HealthReason(
    code="coverage_drop:price",
    severity="degraded",
    message="field price found on 40% of listings (usually 95%)",
    advice="the price selector may have changed",
    value=0.4,
    threshold=0.7,
)
LOGIN = HealthReason(
    code="login_wall",
    severity="failing",
    message="4 of 4 list pages look like a login wall",
    advice="the platform now asks to log in: the crawler does not log in; review the profile",
)


def health(status: str, *reasons: HealthReason) -> CrawlHealth:
    return CrawlHealth(status=status, reasons=list(reasons), checked_at=T0)  # type: ignore[arg-type]


def job(n: int, status: str | None, *reasons: HealthReason, platform: str = PLATFORM) -> CrawlJob:
    started = T0 + timedelta(hours=n)
    return CrawlJob(
        id=f"{platform}-run{n:03d}",
        platform=platform,
        started_at=started,
        finished_at=started + timedelta(minutes=2),
        status="finished",
        complete=True,
        health=health(status, *reasons) if status else None,
    )


def hook(receiver: WebhookReceiver) -> dict[str, Any]:
    return {"type": "webhook", "url": receiver.url, "secret_env": "ALERTS_WEBHOOK_SECRET"}


def health_rule(**kw: Any) -> dict[str, Any]:
    return {"name": "crawl-health", "type": "health", "channels": ["hook"], **kw}


@pytest.fixture(params=["sqlite", "elasticsearch"])
def store_kind(request: pytest.FixtureRequest, alerts_env: Path, monkeypatch: Any) -> str:
    if request.param == "elasticsearch":
        server = request.getfixturevalue("es_server")
        monkeypatch.setenv("STORE_URL", server.url)
        monkeypatch.setenv("STORE_INDEX_PREFIX", f"t{uuid.uuid4().hex[:10]}")
        monkeypatch.setenv("STORE_SPOOL_DIR", str(alerts_env / "spool"))
    return str(request.param)


@pytest.fixture
async def store(store_kind: str) -> AsyncIterator[ListingStore]:
    async with open_store(crawler_settings()) as s:
        yield s


async def finish(store: ListingStore, j: CrawlJob, **kw: Any) -> list[Any]:
    """What the crawl's close does: record the judged job, then notify."""
    await store.save_job(j)
    return await notify_health(store, j, crawler_settings(), **kw)


def alerts_of(receiver: WebhookReceiver) -> list[dict[str, Any]]:
    return [d.json()["alert"] for d in receiver.deliveries]


e2e = pytest.mark.e2e  # real stores and receivers


@e2e
async def test_a_change_of_status_is_told_once_with_reasons_and_advice(
    alerts_env: Path,
    store: ListingStore,
    webhook: WebhookReceiver,
    smtp: SmtpReceiver,
    monkeypatch: Any,
) -> None:
    monkeypatch.setenv("ALERTS_SMTP_PASSWORD", smtp.password)
    channels = {
        "hook": hook(webhook),
        "mail": {
            "type": "email", "host": "127.0.0.1", "port": smtp.port, "username": smtp.username,
            "password_env": "ALERTS_SMTP_PASSWORD", "from": "alerts@example.org",
            "to": ["analyst@example.org"], "ca_file": str(smtp.ca_file),
        },
    }  # fmt: skip
    write_rules(
        alerts_env.parent / "rules" / "health.yaml",
        channels,
        [health_rule(description="platforms that stop yielding", channels=["hook", "mail"])],
    )
    assert await finish(store, job(1, "healthy")) == []  # a healthy first run: nothing
    raised = await finish(store, job(2, "failing", LAYOUT, COVERAGE))
    assert len(raised) == 1
    assert len(webhook.deliveries) == 1 and len(smtp.messages) == 1

    [alert] = alerts_of(webhook)
    assert webhook.deliveries[0].signature_ok is True
    assert alert["rule"] == "crawl-health" and alert["platform"] == PLATFORM
    h = alert["health"]
    assert (h["change"], h["status"], h["previous"]) == ("failing", "failing", "healthy")
    assert h["job_id"] == f"{PLATFORM}-run002" and h["previous_job_id"] == f"{PLATFORM}-run001"
    assert [r["code"] for r in h["reasons"]] == ["list_zero_entries", "coverage_drop:price"]

    msg = smtp.messages[0]
    assert str(msg["Subject"]).replace("\r", "").replace("\n", "") == (
        "[flagwatch] crawl-health: demo-classifieds is failing: selector list.item matched 0 "
        "entries on 3 list pages; the layout may have changed: check the profile's list "
        "selectors (+1 more)"
    )
    text = msg.get_payload(decode=True).decode()
    for r in (LAYOUT, COVERAGE):
        assert f"{r.code}: {r.message}" in text and f"What to do: {r.advice}" in text
    assert "Status: failing (was healthy)" in text

    # The store keeps it (crawler alerts list, Kibana).
    for _ in range(50):  # Elasticsearch shows it after its next refresh
        stored = await store.list_alerts()
        if stored:
            break
        await asyncio.sleep(0.1)
    assert [a["id"] for a in stored] == [raised[0].id]


@e2e
async def test_same_status_again_is_silent_recovery_is_told_once(
    alerts_env: Path, store: ListingStore, webhook: WebhookReceiver
) -> None:
    write_rules(alerts_env.parent / "rules" / "h.yaml", {"hook": hook(webhook)}, [health_rule()])
    await finish(store, job(1, "healthy"))
    await finish(store, job(2, "degraded", COVERAGE))
    assert [a["health"]["change"] for a in alerts_of(webhook)] == ["degraded"]
    # degraded -> degraded with the same reasons; a run without a judgement (killed) between.
    assert await finish(store, job(3, "degraded", COVERAGE)) == []
    await store.save_job(job(4, None))
    assert await finish(store, job(5, "degraded", COVERAGE)) == []
    assert len(webhook.deliveries) == 1
    # A reason gone, or a new reason code, at the same status: nothing (by default).
    assert await finish(store, job(6, "degraded")) == []
    assert await finish(store, job(61, "degraded", COVERAGE, LAYOUT)) == []
    assert len(webhook.deliveries) == 1
    # degraded -> failing: told; failing -> failing: nothing.
    await finish(store, job(7, "failing", LOGIN))
    assert await finish(store, job(8, "failing", LOGIN)) == []
    # healthy again: one recovery notice, then silence.
    [recovered] = await finish(store, job(9, "healthy"))
    assert await finish(store, job(10, "healthy")) == []
    changes = [(a["health"]["change"], a["health"]["previous"]) for a in alerts_of(webhook)]
    assert changes == [("degraded", "healthy"), ("failing", "degraded"), ("recovered", "failing")]
    assert recovered.subject() == (
        "[flagwatch] crawl-health: demo-classifieds is healthy again (was failing)"
    )
    assert alerts_of(webhook)[-1]["health"]["reasons"] == []
    assert len(webhook.keys) == 3


@e2e
async def test_a_new_reason_at_the_same_status_is_told_when_asked(
    alerts_env: Path, store: ListingStore, webhook: WebhookReceiver
) -> None:
    write_rules(
        alerts_env.parent / "rules" / "h.yaml",
        {"hook": hook(webhook)},
        [health_rule(new_reasons=True)],
    )
    await finish(store, job(1, "failing", LAYOUT))
    [again] = await finish(store, job(2, "failing", LAYOUT, LOGIN))
    assert again.health is not None
    assert (again.health.change, again.health.new_codes) == ("reasons", ["login_wall"])
    assert again.subject().startswith(
        "[flagwatch] crawl-health: demo-classifieds is still failing, for a new reason: "
        "4 of 4 list pages look like a login wall"
    )
    assert await finish(store, job(3, "failing", LOGIN)) == []  # a reason gone: nothing
    assert len(webhook.deliveries) == 2


@e2e
async def test_two_notifiers_for_one_job_deliver_once(
    alerts_env: Path, store: ListingStore, store_kind: str, webhook: WebhookReceiver
) -> None:
    write_rules(alerts_env.parent / "rules" / "h.yaml", {"hook": hook(webhook)}, [health_rule()])
    await finish(store, job(1, "healthy"))
    failing = job(2, "failing", LAYOUT)
    await store.save_job(failing)
    settings = crawler_settings()

    def other_process() -> list[Any]:
        # Its own event loop, store connection and outbox connection, at the same time.
        async def run() -> list[Any]:
            async with open_store(settings) as own:
                return await notify_health(own, failing, settings)

        return asyncio.run(run())

    result: list[list[Any]] = []
    thread = threading.Thread(target=lambda: result.append(other_process()))
    thread.start()
    mine = await asyncio.gather(
        notify_health(store, failing, settings), notify_health(store, failing, settings)
    )
    await asyncio.to_thread(thread.join, 60)
    assert sorted(len(r) for r in [*mine, *result]) == [0, 0, 1]
    # A retry later (the crawl's close run again) finds it in the outbox too.
    assert await notify_health(store, failing, settings) == []
    assert len(webhook.deliveries) == 1 and len(webhook.keys) == 1
    outbox = Outbox(AlertsConfig.from_settings(settings).outbox_path)
    assert outbox.counts()["delivered"] == 1 and outbox.counts()["pending"] == 0
    outbox.close()


@e2e
async def test_min_status_failing_and_platforms(
    alerts_env: Path, store: ListingStore, webhook: WebhookReceiver
) -> None:
    write_rules(
        alerts_env.parent / "rules" / "h.yaml",
        {"hook": hook(webhook)},
        [health_rule(min_status="failing", platforms=[PLATFORM])],
    )
    await finish(store, job(1, "healthy"))
    assert await finish(store, job(2, "degraded", COVERAGE)) == []  # below min_status
    [failing] = await finish(store, job(3, "failing", LAYOUT, COVERAGE))
    assert failing.health is not None
    assert [r.code for r in failing.health.reasons] == ["list_zero_entries"]
    [better] = await finish(store, job(4, "degraded", COVERAGE))
    assert better.subject() == (
        "[flagwatch] crawl-health: demo-classifieds is no longer failing (now degraded)"
    )
    # Another platform is not covered by the rule.
    assert await finish(store, job(5, "failing", LAYOUT, platform="demo-jobs")) == []
    assert len(webhook.deliveries) == 2


@e2e
async def test_receiver_down_keeps_the_alert_for_the_next_delivery(
    alerts_env: Path, store: ListingStore, webhook: WebhookReceiver, monkeypatch: Any
) -> None:
    monkeypatch.setenv("ALERTS_DRAIN_TIMEOUT", "0.5")
    write_rules(alerts_env.parent / "rules" / "h.yaml", {"hook": hook(webhook)}, [health_rule()])
    webhook.fail_with = 503
    [raised] = await finish(store, job(1, "failing", LOGIN))
    assert raised.health is not None and raised.health.previous is None  # first judged run
    webhook.fail_with = None
    config = AlertsConfig.from_settings(crawler_settings())
    engine = AlertEngine.load(config, store)  # what `crawler alerts deliver` runs
    try:
        assert await engine.drain(20) == 0
    finally:
        await engine.close(drain=False)
    assert len(webhook.keys) == 1 and alerts_of(webhook)[-1]["id"] == raised.id


# -- unit layer: the decision and the rules file -------------------------------------------


@pytest.mark.parametrize(
    ("before", "after", "min_status", "told"),
    [
        (None, health("healthy"), "degraded", None),
        (health("degraded", COVERAGE), health("degraded", COVERAGE, LAYOUT), "degraded", None),
        (None, health("degraded", COVERAGE), "degraded", "degraded"),
        (None, health("degraded", COVERAGE), "failing", None),
        (health("healthy"), health("healthy"), "degraded", None),
        (health("healthy"), health("failing", LAYOUT), "degraded", "failing"),
        (health("failing", LAYOUT), health("degraded", COVERAGE), "degraded", "degraded"),
        (health("failing", LAYOUT), health("degraded", COVERAGE), "failing", "recovered"),
        (health("degraded", COVERAGE), health("degraded", COVERAGE), "degraded", None),
        (health("degraded", COVERAGE), health("degraded", COVERAGE, LAYOUT), "new", "reasons"),
        (health("degraded", COVERAGE, LAYOUT), health("degraded", COVERAGE), "new", None),
        (health("failing", LAYOUT), health("failing", LAYOUT, COVERAGE), "failing+new", None),
        (health("degraded", COVERAGE), health("healthy"), "degraded", "recovered"),
        (health("degraded", COVERAGE), health("healthy"), "failing", None),
    ],
)
def test_health_change(
    before: CrawlHealth | None, after: CrawlHealth, min_status: str, told: str | None
) -> None:
    # "new": min_status degraded with new_reasons; "failing+new": failing with new_reasons
    # (a new degraded reason of a failing run does not count under min_status failing).
    floor, new_reasons = {"new": ("degraded", True), "failing+new": ("failing", True)}.get(
        min_status, (min_status, False)
    )
    change = health_change(before, after, floor, new_reasons)
    assert (change[0] if change else None) == told


def rules_error(tmp_path: Path, rules: list[dict[str, Any]]) -> str:
    path = write_rules(
        tmp_path / "rules" / "h.yaml", {"log": {"type": "jsonl", "path": "x"}}, rules
    )
    with pytest.raises(AlertConfigError) as exc:
        load_rules(path.parent)
    return str(exc.value)


def test_health_rules_are_checked_with_file_field_and_reason(tmp_path: Path) -> None:
    ok = {"name": "h", "type": "health", "channels": ["log"]}
    err = rules_error(tmp_path, [{**ok, "indicators": ["movement"]}])
    assert "h.yaml" in err and "rules.0.indicators" in err and "not a field of a health rule" in err
    err = rules_error(tmp_path, [{**ok, "min_status": "healthy"}])
    assert "rules.0.min_status" in err and "'degraded' or 'failing'" in err
    err = rules_error(tmp_path, [{"name": "h", "type": "health"}])
    assert "rules.0" in err and "at least one channel" in err
    err = rules_error(tmp_path, [{**ok, "type": "heath"}])
    assert "rules.0.type" in err and "unknown rule type 'heath'" in err
    err = rules_error(
        tmp_path, [{"name": "x", "min_risk": 50, "channels": ["log"]}, {**ok, "channels": ["nope"]}]
    )
    assert "rules.1.channels.0" in err and "no channel named 'nope'" in err
    err = rules_error(tmp_path, [{"name": "h", "min_risk": 50, "channels": ["log"]}, ok])
    assert "rules.1.name" in err and "already defined" in err


def test_a_health_rule_never_matches_listings(tmp_path: Path) -> None:
    path = write_rules(
        tmp_path / "rules" / "h.yaml",
        {"log": {"type": "jsonl", "path": str(tmp_path / "a.jsonl")}},
        [{"name": "h", "type": "health", "platforms": [PLATFORM], "channels": ["log"]}],
    )
    rules = load_rules(path.parent)
    assert rules.active == [] and [r.name for r in rules.active_health] == ["h"]
    assert list(rules.build_channels()) == ["log"]  # `crawler alerts deliver` sends them


def test_the_shipped_rules_enable_health_alerts() -> None:
    root = Path(__file__).resolve().parents[2]
    rules = load_rules(root / "rules")
    [rule] = rules.active_health
    assert rule.platforms == [] and rule.min_status == "degraded"
    assert (
        yaml.safe_load((root / "rules" / "health.yaml").read_text())["rules"][0]["type"] == "health"
    )


def test_chat_and_mail_texts_carry_every_reason_and_no_control_characters() -> None:
    from crawler.alerts.channels.slack import slack_payload
    from crawler.alerts.health import health_alerts
    from crawler.alerts.rules import HealthRule

    rule = HealthRule(name="crawl-health", type="health", channels=["chat"])
    hostile = LAYOUT.model_copy(update={"message": "selector a\nb\x1b[31m matched 0 entries"})
    [alert] = health_alerts([rule], job(2, "failing", hostile, LOGIN), job(1, "healthy"))
    payload = slack_payload(alert)
    text = payload["blocks"][0]["text"]["text"]
    assert payload["text"] == alert.subject() and "<|" not in text
    assert "selector a?b?[31m matched 0 entries" in text and "\x1b" not in text
    assert f"What to do: {LOGIN.advice}" in text
    assert "\x1b" not in alert.text() and "\x1b" not in alert.subject()
