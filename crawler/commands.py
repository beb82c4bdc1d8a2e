"""The core commands: run (the demo main job), crawl, search, status, profiles, purge."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from crawler.models import SearchQuery
from crawler.profiles import ProfileError, load_profile, load_profiles, profile_json_schema


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="start the demo world, crawl every demo platform, show results")
    p.add_argument("--size", type=int, default=60, help="listings per demo platform (default 60)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="crawl rounds; the demo world advances in time between rounds",
    )
    p.add_argument("--platform", action="append", help="only these demo platforms")
    p.add_argument("--no-browser", action="store_true", help="skip platforms that need Chromium")
    p.add_argument(
        "--no-tor",
        action="store_true",
        help="skip onion platforms (else a private tor network is started on 127.0.0.1)",
    )
    p.set_defaults(func=cmd_run)

    p = sub.add_parser(
        "crawl", help="crawl one configured platform (the unit cron or the scheduler runs)"
    )
    p.add_argument("platform")
    p.add_argument("--full", action="store_true", help="walk every list page (no incremental stop)")
    p.add_argument(
        "-s",
        "--set",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="override a Scrapy setting",
    )
    p.set_defaults(func=cmd_crawl, scrapy_logging=True)

    p = sub.add_parser("search", help="search stored listings (full text plus filters)")
    p.add_argument("text", nargs="?", help="full-text query")
    p.add_argument("--platform")
    p.add_argument("--category")
    p.add_argument("--indicator", help="indicator id, e.g. movement")
    p.add_argument(
        "--identifier", help="phone (any format), e-mail, @handle or service:handle, wallet"
    )
    p.add_argument("--min-risk", type=int)
    p.add_argument("--since", help="seen since: ISO date or a duration like 24h, 7d")
    p.add_argument("--limit", type=int, default=20)
    p.add_argument("--json", action="store_true", help="JSON lines output")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("status", help="what the store holds and the latest crawl jobs")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("profiles", help="list, validate or describe platform profiles")
    psub = p.add_subparsers(dest="profiles_command", metavar="ACTION")
    pl = psub.add_parser("list", help="configured platforms")
    pl.set_defaults(func=cmd_profiles_list)
    pv = psub.add_parser("validate", help="validate profile files (all configured when none given)")
    pv.add_argument("paths", nargs="*")
    pv.set_defaults(func=cmd_profiles_validate)
    ps = psub.add_parser("schema", help="print the profile JSON Schema")
    ps.set_defaults(func=lambda a: print(json.dumps(profile_json_schema(), indent=2)) or 0)

    p = sub.add_parser("purge", help="retention: delete listings not seen for N days")
    p.add_argument("--days", type=int, required=True)
    p.set_defaults(func=cmd_purge)


# ---- helpers ---------------------------------------------------------------------------


def _err(msg: str) -> None:
    print(f"crawler: {msg}", file=sys.stderr)


def _console() -> Any:
    from crawler import console

    return console.console()


def _run(coro: Any) -> Any:
    return asyncio.run(coro)


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    units = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
    if value[:-1].isdigit() and value[-1] in units:
        return datetime.now(UTC) - timedelta(seconds=int(value[:-1]) * units[value[-1]])
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


# ---- crawl -----------------------------------------------------------------------------


# Exit codes of `crawler crawl` (README "Exit codes"): the scheduler, cron and systemd read them.
EXIT_OK = 0  # the run walked the platform to its end
EXIT_INCOMPLETE = 1  # some list pages failed, or the run was stopped or paused; the rest is stored
EXIT_CONFIG = 2  # the profile or a setting is broken: nothing was crawled
EXIT_LOCKED = 3  # another process is crawling this platform
EXIT_FAILED = 4  # no list page could be read, or the store could not be written


def cmd_crawl(args: argparse.Namespace) -> int:
    profiles = load_profiles()
    if args.platform not in profiles:
        broken = profiles.error_for(args.platform)
        if broken is not None:
            _err(f"{args.platform}: broken profile: {broken}")
        else:
            _err(
                f"unknown platform {args.platform!r}; configured: "
                f"{', '.join(sorted(profiles)) or 'none'}"
            )
        return EXIT_CONFIG
    for err in profiles.errors:  # other platforms' broken files: said, not fatal here
        _err(f"warning: broken profile ignored: {err}")
    lock = None
    if "SCHEDULER_LOCK_FD" not in os.environ:  # the scheduler hands its own lock down
        from crawler.scheduler import PlatformLock

        lock = PlatformLock(Path(os.environ.get("CRAWLER_DATA_DIR", "data")), args.platform)
        if not lock.acquire():
            _err(f"{args.platform}: a crawl of this platform is already running")
            return EXIT_LOCKED
    try:
        problem = _store_preflight()
        if problem:
            _err(f"{args.platform}: store: {problem}")
            return EXIT_FAILED
        return _crawl(args)
    finally:
        if lock is not None:
            lock.release()


def _store_preflight() -> str | None:
    """Why the store cannot take this crawl's writes (one line), or None when it can."""
    from crawler.store import StoreError, open_store

    async def check() -> None:
        async with open_store() as store:
            await store.check_writable()

    try:
        _run(check())
    except StoreError as exc:
        return str(exc)
    return None


