"""Realistic days against their battery-blind relaxation: the must-show of real days (issue 21).

    python -m benchmarks.days                          # the standard days at 60 s, 2 workers
    python -m benchmarks.days --time-limit 10 --days gen150-s1,city-day    # a quick look

Each day is solved twice in the same worker, one after the other, with the same time limit and
seed: by ``optimizer.solve`` (our plan) and by :func:`benchmarks.relaxation.relax` (PyVRP with
every battery left out, searching until the limit). Both plans are checked by the validator, and
every figure is the validator's. The ratio is our cost over the relaxation's: where the relaxation
is a valid plan (the batteries suffice), 1.00 or less is the target; where it breaks a battery it
is only a bound, and our plan must then be valid.

The days:

- ``city-day``, ``city-day-small``: the bundled hand-written days (``instances/``);
- ``genN-sK``: ``optimizer generate --jobs N --seed K`` (a city day: every battery type reaches any
  customer and back on one charge, so the batteries suffice unless a route is long);
- ``regionalN-sK``: the same with ``--radius-km 60``: trucks drive far enough to charge;
- ``tightN-sK``: ``genN-sK`` with every time window halved (its start kept): the day on which a
  false "no plan" was seen;
- ``wavesN-sK``: ``optimizer generate --jobs N --seed K --max-trips 2``: every vehicle may make
  two trips and the fleet is sized for two waves; a reload does not charge, so a battery that
  suffices for one trip may not for two;
- ``two-waves``: the bundled store day whose fleet cannot serve it in one trip each.

A worker's two solves run back to back, so that the two share one core's conditions.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

import optimizer
from optimizer.errors import OptimizerError
from optimizer.generate import generate
from optimizer.model import Instance, TimeWindow

from .relaxation import relax

ROOT = Path(__file__).resolve().parents[1]
DAYS = (
    "city-day-small",
    "city-day",
    "gen150-s1",
    "gen150-s2",
    "gen300-s1",
    "regional150-s1",
    "tight150-s1",
    "two-waves",
    "waves150-s1",
)


#: A generated day's name: kind, tasks, seed.
DAY_NAME = re.compile(r"(gen|regional|tight|waves)(\d+)-s(\d+)")


def _halved(inst: Instance) -> Instance:
    """``inst`` with every job's and shipment end's time windows half as long (start kept)."""

    def half(ws: tuple[TimeWindow, ...]) -> tuple[TimeWindow, ...]:
        return tuple(TimeWindow(w.start_min, (w.start_min + w.end_min) / 2) for w in ws)

    return replace(
        inst,
        name=f"{inst.name}-tight",
        jobs=tuple(replace(j, time_windows=half(j.time_windows)) for j in inst.jobs),
        shipments=tuple(
            replace(
                s,
                pickup=replace(s.pickup, time_windows=half(s.pickup.time_windows)),
                delivery=replace(s.delivery, time_windows=half(s.delivery.time_windows)),
            )
            for s in inst.shipments
        ),
    )


def day(name: str) -> Instance:
    """The instance a day's name stands for (see the module doc)."""
    if (ROOT / "instances" / f"{name}.json").exists():
        return optimizer.load(ROOT / "instances" / f"{name}.json")
    m = DAY_NAME.fullmatch(name)
    if m is None:
        raise ValueError(
            f"unknown day {name!r}: a bundled instance or genN-sK, regionalN-sK, tightN-sK, "
            "wavesN-sK"
        )
    kind, jobs, seed = m.group(1), int(m.group(2)), int(m.group(3))
    inst = generate(
        jobs,
        seed,
        radius_km=60.0 if kind == "regional" else None,
        max_trips=2 if kind == "waves" else 1,
    )
    return _halved(inst) if kind == "tight" else replace(inst, name=name)


@dataclass(frozen=True)
class Row:
    day: str
    jobs: int
    ours_cost: float | None
    ours_vehicles: int | None
    ours_valid: bool
    ours_s: float
    ours_note: str
    relax_cost: float | None
    relax_vehicles: int | None
    relax_broken: str
    relax_s: float

    @property
    def ratio(self) -> float | None:
        if self.ours_cost is None or not self.relax_cost:
            return None
        return self.ours_cost / self.relax_cost


