"""``optimizer replan``: a new plan for the rest of the day after cancellations, new jobs and delays.

Why its own module: the command only reads files, calls :func:`optimizer.replan.replan` and prints
its closing note; registered on the main app by :func:`register`, like ``cli_roads``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .cli_options import FormatOpt, positive
from .errors import (
    EXIT_INFEASIBLE,
    EXIT_OK,
    InputError,
    Issue,
    check_output_folders,
    check_outputs_distinct,
)


def replan_command(
    instance: Annotated[Path, typer.Argument(help="Instance file in any supported format.")],
    plan: Annotated[Path, typer.Argument(help="The plan being driven (native JSON).")],
    at: Annotated[
        str,
        typer.Option(
            "--at",
            help="Clock time of the replan: HH:MM, or minutes from the start of the day.",
        ),
    ],
    events: Annotated[
        Path,
        typer.Option(
            "--events", help="JSON: cancel, new_jobs, delays, reassignment_penalty (all optional)."
        ),
    ],
    time_limit: Annotated[
        float,
        typer.Option("--time-limit", "-t", help="Search time in seconds (> 0).", callback=positive),
    ] = 10.0,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Seed: same seed, same plan.")] = 0,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write the full-day plan here.")
    ] = None,
    out_instance: Annotated[
        Path | None,
        typer.Option(
            "--out-instance",
            help="Write the updated full-day instance (cancelled out, new jobs in) that the plan "
            "is valid for.",
        ),
    ] = None,
    format: FormatOpt = None,
) -> None:
    """Replan from the plan's state at --at: done and committed stops kept, what trucks carry kept
    on them, promises moved only where it pays. Without --out the new plan's run sheet is printed.
    Exit 0 valid plan, 1 not servable, 2 bad input."""
    from .formats import guard, load, load_solution, save, save_solution
    from .replan import parse_events, replan
    from .runsheet import build_run_sheet, render_text

    at_min = parse_clock(at, "--at")
    check_output_folders({"--out": out, "--out-instance": out_instance})
    check_outputs_distinct(
        {"the instance": instance, "the plan": plan, "--events": events},
        {"--out": out, "--out-instance": out_instance},
    )
    inst = load(instance, format)
    old = load_solution(plan, inst)
    # The events file is read within the same bounds as an instance (size, UTF-8, depth, numbers).
    data = guard.parse_json(guard.read_text(events), str(events))
    ev = parse_events(data, inst, str(events))
    result = replan(inst, old, at_min, ev, time_limit_s=time_limit, seed=seed)
    if out is None:
        typer.echo(render_text(build_run_sheet(result.updated, result.report)))
        typer.echo("")
    typer.echo(result.summary())
    if out is not None:
        save_solution(result.plan, out)
        typer.echo(f"wrote {out}", err=True)
    if out_instance is not None:
        save(result.updated, out_instance)
        typer.echo(f"wrote {out_instance}", err=True)
    raise typer.Exit(EXIT_OK if result.report.feasible else EXIT_INFEASIBLE)


def parse_clock(text: str, option: str) -> float:
    """Minutes from the start of the day of ``HH:MM`` (``24:30`` allowed) or of a plain number of
    minutes; :class:`InputError` naming ``option`` otherwise. Why both: dispatchers say 10:30,
    scripts written before this change pass 630."""
    m = re.fullmatch(r"\s*(\d{1,3}):([0-5]\d)\s*", text)
    if m is not None:
        return int(m.group(1)) * 60.0 + int(m.group(2))
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value >= 0):
        raise InputError(Issue(option, "must be a clock time HH:MM or minutes >= 0", text))
    return value


def register(app: typer.Typer, clean_errors: Callable[[Any], Any]) -> None:
    """Add ``replan`` to ``app``, wrapped in the CLI's error handler."""
    app.command(name="replan")(clean_errors(replan_command))


__all__ = ["parse_clock", "register", "replan_command"]
