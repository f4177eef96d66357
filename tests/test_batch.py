"""Batch solving: a process pool (and Ray, when installed) where one bad instance never stops the
others, and every plan is re-checked by the validator."""

from __future__ import annotations

import csv
import os
import sys
from dataclasses import fields
from pathlib import Path

import pytest
from typer.testing import CliRunner

import optimizer
from optimizer.batch import BatchResult, MissingDependencyError, solve_many
from optimizer.cli import app
from optimizer.formats import load, save
from optimizer.formats.native import instance_from_dict, instance_to_dict
from optimizer.generate import generate
from optimizer.model import Instance

TIME_LIMIT_S = 1.0


class _Poison(Instance):
    """An instance whose unpickling kills the worker process: a stand-in for a native crash."""

    def __reduce__(self):  # type: ignore[no-untyped-def]
        return (os._exit, (3,))


def _write_instances(folder: Path, seeds: range) -> list[Path]:
    paths = []
    for seed in seeds:
        path = folder / f"day-{seed}.json"
        save(generate(10 + seed, seed), path)
        paths.append(path)
    return paths


def _too_heavy() -> Instance:
    doc = instance_to_dict(generate(10, 9))
    doc["name"] = "too-heavy"
    doc["jobs"][0]["weight_kg"] = 1e6  # more than any truck carries
    return instance_from_dict(doc)


def _assert_valid(result: BatchResult, inst: Instance) -> None:
    assert result.status == "ok", result.error
    assert result.valid and result.report is not None and result.solution is not None
    # Checked again here, independently of the batch's own check.
    again = optimizer.validate(inst, result.solution)
    assert again.feasible, again.summary()
    assert not result.solution.unserved
    assert result.solution.totals.cost["total"] == pytest.approx(
        again.totals.cost["total"], rel=1e-6
    )
    assert result.report.totals.cost["total"] == pytest.approx(again.totals.cost["total"], rel=1e-6)
    assert result.jobs == len(inst.jobs) + len(inst.shipments)
    assert 0 < result.seconds < 30


def test_failures_stay_with_their_instance(tmp_path: Path) -> None:
    good = _write_instances(tmp_path, range(1, 4))
    broken = tmp_path / "broken.json"
    broken.write_text('{"format": "optimizer-instance", "version": 1,')
    base = generate(10, 4)
    poison = _Poison(**{f.name: getattr(base, f.name) for f in fields(base) if f.init})
    items: list[str | Path | Instance] = [good[0], broken, _too_heavy(), poison, good[1], good[2]]

    results = list(solve_many(items, time_limit_s=TIME_LIMIT_S, seed=1, workers=2))

    assert sorted(r.index for r in results) == list(range(len(items)))
    by_index = {r.index: r for r in results}
    for i, path in ((0, good[0]), (4, good[1]), (5, good[2])):
        assert by_index[i].name == path.stem
        _assert_valid(by_index[i], load(path))
    unreadable = by_index[1]
    assert unreadable.status == "failed" and unreadable.solution is None
    assert "not valid JSON" in (unreadable.error or "")
    assert unreadable.jobs is None and unreadable.seconds == 0
    heavy = by_index[2]
    assert heavy.status == "failed" and heavy.name == "too-heavy"
    assert "too heavy" in (heavy.error or "")
    crashed = by_index[3]
    assert crashed.status == "failed"
    assert "worker process died" in (crashed.error or "")


def test_batch_command_writes_plans_and_a_summary(tmp_path: Path) -> None:
    src = tmp_path / "in"
    src.mkdir()
    good = _write_instances(src, range(1, 3))
    (src / "broken.json").write_text('{"format": "optimizer-instance", "jobs": [}')
    (src / "notes.md").write_text("not an instance")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "batch",
            str(src),
            "--out",
            str(out),
            "--workers",
            "2",
            "-t",
            str(TIME_LIMIT_S),
            "-s",
            "1",
        ],
    )
    assert result.exit_code == 1, result.output  # one instance failed
    assert "Traceback" not in result.output
    with (out / "summary.csv").open() as fh:
        rows = {r["instance"]: r for r in csv.DictReader(fh)}
    assert set(rows) == {"day-1", "day-2", "broken"}
    assert rows["broken"]["status"] == "failed" and "not valid JSON" in rows["broken"]["error"]
    for path in good:
        row = rows[path.stem]
        assert row["status"] == "ok" and row["valid"] == "true"
        plan = optimizer.load_solution(out / f"{path.stem}.plan.json")
        report = optimizer.validate(load(path), plan)
        assert report.feasible, report.summary()
        assert float(row["cost"]) == pytest.approx(report.totals.cost["total"], abs=0.006)
        assert int(row["vehicles"]) == report.totals.vehicles_used
    assert "day-1" in result.output and "broken" in result.output  # the summary table


def test_missing_ray_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray -> ImportError
    with pytest.raises(MissingDependencyError, match="pip install"):
        solve_many([generate(10, 1)], time_limit_s=TIME_LIMIT_S, ray_address="local")


def test_solve_many_on_a_local_ray(tmp_path: Path) -> None:
    ray = pytest.importorskip("ray")
    paths = _write_instances(tmp_path, range(1, 3))
    broken = tmp_path / "broken.json"
    broken.write_text("{}")
    ray.init(num_cpus=2, include_dashboard=False, logging_level="warning")
    try:
        results = {
            r.index: r
            for r in solve_many(
                [*paths, broken], time_limit_s=TIME_LIMIT_S, seed=1, ray_address="auto"
            )
        }
    finally:
        ray.shutdown()
    assert len(results) == 3
    for i, path in enumerate(paths):
        _assert_valid(results[i], load(path))
    assert results[2].status == "failed" and "is required" in (results[2].error or "")
