"""The manifest chain: every run's WARC files, holds and purges, signed and linked in order.

EVIDENCE_DIR/manifests/ holds one manifest per event, `<sequence>-<kind>.json` (sequence
from 00000001, kind run, hold, release or purge), each with a detached Ed25519 signature
`<name>.sig` (base64) beside it, and `signing-key-<fingerprint>.pub` (the public key, base64)
for every key that signed one. A manifest is canonical JSON (sorted keys, no spaces, ASCII,
integers and strings only: no floats) plus a newline; the signature is over the file's exact
bytes. Each manifest names the previous one's sequence, file name and sha256, so the runs
form an append-only chain: editing, removing or reordering one breaks a signature or a link.

`append` takes an exclusive lock (manifests/.lock, fcntl) around "read the head, write the
next", so crawl processes sealing at the same moment never fork the chain. The lock file also
holds the head's name, a hint written after each append: the next append reads that one
manifest instead of listing the directory (which grows by two files per run: listing 20,000
manifests cost about 0.2 s of CPU per run, under the lock), and lists it only when the hint
does not check out (it names no manifest, or a manifest follows the one it names). The signature
file is written (and synced) before the manifest itself appears, both by rename: a reader
never sees a manifest without its signature.

- seal_run(settings, run): the run manifest capture.py writes when a run ends;
- require_signing_key(settings): ConfigError when EVIDENCE_ENABLED and no key can be loaded;
- verify(root, ...): crawler/evidence/verify.py (every manifest, link, file and record).

Settings: EVIDENCE_ENABLED, EVIDENCE_DIR, EVIDENCE_SIGNING_KEY, EVIDENCE_SIGNING_KEY_FILE.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from crawler.config import ConfigError, parse_bool
from crawler.durable import fsync_directory, write_synced
from crawler.evidence import keys
from crawler.evidence.layout import RunCapture, WarcFile, evidence_dir

logger = logging.getLogger(__name__)

FORMAT = "flagwatch-evidence-manifest/1"
KINDS = ("run", "hold", "release", "purge")
MANIFEST_NAME = re.compile(r"^(\d{8,})-(run|hold|release|purge)\.json$")
SIGNATURE_SUFFIX = ".sig"
LOCK_NAME = ".lock"
KEYGEN_HINT = (
    "set EVIDENCE_SIGNING_KEY (base64) or EVIDENCE_SIGNING_KEY_FILE, or create a key with "
    "`crawler evidence keygen`"
)


class ChainError(RuntimeError):
    """The chain could not be written; the message names the file and why."""


# -- canonical bytes ---------------------------------------------------------------------


def canonical(document: Any) -> bytes:
    """The one byte form of a manifest: sorted keys, no spaces, ASCII, a final newline.

    Floats are refused (their text form is ambiguous across languages): counts are
    integers, times are ISO 8601 strings."""
    _no_floats(document, "manifest")
    text = json.dumps(
        document, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    )
    return text.encode("ascii") + b"\n"


def _no_floats(value: Any, where: str) -> None:
    if isinstance(value, float):
        raise TypeError(f"{where}: floats are not allowed in a manifest ({value!r})")
    if isinstance(value, dict):
        for k, v in value.items():
            _no_floats(v, f"{where}.{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _no_floats(v, f"{where}[{i}]")


def timestamp(at: datetime) -> str:
    """A time as manifests write it: ISO 8601 in UTC ("+00:00")."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(UTC).isoformat()


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
    return h.hexdigest()


def safe_relative(path: str) -> bool:
    """Is `path` (from a manifest) a plain relative path under warc/: no "..", not absolute?"""
    p = PurePosixPath(path)
    return (
        bool(path)
        and "\\" not in path
        and not p.is_absolute()
        and p.parts[0] == "warc"
        and len(p.parts) > 1
        and all(part not in ("", ".", "..") for part in p.parts)
    )


# -- reading the chain -----------------------------------------------------------------------


def manifests_dir(root: Path) -> Path:
    return root / "manifests"


@dataclass
class ManifestFile:
    """One manifest file as named in manifests/ (not yet read)."""

    path: Path
    sequence: int
    kind: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def signature_path(self) -> Path:
        return self.path.with_name(self.path.name + SIGNATURE_SUFFIX)


def list_manifests(root: Path, kinds: tuple[str, ...] = KINDS) -> list[ManifestFile]:
    """The manifests of the chain under `root`, in sequence order (by their names only)."""
    directory = manifests_dir(root)
    try:
        entries = list(os.scandir(directory))
    except FileNotFoundError:
        return []
    out = []
    for entry in entries:
        m = MANIFEST_NAME.match(entry.name)
        if m and m.group(2) in kinds:
            out.append(ManifestFile(Path(entry.path), int(m.group(1)), m.group(2)))
    out.sort(key=lambda f: (f.sequence, f.name))
    return out


