"""Control of a tor process through stem: start one, or attach to a running one.

`TorManager.launch()` starts tor from a generated torrc (its own data directory, SocksPort,
ControlPort, cookie authentication) and stops it again on `close()`; `TorManager.attach()`
talks to a tor someone else runs (ControlPort with cookie or password authentication) and
never stops it. Both give: bootstrap waiting with progress callbacks, health checks
(`is_alive`, `circuit_established`), `newnym()` rate-limited to tor's own pace (tor ignores
NEWNYM more often than every ~10 s), and `status()`.

Settings: `attach()` takes a TorEndpoint (crawler.tor.tor_endpoint: TOR_CONTROL_HOST,
TOR_CONTROL_PORT, TOR_CONTROL_PASSWORD, TOR_COOKIE_AUTH_FILE, TOR_SOCKS_URL); `launch()`
takes the tor binary (the TOR_BINARY setting; default `tor`).
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import socket
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.tor import TorEndpoint

log = logging.getLogger(__name__)

ProgressCallback = Callable[[int, str], None]


def free_ports(count: int) -> list[int]:
    """Distinct free TCP ports on 127.0.0.1 (each socket held until all are chosen)."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class TorControlError(RuntimeError):
    """tor's control port could not be reached, authenticated, or did not answer."""


@dataclass(frozen=True)
class TorStatus:
    version: str
    bootstrap_progress: int
    bootstrap_summary: str
    circuit_established: bool
    circuits_built: int
    socks_listeners: list[str]
    started_by_us: bool

    def lines(self) -> list[str]:
        return [
            f"tor version:          {self.version}",
            f"bootstrap:            {self.bootstrap_progress}% ({self.bootstrap_summary})",
            f"circuit established:  {'yes' if self.circuit_established else 'no'}",
            f"circuits built:       {self.circuits_built}",
            f"socks listeners:      {', '.join(self.socks_listeners) or '-'}",
        ]


