"""Bounded work (issue 23): the model is cut to what a plan can use, and checked against the
stated limits of :mod:`optimizer.limits` before it is built."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import optimizer
from optimizer import limits
from optimizer.cli import app
from optimizer.errors import InputError
from optimizer.formats.native import instance_from_dict, write_instance
from optimizer.generate import generate
from optimizer.solver import SolveOptions
from tests.conftest import INSTANCES

runner = CliRunner()


def _day(count: int) -> dict[str, object]:
    doc = json.loads((INSTANCES / "city-day-small.json").read_text("utf-8"))
    doc["vehicles"][0]["count"] = count
    return doc


def test_count_100000_solves_within_its_limit() -> None:
    # It built 100,000 OR-Tools vehicles (35 s, 2 GB at -t 1); the cut to the 12 tasks leaves 12.
    inst = instance_from_dict(_day(100_000))
    assert limits.vehicles_needed(inst)[inst.vehicles[0].id] == 12
    started = time.monotonic()
    plan = optimizer.solve(inst, time_limit_s=1.0, seed=0)
    assert time.monotonic() - started < 20
    assert optimizer.validate(inst, plan).feasible


def test_too_many_vehicles_is_refused_naming_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(limits, "MAX_MODEL_VEHICLES", 10)
    path = tmp_path / "day.json"
    path.write_text(json.dumps(_day(100_000)))
    result = runner.invoke(app, ["solve", str(path), "-t", "1", "-q"])
    assert result.exit_code == 2
    assert "above the limit of 10 (optimizer.limits.MAX_MODEL_VEHICLES)" in result.output


def test_model_size_is_checked_before_building(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_VEHICLE_NODES", 100)
    monkeypatch.setattr(limits, "MAX_STATION_COPIES", 2)
    with pytest.raises(InputError) as e:
        optimizer.solve(instance_from_dict(_day(1)), time_limit_s=1.0)
    text = str(e.value)
    assert "optimizer.limits.MAX_VEHICLE_NODES" in text
    assert "optimizer.limits.MAX_STATION_COPIES" in text


def test_matrix_cells_are_checked_before_allocating(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(limits, "MAX_MATRIX_CELLS", 100)
    with pytest.raises(InputError, match=r"locations: .* above the limit of 100"):
        instance_from_dict(_day(1))


def test_numbers_beyond_the_stated_range_are_refused_with_their_path() -> None:
    # 1e300 is finite: it passed, then overflowed OR-Tools' integers (OverflowError, TypeError).
    doc = _day(1)
    doc["vehicle_types"][0]["fixed_cost"] = 1e300
    doc["stations"][0]["fee_per_visit"] = 1e13
    with pytest.raises(InputError) as e:
        instance_from_dict(doc)
    paths = {i.path for i in e.value.issues}
    assert paths == {"vehicle_types[0].fixed_cost", "stations[0].fee_per_visit"}
    assert "optimizer.model.MAX_QUANTITY" in str(e.value)


@pytest.mark.parametrize(
    ("key", "field", "message"),
    [
        ("vehicle_types", "cost_per_km", "optimizer.solver.scaling.INFINITE"),
        ("vehicle_types", "battery_kwh", "too large for the solver's charging-time integers"),
    ],
)
def test_products_too_large_for_the_solver_are_input_errors(
    key: str, field: str, message: str
) -> None:
    # Each number is in range; the scaled cost matrix or charging cut is not.
    doc = _day(1)
    row = next(r for r in doc[key] if r.get("battery_kwh") or field != "battery_kwh")
    row[field] = 1e11
    with pytest.raises(InputError, match=message):
        optimizer.solve(instance_from_dict(doc), time_limit_s=1.0)


def test_a_day_solved_in_parts_refuses_a_limit_below_its_first_plans() -> None:
    """Each part needs its insertion start, which no cap cuts: a limit too short for them is
    refused up front, naming the field, the floor and the value, rather than ended late."""
    inst = generate(40, seed=2, stations=4)
    tasks = limits.task_nodes(inst)
    floor = limits.min_time_limit_s(inst, 20)
    assert floor == math.ceil(10 * (limits.MIN_PARTS_S + limits.MIN_S_PER_PART_TASK * tasks)) / 10
    with pytest.raises(InputError) as err:
        optimizer.solve(inst, floor - 0.1, 0, options=SolveOptions(max_part_tasks=20))
    (issue,) = err.value.issues
    assert issue.path == "time_limit_s" and issue.value == pytest.approx(floor - 0.1)
    assert f"at least {floor:g} s" in issue.message
    # Not split (max_part_tasks 0, or a day under the default 250 task nodes): no floor.
    assert limits.min_time_limit_s(inst, 0) == 0.0
    assert limits.min_time_limit_s(inst) == 0.0


def test_cli_refuses_a_limit_below_the_floor_with_exit_2(tmp_path: Path) -> None:
    inst = generate(300, seed=1)
    path = tmp_path / "day.json"
    write_instance(inst, path)
    floor = limits.min_time_limit_s(inst)
    result = runner.invoke(app, ["solve", str(path), "-t", "1", "-q"])
    assert result.exit_code == 2, result.output
    assert f"time_limit_s: must be at least {floor:g} s" in result.output
    assert "Traceback" not in result.output


def test_a_large_day_searched_as_one_model_has_a_floor_too() -> None:
    """Above ONE_MODEL_FREE_TASKS task nodes a day's one insertion start needs time as well:
    12 ms per task node beyond them (a generated day of 200 jobs ended at 1.74 s for 1 s)."""
    inst = generate(200, seed=1)
    tasks = limits.task_nodes(inst)
    assert limits.ONE_MODEL_FREE_TASKS < tasks <= limits.DEFAULT_MAX_PART_TASKS
    expected = limits.MIN_S_PER_PART_TASK * (tasks - limits.ONE_MODEL_FREE_TASKS)
    assert limits.min_time_limit_s(inst) == math.ceil(10 * expected) / 10
    with pytest.raises(InputError) as err:
        optimizer.solve(inst, 0.5, 0)
    assert "beyond 120" in str(err.value) and "time_limit_s" in str(err.value)
