"""CEC-2020 (IEEE WCCI 2020) EVRP competition instances: TSPLIB-like ``.evrp`` text.

Header lines ``KEY: value`` (``VEHICLES``, ``DIMENSION``, ``STATIONS``, ``CAPACITY``,
``ENERGY_CAPACITY``, ``ENERGY_CONSUMPTION``, ...), then ``NODE_COORD_SECTION`` (``id x y`` for the
depot, the customers and, last, the stations), ``DEMAND_SECTION`` (ids ``1..DIMENSION``),
``STATIONS_COORD_SECTION`` (station *ids*, despite the name), ``DEPOT_SECTION`` and ``EOF`` (often
without a final newline; many lines end in blanks).

The competition's rules, and how the model expresses them:

- Units: 1 distance unit = 1 km, 1 energy unit = 1 kWh, 1 load unit = 1 kg. Distances are
  unrounded Euclidean (``sqrt``), as in the competition evaluator.
- Ids are the node ids as strings (``"1"``, ``"2"``, ...). The depot is the ``DEPOT_SECTION`` node
  (``"1"``); every other node up to ``DIMENSION`` is a job (``weight_kg`` = demand, no window, no
  service); the ``STATIONS_COORD_SECTION`` nodes are chargers.
- **The depot also counts as a station** (the competition's ``EVRP.cpp`` marks it so). The model
  keeps depots and stations apart, so we add one more station at the depot's location with id
  ``<depot id>s`` (``"1s"``): node ids are digits only, so it cannot clash. ``meta["depot_station"]``
  names it.
- Charging is instant and always to full: ``Rules(full_recharge=True, instant_charging=True)``;
  stations may be visited any number of times. Battery use is distance x ``ENERGY_CONSUMPTION``
  (``consumption_per_km_empty``), whatever the load.
- No time windows: the depot opens over a very wide span (0 to 10^7 minutes).
- The fleet is unlimited: one vehicle entry ``ev`` with one unit per customer. ``VEHICLES`` is only
  a lower bound on the number of routes; it goes to ``meta["min_vehicles"]``.
- The objective is the total distance: ``Objective(kind="distance")``.
- ``OPTIMAL_VALUE`` is kept in ``meta["header_optimal_value"]``; it is not a best known value (see
  the set's SOURCE.md).
"""

from __future__ import annotations

import math
import re
from pathlib import Path

from ..errors import FormatError, InputError, Issue
from ..model import (
    Depot,
    Instance,
    Job,
    Location,
    Objective,
    Rules,
    Station,
    TimeWindow,
    Travel,
    Vehicle,
    VehicleType,
)

#: The opening of the depot: the set has no time, so anything that never binds will do.
WIDE_OPENING = TimeWindow(0.0, 1e7)
SECTIONS = ("NODE_COORD_SECTION", "DEMAND_SECTION", "STATIONS_COORD_SECTION", "DEPOT_SECTION")
#: Header keys we read, and those that only describe the file (kept in meta).
NUMERIC_KEYS = (
    "VEHICLES",
    "DIMENSION",
    "STATIONS",
    "CAPACITY",
    "ENERGY_CAPACITY",
    "ENERGY_CONSUMPTION",
)
DESCRIPTIVE_KEYS = (
    "NAME",
    "COMMENT",
    "TYPE",
    "OPTIMAL_VALUE",
    "EDGE_WEIGHT_FORMAT",
    "EDGE_WEIGHT_TYPE",
)
_SPEC = re.compile(r"^(?P<key>[A-Za-z_]+)\s*:\s*(?P<value>.*)$")


def _read_text(path: str | Path) -> str:
    try:
        return Path(path).read_text("utf-8")
    except OSError as e:
        raise FormatError(
            Issue(str(path), f"cannot be read: {e.strerror}", has_value=False)
        ) from None
    except UnicodeDecodeError as e:
        raise FormatError(
            Issue(str(path), f"is not UTF-8 text (byte {e.start})", has_value=False)
        ) from None


def _num(token: str, where: str, source: str) -> float:
    try:
        value = float(token)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise FormatError(Issue(where, "must be a finite number", token), source)
    return value


def _int(token: str, where: str, source: str) -> int:
    try:
        return int(token)
    except ValueError:
        raise FormatError(Issue(where, "must be an integer", token), source) from None


