"""TorManager (stem) and `crawler tor status|newnym` against the private network."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import aiohttp
import pytest
from aiohttp_socks import ProxyConnector, ProxyType

from crawler.tor import TorEndpoint
from crawler.tor.manager import TorControlError, TorManager
from crawler.tor.private_network import free_ports

pytestmark = pytest.mark.tor


async def fetch(socks_port: int, url: str) -> int:
    connector = ProxyConnector(proxy_type=ProxyType.SOCKS5, host="127.0.0.1", port=socks_port,
                               rdns=True)  # fmt: skip
    async with (
        aiohttp.ClientSession(connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as s,
        s.get(url) as r,
    ):
        await r.read()
        return r.status


def test_launched_tor_bootstraps_with_progress_and_stops_on_close(tornet, ensure_client, tmp_path):
    progress: list[tuple[int, str]] = []
    manager = TorManager.launch(
        data_dir=tmp_path / "tor",
        options=tornet.client_torrc_lines(),
        progress=lambda pct, summary: progress.append((pct, summary)),
        timeout=120,
    )
    process = manager.process
    try:
        percents = [p for p, _ in progress]
        assert percents == sorted(percents) and percents[-1] == 100 and len(percents) >= 2
        status = manager.status()
        assert status.bootstrap_progress == 100 and status.started_by_us
        assert status.version.startswith("0.4.")
        assert manager.is_alive() and manager.circuit_established()
        assert asyncio.run(fetch(manager.endpoint.socks_port, tornet.onion_url)) == 200
        # NEWNYM is rate-limited to tor's own pace.
        assert manager.newnym() is True
        assert manager.newnym() is False
        assert (manager.newnym_sent, manager.newnym_rate_limited) == (1, 1)
    finally:
        manager.close()
    assert process is not None and process.poll() is not None, "close() left tor running"


def test_attached_manager_never_stops_a_tor_it_did_not_start(tornet, ensure_client):
    ep = TorEndpoint(socks_port=tornet.socks_port, control_port=tornet.control_port,
                     cookie_auth_file=str(tornet.cookie_path))  # fmt: skip
    manager = TorManager.attach(ep)
    status = manager.status()
    manager.close()
    assert status.bootstrap_progress == 100 and not status.started_by_us
    assert status.socks_listeners == [f"127.0.0.1:{tornet.socks_port}"]
    assert tornet.client.process is not None and tornet.client.process.poll() is None
    assert TorManager.attach(ep).is_alive()


def test_attach_to_a_closed_control_port_names_it():
    port = free_ports(1)[0]
    with pytest.raises(TorControlError, match=f"127.0.0.1:{port} unreachable"):
        TorManager.attach(TorEndpoint(control_port=port))


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "crawler", "tor", *args], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_cli_status_and_newnym(tornet, ensure_client):
    env = dict(os.environ, **tornet.environ())
    status = run_cli("status", env=env)
    assert status.returncode == 0, status.stderr
    assert "bootstrap:            100%" in status.stdout
    assert "circuit established:  yes" in status.stdout
    newnym = run_cli("newnym", env=env)
    assert newnym.returncode == 0 and "NEWNYM sent" in newnym.stdout, newnym.stderr
    closed = free_ports(1)[0]
    broken = run_cli("status", env=dict(env, TOR_CONTROL_PORT=str(closed)))
    assert broken.returncode == 1 and f"127.0.0.1:{closed} unreachable" in broken.stderr
