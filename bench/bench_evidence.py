"""Capture benchmark: the same demo crawl with evidence capture on and off, one invocation.

    .venv/bin/python bench/bench_evidence.py [--size 1000] [--repeats 3] [--platform demo-classifieds]

Each repeat runs one `crawler crawl` process with EVIDENCE_ENABLED=1 and one with
EVIDENCE_ENABLED=0 against the same demo world (served from this process), each into a
fresh data directory (a full crawl of every page), the order alternating from repeat to
repeat (on/off, off/on, ...), so that a machine loaded by something else slows both sides
alike. Figures per mode:

- pages/s of the crawl itself: pages (Scrapy's response_received_count) over the crawl's
  own elapsed_time_seconds (process start-up, the same for both, left out);
- CPU pages/s: pages over the crawl process's user+system CPU time (start-up included);
- the ratio on/off of each, the median over the repeats' pairs (target >= 0.9);
- the capture's own CPU time per page and its share of the crawl process's CPU time
  (the evidence/cpu_seconds stat), which the load of the machine does not change;
- with capture on: WARC bytes per page (the run's .warc.gz files over the pages written)
  and per 10,000 pages.
"""

from __future__ import annotations

import argparse
import re
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from crawler.testing.crawls import crawl_command, crawl_env, running_world


def run_one(world, data: Path, platform: str, capture: bool) -> dict[str, float]:
    env = crawl_env(world, data, {"EVIDENCE_ENABLED": "1" if capture else "0"})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.run(crawl_command(platform), env=env, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = proc.stdout + proc.stderr
    if proc.returncode != 0:
        raise SystemExit(f"crawl failed ({proc.returncode}):\n{out[-3000:]}")
    pages = int(re.search(r"'response_received_count': (\d+)", out).group(1))  # type: ignore[union-attr]
    elapsed = float(re.search(r"'elapsed_time_seconds': ([\d.]+)", out).group(1))  # type: ignore[union-attr]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    warc_bytes = sum(p.stat().st_size for p in (data / "evidence").rglob("*.warc.gz"))
    written = re.search(r"'evidence/responses': (\d+)", out)
    spent = re.search(r"'evidence/cpu_seconds': ([\d.]+)", out)
    return {
        "pages": pages,
        "elapsed": elapsed,
        "wall": wall,
        "cpu": cpu,
        "warc_bytes": warc_bytes,
        "captured": int(written.group(1)) if written else 0,
        "capture_cpu": float(spent.group(1)) if spent else 0.0,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=1000, help="listings of the demo platform")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--platform", default="demo-classifieds")
    args = parser.parse_args()
    runs: dict[bool, list[dict[str, float]]] = {True: [], False: []}
    with (
        running_world(seed=7, size=args.size, platforms=[args.platform]) as world,
        tempfile.TemporaryDirectory() as tmp,
    ):
        for i in range(args.repeats):
            order = (True, False) if i % 2 == 0 else (False, True)
            for capture in order:
                data = Path(tmp) / f"{i}-{'on' if capture else 'off'}"
                r = run_one(world, data, args.platform, capture)
                runs[capture].append(r)
                print(
                    f"repeat {i + 1} capture {'on ' if capture else 'off'}: {r['pages']:.0f} pages,"
                    f" crawl {r['elapsed']:.1f} s ({r['pages'] / r['elapsed']:.0f} pages/s),"
                    f" CPU {r['cpu']:.1f} s, process {r['wall']:.1f} s",
                    flush=True,
                )

    def rate(r: dict[str, float], key: str) -> float:
        return r["pages"] / r[key]

    for label, key in (("crawl pages/s (elapsed)", "elapsed"), ("CPU pages/s", "cpu")):
        on = [rate(r, key) for r in runs[True]]
        off = [rate(r, key) for r in runs[False]]
        ratios = [a / b for a, b in zip(on, off, strict=True)]
        print(
            f"{label:26s} capture off {statistics.median(off):7.1f}   on {statistics.median(on):7.1f}"
            f"   ratio on/off {statistics.median(ratios):.2f} (pairs: "
            + ", ".join(f"{x:.2f}" for x in ratios)
            + ")   (target >= 0.9)"
        )
    # The capture's own CPU time (the evidence/cpu_seconds stat: building, hashing, gzip and
    # writing the records), measured inside the crawl: what a loaded machine cannot blur.
    share = [r["capture_cpu"] / r["cpu"] for r in runs[True]]
    per_page_ms = [1000 * r["capture_cpu"] / r["pages"] for r in runs[True]]
    print(
        f"capture's own CPU: {statistics.median(per_page_ms):.2f} ms per page, "
        f"{100 * statistics.median(share):.1f} % of the crawl process's CPU time "
        f"(so at most {1 - statistics.median(share):.2f}x the pages/s of a CPU-bound crawl)"
    )
    captured = sum(r["captured"] for r in runs[True])
    warc = sum(r["warc_bytes"] for r in runs[True])
    per_page = warc / captured if captured else 0.0
    print(
        f"WARC (gzip, request + response records): {per_page:,.0f} bytes per page captured;"
        f" {per_page * 10_000 / 2**20:,.1f} MiB per 10,000 pages"
    )


if __name__ == "__main__":
    main()
