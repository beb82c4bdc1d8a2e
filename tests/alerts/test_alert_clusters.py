"""Cluster conditions end to end: a real SQLite store linking the actors' world, the engine's
before_store -> upsert -> after_store flow as the crawl runs it, and a real webhook receiver.

- a watched cluster (watchlist subject `cluster: cl-...`): every later new listing stored
  into it alerts once, also after the watched id was absorbed by a merge and when the new
  listing's own arrival makes that merge; other actors' listings never do;
- `cluster_growth`: fires once when the N-th new member arrives within the window, not
  before, once per rule, cluster and period, and a merge does not make the same growth
  alert again;
- re-running the same listings raises nothing; a store that cannot give the cluster facts
  delays the alert, it does not lose it; broken rules name file, field and reason.
"""

from __future__ import annotations

import functools
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml
from alert_fixtures import write_rules

from crawler.alerts.alert import Alert
from crawler.alerts.config import AlertsConfig
from crawler.alerts.engine import AlertEngine
from crawler.alerts.rules import load_rules
from crawler.alerts.watchlist import AlertConfigError, load_watchlist
from crawler.config import crawler_settings
from crawler.demo.actors import ActorAd, actor_world
from crawler.models import Listing, UpsertResult
from crawler.store import open_store
from crawler.store.base import ListingStore, StoreError
from crawler.store.sqlite import SqliteStore
from crawler.testing.receivers import WebhookReceiver

pytestmark = pytest.mark.e2e  # a real receiver

BATCH = 10
WATCH_RULE = "watched-network"
GROWTH_RULE = "fast-growing-network"
MIN_NEW = 3


@functools.cache
def world_ads() -> tuple[ActorAd, ...]:
    return tuple(actor_world(seed=2, split="tune", actors=6, posters=40).ads)


def batches(ads: Sequence[ActorAd], size: int) -> list[list[ActorAd]]:
    return [list(ads[i : i + size]) for i in range(0, len(ads), size)]


def posting_times(groups: list[list[ActorAd]]) -> list[datetime]:
    """Each batch stored when its last ad was posted (strictly increasing)."""
    out: list[datetime] = []
    for group in groups:
        at = group[-1].listing.posted_at or datetime(2026, 9, 1, tzinfo=UTC)
        if out and at <= out[-1]:
            at = out[-1] + timedelta(seconds=1)
        out.append(at)
    return out


def hook_channel(receiver: WebhookReceiver) -> dict[str, Any]:
    return {"type": "webhook", "url": receiver.url, "secret_env": "ALERTS_WEBHOOK_SECRET"}


def write_config(
    data: Path,
    receiver: WebhookReceiver,
    rules: list[dict[str, Any]],
    watched: Sequence[str] = (),
) -> None:
    """Rules and watchlist where the alerts_env fixture points ALERTS_RULES/WATCHLIST."""
    root = data.parent
    write_rules(root / "rules" / "clusters.yaml", {"hook": hook_channel(receiver)}, rules)
    subjects = [
        {"cluster": c, "label": "case-0042 network", "tags": ["case-0042"]} for c in watched
    ]
    (root / "watchlist.yaml").write_text(yaml.safe_dump({"subjects": subjects}))


async def open_engine() -> AlertEngine:
    store = open_store(crawler_settings())
    engine = AlertEngine.load(AlertsConfig.from_settings(crawler_settings()), store)
    await store.open()
    await engine.recover()
    engine.start_delivery()
    return engine


async def close_engine(engine: AlertEngine) -> None:
    store = engine.store
    await engine.close(drain=True)
    assert store is not None
    await store.close()


@dataclass
class Stored:
    ad: ActorAd
    result: UpsertResult
    alerts: list[Alert] = field(default_factory=list)


def scraped(group: list[ActorAd]) -> list[Listing]:
    """The listings as a crawl hands them to the store: first seen when stored (the world's
    listings carry their posting time as first_seen, which the store would keep)."""
    return [ad.listing.model_copy(deep=True, update={"first_seen": None}) for ad in group]


