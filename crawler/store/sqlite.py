"""The embedded listing store: one SQLite file with full-text search and identifier clusters.

`SqliteStore(path)` implements crawler.store.base.ListingStore. It is the default store
(`open_store()` picks it for ``STORE_URL=sqlite:///PATH`` or when no STORE_URL is set, at
``CRAWLER_DATA_DIR/crawler.db``). Several processes (one Scrapy process per platform run, the
scheduler, the CLI) may use the same file at once:

- the file is in WAL mode with ``synchronous=NORMAL`` (a commit survives a process crash;
  the last commits may be lost on power loss) and a busy timeout (30 s by default), so
  readers never block and writers queue; the log is copied back into the file (and
  synced) every WAL_CHECKPOINT_PAGES pages rather than SQLite's 1,000, because one batch
  of linked listings rewrites more than 1,000 scattered pages: at 1,000 every commit
  waited for a checkpoint and its fsync; the page cache is PAGE_CACHE_KIB (64 MB, filled
  only as pages are read) for the same reason;
- every write runs in one ``BEGIN IMMEDIATE`` transaction per call, so the read-decide-write
  of `upsert` is atomic across processes: two processes upserting the same id get exactly
  one NEW.

Tables (schema version `SCHEMA_VERSION`, in ``schema_version``):

- ``listings``: one row per listing; ``doc`` is the full Listing JSON as stored, the other
  columns are indexed copies (platform, category, fingerprints, first/last seen as
  fixed-width UTC text, risk score, cluster id).
- ``identifiers``: (listing_id, kind, value, key, region) from `Listing.identifiers()`, for
  identifier search and clustering (see crawler.store.identifiers for keys);
  ``phone_regions``: the regions of the stored phones, to read nationally written queries.
- ``listing_indicators``: (listing_id, indicator id), for the indicator filter and counts.
- ``listings_fts``: FTS5 over title, body, seller and location (``unicode61
  remove_diacritics 2``), rowid = ``listings.num``; kept in step by the same transactions.
- ``jobs`` (CrawlJob records) and ``alerts`` (alert dicts, unique "id").

Upsert details: an UNCHANGED listing keeps the stored document (its analysis included) and
only gets a new last_seen and list_fingerprint; a CHANGED one is stored as given, with
first_seen, price history and cluster id carried over, so its platform-level indicators
(`update_platform_signals`) are back after the next call of that. last_seen never moves
backwards. A listing without a fingerprint gets `Listing.compute_fingerprint()`.

Clusters: actors, linked by crawler.cluster (shared identifiers that are not platform
hubs, near-duplicate own text; docs/clusters.md). Its state is ``cluster_docs`` (key, JSON
document; crawler.cluster.documents) and ``cluster_bands`` (the LSH band keys as rows,
`SqliteBands`; schema 2, migrated from band documents on open), read and written inside
the upsert's transaction, so the listings of a batch are linked in order, one process at a
time, exactly as the Elasticsearch store links them (crawler.store.actors).
``listings.cluster_id`` and the document's ``cluster_id`` follow merges; an empty
cluster_id is a listing not linked yet.

The work is plain sqlite3 run inline on the event loop (one connection per store object,
no awaits inside a call, so calls never interleave): an upsert takes 0.5-0.8 ms per new
listing alone and 0.25-0.4 ms per listing in batches of 50 on a shared 2-core machine
(tests/store/test_sqlite_speed.py). The one wait that can block the loop is another
process's write transaction (milliseconds).
Settings: the path comes from STORE_URL / CRAWLER_DATA_DIR through `open_store()`.
"""

from __future__ import annotations

import functools
import heapq
import json
import logging
import re
import sqlite3
import time
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from crawler.cluster.documents import ClusterDocuments, collector_paused
from crawler.cluster.index import BAND_KEY_CAP
from crawler.evidence.removed import Misses, record_miss, record_seen, was_missed
from crawler.models import (
    CrawlJob,
    EvidenceRef,
    Listing,
    Price,
    PricePoint,
    SearchPage,
    SearchQuery,
    UpsertOutcome,
    UpsertResult,
    utcnow,
)
from crawler.store.actors import ActorLinker
from crawler.store.base import FencedOut, ListingStore, Rescored, StoreError
from crawler.store.identifiers import index_identifiers, parse_identifier_query
from crawler.store.signals import (
    PRICE_ANOMALY,
    SHARED_CONTACT,
    SHARED_CONTACT_MIN_LISTINGS,
    apply_platform_signals,
    category_price_medians,
    risk_rescorer,
)

logger = logging.getLogger(__name__)

SCHEMA_VERSION = 2
DEFAULT_BUSY_TIMEOUT = 30.0
# Actor-linking documents kept between batches (about 1 KiB each on average).
CLUSTER_CACHE_DOCS = 100_000
WAL_CHECKPOINT_PAGES = 10_000  # about 40 MB of log between checkpoints
# Page cache per connection (SQLite's default is 2 MB). Linking reads and rewrites
# scattered pages of cluster_docs: at 2 MB most of them came back from the OS each batch.
PAGE_CACHE_KIB = 65_536

