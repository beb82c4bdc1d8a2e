"""`crawler schedule` as a real process running a tiny fake crawl command (SCHEDULER_CRAWL_COMMAND),
so that these tests do not depend on the spider: schedules, no overlap, coalescing, SIGTERM."""

from __future__ import annotations

import json
import os
import shlex
import signal
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e  # real servers or crawl processes

HERE = Path(__file__).parent

PROFILE = """\
name: {name}
base_url: http://127.0.0.1:9
category: classifieds
seeds: [/]
list: {{item: li, link: a::attr(href)}}
detail: {{fields: {{title: h1::text}}}}
{schedule}
"""


def write_profile(d: Path, name: str, schedule: str = "schedule: {interval: 0.5}") -> None:
    d.mkdir(exist_ok=True)
    (d / f"{name}.yaml").write_text(PROFILE.format(name=name, schedule=schedule))


@pytest.fixture
def sched_env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ALERTS_", "SCHEDULER_", "STORE_"))
    }
    env.update(
        CRAWLER_DATA_DIR=str(tmp_path / "data"),
        PLATFORMS_DIR=str(tmp_path / "platforms"),
        SCHEDULER_CRAWL_COMMAND=f"{shlex.quote(sys.executable)} {shlex.quote(str(HERE / 'fake_crawl.py'))} {{platform}}",
        FAKE_CRAWL_LOG=str(tmp_path / "crawls.jsonl"),
        SCHEDULER_STOP_TIMEOUT="20",
        ALERTS_ENABLED="false",
    )
    return env


def start(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "crawler", "schedule", *args],
        env=env, cwd=Path(env["CRAWLER_DATA_DIR"]).parent, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip


def crawl_log(env: dict[str, str]) -> list[dict[str, Any]]:
    path = Path(env["FAKE_CRAWL_LOG"])
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def runs_by_platform(
    events: list[dict[str, Any]],
) -> dict[str, list[tuple[float, float | None, str]]]:
    """platform -> [(start, end, how it ended)] per crawl process."""
    by_pid: dict[int, dict[str, Any]] = {}
    for e in events:
        by_pid.setdefault(e["pid"], {"platform": e["platform"]})[e["event"]] = e["t"]
    out: dict[str, list[tuple[float, float | None, str]]] = defaultdict(list)
    for run in by_pid.values():
        end = run.get("end") or run.get("terminated")
        out[run["platform"]].append(
            (run["start"], end, "terminated" if "terminated" in run else "end")
        )
    return {p: sorted(r) for p, r in out.items()}


def stop(proc: subprocess.Popen[str], timeout: float = 40) -> tuple[int, str]:
    proc.send_signal(signal.SIGTERM)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        raise
    return proc.returncode, out


def test_two_platforms_on_short_intervals_never_overlap_and_coalesce(
    tmp_path: Path, sched_env: dict[str, str]
) -> None:
    write_profile(tmp_path / "platforms", "fast")  # interval 0.5 s, crawls take 0.2 s
    write_profile(tmp_path / "platforms", "slow")  # interval 0.5 s, the first crawl takes 2 s
    sched_env["FAKE_CRAWL_SECONDS"] = json.dumps({"fast": 0.2, "slow": [2.0, 0.1]})
    proc = start(sched_env)
    try:
        # Until fast ran 4 times and slow 3 (about 6 s; longer on a loaded machine).
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            so_far = runs_by_platform(crawl_log(sched_env))
            if len(so_far.get("fast", [])) >= 5 and len(so_far.get("slow", [])) >= 3:
                break
            time.sleep(0.2)
    finally:
        rc, out = stop(proc)
    assert rc == 0, out
    runs = runs_by_platform(crawl_log(sched_env))
    assert set(runs) == {"fast", "slow"}
    for platform, platform_runs in runs.items():
        for (_s1, e1, _), (s2, _, _) in zip(platform_runs, platform_runs[1:], strict=False):
            assert e1 is not None and s2 >= e1, (
                f"{platform}: a run started before the previous one ended"
            )
    fast = runs["fast"]
    assert len(fast) >= 4, fast
    # No more runs than its interval (0.5 s) allows in the time they span (plus one run
    # coalescing those that came due during a late one): no backlog burst.
    span = fast[-1][0] - fast[0][0]
    assert len(fast) - 1 <= span / 0.5 + 2, fast
    # slow: three runs came due during its first, 2 s run; they coalesce into ONE run right
    # after it (the history below says "coalesced"), and the one after that waits for the
    # interval again (no back-to-back backlog). "Right after" is bounded loosely: a fake
    # crawl logs its start once its Python is up, over a second later on a loaded machine.
    slow = runs["slow"]
    assert len(slow) >= 3, slow
    first_end, second_start, third_start = slow[0][1], slow[1][0], slow[2][0]
    assert first_end is not None and second_start - first_end < 5.0
    assert third_start - second_start >= 0.45
    history = [
        json.loads(x)
        for x in (tmp_path / "data" / "scheduler-history.jsonl").read_text().splitlines()
    ]
    events = {(h["event"], h["platform"]) for h in history}
    assert ("deferred", "slow") in events and ("coalesced", "slow") in events
    assert ("started", "fast") in events and ("finished", "fast") in events


