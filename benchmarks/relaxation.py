"""The battery-blind relaxation of a day: PyVRP's plan with every battery left out, validated.

    python -m benchmarks.relaxation INSTANCE [--time-limit 60] [--seed 1] [--out PLAN.json]

Why: a day on which the batteries suffice must never cost more than the plan a battery-blind
solver finds for it. This script gives that plan for any instance that ``optimizer.load`` reads:
PyVRP (:mod:`optimizer.solver.hgs`) is handed the very integers of the solver's model (costs per
km and per hour, fixed costs, speeds, windows, a job's several windows as a client group,
capacities, shifts and duration limits, shipments, zone bans and ``vehicles`` lists as missing
edges) and nothing of batteries or stations, and searches until the time limit (wall clock, as a
user of PyVRP would run it). Its routes become a native plan (each route leaves when PyVRP planned
it to, so that a duration limit holds from there), which :func:`optimizer.validate` then checks in
full, batteries included. Printed: the plan's cost and vehicles, and, where it breaks a rule, each
violation code with the routes it breaks (``BATTERY`` where a route runs below its reserve).

Exit status: 0 when the relaxation is a valid plan, 1 when it breaks a rule (its cost is still
printed: it is then a bound, not a plan), 2 when PyVRP found no plan or the input is bad.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import optimizer
from optimizer.errors import OptimizerError
from optimizer.model import Instance
from optimizer.solver.hgs import hgs_routes, relaxed_solution
from optimizer.solver.search_model import ModelOptions, build
from optimizer.validator import Report


@dataclass(frozen=True)
class Relaxation:
    """The validated battery-blind plan of an instance."""

    report: Report
    seconds: float
    iterations: int

    @property
    def cost(self) -> float:
        return float(self.report.totals.cost.get("total", 0.0))

    @property
    def vehicles(self) -> int:
        return sum(1 for r in self.report.solution.routes if len(r.stops) > 2)

    def broken(self) -> dict[str, int]:
        """Violation code -> routes it breaks (empty when the plan is valid)."""
        routes: dict[str, set[int]] = {}
        for v in self.report.violations:
            routes.setdefault(v.code, set()).add(v.route if v.route is not None else -1)
        return {code: len(rs) for code, rs in sorted(routes.items())}


def relax(instance: Instance, time_limit_s: float, seed: int) -> Relaxation | None:
    """PyVRP's battery-blind plan of ``instance`` within ``time_limit_s`` (wall clock), validated;
    None when PyVRP finds no plan that serves every mandatory task."""
    started = time.monotonic()
    rm = build(instance, ModelOptions(copies_per_station=0))
    stats: dict[str, object] = {}
    routes = hgs_routes(
        rm,
        iterations=10**9,
        seed=seed,
        deadline_s=started + time_limit_s,
        stats=stats,
        relax=True,
    )
    if routes is None:
        return None
    departures = stats.get("hgs_departures", {})
    assert isinstance(departures, dict)
    reloads = stats.get("hgs_reloads", {})
    assert isinstance(reloads, dict)
    report = optimizer.validate(instance, relaxed_solution(rm, routes, departures, reloads))
    iterations = stats.get("hgs_iterations", 0)
    return Relaxation(
        report, time.monotonic() - started, iterations if isinstance(iterations, int) else 0
    )


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.relaxation", description=__doc__)
    p.add_argument("instance", type=Path)
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds (default 60)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--format", help="instance format (default: detected)")
    p.add_argument("--out", type=Path, help="write the plan as native JSON here")
    args = p.parse_args(argv)
    if args.time_limit <= 0:
        p.error(f"--time-limit must be > 0, got {args.time_limit}")
    try:
        inst = optimizer.load(args.instance, format=args.format)
    except OptimizerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    found = relax(inst, args.time_limit, args.seed)
    if found is None:
        print(f"{inst.name}: PyVRP found no plan without batteries", file=sys.stderr)
        return 2
    if args.out is not None:
        optimizer.save_solution(found.report.solution, args.out)
    broken = found.broken()
    print(
        f"{inst.name}: relaxation cost {found.cost:,.2f} with {found.vehicles} vehicles "
        f"({found.iterations} iterations, {found.seconds:.1f} s); "
        + (
            "valid"
            if not broken
            else "breaks " + ", ".join(f"{c} on {n}" for c, n in broken.items())
        )
    )
    codes = Counter(v.code for v in found.report.violations)
    for code, n in sorted(codes.items()):
        print(f"  {code}: {n} violation(s)")
    return 0 if not broken else 1


if __name__ == "__main__":
    raise SystemExit(main())