async def store_batch(engine: AlertEngine, group: list[ActorAd], at: datetime) -> list[Stored]:
    """One batch the way the crawl stores it: intake marker, one upsert, evaluation."""
    store = engine.store
    assert store is not None
    listings = scraped(group)
    for x in listings:
        await engine.before_store(x, time.time())
    results = await store.upsert(listings, at)
    return [
        Stored(ad, r, await engine.after_store(r, time.time()))
        for ad, r in zip(group, results, strict=True)
    ]


async def store_plain(
    store: ListingStore, group: list[ActorAd], at: datetime
) -> list[UpsertResult]:
    return await store.upsert(scraped(group), at)


def delivered(receiver: WebhookReceiver) -> list[dict[str, Any]]:
    return [d.json()["alert"] for d in receiver.deliveries]


# -- a watched cluster --------------------------------------------------------------------


async def watched_setup() -> tuple[list[list[ActorAd]], list[datetime], int, str, str]:
    """Store the first batches without alerts; pick the actor with most ads among them and
    the cluster holding most of its ads: the one an analyst would copy and watch."""
    groups = batches(world_ads(), BATCH)
    times = posting_times(groups)
    prefix = 3
    async with open_store(crawler_settings()) as store:
        arrived: dict[str, list[str]] = defaultdict(list)
        for group, at in zip(groups[:prefix], times[:prefix], strict=True):
            for ad, r in zip(group, await store_plain(store, group, at), strict=True):
                if ad.actor.startswith("actor-"):
                    arrived[ad.actor].append(r.listing.cluster_id or "")
        actor = max(sorted(arrived), key=lambda a: len(arrived[a]))
        now = Counter([await store.resolve_cluster(c) for c in arrived[actor]])
        watched, held = now.most_common(1)[0]
        assert watched is not None and held >= 2, now
    return groups, times, prefix, actor, watched


async def test_new_listings_joining_a_watched_cluster_alert_once_each(
    alerts_env: Path, webhook: WebhookReceiver
) -> None:
    groups, times, prefix, actor, watched = await watched_setup()
    write_config(
        alerts_env,
        webhook,
        [{"name": WATCH_RULE, "watchlist": {"kinds": ["cluster"]}, "channels": ["hook"]}],
        [watched],
    )
    engine = await open_engine()
    assert engine.store is not None
    expected: set[str] = set()
    later_of_actor: set[str] = set()
    raised: list[Alert] = []
    at_merge: set[str] = set()  # new listings of the batch that merged the watched cluster
    holder: str | None = watched
    for group, at in zip(groups[prefix:], times[prefix:], strict=True):
        stored = await store_batch(engine, group, at)
        # The store's own answer after the batch: is the listing in the watched cluster now?
        previous, holder = holder, await engine.store.resolve_cluster(watched)
        if previous != holder:
            at_merge = {
                s.result.id
                for s in stored
                if str(s.result.outcome) == "new" and s.result.listing.cluster_id == holder
            }
        for s in stored:
            raised += s.alerts
            if s.ad.actor == actor:
                later_of_actor.add(s.result.id)
            if str(s.result.outcome) == "new" and s.result.listing.cluster_id == holder:
                expected.add(s.result.id)
    final = await engine.store.resolve_cluster(watched)
    await close_engine(engine)

    # The scenario covers a merge: the watched id was absorbed into an older cluster.
    assert final is not None and final != watched
    # Exactly the listings stored into the watched cluster, each delivered once; all of
    # them the watched actor's (ground truth), and most of that actor's later ads.
    alerts = delivered(webhook)
    ids = [a["listing_id"] for a in alerts]
    assert len(ids) == len(set(ids)) == len(webhook.keys)
    assert set(ids) == expected == {a.listing_id for a in raised}
    assert expected <= later_of_actor
    assert len(expected) >= 0.8 * len(later_of_actor), (len(expected), len(later_of_actor))
    assert all(d.signature_ok for d in webhook.deliveries)
    # The content: the cluster now, its size, the watched id, why the listing joined.
    for a in alerts:
        c = a["cluster"]
        assert c["watched"] == [watched]
        assert c["size"] >= 2 and c["reasons"], a
        assert {"kind": "cluster", "value": watched, "label": "case-0042 network"} in a[
            "identifiers"
        ]
        assert "watched cluster" in Alert.model_validate(a).subject()
    merged = [a for a in alerts if a["cluster"]["merged"]]
    assert merged and all(a["cluster"]["id"] != watched for a in merged)
    assert all(a["cluster"]["merged"][0].startswith(f"{watched} merged into ") for a in merged)
    # The new listings whose arrival merged the watched cluster into another alerted.
    assert at_merge and at_merge <= {a["listing_id"] for a in merged}

    # Re-running the same listings (a re-crawl): unchanged, nothing raised or delivered.
    engine = await open_engine()
    again: list[Alert] = []
    for group, at in zip(groups, times, strict=True):
        again += [
            a for s in await store_batch(engine, group, at + timedelta(days=90)) for a in s.alerts
        ]
    await close_engine(engine)
    assert again == [] and len(webhook.deliveries) == len(ids)


