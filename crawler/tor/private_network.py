"""A private Tor network on 127.0.0.1, built from Debian's `tor` and `tor-gencert`.

`crawler run` (the demo's onion market), the tests and the Tor benchmark use it, so that
nothing ever reaches the real Tor network.
Layout (chutney's `hs-v3-min`): three directory authorities, three relays (one of them an
exit whose policy accepts only 127.0.0.1), one v3 onion service in front of a local HTTP
port, and one client with a SocksPort and a ControlPort (cookie authentication).

The start order (docs/private-tor-network.md): authorities and relays first, then
poll every authority's consensus until all six relays are Running/Valid/Guard/HSDir, then
the onion service and the client, then wait for the client's 100% bootstrap and the
onion descriptor upload. A start that stalls is torn down and retried in fresh
directories; every failed start is logged with its reason and counted in
`TorTestNetwork.start_attempts` / `.failures`.

Arguments: `tor_bin` (TOR_BINARY, default `tor`), `gencert_bin` (default `tor-gencert`),
`keep_dir=True` keeps the temporary directory after stop() for debugging.
`extra_onion_ports={virtual port: local port}` adds more `HiddenServicePort`s to the same
onion service (the members-only demo site on a second port: one descriptor serves both);
`onion_port_url(port)` is the URL of one of them.
"""

from __future__ import annotations

import atexit
import contextlib
import logging
import os
import re
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from crawler.tor.manager import free_ports

log = logging.getLogger(__name__)

REQUIRED_FLAGS = {"Running", "Valid", "Guard", "HSDir"}

# Options every node of the network shares (see docs/private-tor-network.md for why each matters).
_COMMON = """\
TestingTorNetwork 1
AssumeReachable 1
PathsNeededToBuildCircuits 0.25
TestingDirAuthVoteExit *
TestingDirAuthVoteGuard *
TestingDirAuthVoteHSDir *
TestingMinExitFlagThreshold 0
V3AuthNIntervalsValid 2
ShutdownWaitLength 0
GeoIPFile ""
GeoIPv6File ""
Log notice file {datadir}/notice.log
DataDirectory {datadir}
ControlPort 127.0.0.1:{control_port}
CookieAuthentication 1
__OwningControllerProcess {owner_pid}
"""

_AUTHORITY = """\
Nickname {nickname}
Address 127.0.0.1
ORPort 127.0.0.1:{or_port}
DirPort 127.0.0.1:{dir_port}
SocksPort 0
AuthoritativeDirectory 1
V3AuthoritativeDirectory 1
ExitPolicy reject *:*
TestingV3AuthInitialVotingInterval 5
V3AuthVotingInterval 10
TestingV3AuthInitialVoteDelay 2
TestingV3AuthInitialDistDelay 2
V3AuthVoteDelay 2
V3AuthDistDelay 2
ContactInfo tornet-{nickname}@example.org
"""

_RELAY = """\
Nickname {nickname}
Address 127.0.0.1
ORPort 127.0.0.1:{or_port}
SocksPort 0
DirCache 0
ContactInfo tornet-{nickname}@example.org
"""

_EXIT_POLICY = """\
ExitRelay 1
ExitPolicyRejectPrivate 0
ExitPolicyRejectLocalInterfaces 0
ExitPolicy accept 127.0.0.1:*
ExitPolicy reject *:*
"""

_NO_EXIT = """\
ExitRelay 0
ExitPolicy reject *:*
"""


class TorNetworkError(RuntimeError):
    """The private network could not be started (after every retry)."""


@dataclass
class TorNode:
    """One tor process of the network."""

    nickname: str
    role: str  # authority, relay, exit, onion, client
    datadir: Path
    control_port: int
    or_port: int | None = None
    dir_port: int | None = None
    socks_port: int | None = None
    fingerprint: str | None = None  # relay identity fingerprint (hex, no spaces)
    v3ident: str | None = None  # authority certificate fingerprint
    process: subprocess.Popen[bytes] | None = None
    controller: Any = None  # stem Controller (untyped), kept open (it owns the tor process)

    @property
    def cookie_path(self) -> Path:
        return self.datadir / "control_auth_cookie"

    def notice_tail(self, lines: int = 8) -> str:
        try:
            text = (self.datadir / "notice.log").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])


