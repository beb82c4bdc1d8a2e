"""The Elasticsearch listing store: what analysts search in Kibana.

Indices (prefix from STORE_INDEX_PREFIX, default "flagwatch"):
  <prefix>-listings  alias for writes and reads -> versioned index <prefix>-listings-v1, -v2...
                     (a mapping change moves to a new index with `migrate_listings`)
  <prefix>-alerts    one document per alert (id = alert id, so storing twice is a no-op)
  <prefix>-jobs      one document per crawl job (start, end, pages, items, errors)
Index templates carry the mappings, so every versioned index gets them. Mappings use core
types only (the test server has no language analyzers); `title.<lang>`/`body.<lang>`
sub-fields are added for each language analyzer that the cluster answers `_analyze` for.

Upsert (same meaning as the SQLite store, see crawler/store/base.py): per batch, one mget of
the current documents (with their seq_no/primary_term) and of the identifier registry
(cluster ids), then one bulk: `create` for new ids, `index` with if_seq_no/if_primary_term
for known ones. A 409 on an item means another process wrote it first: that listing is
re-read and decided again, so two crawlers writing the same listings at once still report
each change exactly once. Data older than the stored last_seen never overwrites newer data
(this also makes spool replays idempotent).
Blind creates: listings this process has neither read, written nor seen `known()` report
are not read first; they are decided NEW and sent as `create`, and the 409 of one that
exists sends it to the re-read round above (counted in stats["blind_misses"]). When most
blind creates of a batch miss (a fresh process re-crawling a platform), the next
BLIND_PAUSE_BATCHES batches read first. Registry entries created for a listing that
turned out to exist are rewritten with the cluster decided in the re-read round.
Documents are serialized by pydantic (`listing_document_json`), not through dicts.

Cluster ids: `<prefix>-identifiers` holds one document per identifier (phone, e-mail,
handle, wallet) with the cluster id and listing that first had it, created with op_type
create in the same bulk as the listings (the first writer wins, also across processes) and
read with mget (real-time, no refresh wait). A listing's cluster id is that of its
identifiers' registered clusters (the smallest when several; a stored listing keeps its
own when that is smaller), else its own id; listings of one batch that share an
identifier are linked too. `shared_identifiers` counts the identifiers it shares with a
listing seen before it. Limits: clusters only merge forward (a listing that later bridges
two clusters takes the smaller id, but the other cluster's listings keep theirs), and the
first listing with an identifier has shared_identifiers 0.

Batching and backpressure: concurrent upsert() calls are queued (bounded queue) and a
writer task takes what is queued, up to STORE_BULK_DOCS listings and STORE_BULK_BYTES
bytes, waiting at most STORE_BULK_FLUSH_INTERVAL seconds for more (default 0: no waiting;
batches form while earlier ones are in flight). At most STORE_BULK_CONCURRENCY batches
are in flight, never two with the same listing (the later one waits).
Requests are retried with exponential backoff (STORE_BULK_RETRY_BACKOFF, doubling, at most
STORE_BULK_MAX_RETRIES retries) on 429, 5xx, connection errors and timeouts.

Durability: when Elasticsearch is still unreachable after the retries, or rejects the
credentials, writes go to the spool (crawler/store/spool.py) and are replayed in order
when it is back (a background task retries every STORE_SPOOL_RETRY_INTERVAL seconds, and
open() replays what a killed crawler left). Nothing goes to Elasticsearch directly while
the spool holds older records, so order is kept. Results for spooled listings are computed
from what this process knows: a listing it read or wrote before is CHANGED or UNCHANGED
by fingerprint; a listing it never saw is reported NEW. Reporting NEW can at worst repeat
an alert (alerts are de-duplicated by id), whereas reporting UNCHANGED could hide a new
listing from the analysts. The replay decides again against the stored document, so the
index itself ends up exactly as if Elasticsearch had never been down.

Settings (environment): STORE_URL / ELASTICSEARCH_URL, ELASTICSEARCH_API_KEY,
ELASTICSEARCH_USERNAME, ELASTICSEARCH_PASSWORD, ELASTICSEARCH_CA_CERTS,
ELASTICSEARCH_VERIFY_CERTS, ELASTICSEARCH_REQUEST_TIMEOUT, STORE_INDEX_PREFIX,
STORE_BULK_DOCS, STORE_BULK_BYTES, STORE_BULK_FLUSH_INTERVAL, STORE_BULK_MAX_RETRIES,
STORE_BULK_RETRY_BACKOFF, STORE_BULK_CONCURRENCY, STORE_QUEUE_SIZE, STORE_SPOOL_DIR, STORE_SPOOL_RETRY_INTERVAL,
CRAWLER_DATA_DIR. All read once, by StoreConfig.from_env.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import hashlib
import json
import logging
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, NamedTuple

from elastic_transport import ConnectionError as TransportConnectionError
from elastic_transport import ConnectionTimeout
from elasticsearch import (
    ApiError,
    AsyncElasticsearch,
    AuthenticationException,
    AuthorizationException,
    NotFoundError,
    helpers,
)

from crawler.envsettings import EnvSettingError, env_number
from crawler.models import (
    CrawlJob,
    Listing,
    PricePoint,
    SearchPage,
    SearchQuery,
    UpsertOutcome,
    UpsertResult,
    utcnow,
)
from crawler.store.base import ListingStore, StoreError
from crawler.store.identifiers import (
    IndexedIdentifier,
    index_identifiers,
    parse_identifier_query,
)
from crawler.store.signals import (
    SHARED_CONTACT_MIN_LISTINGS,
    apply_platform_signals,
    category_price_medians,
    risk_rescorer,
)
from crawler.store.spool import Spool

logger = logging.getLogger(__name__)

MAPPING_VERSION = 1
# Language analyzers we add sub-fields for when the cluster has them (ISO code -> analyzer).
LANGUAGE_ANALYZERS = {
    "en": "english",
    "nl": "dutch",
    "de": "german",
    "fr": "french",
    "es": "spanish",
    "it": "italian",
    "ro": "romanian",
    "ru": "russian",
}
# Fields we add to the indexed document for search and Kibana; stripped when reading back.
DERIVED_FIELDS = (
    "identifiers",
    "identifier_keys",
    "phone_regions",
    "indicator_ids",
    "price_units",
    "price_amount_eur",
    "price_unit",
    "shared_identifiers",
)
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_CONFLICT_ROUNDS = 20
# Platform signals: scroll page size, and identifiers per counting aggregation.
SIGNAL_SCAN_SIZE = 1000
SIGNAL_TERMS_CHUNK = 1000
# After a batch whose blind creates mostly hit existing listings, this many batches read first.
BLIND_PAUSE_BATCHES = 8
SUMMARY_TOP = 10
# `crawler status` pages through a platform's listings with large limits; allow them.
MAX_RESULT_WINDOW = 200_000


# --------------------------------------------------------------------------------------
# configuration
# --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class StoreConfig:
    """Every setting of the Elasticsearch store, read once from the environment."""

    url: str
    api_key: str | None = field(default=None, repr=False)
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    ca_certs: str | None = None
    verify_certs: bool = True
    request_timeout: float = 30.0
    index_prefix: str = "flagwatch"
    bulk_docs: int = 500
    bulk_bytes: int = 5 * 1024 * 1024
    flush_interval: float = 0.0
    max_retries: int = 3
    retry_backoff: float = 0.5
    queue_size: int = 64
    bulk_concurrency: int = 2
    spool_dir: Path = Path("data/spool")
    spool_retry_interval: float = 5.0

    @classmethod
    def from_env(cls, url: str, environ: Mapping[str, str]) -> StoreConfig:
        def number(name: str, kind: type, default: Any, minimum: float = 0) -> Any:
            try:
                return env_number(environ, name, kind, default, minimum)
            except EnvSettingError as exc:
                raise StoreError(str(exc)) from None

        verify = environ.get("ELASTICSEARCH_VERIFY_CERTS", "true").strip().lower()
        if verify not in ("true", "false", "1", "0", "yes", "no"):
            raise StoreError(
                f"environment: ELASTICSEARCH_VERIFY_CERTS={verify!r} must be true or false"
            )
        prefix = environ.get("STORE_INDEX_PREFIX", "flagwatch") or "flagwatch"
        if not re.fullmatch(r"[a-z0-9][a-z0-9_.-]*", prefix):
            raise StoreError(
                f"environment: STORE_INDEX_PREFIX={prefix!r} must be lower-case letters, "
                "digits, '-', '_' or '.' (an Elasticsearch index name)"
            )
        if (environ.get("ELASTICSEARCH_USERNAME") is None) != (
            environ.get("ELASTICSEARCH_PASSWORD") is None
        ):
            raise StoreError(
                "environment: ELASTICSEARCH_USERNAME and ELASTICSEARCH_PASSWORD go together"
            )
        ca = environ.get("ELASTICSEARCH_CA_CERTS") or None
        if ca and not Path(ca).is_file():
            raise StoreError(f"environment: ELASTICSEARCH_CA_CERTS={ca!r}: no such file")
        data_dir = Path(environ.get("CRAWLER_DATA_DIR", "data"))
        return cls(
            url=url,
            api_key=environ.get("ELASTICSEARCH_API_KEY") or None,
            username=environ.get("ELASTICSEARCH_USERNAME") or None,
            password=environ.get("ELASTICSEARCH_PASSWORD") or None,
            ca_certs=ca,
            verify_certs=verify in ("true", "1", "yes"),
            request_timeout=number("ELASTICSEARCH_REQUEST_TIMEOUT", float, 30.0, 0.1),
            index_prefix=prefix,
            bulk_docs=number("STORE_BULK_DOCS", int, 500, 1),
            bulk_bytes=number("STORE_BULK_BYTES", int, 5 * 1024 * 1024, 1024),
            flush_interval=number("STORE_BULK_FLUSH_INTERVAL", float, 0.0),
            max_retries=number("STORE_BULK_MAX_RETRIES", int, 3),
            retry_backoff=number("STORE_BULK_RETRY_BACKOFF", float, 0.5),
            queue_size=number("STORE_QUEUE_SIZE", int, 64, 1),
            bulk_concurrency=number("STORE_BULK_CONCURRENCY", int, 2, 1),
            spool_dir=Path(environ.get("STORE_SPOOL_DIR") or data_dir / "spool"),
            spool_retry_interval=number("STORE_SPOOL_RETRY_INTERVAL", float, 5.0, 0.05),
        )


# --------------------------------------------------------------------------------------
# mappings
# --------------------------------------------------------------------------------------
def _kw(normalized: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"type": "keyword", "ignore_above": 1024}
    if normalized:
        out["normalizer"] = "lowercase"
    return out


def listing_mapping(languages: Sequence[str] = ()) -> dict[str, Any]:
    """The listing mapping; `languages` are ISO codes whose analyzers the cluster has."""

    def text(keyword: bool = False) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "text", "analyzer": "standard"}
        subs: dict[str, Any] = {
            code: {"type": "text", "analyzer": LANGUAGE_ANALYZERS[code]} for code in languages
        }
        if keyword:
            subs["keyword"] = {"type": "keyword", "ignore_above": 512}
        if subs:
            out["fields"] = subs
        return out

    price = {
        "amount": {"type": "double"},
        "currency": _kw(False),
        "unit": _kw(),
        "amount_eur": {"type": "double"},
    }
    return {
        # Fields added to Listing later are indexed (strings as keywords), not rejected:
        # a model change must not stop a crawl; the next mapping version types them.
        "dynamic": True,
        "dynamic_templates": [{"strings": {"match_mapping_type": "string", "mapping": _kw(False)}}],
        "properties": {
            "id": _kw(False),
            "platform": _kw(),
            "url": _kw(False),
            "network": _kw(),
            "category": _kw(),
            "listing_key": _kw(False),
            "title": text(keyword=True),
            "body": text(),
            "language": _kw(),
            "seller": _kw(),
            "location_raw": {"type": "text", "fields": {"keyword": _kw()}},
            "location": _kw(),
            "country": _kw(),
            "geo": {"type": "geo_point"},
            "posted_at": {"type": "date"},
            "stated_age": {"type": "integer"},
            "prices": {"type": "nested", "properties": price},
            "phones": _kw(False),
            "emails": _kw(),
            "handles": {"properties": {"service": _kw(), "handle": _kw()}},
            "wallets": {"properties": {"chain": _kw(), "address": _kw(False)}},
            "indicators": {
                "type": "nested",
                "properties": {
                    "id": _kw(False),
                    "evidence": {"type": "text"},
                    "lang": _kw(),
                    "weight": {"type": "float"},
                    "field": _kw(False),
                },
            },
            "risk_score": {"type": "integer"},
            "risk_explanation": {"type": "text"},
            "fingerprint": _kw(False),
            "list_fingerprint": _kw(False),
            "first_seen": {"type": "date"},
            "last_seen": {"type": "date"},
            # History is kept for the record, not searched: no need to index it.
            "price_history": {"type": "object", "enabled": False},
            "cluster_id": _kw(False),
            "evidence_sha256": _kw(False),
            "fields": {"type": "flattened", "ignore_above": 1024},
            # Derived, flat copies: Kibana aggregations cannot reach into nested fields.
            "identifiers": _kw(),
            "identifier_keys": _kw(),
            "phone_regions": _kw(False),
            "indicator_ids": _kw(False),
            "price_units": _kw(),
            "price_amount_eur": {"type": "double"},
            "price_unit": _kw(),
            "shared_identifiers": {"type": "integer"},
        },
    }


def alert_mapping() -> dict[str, Any]:
    return {
        "dynamic": True,
        "dynamic_templates": [{"strings": {"match_mapping_type": "string", "mapping": _kw(False)}}],
        "properties": {
            "id": _kw(False),
            "rule": _kw(False),
            "stored_at": {"type": "date"},
            "listing_id": _kw(False),
            "platform": _kw(),
            "message": {"type": "text"},
        },
    }


def identifier_mapping() -> dict[str, Any]:
    return {
        "dynamic": "strict",
        "properties": {
            "identifier": _kw(False),
            "cluster_id": _kw(False),
            "first_listing": _kw(False),
            "first_seen": {"type": "date"},
        },
    }


def identifier_doc_id(identifier: str) -> str:
    """Document id of an identifier's registry entry (ids are limited to 512 bytes)."""
    if len(identifier.encode()) <= 256:
        return identifier
    return "sha256:" + hashlib.sha256(identifier.encode()).hexdigest()


