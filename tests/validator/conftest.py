"""A tiny instance that touches every part of the model, and a feasible plan for it whose totals
are computed by hand in ``test_validate.py``.

Geometry (km; Euclidean; speed 60 km/h, so one km takes one minute). Every leg the plan drives is
a 3-4-5 triangle scaled by 10, or axis-parallel, so the distances are whole numbers:

====  ===========  =====================================================================
row   place        role
====  ===========  =====================================================================
0     D (0, 0)     the depot, open 360-1080, refill 0.15/kWh at 80 % efficiency, 0.6 kg/kWh
1     J1 (30, 40)  delivery 400 kg, window 500-600, 10 min; inside the diesel-free zone
2     J2 (0, 30)   delivery 300 kg 4 m3, windows 400-420 and 500-560, 20 min
3     J3 (40, 0)   pickup 150 kg 2 m3, window 600-700, 10 min
4     J4 (-30,-40) delivery 100 kg, no window, 5 min
5     J5 (90, 0)   delivery 50 kg 3 m3 (left unserved at a penalty of 1000)
6     SP (60, 40)  shipment S1 pickup, 200 kg 1 m3, window 700-800, 15 min
7     SD (0, 40)   shipment S1 delivery, window 780-900, 5 min
8     CH (60, 80)  charger: 90 kW to 80 %, then 30 kW; open 360-600 and 630-1200;
                   0.40/kWh, 0.25 from 600, 0.35 from 1020; fee 2; 80 % efficient;
                   grid 0.5 kg/kWh with 40 % green
9     SW (-60,-80) swap station: 5 min, 0.50/kWh, fee 5
====  ===========  =====================================================================

The diesel-free zone "core" is the square (20, 30)-(40, 50) around J1.
"""

from __future__ import annotations

import pytest

from optimizer.model import (
    CurveSegment,
    Depot,
    Instance,
    Job,
    Location,
    Objective,
    Shipment,
    ShipmentStop,
    Station,
    TariffPeriod,
    TimeWindow,
    Travel,
    Vehicle,
    VehicleType,
    Zone,
)
from optimizer.solution import Route, Solution, Stop, Totals

W = TimeWindow


