"""Outages reported, not just survived, and completed by whoever replays the spool.

Elasticsearch is killed (SIGKILL) in the middle of a real crawl and only started again after
the crawl ended. The crawl says so (exit code 5, one line with the spooled count; the job
record finished with it), `crawler status` shows the spool, and the command that next opens
the store (each one in turn: status, alerts deliver, the next crawl) replays it
and completes what the crawl could not: the listings, their platform signals, the alerts.
The result equals a clean run of the same world: listing ids and risk scores, alert ids.
With and without the outage, the alerts raised for every bundled rule are exactly the
listings `crawler alerts test RULE` finds (platform signals included).
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import pytest
import yaml

from crawler.alerts.rules import load_rules
from crawler.profiles import load_profiles
from crawler.testing.crawls import crawl_command, crawl_env, run_crawl, running_world
from crawler.testing.elasticsearch import ElasticsearchServer
from crawler.testing.hostile import dumped_stats

pytestmark = pytest.mark.elasticsearch

ROOT = Path(__file__).resolve().parents[3]
PLATFORM = "demo-classifieds"
SEED, SIZE = 3, 300


def _count(server: ElasticsearchServer, prefix: str) -> int:
    try:
        with urllib.request.urlopen(f"{server.url}/{prefix}-listings/_count", timeout=5) as r:
            return json.loads(r.read())["count"]
    except OSError:
        return 0


def _env(world: Any, server: ElasticsearchServer, prefix: str, tmp: Path) -> dict[str, str]:
    platforms = tmp / "platforms"
    if not platforms.exists():
        # The bundled profile, politer: the crawl lasts long enough to kill the server.
        data = yaml.safe_load(Path(load_profiles()[PLATFORM].source_file).read_text())
        data["politeness"] = {**data["politeness"], "concurrency": 2, "delay": 0.05}
        platforms.mkdir(parents=True)
        (platforms / f"{PLATFORM}.yaml").write_text(yaml.safe_dump(data))
    return crawl_env(
        world,
        tmp / "data",
        {
            "STORE_URL": server.url,
            "STORE_INDEX_PREFIX": prefix,
            "STORE_BULK_MAX_RETRIES": "1",
            "STORE_BULK_RETRY_BACKOFF": "0.1",
            "STORE_SPOOL_RETRY_INTERVAL": "0.5",
            "ELASTICSEARCH_REQUEST_TIMEOUT": "5",
            "PLATFORMS_DIR": str(platforms),
        },
    )


def command(env: dict[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "crawler", *args], env=env, cwd=ROOT, capture_output=True,
        text=True, timeout=timeout,
    )  # fmt: skip


def outcome(env: dict[str, str]) -> tuple[dict[str, int], dict[str, Any]]:
    """What an analyst finds: {listing id: risk score}, and the ids of the alerts raised."""
    found = command(env, "search", "--platform", PLATFORM, "--limit", "100000", "--json")
    assert found.returncode == 0, found.stderr
    listings = {d["id"]: d["risk_score"] for d in map(json.loads, found.stdout.splitlines())}
    listed = command(env, "alerts", "list", "--limit", "100000", "--json")
    assert listed.returncode == 0, listed.stderr
    alerts = {
        a["id"]: (a["rule"], a["listing_id"], a.get("outcome"), a.get("risk_score"))
        for a in (json.loads(line)["alert"] for line in listed.stdout.splitlines())
    }
    return listings, alerts


def assert_alerts_match_alerts_test(env: dict[str, str], alerts: dict[str, Any]) -> None:
    for rule in load_rules(ROOT / "rules").active:
        tested = command(env, "alerts", "test", rule.name, "--json")
        assert tested.returncode == 0, tested.stderr
        expected = {json.loads(line)["alert_id"] for line in tested.stdout.splitlines()}
        raised = {k for k, v in alerts.items() if v[0] == rule.name}
        assert raised == expected, (rule.name, len(raised), len(expected))


@pytest.fixture(scope="module")
def clean_run(es_server: ElasticsearchServer, tmp_path_factory: pytest.TempPathFactory) -> Any:
    tmp = tmp_path_factory.mktemp("clean")
    with running_world(seed=SEED, size=SIZE, platforms=[PLATFORM]) as world:
        env = _env(world, es_server, "clean" + str(int(time.time())), tmp)
        run = run_crawl(PLATFORM, env)
        assert run.returncode == 0, run.output[-3000:]
        listings, alerts = outcome(env)
    assert len(listings) == SIZE and alerts
    assert dumped_stats(run.output).get("alerts/raised_after_rescore", 0) > 0, (
        "no alert depended on the platform signals in this world: the tests prove nothing"
    )
    assert_alerts_match_alerts_test(env, alerts)
    return listings, alerts


@pytest.mark.timeout(900)
# The replay is in the store's open() (crawler/store/elasticsearch/store.py), which every
# command that reads or writes the store calls: `crawler search` goes through the same
# open_store as `crawler status`, so three commands stand for all (each outage costs minutes).
@pytest.mark.parametrize("replayer", ["status", "alerts-deliver", "crawl"])
def test_outage_is_reported_and_the_replay_completes_the_work(
    es_server: ElasticsearchServer, prefix: str, tmp_path: Path, clean_run: Any, replayer: str
) -> None:
    try:
        _outage_and_replay(es_server, prefix, tmp_path, clean_run, replayer)
    finally:
        es_server.start()  # the session's server, for the tests after this one; no-op if up


def _outage_and_replay(
    es_server: ElasticsearchServer, prefix: str, tmp_path: Path, clean_run: Any, replayer: str
) -> None:
    with running_world(seed=SEED, size=SIZE, platforms=[PLATFORM]) as world:
        env = _env(world, es_server, prefix, tmp_path)
        log = tmp_path / "crawl.log"
        with log.open("wb") as fh:  # a file, not a pipe: a full pipe would stall the crawl
            proc = subprocess.Popen(
                crawl_command(PLATFORM), env=env, cwd=ROOT, stdout=fh, stderr=subprocess.STDOUT
            )
        try:
            deadline = time.monotonic() + 120
            while _count(es_server, prefix) < 40:
                assert proc.poll() is None, (
                    "crawl ended before the kill: " + log.read_text()[-3000:]
                )
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.1)
            es_server.kill()
            proc.wait(timeout=600)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        output = log.read_text(errors="replace")
        # Said: a distinct exit code and one line; the job record knows it too.
        assert proc.returncode == 5, output[-3000:]
        line = [x for x in output.splitlines() if "listings spooled" in x]
        assert len(line) == 1 and "replayed when it is back" in line[0], output[-3000:]
        spooled = int(next(p for p in output.split() if p.startswith("spooled=")).split("=")[1])
        assert spooled > 0
        # One line when it went away, none per failed request: a handful of
        # warnings in all (the outage, deferred signals and alerts, the run's health not
        # judged without the earlier runs, the spool).
        assert output.count("spooling writes to") == 1, output[-3000:]
        warnings = [x for x in output.splitlines() if " WARNING: " in x or " ERROR: " in x]
        assert len(warnings) <= 6 and not [x for x in warnings if " ERROR: " in x], "\n".join(
            warnings
        )
        assert sum("health is not judged" in x for x in warnings) == 1, "\n".join(warnings)
        assert "elastic_transport" not in output
        status = command(env, "status", "--json", timeout=60)
        assert status.returncode == 4  # the store cannot be read: said, with the spool
        spool = json.loads(status.stdout)["spool"]
        assert spool["writes"] >= spooled and spool["listings"] > 0 and spool["oldest"]

        es_server.start()
        if replayer == "status":
            done = command(env, "status", "--json")
        elif replayer == "search":
            done = command(env, "search", "anything", "--json")
        elif replayer == "alerts-deliver":
            done = command(env, "alerts", "deliver", "--timeout", "30")
        else:
            done = command(env, "crawl", PLATFORM)
        assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
        after = json.loads(command(env, "status", "--json").stdout)
        assert after["spool"]["writes"] == 0
        spooled_jobs = [j for j in after["jobs"] if j["spooled"]]
        assert len(spooled_jobs) == 1, json.dumps(after["jobs"])[:3000]
        job = spooled_jobs[0]
        assert job["status"] == "finished" and job["spooled"] == spooled

        listings, alerts = outcome(env)
        if replayer == "crawl":  # the others equal the clean run, which was checked so
            assert_alerts_match_alerts_test(env, alerts)
    clean_listings, clean_alerts = clean_run
    assert listings == clean_listings
    assert alerts == clean_alerts, (
        sorted(v for k, v in alerts.items() if k not in clean_alerts),
        sorted(v for k, v in clean_alerts.items() if k not in alerts),
    )
