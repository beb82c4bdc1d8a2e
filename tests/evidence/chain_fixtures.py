"""Small real WARC files for the chain, verify, hold and purge tests (no crawl needed).

`write_run(root, platform, job, pages)` writes one gzip WARC file the way capture does (one
gzip member per record, request and response records, sha256 block and payload digests)
under EVIDENCE_DIR/warc/<platform>/<job>/ and returns the RunCapture to seal and one
EvidenceRef per page. Page text is clinical and synthetic.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.evidence.layout import RunCapture, WarcFile, relative, warc_dir
from crawler.models import EvidenceRef, Listing, Price, listing_id
from crawler.testing.warcs import Sha256WarcWriter

T0 = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)


@dataclass
class WrittenRun:
    run: RunCapture
    refs: list[EvidenceRef]

    @property
    def path(self) -> str:
        return self.run.files[0].path


def page(i: int) -> bytes:
    return (
        f"<html><body><h1>Warehouse work {i}</h1><p>accommodation arranged by the employer</p>"
        f"<p>call +44 7400 123456</p></body></html>"
    ).encode()


def write_run(root: Path, platform: str, job: str, pages: int = 3, at: datetime = T0) -> WrittenRun:
    directory = warc_dir(root, platform, job)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{platform}-{job}-00001.warc.gz"
    out = io.BytesIO()
    writer = Sha256WarcWriter(out, gzip=True, warc_version="1.1")
    refs = []
    for i in range(pages):
        uri = f"http://127.0.0.1:8080/{platform}/ad/{job}-{i}"
        when = at + timedelta(seconds=i)
        date = when.strftime("%Y-%m-%dT%H:%M:%SZ")
        body = page(i)
        request = writer.create_warc_record(
            uri,
            "request",
            payload=io.BytesIO(
                f"GET /{platform}/ad/{i} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
            ),
            warc_headers_dict={"WARC-Date": date},
        )
        writer.write_record(request)
        http = (
            b"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n"
            + f"Content-Length: {len(body)}\r\n\r\n".encode()
            + body
        )
        response = writer.create_warc_record(
            uri,
            "response",
            payload=io.BytesIO(http),
            warc_headers_dict={"WARC-Date": date},
        )
        offset = out.tell()
        writer.write_record(response)
        refs.append(
            EvidenceRef(
                file=relative(root, path),
                offset=offset,
                length=out.tell() - offset,
                record_id=response.rec_headers.get_header("WARC-Record-ID"),
                sha256=hashlib.sha256(body).hexdigest(),
                uri=uri,
                captured_at=when,
            )
        )
    data = out.getvalue()
    path.write_bytes(data)
    file = WarcFile(
        path=relative(root, path),
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        records=2 * pages,
        responses=pages,
        first_date=at,
        last_date=at + timedelta(seconds=pages - 1),
    )
    run = RunCapture(
        platform=platform,
        job_id=job,
        started_at=at - timedelta(seconds=5),
        finished_at=at + timedelta(seconds=pages + 5),
        crawler_version="0.test",
        profile_sha256=hashlib.sha256(platform.encode()).hexdigest(),
        files=[file],
        skipped={"non_text": 1},
    )
    return WrittenRun(run, refs)


def flip_byte(path: Path, offset: int) -> None:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    path.write_bytes(bytes(data))


# -- stores ------------------------------------------------------------------------------------

PHONE = "+447400123456"  # libphonenumber's example GB mobile: belongs to nobody
OTHER_PHONE = "+31612345678"  # its example NL mobile


def store_environment(kind: str, tmp_path: Path, es_url: str | None = None) -> dict[str, str]:
    """The environment of the commands of a test: its own data dir, evidence dir and store
    (the embedded SQLite store, or an index prefix of its own on the test Elasticsearch)."""
    import uuid

    env = {
        "CRAWLER_DATA_DIR": str(tmp_path / "data"),
        "EVIDENCE_DIR": str(tmp_path / "evidence"),
    }
    if kind == "elasticsearch":
        assert es_url
        env.update(
            STORE_URL=es_url,
            STORE_INDEX_PREFIX=f"t{uuid.uuid4().hex[:10]}",
            STORE_SPOOL_DIR=str(tmp_path / "spool"),
        )
    return env


def configure(request: Any, tmp_path: Path, monkeypatch: Any) -> dict[str, str]:
    """For an `environment` fixture parametrized with the store kind: that store's
    environment, set in os.environ for the commands the test runs in-process."""
    kind = request.param
    url = request.getfixturevalue("es_server").url if kind == "elasticsearch" else None
    env = store_environment(kind, tmp_path, url)
    for name in ("STORE_URL", "STORE_INDEX_PREFIX", "STORE_SPOOL_DIR"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def cli(capsys: Any, *argv: str) -> tuple[int, str]:
    """`crawler ARGV` in this process: the exit code and everything it printed."""
    from crawler.cli.main import main

    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out + out.err


def make_listing(
    key: str,
    ref: EvidenceRef | None,
    *,
    platform: str = "demo-classifieds",
    phone: str | None = None,
    title: str = "Warehouse work",
    body: str = "accommodation arranged by the employer",
    amount: float = 12.0,
) -> Listing:
    return Listing(
        id=listing_id(platform, key),
        platform=platform,
        url=f"http://127.0.0.1:8080/{platform}/ad/{key}",
        title=f"{title} {key}",
        body=body,
        phones=[phone] if phone else [],
        prices=[Price(amount=amount, currency="EUR", unit="hour", amount_eur=amount)],
        evidence=ref,
    )


def upsert(env: dict[str, str], batches: list[tuple[list[Listing], datetime]]) -> None:
    """Upsert each batch at its time into the store `env` names, then make it searchable."""
    import asyncio

    from crawler.config import crawler_settings
    from crawler.store import open_store

    async def go() -> None:
        async with open_store(crawler_settings(env)) as store:
            for listings, at in batches:
                for x in listings:
                    x.fingerprint = x.compute_fingerprint()
                await store.upsert(listings, at)
            refresh = getattr(store, "refresh", None)
            if refresh is not None:
                await refresh()

    asyncio.run(go())


def stored(env: dict[str, str], ids: list[str]) -> set[str]:
    """Which of the ids the store still has."""
    import asyncio

    from crawler.config import crawler_settings
    from crawler.store import open_store

    async def go() -> set[str]:
        async with open_store(crawler_settings(env)) as store:
            return {x.id for x in await store.get_many(ids)}

    return asyncio.run(go())
