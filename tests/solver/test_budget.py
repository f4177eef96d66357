"""One budget per solve (:mod:`optimizer.solver.budget`): the counts the rates give, the share
PyVRP leaves, and fixed counts that make the limit only a cap."""

from __future__ import annotations

from dataclasses import replace

import pytest

import optimizer
from optimizer.solver import SolveOptions, Work
from optimizer.solver.budget import Budget, lns_rate, routes_cost
from tests.conftest import benchmark_file

#: c101C5 (E-VRPTW, 5 customers): the proven optimum, 2 vehicles and 257.75 km (Schneider et al.
#: 2014, CPLEX; also found by enumeration in test_recombine.py).
OPTIMUM_KM, OPTIMUM_VEHICLES = 257.75, 2
SMALL = Work(hgs_iterations=200, route_min=20_000, fleet=20_000, lns=50_000, recombine=0.2)


@pytest.fixture(scope="module")
def c101c5() -> optimizer.Instance:
    return optimizer.load(benchmark_file("evrptw", "c101C5.txt"))


def test_the_rates_give_counts_for_the_limit_and_the_share_left(c101c5: optimizer.Instance) -> None:
    opts = SolveOptions(time_limit_s=10.0)
    budget = Budget.of(c101c5, opts, 100.0, 1e9)
    assert budget.end == 110.0  # the limit caps the end it is given
    assert budget.search_cap == pytest.approx(109.0)
    assert budget.lns == int(lns_rate(c101c5, opts) * 10.0)
    assert budget.route_min == int(opts.route_min_work_per_second * 10.0)  # routes count here
    assert budget.hgs_iterations(0.7) == int(opts.hgs_iterations_per_second * 0.7 * 10.0)
    after = budget.after(0.7)  # what PyVRP's 70 % leaves: fewer steps, the same caps
    assert after.lns == int(lns_rate(c101c5, opts) * (0.3 * 10.0))
    assert after.recombine == pytest.approx(opts.recombine_work_per_second * 3.0)
    assert after.search_cap == budget.search_cap


def test_route_and_fleet_minimisation_get_nothing_where_routes_cost_nothing() -> None:
    cec = optimizer.load(benchmark_file("cec2020-evrp", "E-n22-k4.evrp"))  # distance alone
    assert not routes_cost(cec)
    for opts in (SolveOptions(time_limit_s=10.0), SolveOptions(work=SMALL)):
        budget = Budget.of(cec, opts, 0.0, 1e9)
        assert budget.route_min == budget.fleet == 0
        assert budget.lns > 0


def test_fixed_work_makes_the_limit_only_a_cap(c101c5: optimizer.Instance) -> None:
    """The same counts at 20 s and at 60 s: the same plan, ended by the counts, and the optimum."""
    opts = SolveOptions(work=replace(SMALL, solutions=50))
    short = optimizer.solve(c101c5, 20, 3, options=opts)
    long = optimizer.solve(c101c5, 60, 3, options=opts)
    assert short.meta["stopped_by"] == long.meta["stopped_by"] == "solutions"
    assert short.routes == long.routes
    report = optimizer.validate(c101c5, long)
    assert report.feasible, report.summary()
    assert report.totals.vehicles_used == OPTIMUM_VEHICLES
    assert report.totals.distance_km == pytest.approx(OPTIMUM_KM, abs=0.006)
    budget = Budget.of(c101c5, opts, 0.0, 1e9)
    assert budget.lns == SMALL.lns and budget.after(0.5).lns == SMALL.lns // 2
