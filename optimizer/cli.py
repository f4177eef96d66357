"""The ``optimizer`` command line.

Exit status (shared with the error codes in :mod:`optimizer.errors`): 0 success (and, for
``validate``, a feasible plan), 1 an infeasible plan, 2 unreadable or invalid input. Input errors are
printed as one line per problem, path and value first, never as a traceback.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import typer

from .cli_options import FormatOpt, PlanFormat, positive
from .errors import (
    EXIT_BAD_INPUT,
    EXIT_INFEASIBLE,
    EXIT_OK,
    OptimizerError,
    check_output_folders,
    check_outputs_distinct,
)
from .fileio import write_atomic
from .validator.report import COST_KEYS

if TYPE_CHECKING:
    from .solver.progress import Progress

app = typer.Typer(
    name="optimizer",
    help="Route and charging optimization for mixed diesel / electric freight fleets.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
F = TypeVar("F", bound=Callable[..., Any])

OrdersOpt = Annotated[
    Path | None,
    typer.Option(
        "--orders",
        help="CSV or .xlsx of orders added as jobs to a native day: columns id, lat, lon, "
        "weight_kg, earliest, latest (HH:MM), service_min; optional volume_m3, kind, shipper, "
        "vehicle_types.",
    ),
]
#: A search time: positive, so that ``-t -5`` is refused by name instead of solving for nothing.
TimeLimitOpt = Annotated[
    float,
    typer.Option(
        "--time-limit",
        "-t",
        help="Search time in seconds (> 0).",
        callback=positive,
    ),
]


def _version(value: bool) -> None:
    if value:
        from . import __version__

        typer.echo(f"optimizer {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Print the version and exit."
        ),
    ] = False,
) -> None:
    """Route and charging optimization for mixed diesel / electric freight fleets."""


def _clean_errors(func: F) -> F:
    """Turn the package's own errors into a message and exit status 2 instead of a traceback."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except OptimizerError as e:
            typer.echo(f"error: {e}", err=True)
            raise typer.Exit(e.exit_status) from None
        except OSError as e:
            typer.echo(f"error: {e.filename or ''}: {e.strerror}", err=True)
            raise typer.Exit(EXIT_BAD_INPUT) from None

    return wrapper  # type: ignore[return-value]


@app.command()
@_clean_errors
def info(
    instance: Annotated[Path, typer.Argument(help="Instance file in any supported format.")],
    format: FormatOpt = None,
    orders: OrdersOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the summary as JSON.")] = False,
) -> None:
    """One screen about an instance: counts, fleet, stations, horizon, demand against capacity, and
    the jobs no vehicle can reach."""
    from .formats import load
    from .info import format_info, summarize

    inst = load(instance, format, orders=orders)
    if as_json:
        typer.echo(json.dumps(summarize(inst), indent=1))
    else:
        typer.echo(format_info(inst))


