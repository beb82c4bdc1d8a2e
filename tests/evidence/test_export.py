"""`crawler evidence export`: WACZ case packages from small real WARC files and a real store.

The WARC files are written with warcio in the capture layout (gzip, one member per record,
sha256 digests, EVIDENCE_DIR/warc/<platform>/<job>/); the listings that point to them are
upserted into a real store (SQLite; one test on Elasticsearch), so that their price history
and clusters are the store's own. Everything is synthetic and clinical (docs/SAFETY).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import io
import json
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import phonenumbers
import pytest
from warcio.archiveiterator import ArchiveIterator

from crawler.cli.main import main
from crawler.config import crawler_settings
from crawler.evidence import chain, export
from crawler.evidence.export import PackageError, Selection, check_package, unpack
from crawler.evidence.keys import fingerprint, load_signing_key, public_bytes
from crawler.evidence.layout import RunCapture, WarcFile
from crawler.models import EvidenceRef, Listing, Price, listing_id
from crawler.store.sqlite import SqliteStore
from crawler.testing.warcs import Sha256WarcWriter, write_page

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)
PHONE = phonenumbers.format_number(
    phonenumbers.example_number_for_type("NL", phonenumbers.PhoneNumberType.MOBILE),
    phonenumbers.PhoneNumberFormat.E164,
)
AD_TEXT = (
    "Cleaning staff wanted for hotels in the city centre. Travel costs are deducted from "
    "wages. Accommodation arranged by the employer. Start this week, ask for details."
)
OTHER_TEXT = (  # another poster's ad: the store must not link it to AD_TEXT's
    "Warehouse pickers needed for night shifts near the harbour. Own transport helps. "
    "Contract through an agency, weekly pay, overtime on request."
)


@dataclass
class WarcRun:
    """One WARC file of one run, written record by record."""

    root: Path
    platform: str
    job: str
    refs: list[EvidenceRef] = field(default_factory=list)
    bodies: dict[str, bytes] = field(default_factory=dict)  # record id -> payload

    @property
    def rel(self) -> str:
        return f"warc/{self.platform}/{self.job}/{self.platform}-{self.job}-00001.warc.gz"

    def capture(self) -> RunCapture:
        """The run as capture hands it to chain.seal_run."""
        path = self.root / self.rel
        data = path.read_bytes()
        dates = [ref.captured_at for ref in self.refs]
        return RunCapture(
            platform=self.platform,
            job_id=self.job,
            started_at=min(dates),
            finished_at=max(dates),
            crawler_version="0.test",
            profile_sha256="",
            files=[
                WarcFile(
                    path=self.rel,
                    sha256=hashlib.sha256(data).hexdigest(),
                    size=len(data),
                    records=2 * len(self.refs),
                    responses=len(self.refs),
                    first_date=min(dates),
                    last_date=max(dates),
                )
            ],
        )

    def write(self, pages: list[tuple[str, bytes, datetime]]) -> list[EvidenceRef]:
        path = self.root / self.rel
        path.parent.mkdir(parents=True, exist_ok=True)
        out = []
        with path.open("ab") as f:
            writer = Sha256WarcWriter(f, gzip=True)
            for url, body, at in pages:
                ref = write_page(writer, f, self.rel, url, body, at)
                rid = ref.record_id
                self.bodies[rid] = body
                out.append(ref)
        self.refs += out
        return out


def page(title: str, price: int) -> bytes:
    return (
        f"<html><head><title>{title}</title></head><body><h1>{title}</h1>"
        f"<p>{AD_TEXT}</p><p class=price>{price} EUR per month</p></body></html>"
    ).encode()


def listing(platform: str, key: str, **kw: object) -> Listing:
    return Listing(
        id=listing_id(platform, key),
        platform=platform,
        url=f"http://{platform}.test/ad/{key}",
        title=f"Hotel cleaning staff {key}",
        body=AD_TEXT if platform == "demo-classifieds" else f"{OTHER_TEXT} Ref {key}.",
        **kw,  # type: ignore[arg-type]
    )


@dataclass
class Case:
    root: Path  # EVIDENCE_DIR
    data: Path  # CRAWLER_DATA_DIR
    db: Path
    runs: list[WarcRun]
    ids: dict[str, str]  # name -> listing id
    public_key: bytes

    def argv(self) -> list[str]:
        return [
            "-s",
            f"CRAWLER_DATA_DIR={self.data}",
            "-s",
            f"EVIDENCE_DIR={self.root}",
            "-s",
            f"STORE_URL=sqlite:///{self.db}",
        ]

    def settings(self) -> object:
        return crawler_settings(
            environ={},
            overrides={
                "CRAWLER_DATA_DIR": str(self.data),
                "EVIDENCE_DIR": str(self.root),
                "STORE_URL": f"sqlite:///{self.db}",
            },
        )

    def bodies(self) -> dict[str, bytes]:
        return {k: v for run in self.runs for k, v in run.bodies.items()}


async def build_case(tmp: Path, store: object) -> Case:
    """Two platforms, three runs; "a" has two versions in two runs (a price change), "b"
    shares a's phone (one cluster), "c" is on another platform, "d" was stored while
    capture was off."""
    data = tmp / "data"
    root = data / "evidence"
    # The session's signing key (tests/conftest.py): the one export and verify find.
    settings = crawler_settings(
        overrides={"CRAWLER_DATA_DIR": str(data), "EVIDENCE_DIR": str(root)}
    )
    key = load_signing_key(settings)
    assert key is not None
    runs = [
        WarcRun(root, "demo-classifieds", "job-0001"),
        WarcRun(root, "demo-classifieds", "job-0002"),
        WarcRun(root, "demo-jobs", "job-0003"),
    ]
    a, b = listing("demo-classifieds", "a1"), listing("demo-classifieds", "b2")
    c, d = listing("demo-jobs", "c3"), listing("demo-jobs", "d4")
    [ra1, rb] = runs[0].write(
        [(a.url, page(a.title, 900), T0), (b.url, page(b.title, 950), T0 + timedelta(minutes=1))]
    )
    [ra2] = runs[1].write([(a.url, page(a.title, 1200), T0 + 3 * DAY)])
    [rc] = runs[2].write([(c.url, page(c.title, 700), T0 + DAY)])
    eur = [Price(amount=900, currency="EUR", unit="month")]
    await store.upsert(  # type: ignore[attr-defined]
        [
            a.model_copy(update={"phones": [PHONE], "prices": eur, "evidence": ra1}),
            b.model_copy(update={"phones": [PHONE], "evidence": rb}),
        ],
        T0,
    )
    await store.upsert(  # type: ignore[attr-defined]
        [c.model_copy(update={"evidence": rc, "location": "rotterdam, nl"})], T0 + DAY
    )
    await store.upsert([d], T0 + 2 * DAY)  # type: ignore[attr-defined]
    newer = [Price(amount=1200, currency="EUR", unit="month")]
    await store.upsert(  # type: ignore[attr-defined]
        [a.model_copy(update={"phones": [PHONE], "prices": newer, "evidence": ra2})], T0 + 3 * DAY
    )
    if hasattr(store, "refresh"):  # Elasticsearch: searchable now, not within a second
        await store.refresh()
    for run in runs:  # sealed as a crawl seals its run: signed manifests, one chain
        chain.seal_run(settings, run.capture())
    return Case(
        root=root,
        data=data,
        db=tmp / "crawler.db",
        runs=runs,
        ids={"a": a.id, "b": b.id, "c": c.id, "d": d.id},
        public_key=public_bytes(key),
    )


@pytest.fixture(scope="module")
def case(tmp_path_factory: pytest.TempPathFactory) -> Case:
    import asyncio

    tmp = tmp_path_factory.mktemp("case")

    async def go() -> Case:
        async with SqliteStore(tmp / "crawler.db") as store:
            return await build_case(tmp, store)

    return asyncio.run(go())


@pytest.fixture(scope="module")
def exported(case: Case, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The whole SQLite case exported once through the command line, by listing ids."""
    out = tmp_path_factory.mktemp("out") / "case.wacz"
    ids = [x for name in "abcd" for x in ("--listing", case.ids[name])]
    assert main([*case.argv(), "evidence", "export", *ids, "-o", str(out)]) == 0
    return out


