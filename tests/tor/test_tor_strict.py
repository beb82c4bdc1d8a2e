"""OPSEC strict mode: every request through tor or none, and no name lookup on this machine.

Each crawl is a real `crawler crawl` process. A `sitecustomize` on its PYTHONPATH
(crawler/testing/dnsspy) records every name the process looks up, and a control crawl without
strict mode proves that the recorder sees lookups when they happen.
"""

from __future__ import annotations

import threading
from pathlib import Path

import psutil
import pytest

from crawler.testing import hostile
from crawler.testing.crawls import run_crawl
from crawler.testing.hostile import looked_up_names

pytestmark = pytest.mark.tor


def spy_env(env: dict[str, str], tmp_path: Path) -> tuple[dict[str, str], Path]:
    spy = tmp_path / "lookups.txt"
    return hostile.spy_env(env, spy), spy


def classifieds_port(world) -> int:  # type: ignore[no-untyped-def]
    return int(world.urls["demo-classifieds"].rsplit(":", 1)[1])


def test_strict_crawl_with_tor_stopped_fetches_nothing_and_says_why(
    tornet, ensure_client, tor_world, tor_env, tmp_path
):
    port = classifieds_port(tor_world)
    # "localhost" resolves from /etc/hosts: a direct crawl would look it up (the control
    # run below shows the recorder catching that) without any packet leaving the machine.
    env = dict(tor_env, DEMO_CLASSIFIEDS_URL=f"http://localhost:{port}")
    control_env, control_spy = spy_env(env, tmp_path / "control")
    strict_env, strict_spy = spy_env(dict(env, TOR_STRICT="1"), tmp_path / "strict")

    tornet.stop_client()
    tor_world.reset_request_counts()
    run = run_crawl("demo-classifieds", strict_env, timeout=180)
    served = sum(tor_world.request_counts()["demo-classifieds"].values())

    reason = f"strict OPSEC: tor SOCKS 127.0.0.1:{tornet.socks_port} unreachable; nothing fetched"
    assert served == 0, f"the demo server answered {served} requests of a strict crawl"
    assert run.stat("pages") == "0", run.output[-3000:]
    assert reason in run.output, run.output[-3000:]
    # Said once, however many requests were refused (one formatter's lines counted: the
    # crawl process logs through two handlers).
    lines = [line for line in run.output.splitlines() if reason in line]
    assert len(lines) == 1, "\n".join(lines) or run.output[-3000:]
    assert "tor/strict/blocked" in run.output
    assert looked_up_names(strict_spy) == set()

    # Control: the same crawl without strict mode connects directly and looks the name up.
    run = run_crawl("demo-classifieds", control_env, "-s", "CLOSESPIDER_PAGECOUNT=3", timeout=180)
    assert "localhost" in looked_up_names(control_spy), run.output[-2000:]
    assert sum(tor_world.request_counts()["demo-classifieds"].values()) > 0


def test_strict_clearnet_crawl_reaches_the_site_only_through_the_exit(
    tornet, ensure_client, tor_world, tor_env, tmp_path
):
    port = classifieds_port(tor_world)
    env, spy = spy_env(dict(tor_env, TOR_STRICT="1"), tmp_path)
    clients: set[int] = set()
    stop = threading.Event()

    def watch() -> None:
        # Who holds the client end of each TCP connection to the demo site?
        while not stop.is_set():
            for c in psutil.net_connections(kind="tcp"):
                # pid None: TIME_WAIT leftovers that no process owns any more.
                if c.raddr and c.raddr.port == port and c.pid is not None:
                    clients.add(c.pid)
            stop.wait(0.02)

    watcher = threading.Thread(target=watch, daemon=True)
    tor_world.reset_request_counts()
    watcher.start()
    try:
        run = run_crawl("demo-classifieds", env, timeout=300)
    finally:
        stop.set()
        watcher.join(10)

    assert run.returncode == 0, run.output[-3000:]
    counts = tor_world.request_counts()["demo-classifieds"]
    assert counts["detail"] == len(tor_world.ground_truth()["demo-classifieds"])
    assert int(run.stat("new") or 0) == counts["detail"]
    assert clients == {tornet.exit.pid}, (
        f"connections to the site came from pids {clients}; the exit relay is {tornet.exit.pid}"
    )
    assert looked_up_names(spy) == set()
    assert counts["asset"] == 0
