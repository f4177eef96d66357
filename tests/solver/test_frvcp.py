"""Exact charging on a fixed route (:mod:`optimizer.solver.frvcp`).

The oracle is an enumeration that shares no code with the recursion: every station choice per
leg, and at each station every charge level on a 0.25 kWh grid (plus "charge nothing"), costed by
the model's own charging minutes and the instance's matrices; its best route and the recursion's
are both priced by the validator. The recursion must never be dearer (it is exact over all
levels, the grid is a subset) and must be within the grid's rounding of it."""

from __future__ import annotations

import itertools
import math
import random
from dataclasses import replace

import pytest

import optimizer
from optimizer.model import (
    CurveSegment,
    Depot,
    Instance,
    Job,
    Location,
    Objective,
    Station,
    TariffPeriod,
    TimeWindow,
    Vehicle,
    VehicleType,
)
from optimizer.solution import Route, Solution, Stop
from optimizer.solver import frvcp
from optimizer.solver.frvcp import _envelope, _Fn, _suffix_min, best_charging
from optimizer.solver.options import SolveOptions, Work
from optimizer.validator import validate
from tests.conftest import benchmark_file

GRID_KWH = 0.25


def _square_day(swap: bool = False) -> Instance:
    """A van on a 240 km square loop (depot, three stores) with 54 usable kWh at 0.5 kWh/km
    empty and 0.6 loaded: it must charge at least twice. Three stations with different concave
    curves and prices, off the loop by a few km; optionally a swap station."""
    coords = {
        "D": (0.0, 0.0),
        "J1": (60.0, 0.0),
        "J2": (60.0, 60.0),
        "J3": (0.0, 60.0),
        "FAST": (30.0, 4.0),
        "SLOW": (63.0, 30.0),
        "MID": (30.0, 57.0),
        "SWAP": (-3.0, 30.0),
    }
    ix = {k: i for i, k in enumerate(coords)}
    stations = [
        Station(
            "FAST",
            ix["FAST"],
            curve=(CurveSegment(0.5, 120), CurveSegment(0.8, 60), CurveSegment(1.0, 20)),
            tariff=(TariffPeriod(0, 0.6),),
            fee_per_visit=1.0,
        ),
        Station("SLOW", ix["SLOW"], power_kw=40, tariff=(TariffPeriod(0, 0.2),)),
        Station(
            "MID",
            ix["MID"],
            curve=(CurveSegment(0.6, 90), CurveSegment(1.0, 15)),
            tariff=(TariffPeriod(0, 0.3),),
        ),
    ]
    if swap:
        stations.append(Station("SWAP", ix["SWAP"], kind="swap", swap_min=12))
    return Instance(
        name="square",
        locations=tuple(Location(k, c) for k, c in coords.items()),
        depots=(Depot("D", ix["D"], opening=TimeWindow(0, 2000), energy_price_per_kwh=0.15),),
        vehicle_types=(
            VehicleType(
                "van",
                "bev" if not swap else "swap",
                capacity_kg=1000,
                battery_kwh=60,
                reserve_kwh=6,
                consumption_per_km_empty=0.5,
                consumption_per_km_full=0.6,
                fixed_cost=50,
                cost_per_km=0.2,
                cost_per_hour=60,
            ),
        ),
        vehicles=(Vehicle("v", "van", "D"),),
        jobs=(
            Job("J1", ix["J1"], "delivery", 500, 0, (), 10),
            Job("J2", ix["J2"], "delivery", 300, 0, (), 10),
            Job("J3", ix["J3"], "pickup", 200, 0, (), 10),
        ),
        stations=tuple(stations),
        objective=Objective(kind="cost"),
    )


def _route(stops: list[Stop]) -> Route:
    return Route("v", (Stop("depot", "D"), *stops, Stop("depot", "D")))


