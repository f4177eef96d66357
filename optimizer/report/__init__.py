"""Reports of a plan: console tables, JSON, a self-contained HTML page and a PNG figure.

``prepare(instance, solution, baseline_time_limit_s=..., seed=...)`` validates the plan, accounts
its emissions (:mod:`optimizer.carbon.accounting`), solves the all-diesel baseline
(:mod:`optimizer.carbon.baseline`) and returns the inputs and the report dictionary that every
writer reads (:mod:`.data`); :mod:`.text`, :mod:`.page` and :mod:`.plot` only format it.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from ..carbon.accounting import account
from ..carbon.baseline import Baseline, solve_diesel_baseline
from ..errors import InputError, Issue, OptimizerError
from ..fileio import write_atomic
from ..model import Instance
from ..solution import Solution
from ..validator import validate
from .data import ReportInputs, build


def prepare(
    instance: Instance,
    solution: Solution,
    baseline_time_limit_s: float = 10.0,
    seed: int = 0,
) -> tuple[ReportInputs, dict[str, Any]]:
    """Validate and account ``solution``, solve the diesel baseline, build the report dictionary.

    ``baseline_time_limit_s`` 0 skips the baseline. A baseline the solver cannot find (a job no
    diesel vehicle may serve) does not stop the report: ``emissions.baseline_error`` says why.
    """
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


def _json_default(x: Any) -> Any:
    if isinstance(x, float) and not math.isfinite(x):
        return None
    raise TypeError(f"not JSON-serialisable: {type(x).__name__}")


def write_json(data: dict[str, Any], path: str | Path) -> None:
    """The report dictionary as JSON (UTF-8, indented)."""
    write_atomic(path, json.dumps(data, indent=1, ensure_ascii=False, default=_json_default) + "\n")


def write_png(inputs: ReportInputs, data: dict[str, Any], path: str | Path) -> bytes:
    """The figure (routes and state of charge) as a PNG file; returns its bytes."""
    from .plot import render_png

    png = render_png(inputs, data)
    write_atomic(path, png)
    return png


def write_html(
    inputs: ReportInputs, data: dict[str, Any], path: str | Path, png: bytes | None = None
) -> None:
    """The self-contained HTML page; the figure is rendered unless ``png`` is given."""
    from .page import render_html
    from .plot import render_png

    if png is None:
        png = render_png(inputs, data)
    write_atomic(path, render_html(data, png))


__all__ = ["ReportInputs", "build", "prepare", "write_html", "write_json", "write_png"]
