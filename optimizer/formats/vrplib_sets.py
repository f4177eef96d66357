"""VRPLIB-form benchmark sets, read through the ``vrplib`` package, with each set's own conventions.

Three formats share the VRPLIB syntax (``KEY : value`` headers, ``*_SECTION`` blocks, ``EOF``) but
not its meaning, so the caller names which one a file is (``optimizer.formats.detect`` does):

``solomon``
    VRPTW (Solomon 1987 in VRPLIB form). DIMACS convention: every arc's Euclidean distance is
    truncated to one decimal and its travel time equals that truncated distance
    (``Travel(rounding="truncate", rounding_decimals=1, round_durations=True, speed_kmh=60)``).
    ``VEHICLES`` is the fleet available; the objective is the total distance.
``cvrp``
    CVRP (X set of Uchoa et al. 2017, Christofides & Eilon E set). TSPLIB ``nint``: Euclidean
    distance rounded to the nearest integer. No time, unlimited fleet, total distance.
``vrplib``
    PyVRP's dialect for richer variants: per-vehicle ``CAPACITY_SECTION``,
    ``VEHICLES_FIXED_COST_SECTION``, ``VEHICLES_UNIT_DISTANCE_COST_SECTION``,
    ``VEHICLES_MAX_DURATION_SECTION``, ``VEHICLES_ALLOWED_CLIENTS_SECTION``,
    ``VEHICLES_DEPOT_SECTION``, several depots, per-client ``SERVICE_TIME_SECTION`` and
    ``TIME_WINDOW_SECTION``. Distances are exact (unrounded) Euclidean: PyVRP leaves rounding to the
    reader, and its stored costs use its "exact" scale (see below).

Common conventions:

- 1 coordinate unit = 1 km, 1 time unit = 1 minute (``speed_kmh = 60``: one unit per minute, as the
  sets define travel time = distance), 1 demand unit = 1 kg.
- Node ``i`` (1-based in the file) becomes location ``i - 1``. Customers are jobs with id
  ``str(i - 1)``: that is how VRPLIB ``.sol`` files number them (1..n when the depot is node 1).
  A single depot has id ``depot``; several depots have ids ``depot<i - 1>``.
- Vehicle types have carrier ``diesel`` and no consumption: these sets know no energy.
- Per-vehicle sections are grouped: consecutive vehicles with identical data become one
  :class:`VehicleType` and one :class:`Vehicle` with ``count`` units, id ``v<first>-<last>``
  (1-based vehicle numbers of the file; ``v<k>`` for a group of one). ``meta["vehicle_groups"]``
  lists them, in file order.
- Site dependency (``VEHICLES_ALLOWED_CLIENTS_SECTION``): the model has no per-vehicle client list,
  but it has zones a vehicle type may not stop in. Each client some group may not serve gets a
  tiny square zone ``site-<job id>`` around its location, banned for those groups; the loader
  refuses the file if another place lies in that square, so the encoding is exact. The raw lists
  stay in ``meta["allowed_clients"]``.
- Fixed and per-distance costs make the objective ``cost`` (unit distance cost 1 when only fixed
  costs are given, as in PyVRP); without them the objective is ``distance``.
- A header key or section the chosen format cannot represent is refused with its name
  (:class:`FormatError`), never dropped; descriptive keys (``NAME``, ``COMMENT``, ``TYPE``) go to
  ``meta``.

Solutions (``Route #k: c1 c2 ...`` then ``Cost X``): see :func:`read_solution`. PyVRP writes costs
in its own integer scale; for ``X115-HVRP.sol`` the stored ``Cost`` equals
``1000 * sum(fixed) + sum(unit cost * round(1000 * arc distance))``. Such a cost is kept in
``Solution.meta["reported_cost"]`` rather than passed off as a distance.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import vrplib

from ..errors import FormatError, InputError, Issue
from ..model import (
    Depot,
    Instance,
    Job,
    Location,
    Objective,
    Rules,
    TimeWindow,
    Travel,
    Vehicle,
    VehicleType,
    Zone,
)
from ..solution import Route, Solution, Stop, Totals
from .guard import MAX_INT_DIGITS, read_text

FORMATS = ("solomon", "cvrp", "vrplib")
#: Opening of a depot when the file has no time: wide enough never to bind.
WIDE_OPENING = TimeWindow(0.0, 1e7)
DESCRIPTIVE_SPECS = {"name", "comment", "type"}
#: Header keys each format understands (beyond the descriptive ones).
SPECS: dict[str, set[str]] = {
    "solomon": {
        "dimension",
        "vehicles",
        "capacity",
        "service_time",
        "edge_weight_type",
        "edge_weight_format",
    },
    "cvrp": {"dimension", "vehicles", "capacity", "edge_weight_type", "edge_weight_format"},
    "vrplib": {
        "dimension",
        "vehicles",
        "capacity",
        "service_time",
        "edge_weight_type",
        "edge_weight_format",
    },
}
#: Sections each format understands.
SECTIONS: dict[str, set[str]] = {
    "solomon": {"node_coord", "demand", "depot", "time_window", "service_time", "edge_weight"},
    "cvrp": {"node_coord", "demand", "depot", "edge_weight"},
    "vrplib": {
        "node_coord",
        "demand",
        "depot",
        "time_window",
        "service_time",
        "edge_weight",
        "capacity",
        "vehicles_fixed_cost",
        "vehicles_unit_distance_cost",
        "vehicles_max_duration",
        "vehicles_allowed_clients",
        "vehicles_depot",
    },
}
#: Per-vehicle sections of PyVRP's dialect (one row per vehicle).
VEHICLE_SECTIONS = (
    "capacity",
    "vehicles_fixed_cost",
    "vehicles_unit_distance_cost",
    "vehicles_max_duration",
    "vehicles_allowed_clients",
    "vehicles_depot",
)
#: Half side of a site-dependency zone, relative to the coordinate span.
SITE_ZONE_HALF_SIDE = 1e-6


def _fail(
    where: str, message: str, value: Any = None, source: str | None = None, has_value: bool = True
) -> FormatError:
    return FormatError(Issue(where, message, value, has_value), source)


def _prescan(text: str, source: str) -> tuple[dict[str, int], dict[str, int]]:
    """Find header keys and sections with their line numbers, and check data rows are numeric.

    ``vrplib`` parses leniently (a stray word becomes a string in a numpy array) and its errors
    name no line; this pass gives the user the line and the token instead.
    """
    specs: dict[str, int] = {}
    sections: dict[str, int] = {}
    current: str | None = None
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if "EOF" in line:
            break
        if "_SECTION" in line:
            name = line.strip(" :\t").removesuffix("_SECTION").lower()
            if name in sections:
                raise _fail(f"line {n}", "repeats a section", line, source)
            sections[name] = n
            current = name
            continue
        if ":" in line:
            if current is not None:
                raise _fail(
                    f"line {n}", "a 'KEY : value' header may not follow a section", line, source
                )
            key = line.split(":", 1)[0].strip().lower()
            if key in specs:
                raise _fail(f"line {n}", f"repeats header key {key.upper()}", line, source)
            specs[key] = n
            continue
        if current is None:
            raise _fail(f"line {n}", "expected a 'KEY : value' header or a section", line, source)
        for token in line.split():
            try:
                value = float(token)
            except ValueError:
                value = math.nan
            if not math.isfinite(value):
                raise _fail(
                    f"line {n} ({current.upper()}_SECTION)", "must hold numbers only", token, source
                )
    return specs, sections


#: The largest header integer (DIMENSION, VEHICLES) read: far above any instance, far below overflow.
_MAX_HEADER_INT = 10**9


def _is_finite(value: Any) -> bool:
    """True for a number that converts to a finite float (a 400-digit integer does not)."""
    try:
        return math.isfinite(float(value))
    except (OverflowError, TypeError, ValueError):
        return False


def _array(
    data: dict[str, Any], key: str, shape: tuple[int, ...], where: str, source: str
) -> np.ndarray:
    """A numeric section of the expected shape (the vrplib arrays, checked)."""
    raw = data[key]
    try:
        arr = np.asarray(raw, dtype=float)
    except (TypeError, ValueError):
        raise _fail(
            where, "rows must all have the same number of columns", has_value=False, source=source
        ) from None
    if arr.shape != shape:
        want = " x ".join(map(str, shape))
        got = " x ".join(map(str, arr.shape)) or "a single value"
        raise _fail(where, f"must have shape {want} (rows x columns after the id)", got, source)
    return arr


def read_instance(path: str | Path, fmt: str) -> Instance:
    """Read a VRPLIB-form file as ``fmt`` (``solomon``, ``cvrp`` or ``vrplib``; module docstring).

    Parameters
    ----------
    path
        The ``.vrp`` / ``.txt`` file.
    fmt
        Which set's conventions apply; :func:`optimizer.formats.detect` tells them apart.
    """
    if fmt not in FORMATS:
        raise _fail("format", "must be one of " + ", ".join(FORMATS), fmt)
    p = Path(path)
    src = p.name
    try:
        text = p.read_text("utf-8")
    except OSError as e:
        raise _fail(str(path), f"cannot be read: {e.strerror}", has_value=False) from None
    except UnicodeDecodeError as e:
        raise _fail(str(path), f"is not UTF-8 text (byte {e.start})", has_value=False) from None
    specs, sections = _prescan(text, src)
    for key, n in specs.items():
        if key not in DESCRIPTIVE_SPECS and key not in SPECS[fmt]:
            raise _fail(
                f"line {n}",
                f"header key {key.upper()} cannot be represented in format {fmt!r}"
                + (" (try format 'vrplib')" if key in SPECS["vrplib"] else ""),
                key.upper(),
                src,
            )
    for name, n in sections.items():
        if name not in SECTIONS[fmt]:
            raise _fail(
                f"line {n}",
                f"section {name.upper()}_SECTION cannot be represented in format {fmt!r}"
                + (" (try format 'vrplib')" if name in SECTIONS["vrplib"] else ""),
                name.upper() + "_SECTION",
                src,
            )
    try:
        data = vrplib.read_instance(p, compute_edge_weights=False)
    except (ValueError, RuntimeError, IndexError, TypeError, KeyError, AttributeError) as e:
        raise _fail(src, f"is not readable as VRPLIB: {e}", has_value=False) from None
    return _build(data, fmt, p.stem, src, specs, sections)


def _build(
    data: dict[str, Any],
    fmt: str,
    name: str,
    src: str,
    specs: dict[str, int],
    sections: dict[str, int],
) -> Instance:
    """Turn the vrplib dictionary into the model under the conventions of ``fmt``."""

    def at(key: str) -> str:
        """Where a key sits in the file, for error messages."""
        if key in sections:
            return f"line {sections[key]} ({key.upper()}_SECTION)"
        if key in specs:
            return f"line {specs[key]} ({key.upper()})"
        return key.upper()

    def integer(key: str) -> int:
        value = data[key]
        if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 1:
            raise _fail(at(key), "must be an integer >= 1", value, src)
        if value > _MAX_HEADER_INT:
            # A 400-digit count would overflow the first float() or array size that meets it.
            raise _fail(
                at(key),
                f"must be at most {_MAX_HEADER_INT}",
                f"about {int(int(value).bit_length() * 0.30103) + 1} digits",
                src,
            )
        return int(value)

    if "dimension" not in data:
        raise _fail("DIMENSION", "is missing from the header", has_value=False, source=src)
    dim = integer("dimension")
    ewt = str(data.get("edge_weight_type", "EUC_2D")).upper()
    explicit = "edge_weight" in data
    if ewt not in ("EUC_2D", "EXPLICIT") or (ewt == "EXPLICIT") != explicit:
        raise _fail(
            at("edge_weight_type"),
            "must be EUC_2D, or EXPLICIT with an EDGE_WEIGHT_SECTION",
            ewt,
            src,
        )
    coords = (
        _array(data, "node_coord", (dim, 2), at("node_coord"), src)
        if "node_coord" in data
        else None
    )
    if coords is None and not explicit:
        raise _fail(
            "NODE_COORD_SECTION", "is required for EUC_2D distances", has_value=False, source=src
        )
    matrix = _array(data, "edge_weight", (dim, dim), at("edge_weight"), src) if explicit else None
    if "demand" not in data:
        raise _fail("DEMAND_SECTION", "is missing", has_value=False, source=src)
    demand = _array(data, "demand", (dim,), at("demand"), src)

    if "depot" in data:
        depot_nodes = [int(i) for i in np.asarray(data["depot"]).ravel()]
        depot_note = None
    else:
        depot_nodes = [0]
        depot_note = "no DEPOT_SECTION: node 1 is the depot (the VRPLIB default)"
    if not depot_nodes:
        raise _fail(at("depot"), "must name at least one depot", has_value=False, source=src)
    for i in depot_nodes:
        if not 0 <= i < dim:
            raise _fail(at("depot"), f"depot ids must be 1..{dim}", i + 1, src)
    if len(set(depot_nodes)) != len(depot_nodes):
        raise _fail(at("depot"), "repeats a depot id", [i + 1 for i in depot_nodes], src)
    if fmt != "vrplib" and len(depot_nodes) != 1:
        raise _fail(
            at("depot"),
            f"format {fmt!r} has one depot (use format 'vrplib')",
            [i + 1 for i in depot_nodes],
            src,
        )
    depot_set = set(depot_nodes)
    depot_id = {i: ("depot" if len(depot_nodes) == 1 else f"depot{i}") for i in depot_nodes}

    windows = None
    if "time_window" in data:
        windows = _array(data, "time_window", (dim, 2), at("time_window"), src)
    elif fmt == "solomon":
        raise _fail(
            "TIME_WINDOW_SECTION", "is required for format 'solomon'", has_value=False, source=src
        )
    service = np.zeros(dim)
    if "service_time" in data:
        raw = data["service_time"]
        if "service_time" in sections:
            service = _array(data, "service_time", (dim,), at("service_time"), src)
            for i in depot_nodes:
                if service[i] != 0:
                    raise _fail(
                        at("service_time"),
                        f"the depot (node {i + 1}) has no service in the model; must be 0",
                        service[i],
                        src,
                    )
        else:
            if isinstance(raw, bool) or not isinstance(raw, int | float | np.number) or raw < 0:
                raise _fail(at("service_time"), "must be a number >= 0", raw, src)
            service = np.full(dim, float(raw))
            service[list(depot_set)] = (
                0.0  # a header service time is the customers' (the depot has none)
            )

    for i in depot_nodes:
        if demand[i] != 0:
            raise _fail(
                at("demand"), f"the depot (node {i + 1}) must have demand 0", demand[i], src
            )

    customers = [i for i in range(dim) if i not in depot_set]
    loc_ids = [depot_id[i] if i in depot_set else str(i) for i in range(dim)]
    issues: list[Issue] = []

    def built(where: str, make: Any) -> Any:
        try:
            return make()
        except InputError as e:
            issues.extend(x.under(where) for x in e.issues)
            return None

    locations = [
        built(
            f"node {i + 1}",
            lambda i=i: Location(
                loc_ids[i], None if coords is None else (float(coords[i, 0]), float(coords[i, 1]))
            ),
        )
        for i in range(dim)
    ]
    depots = [
        built(
            f"node {i + 1} (depot)",
            lambda i=i: Depot(
                depot_id[i],
                i,
                WIDE_OPENING
                if windows is None
                else TimeWindow(float(windows[i, 0]), float(windows[i, 1])),
            ),
        )
        for i in depot_nodes
    ]
    jobs = [
        built(
            f"node {i + 1}",
            lambda i=i: Job(
                id=str(i),
                location=i,
                kind="delivery",
                weight_kg=float(demand[i]),
                time_windows=()
                if windows is None
                else (TimeWindow(float(windows[i, 0]), float(windows[i, 1])),),
                service_min=float(service[i]),
            ),
        )
        for i in customers
    ]
    if issues:
        raise InputError(issues, src)

    meta: dict[str, Any] = {"format": fmt, "source": src}
    for key in ("name", "comment", "type"):
        if key in data:
            meta[key] = str(data[key])
    if depot_note:
        meta["depot_note"] = depot_note

    if fmt == "solomon":
        travel = Travel(
            metric="euclidean",
            rounding="truncate",
            rounding_decimals=1,
            round_durations=True,
            speed_kmh=60.0,
        )
        meta["convention"] = "DIMACS: arc distance and travel time truncated to one decimal"
    elif fmt == "cvrp":
        travel = Travel(metric="euclidean", rounding="round", rounding_decimals=0, speed_kmh=60.0)
        meta["convention"] = "TSPLIB nint: Euclidean distance rounded to the nearest integer"
    else:
        travel = Travel(metric="euclidean", rounding="none", speed_kmh=60.0)
        meta["convention"] = "exact (unrounded) Euclidean distance; travel time = distance"
    if matrix is not None:
        travel = Travel(metric="matrix", distance_km=matrix, speed_kmh=60.0)
        meta["convention"] = "explicit EDGE_WEIGHT_SECTION, used as given"

    per_vehicle = [key for key in VEHICLE_SECTIONS if key in sections]
    if per_vehicle:
        types, vehicles, zones, groups_meta = _vehicle_groups(
            data, per_vehicle, at, src, depot_nodes, depot_id, customers, coords
        )
        if groups_meta["allowed_clients"]:
            meta["allowed_clients"] = groups_meta["allowed_clients"]
            meta["site_dependency"] = (
                "encoded as zones 'site-<job id>' (tiny squares around each client) banned for "
                "the vehicle types that may not serve the client"
            )
        meta["vehicle_groups"] = groups_meta["groups"]
        costs = "vehicles_fixed_cost" in data or "vehicles_unit_distance_cost" in data
    else:
        if "capacity" not in data:
            raise _fail("CAPACITY", "is missing from the header", has_value=False, source=src)
        capacity = data["capacity"]
        if (
            isinstance(capacity, bool)
            or not isinstance(capacity, int | float | np.number)
            or not _is_finite(capacity)
            or capacity <= 0
        ):
            raise _fail(at("capacity"), "must be a number > 0", capacity, src)
        if fmt == "cvrp":
            count = max(1, len(customers))
            if "vehicles" in data:
                meta["vehicles_header"] = data["vehicles"]
        else:
            count = integer("vehicles") if "vehicles" in data else max(1, len(customers))
        types = [VehicleType("truck", "diesel", float(capacity))]
        vehicles = [Vehicle("truck", "truck", depot_id[depot_nodes[0]], count=count)]
        if len(depot_nodes) > 1:
            # Without VEHICLES_DEPOT_SECTION a vehicle may start at any depot: one entry per depot.
            vehicles = [
                Vehicle(f"truck-{depot_id[i]}", "truck", depot_id[i], count=count)
                for i in depot_nodes
            ]
            meta["fleet_note"] = "no VEHICLES_DEPOT_SECTION: the fleet is offered at every depot"
        zones = []
        costs = False
    try:
        return Instance(
            name=name,
            locations=tuple(locations),
            depots=tuple(depots),
            vehicle_types=tuple(types),
            vehicles=tuple(vehicles),
            jobs=tuple(jobs),
            zones=tuple(zones),
            travel=travel,
            objective=Objective(kind="cost" if costs else "distance"),
            rules=Rules(),
            meta=meta,
        )
    except InputError as e:
        raise InputError(e.issues, src) from None


def _vehicle_groups(
    data: dict[str, Any],
    per_vehicle: Sequence[str],
    at: Any,
    src: str,
    depot_nodes: Sequence[int],
    depot_id: dict[int, str],
    customers: Sequence[int],
    coords: np.ndarray | None,
) -> tuple[list[VehicleType], list[Vehicle], list[Zone], dict[str, Any]]:
    """Group PyVRP's per-vehicle rows into vehicle types and entries (see the module docstring)."""
    if "vehicles" not in data:
        raise _fail(
            "VEHICLES", "is required with per-vehicle sections", has_value=False, source=src
        )
    n_veh = data["vehicles"]
    if isinstance(n_veh, bool) or not isinstance(n_veh, int | np.integer) or n_veh < 1:
        raise _fail(at("vehicles"), "must be an integer >= 1", n_veh, src)
    if n_veh > _MAX_HEADER_INT:
        raise _fail(
            at("vehicles"),
            f"must be at most {_MAX_HEADER_INT}",
            f"about {int(int(n_veh).bit_length() * 0.30103) + 1} digits",
            src,
        )
    n_veh = int(n_veh)
    rows: dict[str, list[Any]] = {}
    for key in per_vehicle:
        if key == "vehicles_allowed_clients":
            raw = data[key]
            raw_rows = raw.tolist() if isinstance(raw, np.ndarray) else list(raw)
            # vrplib gives a ragged list, a 2-D array (equal rows) or a 1-D one (one client each).
            lists = [list(r) if isinstance(r, list | tuple) else [r] for r in raw_rows]
            if len(lists) != n_veh:
                raise _fail(
                    at(key), f"must have one row per vehicle (VEHICLES = {n_veh})", len(lists), src
                )
            customer_nodes = {i + 1 for i in customers}
            for v, allowed in enumerate(lists):
                for c in allowed:
                    if c not in customer_nodes:
                        raise _fail(
                            at(key), f"vehicle {v + 1}: must list customer node ids", c, src
                        )
            rows[key] = [tuple(sorted(int(c) for c in r)) for r in lists]
        else:
            arr = _array(data, key, (n_veh,), at(key), src)
            rows[key] = arr.tolist()
    if "capacity" not in rows:
        capacity = data.get("capacity")
        if capacity is None:
            raise _fail("CAPACITY", "is missing (header or section)", has_value=False, source=src)
        if isinstance(capacity, bool) or not _is_finite(capacity):
            raise _fail("CAPACITY", "must be a finite number", capacity, src)
        rows["capacity"] = [float(capacity)] * n_veh
    if "vehicles_depot" in rows:
        for v, node in enumerate(rows["vehicles_depot"]):
            if int(node) - 1 not in depot_id or node != int(node):
                raise _fail(
                    at("vehicles_depot"), f"vehicle {v + 1}: must name a depot node", node, src
                )
        rows["vehicles_depot"] = [int(node) - 1 for node in rows["vehicles_depot"]]
    else:
        if len(depot_nodes) > 1:
            raise _fail(
                "VEHICLES_DEPOT_SECTION",
                "is required when there are several depots and per-vehicle sections",
                has_value=False,
                source=src,
            )
        rows["vehicles_depot"] = [depot_nodes[0]] * n_veh
    keys = sorted(rows)
    signature = [tuple(rows[k][v] for k in keys) for v in range(n_veh)]
    groups: list[tuple[int, int]] = []  # (first, last), 0-based inclusive
    for v in range(n_veh):
        if groups and signature[groups[-1][0]] == signature[v]:
            groups[-1] = (groups[-1][0], v)
        else:
            groups.append((v, v))

    zones: dict[str, Zone] = {}
    all_customers = {i + 1 for i in customers}
    if "vehicles_allowed_clients" in rows:
        if coords is None:
            raise _fail(
                at("vehicles_allowed_clients"),
                "needs node coordinates (the model encodes site dependency as zones)",
                has_value=False,
                source=src,
            )
        span = float(np.ptp(coords)) if coords.size else 1.0
        half = SITE_ZONE_HALF_SIDE * max(1.0, span)
        banned_nodes = sorted(
            {
                c
                for allowed in rows["vehicles_allowed_clients"]
                for c in all_customers - set(allowed)
            }
        )
        for node in banned_nodes:
            x, y = (float(c) for c in coords[node - 1])
            near = np.nonzero(
                (np.abs(coords[:, 0] - x) <= 2 * half) & (np.abs(coords[:, 1] - y) <= 2 * half)
            )[0]
            others = [int(i) + 1 for i in near if int(i) != node - 1]
            if others:
                raise _fail(
                    at("vehicles_allowed_clients"),
                    f"node {node} shares its location with node {others[0]}, so a zone cannot ban "
                    "one without the other",
                    node,
                    src,
                )
            zid = f"site-{node - 1}"
            zones[zid] = Zone(
                zid,
                (
                    (x - half, y - half),
                    (x + half, y - half),
                    (x + half, y + half),
                    (x - half, y + half),
                ),
            )

    types: list[VehicleType] = []
    vehicles: list[Vehicle] = []
    meta_groups: list[dict[str, Any]] = []
    allowed_meta: dict[str, list[str]] = {}
    has_costs = "vehicles_fixed_cost" in rows or "vehicles_unit_distance_cost" in rows
    for first, last in groups:
        gid = f"v{first + 1}" if first == last else f"v{first + 1}-{last + 1}"
        capacity = float(rows["capacity"][first])
        banned: tuple[str, ...] = ()
        if "vehicles_allowed_clients" in rows:
            allowed = rows["vehicles_allowed_clients"][first]
            banned = tuple(f"site-{c - 1}" for c in sorted(all_customers - set(allowed)))
            allowed_meta[gid] = [str(c - 1) for c in allowed]
        try:
            types.append(
                VehicleType(
                    id=gid,
                    carrier="diesel",
                    capacity_kg=capacity,
                    fixed_cost=float(rows["vehicles_fixed_cost"][first])
                    if "vehicles_fixed_cost" in rows
                    else 0.0,
                    cost_per_km=(
                        float(rows["vehicles_unit_distance_cost"][first])
                        if "vehicles_unit_distance_cost" in rows
                        else (1.0 if has_costs else 0.0)
                    ),
                    banned_zones=banned,
                )
            )
            vehicles.append(
                Vehicle(
                    id=gid,
                    type=gid,
                    start_depot=depot_id[rows["vehicles_depot"][first]],
                    count=last - first + 1,
                    max_duration_min=(
                        float(rows["vehicles_max_duration"][first])
                        if "vehicles_max_duration" in rows
                        else None
                    ),
                )
            )
        except InputError as e:
            raise InputError([i.under(f"vehicle {first + 1}") for i in e.issues], src) from None
        meta_groups.append({"id": gid, "first": first + 1, "last": last + 1})
    return (
        types,
        vehicles,
        list(zones.values()),
        {"groups": meta_groups, "allowed_clients": allowed_meta},
    )


