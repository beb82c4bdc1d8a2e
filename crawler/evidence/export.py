"""`crawler evidence export`: a case package (WACZ 1.1.1) for a listing, a cluster, an
identifier or a search, read through the store API (both stores).

The package (crawler/evidence/wacz.py writes the WACZ parts):

    archive/<name>.warc.gz            every WARC file holding a selected listing's captures
                                      (Listing.evidence and each price_history[].evidence),
                                      whole and byte for byte: its sha256 is the one the signed
                                      manifests hold. datapackage.json gives each one's place
                                      under EVIDENCE_DIR ("evidence_path": warc/<platform>/<job>/)
    indexes/index.cdx, pages/pages.jsonl   for replay (one page per captured listing version)
    evidence/manifests/...            EVIDENCE_DIR/manifests as it is (manifests, signatures)
    evidence/signing-key.pub          the signing public key (base64), when it can be known
    listings/listings.jsonl           the selected listings as stored, price history included
    listings/index.csv                one row per listing, for a spreadsheet
    README.txt                        for the recipient: contents, how to verify and replay
    datapackage.json, datapackage-digest.json

Before a byte is written, every listing's capture is located: its WARC file must exist and
the record at its offset must carry its record id and payload sha256, or the export stops
with an ERROR naming the listing, the file and the offset. The package is written to a
temporary file next to `-o` and renamed into place when complete; `-o` is never overwritten
without `--force`. No settings of its own: EVIDENCE_DIR and the signing key settings.

`unpack(package, into)` lays a package out as EVIDENCE_DIR (warc/..., manifests/...) for
chain.verify(root, subset=True); `check_package(package)` checks the package itself.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import binascii
import csv
import hashlib
import io
import os
import sys
import zipfile
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from crawler.config import ConfigError
from crawler.evidence import chain
from crawler.evidence import keys as signing
from crawler.evidence.layout import evidence_dir, safe_component
from crawler.evidence.wacz import (
    WaczWriter,
    check_wacz,
    copy_member,
    member_name_problem,
    read_datapackage,
)
from crawler.models import EvidenceRef, Listing, SearchQuery

MANIFESTS = "evidence/manifests/"
PUBLIC_KEY = "evidence/signing-key.pub"
LISTINGS = "listings/listings.jsonl"
LISTINGS_CSV = "listings/index.csv"
README = "README.txt"
_SEARCH_PAGE = 500


class PackageError(ConfigError):
    """A package (or a member of it) that cannot be used: names the file and the reason."""


class ExportError(RuntimeError):
    """The export cannot be made as asked: the message names the listing, file or record."""


# -- selection ------------------------------------------------------------------------------


@dataclass
class Selection:
    """What a case holds: listing ids, clusters, and one search (text plus filters)."""

    listing_ids: list[str] = field(default_factory=list)
    cluster_ids: list[str] = field(default_factory=list)
    filters: dict[str, Any] = field(default_factory=dict)  # SearchFilters fields

    @property
    def searches(self) -> bool:
        return any(v not in (None, "") for v in self.filters.values())

    def describe(self) -> list[str]:
        lines = [f"listing {x}" for x in self.listing_ids]
        lines += [f"cluster {x}" for x in self.cluster_ids]
        if self.searches:
            parts = [f"{k}={v}" for k, v in self.filters.items() if v not in (None, "")]
            lines.append("search " + ", ".join(parts))
        return lines


async def select_listings(store: Any, selection: Selection) -> list[Listing]:
    """The selected listings, each once, in the order selected; ExportError for a listing
    id or cluster that is not in the store, or a selection that matches nothing."""
    found: dict[str, Listing] = {}
    if selection.listing_ids:
        got = {x.id: x for x in await store.get_many(selection.listing_ids)}
        missing = [i for i in selection.listing_ids if i not in got]
        if missing:
            raise ExportError(f"--listing {missing[0]}: no such listing in the store")
        found.update(got)
    for cluster in selection.cluster_ids:
        summary = await store.cluster_summary(cluster)
        if summary is None:
            raise ExportError(f"--cluster {cluster}: no such cluster in the store")
        for x in await store.get_many(summary.members):
            found.setdefault(x.id, x)
    if selection.searches:
        query = SearchQuery(**selection.filters, limit=_SEARCH_PAGE)
        offset = 0
        while True:
            page = await store.search(query.model_copy(update={"offset": offset}))
            for x in page.listings:
                found.setdefault(x.id, x)
            offset += len(page.listings)
            if len(page.listings) < _SEARCH_PAGE or offset >= page.total:
                break
    if not found:
        raise ExportError("the selection matches no stored listing")
    return list(found.values())


# -- where the captures are -----------------------------------------------------------------


def evidence_path(ref_file: str) -> str:
    """A reference's file as its path under EVIDENCE_DIR, "warc/<platform>/<job>/<name>"
    (also accepted without the leading "warc/"); ValueError for anything else."""
    parts = ref_file.split("/")
    if parts[:1] == ["warc"]:
        parts = parts[1:]
    if len(parts) != 3:
        raise ValueError(f"evidence file {ref_file!r} is not warc/<platform>/<job>/<name>")
    for part in parts:
        safe_component(part, "evidence file component")
    return "/".join(["warc", *parts])


def captures(listing: Listing) -> list[EvidenceRef]:
    """Every capture a listing points to (its versions', then its latest), each once."""
    refs = [p.evidence for p in listing.price_history if p.evidence is not None]
    if listing.evidence is not None:
        refs.append(listing.evidence)
    return list(dict.fromkeys(refs))


@dataclass
class CaseFiles:
    """The WARC files a case needs: evidence path -> the references into it."""

    refs: dict[str, list[tuple[str, EvidenceRef]]] = field(default_factory=dict)
    no_capture: list[str] = field(default_factory=list)  # listing ids

    @classmethod
    def of(cls, listings: Sequence[Listing]) -> CaseFiles:
        out = cls()
        for listing in listings:
            refs = captures(listing)
            if not refs:
                out.no_capture.append(listing.id)
            for ref in refs:
                try:
                    path = evidence_path(ref.file)
                except ValueError as exc:
                    raise ExportError(f"listing {listing.id}: {exc}") from None
                out.refs.setdefault(path, []).append((listing.id, ref))
        names: dict[str, str] = {}
        for path in out.refs:
            other = names.setdefault(path.rsplit("/", 1)[-1], path)
            if other != path:
                raise ExportError(f"two WARC files with one name: {other} and {path}")
        return out


# -- the public key ---------------------------------------------------------------------------


def public_key_of(settings: Any, root: Path) -> bytes | None:
    """The signing public key: from the signing key when this machine has it, else from a
    public key file (next to the key file, or in EVIDENCE_DIR/manifests). ConfigError when
    the signing key is configured but cannot be read."""
    key = signing.load_signing_key(settings)
    if key is not None:
        return signing.public_bytes(key)
    candidates = [signing.key_file(settings).with_suffix(".pub")]
    manifests = root / "manifests"
    if manifests.is_dir():
        candidates += sorted(manifests.glob("*.pub"))
    for path in candidates:
        if path.is_file():
            raw = parse_public_key(path.read_bytes())
            if raw is None:
                raise ConfigError(path, "public key", "not an Ed25519 public key (base64 of 32)")
            return raw
    return None


def parse_public_key(data: bytes) -> bytes | None:
    """32 raw bytes from a public key file: base64 text (our format) or the raw bytes."""
    if len(data) == 32:
        return data
    try:
        raw = base64.b64decode(data.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) == 32 else None


def package_public_key(package: Path) -> bytes | None:
    """The public key a package carries (evidence/signing-key.pub), or None."""
    with zipfile.ZipFile(package) as zf:
        try:
            data = zf.read(PUBLIC_KEY)
        except KeyError:
            return None
    return parse_public_key(data)


# -- the package --------------------------------------------------------------------------------


@dataclass
class ExportReport:
    path: Path
    listings: int
    no_capture: int
    versions: int  # captured listing versions (pages)
    warc_files: int
    records: int
    manifests: int
    size: int
    fingerprint: str | None


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def _clean(text: Any) -> str:
    from crawler.cli.console import printable

    return printable(text)


def _csv_cell(value: Any) -> str:
    """A cell a spreadsheet shows as text: control characters escaped, and a leading
    = + - @ (a formula to Excel or LibreOffice) neutralised with a quote."""
    text = _clean("" if value is None else value).replace("\n", " ").replace("\t", " ")
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def _ref_text(ref: EvidenceRef | None) -> str:
    return f"{ref.file}#{ref.offset}" if ref else "no capture"


def listings_csv(listings: Sequence[Listing]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(
        [
            "id",
            "platform",
            "url",
            "title",
            "location",
            "first_seen",
            "last_seen",
            "removed_at",
            "returned_at",
            "price",
            "versions",
            "phones",
            "emails",
            "handles",
            "wallets",
            "risk_score",
            "cluster_id",
            "capture",
        ]
    )
    for x in listings:
        price = x.prices[0] if x.prices else None
        w.writerow(
            _csv_cell(v)
            for v in (
                x.id,
                x.platform,
                x.url,
                x.title,
                x.location or x.location_raw,
                x.first_seen.isoformat() if x.first_seen else "",
                x.last_seen.isoformat() if x.last_seen else "",
                x.removed_at.isoformat() if x.removed_at else "",
                x.returned_at.isoformat() if x.returned_at else "",
                f"{price.amount:g} {price.currency or ''}/{price.unit or ''}" if price else "",
                len(x.price_history),
                " ".join(x.phones),
                " ".join(x.emails),
                " ".join(f"{h.service}:{h.handle}" for h in x.handles),
                " ".join(f"{w.chain}:{w.address}" for w in x.wallets),
                x.risk_score,
                x.cluster_id or "",
                _ref_text(x.evidence),
            )
        )
    return buf.getvalue().encode("utf-8-sig")  # the BOM: spreadsheets read it as UTF-8


def readme_text(
    *,
    selection: Selection,
    listings: Sequence[Listing],
    files: CaseFiles,
    warcs: Sequence[tuple[str, str, int]],  # (member, sha256, size)
    manifests: int,
    fingerprint: str | None,
    created: datetime,
    package_name: str,
) -> str:
    """README.txt. Every value that is not ours goes through printable(): no control
    character from a platform (or a mistyped selection) reaches a recipient's terminal."""
    c = _clean
    times = [_aware(t) for x in listings for t in (x.first_seen, x.last_seen) if t]
    platforms = Counter(x.platform for x in listings)
    captured = len(listings) - len(files.no_capture)
    versions = sum(len(r) for r in files.refs.values())
    removed = sum(1 for x in listings if x.removed_at)
    lines = [
        "CASE PACKAGE",
        "============",
        "",
        f"Written {created.strftime('%Y-%m-%d %H:%M:%S UTC')} by flagwatch (crawler evidence "
        "export).",
        f"Package file: {c(package_name)} (a WACZ 1.1.1 web archive: a ZIP file).",
        "",
        "WHAT IT HOLDS",
        "",
        "Selection:",
        *[f"  - {c(x)}" for x in selection.describe()],
        f"Listings: {len(listings)} ({captured} with captures, {len(files.no_capture)} "
        f"no capture{f', {removed} removed from their platform' if removed else ''})",
        f"Captured listing versions: {versions}, in {len(warcs)} WARC file(s)",
    ]
    if times:
        lines.append(
            f"Time range: {min(times).strftime('%Y-%m-%d %H:%M')} .. "
            f"{max(times).strftime('%Y-%m-%d %H:%M')} UTC (first seen .. last seen)"
        )
    lines.append("Platforms: " + ", ".join(f"{c(p)} ({n})" for p, n in sorted(platforms.items())))
    if files.no_capture:
        lines.append(
            f"No capture: {len(files.no_capture)} listing(s) were stored while capture was "
            "off; only their stored data (listings/) is here, not what the platform sent."
        )
    lines += [
        "",
        "Files:",
        "  archive/*.warc.gz         the captures: what the platforms sent, byte for byte",
        "  indexes/index.cdx         where each captured page is in them (for replay)",
        "  pages/pages.jsonl         the captured listing pages",
        f"  evidence/manifests/       the signed manifests of the crawl runs ({manifests} file(s))",
    ]
    if fingerprint:
        lines.append("  evidence/signing-key.pub  the public key the manifests are signed with")
    lines += [
        "  listings/listings.jsonl   the listings as the crawler stored them (price history,",
        "                            contacts, indicators, evidence references)",
        "  listings/index.csv        one row per listing, for a spreadsheet",
        "  datapackage.json          every file above with its SHA-256 and size",
        "  datapackage-digest.json   the SHA-256 of datapackage.json",
        "",
        "HOW TO VERIFY",
        "",
        "With flagwatch:",
        f"  crawler evidence verify {c(package_name)}",
        "It checks every file against datapackage.json, every WARC record's digests, every",
        "manifest's signature and the chain between them, and names what is missing or altered.",
        "",
        "By hand:",
        '  1. unzip the package; for each file, compare `sha256sum FILE` with its "hash" and',
        '     its size with "bytes" in datapackage.json; compare `sha256sum datapackage.json`',
        "     with datapackage-digest.json.",
        "  2. each archive/*.warc.gz file's SHA-256 is also listed in a manifest under",
        "     evidence/manifests/ (its evidence_path in datapackage.json is the path the",
        "     manifest names); each manifest's signature is an Ed25519 signature made with the",
        "     key in evidence/signing-key.pub.",
    ]
    if fingerprint:
        lines += [
            f"  3. the public key's fingerprint is {fingerprint} (the first 16 hex digits of",
            "     the SHA-256 of the raw 32-byte key): compare it with the fingerprint the",
            "     sender published or told you out of band. A package can only prove it was not",
            "     altered if that fingerprint matches.",
        ]
    else:
        lines += [
            "  3. this package carries no public key: ask the sender for it, and its",
            "     fingerprint, through another channel.",
        ]
    lines += [
        "",
        "HOW TO REPLAY",
        "",
        "  ReplayWeb.page: open https://replayweb.page (or the desktop app) and load this file;",
        "  the captured pages are listed under Pages.",
        "  pywb: wb-manager init case && wb-manager add case " + c(package_name),
        "        then wayback, and open http://localhost:8080/case/",
        "Only text was captured (HTML and JSON): pages replay without images or media.",
        "",
    ]
    return "\n".join(lines)


def _check_record(path: str, refs: list[tuple[str, EvidenceRef]], seen: dict[int, Any]) -> None:
    for listing_id, ref in refs:
        rec = seen.get(ref.offset)
        where = f"listing {listing_id}: {path} at offset {ref.offset}"
        if rec is None:
            raise ExportError(f"{where}: no WARC record starts there")
        if rec.record_id != ref.record_id:
            raise ExportError(
                f"{where}: record is {rec.record_id}, the listing says {ref.record_id}"
            )
        if rec.payload_sha256 != ref.sha256:
            raise ExportError(
                f"{where} (record {ref.record_id}): payload sha256 {rec.payload_sha256}, "
                f"the listing says {ref.sha256}"
            )


def _manifest_files(root: Path) -> list[tuple[str, Path]]:
    """(name under evidence/manifests/, file) for every file under EVIDENCE_DIR/manifests."""
    base = root / "manifests"
    if not base.is_dir():
        return []
    out = []
    for path in sorted(base.rglob("*")):
        if path.is_symlink():
            raise ExportError(f"{path}: a symbolic link in the manifests directory (refused)")
        if not path.is_file() or path.name == chain.LOCK_NAME:  # the chain's lock: not evidence
            continue
        rel = path.relative_to(base).as_posix()
        for part in rel.split("/"):
            try:
                safe_component(part, "manifest file")
            except ValueError as exc:
                raise ExportError(f"{path}: {exc}") from None
        out.append((rel, path))
    return out


def export_case(
    settings: Any,
    listings: Sequence[Listing],
    selection: Selection,
    out: Path,
    *,
    force: bool = False,
    now: datetime | None = None,
) -> ExportReport:
    """Write the case package for `listings` to `out`; ExportError names what stopped it."""
    from crawler import __version__

    if out.exists() and not force:
        raise ExportError(f"{out}: exists (use --force to replace it)")
    if out.exists() and not out.is_file():
        raise ExportError(f"{out}: exists and is not a file")
    root = evidence_dir(settings)
    files = CaseFiles.of(listings)
    for path in files.refs:
        if not (root / path).is_file():
            first = files.refs[path][0]
            raise ExportError(f"listing {first[0]}: {root / path}: WARC file missing")
    manifests = _manifest_files(root)
    public = public_key_of(settings, root)
    fingerprint = signing.fingerprint(public) if public else None
    created = (now or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)

    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.{os.getpid()}.partial")
    writer = WaczWriter(
        tmp,
        title=f"flagwatch case: {len(listings)} listing(s)",
        software=f"flagwatch {__version__}",
        created=created,
    )
    try:
        warcs: list[tuple[str, str, int]] = []
        records = 0
        for path, refs in sorted(files.refs.items()):
            name = path.rsplit("/", 1)[-1]
            copied = writer.add_warc(
                name,
                root / path,
                extra={"evidence_path": path},
                payload_of={ref.offset for _, ref in refs},
            )
            if copied.problem:
                raise ExportError(f"{root / path}: {copied.problem}")
            _check_record(path, refs, {r.offset: r for r in copied.records})
            records += len(copied.records)
            warcs.append((copied.member, copied.sha256, copied.size))
        by_id = {x.id: x for x in listings}
        pages = 0
        for _, refs in sorted(files.refs.items()):
            for listing_id, ref in refs:
                page_id = hashlib.sha256(f"{ref.record_id}".encode()).hexdigest()[:32]
                writer.add_page(ref.uri, ref.captured_at, by_id[listing_id].title, page_id)
                pages += 1
        for rel, source in manifests:
            writer.add_file(MANIFESTS + rel, source)
        if public:
            writer.add_bytes(PUBLIC_KEY, base64.b64encode(public) + b"\n")
        jsonl = "".join(x.model_dump_json() + "\n" for x in listings).encode()
        writer.add_bytes(LISTINGS, jsonl)
        writer.add_bytes(LISTINGS_CSV, listings_csv(listings))
        readme = readme_text(
            selection=selection,
            listings=listings,
            files=files,
            warcs=warcs,
            manifests=len(manifests),
            fingerprint=fingerprint,
            created=created,
            package_name=out.name,
        )
        writer.add_bytes(README, readme.encode("utf-8"))
        extra: dict[str, Any] = {"description": "flagwatch case export; see README.txt"}
        if fingerprint:
            extra["signing_key_fingerprint"] = fingerprint
        writer.close(extra)
        os.replace(tmp, out)
    except BaseException:
        writer.abort()
        tmp.unlink(missing_ok=True)
        raise
    return ExportReport(
        path=out,
        listings=len(listings),
        no_capture=len(files.no_capture),
        versions=pages,
        warc_files=len(warcs),
        records=records,
        manifests=len(manifests),
        size=out.stat().st_size,
        fingerprint=fingerprint,
    )


# -- reading a package back -------------------------------------------------------------------


def check_package(package: Path) -> list[str]:
    """Problems with the package itself, each naming the file inside it (and, for a WARC
    record, its offset and record id): every file datapackage.json lists is there with its
    sha256 and size, datapackage-digest.json matches, nothing else is in it, and every
    record of every WARC passes records.check_warc. Empty: the package is intact."""
    return check_wacz(package)


def _targets(zf: zipfile.ZipFile, package: Path) -> dict[str, str]:
    """member -> path under the unpacked root, for the members unpack extracts; PackageError
    naming any member that is not safe or not expected."""
    try:
        data, _ = read_datapackage(zf)
    except ValueError as exc:
        raise PackageError(package, "datapackage.json", str(exc)) from None
    targets: dict[str, str] = {}
    for res in data["resources"]:
        name = res["path"]
        why = member_name_problem(name)
        if why:
            raise PackageError(package, name, f"refused member name ({why})")
        if name.startswith("archive/"):
            try:
                path = evidence_path(str(res.get("evidence_path", "")))
            except ValueError as exc:
                raise PackageError(package, name, f"evidence_path: {exc}") from None
            if path.rsplit("/", 1)[-1] != name.removeprefix("archive/"):
                raise PackageError(package, name, f"evidence_path {path} names another file")
            targets[name] = path
        elif name.startswith(MANIFESTS):
            rel = name.removeprefix(MANIFESTS)
            for part in rel.split("/"):
                try:
                    safe_component(part, "manifest file")
                except ValueError as exc:
                    raise PackageError(package, name, str(exc)) from None
            targets[name] = "manifests/" + rel
    expected = {r["path"] for r in data["resources"]} | {
        "datapackage.json",
        "datapackage-digest.json",
    }
    for info in zf.infolist():
        why = member_name_problem(info.filename)
        if why:
            raise PackageError(package, repr(info.filename), f"refused member name ({why})")
        if info.filename not in expected:
            raise PackageError(package, info.filename, "not listed in datapackage.json (refused)")
    if len(set(targets.values())) != len(targets):
        raise PackageError(package, "datapackage.json", "two members unpack to one path")
    return targets


def unpack(package: Path, into: Path) -> Path:
    """Unpack a case package into `into`, laid out as EVIDENCE_DIR (warc/<platform>/<job>/...,
    manifests/...), for chain.verify(root, subset=True); return the root. `into` must be
    absent or empty. No path is taken from the zip: each archive/ file goes to the
    evidence_path datapackage.json gives it (checked component by component), each
    evidence/manifests/ file under manifests/; a member with "..", an absolute path, or one
    that datapackage.json does not list is refused (PackageError naming it) before anything
    is written."""
    if into.exists() and (not into.is_dir() or any(into.iterdir())):
        raise PackageError(into, "unpack", "exists and is not an empty directory")
    try:
        zf = zipfile.ZipFile(package)
    except (zipfile.BadZipFile, OSError) as exc:
        raise PackageError(package, "package", f"not a readable ZIP/WACZ file ({exc})") from None
    with zf:
        targets = _targets(zf, package)
        into.mkdir(parents=True, exist_ok=True)
        for name, rel in targets.items():
            copy_member(zf, name, into.joinpath(*rel.split("/")))
    return into


# -- the command ------------------------------------------------------------------------------


def register(actions: argparse._SubParsersAction) -> None:
    from crawler.cli.search import add_filter_arguments

    p = actions.add_parser(
        "export",
        help="write a WACZ case package",
        description="Write a WACZ case package (captures, listings, signed manifests, README) "
        "for listings, clusters, an identifier or a search (docs/evidence.md).",
    )
    p.add_argument("--listing", action="append", default=[], metavar="ID", help="a listing id")
    p.add_argument("--cluster", action="append", default=[], metavar="ID", help="a cluster id")
    add_filter_arguments(p, text_option="--search")
    p.add_argument("-o", "--output", required=True, type=Path, metavar="FILE.wacz")
    p.add_argument("--force", action="store_true", help="replace FILE.wacz if it exists")
    p.set_defaults(func=cmd_export)


def _error(message: str) -> None:
    from crawler.cli.console import printable

    print(f"crawler evidence export: ERROR: {printable(message)}", file=sys.stderr)


def cmd_export(args: argparse.Namespace) -> int:
    from crawler.cli.search import filters_from
    from crawler.store import open_store

    try:
        filters = filters_from(args)
    except ValueError as exc:
        _error(f"--since: {exc}")
        return 2
    selection = Selection(list(args.listing), list(args.cluster), filters)
    if not (selection.listing_ids or selection.cluster_ids or selection.searches):
        _error("nothing selected: give --listing, --cluster, --identifier or --search")
        return 2
    out: Path = args.output
    if out.exists() and not args.force:
        _error(f"{out}: exists (use --force to replace it)")
        return 2

    async def select() -> list[Listing]:
        async with open_store(args.settings) as store:
            return await select_listings(store, selection)

    try:
        listings = asyncio.run(select())
        report = export_case(args.settings, listings, selection, out, force=args.force)
    except ExportError as exc:
        _error(str(exc))
        return 1
    except OSError as exc:
        _error(f"{out}: cannot write the package: {exc}")
        return 1
    key = f"; public key fingerprint {report.fingerprint}" if report.fingerprint else ""
    print(
        f"wrote {report.path}: {report.listings} listing(s) ({report.no_capture} no capture), "
        f"{report.versions} captured version(s) in {report.warc_files} WARC file(s), "
        f"{report.manifests} manifest file(s), {report.size:,} bytes{key}"
    )
    if not report.fingerprint:
        print("note: no signing public key found: the README asks the recipient to get it")
    return 0
