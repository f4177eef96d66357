"""Ruin and recreate: it keeps every task on a feasible route, never returns a plan worse than its
start, repeats itself for the same seed and work budget, and (through the whole solver) reaches
the best known plans of small E-VRPTW instances, checked by the validator."""

from __future__ import annotations

import csv
from dataclasses import replace

import pytest

import optimizer
from optimizer.solver import SolveOptions, Work
from optimizer.solver.driver import _default_copies
from optimizer.solver.evaluator import RouteEvaluator, release
from optimizer.solver.pipeline import construct
from optimizer.solver.plan import Built
from optimizer.solver.search_model import ModelOptions, SearchModel, build
from tests.conftest import BENCHMARKS, INSTANCES, benchmark_file


def _total(rm: SearchModel, built: Built) -> int:
    return sum(built.cost[k] + rm.fixed[k] for k in built.tasks)


def _assert_serves_every_task(rm: SearchModel, built: Built) -> None:
    """Every task node on exactly one route, and each route what a fresh evaluator makes of it."""
    served = sorted(n for seq in built.tasks.values() for n in seq)
    assert served == sorted(n for ids in rm.task_nodes.values() for n in ids)
    for k, seq in built.tasks.items():
        res = RouteEvaluator(rm, k).evaluate(seq)
        assert res is not None and res[0] == built.cost[k] and res[1] == built.routes[k]


def test_improves_keeps_every_task_and_repeats_itself() -> None:
    inst = optimizer.load(benchmark_file("evrptw", "c103_21.txt"))
    rm = build(inst, ModelOptions(copies_per_station=_default_copies(inst)))
    try:
        start = construct(rm, order_seed=2)
        a = construct(rm, order_seed=2, lns_work=400_000)
        b = construct(rm, order_seed=2, lns_work=400_000)
        assert a.stats["lns_iterations"] > 0
        assert _total(rm, a) < _total(rm, start)  # a 100-customer plan always has room
        assert a.routes == b.routes and a.stats == b.stats
        _assert_serves_every_task(rm, a)
    finally:
        release(rm)


def _bks() -> dict[str, tuple[float, int]]:
    with (BENCHMARKS / "evrptw" / "bks.csv").open() as fh:
        return {
            r["instance"]: (float(r["bks_distance"]), int(r["bks_vehicles"]))
            for r in csv.DictReader(fh)
        }


@pytest.mark.parametrize("name", ["r102C15", "c103C15", "rc108C15", "rc204C15"])
def test_small_instances_reach_the_best_known(name: str) -> None:
    """15-customer instances at their best known (Schneider et al., proven optimal by CPLEX);
    the solver missed r102C15 by 1.45 % before ruin and recreate, and rc204C15 (one route) by
    0.16 % before small instances removed up to half their tasks per ruin. Fixed work, not the
    wall clock (the rates of a 10 s limit ran into the search's cap): 2 million label steps reach
    all four on seeds 1-5 in about 2 s each; half a million missed c103C15 on seed 3."""
    inst = optimizer.load(benchmark_file("evrptw", f"{name}.txt"))
    work = Work(route_min=20_000, fleet=20_000, lns=2_000_000, solutions=100)
    plan = optimizer.solve(inst, time_limit_s=60, seed=1, options=SolveOptions(work=work))
    report = optimizer.validate(inst, plan)
    assert report.feasible, report.summary()
    assert plan.meta["stopped_by"] != "time"
    distance, vehicles = _bks()[name]
    assert report.totals.vehicles_used == vehicles
    assert report.totals.distance_km == pytest.approx(distance, abs=0.006)


def test_fleet_minimisation_keeps_every_task_on_fewer_routes_and_repeats_itself() -> None:
    """After route minimisation stalls, the bank search may only take routes away: every task
    stays served on a feasible route, and the same seed and budget give the same plan."""
    inst = optimizer.load(benchmark_file("evrptw", "r103_21.txt"))
    rm = build(inst, ModelOptions(copies_per_station=_default_copies(inst)))
    try:
        start = construct(rm, order_seed=1, rm_work=600_000)
        a = construct(rm, order_seed=1, rm_work=600_000, fleet_work=3_000_000)
        b = construct(rm, order_seed=1, rm_work=600_000, fleet_work=3_000_000)
        assert a.stats["fleet_iterations"] > 0
        assert a.routes == b.routes and a.stats == b.stats
        assert len(a.tasks) == len(start.tasks) - a.stats["fleet_routes_removed"]
        _assert_serves_every_task(rm, a)
    finally:
        release(rm)


