"""A real Redis server on 127.0.0.1 for tests and benchmarks (Debian's redis-server).

`RedisServer` starts one on a free port, in the foreground, without touching disk unless
`persistent` (then an append-only file in a temporary directory, so that `restart()` keeps
the queue as a production Redis with persistence would). `stop()` always kills it; use it as
a context manager. Nothing here is used in production.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from crawler.testing.receivers import free_port

REDIS_SERVER = "redis-server"


def available() -> bool:
    return shutil.which(REDIS_SERVER) is not None


class RedisServer:
    def __init__(self, persistent: bool = False, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = free_port(host)
        self.persistent = persistent
        self._dir = tempfile.TemporaryDirectory(prefix="flagwatch-redis-")
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"

    def argv(self) -> list[str]:
        argv = [REDIS_SERVER, "--port", str(self.port), "--bind", self.host, "--save", ""]
        argv += ["--daemonize", "no", "--dir", self._dir.name, "--protected-mode", "no"]
        argv += ["--appendonly", "yes" if self.persistent else "no"]
        if self.persistent:
            argv += ["--appendfsync", "always"]
        return argv

    def start(self, timeout: float = 10.0) -> RedisServer:
        log = open(Path(self._dir.name) / "redis.log", "ab")  # noqa: SIM115 - the server's
        self.proc = subprocess.Popen(self.argv(), stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"redis-server exited: {self.log()[-2000:]}")
            if self.ping():
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"redis-server did not answer within {timeout}s")

    def ping(self) -> bool:
        try:
            with socket.create_connection((self.host, self.port), timeout=0.5) as s:
                s.sendall(b"PING\r\n")
                return s.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def log(self) -> str:
        try:
            return (Path(self._dir.name) / "redis.log").read_text(errors="replace")
        except OSError:
            return ""

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def restart(self, down_for: float = 0.0) -> None:
        """Kill the server (as a crash would) and start it again on the same port."""
        self.stop()
        time.sleep(down_for)
        self.start()

    def close(self) -> None:
        self.stop()
        self._dir.cleanup()

    def __enter__(self) -> RedisServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