async def test_cluster_facts_unreadable_delays_the_alert_without_losing_it(
    alerts_env: Path, webhook: WebhookReceiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    groups, times, prefix, actor, watched = await watched_setup()
    write_config(
        alerts_env,
        webhook,
        [{"name": WATCH_RULE, "watchlist": {"kinds": ["cluster"]}, "channels": ["hook"]}],
        [watched],
    )
    engine = await open_engine()
    store = engine.store
    assert isinstance(store, SqliteStore)
    real = store.cluster_documents

    async def down(keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        raise StoreError("cluster documents unavailable (test)")

    # Store batches with the cluster documents unreadable until one holds a listing of the
    # watched cluster: nothing raised then, every new listing's marker kept.
    held_back: list[str] = []
    new: list[UpsertResult] = []
    i = prefix
    while not held_back:
        assert i < len(groups), "no listing joined the watched cluster"
        monkeypatch.setattr(store, "cluster_documents", down)
        stored = await store_batch(engine, groups[i], times[i])
        monkeypatch.setattr(store, "cluster_documents", real)
        assert all(not s.alerts for s in stored)
        new += [s.result for s in stored if str(s.result.outcome) == "new"]
        holder = await store.resolve_cluster(watched)
        held_back = [s.result.id for s in stored if s.result.listing.cluster_id == holder]
        i += 1
    assert all(engine.outbox.marker(r.id) is not None for r in new)
    # The crawl's end (catch_up) evaluates them, with the store back, on the clusters as
    # they are now: also the earlier listings that the last batch's merge brought into
    # the watched cluster.
    expected = sorted(
        [r.id for r in new if await store.resolve_cluster(r.listing.cluster_id or "") == holder]
    )
    assert set(held_back) <= set(expected)
    assert await engine.catch_up() == len(expected)
    assert all(engine.outbox.marker(r.id) is None for r in new)
    assert await engine.catch_up() == 0
    await close_engine(engine)
    assert sorted(a["listing_id"] for a in delivered(webhook)) == expected
    assert all(a["cluster"]["reasons"] for a in delivered(webhook))


# -- growth -------------------------------------------------------------------------------


@dataclass
class GrowthScenario:
    groups: list[list[ActorAd]]
    absorbed: str  # B: reaches MIN_NEW new members, then a merge absorbs it into kept
    kept: str  # K: fewer than MIN_NEW of its own new members in the window
    first: int  # batch of B's first member: the burst starts here
    fires: int  # batch in which B reaches MIN_NEW members
    merge: int  # batch whose arrival merges B into K


async def find_growth_scenario(tmp_path: Path) -> GrowthScenario:
    """Link the world once on a scratch store (clusters depend only on the arrival order,
    not on the times, as long as batch times increase) and find a merge where the absorbed
    cluster alone grew by MIN_NEW while the kept one did not."""
    groups = batches(world_ads(), 5)
    start = datetime(2026, 9, 1, tzinfo=UTC)
    async with SqliteStore(tmp_path / "scratch.db") as store:
        arrival: dict[str, tuple[int, str]] = {}  # listing -> (batch, cluster at arrival)
        before: dict[str, str] = {}
        for b, group in enumerate(groups):
            for r in await store_plain(store, group, start + timedelta(minutes=b)):
                arrival[r.id] = (b, r.listing.cluster_id or "")
            clusters = {c for _, c in arrival.values()}
            now = {c: await store.resolve_cluster(c) for c in clusters}
            after = {x: now[c] or c for x, (_, c) in arrival.items()}
            for absorbed in sorted(set(before.values()) - set(after.values())):
                members = [x for x, c in before.items() if c == absorbed]
                if len(members) < MIN_NEW or any(arrival[x][1] != absorbed for x in members):
                    continue  # B must have grown as B (no merge into it before)
                kept = after[members[0]]
                first = min(arrival[x][0] for x in members)
                fires = sorted(arrival[x][0] for x in members)[MIN_NEW - 1]
                # What K has not counted at the merge: its own members in the window and
                # B's members that arrived after B's alert.
                own = [x for x, c in after.items() if c == kept and x not in members]
                uncounted = [x for x in own if arrival[x][0] >= first]
                uncounted += [x for x in members if arrival[x][0] > fires]
                if len(uncounted) < MIN_NEW:
                    return GrowthScenario(groups, absorbed, kept, first, fires, b)
            before = after
    raise AssertionError("the world has no merge of a cluster that grew by MIN_NEW")


def burst_times(s: GrowthScenario) -> list[datetime]:
    """36 hours between batches (a 24-hour window holds one batch), except from B's first
    member to the merge: all within one UTC day, so the growth and the merge share a
    window and a period."""
    times = [datetime(2026, 9, 1, 0, 30, tzinfo=UTC)]
    for b in range(1, len(s.groups)):
        if s.first < b <= s.merge:
            times.append(times[-1] + timedelta(minutes=20))
        elif b == s.first:
            day = (times[-1] + timedelta(hours=25)).replace(hour=0, minute=0, second=0)
            times.append(day + timedelta(days=1, minutes=30))
        else:
            times.append(times[-1] + timedelta(hours=36))
    assert times[s.merge].date() == times[s.first].date()
    return times


async def test_cluster_growth_fires_once_per_cluster_and_period(
    alerts_env: Path, webhook: WebhookReceiver, tmp_path: Path
) -> None:
    s = await find_growth_scenario(tmp_path)
    times = burst_times(s)
    write_config(
        alerts_env,
        webhook,
        [
            {
                "name": GROWTH_RULE,
                "cluster_growth": {"min_new": MIN_NEW, "within_hours": 24},
                "channels": ["hook"],
            }
        ],
    )
    engine = await open_engine()
    assert engine.store is not None
    raised: dict[int, list[Alert]] = {}
    kept_window: list[str] = []
    for b, (group, at) in enumerate(zip(s.groups, times, strict=True)):
        stored = await store_batch(engine, group, at)
        raised[b] = [a for x in stored for a in x.alerts]
        if b == s.merge:
            # Without the counted members, K would have grown by MIN_NEW in this window.
            kept_window = [x.result.id for x in stored if x.result.listing.cluster_id == s.kept]
            grown = await engine.store.cluster_growth(s.kept, at - timedelta(hours=24))
            assert grown >= MIN_NEW
    counted = engine.outbox.counted(GROWTH_RULE, [ad.listing.id for ad in world_ads()])
    await close_engine(engine)
    assert kept_window, "the merging listing is in the kept cluster"

    every = [a for b in sorted(raised) for a in raised[b]]
    about_b = [
        (b, a)
        for b in sorted(raised)
        for a in raised[b]
        if a.cluster and a.cluster.id == s.absorbed
    ]
    # B: exactly once, in the batch where its MIN_NEW-th member arrived, not before.
    assert [b for b, _ in about_b] == [s.fires]
    alert = about_b[0][1]
    assert alert.cluster is not None and alert.cluster.new_members is not None
    assert alert.cluster.new_members >= MIN_NEW and alert.cluster.within_hours == 24
    assert "grew by" in alert.subject()
    # K: the merge brought B's counted members in; K did not grow by MIN_NEW itself.
    burst = {b for b in range(s.first, s.merge + 1)}
    assert not [a for b in burst for a in raised[b] if a.cluster and a.cluster.id == s.kept]
    # Once per rule, cluster and period; no member counted twice; every alert delivered once.
    keys = Counter(
        (a.cluster.id, a.cluster.window_end.date())
        for a in every
        if a.cluster and a.cluster.window_end
    )
    assert max(keys.values()) == 1
    assert sum(a.cluster.new_members or 0 for a in every if a.cluster) == len(counted)
    got = delivered(webhook)
    assert sorted(a["id"] for a in got) == sorted(a.id for a in every)
    assert len(webhook.keys) == len(got)

    # Re-running the same listings: nothing more.
    engine = await open_engine()
    again = [
        a
        for group, at in zip(s.groups, times, strict=True)
        for x in await store_batch(engine, group, at + timedelta(days=90))
        for a in x.alerts
    ]
    await close_engine(engine)
    assert again == [] and len(webhook.deliveries) == len(got)


# -- configuration ------------------------------------------------------------------------

BROKEN = [
    ("min_new zero", "cluster_growth: {min_new: 0}", "rules.0.cluster_growth.min_new", "greater than or equal to 1"),
    ("no min_new", "cluster_growth: {within_hours: 24}", "rules.0.cluster_growth.min_new", "required field is missing"),
    ("window zero", "cluster_growth: {min_new: 3, within_hours: 0}", "rules.0.cluster_growth.within_hours", "greater than 0"),
    ("unknown growth field", "cluster_growth: {min_new: 3, per_day: true}", "rules.0.cluster_growth.per_day", "unknown field"),
    ("growth not a mapping", "cluster_growth: 5", "rules.0.cluster_growth", "valid dictionary"),
    ("bad watchlist kind", "watchlist: {kinds: [clusters]}", "rules.0.watchlist", "unknown subject kind 'clusters'"),
]  # fmt: skip


@pytest.mark.parametrize(("case", "rule", "field", "reason"), BROKEN, ids=[b[0] for b in BROKEN])
def test_broken_cluster_rules_name_file_field_reason(
    tmp_path: Path, case: str, rule: str, field: str, reason: str
) -> None:
    f = tmp_path / "broken.yaml"
    f.write_text(f"rules:\n  - name: a\n    {rule}\n")
    with pytest.raises(AlertConfigError) as err:
        load_rules(f)
    assert err.value.path == str(f)
    assert err.value.field.startswith(field), err.value
    assert reason in err.value.reason, err.value
    assert str(err.value).startswith(f"{f}: {field}")


@pytest.mark.parametrize("value", ["12345", "cl-", "cluster-abc123", "cl-xyz123"])
def test_broken_watched_cluster_id(tmp_path: Path, value: str) -> None:
    f = tmp_path / "watchlist.yaml"
    f.write_text(yaml.safe_dump({"subjects": [{"cluster": value}]}))
    with pytest.raises(AlertConfigError) as err:
        load_watchlist(f)
    assert (err.value.path, err.value.field) == (str(f), "subjects.0.cluster")
    assert "not a cluster id" in err.value.reason


def test_a_valid_cluster_rule_and_subject_load(tmp_path: Path) -> None:
    f = tmp_path / "ok.yaml"
    f.write_text(
        "rules:\n"
        "  - name: grow\n    cluster_growth: {min_new: 5}\n"
        "  - name: watch\n    watchlist: {kinds: [cluster], tags: [case-0042]}\n"
    )
    rules = load_rules(f)
    grow = rules.get("grow")
    assert grow is not None and grow.cluster_growth is not None
    assert grow.cluster_growth.within_hours == 24
    w = tmp_path / "w.yaml"
    w.write_text("subjects:\n  - {cluster: CL-00AB12cd, tags: [case-0042]}\n")
    watchlist = load_watchlist(w)
    assert watchlist.clusters == ["cl-00ab12cd"]
    watch = rules.get("watch")
    assert watch is not None and watch.needs_clusters(watchlist)
