"""Queueing at stations with too few chargers (issue 7): ``schedule_chargers`` delays charging
starts first come, first served, reroutes where waiting breaks a route, and every result goes
through the independent validator. The instance and its arithmetic are in
``tests/charger_case.py``."""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest

import optimizer
from optimizer.solution import Solution, Stop
from optimizer.solver import SolveOptions, Work
from optimizer.solver.chargers import Reroute, Wait, queue_chargers, schedule_chargers
from optimizer.validator import CHARGER_CAPACITY, validate
from tests.charger_case import TRUCKS, make_line, overlapping_plan, truck_route


def station_times(plan: Solution) -> list[tuple[str, float | None, float | None, float | None]]:
    """(station, arrival, start, departure) of each route's station stop (the second stop)."""
    return [
        (r.stops[1].ref, r.stops[1].arrival_min, r.stops[1].start_min, r.stops[1].departure_min)
        for r in plan.routes
    ]


def test_one_charger_queues_all_three_first_come_first_served() -> None:
    inst = make_line()
    queued = queue_chargers(inst, overlapping_plan())
    assert queued.solution is not None, queued.problem
    # All arrive at 30; equal arrivals are served in route order.
    assert station_times(queued.solution) == [
        ("S1", 30.0, 30.0, 65.0),
        ("S1", 30.0, 65.0, 100.0),
        ("S1", 30.0, 100.0, 135.0),
    ]
    assert queued.waits == (
        Wait(1, 1, "S1", 30.0, 30.0, 65.0),
        Wait(2, 1, "S1", 30.0, 30.0, 100.0),
    )
    assert [w.wait_min for w in queued.waits] == [35.0, 70.0]
    # The delay runs down the route: J3 at 165, back at D at 235.
    last = queued.solution.routes[2]
    assert [s.arrival_min for s in last.stops] == [0.0, 30.0, 165.0, 235.0]
    assert queued.solution.meta["charger_waits"] == 2
    assert queued.solution.meta["charger_wait_min"] == 105.0
    report = validate(inst, queued.solution)
    assert report.feasible, report.summary()
    assert report.totals.duration_min == pytest.approx(165 + 200 + 235)


def test_schedule_chargers_returns_the_queued_plan() -> None:
    inst = make_line()
    plan = schedule_chargers(inst, overlapping_plan())
    assert plan is not None
    waiting = [r.stops[1] for r in plan.routes if r.stops[1].start_min != r.stops[1].arrival_min]
    assert [r.vehicle for r in plan.routes if r.stops[1].start_min != 30.0] == ["ev2", "ev3"]
    assert all(s.start_min > s.arrival_min for s in waiting)  # type: ignore[operator]
    assert validate(inst, plan).feasible


def test_two_chargers_leave_only_one_waiting() -> None:
    inst = make_line(chargers=2)
    queued = queue_chargers(inst, overlapping_plan())
    assert queued.solution is not None, queued.problem
    assert station_times(queued.solution) == [
        ("S1", 30.0, 30.0, 65.0),
        ("S1", 30.0, 30.0, 65.0),
        ("S1", 30.0, 65.0, 100.0),
    ]
    assert [(w.route, w.wait_min) for w in queued.waits] == [(2, 35.0)]
    assert validate(inst, queued.solution).feasible


def test_a_wait_that_breaks_a_window_gives_none_naming_the_station() -> None:
    # J3 closes at 160 and truck 2 could only get there at 165; there is no other station.
    inst = make_line(last_window_end=160.0)
    assert schedule_chargers(inst, overlapping_plan()) is None
    queued = queue_chargers(inst, overlapping_plan())
    assert queued.solution is None
    assert queued.station == "S1"
    assert queued.problem is not None
    assert "station 'S1'" in queued.problem
    assert "ev3#0" in queued.problem
    assert "J3" in queued.problem and "165" in queued.problem


