"""A delivery leased by a process that died is taken over at once, not after the lease runs out."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from crawler.alerts.alert import Alert
from crawler.alerts.outbox import Outbox

CLAIM_AND_DIE = """
import os, sys
from crawler.alerts.outbox import Outbox
box = Outbox(sys.argv[1])
taken = box.claim_due(["hook"], lease=600)
print(len(taken), flush=True)
os._exit(0)  # dies holding a 10-minute lease, as a killed crawl does
"""


def alert(n: int) -> Alert:
    return Alert(id=f"a{n}", rule="r", listing_id=f"l{n}", listing_fingerprint="f", outcome="new",
                 platform="demo-classifieds", url=f"http://127.0.0.1/ad/{n}", channels=["hook"])  # fmt: skip


def test_dead_senders_lease_is_void(tmp_path: Path) -> None:
    path = tmp_path / "outbox.db"
    box = Outbox(path)
    box.enqueue([alert(1), alert(2), alert(3)])
    child = subprocess.run([sys.executable, "-c", CLAIM_AND_DIE, str(path)],
                           capture_output=True, text=True, timeout=60)  # fmt: skip
    assert child.stdout.strip() == "3", child.stderr
    taken = box.claim_due(["hook"], lease=60)
    assert sorted(d.alert.id for d in taken) == ["a1", "a2", "a3"]
    # A live holder's lease still stands: nothing is handed out twice.
    assert box.claim_due(["hook"], lease=60) == []
    box.close()