def record_at(stream: object, offset: int) -> tuple[str, bytes]:
    stream.seek(offset)  # type: ignore[attr-defined]
    record = next(iter(ArchiveIterator(stream)))
    return record.rec_headers.get_header("WARC-Record-ID"), record.content_stream().read()


def test_the_package_holds_every_capture_byte_for_byte(case: Case, exported: Path) -> None:
    stored = [json.loads(line) for line in read(exported, "listings/listings.jsonl").splitlines()]
    assert {x["id"] for x in stored} == set(case.ids.values())
    a = next(x for x in stored if x["id"] == case.ids["a"])
    assert [p["prices"][0]["amount"] for p in a["price_history"]] == [900, 1200]
    refs = [
        EvidenceRef(**p["evidence"]) for x in stored for p in x["price_history"] if p["evidence"]
    ]
    assert len(refs) == 4  # a twice, b, c; d has no capture
    bodies = case.bodies()
    with zipfile.ZipFile(exported) as zf:
        for ref in refs:
            with zf.open("archive/" + ref.file.rsplit("/", 1)[-1]) as member:
                rid, payload = record_at(member, ref.offset)
            assert rid == ref.record_id and payload == bodies[ref.record_id]
        # Whole files, unchanged: their sha256 is the one the signed manifests hold.
        package = json.loads(zf.read("datapackage.json"))
    archived = {r["evidence_path"]: r for r in package["resources"] if "evidence_path" in r}
    assert set(archived) == {run.rel for run in case.runs}
    for rel, res in archived.items():
        data = (case.root / rel).read_bytes()
        assert res["hash"] == "sha256:" + hashlib.sha256(data).hexdigest()
        assert res["bytes"] == len(data)
    assert check_package(exported) == []


