"""End to end, as an investigator uses it: a real crawl of the demo world, then the evidence.

One `crawler crawl` of the demo classifieds into the embedded store (capture on, the
session's signing key), then through the command line only: `crawler evidence verify` on
the evidence directory, `crawler evidence export` of one listing and of its cluster,
`crawler evidence verify` on the package, the package read back with warcio and compared
with the bytes the demo server sends for that page, and one changed byte, in the package
and in the evidence directory, named by file and record. (The capture, chain and export
details are tested in their own modules; this is the path between them.)
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import urllib.request
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.models import Listing
from crawler.testing.crawls import crawl_env, run_crawl, running_world, stored_listings

PLATFORM = "demo-classifieds"


@dataclass
class Crawled:
    env: dict[str, str]
    data: Path
    listings: list[Listing]
    target: Listing  # a listing with a capture
    sent: bytes  # what the demo server sends for target.url


@pytest.fixture(scope="module")
def crawled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crawled]:
    data = tmp_path_factory.mktemp("evidence-e2e") / "data"
    data.mkdir()
    with running_world(seed=5, size=20, platforms=[PLATFORM]) as world:
        env = crawl_env(world, data)
        run = run_crawl(PLATFORM, env)
        assert run.returncode == 0, run.output[-3000:]
        listings = stored_listings(env, PLATFORM)
        target = next(lst for lst in listings if lst.evidence is not None and lst.cluster_id)
        with urllib.request.urlopen(target.url, timeout=10) as resp:  # noqa: S310 - 127.0.0.1
            sent = resp.read()
        yield Crawled(env, data, listings, target, sent)


def crawler(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def payload_in_package(package: Path, file: str, offset: int) -> tuple[str, bytes]:
    """(WARC-Record-ID, payload) of the record at `offset` of `file`'s copy in the package."""
    with zipfile.ZipFile(package) as z:
        member = f"archive/{PurePosixPath(file).name}"
        with z.open(member) as f:
            f.seek(offset)
            record = next(iter(ArchiveIterator(f)))
            return record.rec_headers.get_header("WARC-Record-ID"), record.content_stream().read()


def test_every_listing_points_to_a_capture_and_the_evidence_directory_verifies(
    crawled: Crawled,
) -> None:
    assert crawled.listings and all(lst.evidence is not None for lst in crawled.listings)
    out = crawler(crawled.env, "evidence", "verify")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "OK" in out.stdout.splitlines()[-1]


def test_an_exported_listing_replays_the_bytes_the_server_sent(
    crawled: Crawled, tmp_path: Path
) -> None:
    ref = crawled.target.evidence
    assert ref is not None
    package = tmp_path / "case.wacz"
    out = crawler(
        crawled.env, "evidence", "export", "--listing", crawled.target.id, "-o", str(package)
    )
    assert out.returncode == 0, out.stdout + out.stderr
    record_id, payload = payload_in_package(package, ref.file, ref.offset)
    assert record_id == ref.record_id
    assert payload == crawled.sent
    verified = crawler(crawled.env, "evidence", "verify", str(package))
    assert verified.returncode == 0, verified.stdout + verified.stderr


def test_a_cluster_export_holds_every_member_and_one_changed_byte_is_named(
    crawled: Crawled, tmp_path: Path
) -> None:
    package = tmp_path / "cluster.wacz"
    cluster = crawled.target.cluster_id
    assert cluster is not None
    out = crawler(crawled.env, "evidence", "export", "--cluster", cluster, "-o", str(package))
    assert out.returncode == 0, out.stdout + out.stderr
    members = [lst for lst in crawled.listings if lst.cluster_id == cluster]
    with zipfile.ZipFile(package) as z:
        exported = z.read("listings/listings.jsonl").decode().splitlines()
        assert len(exported) == len(members)
        # Change one byte in the middle of the target's record inside the package.
        ref = crawled.target.evidence
        assert ref is not None
        member = f"archive/{PurePosixPath(ref.file).name}"
        data = bytearray(z.read(member))
        rest = {n: z.read(n) for n in z.namelist() if n != member}
    data[ref.offset + ref.length // 2] ^= 0x01
    forged = tmp_path / "forged.wacz"
    with zipfile.ZipFile(forged, "w") as z:
        for name, content in rest.items():
            z.writestr(name, content)
        z.writestr(member, bytes(data))
    out = crawler(crawled.env, "evidence", "verify", str(forged))
    assert out.returncode == 1
    assert PurePosixPath(ref.file).name in out.stdout
    assert ref.record_id in out.stdout or f"offset {ref.offset}" in out.stdout


def test_one_changed_byte_in_the_evidence_directory_is_named(
    crawled: Crawled, tmp_path: Path
) -> None:
    copy = tmp_path / "data"
    shutil.copytree(crawled.data, copy)
    env = dict(crawled.env, CRAWLER_DATA_DIR=str(copy))
    ref = crawled.target.evidence
    assert ref is not None
    path = copy / "evidence" / ref.file
    data = bytearray(path.read_bytes())
    data[ref.offset + ref.length // 2] ^= 0x01
    path.write_bytes(bytes(data))
    out = crawler(env, "evidence", "verify")
    assert out.returncode == 1
    assert ref.file in out.stdout
    assert ref.record_id in out.stdout or f"offset {ref.offset}" in out.stdout
