"""Support code of the browser tests: trial crawls, Chromium processes, a SOCKS5 recorder.

Everything runs on 127.0.0.1: crawls as child processes (python -m spiders.trial),
Chromium from Debian under Playwright. `SocksRecorder` stands in for Tor's SocksPort where
a test only needs to see that the browser goes through a proxy, and with which names.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from crawler.demo.world import DemoWorldThread

REPO = Path(__file__).resolve().parents[2]
PLATFORMS = REPO / "crawler" / "platforms"
CHROMIUM = "/usr/lib/chromium/chromium"


def base_env(world: DemoWorldThread, data_dir: Path | None = None) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("STORE_", "ELASTICSEARCH_", "CRAWLER_", "TOR_", "BROWSER_"))
    }
    env.update(world.env())
    env["PYTHONPATH"] = str(REPO)
    if data_dir is not None:
        env["CRAWLER_DATA_DIR"] = str(data_dir)
    return env


def is_chromium(proc: psutil.Process) -> bool:
    try:
        return proc.exe() == CHROMIUM or proc.name() == "chromium"
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return False


def chromium_descendants(pid: int) -> list[psutil.Process]:
    try:
        children = psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []
    return [p for p in children if is_chromium(p)]


def alive(procs: dict[int, psutil.Process]) -> list[int]:
    out = []
    for pid, p in procs.items():
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                out.append(pid)
        except psutil.NoSuchProcess:
            pass
    return out


@dataclass
class TrialRun:
    returncode: int
    output: str
    listings: dict[str, dict]
    stats: dict
    chromium_seen: dict[int, psutil.Process] = field(default_factory=dict)
    chromium_left: list[int] = field(default_factory=list)  # alive after the crawl exited


def run_trial(
    profile: str | Path,
    env: dict[str, str],
    tmp: Path,
    *,
    while_running: Callable[[subprocess.Popen, Path, dict[int, psutil.Process]], None]
    | None = None,
    timeout: float = 400,
) -> TrialRun:
    """Run `python -m spiders.trial` on a profile (bundled name or path).

    Watches the crawl's Chromium processes; `while_running(proc, out_file, chromium)` is
    called every 0.1 s while the crawl runs.
    """
    path = Path(profile) if isinstance(profile, Path) else PLATFORMS / f"{profile}.yaml"
    stem = path.stem
    out, stats_file, log = tmp / f"{stem}.jsonl", tmp / f"{stem}.stats.json", tmp / f"{stem}.log"
    cmd = [
        sys.executable,
        "-m",
        "spiders.trial",
        str(path),
        str(out),
        "--stats",
        str(stats_file),
    ]
    seen: dict[int, psutil.Process] = {}
    left: list[int] = []
    with log.open("w") as log_fh:
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=log_fh, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + timeout
        try:
            while proc.poll() is None:
                if time.monotonic() > deadline:
                    raise TimeoutError(f"trial crawl of {profile} still running after {timeout} s")
                for p in chromium_descendants(proc.pid):
                    seen.setdefault(p.pid, p)
                if while_running is not None:
                    while_running(proc, out, seen)
                time.sleep(0.1)
        finally:
            if proc.poll() is None:
                proc.kill()
            proc.wait()
            # Chromium's helpers exit within moments of the browser; give them 3 s.
            settle = time.monotonic() + 3
            while alive(seen) and time.monotonic() < settle:
                time.sleep(0.1)
            left = alive(seen)
            # Whatever happened, no Chromium of ours may outlive the test.
            for pid in left:
                with contextlib.suppress(psutil.NoSuchProcess):
                    seen[pid].kill()
    listings = {}
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            raw = json.loads(line)
            listings[raw["key"]] = raw
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    return TrialRun(proc.returncode, log.read_text(errors="replace"), listings, stats, seen, left)


class SocksRecorder:
    """A minimal SOCKS5 proxy (no auth, CONNECT only) that records what it was asked for.

    It resolves names itself through `hosts` only: a name it does not know fails, so a
    page that loads proves its name was resolved here and not by the browser.
    """

    def __init__(self, hosts: dict[str, str]) -> None:
        self.hosts = hosts
        self.connects: list[tuple[str, int]] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.AbstractServer | None = None
        self._thread: threading.Thread | None = None

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            ver, n = await reader.readexactly(2)
            await reader.readexactly(n)
            writer.write(b"\x05\x00")  # no authentication
            ver, cmd, _, atyp = await reader.readexactly(4)
            if atyp == 1:
                host = ".".join(str(b) for b in await reader.readexactly(4))
            elif atyp == 3:
                host = (await reader.readexactly((await reader.readexactly(1))[0])).decode()
            else:
                await reader.readexactly(16)
                host = "ipv6"
            (port,) = struct.unpack("!H", await reader.readexactly(2))
            self.connects.append((host, port))
            target = self.hosts.get(host, host if host.startswith("127.") else None)
            if cmd != 1 or target is None:
                writer.write(b"\x05\x04\x00\x01" + bytes(6))  # host unreachable
                writer.close()
                return
            up_reader, up_writer = await asyncio.open_connection(target, port)
            writer.write(b"\x05\x00\x00\x01" + bytes(4) + struct.pack("!H", 0))
            await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))
        except (asyncio.IncompleteReadError, ConnectionError):
            writer.close()

    def start(self) -> int:
        ready = threading.Event()

        async def serve() -> None:
            self._server = await asyncio.start_server(self._client, "127.0.0.1", 0)
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            async with self._server:
                await self._server.serve_forever()

        def run() -> None:
            self._loop = asyncio.new_event_loop()
            try:
                self._loop.run_until_complete(serve())
            except asyncio.CancelledError:
                pass
            finally:
                self._loop.close()

        self._thread = threading.Thread(target=run, name="socks-recorder", daemon=True)
        self._thread.start()
        ready.wait(10)
        return self.port

    def stop(self) -> None:
        loop = self._loop
        if loop is not None and not loop.is_closed():

            async def shutdown() -> None:
                if self._server is not None:
                    self._server.close()
                for task in asyncio.all_tasks():
                    if task is not asyncio.current_task():
                        task.cancel()

            with contextlib.suppress(RuntimeError):  # the loop already stopped
                asyncio.run_coroutine_threadsafe(shutdown(), loop)
        if self._thread is not None:
            self._thread.join(10)
