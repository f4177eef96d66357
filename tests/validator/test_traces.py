"""The per-arc and per-charge figures the validator exposes for carbon accounting (``Report.traces``).

The figures are those worked out by hand in ``test_validate.py`` for the plan of ``conftest.py``.
"""

from __future__ import annotations

import math

import pytest

from optimizer.model import Instance
from optimizer.solution import Solution
from optimizer.validator import validate

from .conftest import EV, EV_IDLE, SWAPPER, TRUCK


def test_one_trace_per_route_and_totals_unchanged(tiny: Instance, plan: Solution) -> None:
    report = validate(tiny, plan)
    assert report.feasible, report.summary()
    assert len(report.traces) == len(plan.routes)
    assert not report.traces[EV_IDLE].used
    assert report.traces[EV_IDLE].charges == ()
    # The traces add up to the totals the validator reports.
    used = [t for t in report.traces if t.used]
    assert math.fsum(t.co2e_wtw_kg for t in used) == pytest.approx(246.005)
    assert math.fsum(t.distance_km for t in used) == pytest.approx(560.0)


def test_diesel_legs_carry_load_and_fuel(tiny: Instance, plan: Solution) -> None:
    trace = validate(tiny, plan).traces[TRUCK]
    assert trace.carrier == "diesel" and trace.vehicle_type == "diesel-truck"
    # D->J2 30 km with 300 kg (8.4 L), J2->J3 50 km empty (12.5 L), J3->D 40 km with 150 kg (10.6 L).
    assert [leg.to_stop for leg in trace.legs] == [1, 2, 3]
    assert [leg.distance_km for leg in trace.legs] == pytest.approx([30, 50, 40])
    assert [leg.load_kg for leg in trace.legs] == pytest.approx([300, 0, 150])
    assert [leg.energy for leg in trace.legs] == pytest.approx([8.4, 12.5, 10.6])
    assert trace.legs[0].duration_min == pytest.approx(30.0)
    assert trace.charges == ()  # fuel is not "charged": its emissions follow the litres
    assert trace.energy == pytest.approx(31.5)


def test_electric_charges_at_station_and_depot(tiny: Instance, plan: Solution) -> None:
    trace = validate(tiny, plan).traces[EV]
    assert [leg.energy for leg in trace.legs] == pytest.approx([30, 25, 20, 33, 20])
    station, depot = trace.charges
    # 55 kWh at CH, 80 % efficient: 68.75 grid kWh at 0.5 kg/kWh (location-based: the 40 % green
    # share states no instrument, and never lowers the location-based factor).
    assert (station.stop, station.place, station.kind) == (2, "CH", "charger")
    assert station.battery_kwh == pytest.approx(55.0)
    assert station.grid_kwh == pytest.approx(68.75)
    assert station.co2e_kg_per_kwh == pytest.approx(0.5)
    assert station.cost == pytest.approx(19.1875)
    # Refill 90 - 17 = 73 kWh at the depot, 80 % efficient: 91.25 grid kWh at 0.6 kg/kWh.
    assert (depot.stop, depot.place, depot.kind) == (None, "D", "depot")
    assert depot.grid_kwh == pytest.approx(91.25)
    assert depot.co2e_wtw_kg == pytest.approx(54.75)
    assert depot.cost == pytest.approx(13.6875)
    assert station.co2e_wtw_kg + depot.co2e_wtw_kg == pytest.approx(trace.co2e_wtw_kg)


def test_swap_counts_the_fresh_pack(tiny: Instance, plan: Solution) -> None:
    trace = validate(tiny, plan).traces[SWAPPER]
    swap, depot = trace.charges
    assert swap.kind == "swap" and swap.battery_kwh == pytest.approx(40.0)
    assert swap.co2e_wtw_kg == pytest.approx(24.82)
    assert depot.co2e_wtw_kg == pytest.approx(30.0)
