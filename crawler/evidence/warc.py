"""Writing one run's captures to gzip WARC files (warcio), with sha256 digests.

`RunWarcWriter(root, platform, job_id, max_bytes)` writes the run's records under
`layout.warc_dir(root, platform, job_id)` as `<job id>-00001.warc.gz` (the job id begins
with the platform's name; another gets it in front), the next
file (`-00002`) starting when one more record would take the current file past
`max_bytes`. Pure: no Scrapy; capture.py feeds it what the routes fetched.

- WARC/1.1: WARC-Date to the microsecond, so the records of one run keep their order
  (a page's network response before its rendered DOM) and two fetches of one URL in the
  same second stay apart; warcio, pywb and ReplayWeb.page read it.
- Every record is its own gzip member, so an `EvidenceRef`'s offset and length address
  exactly one record, readable without the rest of the file.
- WARC-Payload-Digest and WARC-Block-Digest are sha256 (`sha256:` + base32, the form WARC
  and CDX tools use; warcio keeps digests already set), computed here once per record;
  `EvidenceRef.sha256` is the same payload digest in hex.
- An HTTP exchange is a `response` record and its `request` record (WARC-Concurrent-To);
  a rendered DOM is a `resource` record (see `write_rendered`).
- Nothing that lets someone into an account is written (crawler/auth): the values of
  Cookie, Set-Cookie, Authorization and Proxy-Authorization headers become "[redacted]"
  (cookie names, auth schemes and cookie attributes stay) on every record of every route;
  an exchange marked `withheld` (a login form's POST) keeps its headers but not its
  bodies, and its HTTP blocks say so in an `X-Flagwatch-Withheld` header. Digests are of
  what is written, so the file verifies.
- Each file starts with a `warcinfo` record (software, format, platform, job id; no host
  name: a case package leaves the investigator's machine).

A file is never overwritten (created with O_EXCL). Any OSError (disk full, permission, a
path that is a file) becomes `CaptureWriteError` naming the file: capture.py stops the run.
"""

from __future__ import annotations

import base64
import hashlib
import io
import os
import re
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path

from warcio.recordbuilder import RecordBuilder
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from crawler.evidence.layout import WarcFile, relative, safe_component, warc_dir
from crawler.models import EvidenceRef

WARC_VERSION = "WARC/1.1"
GZIP_LEVEL = 6  # zlib's default: level 9 costs about twice the CPU for ~3 % smaller files
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_URI_UNSAFE = re.compile(r"[\x00-\x20\x7f]")

# Media types written (besides text/*, which excludes text/css and text/javascript below):
# HTML, JSON, XML, plain text. Everything else is skipped and counted.
_TEXT_TYPES = frozenset(
    {
        "application/json",
        "application/ld+json",
        "application/xhtml+xml",
        "application/xml",
        "application/rss+xml",
        "application/atom+xml",
        "text/html",
        "text/plain",
        "text/xml",
        "text/json",
    }
)


def text_media_type(content_type: str | bytes | None) -> str | None:
    """The media type when a Content-Type names text we keep (HTML, JSON, XML, plain), else
    None. No header at all: None (the caller decides from what else it knows)."""
    if not content_type:
        return None
    if isinstance(content_type, bytes):
        content_type = content_type.decode("latin-1")
    media = content_type.split(";", 1)[0].strip().lower()
    if media in _TEXT_TYPES or media.endswith(("+json", "+xml")):
        return media
    return None


class CaptureWriteError(OSError):
    """A capture could not be written: names the file and the reason."""

    def __init__(self, path: Path | str, reason: str) -> None:
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{path}: {reason}")


REDACTED = "[redacted]"
WITHHELD_HEADER = "X-Flagwatch-Withheld"
# Headers whose values let someone into an account (or are the account's password).
SECRET_HEADERS = frozenset(
    {"cookie", "cookie2", "set-cookie", "set-cookie2", "authorization", "proxy-authorization"}
)
# Headers that describe a body: not kept when the body is withheld.
_BODY_HEADERS = frozenset({"content-length", "content-encoding", "transfer-encoding"})


def redact_header(name: str, value: str) -> str:
    """A header value with its secret part replaced by "[redacted]": cookie values (the
    names and a Set-Cookie's attributes stay), credentials after an auth scheme."""
    lower = name.lower()
    if lower not in SECRET_HEADERS:
        return value
    if lower in ("authorization", "proxy-authorization"):
        scheme, _, rest = value.strip().partition(" ")
        return f"{scheme} {REDACTED}" if rest.strip() else REDACTED
    if lower in ("set-cookie", "set-cookie2"):
        first, sep, attributes = value.partition(";")
        return _redact_pair(first) + sep + attributes
    return "; ".join(_redact_pair(part) for part in value.split(";") if part.strip())