def _oracle(inst: Instance) -> tuple[float, Route]:
    """The validator's cheapest route of D-J1-J2-J3-D over every station choice per leg and every
    charge level on the grid: a forward enumeration of (energy on leaving, cost so far) states,
    costed with the model's charging minutes and the objective's prices."""
    t = inst.vehicle_types[0]
    d, m = inst.distance_km, inst.duration_min
    depot_price = inst.depots[0].energy_price_per_kwh
    per_min = t.cost_per_hour / 60
    loads = [800.0, 300.0, 0.0, 200.0]  # leaving D, J1, J2, J3 (J3 picks up 200 kg)
    fixed = [0, 1, 2, 3, 0]
    levels = [k * GRID_KWH for k in range(int(t.battery_kwh / GRID_KWH) + 1)]
    states: dict[float, tuple[float, list[Stop]]] = {60.0: (0.0, [])}
    for leg, (a, b) in enumerate(itertools.pairwise(fixed)):
        rate = t.rate_per_km(loads[leg])
        per_km = t.cost_per_km + rate * depot_price  # driving, and its energy refilled at home
        nxt: dict[float, tuple[float, list[Stop]]] = {}

        def keep(
            soc: float,
            cost: float,
            path: list[Stop],
            nxt: dict[float, tuple[float, list[Stop]]] = nxt,
        ) -> None:
            key = round(soc, 9)
            if soc >= t.reserve_kwh - 1e-9 and (key not in nxt or cost < nxt[key][0]):
                nxt[key] = (cost, path)

        end = [] if leg == 3 else [Stop("job", f"J{leg + 1}")]
        for soc, (cost, path) in states.items():
            keep(soc - d[a, b] * rate, cost + d[a, b] * per_km + m[a, b] * per_min, path + end)
            for st in inst.stations:
                s = st.location
                arrive = soc - d[a, s] * rate
                if arrive < t.reserve_kwh - 1e-9:
                    continue
                drive = (d[a, s] + d[s, b]) * per_km + (m[a, s] + m[s, b]) * per_min
                if st.kind == "swap":
                    c = cost + drive + st.swap_min * per_min
                    keep(60.0 - d[s, b] * rate, c, [*path, Stop("station", st.id), *end])
                    continue
                for y in [arrive, *(v for v in levels if v > arrive)]:
                    money = (y - arrive) * (st.tariff[0].price_per_kwh - depot_price)
                    minutes = st.charge_minutes(t.battery_kwh or 0, arrive, y)
                    c = cost + drive + st.fee_per_visit + money + minutes * per_min
                    stop = Stop("station", st.id, charged_kwh=y - arrive)
                    keep(y - d[s, b] * rate, c, [*path, stop, *end])
        states = nxt
    _, path = min(states.values(), key=lambda x: x[0])
    route = _route(path)
    rep = validate(inst, Solution(inst.name, (route,)))
    assert rep.feasible, rep.summary()
    return rep.totals.cost["total"], route


def _exact(inst: Instance) -> tuple[float, Route]:
    timed = validate(
        inst,
        Solution(
            inst.name,
            (
                _route(
                    [
                        Stop("job", "J1"),
                        Stop("station", "SLOW"),
                        Stop("job", "J2"),
                        Stop("station", "MID"),
                        Stop("job", "J3"),
                    ]
                ),
            ),
        ),
    )
    assert timed.feasible, timed.summary()
    route = frvcp._recharged(inst, timed.solution.routes[0])
    assert route is not None
    rep = validate(inst, Solution(inst.name, (route,)))
    assert rep.feasible, rep.summary()
    return rep.totals.cost["total"], route


@pytest.mark.parametrize("swap", [False, True])
def test_exact_charging_is_never_dearer_than_every_grid_level_and_close_to_it(swap: bool) -> None:
    inst = _square_day(swap)
    exact, route = _exact(inst)
    grid, grid_route = _oracle(inst)
    assert exact <= grid + 1e-6, (route, grid_route)
    # A grid level is at most GRID_KWH from the exact one at each of at most 4 charges; a kWh
    # costs at most 0.5 min of the slowest curve's 15 kW... priced at 1 per minute: 4 per kWh.
    assert grid - exact <= 4 * GRID_KWH * 4.5, (route, grid_route)
    assert sum(s.kind == "station" for s in route.stops) >= 2


def _line_day() -> Instance:
    """A van 50 km out and back past a 60 kW charger 25 km out: 100 km at 0.6 kWh/km is 60 kWh,
    6 more than its 54 usable."""
    coords = {"D": (0.0, 0.0), "J": (50.0, 0.0), "CH": (25.0, 0.0)}
    ix = {k: i for i, k in enumerate(coords)}
    return Instance(
        name="line",
        locations=tuple(Location(k, c) for k, c in coords.items()),
        depots=(Depot("D", ix["D"]),),
        vehicle_types=(
            VehicleType(
                "van",
                "bev",
                capacity_kg=1000,
                battery_kwh=60,
                reserve_kwh=6,
                consumption_per_km_empty=0.6,
                cost_per_km=0.2,
                cost_per_hour=60,
            ),
        ),
        vehicles=(Vehicle("v", "van", "D"),),
        jobs=(Job("J", ix["J"], "delivery", 100, 0, (), 10),),
        stations=(Station("CH", ix["CH"], power_kw=60),),
        objective=Objective(kind="cost"),
    )


