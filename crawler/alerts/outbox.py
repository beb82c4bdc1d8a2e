"""The durable alert outbox: a local SQLite file that alerts reach before any delivery.

Setting: ALERTS_OUTBOX (default CRAWLER_DATA_DIR/outbox.db). Shared by every process on the
machine (crawls, `crawler alerts deliver`, the scheduler): WAL journal, busy timeout, and
`BEGIN IMMEDIATE` for every write, so concurrent processes never lose or double an entry.

Three tables (and `meta`: the rescore watermark, see AlertEngine.catch_up; and
`growth_counted`: the cluster members each `cluster_growth` rule has counted, see enqueue):
- markers: "this listing is about to be upserted; before that the store held fingerprint X".
  Written before the store upsert and removed together with the alerts it produced, so a
  crash between the upsert and the evaluation is found and evaluated after a restart
  (otherwise the listing would be stored, no longer new, and its alert lost).
- alerts: one row per alert id (rule + listing + version); `saved` once the store has it.
- deliveries: one row per alert and channel with its idempotency key, attempts, next attempt
  time, a lease (which process is sending it now) and the outcome.
The outbox uses synchronous=NORMAL: a commit survives a killed process (the crash the
design is about); only a power cut can lose the last commits.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.alerts.alert import Alert, GrowthClaim, idempotency_key

# Counted growth members first seen longer ago than this are forgotten: no window reaches
# them any more (windows are at most a year long, rules.ClusterGrowthCondition).
GROWTH_KEEP_SECONDS = 400 * 86400.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS markers (
    listing_id TEXT PRIMARY KEY,
    platform TEXT NOT NULL,
    known INTEGER NOT NULL,            -- was the listing stored before this upsert?
    prev_fingerprint TEXT,
    scraped_at REAL NOT NULL,
    owner TEXT NOT NULL,               -- host:pid of the crawl that wrote it
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS alerts (
    id TEXT PRIMARY KEY,
    rule TEXT NOT NULL,
    listing_id TEXT NOT NULL,
    record TEXT NOT NULL,
    saved INTEGER NOT NULL DEFAULT 0,  -- stored with ListingStore.save_alert
    created_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    alert_id TEXT NOT NULL REFERENCES alerts(id),
    channel TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL DEFAULT 'pending',   -- pending | delivered | failed
    attempts INTEGER NOT NULL DEFAULT 0,
    next_at REAL NOT NULL,
    lease_until REAL NOT NULL DEFAULT 0,
    lease_owner TEXT,
    last_error TEXT,
    created_at REAL NOT NULL,
    delivered_at REAL,
    PRIMARY KEY (alert_id, channel)
);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_at);
-- cluster_growth: a member counts toward one growth alert of a rule, never two (a merge
-- brings counted members into another cluster; the window slides over counted ones).
CREATE TABLE IF NOT EXISTS growth_counted (
    rule TEXT NOT NULL,
    listing_id TEXT NOT NULL,
    alert_id TEXT NOT NULL,
    first_seen REAL NOT NULL,          -- epoch seconds: rows older than any window are pruned
    PRIMARY KEY (rule, listing_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def process_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str) -> bool:
    """Whether the process that wrote a marker may still be running (same host only)."""
    host, _, pid = owner.rpartition(":")
    if host != socket.gethostname():
        return True  # cannot tell: another machine; the age limit decides instead
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return False
    except (PermissionError, ValueError):
        return True
    return True


@dataclass(frozen=True)
class Marker:
    listing_id: str
    platform: str
    known: bool
    prev_fingerprint: str | None
    scraped_at: float
    owner: str
    created_at: float


@dataclass(frozen=True)
class Delivery:
    alert: Alert
    channel: str
    key: str
    attempts: int
    created_at: float


class Outbox:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.db = sqlite3.connect(
            self.path, timeout=30, isolation_level=None, check_same_thread=False
        )
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self.db.executescript(_SCHEMA)
        with self._write():
            if self.db.execute("SELECT COUNT(*) FROM schema_version").fetchone()[0] == 0:
                self.db.execute("INSERT INTO schema_version VALUES (1)")
        self.owner = f"{process_owner()}:{uuid.uuid4().hex[:8]}"

    def close(self) -> None:
        self.db.close()

    # -- meta ----------------------------------------------------------------------------

    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key=?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str, only_if_missing: bool = False) -> None:
        verb = "INSERT OR IGNORE" if only_if_missing else "INSERT OR REPLACE"
        with self._write():
            self.db.execute(f"{verb} INTO meta VALUES (?, ?)", (key, value))

    def _write(self) -> _Txn:
        return _Txn(self.db)

    # -- markers -------------------------------------------------------------------------

    def mark(
        self,
        listing_id: str,
        platform: str,
        prev_fingerprint: str | None,
        known: bool,
        scraped_at: float | None = None,
    ) -> None:
        """Record the pre-upsert state; an older marker for the listing wins (it saw more)."""
        now = time.time()
        with self._write():
            self.db.execute(
                "INSERT OR IGNORE INTO markers VALUES (?,?,?,?,?,?,?)",
                (
                    listing_id,
                    platform,
                    int(known),
                    prev_fingerprint,
                    scraped_at or now,
                    process_owner(),
                    now,
                ),
            )

    def marker(self, listing_id: str) -> Marker | None:
        row = self.db.execute("SELECT * FROM markers WHERE listing_id=?", (listing_id,)).fetchone()
        return _marker(row) if row else None

    def markers(self) -> list[Marker]:
        return [_marker(r) for r in self.db.execute("SELECT * FROM markers ORDER BY created_at")]

    def clear_marker(self, listing_id: str) -> None:
        with self._write():
            self.db.execute("DELETE FROM markers WHERE listing_id=?", (listing_id,))

    # -- alerts --------------------------------------------------------------------------

    def enqueue(self, alerts: list[Alert], clear_marker: str | None = None) -> list[Alert]:
        """Persist alerts and their deliveries (and drop the marker) in one transaction.

        Returns the alerts that were not in the outbox before (dedup on alert id). A
        `cluster_growth` alert (one with a growth claim) is kept only when at least
        `min_new` of its members have not been counted by the rule before, checked inside
        the transaction, and its members are counted in the same transaction: another
        process, a re-evaluation after a crash or a merge cannot count them again.
        """
        if not alerts and clear_marker is None:
            return []  # nothing to write: no write transaction (catch_up asks per listing)
        now = time.time()
        fresh: list[Alert] = []
        with self._write():
            for a in alerts:
                claim = a.growth_claim
                if claim is not None and not self._claimable(claim):
                    continue
                cur = self.db.execute(
                    "INSERT OR IGNORE INTO alerts (id, rule, listing_id, record, created_at) VALUES (?,?,?,?,?)",
                    (a.id, a.rule, a.listing_id, a.model_dump_json(), now),
                )
                if cur.rowcount == 0:
                    continue
                if claim is not None:
                    self._count(claim, a.id, now)
                fresh.append(a)
                for ch in a.channels:
                    self.db.execute(
                        "INSERT OR IGNORE INTO deliveries (alert_id, channel, key, next_at, created_at) VALUES (?,?,?,?,?)",
                        (a.id, ch, idempotency_key(a.id, ch), now, now),
                    )
            if clear_marker is not None:
                self.db.execute("DELETE FROM markers WHERE listing_id=?", (clear_marker,))
        return fresh

    def counted(self, rule: str, listing_ids: list[str]) -> set[str]:
        """Which of these listings a growth alert of the rule has counted already."""
        if not listing_ids:
            return set()
        rows = self.db.execute(
            "SELECT listing_id FROM growth_counted WHERE rule=? "
            "AND listing_id IN (SELECT value FROM json_each(?))",
            (rule, json.dumps(listing_ids)),
        )
        return {r[0] for r in rows}

    def _claimable(self, claim: GrowthClaim) -> bool:
        taken = self.counted(claim.rule, [m for m, _ in claim.members])
        return sum(1 for m, _ in claim.members if m not in taken) >= claim.min_new

    def _count(self, claim: GrowthClaim, alert_id: str, now: float) -> None:
        self.db.executemany(
            "INSERT OR IGNORE INTO growth_counted VALUES (?,?,?,?)",
            [(claim.rule, m, alert_id, seen) for m, seen in claim.members],
        )
        self.db.execute(
            "DELETE FROM growth_counted WHERE rule=? AND first_seen < ?",
            (claim.rule, now - GROWTH_KEEP_SECONDS),
        )

    def unsaved(self, limit: int = 1000) -> list[Alert]:
        rows = self.db.execute(
            "SELECT record FROM alerts WHERE saved=0 ORDER BY created_at LIMIT ?", (limit,)
        )
        return [Alert.model_validate_json(r[0]) for r in rows]

    def mark_saved(self, alert_ids: list[str]) -> None:
        with self._write():
            self.db.executemany("UPDATE alerts SET saved=1 WHERE id=?", [(i,) for i in alert_ids])

    # -- deliveries ----------------------------------------------------------------------

    def claim_due(
        self, channels: list[str], lease: float, limit: int = 50, now: float | None = None
    ) -> list[Delivery]:
        """Take due deliveries for the given channels under a lease (no other process sends them)."""
        if not channels:
            return []
        now = time.time() if now is None else now
        marks = ",".join("?" * len(channels))
        with self._write():
            # A lease whose sender process died (killed mid-delivery) is void at once, not
            # only when it runs out: the delivery is retried with the same idempotency key.
            held = self.db.execute(
                "SELECT DISTINCT lease_owner FROM deliveries "
                "WHERE state='pending' AND lease_until > ? AND lease_owner IS NOT NULL",
                (now,),
            ).fetchall()
            dead = [o for (o,) in held if not owner_alive(o.rpartition(":")[0])]
            self.db.executemany(
                "UPDATE deliveries SET lease_until=0 WHERE state='pending' AND lease_owner=?",
                [(o,) for o in dead],
            )
            rows = self.db.execute(
                f"""SELECT d.alert_id, d.channel, d.key, d.attempts, d.created_at, a.record
                    FROM deliveries d JOIN alerts a ON a.id = d.alert_id
                    WHERE d.state='pending' AND d.next_at <= ? AND d.lease_until <= ?
                      AND d.channel IN ({marks})
                    ORDER BY d.next_at LIMIT ?""",
                (now, now, *channels, limit),
            ).fetchall()
            self.db.executemany(
                "UPDATE deliveries SET lease_until=?, lease_owner=? WHERE alert_id=? AND channel=?",
                [(now + lease, self.owner, r[0], r[1]) for r in rows],
            )
        return [Delivery(Alert.model_validate_json(r[5]), r[1], r[2], r[3], r[4]) for r in rows]

    def delivered(self, d: Delivery) -> None:
        with self._write():
            self.db.execute(
                "UPDATE deliveries SET state='delivered', attempts=attempts+1, delivered_at=?, "
                "lease_until=0, last_error=NULL WHERE alert_id=? AND channel=?",
                (time.time(), d.alert.id, d.channel),
            )

    def attempt_failed(self, d: Delivery, error: str, next_at: float | None) -> None:
        """Record a failed attempt: retry at next_at, or give up (state failed) when None."""
        with self._write():
            self.db.execute(
                "UPDATE deliveries SET attempts=attempts+1, last_error=?, lease_until=0, "
                "next_at=COALESCE(?, next_at), state=CASE WHEN ? IS NULL THEN 'failed' ELSE state END "
                "WHERE alert_id=? AND channel=?",
                (error[:500], next_at, next_at, d.alert.id, d.channel),
            )

    def retry_failed(self) -> int:
        with self._write():
            cur = self.db.execute(
                "UPDATE deliveries SET state='pending', next_at=?, attempts=0 WHERE state='failed'",
                (time.time(),),
            )
        return cur.rowcount

    def next_due(self, channels: list[str]) -> float | None:
        """When the earliest pending delivery for these channels may be attempted."""
        if not channels:
            return None
        marks = ",".join("?" * len(channels))
        now = time.time()
        # A leased delivery is being sent right now (or its sender died): look again soon.
        row = self.db.execute(
            f"SELECT MIN(CASE WHEN lease_until > ? THEN ? ELSE next_at END) FROM deliveries "
            f"WHERE state='pending' AND channel IN ({marks})",
            (now, now + 0.2, *channels),
        ).fetchone()
        return row[0]

    def pending_count(self, channels: list[str] | None = None) -> int:
        if channels is None:
            return self.db.execute(
                "SELECT COUNT(*) FROM deliveries WHERE state='pending'"
            ).fetchone()[0]
        if not channels:
            return 0
        marks = ",".join("?" * len(channels))
        return self.db.execute(
            f"SELECT COUNT(*) FROM deliveries WHERE state='pending' AND channel IN ({marks})",
            channels,
        ).fetchone()[0]

    def delivery_states(self, alert_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
        """alert id -> [{channel, state, attempts, last_error, delivered_at}] for `alerts list`."""
        out: dict[str, list[dict[str, Any]]] = {}
        for i in range(0, len(alert_ids), 500):
            chunk = alert_ids[i : i + 500]
            rows = self.db.execute(
                f"SELECT alert_id, channel, state, attempts, last_error, delivered_at FROM deliveries "
                f"WHERE alert_id IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for aid, ch, state, attempts, err, at in rows:
                out.setdefault(aid, []).append(
                    {
                        "channel": ch,
                        "state": state,
                        "attempts": attempts,
                        "last_error": err,
                        "delivered_at": at,
                    }
                )
        return out

    def recent_alerts(self, limit: int = 50, rule: str | None = None) -> list[Alert]:
        sql = (
            "SELECT record FROM alerts"
            + (" WHERE rule=?" if rule else "")
            + " ORDER BY created_at DESC LIMIT ?"
        )
        args: tuple[Any, ...] = (rule, limit) if rule else (limit,)
        return [Alert.model_validate_json(r[0]) for r in self.db.execute(sql, args)]

    def counts(self) -> dict[str, int]:
        rows = self.db.execute("SELECT state, COUNT(*) FROM deliveries GROUP BY state").fetchall()
        out = {"pending": 0, "delivered": 0, "failed": 0}
        out.update({s: n for s, n in rows})
        out["alerts"] = self.db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
        out["markers"] = self.db.execute("SELECT COUNT(*) FROM markers").fetchone()[0]
        return out


def _marker(row: tuple[Any, ...]) -> Marker:
    return Marker(row[0], row[1], bool(row[2]), row[3], row[4], row[5], row[6])


class _Txn:
    """BEGIN IMMEDIATE ... COMMIT (ROLLBACK on error): one writer at a time across processes."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.db = db

    def __enter__(self) -> sqlite3.Connection:
        self.db.execute("BEGIN IMMEDIATE")
        return self.db

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.db.execute("ROLLBACK" if exc_type else "COMMIT")


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)
