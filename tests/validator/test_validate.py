"""The validator against hand-computed figures, hand-broken plans and the public E-VRPTW example.

The feasible plan of ``conftest.py`` (one km = one minute; rates are kWh or L per km):

truck (diesel, shift = depot opening 360-1080, max 300 min), D -> J2 -> J3 -> D
    leaves 360 with J2's 300 kg (4 m3) on board.
    D->J2  30 km, arrive 390, wait for window 400-420, serve 400-420; 0.25+0.1*0.3 = 0.28 L/km
           -> 8.4 L.
    J2->J3 50 km, arrive 470, wait for 600, serve 600-610, picks 150 kg; 0.25 L/km -> 12.5 L.
    J3->D  40 km, arrive 650; 0.25+0.1*0.15 = 0.265 L/km -> 10.6 L.
    120 km, 290 min (<= 300), 31.5 L.
    cost: fixed 100, distance 120*0.5 = 60, time 290/60*30 = 145, fuel 31.5*1.6 = 50.4.
    CO2e: 31.5 L * 3.24 kg/L (default diesel WTW) = 102.06 kg.

ev unit 0 (bev, 100 kWh, reserve 10, starts at 0.9*100 = 90 kWh; shift 480-1020),
D -> J1 -> CH (charge 55 kWh, reported) -> S1 pickup -> S1 delivery -> D
    leaves 480 with J1's 400 kg.
    D->J1   50 km at 0.5+0.25*0.4 = 0.6 kWh/km = 30 kWh -> 60; arrive 530, serve 530-540.
    J1->CH  50 km at 0.5 = 25 kWh -> 35 (>= reserve 10); arrive 590.
            charge 35->90: 35->80 at 90 kW = 45/90*60 = 30 min, 80->90 at 30 kW = 20 min: 50 min.
            590+50 = 640 overruns the window 360-600, so wait for 630 and charge 630-680.
            price at 630 is 0.25: 55/0.8 = 68.75 grid kWh * 0.25 = 17.1875 + fee 2 = 19.1875.
            grid factor 0.5 (location-based: the green share does not lower it) -> 34.375 kg.
    CH->SP  40 km at 0.5 = 20 kWh -> 70; arrive 720 (window 700-800), serve 720-735, +200 kg.
    SP->SD  60 km at 0.5+0.25*0.2 = 0.55 = 33 kWh -> 37; arrive 795 (780-900), serve 795-800.
    SD->D   40 km, 20 kWh -> 17 (>= 10); arrive 840.
    240 km, 840-480 = 360 min (<= 600), 30+25+20+33+20 = 128 kWh.
    depot refill: 90-17 = 73 kWh / 0.8 = 91.25 grid kWh * 0.15 = 13.6875; *0.6 = 54.75 kg.
    cost: fixed 120, distance 240*0.3 = 72, time 360/60*30 = 180,
          energy 19.1875 + 13.6875 = 32.875.  CO2e 34.375 + 54.75 = 89.125 kg.

swapper (swap, 50 kWh, reserve 5, 0.4 kWh/km whatever the load; shift 420-900),
D -> J4 -> SW -> D
    D->J4   50 km, 20 kWh -> 30; arrive 470, serve 470-475 (no window).
    J4->SW  50 km, 20 kWh -> 10 (>= 5); arrive 525; swap to 50 (charged 40) in 5 min -> 530.
            40 kWh * 0.50 = 20 + fee 5 = 25; 40 * 0.6205 (default grid, 2023) = 24.82 kg.
    SW->D  100 km, 40 kWh -> 10; arrive 630.
    200 km, 210 min, 80 kWh.
    depot refill: 50-10 = 40 / 0.8 = 50 grid kWh * 0.15 = 7.5; *0.6 = 30 kg.
    cost: fixed 80, distance 200*0.2 = 40, time 210/60*20 = 70, energy 25+7.5 = 32.5.
    CO2e 24.82 + 30 = 54.82 kg.

ev unit 1: D -> D, unused: costs nothing.

Totals: distance 240+120+200 = 560 km; duration 360+290+210 = 860 min; 3 vehicles;
energy diesel 31.5 L, bev 128 kWh, swap 80 kWh;
fixed 120+100+80 = 300; distance 72+60+40 = 172; time 180+145+70 = 395;
energy 32.875+50.4+32.5 = 115.775; CO2e 89.125+102.06+54.82 = 246.005 kg,
carbon 246.005/1000*100 = 24.6005; penalty: J5 unserved * 1000 = 1000;
total 300+172+395+115.775+24.6005+1000 = 2007.3755.
"""

