"""The on-disk spool: order, durability of acknowledged records, torn lines, segment claims."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from crawler.store.spool import Spool

HOLD_SEGMENT = """
import sys, time
from pathlib import Path
from crawler.store.spool import Spool

spool = Spool(Path(sys.argv[1]), "fw")
spool.append([{"op": "upsert", "n": 1}])
print("ready", flush=True)
time.sleep(60)
"""


def test_records_come_back_in_order_and_torn_last_line_is_ignored(tmp_path: Path) -> None:
    spool = Spool(tmp_path, "fw")
    spool.append([{"n": 1}, {"n": 2}])
    spool.append([{"n": 3}])
    spool.close_segment()
    spool.append([{"n": 4}])  # a second segment, newer
    spool.close_segment()
    segments = spool.segments()
    assert len(segments) == 2
    # A process killed inside write(): the last line has no newline; it was never acked.
    with segments[1].open("ab") as fh:
        fh.write(b'{"n": 5')
    got = [r["n"] for seg in segments for r in spool.claim(seg).records()]
    assert got == [1, 2, 3, 4]
    assert spool.pending_records() == 4


def test_done_deletes_a_claimed_segment(tmp_path: Path) -> None:
    spool = Spool(tmp_path, "fw")
    spool.append([{"n": 1}])
    assert spool.pending()
    # The segment this process is still writing cannot be claimed by itself.
    assert spool.claim(spool.segments()[0]) is None
    spool.close_segment()
    claimed = spool.claim(spool.segments()[0])
    assert claimed is not None
    claimed.done()
    assert not spool.segments() and not spool.pending()


def test_a_live_writers_segment_is_not_claimed_until_it_dies(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[3]
    proc = subprocess.Popen(
        [sys.executable, "-c", HOLD_SEGMENT, str(tmp_path)],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout.readline().strip() == "ready"
        spool = Spool(tmp_path, "fw")
        [segment] = spool.segments()
        assert spool.claim(segment) is None
        assert not spool.pending()  # another live process's records are its business
    finally:
        proc.kill()
        proc.wait(timeout=30)
    deadline = time.monotonic() + 10
    while spool.claim(segment) is None:  # the lock went with the killed process
        assert time.monotonic() < deadline
        time.sleep(0.1)
    assert spool.pending()
