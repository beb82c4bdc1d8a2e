"""`crawler purge --days N`: retention: delete listings not seen for N days, and the evidence
nothing needs any more, except what a legal hold keeps (docs/evidence.md).

1. the holds in force are read from the manifest chain (crawler/evidence/holds.py);
2. the store deletes listings not seen for N days except held ones;
3. sealed WARC files older than N days that no remaining listing or price-history version
   points to, and no hold keeps, are recorded in a signed "purge" manifest, then deleted.

With evidence (EVIDENCE_ENABLED, or a chain already in EVIDENCE_DIR) the signing key is
required before anything is deleted: a purge the chain cannot record does not happen.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "purge", help="retention: delete listings (and evidence) not seen for N days, except held"
    )
    p.add_argument("--days", type=int, required=True)
    p.set_defaults(func=cmd_purge)


def cmd_purge(args: argparse.Namespace) -> int:
    from crawler.config import ConfigError, parse_bool
    from crawler.evidence import chain
    from crawler.evidence.layout import evidence_dir

    settings = args.settings
    if args.days < 0:
        raise ConfigError("command line", "--days", f"{args.days} is negative")
    cutoff = datetime.now(UTC) - timedelta(days=args.days)
    root = evidence_dir(settings)
    has_chain = bool(chain.list_manifests(root))
    enabled = parse_bool(settings.get("EVIDENCE_ENABLED", True), "EVIDENCE_ENABLED")
    key = chain.signing_key(settings) if (has_chain or enabled) else None
    # The chain's lock from reading the holds to the purge manifest: a hold placed meanwhile
    # waits, and is never missed by a purge already under way.
    with chain.chain_lock(root) if key is not None else contextlib.nullcontext(root):
        return _purge(args, settings, root, key, cutoff)


def _purge(
    args: argparse.Namespace,
    settings: Any,
    root: Path,
    key: Ed25519PrivateKey | None,
    cutoff: datetime,
) -> int:
    from crawler.alerts.engine import alert_after_replay
    from crawler.cli.console import printable
    from crawler.evidence import holds
    from crawler.store import open_store
    from crawler.store.base import StoreError

    try:
        active = holds.active_holds(root)
    except holds.HoldError as exc:
        print(f"crawler purge: ERROR {printable(exc)}; nothing purged", file=sys.stderr)
        return 1
    keep = holds.held_listing_ids(active)

    async def go() -> tuple[int, set[str]]:
        async with open_store(settings) as store:
            await alert_after_replay(store, settings)
            pending = await store.pending_writes()
            if key is not None and pending is not None and pending.count:
                raise StoreError(
                    f"{pending.count} write(s) still held in {pending.where}: the store cannot "
                    "say which captures its listings point to; nothing purged"
                )
            removed = await store.purge(cutoff, keep=keep)
            referenced = await store.evidence_files() if key is not None else set()
            return removed, referenced

    removed, referenced = asyncio.run(go())
    kept = f", {len(keep)} held listing(s) kept" if keep else ""
    print(f"purged {removed} listing(s) not seen for {args.days} day(s){kept}")
    if key is None:
        return 0
    outcome = holds.purge_evidence(
        root,
        key,
        cutoff=cutoff,
        days=args.days,
        listings_removed=removed,
        referenced=referenced,
        holds=active,
        locked=True,
    )
    print(
        f"deleted {len(outcome.deleted)} evidence file(s) ({_size(outcome.bytes_deleted)})"
        + (f", {outcome.kept_held} kept by a hold" if outcome.kept_held else "")
        + (f"; recorded in {outcome.manifest}" if outcome.manifest else "")
    )
    for line in outcome.refused:
        print(f"crawler purge: ERROR {printable(line)}", file=sys.stderr)
    return 1 if outcome.refused else 0


def _size(n: Any) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n} bytes"
