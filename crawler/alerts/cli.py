"""`crawler alerts ...`: check rules, dry-run a rule, list alerts, deliver the outbox.

- `crawler alerts check`: load rules, watchlist and channels (secrets included); exit 2 with
  file/field/reason when something is wrong.
- `crawler alerts test RULE`: dry run of one rule against the stored listings (as if each
  were new); prints what would alert, sends nothing, stores nothing. Cluster conditions
  read the store's cluster facts; `cluster_growth` ignores earlier growth alerts there.
- `crawler alerts list [--rule R] [--limit N] [--json]`: recent alerts with delivery state.
- `crawler alerts deliver [--retry-failed] [--timeout S]`: recover interrupted crawls and send
  everything pending; exit 1 when deliveries remain.
Settings: ALERTS_* (crawler.alerts.config), STORE_URL / CRAWLER_DATA_DIR for the store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from crawler.alerts.clusters import ClusterLookup
from crawler.alerts.config import AlertsConfig
from crawler.alerts.engine import AlertEngine, alert_after_replay, build_alert, cluster_context
from crawler.alerts.outbox import Outbox
from crawler.alerts.rules import load_rules
from crawler.alerts.watchlist import AlertConfigError, load_watchlist
from crawler.cli.console import printable
from crawler.models import SearchQuery


def register(subparsers: Any) -> None:
    p = subparsers.add_parser("alerts", help="alert rules: check, test, list, deliver")
    sub = p.add_subparsers(dest="alerts_command", metavar="ACTION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    for name, func, helptext in (
        ("check", cmd_check, "validate rules, watchlist and channels"),
        ("test", cmd_test, "dry-run one rule against stored listings"),
        ("list", cmd_list, "recent alerts and their delivery state"),
        ("deliver", cmd_deliver, "send pending alerts from the outbox"),
    ):
        sp = sub.add_parser(name, help=helptext)
        sp.add_argument("--rules", help="rules file or directory (default ALERTS_RULES or ./rules)")
        sp.add_argument("--watchlist", help="watchlist file (default ALERTS_WATCHLIST)")
        sp.set_defaults(func=func)
        if name == "test":
            sp.add_argument("rule", help="rule name")
            sp.add_argument("--limit", type=int, default=20, help="matches to print (default 20)")
            sp.add_argument(
                "--json",
                action="store_true",
                help="every match as a JSON line (listing id, alert id), the count on stderr",
            )
        elif name == "list":
            sp.add_argument("--rule", help="only this rule")
            sp.add_argument("--limit", type=int, default=50)
            sp.add_argument("--json", action="store_true", help="one JSON object per line")
        elif name == "deliver":
            sp.add_argument(
                "--retry-failed", action="store_true", help="retry deliveries given up on"
            )
            sp.add_argument(
                "--timeout", type=float, default=60.0, help="seconds to keep trying (60)"
            )


def _config(args: argparse.Namespace) -> AlertsConfig:
    base = AlertsConfig.from_settings(args.settings)
    from dataclasses import replace
    from pathlib import Path

    return replace(
        base,
        rules_path=Path(args.rules) if args.rules else base.rules_path,
        watchlist_path=Path(args.watchlist) if args.watchlist else base.watchlist_path,
    )


def _fail(exc: Exception) -> int:
    print(f"error: {exc}", file=sys.stderr)
    return 2


def cmd_check(args: argparse.Namespace) -> int:
    cfg = _config(args)
    try:
        rules = load_rules(cfg.rules_path)
        watchlist = load_watchlist(cfg.watchlist_path)
        channels = rules.build_channels()
    except AlertConfigError as exc:
        return _fail(exc)
    print(
        f"ok: {len(rules.rules)} rule(s) ({len(rules.active)} enabled), "
        f"{len(rules.health_rules)} health rule(s), {len(rules.removed_rules)} removed "
        f"rule(s) in {len(rules.sources)} file(s), "
        f"{len(channels)} channel(s) in use, {len(watchlist)} watchlist subject(s)"
    )
    return 0


def cmd_test(args: argparse.Namespace) -> int:
    from crawler.store import open_store

    cfg = _config(args)
    try:
        rules = load_rules(cfg.rules_path)
        watchlist = load_watchlist(cfg.watchlist_path)
    except AlertConfigError as exc:
        return _fail(exc)
    rule = rules.get(args.rule)
    other = rules.named(args.rule) if rule is None else None
    if other is not None and other.type == "removed":
        return _fail(
            ValueError(
                f"{args.rule!r} is a removed rule: it alerts when a listing it watches is "
                "marked removed (`crawler search --removed` lists the removed listings)"
            )
        )
    if other is not None:
        return _fail(
            ValueError(
                f"{args.rule!r} is a health rule: it alerts when a platform's crawl health "
                "changes, not on listings (`crawler health` shows each platform's status)"
            )
        )
    if rule is None:
        return _fail(
            ValueError(
                f"no rule named {args.rule!r} (known: {', '.join(r.name for r in rules.rules) or 'none'})"
            )
        )

    async def run() -> tuple[int, int]:
        scanned = matched = 0
        async with open_store(args.settings) as store:
            await alert_after_replay(store, args.settings)
            query = SearchQuery(
                platform=rule.platforms[0] if len(rule.platforms) == 1 else None,
                min_risk=rule.min_risk,
                limit=200,
            )
            # Cluster conditions read the store's cluster facts, as the engine does (earlier
            # growth alerts are not looked up: each listing is judged as if it were new).
            lookup = (
                ClusterLookup(store, watchlist.clusters) if rule.needs_clusters(watchlist) else None
            )
            while True:
                page = await store.search(query)
                for listing in page.listings:
                    scanned += 1
                    clusters = facts = None
                    if (
                        lookup is not None
                        and listing.cluster_id
                        and rule.match_listing(listing) is not None
                    ):
                        clusters, facts = await cluster_context(lookup, [rule], watchlist, listing)
                    m = rule.match(listing, watchlist.matches(listing, clusters), facts)
                    if m is None:
                        continue
                    matched += 1
                    if args.json:
                        print(
                            json.dumps(
                                {
                                    "rule": rule.name,
                                    "listing_id": listing.id,
                                    "alert_id": build_alert(rule, listing, "new", m, None).id,
                                    "risk_score": listing.risk_score,
                                }
                            )
                        )
                    elif matched <= args.limit:
                        inds = ", ".join(i.id for i in m.indicators) or "-"
                        ids = ", ".join(f"{i.kind}:{i.value}" for i in m.identifiers)
                        print(
                            printable(
                                f"{listing.risk_score:3d}  {listing.platform}  {listing.url}  "
                                f"[{inds}] {ids}"
                            )
                        )
                if not page.listings or query.offset + len(page.listings) >= page.total:
                    break
                query = query.model_copy(update={"offset": query.offset + len(page.listings)})
        return scanned, matched

    scanned, matched = asyncio.run(run())
    print(
        f"rule {rule.name}: {matched} of {scanned} stored listing(s) match (dry run: nothing sent)",
        file=sys.stderr if args.json else sys.stdout,
    )
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """Alerts from the store (the record), with their delivery state from the local outbox."""
    from crawler.store import open_store

    cfg = _config(args)

    async def stored() -> list[dict[str, Any]]:
        async with open_store(args.settings) as store:
            await alert_after_replay(store, args.settings)
            return await store.list_alerts(limit=args.limit, rule=args.rule)

    records = asyncio.run(stored())
    states: dict[str, list[dict[str, Any]]] = {}
    counts = None
    if cfg.outbox_path.exists():
        outbox = Outbox(cfg.outbox_path)
        try:
            states = outbox.delivery_states([str(r.get("id")) for r in records])
            counts = outbox.counts()
        finally:
            outbox.close()
    for r in records:
        deliveries = states.get(str(r.get("id")), [])
        if args.json:
            print(json.dumps({"alert": r, "deliveries": deliveries}, default=str))
            continue
        ds = " ".join(f"{d['channel']}={d['state']}" for d in deliveries) or "(no delivery)"
        when = str(r.get("created_at", ""))[:19].replace("T", " ")
        health = r.get("health")
        what = (
            f"{r.get('platform')} {health.get('change')}: {health.get('judged')} "
            f"(was {health.get('previous') or 'not judged'})"
            if isinstance(health, dict)
            else f"risk {r.get('risk_score')}  {r.get('url')}"
        )
        print(printable(f"{when}  {r.get('rule')}  {r.get('outcome')}  {what}  {ds}"))
    if not args.json:
        line = f"{len(records)} alert(s) shown"
        if counts is not None:
            line += (
                f"; outbox: {counts['delivered']} delivered, {counts['pending']} pending, "
                f"{counts['failed']} failed"
            )
        print(line)
    return 0


async def deliver_outbox(
    cfg: AlertsConfig, settings: Any, timeout: float, retry_failed: bool = False
) -> int:
    """Recover interrupted crawls and deliver pending alerts; returns deliveries still pending.

    Used by `crawler alerts deliver` and by the scheduler between crawls.
    """
    from crawler.store import open_store

    store = open_store(settings)
    engine = AlertEngine.load(cfg, store)
    await store.open()
    try:
        if retry_failed:
            engine.outbox.retry_failed()
        await engine.recover()
        return await engine.drain(timeout)
    finally:
        await engine.close(drain=False)
        await store.close()


def cmd_deliver(args: argparse.Namespace) -> int:
    cfg = _config(args)
    try:
        remaining = asyncio.run(deliver_outbox(cfg, args.settings, args.timeout, args.retry_failed))
    except AlertConfigError as exc:
        return _fail(exc)
    outbox = Outbox(cfg.outbox_path)
    counts = outbox.counts()
    outbox.close()
    print(
        f"deliveries: {counts['delivered']} delivered, {remaining} pending, {counts['failed']} failed"
    )
    return 1 if remaining else 0
