"""Fixtures of the Tor tests: one private tor network per session, in front of the demo world.

The network (crawler.tor.private_network) runs 8 tor processes on 127.0.0.1: nothing reaches
the real Tor network. Its onion service points at the demo onion market; the exit relay
may reach any 127.0.0.1 port, which is how strict-mode crawls of clearnet demo platforms
get through. How many starts the network needed is printed at the end of the session.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from scrapy.utils.test import get_crawler

from crawler.demo.world import DemoWorldThread
from crawler.testing.crawls import crawl_env, running_world
from crawler.tor.private_network import TorTestNetwork

_NETWORKS: list[TorTestNetwork] = []

# The virtual port of the members-only demo site on the network's one onion service.
MEMBERS_ONION_PORT = 8080


@pytest.fixture(scope="session")
def tor_world() -> Iterator[DemoWorldThread]:
    """The onion market and the members site (behind the onion service) and the clearnet
    classifieds, 60 listings each."""
    platforms = ["demo-onion-market", "demo-classifieds", "demo-members"]
    with running_world(seed=1, size=60, platforms=platforms) as w:
        yield w


@pytest.fixture(scope="session")
def tornet(tor_world: DemoWorldThread) -> Iterator[TorTestNetwork]:
    import stem.util.log  # noqa: F401 - stem sets its logger to TRACE on import; quiet it after

    logging.getLogger("stem").setLevel(logging.WARNING)
    port = int(tor_world.urls["demo-onion-market"].rsplit(":", 1)[1])
    members_port = int(tor_world.urls["demo-members"].rsplit(":", 1)[1])
    net = TorTestNetwork(
        onion_target_port=port, extra_onion_ports={MEMBERS_ONION_PORT: members_port}
    )
    _NETWORKS.append(net)
    try:
        net.start()
        yield net
    finally:
        net.stop()


@pytest.fixture
def ensure_client(tornet: TorTestNetwork) -> Iterator[TorTestNetwork]:
    """The network with a running client tor, restarted afterwards if a test stopped it."""
    yield tornet
    node = tornet.client
    if node.process is None or node.process.poll() is not None:
        tornet.start_client()


@pytest.fixture
def tor_env(tornet: TorTestNetwork, tor_world: DemoWorldThread, data_dir: Path) -> dict[str, str]:
    """Environment of a `crawler crawl` process: demo URLs, the onion URL, the tor client."""
    env = crawl_env(tor_world, data_dir, tornet.environ())
    env["DEMO_ONION_MARKET_URL"] = tornet.onion_url
    env["DEMO_MEMBERS_ONION_URL"] = tornet.onion_port_url(MEMBERS_ONION_PORT)
    return env


@pytest.fixture
def handler_crawler() -> Callable[[dict[str, Any]], Any]:
    """Factory of configured Scrapy Crawlers (settings + stats) to drive the handler directly."""

    def make(settings: dict[str, Any]) -> Any:
        return get_crawler(settings_dict={"TWISTED_REACTOR_ENABLED": False, **settings})

    return make


def pytest_terminal_summary(terminalreporter: Any) -> None:
    for net in _NETWORKS:
        terminalreporter.write_line(
            f"tor test network: started on attempt {net.start_attempts}; failed starts: "
            + ("; ".join(f"{f.stage}: {f.reason}" for f in net.failures) or "none")
            + f"; descriptor re-uploads: {net.republished}; timings: {net.timings}"
        )
