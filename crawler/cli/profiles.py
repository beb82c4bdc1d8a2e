"""`crawler profiles list|validate|schema`: the configured platform profiles.

A broken profile is reported with file, field and reason (exit 1), and fails only itself:
the others are listed and validated (crawler/profiles.py, docs/profiles.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from crawler.profiles import ProfileError, load_profile, load_profiles, profile_json_schema


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("profiles", help="list, validate or describe platform profiles")
    psub = p.add_subparsers(dest="profiles_command", metavar="ACTION")
    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])
    pl = psub.add_parser("list", help="configured platforms")
    pl.set_defaults(func=cmd_profiles_list)
    pv = psub.add_parser("validate", help="validate profile files (all configured when none given)")
    pv.add_argument("paths", nargs="*")
    pv.set_defaults(func=cmd_profiles_validate)
    ps = psub.add_parser("schema", help="print the profile JSON Schema")
    ps.set_defaults(func=lambda a: print(json.dumps(profile_json_schema(), indent=2)) or 0)


def _err(msg: str) -> None:
    print(f"crawler: {msg}", file=sys.stderr)


def report_broken(profiles: Any) -> int:
    """Print every broken profile of a ProfileSet on standard error; how many."""
    for err in profiles.errors:
        _err(f"broken profile: {err}")
    return len(profiles.errors)


def cmd_profiles_list(args: argparse.Namespace) -> int:
    profiles = load_profiles(settings=args.settings)
    for p in profiles.values():
        print(f"{p.name:28} {p.network:9} {p.category:12} {p.base_url}  ({p.source_file})")
    return 1 if report_broken(profiles) else 0


def cmd_profiles_validate(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    if not paths:
        profiles = load_profiles(settings=args.settings)
        print(f"{len(profiles)} profile(s) valid")
        return 1 if report_broken(profiles) else 0
    bad = 0
    for path in paths:
        try:
            p = load_profile(path)
            print(f"{path}: ok ({p.name})")
        except ProfileError as exc:
            bad += 1
            print(f"{exc}", file=sys.stderr)
    return 1 if bad else 0
