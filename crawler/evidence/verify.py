"""`crawler evidence verify`: check the manifest chain and every file and record it seals.

verify_tree(root) reads EVIDENCE_DIR (or an unpacked case package) and never writes:

- every manifest: readable canonical JSON of a known kind, its name's sequence and kind, its
  detached signature under the public key it names (and the fingerprint it states), and,
  when a key or fingerprint is pinned, that key;
- the chain: sequences 1..N with no gap and no fork, each manifest's `previous` equal to the
  sequence, name and sha256 of the one before;
- every WARC file a run manifest lists: present (or recorded as deleted by a purge
  manifest), its size and sha256, every record's digests (records.check_warc), its record
  counts; an altered file is named with its first bad record's offset and WARC-Record-ID;
- WARC files that no manifest covers: a note in EVIDENCE_DIR (a run still writing, or one
  that died before sealing: nothing vouches for those files, but nothing sealed is lost),
  a problem in a case package (a package must hold only sealed evidence).

Each problem is one line naming the file (and the record or link); the file is read once
(hashed while its records are checked).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from crawler.evidence import keys
from crawler.evidence.chain import (
    FORMAT,
    KINDS,
    MANIFEST_NAME,
    SIGNATURE_SUFFIX,
    ManifestFile,
    VerifyReport,
    list_manifests,
    manifests_dir,
    safe_relative,
)
from crawler.evidence.records import RecordProblem, check_warc, first_bad_member

RECORD_PROBLEMS_PER_FILE = 10


class _HashingReader:
    """A read-only stream that hashes what is read through it (for warcio)."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()
        self.offset = 0

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        self.offset += len(data)
        return data

    def tell(self) -> int:
        return self.offset

    def drain(self) -> None:
        while self.read(1 << 20):
            pass


@dataclass
class _Read:
    """One manifest as read: its file, bytes, sha256 and parsed document (None: unusable)."""

    file: ManifestFile
    sha256: str
    data: dict[str, Any] | None


def verify_tree(
    root: Path,
    public_key: bytes | None = None,
    *,
    subset: bool = False,
    fingerprint: str | None = None,
) -> VerifyReport:
    report = VerifyReport()
    if not root.is_dir():
        report.problems.append(f"{root}: no evidence directory here")
        return report
    pinned = keys.fingerprint(public_key) if public_key is not None else None
    if fingerprint is not None:
        pinned = fingerprint.strip().lower()
    chain = _read_manifests(root, report, pinned)
    _check_links(chain, report, subset)
    sealed = _sealed(chain, report)
    purged = _purged(chain)
    _check_files(root, sealed, purged, report, subset)
    _check_holds(chain, report)
    return report


def _read_manifests(root: Path, report: VerifyReport, pinned: str | None) -> list[_Read]:
    directory = manifests_dir(root)
    files = list_manifests(root)
    known = {f.name for f in files} | {f.name + SIGNATURE_SUFFIX for f in files}
    if directory.is_dir():
        for entry in sorted(directory.iterdir()):
            name = entry.name
            if name in known or name == ".lock" or _is_public_key_file(name):
                continue
            if name.endswith(SIGNATURE_SUFFIX) and MANIFEST_NAME.match(
                name[: -len(SIGNATURE_SUFFIX)]
            ):
                report.problems.append(
                    f"manifests/{name}: a signature without its manifest "
                    f"(manifests/{name[: -len(SIGNATURE_SUFFIX)]} is missing)"
                )
            else:
                report.notes.append(f"manifests/{name}: not part of the chain (ignored)")
    out: list[_Read] = []
    previous_fp: str | None = None
    for mf in files:
        where = f"manifests/{mf.name}"
        try:
            raw = mf.path.read_bytes()
        except OSError as exc:
            report.problems.append(f"{where}: cannot be read ({exc.strerror or exc})")
            continue
        read = _Read(mf, hashlib.sha256(raw).hexdigest(), None)
        out.append(read)
        report.manifests += 1
        data = _parse(raw, where, mf, report)
        if data is None:
            continue
        read.data = data
        fp = _check_signature(raw, data, mf, where, report, pinned)
        if fp is not None:
            if fp not in report.fingerprints:
                report.fingerprints.append(fp)
            if previous_fp is not None and fp != previous_fp and pinned is None:
                report.notes.append(
                    f"{where}: signed by key {fp}; the manifest before by {previous_fp}"
                )
            previous_fp = fp
    if out:
        report.head = f"{out[-1].file.name} sha256 {out[-1].sha256}"
    return out