def parse_instance(text: str, name: str, source: str | None = None) -> Instance:
    """Build the model of one CEC-2020 instance from its text (see the module docstring).

    Parameters
    ----------
    text
        The whole ``.evrp`` file.
    name
        The instance name (the file stem, e.g. ``E-n22-k4``).
    source
        The file name for error messages and ``meta["source"]``; defaults to ``name``.
    """
    src = source if source is not None else name
    spec: dict[str, tuple[str, int]] = {}
    sections: dict[str, list[tuple[int, list[str]]]] = {}
    current: str | None = None
    ended = False
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if ended:
            raise FormatError(Issue(f"line {n}", "follows EOF", line), src)
        upper = line.upper()
        if upper == "EOF":
            ended = True
            continue
        if upper.endswith("_SECTION") or upper.rstrip(": ").endswith("_SECTION"):
            key = upper.rstrip(": ")
            if key not in SECTIONS:
                raise FormatError(
                    Issue(f"line {n}", "is a section this format does not have", line), src
                )
            if key in sections:
                raise FormatError(Issue(f"line {n}", "repeats a section", key), src)
            sections[key] = []
            current = key
            continue
        m = _SPEC.match(line)
        if m and not line[0].isdigit() and not line.startswith("-"):
            key = m.group("key").upper()
            if key not in NUMERIC_KEYS and key not in DESCRIPTIVE_KEYS:
                raise FormatError(
                    Issue(f"line {n}", "is a header key this format does not have", m.group("key")),
                    src,
                )
            if current is not None:
                raise FormatError(Issue(f"line {n}", "header line inside a section", line), src)
            spec[key] = (m.group("value").strip(), n)
            continue
        if current is None:
            raise FormatError(
                Issue(f"line {n}", "expected a 'KEY: value' header or a section", line), src
            )
        sections[current].append((n, line.split()))

    for key in NUMERIC_KEYS:
        if key not in spec:
            raise FormatError(Issue(key, "is missing from the header", has_value=False), src)
    for key in SECTIONS:
        if key not in sections:
            raise FormatError(Issue(key, "is missing", has_value=False), src)

    def header_num(key: str) -> float:
        value, n = spec[key]
        return _num(value, f"line {n} ({key})", src)

    def header_int(key: str) -> int:
        value, n = spec[key]
        return _int(value, f"line {n} ({key})", src)

    dimension = header_int("DIMENSION")
    n_stations = header_int("STATIONS")
    min_vehicles = header_int("VEHICLES")
    capacity = header_num("CAPACITY")
    battery = header_num("ENERGY_CAPACITY")
    consumption = header_num("ENERGY_CONSUMPTION")
    for key, value in (
        ("DIMENSION", dimension),
        ("CAPACITY", capacity),
        ("ENERGY_CAPACITY", battery),
    ):
        if value <= 0:
            raise FormatError(Issue(f"line {spec[key][1]} ({key})", "must be > 0", value), src)
    if n_stations < 0 or consumption < 0:
        bad = "STATIONS" if n_stations < 0 else "ENERGY_CONSUMPTION"
        raise FormatError(Issue(f"line {spec[bad][1]} ({bad})", "must be >= 0", spec[bad][0]), src)
    edge = spec.get("EDGE_WEIGHT_FORMAT", spec.get("EDGE_WEIGHT_TYPE", ("EUC_2D", 0)))
    if edge[0].upper() != "EUC_2D":
        raise FormatError(
            Issue(f"line {edge[1]}", "only EUC_2D distances are part of this format", edge[0]), src
        )

    # Nodes: ids 1..DIMENSION+STATIONS, each once.
    n_nodes = dimension + n_stations
    coords: dict[int, tuple[float, float]] = {}
    for n, tokens in sections["NODE_COORD_SECTION"]:
        if len(tokens) != 3:
            raise FormatError(Issue(f"line {n}", "must be 'id x y'", " ".join(tokens)), src)
        node = _int(tokens[0], f"line {n} (id)", src)
        if not 1 <= node <= n_nodes:
            raise FormatError(
                Issue(f"line {n}", f"node id must be 1..{n_nodes} (DIMENSION + STATIONS)", node),
                src,
            )
        if node in coords:
            raise FormatError(Issue(f"line {n}", "repeats a node id", node), src)
        coords[node] = (
            _num(tokens[1], f"line {n} (x)", src),
            _num(tokens[2], f"line {n} (y)", src),
        )
    if len(coords) != n_nodes:
        missing = next(i for i in range(1, n_nodes + 1) if i not in coords)
        raise FormatError(
            Issue(
                "NODE_COORD_SECTION",
                f"must list every id 1..{n_nodes}; id {missing} is missing",
                has_value=False,
            ),
            src,
        )
    demand: dict[int, float] = {}
    for n, tokens in sections["DEMAND_SECTION"]:
        if len(tokens) != 2:
            raise FormatError(Issue(f"line {n}", "must be 'id demand'", " ".join(tokens)), src)
        node = _int(tokens[0], f"line {n} (id)", src)
        if not 1 <= node <= dimension:
            raise FormatError(
                Issue(f"line {n}", f"demand node id must be 1..{dimension}", node), src
            )
        if node in demand:
            raise FormatError(Issue(f"line {n}", "repeats a node id", node), src)
        demand[node] = _num(tokens[1], f"line {n} (demand)", src)
    if len(demand) != dimension:
        missing = next(i for i in range(1, dimension + 1) if i not in demand)
        raise FormatError(
            Issue(
                "DEMAND_SECTION",
                f"must list every id 1..{dimension}; id {missing} is missing",
                has_value=False,
            ),
            src,
        )
    station_ids: list[int] = []
    for n, tokens in sections["STATIONS_COORD_SECTION"]:
        if len(tokens) != 1:
            raise FormatError(Issue(f"line {n}", "must be one station id", " ".join(tokens)), src)
        node = _int(tokens[0], f"line {n} (station id)", src)
        if not dimension < node <= n_nodes:
            raise FormatError(
                Issue(f"line {n}", f"station id must be {dimension + 1}..{n_nodes}", node), src
            )
        if node in station_ids:
            raise FormatError(Issue(f"line {n}", "repeats a station id", node), src)
        station_ids.append(node)
    if len(station_ids) != n_stations:
        raise FormatError(
            Issue(
                "STATIONS_COORD_SECTION", f"must list STATIONS = {n_stations} ids", len(station_ids)
            ),
            src,
        )
    depot_ids = []
    for n, tokens in sections["DEPOT_SECTION"]:
        for token in tokens:
            node = _int(token, f"line {n} (depot id)", src)
            if node == -1:
                break
            if not 1 <= node <= dimension:
                raise FormatError(Issue(f"line {n}", f"depot id must be 1..{dimension}", node), src)
            depot_ids.append(node)
    if len(depot_ids) != 1:
        raise FormatError(
            Issue("DEPOT_SECTION", "must name exactly one depot", depot_ids or "none"), src
        )
    depot_node = depot_ids[0]
    if demand[depot_node] != 0:
        raise FormatError(
            Issue(
                f"DEMAND_SECTION ({depot_node})", "the depot's demand must be 0", demand[depot_node]
            ),
            src,
        )

    try:
        locations = tuple(Location(str(i), coords[i]) for i in range(1, n_nodes + 1))
        depot = Depot(str(depot_node), depot_node - 1, WIDE_OPENING)
        jobs = tuple(
            Job(str(i), i - 1, "delivery", weight_kg=demand[i])
            for i in range(1, dimension + 1)
            if i != depot_node
        )
        depot_station_id = f"{depot_node}s"
        stations = (
            *(Station(str(i), i - 1, "charger") for i in station_ids),
            Station(depot_station_id, depot_node - 1, "charger"),
        )
        vehicle_type = VehicleType(
            id="ev",
            carrier="bev",
            capacity_kg=capacity,
            battery_kwh=battery,
            consumption_per_km_empty=consumption,
        )
        vehicle = Vehicle("ev", "ev", depot.id, count=max(1, len(jobs)), initial_soc=1.0)
        return Instance(
            name=name,
            locations=locations,
            depots=(depot,),
            vehicle_types=(vehicle_type,),
            vehicles=(vehicle,),
            jobs=jobs,
            stations=stations,
            travel=Travel(metric="euclidean", rounding="none"),
            objective=Objective(kind="distance"),
            rules=Rules(full_recharge=True, instant_charging=True),
            meta={
                "format": "cec2020",
                "source": src,
                "min_vehicles": min_vehicles,
                "depot_station": depot_station_id,
                **(
                    {"header_optimal_value": spec["OPTIMAL_VALUE"][0]}
                    if "OPTIMAL_VALUE" in spec
                    else {}
                ),
                **({"comment": spec["COMMENT"][0]} if "COMMENT" in spec else {}),
            },
        )
    except InputError as e:
        raise InputError(e.issues, src) from None


def read_instance(path: str | Path) -> Instance:
    """Read a CEC-2020 ``.evrp`` file; the instance is named after the file stem (``E-n22-k4``)."""
    p = Path(path)
    return parse_instance(_read_text(p), p.stem, source=p.name)
