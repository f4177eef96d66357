"""A plan as CSV: one row per stop, the run sheet's columns (:data:`optimizer.runsheet.STOP_FIELDS`).

Why CSV: dispatch offices open plans in a spreadsheet, filter by vehicle and print per driver. The
rows are the validator's recomputed figures, the same as the console run sheet and the HTML report.
Empty cells are figures that do not apply (no battery, no charge at a delivery).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..fileio import write_atomic
from ..model import Instance
from ..runsheet import STOP_FIELDS, build_run_sheet
from ..solution import Solution
from ..validator import validate


def plan_to_csv(instance: Instance, solution: Solution) -> str:
    """The plan's stops as CSV text (header row first, ``\\n`` line ends)."""
    sheet = build_run_sheet(instance, validate(instance, solution))
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(STOP_FIELDS), lineterminator="\n")
    writer.writeheader()
    for row in sheet.rows():
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buf.getvalue()


def write_plan_csv(instance: Instance, solution: Solution, path: str | Path) -> None:
    """Write :func:`plan_to_csv` to ``path`` (UTF-8)."""
    write_atomic(path, plan_to_csv(instance, solution))


__all__ = ["plan_to_csv", "write_plan_csv"]
