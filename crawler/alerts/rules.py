"""Alert rules and channel definitions: the YAML format, its validation, and rule matching.

Setting: ALERTS_RULES, a rules file or a directory of *.yaml files (default ./rules when it
exists). Each file holds a mapping with `channels:` (name -> definition, see channels/) and/or
`rules:` (a list). Strings may use ${VAR} / ${VAR:-default} from the environment. Example::

    channels:
      analysts:
        type: webhook
        url: ${ALERTS_WEBHOOK_URL:-http://127.0.0.1:9000/alerts}
        secret_env: ALERTS_WEBHOOK_SECRET
    rules:
      - name: movement-and-control
        description: arrival plus someone else running the ad
        on: new                      # or new_or_changed
        indicators: {all: [movement, third_party_control]}   # a bare list means any
        min_risk: 40
        platforms: [demo-classifieds]
        categories: [escort]
        terms: {any: ["just arrived"]}
        price: {max: 60, unit: 30min}        # amount_eur unless `currency` is given
        watchlist: {kinds: [phone, handle], tags: [case-0042]}   # or true: any subject
        channels: [analysts]
      - name: watched-network            # a new listing joins a watched actor cluster
        watchlist: {kinds: [cluster]}    # watchlist subjects `- cluster: cl-...`
        channels: [analysts]
      - name: fast-growing-network       # a cluster gains 5 members within 24 hours
        cluster_growth: {min_new: 5, within_hours: 24}
        channels: [analysts]
      - name: crawl-health               # a platform's crawl health changes (docs/health.md)
        type: health
        platforms: [demo-classifieds]    # empty or left out: every platform
        min_status: degraded             # or failing: degraded runs count as healthy
        new_reasons: false               # true: also a new reason code at the same status
        channels: [analysts]
      - name: watched-listing-removed    # a watched listing is taken down (docs/alerts.md)
        type: removed
        listings: [4f1c0a9e2b7d5c3a1e0f9b8d]   # listing ids (`crawler search --json`)
        clusters: [cl-3739ab...]         # or any listing of these actor clusters
        watchlist: {tags: [case-0042]}   # or any listing carrying these watchlist subjects
        channels: [analysts]

A rule is a listing rule (the default, `type: listing`), a health rule (`type: health`,
crawler.alerts.health: one alert when a platform's judged status changes, see
docs/alerts.md) or a removed rule (`type: removed`, crawler.alerts.removed: one alert when
a listing it watches is marked removed); a health rule takes only name, description,
enabled, platforms, min_status, new_reasons and channels. All conditions of a listing rule
must hold; the subjects of a removed rule (listings, clusters, watchlist) are alternatives.
Everything is checked when loading; errors name the file, the field (rules.N.field) and the
reason.

The cluster conditions (watchlist subjects of kind `cluster`, `cluster_growth`) need facts
from the store: the engine reads them (crawler.alerts.clusters) and passes them to `match`,
which stays pure. docs/alerts.md says what they mean and how growth alerts are deduplicated.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from crawler.alerts.alert import AlertCluster, GrowthClaim, MatchedIdentifier, MatchedIndicator
from crawler.alerts.channels import CHANNEL_TYPES, AlertChannel
from crawler.alerts.watchlist import (
    CLUSTER_ID,
    SUBJECT_KINDS,
    AlertConfigError,
    Watchlist,
    WatchlistMatch,
    read_yaml,
)
from crawler.models import PRICE_UNITS, Listing, UpsertOutcome

if TYPE_CHECKING:
    from crawler.alerts.clusters import ClusterFacts

# The stable ids of docs/indicators.md; a rule naming another id is a typo that would never fire.
KNOWN_INDICATORS = frozenset(
    {
        "movement", "third_party_control", "youth_emphasis", "minor_age_stated",
        "nationality_emphasis", "restricted_communication", "constant_availability",
        "no_limits", "sale_of_person", "recruitment_fee", "employer_housing",
        "document_retention", "unrealistic_offer", "travel_arranged_abroad", "debt_bondage",
        "organ_trade", "e_pimping", "refugee_targeting", "lure_job_abroad",
        "crypto_only_payment", "price_anomaly", "shared_contact",
    }
)  # fmt: skip


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class AnyAll(_Strict):
    any: list[str] = Field(default_factory=list)
    all: list[str] = Field(default_factory=list)

    @model_validator(mode="before")
    @classmethod
    def _shorthand(cls, v: Any) -> Any:
        # A bare list means "any of these".
        if isinstance(v, list):
            return {"any": v}
        if isinstance(v, str):
            return {"any": [v]}
        return v


class IndicatorCondition(AnyAll):
    @field_validator("any", "all")
    @classmethod
    def _known(cls, v: list[str]) -> list[str]:
        for ind in v:
            if ind not in KNOWN_INDICATORS:
                raise ValueError(f"unknown indicator id {ind!r} (see docs/indicators.md)")
        return v


class PriceCondition(_Strict):
    min: float | None = Field(None, ge=0)
    max: float | None = Field(None, ge=0)
    unit: str | None = None
    currency: str | None = Field(None, pattern=r"^[A-Z]{3,4}$")

    @field_validator("unit")
    @classmethod
    def _unit(cls, v: str | None) -> str | None:
        if v is not None and v not in PRICE_UNITS:
            raise ValueError(f"unknown unit {v!r}; one of {', '.join(PRICE_UNITS)}")
        return v

    @model_validator(mode="after")
    def _range(self) -> PriceCondition:
        if self.min is not None and self.max is not None and self.min > self.max:
            raise ValueError("min is greater than max")
        if self.min is None and self.max is None and self.unit is None:
            raise ValueError("give min, max or unit")
        return self


class WatchlistCondition(_Strict):
    kinds: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)

    @field_validator("kinds")
    @classmethod
    def _kinds(cls, v: list[str]) -> list[str]:
        for k in v:
            if k not in SUBJECT_KINDS:
                raise ValueError(f"unknown subject kind {k!r}; one of {', '.join(SUBJECT_KINDS)}")
        return v


class ClusterGrowthCondition(_Strict):
    """A cluster gained at least `min_new` members first seen within `within_hours`."""

    min_new: int = Field(ge=1, le=100_000)
    within_hours: float = Field(24.0, gt=0, le=24 * 366)

    def window(self, listing: Listing) -> tuple[datetime, datetime, int]:
        """(start, end, period) for a listing just stored: the window ends when the store
        saw it; the period numbers window-long slices of time since the epoch (UTC days
        for 24 hours) and is part of the alert id."""
        end = listing.last_seen or listing.first_seen or datetime.now(UTC)
        end = end if end.tzinfo else end.replace(tzinfo=UTC)
        span = timedelta(hours=self.within_hours)
        return end - span, end, int(end.timestamp() // span.total_seconds())


class RuleMatch(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)

    indicators: list[MatchedIndicator] = Field(default_factory=list)
    identifiers: list[MatchedIdentifier] = Field(default_factory=list)
    terms: list[str] = Field(default_factory=list)
    cluster: AlertCluster | None = None
    growth: GrowthClaim | None = None  # cluster_growth: the members it counts
    period: int | None = None  # cluster_growth: the window slice (alert id)


RULE_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$"
HEALTH_LEVELS = {"healthy": 0, "degraded": 1, "failing": 2}


class HealthRule(_Strict):
    """A health rule: tell the channels when a platform's crawl health changes
    (crawler.alerts.health decides when; docs/alerts.md)."""

    name: str = Field(pattern=RULE_NAME)
    type: Literal["health"]
    description: str | None = None
    enabled: bool = True
    platforms: list[str] = Field(default_factory=list)  # empty: every platform
    # The least severe status that counts as "not healthy" for this rule: with `failing`, a
    # degraded run counts as healthy (no alert for it, a recovery notice when a failing
    # platform is only degraded again).
    min_status: Literal["degraded", "failing"] = "degraded"
    # Also tell when a platform that stays degraded or failing shows a reason code its
    # previous run did not have. Off by default: secondary reasons come and go while a
    # platform stays broken (a drop needs a baseline of the same crawl mode, for one), and
    # each would be another alert for the same breakage.
    new_reasons: bool = False
    channels: list[str] = Field(default_factory=list)
    source_file: str | None = Field(None, exclude=True)
    source_index: int | None = Field(None, exclude=True)  # its place in the file's rules

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, v: list[str]) -> list[str]:
        if any(not p.strip() for p in v):
            raise ValueError("platform names must not be empty strings")
        return v

    @model_validator(mode="after")
    def _delivers(self) -> HealthRule:
        if not self.channels:
            raise ValueError("a health rule needs at least one channel (it would tell nobody)")
        return self

    def covers(self, platform: str) -> bool:
        return not self.platforms or platform in self.platforms


def _admitted(cond: WatchlistCondition | bool | None, kind: str, tags: tuple[str, ...]) -> bool:
    """Whether a rule's watchlist condition selects a subject of this kind and tags."""
    if not cond:
        return False
    chosen = cond if isinstance(cond, WatchlistCondition) else None
    return chosen is None or (
        (not chosen.kinds or kind in chosen.kinds)
        and (not chosen.tags or bool(set(chosen.tags) & set(tags)))
    )


