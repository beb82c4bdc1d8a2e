"""`crawler clusters` and `crawler cluster ID`: actor clusters, ranked and in detail.

A cluster is a set of listings the stores linked as one poster or network (docs/clusters.md):
shared identifiers that are not platform hubs, and near-duplicate wording.

    crawler clusters [TEXT] [--platform P] [--category C] [--indicator I] [--identifier X]
                     [--min-risk N] [--since 24h|DATE] [--sort size|risk|newest|growth]
                     [--min-size N] [--limit N] [--json]
    crawler cluster ID [--all] [--json]

`crawler clusters` takes the filters of `crawler search` (a cluster is listed when one of
its members matches) and prints one row per cluster: id, size, risk, platforms, first and
last seen, members first seen in the last 24 hours (with `--sort growth`), the top linking
identifiers and the first line of the template. `crawler cluster ID` prints one cluster:
risk and its explanation, platforms, cities, first and last seen, linking identifiers,
platform identifiers (hubs: on the members, never used to link), prices per unit, the
timeline, indicator counts, the whole template, the members (highest risk first; the
first MEMBERS_SHOWN unless `--all`), the links and the merges with their reasons. An id
that was absorbed by a merge shows the cluster that absorbed it; a listing id shows the
listing's cluster. An unknown id is one line on stderr and exit 2 (as a bad search
option); a store that cannot be read is exit 4 (crawler.cli.main).

Reads the store the settings name (STORE_URL / CRAWLER_DATA_DIR), as `crawler search`
does. Titles, template lines, cities and identifiers come from the platforms: the text
output prints them through crawler.cli.console (escaped, never read as markup). The
identifiers are personal data: they are shown to the analyst and never logged.

JSON (`--json`, exact values: JSON escapes control characters itself). Times are ISO 8601
in UTC (`2026-09-05T11:26:00+00:00`), days `YYYY-MM-DD`. `crawler clusters --json` prints
JSON lines, one cluster per line in rank order (as `crawler search --json` prints one
listing per line); `crawler cluster ID --json` prints one document. A cluster object:

    {
      "id": "cl-…",                       # the cluster's id now
      "size": 55,
      "risk": 84, "risk_explanation": "mean of the top 3 member scores …",
      "platforms": {"board-south": 22, …},  # members per platform, most first
      "cities": {"bucharest, ro": 12, …},
      "first_seen": "…", "last_seen": "…",  # of the members (null when unknown)
      "new_24h": 3,                         # members first seen in the 24 h before now
      "identifiers": [{"kind": "phone", "value": "+40712034947"}, …],  # they link
      "platform_identifiers": [{"kind": "email", "value": "support@…"}],  # hubs
      "template": ["elena masaj relaxant în {CITY}", …],
      "prices": [{"unit": "hour", "currency": "EUR", "low": 198.0, "high": 240.0, "ads": 55}],
      "timeline": [{"date": "2026-09-05", "ads": 4}, …],
      "indicators": {"movement": 38},
      "members": ["<listing id>", …],
      "links": [{"listing": "…", "other": "…", "kind": "identifier" | "text", "at": "…",
                 "identifier": {"kind": …, "value": …} | null, "similarity": 0.64 | null,
                 "reason": "phone +40… shared with listing …"}],
      "merges": [{"kept": "cl-…", "absorbed": "cl-…", "at": "…", "reason": "…"}]
    }

`crawler cluster ID --json` adds "requested" (the id given: differs from "id" when it was
absorbed or is a listing id) and "listings": every member (`--all` or not), highest risk
first, as {"id", "platform", "title", "url", "risk_score", "first_seen", "last_seen"}.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, get_args

from crawler.cli.search import add_filter_arguments, filters_from
from crawler.models import ClusterQuery

# Members (and links) `crawler cluster ID` prints without --all.
MEMBERS_SHOWN = 50
# Linking identifiers shown in a `crawler clusters` row.
ROW_IDENTIFIERS = 3
SORTS = get_args(ClusterQuery.model_fields["sort"].annotation)
SORT_TITLES = {
    "size": "largest first",
    "risk": "riskiest first",
    "newest": "latest member first",
    "growth": "most members new in the last 24 h first",
}


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("clusters", help="actor clusters: linked listings, ranked")
    add_filter_arguments(p, of_a_member=True)  # a cluster matches if a member does
    p.add_argument(
        "--sort",
        choices=SORTS,
        default="size",
        help="size (largest), risk (riskiest), newest (latest member), growth (most "
        "members first seen in the last 24 h); default size",
    )
    p.add_argument("--min-size", type=int, default=2, help="smallest cluster listed (2)")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="JSON lines output, one cluster a line")
    p.set_defaults(func=cmd_clusters)

    d = sub.add_parser("cluster", help="one actor cluster in detail")
    d.add_argument("id", help="cluster id (cl-…), an id it was merged under, or a listing id")
    d.add_argument(
        "--all", action="store_true", help=f"every member and link (default: {MEMBERS_SHOWN})"
    )
    d.add_argument("--json", action="store_true", help="one JSON document")
    d.set_defaults(func=cmd_cluster)


# -- values ------------------------------------------------------------------------------


def _utc(dt: datetime | None) -> datetime | None:
    if dt is None:
        return None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _iso(dt: datetime | None) -> str | None:
    value = _utc(dt)
    return value.isoformat() if value else None


def _when(dt: datetime | None) -> str:
    value = _utc(dt)
    return value.strftime("%Y-%m-%d %H:%M") if value else ""


def _day(dt: datetime | None) -> str:
    value = _utc(dt)
    return value.strftime("%Y-%m-%d") if value else ""


def _amount(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".")


def _counts(counts: dict[str, int], limit: int | None = None) -> str:
    items = list(counts.items())
    shown = ", ".join(f"{name} {n}" for name, n in items[:limit])
    more = len(items) - len(items[:limit])
    return f"{shown} (+{more} more)" if more > 0 else shown


def _new_since(listings: Iterable[Any], since: datetime) -> int:
    """Members first seen at or after `since`."""
    count = 0
    for x in listings:
        first = _utc(x.first_seen)
        if first is not None and first >= since:
            count += 1
    return count


def _ident(identifier: Sequence[str] | None) -> dict[str, str] | None:
    return {"kind": identifier[0], "value": identifier[1]} if identifier else None


def summary_json(summary: Any, new_24h: int | None = None) -> dict[str, Any]:
    """The JSON object of one ClusterSummary (the module docstring's schema)."""
    return {
        "id": summary.id,
        "size": summary.size,
        "risk": summary.risk,
        "risk_explanation": summary.risk_explanation,
        "platforms": dict(summary.platforms),
        "cities": dict(summary.cities),
        "first_seen": _iso(summary.first_seen),
        "last_seen": _iso(summary.last_seen),
        "new_24h": new_24h,
        "identifiers": [_ident(i) for i in summary.identifiers],
        "platform_identifiers": [_ident(i) for i in summary.platform_identifiers],
        "template": list(summary.template),
        "prices": [
            {"unit": p.unit, "currency": p.currency, "low": p.low, "high": p.high, "ads": p.ads}
            for p in summary.prices
        ],
        "timeline": [
            {"date": day.isoformat() if isinstance(day, date) else str(day), "ads": n}
            for day, n in summary.timeline
        ],
        "indicators": dict(summary.indicators),
        "members": list(summary.members),
        "links": [
            {
                "listing": link.listing,
                "other": link.other,
                "kind": link.kind,
                "at": _iso(link.at),
                "identifier": _ident(link.identifier),
                "similarity": link.similarity,
                "reason": link.reason,
            }
            for link in summary.links
        ],
        "merges": [
            {"kept": m.kept, "absorbed": m.absorbed, "at": _iso(m.at), "reason": m.reason}
            for m in summary.merges
        ],
    }


def listing_json(listing: Any) -> dict[str, Any]:
    return {
        "id": listing.id,
        "platform": listing.platform,
        "title": listing.title,
        "url": listing.url,
        "risk_score": listing.risk_score,
        "first_seen": _iso(listing.first_seen),
        "last_seen": _iso(listing.last_seen),
    }


def _by_risk(listings: Iterable[Any]) -> list[Any]:
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(listings, key=lambda x: (-x.risk_score, _utc(x.first_seen) or far, x.id))


# -- crawler clusters --------------------------------------------------------------------


def cmd_clusters(args: argparse.Namespace) -> int:
    from crawler.alerts.engine import alert_after_replay
    from crawler.cli import console as out
    from crawler.store import open_store

    now = datetime.now(UTC)
    try:
        if args.limit < 1:
            raise ValueError("--limit must be at least 1")
        if args.min_size < 1:
            raise ValueError("--min-size must be at least 1")
        query = ClusterQuery(
            **filters_from(args),
            min_size=args.min_size,
            sort=args.sort,
            limit=args.limit,
            now=now,
        )
    except ValueError as exc:
        print(f"crawler clusters: bad option: {out.printable(exc)}", file=sys.stderr)
        return 2

    async def go() -> tuple[list[Any], dict[str, int]]:
        async with open_store(args.settings) as store:
            await alert_after_replay(store, args.settings)
            found = await store.clusters(query)
            members = await store.get_many([m for s in found for m in s.members])
        cluster_of = {m: s.id for s in found for m in s.members}
        new = dict.fromkeys((s.id for s in found), 0)
        for listing in members:
            if _new_since([listing], now - timedelta(days=1)):
                new[cluster_of[listing.id]] += 1
        return found, new

    found, new = asyncio.run(go())
    if args.json:
        for summary in found:
            print(json.dumps(summary_json(summary, new[summary.id]), ensure_ascii=False))
        return 0
    growth = args.sort == "growth"
    columns = ["cluster", "size", "risk", "platforms", "first seen", "last seen"]
    columns += ["new 24h"] if growth else []
    columns += ["linking identifiers", "template (first line)"]
    size_note = f" of {args.min_size}+ listings" if args.min_size > 1 else ""
    table = out.table(f"{len(found)} cluster(s){size_note}, {SORT_TITLES[args.sort]}", columns)
    table.columns[0].no_wrap = True
    for s in found:
        idents = [out.one_line(v) for _, v in s.identifiers[:ROW_IDENTIFIERS]]
        if len(s.identifiers) > ROW_IDENTIFIERS:
            idents.append(f"+{len(s.identifiers) - ROW_IDENTIFIERS} more")
        platforms = [out.one_line(f"{name} {n}") for name, n in s.platforms.items()]
        cells = [s.id, s.size, s.risk, "\n".join(platforms), _day(s.first_seen)]
        cells += [_day(s.last_seen)] + ([new[s.id]] if growth else [])
        cells += ["\n".join(idents), out.one_line(s.template[0] if s.template else "", 50)]
        out.row(table, *cells)
    out.console().print(table)
    return 0


# -- crawler cluster ID ------------------------------------------------------------------


def cmd_cluster(args: argparse.Namespace) -> int:
    from crawler.alerts.engine import alert_after_replay
    from crawler.cli import console as out
    from crawler.store import open_store

    now = datetime.now(UTC)

    async def go() -> tuple[Any, list[Any], str | None]:
        async with open_store(args.settings) as store:
            await alert_after_replay(store, args.settings)
            summary = await store.cluster_summary(args.id)
            via_listing = None
            if summary is None:  # a listing id: its cluster
                listing = next(iter(await store.get_many([args.id])), None)
                if listing is not None and listing.cluster_id:
                    summary = await store.cluster_summary(listing.cluster_id)
                    via_listing = listing.id
            members = await store.get_many(summary.members) if summary else []
            return summary, _by_risk(members), via_listing

    summary, members, via_listing = asyncio.run(go())
    if summary is None:
        print(
            f"crawler cluster: no cluster or listing with id {out.printable(args.id)!r} "
            "(`crawler clusters` lists the clusters)",
            file=sys.stderr,
        )
        return 2
    new_24h = _new_since(members, now - timedelta(days=1))
    if args.json:
        doc = {"requested": args.id, **summary_json(summary, new_24h)}
        doc["listings"] = [listing_json(x) for x in members]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 0
    _print_cluster(out, summary, members, args, via_listing, new_24h)
    return 0


def _print_cluster(
    out: Any, s: Any, members: list[Any], args: argparse.Namespace, via: str | None, new: int
) -> None:
    con = out.console()

    def line(label: str, value: Any) -> None:
        from rich.text import Text

        con.print(Text.assemble(Text(f"{label:<22}", style="bold"), out.text(value)))

    def heading(label: str, value: str = "") -> None:
        from rich.text import Text

        con.print(Text.assemble(Text(label, style="bold"), out.text(value)))

    line("cluster", f"{s.id} ({s.size} listings)")
    if via:
        line("", f"listing {via} is a member of this cluster")
    elif args.id != s.id:
        reason = next((m.reason for m in s.merges if m.absorbed == args.id), None)
        line("", f"{args.id} was merged into it" + (f": {reason}" if reason else ""))
    line("risk", f"{s.risk}: {s.risk_explanation}")
    line("first / last seen", f"{_when(s.first_seen)} / {_when(s.last_seen)} UTC")
    line("new in the last 24 h", new)
    line("platforms", _counts(s.platforms) or "-")
    line("cities", _counts(s.cities) or "-")
    line("linking identifiers", ", ".join(f"{k} {v}" for k, v in s.identifiers) or "-")
    hubs = ", ".join(f"{k} {v}" for k, v in s.platform_identifiers)
    line("platform identifiers", f"{hubs} (hubs: never used to link)" if hubs else "-")
    prices = [
        f"{p.unit}: {_amount(p.low)}-{_amount(p.high)} {p.currency} ({p.ads} ads)"
        if p.low != p.high
        else f"{p.unit}: {_amount(p.low)} {p.currency} ({p.ads} ads)"
        for p in s.prices
    ]
    line("prices", "; ".join(prices) or "-")
    line("indicators", _counts(s.indicators) or "-")

    heading("template", " ({*} varies from ad to ad; {PHONE}, {PRICE}, {CITY}… classes)")
    for text in s.template or ["-"]:
        con.print(out.text(f"  {text}"))

    heading("timeline", " (ads per day, by first seen)")
    peak = max((n for _, n in s.timeline), default=0)
    for day, n in s.timeline:
        bar = "#" * max(1, round(20 * n / peak)) if peak else ""
        con.print(out.text(f"  {day}  {n:>4}  {bar}"))

    shown = members if args.all else members[:MEMBERS_SHOWN]
    more = f", showing {len(shown)} (--all for every one)" if len(shown) < len(members) else ""
    table = out.table(
        f"{len(members)} member(s), highest risk first{more}",
        ("listing", "platform", "risk", "first seen", "title"),
    )
    for x in shown:
        out.row(
            table, x.id, x.platform, x.risk_score, _when(x.first_seen), out.one_line(x.title, 70)
        )
    con.print(table)

    links = s.links if args.all else s.links[:MEMBERS_SHOWN]
    more = f", showing {len(links)} (--all for every one)" if len(links) < len(s.links) else ""
    table = out.table(f"{len(s.links)} link(s){more}", ("at", "listing", "kind", "reason"))
    for link in links:
        out.row(table, _when(link.at), link.listing, link.kind, link.reason)
    con.print(table)

    table = out.table(f"{len(s.merges)} merge(s)", ("at", "kept", "absorbed", "reason"))
    for m in s.merges:
        out.row(table, _when(m.at), m.kept, m.absorbed, m.reason)
    con.print(table)
