"""`crawler evidence export` (PLACEHOLDER: replaced by the case-export work)."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(actions: argparse._SubParsersAction) -> None:
    p = actions.add_parser("export", help="write a WACZ case package")
    p.set_defaults(func=lambda args: 1)


def unpack(package: Path, into: Path) -> Path:
    """Unpack a case package into `into`, laid out as EVIDENCE_DIR (warc/..., manifests/...),
    for chain.verify(root, subset=True); return the root. (Placeholder.)"""
    raise NotImplementedError


def check_package(package: Path) -> list[str]:
    """Problems with the package itself (its datapackage digests, missing parts), each naming
    the file inside the package. (Placeholder.)"""
    raise NotImplementedError