def _is_public_key_file(name: str) -> bool:
    return name.startswith("signing-key-") and name.endswith(".pub")


def _parse(raw: bytes, where: str, mf: ManifestFile, report: VerifyReport) -> dict[str, Any] | None:
    import json

    try:
        data = json.loads(raw)
    except ValueError as exc:
        report.problems.append(f"{where}: not a manifest (not JSON: {exc})")
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        report.problems.append(f"{where}: not a manifest (format is not {FORMAT})")
        return None
    if data.get("kind") not in KINDS or data.get("kind") != mf.kind:
        report.problems.append(
            f"{where}: its kind {data.get('kind')!r} does not match its name ({mf.kind})"
        )
    if data.get("sequence") != mf.sequence:
        report.problems.append(
            f"{where}: its sequence {data.get('sequence')!r} does not match its name "
            f"({mf.sequence})"
        )
    return data


def _check_signature(
    raw: bytes,
    data: dict[str, Any],
    mf: ManifestFile,
    where: str,
    report: VerifyReport,
    pinned: str | None,
) -> str | None:
    """Check the detached signature; returns the fingerprint of the key that signed."""
    key = data.get("signing_key")
    try:
        if not isinstance(key, dict):
            raise ValueError("no signing_key object")
        public = keys.decode_public(str(key["public_key"]), where, "signing_key")
    except (KeyError, ValueError):
        report.problems.append(f"{where}: names no usable public key (signing_key)")
        return None
    fp = keys.fingerprint(public)
    if key.get("fingerprint") != fp:
        report.problems.append(
            f"{where}: states key fingerprint {key.get('fingerprint')!r} but its key's is {fp}"
        )
    try:
        signature = mf.signature_path.read_text(encoding="ascii", errors="replace")
    except OSError:
        report.problems.append(
            f"{where}: no signature (manifests/{mf.signature_path.name} missing)"
        )
        return fp
    if not keys.verify_signature(public, raw, signature):
        report.problems.append(
            f"{where}: bad signature: the manifest was altered, or not signed by key {fp}"
        )
    if pinned is not None and fp != pinned:
        report.problems.append(f"{where}: signed by key {fp}, not the pinned key {pinned}")
    return fp