class RemovedRule(_Strict):
    """A removed rule: tell the channels when a watched listing, or a listing of a watched
    cluster, is marked removed (crawler.alerts.removed; docs/alerts.md)."""

    name: str = Field(pattern=RULE_NAME)
    type: Literal["removed"]
    description: str | None = None
    enabled: bool = True
    platforms: list[str] = Field(default_factory=list)  # empty: every platform
    listings: list[str] = Field(default_factory=list)  # listing ids
    clusters: list[str] = Field(default_factory=list)  # actor cluster ids (cl-...)
    # A listing carrying a watchlist subject this selects (true: any subject).
    watchlist: WatchlistCondition | bool | None = None
    channels: list[str] = Field(default_factory=list)
    source_file: str | None = Field(None, exclude=True)
    source_index: int | None = Field(None, exclude=True)

    @field_validator("platforms", "listings")
    @classmethod
    def _not_empty(cls, v: list[str]) -> list[str]:
        if any(not x.strip() for x in v):
            raise ValueError("must not hold empty strings")
        return [x.strip() for x in v]

    @field_validator("clusters")
    @classmethod
    def _cluster_ids(cls, v: list[str]) -> list[str]:
        out = [x.strip().lower() for x in v]
        for x in out:
            if not CLUSTER_ID.fullmatch(x):
                raise ValueError(
                    f"{x!r} is not a cluster id (cl- and hex digits, as `crawler clusters` "
                    "prints it)"
                )
        return out

    @model_validator(mode="after")
    def _watches_and_delivers(self) -> RemovedRule:
        if not (self.listings or self.clusters or self.watchlist):
            raise ValueError(
                "a removed rule needs listings, clusters or watchlist (it would alert on "
                "every removal)"
            )
        if not self.channels:
            raise ValueError("a removed rule needs at least one channel (it would tell nobody)")
        return self

    def covers(self, platform: str) -> bool:
        return not self.platforms or platform in self.platforms

    def match(
        self,
        listing: Listing,
        watch: list[WatchlistMatch],
        clusters: Mapping[str, str | None] | None = None,
    ) -> RuleMatch | None:
        """What makes the removed listing one this rule watches, or None (pure).

        `watch`: the watchlist subjects the listing carries; `clusters`: watched cluster
        id -> the cluster holding it now, as the notifier resolved them (a missing id
        stands for itself).
        """
        if not self.covers(listing.platform):
            return None
        found = RuleMatch()
        hit = False
        if listing.id in self.listings:
            hit = True
            found.identifiers.append(MatchedIdentifier(kind="listing", value=listing.id))
        now = clusters or {}
        watched = [
            c for c in self.clusters if listing.cluster_id and now.get(c, c) == listing.cluster_id
        ]
        chosen = [m for m in watch if _admitted(self.watchlist, m.kind, m.tags)]
        if chosen:
            hit = True
            found.identifiers += [
                MatchedIdentifier(kind=m.kind, value=m.value, label=m.label) for m in chosen
            ]
            watched += [m.value for m in chosen if m.kind == "cluster"]
        if watched:
            hit = True
            found.cluster = AlertCluster(
                id=listing.cluster_id or "",
                size=listing.cluster_size,
                watched=list(dict.fromkeys(watched)),
            )
        return found if hit else None


