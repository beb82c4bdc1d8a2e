"""Profile validation: a broken profile is rejected with file, field and reason before any request."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from crawler.profiles import (
    ProfileError,
    UnknownPlatform,
    find_profile,
    load_named_profile,
    load_profile,
    load_profiles,
)
from crawler.testing.crawls import crawl_env

GOOD = {
    "name": "example-site",
    "base_url": "http://127.0.0.1:9",
    "category": "classifieds",
    "seeds": ["/"],
    "list": {"item": "li.ad", "link": "a::attr(href)", "next_page": "a.next::attr(href)"},
    "detail": {"fields": {"title": "h1::text", "body": {"xpath": "//div[@id='body']"}}},
}


def write(tmp_path: Path, data, name="p.yaml") -> Path:
    path = tmp_path / name
    path.write_text(data if isinstance(data, str) else yaml.safe_dump(data), encoding="utf-8")
    return path


def with_change(path: str, value):
    data = yaml.safe_load(yaml.safe_dump(GOOD))
    node = data
    parts = path.split(".")
    for p in parts[:-1]:
        node = node.setdefault(p, {})
    if value is ...:
        node.pop(parts[-1])
    else:
        node[parts[-1]] = value
    return data


CASES = [
    # (change path, value, expected field, words in the reason)
    ("name", "Bad Name!", "name", "pattern"),
    ("base_url", "ftp://x", "base_url", "not an http(s) URL"),
    ("network", "carrier-pigeon", "network", "clearnet"),
    ("seeds", ..., "seeds", "required"),
    ("seeds", [], "seeds", "at least 1"),
    ("category", ..., "category", "required"),
    ("list.item", ..., "list.item", "required"),
    ("list.link", {"css": "a", "xpath": "//a"}, "list.link", "exactly one of"),
    ("detail.fields.title", "h1::[text", "detail.fields.title", "does not compile"),
    (
        "detail.fields.body",
        {"xpath": "//div[", "regex": "x"},
        "detail.fields.body",
        "xpath does not compile",
    ),
    (
        "detail.fields.price",
        {"css": "p", "regex": "(unclosed"},
        "detail.fields.price",
        "regex does not compile",
    ),
    ("politeness.concurency", 4, "politeness.concurency", "unknown field"),
    ("politeness.concurrency", 0, "politeness.concurrency", "greater than or equal to 1"),
    ("schedule", {"cron": "every tuesday"}, "schedule", "not a valid cron"),
    ("schedule", {"interval": 60, "cron": "* * * * *"}, "schedule", "exactly one of"),
    ("country", "Netherlands", "country", "pattern"),
    ("detail", ..., "(profile)", "needs list and detail selectors"),
    # health thresholds and expect selectors (docs/health.md)
    ("health.items_drop", 1.5, "health.items_drop", "less than or equal to 1"),
    ("health.stalled_minutes", 0, "health.stalled_minutes", "greater than 0"),
    ("health.flatline_factor", 1, "health.flatline_factor", "greater than 1"),
    ("health.min_histroy", 3, "health.min_histroy", "unknown field"),
    ("expect.list", ["nav.pager", "div[["], "expect.list", "selector 1: css selector does not"),
    ("expect.detail", "h1", "expect.detail", "valid list"),
    ("expect.pages", ["h1"], "expect.pages", "unknown field"),
]


def test_health_thresholds_default_in_one_place_and_are_overridden_per_platform(tmp_path):
    from crawler.profiles import HealthThresholds

    default = load_profile(write(tmp_path, GOOD))
    assert default.health == HealthThresholds()
    assert default.expect.list_page == [] and default.expect.detail == []
    data = with_change("health.items_drop", 0.3)
    data["expect"] = {"list": ["nav.pager"], "detail": ["h1.title"]}
    profile = load_profile(write(tmp_path, data))
    assert profile.health.items_drop == 0.3
    assert profile.health.entries_drop == HealthThresholds().entries_drop
    assert profile.expect.list_page == ["nav.pager"] and profile.expect.detail == ["h1.title"]


@pytest.mark.parametrize(("path", "value", "field", "reason"), CASES)
def test_broken_profile_names_file_field_and_reason(tmp_path, path, value, field, reason):
    file = write(tmp_path, with_change(path, value))
    with pytest.raises(ProfileError) as err:
        load_profile(file)
    assert err.value.path == str(file)
    assert err.value.field == field
    assert reason.lower() in err.value.reason.lower(), err.value.reason
    assert str(file) in str(err.value) and field in str(err.value)


def test_yaml_syntax_error_names_the_line(tmp_path):
    file = write(tmp_path, "name: x\nseeds: [unclosed\n")
    with pytest.raises(ProfileError) as err:
        load_profile(file)
    assert err.value.field.startswith("line ")
    assert "not valid YAML" in err.value.reason


def test_missing_environment_variable_is_named(tmp_path):
    data = dict(GOOD, base_url="${NO_SUCH_VARIABLE_FOR_TEST}")
    with pytest.raises(ProfileError) as err:
        load_profile(write(tmp_path, data), environ={})
    assert "NO_SUCH_VARIABLE_FOR_TEST" in err.value.reason


def test_environment_defaults_and_values_expand(tmp_path):
    data = dict(GOOD, base_url="${SITE_URL:-http://127.0.0.1:1}/")
    assert load_profile(write(tmp_path, data), environ={}).base_url == "http://127.0.0.1:1"
    assert (
        load_profile(write(tmp_path, data), environ={"SITE_URL": "http://h:2"}).base_url
        == "http://h:2"
    )


def test_bundled_profiles_are_valid():
    profiles = load_profiles()
    for name in ("demo-classifieds", "demo-jobs", "demo-forum"):
        assert name in profiles


def test_crawl_refuses_broken_profile_before_any_request(tmp_path, demo_world, data_dir):
    profile_dir = tmp_path / "platforms"
    profile_dir.mkdir()
    good = dict(GOOD, name="demo-classifieds", base_url=demo_world.urls["demo-classifieds"])
    write(profile_dir, dict(good, politeness={"concurrency": "lots"}), "demo-classifieds.yaml")
    env = crawl_env(demo_world, data_dir, {"PLATFORMS_DIR": str(profile_dir)})
    proc = subprocess.run(
        [sys.executable, "-m", "crawler", "crawl", "demo-classifieds"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "demo-classifieds.yaml: politeness.concurrency:" in proc.stderr
    assert sum(demo_world.request_counts()["demo-classifieds"].values()) == 0

    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "crawler",
            "profiles",
            "validate",
            str(profile_dir / "demo-classifieds.yaml"),
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "politeness.concurrency" in proc.stderr


def test_shipped_json_schema_matches_the_model_and_validates_bundled_profiles():
    import json
    from pathlib import Path

    import jsonschema

    from crawler.config.yamlfile import expand_env
    from crawler.profiles import default_profile_dirs, profile_json_schema

    shipped = (
        Path(__file__).resolve().parents[1] / "crawler" / "schemas" / "platform-profile.schema.json"
    )
    schema = json.loads(shipped.read_text())
    assert schema == profile_json_schema(), (
        "run: crawler profiles schema > crawler/schemas/platform-profile.schema.json"
    )
    for d in default_profile_dirs():
        for f in d.glob("*.yaml"):
            jsonschema.validate(expand_env(yaml.safe_load(f.read_text()), {}), schema)


def test_one_platforms_profile_is_the_one_reading_every_profile_gives(tmp_path):
    """`crawler crawl NAME` parses only the files that may define NAME; it must pick what
    load_profiles picks: the first valid definition in directory order, whatever the file
    is called or how the name is written, past broken files of any platform."""
    first, second = tmp_path / "a", tmp_path / "b"
    first.mkdir()
    second.mkdir()
    write(first, dict(GOOD, name="other"), "aaa.yaml")
    write(first, "name: target\nbase_url: [unclosed\n", "target.yaml")  # broken: skipped
    write(first, dict(GOOD, name="target", country="NL"), "zz-other-file-name.yaml")
    write(second, dict(GOOD, name="target", country="DE"), "target.yaml")  # later: loses
    write(first, '{"name": "quoted", "base_url": "http://127.0.0.1:9"}', "flow.yaml")
    write(second, "# a comment first\n" + yaml.safe_dump(dict(GOOD, name="quoted")), "q.yaml")
    write(first, "name: ${NAME_FROM_ENV}\n" + yaml.safe_dump(
        {k: v for k, v in GOOD.items() if k != "name"}), "env.yaml")  # fmt: skip
    dirs = [first, second]
    environ = {"NAME_FROM_ENV": "from-env"}
    every = load_profiles(dirs, environ)
    for name in ("target", "other", "quoted", "from-env", "example-site", "missing"):
        assert load_named_profile(name, dirs, environ) == every.get(name), name
    assert every["target"].country == "NL"
    assert every["quoted"].base_url.startswith("http://127.0.0.1:9")


def test_a_platform_without_a_valid_profile_is_refused_with_its_reason(tmp_path):
    """`crawler crawl`, `crawler login`, `scrapy crawl listing` and the worker find a
    platform's profile one way: its broken file's field and reason, or the platforms that
    are configured, in one line."""
    write(tmp_path, dict(GOOD, name="other"), "other.yaml")
    write(tmp_path, with_change("base_url", "ftp://x") | {"name": "broken-one"}, "broken-one.yaml")
    assert find_profile("other", [tmp_path], {}).name == "other"
    with pytest.raises(UnknownPlatform) as broken:
        find_profile("broken-one", [tmp_path], {})
    assert "broken-one: broken profile" in str(broken.value)
    assert "base_url" in str(broken.value) and "not an http(s) URL" in str(broken.value)
    with pytest.raises(UnknownPlatform) as missing:
        find_profile("nowhere", [tmp_path], {})
    assert str(missing.value) == "unknown platform 'nowhere'; configured: other"
