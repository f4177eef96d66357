"""Three electric trucks that all want the same single charger at the same time (issue 7).

Shared by ``tests/validator/test_chargers.py`` and ``tests/solver/test_chargers.py``.

Geometry (km; Euclidean; 60 km/h, so one km takes one minute):

====  ==========  ==================================================================
row   place       role
====  ==========  ==================================================================
0     D (0, 0)    the depot, open 0-600
1     S1 (30, 0)  charger, 120 kW (2 kWh a minute), ``chargers`` = 1 unless told
2-4   J1-J3       deliveries at (60, 0), 1000 kg each (a full truck), 10 min service,
                  window 0-300 unless told
5     S2 (30, 40) a second charger, only when asked for (the reroute)
====  ==========  ==================================================================

Each truck: 200 kWh battery, 1 kWh/km whatever the load, reserve 0, leaves with 30 % = 60 kWh.
The plan for truck k (route k) is D -> S1 -> Jk -> D charging 70 kWh at S1:

- leaves at 0, arrives at S1 at 30 with 60 - 30 = 30 kWh; 70 kWh at 2 kWh/min take 35 min;
- alone at the charger: charges 30-65, arrives at Jk at 95 (with 100 - 30 = 70 kWh), serves until
  105, is back at D at 165 with 70 - 60 = 10 kWh.

All three charge over [30, 65) at once. Queued first come, first served (equal arrivals: route
order): truck 0 charges 30-65, truck 1 65-100, truck 2 100-135, and truck 2 reaches J3 at 165.

The reroute via S2 (the only other station): D -> S2 is 50 km (arrives at 50 with 10 kWh),
S2 -> J3 is 50 km. Keeping 70 kWh on arrival at J3 needs 120 kWh after S2, so 110 kWh, 55 min:
charges 50-105, reaches J3 at 155, back at D at 225 with 10 kWh; 40 km more than via S1.
"""

from __future__ import annotations

from optimizer.model import (
    Depot,
    Instance,
    Job,
    Location,
    Rules,
    Station,
    TimeWindow,
    Vehicle,
    VehicleType,
)
from optimizer.solution import Route, Solution, Stop

W = TimeWindow
TRUCKS = ("ev1", "ev2", "ev3")
JOBS = ("J1", "J2", "J3")
CHARGE_KWH = 70.0


def make_line(
    chargers: int = 1,
    *,
    last_window_end: float = 300.0,
    second_station: bool = False,
    instant: bool = False,
) -> Instance:
    """The instance of the module doc; ``last_window_end`` closes J3's window earlier."""
    locations = [
        Location("D", (0.0, 0.0)),
        Location("S1", (30.0, 0.0)),
        *(Location(j, (60.0, 0.0)) for j in JOBS),
    ]
    stations = [Station("S1", 1, power_kw=120.0, chargers=chargers)]
    if second_station:
        locations.append(Location("S2", (30.0, 40.0)))
        stations.append(Station("S2", 5, power_kw=120.0))
    return Instance(
        name="three-trucks-one-charger",
        locations=tuple(locations),
        depots=(Depot("D", 0, opening=W(0, 600)),),
        vehicle_types=(
            VehicleType(
                "truck",
                "bev",
                capacity_kg=1000,
                battery_kwh=200,
                consumption_per_km_empty=1.0,
                consumption_per_km_full=1.0,
            ),
        ),
        vehicles=tuple(Vehicle(v, "truck", "D", initial_soc=0.3) for v in TRUCKS),
        jobs=tuple(
            Job(
                j,
                2 + k,
                weight_kg=1000,
                service_min=10,
                time_windows=(W(0, last_window_end if j == "J3" else 300.0),),
            )
            for k, j in enumerate(JOBS)
        ),
        stations=tuple(stations),
        rules=Rules(instant_charging=instant),
    )


def truck_route(
    k: int,
    station: str = "S1",
    *,
    start_min: float | None = None,
    departure_min: float | None = None,
) -> Route:
    """Route k: D -> ``station`` -> J(k+1) -> D charging 70 kWh; the times, if given, are stated
    on the station stop."""
    return Route(
        TRUCKS[k],
        (
            Stop("depot", "D"),
            Stop(
                "station",
                station,
                start_min=start_min,
                departure_min=departure_min,
                charged_kwh=CHARGE_KWH,
            ),
            Stop("job", JOBS[k]),
            Stop("depot", "D"),
        ),
    )


def overlapping_plan() -> Solution:
    """The sparse plan of the module doc: all three charge at S1 over [30, 65)."""
    return Solution("three-trucks-one-charger", tuple(truck_route(k) for k in range(3)))
