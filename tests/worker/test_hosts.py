"""`crawler worker` on several hosts: workers in network namespaces of their own, one machine.

Each worker runs in a namespace ("host") with its own address and its own data directory
(its alert outbox and store spool are that host's), and reaches the shared servers only over
its link to a bridge the test created (crawler.testing.netns): Redis (the queue), one
Elasticsearch (STORE_URL), the demo world and the alert webhook receiver, all bound to the
bridge's address. Then the faults an operator meets: a worker killed mid-crawl, Redis
restarted, a host's link cut for longer than QUEUE_LEASE and restored, Elasticsearch frozen.

After each, what a user relies on: every listing of the demo world stored exactly once;
every alert the rules raise on them delivered once per idempotency key (after each host's
outbox was delivered, as `crawler alerts deliver` on that host does); no two runs of one
platform overlapping in time (a run that died or lost its lease ends at its last heartbeat).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from worker_support import Workers, enqueue, log_dir, stored_jobs, wait_for

from crawler.alerts.rules import AlertRule
from crawler.config import crawler_settings
from crawler.models import CrawlJob, listing_id
from crawler.store import open_store
from crawler.testing import netns
from crawler.testing.crawls import crawl_env, running_world, stored_listings
from crawler.testing.elasticsearch import (
    ElasticsearchServer,
    ElasticsearchServerError,
    default_home,
)
from crawler.testing.receivers import WebhookReceiver
from crawler.testing.redis import RedisServer
from crawler.testing.redis import available as redis_available

pytestmark = [pytest.mark.redis, pytest.mark.elasticsearch]

PLATFORMS = ["demo-classifieds", "demo-jobs", "demo-forum"]
SIZE = 40
LEASE = 8.0
SECRET = "test-only-hosts-webhook-secret"
RULE = {
    "name": "movement-or-control",
    "indicators": ["movement", "third_party_control", "youth_emphasis", "no_limits"],
    "channels": ["hook"],
}


def _unavailable(why: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(why)  # CI runs as root with everything installed: a broken set-up
    pytest.skip(why)


@pytest.fixture(scope="module")
def net() -> Iterator[netns.HostNetwork]:
    why = netns.available()
    if why:
        _unavailable(why)
    network = netns.HostNetwork(2)
    with network:
        yield network
    assert network.leftovers() == []  # every namespace, veth and the bridge are gone


@pytest.fixture(scope="module")
def es(net: netns.HostNetwork) -> Iterator[ElasticsearchServer]:
    if not (default_home() / "bin" / "elasticsearch").exists():
        _unavailable(f"no Elasticsearch at {default_home()}: run scripts/elasticsearch.sh")
    try:
        server = ElasticsearchServer(host=net.hub)
        server.start()
    except ElasticsearchServerError as exc:
        pytest.fail(str(exc))
    try:
        yield server
    finally:
        server.close()


@pytest.fixture
def queue_redis(net: netns.HostNetwork) -> Iterator[RedisServer]:
    if not redis_available():
        pytest.fail("redis-server is not installed: run scripts/setup.sh --test")
    with RedisServer(persistent=True, host=net.hub) as server:
        yield server


@dataclass
class Cluster:
    net: netns.HostNetwork
    world: Any
    hook: WebhookReceiver
    workers: Workers
    env: dict[str, str]  # the scheduler's (on this machine) and the test's own reads
    tmp: Path

    def host_env(self, i: int) -> dict[str, str]:
        data = self.tmp / f"host{i}"
        data.mkdir(exist_ok=True)
        return {"CRAWLER_DATA_DIR": str(data)}

    def start(self, i: int, *args: str) -> subprocess.Popen[bytes]:
        """A worker on host i (0-based)."""
        return self.workers.start(*args, env=self.host_env(i), prefix=self.net.hosts[i].prefix())

    def start_both(self) -> tuple[subprocess.Popen[bytes], subprocess.Popen[bytes]]:
        """A worker on each host, three runs at once each, once both read the queue."""
        a, b = self.start(0, "--max-jobs", "3"), self.start(1, "--max-jobs", "3")
        for w in (a, b):
            wait_for(
                lambda w=w: "worker: started" in self.workers.log(w),
                120,
                "the workers up",
                self.workers.logs_text,
            )
        return a, b

    def deliver_everywhere(self) -> None:
        """`crawler alerts deliver` on every host: each host's outbox recovered and sent (and
        its store spool replayed: the command opens the store)."""
        runs = [
            subprocess.Popen(
                [*host.prefix(), sys.executable, "-m", "crawler", "alerts", "deliver"]
                + ["--timeout", "30"],
                env={**self.env, **self.host_env(i)},
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                text=True,
            )
            for i, host in enumerate(self.net.hosts)
        ]
        for run in runs:
            out, _ = run.communicate(timeout=180)
            assert run.returncode == 0, out


@pytest.fixture
def cluster(net, es, queue_redis, tmp_path) -> Iterator[Cluster]:
    rules = tmp_path / "rules"
    rules.mkdir()
    with (
        running_world(seed=17, size=SIZE, platforms=PLATFORMS, host=net.hub) as world,
        WebhookReceiver(secret=SECRET, host=net.hub) as hook,
    ):
        channel = {"type": "webhook", "url": hook.url, "secret_env": "ALERTS_WEBHOOK_SECRET"}
        (rules / "r.yaml").write_text(
            yaml.safe_dump({"channels": {"hook": channel}, "rules": [RULE]})
        )
        (tmp_path / "scheduler").mkdir()
        env = crawl_env(
            world,
            tmp_path / "scheduler",
            {
                "QUEUE_URL": queue_redis.url,
                "QUEUE_LEASE": str(LEASE),
                "WORKER_CAPABILITIES": "none",
                "STORE_URL": es.url,
                "STORE_INDEX_PREFIX": f"h{uuid.uuid4().hex[:10]}",
                "ALERTS_RULES": str(rules),
                "ALERTS_WEBHOOK_SECRET": SECRET,
                "ALERTS_RETRY_BASE": "0.2",
                "ALERTS_RETRY_MAX": "1",
            },
        )
        workers = Workers(env, log_dir())
        try:
            yield Cluster(net, world, hook, workers, env, tmp_path)
        finally:
            workers.close()


# -- what a user relies on ------------------------------------------------------------------


def _listings(env: dict[str, str], platform: str) -> list[str]:
    return [x.id for x in stored_listings(env, platform)]


def _finished(env: dict[str, str], platform: str) -> list[CrawlJob]:
    return [j for j in stored_jobs(env, platform) if j.status == "finished"]


def _stored_alerts(env: dict[str, str]) -> list[dict[str, Any]]:
    async def go() -> list[dict[str, Any]]:
        async with open_store(crawler_settings(env)) as store:
            return await store.list_alerts(limit=10000)

    return asyncio.run(go())


def _matching(env: dict[str, str]) -> set[str]:
    rule = AlertRule.model_validate(RULE)
    return {x.id for p in PLATFORMS for x in stored_listings(env, p) if rule.match(x, [])}


def _end(job: CrawlJob) -> datetime:
    """When a run stopped writing: its recorded end, or for one that died or was superseded
    (killed, or still `running` after its worker lost the lease) its last heartbeat."""
    if job.status in ("killed", "running") or job.finished_at is None:
        return job.heartbeat_at or job.started_at
    return job.finished_at


def check_everything(c: Cluster, refusals: bool = False) -> None:
    env = c.env
    # Each host settles first, as its next run or `crawler alerts deliver` there would: its
    # outbox recovered and sent, its store spool replayed into Elasticsearch.
    c.deliver_everywhere()
    truth = c.world.ground_truth()
    for p in PLATFORMS:
        ids = _listings(env, p)
        assert len(ids) == len(set(ids)), f"{p}: a listing stored twice"
        assert set(ids) == {listing_id(p, g.key) for g in truth[p]}, p
        runs = sorted(stored_jobs(env, p), key=lambda j: j.started_at)
        for before, after in zip(runs, runs[1:], strict=False):
            assert after.started_at >= _end(before), (
                f"{p}: run {after.id} (token {after.fence}) started at {after.started_at} "
                f"while {before.id} (token {before.fence}, {before.status}) ran until "
                f"{_end(before)}"
            )
    expected = _matching(env)
    assert expected, "the demo world should hold listings the rule matches"
    alerts = _stored_alerts(env)
    assert sorted(a["listing_id"] for a in alerts) == sorted(expected)  # one per listing
    c.hook.wait_for(len(alerts), timeout=30)
    assert len(c.hook.keys) == len(alerts)  # each delivered once per idempotency key
    assert all(d.signature_ok for d in c.hook.deliveries)
    logs = "\n".join(c.workers.log(p) for p in c.workers.procs)
    # A superseded run's late writes are refused by the store (FencedOut, logged with its
    # traceback where Scrapy catches it); nothing else may fail.
    refused = logs.count("\ncrawler.store.base.FencedOut: ") if refusals else 0
    assert logs.count("Traceback (most recent call last)") <= refused, logs


def _all_finished(c: Cluster, timeout: float = 240) -> None:
    for p in PLATFORMS:
        wait_for(
            lambda p=p: _finished(c.env, p), timeout, f"{p} finished", c.workers.logs_text, 1.0
        )


def _first_listings(c: Cluster, platform: str, n: int = 3) -> None:
    wait_for(
        lambda: len(_listings(c.env, platform)) >= n,
        180,
        f"first listings of {platform}",
        c.workers.logs_text,
        0.5,
    )


# -- the faults ------------------------------------------------------------------------------


def test_a_worker_killed_mid_crawl_on_one_host_is_finished_on_another(cluster: Cluster) -> None:
    c = cluster
    c.world.set_condition("demo-classifieds", "slow", slow_delay=0.25)
    a, b = c.start_both()
    b.send_signal(signal.SIGSTOP)  # host 2 takes nothing until host 1 has every platform
    try:
        assert enqueue(c.env, *PLATFORMS).count("enqueued") == 3
        _first_listings(c, "demo-classifieds", 5)
        a.send_signal(signal.SIGKILL)
        a.wait(30)
    finally:
        b.send_signal(signal.SIGCONT)
    _all_finished(c)
    jobs = stored_jobs(c.env, "demo-classifieds")
    assert [j.status for j in jobs] == ["finished", "killed"]
    assert jobs[0].pid == b.pid and jobs[0].fence > jobs[1].fence
    check_everything(c)


def test_a_redis_restart_under_workers_on_two_hosts(cluster: Cluster, queue_redis) -> None:
    c = cluster
    c.world.set_condition("demo-classifieds", "slow", slow_delay=0.15)
    c.start(0, "--max-jobs", "2")
    c.start(1, "--max-jobs", "2")
    enqueue(c.env, *PLATFORMS)
    _first_listings(c, "demo-classifieds")
    queue_redis.restart(down_for=1.0)
    _all_finished(c)
    check_everything(c)


def test_a_host_cut_off_past_its_lease_stops_and_another_host_takes_over(
    cluster: Cluster,
) -> None:
    c = cluster
    c.world.set_condition("demo-forum", "slow", slow_delay=2.0)
    a, b = c.start_both()
    b.send_signal(signal.SIGSTOP)  # host 2 takes nothing until host 1 has every platform
    try:
        enqueue(c.env, *PLATFORMS)
        _first_listings(c, "demo-forum")
    finally:
        b.send_signal(signal.SIGCONT)
    [running] = stored_jobs(c.env, "demo-forum")
    assert running.status == "running" and running.pid == a.pid
    host = c.net.hosts[0]
    c.net.cut(host)
    cut_at = time.monotonic()
    try:
        # By its own clock the cut host's lease runs out after QUEUE_LEASE: its runs stop.
        wait_for(lambda: "lease_lost" in c.workers.log(a), 60, "lease_lost", c.workers.logs_text)
        wait_for(
            lambda: [j for j in _finished(c.env, "demo-forum") if j.pid == b.pid],
            240,
            "host 2 finished the platform",
            c.workers.logs_text,
            1.0,
        )
        time.sleep(max(0.0, 2 * LEASE - (time.monotonic() - cut_at)))
    finally:
        c.net.restore(host)
    time.sleep(LEASE)  # back on the network: whatever it still tries to write arrives now
    _all_finished(c)
    assert a.poll() is None  # the worker itself goes on
    jobs = stored_jobs(c.env, "demo-forum")
    [cut_run] = [j for j in jobs if j.pid == a.pid]
    assert cut_run.status in ("killed", "interrupted") and cut_run.fence == 1
    check_everything(c, refusals=True)


def test_elasticsearch_frozen_mid_crawl(cluster: Cluster, es: ElasticsearchServer) -> None:
    c = cluster
    c.world.set_condition("demo-jobs", "slow", slow_delay=0.15)
    c.start(0, "--max-jobs", "2")
    c.start(1, "--max-jobs", "2")
    enqueue(c.env, *PLATFORMS)
    _first_listings(c, "demo-jobs")
    es.pause()
    try:
        time.sleep(LEASE)
    finally:
        es.resume()
    _all_finished(c)
    check_everything(c)


def test_the_namespaces_reach_only_the_test_servers(cluster: Cluster) -> None:
    """A host sees the bridge's servers, not this machine's loopback (where nothing of the
    test listens for it) nor any other address (no default route)."""
    host = cluster.net.hosts[0]
    probe = (
        "import socket,sys\n"
        "def ok(a,p):\n"
        "    try:\n"
        "        socket.create_connection((a,p),timeout=2).close(); return True\n"
        "    except OSError: return False\n"
        "print(json.dumps([ok(sys.argv[1],int(sys.argv[2])),ok('127.0.0.1',int(sys.argv[2])),"
        "ok('192.0.2.1',80)]))\n"
    )
    run = subprocess.run(
        [*host.prefix(), sys.executable, "-c", "import json\n" + probe]
        + [cluster.net.hub, str(cluster.hook.port)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert json.loads(run.stdout) == [True, False, False], run.stderr
