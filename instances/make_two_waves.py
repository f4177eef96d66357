"""Write ``two-waves.json``: a Shenzhen store day served in two waves, a morning and an afternoon trip.

Run from anywhere: ``python instances/make_two_waves.py``. Deterministic (no random numbers):
the same script gives a byte-identical file, and ``tests/test_instances.py`` checks that the
bundled file is what this script writes, so the day can be edited here and reviewed as a diff.

Why a script and not a hand-written file: the point of the day is a ratio (the stores need more
than the fleet carries in one trip each, and less than it carries in two), and the script asserts
that ratio every time the file is written instead of leaving it to arithmetic in a README.

The day (lon/lat degrees, road = great circle x 1.3 at 40 km/h, money in CNY):

- one depot, a convenience-store chain's city distribution centre in Longhua, open 05:00-22:00;
- the fleet: three battery-electric vans (1.5 t), a battery-swap van (1.4 t) and a 4.2 m diesel
  light truck (3 t), 8.9 t in one trip each; every type may make two trips a shift
  (``max_trips: 2``), reloading at the depot for 20 min (vans) or 30 min (the truck);
- the diesel truck may not stop in the Futian-Luohu core (``zones[futian-luohu-core]``): the
  core's stores are for the electric vans;
- 26 stores to deliver: 13 take goods 06:00-10:00 (fresh food before the morning rush), 11 take
  goods 14:00-18:00 (restocking before the evening), 2 take either window; 3 stores hand back
  returns and crates (pickups, afternoon) and one central kitchen sends a shipment to a café;
- the Guangdong time-of-use tariff at the chargers (valley 0.247 before 08:00, peak 1.105
  10:00-12:00 and 14:00-19:00, flat 0.65 otherwise), one charger with a curve and opening hours,
  a swap station for the swap van.

Weights are chosen so that delivery weight (9.8 t) is above the fleet's one-trip capacity (8.9 t)
and all demand (10.6 t) is below two trips (17.8 t) over 1.5: one trip per vehicle cannot serve
every store, two can, with the margin every bundled instance keeps.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from optimizer.generate import TOU_PERIODS

HERE = Path(__file__).resolve().parent
OUT = HERE / "two-waves.json"

MORNING: list[list[float]] = [[360, 600]]  # 06:00-10:00
AFTERNOON: list[list[float]] = [[840, 1080]]  # 14:00-18:00
EITHER: list[list[float]] = [[360, 600], [840, 1080]]
#: The Guangdong time-of-use tariff the generator uses (``optimizer.generate.TOU_PERIODS``).
TOU = [{"from_min": int(t), "price_per_kwh": p} for t, p in TOU_PERIODS]
CORE = "futian-luohu-core"

#: (id, lon, lat): the depot, the stations, then every customer place.
PLACES: list[tuple[str, float, float]] = [
    ("depot-longhua-dc", 114.044, 22.640),
    ("chg-futian-hub", 114.070, 22.526),
    ("chg-longhua-depot-road", 114.030, 22.646),
    ("swap-minzhi", 114.036, 22.618),
    # Futian and Luohu (inside the core: electric vans only)
    ("futian-cbd-store", 114.058, 22.534),
    ("futian-lianhua-store", 114.060, 22.553),
    ("chegongmiao-store", 114.024, 22.537),
    ("huaqiangbei-store", 114.086, 22.546),
    ("huaqiangbei-cafe", 114.083, 22.542),
    ("dongmen-store", 114.121, 22.549),
    ("luohu-station-store", 114.117, 22.533),
    ("sungang-store", 114.108, 22.566),
    # Nanshan
    ("nanshan-techpark-store", 113.948, 22.541),
    ("houhai-store", 113.938, 22.518),
    ("xili-store", 113.952, 22.582),
    ("shekou-store", 113.917, 22.487),
    # Longhua, Minzhi, Bantian, Buji (outside the core)
    ("longhua-square-store", 114.041, 22.656),
    ("minzhi-store", 114.030, 22.621),
    ("minzhi-metro-store", 114.040, 22.612),
    ("qinghu-store", 114.026, 22.677),
    ("guanlan-store", 114.055, 22.718),
    ("bantian-campus-store", 114.066, 22.627),
    ("bantian-north-store", 114.072, 22.645),
    ("buji-market-store", 114.121, 22.603),
    ("buji-south-store", 114.116, 22.592),
    ("meilin-store", 114.041, 22.570),
    ("meilin-north-store", 114.047, 22.585),
    ("shangmeilin-store", 114.060, 22.571),
    ("xinzhou-store", 114.032, 22.520),
    ("longhua-central-kitchen", 114.050, 22.662),
]

#: (id, kind, kg, m3, windows, service min). Morning 13 + afternoon 11 + either 2 deliveries.
JOBS: list[tuple[str, str, float, float, list[list[float]], float]] = [
    # Morning wave: fresh food and bread before 10:00.
    ("futian-cbd-store", "delivery", 420, 1.8, MORNING, 15),
    ("futian-lianhua-store", "delivery", 380, 1.6, MORNING, 12),
    ("huaqiangbei-store", "delivery", 450, 1.9, MORNING, 15),
    ("dongmen-store", "delivery", 400, 1.7, MORNING, 15),
    ("nanshan-techpark-store", "delivery", 390, 1.6, MORNING, 12),
    ("shekou-store", "delivery", 360, 1.5, MORNING, 12),
    ("longhua-square-store", "delivery", 380, 1.6, MORNING, 12),
    ("minzhi-store", "delivery", 360, 1.5, MORNING, 12),
    ("qinghu-store", "delivery", 330, 1.4, MORNING, 10),
    ("bantian-campus-store", "delivery", 420, 1.8, MORNING, 15),
    ("buji-market-store", "delivery", 450, 1.9, MORNING, 15),
    ("meilin-store", "delivery", 350, 1.5, MORNING, 12),
    ("xinzhou-store", "delivery", 360, 1.5, MORNING, 12),
    # Afternoon wave: dry goods and drinks before the evening.
    ("chegongmiao-store", "delivery", 400, 1.7, AFTERNOON, 15),
    ("luohu-station-store", "delivery", 420, 1.8, AFTERNOON, 15),
    ("sungang-store", "delivery", 380, 1.6, AFTERNOON, 12),
    ("houhai-store", "delivery", 400, 1.7, AFTERNOON, 12),
    ("xili-store", "delivery", 370, 1.5, AFTERNOON, 12),
    ("minzhi-metro-store", "delivery", 360, 1.5, AFTERNOON, 12),
    ("guanlan-store", "delivery", 340, 1.4, AFTERNOON, 10),
    ("bantian-north-store", "delivery", 400, 1.7, AFTERNOON, 12),
    ("buji-south-store", "delivery", 430, 1.8, AFTERNOON, 15),
    ("meilin-north-store", "delivery", 360, 1.5, AFTERNOON, 12),
    ("shangmeilin-store", "delivery", 380, 1.6, AFTERNOON, 12),
    # Either wave: a café that takes goods in both windows, and the Longhua square store's
    # bulky drinks (a second job at that store: its back door takes them at either time).
    ("huaqiangbei-cafe", "delivery", 180, 0.8, EITHER, 10),
    ("longhua-square-store-drinks", "delivery", 240, 1.0, EITHER, 10),
]
#: Returns and crates handed back in the afternoon (pickups).
PICKUPS: list[tuple[str, str, float, float, list[list[float]], float]] = [
    ("dongmen-returns", "pickup", 180, 1.2, AFTERNOON, 10),
    ("bantian-campus-crates", "pickup", 150, 1.5, AFTERNOON, 10),
    ("buji-market-crates", "pickup", 200, 1.8, [], 10),
]
#: Job id -> place id, where they differ.
JOB_PLACE = {
    "longhua-square-store-drinks": "longhua-square-store",
    "dongmen-returns": "dongmen-store",
    "bantian-campus-crates": "bantian-campus-store",
    "buji-market-crates": "buji-market-store",
}

VEHICLE_TYPES: list[dict[str, Any]] = [
    {
        "id": "e-van",
        "carrier": "bev",
        "capacity_kg": 1500,
        "capacity_m3": 12,
        "battery_kwh": 50,
        "reserve_kwh": 5,
        "consumption_per_km_empty": 0.20,
        "consumption_per_km_full": 0.30,
        "fixed_cost": 250,
        "cost_per_km": 0.3,
        "cost_per_hour": 45,
        "max_trips": 2,
        "reload_min": 20,
    },
    {
        "id": "swap-van",
        "carrier": "swap",
        "capacity_kg": 1400,
        "capacity_m3": 12,
        "battery_kwh": 40,
        "reserve_kwh": 4,
        "consumption_per_km_empty": 0.20,
        "consumption_per_km_full": 0.30,
        "fixed_cost": 240,
        "cost_per_km": 0.3,
        "cost_per_hour": 45,
        "max_trips": 2,
        "reload_min": 20,
    },
    {
        "id": "diesel-light-truck",
        "carrier": "diesel",
        "capacity_kg": 3000,
        "capacity_m3": 16,
        "consumption_per_km_empty": 0.161,  # L/km, light truck (README, baselines)
        "consumption_per_km_full": 0.192,
        "fuel_price_per_unit": 7.5,
        "fixed_cost": 300,
        "cost_per_km": 0.6,
        "cost_per_hour": 45,
        "banned_zones": [CORE],
        "max_trips": 2,
        "reload_min": 30,
    },
]
SHIFT = [330, 1170]  # 05:30-19:30
VEHICLES: list[dict[str, Any]] = [
    {"id": "van", "type": "e-van", "count": 3, "initial_soc": 0.9},
    {"id": "swap-van", "type": "swap-van", "initial_soc": 0.8},
    {"id": "truck", "type": "diesel-light-truck"},
]
STATIONS: list[dict[str, Any]] = [
    {
        "id": "chg-futian-hub",
        "kind": "charger",
        "curve": [
            {"up_to_soc": 0.8, "power_kw": 120},
            {"up_to_soc": 0.95, "power_kw": 60},
            {"up_to_soc": 1.0, "power_kw": 20},
        ],
        "chargers": 4,
        "opening": [[360, 1380]],
        "tariff": TOU,
        "fee_per_kwh": 0.7,
        "charging_efficiency": 0.92,
    },
    {
        "id": "chg-longhua-depot-road",
        "kind": "charger",
        "power_kw": 60,
        "chargers": 2,
        "tariff": TOU,
        "charging_efficiency": 0.92,
    },
    {
        "id": "swap-minzhi",
        "kind": "swap",
        "swap_min": 5,
        "chargers": 2,
        "tariff": [{"from_min": 0, "price_per_kwh": 1.2}],
        "charging_efficiency": 0.9,
    },
]


def instance() -> dict[str, Any]:
    """The day as a native-format dictionary (every field a reader needs, defaults left out)."""
    depot = PLACES[0][0]
    jobs = [
        {
            "id": jid,
            "location": JOB_PLACE.get(jid, jid),
            "kind": kind,
            "weight_kg": kg,
            "volume_m3": m3,
            "time_windows": windows,
            "service_min": service,
        }
        for jid, kind, kg, m3, windows, service in JOBS + PICKUPS
    ]
    return {
        "format": "optimizer-instance",
        "version": 1,
        "name": "two-waves",
        "grid_region": "south",
        "meta": {
            "format": "native",
            "source": "instances/make_two_waves.py, see instances/README.md",
            "note": "Shenzhen convenience stores from a Longhua DC in a morning and an afternoon "
            "wave: every vehicle may make two trips (max_trips 2) with a reload at the depot; "
            "lon/lat, road = great circle x 1.3 at 40 km/h; money in CNY.",
        },
        "locations": [{"id": pid, "coordinates": [lon, lat]} for pid, lon, lat in PLACES],
        "travel": {"metric": "haversine", "detour_factor": 1.3, "speed_kmh": 40.0},
        "depots": [
            {
                "id": depot,
                "location": depot,
                "opening": [300, 1320],
                "energy_price_per_kwh": 0.25,
                "charging_efficiency": 0.92,
            }
        ],
        "zones": [
            {
                "id": CORE,
                "polygon": [
                    [114.020, 22.515],
                    [114.140, 22.515],
                    [114.140, 22.575],
                    [114.020, 22.575],
                ],
            }
        ],
        "vehicle_types": VEHICLE_TYPES,
        "vehicles": [{**v, "start_depot": depot, "shift": SHIFT} for v in VEHICLES],
        "stations": [{**s, "location": s["id"]} for s in STATIONS],
        "jobs": jobs,
        "shipments": [
            {
                "id": "kitchen-to-huaqiangbei-cafe",
                "weight_kg": 300,
                "volume_m3": 1.2,
                "pickup": {
                    "location": "longhua-central-kitchen",
                    "time_windows": [[330, 420]],
                    "service_min": 15,
                },
                "delivery": {
                    "location": "huaqiangbei-cafe",
                    "time_windows": [[420, 600]],
                    "service_min": 10,
                },
            }
        ],
        "objective": {
            "kind": "cost",
            "carbon_price_per_t_co2e": 80,
            "unserved_penalty": None,
            "currency": "CNY",
        },
        "rules": {"full_recharge": False, "instant_charging": False},
    }


def check(data: dict[str, Any]) -> None:
    """The ratio the day is made for: deliveries above one trip per vehicle, all demand within
    two trips with the 1.5 margin of every bundled instance."""
    cap = {t["id"]: t["capacity_kg"] for t in data["vehicle_types"]}
    trips = {t["id"]: t["max_trips"] for t in data["vehicle_types"]}
    one_trip_kg = sum(v.get("count", 1) * cap[v["type"]] for v in data["vehicles"])
    all_trips_kg = sum(
        v.get("count", 1) * cap[v["type"]] * trips[v["type"]] for v in data["vehicles"]
    )
    delivery_kg = sum(j["weight_kg"] for j in data["jobs"] if j["kind"] == "delivery")
    demand_kg = sum(j["weight_kg"] for j in data["jobs"]) + sum(
        s["weight_kg"] for s in data["shipments"]
    )
    assert one_trip_kg < delivery_kg, (one_trip_kg, delivery_kg)
    assert 1.5 * demand_kg <= all_trips_kg, (demand_kg, all_trips_kg)
    assert len({j["id"] for j in data["jobs"]}) == len(data["jobs"])


def text(data: dict[str, Any]) -> str:
    """The file: top-level keys one per line, each list item on a line of its own (a diff shows
    which store or vehicle changed)."""

    def one(x: Any) -> str:
        return json.dumps(x, ensure_ascii=False)

    parts = []
    for key, value in data.items():
        if isinstance(value, list) and value and isinstance(value[0], dict):
            items = ",\n".join(f"  {one(item)}" for item in value)
            parts.append(f" {one(key)}: [\n{items}\n ]")
        else:
            parts.append(f" {one(key)}: {one(value)}")
    return "{\n" + ",\n".join(parts) + "\n}\n"


def main() -> None:
    data = instance()
    check(data)
    OUT.write_text(text(data), encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
