"""WACZ 1.1.1 packages, written and checked with the standard library (zipfile, hashlib, json).

A WACZ (https://specs.webrecorder.net/wacz/1.1.1/) is a ZIP file that replay tools
(ReplayWeb.page, pywb) open as a web archive:

    archive/<name>.warc.gz      the WARC files, byte for byte, stored (not deflated) so that a
                                reader can seek to a record
    indexes/index.cdx           CDXJ, sorted: "<SURT url> <yyyymmddhhmmss> {json}" for every
                                response, resource and revisit record, the JSON naming its
                                url, mime, status, digest, filename, offset and length
    pages/pages.jsonl           the pages a replay tool lists (a header line, then one per page)
    datapackage.json            every other file of the package: path, sha256, size
    datapackage-digest.json     the sha256 of datapackage.json

`WaczWriter` writes one; any other file (a case's listings, manifests, README) is added with
`add_bytes`/`add_file` and listed in datapackage.json like the rest. `check_wacz` reads one
back and names every file that is missing, altered, unexpected or holds a bad WARC record.
`member_name_problem` is the zip-slip rule every reader here applies to member names.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, BinaryIO
from urllib.parse import quote, urlsplit

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from crawler.evidence.records import check_warc

WACZ_VERSION = "1.1.1"
DATAPACKAGE = "datapackage.json"
DIGEST = "datapackage-digest.json"
INDEX = "indexes/index.cdx"
PAGES = "pages/pages.jsonl"
_CHUNK = 1 << 20
_INDEXED = ("response", "resource", "revisit")


def member_name_problem(name: str) -> str | None:
    """Why `name` cannot be a member of a package we read, or None: never absolute, never
    "..", never a backslash, a drive, an empty or dot component or a control character."""
    if not name or name.startswith("/") or "\\" in name:
        return "an absolute or non-POSIX path"
    if any(ord(c) < 0x20 or c == "\x7f" for c in name):
        return "a control character in the name"
    parts = name.split("/")
    if any(p in ("", ".", "..") for p in parts):
        return "an empty, '.' or '..' path component"
    if re.match(r"^[A-Za-z]:", parts[0]):
        return "a drive letter"
    return None


def surt(url: str) -> str:
    """The SURT sort key of a URL, as CDXJ indexes use it: host reversed, lower case,
    "www." dropped, default port dropped, query arguments sorted ("com,example)/a?b=1")."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return quote(url.lower(), safe="")
    host = host.removeprefix("www.")
    if not re.fullmatch(r"[0-9.]+|\[?[0-9a-f:]+\]?", host):
        host = ",".join(reversed(host.split(".")))
    if port and port != {"http": 80, "https": 443}.get(parts.scheme):
        host = f"{host}:{port}"
    key = f"{host}){parts.path or '/'}"
    if parts.query:
        key += "?" + "&".join(sorted(parts.query.split("&")))
    # Nothing in a key may break the line format: spaces and control characters are escaped.
    return quote(key.lower(), safe="!$&'()*+,/:;=?@[]~%-._")


def timestamp14(warc_date: str) -> str:
    digits = re.sub(r"\D", "", warc_date or "")
    return (digits + "0" * 14)[:14]


@dataclass(frozen=True)
class IndexedRecord:
    """One record of a WARC copied into a package (an index line's facts)."""

    offset: int
    length: int
    rec_type: str
    record_id: str
    uri: str
    date: str
    payload_sha256: str  # hex sha256 of the record's payload as stored (raw_stream)


@dataclass
class CopiedWarc:
    member: str  # archive/<name>
    sha256: str
    size: int
    records: list[IndexedRecord] = field(default_factory=list)
    problem: str | None = None  # the file could not be read to its end as WARC


class _Tee:
    """A read-only stream that hashes and copies every byte read from `source` to `sink`."""

    def __init__(self, source: BinaryIO, sink: IO[bytes]) -> None:
        self.source, self.sink = source, sink
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        if data:
            self.sha.update(data)
            self.sink.write(data)
            self.size += len(data)
        return data

    def tell(self) -> int:
        return self.size

    def drain(self) -> None:
        while self.read(_CHUNK):
            pass


def _hash_stream(stream: IO[bytes]) -> tuple[str, int]:
    sha = hashlib.sha256()
    size = 0
    while chunk := stream.read(_CHUNK):
        sha.update(chunk)
        size += len(chunk)
    return sha.hexdigest(), size