def read_manifest(path: Path) -> dict[str, Any]:
    """A manifest's JSON object (ValueError when it is not one)."""
    data = json.loads(path.read_bytes())
    if not isinstance(data, dict):
        raise ValueError("not a JSON object")
    return data


@dataclass
class SealedFile:
    """A WARC file as a run manifest sealed it."""

    path: str
    sha256: str
    size: int
    records: int
    responses: int
    last_date: str
    manifest: str


def sealed_files(root: Path) -> dict[str, SealedFile]:
    """Every WARC file the run manifests list, by path (unreadable manifests skipped: verify
    reports them)."""
    out: dict[str, SealedFile] = {}
    for mf in list_manifests(root, ("run",)):
        try:
            data = read_manifest(mf.path)
            for f in data.get("files") or []:
                out.setdefault(
                    f["path"],
                    SealedFile(
                        f["path"],
                        f["sha256"],
                        int(f["size"]),
                        int(f["records"]),
                        int(f["responses"]),
                        str(f["last_date"]),
                        mf.name,
                    ),
                )
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


def purged_files(root: Path) -> dict[str, tuple[str, str]]:
    """Every file a purge manifest records as deleted: path -> (sha256, manifest name)."""
    out: dict[str, tuple[str, str]] = {}
    for mf in list_manifests(root, ("purge",)):
        try:
            for f in read_manifest(mf.path)["purge"]["deleted"]:
                out[f["path"]] = (f["sha256"], mf.name)
        except (OSError, ValueError, KeyError, TypeError):
            continue
    return out


# -- writing the chain ------------------------------------------------------------------------


