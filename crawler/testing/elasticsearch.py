"""A throw-away single-node Elasticsearch on 127.0.0.1 for tests and benchmarks.

Runs the integ-test-zip that scripts/elasticsearch.sh unpacked into the cache, as an
unprivileged user (the server refuses root), with a fresh config/data/log directory per
server and free ports. Readiness is `GET /_cluster/health?wait_for_status=yellow` because
this distribution has no `GET /`.

Settings (environment, all optional):
  ES_HOME        the unpacked distribution (default ~/.cache/flagwatch/elasticsearch/
                 elasticsearch-$ES_VERSION, ES_VERSION default 9.5.0)
  ES_JAVA_HOME   the JDK (default: the newest /usr/lib/jvm JDK that the server major accepts)
  ES_RUN_USER    the user that runs the server when we are root (default flagwatch-es)
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

DEFAULT_VERSION = "9.5.0"
ELASTIC_PASSWORD = "flagwatch-test-elastic"  # only ever used by throw-away test servers


class ElasticsearchServerError(RuntimeError):
    """The test server could not be set up or did not become ready; the message says why."""


def default_home() -> Path:
    if os.environ.get("ES_HOME"):
        return Path(os.environ["ES_HOME"])
    version = os.environ.get("ES_VERSION", DEFAULT_VERSION)
    cache = Path(os.environ.get("FLAGWATCH_CACHE", Path.home() / ".cache" / "flagwatch"))
    return cache / "elasticsearch" / f"elasticsearch-{version}"


def _java_major(jdk: Path) -> int:
    release = jdk / "release"
    if release.is_file():
        m = re.search(r'JAVA_VERSION="(\d+)', release.read_text())
        if m:
            return int(m.group(1))
    m = re.search(r"(\d+)", jdk.name)
    return int(m.group(1)) if m else 0


def find_java_home(es_major: int) -> Path:
    """ES_JAVA_HOME, else the newest JDK under /usr/lib/jvm that this server major runs on."""
    if os.environ.get("ES_JAVA_HOME"):
        return Path(os.environ["ES_JAVA_HOME"])
    needed = 21 if es_major >= 9 else 17
    jdks = [p for p in Path("/usr/lib/jvm").glob("*") if (p / "bin" / "java").exists()]
    usable = sorted((_java_major(p), str(p)) for p in jdks if _java_major(p) >= needed)
    if not usable:
        raise ElasticsearchServerError(
            f"ES_JAVA_HOME: no JDK >= {needed} under /usr/lib/jvm for Elasticsearch {es_major}.x"
        )
    return Path(usable[-1][1])


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


class ElasticsearchServer:
    """One single-node test cluster; a context manager, or start()/stop()/close().

    stop() then start() restarts on the same data directory and port (the "Elasticsearch
    down mid-crawl" tests); pause()/resume() freeze the process instead (connections hang).
    close() stops it and deletes every directory it made, also after a failed test.
    """

    def __init__(
        self,
        security: bool = False,
        heap: str = "512m",
        home: Path | None = None,
        user: str | None = None,
        ready_timeout: float = 180.0,
        roles: dict[str, dict] | None = None,
        users: dict[str, tuple[str, list[str]]] | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.security = security
        # The HTTP address (transport stays on 127.0.0.1): e.g. a bridge address a test
        # created (crawler.testing.netns), never one outside what the test made.
        self.host = host
        self.heap = heap
        self.home = Path(home) if home else default_home()
        self.ready_timeout = ready_timeout
        # File-realm roles and users (security only). The integ-test-zip cannot create the
        # .security index (its mapping needs the absent analysis-common module), so native
        # users and API keys are unavailable here; file-realm users work.
        self.roles = roles or {}
        self.users = users or {}
        if not (self.home / "bin" / "elasticsearch").exists():
            raise ElasticsearchServerError(
                f"ES_HOME: no Elasticsearch distribution at {self.home}; "
                "run scripts/elasticsearch.sh first"
            )
        m = re.search(r"(\d+)\.\d+\.\d+", self.home.name)
        self.version = m.group(0) if m else "unknown"
        self.major = int(m.group(1)) if m else 9
        self.java_home = find_java_home(self.major)
        if os.geteuid() == 0:
            self.user: str | None = user or os.environ.get("ES_RUN_USER", "flagwatch-es")
            try:
                pwd.getpwnam(self.user)
            except KeyError as exc:
                raise ElasticsearchServerError(
                    f"ES_RUN_USER: user {self.user!r} does not exist; run scripts/elasticsearch.sh"
                ) from exc
        else:
            self.user = None  # not root: run as ourselves
        self.root: Path | None = None
        self.http_port = 0
        self.transport_port = 0
        self.proc: subprocess.Popen[bytes] | None = None
        self.password = ELASTIC_PASSWORD if security else None

    # -- public -----------------------------------------------------------------------
    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.http_port}"

    @property
    def basic_auth(self) -> tuple[str, str] | None:
        return ("elastic", self.password) if self.password else None

    def __enter__(self) -> Self:
        try:
            self.start()
        except BaseException:
            self.close()  # __exit__ is not called when __enter__ fails
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start (or restart on the same data and port) and wait until the cluster is yellow."""
        if self.proc is not None and self.proc.poll() is None:
            return
        if self.root is None:
            self._prepare()
        assert self.root is not None
        log = open(self.root / "console.log", "ab")  # noqa: SIM115 - owned by the child
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(self.java_home),
            "ES_PATH_CONF": str(self.root / "config"),
            "ES_TMPDIR": str(self.root / "tmp"),
            # No hsperfdata files in /tmp; the launcher JVM's temp files stay in our dir.
            "ES_JAVA_OPTS": f"-Xms{self.heap} -Xmx{self.heap} -XX:-UsePerfData",
            "CLI_JAVA_OPTS": f"-Djava.io.tmpdir={self.root / 'tmp'} -XX:-UsePerfData",
            "HOME": str(self.root),
            "LANG": "C.UTF-8",
            "JAVA_TOOL_OPTIONS": "-XX:-UsePerfData",  # also for the launcher's helper JVMs
        }
        try:
            self.proc = subprocess.Popen(
                [str(self.home / "bin" / "elasticsearch")],
                cwd=self.root,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                **self._run_as(),
                start_new_session=True,  # its own process group: stop() kills the JVM too
            )
        finally:
            log.close()
        try:
            self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def stop(self) -> None:
        """Stop the server; keep its data (start() brings it back on the same port)."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGCONT)  # in case it was paused
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)

    def kill(self) -> None:
        """SIGKILL the server (a crash, not a shutdown); start() brings it back on its data."""
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)

    def close(self) -> None:
        """Stop and delete every directory this server made."""
        try:
            self.stop()
        finally:
            if self.root is not None:
                shutil.rmtree(self.root, ignore_errors=True)
                self.root = None

    def pause(self) -> None:
        """Freeze the server (SIGSTOP): requests hang until resume()."""
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGSTOP)

    def resume(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGCONT)

    def request(self, method: str, path: str, body: object = None, timeout: float = 30.0) -> dict:
        """A JSON request as the elastic superuser (security on) or anonymously."""
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method)
        req.add_header("Content-Type", "application/json")
        if self.basic_auth:
            token = base64.b64encode(":".join(self.basic_auth).encode()).decode()
            req.add_header("Authorization", f"Basic {token}")
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                return json.loads(resp.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode(errors="replace")[:1000]
            raise ElasticsearchServerError(f"{method} {path}: HTTP {exc.code}: {detail}") from None

    def create_api_key(self, name: str, role_descriptors: dict) -> str:
        """Create an API key with the elastic user; returns the encoded key (for ApiKey auth).

        Needs the .security index, which the integ-test-zip cannot create (its mapping uses
        the absent analysis-common module): works on a full distribution only.
        """
        if not self.security:
            raise ElasticsearchServerError(
                "create_api_key needs ElasticsearchServer(security=True)"
            )
        out = self.request(
            "POST", "/_security/api_key", {"name": name, "role_descriptors": role_descriptors}
        )
        return out["encoded"]

    def log_tail(self, lines: int = 40) -> str:
        if self.root is None or not (self.root / "console.log").exists():
            return ""
        return "\n".join(
            (self.root / "console.log").read_text(errors="replace").splitlines()[-lines:]
        )

    # -- set-up -----------------------------------------------------------------------
    def _prepare(self) -> None:
        root = Path(tempfile.mkdtemp(prefix="flagwatch-es-"))
        self.root = root
        try:
            shutil.copytree(self.home / "config", root / "config")
            for sub in ("data", "logs", "tmp"):
                (root / sub).mkdir()
            self.http_port = free_port(self.host)
            self.transport_port = free_port()
            (root / "config" / "elasticsearch.yml").write_text(self._config_yaml())
            if self.user:
                entry = pwd.getpwnam(self.user)
                for path in [root, *root.rglob("*")]:
                    os.chown(path, entry.pw_uid, entry.pw_gid)
            os.chmod(root, 0o750)
            if self.security:
                self._bootstrap_password()
                self._file_realm()
        except BaseException:
            shutil.rmtree(root, ignore_errors=True)
            self.root = None
            raise

    def _config_yaml(self) -> str:
        assert self.root is not None
        lines = [
            "cluster.name: flagwatch-test",
            "node.name: flagwatch-test-node",
            "discovery.type: single-node",
            "network.host: 127.0.0.1",
            f"http.host: {self.host}",
            f"http.port: {self.http_port}",
            f"transport.port: {self.transport_port}",
            f"path.data: {self.root / 'data'}",
            f"path.logs: {self.root / 'logs'}",
            # Shared CI disks are often >90% full; the watermarks would block writes.
            "cluster.routing.allocation.disk.threshold_enabled: false",
            f"xpack.security.enabled: {'true' if self.security else 'false'}",
        ]
        if self.security:
            # Plain HTTP on loopback: the tests exercise authorisation, not TLS.
            lines += [
                "xpack.security.http.ssl.enabled: false",
                "xpack.security.transport.ssl.enabled: false",
            ]
        return "\n".join(lines) + "\n"

    def _run_as(self) -> dict:
        """Popen arguments that drop to the server user, its group only: keeping root's group
        would make group permissions (e.g. /root's 0701) apply instead of "other" ones."""
        if not self.user:
            return {}
        entry = pwd.getpwnam(self.user)
        return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}

    def _tool_env(self) -> dict[str, str]:
        assert self.root is not None
        return {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "ES_JAVA_HOME": str(self.java_home),
            "ES_PATH_CONF": str(self.root / "config"),
            "HOME": str(self.root),
            "CLI_JAVA_OPTS": f"-Djava.io.tmpdir={self.root / 'tmp'} -XX:-UsePerfData",
            "JAVA_TOOL_OPTIONS": "-XX:-UsePerfData",
        }

    def _bootstrap_password(self) -> None:
        """Seed the elastic user's password through the keystore (bootstrap.password)."""
        tool = str(self.home / "bin" / "elasticsearch-keystore")
        run = dict(env=self._tool_env(), capture_output=True, timeout=120, **self._run_as())
        keystore = Path(self.root or ".") / "config" / "elasticsearch.keystore"
        if not keystore.exists():
            res = subprocess.run([tool, "create"], **run)
            if res.returncode:
                raise ElasticsearchServerError(f"elasticsearch-keystore create: {res.stderr!r}")
        res = subprocess.run(
            [tool, "add", "-x", "-f", "bootstrap.password"],
            input=(self.password or "").encode(),
            **run,
        )
        if res.returncode:
            raise ElasticsearchServerError(f"elasticsearch-keystore add: {res.stderr!r}")

    def _file_realm(self) -> None:
        """roles.yml (JSON is YAML) and users added with bin/elasticsearch-users."""
        assert self.root is not None
        if self.roles:
            (self.root / "config" / "roles.yml").write_text(json.dumps(self.roles, indent=1))
        tool = str(self.home / "bin" / "elasticsearch-users")
        for name, (password, roles) in self.users.items():
            res = subprocess.run(
                [tool, "useradd", name, "-p", password, "-r", ",".join(roles)],
                env=self._tool_env(),
                capture_output=True,
                timeout=120,
                **self._run_as(),
            )
            if res.returncode:
                raise ElasticsearchServerError(
                    f"elasticsearch-users useradd {name}: {res.stderr!r}"
                )

    def _wait_ready(self) -> None:
        deadline = time.monotonic() + self.ready_timeout
        last = ""
        while time.monotonic() < deadline:
            if self.proc is None or self.proc.poll() is not None:
                raise ElasticsearchServerError(
                    f"Elasticsearch {self.version} exited during start-up:\n{self.log_tail()}"
                )
            try:
                health = self.request(
                    "GET", "/_cluster/health?wait_for_status=yellow&timeout=5s", timeout=10
                )
                if health.get("status") in ("yellow", "green"):
                    return
                last = str(health)
            except (ElasticsearchServerError, urllib.error.URLError, OSError, ValueError) as exc:
                last = str(exc)
            time.sleep(0.5)
        raise ElasticsearchServerError(
            f"Elasticsearch {self.version} not ready after {self.ready_timeout:.0f}s ({last}):\n"
            f"{self.log_tail()}"
        )
