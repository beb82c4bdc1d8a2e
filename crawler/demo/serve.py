"""Serve the demo world until told to stop: `python -m crawler.demo serve`.

Starts every registered demo platform (or the ones named with --platform) from --seed and
--size on 127.0.0.1, prints one `ENV_VAR=base_url` line per platform to standard output
(and writes the same lines to --port-file once every platform listens), then serves until
SIGTERM or SIGINT. SIGUSR1, or --advance-every SECONDS, moves the world one step in time.
With --default-ports each platform listens on the port its profile's default base_url
names (8701 classifieds, 8702 jobs, 8703 forum), so the profiles work without any env.
--condition NAME=CONDITION serves one platform broken from the start (a new layout, a
login wall, a CAPTCHA, 403s or slowness: crawler/demo/conditions.py).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from pathlib import Path

from crawler.demo.conditions import CONDITIONS
from crawler.demo.world import DemoWorld, platform_classes


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--seed", type=int, default=1, help="world seed (default 1)")
    parser.add_argument("--size", type=int, default=200, help="listings per platform (default 200)")
    parser.add_argument(
        "--platform",
        action="append",
        dest="platforms",
        metavar="NAME",
        help="serve only this platform (repeatable); default: all registered",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port-file", type=Path, help="write the ENV=url lines here once listening"
    )
    parser.add_argument(
        "--default-ports",
        action="store_true",
        help="listen on each platform's default port instead of free ports",
    )
    parser.add_argument(
        "--advance-every", type=float, metavar="SECONDS", help="advance the world periodically"
    )
    parser.add_argument(
        "--condition",
        action="append",
        dest="conditions",
        type=_condition_arg,
        metavar="NAME=CONDITION",
        help=f"serve platform NAME in a condition ({', '.join(CONDITIONS)}); repeatable",
    )


def _condition_arg(value: str) -> tuple[str, str]:
    name, sep, condition = value.partition("=")
    if not sep or not name or condition not in CONDITIONS:
        raise argparse.ArgumentTypeError(
            f"{value!r}: expected NAME=CONDITION with CONDITION one of {', '.join(CONDITIONS)}"
        )
    return name, condition


def _write_atomically(path: Path, text: str) -> None:
    # A reader polling for the file must never see it half written.
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


async def serve_world(args: argparse.Namespace) -> int:
    world = DemoWorld(seed=args.seed, size=args.size, platforms=args.platforms)
    for name, condition in getattr(args, "conditions", None) or []:
        world.set_condition(name, condition)
    ports = None
    if args.default_ports:
        classes = platform_classes()
        ports = {n: getattr(classes[n], "default_port", 0) for n in world.platforms}
    await world.start(args.host, ports)
    try:
        lines = "".join(f"{k}={v}\n" for k, v in sorted(world.env().items()))
        sys.stdout.write(lines)
        sys.stdout.flush()
        if args.port_file:
            _write_atomically(args.port_file, lines)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)

        def advance() -> None:
            world.advance()
            step = next(iter(world.platforms.values())).step if world.platforms else 0
            print(f"demo world advanced to step {step}", file=sys.stderr, flush=True)

        loop.add_signal_handler(signal.SIGUSR1, advance)
        if args.advance_every:
            while not stop.is_set():
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(args.advance_every):
                        await stop.wait()
                if not stop.is_set():
                    advance()
        else:
            await stop.wait()
    finally:
        await world.stop()
        if args.port_file:
            with contextlib.suppress(FileNotFoundError):
                args.port_file.unlink()
    return 0


def run_serve(args: argparse.Namespace) -> int:
    """Entry point for `python -m crawler.demo serve` and the CLI's demo command."""
    return asyncio.run(serve_world(args))
