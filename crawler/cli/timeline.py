"""`crawler timeline` (PLACEHOLDER: replaced by the timeline work)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("timeline", help="an identifier's or a cluster's listings in time order")
    p.set_defaults(func=lambda args: 1)
