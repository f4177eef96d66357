"""One electric truck, one charge, one delivery: a plan whose every run-sheet figure is worked out
by hand below, shared by the run sheet, CSV, GeoJSON and VROOM tests.

Euclidean km at 60 km/h, so a km is a minute and (at 1 kWh/km, empty or full) a kWh:

- leaves the depot (0, 0) at 06:00 with 50 kWh of 100 and 1,000 kg;
- reaches the charger (20, 0) at 06:20 with 30 kWh; charges 40 kWh at 60 kW = 40 min, leaves
  06:60 = 07:00 with 70 kWh; pays 40 kWh x 0.5 + 2 (visit fee) = 22;
- reaches the shop (40, 0) at 07:20 with 50 kWh, waits for its window until 08:00, unloads for
  30 min, leaves 08:30 empty;
- is back at the depot at 09:10 (40 km) with 10 kWh.

Cost: fixed 100 + 80 km x 1 = 180, energy 22 (the depot refill is free), total 202.
"""

from __future__ import annotations

from typing import Any

from optimizer.formats.native import instance_from_dict, solution_from_dict
from optimizer.model import Instance
from optimizer.solution import Solution

DAY: dict[str, Any] = {
    "format": "optimizer-instance",
    "version": 1,
    "name": "one-charge",
    "locations": [
        {"id": "hub", "coordinates": [0, 0]},
        {"id": "plug", "coordinates": [20, 0]},
        {"id": "shop", "coordinates": [40, 0]},
    ],
    "travel": {"metric": "euclidean", "speed_kmh": 60},
    "depots": [{"id": "depot", "location": "hub", "opening": [360, 1200]}],
    "jobs": [
        {
            "id": "order-1",
            "location": "shop",
            "weight_kg": 1000,
            "time_windows": [[480, 600]],
            "service_min": 30,
        }
    ],
    "vehicle_types": [
        {
            "id": "e-truck",
            "carrier": "bev",
            "capacity_kg": 10000,
            "battery_kwh": 100,
            "consumption_per_km_empty": 1.0,
            "consumption_per_km_full": 1.0,
            "fixed_cost": 100,
            "cost_per_km": 1.0,
        }
    ],
    "vehicles": [{"id": "ev", "type": "e-truck", "start_depot": "depot", "initial_soc": 0.5}],
    "stations": [
        {
            "id": "fast",
            "location": "plug",
            "kind": "charger",
            "power_kw": 60,
            "tariff": [{"from_min": 0, "price_per_kwh": 0.5}],
            "fee_per_visit": 2,
            # Every kWh bought reaches the battery (the native default is 0.92), so that the
            # figures below stay whole numbers.
            "charging_efficiency": 1.0,
        }
    ],
    "objective": {"kind": "cost", "currency": "EUR"},
}

PLAN: dict[str, Any] = {
    "format": "optimizer-solution",
    "version": 1,
    "instance": "one-charge",
    "routes": [
        {
            "vehicle": "ev",
            "stops": [
                {"kind": "depot", "ref": "depot", "departure_min": 360},
                {"kind": "station", "ref": "fast", "charged_kwh": 40},
                {"kind": "job", "ref": "order-1"},
                {"kind": "depot", "ref": "depot"},
            ],
        }
    ],
}


def instance() -> Instance:
    return instance_from_dict(DAY)


def plan() -> Solution:
    return solution_from_dict(PLAN)