def test_one_charge_is_exactly_what_the_route_lacks() -> None:
    """The known optimum: charging takes time and nothing else changes, so the van charges the
    6 kWh it lacks, once (6 minutes at 60 kW), and arrives home at its reserve."""
    inst = _line_day()
    t = inst.vehicle_types[0]
    found = best_charging(inst, t, [0, 1, 0], [100.0, 0.0], 60.0)
    assert found is not None
    charges = [c for c in found.stops if c is not None]
    assert len(charges) == 1
    assert charges[0][0].id == "CH"
    assert charges[0][1] == pytest.approx(6.0, abs=1e-9)
    # Without a charge the route is infeasible; with 6 kWh the validator accepts it.
    route = _route_of(inst, found)
    rep = validate(inst, Solution(inst.name, (route,)))
    assert rep.feasible, rep.summary()
    assert rep.solution.routes[0].stops[-1].soc_arrival_kwh == pytest.approx(6.0, abs=1e-6)


def _route_of(inst: Instance, found: frvcp.Charging) -> Route:
    stops: list[Stop] = []
    for k, choice in enumerate(found.stops):
        if choice is not None:
            stops.append(Stop("station", choice[0].id, charged_kwh=choice[1]))
        if k == 0:
            stops.append(Stop("job", "J"))
    return _route(stops)


def _random_fn(rng: random.Random, lo: float, hi: float, k: int, jumps: bool) -> _Fn:
    xs = sorted({lo, hi, *(rng.uniform(lo, hi) for _ in range(k))})
    pieces = []
    for a, b in itertools.pairwise(xs):
        ya = rng.uniform(0, 10)
        yb = rng.uniform(0, 10) if jumps else ya + rng.uniform(-3, 3)
        pieces.append((a, ya, b, yb))
    return _Fn(tuple(pieces))


def _naive(pieces: list[tuple[float, float, float, float]], x: float) -> float:
    best = math.inf
    for a, ya, b, yb in pieces:
        if a - 1e-12 <= x <= b + 1e-12:
            best = min(best, ya if b == a else ya + (yb - ya) * (x - a) / (b - a))
    return best


def test_envelope_and_suffix_minimum_agree_with_sampling() -> None:
    rng = random.Random(3)
    for _ in range(40):
        fs = [
            _random_fn(rng, rng.uniform(0, 4), rng.uniform(6, 10), 5, rng.random() < 0.5)
            for _ in range(3)
        ]
        pieces = [p for f in fs for p in f.pieces]
        env = _envelope(pieces)
        xs = [rng.uniform(0, 10) for _ in range(200)] + [p[0] for p in pieces]
        for x in xs:
            assert env(x) == pytest.approx(_naive(pieces, x), abs=1e-7)
        suf = _suffix_min(env, 0.0)
        grid = sorted({*xs, *(p[2] for p in pieces)})
        for x in xs:
            if x > env.pieces[-1][2]:
                continue
            want = min(_naive(pieces, y) for y in grid if y >= x)
            assert suf(x) == pytest.approx(want, abs=1e-7)


def test_a_solve_with_exact_charging_is_valid_and_never_dearer_than_without() -> None:
    """On an EVRP-NL instance (concave curves, time objective), at fixed work (the same search
    both times): the plan with each route's charges chosen exactly is valid and costs no more
    than the search's own charging."""
    inst = optimizer.load(benchmark_file("evrp-nl", "tc2c20s3cf0.xml"))
    work = Work(route_min=20_000, fleet=20_000, lns=60_000, solutions=1)
    plans = {
        on: optimizer.solve(
            inst, 600, 1, options=SolveOptions(work=work, exact_charging=on, ortools_polish=False)
        )
        for on in (False, True)
    }
    before, after = (validate(inst, replace(plans[on], meta={})) for on in (False, True))
    assert before.feasible and after.feasible
    saved = float(plans[True].meta.get("exact_charging_saved", 0.0))
    assert after.totals.cost["total"] <= before.totals.cost["total"] + 1e-9
    # This plan charges more than it needs (0.08 h of charging time): the step saves something,
    # and the plan shows it.
    assert saved > 0
    assert after.totals.cost["total"] < before.totals.cost["total"] - 1e-6