from __future__ import annotations

import importlib.util
import json
import math
from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from optimizer.formats.native import (
    instance_from_dict,
    instance_to_dict,
    solution_from_dict,
    solution_to_dict,
)
from optimizer.model import (
    Depot,
    Instance,
    Job,
    Location,
    Objective,
    Rules,
    Station,
    TimeWindow,
    Travel,
    Vehicle,
    VehicleType,
)
from optimizer.solution import Route, Solution, Stop, Totals
from optimizer.validator import (
    BATTERY,
    BATTERY_OVERFULL,
    CAPACITY_VOLUME,
    CAPACITY_WEIGHT,
    CHARGE_TIME,
    CODES,
    DEPOT_MID_ROUTE,
    DUPLICATE_JOB,
    FULL_RECHARGE,
    MAX_DURATION,
    MISSING_JOB,
    NEGATIVE_CHARGE,
    NOT_ELECTRIC,
    PICKUP_ORDER,
    ROUTE_ENDPOINTS,
    SHIFT,
    STATION_HOURS,
    STATION_KIND,
    STOP_MISMATCH,
    TIME_INCONSISTENT,
    TIME_WINDOW,
    TOTAL_MISMATCH,
    UNKNOWN_REF,
    UNKNOWN_VEHICLE,
    UNSERVED_NOT_ALLOWED,
    VEHICLE_UNIT,
    ZONE,
    Report,
    Violation,
    validate,
)
from tests.conftest import benchmark_file

from .conftest import (
    EV,
    EV_IDLE,
    EXPECTED_TOTALS,
    SWAPPER,
    TRUCK,
    depot,
    job,
    make_plan,
    make_tiny,
)


# ----- helpers -----------------------------------------------------------------------------------
def with_stops(sol: Solution, r: int, stops: list[Stop]) -> Solution:
    """``sol`` with route ``r``'s stops replaced."""
    routes = list(sol.routes)
    routes[r] = replace(routes[r], stops=tuple(stops))
    return replace(sol, routes=tuple(routes))


def with_stop(sol: Solution, r: int, s: int, **changes: object) -> Solution:
    """``sol`` with stop ``s`` of route ``r`` changed."""
    stops = list(sol.routes[r].stops)
    stops[s] = replace(stops[s], **changes)  # type: ignore[arg-type]
    return with_stops(sol, r, stops)


def with_route(sol: Solution, r: int, **changes: object) -> Solution:
    routes = list(sol.routes)
    routes[r] = replace(routes[r], **changes)  # type: ignore[arg-type]
    return replace(sol, routes=tuple(routes))


def found(report: Report, code: str) -> list[Violation]:
    """The violations of ``code``; fails with the full summary when there are none."""
    hits = [v for v in report.violations if v.code == code]
    assert hits, f"expected {code}, got:\n{report.summary()}"
    return hits


def one(report: Report, code: str, route: int | None, stop: int | None) -> Violation:
    """The violation of ``code`` at (route, stop)."""
    hits = [v for v in found(report, code) if v.route == route and v.stop == stop]
    assert hits, f"expected {code} at route {route} stop {stop}, got:\n{report.summary()}"
    return hits[0]


SPARSE = make_plan()  # the feasible plan without reported totals: breaks show only their own code


# ----- the feasible plan -------------------------------------------------------------------------
def test_feasible_plan_has_the_hand_computed_totals(tiny: Instance, plan: Solution) -> None:
    report = validate(tiny, plan)
    assert report.feasible, report.summary()
    assert report.violations == ()
    t = report.totals
    assert t.distance_km == pytest.approx(560.0)
    assert t.duration_min == pytest.approx(860.0)
    assert t.vehicles_used == 3
    assert dict(t.energy) == pytest.approx({"diesel": 31.5, "bev": 128.0, "swap": 80.0})
    assert t.co2e_wtw_kg == pytest.approx(246.005)
    assert dict(t.cost) == pytest.approx(
        {
            "fixed": 300.0,
            "distance": 172.0,
            "time": 395.0,
            "energy": 115.775,
            "carbon": 24.6005,
            "penalty": 1000.0,
            "total": 2007.3755,
        }
    )
    assert report.solution.totals == t


