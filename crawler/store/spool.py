"""Durable on-disk spool for store writes that Elasticsearch could not take.

When Elasticsearch is unreachable the Elasticsearch store appends each write (listing
upserts, touches, crawl jobs, alerts) to a spool segment: JSON lines, one record per line,
written and fsync'ed before the caller gets its result, so a crawler killed right after
still has them. Each process writes its own segment (`<prefix>-<ns timestamp>-<pid>.jsonl`)
and holds an exclusive flock on it while it is open, so another process's replay leaves a
segment alone until its writer closes it or dies. Replay reads segments oldest first,
record by record in order, and deletes a segment once every record in it was applied.
A segment Elasticsearch rejects (a mapping error, not an outage) is renamed to
`*.jsonl.rejected` and left for an analyst to inspect. Applying a record twice is harmless (listing ids are stable, upserts ignore data older than
what is stored), so a replay cut short is simply done again.

Settings: STORE_SPOOL_DIR (default CRAWLER_DATA_DIR/spool), read by StoreConfig.
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from crawler.durable import fsync_directory

logger = logging.getLogger(__name__)


class Spool:
    """Append-only JSON-lines segments in one directory, shared by every crawler process."""

    def __init__(self, directory: Path, prefix: str = "flagwatch") -> None:
        self.directory = Path(directory)
        self.prefix = prefix
        self._segment: Path | None = None
        self._fh: IO[bytes] | None = None

    # -- writing ------------------------------------------------------------------------
    def append(self, records: list[dict[str, Any]]) -> None:
        """Append records in order and fsync them; returns only once they are on disk."""
        if not records:
            return
        if self._fh is None:
            self.directory.mkdir(parents=True, exist_ok=True)
            name = f"{self.prefix}-{time.time_ns():020d}-{os.getpid()}.jsonl"
            self._segment = self.directory / name
            self._fh = open(self._segment, "ab")  # noqa: SIM115 - kept open across appends
            fcntl.flock(self._fh, fcntl.LOCK_EX)
            self._fsync_dir()  # the new file's directory entry must survive a crash too
        data = b"".join(
            json.dumps(r, separators=(",", ":"), default=str).encode() + b"\n" for r in records
        )
        self._fh.write(data)
        self._fh.flush()
        os.fsync(self._fh.fileno())

    def close_segment(self) -> None:
        """Stop appending to the current segment (the next append starts a new one)."""
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
        self._fh = None
        self._segment = None

    # -- reading ------------------------------------------------------------------------
    def segments(self) -> list[Path]:
        """Segments with this prefix, oldest first (names start with a ns timestamp)."""
        if not self.directory.is_dir():
            return []
        return sorted(self.directory.glob(f"{self.prefix}-*.jsonl"))

    def pending(self) -> bool:
        """Records wait that this process may replay: its own, or a closed/dead writer's.

        Segments another live process is still writing are its business, not ours.
        """
        if self._fh is not None:
            return True
        return any(self._unclaimed(seg) for seg in self.segments())

    @staticmethod
    def _unclaimed(segment: Path) -> bool:
        try:
            with open(segment, "rb") as fh:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                fcntl.flock(fh, fcntl.LOCK_UN)
                return True
        except (BlockingIOError, FileNotFoundError):
            return False

    def pending_records(self) -> int:
        """How many records wait in the spool (reads every segment: for tests and status)."""
        return sum(1 for seg in self.segments() for _ in _read_records(seg))

    def pending_by_op(self) -> dict[str, int]:
        """How many records of each kind (upsert, touch, job, alert, signals) wait."""
        out: dict[str, int] = {}
        for seg in self.segments():
            for record in _read_records(seg):
                op = str(record.get("op"))
                out[op] = out.get(op, 0) + 1
        return out

    def oldest(self) -> float | None:
        """When the oldest waiting segment was started (Unix time), or None when empty."""
        segments = self.segments()
        if not segments:
            return None
        try:
            return int(segments[0].name.removeprefix(self.prefix + "-").split("-")[0]) / 1e9
        except ValueError:
            return segments[0].stat().st_mtime

    def claim(self, segment: Path) -> ClaimedSegment | None:
        """Lock a segment for replay; None when another process writes or replays it."""
        if segment == self._segment:
            return None
        try:
            fh = open(segment, "rb")  # noqa: SIM115 - closed by ClaimedSegment
        except FileNotFoundError:
            return None  # replayed and deleted by another process meanwhile
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return None
        if not segment.exists():  # deleted between open() and flock()
            fh.close()
            return None
        return ClaimedSegment(segment, fh)

    def _fsync_dir(self) -> None:
        fsync_directory(self.directory)


class ClaimedSegment:
    """A segment locked by this process for replay: read its records, then done() deletes it."""

    def __init__(self, path: Path, fh: IO[bytes]) -> None:
        self.path = path
        self._fh = fh

    def records(self) -> Iterator[dict[str, Any]]:
        return _read_records(self.path)

    def done(self) -> None:
        self.path.unlink(missing_ok=True)
        self.release()

    def release(self) -> None:
        fcntl.flock(self._fh, fcntl.LOCK_UN)
        self._fh.close()


def _read_records(path: Path) -> Iterator[dict[str, Any]]:
    try:
        with open(path, "rb") as fh:
            for lineno, line in enumerate(fh, 1):
                if not line.endswith(b"\n"):
                    # A torn last line: the process died inside write(); the caller of that
                    # append never got a result, so the record was never acknowledged.
                    logger.warning("spool %s: ignoring incomplete line %d", path.name, lineno)
                    return
                try:
                    yield json.loads(line)
                except ValueError:
                    logger.warning("spool %s: ignoring unreadable line %d", path.name, lineno)
    except FileNotFoundError:
        return