def _redact_pair(pair: str) -> str:
    name, sep, _ = pair.strip().partition("=")
    return f"{name}={REDACTED}" if sep else REDACTED


def redact_headers(headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
    return [(k, redact_header(k, v)) for k, v in headers]


def _withhold(headers: list[tuple[str, str]], what: str) -> list[tuple[str, str]]:
    kept = [(k, v) for k, v in headers if k.lower() not in _BODY_HEADERS]
    return [*kept, ("Content-Length", "0"), (WITHHELD_HEADER, what)]


@dataclass
class HttpExchange:
    """One request and its response as a route fetched them (the body as recorded)."""

    url: str
    method: str
    request_headers: list[tuple[str, str]]
    request_body: bytes
    status: int
    response_headers: list[tuple[str, str]]
    body: bytes
    protocol: str = "HTTP/1.1"
    reason: str = ""
    ip_address: str | None = None
    request_target: str | None = None  # path?query; None: from url
    extra_warc_headers: list[tuple[str, str]] = field(default_factory=list)
    # Why the bodies are not written (a login form: "login form"); None: written as fetched.
    withheld: str | None = None


def warc_uri(url: str) -> str:
    """A URL as one WARC header value: spaces and control characters percent-encoded."""
    return _URI_UNSAFE.sub(lambda m: f"%{ord(m.group()):02X}", url)


def header_value(value: str) -> str:
    """A header value a hostile server sent, safe as one header line (no CR, LF, NUL...)."""
    return _CONTROL.sub(" ", value)


def _digest_label(raw: bytes) -> str:
    return "sha256:" + base64.b32encode(raw).decode("ascii")


def _warc_date(at: datetime) -> str:
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _record_id() -> str:
    return f"<urn:uuid:{uuid.uuid4()}>"


def _request_target(url: str) -> str:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).netloc


