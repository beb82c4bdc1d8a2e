"""Capture (crawler.evidence.capture, warc): every text response of a crawl in WARC files.

Unit tests drive the writer and the downloader middleware with real Scrapy responses and
read the files back with warcio. One module-scoped set of real `crawler crawl` processes
on the demo classifieds (run side by side to save wall time): capture on, capture off,
and EVIDENCE_DIR that is a file.
"""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import os
import subprocess
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy import Request
from scrapy.http import HtmlResponse, Response, TextResponse
from scrapy.utils.test import get_crawler
from warcio.archiveiterator import ArchiveIterator

from crawler.config import ConfigError, crawler_settings
from crawler.crawl.media import is_media_url
from crawler.evidence import chain
from crawler.evidence.capture import CaptureFailed, EvidenceCapture, check_settings
from crawler.evidence.layout import RunCapture
from crawler.evidence.records import check_warc
from crawler.evidence.warc import (
    HttpExchange,
    RunWarcWriter,
    read_capture,
    text_media_type,
)
from crawler.models import CrawlJob, SearchQuery, utcnow
from crawler.store import open_store
from crawler.testing.crawls import CrawlRun, crawl_command, crawl_env, running_world

PLATFORM = "demo-classifieds"


def _records(path: Path) -> list[Any]:
    out = []
    with path.open("rb") as f:
        for rec in ArchiveIterator(f):
            http = rec.http_headers
            out.append(
                (
                    rec.rec_type,
                    rec.rec_headers.get_header("WARC-Target-URI"),
                    http.get_header("Content-Type") if http is not None else None,
                    rec.rec_headers.get_header("WARC-Payload-Digest"),
                )
            )
            rec.raw_stream.read()
    return out


def _exchange(url: str, body: bytes, **kw: Any) -> HttpExchange:
    return HttpExchange(
        url=url,
        method="GET",
        request_headers=[("User-Agent", "Mozilla/5.0")],
        request_body=b"",
        status=kw.pop("status", 200),
        response_headers=kw.pop("headers", [("Content-Type", "text/html")]),
        body=body,
        **kw,
    )


# ---- the writer ------------------------------------------------------------------------


def test_records_are_sha256_gzip_members_addressed_by_their_reference(tmp_path: Path) -> None:
    writer = RunWarcWriter(tmp_path, "demo-x", "demo-x-20261202T000000000001", 64 * 1024)
    # Text that does not compress much: 40 records of ~4 KB in 64 KB files.
    pages = {f"http://127.0.0.1:9/ad/{i}": os.urandom(2000).hex().encode() for i in range(40)}
    refs = {url: writer.write_exchange(_exchange(url, body)) for url, body in pages.items()}
    files = writer.close()

    # Rolled at the size, named by the platform and job id, numbered from 00001.
    assert len(files) > 1
    assert [Path(f.path).name for f in files][:2] == [
        "demo-x-20261202T000000000001-00001.warc.gz",
        "demo-x-20261202T000000000001-00002.warc.gz",
    ]
    assert all(f.size <= 64 * 1024 for f in files)
    for f in files:
        data = (tmp_path / f.path).read_bytes()
        assert f.sha256 == hashlib.sha256(data).hexdigest() and f.size == len(data)
        check = check_warc((tmp_path / f.path).open("rb"), f.path)
        assert check.problems == [] and check.records == f.records
        assert check.responses == f.responses
        kinds = [r[0] for r in _records(tmp_path / f.path)]
        assert kinds[0] == "warcinfo" and kinds.count("request") == kinds.count("response")
        # sha256 digests, not warcio's default sha1
        assert all(r[3].startswith("sha256:") for r in _records(tmp_path / f.path) if r[3])
    for url, ref in refs.items():
        # The reference alone reads its record: one gzip member.
        member = (tmp_path / ref.file).read_bytes()[ref.offset : ref.offset + ref.length]
        assert gzip.decompress(member).startswith(b"WARC/1.1\r\n")
        record = read_capture(tmp_path, ref)
        assert record.rec_type == "response" and record.target_uri == url
        assert record.payload == pages[url]
        assert ref.sha256 == hashlib.sha256(pages[url]).hexdigest() == record.sha256