def test_schedule_load_and_charge_are_filled_in(tiny: Instance) -> None:
    report = validate(tiny, SPARSE)
    assert report.feasible, report.summary()
    truck = report.solution.routes[TRUCK].stops
    # J2: arrive 390, wait for the first window (400-420), 20 min service.
    assert (truck[1].arrival_min, truck[1].start_min, truck[1].departure_min) == (390, 400, 420)
    assert truck[0].load_kg == 300 and truck[1].load_kg == 0 and truck[2].load_kg == 150
    assert truck[0].soc_arrival_kwh is None  # no battery
    ev = report.solution.routes[EV].stops
    ch = ev[2]
    assert ch.arrival_min == pytest.approx(590)
    assert ch.start_min == pytest.approx(630)  # the charge does not fit before 600
    assert ch.departure_min == pytest.approx(680)
    assert (ch.soc_arrival_kwh, ch.soc_departure_kwh) == pytest.approx((35, 90))
    assert ch.charged_kwh == pytest.approx(55)
    assert ch.charge_cost == pytest.approx(19.1875)
    assert ev[-1].soc_arrival_kwh == pytest.approx(17)
    assert ev[-1].arrival_min == pytest.approx(840)
    sw = report.solution.routes[SWAPPER].stops[2]
    assert sw.charged_kwh == pytest.approx(40)
    assert sw.charge_cost == pytest.approx(25)
    assert sw.departure_min == pytest.approx(530)
    # A job stop has no charge figures.
    assert ev[1].charged_kwh is None and ev[1].charge_cost is None


def test_filled_solution_validates_again_with_the_same_totals(tiny: Instance) -> None:
    """The filled solution reports every figure; all of them must agree with a second pass."""
    first = validate(tiny, SPARSE)
    second = validate(tiny, first.solution)
    assert second.feasible, second.summary()
    assert second.totals == first.totals
    assert second.solution == first.solution


def test_native_json_round_trip_keeps_the_verdict(tiny: Instance) -> None:
    inst = instance_from_dict(json.loads(json.dumps(instance_to_dict(tiny))))
    filled = validate(tiny, SPARSE).solution
    sol = solution_from_dict(json.loads(json.dumps(solution_to_dict(filled))))
    report = validate(inst, sol)
    assert report.feasible, report.summary()
    assert report.totals.cost["total"] == pytest.approx(2007.3755)


def test_report_to_dict_and_summary(tiny: Instance, plan: Solution) -> None:
    ok = validate(tiny, plan)
    assert json.loads(json.dumps(ok.to_dict()))["feasible"] is True
    assert "tiny: feasible" in ok.summary()
    assert "distance_km    560.000" in ok.summary()
    bad = validate(tiny, with_stop(plan, EV, 0, departure_min=560.0))
    d = bad.to_dict()
    json.dumps(d)
    assert d["feasible"] is False
    assert {"code", "route", "stop", "amount", "message"} <= set(d["violations"][0])
    lines = bad.summary().splitlines()
    assert lines[0].startswith("tiny: INFEASIBLE")
    assert any(line.strip().startswith("TIME_WINDOW [route 1, stop 1]") for line in lines)
    assert lines[-1].lstrip().startswith("cost")


def test_every_code_has_a_meaning() -> None:
    assert all(code == code.upper() and CODES[code] for code in CODES)
    assert len(CODES) >= 24


# ----- broken variants ---------------------------------------------------------------------------
def test_capacity_weight(tiny: Instance) -> None:
    # J2 (300 kg) moved onto the swap van (350 kg) next to J4 (100 kg): 400 kg leave the depot.
    sol = with_stops(
        SPARSE, SWAPPER, [depot(), job("J2"), job("J4"), Stop("station", "SW"), depot()]
    )
    sol = with_stops(sol, TRUCK, [depot(), job("J3"), depot()])
    v = one(validate(tiny, sol), CAPACITY_WEIGHT, SWAPPER, 0)
    assert v.amount == pytest.approx(50)
    assert "400 kg" in v.message


def test_capacity_volume(tiny: Instance) -> None:
    # J5 (3 m3) added to the truck next to J2 (4 m3): 7 m3 > 5 m3 on leaving the depot. The
    # times still work (the wait at J3 absorbs the detour), so volume is the only problem.
    sol = with_stops(SPARSE, TRUCK, [depot(), job("J2"), job("J5"), job("J3"), depot()])
    report = validate(tiny, replace(sol, unserved=()))
    assert report.codes() == {CAPACITY_VOLUME}
    assert one(report, CAPACITY_VOLUME, TRUCK, 0).amount == pytest.approx(2)


def test_time_window(tiny: Instance) -> None:
    # Leaving at 560 puts the van at J1 at 610, 10 min after its window closed.
    report = validate(tiny, with_stop(SPARSE, EV, 0, departure_min=560.0))
    assert report.codes() == {TIME_WINDOW}
    assert one(report, TIME_WINDOW, EV, 1).amount == pytest.approx(10)