def test_the_package_is_a_wacz_replay_tools_can_index(case: Case, exported: Path) -> None:
    with zipfile.ZipFile(exported) as zf:
        names = set(zf.namelist())
        for name in (
            "datapackage.json",
            "datapackage-digest.json",
            "indexes/index.cdx",
            "pages/pages.jsonl",
            "README.txt",
            "listings/index.csv",
            "evidence/manifests/00000001-run.json",
            "evidence/manifests/00000001-run.json.sig",
            "evidence/manifests/00000003-run.json",
            "evidence/signing-key.pub",
        ):
            assert name in names
        # WARCs are stored, not deflated, so that replay can seek into them.
        assert all(
            zf.getinfo(n).compress_type == zipfile.ZIP_STORED
            for n in names
            if n.startswith("archive/")
        )
        package = json.loads(zf.read("datapackage.json"))
        assert package["wacz_version"] == "1.1.1"
        digest = json.loads(zf.read("datapackage-digest.json"))
        assert digest["hash"] == "sha256:" + hashlib.sha256(zf.read("datapackage.json")).hexdigest()
        lines = zf.read("indexes/index.cdx").decode().splitlines()
        assert lines == sorted(lines) and len(lines) == 4  # the four responses
        for line in lines:
            key, ts, body = line.split(" ", 2)
            entry = json.loads(body)
            assert key.startswith("test,demo-")
            assert (
                ts.startswith("202611")
                and entry["mime"] == "text/html"
                and entry["status"] == "200"
            )
            with zf.open("archive/" + entry["filename"]) as member:
                member.seek(int(entry["offset"]))
                raw = member.read(int(entry["length"]))
            record = next(iter(ArchiveIterator(io.BytesIO(raw))))
            assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]
            assert record.rec_headers.get_header("WARC-Payload-Digest") == entry["digest"]
        pages = [json.loads(x) for x in zf.read("pages/pages.jsonl").splitlines()]
        assert pages[0]["format"] == "json-pages-1.0" and len(pages) == 5
        assert {p["url"] for p in pages[1:]} == {
            f"http://demo-classifieds.test/ad/{k}" for k in ("a1", "b2")
        } | {"http://demo-jobs.test/ad/c3"}
        key = base64.b64decode(zf.read("evidence/signing-key.pub"))
        assert key == case.public_key