# ----------------------------------------------------------------------------------------------
# solutions
_ROUTE = re.compile(r"^Route\s*#\s*(?P<k>\d+)\s*:(?P<rest>.*)$", re.IGNORECASE)
_COST = re.compile(r"^Cost\s*:?\s*(?P<value>\S+)\s*$", re.IGNORECASE)


def read_solution(path: str | Path, instance: Instance) -> Solution:
    """Read a VRPLIB ``.sol`` file (``Route #k: c1 c2 ...``, ``Cost X``) for ``instance``.

    Customers are numbered as the job ids. Every route starts and ends at its vehicle's depot.
    With one vehicle entry, the routes are its units 0, 1, ... in file order (empty routes
    skipped); with several entries (PyVRP's per-vehicle files), ``Route #k`` is the file's ``k``-th
    vehicle, i.e. a unit of the group that holds it. When the instance's objective is ``distance``
    the ``Cost`` is ``Totals.distance_km``; otherwise it is kept as ``meta["reported_cost"]``
    (PyVRP scales costs, so it is not comparable as is).
    """
    p = Path(path)
    src = p.name
    text = read_text(p)  # within the size limit: this reader has no load_solution() in front
    single = len(instance.vehicles) == 1
    # Unit k (1-based over the whole fleet, file order) -> (vehicle entry, unit within it).
    slots: list[tuple[Vehicle, int]] = [(v, u) for v in instance.vehicles for u in range(v.count)]
    cost: float | None = None
    extra: dict[str, str] = {}
    routes: list[Route] = []
    seen: dict[int, int] = {}
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        m = _ROUTE.match(line)
        if m:
            digits = m.group("k")
            if len(digits) > MAX_INT_DIGITS:  # int() raises past 4,300 digits; no fleet is that big
                raise _fail(
                    f"line {n}",
                    f"route number must be an integer of at most {MAX_INT_DIGITS} digits",
                    digits,
                    src,
                )
            k = int(digits)
            if k in seen:
                raise _fail(f"line {n}", f"repeats route #{k} of line {seen[k]}", line, src)
            seen[k] = n
            refs = m.group("rest").split()
            stops = []
            for token in refs:
                if not token.isdigit() or token not in instance.job_by_id:
                    raise _fail(f"line {n}", f"names no customer of {instance.name}", token, src)
                stops.append(Stop("job", token))
            if not stops:
                continue
            if single:
                vehicle, unit = instance.vehicles[0], len(routes)
            else:
                if not 1 <= k <= len(slots):
                    raise _fail(
                        f"line {n}", f"route number must be 1..{len(slots)} (the fleet)", k, src
                    )
                vehicle, unit = slots[k - 1]
            routes.append(
                Route(
                    vehicle.id,
                    (Stop("depot", vehicle.start_depot), *stops, Stop("depot", vehicle.end)),
                    unit,
                )
            )
            continue
        m = _COST.match(line)
        if m:
            try:
                cost = float(m.group("value"))
            except ValueError:
                cost = math.nan
            if not math.isfinite(cost):
                raise _fail(f"line {n}", "Cost must be a finite number", m.group("value"), src)
            continue
        key, _, value = line.partition(":") if ":" in line else line.partition(" ")
        if not value.strip():
            raise _fail(f"line {n}", "expected 'Route #k: ...', 'Cost X' or 'Key value'", line, src)
        extra[key.strip().lower()] = value.strip()
    meta: dict[str, Any] = {"format": "vrplib-sol", "source": src, **extra}
    distance = None
    if cost is not None:
        if instance.objective.kind == "distance":
            distance = cost
        else:
            meta["reported_cost"] = cost
    return Solution(
        instance=instance.name,
        routes=tuple(routes),
        totals=Totals(distance_km=distance, vehicles_used=len(routes)),
        meta=meta,
    )
