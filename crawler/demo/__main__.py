"""`python -m crawler.demo serve ...`: run the demo world as a process (see crawler/demo/serve.py)."""

from __future__ import annotations

import argparse
import sys

from crawler.demo.serve import add_serve_arguments, run_serve


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crawler.demo", description="The synthetic demo platforms."
    )
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve the demo world until SIGTERM, print ENV=url lines")
    add_serve_arguments(serve)
    serve.set_defaults(func=run_serve)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
