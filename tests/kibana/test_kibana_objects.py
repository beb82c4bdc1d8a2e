"""Kibana saved objects, validated offline.

Kibana itself is not available here (not on npm, PyPI, Debian or Maven Central), so these
tests check the NDJSON against what Kibana's import expects (shapes, versions, references)
and against our own index mappings (every field an object uses exists). `kibana import` is
tested against a small local aiohttp receiver standing in for Kibana's import endpoint: it
checks the multipart body and headers the way Kibana does, nothing more.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from aiohttp import web

from crawler.kibana.cli import import_saved_objects
from crawler.kibana.objects import INDEX_REF, saved_objects, to_ndjson
from crawler.store.elasticsearch import alert_mapping, job_mapping, listing_mapping

ROOT = Path(__file__).resolve().parents[2]
KNOWN_ATTRIBUTES = {
    "index-pattern": {"title", "timeFieldName", "name", "fields", "fieldAttrs", "fieldFormatMap"},
    "search": {"title", "description", "columns", "sort", "kibanaSavedObjectMeta"},
    "visualization": {
        "title",
        "description",
        "visState",
        "uiStateJSON",
        "version",
        "kibanaSavedObjectMeta",
    },
    # Kibana's dashboard schema forbids unknown attributes.
    "dashboard": {
        "title",
        "description",
        "panelsJSON",
        "optionsJSON",
        "timeRestore",
        "kibanaSavedObjectMeta",
        "version",
        "refreshInterval",
        "timeFrom",
        "timeTo",
    },
}


def _fields(mapping: dict, prefix: str = "") -> set[str]:
    out = set()
    for name, spec in mapping.get("properties", {}).items():
        out.add(prefix + name)
        out |= _fields(spec, f"{prefix}{name}.")
        for sub in spec.get("fields", {}):
            out.add(f"{prefix}{name}.{sub}")
    return out


def listings_fields() -> set[str]:
    """The listing mapping's fields, with `cluster_size` (integer) until the mapping has it:
    the actor-clustering work adds it to listings.json; the Kibana objects already use it."""
    mapping = listing_mapping()
    mapping["properties"].setdefault("cluster_size", {"type": "integer"})
    return _fields(mapping)


def _kql_fields(query: str) -> set[str]:
    return set(re.findall(r"([A-Za-z_][\w.]*)\s*(?:>=|<=|>|<|:)", query))


@pytest.fixture
def objects() -> list[dict]:
    return [json.loads(line) for line in to_ndjson(saved_objects("flagwatch")).splitlines()]


def test_objects_have_the_shape_kibana_import_expects(objects: list[dict]) -> None:
    keys = [(o["type"], o["id"]) for o in objects]
    assert len(keys) == len(set(keys)), "duplicate type+id is a 400 in Kibana's import"
    for o in objects:
        assert o["type"] in KNOWN_ATTRIBUTES, o["type"]
        assert re.fullmatch(r"\d+\.\d+\.\d+", o["coreMigrationVersion"])
        assert re.fullmatch(r"\d+\.\d+\.\d+", o["typeMigrationVersion"])
        assert o["attributes"]["title"]
        assert set(o["attributes"]) <= KNOWN_ATTRIBUTES[o["type"]], o["id"]
        meta = o["attributes"].get("kibanaSavedObjectMeta")
        if meta is not None:
            json.loads(meta["searchSourceJSON"])  # a JSON string, not an object
    by_type = {t: [o for o in objects if o["type"] == t] for t in KNOWN_ATTRIBUTES}
    assert {o["attributes"]["title"] for o in by_type["index-pattern"]} == {
        "flagwatch-listings",
        "flagwatch-alerts",
        "flagwatch-jobs",
    }
    titles = " | ".join(o["attributes"]["title"] for o in by_type["search"])
    for needed in (
        "High risk",
        "last 24 h",
        "sharing contacts",
        "Indicator: movement",
        "actor clusters",
        "Degraded platforms",
    ):
        assert needed in titles
    [dash] = by_type["dashboard"]
    panels = json.loads(dash["attributes"]["panelsJSON"])
    assert len(panels) == len(by_type["visualization"]) == 10
    for p in panels:
        assert {"gridData", "panelIndex", "panelRefName", "embeddableConfig"} <= set(p)
        assert p["gridData"]["i"] == p["panelIndex"]


def test_every_reference_resolves(objects: list[dict]) -> None:
    ids = {(o["type"], o["id"]) for o in objects}
    for o in objects:
        names = {r["name"] for r in o["references"]}
        for ref in o["references"]:
            assert (ref["type"], ref["id"]) in ids, (o["id"], ref)
        attrs = o["attributes"]
        if "kibanaSavedObjectMeta" in attrs:
            source = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
            if "indexRefName" in source:
                assert source["indexRefName"] == INDEX_REF and INDEX_REF in names
        if o["type"] == "dashboard":
            for p in json.loads(attrs["panelsJSON"]):
                # Kibana resolves panel_X through a reference named "X:panel_X".
                assert f"{p['panelIndex']}:{p['panelRefName']}" in names


def test_every_field_used_exists_in_the_mappings(objects: list[dict]) -> None:
    mapped = {
        "flagwatch-listings": listings_fields(),
        "flagwatch-alerts": _fields(alert_mapping()),
        "flagwatch-jobs": _fields(job_mapping()),
    }
    nested = {"prices", "indicators"}  # Kibana cannot aggregate or sort on nested fields
    by_id = {o["id"]: o for o in objects}
    for o in objects:
        attrs = o["attributes"]
        used: set[str] = set()
        if o["type"] == "index-pattern":
            view = attrs["title"]
            used.add(attrs["timeFieldName"])
            # Labels and formats name fields too (JSON strings, as Kibana stores them).
            for key in ("fieldAttrs", "fieldFormatMap"):
                used |= set(json.loads(attrs.get(key, "{}")))
        elif o["type"] in ("search", "visualization"):
            view = by_id[o["references"][0]["id"]]["attributes"]["title"]
            source = json.loads(attrs["kibanaSavedObjectMeta"]["searchSourceJSON"])
            used |= _kql_fields(source["query"]["query"])
            used |= set(attrs.get("columns", []))
            used |= {field for field, _ in attrs.get("sort", [])}
            if o["type"] == "visualization":
                for agg in json.loads(attrs["visState"])["aggs"]:
                    if "field" in agg["params"]:
                        used.add(agg["params"]["field"])
        else:
            continue
        assert used, o["id"]
        missing = used - mapped[view]
        assert not missing, f"{o['id']} uses fields missing from {view}: {missing}"
        assert not {f.split(".")[0] for f in used} & nested, o["id"]


def test_export_command_writes_the_file(tmp_path: Path) -> None:
    out = tmp_path / "objects.ndjson"
    res = subprocess.run(
        [sys.executable, "-m", "crawler", "kibana", "export", "-o", str(out), "--prefix", "fw"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert res.returncode == 0, res.stderr
    lines = out.read_text().splitlines()
    assert lines and all(json.loads(x)["id"].startswith("fw-") for x in lines)


async def test_import_posts_multipart_with_xsrf_and_api_key(aiohttp_free_server) -> None:
    seen, url = aiohttp_free_server
    ndjson = to_ndjson(saved_objects("flagwatch"))
    status, body = await import_saved_objects(url, ndjson, api_key="test-key", space="analysts")
    assert status == 200 and body["success"] is True
    [req] = seen
    assert req["path"] == "/s/analysts/api/saved_objects/_import"
    assert req["query"] == {"overwrite": "true"}
    assert req["headers"]["kbn-xsrf"] == "true"
    assert req["headers"]["Authorization"] == "ApiKey test-key"
    assert req["file"] == ndjson and req["filename"].endswith(".ndjson")


async def test_import_reports_kibana_errors(aiohttp_free_server) -> None:
    seen, url = aiohttp_free_server
    status, body = await import_saved_objects(url, "not json\n")
    assert status == 400 and "Bad Request" in json.dumps(body)


@pytest.fixture
async def aiohttp_free_server():
    """A stand-in for Kibana's import endpoint on 127.0.0.1 (free port): checks like Kibana."""
    seen: list[dict] = []

    async def handle(request: web.Request) -> web.Response:
        if request.headers.get("kbn-xsrf") is None:
            return web.json_response({"statusCode": 400, "message": "missing kbn-xsrf"}, status=400)
        reader = await request.multipart()
        part = await reader.next()
        if part is None or part.name != "file":
            return web.json_response({"statusCode": 400, "message": "no file part"}, status=400)
        text = (await part.read()).decode()
        try:
            objs = [json.loads(line) for line in text.splitlines() if line]
        except ValueError:
            return web.json_response(
                {"statusCode": 400, "error": "Bad Request", "message": "invalid NDJSON"},
                status=400,
            )
        seen.append(
            {
                "path": request.path,
                "query": dict(request.query),
                "headers": dict(request.headers),
                "file": text,
                "filename": part.filename,
            }
        )
        return web.json_response({"success": True, "successCount": len(objs)})

    app = web.Application()
    app.router.add_post("/api/saved_objects/_import", handle)
    app.router.add_post("/s/{space}/api/saved_objects/_import", handle)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    try:
        yield seen, f"http://127.0.0.1:{port}"
    finally:
        await runner.cleanup()
