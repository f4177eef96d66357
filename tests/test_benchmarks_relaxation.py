"""The battery-blind relaxation script: PyVRP's plan without batteries, validated in full."""

from __future__ import annotations

from pathlib import Path

import optimizer
from benchmarks.days import _halved, day
from benchmarks.relaxation import main, relax
from tests.conftest import INSTANCES


def test_relaxation_of_a_day_whose_battery_binds_is_flagged(tmp_path: Path) -> None:
    """city-day-small's battery tractor starts at 25 %: a battery-blind plan that gives it a
    long route runs below its reserve, and the report says BATTERY instead of calling it a plan.
    Every task is served (shipments and the job with two windows included) and no stop is a
    station."""
    inst = optimizer.load(INSTANCES / "city-day-small.json")
    found = relax(inst, 2.0, seed=1)
    assert found is not None
    plan = found.report.solution
    served = {s.ref for r in plan.routes for s in r.stops if s.kind in ("job", "pickup")}
    assert served == {j.id for j in inst.jobs} | {s.id for s in inst.shipments}
    assert all(s.kind != "station" for r in plan.routes for s in r.stops)
    codes = set(found.broken())
    assert codes <= {"BATTERY"}, found.report.summary()
    out = tmp_path / "relaxed.json"
    status = main([str(INSTANCES / "city-day-small.json"), "--time-limit", "1", "--out", str(out)])
    assert status == (1 if codes else 0)
    assert out.is_file()


def test_halved_windows_keep_their_starts() -> None:
    inst = day("gen150-s1")
    tight = _halved(inst)
    for a, b in zip(inst.jobs, tight.jobs, strict=True):
        for wa, wb in zip(a.time_windows, b.time_windows, strict=True):
            assert wb.start_min == wa.start_min
            assert wb.end_min - wb.start_min == (wa.end_min - wa.start_min) / 2