def _crawl(args: argparse.Namespace) -> int:
    import resource

    os.environ.setdefault("SCRAPY_SETTINGS_MODULE", "settings.base")
    from scrapy.crawler import CrawlerProcess
    from scrapy.utils.project import get_project_settings

    from crawler.logformat import install_printable_filter
    from spiders.listing import ListingSpider

    settings = get_project_settings()
    for pair in args.set:
        name, _, value = pair.partition("=")
        settings.set(name, value, priority="cmdline")
    process = CrawlerProcess(settings)
    install_printable_filter()
    crawler = process.create_crawler(ListingSpider)
    process.crawl(crawler, platform=args.platform, full=args.full)
    process.start()
    stats = crawler.stats.get_stats() if crawler.stats else {}
    reason = stats.get("finish_reason", "unknown")
    spider = crawler.spider
    job = getattr(spider, "job", None)
    summary = {
        "platform": args.platform,
        "mode": stats.get("listing/mode"),
        "status": getattr(job, "status", None),
        "finish_reason": reason,
        "pages": stats.get("response_received_count", 0),
        "new": stats.get("store/new", 0),
        "changed": stats.get("store/changed", 0),
        "unchanged": stats.get("store/unchanged", 0),
        "skipped_known": stats.get("listing/skipped_known", 0),
        "failed_pages": stats.get("listing/detail_page_errors", 0),
        "refused": stats.get("scope/refused", 0),
        "errors": stats.get("log_count/ERROR", 0),
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
    }
    print("crawl " + " ".join(f"{k}={v}" for k, v in summary.items()), flush=True)
    return _crawl_exit(args.platform, stats, job, reason)


def _crawl_exit(platform: str, stats: dict[str, Any], job: Any, reason: str) -> int:
    """The exit code of a finished crawl, with one line on standard error when it is not 0."""
    status = getattr(job, "status", None)
    if job is None:
        _err(f"{platform}: crawl: the crawl did not start ({reason}); see the log above")
        return EXIT_FAILED
    if status == "failed":
        stage = "store" if stats.get("store/errors") else "parse"
        _err(f"{platform}: {stage}: {job.message}")
        return EXIT_FAILED
    if status == "paused":
        _err(f"{platform}: politeness: {job.message}; the next run resumes")
        return EXIT_INCOMPLETE
    list_errors = stats.get("listing/list_page_errors", 0) + stats.get(
        "listing/list_parse_errors", 0
    )
    if list_errors:
        why = stats.get("listing/list_parse_error") or stats.get("listing/list_page_error")
        _err(
            f"{platform}: list pages: {list_errors} list page(s) could not be read ({why}); "
            "the run is incomplete and the next run walks every list page again"
        )
        return EXIT_INCOMPLETE
    if reason not in {"finished", "closespider_pagecount", "closespider_itemcount"}:
        _err(f"{platform}: crawl: stopped before the end ({reason}); the next run resumes")
        return EXIT_INCOMPLETE
    return EXIT_OK


# ---- search / status -------------------------------------------------------------------


def _price_text(listing: Any) -> str:
    if not listing.prices:
        return ""
    p = listing.prices[0]
    amount = f"{p.amount:,.2f}".rstrip("0").rstrip(".")
    return f"{amount} {p.currency or ''}{'/' + p.unit if p.unit else ''}".strip()


