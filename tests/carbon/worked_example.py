"""The worked example of the carbon tests: one diesel tractor and one battery tractor, two
shipments each, on a straight road (x in km, y = 0; Euclidean; 60 km/h). The arithmetic is in
``tests/carbon/test_accounting.py``.

====  ======  ===========================================================================
row   x (km)  role
====  ======  ===========================================================================
0     0       D, the depot: refill at 0.9 efficiency, grid 0.6 kg CO2e/kWh, 0.20 per kWh
1     100     J1, delivery 10 t (diesel)
2     200     J2, delivery 6 t (diesel)
3     -50     J3, delivery 10 t (battery)
4     -100    SP, pickup of shipment S1, 10 t (battery)
5     -150    CH, charger 100 kW, 0.8 efficiency, grid 0.5 with 20 % green, 0.30 per kWh
6     -200    SD, delivery of shipment S1
====  ======  ===========================================================================
"""

from __future__ import annotations

from optimizer.model import (
    Depot,
    Instance,
    Job,
    Location,
    Objective,
    Shipment,
    ShipmentStop,
    Station,
    TariffPeriod,
    Travel,
    Vehicle,
    VehicleType,
)
from optimizer.solution import Route, Solution, Stop

X = {"D": 0.0, "J1": 100.0, "J2": 200.0, "J3": -50.0, "SP": -100.0, "CH": -150.0, "SD": -200.0}
IX = {k: i for i, k in enumerate(X)}


def make_instance() -> Instance:
    """The two-tractor line instance (every job must be served; carbon priced at 80 per t)."""
    return Instance(
        name="worked-carbon",
        locations=tuple(Location(k, (x, 0.0)) for k, x in X.items()),
        depots=(
            Depot(
                "D",
                IX["D"],
                energy_price_per_kwh=0.2,
                grid_co2e_kg_per_kwh=0.6,
                charging_efficiency=0.9,
            ),
        ),
        vehicle_types=(
            VehicleType(
                "tractor-diesel",
                "diesel",
                capacity_kg=20_000,
                consumption_per_km_empty=0.25,
                consumption_per_km_full=0.35,
                fuel_price_per_unit=7.0,
                fixed_cost=500,
                cost_per_km=0.5,
            ),
            VehicleType(
                "tractor-bev",
                "bev",
                capacity_kg=20_000,
                battery_kwh=400,
                reserve_kwh=40,
                consumption_per_km_empty=1.0,
                consumption_per_km_full=1.5,
                fixed_cost=500,
                cost_per_km=0.5,
            ),
        ),
        vehicles=(
            Vehicle("dsl", "tractor-diesel", "D"),
            Vehicle("ev", "tractor-bev", "D", initial_soc=1.0),
        ),
        jobs=(
            Job("J1", IX["J1"], "delivery", 10_000),
            Job("J2", IX["J2"], "delivery", 6_000),
            Job("J3", IX["J3"], "delivery", 10_000),
        ),
        shipments=(
            Shipment("S1", ShipmentStop(IX["SP"]), ShipmentStop(IX["SD"]), weight_kg=10_000),
        ),
        stations=(
            Station(
                "CH",
                IX["CH"],
                power_kw=100,
                tariff=(TariffPeriod(0, 0.3),),
                grid_co2e_kg_per_kwh=0.5,
                green_share=0.2,
                charging_efficiency=0.8,
            ),
        ),
        travel=Travel("euclidean", speed_kmh=60.0),
        objective=Objective("cost", carbon_price_per_t_co2e=80.0, currency="CNY"),
    )


def make_plan() -> Solution:
    """Diesel: D -> J1 -> J2 -> D. Battery: D -> J3 -> SP -> CH (+100 kWh) -> SD -> D."""
    depot = Stop("depot", "D")
    return Solution(
        "worked-carbon",
        (
            Route("dsl", (depot, Stop("job", "J1"), Stop("job", "J2"), depot)),
            Route(
                "ev",
                (
                    depot,
                    Stop("job", "J3"),
                    Stop("pickup", "S1"),
                    Stop("station", "CH", charged_kwh=100.0),
                    Stop("delivery", "S1"),
                    depot,
                ),
            ),
        ),
    )