def test_reported_start_outside_the_windows(tiny: Instance) -> None:
    # J2 started between its two windows (420 < 450 < 500): 30 min late for the first.
    report = validate(tiny, with_stop(SPARSE, TRUCK, 1, start_min=450.0))
    assert one(report, TIME_WINDOW, TRUCK, 1).amount == pytest.approx(30)


def test_battery(tiny: Instance) -> None:
    # Without the charge: 90 - 30 (D->J1) - 15 (J1->SP, 30 km) - 33 - 20 = -8 kWh at the depot,
    # 18 kWh below the 10 kWh reserve.
    sol = with_stops(
        SPARSE, EV, [depot(), job("J1"), Stop("pickup", "S1"), Stop("delivery", "S1"), depot()]
    )
    report = validate(tiny, sol)
    assert report.codes() == {BATTERY}
    assert one(report, BATTERY, EV, 4).amount == pytest.approx(18)


def test_missing_job(tiny: Instance) -> None:
    sol = with_stops(SPARSE, SWAPPER, [depot(), Stop("station", "SW"), depot()])
    report = validate(tiny, sol)
    assert report.codes() == {MISSING_JOB}
    v = one(report, MISSING_JOB, None, None)
    assert "'J4'" in v.message


def test_duplicate_job_served_and_unserved(tiny: Instance) -> None:
    report = validate(tiny, replace(SPARSE, unserved=("J5", "J4")))
    assert one(report, DUPLICATE_JOB, SWAPPER, 1)


def test_duplicate_job_served_twice(tiny: Instance) -> None:
    sol = with_stops(SPARSE, TRUCK, [depot(), job("J2"), job("J2"), job("J3"), depot()])
    assert one(validate(tiny, sol), DUPLICATE_JOB, TRUCK, 2)


def test_total_mismatch(tiny: Instance, plan: Solution) -> None:
    wrong = replace(
        plan.totals,
        distance_km=561.0,
        cost={**plan.totals.cost, "energy": 115.785},
        energy={**plan.totals.energy, "bev": 127.0},
    )
    report = validate(tiny, replace(plan, totals=wrong))
    assert report.codes() == {TOTAL_MISMATCH}
    amounts = sorted(v.amount or 0.0 for v in report.violations)
    assert amounts == pytest.approx([0.01, 1.0, 1.0])
    # Within half a unit of the third decimal is not a mismatch (the E-VRPTW printing precision).
    close = replace(plan.totals, distance_km=560.0004)
    assert validate(tiny, replace(plan, totals=close)).feasible


def test_zone(tiny: Instance) -> None:
    # J1 lies in the diesel-free core; give it to the diesel truck.
    sol = with_stops(SPARSE, TRUCK, [depot(), job("J1"), job("J2"), job("J3"), depot()])
    sol = with_stops(
        sol,
        EV,
        [
            depot(),
            Stop("station", "CH", charged_kwh=55.0),
            Stop("pickup", "S1"),
            Stop("delivery", "S1"),
            depot(),
        ],
    )
    v = one(validate(tiny, sol), ZONE, TRUCK, 1)
    assert "'core'" in v.message


def test_zone_driven_through(tiny: Instance) -> None:
    # The truck takes S1: SP (60, 40) -> SD (0, 40) runs along y = 40, through the core square
    # (20, 30)-(40, 50), though neither end lies in it.
    sol = with_stops(
        SPARSE, TRUCK, [depot(), Stop("pickup", "S1"), Stop("delivery", "S1"), depot()]
    )
    sol = with_stops(sol, EV, [depot(), job("J1"), depot()])
    sol = replace(sol, unserved=("J2", "J3", "J5"))
    report = validate(tiny, sol)
    v = one(report, ZONE, TRUCK, 2)
    assert "drives through" in v.message and "'core'" in v.message
    assert [(x.route, x.stop) for x in found(report, ZONE)] == [(TRUCK, 2)]
    # Given as a matrix, distances say nothing of the path: stops are checked, legs are not.
    as_matrix = replace(
        tiny,
        travel=Travel("matrix", distance_km=tiny.distance_km, duration_min=tiny.duration_min),
    )
    assert ZONE not in validate(as_matrix, sol).codes()


def test_shift_early_start(tiny: Instance) -> None:
    report = validate(tiny, with_stop(SPARSE, TRUCK, 0, departure_min=350.0))
    assert report.codes() == {SHIFT}
    assert one(report, SHIFT, TRUCK, 0).amount == pytest.approx(10)