def test_fleet_minimisation_never_trades_a_fixed_cost_for_more_money() -> None:
    """On a cost objective a route fewer is kept only when the plan, fixed costs included, is
    cheaper. With a vehicle costing 1 a day on the bundled city day, the route that fleet
    minimisation can empty costs more in detours than it saves (measured without the check:
    4 routes at 1,260,705 became 3 at 1,550,454 scaled money)."""
    base = optimizer.load(INSTANCES / "city-day.json")
    inst = replace(
        base, vehicle_types=tuple(replace(t, fixed_cost=1.0) for t in base.vehicle_types)
    )
    rm = build(inst, ModelOptions(copies_per_station=_default_copies(inst)))
    try:
        start = construct(rm, order_seed=1)
        after = construct(rm, order_seed=1, fleet_work=400_000)
        assert after.stats["fleet_iterations"] > 0
        assert _total(rm, after) <= _total(rm, start)
    finally:
        release(rm)


def _nl_bks(name: str) -> float:
    with (BENCHMARKS / "evrp-nl" / "bks.csv").open() as fh:
        return float(next(r for r in csv.DictReader(fh) if r["instance"] == name)["bks_distance"])


def test_improves_an_evrp_nl_plan_whose_objective_is_time() -> None:
    """EVRP-NL prices hours only (nothing per km): the route evaluator prices a route's duration,
    charging on the concave curve included, so ruin and recreate sees the objective and lowers
    it (it once ran 12,136 iterations on tc0c10s2cf1 and improved nothing, every route costing
    0). Through the whole solver the plan then reaches the best known total time, checked by the
    validator (total time = route time less the service, as the set counts it)."""
    name = "tc0c10s2cf1"
    inst = optimizer.load(benchmark_file("evrp-nl", f"{name}.xml"))
    rm = build(inst, ModelOptions(copies_per_station=_default_copies(inst)))
    try:
        start = construct(rm, order_seed=1)
        better = construct(rm, order_seed=1, lns_work=200_000)
        assert _total(rm, start) > 0
        assert better.stats["lns_improvements"] > 0
        assert _total(rm, better) < _total(rm, start)
        _assert_serves_every_task(rm, better)
    finally:
        release(rm)
    # A work budget that ends well within the limit on a loaded machine (the default one runs
    # ruin and recreate into its wall-clock cap there), so that the plan does not depend on it.
    opts = SolveOptions(lns_work_per_second_partial_no_windows=200_000)
    plan = optimizer.solve(inst, time_limit_s=10, seed=1, options=opts)
    assert not plan.meta["lns_capped"]
    report = optimizer.validate(inst, plan)
    assert report.feasible, report.summary()
    hours = (report.totals.duration_min or 0.0) / 60.0 - inst.meta["total_service_h"]
    assert hours == pytest.approx(_nl_bks(name), rel=1e-3)


def test_opens_a_route_where_a_customer_alone_costs_less() -> None:
    """Vehicles are free and time is priced (EVRP-NL): a customer alone on a short route that
    needs no charger can cost less than the detour and the extra charging it adds to a long
    route. tc1c10s2cf2's best known (9.03 h) serves two customers alone and the other eight on
    one route; ruin and recreate opened a route only where no used route took a task, stayed on
    two routes and ended at 11.45 h whatever its budget (seeds 1-3, OR-Tools' polish off). Now
    it gets within 1.5 % of the best known, checked by the validator."""
    name = "tc1c10s2cf2"
    inst = optimizer.load(benchmark_file("evrp-nl", f"{name}.xml"))
    work = Work(route_min=0, fleet=0, lns=500_000, solutions=1)
    plan = optimizer.solve(inst, 600, 1, options=SolveOptions(work=work, ortools_polish=False))
    report = optimizer.validate(inst, plan)
    assert report.feasible, report.summary()
    hours = (report.totals.duration_min or 0.0) / 60.0 - inst.meta["total_service_h"]
    assert report.totals.vehicles_used == 3
    assert hours <= _nl_bks(name) * 1.015
