"""`crawler health [PLATFORM] [--runs N] [--json]`: every platform's health and its last runs.

A platform's status is the health judged at the end of its latest judged run
(crawler.health, docs/health.md): healthy, degraded or failing, with the reasons and what
to do. Below each platform, its last N runs: when, how the run ended, its health, the
listings found on list pages, the new ones and the errors. Platforms with a profile but no
judged run yet are listed on one line as "not judged yet". Everything shown is escaped for the terminal
(crawler.cli.console); `--json` prints the same as JSON.

Exit codes: 0 shown (whatever the statuses), 2 unknown platform, 4 the store cannot be read.
`health_line(jobs)` is the one-line summary that `crawler status` prints.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any

from crawler.models import HEALTH_STATUSES, CrawlJob


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("health", help="every platform's health (healthy/degraded/failing)")
    p.add_argument("platform", nargs="?", help="only this platform")
    p.add_argument("--runs", type=int, default=5, help="last runs shown per platform (5)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_health)


def _err(msg: str) -> None:
    from crawler.cli.console import printable

    print(f"crawler health: {printable(msg)}", file=sys.stderr)


def cmd_health(args: argparse.Namespace) -> int:
    from crawler.profiles import load_profiles
    from crawler.store import StoreError, open_store

    if args.runs < 0:
        _err("--runs must be 0 or more")
        return 2
    configured = set(load_profiles(settings=args.settings))

    async def read() -> tuple[list[CrawlJob], dict[str, list[CrawlJob]]]:
        async with open_store(args.settings) as store:
            latest = await store.latest_judged_jobs()
            names = sorted({j.platform for j in latest} | configured)
            if args.platform:
                names = [n for n in names if n == args.platform]
            runs = {}
            for name in names:
                runs[name] = await store.jobs(name, limit=args.runs) if args.runs else []
            return latest, runs

    try:
        latest, runs = asyncio.run(read())
    except StoreError as exc:
        _err(str(exc))
        return 4
    if args.platform and args.platform not in runs:
        _err(f"unknown platform {args.platform!r}: no profile and no crawl job")
        return 2
    by_platform = {j.platform: j for j in latest}
    report = [platform_report(name, by_platform.get(name), runs[name]) for name in runs]
    if args.json:
        print(json.dumps({"platforms": report}, default=str))
    else:
        print_health(report)
    return 0


def _run(job: CrawlJob) -> dict[str, Any]:
    health = job.health
    found = health.metrics.get("entries") if health is not None else None
    return {
        "id": job.id,
        "started_at": job.started_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "status": job.status,
        "mode": job.mode,
        "health": health.status if health is not None else None,
        "reasons": [r.code for r in health.reasons] if health is not None else [],
        "listings": int(found) if found is not None else None,
        "new": job.new,
        "errors": job.errors,
    }


def platform_report(name: str, latest: CrawlJob | None, runs: list[CrawlJob]) -> dict[str, Any]:
    """One platform's entry of `crawler health --json`."""
    health = latest.health if latest is not None else None
    return {
        "platform": name,
        "status": health.status if health is not None else "not judged",
        "checked_at": health.checked_at.isoformat()
        if health is not None and health.checked_at
        else None,
        "job": latest.id if latest is not None else None,
        "reasons": [r.model_dump(mode="json") for r in health.reasons] if health else [],
        "runs": [_run(j) for j in runs],
    }


STYLE = {"healthy": "green", "degraded": "yellow", "failing": "bold red"}


def print_health(report: list[dict[str, Any]]) -> None:
    from crawler.cli import console as out

    con = out.console()
    if not report:
        con.print(out.text("no platforms configured and no crawl jobs recorded"))
        return
    con.print(out.text(health_line_of(report)))
    for entry in report:
        if entry["status"] == "not judged" and not entry["runs"]:
            continue  # listed on one line below
        con.print()
        checked = entry["checked_at"][:16].replace("T", " ") if entry["checked_at"] else "-"
        con.print(
            out.text(entry["platform"], "bold"),
            out.text(entry["status"], STYLE.get(entry["status"], "")),
            out.text(f"(checked {checked} UTC)" if entry["checked_at"] else ""),
        )
        for r in entry["reasons"]:
            con.print(
                out.text(f"  {r['severity']:<8}", STYLE.get(r["severity"], "")),
                out.text(f"{r['code']}: {r['message']}"),
            )
            if r.get("advice"):
                con.print(out.text(f"           what to do: {r['advice']}"))
        if entry["runs"]:
            t = out.table(
                "",
                ("started (UTC)", "run", "mode", "health", "listings", "new", "errors", "reasons"),
            )
            for run in entry["runs"]:
                out.row(
                    t,
                    run["started_at"][:16].replace("T", " "),
                    run["status"],
                    run["mode"],
                    run["health"] or "-",
                    "-" if run["listings"] is None else run["listings"],
                    run["new"],
                    run["errors"],
                    ", ".join(run["reasons"]) or "-",
                )
            con.print(t)
    unjudged = [e["platform"] for e in report if e["status"] == "not judged" and not e["runs"]]
    if unjudged:
        con.print()
        con.print(out.text(f"not judged yet (no judged run): {', '.join(unjudged)}"))


def health_line_of(report: list[dict[str, Any]]) -> str:
    """'health: 5 healthy, 1 degraded (demo-x: list_zero_entries)' from platform reports."""
    counts: dict[str, list[str]] = {s: [] for s in (*HEALTH_STATUSES, "not judged")}
    for entry in report:
        codes = ", ".join(dict.fromkeys(r["code"] for r in entry["reasons"]))
        label = f"{entry['platform']}: {codes}" if codes else entry["platform"]
        counts.setdefault(entry["status"], []).append(label)
    parts = []
    for status, labels in counts.items():
        if not labels:
            continue
        part = f"{len(labels)} {status}"
        if status in ("degraded", "failing"):
            part += f" ({'; '.join(labels)})"
        parts.append(part)
    return "health: " + (", ".join(parts) if parts else "no judged runs yet")


def health_line(latest: list[CrawlJob]) -> str:
    """The one-line health summary of `crawler status` (every platform's latest judged job)."""
    return health_line_of([platform_report(j.platform, j, []) for j in latest])
