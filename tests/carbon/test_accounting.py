"""Carbon accounting against a worked example computed by hand (``worked_example.py``).

Default factors: diesel TTW 2.67, WTW 3.24 kg CO2e/L; renewable share at 0.0336 kg/kWh.

Diesel tractor (20 t, 0.25 L/km empty, 0.35 full: +0.005 L/km per t), D -> J1 -> J2 -> D,
leaves with J1 + J2 = 16 t:
    D->J1  100 km with 16 t: 0.25 + 0.10 * 16/20 = 0.33 L/km -> 33 L
    J1->J2 100 km with  6 t: 0.25 + 0.10 *  6/20 = 0.28 L/km -> 28 L
    J2->D  200 km empty:     0.25 L/km                       -> 50 L   (empty running counts)
    111 L: TTW 111 * 2.67 = 296.37 kg, WTW 111 * 3.24 = 359.64 kg, WTT 63.27 kg.
    t·km by mass x SFD from the depot: J1 10 t * 100 km = 1000, J2 6 t * 200 km = 1200; 2200.
    J1 gets 1000/2200 = 5/11: WTW 163.4727 kg, TTW 134.7136 kg, WTT 28.7591 kg;
    J2 gets 6/11: WTW 196.1673 kg, TTW 161.6564 kg, WTT 34.5109 kg.
    Intensity 359.64 kg / 2200 t·km = 163.47 g/t·km (both shipments).
    Load factor: carried 16*100 + 6*100 = 2200 t·km over 20 t * 400 km = 8000 -> 0.275;
    empty 200 km.

Battery tractor (20 t, 400 kWh, reserve 40, 1.0 kWh/km empty, 1.5 full), starts full (400 kWh),
D -> J3 -> SP -> CH (+100 kWh) -> SD -> D, leaves with J3's 10 t:
    D->J3   50 km with 10 t: 1.25 kWh/km -> 62.5 kWh, 337.5 left
    J3->SP  50 km empty:     1.00        -> 50   kWh, 287.5 left; picks up S1's 10 t
    SP->CH  50 km with 10 t: 1.25        -> 62.5 kWh, 225 left; charges 100 -> 325
    CH->SD  50 km with 10 t: 1.25        -> 62.5 kWh, 262.5 left; delivers S1
    SD->D  200 km empty:     1.00        -> 200  kWh, 62.5 left (>= 40)
    437.5 kWh from the battery.
    Grid side: at CH 100 / 0.8 = 125 kWh at 0.5 kg/kWh (location-based: CH's 20 % green share
    states no instrument and never lowers the location-based factor) = 62.5 kg;
    depot refill (400 - 62.5) = 337.5 / 0.9 = 375 kWh at 0.6 = 225 kg. 500 grid kWh.
    WTW 287.5 kg, TTW 0, WTT 287.5 kg.
    t·km: J3 10 t * SFD(D, J3) 50 km = 500; S1 10 t * SFD(SP, SD) 100 km = 1000; 1500.
    J3 gets 1/3 = 95.8333 kg, S1 2/3 = 191.6667 kg; intensity 287.5 / 1500 = 191.67 g/t·km.
    Load factor: 10*50 + 10*50 + 10*50 = 1500 / (20 * 400) = 0.1875; empty 50 + 200 = 250 km.

Plan: WTW 359.64 + 287.5 = 647.14 kg; TTW 296.37; WTT 63.27 + 287.5 = 350.77.
Scopes: 1 = diesel TTW 296.37; 2 = electricity at generation: the instance gives life-cycle
factors, whose generation part is taken by the 2023 national ratio 0.5306 / 0.6205, so
287.5 * 0.5306 / 0.6205 = 245.8461 kg; 3 = diesel WTT 63.27 + electricity upstream
287.5 - 245.8461 = 41.6539, i.e. 104.9239 (sum 647.14).

Primary baseline (the same routes on diesel): the diesel tractor is its own equivalent (359.64 kg,
J1 and J2 reduce nothing). The battery tractor (20 t payload: class tractor-trailer, where the
instance has its own diesel tractor, 0.25 L/km empty, 0.35 full, +0.005 L/km per t) drives
D -> J3 -> SP -> SD -> D without the charger (CH lies on the way, still 400 km): 50 km with 10 t at
0.30 = 15 L, 50 km empty at 0.25 = 12.5 L, 100 km with 10 t = 30 L, 200 km empty = 50 L: 107.5 L,
WTW 107.5 * 3.24 = 348.3 kg, TTW 287.025 kg.
J3 1/3 = 116.1 kg (reduction 20.2667), S1 2/3 = 232.2 kg (reduction 40.5333).
Plan baseline 707.94 kg, reduction 60.8 kg.
Money (fixed + distance + time + energy): diesel trip 500 + 200 + 0 + 111 * 7 = 1477; battery
trip 500 + 200 + (125 * 0.3 + 375 * 0.2 = 112.5) = 812.5; plan 2289.5. Baseline: 1477 + 500 +
200 + 107.5 * 7 (the instance's diesel price) = 2929.5. Cut cost 2289.5 - 2929.5 = -640.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from optimizer.carbon.accounting import (
    CarbonAccount,
    ShipmentEmissions,
    ShortestDistances,
    TripEmissions,
    account,
)
from optimizer.model import Instance, Job, Location, Travel, Vehicle
from optimizer.solution import Route, Solution, Stop
from optimizer.validator import validate

from .worked_example import make_instance, make_plan


@pytest.fixture
def acc() -> CarbonAccount:
    return account(make_instance(), make_plan())


def _trip(acc: CarbonAccount, vehicle: str) -> TripEmissions:
    return next(t for t in acc.trips if t.vehicle == vehicle)


def _shipment(acc: CarbonAccount, sid: str) -> ShipmentEmissions:
    return next(s for s in acc.shipments if s.id == sid)


def test_plan_is_feasible_and_totals_match_the_validator(acc: CarbonAccount) -> None:
    report = validate(make_instance(), make_plan())
    assert report.feasible, report.summary()
    assert acc.feasible and acc.violations == ()
    assert acc.wtw_kg == pytest.approx(report.totals.co2e_wtw_kg, abs=1e-9)


def test_diesel_trip_totals(acc: CarbonAccount) -> None:
    trip = _trip(acc, "dsl")
    assert trip.carrier == "diesel" and trip.fuel_unit == "L"
    assert trip.distance_km == pytest.approx(400.0)
    assert trip.energy == pytest.approx(111.0)
    assert trip.ttw_kg == pytest.approx(296.37)
    assert trip.wtw_kg == pytest.approx(359.64)
    assert trip.wtt_kg == pytest.approx(63.27)
    assert trip.grid_kwh == 0.0 and trip.charges == ()
    assert trip.tkm == pytest.approx(2200.0)
    assert trip.intensity_wtw_g_per_tkm == pytest.approx(359.64e3 / 2200)
    assert trip.load_factor == pytest.approx(0.275)
    assert trip.empty_km == pytest.approx(200.0)
    assert trip.allocation == "mass x SFD"


def test_battery_trip_totals(acc: CarbonAccount) -> None:
    trip = _trip(acc, "ev")
    assert trip.carrier == "bev" and trip.fuel_unit == "kWh"
    assert trip.energy == pytest.approx(437.5)
    assert trip.grid_kwh == pytest.approx(500.0)
    station, depot = trip.charges
    assert (station.place, station.grid_kwh) == ("CH", pytest.approx(125.0))
    assert station.co2e_kg_per_kwh == pytest.approx(0.5)
    assert station.co2e_wtw_kg == pytest.approx(62.5)
    assert (depot.place, depot.grid_kwh, depot.co2e_wtw_kg) == (
        "D",
        pytest.approx(375.0),
        pytest.approx(225.0),
    )
    assert trip.ttw_kg == 0.0
    assert trip.wtw_kg == pytest.approx(287.5)
    assert trip.wtt_kg == pytest.approx(287.5)
    assert trip.tkm == pytest.approx(1500.0)
    assert trip.load_factor == pytest.approx(0.1875)
    assert trip.empty_km == pytest.approx(250.0)


def test_allocation_per_shipment(acc: CarbonAccount) -> None:
    j1, j2, j3, s1 = (_shipment(acc, k) for k in ("J1", "J2", "J3", "S1"))
    # Origins and destinations: deliveries from the depot, the shipment from its pickup.
    assert (j1.origin, j1.destination, j1.sfd_km, j1.tkm) == ("D", "J1", 100.0, 1000.0)
    assert (j2.sfd_km, j2.tkm) == (200.0, 1200.0)
    assert (s1.origin, s1.destination, s1.sfd_km, s1.tkm) == ("SP", "SD", 100.0, 1000.0)
    assert (j3.sfd_km, j3.tkm) == (50.0, 500.0)
    assert j1.share == pytest.approx(5 / 11) and j2.share == pytest.approx(6 / 11)
    assert j1.wtw_kg == pytest.approx(163.4727, abs=1e-4)
    assert j1.ttw_kg == pytest.approx(134.7136, abs=1e-4)
    assert j1.wtt_kg == pytest.approx(28.7591, abs=1e-4)
    assert j2.wtw_kg == pytest.approx(196.1673, abs=1e-4)
    assert j2.ttw_kg == pytest.approx(161.6564, abs=1e-4)
    assert j3.wtw_kg == pytest.approx(95.8333, abs=1e-4)
    assert s1.wtw_kg == pytest.approx(191.6667, abs=1e-4)
    assert s1.ttw_kg == 0.0
    # Every shipment of a trip has the trip's intensity.
    assert j1.intensity_wtw_g_per_tkm == pytest.approx(163.4727, abs=1e-4)
    assert j2.intensity_wtw_g_per_tkm == pytest.approx(163.4727, abs=1e-4)
    assert s1.intensity_wtw_g_per_tkm == pytest.approx(191.6667, abs=1e-4)


def test_conservation_shipments_add_up_to_trips(acc: CarbonAccount) -> None:
    for trip in acc.trips:
        for name in ("wtw_kg", "ttw_kg", "wtt_kg"):
            total = math.fsum(getattr(s, name) for s in trip.shipments)
            assert abs(total - getattr(trip, name)) <= 1e-9
    assert abs(math.fsum(s.wtw_kg for s in acc.shipments) - acc.wtw_kg) <= 1e-9
    assert acc.wtw_kg == pytest.approx(647.14)
    assert acc.ttw_kg == pytest.approx(296.37)
    assert acc.wtt_kg == pytest.approx(350.77)
    assert abs(acc.wtw_kg - (acc.ttw_kg + acc.wtt_kg)) <= 1e-9


def test_split_by_carrier_and_scopes(acc: CarbonAccount) -> None:
    by = acc.by_carrier
    assert set(by) == {"bev", "diesel"}
    assert by["diesel"].energy == pytest.approx(111.0) and by["diesel"].unit == "L"
    assert by["bev"].energy == pytest.approx(437.5) and by["bev"].grid_kwh == pytest.approx(500)
    assert by["bev"].wtw_kg == pytest.approx(287.5)
    scopes = acc.scopes
    assert scopes["scope1_kg"] == pytest.approx(296.37)
    assert scopes["scope2_kg"] == pytest.approx(245.8461, abs=1e-4)
    assert scopes["scope3_kg"] == pytest.approx(104.9239, abs=1e-4)
    assert math.fsum(scopes.values()) == pytest.approx(acc.wtw_kg, abs=1e-9)


def test_to_dict_carries_the_iso_vocabulary(acc: CarbonAccount) -> None:
    d = acc.to_dict()
    assert d["wtw_kg"] == pytest.approx(647.14)
    assert {s["id"] for s in d["by_shipment"]} == {"J1", "J2", "J3", "S1"}
    assert d["by_shipment"][0]["distance_type"] == "sfd"
    assert d["method"]["allocation_parameter"] == "mass (t)"
    assert "hubs not included" in d["method"]["boundary"]
    sources = {f["applies_to"]: f for f in d["method"]["factors"]}
    assert sources["station CH"]["wtw"] == pytest.approx(0.5)
    assert "no instrument" in sources["station CH"]["source"]
    assert sources["station CH"]["status"] == "instance"
    assert sources["vehicle type tractor-diesel"]["wtw"] == 3.24


def test_instance_overrides_change_the_figures() -> None:
    inst = make_instance()
    diesel, bev = inst.vehicle_types
    # An HVO-like fuel: TTW 0 (biogenic), WTW 0.5 kg/L. The diesel trip's 111 L -> 55.5 kg.
    green = replace(
        inst,
        vehicle_types=(replace(diesel, wtw_co2e_kg_per_unit=0.5, ttw_co2e_kg_per_unit=0.0), bev),
    )
    trip = next(t for t in account(green, make_plan()).trips if t.vehicle == "dsl")
    assert trip.wtw_kg == pytest.approx(55.5)
    assert trip.ttw_kg == 0.0


def test_unused_route_and_unserved_jobs_carry_nothing() -> None:
    inst = make_instance()
    inst = replace(
        inst,
        objective=replace(inst.objective, unserved_penalty=1000.0),
        vehicles=(*inst.vehicles, Vehicle("spare", "tractor-diesel", "D")),
    )
    plan = make_plan()
    diesel_route = Route("dsl", (Stop("depot", "D"), Stop("job", "J1"), Stop("depot", "D")))
    idle = Route("spare", (Stop("depot", "D"), Stop("depot", "D")))
    plan = replace(plan, routes=(diesel_route, plan.routes[1], idle), unserved=("J2",))
    acc = account(inst, plan)
    assert acc.feasible
    assert [t.vehicle for t in acc.trips] == ["dsl", "ev"]
    assert acc.unserved == ("J2",)
    assert [s.id for s in acc.trips[0].shipments] == ["J1"]
    assert acc.trips[0].shipments[0].share == 1.0


def test_weightless_jobs_are_split_equally() -> None:
    inst = make_instance()
    jobs = tuple(replace(j, weight_kg=0.0) for j in inst.jobs)
    acc = account(replace(inst, jobs=jobs), make_plan())
    trip = next(t for t in acc.trips if t.vehicle == "dsl")
    assert trip.allocation == "equal"
    assert [s.share for s in trip.shipments] == [0.5, 0.5]
    assert math.fsum(s.wtw_kg for s in trip.shipments) == pytest.approx(trip.wtw_kg, abs=1e-9)
    assert trip.shipments[0].intensity_wtw_g_per_tkm is None


def test_infeasible_plan_is_accounted_but_flagged() -> None:
    inst = make_instance()
    plan = make_plan()
    broken = replace(plan, routes=(plan.routes[0],))  # J3 and S1 unserved, not allowed
    acc = account(inst, broken)
    assert not acc.feasible
    assert any("MISSING_JOB" in v for v in acc.violations)
    assert acc.wtw_kg == pytest.approx(359.64)


def test_sfd_is_the_shortest_path_in_a_road_matrix() -> None:
    # A -> B direct is 100 km on the matrix, but A -> C -> B is 30 + 40 = 70 km.
    dist = np.array([[0, 100, 30], [100, 0, 40], [30, 40, 0]], dtype=float)
    inst = Instance(
        name="matrix",
        locations=(Location("A"), Location("B"), Location("C")),
        depots=make_instance().depots[:1],
        vehicle_types=make_instance().vehicle_types[:1],
        vehicles=(Vehicle("dsl", "tractor-diesel", "D"),),
        jobs=(Job("JB", 1, "delivery", 1000),),
        travel=Travel("matrix", distance_km=dist),
    )
    # The depot in make_instance() points at location 0 (A here).
    sfd = ShortestDistances(inst)
    assert sfd(0, 1) == pytest.approx(70.0)
    assert sfd(1, 0) == pytest.approx(70.0)
    assert sfd(0, 2) == pytest.approx(30.0)
    plan = Solution(
        "matrix", (Route("dsl", (Stop("depot", "D"), Stop("job", "JB"), Stop("depot", "D"))),)
    )
    acc = account(inst, plan)
    assert acc.shipments[0].sfd_km == pytest.approx(70.0)
    assert acc.shipments[0].tkm == pytest.approx(70.0)
    assert "given road distance matrix" in acc.method["distance_type"]
