"""`crawler`: one command line for every way to run the monitor (`crawler --help`)."""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules that add sub-commands: each has `register(subparsers) -> None`; a sub-command
# parser sets `func=callable(args) -> int`.
COMMAND_MODULES = (
    "crawler.commands",  # run, crawl, search, status, profiles, purge
    "crawler.demo.cli",  # demo serve
    "crawler.extract.cli",  # extract
    "crawler.kibana.cli",  # kibana export / import
    "crawler.tor.cli",  # tor status / newnym
    "crawler.alerts.cli",  # alerts test / list / deliver
    "crawler.scheduler",  # schedule
)
# Which module registers a command: a known command imports only its own module, so that
# `crawler crawl` (run by the scheduler or cron many times a day) starts quickly.
COMMAND_OWNERS = {
    **dict.fromkeys(("run", "crawl", "search", "status", "profiles", "purge"), "crawler.commands"),
    "demo": "crawler.demo.cli",
    "extract": "crawler.extract.cli",
    "kibana": "crawler.kibana.cli",
    "tor": "crawler.tor.cli",
    "alerts": "crawler.alerts.cli",
    "schedule": "crawler.scheduler",
}


def _command_of(argv: list[str]) -> str | None:
    for arg in argv:
        if not arg.startswith("-"):
            return arg
    return None


def build_parser(argv: list[str] | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crawler",
        description="Monitor flagged platforms: crawl, extract trafficking indicators, index, alert.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    command = _command_of(sys.argv[1:] if argv is None else argv)
    modules = [COMMAND_OWNERS[command]] if command in COMMAND_OWNERS else COMMAND_MODULES
    for name in modules:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name and name.startswith(exc.name):
                continue  # that part is not installed in this build
            raise
        module.register(sub)
    return parser


def _quiet_stem(record: object) -> bool:
    import logging

    return not (
        getattr(record, "name", "").startswith("stem")
        and getattr(record, "levelno", 0) < logging.WARNING
    )


def _known_errors() -> tuple[type[BaseException], ...]:
    """Errors that mean "this file, setting or store cannot be used": one line, no traceback."""
    from crawler.config import ConfigError
    from crawler.profiles import ProfileError
    from crawler.store.base import StoreError

    errors: list[type[BaseException]] = [ConfigError, ProfileError, StoreError]
    try:
        from crawler.alerts.watchlist import AlertConfigError

        errors.append(AlertConfigError)
    except ImportError:
        pass
    try:
        from crawler.tor import TorConfigError

        errors.append(TorConfigError)
    except ImportError:
        pass
    return tuple(errors)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser(argv)
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not getattr(args, "scrapy_logging", False):  # Scrapy commands configure logging themselves
        import logging

        from crawler.logformat import install_printable_filter

        level = logging.WARNING - 10 * min(args.verbose, 2)
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # stem sets its own logger to TRACE when imported, whenever that is: filter it here.
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_stem)
        install_printable_filter()
    try:
        return int(args.func(args) or 0)
    except _known_errors() as exc:
        if args.verbose:
            raise
        from crawler.console import printable

        print(f"crawler {args.command}: {printable(exc)}", file=sys.stderr)
        return 4 if type(exc).__name__ == "StoreError" else 2
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.verbose:
            raise
        from crawler.console import printable

        print(
            f"crawler {args.command}: internal error: {type(exc).__name__}: {printable(exc)} "
            "(run with -v for the traceback)",
            file=sys.stderr,
        )
        return 1


if __name__ == "__main__":
    sys.exit(main())
