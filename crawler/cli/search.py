"""`crawler search`: stored listings by full text and filters, as a table or JSON lines.

Reads the store the settings name (STORE_URL / CRAWLER_DATA_DIR). Untrusted text (titles,
identifiers) is printed through crawler.cli.console: escaped, never read as markup; `--json`
prints each listing exactly as stored. `--removed` lists only the listings complete walks
no longer find (crawler.evidence.removed), each with "removed <date>" in the table.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from datetime import UTC, datetime, timedelta
from typing import Any

from crawler.models import SearchQuery


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("search", help="search stored listings (full text plus filters)")
    add_filter_arguments(p)
    add_removed_argument(p)
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="JSON lines output")
    p.set_defaults(func=cmd_search)


def add_filter_arguments(
    p: argparse.ArgumentParser, of_a_member: bool = False, text_option: str | None = None
) -> None:
    """The listing filters (crawler.models.SearchFilters) of `search`, `clusters` and
    `evidence export`; text_option: the full-text query is that option, not a positional."""
    member = "a member " if of_a_member else ""
    text_help = f"full-text query{' (on a member)' if member else ''}"
    if text_option:
        p.add_argument(text_option, dest="text", metavar="TEXT", help=text_help)
    else:
        p.add_argument("text", nargs="?", help=text_help)
    p.add_argument("--platform")
    p.add_argument("--category")
    p.add_argument("--indicator", help="indicator id, e.g. movement")
    p.add_argument(
        "--identifier", help="phone (any format), e-mail, @handle or service:handle, wallet"
    )
    p.add_argument("--min-risk", type=int, help=f"{member}scores at least this".strip())
    p.add_argument("--since", help=f"{member}seen since: ISO date or a duration like 24h, 7d")


def add_removed_argument(p: argparse.ArgumentParser) -> None:
    """`--removed`: only listings marked removed (SearchFilters.removed)."""
    p.add_argument(
        "--removed",
        action="store_true",
        help="only listings complete walks no longer find (marked removed; docs/evidence.md)",
    )


def removed_filter(args: argparse.Namespace) -> bool | None:
    """SearchFilters.removed from the arguments: True with --removed, else no filter."""
    return True if getattr(args, "removed", False) else None


def seen_text(listing: Any) -> str:
    """The "last seen" cell: when a crawl last found the listing, and when it was found
    gone for a removed one ("removed 2026-11-02 06:00")."""
    seen = listing.last_seen.strftime("%Y-%m-%d %H:%M") if listing.last_seen else ""
    if listing.removed_at is None:
        return seen
    return f"{seen}\nremoved {listing.removed_at.strftime('%Y-%m-%d %H:%M')}".strip()


def filters_from(args: argparse.Namespace) -> dict[str, Any]:
    """The SearchFilters fields from parsed filter arguments (ValueError: a bad --since)."""
    return {
        "text": args.text,
        "platform": args.platform,
        "category": args.category,
        "indicator": args.indicator,
        "identifier": args.identifier,
        "min_risk": args.min_risk,
        "seen_since": parse_since(args.since),
        "removed": removed_filter(args),
    }


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    units = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
    if value[:-1].isdigit() and value[-1] in units:
        return datetime.now(UTC) - timedelta(seconds=int(value[:-1]) * units[value[-1]])
    try:
        dt = datetime.fromisoformat(value)
    except ValueError:
        raise ValueError(
            f"--since {value!r}: use an ISO date or time (2026-11-30, 2026-11-30T08:00) "
            "or a duration (90m, 24h, 7d, 2w)"
        ) from None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _price_text(listing: Any) -> str:
    if not listing.prices:
        return ""
    p = listing.prices[0]
    amount = f"{p.amount:,.2f}".rstrip("0").rstrip(".")
    return f"{amount} {p.currency or ''}{'/' + p.unit if p.unit else ''}".strip()


def cmd_search(args: argparse.Namespace) -> int:
    from crawler.alerts.engine import alert_after_replay
    from crawler.cli import console as out
    from crawler.store import open_store

    try:
        query = SearchQuery(**filters_from(args), limit=args.limit)
    except ValueError as exc:
        print(f"crawler search: bad search option: {exc}", file=sys.stderr)
        return 2

    async def go() -> Any:
        async with open_store(args.settings) as store:
            await alert_after_replay(store, args.settings)
            return await store.search(query)

    page = asyncio.run(go())
    if args.json:
        for listing in page.listings:
            print(listing.model_dump_json())
        return 0
    shown = f", showing {len(page.listings)}" if page.total > len(page.listings) else ""
    table = out.table(
        f"{page.total} listing(s){shown}",
        ("risk", "platform", "title", "price", "indicators", "contacts", "last seen"),
    )
    for lst in page.listings:
        out.row(
            table,
            lst.risk_score,
            lst.platform,
            out.one_line(lst.title, 60),
            _price_text(lst),
            ", ".join(sorted({h.id for h in lst.indicators})),
            ", ".join(v for _, v in lst.identifiers()[:3]),
            seen_text(lst),
        )
    out.console().print(table)
    return 0
