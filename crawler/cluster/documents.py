"""Actor-linking state as key -> JSON documents, so that every store keeps it the same way.

The SQLite store keeps these documents in one table (key, JSON), the Elasticsearch store in
one index (document id = key). Both run the same `DocumentClusterIndex` and
`DocumentBoilerplate` over them, so the same listings added in the same order give the
same clusters in both: the only store-specific code is reading and writing documents.

Keys and documents (all plain JSON; times are ISO 8601 UTC):

- ``seq``: ``{"n": last seq}``, the arrival counter;
- ``rec:<listing>``: the `ListingRecord` (signature in base64), its cluster and the links
  made when it was added (and the older listings an identifier brought to it);
- ``band:<key>``: ``{"ids": [[listing, seq], ...]}``, at most BAND_KEY_CAP, the first ones
  (`DocumentBands`; a store may keep the band keys its own way, `BandIndex`: SQLite
  keeps them as rows);
- ``ident:<kind>:<value>``: ``{"n": carriers, "ids": [[listing, seq], ...], "state": ...}``
  (the first HOLDER_CAP carriers: linking reads at most the first HUB_SAMPLE and, when an
  identifier starts linking, all of them; that happens by HUB_PATIENCE carriers);
- ``cl:<cluster>``: ``{"first_seen", "size", "members": [[listing, seq], ...], "merges"}``,
  or ``{"merged_into": kept}`` once absorbed (so a watched id can be followed);
- ``bp:<platform>``: ``{"listings": n}``; ``bs:<platform>:<sentence>``: ``{"count": n,
  "contexts": [...]}`` (``{"count": n, "wide": true}`` once it has BOILERPLATE_MIN_CONTEXTS
  contexts: only that is ever asked), the boilerplate tables split per sentence (no pruning: the
  tables live on disk, not in memory).

`ClusterDocuments` is the read/write layer. It loads documents through a `load(keys)`
function when one is given (SQLite: a SELECT inside the write transaction). Without one,
a document it does not hold raises `NeedDocuments(keys)`: an asynchronous store
(Elasticsearch) catches it, fetches those documents with one mget, `provide`s them and
tries the listing again. Writes go to an attempt layer first: `attempt()` keeps them when
the block ends normally and drops them when it raises, so a retried `add` starts from
the same state. `take_changes()` returns what to write back since the last call.
"""

from __future__ import annotations

import base64
import gc
import heapq
import itertools
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from operator import itemgetter
from typing import Any, Protocol, TypeVar

from crawler.cluster.boilerplate import (
    _CONTEXT_CAP,
    BOILERPLATE_MIN_CONTEXTS,
    BOILERPLATE_MIN_LISTINGS,
    BOILERPLATE_SHARE,
    BOILERPLATE_WARMUP,
    PlatformBoilerplate,
)
from crawler.cluster.index import BAND_KEY_CAP
from crawler.cluster.records import (
    ClusterInfo,
    Identifier,
    IdentifierState,
    Link,
    ListingRecord,
    Merge,
)

HOLDER_CAP = 1000
T = TypeVar("T")

