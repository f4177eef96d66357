"""Charger capacity (issue 7): no station has more vehicles charging at once than chargers, and a
stated wait in the queue is a wait like any other. The instance and its arithmetic are in
``tests/charger_case.py``."""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer.solution import Solution, Stop
from optimizer.validator import CHARGER_CAPACITY, CODES, TIME_WINDOW, Report, validate
from tests.charger_case import make_line, overlapping_plan, truck_route


def capacity_hits(report: Report) -> list[tuple[int | None, int | None, float | None]]:
    """(route, stop, amount) of each CHARGER_CAPACITY violation, in report order."""
    return [(v.route, v.stop, v.amount) for v in report.violations if v.code == CHARGER_CAPACITY]


def queued(starts: tuple[float, float, float], departures: tuple[float, ...] = ()) -> Solution:
    """The plan with the station starts (and departures, if given) stated for each truck."""
    routes = [
        truck_route(k, start_min=start, departure_min=departures[k] if departures else None)
        for k, start in enumerate(starts)
    ]
    return replace(overlapping_plan(), routes=tuple(routes))


def test_the_code_has_a_meaning() -> None:
    assert CHARGER_CAPACITY == "CHARGER_CAPACITY"
    assert "charger" in CODES[CHARGER_CAPACITY]


def test_three_trucks_on_one_charger_at_once_are_rejected() -> None:
    report = validate(make_line(), overlapping_plan())
    assert report.codes() == {CHARGER_CAPACITY}, report.summary()
    # All three start at 30: the second to start is 1 over, the third 2 over (route order).
    assert capacity_hits(report) == [(1, 1, 1.0), (2, 1, 2.0)]
    last = [v for v in report.violations if v.code == CHARGER_CAPACITY][-1]
    assert "station 'S1'" in last.message
    assert "at 30" in last.message
    assert "1 charger(s)" in last.message
    for truck in ("ev1#0", "ev2#0", "ev3#0"):
        assert truck in last.message
    assert "30-65" in last.message


def test_enough_chargers_accept_the_same_plan() -> None:
    assert validate(make_line(chargers=3), overlapping_plan()).feasible
    two = validate(make_line(chargers=2), overlapping_plan())
    assert capacity_hits(two) == [(2, 1, 1.0)]


def test_a_stated_queue_wait_is_accepted_and_counted_in_the_duration() -> None:
    # Truck 1 waits 30-65 and charges 65-100; truck 2 waits until 100 and charges 100-135. Each
    # leaves as the next starts (touching ends are allowed).
    inst = make_line()
    report = validate(inst, queued((30.0, 65.0, 100.0)))
    assert report.feasible, report.summary()
    station = [r.stops[1] for r in report.solution.routes]
    assert [s.arrival_min for s in station] == [30.0, 30.0, 30.0]
    assert [s.start_min for s in station] == [30.0, 65.0, 100.0]
    assert [s.departure_min for s in station] == [65.0, 100.0, 135.0]
    # Back at D at 165, 200 and 235: the waits are route time (and the shift's).
    assert [r.stops[-1].arrival_min for r in report.solution.routes] == [165.0, 200.0, 235.0]
    assert report.totals.duration_min == pytest.approx(165 + 200 + 235)


def test_a_wait_that_is_too_long_for_the_window_is_late() -> None:
    # J3 closes at 160; waiting until 100 at S1 brings truck 2 there at 165.
    report = validate(make_line(last_window_end=160.0), queued((30.0, 65.0, 100.0)))
    assert report.codes() == {TIME_WINDOW}
    (late,) = report.violations
    assert (late.route, late.stop, late.amount) == (2, 2, pytest.approx(5.0))


def test_a_truck_parked_after_charging_still_blocks_the_charger() -> None:
    # Truck 0 finishes charging at 65 but stays plugged in until 70; truck 1 starts at 65.
    report = validate(make_line(), queued((30.0, 65.0, 105.0), (70.0, 100.0, 140.0)))
    assert capacity_hits(report) == [(1, 1, 1.0)]
    assert "30-70" in report.violations[0].message


def test_overlap_within_the_tolerance_is_touching() -> None:
    plan = queued((30.0, 65.0 - 1e-9, 100.0))
    # 65 - 1e-9 is the arrival-time tolerance's side of 65: no overlap.
    assert validate(make_line(), plan).feasible
    plan = queued((30.0, 64.0, 100.0))
    assert capacity_hits(validate(make_line(), plan)) == [(1, 1, 1.0)]


def test_instant_charging_occupies_no_charger() -> None:
    report = validate(make_line(instant=True), overlapping_plan())
    assert report.feasible, report.summary()


def test_stations_are_checked_separately() -> None:
    # Truck 2 charges at S2 while the others queue at S1: nobody overlaps anywhere.
    plan = replace(
        overlapping_plan(),
        routes=(
            truck_route(0),
            truck_route(1, start_min=65.0),
            truck_route(2, "S2"),
        ),
    )
    report = validate(make_line(second_station=True), plan)
    assert CHARGER_CAPACITY not in report.codes(), report.summary()


def test_unknown_stations_and_vehicles_do_not_crash_the_check() -> None:
    plan = overlapping_plan()
    routes = list(plan.routes)
    routes[0] = replace(routes[0], vehicle="nobody")
    stops = list(routes[1].stops)
    stops[1] = Stop("station", "S9", charged_kwh=70.0)
    routes[1] = replace(routes[1], stops=tuple(stops))
    report = validate(make_line(), replace(plan, routes=tuple(routes)))
    assert {"UNKNOWN_VEHICLE", "UNKNOWN_REF"} <= report.codes()
    assert capacity_hits(report) == []  # one truck left at S1
