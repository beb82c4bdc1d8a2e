"""The manifest chain: sealing runs, canonical signed manifests, the key requirement, and
crawl processes sealing at the same moment without forking the chain."""

from __future__ import annotations

import base64
import json
import multiprocessing
import os
from pathlib import Path

import pytest
from chain_fixtures import write_run

from crawler.config import ConfigError, crawler_settings
from crawler.evidence import chain, keys
from crawler.evidence.chain import ChainError, canonical, seal_run, verify


def settings_for(root: Path, key: str | None = None, **more: str):
    values = {"EVIDENCE_DIR": str(root), "EVIDENCE_SIGNING_KEY": key or "", **more}
    values.setdefault("EVIDENCE_SIGNING_KEY_FILE", str(root.parent / "no-such.key"))
    return crawler_settings(environ={}, overrides=values)


def new_key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


def test_runs_are_sealed_into_a_signed_append_only_chain(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    key = new_key()
    settings = settings_for(root, key)
    first = write_run(root, "demo-classifieds", "job-1", pages=2)
    second = write_run(root, "demo-jobs", "job-2", pages=3)
    m1 = seal_run(settings, first.run)
    m2 = seal_run(settings, second.run)
    assert (m1.name, m2.name) == ("00000001-run.json", "00000002-run.json")

    doc1, doc2 = json.loads(m1.read_bytes()), json.loads(m2.read_bytes())
    # Canonical bytes: what is on disk is exactly the canonical form of its content.
    assert m2.read_bytes() == canonical(doc2)
    assert doc1["previous"] is None
    assert doc2["previous"] == {
        "sequence": 1,
        "file": m1.name,
        "sha256": chain.sha256_file(m1),
    }
    public = keys.public_bytes(keys.load_signing_key(settings))
    assert doc2["signing_key"]["fingerprint"] == keys.fingerprint(public)
    sig = m2.with_name(m2.name + ".sig").read_text()
    assert keys.verify_signature(public, m2.read_bytes(), sig)
    assert (root / "manifests" / f"signing-key-{keys.fingerprint(public)}.pub").exists()
    # The run as sealed: its file, counts, times, platform, job, version, profile, skips.
    assert doc2["run"]["platform"] == "demo-jobs" and doc2["run"]["job_id"] == "job-2"
    assert doc2["run"]["skipped"] == {"non_text": 1}
    assert doc2["run"]["crawler_version"] == "0.test"
    [entry] = doc2["files"]
    assert entry["path"] == second.path and entry["records"] == 6 and entry["responses"] == 3
    assert entry["sha256"] == chain.sha256_file(root / second.path)
    assert key not in m1.read_text() + m2.read_text()  # the private key never in a manifest

    report = verify(root)
    assert report.ok, report.problems
    assert (report.manifests, report.files, report.records) == (2, 2, 10)
    assert report.head is not None and report.head.startswith("00000002-run.json sha256 ")


def test_canonical_bytes_refuse_floats() -> None:
    with pytest.raises(TypeError, match="floats"):
        canonical({"files": [{"size": 1.5}]})
    assert canonical({"b": 1, "a": "é"}) == b'{"a":"\\u00e9","b":1}\n'


def test_without_a_key_capture_fails_closed_naming_the_settings_and_keygen(tmp_path) -> None:
    root = tmp_path / "evidence"
    settings = settings_for(root)
    with pytest.raises(ConfigError) as err:
        chain.require_signing_key(settings)
    message = str(err.value)
    assert "EVIDENCE_SIGNING_KEY" in message and "EVIDENCE_SIGNING_KEY_FILE" in message
    assert "crawler evidence keygen" in message
    with pytest.raises(ConfigError):
        seal_run(settings, write_run(root, "demo-forum", "job-1").run)
    assert not (root / "manifests").exists() or not chain.list_manifests(root)
    # Capture off: no key needed.
    chain.require_signing_key(settings_for(root, EVIDENCE_ENABLED="false"))
    with pytest.raises(ConfigError, match="EVIDENCE_ENABLED"):
        chain.require_signing_key(settings_for(root, EVIDENCE_ENABLED="maybe"))
    # A key that is not one: the setting is named, the value is not printed.
    with pytest.raises(ConfigError, match="EVIDENCE_SIGNING_KEY: not an Ed25519") as bad:
        chain.require_signing_key(settings_for(root, "c2VjcmV0LWJ1dC1zaG9ydA=="))
    assert "c2VjcmV0" not in str(bad.value)


def test_the_key_file_is_used_when_the_environment_has_none(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    key_path = tmp_path / "keys" / "signing.key"
    key = keys.generate_key_file(key_path)
    assert key_path.stat().st_mode & 0o777 == 0o600
    settings = settings_for(root, EVIDENCE_SIGNING_KEY_FILE=str(key_path))
    chain.require_signing_key(settings)
    seal_run(settings, write_run(root, "demo-forum", "job-1").run)
    public = keys.public_bytes(key)
    assert verify(root, public).ok
    assert keys.load_public_key(keys.public_key_file(key_path)) == public


def test_a_run_whose_file_is_not_as_described_is_not_sealed(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    settings = settings_for(root, new_key())
    written = write_run(root, "demo-forum", "job-1")
    written.run.files[0].size += 1
    with pytest.raises(ChainError, match="job-1.*not the .* the run wrote"):
        seal_run(settings, written.run)
    (root / written.path).unlink()
    with pytest.raises(ChainError, match="cannot be sealed"):
        seal_run(settings, written.run)
    assert chain.list_manifests(root) == []


def _seal_many(settings, root: Path, worker: int, count: int, go) -> None:  # type: ignore[no-untyped-def]
    runs = [write_run(root, f"demo-p{worker}", f"job-{n}", pages=1) for n in range(count)]
    go.wait(30)
    for written in runs:
        seal_run(settings, written.run)


def test_processes_sealing_at_once_keep_one_gapless_chain(tmp_path: Path) -> None:
    root = tmp_path / "evidence"
    settings = settings_for(root, new_key())
    ctx = multiprocessing.get_context("fork")  # real processes, each with its own lock fd
    go = ctx.Event()
    workers, each = 4, 6
    procs = [
        ctx.Process(target=_seal_many, args=(settings, root, w, each, go)) for w in range(workers)
    ]
    for p in procs:
        p.start()
    go.set()
    for p in procs:
        p.join(120)
        assert p.exitcode == 0
    manifests = chain.list_manifests(root)
    assert [m.sequence for m in manifests] == list(range(1, workers * each + 1))
    report = verify(root)
    assert report.ok, report.problems
    assert report.files == workers * each


def test_the_demo_creates_a_key_in_its_data_dir_once_and_says_so(tmp_path: Path) -> None:
    import io

    from rich.console import Console

    from crawler.demo.run import _ensure_signing_key

    data = tmp_path / "data"
    settings = crawler_settings(environ={}, overrides={"CRAWLER_DATA_DIR": str(data)})
    out = io.StringIO()
    console = Console(file=out, width=300)
    _ensure_signing_key(settings, console)
    path = data / "keys" / "evidence-signing.key"
    assert path.stat().st_mode & 0o777 == 0o600
    [line] = out.getvalue().splitlines()
    assert line.startswith(f"created evidence signing key {path}") and "fingerprint" in line
    assert path.read_text().strip() not in line
    secret = path.read_text()
    _ensure_signing_key(settings, console)  # there is one now: nothing said, nothing changed
    assert len(out.getvalue().splitlines()) == 1 and path.read_text() == secret
    chain.require_signing_key(settings)


@pytest.mark.parametrize(
    "hint",
    [
        "00000001-run.json\n",  # stale: an append after it did not write its hint
        "00000009-run.json\n",  # names no manifest
        "../../etc/passwd\n",  # not a manifest name
        "",  # empty (a lock file from before the hint)
        None,  # removed
    ],
)
def test_the_next_manifest_follows_the_real_head_whatever_the_lock_file_says(
    tmp_path: Path, hint: str | None
) -> None:
    root = tmp_path / "evidence"
    settings = settings_for(root, new_key())
    for n in range(3):
        seal_run(settings, write_run(root, "demo-classifieds", f"job-{n}", pages=1).run)
    lock = root / "manifests" / chain.LOCK_NAME
    assert lock.read_text() == "00000003-run.json\n"  # the hint the next append reads
    if hint is None:
        lock.unlink()
    else:
        lock.write_text(hint)
    fourth = seal_run(settings, write_run(root, "demo-jobs", "job-3", pages=1).run)
    assert fourth.name == "00000004-run.json"
    assert json.loads(fourth.read_bytes())["previous"]["file"] == "00000003-run.json"
    report = verify(root)
    assert report.ok, report.problems
    assert report.manifests == 4 and not report.notes