def job_mapping() -> dict[str, Any]:
    count = {"type": "integer"}
    return {
        "dynamic": True,  # as for listings: new CrawlJob fields must not break writes
        "dynamic_templates": [{"strings": {"match_mapping_type": "string", "mapping": _kw(False)}}],
        "properties": {
            "id": _kw(False),
            "platform": _kw(),
            "started_at": {"type": "date"},
            "finished_at": {"type": "date"},
            "status": _kw(),
            "mode": _kw(),
            "complete": {"type": "boolean"},
            "pages": count,
            "items": count,
            "new": count,
            "changed": count,
            "unchanged": count,
            "skipped_known": count,
            "errors": count,
            "message": {"type": "text"},
        },
    }


# --------------------------------------------------------------------------------------
# documents
# --------------------------------------------------------------------------------------
def derived_fields(
    listing: Listing, shared: int = 0, pairs: Sequence[tuple[str, str]] | None = None
) -> dict[str, Any]:
    """The flat fields added to a listing for search and Kibana (see DERIVED_FIELDS).

    `pairs` are the listing's `identifiers()` when the caller has them already.
    """
    rows = [
        _indexed_identifier(kind, value)
        for kind, value in dict.fromkeys(listing.identifiers() if pairs is None else pairs)
    ]
    first = listing.prices[0] if listing.prices else None
    return {
        "identifiers": [f"{r.kind}:{r.value}" for r in rows],
        "identifier_keys": sorted({f"{r.kind}:{r.key}" for r in rows}),
        "phone_regions": sorted({r.region for r in rows if r.region}),
        "indicator_ids": sorted({hit.id for hit in listing.indicators}),
        "price_units": sorted({p.unit for p in listing.prices if p.unit}),
        "price_amount_eur": first.amount_eur if first else None,
        "price_unit": first.unit if first else None,
        "shared_identifiers": shared,
    }


def listing_document(listing: Listing, shared: int = 0) -> dict[str, Any]:
    """The indexed document: the listing plus derived flat fields for search and Kibana."""
    doc = listing.model_dump(mode="json")
    doc.update(derived_fields(listing, shared))
    return doc