def test_shift_late_return(tiny: Instance) -> None:
    # The swap van idles at SW until 880 and is back at 980, 80 min after its shift (420-900).
    report = validate(tiny, with_stop(SPARSE, SWAPPER, 2, departure_min=880.0))
    assert report.codes() == {SHIFT}
    assert one(report, SHIFT, SWAPPER, 3).amount == pytest.approx(80)


def test_pickup_order(tiny: Instance) -> None:
    ev = list(SPARSE.routes[EV].stops)
    ev[3], ev[4] = ev[4], ev[3]
    assert one(validate(tiny, with_stops(SPARSE, EV, ev)), PICKUP_ORDER, EV, 3)


def test_pickup_order_half_served_or_split(tiny: Instance) -> None:
    ev = [s for s in SPARSE.routes[EV].stops if s.kind != "delivery"]
    report = validate(tiny, with_stops(SPARSE, EV, ev))
    assert one(report, PICKUP_ORDER, EV, 3)
    split = with_stops(SPARSE, EV, ev)
    split = with_stops(
        split, SWAPPER, [*SPARSE.routes[SWAPPER].stops[:-1], Stop("delivery", "S1"), depot()]
    )
    assert "route" in one(validate(tiny, split), PICKUP_ORDER, SWAPPER, 3).message


def test_station_hours(tiny: Instance) -> None:
    # Charging from the arrival at 590 for 50 min overruns the window closing at 600 by 40 min
    # (and starts 40 min before the next window opens).
    report = validate(tiny, with_stop(SPARSE, EV, 2, start_min=590.0))
    assert report.codes() == {STATION_HOURS}
    assert one(report, STATION_HOURS, EV, 2).amount == pytest.approx(40)


def test_full_recharge(tiny: Instance) -> None:
    full = replace(tiny, rules=Rules(full_recharge=True))
    # 55 kWh charged where 100 - 35 = 65 are needed.
    report = validate(full, SPARSE)
    assert report.codes() == {FULL_RECHARGE}
    assert one(report, FULL_RECHARGE, EV, 2).amount == pytest.approx(10)
    # Without a reported amount the charger fills the battery: 35->80 at 90 kW (30 min) and
    # 80->100 at 30 kW (40 min); 590+70 overruns 600, so 630-700.
    sparse = with_stop(SPARSE, EV, 2, charged_kwh=None)
    ok = validate(full, sparse)
    assert ok.feasible, ok.summary()
    ch = ok.solution.routes[EV].stops[2]
    assert ch.charged_kwh == pytest.approx(65)
    assert (ch.start_min, ch.departure_min) == pytest.approx((630, 700))


def test_charge_time(tiny: Instance) -> None:
    report = validate(tiny, with_stop(SPARSE, EV, 2, departure_min=660.0))
    assert report.codes() == {CHARGE_TIME}
    assert one(report, CHARGE_TIME, EV, 2).amount == pytest.approx(20)


def test_instant_charging_takes_no_time(tiny: Instance) -> None:
    instant = replace(tiny, rules=Rules(instant_charging=True))
    report = validate(instant, SPARSE)
    assert report.feasible, report.summary()
    ch = report.solution.routes[EV].stops[2]
    assert ch.start_min == pytest.approx(590) and ch.departure_min == pytest.approx(590)


def test_battery_overfull_and_negative_charge(tiny: Instance) -> None:
    over = validate(tiny, with_stop(SPARSE, EV, 2, charged_kwh=70.0))
    assert one(over, BATTERY_OVERFULL, EV, 2).amount == pytest.approx(5)
    neg = validate(tiny, with_stop(SPARSE, EV, 2, charged_kwh=-5.0))
    assert one(neg, NEGATIVE_CHARGE, EV, 2).amount == pytest.approx(5)


def test_unknown_vehicle(tiny: Instance) -> None:
    report = validate(tiny, with_route(SPARSE, TRUCK, vehicle="bus"))
    assert one(report, UNKNOWN_VEHICLE, TRUCK, None)
    # Its jobs still count as served, so nothing is reported missing.
    assert MISSING_JOB not in report.codes()


def test_vehicle_unit_out_of_range_and_reused(tiny: Instance) -> None:
    # The ev entry has count 2: units 0 and 1.
    assert one(validate(tiny, with_route(SPARSE, EV_IDLE, unit=2)), VEHICLE_UNIT, EV_IDLE, None)
    twice = validate(tiny, with_route(SPARSE, EV_IDLE, unit=0))
    v = one(twice, VEHICLE_UNIT, EV_IDLE, None)
    assert "already drives route 1" in v.message
    # A third route for the single truck is a vehicle-count violation too.
    extra = replace(SPARSE, routes=(*SPARSE.routes, Route("truck", (depot(), depot()))))
    assert one(validate(tiny, extra), VEHICLE_UNIT, 4, None)