@dataclass
class ExitInfo:
    """Where the exit relay is: its traffic to 127.0.0.1 comes from this process."""

    nickname: str
    fingerprint: str
    or_port: int
    pid: int


@dataclass
class StartFailure:
    attempt: int
    stage: str
    reason: str
    seconds: float


@dataclass
class _Timings:
    keys: float = 0.0
    consensus: float = 0.0
    bootstrap: float = 0.0
    descriptor: float = 0.0
    first_fetch: float = 0.0


class TorTestNetwork:
    """Builds, runs and tears down the private network.

    >>> net = TorTestNetwork(onion_target_port=8080); net.start()
    >>> net.socks_port, net.control_port, net.onion_hostname
    >>> net.stop()
    """

    def __init__(
        self,
        onion_target_port: int | None = None,
        *,
        attempts: int = 3,
        consensus_timeout: float = 60.0,
        ready_timeout: float = 60.0,
        progress: Callable[[str], None] | None = None,
        tor_bin: str = "tor",
        gencert_bin: str = "tor-gencert",
        keep_dir: bool = False,
        extra_onion_ports: Mapping[int, int] | None = None,
    ) -> None:
        self.onion_target_port = onion_target_port
        self.extra_onion_ports = dict(extra_onion_ports or {})
        bad = [p for p in self.extra_onion_ports if p == 80 or not 0 < p < 65536]
        if bad:
            raise ValueError(f"extra onion virtual ports must be 1-65535 and not 80: {bad}")
        self.attempts = attempts
        self.consensus_timeout = consensus_timeout
        self.ready_timeout = ready_timeout
        self.progress = progress or (lambda msg: log.info("tornet: %s", msg))
        self.tor_bin = tor_bin
        self.gencert_bin = gencert_bin
        self.keep_dir = keep_dir
        self.start_attempts = 0
        self.failures: list[StartFailure] = []
        self.republished = 0  # descriptor re-uploads needed to complete a consensus
        self.timings = _Timings()
        self.nodes: list[TorNode] = []
        self.root: Path | None = None
        self.onion_hostname: str = ""
        self._lock = threading.Lock()
        self._hs_uploaded = threading.Event()
        self._atexit_registered = False

    # -- public surface -------------------------------------------------------------

    @property
    def client(self) -> TorNode:
        return self._node("client")

    @property
    def socks_port(self) -> int:
        assert self.client.socks_port is not None
        return self.client.socks_port

    @property
    def control_port(self) -> int:
        return self.client.control_port

    @property
    def cookie_path(self) -> Path:
        return self.client.cookie_path

    @property
    def socks_url(self) -> str:
        return f"socks5h://127.0.0.1:{self.socks_port}"

    @property
    def onion_url(self) -> str:
        return f"http://{self.onion_hostname}"

    def onion_port_url(self, virtual_port: int) -> str:
        """The URL of one of `extra_onion_ports` on the same onion service."""
        if virtual_port not in self.extra_onion_ports:
            raise ValueError(f"the onion service has no virtual port {virtual_port}")
        return f"http://{self.onion_hostname}:{virtual_port}"

    @property
    def exit(self) -> ExitInfo:
        node = self._node("exit")
        assert node.fingerprint and node.or_port and node.process
        return ExitInfo(node.nickname, node.fingerprint, node.or_port, node.process.pid)

    def environ(self) -> dict[str, str]:
        """The TOR_* variables that point the crawler at this network's client."""
        return {
            "TOR_SOCKS_URL": self.socks_url,
            "TOR_CONTROL_PORT": str(self.control_port),
            "TOR_COOKIE_AUTH_FILE": str(self.cookie_path),
        }

    def client_torrc_lines(self) -> list[str]:
        """torrc lines that make another tor a client of this network (TorManager.launch)."""
        lines = [
            line
            for line in _COMMON.splitlines()
            if line.split(" ", 1)[0] not in {"Log", "DataDirectory", "ControlPort",
                                              "CookieAuthentication", "__OwningControllerProcess"}
        ]  # fmt: skip
        lines += [
            f"DirAuthority {n.nickname} orport={n.or_port} no-v2 v3ident={n.v3ident} "
            f"127.0.0.1:{n.dir_port} {n.fingerprint}"
            for n in self.nodes
            if n.role == "authority"
        ]
        return [*lines, "UseMicrodescriptors 0"]

    def start(self) -> TorTestNetwork:
        if not self._atexit_registered:
            atexit.register(self.stop)
            self._atexit_registered = True
        for attempt in range(1, self.attempts + 1):
            self.start_attempts = attempt
            t0 = time.monotonic()
            try:
                self._start_once()
                self.progress(
                    f"network up on attempt {attempt} in {time.monotonic() - t0:.1f}s "
                    f"(consensus {self.timings.consensus:.1f}s, bootstrap "
                    f"{self.timings.bootstrap:.1f}s, descriptor {self.timings.descriptor:.1f}s, "
                    f"first fetch {self.timings.first_fetch:.1f}s)"
                )
                return self
            except _StageFailed as exc:
                failure = StartFailure(attempt, exc.stage, str(exc), time.monotonic() - t0)
                self.failures.append(failure)
                log.warning(
                    "tornet: start attempt %d failed at %s after %.1fs: %s",
                    attempt,
                    exc.stage,
                    failure.seconds,
                    exc,
                )
                self.stop()
            except BaseException:
                self.stop()
                raise
        raise TorNetworkError(
            f"private tor network did not start in {self.attempts} attempts: "
            + "; ".join(f"#{f.attempt} {f.stage}: {f.reason}" for f in self.failures)
        )

    def stop(self) -> None:
        """Stop every tor of the network, even half-started ones; remove the temp dir."""
        with self._lock:
            for node in reversed(self.nodes):
                self._stop_node(node)
            self.nodes = []
            if self.root and not self.keep_dir:
                shutil.rmtree(self.root, ignore_errors=True)
            self.root = None

    def stop_client(self) -> None:
        """Stop only the client tor (the SOCKS and control ports go away)."""
        self._stop_node(self.client)

    def start_client(self, timeout: float = 60.0) -> None:
        """Start the client again on the same ports and wait for 100% bootstrap."""
        node = self.client
        self._launch(node)
        self._wait_bootstrap(node, time.monotonic() + timeout)

    def __enter__(self) -> TorTestNetwork:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- building ---------------------------------------------------------------------

    def _node(self, role: str) -> TorNode:
        for node in self.nodes:
            if node.role == role:
                return node
        raise TorNetworkError(f"the network has no {role} node (not started?)")

    def _start_once(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="tornet-"))
        self.timings = _Timings()
        self._hs_uploaded.clear()
        t0 = time.monotonic()
        self._plan_nodes()
        self._generate_keys()
        self.timings.keys = time.monotonic() - t0
        self._write_torrcs()
        relays = [n for n in self.nodes if n.role in {"authority", "relay", "exit"}]
        t1 = time.monotonic()
        # Spawn all before attaching: a relay publishes its descriptor once at start, and an
        # authority that is not listening yet would miss it.
        for node in relays:
            self._spawn(node)
        for node in relays:
            self._attach(node)
        self._wait_consensus(t1 + self.consensus_timeout)
        self.timings.consensus = time.monotonic() - t1
        onion, client = self._node("onion"), self._node("client")
        self._launch(onion, watch_hs_desc=True)
        self._launch(client)
        deadline = time.monotonic() + self.ready_timeout
        self._wait_bootstrap(client, deadline)
        self.timings.bootstrap = time.monotonic() - t1
        self.onion_hostname = (
            (onion.datadir / "hs" / "hostname").read_text().strip()
            if (onion.datadir / "hs" / "hostname").exists()
            else ""
        )
        if not self.onion_hostname:
            raise _StageFailed("onion", "the onion service wrote no hostname")
        if not self._hs_uploaded.wait(max(0.0, deadline - time.monotonic())):
            raise _StageFailed("descriptor", "no HS_DESC UPLOADED event " + onion.notice_tail(3))
        self.timings.descriptor = time.monotonic() - t1
        if self.onion_target_port:
            self._wait_first_fetch(deadline)
        self.timings.first_fetch = time.monotonic() - t1

    def _plan_nodes(self) -> None:
        assert self.root is not None
        plan = [
            ("auth0", "authority"), ("auth1", "authority"), ("auth2", "authority"),
            ("relay0", "relay"), ("relay1", "relay"), ("exit0", "exit"),
            ("onion0", "onion"), ("client0", "client"),
        ]  # fmt: skip
        ports = iter(free_ports(8 + 6 + 3 + 1))
        self.nodes = []
        for nickname, role in plan:
            datadir = self.root / nickname
            datadir.mkdir(mode=0o700)
            node = TorNode(nickname, role, datadir, control_port=next(ports))
            if role in {"authority", "relay", "exit"}:
                node.or_port = next(ports)
            if role == "authority":
                node.dir_port = next(ports)
            if role == "client":
                node.socks_port = next(ports)
            self.nodes.append(node)

    def _generate_keys(self) -> None:
        assert self.root is not None
        empty = self.root / "empty-torrc"
        empty.write_text("")
        procs: list[tuple[TorNode, str, subprocess.Popen[bytes]]] = []
        # Key generation is CPU-bound and independent per node: run it in parallel.
        for node in self.nodes:
            if node.role == "authority":
                keys = node.datadir / "keys"
                keys.mkdir(mode=0o700)
                cmd = [
                    self.gencert_bin, "--create-identity-key", "--passphrase-fd", "0",
                    "-m", "12", "-a", f"127.0.0.1:{node.dir_port}",
                ]  # fmt: skip
                p = subprocess.Popen(
                    cmd, cwd=keys, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                    stderr=subprocess.STDOUT,
                )  # fmt: skip
                procs.append((node, "gencert", p))
            if node.role in {"authority", "relay", "exit"}:
                cmd = [
                    self.tor_bin, "--ignore-missing-torrc", "-f", str(empty), "--list-fingerprint",
                    "--orport", "1", "--datadirectory", str(node.datadir),
                    "--nickname", node.nickname, "--GeoIPFile", "", "--GeoIPv6File", "",
                ]  # fmt: skip
                procs.append((node, "fingerprint", _popen_out(cmd)))
        for node, kind, p in procs:
            # tor-gencert reads the (empty) passphrase line from stdin.
            out, _ = p.communicate(input=b"\n" if kind == "gencert" else None, timeout=120)
            text = (out or b"").decode(errors="replace")
            if p.returncode != 0:
                raise _StageFailed("keys", f"{kind} for {node.nickname} failed: {text[-300:]}")
            if kind == "fingerprint":
                m = re.search(rf"^{node.nickname} ([0-9A-F ]{{40,}})$", text, re.M)
                if not m:
                    raise _StageFailed("keys", f"no fingerprint for {node.nickname}: {text[-200:]}")
                node.fingerprint = m.group(1).replace(" ", "")
        for node in self.nodes:
            if node.role == "authority":
                cert = (node.datadir / "keys" / "authority_certificate").read_text()
                m = re.search(r"^fingerprint ([0-9A-F]{40})$", cert, re.M)
                if not m:
                    raise _StageFailed("keys", f"no certificate fingerprint for {node.nickname}")
                node.v3ident = m.group(1)

    def _write_torrcs(self) -> None:
        dir_lines = "".join(
            f"DirAuthority {n.nickname} orport={n.or_port} no-v2 v3ident={n.v3ident} "
            f"127.0.0.1:{n.dir_port} {n.fingerprint}\n"
            for n in self.nodes
            if n.role == "authority"
        )
        for node in self.nodes:
            text = _COMMON.format(
                datadir=node.datadir, control_port=node.control_port, owner_pid=os.getpid()
            )
            text += dir_lines
            fmt = dict(nickname=node.nickname, or_port=node.or_port, dir_port=node.dir_port)
            if node.role == "authority":
                text += _AUTHORITY.format(**fmt)
            elif node.role == "relay":
                text += _RELAY.format(**fmt) + _NO_EXIT
            elif node.role == "exit":
                text += _RELAY.format(**fmt) + _EXIT_POLICY
            elif node.role == "onion":
                port = self.onion_target_port or free_ports(1)[0]
                text += (
                    f"SocksPort 0\nHiddenServiceDir {node.datadir / 'hs'}\n"
                    f"HiddenServicePort 80 127.0.0.1:{port}\n"
                )
                text += "".join(
                    f"HiddenServicePort {virtual} 127.0.0.1:{target}\n"
                    for virtual, target in sorted(self.extra_onion_ports.items())
                )
            elif node.role == "client":
                # UseMicrodescriptors 0: without it the client cannot reach 127.0.0.1 sites
                # through the exit (measured: timeouts).
                text += f"SocksPort 127.0.0.1:{node.socks_port}\nUseMicrodescriptors 0\n"
            (node.datadir / "torrc").write_text(text)

    # -- running ----------------------------------------------------------------------

    def _launch(self, node: TorNode, watch_hs_desc: bool = False) -> None:
        self._spawn(node)
        self._attach(node, watch_hs_desc)

    def _spawn(self, node: TorNode) -> None:
        # A restarted tor must not be blocked by the previous run's lock file.
        with contextlib.suppress(FileNotFoundError):
            (node.datadir / "lock").unlink()
        node.process = subprocess.Popen(
            [self.tor_bin, "-f", str(node.datadir / "torrc")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )

    def _attach(self, node: TorNode, watch_hs_desc: bool = False) -> None:
        from stem.control import Controller, EventType

        assert node.process is not None
        deadline = time.monotonic() + 30
        last: Exception | None = None
        while time.monotonic() < deadline:
            if node.process.poll() is not None:
                raise _StageFailed(
                    "launch",
                    f"{node.nickname} exited with {node.process.returncode}: "
                    + node.notice_tail(4),
                )
            try:
                ctl = Controller.from_port(address="127.0.0.1", port=node.control_port)
                ctl.authenticate(chroot_path=None)
                break
            except Exception as exc:  # stem raises several types while tor starts up
                last = exc
                time.sleep(0.1)
        else:
            raise _StageFailed("launch", f"{node.nickname} control port never answered: {last}")
        if watch_hs_desc:

            def on_hs_desc(event: object) -> None:
                if getattr(event, "action", None) == "UPLOADED":
                    self._hs_uploaded.set()

            ctl.add_event_listener(on_hs_desc, EventType.HS_DESC)
        # Kept open: with __OwningControllerProcess stem took ownership on this connection,
        # so tor exits when the test process dies, and closing it stops that tor.
        node.controller = ctl

    def _stop_node(self, node: TorNode) -> None:
        proc, node.process = node.process, None
        ctl, node.controller = node.controller, None
        if ctl is not None:
            with contextlib.suppress(Exception):
                ctl.close()
        if proc is None:
            return
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)

    def _wait_consensus(self, deadline: float) -> None:
        relays = {n.nickname for n in self.nodes if n.role in {"authority", "relay", "exit"}}
        missing: dict[str, str] = {}
        next_nudge = time.monotonic() + 8.0
        while time.monotonic() < deadline:
            for node in self.nodes:
                if (
                    node.role in {"authority", "relay", "exit"}
                    and node.process
                    and node.process.poll() is not None
                ):
                    raise _StageFailed("consensus", f"{node.nickname} died: {node.notice_tail(3)}")
            missing = {}
            for node in self.nodes:
                if node.role != "authority":
                    continue
                listed = _consensus_flags(node.dir_port or 0)
                lacking = sorted(
                    nick for nick in relays if not listed.get(nick, set()) >= REQUIRED_FLAGS
                )
                if lacking:
                    missing[node.nickname] = ",".join(lacking) if listed else "no consensus"
            if not missing:
                return
            if time.monotonic() >= next_nudge:
                self._republish(set().union(*(set(m.split(",")) for m in missing.values())))
                next_nudge = time.monotonic() + 6.0
            time.sleep(0.5)
        raise _StageFailed(
            "consensus",
            "stalled: authorities without a full consensus: "
            + "; ".join(f"{a} lacks {m}" for a, m in missing.items()),
        )

    def _republish(self, nicknames: set[str]) -> None:
        """Make relays that no authority lists upload their descriptor again.

        A relay uploads its descriptor at start and then rarely; if an authority was not
        listening yet, the relay stays unknown to it. Changing ContactInfo marks the
        descriptor dirty, which republishes it at once.
        """
        for node in self.nodes:
            if node.nickname in nicknames and node.controller is not None:
                self.republished += 1
                log.info("tornet: %s missing from a consensus; republishing", node.nickname)
                with contextlib.suppress(Exception):
                    node.controller.set_conf(
                        "ContactInfo", f"tornet-{node.nickname}-{self.republished}@example.org"
                    )

    def _wait_bootstrap(self, node: TorNode, deadline: float) -> None:
        ctl = node.controller
        progress = "?"
        while time.monotonic() < deadline:
            if node.process is None or node.process.poll() is not None:
                raise _StageFailed("bootstrap", f"{node.nickname} died: {node.notice_tail(3)}")
            try:
                phase = ctl.get_info("status/bootstrap-phase")
            except Exception as exc:
                raise _StageFailed("bootstrap", f"control connection lost: {exc}") from exc
            m = re.search(r"PROGRESS=(\d+)", phase)
            progress = m.group(1) if m else "?"
            if progress == "100":
                return
            time.sleep(0.2)
        raise _StageFailed(
            "bootstrap", f"{node.nickname} stuck at {progress}%: {node.notice_tail(3)}"
        )

    def _wait_first_fetch(self, deadline: float) -> None:
        # Right after the upload an HSDir may not serve the descriptor yet ("No more HSDir
        # available to query"): retry every second, as tor users do.
        import asyncio

        last = ""
        while time.monotonic() < deadline:
            try:
                asyncio.run(_fetch_once(self.socks_url, self.onion_url + "/"))
                return
            except Exception as exc:
                last = f"{type(exc).__name__}: {exc}"
                time.sleep(1.0)
        raise _StageFailed("first-fetch", f"onion not reachable through the client: {last}")


