"""``optimizer info``: the counts are right, the text fits one screen, the summary is JSON."""

from __future__ import annotations

import json

from optimizer.formats import load
from optimizer.generate import generate
from optimizer.info import format_info, range_empty_km, summarize
from optimizer.model import Depot, Instance, Job, Location, Travel, Vehicle, VehicleType

from .conftest import INSTANCES


def test_small_bundled_instance() -> None:
    inst = load(INSTANCES / "city-day-small.json")
    text = format_info(inst)
    assert text.splitlines()[0].startswith("city-day-small")
    for part in (
        "Locations 18",
        "depots 1",
        "shipments 2",
        "zones 1: old-town (banned for diesel-tractor)",
        "Jobs 10: 8 deliveries, 2 pickups",
        "Fleet: 5 vehicles in 4 entries",
        "Stations 3: 2 chargers 120-240 kW",
        "1 swap (5 min)",
        "Demand 32,020 kg of 91,000 kg",
        "Unreachable jobs: none found",
        "every job must be served",
    ):
        assert part in text, part
    # The bev tractor: (423 - 42) / 1.0 = 381 km empty, starting at 25 %.
    bev = next(line for line in text.splitlines() if line.strip().startswith("bev-1"))
    assert "381" in bev and "25%" in bev


def test_large_bundled_instance() -> None:
    inst = load(INSTANCES / "city-day.json")
    s = summarize(inst)
    assert s["counts"]["jobs"] == len(inst.jobs) == 30
    assert s["counts"]["shipments"] == 6
    assert s["counts"]["stations_by_kind"] == {"charger": 3, "swap": 2}
    text = format_info(inst)
    assert f"Jobs {len(inst.jobs)}:" in text
    assert "shipments 6" in text


def test_summary_is_plain_json() -> None:
    s = summarize(generate(200, 1))
    json.dumps(s, allow_nan=False)
    assert s["fleet"][0]["range_empty_km"] is None  # diesel
    assert s["fleet"][1]["range_empty_km"] == 381.0


def test_one_screen_for_2000_jobs() -> None:
    text = format_info(generate(2_000, 5))
    lines = text.splitlines()
    assert len(lines) <= 40
    assert "Jobs 1,800" in text and "shipments 200" in text


def test_unreachable_list_is_cut_at_ten() -> None:
    truck = VehicleType("truck", "diesel", capacity_kg=1_000.0)
    inst = Instance(
        name="heavy",
        locations=(Location("d", (0.0, 0.0)), Location("x", (1.0, 0.0))),
        depots=(Depot("d", 0),),
        vehicle_types=(truck,),
        vehicles=(Vehicle("v", "truck", "d"),),
        jobs=tuple(Job(f"j{k:02d}", 1, weight_kg=2_000.0) for k in range(15)),
        travel=Travel(),
    )
    text = format_info(inst)
    assert "Unreachable jobs: 15 of 15" in text
    assert "  j00: too heavy: 2000 kg, the largest capacity is 1000 kg" in text
    assert "j09" in text and "j10" not in text
    assert text.rstrip().endswith("... and 5 more")
    assert "demand exceeds" in text
    # The fleet's own line: 30 t of deliveries against one 1 t truck, trips counted.
    assert (
        "Fleet short: the delivery jobs weigh 30000 kg together; the fleet"
        " (1 vehicle) carries at most 1000 kg on all its trips" in text
    )
    assert summarize(inst)["fleet_shortfall"].startswith("the delivery jobs weigh 30000 kg")


def test_many_vehicle_entries_are_cut() -> None:
    truck = VehicleType("truck", "diesel", capacity_kg=1_000.0)
    inst = Instance(
        name="many",
        locations=(Location("d", (0.0, 0.0)),),
        depots=(Depot("d", 0),),
        vehicle_types=(truck,),
        vehicles=tuple(Vehicle(f"v{k:02d}", "truck", "d", count=2) for k in range(20)),
    )
    text = format_info(inst)
    assert "v11" in text and "v12" not in text
    assert "  ... and 8 more entries (16 vehicles)" in text
    assert "Stations: none" in text


def test_range_empty_km() -> None:
    vt = VehicleType("v", "bev", 1_000.0, 0.2, battery_kwh=50.0, reserve_kwh=5.0)
    assert range_empty_km(vt) == 225.0
    assert range_empty_km(VehicleType("d", "diesel", 1_000.0, 0.3)) is None
