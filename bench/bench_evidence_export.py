"""Benchmark of a case export: `crawler evidence export` of a 1,000-listing case, then
check_package, unpack and chain.verify of the package.

The case is synthetic: N listings on two platforms, each captured twice (a price change),
their response records written with warcio into gzip WARC files in the capture layout
(EVIDENCE_DIR/warc/<platform>/<job>/, one file per platform and run, 10 runs), each run
sealed with chain.seal_run and signed with a fresh key; the listings, with their price
history pointing at the records, are upserted into a real SQLite store. Timed:

- select: the listings read through the store (--listing for each)
- export: export_case (copy every WARC into the WACZ, index it, check every listing's
  record, manifests, listings JSON/CSV, README)
- check_package, unpack, chain.verify(root, subset=True) of the package

Baseline, measured in the same run over the same bytes: writing the same WARC files and the
same listings JSON into a plain ZIP (stored) with zipfile, and reading it back with a
sha256 of every member. Ratios are against those.

    .venv/bin/python bench/bench_evidence_export.py [--listings 1000] [--page-bytes 12000]
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import random
import shutil
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.config import crawler_settings  # noqa: E402
from crawler.evidence import chain, export  # noqa: E402
from crawler.evidence.keys import generate_key_file, public_bytes  # noqa: E402
from crawler.evidence.layout import RunCapture, WarcFile  # noqa: E402
from crawler.models import EvidenceRef, Listing, Price, listing_id  # noqa: E402
from crawler.store.sqlite import SqliteStore  # noqa: E402
from crawler.testing.warcs import Sha256WarcWriter, write_page  # noqa: E402

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)
RUNS = 10
PLATFORMS = ("demo-classifieds", "demo-jobs")
SENTENCE = (
    "Cleaning staff wanted for hotels in the city centre, accommodation arranged by the "
    "employer, travel costs are deducted from wages, start this week. "
)


WORDS = sorted(set(SENTENCE.replace(",", "").split())) + [
    f"{a}{b}" for a in ("ma", "ko", "ri", "te", "lu") for b in ("n", "st", "ra", "do", "vi")
]


def page(n: int, version: int, size: int) -> bytes:
    """A listing page of about `size` bytes that compresses like real HTML (about 3:1)."""
    head = f"<html><head><title>Listing {n}</title></head><body><h1>Listing {n}</h1>"
    rnd = random.Random(n * 2 + version)
    words: list[str] = []
    length = 0
    while length < size - 200:
        words.append(rnd.choice(WORDS))
        length += len(words[-1]) + 1
    filler = " ".join(words)
    return f"{head}<p>{filler}</p><p class=price>{800 + n % 300 + 50 * version} EUR</p></body></html>".encode()


def build(base: Path, count: int, page_bytes: int) -> tuple[object, list[str], Path]:
    data = base / "data"
    root = data / "evidence"
    key = generate_key_file(data / "keys" / "evidence-signing.key")
    settings = crawler_settings(
        environ={},
        overrides={
            "CRAWLER_DATA_DIR": str(data),
            "EVIDENCE_DIR": str(root),
            "STORE_URL": f"sqlite:///{base / 'crawler.db'}",
        },
    )
    refs: dict[tuple[int, int], EvidenceRef] = {}
    for version in (0, 1):
        for run in range(RUNS // 2):
            job_n = version * (RUNS // 2) + run
            for platform in PLATFORMS:
                job = f"job-{job_n:04d}-{PLATFORMS.index(platform)}"
                rel = f"warc/{platform}/{job}/{platform}-{job}-00001.warc.gz"
                path = root / rel
                path.parent.mkdir(parents=True, exist_ok=True)
                started = T0 + timedelta(days=job_n)
                members = [
                    n
                    for n in range(count)
                    if PLATFORMS[n % 2] == platform and (n // 2) % (RUNS // 2) == run
                ]
                records = 0
                with path.open("wb") as f:
                    w = Sha256WarcWriter(f, gzip=True)
                    for n in members:
                        url = f"http://{platform}.test/ad/{n}"
                        body = page(n, version, page_bytes)
                        at = started + timedelta(seconds=n)
                        refs[(n, version)] = write_page(
                            w, f, rel, url, body, at, host=f"{platform}.test"
                        )
                        records += 2
                raw = path.read_bytes()
                chain.seal_run(
                    settings,
                    RunCapture(
                        platform=platform,
                        job_id=job,
                        started_at=started,
                        finished_at=started + timedelta(hours=1),
                        crawler_version="bench",
                        profile_sha256="",
                        files=[
                            WarcFile(
                                rel,
                                hashlib.sha256(raw).hexdigest(),
                                len(raw),
                                records,
                                records // 2,
                                started,
                                started + timedelta(hours=1),
                            )
                        ],
                    ),
                )

    async def upsert() -> list[str]:
        ids = []
        async with SqliteStore(base / "crawler.db") as store:
            for version in (0, 1):
                batch = []
                for n in range(count):
                    platform = PLATFORMS[n % 2]
                    ref = refs[(n, version)]
                    batch.append(
                        Listing(
                            id=listing_id(platform, str(n)),
                            platform=platform,
                            url=ref.uri,
                            title=f"Listing {n}",
                            body=f"{SENTENCE} Ref {n}.",
                            location=("amsterdam, nl", "rotterdam, nl")[n % 2],
                            prices=[
                                Price(
                                    amount=800 + n % 300 + 50 * version,
                                    currency="EUR",
                                    unit="month",
                                )
                            ],
                            evidence=ref,
                        )
                    )
                for start in range(0, len(batch), 200):
                    await store.upsert(batch[start : start + 200], T0 + timedelta(days=5 * version))
                ids = [x.id for x in batch]
        return ids

    ids = asyncio.run(upsert())
    return settings, ids, public_bytes(key)  # type: ignore[return-value]


def timed(fn, *args, **kwargs):  # noqa: ANN001, ANN201
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - t0


def baseline(root: Path, listings: list[Listing], out: Path) -> tuple[float, float]:
    """Plain zip of the same WARC files and listings JSON; then a sha256 of every member."""
    t0 = time.perf_counter()
    with zipfile.ZipFile(out, "w", allowZip64=True) as zf:
        for path in sorted((root / "warc").rglob("*.warc.gz")):
            with path.open("rb") as src, zf.open("archive/" + path.name, "w") as dst:
                shutil.copyfileobj(src, dst, 1 << 20)
        zf.writestr(
            "listings.jsonl",
            "".join(x.model_dump_json() + "\n" for x in listings),
            compress_type=zipfile.ZIP_DEFLATED,
        )
    write = time.perf_counter() - t0
    t0 = time.perf_counter()
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            with zf.open(name) as member:
                sha = hashlib.sha256()
                while chunk := member.read(1 << 20):
                    sha.update(chunk)
    return write, time.perf_counter() - t0


def warcio_pass(root: Path) -> float:
    """Second baseline: warcio reading every record of the same files (what any WARC
    indexer or checker pays), content read, no digests checked."""
    from warcio.archiveiterator import ArchiveIterator

    t0 = time.perf_counter()
    for path in sorted((root / "warc").rglob("*.warc.gz")):
        with path.open("rb") as f:
            for record in ArchiveIterator(f):
                record.content_stream().read()
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=1000)
    parser.add_argument("--page-bytes", type=int, default=12000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-export-") as tmp:
        base = Path(tmp)
        t0 = time.perf_counter()
        settings, ids, public = build(base, args.listings, args.page_bytes)
        print(
            f"case: {args.listings} listings x 2 captures, built in {time.perf_counter() - t0:.1f} s"
        )
        selection = export.Selection(listing_ids=ids)

        async def select() -> list[Listing]:
            async with SqliteStore(base / "crawler.db") as store:
                return await export.select_listings(store, selection)

        listings, t_select = timed(asyncio.run, select())
        out = base / "case.wacz"
        report, t_export = timed(export.export_case, settings, listings, selection, out)
        problems, t_check = timed(export.check_package, out)
        root, t_unpack = timed(export.unpack, out, base / "unpacked")
        verified, t_verify = timed(chain.verify, root, public, subset=True)
        b_write, b_read = baseline(base / "data" / "evidence", listings, base / "plain.zip")
        b_warcio = warcio_pass(base / "data" / "evidence")
        warc_bytes = sum(
            p.stat().st_size for p in (base / "data" / "evidence" / "warc").rglob("*.gz")
        )

    assert not problems, problems[:5]
    print(
        f"package: {report.size:,} bytes ({report.warc_files} WARC files, {warc_bytes:,} bytes "
        f"of WARC; {report.versions} captured versions, {report.records} records; "
        f"{report.manifests} manifest files)"
    )
    print(f"select (store reads)     {t_select:7.2f} s")
    print(
        f"export                   {t_export:7.2f} s   x{t_export / b_write:.2f} of plain zip write ({b_write:.2f} s)"
    )
    print(
        f"check_package            {t_check:7.2f} s   x{t_check / b_read:.2f} of plain zip sha256 read ({b_read:.2f} s)"
    )
    print(
        f"  (warcio reading every record of the same WARCs: {b_warcio:.2f} s; export is "
        f"x{t_export / b_warcio:.2f} and check_package x{t_check / b_warcio:.2f} of that)"
    )
    print(
        f"unpack                   {t_unpack:7.2f} s   x{t_unpack / b_read:.2f} of plain zip sha256 read"
    )
    verdict = "ok" if verified.ok else f"{len(verified.problems)} problem(s)"
    print(
        f"chain.verify (subset)    {t_verify:7.2f} s   ({verdict}, {verified.files} files, {verified.records} records)"
    )
    total = t_export + t_check + t_unpack + t_verify
    print(f"export + verify (all)    {total:7.2f} s")


if __name__ == "__main__":
    main()
