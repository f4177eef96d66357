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
