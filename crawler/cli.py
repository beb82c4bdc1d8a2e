"""`crawler`: one command line for every way to run the monitor (`crawler --help`)."""

from __future__ import annotations

import argparse
import importlib
import sys

# Modules that add sub-commands: each has `register(subparsers) -> None`; a sub-command
# parser sets `func=callable(args) -> int`.
COMMAND_MODULES = (
    "crawler.commands",  # run, crawl, search, status, profiles, demo
    "crawler.extract.cli",  # extract
    "crawler.kibana.cli",  # kibana export / import
    "crawler.tor.cli",  # tor status / newnym
    "crawler.alerts.cli",  # alerts test / list / deliver
    "crawler.scheduler",  # schedule
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crawler",
        description="Monitor flagged platforms: crawl, extract trafficking indicators, index, alert.",
    )
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
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

    return not (getattr(record, "name", "").startswith("stem") and getattr(record, "levelno", 0) < logging.WARNING)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    if not getattr(args, "scrapy_logging", False):  # Scrapy commands configure logging themselves
        import logging

        level = logging.WARNING - 10 * min(args.verbose, 2)
        logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        # stem sets its own logger to TRACE when imported, whenever that is: filter it here.
        for handler in logging.getLogger().handlers:
            handler.addFilter(_quiet_stem)
    return int(args.func(args) or 0)


if __name__ == "__main__":
    sys.exit(main())