class AlertRule(_Strict):
    name: str = Field(pattern=RULE_NAME)
    type: Literal["listing"] = "listing"
    description: str | None = None
    enabled: bool = True
    on: Literal["new", "new_or_changed"] = "new"
    indicators: IndicatorCondition | None = None
    min_risk: int | None = Field(None, ge=0, le=100)
    platforms: list[str] = Field(default_factory=list)
    categories: list[str] = Field(default_factory=list)
    terms: AnyAll | None = None
    price: PriceCondition | None = None
    watchlist: WatchlistCondition | bool | None = None
    cluster_growth: ClusterGrowthCondition | None = None
    channels: list[str] = Field(default_factory=list)
    source_file: str | None = Field(None, exclude=True)
    source_index: int | None = Field(None, exclude=True)  # its place in the file's rules

    @field_validator("terms")
    @classmethod
    def _terms(cls, v: AnyAll | None) -> AnyAll | None:
        if v is not None and any(not t.strip() for t in v.any + v.all):
            raise ValueError("terms must not be empty strings")
        return v

    @model_validator(mode="after")
    def _some_condition(self) -> AlertRule:
        if not any(
            (self.indicators, self.min_risk, self.platforms, self.categories, self.terms,
             self.price, self.watchlist, self.cluster_growth)
        ):  # fmt: skip
            raise ValueError("a rule needs at least one condition (it would alert on everything)")
        return self

    def fires_on(self, outcome: UpsertOutcome | str) -> bool:
        outcome = str(outcome)
        return outcome == "new" or (outcome == "changed" and self.on == "new_or_changed")

    def _admits(self, kind: str, tags: tuple[str, ...]) -> bool:
        return _admitted(self.watchlist, kind, tags)

    def watches_clusters(self, watchlist: Watchlist) -> bool:
        """Whether the rule's watchlist condition selects a watched cluster of this watchlist."""
        return any(s.kind == "cluster" and self._admits(s.kind, s.tags) for s in watchlist.subjects)

    def needs_clusters(self, watchlist: Watchlist) -> bool:
        """Whether the rule needs facts about the listing's cluster from the store."""
        return self.cluster_growth is not None or self.watches_clusters(watchlist)

    def match(
        self,
        listing: Listing,
        watch: list[WatchlistMatch],
        cluster: ClusterFacts | None = None,
    ) -> RuleMatch | None:
        """What made the rule match the listing, or None when a condition fails.

        `watch`: the watchlist subjects the listing carries (watched clusters resolved by
        the engine); `cluster`: the listing's cluster, which `cluster_growth` needs (without
        it that condition fails) and which names size and link reasons in the alert.
        """
        found = self.match_listing(listing)
        if found is None:
            return None
        if self.watchlist:
            chosen = [m for m in watch if self._admits(m.kind, m.tags)]
            if not chosen:
                return None
            found.identifiers = [
                MatchedIdentifier(kind=m.kind, value=m.value, label=m.label) for m in chosen
            ]
            watched = [m.value for m in chosen if m.kind == "cluster"]
            if watched:
                found.cluster = _cluster_info(listing, cluster, watched)
        if self.cluster_growth is not None:
            if cluster is None or cluster.first_seen is None:
                return None
            start, end, period = self.cluster_growth.window(listing)
            new = cluster.new_members(start, end, self.name)
            if len(new) < self.cluster_growth.min_new:
                return None
            info = found.cluster or _cluster_info(listing, cluster, [])
            found.cluster = info.model_copy(
                update={
                    "new_members": len(new),
                    "within_hours": self.cluster_growth.within_hours,
                    "window_start": start,
                    "window_end": end,
                }
            )
            found.growth = GrowthClaim(
                self.name,
                self.cluster_growth.min_new,
                tuple((m, seen.timestamp()) for m, seen in new),
            )
            found.period = period
        return found

    def match_listing(self, listing: Listing) -> RuleMatch | None:
        """The conditions on the listing alone (all but watchlist and cluster_growth)."""
        if self.platforms and listing.platform not in self.platforms:
            return None
        if self.categories and (listing.category or "") not in self.categories:
            return None
        if self.min_risk is not None and listing.risk_score < self.min_risk:
            return None
        found = RuleMatch()
        if self.indicators is not None:
            ids = {h.id for h in listing.indicators}
            if self.indicators.all and not set(self.indicators.all) <= ids:
                return None
            if self.indicators.any and not ids & set(self.indicators.any):
                return None
            wanted = set(self.indicators.all) | set(self.indicators.any)
            seen: set[str] = set()
            for h in listing.indicators:
                if h.id in wanted and h.id not in seen:
                    seen.add(h.id)
                    found.indicators.append(MatchedIndicator(id=h.id, evidence=h.evidence[:120]))
        if self.terms is not None:
            text = f"{listing.title}\n{listing.body}"
            hits_all = [t for t in self.terms.all if _term_in(t, text)]
            hits_any = [t for t in self.terms.any if _term_in(t, text)]
            if len(hits_all) != len(self.terms.all) or (self.terms.any and not hits_any):
                return None
            found.terms = hits_all + [t for t in hits_any if t not in hits_all]
        if self.price is not None and not _price_ok(self.price, listing):
            return None
        return found


