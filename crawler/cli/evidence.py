"""`crawler evidence SUBCOMMAND`: the evidence kept for casework (docs/evidence.md).

- keygen: create the Ed25519 key that signs manifests (crawler/evidence/keys.py);
- verify: check the manifest chain, every file and record (crawler/evidence/verify.py),
  of EVIDENCE_DIR or of a case package (.wacz);
- hold, release, holds: legal holds, recorded in the chain (crawler/evidence/holds.py);
- export: a WACZ case package (crawler/evidence/export.py registers its own arguments).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
from pathlib import Path
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evidence", help="captures, signed manifests, legal holds, case exports")
    actions = p.add_subparsers(dest="evidence_command", metavar="SUBCOMMAND", required=True)

    k = actions.add_parser("keygen", help="create the Ed25519 key that signs evidence manifests")
    k.add_argument(
        "--out",
        type=Path,
        help="key file to write (default: EVIDENCE_SIGNING_KEY_FILE, else "
        "CRAWLER_DATA_DIR/keys/evidence-signing.key); never overwritten",
    )
    k.set_defaults(func=cmd_keygen)

    v = actions.add_parser(
        "verify", help="check every manifest, signature, chain link, file and record"
    )
    v.add_argument(
        "path", nargs="?", type=Path, help="EVIDENCE_DIR (default) or a case package (.wacz)"
    )
    pin = v.add_mutually_exclusive_group()
    pin.add_argument(
        "--public-key", type=Path, metavar="FILE", help="every manifest must be signed by this key"
    )
    pin.add_argument(
        "--fingerprint", metavar="HEX", help="every manifest must be signed by the key with this "
        "fingerprint (as keygen printed it)",
    )  # fmt: skip
    v.add_argument("--json", action="store_true", help="the report as one JSON object")
    v.set_defaults(func=cmd_verify)

    h = actions.add_parser("hold", help="keep listings and their captures out of every purge")
    h.add_argument("name", help="the hold's name (letters, digits, '.', '_', '-')")
    what = h.add_mutually_exclusive_group(required=True)
    what.add_argument("--listing", action="append", metavar="ID", help="a listing id (repeat)")
    what.add_argument("--cluster", metavar="ID", help="every listing of an actor cluster")
    what.add_argument(
        "--identifier", metavar="VALUE", help="phone (any format), e-mail, handle, wallet"
    )
    what.add_argument(
        "--search", metavar="TEXT", help='listings a search finds ("" for filters only)'
    )
    h.add_argument("--platform", help="with --search")
    h.add_argument("--category", help="with --search")
    h.add_argument("--indicator", help="with --search: indicator id")
    h.add_argument("--min-risk", type=int, help="with --search")
    h.add_argument("--since", help="with --search: seen since (ISO date or 24h, 7d)")
    h.set_defaults(func=cmd_hold)

    r = actions.add_parser("release", help="end a legal hold (recorded in the chain)")
    r.add_argument("name")
    r.set_defaults(func=cmd_release)

    ls = actions.add_parser("holds", help="the legal holds in force")
    ls.add_argument("--json", action="store_true", help="JSON lines output")
    ls.set_defaults(func=cmd_holds)

    from crawler.evidence import export

    export.register(actions)


def _err(command: str, message: str) -> None:
    from crawler.cli.console import printable

    print(f"crawler evidence {command}: {printable(message)}", file=sys.stderr)


# -- keygen -----------------------------------------------------------------------------------


def cmd_keygen(args: argparse.Namespace) -> int:
    from crawler.config import ConfigError
    from crawler.evidence import keys

    path: Path = args.out or keys.key_file(args.settings)
    field = "--out" if args.out else "EVIDENCE_SIGNING_KEY_FILE"
    try:
        key = keys.generate_key_file(path)
    except FileExistsError:
        raise ConfigError(
            path, field, "exists: a signing key is never overwritten (move it away first)"
        ) from None
    except OSError as exc:
        raise ConfigError(path, field, f"cannot be written ({exc.strerror or exc})") from None
    fp = keys.fingerprint(keys.public_bytes(key))
    print(f"wrote evidence signing key {path} (mode 0600: keep it secret, never commit it)")
    print(f"public key: {keys.public_key_file(path)}")
    print(f"fingerprint: {fp} (publish it out of band: recipients compare it)")
    if str(args.settings.get("EVIDENCE_SIGNING_KEY") or "").strip():
        print("note: EVIDENCE_SIGNING_KEY is set and is used instead of this file", file=sys.stderr)
    return 0


# -- verify -----------------------------------------------------------------------------------


def cmd_verify(args: argparse.Namespace) -> int:
    from crawler.cli.console import printable
    from crawler.evidence import keys
    from crawler.evidence.chain import verify
    from crawler.evidence.layout import evidence_dir

    public = keys.load_public_key(args.public_key) if args.public_key else None
    fingerprint = _fingerprint(args.fingerprint) if args.fingerprint else None
    path: Path = args.path or evidence_dir(args.settings)
    if path.suffix == ".wacz" and path.is_file():
        report = _verify_package(path, public, fingerprint)
    else:
        report = verify(path, public, fingerprint=fingerprint)
    if args.json:
        out: dict[str, Any] = {"path": str(path), "ok": report.ok}
        out.update({k: v for k, v in vars(report).items()})
        print(json.dumps(out, sort_keys=True))
        return 0 if report.ok else 1
    for problem in report.problems:
        print(f"ERROR {printable(problem)}")
    for note in report.notes:
        print(f"note: {printable(note)}")
    print(_summary(path, report))
    return 0 if report.ok else 1


def _fingerprint(text: str) -> str:
    from crawler.config import ConfigError

    value = text.strip().lower().replace(":", "")
    if len(value) < 16 or any(c not in "0123456789abcdef" for c in value):
        raise ConfigError("command line", "--fingerprint", "16 or more hex digits expected")
    return value[:16]


def _summary(path: Path, report: Any) -> str:
    from crawler.cli.console import printable

    what = f"{report.manifests} manifest(s), {report.files} file(s), {report.records} record(s)"
    if report.purged:
        what += f", {report.purged} purged file(s) recorded"
    keys_used = ", ".join(report.fingerprints) or "none"
    head = f"; head {report.head}" if report.head else ""
    verdict = "OK" if report.ok else f"{len(report.problems)} problem(s)"
    return f"verify {printable(path)}: {what}; signed by key {keys_used}{head}: {verdict}"


def _verify_package(path: Path, public: bytes | None, fingerprint: str | None) -> Any:
    from crawler.evidence import export
    from crawler.evidence.chain import VerifyReport, verify

    try:
        package_problems = list(export.check_package(path))
    except NotImplementedError:
        report = VerifyReport()
        report.problems.append(f"{path}: this build cannot read case packages yet")
        return report
    with tempfile.TemporaryDirectory(prefix="flagwatch-verify-") as tmp:
        try:
            root = export.unpack(path, Path(tmp))
        except (ValueError, OSError) as exc:
            report = VerifyReport(problems=package_problems)
            report.problems.append(f"{path}: cannot be unpacked: {exc}")
            return report
        report = verify(root, public, subset=True, fingerprint=fingerprint)
    report.problems[:0] = package_problems
    return report


# -- holds ------------------------------------------------------------------------------------


def cmd_hold(args: argparse.Namespace) -> int:
    from crawler.cli.console import printable
    from crawler.cli.search import parse_since
    from crawler.evidence import chain, holds
    from crawler.evidence.layout import evidence_dir
    from crawler.models import SearchFilters
    from crawler.store import open_store

    filters = ("platform", "category", "indicator", "min_risk", "since")
    if args.search is None and any(getattr(args, f) is not None for f in filters):
        _err("hold", "--platform, --category, --indicator, --min-risk, --since go with --search")
        return 2
    try:
        holds.check_hold_name(args.name)
        search = None
        if args.search is not None:
            search = SearchFilters(
                text=args.search or None,
                platform=args.platform,
                category=args.category,
                indicator=args.indicator,
                min_risk=args.min_risk,
                seen_since=parse_since(args.since),
            )
    except ValueError as exc:
        _err("hold", str(exc))
        return 2
    key = chain.signing_key(args.settings)
    root = evidence_dir(args.settings)
    selection = (
        "listing" if args.listing else "cluster" if args.cluster
        else "identifier" if args.identifier is not None else "search"
    )  # fmt: skip

    async def select() -> list[Any]:
        async with open_store(args.settings) as store:
            return await holds.select_listings(
                store,
                listing_ids=args.listing or (),
                cluster=args.cluster,
                identifier=args.identifier,
                search=search,
            )

    try:
        listings = asyncio.run(select())
        manifest = holds.place_hold(root, key, args.name, listings, selection)
    except holds.HoldError as exc:
        _err("hold", str(exc))
        return 1
    files = holds.evidence_files(listings)
    uncaptured = sum(1 for x in listings if not holds.evidence_files([x]))
    print(
        f"hold {printable(args.name)}: {len(listings)} listing(s), {len(files)} WARC file(s) "
        f"kept from every purge; recorded in {manifest}"
    )
    if uncaptured:
        print(f"  {uncaptured} of them without a capture (the listing itself is kept)")
    return 0


def cmd_release(args: argparse.Namespace) -> int:
    from crawler.cli.console import printable
    from crawler.evidence import chain, holds
    from crawler.evidence.layout import evidence_dir

    key = chain.signing_key(args.settings)
    try:
        manifest = holds.release_hold(evidence_dir(args.settings), key, args.name)
    except holds.HoldError as exc:
        _err("release", str(exc))
        return 1
    print(f"hold {printable(args.name)} released; recorded in {manifest}")
    return 0


def cmd_holds(args: argparse.Namespace) -> int:
    from crawler.cli.console import printable
    from crawler.evidence import holds
    from crawler.evidence.layout import evidence_dir

    try:
        active = holds.active_holds(evidence_dir(args.settings))
    except holds.HoldError as exc:
        _err("holds", str(exc))
        return 1
    for h in sorted(active.values(), key=lambda h: h.name):
        if args.json:
            print(json.dumps(vars(h), sort_keys=True))
        else:
            print(
                f"{printable(h.name)}  since {h.since}  {len(h.listings)} listing(s)  "
                f"{len(h.files)} file(s)  by {h.selection}  ({h.manifest})"
            )
    if not active and not args.json:
        print("no legal hold in force")
    return 0
