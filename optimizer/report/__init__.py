"""Reports of a plan: console tables, JSON, a self-contained HTML page and a PNG figure.

``prepare(instance, solution, baseline_time_limit_s=..., seed=...)`` validates the plan, accounts
its emissions and its primary baseline (:mod:`optimizer.carbon.accounting`), solves the secondary
all-diesel baseline (:mod:`optimizer.carbon.baseline`) and returns the inputs and the report dictionary that every
writer reads (:mod:`.data`); :mod:`.text`, :mod:`.page` and :mod:`.plot` only format it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..carbon.accounting import account
from ..errors import InputError, Issue, OptimizerError
from ..fileio import write_atomic
from ..model import Instance
from ..solution import Solution
from ..studies.baseline import Baseline, solve_diesel_baseline
from ..validator import validate
from .data import ReportInputs, build


def prepare(
    instance: Instance,
    solution: Solution,
    baseline_time_limit_s: float | None = None,
    seed: int | None = None,
) -> tuple[ReportInputs, dict[str, Any]]:
    """Validate and account ``solution`` (with its primary baseline: the same routes on diesel),
    solve the secondary all-diesel baseline, build the report dictionary.

    The secondary baseline is solved with ``baseline_time_limit_s`` and ``seed``, by default the
    plan's own (``meta.time_limit_s``, ``meta.seed``; 10 s and seed 0 for a plan without them), so
    that two reports of one plan solve the same work budget with the same seed. 0 skips it. A
    baseline the solver cannot find (a job no diesel vehicle may serve) does not stop the report:
    ``emissions.baseline_resolved_error`` says why.
    """
    meta = solution.meta
    if baseline_time_limit_s is None:
        limit = meta.get("time_limit_s")
        ok = isinstance(limit, int | float) and not isinstance(limit, bool) and limit > 0
        baseline_time_limit_s = float(limit) if ok and limit is not None else 10.0
    if seed is None:
        plan_seed = meta.get("seed")
        seed = plan_seed if isinstance(plan_seed, int) and not isinstance(plan_seed, bool) else 0
    if not (math.isfinite(baseline_time_limit_s) and baseline_time_limit_s >= 0):
        raise InputError(
            Issue("baseline_time_limit_s", "must be a number >= 0", baseline_time_limit_s)
        )
    validation = validate(instance, solution)
    acc = account(instance, solution, validation)
    baseline: Baseline | None = None
    error: str | None = None
    if baseline_time_limit_s > 0:
        try:
            baseline = solve_diesel_baseline(instance, baseline_time_limit_s, seed)
        except OptimizerError as e:
            error = str(e)
    else:
        error = "skipped (baseline time limit 0)"
    inputs = ReportInputs(instance, validation, acc, baseline, error)
    return inputs, build(inputs)


def add_road_paths(inputs: ReportInputs, data: dict[str, Any], network: Any) -> None:
    """Give each run-sheet route of ``data`` its ``path`` along the roads of ``network`` (an
    :class:`optimizer.roads.RoadNetwork`), so that the map draws roads instead of straight lines."""
    from ..roads.paths import route_lines
    from ..runsheet import build_run_sheet

    lines = route_lines(
        inputs.instance, build_run_sheet(inputs.instance, inputs.validation), network
    )
    for route in data.get("run_sheet", {}).get("routes", []):
        if route["route"] in lines:
            route["path"] = [list(pt) for pt in lines[route["route"]]]


def _json_default(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    raise TypeError(f"not JSON-serialisable: {type(x).__name__}")


def report_json_text(data: dict[str, Any]) -> str:
    """The report dictionary as JSON text (indented, ending in a newline)."""
    return json.dumps(data, indent=1, ensure_ascii=False, default=_json_default) + "\n"


def write_json(data: dict[str, Any], path: str | Path) -> None:
    """The report dictionary as JSON (UTF-8, indented)."""
    write_atomic(path, report_json_text(data))


def write_png(inputs: ReportInputs, data: dict[str, Any], path: str | Path) -> bytes:
    """The figure (routes and state of charge) as a PNG file; returns its bytes."""
    from .plot import render_png

    png = render_png(inputs, data)
    write_atomic(path, png)
    return png


def write_html(
    inputs: ReportInputs,
    data: dict[str, Any],
    path: str | Path,
    png: bytes | None = None,
    tiles_url: str | None = None,
) -> None:
    """The self-contained HTML page; the figure is rendered unless ``png`` is given.

    ``tiles_url`` (``https://.../{z}/{x}/{y}.png``) puts map tiles under the interactive map;
    without it the map has a plain background and the page fetches nothing.
    """
    from .page import render_html
    from .plot import render_png

    if png is None:
        png = render_png(inputs, data)
    write_atomic(path, render_html(data, png, tiles_url))


__all__ = [
    "ReportInputs",
    "add_road_paths",
    "build",
    "prepare",
    "report_json_text",
    "write_html",
    "write_json",
    "write_png",
]