class TorManager:
    """One tor, controlled through its ControlPort with stem."""

    NEWNYM_INTERVAL = 10.0  # seconds; tor rate-limits NEWNYM to about this

    def __init__(
        self,
        endpoint: TorEndpoint,
        *,
        process: subprocess.Popen[bytes] | None = None,
        data_dir: Path | None = None,
        owns_data_dir: bool = False,
    ) -> None:
        self.endpoint = endpoint
        self.process = process
        self.data_dir = data_dir
        self._owns_data_dir = owns_data_dir
        self._controller: Any = None
        self._lock = threading.Lock()
        self._last_newnym: float | None = None
        self.newnym_sent = 0
        self.newnym_rate_limited = 0

    # -- construction -----------------------------------------------------------------

    @classmethod
    def attach(cls, endpoint: TorEndpoint) -> TorManager:
        """Control a running tor; `close()` will leave it running."""
        manager = cls(endpoint)
        manager.controller()  # fail now, with the reason, if the control port is wrong
        return manager

    @classmethod
    def launch(
        cls,
        *,
        data_dir: Path | str | None = None,
        socks_port: int | None = None,
        control_port: int | None = None,
        options: Iterable[str] = (),
        tor_binary: str | None = None,
        timeout: float = 120.0,
        progress: ProgressCallback | None = None,
    ) -> TorManager:
        """Start tor from a generated torrc and wait until it is 100% bootstrapped.

        `options` are extra torrc lines (e.g. the DirAuthority lines of a private network).
        """
        owns = data_dir is None
        ddir = Path(data_dir or tempfile.mkdtemp(prefix="flagwatch-tor-"))
        ddir.mkdir(parents=True, exist_ok=True)
        os.chmod(ddir, 0o700)  # tor refuses a data directory others can read
        ports = free_ports(2)
        socks_port = socks_port or ports[0]
        control_port = control_port or ports[1]
        torrc = ddir / "torrc"
        torrc.write_text(
            "\n".join(
                [
                    f"DataDirectory {ddir}",
                    f"SocksPort 127.0.0.1:{socks_port} IsolateSOCKSAuth",
                    f"ControlPort 127.0.0.1:{control_port}",
                    "CookieAuthentication 1",
                    f"Log notice file {ddir / 'notice.log'}",
                    # Stop with this process even if it dies without calling close().
                    f"__OwningControllerProcess {os.getpid()}",
                    *options,
                ]
            )
            + "\n"
        )
        binary = tor_binary or "tor"
        process = subprocess.Popen(
            [binary, "-f", str(torrc)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        endpoint = TorEndpoint(
            socks_port=socks_port,
            control_port=control_port,
            cookie_auth_file=str(ddir / "control_auth_cookie"),
        )
        manager = cls(endpoint, process=process, data_dir=ddir, owns_data_dir=owns)
        try:
            deadline = time.monotonic() + timeout
            while True:
                if process.poll() is not None:
                    raise TorControlError(
                        f"tor exited with {process.returncode} before its control port opened: "
                        + manager.log_tail()
                    )
                try:
                    manager.controller()
                    break
                except TorControlError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.1)
            manager.wait_bootstrap(max(1.0, deadline - time.monotonic()), progress)
        except BaseException:
            manager.close()
            raise
        return manager

    # -- control connection -------------------------------------------------------------

    def controller(self) -> Any:
        """The authenticated stem Controller, reconnecting if tor went away and came back."""
        from stem import SocketError
        from stem.connection import AuthenticationFailure, authenticate_cookie
        from stem.control import Controller

        with self._lock:
            if self._controller is not None and self._controller.is_alive():
                return self._controller
            ep = self.endpoint
            try:
                ctl = Controller.from_port(address=ep.control_host, port=ep.control_port)
            except SocketError as exc:
                raise TorControlError(
                    f"tor control port {ep.control_host}:{ep.control_port} unreachable: {exc}"
                ) from None
            try:
                if ep.control_password:
                    ctl.authenticate(password=ep.control_password)
                elif ep.cookie_auth_file:
                    authenticate_cookie(ctl, ep.cookie_auth_file)
                else:
                    ctl.authenticate(chroot_path=None)
            except (AuthenticationFailure, OSError) as exc:
                ctl.close()
                raise TorControlError(
                    f"tor control port {ep.control_host}:{ep.control_port}: "
                    f"authentication failed: {exc}"
                ) from None
            self._controller = ctl
            return ctl

    # -- health ---------------------------------------------------------------------------

    def is_alive(self) -> bool:
        """tor answers on its control port (and, if we started it, its process runs)."""
        if self.process is not None and self.process.poll() is not None:
            return False
        try:
            self.controller().get_info("version")
            return True
        except Exception:
            return False

    def circuit_established(self) -> bool:
        try:
            return self.controller().get_info("status/circuit-established") == "1"
        except Exception:
            return False

    def bootstrap(self) -> tuple[int, str]:
        phase = self.controller().get_info("status/bootstrap-phase")
        m = re.search(r"PROGRESS=(\d+)", phase)
        s = re.search(r'SUMMARY="([^"]*)"', phase)
        return (int(m.group(1)) if m else 0), (s.group(1) if s else "")

    def wait_bootstrap(
        self, timeout: float = 120.0, progress: ProgressCallback | None = None
    ) -> None:
        """Block until 100% bootstrapped; `progress(percent, summary)` on every change."""
        deadline = time.monotonic() + timeout
        last = -1
        while True:
            if self.process is not None and self.process.poll() is not None:
                raise TorControlError(f"tor exited while bootstrapping: {self.log_tail()}")
            percent, summary = self.bootstrap()
            if percent != last:
                last = percent
                if progress:
                    progress(percent, summary)
            if percent >= 100:
                return
            if time.monotonic() > deadline:
                raise TorControlError(f"tor stuck at {percent}% ({summary}) after {timeout:.0f}s")
            time.sleep(0.2)

    # -- actions ----------------------------------------------------------------------------

    def newnym(self) -> bool:
        """Ask tor for new circuits; False (and nothing sent) if one was sent < 10 s ago."""
        from stem import Signal

        now = time.monotonic()
        if self._last_newnym is not None and now - self._last_newnym < self.NEWNYM_INTERVAL:
            self.newnym_rate_limited += 1
            return False
        self.controller().signal(Signal.NEWNYM)
        self._last_newnym = now
        self.newnym_sent += 1
        return True

    def status(self) -> TorStatus:
        ctl = self.controller()
        percent, summary = self.bootstrap()
        circuits = [c for c in ctl.get_circuits() if c.status == "BUILT"]
        listeners = ctl.get_listeners("SOCKS", [])
        return TorStatus(
            version=str(ctl.get_version()).split(" ")[0],
            bootstrap_progress=percent,
            bootstrap_summary=summary,
            circuit_established=self.circuit_established(),
            circuits_built=len(circuits),
            socks_listeners=[f"{a}:{p}" for a, p in listeners],
            started_by_us=self.process is not None,
        )

    def log_tail(self, lines: int = 5) -> str:
        if not self.data_dir:
            return ""
        try:
            text = (self.data_dir / "notice.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return " | ".join(text.splitlines()[-lines:])

    def close(self) -> None:
        """Close the control connection; stop tor only if this manager started it."""
        with self._lock:
            ctl, self._controller = self._controller, None
        if ctl is not None:
            with contextlib.suppress(Exception):
                ctl.close()
        proc, self.process = self.process, None
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=15)
        if proc is not None and self._owns_data_dir and self.data_dir:
            import shutil

            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> TorManager:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