def _check_links(chain: list[_Read], report: VerifyReport, subset: bool) -> None:
    by_sequence: dict[int, list[_Read]] = {}
    for r in chain:
        by_sequence.setdefault(r.file.sequence, []).append(r)
    for seq, reads in by_sequence.items():
        if len(reads) > 1:
            names = ", ".join(f"manifests/{r.file.name}" for r in reads)
            report.problems.append(
                f"chain forked: sequence {seq} has {len(reads)} manifests: {names}"
            )
    if not chain:
        if subset:
            report.problems.append("manifests/: no manifest in this package")
        return
    expected = 1
    for seq in sorted(by_sequence):
        if seq != expected:
            before = by_sequence.get(expected - 1)
            after = by_sequence[seq][0].file.name
            gap = f"{expected}" if seq == expected + 1 else f"{expected}..{seq - 1}"
            link = f"between manifests/{before[0].file.name} and " if before else "before "
            report.problems.append(
                f"chain broken: manifest(s) {gap} missing ({link}manifests/{after})"
            )
        expected = seq + 1
    for seq in sorted(by_sequence):
        for r in by_sequence[seq]:
            if r.data is None:
                continue
            prev = r.data.get("previous")
            where = f"manifests/{r.file.name}"
            if seq == 1:
                if prev is not None:
                    report.problems.append(f"{where}: the first manifest names a previous one")
                continue
            before = by_sequence.get(seq - 1)
            if not before or len(before) != 1:
                continue  # the gap or fork is reported above
            b = before[0]
            if not isinstance(prev, dict):
                report.problems.append(
                    f"{where}: broken link: names no previous manifest (expected "
                    f"manifests/{b.file.name})"
                )
                continue
            if prev.get("sha256") != b.sha256 or prev.get("sequence") != seq - 1:
                report.problems.append(
                    f"{where}: broken link: manifests/{b.file.name} has sha256 {b.sha256}, "
                    f"but this manifest chains to sha256 {prev.get('sha256')} "
                    f"(manifests/{b.file.name} was altered or replaced)"
                )
            elif prev.get("file") != b.file.name:
                report.problems.append(
                    f"{where}: broken link: names manifests/{prev.get('file')}, "
                    f"not manifests/{b.file.name}"
                )


@dataclass
class _Sealed:
    sha256: str
    size: int
    records: int
    responses: int
    manifest: str


def _sealed(chain: list[_Read], report: VerifyReport) -> dict[str, _Sealed]:
    out: dict[str, _Sealed] = {}
    for r in chain:
        if r.data is None or r.file.kind != "run":
            continue
        where = f"manifests/{r.file.name}"
        files = r.data.get("files")
        if not isinstance(files, list):
            report.problems.append(f"{where}: a run manifest without a file list")
            continue
        for f in files:
            try:
                path = str(f["path"])
                entry = _Sealed(
                    str(f["sha256"]),
                    int(f["size"]),
                    int(f["records"]),
                    int(f["responses"]),
                    r.file.name,
                )
            except (TypeError, KeyError, ValueError):
                report.problems.append(f"{where}: a file entry without path, sha256, size, counts")
                continue
            if not safe_relative(path):
                report.problems.append(f"{where}: file path {path!r} is not a path under warc/")
                continue
            old = out.get(path)
            if old is not None and (old.sha256, old.size) != (entry.sha256, entry.size):
                report.problems.append(
                    f"{where}: seals {path} again with another sha256 than manifests/{old.manifest}"
                )
                continue
            out.setdefault(path, entry)
    return out


def _purged(chain: list[_Read]) -> dict[str, tuple[str, str]]:
    out: dict[str, tuple[str, str]] = {}
    for r in chain:
        if r.data is None or r.file.kind != "purge":
            continue
        try:
            for f in r.data["purge"]["deleted"]:
                out[str(f["path"])] = (str(f["sha256"]), r.file.name)
        except (TypeError, KeyError):
            continue
    return out


