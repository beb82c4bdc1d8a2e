"""Records every name lookup a crawl process makes (tests/tor only; never in the product).

Put this directory on PYTHONPATH and set DNS_SPY_FILE: every call of socket.getaddrinfo,
gethostbyname and gethostbyname_ex (what asyncio, aiohttp and Twisted's resolvers end up
calling) appends its host to that file, then does the real lookup.
"""

import os
import socket

_FILE = os.environ.get("DNS_SPY_FILE")

if _FILE:

    def _record(host: object) -> None:
        with open(_FILE, "a", encoding="utf-8") as f:
            f.write(f"{host!s}\n")

    def _spy(real):  # type: ignore[no-untyped-def]
        def lookup(host, *args, **kwargs):  # type: ignore[no-untyped-def]
            _record(host.decode() if isinstance(host, bytes) else host)
            return real(host, *args, **kwargs)

        return lookup

    socket.getaddrinfo = _spy(socket.getaddrinfo)
    socket.gethostbyname = _spy(socket.gethostbyname)
    socket.gethostbyname_ex = _spy(socket.gethostbyname_ex)