def test_not_electric(tiny: Instance) -> None:
    sol = with_stops(SPARSE, TRUCK, [depot(), job("J2"), Stop("station", "CH"), job("J3"), depot()])
    assert one(validate(tiny, sol), NOT_ELECTRIC, TRUCK, 2)


def test_station_kind(tiny: Instance) -> None:
    # The plug-in truck has no swappable pack: a visit to the swap station SW is not allowed.
    sol = with_stops(SPARSE, EV, [depot(), job("J1"), Stop("station", "SW"), depot()])
    report = validate(tiny, sol)
    assert one(report, STATION_KIND, EV, 2)


def test_max_duration(tiny: Instance) -> None:
    # The truck leaves J3 at 625 instead of 610: back at 665, 305 min out, limit 300.
    report = validate(tiny, with_stop(SPARSE, TRUCK, 2, departure_min=625.0))
    assert report.codes() == {MAX_DURATION}
    assert one(report, MAX_DURATION, TRUCK, None).amount == pytest.approx(5)


def test_unserved_not_allowed(tiny: Instance) -> None:
    strict = replace(tiny, objective=Objective("cost", 100.0, unserved_penalty=None))
    report = validate(strict, SPARSE)
    assert report.codes() == {UNSERVED_NOT_ALLOWED}
    assert "'J5'" in one(report, UNSERVED_NOT_ALLOWED, None, None).message
    assert report.totals.cost["penalty"] == 0


def test_time_inconsistent(tiny: Instance) -> None:
    # J1: arrival is 480 + 50 = 530, not 520.
    report = validate(tiny, with_stop(SPARSE, EV, 1, arrival_min=520.0))
    assert report.codes() == {TIME_INCONSISTENT}
    assert one(report, TIME_INCONSISTENT, EV, 1).amount == pytest.approx(10)
    # Service starting before the arrival, and leaving before the 10 min of service are over.
    early = validate(tiny, with_stop(SPARSE, EV, 1, start_min=520.0))
    assert one(early, TIME_INCONSISTENT, EV, 1).amount == pytest.approx(10)
    rushed = validate(tiny, with_stop(SPARSE, EV, 1, departure_min=535.0))
    assert one(rushed, TIME_INCONSISTENT, EV, 1).amount == pytest.approx(5)


def test_stop_mismatch(tiny: Instance) -> None:
    report = validate(tiny, with_stop(SPARSE, EV, 1, load_kg=100.0, soc_arrival_kwh=61.0))
    assert report.codes() == {STOP_MISMATCH}
    assert sorted(v.amount or 0.0 for v in report.violations) == pytest.approx([1.0, 100.0])
    # A swap always fills the pack: reporting 30 kWh there is wrong (it was 40).
    swap = validate(tiny, with_stop(SPARSE, SWAPPER, 2, charged_kwh=30.0))
    assert one(swap, STOP_MISMATCH, SWAPPER, 2).amount == pytest.approx(10)
    cost = validate(tiny, with_stop(SPARSE, EV, 2, charge_cost=19.0))
    assert one(cost, STOP_MISMATCH, EV, 2).amount == pytest.approx(0.1875)
    # A diesel truck has no state of charge to report.
    diesel = validate(tiny, with_stop(SPARSE, TRUCK, 1, soc_arrival_kwh=0.0))
    assert one(diesel, STOP_MISMATCH, TRUCK, 1)


def test_unknown_ref_and_route_shape(tiny: Instance) -> None:
    sol = with_stops(SPARSE, TRUCK, [depot(), job("J2"), job("J99"), job("J3"), depot()])
    v = one(validate(tiny, sol), UNKNOWN_REF, TRUCK, 2)
    assert "'J99'" in v.message
    wrong_kind = with_stops(
        SPARSE, TRUCK, [depot(), job("J2"), job("J3"), Stop("station", "J1"), depot()]
    )
    assert "is a job" in one(validate(tiny, wrong_kind), UNKNOWN_REF, TRUCK, 3).message
    assert one(validate(tiny, replace(SPARSE, unserved=("J5", "nope"))), UNKNOWN_REF, None, None)
    open_end = with_stops(SPARSE, TRUCK, [depot(), job("J2"), job("J3")])
    report = validate(tiny, open_end)
    assert one(report, ROUTE_ENDPOINTS, TRUCK, 2)
    # The implicit return to the depot is still driven: same 120 km as the closed route.
    assert report.totals.distance_km == pytest.approx(560)
    mid = with_stops(SPARSE, TRUCK, [depot(), job("J2"), depot(), job("J3"), depot()])
    assert one(validate(tiny, mid), DEPOT_MID_ROUTE, TRUCK, 2)


