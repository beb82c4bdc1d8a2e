"""Whether a file changed since it was read: its version as the file system tells it.

Used by long-running processes that keep what they parsed from a file (the worker's
profiles, crawler.worker.profiles; the alert rules and watchlist, crawler.alerts.engine)
and read it again only when the file's version differs.
"""

from __future__ import annotations

from pathlib import Path


def file_version(path: Path) -> tuple[int, int, int] | None:
    """(mtime in ns, size, inode) of the file, None when it cannot be read: an edit in
    place changes the first two, a file saved by renaming a new one over it the third."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)