@contextmanager
def chain_lock(root: Path) -> Iterator[Path]:
    """Exclusive lock on the chain of `root` (across processes); yields manifests/."""
    directory = manifests_dir(root)
    directory.mkdir(parents=True, exist_ok=True)
    fd = os.open(directory / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield directory
    finally:
        os.close(fd)  # closing releases the lock


def _head(root: Path) -> ManifestFile | None:
    """The chain's last manifest (called under chain_lock): the one the lock file names when
    it exists and no manifest of the next sequence does, else the last of the listing."""
    directory = manifests_dir(root)
    try:
        hint = (directory / LOCK_NAME).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        hint = ""
    m = MANIFEST_NAME.match(hint)
    if m is not None and (directory / hint).is_file():
        following = int(m.group(1)) + 1
        if not any((directory / f"{following:08d}-{kind}.json").exists() for kind in KINDS):
            return ManifestFile(directory / hint, int(m.group(1)), m.group(2))
    chain = list_manifests(root)
    return chain[-1] if chain else None


def signing_key(settings: Any) -> Ed25519PrivateKey:
    """The key that signs manifests, or ConfigError naming the settings and keygen."""
    key = keys.load_signing_key(settings)
    if key is None:
        raise ConfigError(
            keys.key_file(settings),
            "EVIDENCE_SIGNING_KEY / EVIDENCE_SIGNING_KEY_FILE",
            f"no evidence signing key ({KEYGEN_HINT})",
        )
    return key


def require_signing_key(settings: Any) -> None:
    """ConfigError when capture is on (EVIDENCE_ENABLED) and no signing key can be loaded:
    a crawl must not fetch anything it could not seal."""
    if parse_bool(settings.get("EVIDENCE_ENABLED", True), "EVIDENCE_ENABLED"):
        signing_key(settings)


def _write_synced(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        write_synced(fd, data)
    finally:
        os.close(fd)


def append(
    root: Path,
    key: Ed25519PrivateKey,
    kind: str,
    body: dict[str, Any],
    *,
    before: Callable[[], None] | None = None,
    now: datetime | None = None,
    locked: bool = False,
) -> Path:
    """Write the next manifest of kind `kind` (its own fields in `body`), signed and linked
    to the head; return its path. `before` runs under the chain lock first (a check that
    must see the head as it is, e.g. "this hold is not active"; it raises to refuse).
    locked: the caller holds chain_lock(root) already (the lock is not reentrant)."""
    if kind not in KINDS:
        raise ValueError(f"unknown manifest kind {kind!r}")
    public = keys.public_bytes(key)
    fp = keys.fingerprint(public)
    with contextlib.nullcontext(manifests_dir(root)) if locked else chain_lock(root) as directory:
        if before is not None:
            before()
        head = _head(root)
        previous: dict[str, Any] | None = None
        sequence = 1
        if head is not None:
            sequence = head.sequence + 1
            previous = {
                "sequence": head.sequence,
                "file": head.name,
                "sha256": sha256_file(head.path),
            }
        document = {
            "format": FORMAT,
            "kind": kind,
            "sequence": sequence,
            "previous": previous,
            "sealed_at": timestamp(now or datetime.now(UTC)),
            "signing_key": {
                "algorithm": "Ed25519",
                "public_key": keys.encode_public(public),
                "fingerprint": fp,
            },
            **body,
        }
        data = canonical(document)
        name = f"{sequence:08d}-{kind}.json"
        target = directory / name
        tmp = directory / f".tmp-{os.getpid()}-{name}"
        try:
            pub = directory / f"signing-key-{fp}.pub"
            if not pub.exists():
                _write_synced(tmp, (keys.encode_public(public) + "\n").encode())
                os.replace(tmp, pub)
            _write_synced(tmp, (keys.sign(key, data) + "\n").encode())
            os.replace(tmp, target.with_name(name + SIGNATURE_SUFFIX))
            _write_synced(tmp, data)
            os.replace(tmp, target)
            fsync_directory(directory)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise ChainError(
                f"evidence manifest {target} could not be written: {exc.strerror or exc}"
            ) from exc
        with contextlib.suppress(OSError):  # only a hint: _head lists the directory without it
            (directory / LOCK_NAME).write_text(name + "\n")
    logger.info("evidence: %s manifest %s sealed (key %s)", kind, target, fp)
    return target


def _file_entry(f: WarcFile) -> dict[str, Any]:
    return {
        "path": f.path,
        "sha256": f.sha256,
        "size": int(f.size),
        "records": int(f.records),
        "responses": int(f.responses),
        "first_date": timestamp(f.first_date),
        "last_date": timestamp(f.last_date),
    }


def seal_run(settings: Any, run: RunCapture) -> Path:
    """Write the run's manifest (its WARC files, counts and times), signed and chained;
    return its path. ConfigError without a signing key; ChainError when a listed file is
    not there as described or the manifest cannot be written."""
    root = evidence_dir(settings)
    key = signing_key(settings)
    for f in run.files:
        if not safe_relative(f.path):
            raise ChainError(f"evidence: run {run.job_id}: {f.path!r} is not a path under warc/")
        try:
            size = (root / f.path).stat().st_size
        except OSError as exc:
            raise ChainError(
                f"evidence: run {run.job_id}: {root / f.path} cannot be sealed: "
                f"{exc.strerror or exc}"
            ) from exc
        if size != f.size:
            raise ChainError(
                f"evidence: run {run.job_id}: {root / f.path} is {size} bytes, "
                f"not the {f.size} the run wrote"
            )
    body = {
        "run": {
            "platform": run.platform,
            "job_id": run.job_id,
            "started_at": timestamp(run.started_at),
            "finished_at": timestamp(run.finished_at),
            "crawler_version": run.crawler_version,
            "profile_sha256": run.profile_sha256,
            "skipped": {str(k): int(v) for k, v in sorted(run.skipped.items())},
        },
        "files": [_file_entry(f) for f in sorted(run.files, key=lambda f: f.path)],
    }
    return append(root, key, "run", body)


# -- verify (crawler/evidence/verify.py) ------------------------------------------------------


@dataclass
class VerifyReport:
    """What `crawler evidence verify` found."""

    problems: list[str] = field(default_factory=list)  # failures, each naming what and where
    notes: list[str] = field(default_factory=list)  # not failures (files outside a package)
    manifests: int = 0
    files: int = 0
    records: int = 0
    head: str | None = None  # "<name> sha256 <hex>" of the last manifest: publish it
    fingerprints: list[str] = field(default_factory=list)  # keys that signed, in order
    purged: int = 0  # sealed files a purge manifest records as deleted

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    root: Path,
    public_key: bytes | None = None,
    *,
    subset: bool = False,
    fingerprint: str | None = None,
) -> VerifyReport:
    """Check every manifest, signature, chain link, file and record under `root` (laid out as
    EVIDENCE_DIR). subset: `root` is an unpacked case package; files its manifests list but
    that are not there are notes, not problems. public_key / fingerprint: the key every
    manifest must be signed with (else a manifest signed by another key is a problem)."""
    from crawler.evidence.verify import verify_tree

    return verify_tree(root, public_key, subset=subset, fingerprint=fingerprint)
