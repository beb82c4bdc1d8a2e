"""Records that cross module boundaries: the Listing document and its parts.

Everything here is plain data (pydantic models); no I/O. The field names are the
ones the stores index, the rules match and the Kibana objects use.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

PRICE_UNITS = ("15min", "30min", "hour", "night", "day", "week", "month", "year", "sale", "once")


def utcnow() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid")

    amount: float
    currency: str | None = None
    unit: str | None = None
    # Amount converted to EUR with the static reference rates of crawler.extract.prices,
    # so that prices in different currencies can be compared and aggregated.
    amount_eur: float | None = None


class Handle(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    service: str
    handle: str


class Wallet(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    chain: str
    address: str


class IndicatorHit(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    evidence: str
    lang: str | None = None
    weight: float = 1.0
    field: str | None = None  # which listing field the evidence came from


class Extraction(BaseModel):
    """What crawler.extract finds in one text: the `crawler extract` contract plus explanation."""

    prices: list[Price] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    handles: list[Handle] = Field(default_factory=list)
    wallets: list[Wallet] = Field(default_factory=list)
    indicators: list[IndicatorHit] = Field(default_factory=list)
    risk_score: int = 0
    risk_explanation: list[str] = Field(default_factory=list)
    language: str | None = None


class EvidenceRef(BaseModel):
    """Where the bytes a listing (or one version of it) was read from are archived.

    A WARC response record written by crawler.evidence.capture: `file` is relative to
    EVIDENCE_DIR
    (`warc/<platform>/<job id>/<job id>-00001.warc.gz`), `offset` and `length` are those of
    the record's gzip member in that file, `record_id` its WARC-Record-ID and `sha256` the
    hex SHA-256 of the record's payload (the HTTP body as the server sent it).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    file: str
    offset: int
    length: int
    record_id: str
    sha256: str
    uri: str
    captured_at: datetime


class PricePoint(BaseModel):
    at: datetime
    prices: list[Price]
    evidence: EvidenceRef | None = None  # the capture this version was read from


class Listing(BaseModel):
    """One listing (ad, post, vendor offer, job ad) on one platform."""

    model_config = ConfigDict(extra="forbid")

    id: str
    platform: str
    url: str
    network: str = "clearnet"
    category: str | None = None
    listing_key: str | None = None  # the platform's own id for the listing, when it shows one
    title: str = ""
    body: str = ""
    language: str | None = None
    seller: str | None = None
    location_raw: str | None = None
    location: str | None = None  # normalised (lower-case city name, country code)
    country: str | None = None
    posted_at: datetime | None = None
    stated_age: int | None = None
    prices: list[Price] = Field(default_factory=list)
    phones: list[str] = Field(default_factory=list)
    emails: list[str] = Field(default_factory=list)
    handles: list[Handle] = Field(default_factory=list)
    wallets: list[Wallet] = Field(default_factory=list)
    indicators: list[IndicatorHit] = Field(default_factory=list)
    risk_score: int = 0
    risk_explanation: list[str] = Field(default_factory=list)
    fingerprint: str = ""  # content fingerprint: changes when what an analyst reads changes
    # The fingerprint of the listing's first version (set by the store): a listing whose
    # fingerprint is still this one is "new" to alert rules, whenever it is evaluated.
    first_fingerprint: str | None = None
    # When the platform-level signals (shared_contact, price_anomaly) last changed this
    # listing and its risk score: alert rules see those changes too (crawler/alerts/engine.py).
    signals_at: datetime | None = None
    list_fingerprint: str | None = None  # fingerprint of the listing's entry on a list page
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    price_history: list[PricePoint] = Field(default_factory=list)
    # The listing's actor cluster and its size (set by the store's actor linking,
    # crawler/store/actors.py; both follow merges). None: not linked yet.
    cluster_id: str | None = None
    cluster_size: int | None = None
    evidence_sha256: str | None = None  # sha256 of the raw response body the listing came from
    # The capture of the latest fetch the listing was read from (crawler.evidence); None
    # when capture is off (EVIDENCE_ENABLED) or the listing predates it.
    evidence: EvidenceRef | None = None
    # Removed listings (crawler.evidence.removed): a complete full walk of the platform that
    # does not find the listing is a miss; STORE_REMOVED_AFTER_MISSES misses in a row set
    # removed_at (the first miss's time). Seen again: removed_at is cleared, returned_at set.
    missed_walks: int = 0
    # When the current series of misses began: the start of the first complete full walk
    # that did not find the listing (None while it is found); it becomes removed_at.
    missed_since: datetime | None = None
    removed_at: datetime | None = None
    returned_at: datetime | None = None
    fields: dict[str, Any] = Field(default_factory=dict)  # other profile fields, as scraped
    # What the crawler changed in what the page showed, and why (hostile or oversized pages):
    # "body: cut at 100,000 characters (3,000,000 on the page)", "text: 4 invisible
    # format characters removed (zero-width, bidi)". Never silent.
    alterations: list[str] = Field(default_factory=list)

    def identifiers(self) -> list[tuple[str, str]]:
        """(kind, value) pairs that link listings to each other and to watchlist subjects."""
        out: list[tuple[str, str]] = [("phone", p) for p in self.phones]
        out += [("email", e.lower()) for e in self.emails]
        out += [("handle", f"{h.service}:{h.handle.lower()}") for h in self.handles]
        out += [("wallet", f"{w.chain}:{w.address}") for w in self.wallets]
        return out

    def compute_fingerprint(self) -> str:
        """Fingerprint of the content an analyst reads; first_seen/last_seen do not count."""
        h = hashlib.sha256()
        for part in (
            self.title,
            self.body,
            self.seller or "",
            self.location_raw or "",
            repr([(p.amount, p.currency, p.unit) for p in self.prices]),
            repr(sorted(self.identifiers())),
            repr(sorted(str(v) for v in self.fields.values())),
        ):
            h.update(part.encode("utf-8", "replace"))
            h.update(b"\x1f")
        return h.hexdigest()[:32]