class WaczWriter:
    """Writes one WACZ file; `close()` adds the index, pages and datapackage files."""

    def __init__(self, path: Path, *, title: str, software: str, created: datetime) -> None:
        self.path = path
        self.title = title
        self.software = software
        self.created = created
        self.zip = zipfile.ZipFile(path, "w", allowZip64=True)
        self.resources: list[dict[str, Any]] = []
        self.index_lines: list[str] = []
        self.pages: list[dict[str, Any]] = []
        self._names: set[str] = set()

    def _member(self, name: str, compress: bool) -> IO[bytes]:
        problem = member_name_problem(name)
        if problem or name in self._names or name in (DATAPACKAGE, DIGEST):
            raise ValueError(f"package member {name!r}: {problem or 'written twice'}")
        self._names.add(name)
        info = zipfile.ZipInfo(name, date_time=self.created.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED if compress else zipfile.ZIP_STORED
        info.external_attr = 0o644 << 16
        return self.zip.open(info, "w", force_zip64=True)

    def _listed(self, name: str, sha256: str, size: int, extra: dict[str, Any] | None) -> None:
        entry = {
            "name": name.rsplit("/", 1)[-1],
            "path": name,
            "hash": f"sha256:{sha256}",
            "bytes": size,
        }
        self.resources.append({**entry, **(extra or {})})

    def add_bytes(
        self, name: str, data: bytes, *, compress: bool = True, extra: dict[str, Any] | None = None
    ) -> None:
        with self._member(name, compress) as out:
            out.write(data)
        self._listed(name, hashlib.sha256(data).hexdigest(), len(data), extra)

    def add_file(self, name: str, source: Path, *, extra: dict[str, Any] | None = None) -> str:
        """Copy a file byte for byte (deflated); return its sha256."""
        with source.open("rb") as src, self._member(name, True) as out:
            tee = _Tee(src, out)
            tee.drain()
        digest = tee.sha.hexdigest()
        self._listed(name, digest, tee.size, extra)
        return digest

    def add_warc(
        self,
        name: str,
        source: Path,
        *,
        extra: dict[str, Any] | None = None,
        payload_of: set[int] | None = None,
    ) -> CopiedWarc:
        """Copy a WARC file byte for byte into archive/`name`, stored, indexing its records
        in the same pass. `payload_of`: offsets whose payload sha256 is wanted (the records
        listings point to); other payloads are not hashed."""
        member = f"archive/{name}"
        wanted = payload_of or set()
        records: list[IndexedRecord] = []
        problem = None
        with source.open("rb") as src, self._member(member, False) as out:
            tee = _Tee(src, out)
            it = ArchiveIterator(tee, check_digests=False)
            try:
                for record in it:
                    payload = ""
                    if it.offset in wanted:  # the record's start, before it is read
                        payload, _ = _hash_stream(record.raw_stream)
                    length = it.get_record_length()
                    offset = it.get_record_offset()
                    headers = record.rec_headers
                    records.append(
                        IndexedRecord(
                            offset=offset,
                            length=length,
                            rec_type=record.rec_type or "",
                            record_id=headers.get_header("WARC-Record-ID") or "",
                            uri=headers.get_header("WARC-Target-URI") or "",
                            date=headers.get_header("WARC-Date") or "",
                            payload_sha256=payload,
                        )
                    )
                    if record.rec_type in _INDEXED:
                        self._index(record, name, offset, length)
            except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
                problem = f"unreadable after {len(records)} record(s): {type(exc).__name__}: {exc}"
            tee.drain()
        copied = CopiedWarc(member, tee.sha.hexdigest(), tee.size, records, problem)
        self._listed(member, copied.sha256, copied.size, extra)
        return copied

    def _index(self, record: Any, filename: str, offset: int, length: int) -> None:
        headers = record.rec_headers
        url = headers.get_header("WARC-Target-URI") or ""
        entry: dict[str, Any] = {"url": url}
        http = record.http_headers
        if http is not None:
            mime = (http.get_header("Content-Type") or "").split(";")[0].strip()
            if mime:
                entry["mime"] = mime
            if record.rec_type in ("response", "revisit"):
                entry["status"] = http.get_statuscode()
        elif headers.get_header("Content-Type"):
            entry["mime"] = headers.get_header("Content-Type").split(";")[0].strip()
        digest = headers.get_header("WARC-Payload-Digest")
        if digest:
            entry["digest"] = digest
        entry.update(length=str(length), offset=str(offset), filename=filename)
        ts = timestamp14(headers.get_header("WARC-Date") or "")
        self.index_lines.append(f"{surt(url)} {ts} {json.dumps(entry, sort_keys=False)}")

    def add_page(self, url: str, ts: datetime, title: str, page_id: str) -> None:
        stamp = ts.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        self.pages.append({"id": page_id, "url": url, "ts": stamp, "title": title})

    def close(self, extra: dict[str, Any] | None = None) -> None:
        """Write the index, the pages and the datapackage files, and close the ZIP."""
        index = "".join(line + "\n" for line in sorted(self.index_lines)).encode()
        self.add_bytes(INDEX, index, compress=False)
        header = {"format": "json-pages-1.0", "id": "pages", "title": "All Pages"}
        lines = [json.dumps(header)] + [json.dumps(p) for p in self.pages]
        self.add_bytes(PAGES, "".join(x + "\n" for x in lines).encode())
        package = {
            "profile": "data-package",
            "wacz_version": WACZ_VERSION,
            "title": self.title,
            "created": self.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "modified": self.created.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "software": self.software,
            **(extra or {}),
            "resources": self.resources,
        }
        data = (json.dumps(package, indent=1) + "\n").encode()
        self._names.discard(DATAPACKAGE)
        with self.zip.open(self._info(DATAPACKAGE), "w") as out:
            out.write(data)
        digest = {"path": DATAPACKAGE, "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}
        with self.zip.open(self._info(DIGEST), "w") as out:
            out.write((json.dumps(digest, indent=1) + "\n").encode())
        self.zip.close()

    def _info(self, name: str) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self.created.timetuple()[:6])
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        return info

    def abort(self) -> None:
        self.zip.close()


# -- reading a package back -----------------------------------------------------------------


class _Hashing:
    """A read-only stream over a zip member that hashes what is read (one pass: digests
    of the member and records of the WARC in it)."""

    def __init__(self, source: IO[bytes]) -> None:
        self.source = source
        self.sha = hashlib.sha256()
        self.size = 0

    def read(self, n: int = -1) -> bytes:
        data = self.source.read(n)
        self.sha.update(data)
        self.size += len(data)
        return data

    def tell(self) -> int:
        return self.size

    def finish(self) -> tuple[str, int]:
        while self.read(_CHUNK):
            pass
        return self.sha.hexdigest(), self.size


def read_datapackage(zf: zipfile.ZipFile) -> tuple[dict[str, Any], bytes]:
    """datapackage.json parsed, and its bytes; ValueError naming what is wrong."""
    try:
        data = zf.read(DATAPACKAGE)
    except KeyError:
        raise ValueError(f"{DATAPACKAGE}: missing") from None
    try:
        package = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(f"{DATAPACKAGE}: not JSON ({exc})") from None
    resources = package.get("resources") if isinstance(package, dict) else None
    if not isinstance(resources, list) or not all(
        isinstance(r, dict) and isinstance(r.get("path"), str) for r in resources
    ):
        raise ValueError(f"{DATAPACKAGE}: resources: not a list of files with a path")
    return package, data


def resources_of(package: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield from package["resources"]


def check_wacz(path: Path, *, warc_check: Callable[[BinaryIO, str], Any] = check_warc) -> list[str]:
    """Every problem with the package at `path`, each naming the file inside it."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        return [f"{path}: not a readable ZIP/WACZ file ({exc})"]
    problems: list[str] = []
    with zf:
        names = [i.filename for i in zf.infolist()]
        for name in sorted({n for n in names if names.count(n) > 1}):
            problems.append(f"{name}: more than one member with this name")
        for name in names:
            why = member_name_problem(name)
            if why:
                problems.append(f"{name!r}: refused member name ({why})")
        try:
            package, raw = read_datapackage(zf)
        except ValueError as exc:
            return [*problems, str(exc)]
        try:
            digest = json.loads(zf.read(DIGEST))
            want = digest.get("hash") if isinstance(digest, dict) else None
        except KeyError:
            problems.append(f"{DIGEST}: missing")
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            problems.append(f"{DIGEST}: not JSON ({exc})")
        else:
            have = f"sha256:{hashlib.sha256(raw).hexdigest()}"
            if want != have:
                problems.append(f"{DATAPACKAGE}: sha256 is {have}, {DIGEST} says {want}")
        if package.get("wacz_version") != WACZ_VERSION:
            problems.append(
                f"{DATAPACKAGE}: wacz_version is {package.get('wacz_version')!r}, "
                f"not {WACZ_VERSION}"
            )
        listed: set[str] = set()
        present = set(names)
        for res in resources_of(package):
            name = res["path"]
            listed.add(name)
            why = member_name_problem(name)
            if why:  # never opened
                problems.append(f"{name!r}: refused path in {DATAPACKAGE} ({why})")
                continue
            if name not in present:
                problems.append(f"{name}: listed in {DATAPACKAGE} but missing from the package")
                continue
            with zf.open(name) as member:
                stream = _Hashing(member)
                if name.startswith("archive/") and name.endswith((".warc.gz", ".warc")):
                    found = warc_check(stream, name)  # type: ignore[arg-type]
                    problems += [str(p) for p in found.problems]
                sha, size = stream.finish()
            if res.get("hash") != f"sha256:{sha}":
                problems.append(
                    f"{name}: sha256 is sha256:{sha}, {DATAPACKAGE} says {res.get('hash')}"
                )
            if res.get("bytes") != size:
                problems.append(f"{name}: {size} bytes, {DATAPACKAGE} says {res.get('bytes')}")
        for name in sorted(present - listed - {DATAPACKAGE, DIGEST}):
            problems.append(f"{name}: in the package but not listed in {DATAPACKAGE}")
        for required in (INDEX, PAGES):
            if required not in listed:
                problems.append(f"{required}: missing (a WACZ must have it)")
    return problems


def copy_member(zf: zipfile.ZipFile, name: str, target: Path) -> None:
    """Extract one member to `target` (a path we built, never the member's name)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with zf.open(name) as src, target.open("xb") as out:
        shutil.copyfileobj(src, out, _CHUNK)