def test_the_readme_tells_a_recipient_what_is_there_and_how_to_check_it(
    case: Case, exported: Path
) -> None:
    readme = read(exported, "README.txt")
    assert "Listings: 4 (3 with captures, 1 no capture)" in readme
    assert "Captured listing versions: 4, in 3 WARC file(s)" in readme
    assert "Platforms: demo-classifieds (2), demo-jobs (2)" in readme
    assert "Time range: 2026-11-02 09:00 .. 2026-11-05 09:00 UTC" in readme
    assert f"listing {case.ids['d']}" in readme
    assert "crawler evidence verify case.wacz" in readme
    assert fingerprint(case.public_key) in readme
    assert "wb-manager add case case.wacz" in readme and "ReplayWeb.page" in readme
    rows = read(exported, "listings/index.csv").splitlines()
    assert len(rows) == 5 and rows[0].lstrip("\ufeff").startswith("id,platform,url,title")
    d_row = next(r for r in rows if r.startswith(case.ids["d"]))
    assert d_row.endswith(",no capture")


def test_unpack_lays_the_package_out_as_an_evidence_dir(
    case: Case, exported: Path, tmp_path: Path
) -> None:
    root = unpack(exported, tmp_path / "unpacked")
    for run in case.runs:
        assert (root / run.rel).read_bytes() == (case.root / run.rel).read_bytes()
    sealed = sorted(p.name for p in (case.root / "manifests").iterdir() if p.name != ".lock")
    assert sorted(p.name for p in (root / "manifests").iterdir()) == sealed
    assert chain.verify(root, case.public_key, subset=True).ok
    assert export.package_public_key(exported) == case.public_key
    with pytest.raises(PackageError, match="not an empty directory"):
        unpack(exported, root)  # never over files already there


def rewrite(package: Path, out: Path, change: dict[str, bytes], add: dict[str, bytes] = {}) -> Path:  # noqa: B006
    """A copy of the package with some members' bytes replaced (or added)."""
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, change.get(info.filename, src.read(info.filename)))
        for name, data in add.items():
            dst.writestr(zipfile.ZipInfo(name), data)
    return out


def test_one_changed_byte_in_a_record_is_found_and_named(
    case: Case, exported: Path, tmp_path: Path
) -> None:
    run = case.runs[0]
    name = "archive/" + run.rel.rsplit("/", 1)[-1]
    ref = run.refs[1]  # b's response: its gzip member, changed by one byte and recompressed
    data = (case.root / run.rel).read_bytes()
    member = gzip.decompress(data[ref.offset : ref.offset + ref.length])
    i = member.index(b"Hotel cleaning")
    altered = member[:i] + b"M" + member[i + 1 :]
    changed = data[: ref.offset] + gzip.compress(altered) + data[ref.offset + ref.length :]
    problems = check_package(rewrite(exported, tmp_path / "altered.wacz", {name: changed}))
    assert any(p.startswith(f"{name}: sha256 is") for p in problems), problems
    assert any(
        p.startswith(f"{name} at offset {ref.offset} (record {ref.record_id})") and "digest" in p
        for p in problems
    ), problems

    # A byte flipped in the compressed bytes themselves: the file and where reading stopped.
    flipped = bytearray(data)
    flipped[ref.offset + ref.length // 2] ^= 0xFF
    problems = check_package(rewrite(exported, tmp_path / "flipped.wacz", {name: bytes(flipped)}))
    assert any(p.startswith(f"{name}: sha256 is") for p in problems), problems
    assert any(p.startswith(f"{name} at offset") for p in problems), problems


def test_a_changed_listing_file_or_datapackage_is_named(exported: Path, tmp_path: Path) -> None:
    with zipfile.ZipFile(exported) as zf:
        jsonl = zf.read("listings/listings.jsonl")
        package = json.loads(zf.read("datapackage.json"))
    altered = rewrite(
        exported, tmp_path / "a.wacz", {"listings/listings.jsonl": jsonl[:-2] + b"\n"}
    )
    assert [p.split(":")[0] for p in check_package(altered)] == ["listings/listings.jsonl"] * 2
    package["resources"] = package["resources"][1:]
    dp = json.dumps(package).encode()
    problems = check_package(rewrite(exported, tmp_path / "b.wacz", {"datapackage.json": dp}))
    assert any(p.startswith("datapackage.json: sha256 is") for p in problems)
    assert any("in the package but not listed" in p for p in problems)
    package["resources"].append({"path": "../outside.txt", "hash": "sha256:00", "bytes": 1})
    dp = json.dumps(package).encode()
    problems = check_package(rewrite(exported, tmp_path / "d.wacz", {"datapackage.json": dp}))
    assert (
        "'../outside.txt': refused path in datapackage.json (an empty, '.' or '..' path component)"
        in problems
    )
    extra = rewrite(exported, tmp_path / "c.wacz", {}, {"notes.txt": b"x"})
    assert check_package(extra) == ["notes.txt: in the package but not listed in datapackage.json"]


@pytest.mark.parametrize(
    "member",
    ["../escaped.warc.gz", "archive/../../escaped.warc.gz", "/tmp/escaped.warc.gz", "notes.txt"],
)
def test_unpack_refuses_a_member_it_did_not_expect(
    exported: Path, tmp_path: Path, member: str
) -> None:
    evil = tmp_path / "evil.wacz"
    with zipfile.ZipFile(exported) as src, zipfile.ZipFile(evil, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info.filename))
        info = zipfile.ZipInfo("x")
        info.filename = member  # ZipInfo would strip a leading "/"; a hostile zip does not
        dst.writestr(info, b"WARC/1.1\r\n")
    into = tmp_path / "deep" / "into"
    with pytest.raises(PackageError, match=repr(member) if member.startswith("/") else member):
        unpack(evil, into)
    assert not into.exists() and not (tmp_path / "escaped.warc.gz").exists()
    assert any(member in p for p in check_package(evil))