Document = dict[str, Any]
Loader = Callable[[Sequence[str]], dict[str, Document]]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cycle collector off for a block of linking work, back on after it.

    Linking builds many small lists and dicts (new documents) while a store keeps tens of
    thousands of documents, millions of tracked objects, between batches: the collector,
    triggered by those allocations, walked all of them again and again (with it on, a batch
    took about 1.5x as long). The documents are plain JSON data without cycles, freed by
    reference counting; the collector runs as usual once the block ends.
    """
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


class NeedDocuments(Exception):  # noqa: N818 - a request, not an error
    """The documents under these keys must be fetched before the operation can go on."""

    def __init__(self, keys: Iterable[str]) -> None:
        self.keys = sorted(set(keys))
        super().__init__(f"{len(self.keys)} cluster documents to fetch")


_ABSENT: Document = {}


class ClusterDocuments:
    """Documents read from a store, changed by linking, written back (module docstring)."""

    def __init__(self, load: Loader | None = None) -> None:
        self.loader = load
        self._known: dict[str, Document | None] = {}
        self._attempt: dict[str, Document | None] | None = None
        self._changed: dict[str, Document | None] = {}
        self._decoded: dict[str, tuple[Document, Any]] = {}

    # -- reading ----------------------------------------------------------------------------
    def provide(self, docs: dict[str, Document | None]) -> None:
        """Documents fetched from the store (None or missing: the key has no document)."""
        for key, doc in docs.items():
            if key not in self._changed:
                self._known[key] = doc

    def prefetch(self, keys: Iterable[str]) -> None:
        """Load these keys now (one call), where a loader is given; else NeedDocuments."""
        missing = [k for k in dict.fromkeys(keys) if not self._has(k)]
        if not missing:
            return
        if self.loader is None:
            raise NeedDocuments(missing)
        got = self.loader(missing)
        for key in missing:
            self._known[key] = got.get(key)

    def _has(self, key: str) -> bool:
        return (self._attempt is not None and key in self._attempt) or key in self._known

    def get(self, key: str) -> Document | None:
        if self._attempt is not None and key in self._attempt:
            return self._attempt[key]
        if key not in self._known:
            self.prefetch([key])
        return self._known[key]

    def get_many(self, keys: Iterable[str]) -> dict[str, Document | None]:
        """{key: document or None} for these keys, in their order (one load for the missing)."""
        out: dict[str, Document | None] = {}
        missing: list[str] = []
        attempt, known = self._attempt, self._known
        for key in keys:
            if key in out:
                continue
            if attempt is not None and key in attempt:
                out[key] = attempt[key]
            elif key in known:
                out[key] = known[key]
            else:
                out[key] = None
                missing.append(key)
        if missing:
            self.prefetch(missing)
            for key in missing:
                out[key] = self._known[key]
        return out

    # -- writing ----------------------------------------------------------------------------
    def put(self, key: str, doc: Document | None) -> None:
        if self._attempt is not None:
            self._attempt[key] = doc
        else:
            self._known.pop(key, None)  # to the end: `trim` keeps what was used last
            self._known[key] = doc
            self._changed[key] = doc

    @contextmanager
    def attempt(self) -> Iterator[None]:
        """Writes inside the block are kept only when it ends without an exception."""
        if self._attempt is not None:
            yield  # nested: the outer attempt decides
            return
        self._attempt = {}
        try:
            yield
        except BaseException:
            self._attempt = None
            raise
        done, self._attempt = self._attempt, None
        for key, doc in done.items():
            self.put(key, doc)

    def take_changes(self) -> dict[str, Document | None]:
        """Documents written since the last call (None: delete), to write back to the store."""
        changed, self._changed = self._changed, {}
        return changed

    def holds(self, key: str) -> bool:
        """Whether the document under `key` (or its absence) is known here."""
        return self._has(key)

    def peek(self, key: str) -> Document | None:
        """The document if held, else None (never loads, never raises)."""
        if self._attempt is not None and key in self._attempt:
            return self._attempt[key]
        return self._known.get(key)

    def decoded(self, key: str, doc: Document, decode: Callable[[Document], T]) -> T:
        """`decode(doc)`, remembered while `doc` is the document held under `key`.

        Documents are replaced, never changed in place, so the same object decodes the same
        way: linking reads the records of its candidates over and over, batch after batch.
        """
        cached = self._decoded.get(key)
        if cached is not None and cached[0] is doc:
            return cached[1]
        value = decode(doc)
        self._decoded[key] = (doc, value)
        return value

    def held(self) -> list[str]:
        """The keys held (loaded or written)."""
        return list(self._known)

    def size(self) -> int:
        """How many documents are held."""
        return len(self._known)

    def trim(self, keep: int) -> None:
        """Keep only the `keep` documents loaded or written last (none may be unwritten)."""
        if self._changed or self._attempt is not None:
            raise RuntimeError("cluster documents: trim with changes not written back")
        drop = len(self._known) - keep
        if drop <= 0:
            return
        for key in list(itertools.islice(self._known, drop)):
            del self._known[key]
            self._decoded.pop(key, None)

    def forget(self) -> None:
        """Drop every loaded document (another process may have changed them)."""
        self._known = {}
        self._changed = {}
        self._decoded = {}


# -- the index ---------------------------------------------------------------------------------


def _time(value: datetime) -> str:
    return value.isoformat()


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _ident_key(identifier: Identifier) -> str:
    return f"ident:{identifier[0]}:{identifier[1]}"


def _link_doc(link: Link) -> Document:
    return {
        "listing": link.listing,
        "other": link.other,
        "kind": link.kind,
        "at": _time(link.at),
        "identifier": list(link.identifier) if link.identifier else None,
        "similarity": link.similarity,
    }


def _link(doc: Document) -> Link:
    ident = doc.get("identifier")
    return Link(
        doc["listing"],
        doc["other"],
        doc["kind"],
        _parse(doc["at"]),
        (ident[0], ident[1]) if ident else None,
        doc.get("similarity"),
    )


def _merge_doc(merge: Merge) -> Document:
    return {
        "kept": merge.kept,
        "absorbed": merge.absorbed,
        "at": _time(merge.at),
        "reason": merge.reason,
    }


def _merge(doc: Document) -> Merge:
    return Merge(doc["kept"], doc["absorbed"], _parse(doc["at"]), doc["reason"])


def record_from_doc(doc: Document) -> ListingRecord:
    sig = doc.get("signature")
    return ListingRecord(
        id=doc["id"],
        platform=doc["platform"],
        first_seen=_parse(doc["first_seen"]),
        seq=int(doc["seq"]),
        signature=base64.b64decode(sig) if sig else None,
        shingle_count=int(doc["shingles"]),
        identifiers=tuple((k, v) for k, v in doc.get("identifiers", ())),
    )


def state_from_doc(doc: Document) -> IdentifierState:
    return IdentifierState(
        doc["status"],
        int(doc["listings"]),
        int(doc["groups"]),
        int(doc["next_check"]),
        doc.get("reason", ""),
    )


class BandIndex(Protocol):
    """Where the band keys are kept: which listings (the first BAND_KEY_CAP) share a key.

    `DocumentBands` keeps them as ``band:<key>`` documents (Elasticsearch); a store may
    keep them its own way (SQLite: rows, candidates ranked by a query) as long as the
    answers are the same: the index's rules do not change with where the keys live.
    """

    def add(self, band_keys: Sequence[str], listing_id: str, seq: int) -> None:
        """Add the listing to each key that holds fewer than BAND_KEY_CAP listings."""
        ...

    def candidates(self, band_keys: Sequence[str], limit: int) -> list[str]:
        """Listings sharing a key: most keys shared first, then by seq; at most `limit`."""
        ...

    def forget(self, listing_id: str, band_keys: Sequence[str]) -> None:
        """Retention: the listing is no longer under these keys."""
        ...


class DocumentBands:
    """`BandIndex` as documents: ``band:<key>`` = ``{"ids": [[listing, seq], ...]}``."""

    def __init__(self, docs: ClusterDocuments) -> None:
        self.docs = docs

    def add(self, band_keys: Sequence[str], listing_id: str, seq: int) -> None:
        docs = self.docs
        got = docs.get_many([f"band:{k}" for k in band_keys])
        for key, doc in got.items():
            ids = doc["ids"] if doc else []
            if len(ids) < BAND_KEY_CAP:
                docs.put(key, {"ids": [*ids, [listing_id, seq]]})

    def candidates(self, band_keys: Sequence[str], limit: int) -> list[str]:
        lists = [
            doc["ids"] for doc in self.docs.get_many(f"band:{k}" for k in band_keys).values() if doc
        ]
        counts: Counter[str] = Counter()
        seq_of: dict[str, int] = {}
        for ids in lists:
            counts.update(map(itemgetter(0), ids))
            seq_of.update(ids)
        ranked = heapq.nsmallest(limit, [(-n, seq_of[i], i) for i, n in counts.items()])
        return [i for _, _, i in ranked]

    def forget(self, listing_id: str, band_keys: Sequence[str]) -> None:
        docs = self.docs
        for band in band_keys:
            doc = docs.get(f"band:{band}")
            if doc is not None:
                ids = [m for m in doc["ids"] if m[0] != listing_id]
                docs.put(f"band:{band}", {"ids": ids} if ids else None)


class DocumentClusterIndex:
    """`crawler.cluster.ClusterIndex` over `ClusterDocuments` (the module docstring); the
    band keys in `bands` (documents, unless the store gives its own `BandIndex`)."""

    def __init__(self, docs: ClusterDocuments, bands: BandIndex | None = None) -> None:
        self.docs = docs
        self.bands: BandIndex = bands if bands is not None else DocumentBands(docs)
        # What changed since `changes()` was last read (for the store's listing updates):
        # listings moved by a merge, and each grown cluster's size before it grew.
        self.moved: dict[str, str] = {}
        self.size_before: dict[str, int] = {}

    def changes(self) -> tuple[dict[str, str], dict[str, int]]:
        """(listings moved by merges -> their cluster, clusters grown -> their size before)."""
        out = (self.moved, self.size_before)
        self.moved, self.size_before = {}, {}
        return out

    # The keys one add() of a listing with these band keys and identifiers reads first.
    @staticmethod
    def keys_for(listing_id: str, band_keys: Sequence[str], identifiers: Sequence[Identifier]):
        return [
            "seq",
            f"rec:{listing_id}",
            *(f"band:{k}" for k in band_keys),
            *(_ident_key(i) for i in identifiers),
        ]

    def next_seq(self) -> int:
        doc = self.docs.get("seq") or {"n": 0}
        n = int(doc["n"]) + 1
        self.docs.put("seq", {"n": n})
        return n

    def add_listing(self, record: ListingRecord, band_keys: Sequence[str]) -> None:
        docs = self.docs
        docs.put(
            f"rec:{record.id}",
            {
                "id": record.id,
                "platform": record.platform,
                "first_seen": _time(record.first_seen),
                "seq": record.seq,
                "signature": base64.b64encode(record.signature).decode()
                if record.signature
                else None,
                "shingles": record.shingle_count,
                "identifiers": [list(i) for i in record.identifiers],
                "cluster": None,
                "links": [],
            },
        )
        self.bands.add(band_keys, record.id, record.seq)
        got = docs.get_many([_ident_key(i) for i in record.identifiers])
        for key, doc in got.items():
            doc = dict(doc) if doc else {"n": 0, "ids": [], "state": None}
            doc["n"] = int(doc["n"]) + 1
            if len(doc["ids"]) < HOLDER_CAP:
                doc["ids"] = [*doc["ids"], [record.id, record.seq]]
            docs.put(key, doc)

    def _rec(self, listing_id: str) -> Document | None:
        return self.docs.get(f"rec:{listing_id}")

    def record(self, listing_id: str) -> ListingRecord | None:
        doc = self._rec(listing_id)
        if not doc:
            return None
        return self.docs.decoded(f"rec:{listing_id}", doc, record_from_doc)

    def candidates(self, band_keys: Sequence[str], limit: int) -> list[str]:
        found = self.bands.candidates(band_keys, limit)
        self.docs.prefetch(f"rec:{i}" for i in found)  # read next, in one go
        return found

    def listings_with(self, identifier: Identifier, limit: int | None = None) -> list[str]:
        doc = self.docs.get(_ident_key(identifier))
        ids = [i for i, _ in doc["ids"]] if doc else []
        return ids if limit is None else ids[:limit]

    def identifier_count(self, identifier: Identifier) -> int:
        doc = self.docs.get(_ident_key(identifier))
        return int(doc["n"]) if doc else 0

    def identifier_state(self, identifier: Identifier) -> IdentifierState | None:
        doc = self.docs.get(_ident_key(identifier))
        return state_from_doc(doc["state"]) if doc and doc.get("state") else None

    def set_identifier_state(self, identifier: Identifier, state: IdentifierState) -> None:
        key = _ident_key(identifier)
        doc = dict(self.docs.get(key) or {"n": 0, "ids": []})
        doc["state"] = {
            "status": state.status,
            "listings": state.listings,
            "groups": state.groups,
            "next_check": state.next_check,
            "reason": state.reason,
        }
        self.docs.put(key, doc)

    def cluster_of(self, listing_id: str) -> str | None:
        doc = self._rec(listing_id)
        return doc.get("cluster") if doc else None

    def cluster(self, cluster_id: str) -> ClusterInfo | None:
        doc = self.docs.get(f"cl:{cluster_id}")
        if not doc or "merged_into" in doc:
            return None
        first = doc.get("seq")
        if first is None:  # written before "seq" was kept
            first = min((int(seq) for _, seq in doc["members"]), default=0)
        return ClusterInfo(cluster_id, _parse(doc["first_seen"]), int(doc["size"]), int(first))

    def _set_cluster(self, listing_id: str, cluster_id: str) -> None:
        key = f"rec:{listing_id}"
        doc = self.docs.get(key)
        if doc is None:
            raise KeyError(listing_id)
        self.docs.put(key, {**doc, "cluster": cluster_id})

    def create_cluster(self, cluster_id: str, listing_id: str, first_seen: datetime) -> None:
        rec = self._rec(listing_id)
        seq = rec["seq"] if rec else 0
        self.docs.put(
            f"cl:{cluster_id}",
            {
                "id": cluster_id,
                "first_seen": _time(first_seen),
                "size": 1,
                "seq": seq,
                "members": [[listing_id, seq]],
                "merges": [],
            },
        )
        self.size_before.setdefault(cluster_id, 0)
        self._set_cluster(listing_id, cluster_id)

    def assign(self, listing_id: str, cluster_id: str) -> None:
        key = f"cl:{cluster_id}"
        doc = self.docs.get(key)
        rec = self._rec(listing_id)
        if doc is None or rec is None:
            raise KeyError(cluster_id if doc is None else listing_id)
        first = min(_parse(doc["first_seen"]), _parse(rec["first_seen"]))
        self.size_before.setdefault(cluster_id, int(doc["size"]))
        self.docs.put(
            key,
            {
                **doc,
                "first_seen": _time(first),
                "size": int(doc["size"]) + 1,
                "members": [*doc["members"], [listing_id, rec["seq"]]],
            },
        )
        self._set_cluster(listing_id, cluster_id)

    def merge(self, merge: Merge) -> None:
        kept_key, gone_key = f"cl:{merge.kept}", f"cl:{merge.absorbed}"
        kept, gone = self.docs.get(kept_key), self.docs.get(gone_key)
        if kept is None or gone is None:
            raise KeyError(merge.kept if kept is None else merge.absorbed)
        moved = [m for m, _ in gone["members"]]
        self.docs.prefetch(f"rec:{m}" for m in moved)
        for listing_id in moved:
            self._set_cluster(listing_id, merge.kept)
            self.moved[listing_id] = merge.kept
        for listing_id, cluster in self.moved.items():
            if cluster == merge.absorbed:  # moved earlier in the batch, then again
                self.moved[listing_id] = merge.kept
        self.size_before.setdefault(merge.kept, int(kept["size"]))
        first = min(_parse(kept["first_seen"]), _parse(gone["first_seen"]))
        self.docs.put(
            kept_key,
            {
                **kept,
                "first_seen": _time(first),
                "size": int(kept["size"]) + int(gone["size"]),
                "seq": min(int(kept.get("seq", 0) or 0), int(gone.get("seq", 0) or 0))
                if "seq" in kept and "seq" in gone
                else None,
                "members": [*kept["members"], *gone["members"]],
                "merges": [*kept["merges"], *gone["merges"], _merge_doc(merge)],
            },
        )
        self.docs.put(gone_key, {"id": merge.absorbed, "merged_into": merge.kept})

    def add_link(self, link: Link) -> None:
        key = f"rec:{link.listing}"
        doc = self.docs.get(key)
        if doc is None:
            raise KeyError(link.listing)
        self.docs.put(key, {**doc, "links": [*doc["links"], _link_doc(link)]})

    def members(self, cluster_id: str) -> list[str]:
        doc = self.docs.get(f"cl:{cluster_id}")
        if not doc or "merged_into" in doc:
            return []
        return [i for i, _ in sorted(doc["members"], key=lambda m: m[1])]

    def links(self, cluster_id: str) -> list[Link]:
        members = self.members(cluster_id)
        recs = self.docs.get_many(f"rec:{m}" for m in members)
        out = []
        for key in (f"rec:{m}" for m in members):  # by seq, as made
            doc = recs.get(key)
            out += [_link(d) for d in (doc or {}).get("links", ())]
        return out

    def merges(self, cluster_id: str) -> list[Merge]:
        doc = self.docs.get(f"cl:{cluster_id}")
        if not doc or "merged_into" in doc:
            return []
        return [_merge(d) for d in doc["merges"]]

    # Not part of the protocol.
    def forget(self, listing_id: str, band_keys: Sequence[str] = ()) -> None:
        """Retention: drop a deleted listing's record, its place in its cluster, in its
        identifiers' carriers (an identifier no listing carries any more is dropped) and in
        the given band keys. Links that name it stay (ids only); clusters do not split."""
        docs = self.docs
        rec = docs.get(f"rec:{listing_id}")
        if rec is None:
            return
        docs.put(f"rec:{listing_id}", None)
        for kind, value in rec.get("identifiers", ()):
            key = _ident_key((kind, value))
            doc = docs.get(key)
            if doc is None:
                continue
            ids = [m for m in doc["ids"] if m[0] != listing_id]
            n = int(doc["n"]) - 1
            docs.put(key, {**doc, "n": n, "ids": ids} if n > 0 else None)
        self.bands.forget(listing_id, band_keys)
        cluster = rec.get("cluster")
        doc = docs.get(f"cl:{cluster}") if cluster else None
        if doc is not None and "merged_into" not in doc:
            members = [m for m in doc["members"] if m[0] != listing_id]
            docs.put(
                f"cl:{cluster}",
                {**doc, "members": members, "size": len(members)} if members else None,
            )

    def resolve(self, cluster_id: str) -> str | None:
        """The cluster that holds `cluster_id` now (itself, or the one it was merged into)."""
        seen: set[str] = set()
        while cluster_id not in seen:
            seen.add(cluster_id)
            doc = self.docs.get(f"cl:{cluster_id}")
            if not doc:
                return None
            if "merged_into" not in doc:
                return cluster_id
            cluster_id = doc["merged_into"]
        return None


class DocumentBoilerplate(PlatformBoilerplate):
    """`PlatformBoilerplate` over `ClusterDocuments`: the same rule, tables kept per sentence."""

    def __init__(
        self,
        docs: ClusterDocuments,
        share: float = BOILERPLATE_SHARE,
        min_listings: int = BOILERPLATE_MIN_LISTINGS,
        min_contexts: int = BOILERPLATE_MIN_CONTEXTS,
        warmup: int = BOILERPLATE_WARMUP,
    ) -> None:
        super().__init__(share, min_listings, min_contexts, warmup)
        self.docs = docs

    @staticmethod
    def keys_for(platform: str, sentence_keys: Iterable[str]) -> list[str]:
        return [f"bp:{platform}", *(f"bs:{platform}:{k}" for k in sentence_keys)]

    def observe(self, platform: str, sentence_keys: Iterable[str]) -> None:
        keys = sorted(set(sentence_keys))
        docs = self.docs
        got = docs.get_many(self.keys_for(platform, keys))
        table = got[f"bp:{platform}"] or {"listings": 0}
        docs.put(f"bp:{platform}", {"listings": int(table["listings"]) + 1})
        for key in keys:
            doc = got[f"bs:{platform}:{key}"] or {"count": 0, "contexts": []}
            count = int(doc["count"]) + 1
            if doc.get("wide"):
                docs.put(f"bs:{platform}:{key}", {"count": count, "wide": True})
                continue
            contexts = list(doc["contexts"])
            if count >= 2 and len(contexts) < _CONTEXT_CAP:
                # As PlatformBoilerplate: below the cap, every other sentence is added.
                have = set(contexts)
                contexts += [k for k in keys if k != key and k not in have]
            if len(contexts) >= self.min_contexts:
                # Only "at least min_contexts" is ever asked, and contexts only grow: the
                # list is no longer needed (a footer's document stays a few bytes).
                docs.put(f"bs:{platform}:{key}", {"count": count, "wide": True})
            else:
                docs.put(f"bs:{platform}:{key}", {"count": count, "contexts": contexts})

    def boilerplate(self, platform: str, sentence_keys: Iterable[str]) -> frozenset[str]:
        keys = list(sentence_keys)
        self.docs.prefetch(self.keys_for(platform, keys))
        return frozenset(k for k in keys if self.is_boilerplate(platform, k))

    def is_boilerplate(self, platform: str, key: str) -> bool:
        table = self.docs.get(f"bp:{platform}")
        if not table:
            return False
        listings = int(table["listings"])
        doc = self.docs.get(f"bs:{platform}:{key}")
        count = int(doc["count"]) if doc else 0
        return (
            count >= self.min_listings
            and count >= self.share * listings
            and (
                listings < self.warmup
                or bool(doc and (doc.get("wide") or len(doc["contexts"]) >= self.min_contexts))
            )
        )

    def listings(self, platform: str) -> int:
        table = self.docs.get(f"bp:{platform}")
        return int(table["listings"]) if table else 0

    def snapshot(self) -> dict[str, Any]:
        raise NotImplementedError("the tables are documents: read them from the store")

    def restore(self, data: dict[str, Any]) -> None:
        raise NotImplementedError("the tables are documents: write them to the store")


async def with_documents(
    docs: ClusterDocuments,
    work: Callable[[], T],
    fetch: Callable[[list[str]], Awaitable[dict[str, Document | None]]],
    max_rounds: int = 1000,
) -> T:
    """Run `work` (which reads `docs`), fetching what it asks for, until it completes.

    Each NeedDocuments drops the attempt's writes, fetches the keys (one call) and runs
    `work` again from the start: `work` must have no effect outside `docs`.
    """
    for _ in range(max_rounds):
        try:
            with docs.attempt(), collector_paused():
                return work()
        except NeedDocuments as need:
            got = await fetch(need.keys)
            docs.provide({k: got.get(k) for k in need.keys})
    raise RuntimeError(f"cluster documents: still missing after {max_rounds} fetches")
