"""`crawler evidence hold / release / holds` on both stores: selection by listing, cluster,
identifier and search (through the store API), holds recorded as signed manifests in the
chain, and bad requests refused with one line and nothing written."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from chain_fixtures import OTHER_PHONE, PHONE, cli, configure, make_listing, upsert, write_run

from crawler.config import crawler_settings
from crawler.evidence import chain
from crawler.store import open_store

ACTOR_TEXT = (
    "Warehouse work in the harbour area for the whole season. Accommodation arranged by the "
    "employer, transport to the site every morning, wages paid weekly in cash. Travel costs "
    "are deducted from wages. Passport is kept by the employer during the contract."
)
STORES = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]


@pytest.fixture
def environment(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return configure(request, tmp_path, monkeypatch)


def holds(capsys) -> dict[str, dict]:
    code, out = cli(capsys, "evidence", "holds", "--json")
    assert code == 0, out
    return {h["name"]: h for h in map(json.loads, out.splitlines())}


@pytest.mark.parametrize("environment", STORES, indirect=True)
def test_holds_select_by_listing_cluster_identifier_and_search(environment, capsys) -> None:
    env = environment
    root = Path(env["EVIDENCE_DIR"])
    at = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)
    run = write_run(root, "demo-jobs", "job-1", pages=4, at=at)
    chain.seal_run(crawler_settings(), run.run)
    # a and b: one actor (a phone and their wording shared: one cluster); c is another
    # platform; d has no capture.
    a = make_listing("a", run.refs[0], platform="demo-jobs", phone=PHONE, body=ACTOR_TEXT)
    b = make_listing("b", run.refs[1], platform="demo-jobs", phone=PHONE, body=ACTOR_TEXT)
    c = make_listing("c", run.refs[2], platform="demo-forum", phone=OTHER_PHONE)
    d = make_listing("d", None, platform="demo-forum", title="Kitchen help")
    upsert(env, [([a, b, c, d], at)])

    async def cluster_of(listing_id: str) -> str:
        async with open_store(crawler_settings()) as store:
            stored = await store.get(listing_id)
            assert stored is not None and stored.cluster_id
            return stored.cluster_id

    import asyncio

    cluster = asyncio.run(cluster_of(a.id))

    assert cli(capsys, "evidence", "hold", "by-id", "--listing", c.id, "--listing", d.id)[0] == 0
    code, out = cli(capsys, "evidence", "hold", "by-cluster", "--cluster", cluster)
    assert code == 0 and "2 listing(s), 1 WARC file(s)" in out, out
    assert cli(capsys, "evidence", "hold", "by-phone", "--identifier", "+44 7400 123456")[0] == 0
    code, out = cli(
        capsys, "evidence", "hold", "by-search", "--search", "kitchen", "--platform", "demo-forum"
    )
    assert code == 0 and "1 of them without a capture" in out, out

    found = holds(capsys)
    assert set(found) == {"by-id", "by-cluster", "by-phone", "by-search"}
    assert found["by-id"]["listings"] == sorted([c.id, d.id])
    assert found["by-id"]["files"] == [run.path]
    assert found["by-cluster"]["listings"] == sorted([a.id, b.id])
    assert found["by-phone"]["listings"] == sorted([a.id, b.id])
    assert found["by-search"]["listings"] == [d.id] and found["by-search"]["files"] == []
    kinds = [m.kind for m in chain.list_manifests(root)]
    assert kinds == ["run", "hold", "hold", "hold", "hold"]

    # Refused with one line, nothing written: an active name, an unknown id, nothing found,
    # a bad name, filters without --search, a release of a hold not in force.
    refused = [
        ("hold", "by-id", "--listing", a.id),
        ("hold", "other", "--listing", "nosuchid"),
        ("hold", "other", "--identifier", "nobody@example.org"),
        ("hold", "../x", "--listing", a.id),
        ("hold", "other", "--listing", a.id, "--platform", "demo-jobs"),
        ("release", "never-held"),
    ]
    for argv in refused:
        code, out = cli(capsys, "evidence", *argv)
        assert code in (1, 2) and len(out.strip().splitlines()) == 1, (argv, out)
    code, out = cli(capsys, "evidence", "hold", "other", "--listing", "nosuchid")
    assert "nosuchid" in out
    assert len(chain.list_manifests(root)) == 5

    assert cli(capsys, "evidence", "release", "by-cluster")[0] == 0
    assert set(holds(capsys)) == {"by-id", "by-phone", "by-search"}
    # A released name can be used again.
    assert cli(capsys, "evidence", "hold", "by-cluster", "--listing", b.id)[0] == 0
    assert holds(capsys)["by-cluster"]["listings"] == [b.id]
    code, out = cli(capsys, "evidence", "verify")
    assert code == 0, out
