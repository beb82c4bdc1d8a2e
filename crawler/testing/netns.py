"""Several "hosts" on one machine for tests: network namespaces on a bridge of their own.

`HostNetwork(n)` creates, as root, a Linux bridge with a private /24 address on this machine
(the hub: 10.213.X.1, X picked among the subnets nothing here uses), and `n` network
namespaces, each joined to the bridge by a veth pair and given its own address (10.213.X.2,
.3, ...), loopback up. A process started with `host.prefix()` (`ip netns exec NAME`) sees
only its own loopback and its veth: it reaches the servers a test binds to the hub address
(Redis, Elasticsearch, the demo world, a webhook receiver) and nothing else on this machine,
the internet included (the namespaces have no default route).

`cut(host)` takes that host's link down (its host-side veth: the host loses every
connection, as with a pulled cable); `restore(host)` brings it back. Everything the network
created (processes still running in its namespaces, namespaces, veths, the bridge) is
removed by `close()`, also when a test fails or the set-up itself failed half-way; use it as
a context manager. Names carry a random tag, so parallel tests never collide. Nothing here is
used in production.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field

SUBNET_BASE = "10.213"

_PROBE = """
import errno, socket, sys
s = socket.socket()
s.settimeout(1.0)
try:
    code = s.connect_ex((sys.argv[1], 9))
except OSError:
    code = -1
sys.exit(0 if code in (0, errno.ECONNREFUSED) else 1)
"""


class NetnsError(RuntimeError):
    """The namespaces could not be set up; the message says which command failed."""


def available() -> str | None:
    """None when namespaces can be made here, else why not (not root, no iproute2)."""
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    if os.geteuid() != 0:
        return "network namespaces need root (CAP_NET_ADMIN)"
    return None


def _ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    run = subprocess.run(["ip", *args], capture_output=True, text=True, timeout=30)
    if check and run.returncode != 0:
        raise NetnsError(f"ip {' '.join(args)}: {run.stderr.strip()}")
    return run


def _used_subnets() -> set[int]:
    """Third octets of 10.213.X.0/24 subnets some interface here already has."""
    out = _ip("-o", "-4", "addr", "show", check=False).stdout
    used = set()
    for word in out.split():
        if word.startswith(SUBNET_BASE + "."):
            used.add(int(word.split(".")[2]))
    return used


@dataclass
class Host:
    """One namespace ("host"): its name, its address and the host-side end of its link."""

    name: str
    address: str
    veth: str

    def prefix(self) -> list[str]:
        """A command prefix that runs the command inside this host's namespace."""
        return ["ip", "netns", "exec", self.name]

    def pids(self) -> list[int]:
        out = _ip("netns", "pids", self.name, check=False).stdout
        return [int(p) for p in out.split() if p.isdigit()]


@dataclass
class HostNetwork:
    count: int = 2
    tag: str = field(default_factory=lambda: secrets.token_hex(3))
    hub: str = ""  # the bridge's address: bind the servers the hosts must reach here
    hosts: list[Host] = field(default_factory=list)
    bridge: str = ""
    _created: list[tuple[str, str]] = field(default_factory=list)  # ("netns"|"link", name)

    def __enter__(self) -> HostNetwork:
        try:
            self.start()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def start(self) -> None:
        why = available()
        if why:
            raise NetnsError(why)
        free = sorted(set(range(1, 255)) - _used_subnets())
        if not free:
            raise NetnsError(f"no free {SUBNET_BASE}.X.0/24 subnet")
        third = secrets.choice(free)
        net = ipaddress.ip_network(f"{SUBNET_BASE}.{third}.0/24")
        self.hub = str(net[1])
        self.bridge = f"fwb{self.tag}"
        _ip("link", "add", self.bridge, "type", "bridge")
        self._created.append(("link", self.bridge))
        _ip("addr", "add", f"{self.hub}/24", "dev", self.bridge)
        _ip("link", "set", self.bridge, "up")
        for i in range(self.count):
            name, veth = f"flagwatch-{self.tag}-h{i + 1}", f"fwv{self.tag}h{i + 1}"
            _ip("netns", "add", name)
            self._created.append(("netns", name))
            _ip("link", "add", veth, "type", "veth", "peer", "name", "eth0", "netns", name)
            self._created.append(("link", veth))
            _ip("link", "set", veth, "master", self.bridge, "up")
            address = str(net[i + 2])
            _ip("-n", name, "addr", "add", f"{address}/24", "dev", "eth0")
            _ip("-n", name, "link", "set", "eth0", "up")
            _ip("-n", name, "link", "set", "lo", "up")
            self.hosts.append(Host(name, address, veth))
        self._wait_reachable()

    def _wait_reachable(self, timeout: float = 15.0) -> None:
        """Until every host's link forwards (a fresh bridge port learns for a moment)."""
        deadline = time.monotonic() + timeout
        for host in self.hosts:
            while True:
                # A closed port answers at once (refused) when the link works, else times out.
                probe = subprocess.run(
                    [*host.prefix(), sys.executable, "-c", _PROBE, self.hub],
                    capture_output=True,
                    timeout=30,
                )
                if probe.returncode == 0:
                    break
                if time.monotonic() > deadline:
                    raise NetnsError(f"{host.name} cannot reach {self.hub}")
                time.sleep(0.2)

    def cut(self, host: Host) -> None:
        """Take the host's link down: every packet to and from it is lost until restore()."""
        _ip("link", "set", host.veth, "down")

    def restore(self, host: Host) -> None:
        _ip("link", "set", host.veth, "up")
        self._wait_reachable()

    def close(self) -> None:
        """Kill what still runs in the namespaces, then delete namespaces, veths and bridge."""
        for kind, name in self._created:
            if kind == "netns":
                for pid in Host(name, "", "").pids():
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
        for kind, name in reversed(self._created):
            if kind == "netns":
                _ip("netns", "del", name, check=False)
            else:
                _ip("link", "del", name, check=False)
        self._created.clear()
        self.hosts.clear()

    def leftovers(self) -> list[str]:
        """Names with this network's tag still present (empty after close())."""
        links = _ip("-o", "link", "show", check=False).stdout
        spaces = _ip("netns", "list", check=False).stdout
        return [w for w in (links + " " + spaces).split() if self.tag in w]