def listing_document_json(
    listing: Listing, shared: int = 0, pairs: Sequence[tuple[str, str]] | None = None
) -> str:
    """`listing_document` as a JSON string, for the bulk body.

    The same document, serialized by pydantic's compiled serializer instead of a dict
    round trip through `json.dumps`: building documents is most of the store's own CPU.
    """
    body = listing.model_dump_json()
    extra = json.dumps(derived_fields(listing, shared, pairs), ensure_ascii=False)
    return f"{body[:-1]},{extra[1:]}"


@functools.lru_cache(maxsize=65536)
def _indexed_identifier(kind: str, value: str) -> IndexedIdentifier:
    # Parsing phones is the costliest part of building a document; identifiers repeat a lot.
    return index_identifiers([(kind, value)])[0]


def listing_from_source(source: dict[str, Any]) -> Listing:
    return Listing.model_validate({k: v for k, v in source.items() if k not in DERIVED_FIELDS})


def _price_key(prices: Sequence[Any]) -> tuple[tuple[Any, Any, Any], ...]:
    return tuple((p.amount, p.currency, p.unit) for p in prices)


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))


def _bounded_put(cache: OrderedDict[str, Any], key: str, value: Any, cap: int) -> None:
    """Put as most recent; drop the least recent beyond `cap` entries."""
    cache[key] = value
    cache.move_to_end(key)
    if len(cache) > cap:
        cache.popitem(last=False)


async def _no_docs() -> dict[str, Any]:
    return {"docs": []}


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


class _Known(NamedTuple):
    """What this process last knew of a stored listing (for results while spooling).

    A tuple of atomic values: the garbage collector stops tracking it, which matters with
    up to 200,000 of them in a long crawl.
    """

    fingerprint: str
    first_seen: datetime | None
    prices: tuple[tuple[Any, Any, Any], ...]


@dataclass
class _Entry:
    listing: Listing
    seen_at: datetime
    result: UpsertResult | None = None
    # The listing's identifiers, once: (kind, value) pairs and their "kind:value" strings.
    pairs: list[tuple[str, str]] = field(init=False)
    idents: list[str] = field(init=False)

    def __post_init__(self) -> None:
        self.pairs = list(dict.fromkeys(self.listing.identifiers()))
        self.idents = [f"{kind}:{value}" for kind, value in self.pairs]


@dataclass
class _Request:
    """One upsert() call waiting for the writer, or one spool record being replayed."""

    entries: list[_Entry]
    future: asyncio.Future[list[UpsertResult]] | None
    size: int = 0


class _Unreachable(Exception):
    """Elasticsearch could not be reached (after retries) or refused us; spool instead."""

    def __init__(self, cause: str, auth: bool = False) -> None:
        super().__init__(cause)
        self.cause = cause
        self.auth = auth


