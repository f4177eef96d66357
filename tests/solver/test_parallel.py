"""Workers: N independent searches, the best kept. Worker 0 is the one-worker search, so more
workers never give a worse plan at the same budget; the same seed, workers and budget give the
same plan; the plan is validated and at the best known value of a small benchmark instance."""

from __future__ import annotations

import csv
from dataclasses import replace

import pytest

import optimizer
from optimizer.errors import InputError
from optimizer.solver import InfeasibleError, SolveOptions
from optimizer.solver.parallel import plan_value, worker_seed
from tests.conftest import BENCHMARKS, INSTANCES, benchmark_file

#: Work budgets that end every phase long before the 60 s wall-clock cap, so that the plans
#: depend on the seed and the budget only (not on the machine or its load).
FIXED_WORK = SolveOptions(
    solution_budget=300,
    route_min_work_per_second=2_000,
    fleet_work_per_second=2_000,
    lns_work_per_second=5_000,
    recombine_work_per_second=0.02,
)


def _bks(name: str) -> tuple[float, int]:
    with (BENCHMARKS / "evrptw" / "bks.csv").open() as fh:
        row = next(r for r in csv.DictReader(fh) if r["instance"] == name)
    return float(row["bks_distance"]), int(row["bks_vehicles"])


def test_two_workers_keep_the_best_and_repeat_themselves() -> None:
    inst = optimizer.load(benchmark_file("evrptw", "rc108C15.txt"))
    one = optimizer.solve(inst, 60, 1, options=FIXED_WORK)
    two = optimizer.solve(inst, 60, 1, options=FIXED_WORK, workers=2)
    again = optimizer.solve(inst, 60, 1, options=replace(FIXED_WORK, workers=2))
    for plan in (one, two, again):
        assert plan.meta["stopped_by"] == "solutions"  # the budgets ended the searches
        report = optimizer.validate(inst, plan)
        assert report.feasible, report.summary()
    assert two.meta["workers"] == 2 and two.meta["worker_values"][0] == list(plan_value(inst, one))
    assert plan_value(inst, two) <= plan_value(inst, one)
    assert two.routes == again.routes and two.meta["worker_kept"] == again.meta["worker_kept"]
    assert two.meta["worker_seed"] == worker_seed(1, two.meta["worker_kept"])
    # rc108C15's optimum (Schneider et al., CPLEX): two workers at this small budget reach it.
    distance, vehicles = _bks("rc108C15")
    assert two.totals.vehicles_used == vehicles
    assert two.totals.distance_km == pytest.approx(distance, abs=0.006)


def test_every_worker_infeasible_raises_the_diagnosis() -> None:
    inst = optimizer.load(INSTANCES / "city-day-small.json")
    heavy = replace(inst.jobs[0], id="piano", weight_kg=10_000_000.0)
    broken = replace(inst, jobs=(*inst.jobs, heavy))
    with pytest.raises(InfeasibleError) as err:
        optimizer.solve(broken, time_limit_s=2, seed=0, workers=2)
    assert "piano" in err.value.diagnosis


@pytest.mark.parametrize("bad", [0, -1, 1.5, True])
def test_workers_must_be_a_whole_number_of_at_least_one(bad: object) -> None:
    inst = optimizer.load(INSTANCES / "city-day-small.json")
    with pytest.raises(InputError) as err:
        optimizer.solve(inst, time_limit_s=1, seed=0, workers=bad)  # type: ignore[arg-type]
    assert err.value.issues[0].path == "workers" and err.value.issues[0].value == bad
