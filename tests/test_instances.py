"""The bundled instances: they load, they are city days with everything in them, nothing is
unreachable, and the fleet can carry the demand (in as many trips as its vehicles may make)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from optimizer.formats import load
from optimizer.reach import unreachable_jobs

from .conftest import INSTANCES

# Replanning events (``*-events.json``) sit beside the days they change; tests/test_replan.py
# reads them.
FILES = sorted(p for p in INSTANCES.glob("*.json") if not p.name.endswith("-events.json"))


def test_there_are_instances() -> None:
    names = {p.name for p in FILES}
    assert {"city-day-small.json", "city-day.json"} <= names


@pytest.mark.parametrize("path", FILES, ids=[p.name for p in FILES])
def test_bundled_instance(path: Path) -> None:
    inst = load(path)
    carriers = {inst.type_by_id[v.type].carrier for v in inst.vehicles}
    assert {"diesel", "bev", "swap"} <= carriers
    assert inst.zones and any(t.banned_zones for t in inst.vehicle_types)
    assert any(len(s.tariff) > 1 for s in inst.stations), "a time-of-use tariff"
    assert any(s.kind == "swap" for s in inst.stations)
    assert any(s.curve and s.opening for s in inst.stations), "a charger with curve and hours"
    assert inst.shipments
    assert {j.kind for j in inst.jobs} == {"delivery", "pickup"}
    assert any(len(j.time_windows) >= 2 for j in inst.jobs)
    assert unreachable_jobs(inst) == {}
    demand = sum(j.weight_kg for j in inst.jobs) + sum(s.weight_kg for s in inst.shipments)
    # A vehicle that may make several trips carries its capacity once per trip.
    capacity = sum(
        v.count * inst.type_by_id[v.type].capacity_kg * inst.max_trips_of(v) for v in inst.vehicles
    )
    assert capacity >= 1.5 * demand
    # Some job lies in the zone where diesel may not go, and something else can serve it.
    diesel = [t for t in inst.vehicle_types if t.carrier == "diesel"]
    assert any(inst.banned(t, j.location) for t in diesel for j in inst.jobs)


def test_small_uses_km_and_large_uses_lon_lat() -> None:
    assert load(INSTANCES / "city-day-small.json").travel.metric == "euclidean"
    big = load(INSTANCES / "city-day.json")
    assert big.travel.metric == "haversine"
    assert 25 <= len(big.jobs) <= 40 and len(big.shipments) >= 3


def test_two_waves_needs_the_second_trip() -> None:
    """The multi-trip day: every vehicle may make two trips with a reload at the depot, the stores
    need more than one trip of the whole fleet, the mornings and the afternoons are apart."""
    inst = load(INSTANCES / "two-waves.json")
    assert inst.multi_trip
    assert all(inst.max_trips_of(v) == 2 for v in inst.vehicles)
    assert all(t.reload_min > 0 for t in inst.vehicle_types)
    one_trip_kg = sum(v.count * inst.type_by_id[v.type].capacity_kg for v in inst.vehicles)
    delivery_kg = sum(j.weight_kg for j in inst.jobs if j.kind == "delivery")
    assert one_trip_kg < delivery_kg < 2 * one_trip_kg
    assert 20 <= sum(j.kind == "delivery" for j in inst.jobs) <= 30
    morning = [
        j for j in inst.jobs if [(w.start_min, w.end_min) for w in j.time_windows] == [(360, 600)]
    ]
    afternoon = [
        j for j in inst.jobs if [(w.start_min, w.end_min) for w in j.time_windows] == [(840, 1080)]
    ]
    assert len(morning) >= 10 and len(afternoon) >= 10
    # A handful of electric vans and one diesel light truck.
    carriers = [inst.type_by_id[v.type].carrier for v in inst.vehicles for _ in range(v.count)]
    assert carriers.count("diesel") == 1 and len(carriers) == 5


def test_two_waves_is_what_its_script_writes() -> None:
    """The file is the script's output byte for byte (edit the script, not the file)."""
    spec = importlib.util.spec_from_file_location("make_two_waves", INSTANCES / "make_two_waves.py")
    assert spec is not None and spec.loader is not None
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    data = script.instance()
    script.check(data)
    assert script.text(data) == (INSTANCES / "two-waves.json").read_text(encoding="utf-8")
