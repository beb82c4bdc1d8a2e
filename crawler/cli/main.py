"""`crawler`: one command line for every way to run the monitor (`crawler --help`).

COMMANDS is the one table of commands: the module that registers each one (its
`register(subparsers)` adds the parser and sets `func=callable(args) -> exit code`). A
known command imports only its own module, so that `crawler crawl` (run by the scheduler
or cron many times a day) starts quickly; `crawler --help` imports them all.

Every command gets the same settings object (crawler.config.crawler_settings: the settings
module, the environment, then `-s NAME=VALUE`, accepted before or after the command) as
`args.settings`. A configuration, profile or store error ends the command with one line
naming the file or setting and the reason (exit 2, or 4 for a store), never a traceback
unless -v is given.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Any

# command -> module that registers it.
COMMANDS: dict[str, str] = {
    "run": "crawler.demo.run",  # the demo main job
    "crawl": "crawler.cli.crawl",
    "search": "crawler.cli.search",
    "clusters": "crawler.cli.clusters",
    "cluster": "crawler.cli.clusters",
    "status": "crawler.cli.status",
    "health": "crawler.cli.health",
    "profiles": "crawler.cli.profiles",
    "purge": "crawler.cli.purge",
    "evidence": "crawler.cli.evidence",
    "timeline": "crawler.cli.timeline",
    "schedule": "crawler.cli.schedule",
    "worker": "crawler.cli.worker",
    "login": "crawler.cli.login",
    "alerts": "crawler.alerts.cli",
    "extract": "crawler.extract.cli",
    "kibana": "crawler.kibana.cli",
    "tor": "crawler.tor.cli",
    "demo": "crawler.demo.cli",
}

EXIT_CONFIG = 2
EXIT_STORE = 4


def _command_of(argv: list[str]) -> str | None:
    skip = False
    for arg in argv:
        if skip:
            skip = False
            continue
        if arg in ("-s", "--set"):
            skip = True
            continue
        if not arg.startswith("-"):
            return arg
    return None


def add_set_option(parser: argparse.ArgumentParser, dest: str = "set") -> None:
    parser.add_argument(
        "-s",
        "--set",
        dest=dest,
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a setting (any Scrapy or crawler setting, see settings/base.py)",
    )


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crawler",
        description="Monitor flagged platforms: crawl, extract trafficking indicators, index, alert.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    add_set_option(parser, dest="set_global")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    command = _command_of(sys.argv[1:] if argv is None else argv)
    names = [command] if command in COMMANDS else list(COMMANDS)
    for name in dict.fromkeys(COMMANDS[n] for n in names):
        importlib.import_module(name).register(sub)
    for name, subparser in sub.choices.items():
        if name in COMMANDS and not any(a.dest == "set" for a in subparser._actions):
            add_set_option(subparser)
    return parser


def _quiet_stem(record: object) -> bool:
    return not (
        getattr(record, "name", "").startswith("stem")
        and getattr(record, "levelno", 0) < logging.WARNING
    )


def _known_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "this file, setting or store cannot be used": one line, no traceback."""
    from crawler.config import ConfigError
    from crawler.store.base import StoreError
    from crawler.tor import TorConfigError

    return ConfigError, StoreError, TorConfigError


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return EXIT_CONFIG
    from crawler.cli.console import install_printable_filter, printable
    from crawler.config import crawler_settings

    if not getattr(args, "scrapy_logging", False):  # a crawl configures logging itself
        level = logging.WARNING - 10 * min(args.verbose, 2)
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # stem sets its own logger to TRACE when imported, whenever that is: filter it here.
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_stem)
        install_printable_filter()
    try:
        args.settings = crawler_settings(overrides=[*args.set_global, *getattr(args, "set", [])])
        return int(args.func(args) or 0)
    except _known_errors() as exc:
        if args.verbose:
            raise
        print(f"crawler {args.command}: {printable(exc)}", file=sys.stderr)
        return EXIT_STORE if type(exc).__name__ == "StoreError" else EXIT_CONFIG
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.verbose:
            raise
        print(
            f"crawler {args.command}: internal error: {type(exc).__name__}: {printable(exc)} "
            "(run with -v for the traceback)",
            file=sys.stderr,
        )
        return 1


def run(argv: list[str] | None = None) -> Any:
    """Entry point of `python -m crawler`."""
    sys.exit(main(argv))
