"""`crawler evidence verify` and `keygen` through the command line: a clean chain passes;
an altered byte, a deleted file, an edited or missing manifest, another signing key each
fail with one line naming the file (and the record or the link)."""

from __future__ import annotations

import base64
import gzip
import json
import os
from pathlib import Path

import pytest
from chain_fixtures import WrittenRun, flip_byte, write_run

from crawler.cli.main import main
from crawler.config import crawler_settings
from crawler.evidence import chain, keys
from crawler.evidence.chain import seal_run


@pytest.fixture
def evidence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, list[WrittenRun]]:
    """Three sealed runs in EVIDENCE_DIR (the environment of the commands run here)."""
    root = tmp_path / "evidence"
    key = base64.b64encode(os.urandom(32)).decode()
    monkeypatch.setenv("EVIDENCE_DIR", str(root))
    monkeypatch.setenv("EVIDENCE_SIGNING_KEY", key)
    monkeypatch.setenv("CRAWLER_DATA_DIR", str(tmp_path / "data"))
    settings = crawler_settings()
    runs = [write_run(root, p, f"job-{i}", pages=3) for i, p in enumerate(PLATFORMS)]
    for r in runs:
        seal_run(settings, r.run)
    return root, runs


PLATFORMS = ["demo-classifieds", "demo-jobs", "demo-forum"]


def run_verify(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, list[str]]:
    code = main(["evidence", "verify", *args])
    out = capsys.readouterr()
    return code, out.out.splitlines() + out.err.splitlines()


def errors(lines: list[str]) -> list[str]:
    return [line for line in lines if line.startswith("ERROR ")]


def test_a_clean_chain_verifies(evidence, capsys) -> None:
    code, lines = run_verify(capsys)
    assert code == 0, lines
    assert errors(lines) == []
    assert lines[-1].endswith(": OK")
    assert "3 manifest(s), 3 file(s), 18 record(s)" in lines[-1]
    assert "head 00000003-run.json sha256 " in lines[-1]
    code, lines = run_verify(capsys, "--json")
    report = json.loads(lines[0])
    assert code == 0 and report["ok"] is True and report["problems"] == []


def test_one_flipped_byte_names_the_file_and_the_record(evidence, capsys) -> None:
    root, runs = evidence
    ref = runs[1].refs[1]
    flip_byte(root / ref.file, ref.offset + ref.length - 12)  # inside the record's body
    code, lines = run_verify(capsys)
    assert code == 1
    [line] = errors(lines)
    assert ref.file in line and "altered" in line
    assert f"at offset {ref.offset}" in line and ref.record_id in line


def test_a_recompressed_edit_fails_the_record_digest(evidence, capsys) -> None:
    """A careful forger inflates the record, changes the page, deflates it again: every
    gzip member reads, but the record's digest names it."""
    root, runs = evidence
    ref = runs[0].refs[2]
    path = root / ref.file
    data = path.read_bytes()
    record = gzip.decompress(data[ref.offset : ref.offset + ref.length])
    forged = gzip.compress(record.replace(b"Warehouse work 2", b"Warehouse work 9"))
    path.write_bytes(data[: ref.offset] + forged + data[ref.offset + ref.length :])
    code, lines = run_verify(capsys)
    assert code == 1
    [line] = errors(lines)
    assert ref.file in line and f"at offset {ref.offset}" in line and ref.record_id in line
    assert "digest" in line.lower()


def test_a_deleted_file_is_named_missing(evidence, capsys) -> None:
    root, runs = evidence
    (root / runs[2].path).unlink()
    code, lines = run_verify(capsys)
    assert code == 1
    [line] = errors(lines)
    assert runs[2].path in line and "missing" in line and "00000003-run.json" in line


def test_an_edited_manifest_is_named_with_the_broken_link(evidence, capsys) -> None:
    root, _ = evidence
    first = root / "manifests" / "00000001-run.json"
    doc = json.loads(first.read_bytes())
    doc["run"]["skipped"] = {}  # hide what the run did not capture
    first.write_bytes(chain.canonical(doc))
    code, lines = run_verify(capsys)
    assert code == 1
    found = errors(lines)
    assert any("manifests/00000001-run.json: bad signature" in x for x in found), found
    assert any(
        "manifests/00000002-run.json: broken link" in x and "00000001-run.json" in x for x in found
    ), found


