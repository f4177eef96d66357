"""``optimizer replan``: a new plan for the rest of the day after cancellations, new jobs and delays.

Why its own module: the command only reads files, calls :func:`optimizer.replan.replan` and prints
its closing note; registered on the main app by :func:`register`, like ``cli_roads``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import (
    EXIT_INFEASIBLE,
    EXIT_OK,
    check_output_folders,
    check_outputs_distinct,
)


def replan_command(
    instance: Annotated[Path, typer.Argument(help="Instance file in any supported format.")],
    plan: Annotated[Path, typer.Argument(help="The plan being driven (native JSON).")],
    at: Annotated[
        float, typer.Option("--at", help="Clock time of the replan, minutes from day start.")
    ],
    events: Annotated[
        Path,
        typer.Option(
            "--events", help="JSON: cancel, new_jobs, delays, reassignment_penalty (all optional)."
        ),
    ],
    time_limit: Annotated[
        float, typer.Option("--time-limit", "-t", help="Search time in seconds.")
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
    format: Annotated[
        str | None, typer.Option("--format", "-f", help="Instance format (default: detected).")
    ] = None,
) -> None:
    """Replan from the plan's state at --at: done and committed stops kept, what trucks carry kept
    on them, promises moved only where it pays. Exit 0 valid plan, 1 not servable, 2 bad input."""
    from .formats import guard, load, load_solution, save, save_solution
    from .replan import parse_events, replan

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
    result = replan(inst, old, at, ev, time_limit_s=time_limit, seed=seed)
    typer.echo(result.summary())
    if out is not None:
        save_solution(result.plan, out)
        typer.echo(f"wrote {out}", err=True)
    if out_instance is not None:
        save(result.updated, out_instance)
        typer.echo(f"wrote {out_instance}", err=True)
    raise typer.Exit(EXIT_OK if result.report.feasible else EXIT_INFEASIBLE)


def register(app: typer.Typer, clean_errors: Callable[[Any], Any]) -> None:
    """Add ``replan`` to ``app``, wrapped in the CLI's error handler."""
    app.command(name="replan")(clean_errors(replan_command))


__all__ = ["register", "replan_command"]
