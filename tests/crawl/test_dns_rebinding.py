"""DNS rebinding: a platform whose own name resolves to an address on our side is not crawled.

The platform's operator controls its DNS. Pointing its name at 127.0.0.1 (or a router,
or a cloud metadata address) would turn our crawler into a client of our own services.
The demo platform serves on 127.0.0.1 under the name `rebind.flagwatch.test`, which
resolves (really: glibc, /etc/hosts in a mount namespace of the crawl's own,
crawler.testing.hosts) to 127.0.0.1. On the Scrapy route and through Chromium's fence the
crawl must refuse every connection, say why, and fail (exit code, job status); the
platform's server must see no request. Through tor, names are resolved by tor (not here).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from crawler.testing.crawls import crawl_env, run_crawl, running_world
from crawler.testing.hosts import hosts_prefix, resolve_under

pytestmark = pytest.mark.e2e  # real crawl processes, a demo world, Chromium

NAME = "rebind.flagwatch.test"
EXIT_OK = 0


def _stat(output: str, key: str) -> int:
    m = re.search(rf"'{re.escape(key)}': (\d+)", output)
    return int(m.group(1)) if m else 0


@pytest.mark.parametrize(
    ("platform", "env_var"),
    [("demo-classifieds", "DEMO_CLASSIFIEDS_URL"), ("demo-social", "DEMO_SOCIAL_URL")],
    ids=["scrapy", "chromium"],
)
def test_a_name_resolving_to_loopback_is_refused(tmp_path: Path, platform: str, env_var: str):
    prefix = hosts_prefix(tmp_path, {NAME: "127.0.0.1"})
    # The name really resolves to the platform's address for the crawl process.
    assert resolve_under(prefix, NAME) == "127.0.0.1"
    assert resolve_under([], NAME) == ""  # and nowhere else
    with running_world(seed=3, size=12, platforms=[platform]) as world:
        port = world.urls[platform].rsplit(":", 1)[1]
        env = crawl_env(world, tmp_path / "data", {env_var: f"http://{NAME}:{port}"})
        run = run_crawl(platform, env, timeout=300, prefix=prefix)
        served = sum(world.request_counts()[platform].values())
    assert served == 0, world.request_counts()
    assert run.returncode != EXIT_OK, run.output[-3000:]
    assert run.stat("status") == "failed", run.output[-3000:]
    assert run.stat("new") == "0"
    assert f"{NAME} resolved to 127.0.0.1" in run.output or (
        f"{NAME} resolved to a non-public address (127.0.0.1)" in run.output
    ), run.output[-3000:]
    assert _stat(run.output, "scope/refused/resolved_special") >= 1, run.output[-3000:]
    assert int(run.stat("refused") or 0) >= 1
    if platform == "demo-social":  # the page itself was refused by Chromium's fence
        assert _stat(run.output, "browser/fence_resolved_special") >= 1, run.output[-3000:]


def test_the_same_platform_by_its_address_is_crawled(tmp_path: Path):
    """Control: under the same wrapper, the platform's own 127.0.0.1 base_url is in scope."""
    prefix = hosts_prefix(tmp_path, {NAME: "127.0.0.1"})
    with running_world(seed=3, size=12, platforms=["demo-classifieds"]) as world:
        env = crawl_env(world, tmp_path / "data")
        run = run_crawl("demo-classifieds", env, timeout=300, prefix=prefix)
    assert run.returncode == EXIT_OK, run.output[-3000:]
    assert run.stat("new") == "12"
