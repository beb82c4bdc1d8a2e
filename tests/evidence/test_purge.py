"""`crawler purge` with evidence and legal holds, on both stores: listings not seen for N days
go except held ones; their WARC files go when nothing else points to them; the purge is a
signed manifest, so verify passes after it and still fails after a deletion by hand."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from chain_fixtures import (
    PHONE,
    cli,
    configure,
    flip_byte,
    make_listing,
    stored,
    upsert,
    write_run,
)

from crawler.config import crawler_settings
from crawler.evidence import chain

STORES = ["sqlite", pytest.param("elasticsearch", marks=pytest.mark.elasticsearch)]


@pytest.fixture
def environment(request, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    return configure(request, tmp_path, monkeypatch)


@pytest.mark.parametrize("environment", STORES, indirect=True)
def test_purge_keeps_held_and_referenced_evidence_and_records_what_it_deletes(
    environment, capsys
) -> None:
    env = environment
    root = Path(env["EVIDENCE_DIR"])
    now = datetime.now(UTC).replace(microsecond=0)
    old, recent = now - timedelta(days=40), now - timedelta(hours=1)
    settings = crawler_settings()
    runs = {
        name: write_run(root, "demo-classifieds", f"job-{name}", pages=1, at=at)
        for name, at in [
            ("a1", old),  # the capture of L1, not seen for 40 days: goes with it
            ("a2", old),  # the capture of L2, not seen for 40 days, held: stays
            ("a3", old),  # old, nothing points to it (list pages): goes
            ("a4", old),  # the first version of L4, still stored: stays
            ("b1", recent),  # recent captures stay
            ("b2", recent),
        ]
    }
    for written in runs.values():
        chain.seal_run(settings, written.run)
    ref = {name: w.refs[0] for name, w in runs.items()}
    l1 = make_listing("l1", ref["a1"])
    l2 = make_listing("l2", ref["a2"], phone=PHONE)
    l3 = make_listing("l3", ref["b1"])
    l4_first = make_listing("l4", ref["a4"], amount=10)
    l4_now = make_listing("l4", ref["b1"], title="Warehouse job", amount=14)
    upsert(env, [([l1, l2, l4_first], old), ([l3, l4_now], recent)])
    ids = [x.id for x in (l1, l2, l3, l4_now)]

    code, out = cli(capsys, "evidence", "hold", "case-1", "--identifier", "+44 7400 123456")
    assert code == 0, out
    assert "1 listing(s), 1 WARC file(s)" in out
    code, out = cli(capsys, "evidence", "holds", "--json")
    [hold] = [json.loads(line) for line in out.splitlines()]
    assert hold["name"] == "case-1" and hold["listings"] == [l2.id]
    assert hold["files"] == [ref["a2"].file] and hold["selection"] == "identifier"
    assert PHONE not in (root / "manifests" / hold["manifest"]).read_text()

    code, out = cli(capsys, "purge", "--days", "30")
    assert code == 0, out
    assert "purged 1 listing(s)" in out and "1 held listing(s) kept" in out
    assert "deleted 2 evidence file(s)" in out
    assert stored(env, ids) == {l2.id, l3.id, l4_now.id}
    present = {name for name, w in runs.items() if (root / w.path).exists()}
    assert present == {"a2", "a4", "b1", "b2"}
    [purge] = chain.list_manifests(root, ("purge",))
    body = json.loads(purge.path.read_bytes())["purge"]
    assert body["listings_removed"] == 1 and body["holds"] == ["case-1"]
    assert {(d["path"], d["sha256"]) for d in body["deleted"]} == {
        (runs[n].path, runs[n].run.files[0].sha256) for n in ("a1", "a3")
    }
    code, out = cli(capsys, "evidence", "verify")
    assert code == 0, out
    assert "2 purged file(s) recorded" in out

    # Released: the next purge takes the listing and its capture, and says so in the chain.
    code, out = cli(capsys, "evidence", "release", "case-1")
    assert code == 0, out
    code, out = cli(capsys, "evidence", "holds")
    assert "no legal hold in force" in out
    code, out = cli(capsys, "purge", "--days", "30")
    assert code == 0 and "purged 1 listing(s)" in out and "deleted 1 evidence file(s)" in out
    assert stored(env, ids) == {l3.id, l4_now.id}
    assert not (root / runs["a2"].path).exists()
    code, out = cli(capsys, "evidence", "verify")
    assert code == 0, out

    # A deletion the chain does not record fails verify, naming the file.
    (root / runs["b2"].path).unlink()
    code, out = cli(capsys, "evidence", "verify")
    assert code == 1
    [line] = [x for x in out.splitlines() if x.startswith("ERROR ")]
    assert runs["b2"].path in line and "missing" in line


@pytest.mark.parametrize("environment", ["sqlite"], indirect=True)
def test_purge_refuses_to_delete_an_altered_file_and_needs_the_key(
    environment, capsys, monkeypatch
) -> None:
    env = environment
    root = Path(env["EVIDENCE_DIR"])
    old = datetime.now(UTC) - timedelta(days=40)
    written = write_run(root, "demo-forum", "job-old", pages=2, at=old)
    chain.seal_run(crawler_settings(), written.run)
    upsert(env, [([make_listing("x", written.refs[0], platform="demo-forum")], old)])

    # Without a key nothing is deleted: not the listing, not the file.
    monkeypatch.setenv("EVIDENCE_SIGNING_KEY", "")
    monkeypatch.setenv("EVIDENCE_SIGNING_KEY_FILE", str(Path(env["CRAWLER_DATA_DIR"]) / "no.key"))
    code, out = cli(capsys, "purge", "--days", "30")
    assert code == 2 and "EVIDENCE_SIGNING_KEY" in out and "crawler evidence keygen" in out
    assert stored(env, [make_listing("x", None, platform="demo-forum").id])
    assert (root / written.path).exists()
    monkeypatch.undo()
    for name, value in env.items():
        monkeypatch.setenv(name, value)

    flip_byte(root / written.path, written.refs[1].offset + written.refs[1].length - 12)
    code, out = cli(capsys, "purge", "--days", "30")
    assert code == 1
    assert "purged 1 listing(s)" in out and "deleted 0 evidence file(s)" in out
    assert f"ERROR {written.path}: not deleted: its sha256 no longer matches" in out
    assert (root / written.path).exists()
    code, out = cli(capsys, "evidence", "verify")
    assert code == 1 and "altered" in out