def test_a_hostile_platform_cannot_name_a_file(tmp_path: Path) -> None:
    for platform, job in [("../etc", "job-1"), ("demo", "../../x"), ("demo", "a/b"), ("", "j")]:
        with pytest.raises(ValueError, match="cannot name a file"):
            RunWarcWriter(tmp_path, platform, job, 1 << 20)
    writer = RunWarcWriter(tmp_path, "demo-hostile", "demo-hostile-20261202T1", 1 << 20)
    hostile = _exchange(
        "http://127.0.0.1:9/../../../../tmp/owned.warc.gz?x=\r\nWARC-Type: resource",
        b"<p>x</p>",
        headers=[
            ("Content-Type", "text/html"),
            ("Content-Disposition", 'attachment; filename="../../owned.warc.gz"'),
            ("X-Injected", "a\r\nWARC-Type: resource\r\n\r\n"),
        ],
    )
    ref = writer.write_exchange(hostile)
    writer.close()
    written = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert written == [
        "warc/demo-hostile/demo-hostile-20261202T1/demo-hostile-20261202T1-00001.warc.gz"
    ]
    record = read_capture(tmp_path, ref)
    # The injected lines stayed inside their own header values: one record, one type.
    assert record.rec_type == "response" and "\n" not in record.target_uri
    assert [k for k, _ in record.warc_headers].count("WARC-Type") == 1
    assert check_warc((tmp_path / ref.file).open("rb"), ref.file).problems == []


def test_only_text_media_types_are_kept() -> None:
    kept = ["text/html; charset=utf-8", "application/json", "application/ld+json", "text/plain"]
    kept += ["application/xml", "text/xml", "application/activity+json", "application/xhtml+xml"]
    dropped = ["image/png", "video/mp4", "font/woff2", "text/css", "text/javascript", ""]
    dropped += ["application/octet-stream", "application/pdf", "audio/mpeg"]
    assert all(text_media_type(t) for t in kept)
    assert not any(text_media_type(t) for t in dropped)


# ---- the middleware, with real Scrapy responses ----------------------------------------


@pytest.fixture
def capture(tmp_path: Path) -> Iterator[tuple[EvidenceCapture, CrawlJob]]:
    crawler = get_crawler(
        settings_dict={
            "EVIDENCE_DIR": str(tmp_path),
            "EVIDENCE_SIGNING_KEY": os.environ["EVIDENCE_SIGNING_KEY"],  # tests/conftest.py
            "TWISTED_REACTOR_ENABLED": False,
        }
    )
    cap = EvidenceCapture.from_crawler(crawler)
    job = CrawlJob(id="demo-m-20261202T1", platform="demo-m", started_at=utcnow())
    cap.writer = RunWarcWriter(tmp_path, job.platform, job.id, 1 << 20)
    yield cap, job


def test_the_record_holds_the_body_as_sent_with_the_headers_that_describe_it(
    capture: tuple[EvidenceCapture, CrawlJob], tmp_path: Path
) -> None:
    capture, job = capture
    html = b"<html><body><h1>Room for rent</h1></body></html>"
    sent = gzip.compress(html)
    request = Request("http://127.0.0.1:9/ad/1", headers={"Accept-Encoding": "gzip"})
    response = HtmlResponse(
        request.url,
        body=sent,
        request=request,
        headers={
            "Content-Type": "text/html; charset=utf-8",
            "Content-Encoding": "gzip",
            "Transfer-Encoding": "chunked",
        },
    )
    assert capture.process_response(request, response) is response
    ref = request.meta["evidence"]
    record = read_capture(tmp_path, ref)
    headers = dict(record.http_headers or [])
    # What the server sent, before HttpCompressionMiddleware: gzip bytes behind
    # Content-Encoding: gzip, so a replay tool inflates them itself.
    assert record.payload == sent and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(record.payload) == html
    assert "Transfer-Encoding" not in headers and headers["X-Archive-Orig-Transfer-Encoding"]
    assert ref.sha256 == hashlib.sha256(sent).hexdigest()

    image = Request("http://127.0.0.1:9/logo")
    png = Response(image.url, body=b"\x89PNG....", headers={"Content-Type": "image/png"})
    capture.process_response(image, png)
    assert image.meta["evidence"] is None and capture.skipped == {"non_text": 1}

    moved = Request("http://127.0.0.1:9/old")
    redirect = Response(moved.url, status=301, headers={"Location": "/ad/1"})
    capture.process_response(moved, redirect)
    assert read_capture(tmp_path, moved.meta["evidence"]).status == 301

    sealed: list[RunCapture] = []
    real_seal = chain.seal_run

    def seal(settings: Any, run: RunCapture) -> Any:
        sealed.append(run)
        return real_seal(settings, run)

    chain.seal_run = seal  # type: ignore[assignment]
    try:
        capture.finish(job)
        capture.finish(job)  # once per run
    finally:
        chain.seal_run = real_seal  # type: ignore[assignment]
    assert len(sealed) == 1
    run = sealed[0]
    assert run.job_id == job.id and run.platform == "demo-m" and run.skipped["non_text"] == 1
    [warc] = run.files
    assert warc.sha256 == hashlib.sha256((tmp_path / warc.path).read_bytes()).hexdigest()
    assert warc.responses == 2 and warc.records == 5  # warcinfo, 2 x (response, request)

    # After the seal nothing more is written (a browser response arriving late).
    late = Request("http://127.0.0.1:9/late")
    capture.process_response(late, TextResponse(late.url, body=b"{}"))
    assert late.meta["evidence"] is None
    assert capture.stats.get_value("evidence/late") == 1