@app.command()
@_clean_errors
def validate(
    instance: Annotated[Path, typer.Argument(help="Instance file in any supported format.")],
    solution: Annotated[
        Path,
        typer.Argument(help="Solution: native JSON, E-VRPTW verifier text or VRPLIB .sol."),
    ],
    format: FormatOpt = None,
    solution_format: Annotated[
        Literal["native", "evrptw-sol", "vrplib-sol"] | None,
        typer.Option("--solution-format", help="Solution format (default: detected)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Check a plan against an instance, recomputing every figure. Exit 0 feasible, 1 infeasible,
    2 unreadable input."""
    from .formats import load, load_solution
    from .validator import validate as run_validation

    inst = load(instance, format)
    sol = load_solution(solution, inst, solution_format)
    report = run_validation(inst, sol)
    typer.echo(json.dumps(report.to_dict(), indent=1) if as_json else report.summary())
    if not as_json and "reported_cost" in sol.meta:
        # A VRPLIB .sol's Cost counts what its set counts (distance, or fixed costs too): shown
        # beside the recomputed figures rather than compared with one of them.
        typer.echo(f"the file's Cost line: {sol.meta['reported_cost']:g}")
    raise typer.Exit(EXIT_OK if report.feasible else EXIT_INFEASIBLE)


@app.command()
@_clean_errors
def solve(
    instance: Annotated[Path, typer.Argument(help="Instance file in any supported format.")],
    time_limit: TimeLimitOpt = 30.0,
    seed: Annotated[
        int, typer.Option("--seed", "-s", help="Seed: same seed and limit, same plan.")
    ] = 0,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Write the plan here (without it: the run sheet)."),
    ] = None,
    out_format: Annotated[
        PlanFormat,
        typer.Option(
            "--out-format",
            help="native JSON, evrptw-sol text, csv (a row per stop), geojson, vroom (solution).",
        ),
    ] = "native",
    format: FormatOpt = None,
    orders: OrdersOpt = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress lines on stderr.")
    ] = False,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            "-w",
            min=1,
            help="Independent searches side by side, the best plan kept (default: every core). "
            "Same seed, workers and limit: same plan.",
        ),
    ] = None,
) -> None:
    """Plan routes and charging for an instance; the plan is validated before it is written.

    Without --out the run sheet is printed: per vehicle its stops with arrival and departure,
    load, state of charge, charges and swaps, and costs. Exit 0 with a plan, 1 when no plan serves
    every job (with the reason per job), 2 on bad input.
    """
    from .formats import load, save_solution
    from .runsheet import build_run_sheet, render_text
    from .solver import solve as run_solver
    from .solver.parallel import default_workers
    from .validator import validate as run_validation

    check_output_folders({"--out": out})
    check_outputs_distinct({"the instance": instance, "--orders": orders}, {"--out": out})
    inst = load(instance, format, orders=orders)
    plan = run_solver(
        inst,
        time_limit_s=time_limit,
        seed=seed,
        on_progress=None if quiet else _progress(inst),
        workers=workers or default_workers(),
    )
    report = run_validation(inst, plan)
    if not quiet:
        typer.echo(f"[   done] {_validated_line(inst, report)}", err=True)
    if out is None:
        typer.echo(render_text(build_run_sheet(inst, report)))
        typer.echo("")
    typer.echo(report.summary())
    if out is not None:
        from .roads.paths import network_of

        network = network_of(instance) if out_format == "geojson" else None
        save_solution(plan, out, out_format, instance=inst, road_network=network)
        typer.echo(f"wrote {out}", err=True)


def _validated_line(instance: Any, report: Any) -> str:
    """The run's last progress line: the plan as the validator measured it, in the objective's
    terms (a fewest-vehicles or distance objective prices nothing, so its cost would read 0)."""
    totals = report.totals
    if instance.objective.kind != "cost":
        return f"plan as validated: {totals.vehicles_used} vehicles, {totals.distance_km:,.2f} km"
    cost = totals.cost
    parts = ", ".join(f"{k} {cost[k]:,.2f}" for k in COST_KEYS if k != "total" and cost.get(k))
    return (
        f"plan cost as validated {cost.get('total', 0.0):,.2f} {instance.objective.currency}"
        f" ({parts})"
    )


def _progress(instance: Any) -> Callable[[Progress], None]:
    """Progress lines that say which phase found the plan and what the number is.

    The solver's callback hands over the search model's objective value (its scaled costs, before
    charging is re-timed for the tariffs and departures are floated), and where the solver could
    afford it (each of our phases' end, most other reports) the plan as the validator measures it
    too: the line names each as such, and the validated plan the solve returns closes the run.
    """
    obj = instance.objective
    unit = obj.currency if obj.kind == "cost" else "km"  # a fewest-vehicles value is its km
    name = {"cost": "cost", "distance": "distance", "vehicles_then_distance": "vehicles, then km"}

    def show(event: Progress) -> None:
        # -1 vehicles: PyVRP's run, which tells only its cost.
        used = f", {event.vehicles} vehicles" if event.vehicles >= 0 else ""
        what = "parts done, validated" if event.phase == "part" else "search value"
        checked = (
            f"; as validated {event.validated:,.2f} {unit}" if event.validated is not None else ""
        )
        typer.echo(
            f"[{event.elapsed_s:6.1f}s] {event.phase}: objective {name.get(obj.kind, obj.kind)}, "
            f"{what} {event.value:,.2f} {unit}{used}{checked}".replace(" ,", ",").replace(
                " ;", ";"
            ),
            err=True,
        )

    return show


@app.command()
@_clean_errors
def generate(
    jobs: Annotated[
        int, typer.Option("--jobs", "-n", help="Number of jobs (10 to 5,000 is the tested range).")
    ],
    seed: Annotated[
        int,
        typer.Option("--seed", "-s", help="Random seed: the same seed gives the same instance."),
    ] = 0,
    stations: Annotated[
        int | None, typer.Option("--stations", help="Number of stations (default grows with jobs).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Write here (default: standard output).")
    ] = None,
    peak_to_valley: Annotated[
        float | None,
        typer.Option(
            "--peak-to-valley",
            help="Peak over valley electricity price (default Guangdong's, about 4.5).",
        ),
    ] = None,
    radius_km: Annotated[
        float | None,
        typer.Option("--radius-km", help="Radius of the served area (default grows with jobs)."),
    ] = None,
    max_trips: Annotated[
        int,
        typer.Option(
            "--max-trips",
            help="Trips each vehicle may make in its shift, reloading at its depot in between "
            "(the fleet is sized for that many waves).",
        ),
    ] = 1,
) -> None:
    """Generate a seeded city-day instance with a mixed diesel / electric / swap fleet."""
    from .formats.native import instance_to_dict
    from .generate import generate as make

    check_output_folders({"--out": out})
    inst = make(
        jobs,
        seed,
        stations=stations,
        peak_to_valley=peak_to_valley,
        radius_km=radius_km,
        max_trips=max_trips,
    )
    text = json.dumps(instance_to_dict(inst), indent=1) + "\n"
    if out is None:
        sys.stdout.write(text)
    else:
        write_atomic(out, text)
        typer.echo(
            f"wrote {out} ({len(inst.jobs)} jobs, {len(inst.shipments)} shipments, {len(inst.stations)} stations)",
            err=True,
        )


@app.command()
@_clean_errors
def convert(
    instance: Annotated[Path, typer.Argument(help="Instance file in any supported format.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Native JSON file to write.")],
    format: FormatOpt = None,
    orders: OrdersOpt = None,
) -> None:
    """Convert any supported instance format to native JSON (to inspect or edit it); with
    --orders, the native day with the spreadsheet's orders added as jobs."""
    from .formats import load, save

    check_output_folders({"--out": out})
    check_outputs_distinct({"the instance": instance, "--orders": orders}, {"--out": out})
    save(load(instance, format, orders=orders), out)


@app.command()
def schema(
    kind: Annotated[str, typer.Argument(help="instance or solution")] = "instance",
) -> None:
    """Print the JSON Schema of the native instance or solution format."""
    from .formats.native import schema as get_schema

    if kind not in ("instance", "solution"):
        typer.echo(f"error: kind: must be one of instance, solution, got {kind!r}", err=True)
        raise typer.Exit(EXIT_BAD_INPUT)
    typer.echo(json.dumps(get_schema(kind), indent=2))


# The platform commands (HTTP service, batch) live in their own module.
from . import cli_platform  # noqa: E402

app.command()(_clean_errors(cli_platform.serve))
app.command()(_clean_errors(cli_platform.batch))


# Carbon reports and the cost-versus-carbon frontier (optimizer/cli_carbon.py).
from .cli_carbon import register as _register_carbon  # noqa: E402

_register_carbon(app, _clean_errors)


# Road networks: what travel.road_network made of an instance (optimizer/cli_roads.py).
from .cli_roads import register as _register_roads  # noqa: E402

_register_roads(app, _clean_errors)


# Replanning during the day (optimizer/cli_replan.py).
from .cli_replan import register as _register_replan  # noqa: E402

_register_replan(app, _clean_errors)


def main() -> None:
    """Entry point of the ``optimizer`` console script."""
    app()


if __name__ == "__main__":
    main()