def test_a_removed_manifest_breaks_the_chain(evidence, capsys) -> None:
    root, runs = evidence
    (root / "manifests" / "00000002-run.json").unlink()
    (root / "manifests" / "00000002-run.json.sig").unlink()
    code, lines = run_verify(capsys)
    assert code == 1
    found = errors(lines)
    assert any("chain broken: manifest(s) 2 missing" in x for x in found), found
    # Its run's file is no longer sealed: a note, the missing manifest is the problem.
    assert any(runs[1].path in x and "not sealed" in x for x in lines if x.startswith("note:"))


def test_a_chain_resigned_with_another_key_fails_only_against_the_pinned_key(
    evidence, capsys, tmp_path
) -> None:
    root, _ = evidence
    ours = keys.public_bytes(keys.load_signing_key(crawler_settings()))
    forger = keys.Ed25519PrivateKey.generate()
    # Re-sign every manifest with the forger's key, links recomputed: a consistent chain.
    previous = None
    for mf in chain.list_manifests(root):
        doc = json.loads(mf.path.read_bytes())
        doc["previous"] = previous
        pub = keys.public_bytes(forger)
        doc["signing_key"] = {
            "algorithm": "Ed25519",
            "public_key": keys.encode_public(pub),
            "fingerprint": keys.fingerprint(pub),
        }
        data = chain.canonical(doc)
        mf.path.write_bytes(data)
        mf.signature_path.write_text(keys.sign(forger, data) + "\n")
        previous = {"sequence": mf.sequence, "file": mf.name, "sha256": chain.sha256_file(mf.path)}
    code, lines = run_verify(capsys)
    assert code == 0 and keys.fingerprint(keys.public_bytes(forger)) in lines[-1]
    code, lines = run_verify(capsys, "--fingerprint", keys.fingerprint(ours))
    assert code == 1
    assert len(errors(lines)) == 3
    assert all("not the pinned key " + keys.fingerprint(ours) in x for x in errors(lines))
    pub_file = tmp_path / "ours.pub"
    pub_file.write_text(keys.encode_public(ours) + "\n")
    code, lines = run_verify(capsys, "--public-key", str(pub_file))
    assert code == 1 and len(errors(lines)) == 3


def test_an_unsealed_file_is_a_note_not_a_failure(evidence, capsys) -> None:
    root, _ = evidence
    orphan = write_run(root, "demo-jobs", "job-died", pages=1)
    code, lines = run_verify(capsys)
    assert code == 0
    assert any(x.startswith("note: ") and orphan.path in x and "not sealed" in x for x in lines), (
        lines
    )


def test_a_bad_pin_is_a_one_line_error(evidence, capsys, tmp_path) -> None:
    bad = tmp_path / "bad.pub"
    bad.write_text("not a key\n")
    code, lines = run_verify(capsys, "--public-key", str(bad))
    assert code == 2 and any(str(bad) in x and "--public-key" in x for x in lines)
    code, lines = run_verify(capsys, "--fingerprint", "xyz")
    assert code == 2 and any("--fingerprint" in x for x in lines)


def test_keygen_writes_a_private_file_once_and_prints_only_the_fingerprint(
    tmp_path, capsys
) -> None:
    out = tmp_path / "keys" / "evidence.key"
    assert main(["evidence", "keygen", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert out.stat().st_mode & 0o777 == 0o600
    secret = out.read_text().strip()
    assert secret not in printed
    public = keys.load_public_key(keys.public_key_file(out))
    assert f"fingerprint: {keys.fingerprint(public)}" in printed
    assert main(["evidence", "keygen", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert str(out) in err and "never overwritten" in err
    assert out.read_text().strip() == secret


def test_removing_the_whole_chain_is_a_problem_not_a_note(evidence, capsys) -> None:
    import shutil

    root, _ = evidence
    shutil.rmtree(root / "manifests")
    code, lines = run_verify(capsys)
    assert code == 1
    assert any("no manifest, but 3 WARC file(s)" in x for x in errors(lines)), lines
