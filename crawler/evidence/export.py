"""`crawler evidence export` (PLACEHOLDER: replaced by the case-export work)."""

from __future__ import annotations

import argparse


def register(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser("export", help="write a WACZ case package")
    p.set_defaults(func=lambda args: 1)
