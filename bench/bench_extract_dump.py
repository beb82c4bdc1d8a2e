"""Dump of extract()'s results on a fixed corpus, to check that a speed change alters nothing.

Runs crawler.extract.extract() on the development set's cases (with and without their
country hint), on the speed bench's generated listings (fixed seed, with and without the
region hint) and on the demo world's listing texts, and writes one line of sorted JSON per
result. Compare two trees byte for byte:

    .venv/bin/python bench/bench_extract_dump.py > /tmp/before.jsonl   # old tree
    .venv/bin/python bench/bench_extract_dump.py > /tmp/after.jsonl    # new tree
    cmp /tmp/before.jsonl /tmp/after.jsonl

    [--listings 3000] [--seed 7] [--demo-size 400]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.bench_extract import generate  # noqa: E402
from crawler.extract import extract  # noqa: E402

DEVSET = Path(__file__).resolve().parents[1] / "tests" / "extract" / "devset"


def calls(listings: int, seed: int, demo_size: int) -> Iterator[tuple[str, dict[str, Any]]]:
    """(label, keyword arguments of extract()) of every call of the dump, in order."""
    from crawler.extract.quality import load_cases

    for case in load_cases(DEVSET):
        yield f"dev:{case.id}", {"text": case.text, "country": case.country, "fields": case.fields}
        yield f"dev-nohint:{case.id}", {"text": case.text}
    for n, (text, region) in enumerate(generate(listings, seed)):
        yield f"bench:{n}", {"text": text, "country": region}
        if n % 4 == 0:
            yield f"bench-nohint:{n}", {"text": text}
    if demo_size:
        from crawler.demo.world import DemoWorld

        world = DemoWorld(
            seed=seed, size=demo_size, platforms=["demo-classifieds", "demo-jobs", "demo-forum"]
        )
        for platform, truth in sorted(world.ground_truth().items()):
            for t in truth:
                fields = {"age": t.stated_age} if t.stated_age is not None else None
                yield f"demo:{platform}:{t.key}", {"text": f"{t.title}\n{t.body}", "fields": fields}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--listings", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--demo-size", type=int, default=400)
    args = parser.parse_args()
    out = sys.stdout
    for label, kwargs in calls(args.listings, args.seed, args.demo_size):
        result = extract(**kwargs).model_dump(mode="json")
        out.write(json.dumps({"call": label, "result": result}, sort_keys=True, ensure_ascii=False))
        out.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
