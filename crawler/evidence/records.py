"""Reading WARC files back and checking every record's digests (verify and case exports).

`check_warc(stream, name)` reads every record with warcio, checks its WARC-Block-Digest and
WARC-Payload-Digest (whatever algorithm the record names; ours are sha256), and returns one
problem per bad record, naming the file, the record's offset and its WARC-Record-ID. A file
that cannot be read to its end (cut short, not gzip, not WARC) is one problem naming where
reading stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed


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
            if record.rec_type == "response":
                responses += 1
            checker = record.digest_checker
            if checker.passed is False:
                problems.append(RecordProblem(name, offset, record_id, "; ".join(checker.problems)))
    except (ArchiveLoadFailed, OSError, EOFError, ValueError) as exc:
        problems.append(
            RecordProblem(
                name,
                offset,
                record_id,
                f"unreadable after {records} record(s): {type(exc).__name__}: {exc}",
            )
        )
    return WarcCheck(records, responses, problems)
