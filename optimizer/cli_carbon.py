"""``optimizer report`` and ``optimizer pareto``: the carbon side of the command line.

Why a module of its own: ``cli.py`` is shared by several features; this one registers its commands
on the same typer app with :func:`register` (one line at the end of ``cli.py``), and takes the
error wrapper as an argument so that it never imports ``cli.py`` (no import cycle).
"""

from __future__ import annotations

import json
import math
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
from .fileio import write_atomic


def _non_negative(name: str, value: float) -> None:
    if not (math.isfinite(value) and value >= 0):
        raise InputError(Issue(name, "must be a number >= 0", value))


def report(
    instance: Annotated[Path, typer.Argument(help="Instance file in any supported format.")],
    plan: Annotated[Path, typer.Argument(help="Plan: native JSON or E-VRPTW verifier text.")],
    json_out: Annotated[
        Path | None, typer.Option("--json-out", help="Write the report as JSON here.")
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the report as JSON instead of tables (as info does)."),
    ] = False,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write a self-contained HTML page here.")
    ] = None,
    png_out: Annotated[
        Path | None,
        typer.Option("--png", help="Write the figure (routes, state of charge) here."),
    ] = None,
    ileap_out: Annotated[
        Path | None,
        typer.Option(
            "--ileap",
            help="Write the shipment footprints here in the iLEAP data model (Smart Freight "
            "Centre): TCEs and TOCs, numbers as decimal strings.",
        ),
    ] = None,
    baseline_time_limit: Annotated[
        float | None,
        typer.Option(
            "--baseline-time-limit",
            help="Seconds to re-solve the all-diesel fleet, the secondary baseline (default: the "
            "plan's own time limit, so two reports agree; 10 when the plan has none; 0: skip).",
        ),
    ] = None,
    seed: Annotated[
        int | None,
        typer.Option("--seed", "-s", help="Seed of the baseline solve (default: the plan's)."),
    ] = None,
    format: FormatOpt = None,
    solution_format: Annotated[
        str | None,
        typer.Option("--solution-format", help="native or evrptw-sol (default: detected)."),
    ] = None,
    tiles: Annotated[
        str | None,
        typer.Option(
            "--tiles",
            help="Tile URL for the HTML map, e.g. https://tile.openstreetmap.org/{z}/{x}/{y}.png "
            "(default: a plain background; the page then fetches nothing).",
        ),
    ] = None,
) -> None:
    """Carbon report of a plan (ISO 14083 / GLEC): per route, per shipment and per shipper, totals
    by carrier and scope, electricity by both scope 2 methods, and two all-diesel baselines: the
    same routes on diesel (primary, exact) and the fleet re-solved on diesel (secondary). Exit 0,
    1 when the plan breaks rules (the report is still written), 2 on bad input."""
    from .formats import load, load_solution
    from .report import prepare, write_html, write_json, write_png
    from .report.text import render

    if baseline_time_limit is not None:
        _non_negative("--baseline-time-limit", baseline_time_limit)
    if tiles is not None and not (
        tiles.startswith(("https://", "http://")) and "{z}" in tiles and "{x}" in tiles
    ):
        raise InputError(
            Issue("--tiles", "must be an http(s) URL with {z}, {x} and {y} in it", tiles)
        )
    outputs = {"--json-out": json_out, "--html": html_out, "--png": png_out, "--ileap": ileap_out}
    check_output_folders(outputs)
    check_outputs_distinct({"the instance": instance, "the plan": plan}, outputs)
    inst = load(instance, format)
    sol = load_solution(plan, inst, solution_format)
    if sol.instance and sol.instance != inst.name:
        typer.echo(
            f"warning: {plan}: the plan is for instance {sol.instance!r}, not {inst.name!r}",
            err=True,
        )
    inputs, data = prepare(inst, sol, baseline_time_limit, seed)
    from .roads.paths import network_of

    network = network_of(instance)
    if network is not None:
        from .report import add_road_paths

        add_road_paths(inputs, data, network)
    if as_json:
        from .report import report_json_text

        typer.echo(report_json_text(data), nl=False)
    else:
        render(data)
    png: bytes | None = None
    if png_out is not None:
        png = write_png(inputs, data, png_out)
        typer.echo(f"wrote {png_out}", err=True)
    if html_out is not None:
        write_html(inputs, data, html_out, png, tiles)
        typer.echo(f"wrote {html_out}", err=True)
    if json_out is not None:
        write_json(data, json_out)
        typer.echo(f"wrote {json_out}", err=True)
    if ileap_out is not None:
        from .carbon.ileap import ileap_export

        doc = ileap_export(inputs.account, inst.type_by_id)
        write_atomic(ileap_out, json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
        typer.echo(f"wrote {ileap_out}", err=True)
    raise typer.Exit(EXIT_OK if data["plan"]["feasible"] else EXIT_INFEASIBLE)


def pareto(
    instance: Annotated[Path, typer.Argument(help="Instance file in any supported format.")],
    points: Annotated[
        int, typer.Option("--points", "-k", help="Distinct frontier points to aim for.")
    ] = 6,
    time_limit: Annotated[
        float,
        typer.Option(
            "--time-limit", "-t", help="Search time per plan, in seconds (> 0).", callback=positive
        ),
    ] = 5.0,
    seed: Annotated[int, typer.Option("--seed", "-s", help="Seed of the first solves.")] = 0,
    max_solves: Annotated[
        int | None,
        typer.Option("--max-solves", help="Cap on the number of solves (default 3 x POINTS)."),
    ] = None,
    png_out: Annotated[
        Path | None, typer.Option("--png", help="Write a plot of the frontier here.")
    ] = None,
    json_out: Annotated[
        Path | None, typer.Option("--json-out", help="Write the frontier as JSON here.")
    ] = None,
    plans_dir: Annotated[
        Path | None,
        typer.Option(
            "--plans-dir",
            help="Write each frontier plan here as a native plan file (frontier-1.json, ...), "
            "totalled at the instance's carbon price: each passes optimizer validate.",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option("--json", help="Print the frontier as JSON instead of the table."),
    ] = False,
    format: FormatOpt = None,
    quiet: Annotated[
        bool, typer.Option("--quiet", "-q", help="No progress lines on stderr.")
    ] = False,
) -> None:
    """Plans along the cost-versus-carbon frontier: sweep the carbon price (then refine gaps,
    bound CO2e (epsilon constraint), drop the dirtiest vehicles, re-seed the ends) and keep the
    distinct non-dominated plans, each validated; the exported plans carry totals at the
    instance's carbon price (they pass optimizer validate), the price found at in their meta.
    At most 3 x POINTS solves (--max-solves) of TIME-LIMIT seconds each. Exit 0, 2 on bad input."""
    from rich.console import Console
    from rich.table import Table

    from .formats import load
    from .studies.pareto import ParetoPoint, abatement_costs, sweep

    if points < 1:
        raise InputError(Issue("--points", "must be an integer >= 1", points))
    _non_negative("--time-limit", time_limit)
    check_output_folders({"--json-out": json_out, "--png": png_out})
    check_outputs_distinct({"the instance": instance}, {"--json-out": json_out, "--png": png_out})
    if plans_dir is not None and not plans_dir.is_dir():
        raise InputError(Issue("--plans-dir", "names a folder that does not exist", str(plans_dir)))
    if max_solves is not None and max_solves < 1:
        raise InputError(Issue("--max-solves", "must be an integer >= 1", max_solves))
    inst = load(instance, format)

    def progress(p: ParetoPoint) -> None:
        if not quiet:
            typer.echo(
                f"price {p.carbon_price_per_t_co2e:>10,.0f}/t, seed {p.seed}, {p.found_by}: "
                f"cost {p.money_cost:,.2f}, {p.co2e_wtw_kg:,.2f} kg CO2e",
                err=True,
            )

    result = sweep(
        inst,
        points=points,
        time_limit_s=time_limit,
        seed=seed,
        on_point=progress,
        max_solves=max_solves,
    )
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=1))
    cur = result.currency
    table = Table(
        title=f"Cost-versus-carbon frontier of {inst.name}: {len(result.frontier)} distinct "
        f"non-dominated plans of {len(result.points)} solved",
        title_justify="left",
    )
    for name in (
        f"carbon price {cur}/t",
        f"money cost {cur}",
        "CO2e kg WTW",
        f"abatement {cur}/t",
        "km",
        "vehicles by type",
        "found with",
        "valid",
    ):
        table.add_column(
            name, justify="left" if name in ("vehicles by type", "found with") else "right"
        )
    for p, abatement in zip(result.frontier, abatement_costs(result.frontier), strict=True):
        table.add_row(
            f"{p.carbon_price_per_t_co2e:,.0f}",
            f"{p.money_cost:,.2f}",
            f"{p.co2e_wtw_kg:,.2f}",
            "-" if abatement is None else f"{abatement:,.0f}",
            f"{p.distance_km:,.1f}",
            ", ".join(f"{k} {v}" for k, v in p.vehicles_by_type.items()),
            f"{p.found_by} (seed {p.seed})",
            "yes" if p.feasible else "NO",
        )
    if not as_json:
        console = Console(width=150)
        console.print(table)
        console.print(
            "carbon price: the price the plan was solved at (a reassigned plan: that of the plan "
            "it came from; exported plans are totalled at the instance's own price); abatement: "
            "the money per tonne of CO2e avoided over the plan above it.",
            highlight=False,
        )
    if png_out is not None:
        from .report.pareto_plot import render_frontier_png

        write_atomic(png_out, render_frontier_png(result))
        typer.echo(f"wrote {png_out}", err=True)
    if json_out is not None:
        write_atomic(json_out, json.dumps(result.to_dict(), indent=1) + "\n")
        typer.echo(f"wrote {json_out}", err=True)
    if plans_dir is not None:
        from .formats import save_solution

        for k, p in enumerate(result.frontier, start=1):
            path = plans_dir / f"frontier-{k}.json"
            save_solution(p.solution, path)
            typer.echo(f"wrote {path}", err=True)


def register(app: typer.Typer, clean_errors: Callable[[Any], Any]) -> None:
    """Add ``report`` and ``pareto`` to ``app``, wrapped in the CLI's error handler."""
    app.command(name="report")(clean_errors(report))
    app.command(name="pareto")(clean_errors(pareto))


__all__ = ["pareto", "register", "report"]
