"""The all-diesel baseline is a solved, valid plan of a diesel copy of the fleet."""

from __future__ import annotations

import math

import pytest

from optimizer.carbon.diesel import diesel_equivalent
from optimizer.formats import load
from optimizer.studies.baseline import solve_diesel_baseline
from optimizer.validator import validate
from tests.carbon.worked_example import make_instance
from tests.conftest import INSTANCES


def test_diesel_equivalent_keeps_the_fleet_and_changes_the_energy() -> None:
    inst = load(INSTANCES / "city-day-small.json")
    base = diesel_equivalent(inst)
    assert all(t.carrier == "diesel" and t.battery_kwh is None for t in base.vehicle_types)
    assert base.stations == ()
    assert [v.count for v in base.vehicles] == [v.count for v in inst.vehicles]
    assert [j.id for j in base.jobs] == [j.id for j in inst.jobs]
    for old, new in zip(inst.vehicle_types, base.vehicle_types, strict=True):
        assert (new.id, new.capacity_kg, new.capacity_m3) == (
            old.id,
            old.capacity_kg,
            old.capacity_m3,
        )
        assert new.speed_factor == old.speed_factor and new.banned_zones == old.banned_zones
    bev = base.type_by_id["bev-tractor"]
    # 1.0-1.7 kWh/km becomes the research notes' diesel tractor, 0.24-0.38 L/km.
    assert bev.consumption_per_km_empty == pytest.approx(0.24)
    assert bev.full_rate_per_km == pytest.approx(0.38)
    assert bev.fuel_price_per_unit == inst.type_by_id["diesel-tractor"].fuel_price_per_unit


def test_baseline_is_solved_valid_and_accounted() -> None:
    inst = load(INSTANCES / "city-day-small.json")
    b = solve_diesel_baseline(inst, time_limit_s=1.5, seed=1)
    report = validate(b.instance, b.solution)
    assert report.feasible, report.summary()
    assert not b.solution.unserved
    assert set(b.account.by_carrier) == {"diesel"}
    assert b.wtw_kg == pytest.approx(report.totals.co2e_wtw_kg)
    # 3.24 kg WTW per litre, every litre.
    assert b.wtw_kg == pytest.approx(3.24 * b.account.by_carrier["diesel"].energy)
    for trip in b.account.trips:
        total = math.fsum(s.wtw_kg for s in trip.shipments)
        assert abs(total - trip.wtw_kg) <= 1e-9
    d = b.to_dict()
    assert d["seed"] == 1 and d["co2e_wtw_kg"] == pytest.approx(b.wtw_kg)


def test_worked_example_baseline_emits_more_than_the_mixed_plan() -> None:
    inst = make_instance()
    b = solve_diesel_baseline(inst, time_limit_s=1.0, seed=0)
    assert validate(b.instance, b.solution).feasible
    # The mixed plan emits 635.48 kg; two diesel tractors over the same 800 km need at least
    # 0.25 L/km * 800 km * 3.24 = 648 kg.
    assert b.wtw_kg >= 648.0 - 1e-6
