"""Attack surface: nothing listens during a crawl, and no settings module turns it back on."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest

from crawler.testing.crawls import crawl_env, run_crawl_watching_listeners, running_world

SETTINGS_MODULES = sorted(
    f"settings.{p.stem}"
    for p in (Path(__file__).resolve().parents[2] / "settings").glob("*.py")
    if p.stem not in {"__init__", "env"}
)


@pytest.mark.parametrize("module", SETTINGS_MODULES)
def test_remote_control_telnet_and_other_schemes_are_off_in_every_settings_module(module):
    s = importlib.import_module(module)
    assert s.REMOTE_CONTROL_ENABLED is False
    assert s.TELNETCONSOLE_ENABLED is False
    assert all(
        s.DOWNLOAD_HANDLERS.get(scheme, "on") is None for scheme in ("file", "data", "ftp", "s3")
    )


@pytest.mark.e2e
def test_a_clearnet_crawl_listens_on_no_port_and_leaves_no_token_file(data_dir):
    from scrapy.settings import Settings
    from scrapy.utils._remote_control import job_files_dir

    jobs_dir = Path(job_files_dir(Settings()))
    before = set(jobs_dir.glob("*")) if jobs_dir.exists() else set()
    with running_world(seed=1, size=40, platforms=["demo-classifieds"]) as world:
        run, listening = run_crawl_watching_listeners(
            "demo-classifieds", crawl_env(world, data_dir)
        )
    assert run.returncode == 0, run.output[-2000:]
    assert listening == set()
    after = set(jobs_dir.glob("*")) if jobs_dir.exists() else set()
    assert after == before
    assert "RemoteControl" not in run.output and "TelnetConsole" not in run.output
