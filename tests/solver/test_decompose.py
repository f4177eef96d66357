"""Decomposition of large instances: the split covers every task once, sub-instances keep the
travel figures, and a plan solved in parts is valid as a whole."""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import replace

import numpy as np
import pytest

import optimizer
from optimizer.errors import OptimizerError
from optimizer.generate import generate
from optimizer.solution import Solution
from optimizer.solver import SolveOptions
from optimizer.solver.decompose import Part, PartFailed, SolveFn, restrict, solve_in_parts, split
from tests.conftest import benchmark_file


@pytest.fixture(scope="module")
def city() -> optimizer.Instance:
    return generate(90, seed=3, stations=6)


def _matrix_version(inst: optimizer.Instance) -> optimizer.Instance:
    """The same instance with explicit matrices (the path road-network users take)."""
    travel = replace(
        inst.travel,
        metric="matrix",
        distance_km=np.array(inst.distance_km),
        duration_min=np.array(inst.duration_min),
    )
    return replace(inst, travel=travel)


@pytest.mark.parametrize("max_tasks", [10, 25, 60, 1000])
def test_split_covers_every_task_once_within_the_size(
    city: optimizer.Instance, max_tasks: int
) -> None:
    parts = split(city, max_tasks)
    jobs = Counter(j for p in parts for j in p.jobs)
    ships = Counter(s for p in parts for s in p.shipments)
    assert jobs == Counter(j.id for j in city.jobs)
    assert ships == Counter(s.id for s in city.shipments)
    assert all(0 < p.tasks <= max_tasks + 1 for p in parts)  # a shipment may tip a part by one
    total = len(city.jobs) + 2 * len(city.shipments)
    assert len(parts) >= -(-total // max_tasks)


def test_split_without_coordinates_uses_the_matrix(city: optimizer.Instance) -> None:
    inst = _matrix_version(city)
    inst = replace(inst, locations=tuple(replace(loc, coordinates=None) for loc in inst.locations))
    parts = split(inst, 30)
    assert sorted(j for p in parts for j in p.jobs) == sorted(j.id for j in inst.jobs)


def test_restrict_keeps_distances_between_the_same_places(city: optimizer.Instance) -> None:
    for inst in (city, _matrix_version(city)):
        part = split(inst, 30)[1]
        sub = restrict(inst, part, inst.vehicles)
        assert [j.id for j in sub.jobs] == list(part.jobs)
        assert len(sub.locations) < len(inst.locations)
        ids = {loc.id: k for k, loc in enumerate(inst.locations)}
        for a, la in enumerate(sub.locations):
            for b, lb in enumerate(sub.locations):
                assert sub.distance_km[a, b] == pytest.approx(
                    inst.distance_km[ids[la.id], ids[lb.id]]
                )


def test_restrict_of_an_empty_part_is_a_valid_instance(city: optimizer.Instance) -> None:
    sub = restrict(city, Part((), ()), city.vehicles[:1])
    assert sub.jobs == () and len(sub.locations) == len(city.depots) + len(city.stations)


def test_solved_in_parts_the_plan_is_valid_and_serves_everything(
    city: optimizer.Instance,
) -> None:
    opts = SolveOptions(max_part_tasks=40, solution_budget=40)
    plan = optimizer.solve(city, time_limit_s=30, seed=1, options=opts)
    report = optimizer.validate(city, plan)
    assert report.feasible, report.summary()
    assert plan.meta["parts"] >= 3
    served = {s.ref for r in plan.routes for s in r.stops if s.kind == "job"}
    assert served == {j.id for j in city.jobs}
    units = Counter((r.vehicle, r.unit) for r in plan.routes)
    assert max(units.values()) == 1  # parts never share a vehicle unit


def test_parts_on_an_evrptw_instance_against_the_best_known() -> None:
    """r201 in 100-customer E-VRPTW: cut in four parts, the joined plan is valid and, with the
    few long routes of r2, not far from the best known (1,445.94, 3 vehicles)."""
    inst = optimizer.load(benchmark_file("evrptw", "r201_21.txt"))
    opts = SolveOptions(max_part_tasks=25, solution_budget=30)
    plan = optimizer.solve(inst, time_limit_s=40, seed=1, options=opts)
    report = optimizer.validate(inst, plan)
    assert report.feasible, report.summary()
    assert plan.meta["parts"] == 4
    assert report.totals.distance_km is not None
    assert report.totals.distance_km < 1.5 * 1445.94


def _failing_on(bad: frozenset[str], calls: list[tuple[float, float]], nap: bool) -> SolveFn:
    """A part solver that serves any part without a job of ``bad`` (with no routes: the join is
    not under test) and fails the others, taking its whole limit when ``nap`` (as a wall-clock
    search does). ``calls`` gets each call's limit and start time."""

    def solve_part(sub: optimizer.Instance, limit_s: float) -> Solution:
        calls.append((limit_s, time.monotonic()))
        if not bad & {j.id for j in sub.jobs}:
            return Solution(instance=sub.name, routes=())
        if nap:
            time.sleep(limit_s)
        raise OptimizerError("no plan")

    return solve_part


def test_retries_and_merges_of_failing_parts_stay_within_the_deadline(
    city: optimizer.Instance,
) -> None:
    """Every retry and merge gets a whole share again: without a deadline the shares of a part
    that keeps failing add up past the limit (the textbook model took 162 s at 60 s on CEC-2020
    X-n573). With one, no attempt runs past it and the failure names the time limit."""
    parts = split(city, 15)
    assert len(parts) >= 4
    bad = frozenset(parts[-2].jobs)  # merges go back through most parts before failing
    limit_s = 0.6

    shares: list[tuple[float, float]] = []
    with pytest.raises(PartFailed):
        solve_in_parts(city, parts, limit_s, _failing_on(bad, shares, nap=False))
    assert sum(share for share, _ in shares) > 2 * limit_s  # what the deadline prevents

    given: list[tuple[float, float]] = []
    deadline = time.monotonic() + limit_s
    with pytest.raises(PartFailed, match="time limit ran out"):
        solve_in_parts(city, parts, limit_s, _failing_on(bad, given, nap=True), deadline=deadline)
    # Each limit is the time left when it was set; restricting the instance comes in between.
    assert all(limit <= deadline - at + 0.05 for limit, at in given)
    assert all(g <= s + 1e-9 for (g, _), (s, _) in zip(given, shares, strict=False))