def _check_files(
    root: Path,
    sealed: dict[str, _Sealed],
    purged: dict[str, tuple[str, str]],
    report: VerifyReport,
    subset: bool,
) -> None:
    not_in_package = 0
    for path, entry in sorted(sealed.items()):
        full = root / path
        deleted = purged.get(path)
        if deleted is not None and deleted[0] != entry.sha256:
            report.problems.append(
                f"manifests/{deleted[1]}: records the deletion of {path} with another sha256 "
                f"than manifests/{entry.manifest} sealed"
            )
        if not full.is_file():
            if deleted is not None:
                report.purged += 1
            elif subset:
                not_in_package += 1
            else:
                report.problems.append(
                    f"{path}: missing (sealed in manifests/{entry.manifest}; no purge manifest "
                    "records its deletion)"
                )
            continue
        if deleted is not None:
            report.notes.append(
                f"{path}: deleted by manifests/{deleted[1]} but still here (the purge did "
                "not finish; the next purge removes it)"
            )
            continue
        _check_file(full, path, entry, report)
    if not_in_package:
        report.notes.append(
            f"{not_in_package} sealed file(s) of the chain are not in this package "
            "(a case package holds only the captures of its listings)"
        )
    warc = root / "warc"
    if warc.is_dir():
        unsealed = [
            full.relative_to(root).as_posix()
            for full in sorted(p for p in warc.rglob("*") if p.is_file())
            if full.relative_to(root).as_posix() not in sealed
        ]
        if unsealed and not report.manifests and not subset:
            # Not one manifest for all these files: the chain was removed, or no run has
            # ever finished. Either way nothing vouches for anything here.
            report.problems.append(
                f"manifests/: no manifest, but {len(unsealed)} WARC file(s) under warc/ "
                "(the chain is missing, or no run has finished yet)"
            )
        for path in unsealed:
            if subset:
                report.problems.append(f"{path}: not sealed by any manifest in this package")
            else:
                report.notes.append(
                    f"{path}: not sealed by any manifest (its run is still writing, or died "
                    "before sealing: nothing vouches for this file)"
                )


def _check_file(full: Path, path: str, entry: _Sealed, report: VerifyReport) -> None:
    report.files += 1
    try:
        with full.open("rb") as raw:
            reader = _HashingReader(raw)
            check = check_warc(reader, path)  # type: ignore[arg-type]
            reader.drain()
    except OSError as exc:
        report.problems.append(f"{path}: cannot be read ({exc.strerror or exc})")
        return
    report.records += check.records
    sha = reader.digest.hexdigest()
    size = reader.offset
    if (sha, size) != (entry.sha256, entry.size):
        bad = first_bad_record(full, path)
        if bad is None and check.problems:
            bad = check.problems[0]
        first = (
            f"; first bad record: {_where(bad)}: {bad.reason}"
            if bad is not None
            else "; every record still reads with matching digests (bytes between records changed)"
        )
        report.problems.append(
            f"{path}: altered: sha256 {sha} ({size} bytes), sealed as {entry.sha256} "
            f"({entry.size} bytes) in manifests/{entry.manifest}{first}"
        )
        return
    for problem in check.problems[:RECORD_PROBLEMS_PER_FILE]:
        report.problems.append(f"{problem} (sealed so in manifests/{entry.manifest})")
    if len(check.problems) > RECORD_PROBLEMS_PER_FILE:
        report.problems.append(
            f"{path}: {len(check.problems) - RECORD_PROBLEMS_PER_FILE} more bad record(s)"
        )
    if (check.records, check.responses) != (entry.records, entry.responses):
        report.problems.append(
            f"{path}: {check.records} records ({check.responses} responses), sealed as "
            f"{entry.records} ({entry.responses}) in manifests/{entry.manifest}"
        )


def _where(problem: RecordProblem) -> str:
    where = "the file" if problem.offset is None else f"at offset {problem.offset}"
    return f"{where} (record {problem.record_id or 'id unreadable'})"


def first_bad_record(full: Path, name: str) -> RecordProblem | None:
    """The first bad record of a gzip WARC file (records.first_bad_member)."""
    with full.open("rb") as f:
        return first_bad_member(f, name)


def _check_holds(chain: list[_Read], report: VerifyReport) -> None:
    active: set[str] = set()
    for r in chain:
        if r.data is None or r.file.kind not in ("hold", "release"):
            continue
        where = f"manifests/{r.file.name}"
        body = r.data.get(r.file.kind)
        name = body.get("name") if isinstance(body, dict) else None
        if not isinstance(name, str):
            report.problems.append(f"{where}: a {r.file.kind} manifest without a hold name")
            continue
        if r.file.kind == "hold":
            active.add(name)
        elif name in active:
            active.discard(name)
        else:
            report.notes.append(f"{where}: releases hold {name!r}, which was not active")
