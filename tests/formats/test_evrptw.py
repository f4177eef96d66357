"""E-VRPTW (Schneider et al. 2014) instances and the verifier's solution text.

The numbers pinned here were checked by hand against the files; the arithmetic is in the comments.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from optimizer.errors import FormatError, InputError
from optimizer.formats.evrptw import (
    format_solution,
    parse_instance,
    parse_solution,
    read_instance,
    read_solution,
    write_solution,
)
from optimizer.model import Instance, TimeWindow
from optimizer.solution import Route, Solution, Stop, Totals
from tests.conftest import benchmark_file

SMALL = """StringID   Type       x          y          demand     ReadyTime  DueDate    ServiceTime
D0         d          40.0       50.0       0.0        0.0        1236.0     0.0
S0         f          40.0       50.0       0.0        0.0        1236.0     0.0
S5         f          31.0       84.0       0.0        0.0        1236.0     0.0
C30        c          20.0       55.0       10.0       355.0      407.0      90.0
C12        c          25.0       85.0       20.0       176.0      228.0      90.0

Q Vehicle fuel tank capacity /77.75/
C Vehicle load capacity /200.0/
r fuel consumption rate /1.0/
g inverse refueling rate /3.47/
v average Velocity /1.0/
"""


def _route_distance(inst: Instance, sol: Solution) -> float:
    loc = {loc.id: k for k, loc in enumerate(inst.locations)}
    return sum(
        float(inst.distance_km[loc[a.ref], loc[b.ref]])
        for r in sol.routes
        for a, b in zip(r.stops, r.stops[1:], strict=False)
    )


# ----------------------------------------------------------------------------------------------
# instances
def test_c101c5_by_hand() -> None:
    inst = read_instance(benchmark_file("evrptw", "c101C5.txt"))
    assert inst.name == "c101C5"
    assert inst.meta == {"format": "evrptw", "source": "c101C5.txt"}
    assert [loc.id for loc in inst.locations] == [
        "D0",
        "S0",
        "S5",
        "S15",
        "C30",
        "C12",
        "C100",
        "C85",
        "C64",
    ]
    ix = {loc.id: k for k, loc in enumerate(inst.locations)}
    # D0 (40, 50) -> C30 (20, 55): sqrt(20^2 + 5^2) = sqrt(425) = 20.6155281...
    assert inst.distance_km[ix["D0"], ix["C30"]] == pytest.approx(math.sqrt(425), abs=1e-12)
    # D0 (40, 50) -> S5 (31, 84): sqrt(9^2 + 34^2) = sqrt(1237) = 35.1710108...
    assert inst.distance_km[ix["D0"], ix["S5"]] == pytest.approx(35.17101079, abs=1e-8)
    # v = 1.0: minutes = distance / v, i.e. speed 60 km/h
    assert inst.travel.speed_kmh == 60.0
    assert inst.duration_min[ix["D0"], ix["C30"]] == pytest.approx(math.sqrt(425), abs=1e-12)
    # Q = 77.75, C = 200.0, r = 1.0 from the parameter lines
    (vt,) = inst.vehicle_types
    assert (vt.id, vt.carrier, vt.battery_kwh, vt.capacity_kg) == ("ev", "bev", 77.75, 200.0)
    assert vt.consumption_per_km_empty == 1.0 and vt.consumption_per_km_full is None
    # g = 3.47 min per kWh -> power 60 / 3.47 = 17.2910663 kW; 10 kWh take 3.47 * 10 = 34.7 min
    s5 = inst.station_by_id["S5"]
    assert s5.power_kw == pytest.approx(17.29106628, abs=1e-8)
    assert s5.charge_minutes(77.75, 20.0, 30.0) == pytest.approx(34.7, abs=1e-9)
    assert s5.opening == (TimeWindow(0.0, 1236.0),)
    assert len(inst.stations) == 3 and len(inst.jobs) == 5
    # C30: demand 10, window 355..407, service 90
    c30 = inst.job_by_id["C30"]
    assert (c30.kind, c30.weight_kg, c30.service_min) == ("delivery", 10.0, 90.0)
    assert c30.time_windows == (TimeWindow(355.0, 407.0),)
    (depot,) = inst.depots
    assert (depot.id, depot.opening) == ("D0", TimeWindow(0.0, 1236.0))
    (veh,) = inst.vehicles
    # unlimited fleet: one unit per customer
    assert (veh.id, veh.type, veh.start_depot, veh.count, veh.initial_soc) == (
        "ev",
        "ev",
        "D0",
        5,
        1.0,
    )
    assert inst.rules.full_recharge and not inst.rules.instant_charging
    assert inst.objective.kind == "vehicles_then_distance"


def test_r205_parameters() -> None:
    inst = read_instance(benchmark_file("evrptw", "r205_21.txt"))
    # Q = 198.88, C = 1000, g = 0.15 -> 60 / 0.15 = 400 kW; 100 customers, 21 stations (S0 at the depot, S1..S20)
    assert inst.vehicle_types[0].battery_kwh == 198.88
    assert inst.vehicle_types[0].capacity_kg == 1000.0
    assert inst.stations[0].power_kw == pytest.approx(400.0)
    assert len(inst.jobs) == 100 and len(inst.stations) == 21
    assert inst.vehicles[0].count == 100


def test_parse_instance_from_text() -> None:
    inst = parse_instance(SMALL, "tiny")
    assert inst.name == "tiny" and inst.meta["source"] == "tiny"
    assert [j.id for j in inst.jobs] == ["C30", "C12"]
    assert [s.id for s in inst.stations] == ["S0", "S5"]


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("StringID   Type", "Id   Type", "line 1"),
        ("C30        c          20.0", "C30        c          2x.0", "line 5 (C30).x"),
        ("C12        c ", "C12        q ", "line 6 (C12).Type"),
        ("C12        c ", "X12        c ", "line 6 (X12).StringID"),
        ("C12        c          25.0", "C30        c          25.0", "line 6"),
        ("S5         f ", "D5         d ", "Type"),
        (
            "0.0        1236.0     0.0\nC30",
            "0.0        1236.0     5.0\nC30",
            "line 4 (S5).ServiceTime",
        ),
        ("/3.47/", "/fast/", "line 11 (g)"),
        ("g inverse refueling rate /3.47/\n", "", "parameter g"),
        ("v average Velocity /1.0/\n", "v average Velocity /1.0/\nw x /2/\n", "line 13"),
        ("/200.0/", "/0/", "line 9 (C)"),
        ("355.0      407.0", "407.0      355.0", "line 5 (C30)"),
        ("C12        c          25.0       85.0", "C12        c          25.0", "line 6"),
    ],
)
def test_malformed_instance_names_the_line(old: str, new: str, where: str) -> None:
    assert old in SMALL
    with pytest.raises(InputError) as info:
        parse_instance(SMALL.replace(old, new, 1), "bad")
    assert where in str(info.value)


def test_rows_after_parameters_are_refused() -> None:
    with pytest.raises(FormatError, match="line 13"):
        parse_instance(SMALL + "C99 c 1 1 1 0 10 0\n", "bad")


def test_empty_and_unreadable() -> None:
    with pytest.raises(FormatError, match="empty file"):
        parse_instance("\n\n", "empty")
    with pytest.raises(FormatError, match="cannot be read"):
        read_instance("/nonexistent/evrptw.txt")


# ----------------------------------------------------------------------------------------------
# solutions
def test_r205_solution_parses_and_matches_its_distance() -> None:
    inst = read_instance(benchmark_file("evrptw", "r205_21.txt"))
    sol = read_solution(benchmark_file("evrptw", "r205_21.sol.txt"), inst)
    assert sol.instance == "r205_21"
    assert len(sol.routes) == 6
    assert sol.totals == Totals(distance_km=974.832, vehicles_used=6)
    assert [r.unit for r in sol.routes] == [0, 1, 2, 3, 4, 5]
    first = sol.routes[0]
    assert first.vehicle == "ev"
    assert first.stops[:2] == (Stop("depot", "D0"), Stop("job", "C52"))
    assert Stop("station", "S5") in first.stops
    assert all(s.arrival_min is None and s.charged_kwh is None for r in sol.routes for s in r.stops)
    # every customer exactly once
    served = [s.ref for r in sol.routes for s in r.visits if s.kind == "job"]
    assert sorted(served) == sorted(j.id for j in inst.jobs)
    # the printed distance is the unrounded Euclidean route length to 3 decimals
    assert _route_distance(inst, sol) == pytest.approx(974.832, abs=1e-3)


def test_solution_round_trip(tmp_path: Path) -> None:
    sol = read_solution(benchmark_file("evrptw", "r205_21.sol.txt"))
    out = tmp_path / "again.txt"
    write_solution(sol, out)
    text = out.read_text("utf-8")
    assert text.splitlines()[:2] == ["# solution for r205_21", "974.832"]
    again = read_solution(out)
    assert again.instance == sol.instance
    assert again.routes == sol.routes
    assert again.totals == sol.totals
    # the writer is a fixed point on its own output
    assert format_solution(again) == text


def test_write_recomputes_distance_from_instance() -> None:
    inst = parse_instance(SMALL, "tiny")
    sol = Solution(
        "tiny",
        (Route("ev", (Stop("depot", "D0"), Stop("job", "C30"), Stop("depot", "D0"))),),
    )
    # D0 -> C30 -> D0: 2 * sqrt(425) = 41.2310563 -> "41.231"
    assert format_solution(sol, inst).splitlines()[1] == "41.231"
    with pytest.raises(InputError, match=r"totals\.distance_km"):
        format_solution(sol)


def test_write_refuses_stops_the_format_cannot_hold() -> None:
    sol = Solution(
        "x",
        (Route("ev", (Stop("depot", "D0"), Stop("pickup", "P1"), Stop("depot", "D0"))),),
        totals=Totals(distance_km=1.0),
    )
    with pytest.raises(InputError, match=r"routes\[0\]\.stops\[1\]"):
        format_solution(sol)


def test_parse_solution_without_comment_takes_instance_name() -> None:
    inst = parse_instance(SMALL, "tiny")
    sol = parse_solution("41.231\nD0, C30, S5, C12, D0\n", inst)
    assert sol.instance == "tiny"
    assert [s.kind for s in sol.routes[0].stops] == ["depot", "job", "station", "job", "depot"]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("# solution for x\nabc\nD0, C1, D0\n", "line 2"),
        ("# solution for x\n12.5\nD0, C1, X9, D0\n", "line 3, stop 3"),
        ("# solution for x\n12.5\nD0, C1, D0\nD0, C1\n", "line 4"),
        ("# solution for x\n12.5\nD0, , D0\n", "line 3, stop 2"),
        ("# only a comment\n", "line 1"),
        ("-3\n", "line 1"),
    ],
)
def test_malformed_solution_names_the_line(text: str, where: str) -> None:
    with pytest.raises(FormatError) as info:
        parse_solution(text)
    assert where in str(info.value)


def test_load_solution_detects_verifier_text() -> None:
    from optimizer.formats import load_solution

    sol = load_solution(benchmark_file("evrptw", "r205_21.sol.txt"))
    assert sol.instance == "r205_21" and len(sol.routes) == 6


def test_partial_recharge_variant_reads_the_same_file() -> None:
    """``evrptw-pr`` is Schneider's file under partial recharge: the same instance with the
    full-recharge rule dropped, and a plan that charges less than a fill passes the validator
    where the full-recharge rule refuses it (FULL_RECHARGE)."""
    import optimizer
    from optimizer.solver import SolveOptions, Work

    path = benchmark_file("evrptw", "c101C5.txt")
    full = optimizer.load(path)
    partial = optimizer.load(path, format="evrptw-pr")
    assert full.rules.full_recharge and not partial.rules.full_recharge
    assert partial.meta["format"] == "evrptw-pr"
    assert partial.jobs == full.jobs and partial.stations == full.stations
    assert partial.vehicle_types == full.vehicle_types
    # Fixed work: at 3 s under load the caps fired, and the start read directly fills up.
    work = Work(hgs_iterations=300, route_min=20_000, fleet=60_000, lns=100_000, solutions=50)
    plan = optimizer.solve(partial, time_limit_s=60, seed=1, options=SolveOptions(work=work))
    assert plan.meta["stopped_by"] == "solutions"
    assert optimizer.validate(partial, plan).feasible
    charges = [s for r in plan.routes for s in r.stops if s.kind == "station"]
    battery = full.vehicle_types[0].battery_kwh or 0.0
    assert any((s.soc_departure_kwh or 0.0) < battery - 1e-6 for s in charges)
    assert "FULL_RECHARGE" in optimizer.validate(full, plan).codes()
