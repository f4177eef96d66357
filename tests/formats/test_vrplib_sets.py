"""VRPLIB-form sets (Solomon, CVRP X, PyVRP dialect): each set's distance convention is proven by
recomputing the best known solutions' costs, and every refusal names the line or field."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from optimizer.errors import FormatError, InputError
from optimizer.formats.vrplib_sets import read_instance, read_solution
from optimizer.model import Instance, TimeWindow
from optimizer.solution import Solution
from tests.conftest import benchmark_file

CVRP = """NAME : tiny
TYPE : CVRP
DIMENSION : 4
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
NODE_COORD_SECTION
1 0 0
2 3 4
3 6 8
4 0 5
DEMAND_SECTION
1 0
2 4
3 5
4 6
DEPOT_SECTION
1
-1
EOF
"""


def _write(tmp_path: Path, text: str, name: str = "tiny.vrp") -> Path:
    path = tmp_path / name
    path.write_text(text, "utf-8")
    return path


def _recomputed(inst: Instance, sol: Solution) -> float:
    """Sum of ``instance.distance_km`` over consecutive stops: depot -> jobs -> depot."""
    where = {d.id: d.location for d in inst.depots} | {j.id: j.location for j in inst.jobs}
    return sum(
        float(inst.distance_km[where[a.ref], where[b.ref]])
        for r in sol.routes
        for a, b in zip(r.stops, r.stops[1:], strict=False)
    )


# ----------------------------------------------------------------------------------------------
# Solomon (DIMACS truncation)
def test_solomon_c101_by_hand() -> None:
    inst = read_instance(benchmark_file("solomon", "C101.vrp"), "solomon")
    assert inst.name == "C101" and inst.meta["format"] == "solomon"
    # node 1 (40, 50) is the depot; node 2 (45, 68) is job "1":
    # sqrt(5^2 + 18^2) = sqrt(349) = 18.6815417 -> truncated to 18.6; travel time the same
    depot = inst.depots[0]
    assert (depot.id, depot.location, depot.opening) == ("depot", 0, TimeWindow(0.0, 1236.0))
    job = inst.job_by_id["1"]
    assert job.location == 1
    assert inst.distance_km[0, 1] == pytest.approx(18.6, abs=1e-12)
    assert inst.duration_min[0, 1] == pytest.approx(18.6, abs=1e-12)
    # TIME_WINDOW_SECTION "2 912 967", SERVICE_TIME 90, DEMAND_SECTION "2 10"
    assert job.time_windows == (TimeWindow(912.0, 967.0),)
    assert (job.service_min, job.weight_kg) == (90.0, 10.0)
    assert len(inst.jobs) == 100 and {j.id for j in inst.jobs} == {str(i) for i in range(1, 101)}
    # VEHICLES 25, CAPACITY 200
    (vt,) = inst.vehicle_types
    (veh,) = inst.vehicles
    assert (vt.id, vt.carrier, vt.capacity_kg, vt.consumption_per_km_empty) == (
        "truck",
        "diesel",
        200.0,
        0.0,
    )
    assert (veh.id, veh.count, veh.start_depot) == ("truck", 25, "depot")
    assert inst.objective.kind == "distance"


def test_solomon_r101_truncation() -> None:
    inst = read_instance(benchmark_file("solomon", "R101.vrp"), "solomon")
    # node 1 (35, 35) -> node 2 (41, 49): sqrt(6^2 + 14^2) = sqrt(232) = 15.2315462 -> 15.2
    assert inst.distance_km[0, 1] == pytest.approx(15.2, abs=1e-12)
    assert inst.job_by_id["1"].time_windows == (TimeWindow(161.0, 171.0),)
    assert inst.job_by_id["1"].service_min == 10.0  # SERVICE_TIME 10 (R type)
    assert inst.vehicles[0].count == 25


@pytest.mark.parametrize(
    ("folder", "name", "cost"),
    [
        ("solomon", "C101", 827.3),
        ("solomon", "R101", 1637.7),
        ("solomon", "RC208", 776.1),
        ("vrplib", "RC208", 776.1),
    ],
)
def test_solomon_best_known_cost_is_the_truncated_distance(
    folder: str, name: str, cost: float
) -> None:
    inst = read_instance(benchmark_file(folder, f"{name}.vrp"), "solomon")
    sol = read_solution(benchmark_file(folder, f"{name}.sol"), inst)
    assert sol.totals.distance_km == cost
    assert sol.instance == name
    served = sorted(s.ref for r in sol.routes for s in r.visits)
    assert served == sorted(j.id for j in inst.jobs)
    assert _recomputed(inst, sol) == pytest.approx(cost, abs=1e-6)
    # with unrounded distances the same routes cost more: the convention matters
    raw = inst.travel.__class__(metric="euclidean")
    raw_d, _ = raw.matrices(inst.locations)
    where = {d.id: d.location for d in inst.depots} | {j.id: j.location for j in inst.jobs}
    unrounded = sum(
        raw_d[where[a.ref], where[b.ref]]
        for r in sol.routes
        for a, b in zip(r.stops, r.stops[1:], strict=False)
    )
    assert unrounded > cost + 1.0


def test_solution_units_and_depots() -> None:
    inst = read_instance(benchmark_file("solomon", "C101.vrp"), "solomon")
    sol = read_solution(benchmark_file("solomon", "C101.sol"), inst)
    assert [r.unit for r in sol.routes] == list(range(10))
    assert sol.totals.vehicles_used == 10
    assert all(r.vehicle == "truck" for r in sol.routes)
    assert all(r.stops[0].ref == r.stops[-1].ref == "depot" for r in sol.routes)
    # "Route #1: 5 3 7 ..." -> jobs "5", "3", "7"
    assert [s.ref for s in sol.routes[0].visits[:3]] == ["5", "3", "7"]


# ----------------------------------------------------------------------------------------------
# CVRP (TSPLIB nint)
def test_cvrp_x_n101_k25_by_hand_and_best_known() -> None:
    inst = read_instance(benchmark_file("cvrp-x", "X-n101-k25.vrp"), "cvrp")
    # node 1 (365, 689) -> node 2 (146, 180): sqrt(219^2 + 509^2) = sqrt(47961 + 259081)
    # = sqrt(307042) = 554.1137 -> nint 554
    assert inst.distance_km[0, 1] == 554.0
    assert inst.vehicle_types[0].capacity_kg == 206.0  # CAPACITY 206
    assert inst.vehicles[0].count == 100  # unlimited: one per customer
    assert inst.jobs[0].time_windows == () and inst.depots[0].opening.end_min >= 1e6
    sol = read_solution(benchmark_file("cvrp-x", "X-n101-k25.sol"), inst)
    assert len(sol.routes) == 26 and sol.totals.distance_km == 27591.0
    assert _recomputed(inst, sol) == pytest.approx(27591.0, abs=1e-6)


def test_cvrp_e_n22_k4() -> None:
    inst = read_instance(benchmark_file("vrplib", "E-n22-k4.txt"), "cvrp")
    # node 1 (145, 215) -> node 2 (151, 264): sqrt(2437) = 49.366 -> 49
    assert inst.distance_km[0, 1] == 49.0
    assert inst.vehicle_types[0].capacity_kg == 6000.0 and len(inst.jobs) == 21


def test_rounding_is_half_up(tmp_path: Path) -> None:
    text = CVRP.replace("4 0 5\n", "4 0.5 0\n")
    inst = read_instance(_write(tmp_path, text), "cvrp")
    # node 1 (0, 0) -> node 4 (0.5, 0): 0.5 -> nint 1 (TSPLIB rounds half up, not to even)
    assert inst.distance_km[0, 3] == 1.0
    # node 1 -> node 2 (3, 4): 5
    assert inst.distance_km[0, 1] == 5.0


# ----------------------------------------------------------------------------------------------
# PyVRP dialect
def test_x115_hvrp_groups_and_cost_scale() -> None:
    inst = read_instance(benchmark_file("vrplib", "X115-HVRP.vrp"), "vrplib")
    # CAPACITY_SECTION: vehicles 1-11 carry 54, 12-18 carry 131, 19 carries 322;
    # VEHICLES_FIXED_COST 14600 / 43600 / 125200; VEHICLES_UNIT_DISTANCE_COST 58 / 100 / 147
    got = [
        (v.id, v.count, t.capacity_kg, t.fixed_cost, t.cost_per_km)
        for v, t in zip(inst.vehicles, inst.vehicle_types, strict=True)
    ]
    assert got == [
        ("v1-11", 11, 54.0, 14600.0, 58.0),
        ("v12-18", 7, 131.0, 43600.0, 100.0),
        ("v19", 1, 322.0, 125200.0, 147.0),
    ]
    assert inst.objective.kind == "cost" and inst.travel.rounding == "none"
    # depot (500, 500) -> node 2 (865, 693): sqrt(365^2 + 193^2) = sqrt(170474) = 412.88497
    assert inst.distance_km[0, 1] == pytest.approx(412.88497187, abs=1e-8)
    sol = read_solution(benchmark_file("vrplib", "X115-HVRP.sol"), inst)
    # 19 "Route #k" lines, 5 of them empty (#7..#11): 14 routes; #12 is the first 131-unit vehicle
    assert len(sol.routes) == 14 and sol.totals.vehicles_used == 14
    assert (sol.routes[6].vehicle, sol.routes[6].unit) == ("v12-18", 0)
    assert (sol.routes[-1].vehicle, sol.routes[-1].unit) == ("v19", 0)
    assert sol.totals.distance_km is None and sol.meta["reported_cost"] == 1941256006.0
    # PyVRP's integer scale: 1000 x fixed + unit cost x round(1000 x arc distance)
    where = {d.id: d.location for d in inst.depots} | {j.id: j.location for j in inst.jobs}
    types = {v.id: inst.type_by_id[v.type] for v in inst.vehicles}
    scaled = 0.0
    for r in sol.routes:
        t = types[r.vehicle]
        arcs = zip(r.stops, r.stops[1:], strict=False)
        scaled += 1000 * t.fixed_cost + t.cost_per_km * sum(
            np.round(1000 * inst.distance_km[where[a.ref], where[b.ref]]) for a, b in arcs
        )
    assert scaled == 1941256006.0


def test_pr01_site_dependent_vrptw() -> None:
    inst = read_instance(benchmark_file("vrplib", "PR01.vrp"), "vrplib")
    # no DEPOT_SECTION: node 1 is the depot, with TIME_WINDOW "1 0 1000"
    (depot,) = inst.depots
    assert depot.opening == TimeWindow(0.0, 1000.0) and "depot_note" in inst.meta
    # CAPACITY_SECTION 100 100 150 150 200 200 250 250; VEHICLES_MAX_DURATION 500 each
    assert [(v.id, v.count, v.max_duration_min) for v in inst.vehicles] == [
        ("v1-2", 2, 500.0),
        ("v3-4", 2, 500.0),
        ("v5-6", 2, 500.0),
        ("v7-8", 2, 500.0),
    ]
    assert [t.capacity_kg for t in inst.vehicle_types] == [100.0, 150.0, 200.0, 250.0]
    # node 2: SERVICE_TIME 20, TIME_WINDOW 257..374, demand 23
    job = inst.job_by_id["1"]
    assert (job.service_min, job.weight_kg) == (20.0, 23.0)
    assert job.time_windows == (TimeWindow(257.0, 374.0),)
    # node 1 (23.627, 3.963) -> node 2 (71.106, 31.165): sqrt(47.479^2 + 27.202^2)
    # = sqrt(2254.255441 + 739.948804) = 54.7193224, unrounded
    assert inst.distance_km[0, 1] == pytest.approx(54.7193224, abs=1e-7)
    # vehicle 1 may serve nodes 2..13, 15, 18, ... but not node 14 (job "13")
    v12 = inst.type_by_id["v1-2"]
    assert not inst.banned(v12, inst.job_by_id["12"].location)
    assert inst.banned(v12, inst.job_by_id["13"].location)
    # vehicle 5 lists node 14: the 200-unit vehicles may serve job "13"
    assert not inst.banned(inst.type_by_id["v5-6"], inst.job_by_id["13"].location)
    assert not inst.banned(v12, depot.location)
    assert "13" not in inst.meta["allowed_clients"]["v1-2"]
    # every ban is exact: no zone covers any other place than its own client
    for zone in inst.zones:
        covered = [
            loc.id
            for loc in inst.locations
            if loc.coordinates is not None and zone.covers(loc.coordinates)
        ]
        assert covered == [zone.id.removeprefix("site-")]


MULTI = """NAME : two-depots
TYPE : MDVRP
DIMENSION : 4
VEHICLES : 3
EDGE_WEIGHT_TYPE : EUC_2D
NODE_COORD_SECTION
1 0 0
2 10 0
3 3 4
4 13 4
DEMAND_SECTION
1 0
2 0
3 2
4 3
CAPACITY_SECTION
1 10
2 10
3 20
VEHICLES_DEPOT_SECTION
1 1
2 2
3 2
DEPOT_SECTION
1
2
-1
EOF
"""


def test_multi_depot(tmp_path: Path) -> None:
    inst = read_instance(_write(tmp_path, MULTI), "vrplib")
    assert [d.id for d in inst.depots] == ["depot0", "depot1"]
    assert [j.id for j in inst.jobs] == ["2", "3"]
    assert [(v.id, v.start_depot, v.count) for v in inst.vehicles] == [
        ("v1", "depot0", 1),
        ("v2", "depot1", 1),
        ("v3", "depot1", 1),
    ]
    sol_path = _write(tmp_path, "Route #2: 3\nRoute #1: 2\nCost 10\n", "two.sol")
    sol = read_solution(sol_path, inst)
    assert [(r.vehicle, r.stops[0].ref, r.stops[-1].ref) for r in sol.routes] == [
        ("v2", "depot1", "depot1"),
        ("v1", "depot0", "depot0"),
    ]
    # depot0 (0,0) -> (3,4) -> depot0 = 10; depot1 (10,0) -> (13,4) -> depot1 = 10
    assert sol.totals.distance_km == 10.0 and _recomputed(inst, sol) == pytest.approx(20.0)


# ----------------------------------------------------------------------------------------------
# refusals
@pytest.mark.parametrize(
    ("fmt", "old", "new", "where"),
    [
        ("cvrp", "2 3 4\n", "2 3 x\n", "line 8 (NODE_COORD_SECTION)"),
        ("cvrp", "CAPACITY : 10\n", "", "CAPACITY"),
        ("cvrp", "DIMENSION : 4\n", "", "DIMENSION"),
        ("cvrp", "DIMENSION : 4", "DIMENSION : 5", "line 6 (NODE_COORD_SECTION)"),
        (
            "cvrp",
            "DEPOT_SECTION",
            "TIME_WINDOW_SECTION\n1 0 10\n2 0 10\n3 0 10\n4 0 10\nDEPOT_SECTION",
            "TIME_WINDOW_SECTION",
        ),
        ("cvrp", "CAPACITY : 10\n", "CAPACITY : 10\nDISTANCE : 50\n", "DISTANCE"),
        ("cvrp", "EUC_2D", "GEO", "EDGE_WEIGHT_TYPE"),
        ("cvrp", "1 0\n2 4", "1 3\n2 4", "the depot (node 1) must have demand 0"),
        ("cvrp", "1\n-1", "1\n2\n-1", "one depot"),
        ("cvrp", "3 5\n", "3 -5\n", "node 3"),
        ("solomon", "TYPE : CVRP", "TYPE : CVRPTW", "TIME_WINDOW_SECTION"),
        ("cvrp", "DEMAND_SECTION", "VEHICLES : 2\nDEMAND_SECTION", "may not follow a section"),
        ("cvrp", "NODE_COORD_SECTION", "FOO\nNODE_COORD_SECTION", "line 6"),
        ("cvrp", "DEMAND_SECTION", "CAPACITY_SECTION\n1 5\nDEMAND_SECTION", "try format 'vrplib'"),
    ],
)
def test_malformed_instance_names_the_field(
    tmp_path: Path, fmt: str, old: str, new: str, where: str
) -> None:
    assert old in CVRP
    path = _write(tmp_path, CVRP.replace(old, new, 1))
    with pytest.raises(InputError) as info:
        read_instance(path, fmt)
    assert where in str(info.value)


def test_cvrp_vehicles_header_is_kept(tmp_path: Path) -> None:
    inst = read_instance(
        _write(tmp_path, CVRP.replace("CAPACITY", "VEHICLES : 2\nCAPACITY")), "cvrp"
    )
    assert inst.meta["vehicles_header"] == 2 and inst.vehicles[0].count == 3


def test_per_vehicle_sections_must_match_vehicles(tmp_path: Path) -> None:
    bad = MULTI.replace("3 20\n", "")
    with pytest.raises(FormatError, match="CAPACITY_SECTION"):
        read_instance(_write(tmp_path, bad), "vrplib")
    with pytest.raises(FormatError, match="VEHICLES_DEPOT_SECTION"):
        read_instance(_write(tmp_path, MULTI.replace("3 2\n", "3 3\n")), "vrplib")


def test_bad_format_name_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="format"):
        read_instance(_write(tmp_path, CVRP), "tsp")
    with pytest.raises(FormatError, match="cannot be read"):
        read_instance(tmp_path / "missing.vrp", "cvrp")


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("Route #1: 1 2 9\nCost 3\n", "line 1"),
        ("Route #1: 1 2\nRoute #1: 3\nCost 3\n", "line 2"),
        ("Route #1: 1 2 3\nCost abc\n", "line 2"),
        ("Route #1: 1 x 3\n", "line 1"),
        ("Route #1: 1 2 3\nnonsense\n", "line 2"),
    ],
)
def test_malformed_solution_names_the_line(tmp_path: Path, text: str, where: str) -> None:
    inst = read_instance(_write(tmp_path, CVRP), "cvrp")
    with pytest.raises(FormatError) as info:
        read_solution(_write(tmp_path, text, "bad.sol"), inst)
    assert where in str(info.value)


def test_solution_extra_keys_go_to_meta(tmp_path: Path) -> None:
    inst = read_instance(_write(tmp_path, CVRP), "cvrp")
    sol = read_solution(
        _write(tmp_path, "Route #1: 1 2\nRoute #2: 3\nTime 1.5\nCost 30\n", "a.sol"), inst
    )
    assert sol.meta["time"] == "1.5" and sol.totals.distance_km == 30.0
    # 0 -> (3,4) -> (6,8) -> 0: 5 + 5 + 10 = 20 ; 0 -> (0,5) -> 0 = 10
    assert _recomputed(inst, sol) == pytest.approx(30.0)


def test_route_number_longer_than_int_reads_is_refused(tmp_path: Path) -> None:
    # Found by benchmarks.fuzz (issue 23): int() raises ValueError past 4,300 digits.
    inst = read_instance(_write(tmp_path, CVRP), "cvrp")
    with pytest.raises(FormatError) as info:
        read_solution(_write(tmp_path, "Route #" + "7" * 5000 + ": 1 2\n", "bad.sol"), inst)
    (issue,) = info.value.issues
    assert info.value.source == "bad.sol" and issue.path == "line 1"
    assert issue.message == "route number must be an integer of at most 18 digits"
    assert issue.value == "7" * 5000
