"""Zone bans on the legs driven (straight-line travel): every phase keeps a banned type out of the
zone, and the plan is the optimum found by enumerating every plan through the validator.

Geometry (km, euclidean): depot D (0, 0), job A (10, 0) east, job N (5, 3) north; the zone is the
square (4, -1)-(6, 1) between D and A. A truck banned from the zone can serve N, and A only on the
way D -> N -> A, never back to D from A: the leg A -> D runs through the square.
"""

from __future__ import annotations

import itertools
from dataclasses import replace

import pytest

import optimizer
from optimizer.model import Depot, Instance, Job, Location, Vehicle, VehicleType, Zone
from optimizer.solution import Route, Solution, Stop
from optimizer.validator import codes as C


def _instance(other: VehicleType) -> Instance:
    """A cheap truck banned from the zone and a dearer ``other`` allowed in it."""
    pts = {"D": (0.0, 0.0), "A": (10.0, 0.0), "N": (5.0, 3.0)}
    banned = VehicleType(
        "dsl", "diesel", 1000.0, 0.3, fixed_cost=10.0, cost_per_km=1.0, banned_zones=("core",)
    )
    return Instance(
        "zones",
        tuple(Location(k, c) for k, c in pts.items()),
        (Depot("d", 0),),
        (banned, other),
        (Vehicle("cheap", "dsl", "d"), Vehicle("dear", other.id, "d")),
        jobs=(Job("A", 1, "delivery", 10.0), Job("N", 2, "delivery", 10.0)),
        zones=(Zone("core", ((4.0, -1.0), (6.0, -1.0), (6.0, 1.0), (4.0, 1.0))),),
    )


def _every_plan(inst: Instance) -> list[Solution]:
    """Each job on either vehicle, in every order."""
    ids = [j.id for j in inst.jobs]
    out = []
    for assign in itertools.product((0, 1), repeat=len(ids)):
        groups = [[x for x, a in zip(ids, assign, strict=True) if a == k] for k in (0, 1)]
        for p0 in itertools.permutations(groups[0]):
            for p1 in itertools.permutations(groups[1]):
                out.append(
                    Solution(
                        inst.name,
                        tuple(
                            Route(
                                v,
                                (
                                    Stop("depot", "d"),
                                    *(Stop("job", x) for x in p),
                                    Stop("depot", "d"),
                                ),
                            )
                            for v, p in (("cheap", p0), ("dear", p1))
                        ),
                    )
                )
    return out


def _optimum(inst: Instance) -> float:
    costs = [
        r.totals.cost["total"]
        for r in map(lambda s: optimizer.validate(inst, s), _every_plan(inst))
        if r.feasible
    ]
    return min(costs)


@pytest.mark.parametrize(
    "other",
    [
        # Electric: our evaluator, route minimisation, ruin and recreate and OR-Tools' polish.
        VehicleType("bev", "bev", 1000.0, 1.0, battery_kwh=100.0, fixed_cost=50.0, cost_per_km=1.0),
        # No battery anywhere: the PyVRP search.
        VehicleType("lng", "lng", 1000.0, 0.3, fixed_cost=50.0, cost_per_km=1.0),
    ],
    ids=["electric", "battery-free"],
)
def test_banned_truck_never_drives_through_the_zone(other: VehicleType) -> None:
    inst = _instance(other)
    free = replace(inst, vehicle_types=(replace(inst.vehicle_types[0], banned_zones=()), other))
    # The zone binds: without it the cheap truck does both jobs (D, N, A, D) for 40 less.
    assert _optimum(free) < _optimum(inst) - 39.0
    plan = optimizer.solve(inst, time_limit_s=3, seed=1)
    report = optimizer.validate(inst, plan)
    assert report.feasible, report.summary()
    assert report.totals.cost["total"] == pytest.approx(_optimum(inst), abs=1e-6)
    cheap = [s.ref for r in plan.routes if r.vehicle == "cheap" for s in r.stops if s.kind == "job"]
    assert cheap in ([], ["N"])
    # The plan the free truck would drive is what the validator flags.
    unconstrained = optimizer.solve(free, time_limit_s=3, seed=1)
    flagged = optimizer.validate(inst, replace(unconstrained, totals=plan.totals))
    assert C.ZONE in flagged.codes()


def test_a_job_reached_only_through_the_zone_goes_to_the_allowed_type() -> None:
    inst = _instance(VehicleType("bev", "bev", 1000.0, 1.0, battery_kwh=100.0, fixed_cost=50.0))
    only_a = replace(inst, jobs=inst.jobs[:1])
    plan = optimizer.solve(only_a, time_limit_s=2, seed=1)
    assert optimizer.validate(only_a, plan).feasible
    served = {r.vehicle for r in plan.routes if any(s.kind == "job" for s in r.stops)}
    assert served == {"dear"}
