"""The stated overrun margin (issue 23): every phase's wall-clock cap counts from the solve's
start against its limit, parts of a decomposed day against the day's. No timed assertion: the
tests record the caps each phase is given and compare them with the instants they must not pass,
or start a solve whose time is already up."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

import optimizer
from optimizer.generate import generate
from optimizer.solver import SolveOptions, driver
from optimizer.solver import hgs as hgs_mod
from optimizer.solver import pipeline as pipeline_mod


def test_the_margin_is_stated_once() -> None:
    assert driver.overrun_margin(1.0) == driver.OVERRUN_MARGIN_S == 0.5
    assert driver.overrun_margin(60.0) == pytest.approx(3.0)


def test_every_cap_of_every_part_ends_by_the_days_search_end(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[tuple[float, float, float]] = []  # (started, end, limit) of each _solve
    caps: list[tuple[str, float, int]] = []  # (phase, cap, index of the _solve it ran in)
    real_solve, real_construct, real_hgs = (
        driver._solve,
        pipeline_mod.construct,
        hgs_mod.hgs_routes,
    )

    def spy_solve(inst: Any, opts: Any, started: float, end: float, on_progress: Any) -> Any:
        calls.append((started, end, opts.time_limit_s))
        return real_solve(inst, opts, started, end, on_progress)

    def spy_construct(*args: Any, **kw: Any) -> Any:
        caps.append(("construct", kw["deadline"], len(calls) - 1))
        return real_construct(*args, **kw)

    def spy_hgs(*args: Any, **kw: Any) -> Any:
        caps.append(("pyvrp", kw["deadline_s"], len(calls) - 1))
        return real_hgs(*args, **kw)

    monkeypatch.setattr(driver, "_solve", spy_solve)
    monkeypatch.setattr(pipeline_mod, "construct", spy_construct)
    monkeypatch.setattr(hgs_mod, "hgs_routes", spy_hgs)
    inst = generate(40, seed=2, stations=4)
    limit = 2.0
    plan = optimizer.solve(inst, limit, 0, options=SolveOptions(max_part_tasks=20))
    assert optimizer.validate(inst, plan).feasible
    assert plan.meta["parts"] >= 2 and len(calls) >= 3
    day_started, day_end, day_limit = calls[0]
    assert day_limit == limit and day_end == day_started + limit
    for _, end, part_limit in calls[1:]:
        assert end <= day_started + 0.9 * limit  # the day's search end: the rest is the join's
        assert part_limit < limit  # the share, fixed in advance (the work budgets depend on it)
    assert {phase for phase, _, _ in caps} >= {"construct"}
    for _, cap, k in caps:
        started, end, part_limit = calls[k]
        assert cap <= min(end, started + part_limit)


def test_a_solve_whose_time_is_up_reads_its_start_without_searching() -> None:
    """A part that starts after the day's search end (as on a day too large for its limit): no
    PyVRP, no OR-Tools search, the insertion start is the plan, and the meta says the cap fired."""
    inst = generate(30, seed=4, stations=4)
    opts = replace(SolveOptions(), time_limit_s=5.0)
    now = driver.time.monotonic()
    plan = driver._solve(inst, opts, now, now - 1.0, None)
    assert optimizer.validate(inst, plan).feasible
    assert plan.meta["stopped_by"] == "time"
    assert plan.meta.get("search_skipped") == 1
    assert plan.meta.get("hgs", 0) == 0


def test_a_part_that_ran_past_its_cap_brings_the_next_parts_caps_earlier(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Parts whose caps fired and which then ran on (the insertion start is not cut) move the
    later parts' ends earlier by that much, so a day's parts do not each push the next."""
    calls: list[tuple[float, float, float, float]] = []  # (started, end, limit, finished)
    real_solve = driver._solve

    def fake_part(inst: Any, opts: Any, started: float, end: float, on_progress: Any) -> Any:
        driver.time.sleep(0.03)  # a part that runs past its cap
        calls.append((started, end, opts.time_limit_s, driver.time.monotonic()))
        return optimizer.Solution(inst.name, (), meta={"stopped_by": "time"})

    monkeypatch.setattr(driver, "_solve", fake_part)
    inst = generate(40, seed=2, stations=4)
    opts = replace(SolveOptions(max_part_tasks=20), time_limit_s=0.05)  # below the floor
    now = driver.time.monotonic()
    with pytest.raises(RuntimeError, match="joined plan"):  # the fake parts serve nothing
        real_solve(inst, opts, now, now + 0.05, None)
    parts = calls  # the day itself is solved by real_solve, the parts by fake_part
    assert len(parts) >= 2
    tail = 0.0
    for started, end, limit, finished in parts:
        assert end <= started + limit - tail + 1e-9
        tail = max(tail, finished - end)
    assert tail > 0.0
