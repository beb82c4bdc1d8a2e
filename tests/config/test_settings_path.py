"""One configuration path: settings module, environment, -s; the same for every command."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import ConfigError, crawler_settings, get_bool, get_number, parse_bool
from crawler.config.environment import environment_settings
from crawler.profiles import load_profile
from crawler.store import store_url

BUNDLED = Path(__file__).resolve().parents[2] / "crawler" / "platforms"


def test_every_documented_variable_is_the_setting_of_its_name():
    s = crawler_settings(
        {
            "STORE_URL": "sqlite:///from-env.db",
            "STORE_BULK_DOCS": "7",
            "BROWSER_HEADLESS": "off",
            "TOR_STRICT": "on",
            "CRAWLER_DATA_DIR": "/tmp/x",
            "ALERTS_ENABLED": "no",
            "NOT_OURS": "1",
            "TOR_NO_SUCH_SETTING": "1",
        }
    )
    assert s["STORE_URL"] == "sqlite:///from-env.db"
    assert get_number(s, "STORE_BULK_DOCS", int) == 7
    assert get_bool(s, "BROWSER_HEADLESS") is False and get_bool(s, "TOR_STRICT") is True
    assert s["CRAWLER_DATA_DIR"] == "/tmp/x" and get_bool(s, "ALERTS_ENABLED", True) is False
    assert "NOT_OURS" not in s and "TOR_NO_SUCH_SETTING" not in s


def test_aliases_generic_overrides_and_the_command_line_win_in_order():
    env = {"ELASTICSEARCH_URL": "http://es:9200", "CRAWLER_SETTING_DOWNLOAD_DELAY": "1.5"}
    s = crawler_settings(env)
    assert store_url(s) == "http://es:9200" and s.getfloat("DOWNLOAD_DELAY") == 1.5
    assert crawler_settings({**env, "STORE_URL": "sqlite:///a.db"})["STORE_URL"] == "sqlite:///a.db"
    s = crawler_settings(env, ["STORE_URL=sqlite:///cli.db", "DOWNLOAD_DELAY=2"])
    assert store_url(s) == "sqlite:///cli.db" and s.getfloat("DOWNLOAD_DELAY") == 2
    assert store_url(crawler_settings({"CRAWLER_DATA_DIR": "d"})) == "sqlite:///d/crawler.db"
    with pytest.raises(ConfigError, match="use -s NAME=VALUE"):
        crawler_settings({}, ["NOEQUALS"])


def test_the_environment_is_read_once():
    s = crawler_settings({"STORE_URL": "sqlite:///one.db"})
    assert environment_settings(s, {"STORE_URL": "sqlite:///two.db"})  # what it would set
    from crawler.config.environment import apply_environment

    apply_environment(s, {"STORE_URL": "sqlite:///two.db"})
    assert s["STORE_URL"] == "sqlite:///one.db"


@pytest.mark.parametrize(
    "args",
    [
        ["-s", "STORE_URL=sqlite:///{db}", "status", "--json"],
        ["status", "-s", "STORE_URL=sqlite:///{db}", "--json"],
        ["search", "x", "--json", "-s", "STORE_URL=sqlite:///{db}"],
    ],
)
@pytest.mark.e2e
def test_set_reaches_commands_that_do_not_crawl(tmp_path, args):
    db = tmp_path / "elsewhere.db"
    env = {"PATH": "/usr/bin:/bin", "CRAWLER_DATA_DIR": str(tmp_path / "data")}
    argv = [a.replace("{db}", str(db)) for a in args]
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", *argv], env=env, capture_output=True, text=True,
        timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert db.exists() and not (tmp_path / "data" / "crawler.db").exists()
    if argv[0] == "status" or "status" in argv:
        json.loads(proc.stdout)


TRUE = ["1", "true", "TRUE", "True", "yes", "YES", "on", "On", "oN"]
FALSE = ["0", "false", "FALSE", "no", "No", "off", "OFF"]
BAD = ["2", "y", "enabled", "tru", "null", "-1"]


def routes(env: dict[str, str]) -> tuple[bool, bool, bool]:
    """Is a clearnet crawl strict on each route: Scrapy settings, tor handler, browser?"""
    from crawler.browser import context_options
    from crawler.crawl.settings import profile_settings
    from crawler.tor import HANDLER, TorConfig

    settings = crawler_settings(env)
    clearnet = load_profile(BUNDLED / "demo-classifieds.yaml", environ={})
    js = load_profile(BUNDLED / "demo-social.yaml", environ={})
    crawl = profile_settings(clearnet, settings)
    scrapy_route = crawl.get("DOWNLOAD_HANDLERS", {}).get("https") == HANDLER
    settings.setdict(crawl, priority="spider")
    handler = TorConfig.from_settings(settings).strict
    browser = "proxy" in context_options(js, crawler_settings(env))
    return scrapy_route, handler, browser


@pytest.mark.parametrize("spelling", TRUE)
def test_tor_strict_on_in_every_spelling_on_every_route(spelling):
    assert routes({"TOR_STRICT": spelling}) == (True, True, True)
    assert parse_bool(spelling, "TOR_STRICT") is True


@pytest.mark.parametrize("spelling", FALSE)
def test_tor_strict_off_in_every_spelling_on_every_route(spelling):
    assert routes({"TOR_STRICT": spelling}) == (False, False, False)


@pytest.mark.parametrize("spelling", BAD)
def test_a_misspelt_security_switch_fails_closed_with_the_setting_named(spelling):
    with pytest.raises(ConfigError, match="TOR_STRICT"):
        routes({"TOR_STRICT": spelling})


@pytest.mark.e2e
def test_a_misspelt_switch_stops_the_crawl_command_before_any_request(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "CRAWLER_DATA_DIR": str(tmp_path), "TOR_STRICT": "maybe"}
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "demo-classifieds"], env=env,
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "TOR_STRICT" in proc.stderr and "Traceback" not in proc.stderr
