"""Writes that survive a crash: every byte written and synced, and the directory entry too.

Used where a file is a record someone relies on after a power cut: evidence manifests
(crawler.evidence.chain), the Elasticsearch spool (crawler.store.spool) and stored login
sessions (crawler.auth.sessions).
"""

from __future__ import annotations

import os
from pathlib import Path


def write_synced(fd: int, data: bytes) -> None:
    """Write all of `data` to the open descriptor (short writes continued), then fsync it."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    os.fsync(fd)


def fsync_directory(directory: Path) -> None:
    """Sync a directory, so that a file created or renamed in it stays there (OSError)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
