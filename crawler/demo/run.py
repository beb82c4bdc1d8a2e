"""`crawler run`: the demo main job: start the demo world, crawl every demo platform, show results.

Starts the synthetic demo platforms on 127.0.0.1 (crawler.demo.world) and, for the onion
market, a private tor network on 127.0.0.1 that never touches the real Tor network
(crawler.tor.private_network); crawls each platform with `crawler crawl` processes, two at
a time, into the embedded store (CRAWLER_DATA_DIR, default ./data); prints listings per
platform, the top indicators and the highest-risk listings with their evidence; and checks
what was stored against the demo world's ground truth (exit 1 when a listing is missing).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from crawler.config import crawler_settings
from crawler.models import SearchQuery
from crawler.profiles import load_profiles


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


def _print_evidence(settings: Any, console: Any) -> int:
    """One line on the run's evidence, checked as `crawler evidence verify` checks it;
    1 when capture is on and it does not verify (the main job then fails)."""
    from crawler.cli import console as out
    from crawler.config import get_bool
    from crawler.evidence.chain import verify
    from crawler.evidence.layout import evidence_dir

    if not get_bool(settings, "EVIDENCE_ENABLED"):
        console.print("evidence: capture is off (EVIDENCE_ENABLED)")
        return 0
    root = evidence_dir(settings)
    report = verify(root)
    size = sum(p.stat().st_size for p in root.rglob("*.warc.gz"))
    verdict = "verify OK" if report.ok else f"[red]{len(report.problems)} problem(s)[/]"
    console.print(
        f"evidence: {verdict}: {report.manifests} signed manifest(s), {report.files} WARC "
        f"file(s), {report.records} record(s), {size / 1e6:.1f} MB in {out.text(str(root))} "
        "(crawler evidence verify)",
        soft_wrap=True,
    )
    for problem in report.problems[:5]:
        console.print(out.text(f"  {problem}"))
    return 0 if report.ok else 1


def _ensure_signing_key(settings: Any, console: Any) -> None:
    """The crawls seal their evidence (crawler.evidence.chain): with capture on and no key
    configured, create one in the data directory, once, and say so."""
    from crawler.config import parse_bool
    from crawler.evidence import keys

    if not parse_bool(settings.get("EVIDENCE_ENABLED", True), "EVIDENCE_ENABLED"):
        return
    if keys.load_signing_key(settings) is not None:
        return
    path = keys.key_file(settings)
    key = keys.generate_key_file(path)
    console.print(
        f"created evidence signing key {path} (fingerprint "
        f"{keys.fingerprint(keys.public_bytes(key))}; keep it secret)",
        markup=False,
    )


def _run_platforms() -> list[str]:
    from crawler.demo.world import platform_classes

    classes = platform_classes()
    return sorted(n for n, cls in classes.items() if cls.in_default_world or n == "demo-members")


def cmd_run(args: argparse.Namespace) -> int:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from crawler.cli.console import console as make_console
    from crawler.cli.profiles import report_broken
    from crawler.cli.status import print_summary
    from crawler.demo.world import DemoWorld, DemoWorldThread
    from crawler.store import open_store, store_url

    settings = args.settings
    console = make_console()
    data_dir = Path(str(settings.get("CRAWLER_DATA_DIR") or "data"))
    data_dir.mkdir(parents=True, exist_ok=True)
    (data_dir / "logs").mkdir(exist_ok=True)
    # The default world and the members-only platform (its crawl logs in: docs/auth.md).
    world = DemoWorld(seed=args.seed, size=args.size, platforms=_run_platforms())
    names = args.platform or sorted(world.platforms)
    runner = DemoWorldThread(world)
    runner.start()
    tornet = None
    try:
        env = {**os.environ, **world.env(), "CRAWLER_DATA_DIR": str(data_dir)}
        # The demo account, random per run, reaches the crawls only through their environment.
        env.update(world.members.account.environ())
        overrides = [*args.set_global, *args.set]
        profiles = load_profiles(environ=env, settings=settings)
        report_broken(profiles)
        _ensure_signing_key(crawler_settings(env, overrides), console)
        onion = [n for n in names if n in profiles and profiles[n].network == "tor"]
        tor_bin = str(settings.get("TOR_BINARY") or "tor")
        if onion and not args.no_tor and _which(tor_bin) and _which("tor-gencert"):
            tornet = _start_private_tor(world, onion, env, console, tor_bin)
        crawl_names, skipped = _crawlable(profiles, names, args.no_browser, tornet is not None)
        console.print(
            f"[bold]Demo world[/] seed={args.seed}, {args.size} listings per platform; "
            f"store: {store_url(crawler_settings(env, overrides))}"
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
                overrides,
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
            async with open_store(crawler_settings(env, overrides)) as store:
                summary = await store.summary()
                jobs = await store.jobs(limit=50)
                top = await store.search(SearchQuery(min_risk=1, limit=5))
                stored: dict[str, set[str]] = {}
                for name in crawl_names:
                    page = await store.search(SearchQuery(platform=name, limit=100000))
                    stored[name] = {lst.listing_key or "" for lst in page.listings}
                return summary, jobs, top, stored

        summary, jobs, top, stored = asyncio.run(report())
        print_summary(summary, jobs, top.listings)
        from crawler.cli import console as out
        from crawler.cli.health import health_line

        judged: dict[str, Any] = {}
        for job in jobs:  # most recent first: each platform's latest judged run
            if job.health is not None:
                judged.setdefault(job.platform, job)
        console.print(out.text(health_line(list(judged.values()))))
        failures += _print_evidence(crawler_settings(env, overrides), console)
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


def _start_private_tor(
    world: Any, onion: list[str], env: dict[str, str], console: Any, tor_bin: str
) -> Any:
    """A private tor network on 127.0.0.1 with the demo onion platform behind an onion service."""
    from crawler.tor.private_network import TorTestNetwork

    name = onion[0]
    port = int(world.urls[name].rsplit(":", 1)[1])
    console.print(
        "Starting a private tor network on 127.0.0.1 (8 tor processes; nothing reaches "
        "the real Tor network) ..."
    )
    net = TorTestNetwork(onion_target_port=port, tor_bin=tor_bin)
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
    overrides: list[str],
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
            async with open_store(crawler_settings(env, overrides)) as store:
                return {n: await store.count(n) for n in names}

        while pending or running:
            while pending and len(running) < 2:
                name = pending.pop(0)
                log = open(data_dir / "logs" / f"{name}-round{round_no}.log", "wb")  # noqa: SIM115
                log_files.append(log)
                sets = [part for o in overrides for part in ("-s", o)]
                proc = subprocess.Popen(
                    [sys.executable, "-m", "crawler", "crawl", name, *sets],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
                running[name] = (proc, log)
                progress.update(tasks[name], state="crawling")
            time.sleep(0.5)
            try:
                stored = asyncio.run(counts())
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
