"""Recombination: set partitioning over pooled routes finds the optimum when the pool holds every
route, never returns a dearer plan than its start, and repeats itself for the same pool."""

from __future__ import annotations

import itertools

import pytest

import optimizer
from optimizer.solver.driver import _default_copies, _start_plan
from optimizer.solver.evaluator import RouteEvaluator, release
from optimizer.solver.pipeline import construct
from optimizer.solver.plan import Built, RoutePool, fixed_costs
from optimizer.solver.recombine import export_pool, merged_start, recombine
from optimizer.solver.search_model import ModelOptions, SearchModel, build
from tests.conftest import benchmark_file


def _total(rm: SearchModel, built: Built) -> int:
    fixed = fixed_costs(rm)
    return sum(built.cost[k] + fixed[k] for k in built.tasks)


def _task_of(rm: SearchModel) -> dict[int, str]:
    return {n: tid for tid, ids in rm.task_nodes.items() for n in ids}


def test_a_pool_of_every_route_recombines_into_the_optimum() -> None:
    """E-VRPTW c101C5 (optimum 2 vehicles, 257.75, proven by CPLEX): with every order of every
    subset of its 5 customers in the pool, the cheapest plan of pooled routes is the optimum,
    from a start that gives each customer a vehicle of its own; the validator checks the plan."""
    inst = optimizer.load(benchmark_file("evrptw", "c101C5.txt"))
    rm = build(inst, ModelOptions(copies_per_station=_default_copies(inst)))
    try:
        _recombine_every_route(inst, rm)
    finally:
        release(rm)


def _recombine_every_route(inst: optimizer.Instance, rm: SearchModel) -> None:
    fixed = fixed_costs(rm)
    task_of = _task_of(rm)
    ev = RouteEvaluator(rm, 0)
    entry = rm.units[0].vehicle.id
    pool = RoutePool()
    tids = sorted(rm.task_nodes)
    for size in range(1, len(tids) + 1):
        for subset in itertools.combinations(tids, size):
            for order in itertools.permutations(subset):
                seq = [n for t in order for n in rm.task_nodes[t]]
                res = ev.evaluate(seq)
                if res is not None:
                    pool.add(entry, frozenset(subset), res[1], seq, res[0] + fixed[0])
    start = Built({}, {}, {}, [])
    for k, t in enumerate(tids):
        seq = list(rm.task_nodes[t])
        res = RouteEvaluator(rm, k).evaluate(seq)
        assert res is not None
        start.tasks[k], start.routes[k], start.cost[k] = seq, res[1], res[0]
    before = _total(rm, start)
    stats = recombine(rm, start, pool, fixed, task_of, work=10.0)
    assert stats["recombine_improved"] == 1 and stats["recombine_optimal"] == 1
    assert stats["recombine_saved"] == before - _total(rm, start)
    plan = _start_plan(inst, rm, start.routes)
    assert plan is not None
    report = optimizer.validate(inst, plan)
    assert report.feasible, report.summary()
    assert report.totals.vehicles_used == 2
    assert report.totals.distance_km == pytest.approx(257.75, abs=0.006)


def test_recombination_at_the_end_is_never_dearer_and_repeats_itself() -> None:
    """Recombining only at the end, the pool just watches the walk, so the walk ends where it
    would without it; the plan recombined from what it met costs at most that. With the
    recombination half-way too, the walk goes on from a different plan: its plan must still
    serve every task on routes a fresh evaluator agrees with, pass the validator, and repeat
    itself for the same seed and budgets."""
    inst = optimizer.load(benchmark_file("evrptw", "r102_21.txt"))
    rm = build(inst, ModelOptions(copies_per_station=_default_copies(inst)))
    try:
        plain = construct(rm, order_seed=3, lns_work=600_000)
        end = construct(
            rm, order_seed=3, lns_work=600_000, recombine_work=2.0, recombine_midway=False
        )
        assert end.stats["recombine_pool"] > len(plain.tasks)
        assert _total(rm, end) == _total(rm, plain) - end.stats["recombine_saved"]
        assert end.stats["recombine_saved"] >= 0
        a = construct(rm, order_seed=3, lns_work=600_000, recombine_work=2.0)
        b = construct(rm, order_seed=3, lns_work=600_000, recombine_work=2.0)
        assert a.routes == b.routes and a.stats == b.stats
        for built in (end, a):
            served = sorted(n for seq in built.tasks.values() for n in seq)
            assert served == sorted(n for ids in rm.task_nodes.values() for n in ids)
            for k, seq in built.tasks.items():
                res = RouteEvaluator(rm, k).evaluate(seq)
                assert res is not None and res[0] == built.cost[k] and res[1] == built.routes[k]
            plan = _start_plan(inst, rm, built.routes)
            assert plan is not None and optimizer.validate(inst, plan).feasible
    finally:
        release(rm)


def test_the_routes_of_two_walks_recombine_into_a_plan_no_dearer_than_either() -> None:
    """What the workers hand back (:func:`export_pool`) merges into one pool whose cheapest plan
    costs at most the cheaper walk's, serves every task once and passes the validator."""
    inst = optimizer.load(benchmark_file("evrptw", "r102_21.txt"))
    copies = _default_copies(inst)
    rm = build(inst, ModelOptions(copies_per_station=copies))
    try:
        walks = [
            construct(rm, order_seed=seed, lns_work=400_000, recombine_work=0.5) for seed in (1, 2)
        ]
        exports = [export_pool(rm, w, copies) for w in walks]
        fixed = fixed_costs(rm)
        built, pool = merged_start(rm, exports, fixed, _task_of(rm))
        assert _total(rm, built) == min(_total(rm, w) for w in walks)
        assert len(pool.routes) >= max(len(e["pool"]) for e in exports)  # type: ignore[arg-type]
        recombine(rm, built, pool, fixed, _task_of(rm), work=2.0)
        assert _total(rm, built) <= min(_total(rm, w) for w in walks)
        served = sorted(n for seq in built.tasks.values() for n in seq)
        assert served == sorted(n for ids in rm.task_nodes.values() for n in ids)
        plan = _start_plan(inst, rm, built.routes)
        assert plan is not None and optimizer.validate(inst, plan).feasible
    finally:
        release(rm)