SUMMARY_TOP = 10

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)",
    """CREATE TABLE IF NOT EXISTS listings (
        num INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        platform TEXT NOT NULL,
        category TEXT,
        fingerprint TEXT NOT NULL,
        list_fingerprint TEXT,
        first_seen TEXT NOT NULL,
        last_seen TEXT NOT NULL,
        risk_score INTEGER NOT NULL DEFAULT 0,
        cluster_id TEXT NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS listings_platform ON listings(platform, last_seen)",
    "CREATE INDEX IF NOT EXISTS listings_rank ON listings(risk_score DESC, last_seen DESC)",
    "CREATE INDEX IF NOT EXISTS listings_last_seen ON listings(last_seen)",
    "CREATE INDEX IF NOT EXISTS listings_cluster ON listings(cluster_id)",
    # When platform signals last changed a listing (ISO text, or NULL): the alert engine's
    # catch-up reads the listings rescored since it last looked.
    "CREATE INDEX IF NOT EXISTS listings_signals_at ON listings(json_extract(doc, '$.signals_at'))",
    # Removed listings (crawler.evidence.removed): `crawler search --removed` reads them.
    """CREATE INDEX IF NOT EXISTS listings_removed ON listings(json_extract(doc, '$.removed_at'))
       WHERE json_extract(doc, '$.removed_at') IS NOT NULL""",
    """CREATE TABLE IF NOT EXISTS identifiers (
        listing_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        value TEXT NOT NULL,
        key TEXT NOT NULL,
        region TEXT,
        PRIMARY KEY (listing_id, kind, value)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS identifiers_value ON identifiers(kind, value)",
    "CREATE INDEX IF NOT EXISTS identifiers_key ON identifiers(kind, key)",
    # Regions of the stored phones, to read a nationally written phone query in each of them.
    "CREATE TABLE IF NOT EXISTS phone_regions (region TEXT PRIMARY KEY) WITHOUT ROWID",
    """CREATE TABLE IF NOT EXISTS listing_indicators (
        listing_id TEXT NOT NULL,
        indicator TEXT NOT NULL,
        PRIMARY KEY (listing_id, indicator)
    ) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS listing_indicators_id ON listing_indicators(indicator)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS listings_fts USING fts5(
        title, body, seller, location, tokenize = 'unicode61 remove_diacritics 2'
    )""",
    """CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY,
        platform TEXT NOT NULL,
        started_at TEXT NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS jobs_platform ON jobs(platform, started_at)",
    "CREATE INDEX IF NOT EXISTS jobs_started ON jobs(started_at)",
    """CREATE TABLE IF NOT EXISTS alerts (
        num INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        rule TEXT,
        created_at TEXT NOT NULL,
        doc TEXT NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS alerts_rule ON alerts(rule, created_at)",
    "CREATE INDEX IF NOT EXISTS alerts_created ON alerts(created_at)",
    # Actor-linking state (crawler.cluster.documents): records, band keys, identifiers,
    # clusters, boilerplate tables.
    # A rowid table: a record's document (about 1.2 KB, its signature in base64) is too big
    # for a WITHOUT ROWID row (about 1 KB fits in a 4 KB page): each one took a page of
    # its own for the overflow, read and written with its leaf.
    """CREATE TABLE IF NOT EXISTS cluster_docs (
        num INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)""",
    # The band-key documents (``band:<key>``, a list of [listing, seq]) as rows: a listing
    # adds a row per band key instead of rewriting the key's list.
    """CREATE TABLE IF NOT EXISTS cluster_bands (
        key TEXT NOT NULL, seq INTEGER NOT NULL, listing TEXT NOT NULL,
        PRIMARY KEY (key, seq)) WITHOUT ROWID""",
)

# Migrations from version N to N + 1, run in order inside the schema transaction (after
# the CREATE statements above, so new tables exist).
_MIGRATIONS: dict[int, tuple[str, ...]] = {
    # 1 -> 2: band-key documents move from cluster_docs to cluster_bands rows; the other
    # documents to a rowid cluster_docs (the old one was WITHOUT ROWID).
    1: (
        """INSERT OR IGNORE INTO cluster_bands (key, seq, listing)
           SELECT substr(d.key, 6), json_extract(e.value, '$[1]'), json_extract(e.value, '$[0]')
           FROM cluster_docs AS d, json_each(d.doc, '$.ids') AS e
           WHERE d.key >= 'band:' AND d.key < 'band;'""",
        """CREATE TABLE cluster_docs_2 (
            num INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE, doc TEXT NOT NULL)""",
        """INSERT INTO cluster_docs_2 (key, doc) SELECT key, doc FROM cluster_docs
           WHERE NOT (key >= 'band:' AND key < 'band;') ORDER BY key""",
        "DROP TABLE cluster_docs",
        "ALTER TABLE cluster_docs_2 RENAME TO cluster_docs",
    ),
}
_BAND = "band:"  # the documents of DocumentBands, kept here as cluster_bands rows
# json.dumps(doc, separators=(",", ":")) without building an encoder for every document.
_DOC_JSON = json.JSONEncoder(separators=(",", ":"), check_circular=False).encode

_DATETIME_JSON = TypeAdapter(datetime)
_COLUMN_TIME = "%Y-%m-%dT%H:%M:%S.%fZ"
_FTS_OPERATORS = frozenset({"AND", "OR", "NOT"})
_FTS_TERM = re.compile(r'"([^"]*)"?|(\S+)')


# Fencing tokens of worker runs (crawler.worker.lease): the newest per platform. Outside the
# versioned schema: created by the first run that holds a fence.
_FENCE_TABLE = (
    "CREATE TABLE IF NOT EXISTS store_fences (platform TEXT PRIMARY KEY, token INTEGER NOT NULL)"
)
_FENCE_READ = "SELECT token FROM store_fences WHERE platform = ?"
_FENCE_WRITE = "INSERT OR REPLACE INTO store_fences (platform, token) VALUES (?, ?)"


@functools.lru_cache(maxsize=8)
def _candidates_sql(n: int) -> str:
    """Ranking the listings of n band keys (a listing has BANDS: one statement, cached)."""
    return f"""SELECT listing, count(*) AS n, seq FROM cluster_bands
               WHERE key IN ({",".join("?" * n)})
               GROUP BY seq ORDER BY n DESC, seq LIMIT ?"""


class SqliteBands:
    """The band keys of actor linking (crawler.cluster.documents.BandIndex) as rows of
    ``cluster_bands``, inside the store's write transaction: a listing adds a row per key
    (while the key holds fewer than BAND_KEY_CAP), and candidates are ranked by one query,
    as DocumentBands ranks them (most keys shared, then seq).

    A batch's rows are kept aside and written at its end (`flush`): the row counts of all
    its keys read by one query, the rows under the cap inserted in one sorted
    `executemany` (one listing at a time, each row behind a count of its key's rows, sought
    the same pages over and over). Until then the batch's later listings find them here:
    they are newer than every row of the table, so the ranking is the table's best `limit`
    and the batch's own, merged; a key the batch shares is counted first, to keep its cap.
    """

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._pending: dict[str, list[tuple[str, int]]] = {}  # key -> (listing, seq), this batch
        self._stored: dict[str, int] = {}  # key -> rows in the table (keys counted this batch)

    def _count(self, band_keys: Iterable[str]) -> None:
        """Read the table's row count of the keys not counted yet (in one query)."""
        wanted = sorted(k for k in band_keys if k not in self._stored)
        if not wanted:
            return
        self._stored.update(dict.fromkeys(wanted, 0))
        self._stored.update(
            self.conn.execute(
                """SELECT key, count(*) FROM cluster_bands
                   WHERE key IN (SELECT value FROM json_each(?1)) GROUP BY key""",
                (json.dumps(wanted),),
            )
        )

    def _kept(self, key: str) -> list[tuple[str, int]]:
        """The batch's rows of a counted key that stay under the cap (the first ones)."""
        return self._pending[key][: max(0, BAND_KEY_CAP - self._stored[key])]

    def add(self, band_keys: Sequence[str], listing_id: str, seq: int) -> None:
        pending = self._pending
        for key in band_keys:
            rows = pending.get(key)
            if rows is None:
                pending[key] = [(listing_id, seq)]
            else:
                rows.append((listing_id, seq))

    def candidates(self, band_keys: Sequence[str], limit: int) -> list[str]:
        ranked = [
            (-n, seq, listing)
            for listing, n, seq in self.conn.execute(
                _candidates_sql(len(band_keys)), (*band_keys, limit)
            )
        ]
        shared = [k for k in band_keys if k in self._pending]
        if not shared:
            return [listing for _, _, listing in ranked]
        self._count(shared)
        mine: dict[str, list[int]] = {}  # this batch's listings: [-keys shared, seq]
        for key in shared:
            for listing, seq in self._kept(key):
                entry = mine.get(listing)
                if entry is None:
                    mine[listing] = [-1, seq]
                else:
                    entry[0] -= 1
        if mine:
            ranked = heapq.nsmallest(
                limit, ranked + [(n, seq, listing) for listing, (n, seq) in mine.items()]
            )
        return [listing for _, _, listing in ranked]

    def flush(self) -> None:
        """Write the batch's rows under the cap (sorted: neighbouring rows share pages)."""
        self._count(self._pending)
        rows = sorted(
            (key, seq, listing) for key in self._pending for listing, seq in self._kept(key)
        )
        self.conn.executemany(
            "INSERT INTO cluster_bands (key, seq, listing) VALUES (?, ?, ?)", rows
        )
        self._pending.clear()
        self._stored.clear()

    def forget(self, listing_id: str, band_keys: Sequence[str]) -> None:
        self.flush()
        self.conn.executemany(
            "DELETE FROM cluster_bands WHERE key = ? AND listing = ?",
            [(k, listing_id) for k in band_keys],
        )


# Connections a long-running process (`crawler worker`, keep_connections) keeps open between
# its runs, by file: a run's store takes one at open and gives it back at close, so that a
# run does not pay for a connection, its pragmas and the schema check (a write transaction)
# each time. The key holds the file's device and inode: a file replaced is a new file.
_POOL: dict[tuple[str, int, int, float], list[sqlite3.Connection]] | None = None
_POOL_MAX = 16  # idle connections kept per file


def keep_connections(on: bool = True) -> None:
    """Keep the SQLite stores' connections open between runs in this process (on), or close
    them at each store's close, as by default (off: the idle ones are closed now)."""
    global _POOL
    if on:
        if _POOL is None:
            _POOL = {}
        return
    pool, _POOL = _POOL, None
    for conns in (pool or {}).values():
        for conn in conns:
            with suppress(sqlite3.Error):
                conn.close()


class SqliteStore(ListingStore):
    """ListingStore in one SQLite file (see the module docstring)."""

    def __init__(self, path: Path | str, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> None:
        self.path = Path(path)
        self.busy_timeout = busy_timeout
        self._conn: sqlite3.Connection | None = None
        # Actor-linking documents of the last batch, valid while no other process links.
        self._cluster_cache: tuple[int, ClusterDocuments] | None = None
        self._fence: tuple[str, int] | None = None  # (platform, token): hold_fence

    def __repr__(self) -> str:
        return f"SqliteStore({str(self.path)!r})"

    # -- lifecycle -------------------------------------------------------------------------

    def _pool_key(self) -> tuple[str, int, int, float] | None:
        if _POOL is None:
            return None
        try:
            st = self.path.stat()
        except OSError:
            return None
        return (str(self.path.resolve()), st.st_dev, st.st_ino, self.busy_timeout)

    async def open(self) -> None:
        if self._conn is not None:
            return
        key = self._pool_key()
        if key is not None and _POOL is not None and _POOL.get(key):
            conn = _POOL[key].pop()
            # The schema check is skipped, not its answer: a file another program migrated
            # since (a newer schema) is opened afresh, and refused as at a first open.
            with suppress(sqlite3.Error):
                row = conn.execute("SELECT max(version) FROM schema_version").fetchone()
                if row is not None and row[0] == SCHEMA_VERSION:
                    self._conn = conn
                    return
            conn.close()
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(
                f"SQLite store {self.path}: cannot create its directory: {exc}"
            ) from exc
        with self._errors("open"):
            # isolation_level=None: we issue BEGIN IMMEDIATE / COMMIT ourselves.
            conn = sqlite3.connect(
                self.path, timeout=self.busy_timeout, isolation_level=None, check_same_thread=False
            )
        try:
            with self._errors("open"):
                conn.execute(f"PRAGMA busy_timeout = {int(self.busy_timeout * 1000)}")
                self._set_wal(conn)
                conn.execute("PRAGMA synchronous = NORMAL")
                conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
                conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
                self._conn = conn
                self._create_schema()
        except BaseException:
            self._conn = None
            conn.close()
            raise

    async def close(self) -> None:
        if self._conn is None:
            return
        conn, self._conn = self._conn, None
        key = self._pool_key()
        if key is not None and _POOL is not None and not conn.in_transaction:
            idle = _POOL.setdefault(key, [])
            if len(idle) < _POOL_MAX:
                idle.append(conn)
                return
        # Refreshes planner statistics for the queries this connection ran. It may want the
        # write lock: wait for it only briefly, a busy file is no reason to hold up a close.
        with suppress(sqlite3.Error):
            conn.execute("PRAGMA busy_timeout = 200")
            conn.execute("PRAGMA optimize")
        conn.close()

    def _set_wal(self, conn: sqlite3.Connection) -> None:
        # Switching to WAL needs an exclusive lock for a moment and does not always wait on
        # the busy handler, so a process opening the file while another converts it retries.
        deadline = time.monotonic() + self.busy_timeout
        while True:
            try:
                mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        if str(mode).lower() != "wal":
            raise StoreError(f"SQLite store {self.path}: cannot use WAL journal (got {mode!r})")

    def _create_schema(self) -> None:
        with self._transaction() as conn:
            for statement in _SCHEMA:
                conn.execute(statement)
            version = conn.execute("SELECT max(version) FROM schema_version").fetchone()[0]
            if version is None:
                conn.execute("INSERT INTO schema_version (version) VALUES (?)", (SCHEMA_VERSION,))
                return
            if version > SCHEMA_VERSION:
                raise StoreError(
                    f"SQLite store {self.path}: schema version {version} is newer than this "
                    f"program's ({SCHEMA_VERSION}); upgrade the program"
                )
            for step in range(version, SCHEMA_VERSION):
                for statement in _MIGRATIONS.get(step, ()):
                    conn.execute(statement)
            if version < SCHEMA_VERSION:
                conn.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION,))

    # -- plumbing ----------------------------------------------------------------------------

    @property
    def _db(self) -> sqlite3.Connection:
        if self._conn is None:
            raise StoreError(f"SQLite store {self.path}: not open (call open() first)")
        return self._conn

    @contextmanager
    def _errors(self, action: str) -> Iterator[None]:
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite store {self.path}: {action} failed: {exc}") from exc

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        conn = self._db
        with self._errors("write"):
            conn.execute("BEGIN IMMEDIATE")
            try:
                if self._fence is not None:
                    self._check_fence(conn, *self._fence)
                yield conn
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")

    # -- fencing (crawler.worker.lease) ------------------------------------------------------
    # In the write transaction itself: a run whose lease was taken over cannot write, however
    # late it wakes up (the newer run recorded its larger token in this table first).

    def _check_fence(self, conn: sqlite3.Connection, platform: str, token: int) -> None:
        row = conn.execute(_FENCE_READ, (platform,)).fetchone()
        newest = int(row[0]) if row else 0
        if newest > token:
            raise FencedOut(
                f"SQLite store {self.path}: {platform}: write refused, this run's lease "
                f"(token {token}) was taken over by a newer run (token {newest})"
            )
        if newest < token:
            conn.execute(_FENCE_WRITE, (platform, token))

    async def fence_token(self, platform: str) -> int:
        with self._errors("read"):
            self._db.execute(_FENCE_TABLE)
            row = self._db.execute(_FENCE_READ, (platform,)).fetchone()
        return int(row[0]) if row else 0

    async def hold_fence(self, platform: str, token: int) -> None:
        with self._errors("write"):
            self._db.execute(_FENCE_TABLE)
        self._fence = (platform, token)
        with self._transaction():
            pass  # checks and records the token

    # -- listings ------------------------------------------------------------------------------

    async def upsert(self, listings: Sequence[Listing], seen_at: datetime) -> list[UpsertResult]:
        if not listings:
            return []
        seen_at = _utc(seen_at)
        cache, self._cluster_cache = self._cluster_cache, None  # back only after a commit
        # The collector would walk the cached linking documents on every pass (see
        # collector_paused); a batch makes no reference cycles worth collecting early.
        with collector_paused(), self._transaction() as conn:
            results = [self._upsert_one(conn, listing, seen_at) for listing in listings]
            cache = self._link_actors(conn, results, cache)
        self._cluster_cache = cache
        return results

    def _upsert_one(
        self, conn: sqlite3.Connection, listing: Listing, seen_at: datetime
    ) -> UpsertResult:
        fingerprint = listing.fingerprint or listing.compute_fingerprint()
        row = conn.execute(
            "SELECT num, fingerprint, doc FROM listings WHERE id = ?", (listing.id,)
        ).fetchone()
        if row is None:
            stored = listing.model_copy(
                update={
                    "fingerprint": fingerprint,
                    "first_fingerprint": fingerprint,
                    # As in the Elasticsearch store: a first_seen the listing brings (a
                    # replay, an import) is kept when it is earlier.
                    "first_seen": min(_utc(listing.first_seen), seen_at)
                    if listing.first_seen
                    else seen_at,
                    "last_seen": seen_at,
                    "price_history": [_price_point(seen_at, listing.prices, listing.evidence)],
                },
            )
            stored.cluster_id = None  # linked after the batch is written (_link_actors)
            self._write_identifiers(conn, stored)
            num = self._insert_listing(conn, stored)
            self._write_indicators(conn, stored)
            self._write_fts(conn, num, stored, replace=False)
            return UpsertResult(id=listing.id, outcome=UpsertOutcome.NEW, listing=stored)

        num, previous_fingerprint, doc = row
        old = Listing.model_validate_json(doc)
        # Never move last_seen backwards (a late write from a slow process or a replay).
        last_seen = max(seen_at, _utc(old.last_seen)) if old.last_seen else seen_at
        list_fingerprint = listing.list_fingerprint or old.list_fingerprint
        if previous_fingerprint == fingerprint:
            old.last_seen = last_seen
            old.list_fingerprint = list_fingerprint
            if listing.evidence is not None and last_seen == seen_at:
                old.evidence = listing.evidence  # the latest capture of the same content
            if last_seen == seen_at:
                record_seen(old, seen_at)  # found again: misses reset, a removed one returned
            self._update_listing(conn, num, old)
            return UpsertResult(
                id=listing.id,
                outcome=UpsertOutcome.UNCHANGED,
                listing=old,
                previous_fingerprint=previous_fingerprint,
            )

        history = list(old.price_history)
        if not history or _price_key(history[-1].prices) != _price_key(listing.prices):
            history.append(_price_point(seen_at, listing.prices, listing.evidence))
        stored = listing.model_copy(
            update={
                "fingerprint": fingerprint,
                "first_fingerprint": old.first_fingerprint,
                "list_fingerprint": list_fingerprint,
                "first_seen": old.first_seen,
                "last_seen": last_seen,
                "price_history": history,
                "cluster_id": old.cluster_id,
                "cluster_size": old.cluster_size,
                "missed_walks": old.missed_walks,
                "missed_since": old.missed_since,
                "removed_at": old.removed_at,
                "returned_at": old.returned_at,
            },
        )
        if last_seen == seen_at:
            record_seen(stored, seen_at)
        self._update_listing(conn, num, stored)
        self._write_indicators(conn, stored, replace=True)
        self._write_fts(conn, num, stored, replace=True)
        if set(old.identifiers()) != set(stored.identifiers()):
            # Searchable at once; actor links are made when a listing is first linked.
            self._write_identifiers(conn, stored, replace=True)
        return UpsertResult(
            id=listing.id,
            outcome=UpsertOutcome.CHANGED,
            listing=stored,
            previous_fingerprint=previous_fingerprint,
        )

    def _insert_listing(self, conn: sqlite3.Connection, listing: Listing) -> int:
        cursor = conn.execute(
            """INSERT INTO listings (id, platform, category, fingerprint, list_fingerprint,
                   first_seen, last_seen, risk_score, cluster_id, doc)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                listing.id,
                listing.platform,
                listing.category,
                listing.fingerprint,
                listing.list_fingerprint,
                _column_time(listing.first_seen),
                _column_time(listing.last_seen),
                listing.risk_score,
                listing.cluster_id or "",
                listing.model_dump_json(),
            ),
        )
        assert cursor.lastrowid is not None  # an INSERT always sets it
        return int(cursor.lastrowid)

    def _update_listing(self, conn: sqlite3.Connection, num: int, listing: Listing) -> None:
        conn.execute(
            """UPDATE listings SET platform = ?, category = ?, fingerprint = ?,
                   list_fingerprint = ?, first_seen = ?, last_seen = ?, risk_score = ?,
                   cluster_id = ?, doc = ?
               WHERE num = ?""",
            (
                listing.platform,
                listing.category,
                listing.fingerprint,
                listing.list_fingerprint,
                _column_time(listing.first_seen),
                _column_time(listing.last_seen),
                listing.risk_score,
                listing.cluster_id or "",
                listing.model_dump_json(),
                num,
            ),
        )

    def _write_identifiers(
        self, conn: sqlite3.Connection, listing: Listing, replace: bool = False
    ) -> None:
        if replace:
            conn.execute("DELETE FROM identifiers WHERE listing_id = ?", (listing.id,))
        rows = index_identifiers(listing.identifiers())
        conn.executemany(
            "INSERT INTO identifiers (listing_id, kind, value, key, region) VALUES (?, ?, ?, ?, ?)",
            [(listing.id, row.kind, row.value, row.key, row.region) for row in rows],
        )
        regions = {row.region for row in rows if row.region}
        if regions:
            conn.executemany(
                "INSERT OR IGNORE INTO phone_regions (region) VALUES (?)", [(r,) for r in regions]
            )

    def _write_indicators(
        self, conn: sqlite3.Connection, listing: Listing, replace: bool = False
    ) -> None:
        if replace:
            conn.execute("DELETE FROM listing_indicators WHERE listing_id = ?", (listing.id,))
        conn.executemany(
            "INSERT OR IGNORE INTO listing_indicators (listing_id, indicator) VALUES (?, ?)",
            [(listing.id, hit.id) for hit in listing.indicators],
        )

    def _write_fts(
        self, conn: sqlite3.Connection, num: int, listing: Listing, replace: bool
    ) -> None:
        if replace:
            conn.execute("DELETE FROM listings_fts WHERE rowid = ?", (num,))
        location = " ".join(p for p in (listing.location_raw, listing.location) if p)
        conn.execute(
            "INSERT INTO listings_fts (rowid, title, body, seller, location) VALUES (?, ?, ?, ?, ?)",
            (num, listing.title, listing.body, listing.seller or "", location),
        )

    # -- clusters --------------------------------------------------------------------------------

    def _link_actors(
        self,
        conn: sqlite3.Connection,
        results: list[UpsertResult],
        cache: tuple[int, ClusterDocuments] | None,
    ) -> tuple[int, ClusterDocuments] | None:
        """Link the batch's listings into actor clusters, in order (crawler.store.actors).

        The documents read for the last batch are kept (`cache`) while nobody else has
        written any since: the generation row (`gen`, bumped by every write of linking
        documents, purge included) is still the one this process wrote. Returns the cache
        for the next batch (used only after the commit).
        """
        gen = self._bump_cluster_generation(conn)
        docs = None
        if cache is not None and cache[0] == gen - 1:
            docs = cache[1]
            docs.loader = self._cluster_loader(conn)
            if docs.size() > CLUSTER_CACHE_DOCS:
                docs.trim(CLUSTER_CACHE_DOCS * 3 // 4)
        bands = SqliteBands(conn)
        linker = ActorLinker(self._cluster_loader(conn), docs, bands)
        outcome = linker.link_sync([r.listing for r in results])
        bands.flush()
        self._write_cluster_documents(conn, outcome.documents)
        conn.executemany(
            "UPDATE listings SET doc = json_set(doc, '$.cluster_size', ?1) WHERE id = ?2",
            [(outcome.sizes[c], i) for c, members in outcome.members.items() for i in members],
        )
        conn.executemany(
            """UPDATE listings SET cluster_id = ?1,
                   doc = json_set(doc, '$.cluster_id', ?1, '$.cluster_size', ?2)
               WHERE id = ?3""",
            [(c, outcome.sizes[c], i) for i, c in outcome.clusters.items()],
        )
        for result, added in zip(results, outcome.results, strict=True):
            result.listing.cluster_id = outcome.clusters.get(result.id, added.cluster)
            result.listing.cluster_size = outcome.sizes.get(
                result.listing.cluster_id, result.listing.cluster_size
            )
        return gen, linker.docs

    @staticmethod
    def _bump_cluster_generation(conn: sqlite3.Connection) -> int:
        """Count one more write of the linking documents; returns the new generation."""
        row = conn.execute("SELECT doc FROM cluster_docs WHERE key = 'gen'").fetchone()
        gen = (json.loads(row[0])["n"] if row else 0) + 1
        conn.execute(
            """INSERT INTO cluster_docs (key, doc) VALUES ('gen', ?)
               ON CONFLICT (key) DO UPDATE SET doc = excluded.doc""",
            (json.dumps({"n": gen}),),
        )
        return gen

    @staticmethod
    def _cluster_loader(conn: sqlite3.Connection) -> Any:
        def load(keys: Sequence[str]) -> dict[str, dict[str, Any]]:
            bands = [k[len(_BAND) :] for k in keys if k.startswith(_BAND)]
            docs = [k for k in keys if not k.startswith(_BAND)] if bands else keys
            out: dict[str, dict[str, Any]] = {}
            if docs:
                rows = conn.execute(
                    "SELECT key, doc FROM cluster_docs WHERE key IN (SELECT value FROM json_each(?))",
                    (json.dumps(list(docs)),),
                )
                out = {key: json.loads(doc) for key, doc in rows}
            if bands:
                rows = conn.execute(
                    """SELECT key, listing, seq FROM cluster_bands
                       WHERE key IN (SELECT value FROM json_each(?)) ORDER BY key, seq""",
                    (json.dumps(bands),),
                )
                for key, listing, seq in rows:
                    doc = out.get(_BAND + key)
                    if doc is None:
                        out[_BAND + key] = doc = {"ids": []}
                    doc["ids"].append([listing, seq])
            return out

        return load

    @staticmethod
    def _write_cluster_documents(
        conn: sqlite3.Connection, writes: dict[str, dict[str, Any] | None]
    ) -> None:
        if any(k.startswith(_BAND) for k in writes):
            raise RuntimeError("SQLite store: band keys are cluster_bands rows (SqliteBands)")
        conn.executemany(
            """INSERT INTO cluster_docs (key, doc) VALUES (?, ?)
               ON CONFLICT (key) DO UPDATE SET doc = excluded.doc""",
            [(k, _DOC_JSON(d)) for k, d in writes.items() if d is not None],
        )
        conn.executemany(
            "DELETE FROM cluster_docs WHERE key = ?", [(k,) for k, d in writes.items() if d is None]
        )

    async def cluster_documents(self, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        with self._errors("read cluster documents"):
            return dict(self._cluster_loader(self._db)(list(keys)))

    async def get_many(self, ids: Sequence[str]) -> list[Listing]:
        with self._errors("read listings"):
            rows = dict(
                self._db.execute(
                    "SELECT id, doc FROM listings WHERE id IN (SELECT value FROM json_each(?))",
                    (json.dumps(list(ids)),),
                ).fetchall()
            )
        return [Listing.model_validate_json(rows[i]) for i in ids if i in rows]

    async def shared_identifiers(
        self, min_listings: int = 2, limit: int = 20
    ) -> list[tuple[str, str, int]]:
        """Identifiers held by at least `min_listings` listings: (kind, value, listings), most first.

        The values are personal data (phones, handles): for the analyst's screen, not for logs.
        """
        with self._errors("read shared identifiers"):
            rows = self._db.execute(
                """SELECT kind, value, count(*) AS n FROM identifiers
                   GROUP BY kind, value HAVING n >= ?
                   ORDER BY n DESC, kind, value LIMIT ?""",
                (min_listings, limit),
            ).fetchall()
        return [(kind, value, n) for kind, value, n in rows]

    async def identifier_counts(self, values: Sequence[str]) -> dict[str, int]:
        """How many listings hold each identifier value (as `Listing.identifiers()` writes it:
        E.164 phone, lower-case e-mail, ``service:name``, ``chain:address``); 0 when none."""
        counts = dict.fromkeys(values, 0)
        if not counts:
            return counts
        with self._errors("count identifiers"):
            rows = self._db.execute(
                """SELECT value, count(DISTINCT listing_id) FROM identifiers
                   WHERE value IN (SELECT value FROM json_each(?)) GROUP BY value""",
                (json.dumps(list(counts)),),
            ).fetchall()
        counts.update(dict(rows))
        return counts

    async def cluster(self, cluster_id: str) -> list[Listing]:
        """The listings of one cluster, highest risk first."""
        with self._errors("read cluster"):
            rows = self._db.execute(
                """SELECT doc FROM listings WHERE cluster_id = ?
                   ORDER BY risk_score DESC, last_seen DESC, id""",
                (cluster_id,),
            ).fetchall()
        return [Listing.model_validate_json(r[0]) for r in rows]

    # -- crawl bookkeeping -------------------------------------------------------------------

    async def known(self, platform: str, ids: Sequence[str]) -> dict[str, str | None]:
        if not ids:
            return {}
        with self._errors("read known ids"):
            rows = self._db.execute(
                """SELECT id, list_fingerprint FROM listings
                   WHERE platform = ? AND id IN (SELECT value FROM json_each(?))""",
                (platform, json.dumps(list(ids))),
            ).fetchall()
        return dict(rows)

    async def touch(self, platform: str, ids: Sequence[str], seen_at: datetime) -> None:
        if not ids:
            return
        seen_at = _utc(seen_at)
        with self._transaction() as conn:
            # Never move last_seen backwards (a late touch from a slow process). Seen again:
            # the misses start over, and a removed listing is marked returned
            # (crawler.evidence.removed.record_seen; json_set reads the document as it was).
            conn.execute(
                """UPDATE listings SET last_seen = ?1, doc = json_set(doc,
                       '$.last_seen', ?2, '$.missed_walks', 0, '$.missed_since', NULL,
                       '$.returned_at', CASE WHEN json_extract(doc, '$.removed_at') IS NULL
                                        THEN json_extract(doc, '$.returned_at') ELSE ?2 END,
                       '$.removed_at', NULL)
                   WHERE platform = ?3 AND last_seen < ?1
                     AND id IN (SELECT value FROM json_each(?4))""",
                (_column_time(seen_at), _json_time(seen_at), platform, json.dumps(list(ids))),
            )

    async def mark_missed(
        self,
        platform: str,
        walk_started_at: datetime,
        threshold: int,
        spare: Sequence[str] = (),
    ) -> Misses:
        started = _utc(walk_started_at)
        spared = set(spare)
        missed = 0
        removed: list[Listing] = []
        with self._transaction() as conn:
            rows = conn.execute(
                """SELECT num, doc FROM listings
                   WHERE platform = ? AND last_seen < ?
                     AND json_extract(doc, '$.removed_at') IS NULL""",
                (platform, _column_time(started)),
            ).fetchall()
            for num, doc in rows:
                listing = Listing.model_validate_json(doc)
                if listing.id in spared or not was_missed(listing, started):
                    continue
                missed += 1
                if record_miss(listing, started, threshold):
                    removed.append(listing)
                conn.execute(
                    "UPDATE listings SET doc = ? WHERE num = ?", (listing.model_dump_json(), num)
                )
        return Misses(missed=missed, removed=removed)

    async def get(self, listing_id: str) -> Listing | None:
        with self._errors("read listing"):
            row = self._db.execute(
                "SELECT doc FROM listings WHERE id = ?", (listing_id,)
            ).fetchone()
        return Listing.model_validate_json(row[0]) if row else None

    async def count(self, platform: str | None = None) -> int:
        with self._errors("count listings"):
            if platform is None:
                row = self._db.execute("SELECT count(*) FROM listings").fetchone()
            else:
                row = self._db.execute(
                    "SELECT count(*) FROM listings WHERE platform = ?", (platform,)
                ).fetchone()
        return int(row[0])

    # -- search ------------------------------------------------------------------------------------

    async def search(self, query: SearchQuery) -> SearchPage:
        """Listings matching every given filter, highest risk first, then most recently seen.

        `text`: words and "phrases" in title, body, seller or location (see
        `fts_match_expression`); `identifier`: see crawler.store.identifiers.
        """
        where: list[str] = []
        params: list[Any] = []
        if query.text is not None and query.text.strip():
            match = fts_match_expression(query.text)
            if match is None:  # only punctuation: nothing can match
                return SearchPage(total=0, listings=[])
            where.append("l.num IN (SELECT rowid FROM listings_fts WHERE listings_fts MATCH ?)")
            params.append(match)
        if query.platform:
            where.append("l.platform = ?")
            params.append(query.platform)
        if query.category:
            where.append("l.category = ?")
            params.append(query.category)
        if query.indicator:
            where.append(
                "EXISTS (SELECT 1 FROM listing_indicators i"
                " WHERE i.listing_id = l.id AND i.indicator = ?)"
            )
            params.append(query.indicator)
        if query.identifier is not None and query.identifier.strip():
            clause, clause_params = self._identifier_clause(query.identifier)
            if clause is None:
                return SearchPage(total=0, listings=[])
            where.append(clause)
            params.extend(clause_params)
        if query.min_risk is not None:
            where.append("l.risk_score >= ?")
            params.append(query.min_risk)
        if query.seen_since is not None:
            where.append("l.last_seen >= ?")
            params.append(_column_time(query.seen_since))
        if query.removed is not None:
            null = "IS NOT NULL" if query.removed else "IS NULL"
            where.append(f"json_extract(l.doc, '$.removed_at') {null}")
        sql_where = f"WHERE {' AND '.join(where)}" if where else ""
        try:
            total = self._db.execute(
                f"SELECT count(*) FROM listings l {sql_where}", params
            ).fetchone()[0]
            rows = self._db.execute(
                f"""SELECT doc FROM listings l {sql_where}
                    ORDER BY l.risk_score DESC, l.last_seen DESC, l.id
                    LIMIT ? OFFSET ?""",
                [*params, max(query.limit, 0), max(query.offset, 0)],
            ).fetchall()
        except sqlite3.OperationalError as exc:
            if "fts5" in str(exc) or "MATCH" in str(exc):
                raise StoreError(
                    f"SQLite store {self.path}: invalid full-text query {query.text!r}: {exc}"
                ) from exc
            raise StoreError(f"SQLite store {self.path}: search failed: {exc}") from exc
        except sqlite3.Error as exc:
            raise StoreError(f"SQLite store {self.path}: search failed: {exc}") from exc
        return SearchPage(total=total, listings=[Listing.model_validate_json(r[0]) for r in rows])

    def _identifier_clause(self, text: str) -> tuple[str | None, list[Any]]:
        regions = [r[0] for r in self._db.execute("SELECT region FROM phone_regions")]
        match = parse_identifier_query(text, regions)
        if not match:
            return None, []
        # One indexed lookup per candidate (row values against a VALUES list scan the index).
        selects: list[str] = []
        params: list[Any] = []
        for column, pairs in (("value", sorted(match.values)), ("key", sorted(match.keys))):
            for kind, text_value in pairs:
                selects.append(
                    f"SELECT listing_id FROM identifiers WHERE kind = ? AND {column} = ?"
                )
                params += [kind, text_value]
        return f"l.id IN ({' UNION '.join(selects)})", params

    # -- jobs, summary, alerts, retention --------------------------------------------------

    async def save_job(self, job: CrawlJob) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO jobs (id, platform, started_at, doc) VALUES (?, ?, ?, ?)",
                (job.id, job.platform, _column_time(job.started_at), job.model_dump_json()),
            )

    async def jobs(self, platform: str | None = None, limit: int = 20) -> list[CrawlJob]:
        rows = self._recent("jobs", "started_at DESC, rowid DESC", "platform", platform, limit)
        return [CrawlJob.model_validate_json(doc) for doc in rows]

    async def latest_judged_jobs(self) -> list[CrawlJob]:
        with self._errors("read jobs"):
            rows = self._db.execute(
                """SELECT j.doc FROM jobs j
                   WHERE j.rowid = (SELECT j2.rowid FROM jobs j2
                                    WHERE j2.platform = j.platform
                                      AND json_extract(j2.doc, '$.health') IS NOT NULL
                                    ORDER BY j2.started_at DESC, j2.rowid DESC LIMIT 1)
                   ORDER BY j.platform"""
            ).fetchall()
        return [CrawlJob.model_validate_json(r[0]) for r in rows]

    def _recent(
        self, table: str, order: str, column: str, value: str | None, limit: int
    ) -> list[str]:
        """The `doc` column of a table's most recent rows, optionally where column = value."""
        where = f"WHERE {column} = ?" if value is not None else ""
        params = (value, limit) if value is not None else (limit,)
        with self._errors(f"read {table}"):
            rows = self._db.execute(
                f"SELECT doc FROM {table} {where} ORDER BY {order} LIMIT ?", params
            ).fetchall()
        return [r[0] for r in rows]

    async def summary(self) -> dict[str, Any]:
        """What `crawler run` / `crawler status` print. Shape (JSON-ready)::

        {"total": int,                                  # listings stored
         "platforms": {name: {"listings": int,
                              "last_seen": iso str | None,   # newest last_seen
                              "last_run": iso str | None,    # newest job's started_at
                              "last_run_status": str | None,
                              "new_last_run": int | None,    # that job's NEW count
                              "changed_last_run": int | None}},
         "indicators": {indicator id: listings with it},     # most frequent first
         "clusters": int,                               # clusters of 2+ listings
         "top": [Listing.model_dump(mode="json"), ...]} # highest risk first, at most 10
        """
        db = self._db
        with self._errors("summary"):
            total = db.execute("SELECT count(*) FROM listings").fetchone()[0]
            platforms: dict[str, dict[str, Any]] = {}
            for name, n, last_seen in db.execute(
                "SELECT platform, count(*), max(last_seen) FROM listings GROUP BY platform"
            ):
                platforms[name] = {"listings": n, "last_seen": _column_to_iso(last_seen)}
            for name, doc in db.execute(
                """SELECT j.platform, j.doc FROM jobs j
                   WHERE j.rowid = (SELECT j2.rowid FROM jobs j2 WHERE j2.platform = j.platform
                                    ORDER BY j2.started_at DESC, j2.rowid DESC LIMIT 1)"""
            ):
                job = CrawlJob.model_validate_json(doc)
                entry = platforms.setdefault(name, {"listings": 0, "last_seen": None})
                entry.update(
                    last_run=_json_time(_utc(job.started_at)),
                    last_run_status=job.status,
                    new_last_run=job.new,
                    changed_last_run=job.changed,
                )
            for entry in platforms.values():
                for key in ("last_run", "last_run_status", "new_last_run", "changed_last_run"):
                    entry.setdefault(key, None)
            indicators = dict(
                db.execute(
                    """SELECT indicator, count(*) AS n FROM listing_indicators
                       GROUP BY indicator ORDER BY n DESC, indicator"""
                ).fetchall()
            )
            clusters = db.execute(
                """SELECT count(*) FROM (SELECT cluster_id FROM listings
                   GROUP BY cluster_id HAVING count(*) >= 2)"""
            ).fetchone()[0]
            top = [
                Listing.model_validate_json(r[0]).model_dump(mode="json")
                for r in db.execute(
                    "SELECT doc FROM listings ORDER BY risk_score DESC, last_seen DESC, id LIMIT ?",
                    (SUMMARY_TOP,),
                )
            ]
        return {
            "total": total,
            "platforms": dict(sorted(platforms.items())),
            "indicators": indicators,
            "clusters": clusters,
            "top": top,
        }

    async def save_alert(self, alert: dict[str, Any]) -> bool:
        """Store the alert (JSON; datetimes become ISO strings); False when its "id" is stored.

        Ordered for `list_alerts` by its "created_at" (or "at"), else by when it was saved.
        """
        alert_id = alert.get("id")
        if not alert_id:
            raise StoreError(f"SQLite store {self.path}: an alert needs an 'id'")
        created = alert.get("created_at") or alert.get("at")
        try:
            created_at = _column_time(_parse_time(created) if created else utcnow())
        except ValueError as exc:
            raise StoreError(
                f"SQLite store {self.path}: alert {alert_id!r}: created_at {created!r} is not a time"
            ) from exc
        with self._transaction() as conn:
            cursor = conn.execute(
                "INSERT OR IGNORE INTO alerts (id, rule, created_at, doc) VALUES (?, ?, ?, ?)",
                (str(alert_id), alert.get("rule"), created_at, json.dumps(alert, default=str)),
            )
            return cursor.rowcount == 1

    async def list_alerts(self, limit: int = 50, rule: str | None = None) -> list[dict[str, Any]]:
        rows = self._recent("alerts", "created_at DESC, num DESC", "rule", rule, limit)
        return [json.loads(doc) for doc in rows]

    async def purge(self, not_seen_since: datetime, keep: Collection[str] = ()) -> int:
        cutoff = _column_time(not_seen_since)
        kept = json.dumps(sorted(set(keep)))
        with self._transaction() as conn:
            doomed = conn.execute(
                """SELECT num, id, cluster_id FROM listings
                   WHERE last_seen < ? AND id NOT IN (SELECT value FROM json_each(?))""",
                (cutoff, kept),
            ).fetchall()
            if not doomed:
                return 0
            nums = json.dumps([r[0] for r in doomed])
            ids = json.dumps([r[1] for r in doomed])
            conn.execute(
                "DELETE FROM listings_fts WHERE rowid IN (SELECT value FROM json_each(?))", (nums,)
            )
            for table in ("identifiers", "listing_indicators"):
                conn.execute(
                    f"DELETE FROM {table} WHERE listing_id IN (SELECT value FROM json_each(?))",
                    (ids,),
                )
            conn.execute(
                "DELETE FROM listings WHERE num IN (SELECT value FROM json_each(?))", (nums,)
            )
            # Retention covers the linking state: records, identifier carriers, members.
            self._cluster_cache = None
            self._bump_cluster_generation(conn)
            self._write_cluster_documents(
                conn,
                ActorLinker(self._cluster_loader(conn), bands=SqliteBands(conn)).forget(
                    [r[1] for r in doomed]
                ),
            )
        logger.info(
            "SQLite store %s: purged %d listings last seen before %s",
            self.path,
            len(doomed),
            cutoff,
        )
        return len(doomed)

    async def evidence_files(self) -> set[str]:
        with self._errors("read evidence references"):
            rows = self._db.execute(
                """SELECT json_extract(doc, '$.evidence.file') FROM listings
                   WHERE json_extract(doc, '$.evidence.file') IS NOT NULL
                   UNION
                   SELECT json_extract(p.value, '$.evidence.file')
                   FROM listings, json_each(listings.doc, '$.price_history') p
                   WHERE json_extract(p.value, '$.evidence.file') IS NOT NULL"""
            ).fetchall()
        return {str(r[0]) for r in rows}

    # -- platform-level signals ----------------------------------------------------------------

    async def platform_price_medians(self, platform: str) -> dict[str, float]:
        """Median price in EUR per price unit over the platform's stored listings."""
        medians = category_price_medians(self._platform_prices(platform), min_sample=1)
        return {unit: m for (category, unit), m in medians.items() if category is None}

    def _platform_prices(self, platform: str) -> dict[tuple[str | None, str], list[float]]:
        """EUR amounts of the platform's prices by (category, unit)."""
        with self._errors("read prices"):
            rows = self._db.execute(
                """SELECT l.category, json_extract(p.value, '$.unit'),
                          json_extract(p.value, '$.amount_eur')
                   FROM listings l, json_each(l.doc, '$.prices') p
                   WHERE l.platform = ?
                     AND json_extract(p.value, '$.unit') IS NOT NULL
                     AND json_extract(p.value, '$.amount_eur') IS NOT NULL""",
                (platform,),
            ).fetchall()
        prices: dict[tuple[str | None, str], list[float]] = {}
        for category, unit, amount in rows:
            prices.setdefault((category, unit), []).append(float(amount))
        return prices

    async def update_platform_signals(self, platform: str) -> int:
        """Add or refresh the platform-level indicators of the platform's listings.

        `shared_contact` and `price_anomaly` as crawler.store.signals defines them. The
        content fingerprint does not change, so these never make a listing CHANGED; the
        risk score is recomputed. Returns how many listings changed. Call it at the end of
        a platform run.
        """
        medians = category_price_medians(self._platform_prices(platform))
        rescore = risk_rescorer()
        changed = 0
        with self._transaction() as conn:
            shared: dict[str, list[tuple[str, int]]] = {}
            for listing_id, kind, n in conn.execute(
                """WITH shared AS (SELECT kind, value, count(*) AS n FROM identifiers
                                   GROUP BY kind, value HAVING n >= ?)
                   SELECT i.listing_id, i.kind, s.n
                   FROM identifiers i JOIN shared s ON s.kind = i.kind AND s.value = i.value
                   JOIN listings l ON l.id = i.listing_id
                   WHERE l.platform = ?""",
                (SHARED_CONTACT_MIN_LISTINGS, platform),
            ):
                shared.setdefault(listing_id, []).append((kind, n))
            # Listings that may carry a signal now, or did before (it may have to go).
            rows = conn.execute(
                """SELECT num, doc FROM listings l WHERE l.platform = ?
                   AND (l.id IN (SELECT value FROM json_each(?))
                        OR EXISTS (SELECT 1 FROM listing_indicators i WHERE i.listing_id = l.id
                                   AND i.indicator IN (?, ?))
                        OR EXISTS (SELECT 1 FROM json_each(l.doc, '$.prices') p
                                   WHERE json_extract(p.value, '$.amount_eur') IS NOT NULL))""",
                (platform, json.dumps(list(shared)), SHARED_CONTACT, PRICE_ANOMALY),
            ).fetchall()
            for num, doc in rows:
                listing = Listing.model_validate_json(doc)
                if not apply_platform_signals(
                    listing, shared.get(listing.id, []), medians, rescore
                ):
                    continue
                conn.execute(
                    "UPDATE listings SET risk_score = ?, doc = ? WHERE num = ?",
                    (listing.risk_score, listing.model_dump_json(), num),
                )
                self._write_indicators(conn, listing, replace=True)
                changed += 1
        logger.debug("SQLite store %s: platform signals changed on %d listings", self.path, changed)
        return changed

    async def rescored_since(self, since: datetime, limit: int = 10_000) -> list[Rescored]:
        with self._errors("read rescored listings"):
            rows = self._db.execute(
                """SELECT id, json_extract(doc, '$.signals_at'), fingerprint,
                          json_extract(doc, '$.first_fingerprint')
                   FROM listings
                   WHERE json_extract(doc, '$.signals_at') >= ?
                   ORDER BY json_extract(doc, '$.signals_at') LIMIT ?""",
                (_iso(since), limit),
            ).fetchall()
        return [
            Rescored(id, _utc(datetime.fromisoformat(at)) if at else None, fp, first)
            for id, at, fp, first in rows
        ]


def _iso(value: datetime) -> str:
    """A UTC time as the documents store it (pydantic's JSON: 2026-12-02T00:40:00Z)."""
    return _utc(value).strftime("%Y-%m-%dT%H:%M:%S")


def fts_match_expression(text: str) -> str | None:
    """An FTS5 MATCH expression for what an analyst typed, or None if nothing is searchable.

    Words and "quoted phrases" become FTS5 strings (so punctuation is never syntax), a
    trailing ``*`` on a word makes a prefix search, and upper-case AND / OR / NOT stay
    operators when they stand between two terms. Other terms are ANDed.
    """
    parts: list[str] = []
    for match in _FTS_TERM.finditer(text):
        phrase, word = match.group(1), match.group(2)
        if word is not None and word in _FTS_OPERATORS:
            if parts and parts[-1] in _FTS_OPERATORS:
                parts[-1] = word  # "a AND NOT b": FTS5 NOT is binary, keep the last one
            elif parts:
                parts.append(word)
            continue
        term = phrase if phrase is not None else word
        prefix = phrase is None and term.endswith("*")
        term = term.rstrip("*") if prefix else term
        if not any(ch.isalnum() for ch in term):
            continue
        parts.append('"' + term.replace('"', '""') + '"' + ("*" if prefix else ""))
    while parts and parts[-1] in _FTS_OPERATORS:
        parts.pop()
    return " ".join(parts) or None


def _price_point(at: datetime, prices: list[Price], evidence: EvidenceRef | None) -> PricePoint:
    return PricePoint(at=at, prices=[p.model_copy() for p in prices], evidence=evidence)


def _price_key(prices: list[Price]) -> list[tuple[float, str, str]]:
    return sorted((p.amount, p.currency or "", p.unit or "") for p in prices)


def _utc(value: datetime) -> datetime:
    """Aware UTC datetime; a naive one is taken as UTC."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _column_time(value: datetime | None) -> str | None:
    # Fixed width, so that comparing the text in SQL compares the times.
    return None if value is None else _utc(value).strftime(_COLUMN_TIME)


def _column_to_iso(value: str | None) -> str | None:
    if value is None:
        return None
    return _json_time(datetime.strptime(value, _COLUMN_TIME).replace(tzinfo=UTC))


def _json_time(value: datetime) -> str:
    """The datetime as pydantic writes it into the listing document."""
    return _DATETIME_JSON.dump_python(value, mode="json")


def _parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value
    try:
        return _DATETIME_JSON.validate_python(value)
    except Exception as exc:  # pydantic.ValidationError is a ValueError subclass, be explicit
        raise ValueError(str(exc)) from exc
