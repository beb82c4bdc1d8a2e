"""Extraction on the demo world: indicator recall and precision against what was planted,
and the distribution of risk scores.

The demo's indicator phrases (crawler/demo/phrases/*_indicators.yaml) are worded apart
from the extraction lexicons, so this measures how extraction generalises. Each listing's
title and body go through crawler.extract.extract() with its age field; the platform-level
risk inputs are computed from the ground truth as the store computes them from a crawl:
how many listings share a phone, handle or wallet, and the listing's price against the
platform's median for the same unit.

    .venv/bin/python bench/bench_extract_demo.py [--seed 7] [--size 400]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.demo.base import GroundTruthListing  # noqa: E402
from crawler.demo.world import DemoWorld  # noqa: E402
from crawler.extract import extract  # noqa: E402
from crawler.extract.prices import REFERENCE_RATES_EUR  # noqa: E402
from crawler.extract.quality import Score  # noqa: E402

CLEARNET = ("demo-classifieds", "demo-jobs", "demo-forum")


def _extras(listings: list[GroundTruthListing]) -> dict[str, dict[str, object]]:
    """Per listing key: shared-contact count and price ratio to the platform median."""
    owners: Counter[str] = Counter()
    for t in listings:
        ids = {*t.phones, *(f"{h.service}:{h.handle.lower()}" for h in t.handles)}
        ids |= {w.address for w in t.wallets}
        owners.update(ids)
    by_unit: dict[str | None, list[float]] = {}
    for t in listings:
        for p in t.prices:
            by_unit.setdefault(p.unit, []).append(
                p.amount * REFERENCE_RATES_EUR[p.currency or "EUR"]
            )
    medians = {unit: statistics.median(v) for unit, v in by_unit.items() if len(v) >= 5}
    out: dict[str, dict[str, object]] = {}
    for t in listings:
        ids = {*t.phones, *(f"{h.service}:{h.handle.lower()}" for h in t.handles)}
        ids |= {w.address for w in t.wallets}
        ratio = None
        if t.prices and t.prices[0].unit in medians:
            p = t.prices[0]
            ratio = p.amount * REFERENCE_RATES_EUR[p.currency or "EUR"] / medians[p.unit]
        out[t.key] = {
            "shared_contact_count": max((owners[i] for i in ids), default=0),
            "price_ratio_to_median": ratio,
        }
    return out


def measure(seed: int, size: int) -> dict[str, object]:
    world = DemoWorld(seed=seed, size=size, platforms=list(CLEARNET))
    overall = Score()
    per_id: dict[str, Score] = {}
    per_platform: dict[str, Score] = {}
    scores: list[int] = []
    for platform, listings in world.ground_truth().items():
        extras = _extras(listings)
        plat = per_platform.setdefault(platform, Score())
        for t in listings:
            fields = {"age": t.stated_age} if t.stated_age is not None else None
            result = extract(f"{t.title}\n{t.body}", fields=fields, extras=extras[t.key])
            found = {h.id for h in result.indicators}
            overall.add(set(t.indicators), found)
            plat.add(set(t.indicators), found)
            for ind in set(t.indicators) | found:
                per_id.setdefault(ind, Score()).add(set(t.indicators) & {ind}, found & {ind})
            scores.append(result.risk_score)
    return {"overall": overall, "per_id": per_id, "per_platform": per_platform, "scores": scores}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--size", type=int, default=400)
    args = parser.parse_args()
    m = measure(args.seed, args.size)
    overall: Score = m["overall"]  # type: ignore[assignment]
    print(f"demo world seed {args.seed}, size {args.size}: {len(m['scores'])} listings")  # type: ignore[arg-type]
    print(
        f"indicators: recall {overall.recall:.3f}, precision {overall.precision:.3f} "
        f"(tp {overall.tp}, fp {overall.fp}, fn {overall.fn})"
    )
    for name, s in sorted(m["per_platform"].items()):  # type: ignore[attr-defined]
        print(
            f"  {name:<17} recall {s.recall:.3f}  precision {s.precision:.3f}  ({s.tp}/{s.fp}/{s.fn})"
        )
    for ind, s in sorted(m["per_id"].items(), key=lambda kv: kv[1].recall):  # type: ignore[attr-defined]
        print(
            f"  {ind:<25} recall {s.recall:.3f}  precision {s.precision:.3f}  ({s.tp}/{s.fp}/{s.fn})"
        )
    scores: list[int] = m["scores"]  # type: ignore[assignment]
    n = len(scores)
    bands = [(0, 0), (1, 19), (20, 39), (40, 59), (60, 79), (80, 89), (90, 99), (100, 100)]
    print("risk scores:")
    for lo, hi in bands:
        count = sum(lo <= s <= hi for s in scores)
        label = f"{lo}" if lo == hi else f"{lo}-{hi}"
        print(f"  {label:>6}: {count:5d} ({count / n:6.1%})")
    print(
        f"  distinct scores {len(set(scores))}, median {statistics.median(scores):.0f}, "
        f"at 100: {scores.count(100)} ({scores.count(100) / n:.1%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