def test_a_write_that_fails_stops_handing_on_responses(tmp_path: Path) -> None:
    blocker = tmp_path / "evidence"
    blocker.write_text("not a directory")
    crawler = get_crawler(
        settings_dict={
            "EVIDENCE_DIR": str(blocker),
            "EVIDENCE_SIGNING_KEY": os.environ["EVIDENCE_SIGNING_KEY"],  # tests/conftest.py
            "TWISTED_REACTOR_ENABLED": False,
        }
    )
    cap = EvidenceCapture.from_crawler(crawler)
    cap.writer = RunWarcWriter(blocker, "demo-f", "demo-f-1", 1 << 20)
    request = Request("http://127.0.0.1:9/ad/1")
    with pytest.raises(CaptureFailed, match="capture could not be written: .*demo-f-1-00001"):
        cap.process_response(request, HtmlResponse(request.url, body=b"<p>x</p>"))
    assert "Not a directory" in crawler.stats.get_value("evidence/error")


def test_evidence_enabled_is_a_yes_no_setting() -> None:
    with pytest.raises(ConfigError, match="EVIDENCE_ENABLED"):
        check_settings(crawler_settings({"EVIDENCE_ENABLED": "maybe"}))
    assert check_settings(crawler_settings({"EVIDENCE_ENABLED": "off"})).enabled is False


# ---- real crawls -----------------------------------------------------------------------


def _stored(env: dict[str, str]) -> list:
    async def go() -> list:
        async with open_store(crawler_settings(env)) as store:
            return (await store.search(SearchQuery(platform=PLATFORM, limit=1000))).listings

    return asyncio.run(go())


def _jobs(env: dict[str, str]) -> list:
    async def go() -> list:
        async with open_store(crawler_settings(env)) as store:
            return await store.jobs(PLATFORM)

    return asyncio.run(go())


@pytest.fixture(scope="module")
def crawls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """Three `crawler crawl` processes side by side on one demo world."""
    base = tmp_path_factory.mktemp("capture")
    blocker = base / "blocker"
    blocker.write_text("a file, not a directory")
    with running_world(seed=1, size=20, platforms=[PLATFORM]) as world:
        variants = {
            "on": {},
            "off": {"EVIDENCE_ENABLED": "0"},
            "unwritable": {"EVIDENCE_DIR": str(blocker)},
        }
        envs = {k: crawl_env(world, base / k, extra) for k, extra in variants.items()}
        procs = {
            k: subprocess.Popen(
                crawl_command(PLATFORM),
                env=env,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            )
            for k, env in envs.items()
        }
        runs = {}
        for k, proc in procs.items():
            out, err = proc.communicate(timeout=300)
            runs[k] = (CrawlRun(proc.returncode, out + err), err)
        # What the demo server sends for each listing URL, fetched by hand.
        sent = {}
        for listing in _stored(envs["on"]):
            with urllib.request.urlopen(listing.url, timeout=10) as reply:
                sent[listing.url] = reply.read()
        yield {"envs": envs, "runs": runs, "sent": sent, "blocker": blocker, "base": base}