def test_all_violations_are_reported_at_once(tiny: Instance, plan: Solution) -> None:
    sol = with_stop(plan, EV, 0, departure_min=560.0)  # TIME_WINDOW (and totals change)
    sol = with_stop(sol, TRUCK, 0, departure_min=350.0)  # SHIFT
    sol = with_stop(sol, SWAPPER, 2, charged_kwh=30.0)  # STOP_MISMATCH
    sol = replace(sol, unserved=())  # MISSING_JOB
    codes = validate(tiny, sol).codes()
    assert {TIME_WINDOW, SHIFT, STOP_MISMATCH, MISSING_JOB, TOTAL_MISMATCH} <= codes


# ----- the E-VRPTW rules, by hand ----------------------------------------------------------------
G_MIN_PER_KWH = 3.47  # the E-VRPTW "inverse recharging rate" g of the c1 / r1 instances
Q_KWH = 100.0


def make_evrptw_like() -> Instance:
    """Schneider et al.'s rules on three places: full recharge, linear charging at 60/g kW
    (g minutes per kWh), one kWh per km, one minute per km, charge never below 0."""
    coords = {"D0": (0.0, 0.0), "C1": (30.0, 40.0), "S1": (60.0, 80.0), "S2": (30.0, 0.0)}
    ix = {k: i for i, k in enumerate(coords)}
    return Instance(
        name="evrptw-like",
        locations=tuple(Location(k, c) for k, c in coords.items()),
        depots=(Depot("D0", ix["D0"], opening=TimeWindow(0, 1000)),),
        vehicle_types=(
            VehicleType(
                "ev", "bev", capacity_kg=200, battery_kwh=Q_KWH, consumption_per_km_empty=1.0
            ),
        ),
        vehicles=(Vehicle("ev", "ev", "D0", count=5),),
        jobs=(Job("C1", ix["C1"], "delivery", 10, 0, (TimeWindow(0, 1000),), 90),),
        stations=tuple(
            Station(s, ix[s], "charger", power_kw=60.0 / G_MIN_PER_KWH) for s in ("S1", "S2")
        ),
        travel=Travel("euclidean", speed_kmh=60.0),
        objective=Objective("vehicles_then_distance"),
        rules=Rules(full_recharge=True),
    )


@pytest.mark.parametrize(
    ("station", "level_kwh", "distance_km"),
    [
        # D0->C1 50 km, C1->S1 50 km: arrives with 100-50-50 = 0; S1->D0 100 km.
        ("S1", 0.0, 200.0),
        # D0->C1 50 km, C1->S2 40 km: arrives with 10; S2->D0 30 km.
        ("S2", 10.0, 120.0),
    ],
)
def test_evrptw_full_recharge_takes_g_times_the_missing_energy(
    station: str, level_kwh: float, distance_km: float
) -> None:
    inst = make_evrptw_like()
    sol = Solution(
        inst.name,
        (
            Route(
                "ev",
                (Stop("depot", "D0"), job("C1"), Stop("station", station), Stop("depot", "D0")),
            ),
        ),
    )
    report = validate(inst, sol)
    assert report.feasible, report.summary()
    stop = report.solution.routes[0].stops[2]
    assert stop.soc_arrival_kwh == pytest.approx(level_kwh, abs=1e-9)
    assert stop.charged_kwh == pytest.approx(Q_KWH - level_kwh)
    assert stop.departure_min - stop.start_min == pytest.approx(G_MIN_PER_KWH * (Q_KWH - level_kwh))  # type: ignore[operator]
    assert report.totals.distance_km == pytest.approx(distance_km)
    # Charging less than the fill breaks the full-recharge rule.
    partial = with_stop(sol, 0, 2, charged_kwh=60.0)
    v = one(validate(inst, partial), FULL_RECHARGE, 0, 2)
    assert v.amount == pytest.approx(Q_KWH - level_kwh - 60.0)


