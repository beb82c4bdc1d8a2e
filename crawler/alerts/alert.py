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
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field, PrivateAttr

from crawler.models import utcnow


def alert_id(rule: str, listing_id: str, fingerprint: str) -> str:
    """One alert per rule, listing and listing version: the dedup key in store and outbox."""
    return hashlib.sha256(f"{rule}\x1f{listing_id}\x1f{fingerprint}".encode()).hexdigest()[:32]


def growth_alert_id(rule: str, cluster_id: str, period: int) -> str:
    """One `cluster_growth` alert per rule, cluster and period (window-long slices of time
    since the epoch: UTC days for 24 hours): the dedup key of the growth alerts."""
    return hashlib.sha256(
        f"{rule}\x1fcluster_growth\x1f{cluster_id}\x1f{period}".encode()
    ).hexdigest()[:32]


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
        c = self.cluster
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

    def text(self) -> str:
        """Plain-text body for e-mail and chat channels."""
        lines = [self.subject(), f"Listing: {self.url}"]
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
