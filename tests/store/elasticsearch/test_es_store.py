"""ElasticsearchStore against a real test server: install, upsert semantics, search, migration."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest
from es_fixtures import INDICATORS, PLATFORMS, make_listing

from crawler.config import ConfigError, crawler_settings
from crawler.models import SearchQuery, UpsertOutcome
from crawler.store import open_store
from crawler.store.elasticsearch import (
    MAPPING_VERSION,
    ElasticsearchStore,
    StoreConfig,
    listing_mapping,
    migrate_listings,
)

pytestmark = pytest.mark.elasticsearch

T0 = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def test_template_install_is_idempotent(make_store, es_server) -> None:
    first = make_store()
    await first.open()
    await first.upsert([make_listing(1)], T0)
    mapping_before = await first.client.indices.get_mapping(index=first.listings_alias)
    await first.close()
    # A second crawler start (and an explicit re-install) changes nothing, loses nothing.
    second = make_store()
    await second.open()
    await second.install()
    try:
        aliases = await second.client.indices.get_alias(name=second.listings_alias)
        assert list(aliases.body) == [f"{second.listings_alias}-v{MAPPING_VERSION}"]
        mapping_after = await second.client.indices.get_mapping(index=second.listings_alias)
        assert mapping_after.body == mapping_before.body
        assert (await second.get(make_listing(1).id)) is not None
        # The test server has no language analyzers: no language sub-fields were added.
        assert second.languages == []
        index = f"{second.listings_alias}-v{MAPPING_VERSION}"
        props = mapping_after.body[index]["mappings"]["properties"]
        assert set(props["title"]["fields"]) == {"keyword"}
        # On a cluster that has them, the detected analyzers become sub-fields.
        richer = listing_mapping(["en", "nl"])["properties"]["body"]["fields"]
        assert richer["en"]["analyzer"] == "english" and richer["nl"]["analyzer"] == "dutch"
    finally:
        await second.close()


async def test_upsert_outcomes_first_seen_and_price_history(store: ElasticsearchStore) -> None:
    a = make_listing(3)
    [r] = await store.upsert([a], T0)
    assert r.outcome is UpsertOutcome.NEW and r.listing.first_seen == T0
    [r] = await store.upsert([make_listing(3)], T0 + timedelta(hours=1))
    assert r.outcome is UpsertOutcome.UNCHANGED
    assert r.previous_fingerprint == a.fingerprint
    changed = make_listing(3, version=1)  # new title and price
    [r] = await store.upsert([changed], T0 + timedelta(hours=2))
    assert r.outcome is UpsertOutcome.CHANGED
    stored = await store.get(a.id)
    assert stored is not None
    assert stored.title == changed.title
    assert stored.first_seen == T0 and stored.last_seen == T0 + timedelta(hours=2)
    assert [p.prices[0].amount for p in stored.price_history] == [
        a.prices[0].amount,
        changed.prices[0].amount,
    ]
    # Same prices, other text: CHANGED but the price history does not grow.
    same_price = changed.model_copy(update={"body": changed.body + " Updated."})
    same_price.fingerprint = same_price.compute_fingerprint()
    [r] = await store.upsert([same_price], T0 + timedelta(hours=3))
    assert r.outcome is UpsertOutcome.CHANGED
    assert len((await store.get(a.id)).price_history) == 2
    # Older data than what is stored (a late replay) does not overwrite it.
    [r] = await store.upsert([a], T0 + timedelta(minutes=30))
    assert r.outcome is UpsertOutcome.UNCHANGED
    assert (await store.get(a.id)).title == changed.title


async def test_same_listing_twice_in_one_call_and_known_touch(store: ElasticsearchStore) -> None:
    v0, v1 = make_listing(4), make_listing(4, version=1)
    v0.list_fingerprint = "lf-0"
    results = await store.upsert([v0, v1], T0)
    assert [r.outcome for r in results] == [UpsertOutcome.NEW, UpsertOutcome.CHANGED]
    assert await store.known(v0.platform, [v0.id, "nope"]) == {v0.id: "lf-0"}
    await store.touch(v0.platform, [v0.id], T0 + timedelta(days=1))
    assert (await store.get(v0.id)).last_seen == T0 + timedelta(days=1)


async def test_listings_sharing_identifiers_share_a_cluster(store: ElasticsearchStore) -> None:
    # make_listing gives listings i and i + len(PHONES) the same phone (i % 5 != 0).
    from es_fixtures import PHONES

    a = make_listing(1)
    # The same ad reposted under another id: same phone, same wording (actor linking, as
    # docs/clusters.md says, links a shared phone on few listings when the texts agree).
    b = a.model_copy(update={"id": make_listing(1 + len(PHONES)).id, "url": a.url + "?re"})
    c = make_listing(2)
    [ra] = await store.upsert([a], T0)
    [rb, rc] = await store.upsert([b, c], T0)
    # b joins the cluster a started; c shares nothing and starts its own.
    assert rb.listing.cluster_id == ra.listing.cluster_id == f"cl-{a.id}"
    assert rb.listing.cluster_size == 2
    assert rc.listing.cluster_id == f"cl-{c.id}"
    assert (await store.get(a.id)).cluster_size == 2  # the older member's size follows
    await store.refresh()
    page = await store.search(SearchQuery(identifier=a.phones[0]))
    assert {x.id for x in page.listings} == {a.id, b.id}
    summary = await store.cluster_summary(f"cl-{a.id}")
    assert summary is not None and summary.members == [a.id, b.id]
    assert summary.identifiers == [("phone", a.phones[0])]


async def test_a_fresh_crawler_process_decides_stored_listings_right(make_store) -> None:
    """A new process knows nothing: it creates unknown listings without reading them first
    (op_type create) and must still report stored ones CHANGED/UNCHANGED, keep first_seen
    and price history, and register new identifiers under the listing's stored cluster."""
    from es_fixtures import PHONES

    first = make_store()
    await first.open()
    a, b = make_listing(1), make_listing(1 + len(PHONES))
    stored = [make_listing(i) for i in range(100, 160)]
    await first.upsert([a], T0)
    await first.upsert([b, *stored], T0)
    await first.close()

    second = make_store()  # another crawler process, later
    await second.open()
    try:
        changed = [make_listing(i, version=1) for i in range(100, 130)]
        same = [make_listing(i) for i in range(130, 160)]
        fresh = [make_listing(i) for i in range(200, 220)]
        results = await second.upsert([*changed, *same, *fresh], T0 + timedelta(hours=1))
        outcomes = [r.outcome for r in results]
        assert (
            outcomes
            == [UpsertOutcome.CHANGED] * 30
            + [UpsertOutcome.UNCHANGED] * 30
            + [UpsertOutcome.NEW] * 20
        )
        for r in results[:60]:
            assert r.listing.first_seen == T0
        assert len(results[0].listing.price_history) == 2
        # In yet another process, b drops its phone and gets one nobody had: b keeps the
        # cluster it was linked into (a change does not re-link), and a listing that
        # carries the new phone too is linked (its own cluster or b's, never none).
        b_cluster = (await second.get(b.id)).cluster_id
        assert b_cluster and b_cluster.startswith("cl-")
        new_phone = "+31612345678"
        b2 = b.model_copy(update={"phones": [new_phone]})
        b2.fingerprint = b2.compute_fingerprint()
        [rb] = await make_fresh_upsert(make_store, b2, T0 + timedelta(hours=2))
        assert rb.outcome is UpsertOutcome.CHANGED and rb.listing.cluster_id == b_cluster
        c = make_listing(300).model_copy(update={"phones": [new_phone]})
        [rc] = await make_fresh_upsert(make_store, c, T0 + timedelta(hours=3))
        assert rc.outcome is UpsertOutcome.NEW
        assert rc.listing.cluster_id in (b_cluster, f"cl-{c.id}")
    finally:
        await second.close()