class RunWarcWriter:
    """The WARC files of one platform's run; see the module docstring."""

    def __init__(
        self,
        root: Path,
        platform: str,
        job_id: str,
        max_bytes: int,
        *,
        software: str = "flagwatch",
    ) -> None:
        self.root = root
        self.platform = safe_component(platform, "platform")
        self.job_id = safe_component(job_id, "job id")
        self.directory = warc_dir(root, self.platform, self.job_id)
        self.max_bytes = max_bytes
        self.software = software
        self.files: list[WarcFile] = []
        self._serializer = WARCWriter(None, gzip=False, warc_version=WARC_VERSION)
        self._file: io.BufferedWriter | None = None
        self._path: Path | None = None
        self._size = 0
        self._records = 0
        self._responses = 0
        self._first: datetime | None = None
        self._last: datetime | None = None
        self.closed = False

    # ---- files -----------------------------------------------------------------------

    def _name(self, number: int) -> str:
        # Our job ids begin with the platform's name (crawler.crawl.store): not twice.
        stem = self.job_id
        if not stem.startswith(f"{self.platform}-"):
            stem = f"{self.platform}-{stem}"
        return f"{stem}-{number:05d}.warc.gz"

    def _open_next(self) -> None:
        number = len(self.files) + 1
        path = self.directory / self._name(number)
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o640)
            self._file = os.fdopen(fd, "wb")
        except OSError as exc:
            raise CaptureWriteError(path, exc.strerror or str(exc)) from exc
        self._path = path
        self._size = self._records = self._responses = 0
        self._first = self._last = None
        self._write_member(self._warcinfo(path.name), utc_now(), response=False)

    def _warcinfo(self, filename: str) -> bytes:
        fields = (
            f"software: {self.software}\r\n"
            f"format: WARC File Format 1.1\r\n"
            f"conformsTo: https://iipc.github.io/warc-specifications/specifications/"
            f"warc-format/warc-1.1/\r\n"
            f"platform: {self.platform}\r\n"
            f"job: {self.job_id}\r\n"
        ).encode()
        return self._serialize(
            "warcinfo",
            None,
            [
                ("WARC-Filename", filename),
                ("Content-Type", "application/warc-fields"),
            ],
            None,
            fields,
            utc_now(),
        )[0]

    def _close_current(self) -> None:
        if self._file is None or self._path is None:
            return
        path = self._path
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
        except OSError as exc:
            raise CaptureWriteError(path, exc.strerror or str(exc)) from exc
        finally:
            self._file = None
        try:
            digest = hashlib.sha256()
            with path.open("rb") as f:
                for chunk in iter(lambda: f.read(1 << 20), b""):
                    digest.update(chunk)
        except OSError as exc:
            raise CaptureWriteError(path, f"cannot be read back: {exc.strerror or exc}") from exc
        assert self._first is not None and self._last is not None
        self.files.append(
            WarcFile(
                path=relative(self.root, path),
                sha256=digest.hexdigest(),
                size=self._size,
                records=self._records,
                responses=self._responses,
                first_date=self._first,
                last_date=self._last,
            )
        )
        self._path = None

    def close(self) -> list[WarcFile]:
        """Close the current file (fsync, then its sha256 read back); every file of the run."""
        if not self.closed:
            self.closed = True
            self._close_current()
        return self.files

    # ---- records ---------------------------------------------------------------------

    def _serialize(
        self,
        rec_type: str,
        uri: str | None,
        warc_headers: list[tuple[str, str]],
        http_headers: StatusAndHeaders | None,
        payload: bytes,
        at: datetime,
    ) -> tuple[bytes, str, str]:
        """(record bytes, record id, payload sha256 hex) of one uncompressed record."""
        rid = _record_id()
        payload_digest = hashlib.sha256(payload)
        if http_headers is not None:
            http_headers.compute_headers_buffer()
            block_digest = hashlib.sha256(http_headers.headers_buff)
            block_digest.update(payload)
        else:
            block_digest = payload_digest
        headers = [
            ("WARC-Type", rec_type),
            ("WARC-Record-ID", rid),
            ("WARC-Date", _warc_date(at)),
        ]
        if uri is not None:
            headers.append(("WARC-Target-URI", warc_uri(uri)))
        headers.extend((k, header_value(v)) for k, v in warc_headers)
        if rec_type not in RecordBuilder.NO_PAYLOAD_DIGEST_TYPES:
            headers.append(("WARC-Payload-Digest", _digest_label(payload_digest.digest())))
        headers.append(("WARC-Block-Digest", _digest_label(block_digest.digest())))
        content_type = dict(warc_headers).get("Content-Type") or "application/warc-record"
        record = self._serializer.create_warc_record(
            uri or "",
            rec_type,
            payload=io.BytesIO(payload),
            length=len(payload),
            warc_headers=StatusAndHeaders("", headers, protocol=WARC_VERSION),
            warc_content_type=content_type,
            http_headers=http_headers,
        )
        out = io.BytesIO()
        self._serializer._write_warc_record(out, record)
        return out.getvalue(), rid, payload_digest.hexdigest()

    def _write_member(
        self, record: bytes, at: datetime, *, response: bool
    ) -> tuple[Path, int, int]:
        """Append one record as its own gzip member; (file, offset, length)."""
        comp = zlib.compressobj(GZIP_LEVEL, zlib.DEFLATED, 31)
        member = comp.compress(record) + comp.flush()
        if (
            self._file is not None
            and self._size + len(member) > self.max_bytes
            and self._records > 1
        ):
            self._close_current()
        if self._file is None:
            self._open_next()
        assert self._file is not None and self._path is not None
        offset = self._size
        try:
            # Flushed per record: a killed crawl keeps every record written before (the
            # file is fsynced when it is closed).
            self._file.write(member)
            self._file.flush()
        except OSError as exc:
            raise CaptureWriteError(self._path, exc.strerror or str(exc)) from exc
        self._size += len(member)
        self._records += 1
        if response:
            self._responses += 1
        self._first = self._first or at
        self._last = at
        return self._path, offset, len(member)

    def _ref(
        self, where: tuple[Path, int, int], rid: str, sha256: str, uri: str, at: datetime
    ) -> EvidenceRef:
        path, offset, length = where
        return EvidenceRef(
            file=relative(self.root, path),
            offset=offset,
            length=length,
            record_id=rid,
            sha256=sha256,
            uri=uri,
            captured_at=at,
        )

    def write_exchange(self, ex: HttpExchange, at: datetime | None = None) -> EvidenceRef:
        """A response record and its request record; the reference of the response."""
        if self.closed:
            raise CaptureWriteError(self.directory, "the run's WARC files are already closed")
        at = at or utc_now()
        reason = ex.reason or _reason(ex.status)
        response_headers = redact_headers(ex.response_headers)
        request_headers = redact_headers(ex.request_headers)
        body, request_body = ex.body, ex.request_body
        if ex.withheld is not None:
            body = request_body = b""
            response_headers = _withhold(response_headers, f"response body ({ex.withheld})")
            request_headers = _withhold(request_headers, f"request body ({ex.withheld})")
        resp_headers = StatusAndHeaders(
            f"{ex.status} {reason}".strip(),
            [(k, header_value(v)) for k, v in response_headers],
            protocol=ex.protocol or "HTTP/1.1",
        )
        warc = [("Content-Type", "application/http; msgtype=response")]
        if ex.ip_address:
            warc.append(("WARC-IP-Address", ex.ip_address))
        warc.extend(ex.extra_warc_headers)
        record, rid, sha = self._serialize("response", ex.url, warc, resp_headers, body, at)
        where = self._write_member(record, at, response=True)
        req_headers = [(k, header_value(v)) for k, v in request_headers]
        if not any(k.lower() == "host" for k, _ in req_headers):
            req_headers.insert(0, ("Host", _host(ex.url)))
        request = StatusAndHeaders(
            f"{ex.method} {ex.request_target or _request_target(ex.url)} "
            f"{ex.protocol or 'HTTP/1.1'}",
            req_headers,
            is_http_request=True,
        )
        req_record, _, _ = self._serialize(
            "request",
            ex.url,
            [("Content-Type", "application/http; msgtype=request"), ("WARC-Concurrent-To", rid)],
            request,
            request_body,
            at,
        )
        self._write_member(req_record, at, response=False)
        return self._ref(where, rid, sha, ex.url, at)

    def write_rendered(
        self,
        url: str,
        html: bytes,
        content_type: str,
        refers_to: EvidenceRef | None,
        at: datetime | None = None,
    ) -> EvidenceRef:
        """The DOM a browser rendered, as a `resource` record for the page's URL.

        The listing is read from this, not from the network response: a resource record
        is what replay tools show for the URL (pywb and ReplayWeb.page index resource
        records, not conversion records), and the later WARC-Date makes it the page's
        latest capture. WARC-Refers-To names the network response it was rendered from,
        and `WARC-Rendered: dom` says what it is.
        """
        if self.closed:
            raise CaptureWriteError(self.directory, "the run's WARC files are already closed")
        at = at or utc_now()
        warc = [("Content-Type", content_type), ("WARC-Rendered", "dom")]
        if refers_to is not None:
            warc += [
                ("WARC-Refers-To", refers_to.record_id),
                ("WARC-Refers-To-Target-URI", warc_uri(refers_to.uri)),
                ("WARC-Refers-To-Date", _warc_date(refers_to.captured_at)),
            ]
        record, rid, sha = self._serialize("resource", url, warc, None, html, at)
        where = self._write_member(record, at, response=True)
        return self._ref(where, rid, sha, url, at)


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class CapturedRecord:
    """One record read back by its EvidenceRef (`read_capture`)."""

    rec_type: str
    record_id: str
    target_uri: str
    date: str
    warc_headers: list[tuple[str, str]]
    http_headers: list[tuple[str, str]] | None  # None: a resource record (no HTTP head)
    status: int | None
    payload: bytes  # as stored: for a response, the body as the server sent it

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.payload).hexdigest()


