"""`crawler login PLATFORM [--import FILE] [--timeout SECONDS]`: a session made by the analyst.

Without --import: a real Chromium window opens at the platform's login page (through tor
for a tor profile, and only ever to the platform's hosts); the analyst logs in by hand,
CAPTCHA included, and the session is saved as soon as a page shows the profile's
`logged_in` check (crawler.auth.human). With --import FILE: the platform's cookies of a
cookies.txt, a browser's JSON cookie export or a Playwright storage state are saved
instead. Either way the next crawl of the platform starts from that session.

Exit codes: 0 session saved; 1 nothing saved (the window was closed, or no login before
--timeout, default 600 s; or the login page did not load); 2 the command cannot run
(unknown platform, a profile without `auth`, no DISPLAY, tor unreachable for a tor
profile, a session file that cannot be read). Nothing typed in the window, and no cookie
value, is ever printed or logged.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from crawler.profiles import PlatformProfile

EXIT_SAVED = 0
EXIT_NOT_SAVED = 1
EXIT_CANNOT_RUN = 2


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "login",
        help="log in to a members-only platform by hand in a Chromium window (or import a session)",
    )
    p.add_argument("platform", help="the platform (its profile has an auth section)")
    p.add_argument(
        "--import",
        dest="import_file",
        metavar="FILE",
        help="save the platform's cookies of this file instead (cookies.txt, JSON cookie "
        "export or Playwright storage state)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="give up when no login is seen within this time (600)",
    )
    p.set_defaults(func=cmd_login)


def _err(msg: str) -> None:
    from crawler.cli.console import printable

    print(f"crawler login: {printable(msg)}", file=sys.stderr)


def cmd_login(args: argparse.Namespace) -> int:
    from crawler.auth.human import DEFAULT_TIMEOUT, LoginWindowError
    from crawler.cli.console import printable
    from crawler.profiles import UnknownPlatform, find_profile

    timeout = DEFAULT_TIMEOUT if args.timeout is None else args.timeout
    if timeout <= 0:
        _err("--timeout must be more than 0 seconds")
        return EXIT_CANNOT_RUN
    try:
        profile = find_profile(args.platform, settings=args.settings)
    except UnknownPlatform as exc:
        _err(str(exc))
        return EXIT_CANNOT_RUN
    if profile.auth is None:
        _err(
            f"{profile.name} has no auth section in its profile "
            f"({profile.source_file or 'no file'}): it needs no login"
        )
        return EXIT_CANNOT_RUN
    if args.import_file is not None:
        return _import(args, profile)

    from crawler.auth.human import open_login_window

    try:
        result = open_login_window(profile, args.settings, timeout=timeout)
    except LoginWindowError as exc:
        _err(str(exc))
        # A page that did not load is worth another try; the rest needs the set-up fixed.
        return EXIT_NOT_SAVED if exc.field == "auth.login.url" else EXIT_CANNOT_RUN
    if result.outcome == "logged_in" and result.stored is not None:
        cookies = len(result.stored.state["cookies"])
        print(
            f"Session of {profile.name} saved to {printable(result.stored.path)} "
            f"({cookies} cookie{'s' if cookies != 1 else ''}); the next crawl of "
            f"{profile.name} uses it."
        )
        return EXIT_SAVED
    if result.outcome == "closed":
        _err(f"the window was closed before a page showed {profile.name} logged in: nothing saved")
    else:
        _err(f"no login seen on {profile.name} within {timeout:.0f} s: nothing saved")
    return EXIT_NOT_SAVED


def _import(args: argparse.Namespace, profile: PlatformProfile) -> int:
    from crawler.auth.human import import_session
    from crawler.cli.console import printable

    result = import_session(profile, args.settings, args.import_file)
    line = (
        f"Session of {result.stored.platform} imported from {printable(args.import_file)}: "
        f"{result.kept} cookie{'s' if result.kept != 1 else ''} kept"
    )
    if result.dropped:
        shown = ", ".join(printable(d) for d in result.dropped_domains[:5])
        more = ", ..." if len(result.dropped_domains) > 5 else ""
        line += f", {result.dropped} dropped (not the platform's hosts: {shown}{more})"
    print(f"{line}; saved to {printable(result.stored.path)}; the next crawl uses it.")
    return EXIT_SAVED
