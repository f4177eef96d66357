"""Readers and writers: every format converts to and from the one model at the edge.

``load(path)`` detects the format from the file's content (``format=`` names it instead):

========== ==============================================================================
native     the package's JSON (``optimizer-instance`` version 1), schema shipped here
evrptw     Schneider, Stenger & Goeke (2014) E-VRPTW text files
evrptw-pr  the same files under partial recharge (E-VRPTW-PR: a visit may stop charging early)
cec2020    CEC-2020 EVRP competition ``.evrp`` files
evrp-nl    Montoya et al. (2017) VRP-REP XML with nonlinear charging
solomon    Solomon VRPTW in VRPLIB form (DIMACS convention: times and distances truncated to 0.1)
cvrp       CVRP in VRPLIB / TSPLIB form (X convention: rounded Euclidean distances)
vrplib     other VRPLIB files (heterogeneous fleet, multi-depot) read through ``vrplib``
vroom      VROOM's problem JSON (jobs, shipments, vehicles, matrices; :mod:`.vroom`)
========== ==============================================================================
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from ..errors import FormatError, InputError, Issue
from ..model import Instance
from ..solution import Solution

#: format name -> module under optimizer.formats that has ``read_instance(path) -> Instance``.
READERS: dict[str, str] = {
    "native": "native",
    "evrptw": "evrptw",
    "evrptw-pr": "evrptw",
    "cec2020": "cec2020",
    "evrp-nl": "evrpnl",
    "solomon": "vrplib_sets",
    "cvrp": "vrplib_sets",
    "vrplib": "vrplib_sets",
    "vroom": "vroom",
}
INSTANCE_FORMATS = tuple(READERS)
SOLUTION_FORMATS = ("native", "evrptw-sol", "vrplib-sol")
#: Formats a plan can be written in; the last three need the instance (coordinates, names, units).
PLAN_OUT_FORMATS = ("native", "evrptw-sol", "csv", "geojson", "vroom")


def _head(path: Path) -> str:
    """The first 4 KiB of ``path`` as text (enough to tell the formats apart), or a
    :class:`FormatError` naming the file when it cannot be read."""
    try:
        with path.open("rb") as fh:
            return fh.read(4096).decode("utf-8", errors="replace")
    except OSError as e:
        raise FormatError(
            Issue(str(path), f"cannot be read: {e.strerror}", has_value=False)
        ) from None


def detect(path: str | Path) -> str:
    """Name the instance format of ``path`` from its first bytes, or raise :class:`FormatError`."""
    import re

    p = Path(path)
    head = _head(p)
    stripped = head.lstrip("\ufeff \t\r\n")
    lower = head.lower()
    if stripped.startswith("{"):
        if "optimizer-instance" in head:
            return "native"
        # A VROOM problem is a JSON object too: jobs or shipments and vehicles, no format tag.
        from .guard import parse_json, read_text
        from .vroom import looks_like

        try:
            # Within the readers' bounds (size, UTF-8, depth, numbers): a file built to crash
            # the parser is the native reader's to refuse, with its error.
            data = parse_json(read_text(p), str(p))
        except (OSError, InputError):
            return "native"
        return "vroom" if looks_like(data) else "native"
    if stripped.startswith("<") and ("<network" in lower or "<instance" in lower):
        return "evrp-nl"
    if stripped.startswith("StringID"):
        return "evrptw"
    # TSPLIB-like text: ``KEY : value`` headers, then ``*_SECTION`` blocks. The VRPLIB sets share
    # the syntax but not the rules, so look at the whole file: its TYPE, sections and depots.
    if re.match(r"[A-Za-z_]+\s*:", stripped):
        try:
            text = p.read_text("utf-8", errors="replace")
        except OSError as e:
            raise FormatError(
                Issue(str(path), f"cannot be read: {e.strerror}", has_value=False)
            ) from None
        specs: dict[str, str] = {}
        sections: list[str] = []
        depots = 0
        in_depot = False
        for raw in text.splitlines():
            line = raw.strip()
            if not line:
                continue
            if line.upper() == "EOF":
                break
            if "_SECTION" in line.upper():
                sections.append(line.strip(" :\t").upper().removesuffix("_SECTION"))
                in_depot = sections[-1] == "DEPOT"
                continue
            if not sections and ":" in line:
                key, _, value = line.partition(":")
                specs[key.strip().upper()] = value.strip().upper()
            elif in_depot:
                depots += sum(1 for tok in line.split() if tok != "-1")
        kind = specs.get("TYPE", "")
        if kind == "EVRP" or "ENERGY_CAPACITY" in specs:
            return "cec2020"
        if "NODE_COORD" in sections or "EDGE_WEIGHT" in sections:
            basic = {"NODE_COORD", "DEMAND", "DEPOT", "EDGE_WEIGHT"}
            extra = set(sections) - basic
            single_depot = depots <= 1 and sections.count("DEPOT") <= 1
            if single_depot and kind in ("CVRP", "") and not extra:
                return "cvrp"
            if (
                single_depot
                and kind in ("CVRPTW", "VRPTW")
                and "TIME_WINDOW" in extra
                and extra <= {"TIME_WINDOW", "SERVICE_TIME"}
            ):
                return "solomon"
            return "vrplib"
    raise FormatError(
        Issue(
            str(path),
            "is in no format this package reads (name one with --format)",
            has_value=False,
        )
    )


def _check_size(path: str | Path) -> None:
    """Refuse a file above :data:`.guard.MAX_INPUT_BYTES` before any reader holds it in memory."""
    from .guard import MAX_INPUT_BYTES

    size = Path(path).stat().st_size
    if size > MAX_INPUT_BYTES:
        raise FormatError(
            Issue(
                str(path),
                f"is larger than the limit of {MAX_INPUT_BYTES // (1024 * 1024)} MiB",
                f"{size} bytes",
            )
        )


def load(path: str | Path, format: str | None = None, orders: str | Path | None = None) -> Instance:
    """Read an instance in any supported format (detected when ``format`` is ``None``).

    ``orders``: a CSV or ``.xlsx`` file of orders added as jobs to a native day (see
    :mod:`optimizer.formats.orders`).
    """
    if Path(path).is_file():
        _check_size(path)  # before detect(), which reads a whole VRPLIB-like file
    fmt = format or detect(path)
    if fmt not in READERS:
        raise FormatError(Issue("format", "must be one of " + ", ".join(INSTANCE_FORMATS), fmt))
    if not Path(path).is_file():
        raise FormatError(Issue(str(path), "is not a file", has_value=False))
    if orders is not None:
        if fmt != "native":
            raise FormatError(Issue("--orders", f"adds jobs to a native day only; {path} is", fmt))
        from . import guard
        from .native import _parse_json, instance_from_dict
        from .orders import add_orders, read_orders

        p = Path(path)
        day = _parse_json(guard.read_text(p), str(path))
        if not isinstance(day, dict):
            raise FormatError(Issue(str(path), "must hold a JSON object", type(day).__name__))
        joined = add_orders(day, read_orders(orders), str(orders))
        return instance_from_dict(joined, str(path), base_dir=p.parent)
    module: Any = importlib.import_module(f"{__name__}.{READERS[fmt]}")
    if READERS[fmt] in ("vrplib_sets", "evrptw"):
        return module.read_instance(path, fmt)
    return module.read_instance(path)


def save(instance: Instance, path: str | Path) -> None:
    """Write ``instance`` as native JSON."""
    from .native import write_instance

    write_instance(instance, path)


def load_solution(
    path: str | Path, instance: Instance | None = None, format: str | None = None
) -> Solution:
    """Read a solution: native JSON, the E-VRPTW verifier's text (needs the instance's name
    only), or a VRPLIB ``.sol`` file (``Route #1: ...``; read against the instance's fleet)."""
    p = Path(path)
    if not p.is_file():
        raise FormatError(Issue(str(path), "is not a file", has_value=False))
    _check_size(p)
    if format is None:
        from .vrplib_sol import looks_like

        head = _head(p)
        if head.lstrip("\ufeff \t\r\n").startswith("{"):
            format = "native"
        elif looks_like(head):
            format = "vrplib-sol"
        else:
            format = "evrptw-sol"
    fmt = format
    if fmt == "native":
        from . import native

        return native.read_solution(p)
    if fmt == "evrptw-sol":
        from . import evrptw

        return evrptw.read_solution(p, instance)
    if fmt == "vrplib-sol":
        from . import vrplib_sol

        return vrplib_sol.read_solution(p, instance)
    raise FormatError(Issue("format", "must be one of " + ", ".join(SOLUTION_FORMATS), fmt))


def save_solution(
    solution: Solution,
    path: str | Path,
    format: str = "native",
    instance: Instance | None = None,
    road_network: Any = None,
) -> None:
    """Write ``solution`` in one of :data:`PLAN_OUT_FORMATS`.

    ``native`` JSON and ``evrptw-sol`` (the E-VRPTW verifier's text) need the plan alone; ``csv``
    (a row per stop), ``geojson`` (a line per route, a point per stop) and ``vroom`` (VROOM's
    solution JSON) need ``instance`` too, for coordinates, location ids and recomputed figures.
    ``road_network`` (:class:`optimizer.roads.RoadNetwork`) draws GeoJSON routes along the roads.
    """
    if format not in PLAN_OUT_FORMATS:
        raise FormatError(Issue("format", "must be one of " + ", ".join(PLAN_OUT_FORMATS), format))
    if format == "evrptw-sol":
        from .evrptw import write_solution

        write_solution(solution, path)
        return
    if format == "native":
        from .native import write_solution as write_native

        write_native(solution, path)
        return
    if instance is None:
        raise FormatError(
            Issue("format", "needs the instance the plan is for (pass instance=)", format)
        )
    if format == "csv":
        from .plan_csv import write_plan_csv

        write_plan_csv(instance, solution, path)
    elif format == "geojson":
        from .geojson import write_plan_geojson

        write_plan_geojson(instance, solution, path, road_network)
    else:
        from .vroom import write_solution as write_vroom

        write_vroom(instance, solution, path)