def cmd_search(args: argparse.Namespace) -> int:
    from crawler import console as out
    from crawler.store import open_store

    try:
        query = SearchQuery(
            text=args.text,
            platform=args.platform,
            category=args.category,
            indicator=args.indicator,
            identifier=args.identifier,
            min_risk=args.min_risk,
            seen_since=parse_since(args.since),
            limit=args.limit,
        )
    except ValueError as exc:
        _err(f"bad search option: {exc}")
        return 2

    async def go() -> Any:
        async with open_store() as store:
            return await store.search(query)

    page = _run(go())
    if args.json:
        for listing in page.listings:
            print(listing.model_dump_json())
        return 0
    shown = f", showing {len(page.listings)}" if page.total > len(page.listings) else ""
    table = out.table(
        f"{page.total} listing(s){shown}",
        ("risk", "platform", "title", "price", "indicators", "contacts", "last seen"),
    )
    for lst in page.listings:
        out.row(
            table,
            lst.risk_score,
            lst.platform,
            out.one_line(lst.title, 60),
            _price_text(lst),
            ", ".join(sorted({h.id for h in lst.indicators})),
            ", ".join(v for _, v in lst.identifiers()[:3]),
            lst.last_seen.strftime("%Y-%m-%d %H:%M") if lst.last_seen else "",
        )
    out.console().print(table)
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from crawler.crawl.jobs import mark_dead_jobs
    from crawler.store import open_store

    async def go() -> tuple[dict[str, Any], list[Any]]:
        async with open_store() as store:
            await mark_dead_jobs(store)
            return await store.summary(), await store.jobs(limit=10)

    summary, jobs = _run(go())
    if args.json:
        print(
            json.dumps(
                {"summary": summary, "jobs": [j.model_dump(mode="json") for j in jobs]}, default=str
            )
        )
        return 0
    print_summary(summary, jobs)
    return 0


def print_summary(summary: dict[str, Any], jobs: list[Any], top: list[Any] | None = None) -> None:
    from crawler import console as out

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


# ---- profiles / purge ------------------------------------------------------------------


def _report_broken(profiles: Any) -> int:
    for err in profiles.errors:
        _err(f"broken profile: {err}")
    return len(profiles.errors)


def cmd_profiles_list(args: argparse.Namespace) -> int:
    profiles = load_profiles()
    for p in profiles.values():
        print(f"{p.name:28} {p.network:9} {p.category:12} {p.base_url}  ({p.source_file})")
    return 1 if _report_broken(profiles) else 0


def cmd_profiles_validate(args: argparse.Namespace) -> int:
    paths = [Path(p) for p in args.paths]
    if not paths:
        profiles = load_profiles()
        print(f"{len(profiles)} profile(s) valid")
        return 1 if _report_broken(profiles) else 0
    bad = 0
    for path in paths:
        try:
            p = load_profile(path)
            print(f"{path}: ok ({p.name})")
        except ProfileError as exc:
            bad += 1
            print(f"{exc}", file=sys.stderr)
    return 1 if bad else 0


def cmd_purge(args: argparse.Namespace) -> int:
    from crawler.store import open_store

    async def go() -> int:
        async with open_store() as store:
            return await store.purge(datetime.now(UTC) - timedelta(days=args.days))

    print(f"purged {_run(go())} listing(s) not seen for {args.days} day(s)")
    return 0


# ---- run: the demo main job ------------------------------------------------------------


def _crawlable(
    profiles: dict[str, Any], names: list[str], no_browser: bool, tor_ready: bool
) -> tuple[list[str], list[str]]:
    ok, skipped = [], []
    for name in names:
        p = profiles.get(name)
        if p is None:
            skipped.append(f"{name} (no profile)")
        elif (p.network == "tor" or p.tor.strict) and not tor_ready:
            skipped.append(f"{name} (needs tor: install Debian's tor, or drop --no-tor)")
        elif p.network == "js" and (no_browser or not Path("/usr/lib/chromium/chromium").exists()):
            skipped.append(f"{name} (needs Chromium)")
        else:
            ok.append(name)
    return ok, skipped