@pytest.mark.e2e  # crawl processes
def test_every_listing_points_to_the_record_of_what_the_server_sent(crawls: dict) -> None:
    run, _ = crawls["runs"]["on"]
    assert run.returncode == 0, run.output[-3000:]
    env = crawls["envs"]["on"]
    root = Path(env["CRAWLER_DATA_DIR"]) / "evidence"
    listings = _stored(env)
    assert len(listings) == 20
    for listing in listings:
        ref = listing.evidence
        assert ref is not None, listing.url
        record = read_capture(root, ref)
        assert record.rec_type == "response" and record.status == 200
        assert record.target_uri == listing.url == ref.uri
        assert record.payload == crawls["sent"][listing.url]
        assert hashlib.sha256(record.payload).hexdigest() == ref.sha256
        assert listing.evidence_sha256 == ref.sha256  # the demo sends no Content-Encoding
        assert listing.price_history[-1].evidence == ref


@pytest.mark.e2e  # crawl processes
def test_the_run_files_check_clean_and_hold_requests_and_text_only(crawls: dict) -> None:
    env = crawls["envs"]["on"]
    root = Path(env["CRAWLER_DATA_DIR"]) / "evidence"
    [job] = _jobs(env)
    files = sorted((root / "warc").rglob("*"))
    warcs = [p for p in files if p.is_file()]
    # One directory per platform and run, the file named by the job id (it begins with the
    # platform's name).
    assert job.id.startswith(f"{PLATFORM}-")
    assert [p.relative_to(root).as_posix() for p in warcs] == [
        f"warc/{PLATFORM}/{job.id}/{job.id}-00001.warc.gz"
    ]
    check = check_warc(warcs[0].open("rb"), warcs[0].name)
    assert check.problems == []
    records = _records(warcs[0])
    responses = [r for r in records if r[0] == "response"]
    requests = [r for r in records if r[0] == "request"]
    # list pages, 20 detail pages and robots.txt; each with its request
    assert len(responses) == len(requests) >= 22
    assert {r[1] for r in requests} == {r[1] for r in responses}
    assert any(r[1].endswith("/robots.txt") for r in responses)
    assert all(text_media_type(r[2]) for r in responses), {r[2] for r in responses}
    assert not any(is_media_url(r[1]) for r in records if r[1])
    run, _ = crawls["runs"]["on"]
    assert "'evidence/responses'" in run.output and "'evidence/error'" not in run.output


@pytest.mark.e2e  # crawl processes
def test_capture_off_writes_nothing_and_listings_have_no_evidence(crawls: dict) -> None:
    run, _ = crawls["runs"]["off"]
    assert run.returncode == 0, run.output[-3000:]
    env = crawls["envs"]["off"]
    assert not (Path(env["CRAWLER_DATA_DIR"]) / "evidence").exists()
    listings = _stored(env)
    assert len(listings) == 20 and all(listing.evidence is None for listing in listings)


@pytest.mark.e2e  # crawl processes
def test_a_capture_that_cannot_be_written_fails_the_run_naming_the_file(crawls: dict) -> None:
    run, err = crawls["runs"]["unwritable"]
    blocker = crawls["blocker"]
    assert run.returncode == 4, run.output[-3000:]
    [line] = [ln for ln in err.splitlines() if ln.startswith("crawler: ")]
    assert line.startswith(f"crawler: {PLATFORM}: evidence: capture could not be written: ")
    assert f"{blocker}/warc/{PLATFORM}/" in line and "Not a directory" in line
    assert "ERROR: evidence: capture could not be written" in run.output
    env = crawls["envs"]["unwritable"]
    [job] = _jobs(env)
    assert job.status == "failed" and "capture could not be written" in (job.message or "")
    assert _stored(env) == []  # nothing stored without its capture
    assert blocker.read_text() == "a file, not a directory"  # nothing lost


def test_a_misspelt_evidence_enabled_stops_the_crawl_before_it_starts(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from crawler.cli.main import main

    monkeypatch.setenv("CRAWLER_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("EVIDENCE_ENABLED", "maybe")
    assert main(["crawl", PLATFORM]) == 2
    err = capsys.readouterr().err
    assert "EVIDENCE_ENABLED" in err and "'maybe' is not a yes/no value" in err
    assert len(err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []  # before a lock, a store or a request
