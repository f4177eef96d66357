"""Charging at the time-of-use tariffs on fixed routes (:mod:`optimizer.solver.tariffs`).

The case (Euclidean km, 60 km/h: one km takes one minute): depot D at 0, charger S at 30 km, one
delivery J at 60 km, 10 min service, window [0, ``window_end``]. One truck: 200 kWh, 1 kWh/km,
reserve 0, leaves at 0 with 30 % = 60 kWh, 30 money per hour, nothing per km. The charger gives
2 kWh a minute at ``peak`` money per kWh until minute 60 and ``valley`` after; the depot's
overnight refill costs 0.2 per kWh.

D -> S -> J -> D: the truck reaches S at 30 with 30 kWh and needs 90 kWh for the 90 km left, so it
charges at least 60 kWh (30 min). With peak 1.5 and valley 0.5:

- on arrival, 60 kWh: 90 at the charger, back at 30 + 30 + 30 + 10 + 60 = 160 with 0 kWh:
  refill 60 x 0.2 = 12, time 160 / 60 x 30 = 80; 182 in all;
- waiting for the valley at 60, 60 kWh: 30 + 12 + 190 / 60 x 30 = 137.

Every result is checked by the validator, and against a brute force over a grid of starts and
amounts that prices each candidate with the validator alone.
"""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import optimizer
from optimizer.model import (
    Depot,
    Instance,
    Job,
    Location,
    Objective,
    Rules,
    Station,
    TariffPeriod,
    TimeWindow,
    Vehicle,
    VehicleType,
)
from optimizer.solution import Route, Solution, Stop
from optimizer.solver.driver import SolveOptions
from optimizer.solver.tariffs import time_charging
from optimizer.validator import Report, validate

W = TimeWindow


def make_case(
    *,
    peak: float = 1.5,
    valley: float = 0.5,
    switch_min: float = 60.0,
    window_end: float = 300.0,
    full_recharge: bool = False,
    kind: str = "cost",
    cost_per_hour: float = 30.0,
) -> Instance:
    return Instance(
        name="tou-line",
        locations=(
            Location("D", (0.0, 0.0)),
            Location("S", (30.0, 0.0)),
            Location("J", (60.0, 0.0)),
        ),
        depots=(Depot("D", 0, opening=W(0, 600), energy_price_per_kwh=0.2),),
        vehicle_types=(
            VehicleType(
                "truck",
                "bev",
                capacity_kg=1000,
                battery_kwh=200,
                consumption_per_km_empty=1.0,
                consumption_per_km_full=1.0,
                cost_per_hour=cost_per_hour,
            ),
        ),
        vehicles=(Vehicle("ev", "truck", "D", initial_soc=0.3),),
        jobs=(Job("J", 2, weight_kg=500, service_min=10, time_windows=(W(0, window_end),)),),
        stations=(
            Station(
                "S",
                1,
                power_kw=120.0,
                tariff=(TariffPeriod(0.0, peak), TariffPeriod(switch_min, valley)),
            ),
        ),
        rules=Rules(full_recharge=full_recharge),
        objective=Objective(kind=kind),  # type: ignore[arg-type]
    )


def route(charged_kwh: float | None = 70.0, start_min: float | None = None) -> Solution:
    """D -> S -> J -> D, charging ``charged_kwh`` at S from ``start_min`` (None: on arrival)."""
    stops = (
        Stop("depot", "D"),
        Stop("station", "S", start_min=start_min, charged_kwh=charged_kwh),
        Stop("job", "J"),
        Stop("depot", "D"),
    )
    return Solution("tou-line", (Route("ev", stops),))


def total(rep: Report) -> float:
    return rep.totals.cost["total"]


def brute_force(inst: Instance) -> float:
    """The cheapest valid plan over starts 30, 35, ..., 150 and amounts 60, 65, ..., 170 kWh,
    each priced by the validator alone."""
    best = float("inf")
    for start in range(30, 151, 5):
        for kwh in range(60, 171, 5):
            rep = validate(inst, route(float(kwh), float(start)))
            if rep.feasible:
                best = min(best, total(rep))
    return best


def station_stop(rep: Report) -> Stop:
    return next(s for s in rep.solution.routes[0].stops if s.kind == "station")


def test_waits_for_the_valley_and_charges_just_enough() -> None:
    inst = make_case()
    early = validate(inst, route())
    assert early.feasible, early.summary()
    after, saving = time_charging(inst, early)
    assert after.feasible, after.summary()
    stop = station_stop(after)
    assert stop.arrival_min == pytest.approx(30.0)
    assert stop.start_min == pytest.approx(60.0)
    assert stop.charged_kwh == pytest.approx(60.0, abs=1e-5)
    assert total(after) == pytest.approx(137.0, abs=1e-4)
    assert saving.routes_changed == 1
    assert saving.cost_before == pytest.approx(total(early))
    assert saving.saved == pytest.approx(total(early) - 137.0, abs=1e-4)
    assert total(after) <= brute_force(inst) + 1e-4


def test_a_closing_window_keeps_the_charge_on_arrival() -> None:
    # J closes at 100: waiting until 60 would reach J at 120.
    inst = make_case(window_end=100.0)
    after, _ = time_charging(inst, validate(inst, route()))
    assert after.feasible, after.summary()
    stop = station_stop(after)
    assert stop.start_min == pytest.approx(30.0)
    assert stop.charged_kwh == pytest.approx(60.0, abs=1e-5)
    assert total(after) == pytest.approx(182.0, abs=1e-4)
    assert total(after) <= brute_force(inst) + 1e-4


