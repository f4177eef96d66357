"""VRPLIB ``.sol`` files read against their instance, for validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.errors import FormatError
from optimizer.formats import load, load_solution
from optimizer.validator import validate
from tests.conftest import benchmark_file

# Depot (0, 0); customers 1 (3, 4), 2 (6, 8), 3 (0, 5); rounded Euclidean (CVRP convention).
TINY = """NAME : tiny
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
3 4
4 5
DEPOT_SECTION
1
-1
EOF
"""


def _files(tmp_path: Path, sol: str) -> tuple[Path, Path]:
    inst, plan = tmp_path / "tiny.vrp", tmp_path / "tiny.sol"
    inst.write_text(TINY)
    plan.write_text(sol)
    return inst, plan


def test_a_sol_file_is_validated_with_its_distance(tmp_path: Path) -> None:
    # Route 1: 0 -> (3,4) -> (6,8) -> 0 is 5 + 5 + 10 = 20; route 2: 0 -> (0,5) -> 0 is 10.
    inst_path, plan_path = _files(tmp_path, "Route #1: 1 2\nRoute #2: 3\nCost 30\n")
    inst = load(inst_path)
    sol = load_solution(plan_path, inst)
    assert [[s.ref for s in r.visits] for r in sol.routes] == [["1", "2"], ["3"]]
    assert [r.unit for r in sol.routes] == [0, 1]
    assert sol.meta["reported_cost"] == 30
    report = validate(inst, sol)
    assert report.feasible and report.totals.distance_km == 30


def test_an_overloaded_route_is_reported_not_refused(tmp_path: Path) -> None:
    inst_path, plan_path = _files(tmp_path, "Route #1: 1 2 3\nCost 21\n")
    inst = load(inst_path)
    report = validate(inst, load_solution(plan_path, inst))
    assert "CAPACITY_WEIGHT" in report.codes()  # 13 on a truck of 10


def test_lines_that_are_not_routes_are_named(tmp_path: Path) -> None:
    inst_path, plan_path = _files(tmp_path, "Route #1: 1 2\nroutes are fun\nCost thirty\n")
    inst = load(inst_path)
    with pytest.raises(FormatError) as err:
        load_solution(plan_path, inst, "vrplib-sol")
    paths = {i.path for i in err.value.issues}
    assert paths == {"line 2", "line 3"}


def test_the_published_solomon_solution_validates() -> None:
    inst = load(benchmark_file("solomon", "C101.vrp"))
    sol = load_solution(benchmark_file("solomon", "C101.sol"), inst)
    report = validate(inst, sol)
    assert report.feasible
    assert report.totals.distance_km == pytest.approx(sol.meta["reported_cost"])
