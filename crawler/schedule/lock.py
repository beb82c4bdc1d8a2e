"""One run per platform at a time: an exclusive lock file per platform.

CRAWLER_DATA_DIR/locks/NAME.lock, held with flock(2) by the scheduler (and handed down to
the crawl it starts through SCHEDULER_LOCK_FD) or by `crawler crawl` itself; cron jobs can
use the same file with `flock -n`. The lock is released when its holder exits, however.
"""

from __future__ import annotations

import fcntl
from pathlib import Path
from typing import IO, Any


class PlatformLock:
    """An exclusive, non-blocking lock on CRAWLER_DATA_DIR/locks/NAME.lock (released on exit)."""

    def __init__(self, data_dir: Path, platform: str) -> None:
        self.path = data_dir / "locks" / f"{platform}.lock"
        self._fh: IO[str] | None = None

    @classmethod
    def for_settings(cls, settings: Any, platform: str) -> PlatformLock:
        return cls(Path(str(settings.get("CRAWLER_DATA_DIR") or "data")), platform)

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")  # noqa: SIM115 - held open while the crawl runs
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        self._fh = fh
        return True

    def fileno(self) -> int:
        assert self._fh is not None
        return self._fh.fileno()

    def release(self) -> None:
        # Closing (not LOCK_UN) matters: the crawl inherited the descriptor, so a crawl that
        # outlives a killed scheduler keeps the platform locked until it exits.
        if self._fh is not None:
            self._fh.close()
            self._fh = None
