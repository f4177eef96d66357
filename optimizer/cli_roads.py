"""``optimizer roads``: what the road network made of an instance (graph, restrictions, snapping).

Why a command at all: the loader resolves ``travel.road_network`` silently into matrices, and a
user who placed a customer 400 m off the road, or gave a truck the wrong gross weight, needs one
place to see how each location was snapped and which vehicle types are kept off which roads.
Registered on the main app by :func:`register` (one line in ``cli.py``), like ``cli_carbon``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

from .errors import InputError, Issue, check_output_folders, check_outputs_distinct


def roads(
    instance: Annotated[
        Path, typer.Argument(help="Native JSON instance with travel.road_network.")
    ],
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Also write the instance with the matrices embedded."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the report as JSON.")] = False,
) -> None:
    """Build (or read from the cache) an instance's road matrices and report the road graph, the
    vehicle types' road restrictions and how far each location was snapped to the graph."""
    from .formats import guard, save
    from .formats.native import read_instance
    from .roads import RoadNetwork, road_matrices

    check_output_folders({"--out": out})
    check_outputs_distinct({"the instance": instance}, {"--out": out})
    # Read within the loaders' bounds: an unreadable file is named as such, not as "no roads".
    data = guard.parse_json(guard.read_text(instance), str(instance))
    road = (
        data.get("travel", {}).get("road_network")
        if isinstance(data, dict) and isinstance(data.get("travel"), dict)
        else None
    )
    if not isinstance(road, dict):
        raise InputError(
            Issue(
                "travel.road_network",
                "is not given: the instance has no road network",
                has_value=False,
            ),
            str(instance),
        )
    started = time.perf_counter()
    inst = read_instance(instance)
    seconds = time.perf_counter() - started
    # The load above filled the cache (unless the instance turned it off): this is a lookup.
    rm = road_matrices(inst, RoadNetwork.from_dict(road, instance.parent))
    if as_json:
        body = {
            **inst.meta["road_network"],
            "load_s": round(seconds, 3),
            "snaps": rm.snaps(inst),
        }
        typer.echo(json.dumps(body, indent=1))
    else:
        typer.echo(f"{inst.name or instance.name}: loaded in {seconds:.2f} s")
        typer.echo(rm.describe(inst))
    if out is not None:
        save(inst, out)
        typer.echo(f"wrote {out} (matrices embedded, travel.metric 'matrix')", err=True)


def register(app: typer.Typer, clean_errors: Callable[[Any], Any]) -> None:
    """Add ``roads`` to ``app``, wrapped in the CLI's error handler."""
    app.command(name="roads")(clean_errors(roads))


__all__ = ["register", "roads"]