def make_tiny() -> Instance:
    coords = {
        "D": (0.0, 0.0),
        "J1": (30.0, 40.0),
        "J2": (0.0, 30.0),
        "J3": (40.0, 0.0),
        "J4": (-30.0, -40.0),
        "J5": (90.0, 0.0),
        "SP": (60.0, 40.0),
        "SD": (0.0, 40.0),
        "CH": (60.0, 80.0),
        "SW": (-60.0, -80.0),
    }
    ix = {k: i for i, k in enumerate(coords)}
    return Instance(
        name="tiny",
        locations=tuple(Location(k, c) for k, c in coords.items()),
        depots=(
            Depot(
                "D",
                ix["D"],
                opening=W(360, 1080),
                energy_price_per_kwh=0.15,
                grid_co2e_kg_per_kwh=0.6,
                charging_efficiency=0.8,
            ),
        ),
        vehicle_types=(
            VehicleType(
                "diesel-truck",
                "diesel",
                capacity_kg=1000,
                capacity_m3=5,
                consumption_per_km_empty=0.25,
                consumption_per_km_full=0.35,
                fixed_cost=100,
                cost_per_km=0.5,
                cost_per_hour=30,
                fuel_price_per_unit=1.6,
                banned_zones=("core",),
            ),
            VehicleType(
                "bev-van",
                "bev",
                capacity_kg=1000,
                battery_kwh=100,
                reserve_kwh=10,
                consumption_per_km_empty=0.5,
                consumption_per_km_full=0.75,
                fixed_cost=120,
                cost_per_km=0.3,
                cost_per_hour=30,
                max_duration_min=600,
            ),
            VehicleType(
                "swap-van",
                "swap",
                capacity_kg=350,
                battery_kwh=50,
                reserve_kwh=5,
                consumption_per_km_empty=0.4,
                fixed_cost=80,
                cost_per_km=0.2,
                cost_per_hour=20,
            ),
        ),
        vehicles=(
            Vehicle("truck", "diesel-truck", "D", max_duration_min=300),
            Vehicle("ev", "bev-van", "D", count=2, shift=W(480, 1020), initial_soc=0.9),
            Vehicle("swapper", "swap-van", "D", shift=W(420, 900)),
        ),
        jobs=(
            Job("J1", ix["J1"], "delivery", 400, 0, (W(500, 600),), 10),
            Job("J2", ix["J2"], "delivery", 300, 4, (W(400, 420), W(500, 560)), 20),
            Job("J3", ix["J3"], "pickup", 150, 2, (W(600, 700),), 10),
            Job("J4", ix["J4"], "delivery", 100, 0, (), 5),
            Job("J5", ix["J5"], "delivery", 50, 3, (), 5),
        ),
        shipments=(
            Shipment(
                "S1",
                ShipmentStop(ix["SP"], (W(700, 800),), 15),
                ShipmentStop(ix["SD"], (W(780, 900),), 5),
                weight_kg=200,
                volume_m3=1,
            ),
        ),
        stations=(
            Station(
                "CH",
                ix["CH"],
                "charger",
                curve=(CurveSegment(0.8, 90), CurveSegment(1.0, 30)),
                opening=(W(360, 600), W(630, 1200)),
                tariff=(TariffPeriod(0, 0.40), TariffPeriod(600, 0.25), TariffPeriod(1020, 0.35)),
                fee_per_visit=2.0,
                grid_co2e_kg_per_kwh=0.5,
                green_share=0.4,
                charging_efficiency=0.8,
            ),
            Station(
                "SW",
                ix["SW"],
                "swap",
                swap_min=5,
                tariff=(TariffPeriod(0, 0.5),),
                fee_per_visit=5.0,
            ),
        ),
        zones=(Zone("core", ((20, 30), (40, 30), (40, 50), (20, 50))),),
        travel=Travel("euclidean", speed_kmh=60.0),
        objective=Objective("cost", carbon_price_per_t_co2e=100.0, unserved_penalty=1000.0),
    )


def depot() -> Stop:
    return Stop("depot", "D")


def job(ref: str) -> Stop:
    return Stop("job", ref)


#: Routes of the feasible plan, by index (the tests break them by index).
TRUCK, EV, SWAPPER, EV_IDLE = 0, 1, 2, 3

#: The hand-computed totals of the feasible plan (the arithmetic is in test_validate.py).
EXPECTED_TOTALS = Totals(
    distance_km=560.0,
    duration_min=860.0,
    vehicles_used=3,
    cost={
        "fixed": 300.0,
        "distance": 172.0,
        "time": 395.0,
        "energy": 115.775,
        "carbon": 24.6005,
        "penalty": 1000.0,
        "total": 2007.3755,
    },
    energy={"diesel": 31.5, "bev": 128.0, "swap": 80.0},
    co2e_wtw_kg=246.005,
)


def make_plan(totals: Totals | None = None) -> Solution:
    """The feasible plan: sparse stops (only the charge at CH is given), optionally with totals."""
    return Solution(
        "tiny",
        (
            Route("truck", (depot(), job("J2"), job("J3"), depot())),
            Route(
                "ev",
                (
                    depot(),
                    job("J1"),
                    Stop("station", "CH", charged_kwh=55.0),
                    Stop("pickup", "S1"),
                    Stop("delivery", "S1"),
                    depot(),
                ),
            ),
            Route("swapper", (depot(), job("J4"), Stop("station", "SW"), depot())),
            Route("ev", (depot(), depot()), unit=1),
        ),
        unserved=("J5",),
        totals=totals if totals is not None else Totals(),
    )


@pytest.fixture
def tiny() -> Instance:
    return make_tiny()


@pytest.fixture
def plan() -> Solution:
    """The feasible plan reporting the hand-computed totals."""
    return make_plan(EXPECTED_TOTALS)