AnyRule = AlertRule | HealthRule | RemovedRule
RULE_TYPES: dict[str, type[AnyRule]] = {
    "listing": AlertRule,
    "health": HealthRule,
    "removed": RemovedRule,
}


def _cluster_info(listing: Listing, facts: ClusterFacts | None, watched: list[str]) -> AlertCluster:
    if facts is None:  # a dry run without the store's facts: the listing's own fields
        return AlertCluster(id=listing.cluster_id or "", size=listing.cluster_size, watched=watched)
    merged = [line for w in watched for line in facts.merged_path(w)]
    return AlertCluster(
        id=facts.id,
        size=facts.size,
        watched=watched,
        reasons=facts.reasons(listing.id) if watched else [],
        merged=list(dict.fromkeys(merged)),
    )


def _term_in(term: str, text: str) -> bool:
    # Word boundaries where the term starts/ends with a word character, so "teen" does not
    # match "fifteen" but "24/7" still matches.
    t = re.escape(term.strip())
    pattern = (
        (r"\b" if term.strip()[0].isalnum() else "")
        + t
        + (r"\b" if term.strip()[-1].isalnum() else "")
    )
    return re.search(pattern, text, re.IGNORECASE) is not None


def _price_ok(cond: PriceCondition, listing: Listing) -> bool:
    for p in listing.prices:
        if cond.unit is not None and p.unit != cond.unit:
            continue
        if cond.currency is not None:
            if (p.currency or "").upper() != cond.currency:
                continue
            amount: float | None = p.amount
        else:
            amount = (
                p.amount_eur
                if p.amount_eur is not None
                else (p.amount if p.currency == "EUR" else None)
            )
        if amount is None:
            if cond.min is None and cond.max is None:
                return True
            continue
        if cond.min is not None and amount < cond.min:
            continue
        if cond.max is not None and amount > cond.max:
            continue
        return True
    return False


