"""Time-of-use charging: what re-timing and re-sizing the charges of a plan saves (issue 4).

    python -m benchmarks.tou                                 # 6 regional days, 3:1 tariff, 30 s
    python -m benchmarks.tou --seeds 1 --time-limit 10       # a quick look

Each instance is a generated regional day (:func:`optimizer.generate.generate` with
``radius_km``, so that electric trucks charge on the way) whose chargers sell at a
``--peak-to-valley`` tariff (3:1 by default; the depots charge overnight at the valley price).
One search per instance (``SolveOptions(time_charging=False)``) gives the routes; three plans
share those routes and differ only in the charging:

- ``early, full``: every charger visit starts on arrival and fills the battery (plug in, fill up);
- ``early``: every charge starts on arrival, with the amounts the search chose (what the solver
  returned before :mod:`optimizer.solver.tariffs`);
- ``timed``: :func:`optimizer.solver.tariffs.time_charging` applied to the ``early`` plan.

Every plan is checked by the validator (the run fails if one is not valid), and every figure is
the validator's: the energy money (stations and the overnight refill at the depot) and the total
cost. The saving is ``timed`` against each of the other two, in percent of their energy money;
``waits`` counts the timed plan's charges that start after arrival (waiting for a cheaper period).
"""

from __future__ import annotations

import argparse
import statistics
import sys
from dataclasses import dataclass, replace

from optimizer.generate import generate
from optimizer.model import Instance
from optimizer.solution import Solution, Stop, Totals
from optimizer.solver import solve
from optimizer.solver.driver import InfeasibleError, SolveOptions
from optimizer.solver.tariffs import time_charging
from optimizer.validator import Report, validate


@dataclass(frozen=True)
class Row:
    seed: int
    station_stops: int
    early_full: Report | None  # None when filling up on arrival breaks a rule (a late arrival)
    early: Report
    timed: Report
    routes_changed: int

    @property
    def waits(self) -> int:
        """Charges of the timed plan that wait for a cheaper period (start after arrival)."""
        return sum(
            1
            for r in self.timed.solution.routes
            for s in r.stops
            if s.kind == "station"
            and s.start_min is not None
            and s.arrival_min is not None
            and s.start_min > s.arrival_min + 1e-6
        )

    @staticmethod
    def energy(rep: Report) -> float:
        return rep.totals.cost.get("energy", 0.0)

    def saving_pct(self, against: Report | None) -> float | None:
        if against is None:
            return None
        base = self.energy(against)
        return 100.0 * (base - self.energy(self.timed)) / base if base else 0.0


def fill_on_arrival(instance: Instance, plan: Solution) -> Solution:
    """``plan`` with every charger visit starting on arrival and filling the battery (the
    validator's reading of a charger stop without an amount); times left to the validator."""
    routes = []
    for r in plan.routes:
        stops = [Stop("depot", r.stops[0].ref, departure_min=r.stops[0].departure_min)]
        stops += [Stop(s.kind, s.ref) for s in r.stops[1:]]
        routes.append(replace(r, stops=tuple(stops)))
    return replace(plan, routes=tuple(routes), totals=Totals())


def run_one(args: argparse.Namespace, seed: int) -> Row | str:
    inst = generate(
        args.jobs,
        seed,
        stations=args.stations,
        peak_to_valley=args.peak_to_valley,
        radius_km=args.radius_km,
    )
    try:
        plan = solve(inst, args.time_limit, 1, options=SolveOptions(time_charging=False))
    except InfeasibleError as exc:
        return f"| {seed} | no plan: {len(exc.diagnosis)} task(s) unserved |"
    early = validate(inst, plan)
    timed, saving = time_charging(inst, early)
    full = validate(inst, fill_on_arrival(inst, early.solution))
    early_full = full if full.feasible else None
    for name, rep in (("early", early), ("timed", timed)):
        if not rep.feasible:
            sys.exit(f"seed {seed}: the {name} plan is not valid:\n{rep.summary()}")
    stops = sum(1 for r in early.solution.routes for s in r.stops if s.kind == "station")
    return Row(seed, stops, early_full, early, timed, saving.routes_changed)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=6, help="instances: seeds 1..N (default 6)")
    ap.add_argument("--jobs", type=int, default=100)
    ap.add_argument("--radius-km", type=float, default=30.0)
    ap.add_argument("--stations", type=int, default=10)
    ap.add_argument("--peak-to-valley", type=float, default=3.0)
    ap.add_argument("--time-limit", type=float, default=30.0, help="seconds per search")
    args = ap.parse_args(argv)
    results = [run_one(args, seed) for seed in range(1, args.seeds + 1)]
    rows = [r for r in results if isinstance(r, Row)]
    print(
        f"{args.jobs} jobs, radius {args.radius_km:g} km, {args.stations} stations, "
        f"peak:valley {args.peak_to_valley:g}:1, {args.time_limit:g} s per search; "
        "energy money in CNY (stations + overnight depot refill), validator figures"
    )
    head = (
        "| seed | station stops | early, full | early | timed | routes changed | waits "
        "| saving vs early, full | saving vs early | total cost early -> timed |"
    )
    print(head)
    print("|---" * 10 + "|")

    def pct(x: float | None) -> str:
        return "n/a" if x is None else f"{x:.1f} %"

    for r in results:
        if isinstance(r, str):
            print(r)
            continue
        full = "not valid" if r.early_full is None else f"{Row.energy(r.early_full):.2f}"
        print(
            f"| {r.seed} | {r.station_stops} | {full} | "
            f"{Row.energy(r.early):.2f} | {Row.energy(r.timed):.2f} | {r.routes_changed} | "
            f"{r.waits} | "
            f"{pct(r.saving_pct(r.early_full))} | {pct(r.saving_pct(r.early))} | "
            f"{r.early.totals.cost['total']:.2f} -> {r.timed.totals.cost['total']:.2f} |"
        )
    vs_full = [x for r in rows if (x := r.saving_pct(r.early_full)) is not None]
    vs_early = [x for r in rows if (x := r.saving_pct(r.early)) is not None]
    print(
        f"median saving: {pct(statistics.median(vs_full) if vs_full else None)} against "
        f"early, full (n={len(vs_full)}); {pct(statistics.median(vs_early))} against early"
    )


if __name__ == "__main__":
    main()