async def make_fresh_upsert(make_store, listing, seen_at):
    """Upsert one listing from a store that, like a new process, has seen nothing."""
    store = make_store()
    await store.open()
    try:
        return await store.upsert([listing], seen_at)
    finally:
        await store.close()


async def test_jobs_alerts_purge(store: ElasticsearchStore) -> None:
    from crawler.models import CrawlJob

    await store.save_job(CrawlJob(id="j1", platform="demo-jobs", started_at=T0, pages=3))
    await store.save_job(
        CrawlJob(id="j2", platform="demo-jobs", started_at=T0 + timedelta(hours=1), errors=1)
    )
    assert await store.save_alert({"id": "a1", "rule": "r1", "listing_id": "x"}) is True
    assert await store.save_alert({"id": "a1", "rule": "r1", "listing_id": "x"}) is False
    await store.upsert([make_listing(5)], T0)
    await store.upsert([make_listing(6)], T0 + timedelta(days=10))
    await store.refresh()
    assert [j.id for j in await store.jobs("demo-jobs")] == ["j2", "j1"]
    assert [a["id"] for a in await store.list_alerts(rule="r1")] == ["a1"]
    assert await store.purge(T0 + timedelta(days=1)) == 1
    await store.refresh()
    assert await store.count() == 1


async def test_open_store_selects_elasticsearch_from_store_url(es_server, store_env) -> None:
    store = open_store(crawler_settings({**store_env, "STORE_URL": es_server.url}))
    assert isinstance(store, ElasticsearchStore)
    assert store.config.index_prefix == store_env["STORE_INDEX_PREFIX"]


