"""Bounded work (issue 23): the model is cut to what a plan can use, and checked against the
stated limits of :mod:`optimizer.limits` before it is built."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

import optimizer
from optimizer import limits
from optimizer.cli import app
from optimizer.errors import InputError
from optimizer.formats.native import instance_from_dict
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