def test_a_wait_that_breaks_a_window_reroutes_to_the_second_station() -> None:
    # With S2 (40 km more) truck 2 charges 110 kWh there from 50 to 105 and reaches J3 at 155.
    inst = make_line(last_window_end=160.0, second_station=True)
    queued = queue_chargers(inst, overlapping_plan())
    assert queued.solution is not None, queued.problem
    assert queued.reroutes == (Reroute(2, 1, "S1", "S2"),)
    assert station_times(queued.solution) == [
        ("S1", 30.0, 30.0, 65.0),
        ("S1", 30.0, 65.0, 100.0),
        ("S2", 50.0, 50.0, 105.0),
    ]
    moved = queued.solution.routes[2]
    assert moved.stops[1].charged_kwh == pytest.approx(110.0)
    assert moved.stops[2].arrival_min == pytest.approx(155.0)
    assert moved.stops[2].soc_arrival_kwh == pytest.approx(70.0)
    assert queued.solution.meta["charger_reroutes"] == 1
    report = validate(inst, queued.solution)
    assert report.feasible, report.summary()
    assert report.totals.distance_km == pytest.approx(3 * 120 + 40)


def test_a_plan_without_overlap_is_returned_unchanged() -> None:
    plan = overlapping_plan()
    assert schedule_chargers(make_line(chargers=3), plan) is plan
    instant = make_line(instant=True)
    assert schedule_chargers(instant, plan) is plan


def test_an_already_queued_plan_is_left_alone() -> None:
    plan = replace(
        overlapping_plan(),
        routes=(
            truck_route(0),
            truck_route(1, start_min=65.0),
            truck_route(2, start_min=100.0),
        ),
    )
    assert schedule_chargers(make_line(), plan) is plan


def test_a_plan_broken_otherwise_is_refused_without_a_traceback() -> None:
    inst = make_line()
    # Truck 2's job is missing: not a plan the queue can repair.
    plan = overlapping_plan()
    routes = list(plan.routes)
    routes[2] = replace(routes[2], stops=(Stop("depot", "D"), Stop("depot", "D")))
    queued = queue_chargers(inst, replace(plan, routes=tuple(routes)))
    assert queued.solution is None
    assert queued.problem is not None and "MISSING_JOB" in queued.problem
    # Names the instance does not know.
    routes[2] = replace(plan.routes[2], vehicle="nobody")
    assert schedule_chargers(inst, replace(plan, routes=tuple(routes))) is None
    assert schedule_chargers(inst, Solution("empty", ())) is None  # the jobs are missing


def test_later_arrivals_use_a_free_gap_but_never_delay_an_earlier_one() -> None:
    # Truck 0 plans to charge only from 100 (stated); trucks 1 and 2 arrive at 30. Truck 1 fits
    # 30-65 and truck 2 65-100 before truck 0, which keeps its start.
    plan = replace(
        overlapping_plan(),
        routes=(truck_route(0, start_min=100.0), truck_route(1), truck_route(2)),
    )
    inst = make_line()
    assert CHARGER_CAPACITY in validate(inst, plan).codes()
    queued = queue_chargers(inst, plan)
    assert queued.solution is not None, queued.problem
    assert [t[2] for t in station_times(queued.solution)] == [100.0, 30.0, 65.0]
    assert validate(inst, queued.solution).feasible


def test_the_same_plan_gives_the_same_queue() -> None:
    inst = make_line()
    a = schedule_chargers(inst, overlapping_plan())
    b = schedule_chargers(inst, overlapping_plan())
    assert a == b


def test_full_solve_never_overlaps_at_the_charger() -> None:
    """The whole solver on the same instance (each truck carries one full load, so three routes
    leave at 0 and all reach S1 at 30): the driver queues the read-back plan."""
    inst = make_line()
    # Fixed work, so that no wall-clock cap decides the plan: under load the 2 s solve's caps
    # fired and its plan's queue broke a window (the search does not model charger capacity).
    work = Work(hgs_iterations=800, route_min=80_000, fleet=300_000, lns=1_400_000, solutions=100)
    plan = optimizer.solve(inst, time_limit_s=60, seed=0, options=SolveOptions(work=work))
    assert plan.meta["stopped_by"] == "solutions"
    report = validate(inst, plan)
    assert report.feasible, report.summary()
    assert sorted(r.vehicle for r in plan.routes if r.visits) == sorted(TRUCKS)
    # One charger: each charge starts when (or after) the one before it leaves.
    charges = sorted(
        (s.start_min or 0.0, s.departure_min or 0.0)
        for r in plan.routes
        for s in r.stops
        if s.kind == "station"
    )
    assert len(charges) == 3
    assert all(b[0] >= a[1] - 1e-6 for a, b in pairwise(charges))
    assert plan.meta["charger_waits"] == 2