def test_evrptw_charge_may_reach_zero_but_not_below() -> None:
    inst = make_evrptw_like()
    # D0 -> C1 -> D0: 50 + 50 = 100 km on a full 100 kWh battery: exactly 0 left, allowed.
    there_and_back = Solution(
        inst.name, (Route("ev", (Stop("depot", "D0"), job("C1"), Stop("depot", "D0"))),)
    )
    assert validate(inst, there_and_back).feasible
    # With a 90 kWh battery the same trip ends 10 kWh below zero.
    small = replace(inst, vehicle_types=(replace(inst.vehicle_types[0], battery_kwh=90.0),))
    assert one(validate(small, there_and_back), BATTERY, 0, 2).amount == pytest.approx(10)


def test_public_evrptw_example() -> None:
    """The verifier's example solution for r205_21: feasible, 6 routes, 974.832."""
    if importlib.util.find_spec("optimizer.formats.evrptw") is None:
        pytest.skip("optimizer.formats.evrptw is not there yet")
    evrptw = pytest.importorskip("optimizer.formats.evrptw")
    inst = evrptw.read_instance(benchmark_file("evrptw", "r205_21.txt"))
    sol = evrptw.read_solution(benchmark_file("evrptw", "r205_21.sol.txt"), inst)
    report = validate(inst, sol)
    assert report.feasible, report.summary()
    assert len(sol.routes) == 6
    assert report.totals.vehicles_used == 6
    assert report.totals.distance_km == pytest.approx(974.832, abs=1e-3)


# ----- property: arbitrary stop sequences never crash the validator ------------------------------
TINY = make_tiny()
STOP_REFS = [
    ("depot", "D"),
    ("depot", "X"),
    *(("job", j.id) for j in TINY.jobs),
    ("job", "S1"),
    ("pickup", "S1"),
    ("delivery", "S1"),
    ("station", "CH"),
    ("station", "SW"),
    ("station", "J1"),
    ("nonsense", "D"),
]
#: Issue 23: NaN and infinities are drawn too (a plan built in Python may hold them).
non_finite = st.sampled_from([math.nan, math.inf, -math.inf])
maybe_time = st.none() | st.floats(0, 1500, allow_nan=False) | non_finite
stops_st = st.builds(
    lambda ref, arr, start, dep, charged: Stop(
        ref[0], ref[1], arrival_min=arr, start_min=start, departure_min=dep, charged_kwh=charged
    ),
    st.sampled_from(STOP_REFS),
    maybe_time,
    maybe_time,
    maybe_time,
    st.none() | st.floats(-10, 200, allow_nan=False) | non_finite,
)
routes_st = st.builds(
    Route,
    st.sampled_from(["truck", "ev", "swapper", "bus"]),
    st.lists(stops_st, max_size=7).map(tuple),
    st.integers(-1, 2),
)
solutions_st = st.builds(
    Solution,
    st.just("tiny"),
    st.lists(routes_st, max_size=4).map(tuple),
    st.lists(st.sampled_from(["J1", "J2", "J5", "S1", "zz"]), max_size=3).map(tuple),
    st.builds(
        Totals,
        st.none() | st.floats(0, 1000, allow_nan=False) | non_finite,
        vehicles_used=st.none() | st.integers(0, 5),
        cost=st.dictionaries(
            st.sampled_from(["total", "fixed", "tolls"]), st.floats(0, 1e4) | non_finite
        ),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(solutions_st)
def test_random_plans_never_crash(sol: Solution) -> None:
    report = validate(TINY, sol)
    assert isinstance(report, Report)
    assert report.feasible == (not report.violations)
    assert all(v.code in CODES for v in report.violations)
    assert all(v.route is None or 0 <= v.route < len(sol.routes) for v in report.violations)
    assert all(v.amount is None or math.isfinite(v.amount) for v in report.violations)
    json.dumps(report.to_dict(), allow_nan=False)
    assert isinstance(report.summary(), str)
    reported = [
        getattr(stop, f)
        for route in sol.routes
        for stop in route.stops
        for f in ("arrival_min", "start_min", "departure_min", "charged_kwh")
    ]
    reported += [sol.totals.distance_km, *sol.totals.cost.values()]
    if any(x is not None and not math.isfinite(x) for x in reported):
        assert not report.feasible, "a plan with a NaN or infinite figure must be flagged"
    # The filled solution agrees with itself: a second pass finds the same totals and no figure
    # that disagrees with its recomputation.
    again = validate(TINY, report.solution)
    assert again.totals == report.totals
    assert not again.codes() & {STOP_MISMATCH, TOTAL_MISMATCH}
    if report.feasible:
        assert again.feasible


def test_expected_totals_constant_matches_the_docstring() -> None:
    assert EXPECTED_TOTALS.cost["total"] == pytest.approx(
        300 + 172 + 395 + 115.775 + 24.6005 + 1000
    )