@dataclass
class ChannelDefinition:
    name: str
    config: Any  # the channel's validated pydantic config
    source_file: str

    def build(self, environ: dict[str, str] | None = None) -> AlertChannel:
        channel = CHANNEL_TYPES[self.config.type](self.name, self.config, environ)
        problem = channel.check()
        if problem:
            raise AlertConfigError(self.source_file, f"channels.{self.name}", problem)
        return channel


@dataclass
class RuleSet:
    rules: list[AlertRule] = field(default_factory=list)  # listing rules
    channels: dict[str, ChannelDefinition] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    health_rules: list[HealthRule] = field(default_factory=list)
    removed_rules: list[RemovedRule] = field(default_factory=list)

    def get(self, name: str) -> AlertRule | None:
        return next((r for r in self.rules if r.name == name), None)

    def named(self, name: str) -> AnyRule | None:
        """A listing, health or removed rule of this name."""
        return next((r for r in self.every() if r.name == name), None)

    @property
    def active(self) -> list[AlertRule]:
        """The enabled listing rules (the engine evaluates them on stored listings)."""
        return [r for r in self.rules if r.enabled]

    def every(self, enabled: bool = False) -> list[AnyRule]:
        """Listing, health and removed rules (only the enabled ones with `enabled`)."""
        rules: list[AnyRule] = [*self.rules, *self.health_rules, *self.removed_rules]
        return [r for r in rules if r.enabled] if enabled else rules

    def add(self, rule: AnyRule) -> None:
        if isinstance(rule, HealthRule):
            self.health_rules.append(rule)
        elif isinstance(rule, RemovedRule):
            self.removed_rules.append(rule)
        else:
            self.rules.append(rule)

    @property
    def active_health(self) -> list[HealthRule]:
        return [r for r in self.health_rules if r.enabled]

    @property
    def active_removed(self) -> list[RemovedRule]:
        return [r for r in self.removed_rules if r.enabled]

    def build_channels(
        self, environ: dict[str, str] | None = None, only: list[str] | None = None
    ) -> dict[str, AlertChannel]:
        """Every channel an enabled rule (listing, health or removed) uses, or those of `only`;
        AlertConfigError when one cannot run (no secret)."""
        used = {c for r in self.every(enabled=True) for c in r.channels}
        if only is not None:
            used &= set(only)
        return {n: d.build(environ) for n, d in self.channels.items() if n in used}


