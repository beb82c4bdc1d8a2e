"""`crawler status`: what the store holds, the latest crawl jobs and one line of health
(every platform's latest judged status, crawler.cli.health), and `print_summary`.

Jobs whose process died without recording their end are marked `killed` first
(crawler.crawl.jobs), so that no killed run shows as running.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="what the store holds and the latest crawl jobs")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    from crawler.alerts.engine import alert_after_replay
    from crawler.cli.console import printable
    from crawler.crawl.jobs import mark_dead_jobs
    from crawler.store import StoreError, open_store

    async def go() -> tuple[dict[str, Any], list[Any], list[Any], Any, StoreError | None]:
        async with open_store(args.settings) as store:
            pending = await store.pending_writes()  # replays what it can first
            await alert_after_replay(store, args.settings)
            try:
                await mark_dead_jobs(store)
                summary, jobs = await store.summary(), await store.jobs(limit=10)
                return summary, jobs, await store.latest_judged_jobs(), pending, None
            except StoreError as exc:
                return {}, [], [], pending, exc

    summary, jobs, judged, pending, error = asyncio.run(go())
    queue, queue_error = _queue(args.settings)
    if args.json:
        spool = None
        if pending is not None:
            spool = {
                "writes": pending.count,
                "listings": pending.listings,
                "oldest": pending.oldest.isoformat() if pending.oldest else None,
                "where": pending.where,
            }
        print(
            json.dumps(
                {
                    "summary": summary,
                    "jobs": [j.model_dump(mode="json") for j in jobs],
                    # every platform's latest judged health (crawler health for more)
                    "health": {
                        j.platform: {
                            "status": j.health.status,
                            "reasons": [r.code for r in j.health.reasons],
                            "job": j.id,
                        }
                        for j in judged
                        if j.health is not None
                    },
                    "spool": spool,
                    "queue": queue,
                    "error": str(error) if error else queue_error,
                },
                default=str,
            )
        )
    else:
        if not error:
            from crawler.cli.health import health_line

            print_summary(summary, jobs)
            print(printable(health_line(judged)))
        if pending is not None and pending.count:
            since = pending.oldest.strftime("%Y-%m-%d %H:%M:%S UTC") if pending.oldest else "?"
            print(
                f"Elasticsearch spool: {pending.count:,} writes ({pending.listings:,} listings) "
                f"waiting since {since} in {printable(pending.where)}; they are replayed when "
                "Elasticsearch is back"
            )
        if queue is not None:
            waiting = ", ".join(f"{q} {n}" for q, n in queue["waiting"].items() if n) or "none"
            print(
                f"queue: waiting {waiting}; running {len(queue['running'])} platform(s)"
                f"{': ' + ', '.join(queue['running'][:10]) if queue['running'] else ''}; "
                f"{len(queue['workers'])} queue(s) with a live worker"
            )
        if error:
            print(f"crawler status: {printable(error)}", file=sys.stderr)
        if queue_error:
            print(f"crawler status: {printable(queue_error)}", file=sys.stderr)
    return 4 if error or queue_error else 0


def _queue(settings: Any) -> tuple[dict[str, Any] | None, str | None]:
    """The Redis queue's state when QUEUE_URL is set (crawler.worker), or why it is unknown."""
    from crawler.worker.config import QueueConfig

    config = QueueConfig.from_settings(settings)
    if not config.enabled:
        return None, None
    from crawler.worker.queue import queue_status

    try:
        return asyncio.run(queue_status(config)), None
    except Exception as exc:  # noqa: BLE001 - Redis down: said, exit 4
        return None, f"queue unreachable: {type(exc).__name__}: {exc}"


def print_summary(summary: dict[str, Any], jobs: list[Any], top: list[Any] | None = None) -> None:
    from crawler.cli import console as out

    con = out.console()
    latest: dict[str, Any] = {}
    for job in jobs:
        latest.setdefault(job.platform, job)
    t = out.table(
        "Listings per platform",
        (
            "platform",
            "stored",
            "last run",
            "status",
            "new",
            "changed",
            "unchanged",
            "skipped",
            "pages",
            "complete",
        ),
    )
    platforms = summary.get("platforms", {})
    for name in sorted(set(platforms) | set(latest)):
        info = platforms.get(name, {})
        j = latest.get(name)
        out.row(
            t,
            name,
            info.get("listings", 0),
            j.started_at.strftime("%H:%M:%S") if j else "-",
            j.status if j else "-",
            *(
                getattr(j, f) if j else "-"
                for f in ("new", "changed", "unchanged", "skipped_known", "pages")
            ),
            ("yes" if j.complete else "no") if j else "-",
        )
    con.print(t)
    indicators = summary.get("indicators", {})
    if indicators:
        t = out.table("Top indicators", ("indicator", "listings"))
        for ind, n in sorted(indicators.items(), key=lambda kv: -kv[1])[:10]:
            out.row(t, ind, n)
        con.print(t)
    if top:
        t = out.table("Highest-risk listings", ("risk", "platform", "title", "evidence", "why"))
        for lst in top:
            evidence = "; ".join(f"{h.id}: \u201c{h.evidence}\u201d" for h in lst.indicators[:4])
            out.row(
                t,
                lst.risk_score,
                lst.platform,
                out.one_line(lst.title, 50),
                evidence,
                "; ".join(lst.risk_explanation[:2]),
            )
        con.print(t)
