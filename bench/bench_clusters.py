"""Benchmark of actor linking (crawler.cluster) against the exact shared-identifier union.

Pairwise precision and recall against the ground-truth actors of the actors' world
(crawler/demo/actors.py), for (a) the baseline the stores use today: every shared
identifier links (union-find, platform footers included), and (b) ActorClusterer; on the
tuning world and on the held-out world (written separately, never tuned on). Then the
time per listing of ActorClusterer.add over 100,000 listings of many actors (2,000 actors,
20,000 independent posters), added one at a time: on average and for the last 10%, with
the process's max RSS and its growth while clustering, and the tracemalloc peak of a
rerun over the first 20,000. Then the stores' cost: `SqliteStore.upsert` in batches of 50
over `--store-scale` listings (20,000) with actor linking (the document index in its
`cluster_docs` and `cluster_bands` tables) against the same upserts with linking switched
off, in the same run, and the last 10% alone (`--store-only`: this run alone).
`--store-against DIR` compares this tree's store with another checkout's (DIR, e.g. a
`git worktree` of the commit before a change) under the same conditions: three processes
(DIR with linking, this tree with linking, this tree without) take the same batches in
turn, batch by batch, each timing its own CPU, so a busy machine slows all three alike;
it prints the CPU per listing of each, the ratio and what linking adds. `--sweep`
prints precision and recall on the tuning world for each threshold around its chosen
value (docs/clusters.md).

    .venv/bin/python bench/bench_clusters.py [--quick] [--sweep] [--seeds 1,2,3] [--scale N]
        [--store-scale N] [--store-only] [--store-against DIR]
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import resource
import subprocess
import sys
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# --store-against runs this file's store worker over another checkout's code.
sys.path.insert(0, os.environ.get("BENCH_CLUSTERS_TREE", str(ROOT)))

from crawler.cluster import (  # noqa: E402
    ActorClusterer,
    ClusterListing,
    MemoryClusterIndex,
    PlatformBoilerplate,
    signature,
)
from crawler.demo.actors import ActorWorld, actor_world  # noqa: E402


def baseline_clusters(listings: list[ClusterListing]) -> dict[str, str]:
    """listing id -> cluster: the union of every exact shared identifier (stores today)."""
    parent = {x.id: x.id for x in listings}

    def find(i: str) -> str:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[tuple[str, str], str] = {}
    for x in listings:
        for ident in x.identifiers:
            if ident in first:
                a, b = find(x.id), find(first[ident])
                if a != b:
                    parent[a] = b
            else:
                first[ident] = x.id
    return {x.id: find(x.id) for x in listings}


def pairs(groups: Iterable[int]) -> int:
    return sum(n * (n - 1) // 2 for n in groups)


def pairwise(predicted: dict[str, str], truth: dict[str, str]) -> tuple[float, float]:
    """(precision, recall) over pairs of listings put in one cluster."""
    joint = Counter((predicted[i], truth[i]) for i in truth)
    tp = pairs(joint.values())
    pred = pairs(Counter(predicted[i] for i in truth).values())
    true = pairs(Counter(truth.values()).values())
    return (tp / pred if pred else 1.0), (tp / true if true else 1.0)


def new_clusters(
    listings: list[ClusterListing], **params: float
) -> tuple[dict[str, str], ActorClusterer]:
    """listing id -> cluster after adding the listings one by one (boilerplate_* params go
    to PlatformBoilerplate, the others to ActorClusterer)."""
    table = {
        k.removeprefix("boilerplate_"): v for k, v in params.items() if k.startswith("boilerplate_")
    }
    rest = {k: v for k, v in params.items() if not k.startswith("boilerplate_")}
    clusterer = ActorClusterer(MemoryClusterIndex(), PlatformBoilerplate(**table), **rest)  # type: ignore[arg-type]
    for x in listings:
        clusterer.add(x)
    # Clusters merge after a listing joined them: read the final membership.
    return {x.id: clusterer.index.cluster_of(x.id) or "" for x in listings}, clusterer


def world_listings(world: ActorWorld) -> list[ClusterListing]:
    return [ClusterListing.from_listing(x) for x in world.listings()]


@functools.cache
def _world(
    seed: int, split: str, actors: int, posters: int
) -> tuple[list[ClusterListing], dict[str, str]]:
    world = actor_world(seed, split, actors=actors, posters=posters)
    return world_listings(world), world.truth()


def quality(
    split: str, seeds: list[int], actors: int, posters: int, **params: float
) -> dict[str, tuple[float, float]]:
    out: dict[str, list[tuple[float, float]]] = {"baseline": [], "new": []}
    for seed in seeds:
        listings, truth = _world(seed, split, actors, posters)
        out["baseline"].append(pairwise(baseline_clusters(listings), truth))
        out["new"].append(pairwise(new_clusters(listings, **params)[0], truth))
    return {
        k: (sum(p for p, _ in v) / len(v), sum(r for _, r in v) / len(v)) for k, v in out.items()
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--quick", action="store_true", help="small worlds, 10,000 listings for timing"
    )
    parser.add_argument(
        "--sweep", action="store_true", help="precision/recall over the thresholds (tuning world)"
    )
    parser.add_argument("--seeds", default="1,2,3")
    parser.add_argument("--scale", type=int, default=100_000, help="listings for the timing run")
    parser.add_argument(
        "--store-scale", type=int, default=20_000, help="listings for the SQLite store run"
    )
    parser.add_argument(
        "--store-only",
        action="store_true",
        help="only the SQLite store run (no quality worlds, no in-memory timing)",
    )
    parser.add_argument(
        "--store-against",
        metavar="DIR",
        help="compare the store run with the checkout in DIR, batch by batch in turn",
    )
    parser.add_argument("--store-worker", choices=("link", "nolink"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.store_worker:
        store_worker(args.store_scale, args.store_worker == "link")
        return 0
    if args.store_against:
        store_against(Path(args.store_against), 2_000 if args.quick else args.store_scale)
        return 0
    if args.store_only:
        store_timing(2_000 if args.quick else args.store_scale)
        return 0
    seeds = [int(s) for s in args.seeds.split(",")]
    actors, posters = (24, 240)
    if args.quick:
        seeds = seeds[:1]
    if args.sweep:
        sweep(seeds, actors, posters)
        return 0
    for split in ("tune", "heldout"):
        q = quality(split, seeds, actors, posters)
        (bp, br), (np_, nr) = q["baseline"], q["new"]
        print(
            f"{split:8s} world (seeds {','.join(map(str, seeds))}): baseline P {bp:.3f} R {br:.3f} | "
            f"new P {np_:.3f} R {nr:.3f}"
        )
    timing(10_000 if args.quick else args.scale)
    store_timing(2_000 if args.quick else args.store_scale)
    return 0


def sweep(seeds: list[int], actors: int, posters: int) -> None:
    grids = {
        "text_threshold": (0.4, 0.5, 0.55, 0.6, 0.65, 0.7),
        "min_shingles": (4, 8, 12, 16, 20, 24, 32),
        "group_threshold": (0.1, 0.15, 0.2, 0.3, 0.4),
        "hub_min_listings": (3, 5, 8),
        "hub_min_groups": (2, 3, 4),
        "hub_max_share": (0.3, 0.5, 0.7),
        "hub_patience": (5, 10, 20),
        "boilerplate_share": (0.1, 0.2, 0.4),
        "boilerplate_min_contexts": (0, 12, 24, 48),
        "boilerplate_warmup": (0, 20, 50),
    }
    for k in (1, 2, 3, 4, 5):
        # min_shingles scales with k: a text of w words has w - k + 1 shingles.
        q = quality("tune", seeds, actors, posters, shingle_words=k, min_shingles=20 + 3 - k)
        print(f"shingle_words={k}: P {q['new'][0]:.3f} R {q['new'][1]:.3f}", flush=True)
    for perms in (32, 64, 128, 256):
        signature.NUM_PERM, signature.BANDS = perms, perms // signature.ROWS
        signature._permutations.cache_clear()
        start = time.perf_counter()
        q = quality("tune", seeds, actors, posters)
        print(
            f"num_perm={perms} ({perms // signature.ROWS} bands of {signature.ROWS}): "
            f"P {q['new'][0]:.3f} R {q['new'][1]:.3f} ({time.perf_counter() - start:.1f} s)",
            flush=True,
        )
    signature.NUM_PERM, signature.BANDS = 128, 32
    signature._permutations.cache_clear()
    for name, values in grids.items():
        for value in values:
            q = quality("tune", seeds, actors, posters, **{name: value})
            p, r = q["new"]
            print(f"{name}={value}: P {p:.3f} R {r:.3f}", flush=True)


def timing(count: int) -> None:
    """ms per listing of incremental adds (untraced), then peak memory (a traced rerun)."""
    actors = max(24, count // 50)
    world = actor_world(7, "tune", actors=actors, posters=actors * 10, extract=False, wide=True)
    listings = world_listings(world)[:count]
    truth = world.truth()
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    clusterer = ActorClusterer(MemoryClusterIndex())
    start = time.perf_counter()
    for x in listings:
        clusterer.add(x)
    elapsed = time.perf_counter() - start
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    # The last tenth alone: the cost per listing once the index holds 90% of the listings.
    tail = listings[: len(listings) * 9 // 10]
    late = ActorClusterer(MemoryClusterIndex())
    late.add_all(tail)
    start = time.perf_counter()
    late.add_all(listings[len(tail) :])
    late_ms = (time.perf_counter() - start) / max(1, len(listings) - len(tail)) * 1000
    start = time.perf_counter()
    baseline_clusters(listings)
    base = time.perf_counter() - start
    predicted = {x.id: clusterer.index.cluster_of(x.id) or "" for x in listings}
    p, r = pairwise(predicted, {x.id: truth[x.id] for x in listings})
    sizes = Counter(predicted.values())
    print(
        f"timing: {len(listings):,} listings of {actors:,} actors and {actors * 10:,} posters, "
        f"added one at a time: {elapsed / len(listings) * 1000:.3f} ms/listing on average, "
        f"{late_ms:.3f} ms/listing for the last 10% | baseline union (batch, no text) "
        f"{base / len(listings) * 1000:.4f} ms/listing | ratio {elapsed / base:.0f}x"
    )
    print(
        f"        clusters {len(sizes):,}, largest {max(sizes.values())}, P {p:.3f} R {r:.3f} "
        f"(identifiers from the generator, no extraction) | max RSS {rss_after:.0f} MiB "
        f"(grew {rss_after - rss_before:.0f} MiB while clustering)"
    )
    del clusterer, late
    sample = listings[: min(len(listings), 20_000)]
    tracemalloc.start()
    ActorClusterer(MemoryClusterIndex()).add_all(sample)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"        peak traced memory for {len(sample):,} listings: {peak / 2**20:.0f} MiB "
        f"({peak / len(sample) / 1024:.1f} KiB per listing, index and boilerplate tables)"
    )


def store_timing(count: int, batch: int = 50) -> None:
    """ms per listing of SqliteStore.upsert with actor linking against without it."""
    import asyncio
    import tempfile
    from datetime import timedelta

    from crawler.store.sqlite import SqliteStore

    actors = max(24, count // 50)
    world = actor_world(8, "tune", actors=actors, posters=actors * 10, extract=False, wide=True)
    listings = world.listings()[:count]

    async def run(link: bool) -> tuple[float, float, float, float]:
        """(wall ms/listing, wall ms for the last 10%, CPU ms/listing, CPU for the last 10%)."""
        with tempfile.TemporaryDirectory() as tmp:
            store = SqliteStore(Path(tmp) / "bench.db")
            if not link:
                store._link_actors = lambda conn, results, cache: None  # type: ignore[method-assign]
            await store.open()
            late_from = len(listings) * 9 // 10
            start, cpu_start = time.perf_counter(), time.process_time()
            late_start = late_cpu = None
            for i in range(0, len(listings), batch):
                if i >= late_from and late_start is None:
                    late_start, late_cpu = time.perf_counter(), time.process_time()
                chunk = listings[i : i + batch]
                await store.upsert(chunk, max(x.posted_at for x in chunk) + timedelta(hours=1))
            end, cpu_end = time.perf_counter(), time.process_time()
            await store.close()
        n, late_n = len(listings), max(1, len(listings) - late_from)
        return (
            (end - start) / n * 1000,
            (end - (late_start or start)) / late_n * 1000,
            (cpu_end - cpu_start) / n * 1000,
            (cpu_end - (late_cpu or cpu_start)) / late_n * 1000,
        )

    without = asyncio.run(run(link=False))
    with_linking = asyncio.run(run(link=True))
    for label, w, wo in (
        ("wall", with_linking[:2], without[:2]),
        ("CPU", with_linking[2:], without[2:]),
    ):
        print(
            f"store ({label}): SqliteStore.upsert of {len(listings):,} listings in batches of "
            f"{batch}: {w[0]:.3f} ms/listing with actor linking ({w[1]:.3f} for the last 10%) "
            f"| without linking {wo[0]:.3f} ({wo[1]:.3f}) | linking adds {w[0] - wo[0]:.3f} "
            f"({w[1] - wo[1]:.3f}) | ratio {w[0] / wo[0]:.2f}x (last 10%: {w[1] / wo[1]:.2f}x)"
        )


def _store_listings(count: int) -> list:
    actors = max(24, count // 50)
    world = actor_world(8, "tune", actors=actors, posters=actors * 10, extract=False, wide=True)
    return world.listings()[:count]


def store_worker(count: int, link: bool, batch: int = 50) -> None:
    """One side of --store-against: upserts the batch whose start is read from stdin and
    answers with the CPU seconds it took; an empty line ends it (clusters checksum out)."""
    import asyncio
    import hashlib
    import tempfile
    from datetime import timedelta

    from crawler.store.sqlite import SqliteStore

    listings = _store_listings(count)

    async def run() -> None:
        with tempfile.TemporaryDirectory() as tmp:
            store = SqliteStore(Path(tmp) / "bench.db")
            if not link:
                store._link_actors = lambda conn, results, cache: None  # type: ignore[method-assign]
            await store.open()
            print("ready", flush=True)
            for line in sys.stdin:
                if not line.strip():
                    break
                chunk = listings[int(line) : int(line) + batch]
                start = time.process_time()
                await store.upsert(chunk, max(x.posted_at for x in chunk) + timedelta(hours=1))
                print(time.process_time() - start, flush=True)
            digest = hashlib.sha256()
            for row in store._db.execute(
                "SELECT id, cluster_id, json_extract(doc, '$.cluster_size') FROM listings ORDER BY id"
            ):
                digest.update(repr(row).encode())
            print(digest.hexdigest()[:16], flush=True)
            await store.close()

    asyncio.run(run())


def store_against(other: Path, count: int, batch: int = 50) -> None:
    """CPU per listing of the store run: `other`'s code and this tree's, in turn (module
    docstring)."""
    here = ROOT
    sides = {"before": (other, "link"), "after": (here, "link"), "no linking": (here, "nolink")}
    procs = {}
    for name, (tree, mode) in sides.items():
        procs[name] = subprocess.Popen(
            [
                sys.executable,
                str(Path(__file__).resolve()),
                "--store-worker",
                mode,
                "--store-scale",
                str(count),
            ],
            cwd=tree,
            env={**os.environ, "BENCH_CLUSTERS_TREE": str(tree.resolve())},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
    for proc in procs.values():
        assert proc.stdin and proc.stdout and proc.stdout.readline().strip() == "ready"
    cpu: dict[str, list[float]] = {name: [] for name in procs}
    order = list(procs)
    rng = random.Random(0)
    for start in range(0, count, batch):
        rng.shuffle(order)  # nobody always runs first after a pause
        for name in order:
            proc = procs[name]
            assert proc.stdin and proc.stdout
            proc.stdin.write(f"{start}\n")
            proc.stdin.flush()
            cpu[name].append(float(proc.stdout.readline()))
    digests = {}
    for name, proc in procs.items():
        assert proc.stdin and proc.stdout
        proc.stdin.write("\n")
        proc.stdin.flush()
        digests[name] = proc.stdout.readline().strip()
        proc.wait()
    late = len(cpu["after"]) * 9 // 10

    def ms(name: str, first: int = 0) -> float:
        return sum(cpu[name][first:]) / (count - first * batch) * 1000

    for name in procs:
        print(
            f"store against {other} ({count:,} listings, batches of {batch}, in turn): "
            f"{name}: CPU {ms(name):.3f} ms/listing ({ms(name, late):.3f} for the last 10%)"
        )
    base, base_late = ms("no linking"), ms("no linking", late)
    print(
        f"        linking adds: before {ms('before') - base:.3f} ({ms('before', late) - base_late:.3f}) "
        f"| after {ms('after') - base:.3f} ({ms('after', late) - base_late:.3f}) | after/before "
        f"CPU with linking {ms('after') / ms('before'):.3f} (last 10%: "
        f"{ms('after', late) / ms('before', late):.3f}) | same clusters: "
        f"{digests['before'] == digests['after']}"
    )


if __name__ == "__main__":
    sys.exit(main())
