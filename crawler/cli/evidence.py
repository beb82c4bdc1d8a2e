"""`crawler evidence SUBCOMMAND`: the evidence kept for casework (docs/evidence.md).

- keygen, verify, hold, release, holds: the signed manifest chain and legal holds
  (crawler/evidence/chain.py, keys.py);
- export: a WACZ case package (crawler/evidence/export.py registers its own arguments).
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evidence", help="captures, signed manifests, legal holds, case exports")
    actions = p.add_subparsers(dest="evidence_command", metavar="SUBCOMMAND", required=True)
    from crawler.evidence import export

    export.register(actions)