def listing_id(platform: str, key: str) -> str:
    """Stable id from the platform name and its listing id or canonical URL."""
    return hashlib.sha256(f"{platform}\x1f{key}".encode()).hexdigest()[:24]


class UpsertOutcome(StrEnum):
    NEW = "new"
    CHANGED = "changed"
    UNCHANGED = "unchanged"


class UpsertResult(BaseModel):
    id: str
    outcome: UpsertOutcome
    listing: Listing  # as stored (first_seen, price_history, cluster_id filled in)
    previous_fingerprint: str | None = None


class SearchFilters(BaseModel):
    """What `crawler search` and `crawler clusters` filter listings on."""

    model_config = ConfigDict(extra="forbid")

    text: str | None = None
    platform: str | None = None
    indicator: str | None = None
    identifier: str | None = None  # phone (any format), e-mail, handle, wallet address
    min_risk: int | None = None
    seen_since: datetime | None = None
    category: str | None = None
    # True: only listings marked removed (removed_at set); False: only those that are not.
    removed: bool | None = None

    def filters(self) -> dict[str, Any]:
        """The filter fields only (to build the other kind of query)."""
        return {name: getattr(self, name) for name in SearchFilters.model_fields}


class SearchQuery(SearchFilters):
    limit: int = 20
    offset: int = 0


class ClusterQuery(SearchFilters):
    """`crawler clusters`: the search filters (a cluster matches when a member does), the
    smallest cluster size, and the order: size (largest), risk (riskiest), newest (latest
    member first), growth (most members first seen in the last 24 hours)."""

    min_size: int = 2
    sort: Literal["size", "risk", "newest", "growth"] = "size"
    limit: int = 20
    now: datetime | None = None  # "the last 24 hours" end here (tests); default: now


class SearchPage(BaseModel):
    total: int
    listings: list[Listing]


HEALTH_STATUSES = ("healthy", "degraded", "failing")


class HealthReason(BaseModel):
    """Why a platform's run is not healthy: one finding of one monitor (crawler.health).

    `message` and `advice` are written by our code from counts and the profile's own
    names (selectors, thresholds); they never quote page text from the platform.
    """

    model_config = ConfigDict(extra="forbid")

    code: str  # stable id, e.g. "items_drop", "list_zero_entries", "login_wall", "flatline"
    severity: Literal["degraded", "failing"]
    message: str  # "selector list.item matched 0 entries on 3 list pages"
    advice: str = ""  # "the layout may have changed: check the profile's selectors"
    value: float | None = None  # the measured value, where there is one
    threshold: float | None = None  # the threshold it crossed


class CrawlHealth(BaseModel):
    """One platform's health as judged at the end of one run (stored with the CrawlJob)."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["healthy", "degraded", "failing"] = "healthy"
    reasons: list[HealthReason] = Field(default_factory=list)
    # The run's measurements the monitors read (counts, rates, coverage per field), so
    # that later runs can compare against them.
    metrics: dict[str, float] = Field(default_factory=dict)
    checked_at: datetime | None = None


class CrawlJob(BaseModel):
    """One crawl run of one platform: what the scheduler and Kibana's crawl-health panel read."""

    id: str
    platform: str
    started_at: datetime
    finished_at: datetime | None = None
    # running | finished | interrupted (stopped: SIGTERM, limits) | paused (the site asked to
    # wait longer than RETRY_AFTER_MAX) | failed (nothing could be parsed or stored) |
    # killed (the process died without recording the end; marked by crawler.crawl.jobs) |
    # needs_login (a members-only platform asked for a login only a human can do, such as a
    # CAPTCHA: stopped at once; later runs send nothing until `crawler login` saved a session)
    status: str = "running"
    complete: bool = False  # the run reached the end of the platform (not cut short)
    mode: str = "full"  # full: every list page walked; incremental: stopped at known pages
    pages: int = 0
    items: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    skipped_known: int = 0
    errors: int = 0
    message: str | None = None
    pid: int | None = None  # the crawl process, so that a dead one can be told from a running one
    pid_started: float | None = None  # its start time (Unix seconds): pids are reused
    host: str | None = None
    heartbeat_at: datetime | None = None
    # The run's platform-lease token when a `crawler worker` ran it (crawler.worker.lease):
    # a `running` job with an older token than a newer run's was superseded (its worker lost
    # the lease) and is marked killed. None: a run outside the queue.
    fence: int | None = None
    refused: int = 0  # requests refused as outside the platform's scope
    # Writes (listings, touches, alerts, the signals pass) kept in the Elasticsearch spool
    # because it was down when the crawl ended: done when it is back (`crawler status`).
    spooled: int = 0
    limited: bool = False  # a limit (max_depth, entries or links per page) cut the walk short
    # Pages that failed this run: list pages make the run incomplete; detail pages are
    # retried by the next runs ({"url", "listing_id", "attempts", "reason", "permanent"}).
    failed_list_pages: list[str] = Field(default_factory=list)
    failed_pages: list[dict[str, Any]] = Field(default_factory=list)
    # The platform's health judged at the end of this run (crawler.health); None: not
    # judged (a run still going, or one recorded before health monitoring existed).
    health: CrawlHealth | None = None
    # Removed listings (crawler.evidence.removed): stored listings of the platform this
    # run counted a miss for, and those it marked removed; None: the run did not count
    # as a complete full walk (removed_note says why) or ended before the count.
    missed: int | None = None
    removed: int | None = None
    removed_note: str | None = None
