"""Multiple trips: a route that comes back to its start depot to reload, checked by hand.

Geometry (km, Euclidean, 60 km/h: one km takes one minute), depot D at (0, 0) open 360-1080:

====  ==========  ==============================================
row   place       role
====  ==========  ==============================================
1     A (30, 40)  delivery 400 kg, 10 min (50 km from D)
2     B (0, 30)   delivery 300 kg, 10 min (30 km from D)
3     C (40, 0)   pickup 100 kg for the depot, 10 min (40 km from D, 50 from B)
4     E (0, -50)  a second depot
====  ==========  ==============================================

The van carries 450 kg: A and B together (700 kg) need two trips.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer.model import (
    Depot,
    Instance,
    Job,
    Location,
    Objective,
    TimeWindow,
    Travel,
    Vehicle,
    VehicleType,
)
from optimizer.solution import Route, Solution, Stop
from optimizer.validator import validate
from optimizer.validator.codes import (
    CAPACITY_WEIGHT,
    DEPOT_MID_ROUTE,
    MAX_DURATION,
    SHIFT,
    TIME_INCONSISTENT,
)


def make(max_trips: int = 2, reload_min: float = 20.0, **vehicle: object) -> Instance:
    coords = {"D": (0.0, 0.0), "A": (30.0, 40.0), "B": (0.0, 30.0), "C": (40.0, 0.0)}
    coords["E"] = (0.0, -50.0)
    ix = {k: i for i, k in enumerate(coords)}
    return Instance(
        name="trips",
        locations=tuple(Location(k, c) for k, c in coords.items()),
        depots=(
            Depot("D", ix["D"], opening=TimeWindow(360, 1080)),
            Depot("E", ix["E"], opening=TimeWindow(360, 1080)),
        ),
        vehicle_types=(
            VehicleType(
                "van",
                "diesel",
                capacity_kg=450.0,
                consumption_per_km_empty=0.1,
                fixed_cost=100.0,
                cost_per_km=1.0,
                max_trips=max_trips,
                reload_min=reload_min,
            ),
        ),
        vehicles=(Vehicle("V", "van", "D", **vehicle),),  # type: ignore[arg-type]
        jobs=(
            Job("A", ix["A"], weight_kg=400.0, service_min=10.0),
            Job("B", ix["B"], weight_kg=300.0, service_min=10.0),
            Job("C", ix["C"], kind="pickup", weight_kg=100.0, service_min=10.0),
        ),
        travel=Travel(metric="euclidean", speed_kmh=60.0),
        objective=Objective(unserved_penalty=1000.0),
    )


def plan(*refs: str) -> Solution:
    """A sparse one-route plan: ``D`` and ``E`` are depot stops, the rest jobs; the jobs it
    leaves out are listed unserved (at a penalty)."""
    stops = tuple(Stop("depot", r) if r in ("D", "E") else Stop("job", r) for r in refs)
    unserved = tuple(j for j in ("A", "B", "C") if j not in refs)
    return Solution("trips", (Route("V", stops),), unserved=unserved)


def test_two_trips_reload_at_the_start_depot_and_are_timed_and_loaded_by_hand() -> None:
    report = validate(make(), plan("D", "A", "D", "B", "C", "D"))
    assert report.feasible, report.summary()
    stops = report.solution.routes[0].stops
    # Trip 1 loads A only; the reload unloads nothing and loads B; C's pickup rides home.
    assert [s.load_kg for s in stops] == [400.0, 0.0, 300.0, 0.0, 100.0, 100.0]
    # 360 + 50 km to A, 10 min there, 50 km back: 470; reload 20 min; 30 km to B: 520.
    assert stops[2].arrival_min == pytest.approx(470.0)
    assert stops[2].departure_min == pytest.approx(490.0)
    assert stops[3].arrival_min == pytest.approx(520.0)
    assert stops[5].arrival_min == pytest.approx(520 + 10 + 50 + 10 + 40)
    assert report.totals.distance_km == pytest.approx(50 + 50 + 30 + 50 + 40)
    # One vehicle, one fixed cost, although it drove two trips.
    assert report.totals.cost["fixed"] == pytest.approx(100.0)
    assert report.totals.vehicles_used == 1
    # The day is the shift's time from the first departure to the last return, reload included.
    assert report.totals.duration_min == pytest.approx(630.0 - 360.0)


def test_a_reload_unloads_what_the_trip_picked_up_for_the_depot() -> None:
    # Trip 1 brings C's 100 kg home; trip 2 leaves with A's 400 kg only (450 kg van).
    report = validate(make(), plan("D", "C", "D", "A", "D"))
    assert report.feasible, report.summary()
    assert [s.load_kg for s in report.solution.routes[0].stops] == [0.0, 100.0, 400.0, 0.0, 0.0]
    # The legs the carbon account reads carry the same loads (tonne-km per trip).
    legs = report.traces[0].legs
    assert [leg.load_kg for leg in legs] == [0.0, 100.0, 400.0, 0.0]


def test_one_trip_over_capacity_is_still_reported_at_its_reload() -> None:
    report = validate(make(), plan("D", "C", "D", "A", "B", "D"))
    bad = [v for v in report.violations if v.code == CAPACITY_WEIGHT]
    assert [(v.stop, v.amount) for v in bad] == [(2, pytest.approx(250.0))]


def test_a_reload_needs_max_trips_and_says_so() -> None:
    report = validate(make(max_trips=1), plan("D", "A", "D", "B", "D"))
    (v,) = [v for v in report.violations if v.code == DEPOT_MID_ROUTE]
    assert v.stop == 2 and "max_trips above 1" in v.message
    # Without the reload, trip 1 carries 700 kg in a 450 kg van.
    assert CAPACITY_WEIGHT in report.codes()


def test_the_vehicle_entry_overrides_its_type_max_trips() -> None:
    assert DEPOT_MID_ROUTE in validate(make(max_trips=1), plan("D", "A", "D", "B", "D")).codes()
    allowed = replace(make(max_trips=1), vehicles=(Vehicle("V", "van", "D", max_trips=2),))
    assert validate(allowed, plan("D", "A", "D", "B", "D")).feasible


def test_more_trips_than_allowed_and_other_depots_are_refused() -> None:
    three = validate(make(max_trips=2), plan("D", "A", "D", "B", "D", "C", "D"))
    (v,) = [v for v in three.violations if v.code == DEPOT_MID_ROUTE]
    assert v.stop == 4 and "trip 3, beyond its max_trips of 2" in v.message
    assert validate(make(max_trips=3), plan("D", "A", "D", "B", "D", "C", "D")).feasible
    other = validate(make(), plan("D", "A", "E", "B", "D"))
    (w,) = [v for v in other.violations if v.code == DEPOT_MID_ROUTE]
    assert w.stop == 2 and "only its start depot 'D'" in w.message


def test_the_reload_takes_its_time_inside_the_depot_opening() -> None:
    sol = plan("D", "A", "D", "B", "D")
    route = sol.routes[0]
    early = list(route.stops)
    early[2] = replace(early[2], arrival_min=470.0, start_min=470.0, departure_min=480.0)
    report = validate(make(), replace(sol, routes=(replace(route, stops=tuple(early)),)))
    assert any(v.code == TIME_INCONSISTENT and v.stop == 2 for v in report.violations)
    late = replace(make(reload_min=600.0), depots=(Depot("D", 0, opening=TimeWindow(360, 1000)),))
    late = replace(late, locations=late.locations[:4])
    assert any(v.code == SHIFT and v.stop == 2 for v in validate(late, sol).violations)


def test_max_duration_holds_the_whole_day_of_trips() -> None:
    limited = make()
    limited = replace(limited, vehicles=(Vehicle("V", "van", "D", max_duration_min=250.0),))
    report = validate(limited, plan("D", "A", "D", "B", "C", "D"))
    assert MAX_DURATION in report.codes()