# --------------------------------------------------------------------------------------
# the store
# --------------------------------------------------------------------------------------
class ElasticsearchStore(ListingStore):
    """ListingStore on Elasticsearch through the official async client."""

    def __init__(self, config: StoreConfig, client: AsyncElasticsearch | None = None) -> None:
        self.config = config
        prefix = config.index_prefix
        self.listings_alias = f"{prefix}-listings"
        self.alerts_index = f"{prefix}-alerts"
        self.jobs_index = f"{prefix}-jobs"
        self.identifiers_index = f"{prefix}-identifiers"
        self.client = client or self._make_client(config)
        self.spool = Spool(config.spool_dir, prefix)
        self.languages: list[str] = []
        self.stats: dict[str, int] = {
            "spooled": 0,
            "replayed": 0,
            "conflicts": 0,
            "blind_misses": 0,
            "retries": 0,
            "bulk_requests": 0,
        }
        self._known: OrderedDict[str, _Known] = OrderedDict()
        self._known_cap = 200_000
        # Listings that known() found stored: never created blind.
        self._found: OrderedDict[str, None] = OrderedDict()
        # Blind creates (see _decide_and_write) tried and missed (409) lately.
        self._blind: tuple[int, int] = (0, 0)
        self._blind_pause = BLIND_PAUSE_BATCHES
        self._registry_fixes: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        # Registry entries are create-only (never change once written), so caching them is
        # safe across processes and spares most identifier mgets.
        self._registry: OrderedDict[str, tuple[str, str]] = OrderedDict()
        self._queue: asyncio.Queue[_Request] | None = None
        self._writer: asyncio.Task[None] | None = None
        self._replayer: asyncio.Task[None] | None = None
        self._spool_lock = asyncio.Lock()
        self._opened = False
        self._installed = False
        self._down_logged = False

    @classmethod
    def from_env(cls, url: str, environ: Mapping[str, str]) -> ElasticsearchStore:
        return cls(StoreConfig.from_env(url, environ))

    @classmethod
    def from_settings(cls, settings: Any) -> ElasticsearchStore:
        """The store the settings name (STORE_URL, STORE_*, ELASTICSEARCH_*, CRAWLER_DATA_DIR)."""
        values = {
            name: str(value)
            for name in settings.attributes
            if name.startswith(("STORE_", "ELASTICSEARCH_")) or name == "CRAWLER_DATA_DIR"
            for value in (settings.get(name),)
            if value not in (None, "")
        }
        return cls(StoreConfig.from_env(str(settings.get("STORE_URL")), values))

    @staticmethod
    def _make_client(config: StoreConfig) -> AsyncElasticsearch:
        kwargs: dict[str, Any] = {
            "request_timeout": config.request_timeout,
            # We retry with backoff ourselves (and spool after that); the transport's
            # immediate retries would only multiply the wait.
            "max_retries": 0,
            "retry_on_timeout": False,
        }
        if config.api_key:
            key = config.api_key
            kwargs["api_key"] = tuple(key.split(":", 1)) if ":" in key else key
        elif config.username:
            kwargs["basic_auth"] = (config.username, config.password or "")
        if config.url.startswith("https://"):
            kwargs["verify_certs"] = config.verify_certs
            if config.ca_certs:
                kwargs["ca_certs"] = config.ca_certs
            if not config.verify_certs:
                kwargs["ssl_show_warn"] = False
        return AsyncElasticsearch(config.url, **kwargs)

    # -- lifecycle ------------------------------------------------------------------------
    async def open(self) -> None:
        """Install templates and indices (idempotent), then replay what a killed crawler left.

        Raises StoreError naming the cause when Elasticsearch refuses our credentials.
        When it is unreachable, open() still succeeds: writes go to the spool.
        """
        # Marked open first: after a refused open(), upsert() spools and names the cause
        # instead of calling open() again.
        self._opened = True
        try:
            await self._ensure_installed()
        except _Unreachable as exc:
            if exc.auth:
                raise StoreError(self._auth_message(exc.cause)) from None
            logger.warning(
                "Elasticsearch at %s unreachable at start (%s); writes go to the spool %s",
                self.config.url,
                exc.cause,
                self.config.spool_dir,
            )
        if self.spool.segments():
            await self.replay_spool()
        self._ensure_tasks()

    async def close(self) -> None:
        """Finish queued writes, try a last replay, release the client."""
        if self._queue is not None and self._writer is not None:
            await self._queue.join()
        for task in (self._writer, self._replayer):
            if task is not None:
                task.cancel()
        for task in (self._writer, self._replayer):
            if task is not None:
                with contextlib.suppress(asyncio.CancelledError, Exception):
                    await task
        self._writer = self._replayer = None
        self._queue = None
        try:
            if self.spool.pending():
                await self.replay_spool()
        except Exception as exc:  # noqa: BLE001 - the spool keeps them for the next start
            logger.warning("spool not fully replayed at close: %s", exc)
        self.spool.close_segment()
        await self.client.close()

    async def install(self) -> None:
        """Index templates, the versioned listings index and its alias, alerts and jobs."""
        self.languages = await self.detect_languages()
        prefix = self.config.index_prefix
        templates = {
            f"{prefix}-listings": ([f"{prefix}-listings-v*"], listing_mapping(self.languages)),
            f"{prefix}-alerts": ([self.alerts_index], alert_mapping()),
            f"{prefix}-jobs": ([self.jobs_index], job_mapping()),
            f"{prefix}-identifiers": ([self.identifiers_index], identifier_mapping()),
        }
        for name, (patterns, mapping) in templates.items():
            await self.client.indices.put_index_template(
                name=name,
                index_patterns=patterns,
                priority=200,
                version=MAPPING_VERSION,
                template={
                    "settings": {
                        "number_of_shards": 1,
                        "auto_expand_replicas": "0-1",
                        "max_result_window": MAX_RESULT_WINDOW,
                    },
                    "mappings": mapping,
                },
                meta={"managed_by": "flagwatch crawler"},
            )
        if not await self.client.indices.exists_alias(name=self.listings_alias):
            await self._create_index(
                f"{self.listings_alias}-v{MAPPING_VERSION}",
                aliases={self.listings_alias: {"is_write_index": True}},
            )
        for index in (self.alerts_index, self.jobs_index, self.identifiers_index):
            if not await self.client.indices.exists(index=index):
                await self._create_index(index)

    async def _ensure_installed(self) -> None:
        """Install once; when Elasticsearch was down at open(), before the first write."""
        if not self._installed:
            await self._retrying(self.install)
            self._installed = True

    async def _create_index(self, index: str, aliases: dict[str, Any] | None = None) -> None:
        try:
            await self.client.indices.create(index=index, aliases=aliases)
        except ApiError as exc:
            # Another crawler process created it at the same moment: fine.
            if "resource_already_exists_exception" not in str(exc):
                raise

    async def detect_languages(self) -> list[str]:
        """ISO codes whose language analyzer the cluster has (asked with _analyze)."""

        async def has(code: str) -> str | None:
            try:
                await self.client.indices.analyze(analyzer=LANGUAGE_ANALYZERS[code], text="test")
                return code
            except (AuthenticationException, TransportConnectionError, ConnectionTimeout):
                raise
            except ApiError:
                return None

        found = await asyncio.gather(*(has(code) for code in LANGUAGE_ANALYZERS))
        return [code for code in found if code]

    async def refresh(self) -> None:
        """Make everything written so far visible to search (tests, `crawler` after a run)."""
        await self.client.indices.refresh(
            index=[self.listings_alias, self.alerts_index, self.jobs_index]
        )

    def _ensure_tasks(self) -> None:
        if self._queue is None:
            self._queue = asyncio.Queue(maxsize=self.config.queue_size)
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_loop(), name="es-store-writer")
        if self._replayer is None or self._replayer.done():
            self._replayer = asyncio.create_task(self._replay_loop(), name="es-store-replay")

    # -- errors and retries -----------------------------------------------------------------
    def _auth_message(self, cause: str) -> str:
        how = (
            "ELASTICSEARCH_API_KEY"
            if self.config.api_key
            else "ELASTICSEARCH_USERNAME/ELASTICSEARCH_PASSWORD"
            if self.config.username
            else "no credentials set (ELASTICSEARCH_API_KEY)"
        )
        return (
            f"Elasticsearch at {self.config.url} refused the crawler's credentials ({cause}); "
            f"check {how} and its privileges on {self.config.index_prefix}-* indices"
        )

    async def _retrying(self, func: Any, *args: Any, **kwargs: Any) -> Any:
        """Call func with backoff on 429/5xx/connection errors; _Unreachable when it gives up."""
        attempt = 0
        while True:
            try:
                return await func(*args, **kwargs)
            except (AuthenticationException, AuthorizationException) as exc:
                raise _Unreachable(f"HTTP {exc.meta.status} {exc.message}", auth=True) from exc
            except (TransportConnectionError, ConnectionTimeout) as exc:
                cause = f"{type(exc).__name__}: {exc.message}"
            except ApiError as exc:
                if exc.meta.status not in RETRY_STATUSES:
                    raise
                cause = f"HTTP {exc.meta.status} {exc.message}"
            if attempt >= self.config.max_retries:
                raise _Unreachable(cause)
            self.stats["retries"] += 1
            await asyncio.sleep(min(self.config.retry_backoff * 2**attempt, 30.0))
            attempt += 1

    # -- upsert ---------------------------------------------------------------------------
    async def upsert(self, listings: Sequence[Listing], seen_at: datetime) -> list[UpsertResult]:
        if not listings:
            return []
        if not self._opened:
            await self.open()
        self._ensure_tasks()
        assert self._queue is not None
        entries = [_Entry(listing, _aware(seen_at)) for listing in listings]
        future: asyncio.Future[list[UpsertResult]] = asyncio.get_running_loop().create_future()
        size = sum(len(e.listing.body) + len(e.listing.title) + 512 for e in entries)
        await self._queue.put(_Request(entries, future, size))  # blocks when full: backpressure
        return await future

    async def _write_loop(self) -> None:
        assert self._queue is not None
        queue = self._queue
        slots = asyncio.Semaphore(self.config.bulk_concurrency)
        inflight: dict[asyncio.Task[None], set[str]] = {}
        loop = asyncio.get_running_loop()
        while True:
            batch = [await queue.get()]
            docs, size = len(batch[0].entries), batch[0].size
            deadline = loop.time() + self.config.flush_interval
            while docs < self.config.bulk_docs and size < self.config.bulk_bytes:
                try:
                    if self.config.flush_interval > 0:
                        remaining = deadline - loop.time()
                        if remaining <= 0:
                            break
                        item = await asyncio.wait_for(queue.get(), remaining)
                    else:
                        item = queue.get_nowait()
                except (TimeoutError, asyncio.QueueEmpty):
                    break
                batch.append(item)
                docs += len(item.entries)
                size += item.size
            ids = {e.listing.id for req in batch for e in req.entries}
            # A listing in flight in another batch: let that one finish first (keeps order).
            overlapping = {t for t, tids in inflight.items() if tids & ids}
            if overlapping:
                await asyncio.wait(overlapping)
            await slots.acquire()
            task = asyncio.create_task(self._run_batch(batch, queue))
            inflight[task] = ids

            def finished(t: asyncio.Task[None]) -> None:
                inflight.pop(t, None)
                slots.release()

            task.add_done_callback(finished)

    async def _run_batch(self, batch: list[_Request], queue: asyncio.Queue[_Request]) -> None:
        try:
            await self._write_requests(batch)
        except Exception as exc:  # noqa: BLE001 - handed to the callers
            for req in batch:
                if req.future is not None and not req.future.done():
                    req.future.set_exception(exc)
        finally:
            for _ in batch:
                queue.task_done()

    async def _write_requests(self, batch: list[_Request]) -> None:
        """Write a batch of upsert() calls to Elasticsearch, or to the spool when it is down."""
        entries = [e for req in batch for e in req.entries]
        auth_error: str | None = None
        written = False
        # While older writes wait in the spool, new ones queue behind them (order); the
        # replay task drains it when Elasticsearch is back.
        async with self._spool_lock:  # not while a replay is running: it must finish first
            direct = not self.spool.pending()
        if direct:
            try:
                await self._ensure_installed()
                await self._apply(entries)
                written = True
                self._down_logged = False
            except _Unreachable as exc:
                auth_error = self._auth_message(exc.cause) if exc.auth else None
                self._log_down(exc.cause)
        if not written:
            async with self._spool_lock:
                self._spool_entries(entries)
        for req in batch:
            if req.future is None or req.future.done():
                continue
            if auth_error:
                req.future.set_exception(
                    StoreError(f"{auth_error}; {len(req.entries)} listings kept in the spool")
                )
            else:
                req.future.set_result([e.result for e in req.entries if e.result is not None])

    def _log_down(self, cause: str) -> None:
        if not self._down_logged:
            logger.warning(
                "Elasticsearch at %s unavailable (%s): spooling writes to %s",
                self.config.url,
                cause,
                self.config.spool_dir,
            )
            self._down_logged = True

    async def _apply(self, entries: list[_Entry]) -> None:
        """Decide and write entries; same id twice in one batch is done in rounds, in order."""
        pending = list(entries)
        while pending:
            seen: set[str] = set()
            this_round: list[_Entry] = []
            later: list[_Entry] = []
            for e in pending:
                (later if e.listing.id in seen else this_round).append(e)
                seen.add(e.listing.id)
            for start in range(0, len(this_round), self.config.bulk_docs):
                await self._apply_unique(this_round[start : start + self.config.bulk_docs])
            pending = later

    async def _apply_unique(self, entries: list[_Entry]) -> None:
        # First round: listings this process has no reason to think stored are created
        # blind (no mget); a 409 sends them to the next round, which reads everything.
        todo = await self._decide_and_write(entries, guess_new=self._guess_new())
        for _ in range(MAX_CONFLICT_ROUNDS):
            if not todo:
                return
            todo = await self._decide_and_write(todo, guess_new=False)
        raise StoreError(
            f"Elasticsearch store: {len(todo)} listings still conflicting after "
            f"{MAX_CONFLICT_ROUNDS} rounds (too many writers on the same listings)"
        )

    def _guess_new(self) -> bool:
        """Whether to create unknown listings blind in the next first round (module doc)."""
        tried, missed = self._blind  # of the last batch with blind creates
        # Mostly misses (a re-crawl by a fresh process): read first for the next batches,
        # and try blind creates again now and then, since a platform's new listings come
        # in runs.
        if tried and missed * 2 > tried:
            self._blind_pause -= 1
            if self._blind_pause > 0:
                return False
            self._blind = (0, 0)
        self._blind_pause = BLIND_PAUSE_BATCHES
        return True

    def _maybe_stored(self, listing_id: str) -> bool:
        return listing_id in self._known or listing_id in self._found

    async def _decide_and_write(self, entries: list[_Entry], guess_new: bool) -> list[_Entry]:
        """One round: mget listings and identifiers, then one bulk. Returns the 409s.

        With `guess_new`, listings this process never saw stored are not read: they are
        decided NEW and written with op_type create, which answers 409 when they exist.
        """
        blind = (
            {e.listing.id for e in entries if not self._maybe_stored(e.listing.id)}
            if guess_new
            else set()
        )
        ids = [e.listing.id for e in entries if e.listing.id not in blind]
        idents = sorted({i for e in entries for i in e.idents})
        # The two reads are independent: one round trip instead of two.
        got, clusters = await asyncio.gather(
            self._retrying(self.client.mget, index=self.listings_alias, ids=ids)
            if ids
            else _no_docs(),
            self._cluster_lookup(idents),
        )
        current = {d["_id"]: d for d in got["docs"] if d.get("found")}
        registered = set(clusters)
        # Listings of this batch that share a not yet registered identifier link up too.
        holders: dict[str, list[str]] = {}
        for e in entries:
            for ident in e.idents:
                if ident not in registered:
                    holders.setdefault(ident, []).append(e.listing.id)
        for ident, lids in holders.items():
            if len(set(lids)) > 1:
                clusters[ident] = (min(lids), min(lids))
        operations: list[Any] = []
        writing: list[tuple[_Entry, UpsertResult]] = []
        for e in entries:
            result, doc, meta = self._decide(e, current.get(e.listing.id), clusters)
            if doc is None:
                e.result = result
                self._remember(result.listing)
                continue
            operations.append(meta)
            operations.append(doc)
            writing.append((e, result))
        # Registry entries this process created for a listing that was created blind and
        # turned out to exist: they carry the cluster of a NEW listing; correct them to the
        # cluster decided now (entries are create-only for everybody else).
        for e, result in writing:
            for ident, doc in self._registry_fixes.pop(e.listing.id, []):
                if doc["cluster_id"] != result.listing.cluster_id:
                    doc = {**doc, "cluster_id": result.listing.cluster_id}
                    operations.append(
                        {
                            "index": {
                                "_index": self.identifiers_index,
                                "_id": identifier_doc_id(ident),
                            }
                        }
                    )
                    operations.append(doc)
                    self._cache_registry(ident, (doc["cluster_id"], doc["first_listing"]))
        conflicts: list[_Entry] = []
        if not operations:
            return conflicts
        new_idents: dict[str, dict[str, Any]] = {}
        for e, result in writing:
            for ident in e.idents:
                if ident not in registered and ident not in new_idents:
                    new_idents[ident] = {
                        "identifier": ident,
                        "cluster_id": result.listing.cluster_id,
                        "first_listing": result.id,
                        "first_seen": e.seen_at.isoformat(),
                    }
        for ident, doc in new_idents.items():
            # create: when another process registered it first, its entry stays (409 ignored).
            operations.append(
                {"create": {"_index": self.identifiers_index, "_id": identifier_doc_id(ident)}}
            )
            operations.append(doc)
        items = await self._bulk(operations)
        tried = missed = 0
        for (e, result), item in zip(writing, items[: len(writing)], strict=True):
            status = item.get("status", 500)
            if e.listing.id in blind:
                tried, missed = tried + 1, missed + (status == 409)
            if status == 409:
                conflicts.append(e)
                self.stats["blind_misses" if e.listing.id in blind else "conflicts"] += 1
            elif status >= 300:
                raise StoreError(
                    f"Elasticsearch store: listing {e.listing.id} rejected "
                    f"(HTTP {status}): {json.dumps(item.get('error'))[:300]}"
                )
            else:
                e.result = result
                self._remember(result.listing)
        if tried:
            self._blind = (tried, missed)
        conflicted = {e.listing.id for e in conflicts} & blind
        registry_items = items[len(writing) : len(writing) + len(new_idents)]
        for (ident, doc), item in zip(new_idents.items(), registry_items, strict=True):
            if item.get("status") in (200, 201):
                self._cache_registry(ident, (doc["cluster_id"], doc["first_listing"]))
                if doc["first_listing"] in conflicted:
                    self._registry_fixes.setdefault(doc["first_listing"], []).append((ident, doc))
            elif item.get("status", 500) >= 300 and item.get("status") != 409:
                logger.warning(
                    "identifier registry write failed (HTTP %s): %s",
                    item.get("status"),
                    json.dumps(item.get("error"))[:300],
                )
        return conflicts

    async def _bulk(self, operations: list[Any]) -> list[dict[str, Any]]:
        """A bulk request; items rejected with 429 are sent again with backoff.

        `operations` alternate action and source, each a dict or an already serialized
        JSON string. Returns each item's status (and error), in order.
        """
        results: list[dict[str, Any] | None] = [None] * (len(operations) // 2)
        todo = list(range(len(results)))
        attempt = 0
        while todo:
            ops = [op for i in todo for op in operations[2 * i : 2 * i + 2]]
            self.stats["bulk_requests"] += 1
            resp = await self._retrying(
                self.client.bulk,
                operations=ops,
                refresh=False,
                # Only what we read: parsing the full item echo costs as much as the request.
                filter_path="items.*.status,items.*.error",
            )
            retry: list[int] = []
            for i, item in zip(todo, resp["items"], strict=True):
                body = next(iter(item.values()))
                if body.get("status") == 429 and attempt < self.config.max_retries:
                    retry.append(i)
                else:
                    results[i] = body
            if retry:
                self.stats["retries"] += 1
                await asyncio.sleep(min(self.config.retry_backoff * 2**attempt, 30.0))
                attempt += 1
            todo = retry
        return [r or {} for r in results]

    async def _cluster_lookup(self, idents: list[str]) -> dict[str, tuple[str, str]]:
        """identifier -> (cluster id, first listing) from the identifier registry (mget)."""
        out = {i: self._registry[i] for i in idents if i in self._registry}
        missing = [i for i in idents if i not in out]
        if not missing:
            return out
        resp = await self._retrying(
            self.client.mget,
            index=self.identifiers_index,
            ids=[identifier_doc_id(i) for i in missing],
        )
        for doc in resp["docs"]:
            if doc.get("found"):
                src = doc["_source"]
                out[src["identifier"]] = (src["cluster_id"], src["first_listing"])
                self._cache_registry(src["identifier"], out[src["identifier"]])
        return out

    def _cache_registry(self, ident: str, entry: tuple[str, str]) -> None:
        _bounded_put(self._registry, ident, entry, self._known_cap)

    def _decide(
        self,
        entry: _Entry,
        current: dict[str, Any] | None,
        clusters: dict[str, tuple[str, str]],
    ) -> tuple[UpsertResult, str | None, dict[str, Any]]:
        """The outcome, the document to write (None: nothing to write) and its bulk action."""
        # Shallow copy: we only rebind fields, never mutate the caller's nested objects.
        new = entry.listing.model_copy()
        seen_at = entry.seen_at
        new.fingerprint = new.fingerprint or new.compute_fingerprint()
        index = self.listings_alias
        linked = [clusters[i] for i in entry.idents if i in clusters]
        if current is None:
            new.first_seen = min(_aware(new.first_seen), seen_at) if new.first_seen else seen_at
            new.last_seen = seen_at
            new.price_history = (
                [PricePoint.model_construct(at=seen_at, prices=new.prices)] if new.prices else []
            )
            # A new listing joins the existing cluster of its identifiers (the smallest id
            # when they belong to several), else starts its own.
            new.cluster_id = min(c for c, _ in linked) if linked else new.id
            meta = {"create": {"_index": index, "_id": new.id}}
            result = UpsertResult.model_construct(
                id=new.id, outcome=UpsertOutcome.NEW, listing=new, previous_fingerprint=None
            )
            shared = sum(1 for _, first in linked if first != new.id)
            return result, listing_document_json(new, shared, entry.pairs), meta
        old = listing_from_source(current["_source"])
        old_last = _aware(old.last_seen) if old.last_seen else None
        if old_last is not None and seen_at < old_last:
            # Older than what is stored (a replay, or a slower crawler): it must not win.
            return (
                UpsertResult(
                    id=old.id,
                    outcome=UpsertOutcome.UNCHANGED,
                    listing=old,
                    previous_fingerprint=old.fingerprint,
                ),
                None,
                {},
            )
        changed = new.fingerprint != old.fingerprint
        if changed:
            new.first_seen = old.first_seen or seen_at
            new.last_seen = seen_at
            new.price_history = list(old.price_history)
            last_prices = old.price_history[-1].prices if old.price_history else old.prices
            if new.prices and _price_key(new.prices) != _price_key(last_prices):
                new.price_history.append(PricePoint.model_construct(at=seen_at, prices=new.prices))
            if new.list_fingerprint is None:
                new.list_fingerprint = old.list_fingerprint
        else:
            # As in the SQLite store, the stored document stays (its platform-level signals
            # and risk score included): only when it was seen and its list entry move.
            list_fingerprint = new.list_fingerprint or old.list_fingerprint
            new = old
            new.last_seen = seen_at
            new.list_fingerprint = list_fingerprint
        new.cluster_id = min([old.cluster_id or old.id, *(c for c, _ in linked)])
        shared = sum(1 for _, first in linked if first != new.id)
        meta = {
            "index": {
                "_index": current["_index"],
                "_id": new.id,
                "if_seq_no": current["_seq_no"],
                "if_primary_term": current["_primary_term"],
            }
        }
        result = UpsertResult.model_construct(
            id=new.id,
            outcome=UpsertOutcome.CHANGED if changed else UpsertOutcome.UNCHANGED,
            listing=new,
            previous_fingerprint=old.fingerprint,
        )
        return result, listing_document_json(new, shared, entry.pairs), meta

    def _remember(self, listing: Listing) -> None:
        known = _Known(listing.fingerprint, listing.first_seen, _price_key(listing.prices))
        _bounded_put(self._known, listing.id, known, self._known_cap)

    # -- spool ----------------------------------------------------------------------------
    def _spool_entries(self, entries: list[_Entry]) -> None:
        """Append entries to the spool and fill in best-known results (module docstring)."""
        records = []
        for e in entries:
            if e.result is not None:
                continue  # written before Elasticsearch went away mid-batch
            listing = e.listing.model_copy()
            listing.fingerprint = listing.fingerprint or listing.compute_fingerprint()
            known = self._known.get(listing.id)
            if known is None:
                outcome = UpsertOutcome.NEW
                listing.first_seen = listing.first_seen or e.seen_at
            else:
                outcome = (
                    UpsertOutcome.CHANGED
                    if known.fingerprint != listing.fingerprint
                    else UpsertOutcome.UNCHANGED
                )
                listing.first_seen = known.first_seen or e.seen_at
            listing.last_seen = e.seen_at
            e.result = UpsertResult(
                id=listing.id,
                outcome=outcome,
                listing=listing,
                previous_fingerprint=known.fingerprint if known else None,
            )
            self._remember(listing)
            records.append(
                {
                    "op": "upsert",
                    "seen_at": e.seen_at.isoformat(),
                    "listing": e.listing.model_dump(mode="json"),
                }
            )
        self.spool.append(records)
        self.stats["spooled"] += len(records)

    async def _spool_or_run(self, record: dict[str, Any], run: Any) -> Any:
        """Run a non-listing write (job, alert, touch) or spool it when ES is unreachable."""
        async with self._spool_lock:
            if not self.spool.pending():
                try:
                    await self._ensure_installed()
                    return await run()
                except _Unreachable as exc:
                    self._log_down(exc.cause)
                    if exc.auth:
                        self.spool.append([record])
                        self.stats["spooled"] += 1
                        raise StoreError(
                            f"{self._auth_message(exc.cause)}; kept in the spool"
                        ) from None
            self.spool.append([record])
            self.stats["spooled"] += 1
            return None

    async def replay_spool(self) -> bool:
        """Replay spooled writes in order; True when the spool is empty afterwards."""
        async with self._spool_lock:
            return await self._replay_locked()

    async def _replay_locked(self) -> bool:
        if not self.spool.pending():
            return True
        try:
            await self._ensure_installed()
            # A cheap probe first: while it is still down, keep appending to one segment.
            await self._retrying(self.client.count, index=self.listings_alias)
        except _Unreachable as exc:
            self._log_down(exc.cause)
            return False
        self.spool.close_segment()
        for segment in self.spool.segments():
            claimed = self.spool.claim(segment)
            if claimed is None:
                continue  # another live process is writing or replaying it
            try:
                count = await self._replay_records(list(claimed.records()))
            except _Unreachable as exc:
                claimed.release()
                self._log_down(exc.cause)
                return False
            except StoreError as exc:
                # Elasticsearch refuses a record (a mapping error, not an outage): set the
                # segment aside for inspection instead of blocking every later write on it.
                rejected = segment.with_name(segment.name + ".rejected")
                segment.rename(rejected)
                claimed.release()
                logger.error("spool %s rejected, kept as %s: %s", segment.name, rejected, exc)
                continue
            except BaseException:
                claimed.release()
                raise
            claimed.done()
            self.stats["replayed"] += count
            logger.info("replayed %d spooled writes from %s", count, segment.name)
        self._down_logged = False
        return not self.spool.pending()

    async def _replay_records(self, records: list[dict[str, Any]]) -> int:
        """Apply records in order; consecutive upserts go in batches."""
        i = 0
        while i < len(records):
            rec = records[i]
            if rec.get("op") == "upsert":
                j = i
                batch: list[_Entry] = []
                while j < len(records) and records[j].get("op") == "upsert":
                    r = records[j]
                    batch.append(
                        _Entry(Listing.model_validate(r["listing"]), _aware(_dt(r["seen_at"])))
                    )
                    j += 1
                await self._apply(batch)
                i = j
                continue
            if rec.get("op") == "job":
                await self._write_job(CrawlJob.model_validate(rec["job"]))
            elif rec.get("op") == "alert":
                await self._write_alert(rec["alert"])
            elif rec.get("op") == "touch":
                await self._write_touch(rec["ids"], _aware(_dt(rec["seen_at"])))
            else:
                logger.warning("spool: skipping a record of unknown kind %r", rec.get("op"))
            i += 1
        return len(records)

    async def _replay_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.spool_retry_interval)
            if self.spool.pending():
                try:
                    await self.replay_spool()
                except Exception as exc:  # noqa: BLE001 - logged; the next round tries again
                    logger.warning("spool replay failed: %s", exc)

    # -- other writes -----------------------------------------------------------------------
    async def touch(self, platform: str, ids: Sequence[str], seen_at: datetime) -> None:
        if not ids:
            return
        seen_at = _aware(seen_at)
        record = {"op": "touch", "ids": list(ids), "seen_at": seen_at.isoformat()}
        await self._spool_or_run(record, lambda: self._write_touch(list(ids), seen_at))

    async def _write_touch(self, ids: list[str], seen_at: datetime) -> None:
        ops: list[dict[str, Any]] = []
        for lid in ids:
            ops.append({"update": {"_index": self.listings_alias, "_id": lid}})
            ops.append({"doc": {"last_seen": seen_at.isoformat()}})
        for start in range(0, len(ops), 2 * self.config.bulk_docs):
            await self._bulk(ops[start : start + 2 * self.config.bulk_docs])
        # 404 items are listings deleted meanwhile (retention): nothing to touch.

    async def save_job(self, job: CrawlJob) -> None:
        record = {"op": "job", "job": job.model_dump(mode="json")}
        await self._spool_or_run(record, lambda: self._write_job(job))

    async def _write_job(self, job: CrawlJob) -> None:
        await self._retrying(
            self.client.index,
            index=self.jobs_index,
            id=job.id,
            document=job.model_dump(mode="json"),
        )

    async def save_alert(self, alert: dict[str, Any]) -> bool:
        if "id" not in alert:
            raise StoreError("save_alert: the alert record has no 'id'")
        record = {"op": "alert", "alert": alert}
        stored = await self._spool_or_run(record, lambda: self._write_alert(alert))
        return stored is not False

    async def _write_alert(self, alert: dict[str, Any]) -> bool:
        doc = json.loads(json.dumps(alert, default=str))
        # Ordered like the SQLite store: by its created_at (or at), else when it was saved.
        doc["stored_at"] = doc.get("created_at") or doc.get("at") or utcnow().isoformat()
        try:
            await self._retrying(
                self.client.create, index=self.alerts_index, id=str(alert["id"]), document=doc
            )
        except ApiError as exc:
            if exc.meta.status == 409:
                return False
            raise
        return True

    async def purge(self, not_seen_since: datetime) -> int:
        """Delete listings not seen since the date (client-side: no _delete_by_query here)."""
        ids = [
            hit["_id"]
            async for hit in helpers.async_scan(
                self.client,
                index=self.listings_alias,
                query={
                    "query": {"range": {"last_seen": {"lt": _aware(not_seen_since).isoformat()}}}
                },
                _source=False,
            )
        ]
        for start in range(0, len(ids), self.config.bulk_docs):
            chunk = ids[start : start + self.config.bulk_docs]
            await self._retrying(
                self.client.bulk,
                operations=[{"delete": {"_index": self.listings_alias, "_id": i}} for i in chunk],
            )
        for lid in ids:
            self._known.pop(lid, None)
        return len(ids)

    # -- platform-level signals -------------------------------------------------------------
    async def update_platform_signals(self, platform: str) -> int:
        """Add or refresh `shared_contact` and `price_anomaly` on the platform's listings.

        What crawler.store.signals defines, as the SQLite store computes it: identifier
        counts over every platform (a terms aggregation limited to the platform's
        identifiers), exact medians per price unit over the platform (one scan of the
        prices), then one scan of the platform that rewrites the listings whose signals
        moved (optimistic concurrency: a listing another crawler wrote meanwhile is re-read
        and decided again). Returns how many listings changed. Skipped (0, with a warning)
        while Elasticsearch is unreachable or the spool cannot be replayed: the next run
        catches up, since signals are recomputed from the whole platform each time.
        """
        # The platform's spooled listings count too: replay them first if Elasticsearch is
        # back (the writer has finished: the pipeline calls this after its last upsert).
        if self.spool.pending() and not await self.replay_spool():
            logger.warning(
                "platform signals of %s not updated: the spool is not replayed yet", platform
            )
            return 0
        try:
            await self._ensure_installed()
            return await self._update_platform_signals(platform)
        except _Unreachable as exc:
            if exc.auth:
                raise StoreError(self._auth_message(exc.cause)) from None
            reason = exc.cause
        except (TransportConnectionError, ConnectionTimeout) as exc:
            reason = f"{type(exc).__name__}: {exc.message}"
        logger.warning(
            "platform signals of %s not updated: Elasticsearch unavailable (%s)", platform, reason
        )
        return 0

    async def _update_platform_signals(self, platform: str) -> int:
        await self._retrying(self.client.indices.refresh, index=self.listings_alias)
        on_platform = {"term": {"platform": platform}}
        prices: dict[tuple[str | None, str], list[float]] = {}
        idents: set[str] = set()
        async for hit in helpers.async_scan(
            self.client,
            index=self.listings_alias,
            query={"query": on_platform},
            _source=["category", "prices.unit", "prices.amount_eur", "identifiers"],
            size=SIGNAL_SCAN_SIZE,
        ):
            src = hit["_source"]
            for price in src.get("prices") or ():
                if price.get("unit") and price.get("amount_eur") is not None:
                    key = (src.get("category"), price["unit"])
                    prices.setdefault(key, []).append(float(price["amount_eur"]))
            idents.update(src.get("identifiers") or ())
        medians = category_price_medians(prices)
        counts = await self._identifier_counts(sorted(idents), SHARED_CONTACT_MIN_LISTINGS)
        rescore = risk_rescorer()

        def shared_of(source: dict[str, Any]) -> list[tuple[str, int]]:
            out = []
            for ident in source.get("identifiers") or ():
                n = counts.get(ident.lower())
                if n:
                    out.append((ident.split(":", 1)[0], n))
            return out

        changed = 0
        pending: list[tuple[str, dict[str, Any], str]] = []  # (id, action, document)
        conflicts: list[str] = []  # written by a crawler meanwhile: decided again

        async def flush() -> None:
            nonlocal changed
            operations: list[Any] = []
            for _, meta, doc in pending:
                operations += [meta, doc]
            items = await self._bulk(operations)
            for (lid, _, _), item in zip(pending, items, strict=True):
                status = item.get("status", 500)
                if status == 409:
                    conflicts.append(lid)
                elif status >= 300:
                    raise StoreError(
                        f"Elasticsearch store: platform signals of listing {lid} rejected "
                        f"(HTTP {status}): {json.dumps(item.get('error'))[:300]}"
                    )
                else:
                    changed += 1
            pending.clear()

        def consider(hit: dict[str, Any]) -> None:
            source = hit["_source"]
            listing = listing_from_source(source)
            if not apply_platform_signals(listing, shared_of(source), medians, rescore):
                return
            meta = {
                "index": {
                    "_index": hit["_index"],
                    "_id": hit["_id"],
                    "if_seq_no": hit["_seq_no"],
                    "if_primary_term": hit["_primary_term"],
                }
            }
            doc = listing_document_json(listing, source.get("shared_identifiers") or 0)
            pending.append((listing.id, meta, doc))

        async for hit in helpers.async_scan(
            self.client,
            index=self.listings_alias,
            query={"query": on_platform},
            seq_no_primary_term=True,
            size=SIGNAL_SCAN_SIZE,
        ):
            consider(hit)
            if len(pending) >= self.config.bulk_docs:
                await flush()
        for _ in range(MAX_CONFLICT_ROUNDS):
            if pending:
                await flush()
            if not conflicts:
                break
            got = await self._retrying(self.client.mget, index=self.listings_alias, ids=conflicts)
            conflicts.clear()
            for doc in got["docs"]:
                if doc.get("found"):
                    consider(doc)
        logger.info("platform signals of %s: %d listings changed", platform, changed)
        return changed

    async def _identifier_counts(self, idents: list[str], minimum: int) -> dict[str, int]:
        """Listings holding each identifier (lower-cased, as the keyword field keeps it),
        for those held by at least `minimum` listings, over every platform."""
        out: dict[str, int] = {}
        for start in range(0, len(idents), SIGNAL_TERMS_CHUNK):
            chunk = sorted({i.lower() for i in idents[start : start + SIGNAL_TERMS_CHUNK]})
            resp = await self._retrying(
                self.client.search,
                index=self.listings_alias,
                size=0,
                query={"terms": {"identifiers": chunk}},
                aggs={
                    "shared": {
                        "terms": {
                            "field": "identifiers",
                            "include": chunk,
                            "size": len(chunk),
                            "min_doc_count": minimum,
                        }
                    }
                },
            )
            for bucket in resp["aggregations"]["shared"]["buckets"]:
                out[bucket["key"]] = bucket["doc_count"]
        return out

    # -- reads ------------------------------------------------------------------------------
    async def known(self, platform: str, ids: Sequence[str]) -> dict[str, str | None]:
        if not ids:
            return {}
        try:
            got = await self._retrying(
                self.client.mget,
                index=self.listings_alias,
                ids=list(ids),
                source=["list_fingerprint", "platform"],
            )
        except _Unreachable as exc:
            # Unknown means "fetch it again": the upsert then goes to the spool. Safe.
            self._log_down(exc.cause)
            return {}
        out = {
            d["_id"]: d["_source"].get("list_fingerprint") for d in got["docs"] if d.get("found")
        }
        for lid in out:
            _bounded_put(self._found, lid, None, self._known_cap)
        return out

    async def get(self, listing_id: str) -> Listing | None:
        try:
            doc = await self._read(self.client.get, index=self.listings_alias, id=listing_id)
        except NotFoundError:
            return None
        return listing_from_source(doc["_source"])

    async def _read(self, func: Any, **kwargs: Any) -> Any:
        try:
            return await self._retrying(func, **kwargs)
        except _Unreachable as exc:
            if exc.auth:
                raise StoreError(self._auth_message(exc.cause)) from None
            raise StoreError(
                f"Elasticsearch at {self.config.url} unavailable: {exc.cause}"
            ) from None

    async def phone_regions(self) -> list[str]:
        """Regions of the phones stored (how a national number typed by an analyst is read)."""
        resp = await self._read(
            self.client.search,
            index=self.listings_alias,
            size=0,
            aggs={"regions": {"terms": {"field": "phone_regions", "size": 300}}},
        )
        return [b["key"] for b in resp["aggregations"]["regions"]["buckets"]]

    def search_body(self, query: SearchQuery, phone_regions: Sequence[str] = ()) -> dict[str, Any]:
        """The bool query for a SearchQuery (every filter means what it means in SQLite)."""
        must: list[dict[str, Any]] = []
        filters: list[dict[str, Any]] = []
        if query.text:
            # Words and "phrases", all required: what the SQLite store's FTS5 query means.
            fields = ["title", "body", "seller", "location_raw", "location"]
            fields += [f"title.{c}" for c in self.languages]
            fields += [f"body.{c}" for c in self.languages]
            must.append(
                {
                    "simple_query_string": {
                        "query": query.text,
                        "fields": fields,
                        "default_operator": "and",
                    }
                }
            )
        if query.platform:
            filters.append({"term": {"platform": query.platform}})
        if query.category:
            filters.append({"term": {"category": query.category}})
        if query.indicator:
            filters.append({"term": {"indicator_ids": query.indicator}})
        if query.identifier:
            match = parse_identifier_query(query.identifier, phone_regions)
            either: list[dict[str, Any]] = [{"match_none": {}}]
            if match.values:
                values = sorted(f"{k}:{v}" for k, v in match.values)
                either.append({"terms": {"identifiers": values}})
            if match.keys:
                keys = sorted(f"{k}:{v}" for k, v in match.keys)
                either.append({"terms": {"identifier_keys": keys}})
            filters.append({"bool": {"should": either, "minimum_should_match": 1}})
        if query.min_risk is not None:
            filters.append({"range": {"risk_score": {"gte": query.min_risk}}})
        if query.seen_since is not None:
            filters.append({"range": {"last_seen": {"gte": _aware(query.seen_since).isoformat()}}})
        return {"bool": {"must": must or [{"match_all": {}}], "filter": filters}}

    async def search(self, query: SearchQuery) -> SearchPage:
        regions = await self.phone_regions() if query.identifier else []
        # Highest risk first, then most recently seen: the SQLite store's order.
        sort = [{"risk_score": "desc"}, {"last_seen": "desc"}, {"id": "asc"}]
        resp = await self._read(
            self.client.search,
            index=self.listings_alias,
            query=self.search_body(query, regions),
            sort=sort,
            from_=query.offset,
            size=query.limit,
            track_total_hits=True,
        )
        return SearchPage(
            total=resp["hits"]["total"]["value"],
            listings=[listing_from_source(h["_source"]) for h in resp["hits"]["hits"]],
        )

    async def count(self, platform: str | None = None) -> int:
        query = {"term": {"platform": platform}} if platform else {"match_all": {}}
        resp = await self._read(self.client.count, index=self.listings_alias, query=query)
        return resp["count"]

    async def jobs(self, platform: str | None = None, limit: int = 20) -> list[CrawlJob]:
        query = {"term": {"platform": platform}} if platform else {"match_all": {}}
        resp = await self._read(
            self.client.search,
            index=self.jobs_index,
            query=query,
            sort=[{"started_at": "desc"}],
            size=limit,
        )
        return [CrawlJob.model_validate(h["_source"]) for h in resp["hits"]["hits"]]

    async def list_alerts(self, limit: int = 50, rule: str | None = None) -> list[dict[str, Any]]:
        query = {"term": {"rule": rule}} if rule else {"match_all": {}}
        resp = await self._read(
            self.client.search,
            index=self.alerts_index,
            query=query,
            sort=[{"stored_at": "desc"}],
            size=limit,
        )
        return [
            {k: v for k, v in h["_source"].items() if k != "stored_at"}
            for h in resp["hits"]["hits"]
        ]

    async def summary(self) -> dict[str, Any]:
        """Same shape as the SQLite store's summary (see crawler/store/sqlite.py)::

        {"total", "platforms": {name: {"listings", "last_seen", "last_run", "last_run_status",
         "new_last_run", "changed_last_run"}}, "indicators", "clusters", "top"}
        """
        listings, jobs = await asyncio.gather(
            self._read(
                self.client.search,
                index=self.listings_alias,
                size=SUMMARY_TOP,
                sort=[{"risk_score": "desc"}, {"last_seen": "desc"}, {"id": "asc"}],
                track_total_hits=True,
                aggs={
                    "platforms": {
                        "terms": {"field": "platform", "size": 1000},
                        "aggs": {"last_seen": {"max": {"field": "last_seen"}}},
                    },
                    "indicators": {"terms": {"field": "indicator_ids", "size": 100}},
                    "clusters": {
                        "terms": {"field": "cluster_id", "size": 65000, "min_doc_count": 2}
                    },
                },
            ),
            self._read(
                self.client.search,
                index=self.jobs_index,
                size=0,
                aggs={
                    "platforms": {
                        "terms": {"field": "platform", "size": 1000},
                        "aggs": {
                            "latest": {"top_hits": {"size": 1, "sort": [{"started_at": "desc"}]}}
                        },
                    }
                },
            ),
        )
        aggs = listings["aggregations"]
        platforms: dict[str, dict[str, Any]] = {}
        for b in aggs["platforms"]["buckets"]:
            platforms[b["key"]] = {
                "listings": b["doc_count"],
                "last_seen": b["last_seen"].get("value_as_string"),
            }
        for b in jobs["aggregations"]["platforms"]["buckets"]:
            job = b["latest"]["hits"]["hits"][0]["_source"]
            entry = platforms.setdefault(b["key"], {"listings": 0, "last_seen": None})
            entry.update(
                last_run=job.get("started_at"),
                last_run_status=job.get("status"),
                new_last_run=job.get("new"),
                changed_last_run=job.get("changed"),
            )
        for entry in platforms.values():
            for key in ("last_run", "last_run_status", "new_last_run", "changed_last_run"):
                entry.setdefault(key, None)
        return {
            "total": listings["hits"]["total"]["value"],
            "platforms": dict(sorted(platforms.items())),
            "indicators": {b["key"]: b["doc_count"] for b in aggs["indicators"]["buckets"]},
            "clusters": len(aggs["clusters"]["buckets"]),
            "top": [
                listing_from_source(h["_source"]).model_dump(mode="json")
                for h in listings["hits"]["hits"]
            ],
        }