def _config(**values: str) -> StoreConfig:
    return StoreConfig.from_settings(
        crawler_settings({"STORE_URL": "http://127.0.0.1:9", **values})
    )


def test_config_reads_every_setting_once_from_settings(tmp_path) -> None:
    config = _config(
        STORE_BULK_DOCS="7",
        STORE_BULK_FLUSH_INTERVAL="0.5",
        ELASTICSEARCH_VERIFY_CERTS="OFF",
        ELASTICSEARCH_USERNAME="crawler",
        ELASTICSEARCH_PASSWORD="secret",
        CRAWLER_DATA_DIR=str(tmp_path),
    )
    assert (config.bulk_docs, config.flush_interval, config.verify_certs) == (7, 0.5, False)
    assert config.spool_dir == tmp_path / "spool"  # default: CRAWLER_DATA_DIR/spool
    assert (config.username, config.password) == ("crawler", "secret")
    assert "secret" not in repr(config)
    defaults = _config()  # settings/base.py
    assert (defaults.index_prefix, defaults.bulk_docs, defaults.queue_size) == (
        "flagwatch",
        500,
        64,
    )
    assert defaults.api_key is None and defaults.verify_certs is True
    # -s on the command line wins over the environment, as for every setting.
    settings = crawler_settings(
        {"STORE_URL": "http://a:9", "STORE_BULK_DOCS": "7"}, ["STORE_BULK_DOCS=9"]
    )
    assert StoreConfig.from_settings(settings).bulk_docs == 9


def test_config_errors_name_the_setting() -> None:
    with pytest.raises(ConfigError, match="STORE_BULK_DOCS"):
        _config(STORE_BULK_DOCS="many")
    with pytest.raises(ConfigError, match="STORE_BULK_DOCS"):
        _config(STORE_BULK_DOCS="0")
    with pytest.raises(ConfigError, match="STORE_INDEX_PREFIX"):
        _config(STORE_INDEX_PREFIX="Bad Name")
    with pytest.raises(ConfigError, match="ELASTICSEARCH_CA_CERTS"):
        _config(STORE_URL="https://127.0.0.1:9", ELASTICSEARCH_CA_CERTS="/nonexistent")
    with pytest.raises(ConfigError, match="ELASTICSEARCH_PASSWORD.*go together"):
        _config(ELASTICSEARCH_USERNAME="crawler")
    with pytest.raises(ConfigError, match="ELASTICSEARCH_VERIFY_CERTS"):
        _config(ELASTICSEARCH_VERIFY_CERTS="maybe")  # a security switch: no guessing
    with pytest.raises(ConfigError, match="STORE_URL"):
        StoreConfig.from_settings(crawler_settings({"STORE_URL": "sqlite:///x.db"}))


