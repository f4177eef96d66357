"""Batch throughput: the same generated instances on 1 worker, on 2 workers, and on a local Ray.

    python -m benchmarks.batch                                # 200 instances of 20 jobs, 1 s each
    python -m benchmarks.batch --count 20 --time-limit 0.5    # a quick look

The instances come from :func:`optimizer.generate.generate` (``--jobs`` jobs, seeds 1..count), so
every run solves the same ones. Each backend runs :func:`optimizer.batch.solve_many` over all of
them with the same time limit and seed; every plan is checked by the validator (inside
``solve_many``, against the parent's own copy of the instance), and the run fails if any is not
valid. The table gives instances per second over the wall time of the whole batch (worker start-up
included) and the speed-up against one worker. ``stopped by time`` counts the solves that the
wall-clock safety cap ended instead of the work budget: those plans are not reproducible.

The Ray row starts a local Ray with ``--workers`` CPUs (its start-up, several seconds, is included)
and is skipped when Ray is not installed.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass

from optimizer.batch import BatchResult, solve_many
from optimizer.generate import generate
from optimizer.model import Instance


@dataclass(frozen=True)
class Run:
    backend: str
    workers: int
    results: list[BatchResult]
    wall_s: float

    @property
    def valid(self) -> int:
        return sum(1 for r in self.results if r.status == "ok" and r.valid)

    @property
    def per_second(self) -> float:
        return len(self.results) / self.wall_s

    @property
    def stopped_by_time(self) -> int:
        return sum(
            1 for r in self.results if r.solution and r.solution.meta.get("stopped_by") == "time"
        )


def run(
    backend: str, instances: list[Instance], workers: int, time_limit_s: float, seed: int
) -> Run:
    started = time.perf_counter()
    results = list(
        solve_many(
            instances,
            time_limit_s=time_limit_s,
            seed=seed,
            workers=workers,
            ray_address="local" if backend == "ray" else None,
        )
    )
    return Run(backend, workers, results, time.perf_counter() - started)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--count", type=int, default=200, help="instances (default 200)")
    ap.add_argument("--jobs", type=int, default=20, help="jobs per instance (default 20)")
    ap.add_argument("--time-limit", type=float, default=1.0, help="seconds per instance")
    ap.add_argument("--workers", type=int, default=2, help="workers of the parallel runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-ray", action="store_true", help="skip the Ray run")
    args = ap.parse_args(argv)

    instances = [generate(args.jobs, s) for s in range(1, args.count + 1)]
    runs = [run("process pool", instances, 1, args.time_limit, args.seed)]
    print(f"1 worker: {runs[-1].wall_s:.1f} s", file=sys.stderr)
    runs.append(run("process pool", instances, args.workers, args.time_limit, args.seed))
    print(f"{args.workers} workers: {runs[-1].wall_s:.1f} s", file=sys.stderr)
    if not args.no_ray:
        try:
            import ray  # noqa: F401
        except ImportError:
            print("ray is not installed: no Ray run", file=sys.stderr)
        else:
            runs.append(run("ray (local)", instances, args.workers, args.time_limit, args.seed))
            print(f"ray: {runs[-1].wall_s:.1f} s", file=sys.stderr)

    base = runs[0].per_second
    print(
        f"Batch: {args.count} generated {args.jobs}-job instances (seeds 1..{args.count}), time"
        f" limit {args.time_limit:g} s per instance, seed {args.seed}; {os.cpu_count()} CPU(s)."
    )
    print()
    print(
        "| backend | workers | instances | valid | failed | stopped by time | wall (s) |"
        " instances/s | vs 1 worker | mean solve (s) |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        mean = statistics.fmean(x.seconds for x in r.results) if r.results else float("nan")
        print(
            f"| {r.backend} | {r.workers} | {len(r.results)} | {r.valid} |"
            f" {len(r.results) - r.valid} | {r.stopped_by_time} | {r.wall_s:.1f} |"
            f" {r.per_second:.2f} | {r.per_second / base:.2f}x | {mean:.2f} |"
        )
    bad = [x for r in runs for x in r.results if not (x.status == "ok" and x.valid)]
    for x in bad[:10]:
        print(f"error: {x.name}: {x.error}", file=sys.stderr)
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
