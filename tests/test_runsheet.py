"""The run sheet against the hand-worked plan of ``tests/plan_case.py``."""

from __future__ import annotations

import pytest

from optimizer.runsheet import build_run_sheet, clock, render_text
from optimizer.validator import validate
from tests.plan_case import instance, plan


def test_clock_keeps_times_past_midnight() -> None:
    assert clock(0) == "00:00"
    assert clock(419.6) == "07:00"
    assert clock(1470) == "24:30"  # a late return is not an early one
    assert clock(None) == ""


def test_every_stop_figure_is_the_hand_worked_one() -> None:
    inst = instance()
    sheet = build_run_sheet(inst, validate(inst, plan()))
    (route,) = sheet.routes
    depot, charge, job, back = route.stops
    assert (depot.departure_min, depot.load_kg, depot.soc_departure_kwh) == (360, 1000, 50)
    assert (charge.arrival_min, charge.departure_min) == (380, 420)
    assert (charge.soc_arrival_kwh, charge.charged_kwh, charge.soc_departure_kwh) == (30, 40, 70)
    assert charge.charge_min == 40 and charge.charge_cost == pytest.approx(22)
    assert charge.station_kind == "charger"
    assert (job.arrival_min, job.start_min, job.departure_min) == (440, 480, 510)
    assert job.wait_min == 40 and job.load_kg == 0 and job.soc_departure_pct == 50
    assert (back.arrival_min, back.soc_arrival_kwh) == (550, 10)
    assert dict(route.cost) == pytest.approx(
        {"fixed": 100, "distance": 80, "time": 0, "energy": 22, "carbon": 0, "total": 202}
    )
    assert sheet.cost["total"] == pytest.approx(202)


def test_text_names_times_charge_and_cost() -> None:
    inst = instance()
    text = render_text(build_run_sheet(inst, validate(inst, plan())))
    lines = text.splitlines()
    charge = next(line for line in lines if "charge fast" in line)
    assert "06:20   07:00" in charge and "+40.0 kWh from 30, 40 min, 22.00 EUR" in charge
    job = next(line for line in lines if "job order-1" in line)
    assert "07:20   08:30" in job and "(wait 40 min)" in job and "50 kWh  50%" in job
    assert "ev#0  e-truck (bev)  06:00-09:10  1 stop  80.0 km  3.17 h" in lines
    assert "  cost: fixed 100.00 + distance 80.00 + energy 22.00 = 202.00 EUR" in lines


def test_unused_routes_get_no_sheet() -> None:
    inst = instance()
    from dataclasses import replace

    from optimizer.solution import Route, Stop

    idle = Route("ev", (Stop("depot", "depot"), Stop("depot", "depot")))
    sol = replace(plan(), routes=(idle,), unserved=("order-1",))
    sheet = build_run_sheet(inst, validate(inst, sol))
    assert sheet.routes == () and sheet.unserved == ("order-1",)
    assert "unserved: order-1" in render_text(sheet)


def test_coordinates_are_lon_lat_only_where_the_instance_says_so() -> None:
    """GeoJSON and the map put lon/lat on a globe, x/y km on a plane: a road graph in km is not
    geographic although it is a road network."""
    from optimizer.formats import load
    from optimizer.runsheet import _geographic
    from tests.conftest import INSTANCES

    assert _geographic(load(INSTANCES / "city-day.json"))  # haversine
    assert not _geographic(load(INSTANCES / "city-day-small.json"))  # euclidean km
    assert not _geographic(load(INSTANCES / "city-roads.json"))  # road graph in km
    assert _geographic(load(INSTANCES / "osm" / "kouvola-day.json"))  # OSM: lon/lat


def test_reloads_and_trips_of_a_route() -> None:
    """A depot stop between the first and the last is a reload; the ends never are."""
    from optimizer.runsheet import reload_indices, trip_count
    from tests import reload_case

    stops = reload_case.plan().routes[0].stops
    assert reload_indices(stops) == (2,)
    assert trip_count(stops) == 2
    one = plan().routes[0].stops  # depot, charge, job, depot
    assert reload_indices(one) == () and trip_count(one) == 1
    assert trip_count(()) == 0
    route = reload_case.sheet().routes[0]
    assert route.trips == 2
    assert [(s.seq, s.kind, s.service_min) for s in route.reloads] == [(2, "depot", 30)]


def test_text_names_the_reload_and_the_trips() -> None:
    """A run sheet built by hand (no validator): the middle depot reads as a reload that starts
    trip 2 with its times and minutes, the ends stay start and end, the trips are counted."""
    from tests import reload_case

    text = render_text(reload_case.sheet())
    lines = text.splitlines()
    assert "van#0  e-van (bev)  06:00-14:40  2 trips  2 stops  100.0 km  8.67 h" in lines
    reload = next(line for line in lines if "reload" in line)
    assert reload.split()[:3] == ["2", "07:20", "07:50"]
    assert "reload at depot, 30 min, trip 2 starts" in reload and "600" in reload
    assert "start depot" in text and "end depot" in text
    rows = [line.split()[0] for line in lines if "depot" in line and not line.startswith("  total")]
    assert rows == ["0", "2", "4"]  # start, reload, end: none skipped
    assert "  total: 100.0 km, 8.67 h, 25.0 kWh; 2 trips, 1 reload at the depot" in text


def test_one_trip_sheets_do_not_mention_trips() -> None:
    inst = instance()
    text = render_text(build_run_sheet(inst, validate(inst, plan())))
    assert "trip" not in text and "reload" not in text


def test_build_run_sheet_keeps_the_reload_in_order() -> None:
    """The sheet of a validated two-trip plan keeps the depot in the middle as a reload, whether
    or not the validator accepts the plan yet (it needs only its traces and its stop list)."""
    from tests import reload_case

    inst = reload_case.instance()
    sheet = build_run_sheet(inst, validate(inst, reload_case.plan()))
    (route,) = sheet.routes
    assert [s.kind for s in route.stops] == ["depot", "job", "depot", "job", "depot"]
    assert route.trips == 2 and [s.seq for s in route.reloads] == [2]
    assert "reload at depot" in render_text(sheet)


def test_validated_two_trip_sheet_loads_each_trip_apart() -> None:
    """The validator's recomputed loads are each trip's: 800 kg out in the morning, 600 kg after
    the reload (the van carries 1,000 kg, the day 1,400)."""
    from tests import reload_case

    inst = reload_case.instance()
    report = validate(inst, reload_case.plan())
    assert report.feasible, report.summary()
    (route,) = build_run_sheet(inst, report).routes
    assert [s.load_kg for s in route.stops] == pytest.approx([800, 0, 600, 0, 0])
    assert (route.reloads[0].arrival_min, route.reloads[0].departure_min) == (440, 470)
