"""The scheduler daemon: starts each platform's crawl process when it is due (see the package)."""

from __future__ import annotations

import asyncio
import contextlib
import importlib
import json
import logging
import os
import signal
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from crawler.profiles import PlatformProfile, Schedule
from crawler.schedule.config import SchedulerConfig
from crawler.schedule.lock import PlatformLock
from crawler.schedule.timing import next_run, period
from crawler.worker.config import QueueConfig

logger = logging.getLogger("crawler.scheduler")


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
        self,
        profiles: dict[str, PlatformProfile],
        config: SchedulerConfig,
        once: bool = False,
        settings: Any = None,
    ) -> None:
        if settings is None:
            from crawler.config import crawler_settings

            settings = crawler_settings()
        self.settings = settings
        self.config = config
        self.once = once
        # QUEUE_URL set: due platforms are queued for `crawler worker`s (crawler.worker)
        # instead of run here as processes.
        self.queue = QueueConfig.from_settings(settings)
        self._pool: Any = None
        self.unqueued = 0  # runs that could not be queued (Redis unreachable)
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

    async def _enqueue(self, name: str, st: PlatformState) -> None:
        """Queue one run of the platform for the workers (QUEUE_URL)."""
        from crawler.worker.queue import connect, enqueue, queue_name, requirements

        now = time.time()
        try:
            if self._pool is None:
                self._pool = await connect(self.queue)
            queued = await enqueue(self._pool, self.queue, st.profile)
        except Exception as exc:  # noqa: BLE001 - Redis down: said, and tried again later
            self.record("failed", name, reason=f"queue unreachable: {type(exc).__name__}: {exc}")
            self.unqueued += 1
            self._pool = None
            st.due = self._retry_later(st)
            return
        st.last_started = now
        st.due = self._after_run(st, now)
        st.runs += 1
        self._save_state()
        if queued:
            where = queue_name(self.queue, requirements(st.profile))
            self.record("enqueued", name, queue=where, run=st.runs)
        else:
            self.record(
                "deferred", name, reason="a run of this platform is still queued or running"
            )

    async def _start(self, name: str, st: PlatformState) -> None:
        if self.queue.enabled:
            await self._enqueue(name, st)
            return
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
        return time.time() + min(period(st.profile.schedule), 60.0)

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
                    st.coalesced, 1 + int((now - st.due) // period(st.profile.schedule))
                )
                continue
            if not self.queue.enabled and len(self._running()) >= self.config.max_parallel:
                continue
            st.due = None
            await self._start(name, st)

    async def _deliver_alerts(self) -> None:
        """Send alert deliveries crawls left in the outbox (receiver was down, crawl killed)."""
        self._last_deliver = time.time()
        try:
            from crawler.alerts.config import AlertsConfig

            cfg = AlertsConfig.from_settings(self.settings)
            if not cfg.enabled or cfg.rules_path is None or not cfg.outbox_path.exists():
                return
            # Imported only when there is something to deliver, and in a thread: the import
            # costs seconds of CPU on a loaded machine, and the loop must go on starting due
            # platforms meanwhile.
            alerts_cli = await asyncio.to_thread(importlib.import_module, "crawler.alerts.cli")
            remaining = await alerts_cli.deliver_outbox(cfg, self.settings, timeout=10.0)
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
                    async with asyncio.timeout(min(timeout, 5.0)):
                        await self._wake.wait()
                if len(self._running()) < was_running and not self.stopping:
                    await self._deliver_alerts()
        finally:
            await self._shutdown()
            if self._pool is not None:
                with contextlib.suppress(Exception):
                    await self._pool.aclose()
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
        if self.once:
            await self._deliver_alerts()
        self.record("scheduler_stopped", None)
        # --once with a queue: a platform that could not be queued is a failed command.
        return 1 if self.once and self.unqueued else 0

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
