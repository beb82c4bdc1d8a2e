"""Run a command in a mount namespace of its own whose /etc/hosts maps extra names (tests only).

A hostile platform controls its own DNS and can point its name at 127.0.0.1 (DNS
rebinding). The tests reproduce that with real name resolution: `unshare --mount` gives
the crawl process a private mount namespace in which a copy of /etc/hosts with the extra
lines is bind-mounted over the real one, so glibc (and Twisted's and asyncio's resolvers on
top of it) answer the platform's name with a loopback address. Nothing outside that one
process tree sees the change; the file is the test's own. Needs root (CAP_SYS_ADMIN), as the
network-namespace tests do.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path


def hosts_prefix(workdir: Path, names: Mapping[str, str]) -> list[str]:
    """A command prefix under which each name in `names` resolves to its address."""
    hosts = workdir / "hosts"
    extra = "".join(f"{address} {name}\n" for name, address in names.items())
    hosts.write_text(Path("/etc/hosts").read_text() + "\n" + extra, encoding="utf-8")
    return [
        "unshare",
        "--mount",
        "--propagation",
        "private",
        "sh",
        "-c",
        f'mount --bind "{hosts}" /etc/hosts && exec "$@"',
        "sh",
    ]


def resolve_under(prefix: Sequence[str], name: str) -> str:
    """The address `name` resolves to for a process started with `prefix` ("" when none)."""
    out = subprocess.run(
        [*prefix, "getent", "ahostsv4", name], capture_output=True, text=True, timeout=30
    )
    return out.stdout.split()[0] if out.returncode == 0 and out.stdout.strip() else ""