@pytest.mark.timeout(600)
async def test_10000_listings_searchable_with_every_filter(store: ElasticsearchStore) -> None:
    n = 10_000
    listings = [make_listing(i) for i in range(n)]
    seen = {lst.id: T0 + timedelta(minutes=i % 100) for i, lst in enumerate(listings)}

    async def caller(k: int) -> None:
        for start in range(k * 50, n, 50 * 8):
            chunk = listings[start : start + 50]
            await asyncio.gather(*(store.upsert([x], seen[x.id]) for x in chunk))

    await asyncio.gather(*(caller(k) for k in range(8)))
    await store.refresh()
    assert await store.count() == n

    def expect(pred) -> set[str]:
        return {x.id for x in listings if pred(x)}

    async def ids(**kw) -> set[str]:
        page = await store.search(SearchQuery(limit=10_000, **kw))
        assert page.total == len(page.listings)
        return {x.id for x in page.listings}

    phone = listings[1].phones[0]
    since = T0 + timedelta(minutes=90)
    cases = {
        "platform": ({"platform": PLATFORMS[1]}, lambda x: x.platform == PLATFORMS[1]),
        "category": ({"category": "housing"}, lambda x: x.category == "housing"),
        "indicator": (
            {"indicator": "movement"},
            lambda x: "movement" in {h.id for h in x.indicators},
        ),
        "min_risk": ({"min_risk": 90}, lambda x: x.risk_score >= 90),
        "seen_since": ({"seen_since": since}, lambda x: seen[x.id] >= since),
        "text": ({"text": "warehouse"}, lambda x: "warehouse" in x.title),
        "identifier": ({"identifier": phone}, lambda x: phone in x.phones),
        "combined": (
            {"platform": PLATFORMS[0], "indicator": "recruitment_fee", "min_risk": 50},
            lambda x: (
                x.platform == PLATFORMS[0]
                and "recruitment_fee" in {h.id for h in x.indicators}
                and x.risk_score >= 50
            ),
        ),
    }
    for name, (kw, pred) in cases.items():
        want = expect(pred)
        assert want, name
        assert await ids(**kw) == want, name
    # Paging: limit/offset walk the same ordered result without overlap.
    p1 = await store.search(SearchQuery(platform=PLATFORMS[2], limit=7, offset=0))
    p2 = await store.search(SearchQuery(platform=PLATFORMS[2], limit=7, offset=7))
    assert not {x.id for x in p1.listings} & {x.id for x in p2.listings}
    summary = await store.summary()
    assert summary["total"] == n and set(summary["platforms"]) == set(PLATFORMS)
    assert sum(p["listings"] for p in summary["platforms"].values()) == n
    assert set(summary["indicators"]) <= set(INDICATORS)
    assert summary["clusters"] > 0  # listings sharing phones, e-mails, handles
    top = [x["risk_score"] for x in summary["top"]]
    assert len(top) == 10 and top == sorted(top, reverse=True) and top[0] == 100


async def test_migration_moves_alias_to_new_versioned_index(store: ElasticsearchStore) -> None:
    await store.upsert([make_listing(i) for i in range(120)], T0)
    await store.refresh()
    old, new, copied = await migrate_listings(store.client, store.config.index_prefix)
    assert (old, copied) == (f"{store.listings_alias}-v{MAPPING_VERSION}", 120)
    assert new == f"{store.listings_alias}-v{MAPPING_VERSION + 1}"
    aliases = await store.client.indices.get_alias(name=store.listings_alias)
    assert list(aliases.body) == [new]
    assert await store.count() == 120
    # Writes keep working through the alias, into the new index.
    [r] = await store.upsert([make_listing(0, version=1)], T0 + timedelta(hours=1))
    assert r.outcome is UpsertOutcome.CHANGED
    doc = await store.client.get(index=store.listings_alias, id=r.id)
    assert doc["_index"] == new