def run_day(name: str, time_limit_s: float, seed: int, workers: int = 1) -> Row:
    """Solve one day both ways (see the module doc); ours with ``workers`` searches."""
    inst = day(name)
    started = time.monotonic()
    ours_cost: float | None = None
    ours_vehicles: int | None = None
    valid = False
    note = ""
    try:
        plan = optimizer.solve(inst, time_limit_s=time_limit_s, seed=seed, workers=workers)
        report = optimizer.validate(inst, plan)
        valid = report.feasible
        ours_cost = float(report.totals.cost.get("total", 0.0))
        ours_vehicles = sum(1 for r in plan.routes if len(r.stops) > 2)
        note = "stopped by " + str(plan.meta.get("stopped_by", "?"))
        if plan.meta.get("hgs_battery_relaxed"):
            note += ", relaxation seed"
        if plan.meta.get("exact_charging_saved"):
            note += f", exact charging saved {float(plan.meta['exact_charging_saved']):,.2f}"
    except OptimizerError as exc:
        note = f"no plan: {str(exc).splitlines()[0][:80]}"
    ours_s = time.monotonic() - started
    found = relax(inst, time_limit_s, seed)
    return Row(
        day=name,
        jobs=len(inst.jobs) + len(inst.shipments),
        ours_cost=ours_cost,
        ours_vehicles=ours_vehicles,
        ours_valid=valid,
        ours_s=ours_s,
        ours_note=note,
        relax_cost=None if found is None else found.cost,
        relax_vehicles=None if found is None else found.vehicles,
        relax_broken="no plan"
        if found is None
        else (", ".join(f"{c} x{n}" for c, n in found.broken().items()) or "valid"),
        relax_s=0.0 if found is None else found.seconds,
    )


def table(rows: Sequence[Row]) -> str:
    def money(x: float | None) -> str:
        return "-" if x is None else f"{x:,.2f}"

    lines = [
        "| day | tasks | ours | veh | valid | s | relaxation | veh | relaxation valid? | ratio | note |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.day} | {r.jobs} | {money(r.ours_cost)} | {r.ours_vehicles or '-'} | "
            f"{'yes' if r.ours_valid else 'NO'} | {r.ours_s:.1f} | {money(r.relax_cost)} | "
            f"{r.relax_vehicles or '-'} | {r.relax_broken} | "
            f"{'-' if r.ratio is None else f'{r.ratio:.3f}'} | {r.ours_note} |"
        )
    ratios = [r.ratio for r in rows if r.ratio is not None and r.relax_broken == "valid"]
    if ratios:
        lines.append("")
        lines.append(
            f"Where the relaxation is valid ({len(ratios)} days): ratio median "
            f"{statistics.median(ratios):.3f}, max {max(ratios):.3f}."
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.days", description=__doc__)
    p.add_argument("--time-limit", type=float, default=60.0, help="seconds per solve (default 60)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--jobs", type=int, default=2, help="worker processes (default 2)")
    p.add_argument("--days", help="comma-separated day names (default: all, see the doc)")
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="our searches per day, side by side (default 1; jobs x workers at most the cores; "
        "the relaxation always runs on one core)",
    )
    args = p.parse_args(argv)
    if args.workers < 1:
        p.error(f"--workers must be >= 1, got {args.workers}")
    names = args.days.split(",") if args.days else list(DAYS)
    for n in names:
        # Checked by name here; the workers build the days.
        if not (ROOT / "instances" / f"{n}.json").exists() and not DAY_NAME.fullmatch(n):
            p.error(f"unknown day {n!r}: a bundled instance or genN-sK, regionalN-sK, tightN-sK")
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_day, n, args.time_limit, args.seed, args.workers) for n in names]
        rows = []
        for f in futures:
            row = f.result()
            print(f"{row.day}: ours {row.ours_cost} relaxation {row.relax_cost}", file=sys.stderr)
            rows.append(row)
    print(
        f"Realistic days at {args.time_limit:g} s, seed {args.seed}, "
        f"{args.workers} worker(s) for ours\n"
    )
    print(table(rows))
    return 0 if all(r.ours_valid for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