def _loc(loc: tuple[Any, ...]) -> str:
    return ".".join(str(p) for p in loc if not str(p).startswith("function-"))


def _reason(err: Any) -> str:
    if err["type"] == "extra_forbidden":
        return "unknown field"
    if err["type"] == "missing":
        return "required field is missing"
    return str(err["msg"]).removeprefix("Value error, ")


def _fix_yaml_on(raw: Any) -> Any:
    # YAML 1.1 reads a bare `on:` key as the boolean True.
    if isinstance(raw, dict) and True in raw:
        raw = {("on" if k is True else k): v for k, v in raw.items()}
    return raw


def parse_rules_file(data: Any, path: str | Path, environ: dict[str, str] | None = None) -> RuleSet:
    from crawler.config.yamlfile import expand_env

    path = str(path)
    if data is None:
        return RuleSet(sources=[path])
    if not isinstance(data, dict):
        raise AlertConfigError(
            path, "(file)", "the file must hold a mapping with rules and/or channels"
        )
    for key in data:
        if key not in ("rules", "channels"):
            raise AlertConfigError(path, str(key), "unknown field (expected rules, channels)")
    try:
        data = expand_env(data, environ)
    except KeyError as exc:
        raise AlertConfigError(
            path, "(environment)", f"variable {exc.args[0]} is not set and has no default"
        ) from None
    out = RuleSet(sources=[path])
    channels = data.get("channels") or {}
    if not isinstance(channels, dict):
        raise AlertConfigError(path, "channels", "must be a mapping of name -> definition")
    for name, spec in channels.items():
        where = f"channels.{name}"
        if not isinstance(spec, dict):
            raise AlertConfigError(path, where, "must be a mapping with a type")
        for secret_key in ("secret", "password", "api_key", "token"):
            if secret_key in spec:
                raise AlertConfigError(
                    path, f"{where}.{secret_key}",
                    f"secrets come from the environment: use {secret_key}_env: VARIABLE_NAME"
                    if secret_key != "secret" else "secrets come from the environment: use secret_env: VARIABLE_NAME",
                )  # fmt: skip
        ctype = spec.get("type")
        if ctype not in CHANNEL_TYPES:
            raise AlertConfigError(
                path,
                f"{where}.type",
                f"unknown channel type {ctype!r}; one of {', '.join(CHANNEL_TYPES)}",
            )
        try:
            config = CHANNEL_TYPES[ctype].config_model.model_validate(spec)
        except ValidationError as exc:
            err = exc.errors()[0]
            raise AlertConfigError(
                path, f"{where}.{_loc(err['loc'])}".rstrip("."), _reason(err)
            ) from None
        out.channels[str(name)] = ChannelDefinition(str(name), config, path)
    rules = data.get("rules") or []
    if not isinstance(rules, list):
        raise AlertConfigError(path, "rules", "must be a list of rules")
    for i, raw in enumerate(rules):
        raw = _fix_yaml_on(raw)
        kind = raw.get("type", "listing") if isinstance(raw, dict) else "listing"
        if kind not in RULE_TYPES:
            raise AlertConfigError(
                path,
                f"rules.{i}.type",
                f"unknown rule type {kind!r}; one of {', '.join(RULE_TYPES)}",
            )
        model: type[AnyRule] = RULE_TYPES[kind]
        try:
            rule = model.model_validate(raw)
        except ValidationError as exc:
            err = exc.errors()[0]
            field_path = f"rules.{i}." + _loc(err["loc"]) if err["loc"] else f"rules.{i}"
            reason = _reason(err)
            if kind == "health" and err["type"] == "extra_forbidden":
                reason = (
                    "not a field of a health rule (it takes name, description, enabled, "
                    "platforms, min_status, new_reasons, channels)"
                )
            if kind == "removed" and err["type"] == "extra_forbidden":
                reason = (
                    "not a field of a removed rule (it takes name, description, enabled, "
                    "platforms, listings, clusters, watchlist, channels)"
                )
            raise AlertConfigError(path, field_path.rstrip("."), reason) from None
        rule.source_file = path
        rule.source_index = i
        out.add(rule)
    return out