# --------------------------------------------------------------------------------------
# migrations
# --------------------------------------------------------------------------------------
async def migrate_listings(
    client: AsyncElasticsearch,
    prefix: str = "flagwatch",
    new_version: int | None = None,
    chunk_size: int = 500,
) -> tuple[str, str, int]:
    """Copy the listings into a new versioned index and move the alias to it.

    Client-side scan + bulk (the server has no _reindex), then one atomic alias swap.
    The new index takes its mapping from the current template, so install a changed
    template (ElasticsearchStore.install) first. Writes made during the copy to the old
    index are not carried over: run it between crawls. Returns (old, new, copied).
    """
    alias = f"{prefix}-listings"
    current = await client.indices.get_alias(name=alias)
    old = sorted(current.body)[-1]
    m = re.search(r"-v(\d+)$", old)
    version = new_version or (int(m.group(1)) + 1 if m else 2)
    new = f"{alias}-v{version}"
    if new == old:
        raise StoreError(f"migrate_listings: {alias} already points at {new}")
    await client.indices.create(index=new)

    async def actions() -> Any:
        async for hit in helpers.async_scan(client, index=old, query={"query": {"match_all": {}}}):
            yield {
                "_op_type": "create",
                "_index": new,
                "_id": hit["_id"],
                "_source": hit["_source"],
            }

    copied, errors = await helpers.async_bulk(
        client, actions(), chunk_size=chunk_size, raise_on_error=False, max_retries=3
    )
    if errors:
        raise StoreError(f"migrate_listings: {len(errors)} documents failed: {errors[:3]}")
    await client.indices.refresh(index=new)
    await client.indices.update_aliases(
        actions=[
            {"remove": {"index": old, "alias": alias}},
            {"add": {"index": new, "alias": alias, "is_write_index": True}},
        ]
    )
    return old, new, copied