def cmd_run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from crawler.demo.world import DemoWorld, DemoWorldThread
    from crawler.store import open_store, store_url

    console = _console()
    data_dir = Path(os.environ.get("CRAWLER_DATA_DIR", "data"))
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "logs").mkdir(exist_ok=True)
    world = DemoWorld(seed=args.seed, size=args.size)
    names = args.platform or sorted(world.platforms)
    runner = DemoWorldThread(world)
    runner.start()
    tornet = None
    try:
        env = {**os.environ, **world.env(), "CRAWLER_DATA_DIR": str(data_dir)}
        profiles = load_profiles(environ=env)
        _report_broken(profiles)
        onion = [n for n in names if n in profiles and profiles[n].network == "tor"]
        if onion and not args.no_tor and _which("tor") and _which("tor-gencert"):
            tornet = _start_private_tor(world, onion, env, console)
        crawl_names, skipped = _crawlable(profiles, names, args.no_browser, tornet is not None)
        console.print(
            f"[bold]Demo world[/] seed={args.seed}, {args.size} listings per platform; "
            f"store: {store_url(env)}"
        )
        for s in skipped:
            console.print(f"  skipped {s}")
        failures = 0
        for round_no in range(1, args.rounds + 1):
            if round_no > 1:
                world.advance()
                console.print(f"[bold]Round {round_no}[/]: the demo world advanced in time")
            failures += _crawl_all(
                crawl_names,
                env,
                data_dir,
                console,
                Progress,
                BarColumn,
                TextColumn,
                TimeElapsedColumn,
                args.size,
                round_no,
            )

        async def report() -> tuple[Any, Any, Any, dict[str, set[str]]]:
            async with open_store(environ=env) as store:
                summary = await store.summary()
                jobs = await store.jobs(limit=50)
                top = await store.search(SearchQuery(min_risk=1, limit=5))
                stored: dict[str, set[str]] = {}
                for name in crawl_names:
                    page = await store.search(SearchQuery(platform=name, limit=100000))
                    stored[name] = {lst.listing_key or "" for lst in page.listings}
                return summary, jobs, top, stored

        summary, jobs, top, stored = _run(report())
        print_summary(summary, jobs, top.listings)
        truth = world.ground_truth()
        for name in crawl_names:
            want = {t.key for t in truth.get(name, [])}
            got = stored.get(name, set())
            missing = len(want - got)
            console.print(
                f"ground truth {name}: {len(want & got)}/{len(want)} current listings stored"
                + (f", [red]{missing} missing[/]" if missing else "")
            )
            failures += bool(missing)
        exe = "crawler" if _which("crawler") else str(Path(sys.prefix) / "bin" / "crawler")
        console.print(
            f"Search them: [bold]{exe} search 'just arrived'[/], "
            f"[bold]{exe} search --min-risk 50[/], [bold]{exe} status[/] "
            f"(CRAWLER_DATA_DIR={data_dir})"
        )
        return 1 if failures else 0
    finally:
        if tornet is not None:
            tornet.stop()
        runner.stop()


def _start_private_tor(world: Any, onion: list[str], env: dict[str, str], console: Any) -> Any:
    """A private tor network on 127.0.0.1 with the demo onion platform behind an onion service."""
    from crawler.testing.tornet import TorTestNetwork

    name = onion[0]
    port = int(world.urls[name].rsplit(":", 1)[1])
    console.print(
        "Starting a private tor network on 127.0.0.1 (8 tor processes; nothing reaches "
        "the real Tor network) ..."
    )
    net = TorTestNetwork(onion_target_port=port)
    try:
        net.start()
    except Exception as exc:  # the demo goes on without the onion platform
        console.print(f"[yellow]private tor network did not start ({exc}); skipping {name}[/]")
        net.stop()
        return None
    env.update(net.environ())
    env[world.platforms[name].env_var] = net.onion_url
    console.print(f"  {name} is served at {net.onion_url}")
    return net


def _crawl_all(
    names: list[str],
    env: dict[str, str],
    data_dir: Path,
    console: Any,
    Progress: Any,
    BarColumn: Any,
    TextColumn: Any,
    TimeElapsedColumn: Any,
    size: int,
    round_no: int,
) -> int:
    """Crawl the platforms, two processes at a time, with a progress bar per platform."""
    from crawler.store import open_store

    failures = 0
    pending = list(names)
    running: dict[str, tuple[subprocess.Popen[bytes], Any]] = {}
    log_files = []
    with Progress(
        TextColumn("{task.description:28}"),
        BarColumn(),
        TextColumn("{task.fields[state]}"),
        TimeElapsedColumn(),
        console=console,
    ) as progress:
        tasks = {n: progress.add_task(n, total=size, state="waiting") for n in names}

        async def counts() -> dict[str, int]:
            async with open_store(environ=env) as store:
                return {n: await store.count(n) for n in names}

        while pending or running:
            while pending and len(running) < 2:
                name = pending.pop(0)
                log = open(data_dir / "logs" / f"{name}-round{round_no}.log", "wb")  # noqa: SIM115
                log_files.append(log)
                proc = subprocess.Popen(
                    [sys.executable, "-m", "crawler", "crawl", name],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                running[name] = (proc, log)
                progress.update(tasks[name], state="crawling")
            time.sleep(0.5)
            try:
                stored = _run(counts())
            except Exception:
                stored = {}
            for name in names:
                if name in stored:
                    progress.update(tasks[name], completed=min(stored[name], size))
            for name, (proc, _) in list(running.items()):
                rc = proc.poll()
                if rc is None:
                    continue
                del running[name]
                progress.update(
                    tasks[name], completed=size, state="done" if rc == 0 else f"[red]failed ({rc})"
                )
                if rc != 0:
                    failures += 1
    for log in log_files:
        log.close()
    if failures:
        console.print(f"[red]{failures} crawl(s) failed; logs in {data_dir / 'logs'}[/]")
    return failures


def _which(cmd: str) -> bool:
    return shutil.which(cmd) is not None
