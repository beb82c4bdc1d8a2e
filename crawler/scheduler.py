"""`crawler schedule`: the daemon that runs each platform's crawl on the schedule in its profile.

- One crawl job per process: `SCHEDULER_CRAWL_COMMAND` (default
  `{python} -m crawler crawl {platform}`; `{python}` and `{platform}` are substituted).
  The crawl saves its CrawlJob record (stats, status) in the store.
- Never two runs of one platform at once: the scheduler starts a platform only when its
  previous run has exited, and holds an exclusive lock file (CRAWLER_DATA_DIR/locks/NAME.lock)
  while it runs, so a second scheduler on the same data dir skips it too.
- Missed runs are coalesced: a run due while the previous one still runs (or while the
  scheduler was down, per its state file) becomes ONE run as soon as possible.
- Schedules: `interval` (seconds from the previous start) or `cron` (UTC), plus `jitter`
  (a random delay of up to that many seconds per run). Platforms without a schedule are
  only run with --once.
- SIGTERM / SIGINT: no new runs; SIGTERM is forwarded to running crawls (Scrapy stops
  gracefully, the job is recorded as interrupted and the next run resumes); after
  SCHEDULER_STOP_TIMEOUT seconds (default 120) they are killed.
- Between runs (after each crawl and every SCHEDULER_DELIVER_INTERVAL seconds, default 60)
  the alert outbox is drained for deliveries a crawl left behind.
- Decisions (started, finished, coalesced, skipped, stopped) are logged and appended as
  JSON lines to SCHEDULER_HISTORY (default CRAWLER_DATA_DIR/scheduler-history.jsonl); the
  last start per platform is kept in SCHEDULER_STATE (default CRAWLER_DATA_DIR/scheduler.json).
- SCHEDULER_MAX_PARALLEL: crawls of different platforms at once (default 2).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import fcntl
import json
import logging
import os
import random
import shlex
import signal
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from crawler.profiles import PlatformProfile, ProfileError, Schedule, load_profiles

logger = logging.getLogger("crawler.scheduler")

DEFAULT_COMMAND = "{python} -m crawler crawl {platform}"


@dataclass(frozen=True)
class SchedulerConfig:
    command: str
    data_dir: Path
    state_path: Path
    history_path: Path
    stop_timeout: float = 120.0
    max_parallel: int = 2
    deliver_interval: float = 60.0

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> SchedulerConfig:
        env = os.environ if environ is None else environ
        data = Path(env.get("CRAWLER_DATA_DIR", "data"))

        def num(name: str, default: float) -> float:
            raw = env.get(name)
            try:
                return float(raw) if raw else default
            except ValueError:
                raise ValueError(f"{name}: not a number: {raw!r}") from None

        command = env.get("SCHEDULER_CRAWL_COMMAND") or DEFAULT_COMMAND
        if "{platform}" not in command:
            raise ValueError("SCHEDULER_CRAWL_COMMAND: must contain {platform}")
        return cls(
            command=command,
            data_dir=data,
            state_path=Path(env.get("SCHEDULER_STATE") or data / "scheduler.json"),
            history_path=Path(env.get("SCHEDULER_HISTORY") or data / "scheduler-history.jsonl"),
            stop_timeout=num("SCHEDULER_STOP_TIMEOUT", 120.0),
            max_parallel=max(1, int(num("SCHEDULER_MAX_PARALLEL", 2))),
            deliver_interval=num("SCHEDULER_DELIVER_INTERVAL", 60.0),
        )

    def argv(self, platform: str) -> list[str]:
        return [
            part.replace("{python}", sys.executable).replace("{platform}", platform)
            for part in shlex.split(self.command)
        ]


def next_run(schedule: Schedule, after: float, rng: random.Random | None = None) -> float:
    """The next start time strictly after `after` (Unix seconds), jitter included."""
    if schedule.interval is not None:
        base = after + schedule.interval
    else:
        from croniter import croniter

        assert schedule.cron is not None
        base = croniter(schedule.cron, datetime.fromtimestamp(after, UTC)).get_next(float)
    jitter = (rng or random).uniform(0, schedule.jitter) if schedule.jitter else 0.0
    return base + jitter


def _period(schedule: Schedule | None) -> float:
    # Only to count missed runs for the history; cron periods are approximated by 60 s.
    return (schedule.interval if schedule and schedule.interval else 60.0) or 60.0


class PlatformLock:
    """An exclusive, non-blocking lock on CRAWLER_DATA_DIR/locks/NAME.lock (released on exit)."""

    def __init__(self, data_dir: Path, platform: str) -> None:
        self.path = data_dir / "locks" / f"{platform}.lock"
        self._fh: IO[str] | None = None

    def acquire(self) -> bool:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")  # noqa: SIM115 - held open while the crawl runs
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.close()
            return False
        self._fh = fh
        return True

    def fileno(self) -> int:
        assert self._fh is not None
        return self._fh.fileno()

    def release(self) -> None:
        # Closing (not LOCK_UN) matters: the crawl inherited the descriptor, so a crawl that
        # outlives a killed scheduler keeps the platform locked until it exits.
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@dataclass
class PlatformState:
    profile: PlatformProfile
    due: float | None  # None: not scheduled (only runs with --once)
    last_started: float | None = None
    process: asyncio.subprocess.Process | None = None
    lock: PlatformLock | None = None
    runs: int = 0
    coalesced: int = 0
    missed_logged: bool = field(default=False, repr=False)


class CrawlScheduler:
    def __init__(
        self, profiles: dict[str, PlatformProfile], config: SchedulerConfig, once: bool = False
    ) -> None:
        self.config = config
        self.once = once
        self.stopping = False
        self._wake = asyncio.Event()
        self._last_deliver = 0.0
        self._deliver_warned = False
        saved = self._load_state()
        now = time.time()
        self.platforms: dict[str, PlatformState] = {}
        for name, profile in sorted(profiles.items()):
            st = PlatformState(profile, due=None, last_started=saved.get(name))
            if once:
                st.due = now
            elif profile.schedule is not None:
                st.due = self._first_due(name, profile.schedule, st.last_started, now)
            else:
                self.record("skipped", name, reason="profile has no schedule")
            self.platforms[name] = st

    # -- state and history ---------------------------------------------------------------

    def _load_state(self) -> dict[str, float]:
        try:
            data = json.loads(self.config.state_path.read_text())
            return {k: float(v["last_started"]) for k, v in data.get("platforms", {}).items()}
        except (OSError, ValueError, KeyError, TypeError, AttributeError):
            return {}

    def _save_state(self) -> None:
        data = {
            "platforms": {
                n: {"last_started": s.last_started}
                for n, s in self.platforms.items()
                if s.last_started
            }
        }
        self.config.state_path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.config.state_path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data, indent=1))
        tmp.replace(self.config.state_path)

    def record(self, event: str, platform: str | None = None, **details: Any) -> None:
        entry = {
            "at": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "event": event,
            "platform": platform,
            **details,
        }
        logger.info(
            "schedule: %s %s %s",
            event,
            platform or "",
            " ".join(f"{k}={v}" for k, v in details.items()),
        )
        try:
            self.config.history_path.parent.mkdir(parents=True, exist_ok=True)
            with open(self.config.history_path, "a", encoding="utf-8") as fh:
                fh.write(json.dumps(entry) + "\n")
        except OSError as exc:
            logger.warning("schedule history not written: %s", exc)

    def _first_due(
        self, name: str, schedule: Schedule, last_started: float | None, now: float
    ) -> float:
        if last_started is None:
            # Never ran: an interval platform runs now; a cron platform waits for its time.
            return now if schedule.interval is not None else next_run(schedule, now)
        due = next_run(schedule, last_started)
        if due <= now:
            self.record(
                "coalesced",
                name,
                reason="runs missed while the scheduler was down",
                last_started=last_started,
            )
            return now
        return due

    # -- running crawls ------------------------------------------------------------------

    def _running(self) -> list[PlatformState]:
        return [s for s in self.platforms.values() if s.process is not None]

    async def _start(self, name: str, st: PlatformState) -> None:
        lock = PlatformLock(self.config.data_dir, name)
        if not lock.acquire():
            self.record("skipped", name, reason="another process is crawling this platform")
            st.due = self._retry_later(st)
            return
        argv = self.config.argv(name)
        try:
            st.process = await asyncio.create_subprocess_exec(
                *argv,
                start_new_session=True,  # our SIGTERM handling decides what the crawls get
                pass_fds=(lock.fileno(),),
                env={**os.environ, "SCHEDULER_LOCK_FD": str(lock.fileno())},
            )
        except OSError as exc:
            lock.release()
            self.record("failed", name, reason=f"cannot start crawl: {exc}")
            st.due = self._retry_later(st)
            return
        st.lock = lock
        st.last_started = time.time()
        st.due = self._after_run(st, st.last_started)
        st.runs += 1
        st.missed_logged = False
        self._save_state()
        self.record("started", name, pid=st.process.pid, run=st.runs)
        asyncio.ensure_future(self._watch(name, st))

    def _retry_later(self, st: PlatformState) -> float | None:
        # Not a tight loop: look again after one period (at most a minute).
        if self.once or st.profile.schedule is None:
            return None
        return time.time() + min(_period(st.profile.schedule), 60.0)

    def _after_run(self, st: PlatformState, now: float) -> float | None:
        if self.once or st.profile.schedule is None:
            return None
        due = next_run(st.profile.schedule, st.last_started or now)
        return max(due, now)

    async def _watch(self, name: str, st: PlatformState) -> None:
        assert st.process is not None
        rc = await st.process.wait()
        duration = time.time() - (st.last_started or time.time())
        if st.lock is not None:
            st.lock.release()
            st.lock = None
        st.process = None
        if self.stopping:
            self.record("stopped", name, returncode=rc, duration=round(duration, 2))
        else:
            self.record("finished", name, returncode=rc, duration=round(duration, 2))
        if st.due is not None and st.due <= time.time() and st.coalesced:
            # One run now for however many came due while this one ran.
            self.record("coalesced", name, missed=st.coalesced)
        st.coalesced = 0
        self._wake.set()

    async def _tick(self, now: float) -> None:
        """Start every due platform that is not running, within the parallel limit."""
        # Longest-waiting first, so that a parallel limit cannot starve a platform.
        waiting = sorted(self.platforms.items(), key=lambda kv: kv[1].due or 0.0)
        for name, st in waiting:
            if st.due is None or st.due > now:
                continue
            if st.process is not None:
                # Due while still running: coalesced into one run after it finishes.
                if not st.missed_logged:
                    st.missed_logged = True
                    self.record("deferred", name, reason="previous run still running")
                st.coalesced = max(
                    st.coalesced, 1 + int((now - st.due) // _period(st.profile.schedule))
                )
                continue
            if len(self._running()) >= self.config.max_parallel:
                continue
            st.due = None
            await self._start(name, st)

    async def _deliver_alerts(self) -> None:
        """Send alert deliveries crawls left in the outbox (receiver was down, crawl killed)."""
        self._last_deliver = time.time()
        try:
            from crawler.alerts.cli import deliver_outbox
            from crawler.alerts.config import AlertsConfig

            cfg = AlertsConfig.from_settings()
            if not cfg.enabled or cfg.rules_path is None or not cfg.outbox_path.exists():
                return
            remaining = await deliver_outbox(cfg, timeout=10.0)
            if remaining:
                logger.info("schedule: %d alert deliveries still pending", remaining)
        except Exception as exc:
            if not self._deliver_warned:
                self._deliver_warned = True
                logger.warning("schedule: alert outbox not drained (warned once): %s", exc)

    async def run(self) -> int:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        self.record(
            "scheduler_started",
            None,
            platforms=sorted(n for n, s in self.platforms.items() if s.due is not None),
            once=self.once,
        )
        try:
            while not self.stopping:
                now = time.time()
                was_running = len(self._running())
                self._wake.clear()
                await self._tick(now)
                if (
                    self.once
                    and not self._running()
                    and all(s.due is None for s in self.platforms.values())
                ):
                    break
                if (
                    not self.once
                    and time.time() - self._last_deliver >= self.config.deliver_interval
                ):
                    await self._deliver_alerts()
                now = time.time()
                slots = len(self._running()) < self.config.max_parallel
                # Platforms waiting for a free slot are woken by the crawl that frees it.
                dues = [
                    s.due
                    for s in self.platforms.values()
                    if s.due is not None and (s.due > now or (s.process is None and slots))
                ]
                timeout = min([max(0.05, d - time.time()) for d in dues], default=5.0)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), min(timeout, 5.0))
                if len(self._running()) < was_running and not self.stopping:
                    await self._deliver_alerts()
        finally:
            await self._shutdown()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        if self.once:
            await self._deliver_alerts()
        self.record("scheduler_stopped", None)
        return 0

    def stop(self) -> None:
        if not self.stopping:
            self.stopping = True
            self.record(
                "stopping", None, running=[n for n, s in self.platforms.items() if s.process]
            )
            for st in self._running():
                with contextlib.suppress(ProcessLookupError):
                    assert st.process is not None
                    st.process.send_signal(signal.SIGTERM)
        self._wake.set()

    async def _shutdown(self) -> None:
        running = self._running()
        if not running:
            return
        deadline = time.monotonic() + self.config.stop_timeout
        while self._running() and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        for st in self._running():
            assert st.process is not None
            self.record(
                "killed", st.profile.name, reason=f"still running after {self.config.stop_timeout}s"
            )
            with contextlib.suppress(ProcessLookupError):
                st.process.kill()
            await st.process.wait()
        await asyncio.sleep(0)  # let the watchers record the exits


def register(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "schedule", help="run every platform on its profile schedule (daemon)"
    )
    p.add_argument("--platform", action="append", help="only this platform (repeatable)")
    p.add_argument(
        "--once", action="store_true", help="run each selected platform once now, then exit"
    )
    p.set_defaults(func=cmd_schedule)


def cmd_schedule(args: argparse.Namespace) -> int:
    try:
        profiles = load_profiles()
        config = SchedulerConfig.from_env()
    except (ProfileError, ValueError) as exc:
        print(f"crawler schedule: {exc}", file=sys.stderr)
        return 2
    for err in profiles.errors:
        # One broken profile fails only its own platform: the others are scheduled.
        print(f"crawler schedule: broken profile not scheduled: {err}", file=sys.stderr)
    if args.platform:
        unknown = [p for p in args.platform if p not in profiles]
        if unknown:
            print(
                f"crawler schedule: unknown platform(s) {', '.join(unknown)}; configured: {', '.join(sorted(profiles))}",
                file=sys.stderr,
            )
            return 2
        profiles = {n: p for n, p in profiles.items() if n in args.platform}
    if not args.once and not any(p.schedule for p in profiles.values()):
        print(
            "crawler schedule: no selected platform has a schedule (use --once to run them now)",
            file=sys.stderr,
        )
        return 2
    if not logging.getLogger().handlers or logging.getLogger().level > logging.INFO:
        # A daemon's decisions belong in its log even without -v.
        logging.getLogger("crawler.scheduler").setLevel(logging.INFO)
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.propagate = False
    return asyncio.run(CrawlScheduler(profiles, config, once=args.once).run())