def read_capture(root: Path, ref: EvidenceRef) -> CapturedRecord:
    """The record an EvidenceRef points to, read from its gzip member alone (warcio).

    ValueError naming the file and offset when the bytes there are not that one record.
    """
    from warcio.archiveiterator import ArchiveIterator

    path = root / ref.file
    with path.open("rb") as f:
        f.seek(ref.offset)
        member = f.read(ref.length)
    records = []
    try:
        for record in ArchiveIterator(io.BytesIO(member), check_digests=True):
            payload = record.raw_stream.read()
            http = record.http_headers
            status = None
            if http is not None and record.rec_type == "response":
                status = int(http.get_statuscode() or 0)
            records.append(
                CapturedRecord(
                    rec_type=record.rec_type,
                    record_id=record.rec_headers.get_header("WARC-Record-ID") or "",
                    target_uri=record.rec_headers.get_header("WARC-Target-URI") or "",
                    date=record.rec_headers.get_header("WARC-Date") or "",
                    warc_headers=list(record.rec_headers.headers),
                    http_headers=list(http.headers) if http is not None else None,
                    status=status,
                    payload=payload,
                )
            )
    except Exception as exc:
        raise ValueError(f"{ref.file} at offset {ref.offset}: not a WARC record: {exc}") from exc
    if len(records) != 1:
        raise ValueError(f"{ref.file} at offset {ref.offset}: {len(records)} records, not one")
    if records[0].record_id != ref.record_id:
        raise ValueError(
            f"{ref.file} at offset {ref.offset}: record {records[0].record_id}, not {ref.record_id}"
        )
    return records[0]
