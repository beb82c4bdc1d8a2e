"""The Alert record: what a rule match becomes, what the store keeps and what channels send.

It carries what an analyst needs to act (rule, listing link, platform, risk, the matching
indicators with their evidence, the watchlist identifiers that matched, the matched terms)
and deliberately nothing else from the listing: no body, no seller, no other phone numbers
(docs/safety.md: no more personal data in alert channels than the rule needs).
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from crawler.models import utcnow


def alert_id(rule: str, listing_id: str, fingerprint: str) -> str:
    """One alert per rule, listing and listing version: the dedup key in store and outbox."""
    return hashlib.sha256(f"{rule}\x1f{listing_id}\x1f{fingerprint}".encode()).hexdigest()[:32]


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

    def record(self) -> dict[str, Any]:
        """The JSON-able form stored with ListingStore.save_alert and sent to channels."""
        return self.model_dump(mode="json")

    def subject(self) -> str:
        kind = "New" if self.outcome == "new" else "Changed"
        return (
            f"[flagwatch] {self.rule}: {kind} listing on {self.platform} (risk {self.risk_score})"
        )

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
        lines.append(f"Alert id: {self.id}")
        return "\n".join(lines)
