"""The bundled instances: they load, they are city days with everything in them, nothing is
unreachable, and the fleet can carry the demand."""

from __future__ import annotations

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
    capacity = sum(v.count * inst.type_by_id[v.type].capacity_kg for v in inst.vehicles)
    assert capacity >= 1.5 * demand
    # Some job lies in the zone where diesel may not go, and something else can serve it.
    diesel = [t for t in inst.vehicle_types if t.carrier == "diesel"]
    assert any(inst.banned(t, j.location) for t in diesel for j in inst.jobs)


def test_small_uses_km_and_large_uses_lon_lat() -> None:
    assert load(INSTANCES / "city-day-small.json").travel.metric == "euclidean"
    big = load(INSTANCES / "city-day.json")
    assert big.travel.metric == "haversine"
    assert 25 <= len(big.jobs) <= 40 and len(big.shipments) >= 3