class _StageFailed(Exception):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage


def _popen_out(cmd: list[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)


def _consensus_flags(dir_port: int) -> dict[str, set[str]]:
    """Nickname -> flags in the authority's current microdesc consensus ({} if none yet)."""
    url = f"http://127.0.0.1:{dir_port}/tor/status-vote/current/consensus-microdesc"
    try:
        with urllib.request.urlopen(url, timeout=3) as resp:  # noqa: S310 - loopback only
            text = resp.read().decode(errors="replace")
    except Exception:
        return {}
    out: dict[str, set[str]] = {}
    nick = None
    for line in text.splitlines():
        if line.startswith("r "):
            nick = line.split()[1]
        elif line.startswith("s ") and nick:
            out[nick] = set(line.split()[1:])
            nick = None
    return out


async def _fetch_once(socks_url: str, url: str) -> int:
    import aiohttp
    from aiohttp_socks import ProxyConnector, ProxyType

    host, _, port = socks_url.split("://", 1)[1].rpartition(":")
    connector = ProxyConnector(proxy_type=ProxyType.SOCKS5, host=host, port=int(port), rdns=True)
    timeout = aiohttp.ClientTimeout(total=15)
    async with (
        aiohttp.ClientSession(connector=connector, timeout=timeout) as session,
        session.get(url) as resp,
    ):
        await resp.read()
        return resp.status
