"""Reading WARC files back and checking every record's digests (verify and case exports).

`check_warc(stream, name)` reads every record with warcio, checks its WARC-Block-Digest and
WARC-Payload-Digest (whatever algorithm the record names; ours are sha256), and returns one
problem per bad record, naming the file, the record's offset and its WARC-Record-ID. A file
that cannot be read to its end (cut short, not gzip, not WARC) is one problem naming where
reading stopped: the gzip member that no longer inflates, found by `first_bad_member`
(each member inflated on its own), when the stream can be read again from its start.
"""

from __future__ import annotations

import io
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

# The record types that hold a captured page: an HTTP response, or (crawler.browser) the
# DOM a browser rendered, a `resource` record. WarcFile.responses counts both.
CAPTURE_TYPES = ("response", "resource")


@dataclass(frozen=True)
class RecordProblem:
    file: str
    offset: int | None  # of the record's gzip member; None: the file as a whole
    record_id: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file if self.offset is None else f"{self.file} at offset {self.offset}"
        rid = f" (record {self.record_id})" if self.record_id else ""
        return f"{where}{rid}: {self.reason}"


@dataclass
class WarcCheck:
    records: int
    responses: int
    problems: list[RecordProblem]


def check_warc(stream: BinaryIO, name: str) -> WarcCheck:
    """Read every record of one WARC file and check its digests."""
    records = responses = 0
    problems: list[RecordProblem] = []
    it = ArchiveIterator(stream, check_digests=True)
    offset: int | None = None
    record_id: str | None = None
    try:
        for record in it:
            offset = it.get_record_offset()
            record_id = record.rec_headers.get_header("WARC-Record-ID")
            stream_ = record.content_stream()
            while stream_.read(65536):
                pass
            records += 1
            if record.rec_type in CAPTURE_TYPES:
                responses += 1
            checker = record.digest_checker
            if checker.passed is False:
                problems.append(RecordProblem(name, offset, record_id, "; ".join(checker.problems)))
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        # warcio blames a gzip member that no longer inflates on the record before it: find
        # the member itself when the stream can be read again from the start.
        if _rewind(stream):
            bad = first_bad_member(stream, name)
            if bad is not None:
                problems.append(bad)
                return WarcCheck(records, responses, problems)
        problems.append(
            RecordProblem(
                name,
                offset,
                record_id,
                f"unreadable after {records} record(s): {type(exc).__name__}: {exc}",
            )
        )
    return WarcCheck(records, responses, problems)


def _rewind(stream: BinaryIO) -> bool:
    try:
        if not stream.seekable():
            return False
        stream.seek(0)
    except (AttributeError, OSError, ValueError):
        return False
    return True


_GZIP_MAGIC = b"\x1f\x8b"
_RECORD_ID = re.compile(rb"WARC-Record-ID:[ \t]*(<[^>\r\n]{1,200}>)", re.IGNORECASE)
_CHUNK = 1 << 20
_SLICE = 64  # small: a member that breaks still yields its headers


def first_bad_member(f: BinaryIO, name: str) -> RecordProblem | None:
    """The first record of a gzip WARC file that does not read back or whose digests fail:
    its gzip member's offset and WARC-Record-ID (as far as the member still decompresses).

    warcio, reading the file as a whole, blames a member that no longer inflates on the
    record before it; here each member is inflated on its own, so the offset is the bad
    member's. None when every member reads and checks (or the file is not gzip)."""
    start = f.tell()
    if f.read(2) != _GZIP_MAGIC:
        return None
    f.seek(start)
    for offset, record, error in _gzip_members(f):
        found = _RECORD_ID.search(record[:65536])
        record_id = found.group(1).decode("ascii", "replace") if found else None
        if error is not None:
            return RecordProblem(name, offset, record_id, error)
        check = check_warc(io.BytesIO(record), name)
        if check.problems:
            reasons = "; ".join(p.reason for p in check.problems)
            return RecordProblem(name, offset, record_id, reasons[:300])
    return None


def _gzip_members(f: BinaryIO) -> Iterator[tuple[int, bytes, str | None]]:
    """(offset, inflated bytes, error) for each gzip member of `f`, up to the first bad one.

    Fed in small slices, so that a member that breaks midway still yields what inflated
    before the break (its WARC headers, with the record id)."""
    offset = 0
    buf = f.read(_CHUNK)
    while buf:
        start = offset
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        out: list[bytes] = []
        try:
            while True:
                piece, buf = buf[:_SLICE], buf[_SLICE:]
                out.append(inflater.decompress(piece))
                if inflater.eof:
                    rest = inflater.unused_data
                    offset += len(piece) - len(rest)
                    buf = rest + buf or f.read(_CHUNK)
                    break
                offset += len(piece)
                if not buf:
                    buf = f.read(_CHUNK)
                if not buf:
                    yield start, b"".join(out), "cut short: the gzip member does not end"
                    return
        except zlib.error as exc:
            yield start, b"".join(out), f"does not inflate (not the gzip member written): {exc}"
            return
        yield start, b"".join(out), None
