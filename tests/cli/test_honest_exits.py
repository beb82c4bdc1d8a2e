"""Honest exits: every way a run can go wrong ends in one clear line and a non-zero exit.

Real `crawler` processes. The read-only and unreadable cases run the command without the
capabilities that let root ignore file permissions (setpriv, util-linux), so that a
read-only store and an unreadable directory mean for it what they mean for any user.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crawler.config import crawler_settings
from crawler.store import open_store
from crawler.testing.crawls import crawl_env, kill_crawl_after, run_crawl, running_world
from crawler.testing.hostile import PROFILE_DIR, hostile_world

pytestmark = pytest.mark.e2e  # real servers or crawl processes

BUNDLED = Path(__file__).resolve().parents[2] / "crawler" / "platforms"
NO_DAC = ["setpriv", "--bounding-set=-dac_override,-dac_read_search", "--"]


def crawler_cmd(
    *args: str, env: dict[str, str], drop_root: bool = False
) -> subprocess.CompletedProcess:
    argv = [sys.executable, "-m", "crawler", *args]
    if drop_root:
        if os.geteuid() != 0 or shutil.which("setpriv") is None:
            pytest.skip("needs root and setpriv to drop the permission-override capabilities")
        argv = NO_DAC + argv
    return subprocess.run(argv, env=env, capture_output=True, text=True, timeout=300)


def one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    """The one stderr line carrying all `needles`; fails on a traceback."""
    assert "Traceback" not in proc.stdout + proc.stderr, proc.stderr[-3000:]
    lines = [line for line in proc.stderr.splitlines() if all(n in line for n in needles)]
    assert len(lines) == 1, proc.stderr[-3000:]
    return lines[0]


def profile_dir(tmp_path: Path) -> Path:
    d = tmp_path / "platforms"
    d.mkdir()
    shutil.copy(BUNDLED / "demo-classifieds.yaml", d)
    (d / "broken.yaml").write_text(
        "name: demo-broken\nbase_url: http://127.0.0.1:1\ncategory: x\nseeds: [/]\n"
        "list: {item: li, link: a::attr(href)}\ndetail: {fields: {title: h1}}\nfavourite_colour: red\n"
    )
    (d / "latin1.yaml").write_bytes("name: demo-caf\xe9\n".encode("latin-1"))
    return d


def test_one_broken_profile_fails_only_its_own_platform(tmp_path, data_dir):
    with running_world(seed=1, size=20, platforms=["demo-classifieds"]) as world:
        env = crawl_env(world, data_dir, {"PLATFORMS_DIR": str(profile_dir(tmp_path))})
        good = crawler_cmd("crawl", "demo-classifieds", env=env)
        assert good.returncode == 0, good.stderr[-3000:]
        # A crawl of one platform parses only the files that may define it (the others are
        # for `crawler profiles validate`, the scheduler and `crawler status`, below).

        broken = crawler_cmd("crawl", "demo-broken", env=env)
        assert broken.returncode == 2
        one_line_error(broken, "demo-broken: broken profile:", "favourite_colour: unknown field")

        check = crawler_cmd("profiles", "validate", env=env)
        assert check.returncode == 1 and "1 profile(s) valid" in check.stdout
        assert "not UTF-8 text" in check.stderr and "favourite_colour" in check.stderr

        once = crawler_cmd("schedule", "--once", env=env)
        assert once.returncode == 0, once.stderr[-3000:]
        assert "broken profile not scheduled" in once.stderr


def test_an_unreadable_profile_directory_is_named(tmp_path, data_dir):
    d = tmp_path / "locked"
    d.mkdir()
    shutil.copy(BUNDLED / "demo-jobs.yaml", d)
    d.chmod(0o000)
    try:
        proc = crawler_cmd(
            "profiles", "validate", env={**os.environ, "PLATFORMS_DIR": str(d)}, drop_root=True
        )
    finally:
        d.chmod(0o755)
    assert proc.returncode == 1
    one_line_error(proc, str(d), "(directory)", "Permission denied")


def test_a_corrupt_store_is_one_clear_error_for_every_command(data_dir):
    db = data_dir / "crawler.db"
    db.write_bytes(b"this is not a database " * 200)
    with running_world(seed=1, size=20, platforms=["demo-jobs"]) as world:
        env = crawl_env(world, data_dir)
        crawl = crawler_cmd("crawl", "demo-jobs", env=env)
        assert crawl.returncode == 4
        one_line_error(crawl, "demo-jobs: store:", str(db))
        assert world.request_counts()["demo-jobs"].total() == 0  # nothing fetched for nothing
    for args in (("search", "room"), ("status",), ("alerts", "list")):
        proc = crawler_cmd(*args, env=env)
        assert proc.returncode == 4, (args, proc.stderr)
        one_line_error(proc, str(db))
    assert db.read_bytes().startswith(b"this is not a database")  # left as it was


def test_a_read_only_store_fails_the_crawl_before_any_request(tmp_path, data_dir):
    with running_world(seed=1, size=20, platforms=["demo-jobs"]) as world:
        store_dir = tmp_path / "ro"
        store_dir.mkdir()
        env = crawl_env(world, data_dir, {"STORE_URL": f"sqlite:///{store_dir / 'crawler.db'}"})
        first = crawler_cmd("crawl", "demo-jobs", env=env)
        assert first.returncode == 0, first.stderr[-2000:]
        for p in store_dir.iterdir():
            p.chmod(0o444)
        store_dir.chmod(0o555)
        world.reset_request_counts()
        try:
            proc = crawler_cmd("crawl", "demo-jobs", env=env, drop_root=True)
        finally:
            store_dir.chmod(0o755)
        assert proc.returncode == 4
        line = one_line_error(proc, "demo-jobs: store:")
        assert str(store_dir / "crawler.db") in line and "readonly" in line
        assert world.request_counts()["demo-jobs"].total() == 0


def test_a_run_whose_list_pages_cannot_be_read_fails(tmp_path, data_dir):
    d = tmp_path / "platforms"
    d.mkdir()
    # items_path names an object, not a list: every API page is unreadable for this profile.
    text = (PROFILE_DIR / "demo-hostile-api.yaml").read_text()
    (d / "x.yaml").write_text(text.replace("items_path: data.posts", "items_path: data"))
    with hostile_world(size=10) as setup:
        env = setup.env(data_dir, {"PLATFORMS_DIR": str(d)})
        run = run_crawl("demo-hostile-api", env)
    assert run.returncode == 4, run.output[-3000:]
    assert run.stat("status") == "failed"
    assert "demo-hostile-api: parse: no list page could be read" in run.output
    assert "api.items_path" in run.output


def test_a_site_asking_to_wait_a_day_pauses_the_platform(tmp_path, data_dir):
    d = tmp_path / "platforms"
    d.mkdir()
    text = (PROFILE_DIR / "demo-hostile.yaml").read_text()
    seeds = text[text.index("seeds:") : text.index("list:")]
    (d / "x.yaml").write_text(text.replace(seeds, "seeds:\n  - /list/closed\n  - /list?page=1\n"))
    with hostile_world(size=10) as setup:
        env = setup.env(data_dir, {"PLATFORMS_DIR": str(d)})
        run = run_crawl("demo-hostile", env, "-s", "CONCURRENT_REQUESTS=1")
        served = setup.world.request_counts()["demo-hostile"]
    assert run.returncode == 1, run.output[-3000:]
    assert run.stat("status") == "paused"
    assert "demo-hostile: politeness: paused: the site asked to wait 86400 s" in run.output
    assert served["list_closed"] == 1  # asked once, never again


def test_a_killed_run_is_marked_killed_by_status_and_by_the_next_run(data_dir):
    with running_world(seed=2, size=200, platforms=["demo-jobs"]) as world:
        env = crawl_env(world, data_dir)
        kill_crawl_after(
            "demo-jobs", env, lambda: world.request_counts()["demo-jobs"]["detail"] >= 10
        )

        status = crawler_cmd("status", "--json", env=env)
        assert status.returncode == 0, status.stderr
        jobs = json.loads(status.stdout)["jobs"]
        assert jobs[0]["status"] == "killed" and not jobs[0]["complete"]

        run = run_crawl("demo-jobs", env)
        assert run.returncode == 0
        assert run.stat("mode") == "full"  # the killed run was incomplete: walk everything

    async def go() -> list:
        async with open_store(crawler_settings(env)) as store:
            return await store.jobs("demo-jobs")

    statuses = [j.status for j in asyncio.run(go())]
    assert statuses == ["finished", "killed"]
