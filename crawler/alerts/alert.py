"""The Alert record: what a rule match becomes, what the store keeps and what channels send.

It carries what an analyst needs to act (rule, listing link, platform, risk, the matching
indicators with their evidence, the watchlist identifiers that matched, the matched terms,
and for the cluster conditions the cluster: its id, size and why the listing is in it)
and deliberately nothing else from the listing: no body, no seller, no other phone numbers
(docs/safety.md: no more personal data in alert channels than the rule needs).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from crawler.models import EvidenceRef, HealthReason, utcnow


def alert_id(rule: str, listing_id: str, fingerprint: str) -> str:
    """One alert per rule, listing and listing version: the dedup key in store and outbox."""
    return hashlib.sha256(f"{rule}\x1f{listing_id}\x1f{fingerprint}".encode()).hexdigest()[:32]


def growth_alert_id(rule: str, cluster_id: str, period: int) -> str:
    """One `cluster_growth` alert per rule, cluster and period (window-long slices of time
    since the epoch: UTC days for 24 hours): the dedup key of the growth alerts."""
    return hashlib.sha256(
        f"{rule}\x1fcluster_growth\x1f{cluster_id}\x1f{period}".encode()
    ).hexdigest()[:32]


def health_alert_id(rule: str, platform: str, job_id: str) -> str:
    """One health alert per rule, platform and judged run (crawler.alerts.health): a retry,
    a second process or a re-run of the notifier for the same job finds it in the outbox."""
    return hashlib.sha256(f"{rule}\x1fhealth\x1f{platform}\x1f{job_id}".encode()).hexdigest()[:32]


def removed_alert_id(rule: str, listing_id: str, removed_at: datetime) -> str:
    """One removed alert per rule, listing and removal (crawler.alerts.removed): a listing
    that returns and is removed again has a new removed_at, so it is told again."""
    when = removed_at.isoformat()
    return hashlib.sha256(f"{rule}\x1fremoved\x1f{listing_id}\x1f{when}".encode()).hexdigest()[:32]


def idempotency_key(alert_id: str, channel: str) -> str:
    """Stable across retries, restarts and processes: receivers dedup on it."""
    return hashlib.sha256(f"{alert_id}\x1f{channel}".encode()).hexdigest()[:32]


class MatchedIndicator(BaseModel):
    id: str
    evidence: str


class MatchedIdentifier(BaseModel):
    kind: str  # phone, handle, email, wallet, username, keyword, location
    value: str
    label: str | None = None


class AlertCluster(BaseModel):
    """The actor cluster a cluster condition fired on (docs/alerts.md). Ids and counts; the
    link reasons name the identifier or text similarity that linked the listing, as
    `crawler cluster ID` shows them."""

    id: str  # the cluster holding the listing now
    size: int | None = None
    watched: list[str] = Field(default_factory=list)  # watchlist ids that lead to it
    reasons: list[str] = Field(default_factory=list)  # why the listing is in the cluster
    merged: list[str] = Field(default_factory=list)  # how a watched id came to be in it
    # cluster_growth: members first seen in [window_start, window_end] not counted before
    new_members: int | None = None
    within_hours: float | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None


class AlertHealth(BaseModel):
    """What a health alert is about (crawler.alerts.health): a platform's status changed
    between two judged runs. Messages and advice are our own words (crawler.health), never
    page text."""

    job_id: str  # the run whose judgement changed the status
    status: str  # healthy | degraded | failing, as the rule sees it (its min_status)
    judged: str  # the run's own status (differs from `status` under min_status: failing)
    previous: str | None = None  # the previous judged run's status; None: first judged run
    previous_job_id: str | None = None
    change: str  # failing | degraded | recovered | reasons (same status, new reason code)
    reasons: list[HealthReason] = Field(default_factory=list)
    new_codes: list[str] = Field(default_factory=list)  # reason codes the previous run lacked
    finished_at: datetime | None = None


class AlertRemoval(BaseModel):
    """What a removed alert is about (crawler.alerts.removed): a listing complete walks of
    its platform no longer found. Times and counts, and where its last capture is kept."""

    removed_at: datetime  # the start of the first walk that did not find it
    last_seen: datetime | None = None  # the last time a crawl found it online
    missed_walks: int = 0  # complete full walks in a row that did not find it
    job_id: str | None = None  # the run that marked it removed
    evidence: EvidenceRef | None = None  # its last capture (crawler.evidence), kept


@dataclass(frozen=True)
class GrowthClaim:
    """The members a `cluster_growth` alert counts: the outbox keeps them with the alert, in
    one transaction, and never counts them again for the rule (Outbox.enqueue)."""

    rule: str
    min_new: int
    members: tuple[tuple[str, float], ...]  # (listing id, first seen as epoch seconds)


class Alert(BaseModel):
    id: str
    rule: str
    rule_description: str | None = None
    listing_id: str
    listing_fingerprint: str
    outcome: str  # new | changed
    platform: str
    category: str | None = None
    url: str
    risk_score: int = 0
    indicators: list[MatchedIndicator] = Field(default_factory=list)
    identifiers: list[MatchedIdentifier] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)
    channels: list[str] = Field(default_factory=list)
    created_at: datetime = Field(default_factory=utcnow)
    scraped_at: datetime | None = None  # when the listing was seen: for latency accounting
    cluster: AlertCluster | None = None  # cluster conditions: the cluster it is about
    health: AlertHealth | None = None  # health rules: the platform's change of status
    removal: AlertRemoval | None = None  # removed rules: the listing's removal
    _growth: GrowthClaim | None = PrivateAttr(default=None)

    @property
    def growth_claim(self) -> GrowthClaim | None:
        """For a `cluster_growth` alert being raised: the members it counts (not stored)."""
        return self._growth

    def with_growth(self, claim: GrowthClaim | None) -> Alert:
        self._growth = claim
        return self

    def record(self) -> dict[str, Any]:
        """The JSON-able form stored with ListingStore.save_alert and sent to channels."""
        return self.model_dump(mode="json")

    def subject(self) -> str:
        if self.health is not None:
            return f"[flagwatch] {self.rule}: {health_headline(self.platform, self.health)}"
        c = self.cluster
        if self.removal is not None:
            where = f" (watched cluster {c.id})" if c is not None and c.watched else ""
            since = _minute(self.removal.removed_at)
            return f"[flagwatch] {self.rule}: Listing removed from {self.platform}{where} since {since}"
        if c is not None and c.new_members is not None:
            return (
                f"[flagwatch] {self.rule}: cluster {c.id} grew by {c.new_members} in "
                f"{c.within_hours:g} h (size {c.size})"
            )
        kind = "New" if self.outcome == "new" else "Changed"
        where = f" in watched cluster {c.id}" if c is not None and c.watched else ""
        return (
            f"[flagwatch] {self.rule}: {kind} listing on {self.platform}{where} "
            f"(risk {self.risk_score})"
        )

    def cluster_lines(self) -> list[str]:
        """What the cluster conditions add to a message (empty without them)."""
        c = self.cluster
        if c is None:
            return []
        lines = [f"Cluster: {c.id} ({c.size} listings)" if c.size else f"Cluster: {c.id}"]
        if c.watched:
            lines.append("Watched cluster(s): " + ", ".join(c.watched))
        lines += [f"Merged: {m}" for m in c.merged]
        if c.reasons:
            lines.append("Linked by: " + "; ".join(c.reasons))
        if c.new_members is not None:
            start = c.window_start.isoformat(timespec="minutes") if c.window_start else "?"
            end = c.window_end.isoformat(timespec="minutes") if c.window_end else "?"
            lines.append(
                f"Growth: {c.new_members} new member(s) first seen {start} - {end} "
                f"({c.within_hours:g} h)"
            )
        return lines

    def health_lines(self) -> list[str]:
        """What a health alert says below its subject: every reason with what to do."""
        h = self.health
        if h is None:
            return []
        was = f" (was {h.previous})" if h.previous else " (first judged run)"
        lines = [f"Platform: {self.platform}", f"Status: {h.judged}{was}", f"Run: {h.job_id}"]
        shown = [r for r in h.reasons if h.change != "recovered"]
        if shown:
            lines.append("Reasons:")
            for r in shown:
                new = " (new)" if r.code in h.new_codes and h.change == "reasons" else ""
                lines.append(f"- [{r.severity}] {r.code}{new}: {printable(r.message)}")
                if r.advice:
                    lines.append(f"  What to do: {printable(r.advice)}")
        lines.append(f"Details: crawler health {self.platform} (docs/health.md)")
        return lines

    def removal_lines(self) -> list[str]:
        """What a removed alert says about the removal (empty for other alerts)."""
        r = self.removal
        if r is None:
            return []
        last = _minute(r.last_seen) if r.last_seen else "?"
        lines = [
            f"Removed: not found by {r.missed_walks} complete walk(s) in a row since "
            f"{_minute(r.removed_at)}; last seen {last}",
        ]
        if r.evidence is not None:
            e = r.evidence
            lines.append(
                f"Last capture: {e.file} record {e.record_id} sha256 {e.sha256} "
                f"(captured {_minute(e.captured_at)})"
            )
        else:
            lines.append("Last capture: none (capture was off when it was last fetched)")
        return lines

    def text(self) -> str:
        """Plain-text body for e-mail and chat channels."""
        if self.health is not None:
            lines = [self.subject(), *self.health_lines()]
            if self.rule_description:
                lines.append(f"Rule: {self.rule} - {self.rule_description}")
            lines.append(f"Alert id: {self.id}")
            return "\n".join(lines)
        lines = [self.subject(), f"Listing: {self.url}", *self.removal_lines()]
        if self.rule_description:
            lines.append(f"Rule: {self.rule} - {self.rule_description}")
        if self.category:
            lines.append(f"Category: {self.category}")
        if self.indicators:
            lines.append(
                "Indicators: " + "; ".join(f'{i.id} ("{i.evidence}")' for i in self.indicators)
            )
        if self.identifiers:
            lines.append(
                "Watchlist matches: "
                + "; ".join(
                    f"{i.kind} {i.value}" + (f" [{i.label}]" if i.label else "")
                    for i in self.identifiers
                )
            )
        if self.terms:
            lines.append("Terms: " + ", ".join(self.terms))
        lines += self.cluster_lines()
        lines.append(f"Alert id: {self.id}")
        return "\n".join(lines)


def _minute(value: datetime) -> str:
    """A time as alerts show it: '2026-11-02 06:00 UTC'."""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def printable(text: str) -> str:
    """One line of our own words, with any control character (a newline, an escape
    sequence) replaced: what reaches a terminal, a mail or a chat stays one plain line."""
    return "".join(ch if ch.isprintable() else "?" for ch in text)


def health_headline(platform: str, h: AlertHealth) -> str:
    """'demo-x is failing: selector list.item matched 0 entries on 3 list pages; the layout
    may have changed' (the first, most severe reason; the body lists them all)."""
    if h.change == "recovered":
        if h.judged == "healthy":
            return f"{platform} is healthy again (was {h.previous})"
        return f"{platform} is no longer {h.previous} (now {h.judged})"
    order = {"failing": 0, "degraded": 1}
    reasons = sorted(h.reasons, key=lambda r: order.get(r.severity, 2))
    if h.change == "reasons":
        fresh = [r for r in reasons if r.code in h.new_codes]
        reasons = fresh + [r for r in reasons if r.code not in h.new_codes]
    head = f"{platform} is {h.status}"
    if h.change == "reasons":
        head = f"{platform} is still {h.status}, for a new reason"
    if not reasons:
        return head
    first = reasons[0]
    line = f"{head}: {printable(first.message)}"
    if first.advice:
        line += f"; {printable(first.advice)}"
    if len(reasons) > 1:
        line += f" (+{len(reasons) - 1} more)"
    return line