def test_unpack_refuses_an_evidence_path_that_leaves_the_root(
    exported: Path, tmp_path: Path
) -> None:
    with zipfile.ZipFile(exported) as zf:
        package = json.loads(zf.read("datapackage.json"))
    for res in package["resources"]:
        if "evidence_path" in res:
            res["evidence_path"] = "warc/../../" + res["name"]
    evil = rewrite(
        exported, tmp_path / "evil.wacz", {"datapackage.json": json.dumps(package).encode()}
    )
    with pytest.raises(PackageError, match="evidence_path"):
        unpack(evil, tmp_path / "into")
    assert not (tmp_path / "into").exists()


def test_selections_by_identifier_cluster_and_search(case: Case, tmp_path: Path) -> None:
    def ids_in(out: Path) -> set[str]:
        return {json.loads(x)["id"] for x in read(out, "listings/listings.jsonl").splitlines()}

    national = phonenumbers.format_number(
        phonenumbers.parse(PHONE), phonenumbers.PhoneNumberFormat.NATIONAL
    )
    by_phone = tmp_path / "phone.wacz"
    assert (
        main([*case.argv(), "evidence", "export", "--identifier", national, "-o", str(by_phone)])
        == 0
    )
    assert ids_in(by_phone) == {case.ids["a"], case.ids["b"]}
    assert check_package(by_phone) == []

    cluster = f"cl-{case.ids['a']}"
    by_cluster = tmp_path / "cluster.wacz"
    assert (
        main([*case.argv(), "evidence", "export", "--cluster", cluster, "-o", str(by_cluster)]) == 0
    )
    assert ids_in(by_cluster) == {case.ids["a"], case.ids["b"]}

    by_search = tmp_path / "search.wacz"
    argv = ["--search", "hotel", "--platform", "demo-jobs", "-o", str(by_search)]
    assert main([*case.argv(), "evidence", "export", *argv]) == 0
    assert ids_in(by_search) == {case.ids["c"], case.ids["d"]}
    assert "search text=hotel, platform=demo-jobs" in read(by_search, "README.txt")