def rule_files(path: Path) -> list[Path]:
    if path.is_dir():
        return sorted(p for p in path.iterdir() if p.suffix in (".yaml", ".yml"))
    if path.exists():
        return [path]
    raise AlertConfigError(path, "(file)", "no such file or directory")


def load_rules(path: str | Path | None, environ: dict[str, str] | None = None) -> RuleSet:
    """Every rule and channel under the path, cross-checked; empty when no path is configured."""
    if path is None:
        return RuleSet()
    merged = RuleSet()
    for f in rule_files(Path(path)):
        part = parse_rules_file(read_yaml(f), f, environ)
        merged.sources += part.sources
        for name, definition in part.channels.items():
            if name in merged.channels:
                raise AlertConfigError(
                    f, f"channels.{name}", f"already defined in {merged.channels[name].source_file}"
                )
            merged.channels[name] = definition
        for rule in part.every():
            earlier = merged.named(rule.name)
            if earlier is not None:
                raise AlertConfigError(
                    f,
                    f"rules.{rule.source_index}.name",
                    f"rule {rule.name!r} already defined in {earlier.source_file}",
                )
            merged.add(rule)
    for rule in merged.every():
        for j, ch in enumerate(rule.channels):
            if ch not in merged.channels:
                idx = rule.source_index
                raise AlertConfigError(
                    rule.source_file or "?",
                    f"rules.{idx}.channels.{j}",
                    f"no channel named {ch!r} is defined",
                )
    return merged