def test_a_cheap_station_sells_what_the_depot_would() -> None:
    # The station sells at 0.1, below the depot's 0.2, and time is free: charge there all that
    # the day uses (120 kWh, up to 150: home with the 60 kWh it left with, so no refill).
    inst = make_case(peak=0.1, valley=0.1, cost_per_hour=0.0)
    after, _ = time_charging(inst, validate(inst, route()))
    assert after.feasible, after.summary()
    assert station_stop(after).charged_kwh == pytest.approx(120.0)
    assert total(after) == pytest.approx(12.0)
    assert total(after) <= brute_force(inst) + 1e-4


def test_full_recharge_rule_keeps_the_amount_and_moves_the_start() -> None:
    inst = make_case(full_recharge=True)
    after, _ = time_charging(inst, validate(inst, route(charged_kwh=None)))
    assert after.feasible, after.summary()
    stop = station_stop(after)
    assert stop.charged_kwh == pytest.approx(170.0)
    # 170 kWh: 0.5 x 170 = 85 in the valley against 255 at peak; 85 min of charging.
    assert stop.start_min == pytest.approx(60.0)


def test_other_objectives_are_left_alone() -> None:
    inst = make_case(kind="distance")
    early = validate(inst, route())
    after, saving = time_charging(inst, early)
    assert after is early
    assert saving.saved == 0.0


def test_a_plan_without_stations_is_returned_as_is() -> None:
    inst = make_case()
    plan = Solution("tou-line", (Route("ev", (Stop("depot", "D"), Stop("depot", "D"))),))
    rep = validate(inst, replace(plan, unserved=("J",)))
    after, saving = time_charging(inst, rep)
    assert after is rep and saving.routes_changed == 0


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    peak=st.floats(0.0, 3.0),
    valley=st.floats(0.0, 3.0),
    switch_min=st.sampled_from([20.0, 45.0, 60.0, 75.0, 100.0]),
    window_end=st.sampled_from([95.0, 120.0, 180.0, 300.0]),
    charged=st.sampled_from([60.0, 90.0, 170.0]),
)
def test_never_dearer_and_never_worse_than_the_grid(
    peak: float, valley: float, switch_min: float, window_end: float, charged: float
) -> None:
    inst = make_case(peak=peak, valley=valley, switch_min=switch_min, window_end=window_end)
    early = validate(inst, route(charged))
    if not early.feasible:
        return  # a late window with a long charge: no plan to improve
    after, _ = time_charging(inst, early)
    assert after.feasible, after.summary()
    assert total(after) <= total(early) + 1e-9
    assert total(after) <= brute_force(inst) + 1e-4


def test_solve_retimes_the_charge() -> None:
    inst = make_case()
    plain = optimizer.solve(inst, 2.0, 1, options=SolveOptions(time_charging=False))
    timed = optimizer.solve(inst, 2.0, 1)
    for plan in (plain, timed):
        assert validate(inst, plan).feasible
    assert [s.kind for s in timed.routes[0].stops] == ["depot", "station", "job", "depot"]
    assert timed.totals.cost["total"] == pytest.approx(137.0, abs=1e-4)
    assert timed.meta["charging_retimed_routes"] == 1
    assert timed.meta["charging_saved"] == pytest.approx(
        plain.totals.cost["total"] - 137.0, abs=1e-3
    )


def test_changes_that_overlap_at_a_single_charger_are_taken_one_at_a_time() -> None:
    # Two trucks, one charger. ev1 charges 70 kWh on arrival (30-65); ev2 leaves at 40 and
    # charges 70 kWh from 70, in the valley (70-105). Re-timed together, ev1 would wait for the
    # valley (60-90) and overlap ev2: the validator rejects that, so the routes are tried one at
    # a time: ev1's change still overlaps ev2's charge, ev2's (60 kWh, 70-100) is kept.
    base = make_case()
    station = replace(base.stations[0], chargers=1)
    inst = replace(
        base,
        vehicles=(
            Vehicle("ev1", "truck", "D", initial_soc=0.3),
            Vehicle("ev2", "truck", "D", initial_soc=0.3),
        ),
        jobs=(base.jobs[0], replace(base.jobs[0], id="J2")),
        stations=(station,),
    )

    def truck(vid: str, job: str, leave: float | None) -> Route:
        return Route(
            vid,
            (
                Stop("depot", "D", departure_min=leave),
                Stop("station", "S", charged_kwh=70.0),
                Stop("job", job),
                Stop("depot", "D"),
            ),
        )

    plan = Solution("tou-line", (truck("ev1", "J", None), truck("ev2", "J2", 40.0)))
    early = validate(inst, plan)
    assert early.feasible, early.summary()
    after, saving = time_charging(inst, early)
    assert after.feasible, after.summary()
    assert saving.routes_changed == 1
    ev1, ev2 = (next(s for s in r.stops if s.kind == "station") for r in after.solution.routes)
    assert (ev1.start_min, ev1.charged_kwh) == (pytest.approx(30.0), pytest.approx(70.0))
    assert (ev2.start_min, ev2.charged_kwh) == (pytest.approx(70.0), pytest.approx(60.0, abs=1e-5))
    assert total(after) < total(early)
