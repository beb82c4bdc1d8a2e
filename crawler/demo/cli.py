"""`crawler demo serve`: serve the synthetic demo platforms on 127.0.0.1."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from crawler.demo.serve import add_serve_arguments, run_serve

    p = sub.add_parser("demo", help="serve the synthetic demo platforms on 127.0.0.1")
    dsub = p.add_subparsers(dest="demo_command", metavar="ACTION")
    ds = dsub.add_parser("serve", help="serve until SIGTERM; prints the DEMO_*_URL lines")
    add_serve_arguments(ds)
    ds.set_defaults(func=run_serve)
