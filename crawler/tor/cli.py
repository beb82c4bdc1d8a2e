"""`crawler tor status` and `crawler tor newnym`: look at and steer the tor the crawler uses.

Both attach to a running tor through its ControlPort (TOR_CONTROL_PORT, authenticated with
TOR_CONTROL_PASSWORD or TOR_COOKIE_AUTH_FILE, else what tor's PROTOCOLINFO offers) and never
stop it.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from crawler.tor import TorConfigError, tor_endpoint


def register(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser("tor", help="tor status and new circuits (via TOR_CONTROL_PORT)")
    sub = p.add_subparsers(dest="tor_command", metavar="ACTION", required=True)
    s = sub.add_parser("status", help="version, bootstrap, circuits of the configured tor")
    s.add_argument("--json", action="store_true", help="print one JSON object")
    s.set_defaults(func=cmd_status)
    n = sub.add_parser("newnym", help="ask tor for new circuits (rate-limited by tor: ~10 s)")
    n.set_defaults(func=cmd_newnym)


def _attach(args: argparse.Namespace) -> Any:
    from crawler.tor.manager import TorManager

    return TorManager.attach(tor_endpoint(args.settings))


def cmd_status(args: argparse.Namespace) -> int:
    from crawler.tor.manager import TorControlError

    try:
        manager = _attach(args)
    except (TorConfigError, TorControlError) as exc:
        print(f"crawler tor status: {exc}", file=sys.stderr)
        return 1
    try:
        status = manager.status()
    finally:
        manager.close()
    if args.json:
        print(json.dumps(status.__dict__))
    else:
        print("\n".join(status.lines()))
    return 0 if status.bootstrap_progress == 100 else 3


def cmd_newnym(args: argparse.Namespace) -> int:
    from crawler.tor.manager import TorControlError

    try:
        manager = _attach(args)
    except (TorConfigError, TorControlError) as exc:
        print(f"crawler tor newnym: {exc}", file=sys.stderr)
        return 1
    try:
        ctl = manager.controller()
        if not ctl.is_newnym_available():
            wait = ctl.get_newnym_wait()
            print(f"tor rate-limits NEWNYM: try again in {wait:.0f}s", file=sys.stderr)
            return 4
        manager.newnym()
    finally:
        manager.close()
    print("NEWNYM sent: new requests use new circuits")
    return 0