def test_export_refuses_and_names_what_is_wrong(
    case: Case, exported: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = exported.read_bytes()
    argv = [*case.argv(), "evidence", "export", "--listing", case.ids["c"]]
    assert main([*argv, "-o", str(exported)]) == 2
    assert "exists (use --force" in capsys.readouterr().err
    assert exported.read_bytes() == before

    forced = tmp_path / "forced.wacz"
    forced.write_bytes(b"old")
    assert main([*argv, "-o", str(forced), "--force"]) == 0
    assert check_package(forced) == []

    assert main([*case.argv(), "evidence", "export", "-o", str(tmp_path / "x.wacz")]) == 2
    assert "nothing selected" in capsys.readouterr().err

    missing = tmp_path / "missing.wacz"
    assert main([*case.argv(), "evidence", "export", "--listing", "nope", "-o", str(missing)]) == 1
    assert "ERROR: --listing nope: no such listing" in capsys.readouterr().err
    assert not missing.exists()


def test_a_missing_or_altered_capture_stops_the_export(case: Case, tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "evidence"
    shutil.copytree(case.root, root)
    settings = crawler_settings(
        environ={}, overrides={"EVIDENCE_DIR": str(root), "CRAWLER_DATA_DIR": str(case.data)}
    )
    ref = case.runs[2].refs[0]
    c = listing("demo-jobs", "c3", evidence=ref)
    out = tmp_path / "c.wacz"

    # The record at the listing's offset does not hold what the listing says.
    wrong = c.model_copy(update={"evidence": ref.model_copy(update={"sha256": "0" * 64})})
    with pytest.raises(
        export.ExportError, match=rf"{ref.file} at offset {ref.offset}.*payload sha256"
    ):
        export.export_case(settings, [wrong], Selection(), out)
    elsewhere = c.model_copy(update={"evidence": ref.model_copy(update={"offset": ref.offset + 1})})
    with pytest.raises(export.ExportError, match="no WARC record starts there"):
        export.export_case(settings, [elsewhere], Selection(), out)

    (root / ref.file).unlink()
    with pytest.raises(export.ExportError, match=rf"{c.id}: .*{ref.file}: WARC file missing"):
        export.export_case(settings, [c], Selection(), out)
    assert not out.exists() and list(tmp_path.glob(".c.wacz*")) == []


def test_text_from_platforms_never_reaches_the_readme_or_csv_raw() -> None:
    hostile = listing("demo-jobs", "h1").model_copy(
        update={"title": '=HYPERLINK("http://x.test")\x1b[2J\u202e', "location": "\x1b]0;t\x07"}
    )
    csv_text = export.listings_csv([hostile]).decode("utf-8-sig")
    assert "\x1b" not in csv_text and "\u202e" not in csv_text and "\x07" not in csv_text
    assert ",\"'=HYPERLINK(" in csv_text  # quoted, then neutralised
    readme = export.readme_text(
        selection=Selection(filters={"text": "cleaner\x1b[31m"}, listing_ids=["\x9b2J"]),
        listings=[hostile],
        files=export.CaseFiles.of([hostile]),
        warcs=[],
        manifests=0,
        fingerprint=None,
        created=T0,
        package_name="case\x1b.wacz",
    )
    assert not any(ord(ch) < 0x20 and ch != "\n" for ch in readme)
    assert "\x9b" not in readme and "cleaner\\x1b[31m" in readme
    assert "ask the sender for it" in readme


@pytest.mark.elasticsearch
async def test_export_reads_the_elasticsearch_store(es_server: object, tmp_path: Path) -> None:
    from crawler.store.elasticsearch import ElasticsearchStore

    prefix = f"t{hashlib.sha256(str(tmp_path).encode()).hexdigest()[:10]}"
    settings = crawler_settings(
        environ={},
        overrides={
            "STORE_URL": es_server.url,  # type: ignore[attr-defined]
            "STORE_INDEX_PREFIX": prefix,
            "STORE_SPOOL_DIR": str(tmp_path / "spool"),
            "CRAWLER_DATA_DIR": str(tmp_path / "data"),
        },
    )
    store = ElasticsearchStore.from_settings(settings)
    async with store:
        case = await build_case(tmp_path, store)
        selection = Selection(filters={"identifier": PHONE})
        listings = await export.select_listings(store, selection)
        clustered = await export.select_listings(
            store, Selection(cluster_ids=[f"cl-{case.ids['a']}"])
        )
    assert {x.id for x in listings} == {x.id for x in clustered} == {case.ids["a"], case.ids["b"]}
    out = tmp_path / "es.wacz"
    report = export.export_case(settings, listings, selection, out)
    assert (report.listings, report.versions, report.warc_files) == (2, 3, 2)
    assert report.fingerprint == fingerprint(case.public_key)
    assert check_package(out) == []
    bodies = case.bodies()
    a = next(x for x in listings if x.id == case.ids["a"])
    with zipfile.ZipFile(out) as zf:
        for point in a.price_history:
            ref = point.evidence
            assert ref is not None
            with zf.open("archive/" + ref.file.rsplit("/", 1)[-1]) as member:
                assert record_at(member, ref.offset) == (ref.record_id, bodies[ref.record_id])


def read(package: Path, name: str) -> str:
    with zipfile.ZipFile(package) as zf:
        return zf.read(name).decode("utf-8")
