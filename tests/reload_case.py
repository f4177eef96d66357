"""One electric van, two trips: a morning shop, a reload at the depot, an afternoon shop.

Shared by the report and run-sheet tests of multi-trip routes (``depot, job, depot, job,
depot``). Euclidean km at 60 km/h, so a km is a minute and (at 0.25 kWh/km, empty or full) a quarter of
a kWh; every figure on the stops is worked out by hand, so a test can render the plan without
asking the validator (``tests/test_runsheet.py`` checks them against it). The van does not
charge during the reload (a reload never charges), and the 1,400 kg of the day are above its 1,000 kg: only two trips serve both shops.

- leaves the depot (0, 0) at 06:00 with 40 kWh of 50 and 800 kg (the morning order);
- reaches ``shop-east`` (30, 0) at 06:30 with 32.5 kWh, unloads 20 min, leaves 06:50 empty;
- is back at the depot at 07:20 with 25 kWh; reloads for 30 min (``reload_min``), leaves 07:50
  with 600 kg (the afternoon order);
- reaches ``shop-west`` (-20, 0) at 08:10 with 20 kWh, waits until its window opens at 14:00,
  unloads 20 min, leaves 14:20 empty;
- is back at the depot at 14:40 with 15 kWh: 100 km, 520 min.
"""

from __future__ import annotations

from typing import Any

from optimizer.formats.native import instance_from_dict
from optimizer.model import Instance
from optimizer.runsheet import RunSheet, SheetRoute, SheetStop, stop_location
from optimizer.solution import Route, Solution, Stop, Totals

DAY: dict[str, Any] = {
    "format": "optimizer-instance",
    "version": 1,
    "name": "two-trips",
    "locations": [
        {"id": "hub", "coordinates": [0, 0]},
        {"id": "shop-east", "coordinates": [30, 0]},
        {"id": "shop-west", "coordinates": [-20, 0]},
    ],
    "travel": {"metric": "euclidean", "speed_kmh": 60},
    "depots": [{"id": "depot", "location": "hub", "opening": [300, 1200]}],
    "jobs": [
        {
            "id": "morning",
            "location": "shop-east",
            "weight_kg": 800,
            "time_windows": [[360, 600]],
            "service_min": 20,
        },
        {
            "id": "afternoon",
            "location": "shop-west",
            "weight_kg": 600,
            "time_windows": [[840, 1080]],
            "service_min": 20,
        },
    ],
    "vehicle_types": [
        {
            "id": "e-van",
            "carrier": "bev",
            "capacity_kg": 1000,
            "battery_kwh": 50,
            "consumption_per_km_empty": 0.25,
            "consumption_per_km_full": 0.25,
            "fixed_cost": 100,
            "cost_per_km": 1.0,
            "max_trips": 2,
            "reload_min": 30,
        }
    ],
    "vehicles": [{"id": "van", "type": "e-van", "start_depot": "depot", "initial_soc": 0.8}],
    "objective": {"kind": "cost", "currency": "EUR"},
}

#: (kind, ref, arrival, start, departure, load kg, SoC on arrival, SoC on departure)
STOPS: tuple[
    tuple[Any, str, float | None, float | None, float, float, float | None, float], ...
] = (
    ("depot", "depot", None, None, 360, 800, None, 40),
    ("job", "morning", 390, 390, 410, 0, 32.5, 32.5),
    ("depot", "depot", 440, 440, 470, 600, 25, 25),
    ("job", "afternoon", 490, 840, 860, 0, 20, 20),
    ("depot", "depot", 880, 880, 880, 0, 15, 15),
)


def instance() -> Instance:
    return instance_from_dict(DAY)


def plan() -> Solution:
    """The plan with every stop figure filled in (as the validator would fill a sparse one)."""
    stops = tuple(
        Stop(
            kind=kind,
            ref=ref,
            arrival_min=arrival,
            start_min=start,
            departure_min=departure,
            load_kg=load,
            soc_arrival_kwh=soc_in,
            soc_departure_kwh=soc_out,
        )
        for kind, ref, arrival, start, departure, load, soc_in, soc_out in STOPS
    )
    return Solution(
        instance="two-trips",
        routes=(Route("van", stops),),
        totals=Totals(distance_km=100.0, duration_min=520.0, vehicles_used=1),
    )


def sheet() -> RunSheet:
    """The run sheet of :func:`plan` built by hand from the stop figures above (what
    :func:`optimizer.runsheet.build_run_sheet` makes of a validated plan), so that renderers can be
    tested whatever the validator says about a depot in the middle of a route."""
    inst = instance()
    sheet_stops = []
    for k, stop in enumerate(plan().routes[0].stops):
        loc = stop_location(inst, stop)
        assert loc is not None
        place = inst.locations[loc]
        sheet_stops.append(
            SheetStop(
                route=0,
                vehicle="van#0",
                vehicle_type="e-van",
                seq=k,
                kind=stop.kind,
                ref=stop.ref,
                location=place.id,
                coordinates=place.coordinates,
                arrival_min=stop.arrival_min,
                start_min=stop.start_min,
                departure_min=stop.departure_min,
                load_kg=stop.load_kg,
                soc_arrival_kwh=stop.soc_arrival_kwh,
                soc_departure_kwh=stop.soc_departure_kwh,
                battery_kwh=50.0,
                charged_kwh=None,
                charge_cost=None,
                station_kind=None,
            )
        )
    cost = {"fixed": 100.0, "distance": 100.0, "time": 0.0, "energy": 0.0, "carbon": 0.0}
    cost["total"] = sum(cost.values())
    route = SheetRoute(
        route=0,
        vehicle="van#0",
        vehicle_type="e-van",
        carrier="bev",
        stops=tuple(sheet_stops),
        distance_km=100.0,
        duration_min=520.0,
        energy=25.0,
        energy_unit="kWh",
        co2e_wtw_kg=0.0,
        cost=cost,
    )
    return RunSheet(
        instance="two-trips",
        currency="EUR",
        feasible=True,
        routes=(route,),
        unserved=(),
        distance_km=100.0,
        duration_min=520.0,
        cost=cost,
        co2e_wtw_kg=0.0,
        geographic=False,
    )
