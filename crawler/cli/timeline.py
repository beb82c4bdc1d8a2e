"""`crawler timeline IDENTIFIER` or `crawler timeline --cluster ID`: every listing and
version in time order, then the moves between cities (crawler/evidence/timeline.py).

One line per event: time, what happened, platform, city, price(s) with unit, listing id,
and the capture it was read from (EVIDENCE_DIR-relative file#offset, or "no capture").
Reads the store the settings name (both stores). Everything printed comes from the
platforms and goes through crawler.cli.console.printable; `--json` prints one JSON object
(events and moves) as stored.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from crawler.models import Listing, SearchQuery

_PAGE = 500


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "timeline",
        help="an identifier's or a cluster's listings in time order",
        description="Every listing and version of an identifier (phone in any format, "
        "e-mail, @handle or service:handle, wallet) or of a cluster, in time order, with "
        "platform, city, price and evidence reference, then the moves between cities.",
    )
    p.add_argument("identifier", nargs="?", help="phone, e-mail, handle or wallet")
    p.add_argument("--cluster", metavar="ID", help="a cluster id instead of an identifier")
    p.add_argument("--json", action="store_true", help="one JSON object: events and moves")
    p.set_defaults(func=cmd_timeline)


async def listings_of(store: Any, identifier: str | None, cluster: str | None) -> list[Listing]:
    """The listings carrying `identifier`, or the members of `cluster` (None: no such
    cluster)."""
    if cluster:
        summary = await store.cluster_summary(cluster)
        return [] if summary is None else list(await store.get_many(summary.members))
    found: dict[str, Listing] = {}
    query = SearchQuery(identifier=identifier, limit=_PAGE)
    while True:
        page = await store.search(query.model_copy(update={"offset": len(found)}))
        for x in page.listings:
            found.setdefault(x.id, x)
        if len(page.listings) < _PAGE or len(found) >= page.total:
            return list(found.values())


def cmd_timeline(args: argparse.Namespace) -> int:
    from crawler.cli import console as out
    from crawler.evidence.timeline import (
        evidence_text,
        moves,
        moves_text,
        price_text,
        timeline,
    )
    from crawler.store import open_store

    if bool(args.identifier) == bool(args.cluster):
        print("crawler timeline: give an IDENTIFIER or --cluster ID (one of them)", file=sys.stderr)
        return 2

    async def go() -> list[Listing]:
        async with open_store(args.settings) as store:
            return await listings_of(store, args.identifier, args.cluster)

    listings = asyncio.run(go())
    subject = f"cluster {args.cluster}" if args.cluster else f"identifier {args.identifier}"
    events, stays = timeline(listings), moves(listings)
    if args.json:
        doc = {
            "subject": subject,
            "listings": len(listings),
            "events": [e.to_json() for e in events],
            "moves": [s.to_json() for s in stays],
        }
        print(json.dumps(doc, ensure_ascii=True))
        return 0
    if not listings:
        print(f"crawler timeline: no listing for {out.one_line(subject)}", file=sys.stderr)
        return 1
    print(f"{out.one_line(subject)}: {len(listings)} listing(s), {len(events)} event(s)")
    for e in events:
        fields = (
            e.at.strftime("%Y-%m-%d %H:%M"),
            f"{e.kind:<10}",
            e.platform,
            e.city or "unknown city",
            price_text(e.prices) or "-",
            e.listing_id,
            evidence_text(e.evidence),
        )
        print("  ".join(out.one_line(f) for f in fields))
    print(f"moves: {out.one_line(moves_text(stays))}")
    return 0