def test_sigterm_stops_running_crawls_cleanly(tmp_path: Path, sched_env: dict[str, str]) -> None:
    write_profile(tmp_path / "platforms", "long", "schedule: {interval: 3600}")
    sched_env["FAKE_CRAWL_SECONDS"] = json.dumps({"long": 60})
    proc = start(sched_env)
    deadline = time.monotonic() + 30
    while not crawl_log(sched_env) and time.monotonic() < deadline:
        time.sleep(0.1)
    t0 = time.monotonic()
    rc, out = stop(proc)
    assert rc == 0, out
    assert time.monotonic() - t0 < 10  # it did not wait for the 60 s crawl
    [(_, end, how)] = runs_by_platform(crawl_log(sched_env))["long"]
    assert how == "terminated" and end is not None  # the crawl got SIGTERM and stopped itself
    history = (tmp_path / "data" / "scheduler-history.jsonl").read_text()
    assert '"event": "stopped"' in history and '"event": "scheduler_stopped"' in history


def test_restart_coalesces_runs_missed_while_down(
    tmp_path: Path, sched_env: dict[str, str]
) -> None:
    write_profile(tmp_path / "platforms", "hourly", "schedule: {interval: 3600}")
    state = tmp_path / "data" / "scheduler.json"
    state.parent.mkdir(parents=True)
    # Last run 5 hours ago: 4 runs were missed; one run happens, at once.
    state.write_text(
        json.dumps({"platforms": {"hourly": {"last_started": time.time() - 5 * 3600}}})
    )
    proc = start(sched_env)
    try:
        # Until the one run has ended (a second or two; longer on a loaded machine), then a
        # little longer, in which no second run may start.
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None:
            runs = runs_by_platform(crawl_log(sched_env)).get("hourly", [])
            if runs and runs[0][1] is not None:
                break
            time.sleep(0.1)
        time.sleep(2.0)
    finally:
        rc, out = stop(proc)
    assert rc == 0, out
    assert len(runs_by_platform(crawl_log(sched_env))["hourly"]) == 1
    assert json.loads(state.read_text())["platforms"]["hourly"]["last_started"] > time.time() - 60


def test_once_runs_each_selected_platform_once(tmp_path: Path, sched_env: dict[str, str]) -> None:
    for name in ("a", "b", "c"):
        write_profile(tmp_path / "platforms", name, "")  # no schedule: --once still runs them
    proc = start(sched_env, "--once", "--platform", "a", "--platform", "c")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    runs = runs_by_platform(crawl_log(sched_env))
    assert sorted(runs) == ["a", "c"] and all(len(r) == 1 for r in runs.values())


def test_a_platform_locked_by_another_process_is_skipped(
    tmp_path: Path, sched_env: dict[str, str]
) -> None:
    from crawler.schedule.lock import PlatformLock

    write_profile(tmp_path / "platforms", "busy")
    lock = PlatformLock(tmp_path / "data", "busy")
    assert lock.acquire()  # e.g. a second scheduler on the same data dir is crawling it
    try:
        proc = start(sched_env, "--once")
        out, _ = proc.communicate(timeout=60)
    finally:
        lock.release()
    assert proc.returncode == 0, out
    assert crawl_log(sched_env) == []
    assert (
        "another process is crawling this platform"
        in (tmp_path / "data" / "scheduler-history.jsonl").read_text()
    )


def test_unknown_platform_is_an_error(tmp_path: Path, sched_env: dict[str, str]) -> None:
    write_profile(tmp_path / "platforms", "a")
    proc = start(sched_env, "--platform", "nope")
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "unknown platform(s) nope" in out


def test_crawl_outliving_a_killed_scheduler_keeps_its_platform_locked(
    tmp_path: Path, sched_env: dict[str, str]
) -> None:
    write_profile(tmp_path / "platforms", "long", "schedule: {interval: 3600}")
    sched_env["FAKE_CRAWL_SECONDS"] = json.dumps({"long": 60})
    first = start(sched_env)
    deadline = time.monotonic() + 30
    while not crawl_log(sched_env) and time.monotonic() < deadline:
        time.sleep(0.1)
    orphan = crawl_log(sched_env)[0]["pid"]
    first.kill()  # the scheduler dies; its crawl goes on (holding the output pipe too)
    first.wait()
    assert first.stdout is not None
    first.stdout.close()
    try:
        second = start(sched_env, "--once")
        out, _ = second.communicate(timeout=60)
        assert second.returncode == 0, out
        assert len(crawl_log(sched_env)) == 1  # no second crawl of "long" was started
        history = (tmp_path / "data" / "scheduler-history.jsonl").read_text()
        assert "another process is crawling this platform" in history
    finally:
        os.kill(orphan, signal.SIGKILL)


def test_parallel_limit_across_platforms(tmp_path: Path, sched_env: dict[str, str]) -> None:
    for name in ("p1", "p2", "p3"):
        write_profile(tmp_path / "platforms", name)
    sched_env.update(
        SCHEDULER_MAX_PARALLEL="1", FAKE_CRAWL_SECONDS=json.dumps({"p1": 0.3, "p2": 0.3, "p3": 0.3})
    )
    proc = start(sched_env)
    try:
        time.sleep(4.0)
    finally:
        rc, out = stop(proc)
    assert rc == 0, out
    runs = sorted(r for rs in runs_by_platform(crawl_log(sched_env)).values() for r in rs)
    assert {p for p in runs_by_platform(crawl_log(sched_env))} == {"p1", "p2", "p3"}
    for (_s1, e1, _), (s2, _, _) in zip(runs, runs[1:], strict=False):
        assert e1 is not None and s2 >= e1  # one crawl at a time, whichever the platform
