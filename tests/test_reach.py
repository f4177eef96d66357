"""Reachability: tiny instances on a line, with the energies and times worked out by hand.

Conventions of every instance here: euclidean km with no detour, 60 km/h (1 km = 1 min), consumption
1.0 kWh/km empty (1.5 full), a 100 kWh battery with a 10 kWh reserve, so 90 kWh are usable and the
round trip depot -> job -> depot reaches 45 km at best.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

import pytest

import optimizer
from optimizer.model import (
    Depot,
    Instance,
    Job,
    Location,
    Shipment,
    ShipmentStop,
    Station,
    TimeWindow,
    Travel,
    Vehicle,
    VehicleType,
    Zone,
)
from optimizer.reach import (
    analyse,
    fleet_shortfall,
    format_clock,
    station_graph,
    unreachable_jobs,
)

from .conftest import INSTANCES, benchmark_file

BEV = VehicleType(
    id="bev",
    carrier="bev",
    capacity_kg=10_000.0,
    battery_kwh=100.0,
    reserve_kwh=10.0,
    consumption_per_km_empty=1.0,
    consumption_per_km_full=1.5,
)
SWAP = VehicleType(
    id="swapper",
    carrier="swap",
    capacity_kg=10_000.0,
    battery_kwh=100.0,
    reserve_kwh=10.0,
    consumption_per_km_empty=1.0,
    consumption_per_km_full=1.5,
)
DIESEL = VehicleType(
    id="diesel",
    carrier="diesel",
    capacity_kg=30_000.0,
    consumption_per_km_empty=0.24,
    consumption_per_km_full=0.38,
    banned_zones=("core",),
)
VAN = VehicleType(
    id="van",
    carrier="bev",
    capacity_kg=1_000.0,
    capacity_m3=8.0,
    battery_kwh=40.0,
    reserve_kwh=4.0,
    consumption_per_km_empty=0.2,
)


def make(
    jobs: Sequence[tuple[str, float, dict[str, Any]]],
    *,
    stations: Sequence[tuple[str, float, dict[str, Any]]] = (),
    types: tuple[VehicleType, ...] = (BEV,),
    vehicle: dict[str, Any] | None = None,
    shipments: Sequence[tuple[str, float, float, dict[str, Any]]] = (),
    zone: tuple[float, float] = (1000.0, 1001.0),
) -> Instance:
    """An instance on the x axis: the depot at 0, each job, station and shipment end at its x (km).

    One vehicle entry per type, all from the depot; ``vehicle`` adds fields to each entry.
    ``zone`` is the x range of a 2 km tall rectangle called ``core`` (far away unless given).
    """
    locs = [Location("depot", (0.0, 0.0))]

    def at(name: str, x: float) -> int:
        locs.append(Location(name, (x, 0.0)))
        return len(locs) - 1

    job_objs = [Job(jid, at(jid, x), **kw) for jid, x, kw in jobs]
    st_objs = [Station(sid, at(sid, x), **kw) for sid, x, kw in stations]
    ship_objs = [
        Shipment(
            sid,
            ShipmentStop(at(f"{sid}-p", xp), kw.get("pickup_windows", ())),
            ShipmentStop(at(f"{sid}-d", xd), kw.get("delivery_windows", ())),
            **{k: v for k, v in kw.items() if not k.endswith("_windows")},
        )
        for sid, xp, xd, kw in shipments
    ]
    a, b = zone
    zones = (Zone("core", ((a, -1.0), (b, -1.0), (b, 1.0), (a, 1.0))),)
    return Instance(
        name="line",
        locations=tuple(locs),
        depots=(Depot("d", 0, TimeWindow(0.0, 1440.0)),),
        vehicle_types=types,
        vehicles=tuple(Vehicle(f"v-{t.id}", t.id, "d", **(vehicle or {})) for t in types),
        jobs=tuple(job_objs),
        shipments=tuple(ship_objs),
        stations=tuple(st_objs),
        zones=zones,
        travel=Travel(metric="euclidean", detour_factor=1.0, speed_kmh=60.0),
    )


# ----------------------------------------------------------------------------------------------
# range
def test_round_trip_exactly_at_the_limit_is_reachable() -> None:
    # 100 kWh - 45 km out - 45 km back = 10 kWh = the reserve: just enough.
    assert unreachable_jobs(make([("j", 45.0, {})])) == {}


def test_one_kwh_beyond_the_limit_is_out_of_range() -> None:
    # 100 - 45.5 - 45.5 = 9 kWh, 1 kWh below the reserve.
    out = unreachable_jobs(make([("j", 45.5, {})]))
    assert list(out) == ["j"]
    assert out["j"].startswith("out of range")
    assert "1.0 kWh short" in out["j"]


def test_a_charger_half_way_makes_a_far_job_reachable() -> None:
    # Job at 70 km. Direct: 100 - 70 - 70 = -40, 50 kWh short of the 10 kWh reserve.
    far = make([("j", 70.0, {})])
    assert "50.0 kWh short" in unreachable_jobs(far)["j"]
    # Charger at 30 km: depot -> charger 30 kWh (70 left), full again (100), -> job 40 (60 left),
    # -> charger 40 (20 left >= 10). Margin 20 - 10 = 10 kWh.
    inst = make([("j", 70.0, {})], stations=[("cs", 30.0, {"power_kw": 50.0})])
    assert unreachable_jobs(inst) == {}


def test_a_chain_of_two_chargers() -> None:
    # Job at 140 km. Chargers at 50 and 100: depot -> cs1 (50 left) -> cs2 (50 left) -> job
    # (60 left) -> cs2 (20 left). The depot cannot reach cs2 directly (100 - 100 = 0 < 10), so
    # the job needs the chain; cs2 gets home through cs1 (50 + 50 km).
    chain = [("cs1", 50.0, {"power_kw": 50.0}), ("cs2", 100.0, {"power_kw": 50.0})]
    inst = make([("j", 140.0, {})], stations=chain)
    assert unreachable_jobs(inst) == {}
    g = station_graph(inst, inst.vehicles[0])
    assert g.has_edge("@start", "cs1") and not g.has_edge("@start", "cs2")
    assert g.has_edge("cs1", "cs2") and g.has_edge("cs2", "cs1") and g.has_edge("cs1", "@end")
    assert g.edges["cs1", "cs2"]["energy_kwh"] == pytest.approx(50.0)
    # Without cs1, cs2 is out of reach and the job too: best is 100 - 140 - 140 - 10 = -190.
    alone = make([("j", 140.0, {})], stations=chain[1:])
    assert "190.0 kWh short" in unreachable_jobs(alone)["j"]


def test_a_bev_cannot_use_a_swap_station_but_a_swap_truck_can() -> None:
    swap_station = [("sw", 30.0, {"kind": "swap", "swap_min": 5.0})]
    assert "j" in unreachable_jobs(make([("j", 70.0, {})], stations=swap_station))
    assert unreachable_jobs(make([("j", 70.0, {})], stations=swap_station, types=(SWAP,))) == {}


def test_a_station_closed_during_the_whole_shift_is_not_used() -> None:
    # Open 22:00-23:00, the shift is 06:00-20:00.
    closed = [("cs", 30.0, {"power_kw": 50.0, "opening": (TimeWindow(1320.0, 1380.0),)})]
    shift = {"shift": TimeWindow(360.0, 1200.0)}
    assert "j" in unreachable_jobs(make([("j", 70.0, {})], stations=closed, vehicle=shift))


def test_initial_charge_counts_from_the_depot() -> None:
    # 60 % of 100 kWh: 60 - 25 - 25 = 10 = reserve at 25 km, short by 1 kWh at 25.5 km.
    half = {"initial_soc": 0.6}
    assert unreachable_jobs(make([("j", 25.0, {})], vehicle=half)) == {}
    assert "1.0 kWh short" in unreachable_jobs(make([("j", 25.5, {})], vehicle=half))["j"]


def test_a_diesel_truck_has_no_range_limit() -> None:
    assert unreachable_jobs(make([("j", 500.0, {})], types=(BEV, DIESEL))) == {}


def test_charging_between_pickup_and_delivery() -> None:
    # Pickup at +40, delivery at -40. Direct: 100 - 40 (60 at pickup) - 80 (-20 at delivery): no.
    # With a charger at 0 (beside the depot): pickup (60) -> charger (20 >= 10), full (100) ->
    # delivery (60) -> depot (20): margin 10 kWh.
    ship: list[tuple[str, float, float, dict[str, Any]]] = [("s", 40.0, -40.0, {})]
    assert "out of range" in unreachable_jobs(make([], shipments=ship))["s"]
    inst = make([], shipments=ship, stations=[("cs", 0.0, {"power_kw": 50.0})])
    assert unreachable_jobs(inst) == {}


# ----------------------------------------------------------------------------------------------
# capacity and zones
def test_too_heavy_and_too_bulky() -> None:
    inst = make(
        [
            ("heavy", 5.0, {"weight_kg": 30_001.0}),
            ("bulky", 5.0, {"weight_kg": 10.0, "volume_m3": 9.0}),
            ("fits", 5.0, {"weight_kg": 30_000.0}),
        ],
        types=(VAN, DIESEL),
    )
    out = unreachable_jobs(inst)
    assert set(out) == {"heavy"}  # diesel has no volume limit, so "bulky" fits it
    assert out["heavy"] == "too heavy: 30001 kg, the largest capacity is 30000 kg"
    only_van = make([("bulky", 5.0, {"weight_kg": 10.0, "volume_m3": 9.0})], types=(VAN,))
    assert unreachable_jobs(only_van)["bulky"] == "too bulky: 9 m3, the largest capacity is 8 m3"


def test_banned_when_only_the_diesel_truck_can_carry_it() -> None:
    # 20 t: only the diesel truck (30 t) can carry it, and the job lies in the core (x 3..8).
    # "outside" lies the other way from the depot (beyond the core, every way there runs through
    # it: see test_a_task_reached_only_through_a_banned_zone).
    jobs = [("in-core", 5.0, {"weight_kg": 20_000.0}), ("outside", -10.0, {"weight_kg": 20_000.0})]
    out = unreachable_jobs(make(jobs, types=(BEV, DIESEL), zone=(3.0, 8.0)))
    assert set(out) == {"in-core"}
    assert out["in-core"].startswith("banned: lies in zone core")
    assert "diesel" in out["in-core"]
    # A light job in the core is fine: the battery truck may go there.
    assert unreachable_jobs(make([("light", 5.0, {})], types=(BEV, DIESEL), zone=(3.0, 8.0))) == {}


def test_a_station_in_a_banned_zone_is_not_used() -> None:
    banned_bev = VehicleType(**{**_fields(BEV), "banned_zones": ("core",)})
    stations = [("cs", 30.0, {"power_kw": 50.0})]
    inst = make([("j", 70.0, {})], stations=stations, types=(banned_bev,), zone=(29.0, 31.0))
    # The same distances as a matrix: the leg to j no longer says it crosses the zone (on the
    # x axis it does), so only the station's own ban is left to show.
    inst = replace(
        inst, travel=Travel("matrix", distance_km=inst.distance_km, duration_min=inst.duration_min)
    )
    assert "out of range" in unreachable_jobs(inst)["j"]


def _fields(vt: VehicleType) -> dict[str, Any]:
    return {name: getattr(vt, name) for name in vt.__dataclass_fields__}


# ----------------------------------------------------------------------------------------------
# time
def test_window_closed_before_anyone_arrives() -> None:
    # 20 km = 20 min from the depot; the shift starts at 06:00, so the earliest arrival is 06:20.
    # (Without a shift the vehicle would start with the depot's opening at 00:00 and be in time.)
    assert (
        unreachable_jobs(make([("j", 20.0, {"time_windows": (TimeWindow(300.0, 370.0),)})])) == {}
    )
    late = make(
        [("j", 20.0, {"time_windows": (TimeWindow(300.0, 370.0),)})],
        vehicle={"shift": TimeWindow(360.0, 1200.0)},
    )
    reason = unreachable_jobs(late)["j"]
    assert reason == (
        "window unreachable: for the best vehicle (v-bev) the earliest arrival at the job 06:20"
        " is after its last window end 06:10"
    )
    # Exactly on time is fine: the window closes at 06:20.
    on_time = make(
        [("j", 20.0, {"time_windows": (TimeWindow(300.0, 380.0),)})],
        vehicle={"shift": TimeWindow(360.0, 1200.0)},
    )
    assert unreachable_jobs(on_time) == {}


def test_a_second_window_still_open_is_used() -> None:
    windows = (TimeWindow(300.0, 370.0), TimeWindow(600.0, 660.0))
    inst = make(
        [("j", 20.0, {"time_windows": windows})], vehicle={"shift": TimeWindow(360.0, 1200.0)}
    )
    assert unreachable_jobs(inst) == {}


def test_cannot_be_back_before_the_shift_ends() -> None:
    # Window opens at 19:30, 20 min of service, 20 min home: back at 20:10 after a shift end at 20:00.
    job = ("j", 20.0, {"time_windows": (TimeWindow(1170.0, 1200.0),), "service_min": 20.0})
    reason = unreachable_jobs(make([job], vehicle={"shift": TimeWindow(360.0, 1200.0)}))["j"]
    assert "earliest return to depot d 20:10" in reason and "shift end 20:00" in reason


def test_maximum_duration() -> None:
    # 30 km out, 30 back, 10 min of service: 70 min of work against a 60 min limit.
    job = ("j", 30.0, {"service_min": 10.0})
    out = unreachable_jobs(make([job], vehicle={"max_duration_min": 60.0}))
    assert "70 min" in out["j"]
    assert unreachable_jobs(make([job], vehicle={"max_duration_min": 70.0})) == {}


def test_shipment_delivery_window_after_pickup() -> None:
    # Pickup at 10 (service from 10 min at the earliest), delivery at 40 reached at 10 + 30 = 40 min,
    # but its window closes at 30.
    ship = [
        (
            "s",
            10.0,
            40.0,
            {"delivery_windows": (TimeWindow(0.0, 30.0),)},
        )
    ]
    reason = unreachable_jobs(make([], shipments=ship, types=(DIESEL,)))["s"]
    assert "arrival at the delivery 00:40" in reason


def test_speed_factor_slows_the_truck() -> None:
    slow = VehicleType(**{**_fields(DIESEL), "speed_factor": 0.5})
    job = ("j", 20.0, {"time_windows": (TimeWindow(0.0, 30.0),)})
    assert unreachable_jobs(make([job], types=(DIESEL,))) == {}  # 20 min
    assert "j" in unreachable_jobs(make([job], types=(slow,)))  # 40 min


# ----------------------------------------------------------------------------------------------
# the combined answer
def test_reasons_come_from_the_last_stage_any_vehicle_passed() -> None:
    # The van could be on time but cannot carry 2 t; the diesel truck carries it but is late.
    job = ("j", 30.0, {"weight_kg": 2_000.0, "time_windows": (TimeWindow(0.0, 35.0),)})
    slow = VehicleType(**{**_fields(DIESEL), "speed_factor": 0.5})
    out = unreachable_jobs(make([job], types=(VAN, slow)))
    assert out["j"].startswith("window unreachable: for the best vehicle (v-diesel)")


def test_reach_info_lists_the_vehicles_per_task() -> None:
    jobs = [("light", 5.0, {"weight_kg": 500.0}), ("heavy", 5.0, {"weight_kg": 5_000.0})]
    info = analyse(make(jobs, types=(VAN, DIESEL)))
    assert info.task_ids == ("light", "heavy")
    assert info.vehicle_ids == ("v-van", "v-diesel")
    assert info.vehicles_for("light") == ("v-van", "v-diesel")
    assert info.vehicles_for("heavy") == ("v-diesel",)
    assert info.can_serve.shape == (2, 2)
    assert info.unreachable == ()


def test_no_tasks() -> None:
    info = analyse(make([]))
    assert info.unreachable == () and info.can_serve.shape == (1, 0)


def test_format_clock() -> None:
    assert format_clock(0) == "00:00"
    assert format_clock(1199.6) == "20:00"
    assert format_clock(1500) == "25:00"
    assert format_clock(-30) == "-00:30"


def test_a_task_reached_only_through_a_banned_zone() -> None:
    # D (0, 0), A (10, 0) behind the square (4, -1)-(6, 1); N (5, 3) above it. Straight legs.
    locs = (Location("D", (0.0, 0.0)), Location("A", (10.0, 0.0)), Location("N", (5.0, 3.0)))
    dsl = VehicleType("dsl", "diesel", 1000.0, 0.3, banned_zones=("core",))
    square = Zone("core", ((4.0, -1.0), (6.0, -1.0), (6.0, 1.0), (4.0, 1.0)))
    alone = Instance(
        "legs",
        locs,
        (Depot("d", 0),),
        (dsl,),
        (Vehicle("v", "dsl", "d"),),
        jobs=(Job("A", 1, "delivery", 1.0),),
        zones=(square,),
    )
    why = unreachable_jobs(alone)["A"]
    assert why.startswith("banned: every way to it") and "core" in why and "dsl" in why
    # N is a place the truck may stop at, and D -> N -> A -> N -> D avoids the square: the
    # relaxation lets N serve as a waypoint, so A is no longer certainly unreachable.
    with_n = Instance(
        "legs",
        locs,
        (Depot("d", 0),),
        (dsl,),
        (Vehicle("v", "dsl", "d"),),
        jobs=(Job("A", 1, "delivery", 1.0), Job("N", 2, "delivery", 1.0)),
        zones=(square,),
    )
    assert unreachable_jobs(with_n) == {}


# ----------------------------------------------------------------------------------------------
# the fleet as a whole
def test_deliveries_that_fit_one_by_one_but_not_together() -> None:
    # Two deliveries of 6 t, one 10 t truck making one trip: each fits alone, not both.
    jobs = [("a", 5.0, {"weight_kg": 6_000.0}), ("b", 6.0, {"weight_kg": 6_000.0})]
    inst = make(jobs)
    assert unreachable_jobs(inst) == {}
    assert fleet_shortfall(inst) == (
        "the delivery jobs weigh 12000 kg together; the fleet (1 vehicle) carries at most"
        " 10000 kg on all its trips"
    )
    # Two trips carry both; so would a pickup in place of one delivery (it rides after the
    # delivery is dropped).
    assert fleet_shortfall(make(jobs, vehicle={"max_trips": 2})) is None
    mixed = [jobs[0], ("b", 6.0, {"weight_kg": 6_000.0, "kind": "pickup"})]
    assert fleet_shortfall(make(mixed)) is None


def test_deliveries_too_bulky_together() -> None:
    jobs = [("a", 5.0, {"weight_kg": 10.0, "volume_m3": 5.0}), ("b", 6.0, {"volume_m3": 5.0})]
    assert fleet_shortfall(make(jobs, types=(VAN,))) == (
        "the delivery jobs fill 10 m3 together; the fleet (1 vehicle) carries at most 8 m3 on"
        " all its trips"
    )
    # A diesel truck has no volume limit: the fleet's volume is then unbounded.
    assert fleet_shortfall(make(jobs, types=(VAN, DIESEL))) is None


def test_more_hours_of_work_than_the_shifts_hold() -> None:
    # Jobs 100 km either side of the depot, 60 min of service each, a 5 h limit: each alone is
    # 100 + 60 + 100 = 260 min; together at least 60 + 60 of service and 100 + 100 of driving
    # into the two places (from the depot, the nearest other place of each): 320 min = 5.3 h.
    jobs = [("east", 100.0, {"service_min": 60.0}), ("west", -100.0, {"service_min": 60.0})]
    inst = make(jobs, types=(DIESEL,), vehicle={"max_duration_min": 300.0})
    assert unreachable_jobs(inst) == {}
    assert fleet_shortfall(inst) == (
        "serving every stop and driving to each place takes at least 5.3 h; the fleet"
        " (1 vehicle) works at most 5.0 h in all"
    )
    # A 6 h limit holds the bound (the route itself, 400 min of driving and 120 of service,
    # would still not fit: the bound is a relaxation and says nothing then).
    assert fleet_shortfall(make(jobs, types=(DIESEL,), vehicle={"max_duration_min": 360.0})) is None
    two = make(jobs, types=(DIESEL,), vehicle={"max_duration_min": 300.0, "count": 2})
    assert fleet_shortfall(two) is None


def test_a_stop_at_the_depot_needs_no_driving_in() -> None:
    # A job at the depot's own place and one 100 km out, 60 min of service each: at least 100 min
    # of driving (into the far one only: a unit may start its day at the depot's job) and 120 min
    # of service, 3.7 h. Charged a way in from the nearest other place, the depot's job would add
    # 100 min more (5.3 h).
    locs = (Location("D", (0.0, 0.0)), Location("F", (100.0, 0.0)))

    def day(limit_min: float) -> Instance:
        return Instance(
            "depot-job",
            locs,
            (Depot("d", 0),),
            (VehicleType("dsl", "diesel", 30_000.0, 0.3),),
            (Vehicle("v", "dsl", "d", max_duration_min=limit_min),),
            jobs=(Job("home", 0, service_min=60.0), Job("far", 1, service_min=60.0)),
            travel=Travel(metric="euclidean", detour_factor=1.0, speed_kmh=60.0),
        )

    assert fleet_shortfall(day(230.0)) is None
    assert fleet_shortfall(day(215.0)) == (
        "serving every stop and driving to each place takes at least 3.7 h; the fleet"
        " (1 vehicle) works at most 3.6 h in all"
    )


def test_jobs_only_some_vehicles_may_serve_must_fit_those_vehicles() -> None:
    # Two 6 t deliveries inside the diesel-free core (x 4-7 km): only the 10 t battery truck may
    # stop there. The whole fleet carries 40 t; the one truck that may serve them, 10 t.
    jobs = [("a", 5.0, {"weight_kg": 6_000.0}), ("b", 6.0, {"weight_kg": 6_000.0})]
    inst = make(jobs, types=(BEV, DIESEL), zone=(4.0, 7.0))
    assert unreachable_jobs(inst) == {}
    assert fleet_shortfall(inst) == (
        "the delivery jobs that only v-bev can serve weigh 12000 kg together; that vehicle"
        " carries at most 10000 kg on all its trips"
    )
    # The zone elsewhere lets the diesel truck take one; two trips let the battery truck take both.
    assert fleet_shortfall(make(jobs, types=(BEV, DIESEL))) is None
    assert (
        fleet_shortfall(make(jobs, types=(BEV, DIESEL), zone=(4.0, 7.0), vehicle={"max_trips": 2}))
        is None
    )


def test_hours_only_some_vehicles_may_work() -> None:
    # The same core, 200 min of service at each of its two jobs, 5 h for each truck: each job
    # alone is 5 + 200 + 5 min; together, for the battery truck that alone may serve them,
    # 400 min of service and 1 + 1 min of driving between them (the nearest other place of
    # each): 6.7 h. The fleet together works 10 h.
    jobs = [("a", 5.0, {"service_min": 200.0}), ("b", 6.0, {"service_min": 200.0})]
    five_h = {"max_duration_min": 300.0}
    inst = make(jobs, types=(BEV, DIESEL), zone=(4.0, 7.0), vehicle=five_h)
    assert unreachable_jobs(inst) == {}
    assert fleet_shortfall(inst) == (
        "serving the stops of the 2 jobs that only v-bev can serve and driving to each place"
        " takes at least 6.7 h; that vehicle works at most 5.0 h in all"
    )
    assert fleet_shortfall(make(jobs, types=(BEV, DIESEL), vehicle=five_h)) is None
    # What the solver hears: the reason, before any search.
    from optimizer import solve
    from optimizer.solver.infeasible import InfeasibleError

    with pytest.raises(InfeasibleError) as err:
        solve(inst, time_limit_s=5, seed=1)
    assert err.value.diagnosis == {"*": fleet_shortfall(inst)}


def test_a_group_is_counted_in_jobs_and_shipments_and_names_its_vehicles() -> None:
    # Five battery entries and a diesel one, 5 h each; eight jobs of 200 min (each alone well
    # within 5 h) and a shipment inside the core, where only the battery trucks may stop:
    # 1,600 min of service there against their 25 h. The fleet's 30 h would hold it.
    types = (*(replace(BEV, id=f"bev{k}") for k in range(5)), DIESEL)
    jobs = [(f"a{k}", 4.5 + 0.25 * k, {"service_min": 200.0}) for k in range(8)]
    inst = make(
        jobs,
        shipments=[("s", 5.6, 6.1, {})],
        types=types,
        zone=(4.0, 7.0),
        vehicle={"max_duration_min": 300.0},
    )
    assert unreachable_jobs(inst) == {}
    why = fleet_shortfall(inst)
    assert why is not None
    assert why.startswith(
        "serving the stops of the 8 jobs and 1 shipment that only v-bev0, v-bev1, v-bev2, v-bev3"
        " and 1 more can serve and driving to each place takes at least 26.7 h"
    )
    assert why.endswith("; those 5 vehicles work at most 25.0 h in all")


def test_more_work_before_the_windows_close_than_the_shifts_hold_by_then() -> None:
    # Two stops 60 km either side of the depot, 30 min of service each, windows closing at 08:00;
    # one truck from 06:00. Each alone: there at 07:00. Together, before 08:00: 60 + 60 min of
    # driving in and 60 of service, less the one service that may run past 08:00: 150 min, and
    # the truck has 120 by then. Its whole day (14 h) holds all of it.
    eight = {"time_windows": (TimeWindow(0.0, 480.0),), "service_min": 30.0}
    jobs = [("east", 60.0, eight), ("west", -60.0, eight)]
    shift = {"shift": TimeWindow(360.0, 1200.0)}
    inst = make(jobs, types=(DIESEL,), vehicle=shift)
    assert unreachable_jobs(inst) == {}
    assert fleet_shortfall(inst) == (
        "the 2 stops whose windows close by 08:00 take at least 2.5 h of driving and service"
        " before then; the fleet (1 vehicle) works at most 2.0 h by 08:00"
    )
    # Two trucks have 240 min by 08:00 against 120 + 60 - 2 x 30; windows to 09:00 give 180.
    assert fleet_shortfall(make(jobs, types=(DIESEL,), vehicle={**shift, "count": 2})) is None
    nine = {"time_windows": (TimeWindow(0.0, 540.0),), "service_min": 30.0}
    late = [("east", 60.0, nine), ("west", -60.0, nine)]
    assert fleet_shortfall(make(late, types=(DIESEL,), vehicle=shift)) is None


def test_a_service_may_run_past_its_window() -> None:
    # Arrive 07:00, the window's last start, and serve 2 h: only the driving in (60 min) is work
    # before 07:00, which the truck from 06:00 has. Counting the service would refuse a valid day.
    jobs = [("far", 60.0, {"time_windows": (TimeWindow(0.0, 420.0),), "service_min": 120.0})]
    inst = make(jobs, types=(DIESEL,), vehicle={"shift": TimeWindow(360.0, 1200.0)})
    assert unreachable_jobs(inst) == {}
    assert fleet_shortfall(inst) is None


def test_the_solver_names_the_shortfall_instead_of_searching() -> None:
    """A day with more deliveries than its truck carries is refused at once with the reason,
    not after a search that could only say it found no position for some jobs."""
    from optimizer import solve
    from optimizer.solver.infeasible import InfeasibleError

    inst = make([("a", 5.0, {"weight_kg": 6_000.0}), ("b", 6.0, {"weight_kg": 6_000.0})])
    with pytest.raises(InfeasibleError) as err:
        solve(inst, time_limit_s=5, seed=1)
    assert err.value.diagnosis == {"*": fleet_shortfall(inst)}
    assert "12000 kg" in str(err.value)


def test_a_job_too_heavy_alone_is_named_before_the_fleet() -> None:
    from optimizer import solve
    from optimizer.solver.infeasible import InfeasibleError

    inst = make([("a", 5.0, {"weight_kg": 12_000.0})])
    assert fleet_shortfall(inst) is not None  # 12 t of deliveries, 10 t of truck
    with pytest.raises(InfeasibleError) as err:
        solve(inst, time_limit_s=5, seed=1)
    assert err.value.diagnosis == {"a": "too heavy: 12000 kg, the largest capacity is 10000 kg"}


@pytest.mark.parametrize("name", ["city-day-small.json", "city-day.json", "two-waves.json"])
def test_no_shortfall_on_the_bundled_days(name: str) -> None:
    """Days the solver plans validly (tests/solver) pass the bound: it never refuses a day that
    has a plan."""
    assert fleet_shortfall(optimizer.load(INSTANCES / name)) is None


@pytest.mark.parametrize(
    ("folder", "name"),
    [
        ("evrptw", "c101_21.txt"),
        ("evrptw", "r201_21.txt"),
        ("evrp-nl", "tc2c320s24cf0.xml"),
        ("cec2020-evrp", "E-n22-k4.evrp"),
        ("cvrp-x", "X-n101-k25.vrp"),
    ],
)
def test_no_shortfall_on_instances_with_known_plans(folder: str, name: str) -> None:
    """Public instances with best-known plans (X-n101-k25: 25 routes of a tight capacity, whose
    demand is 25 vehicles' worth at most) pass the bound."""
    assert fleet_shortfall(optimizer.load(benchmark_file(folder, name))) is None
