"""Extraction quality on the development set: precision, recall and F1 per field and language.

Runs crawler.extract.extract() on every case of tests/extract/devset (or --devset DIR) and
prints, for the development slice and the held-out slice separately, P/R/F1 per field
(prices, phones, emails, handles, wallets, indicators, language, location) and F1 per
language over all fields. --errors lists what each failing case missed and added.

    .venv/bin/python bench/bench_extract_quality.py [--slice dev|held-out|all] [--errors]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawler.extract.quality import FIELDS, Evaluation, evaluate, held_out, load_cases  # noqa: E402

DEVSET = Path(__file__).resolve().parents[1] / "tests" / "extract" / "devset"


def report(title: str, ev: Evaluation, show_errors: bool) -> None:
    print(f"== {title}: {ev.cases} cases")
    print(f"{'field':<11} {'P':>6} {'R':>6} {'F1':>6}   tp/fp/fn")
    for name in FIELDS:
        s = ev.fields[name]
        print(f"{name:<11} {s.precision:6.3f} {s.recall:6.3f} {s.f1:6.3f}   {s.tp}/{s.fp}/{s.fn}")
    print("per language (all fields): F1, then fields below 0.95")
    for lang in sorted(ev.languages):
        s = ev.languages[lang]
        weak = [
            f"{n}={f.f1:.2f}"
            for n, f in ev.language_fields[lang].items()
            if f.tp + f.fp + f.fn and f.f1 < 0.95
        ]
        print(f"  {lang:<3} F1 {s.f1:6.3f}  (tp {s.tp}, fp {s.fp}, fn {s.fn})  {' '.join(weak)}")
    if show_errors:
        for cid, name, missing, extra in ev.errors:
            print(
                f"  {cid:<10} {name:<10} missing {sorted(map(str, missing))} extra {sorted(map(str, extra))}"
            )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--devset", type=Path, default=DEVSET)
    parser.add_argument("--slice", choices=("dev", "held-out", "all"), default="dev")
    parser.add_argument("--errors", action="store_true", help="list every case that differs")
    args = parser.parse_args()
    cases = load_cases(args.devset)
    negatives = sum(c.negative for c in cases)
    langs = {c.lang for c in cases}
    print(f"{len(cases)} cases, {negatives} hard negatives, {len(langs)} languages")
    if args.slice in ("dev", "all"):
        report("development slice", evaluate(c for c in cases if not held_out(c.id)), args.errors)
    if args.slice in ("held-out", "all"):
        report("held-out slice", evaluate(c for c in cases if held_out(c.id)), args.errors)
    return 0


if __name__ == "__main__":
    sys.exit(main())
