"""Schneider, Stenger & Goeke (2014) E-VRPTW instances and the public E-VRPTW verifier's solutions.

Instance files are whitespace-separated text: a header row
``StringID Type x y demand ReadyTime DueDate ServiceTime``, one row per place, a blank line, then
five parameter lines written as ``Q Vehicle fuel tank capacity /79.69/``.

Conventions (the set has abstract units; we fix them so that the model's names stay true):

- 1 distance unit = 1 km, 1 time unit = 1 minute, 1 energy unit = 1 kWh, 1 load unit = 1 kg.
- One :class:`~optimizer.model.Location` per row, its id the ``StringID`` (``D0``, ``S0``, ``C30``),
  coordinates ``(x, y)``. ``S0`` sits on the depot but keeps its own row, as in the file.
- Travel is unrounded Euclidean at ``speed_kmh = 60 v``, so driving takes ``distance / v`` minutes,
  which is the set's rule.
- The depot (``Type d``, ``D0``) opens over its ``[ReadyTime, DueDate]``: the planning horizon.
- Customers (``Type c``) are ``delivery`` jobs: ``weight_kg = demand``, one window
  ``[ReadyTime, DueDate]`` (service must *start* inside it; waiting is allowed), ``service_min``.
- Stations (``Type f``) are chargers with ``power_kw = 60 / g``: the set charges ``e`` energy units in
  ``g * e`` time units, and ``e / (60 / g) * 60 = g * e`` minutes. Their window becomes ``opening``.
  The set puts no limit on how many vehicles charge at a station at once, so each gets as many
  ``chargers`` as there are vehicles (no plan can use more).
- One vehicle type ``ev`` (carrier ``bev``): ``capacity_kg = C``, ``battery_kwh = Q``,
  ``consumption_per_km_empty = r`` (load does not change consumption). One vehicle entry ``ev`` at
  ``D0`` whose ``count`` is the number of customers, because the fleet is unlimited; every vehicle
  leaves full (``initial_soc = 1``).
- ``Rules(full_recharge=True)``: every station visit fills the battery.
  ``Objective(kind="vehicles_then_distance")``: fewest vehicles first, then distance.

A station or depot row with a non-zero demand or service time cannot be represented (stations and
depots have no service in the model), so it is refused rather than dropped.

The verifier's solution text (``ghiermann/evrptw-verifier``) is optional ``#`` comment lines
(``# solution for r205_21`` names the instance), the total distance on its own line, then one route
per line: ``D0, C52, S5, C10, D0``. It carries neither times nor charges: the validator computes
the earliest schedule for such sparse routes.
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
from ..solution import Route, Solution, Stop, StopKind, Totals
from . import guard

HEADER = ("StringID", "Type", "x", "y", "demand", "ReadyTime", "DueDate", "ServiceTime")
#: The parameter lines, keyed by their letter, with what each means (used in error messages).
PARAMETERS: dict[str, str] = {
    "Q": "battery capacity (kWh)",
    "C": "load capacity (kg)",
    "r": "energy consumption (kWh per km)",
    "g": "inverse recharging rate (minutes per kWh)",
    "v": "speed (km per minute)",
}
_PARAM_LINE = re.compile(r"^(?P<key>\S+)\s+(?P<label>[^/]*)/(?P<value>[^/]*)/\s*$")
#: Stop kind of a verifier id, by its first letter.
_KIND_BY_PREFIX: dict[str, StopKind] = {"D": "depot", "S": "station", "C": "job"}
_PREFIX_BY_KIND = {kind: prefix for prefix, kind in _KIND_BY_PREFIX.items()}


def _number(token: str, where: str, what: str, source: str | None) -> float:
    """Parse one finite number; the error names the line, the column and the token."""
    try:
        value = float(token)
    except ValueError:
        value = math.nan
    if not math.isfinite(value):
        raise FormatError(Issue(where, f"{what} must be a finite number", token), source)
    return value


# ----------------------------------------------------------------------------------------------
# instances
class _Row:
    """One place row of the file, parsed, with the line it came from."""

    __slots__ = ("demand", "due", "kind", "line", "ready", "service", "sid", "x", "y")

    def __init__(self, line: int, tokens: list[str], source: str | None) -> None:
        where = f"line {line}"
        self.line = line
        self.sid = tokens[0]
        self.kind = tokens[1]
        if self.kind not in ("d", "f", "c"):
            raise FormatError(
                Issue(
                    f"{where} ({self.sid}).Type",
                    "must be d (depot), f (station) or c (customer)",
                    self.kind,
                ),
                source,
            )
        # The verifier's solutions tell a stop's kind by the id's first letter, so it must agree.
        prefix = {"d": "D", "f": "S", "c": "C"}[self.kind]
        if not self.sid.startswith(prefix) or len(self.sid) < 2:
            raise FormatError(
                Issue(
                    f"{where} ({self.sid}).StringID",
                    f"a Type {self.kind} row must have an id starting with {prefix}",
                    self.sid,
                ),
                source,
            )
        self.x, self.y, self.demand, self.ready, self.due, self.service = (
            _number(tok, f"{where} ({self.sid}).{name}", name, source)
            for tok, name in zip(tokens[2:], HEADER[2:], strict=True)
        )

    @property
    def where(self) -> str:
        return f"line {self.line} ({self.sid})"


def parse_instance(
    text: str, name: str, source: str | None = None, partial: bool = False
) -> Instance:
    """Build the model of one E-VRPTW instance from its text.

    Parameters
    ----------
    text
        The whole file.
    name
        The instance name (the file stem, e.g. ``r205_21``).
    source
        The file name for error messages and ``meta["source"]``; defaults to ``name``.
    """
    src = source if source is not None else name
    lines = text.splitlines()
    k = 0
    while k < len(lines) and not lines[k].strip():
        k += 1
    if k == len(lines):
        raise FormatError(
            Issue("line 1", "expected the header row, found an empty file", has_value=False), src
        )
    header = tuple(lines[k].split())
    if header != HEADER:
        raise FormatError(
            Issue(
                f"line {k + 1}",
                "must be the header row '" + " ".join(HEADER) + "'",
                lines[k].strip(),
            ),
            src,
        )
    rows: list[_Row] = []
    params: dict[str, tuple[float, int]] = {}
    for n, raw in enumerate(lines[k + 1 :], start=k + 2):
        line = raw.strip()
        if not line:
            continue
        m = _PARAM_LINE.match(line)
        if m:
            key = m.group("key")
            if key not in PARAMETERS:
                raise FormatError(
                    Issue(f"line {n}", "names no parameter of the set (Q, C, r, g, v)", key), src
                )
            if key in params:
                raise FormatError(
                    Issue(
                        f"line {n}",
                        f"repeats parameter {key} (first on line {params[key][1]})",
                        line,
                    ),
                    src,
                )
            params[key] = (_number(m.group("value").strip(), f"line {n} ({key})", key, src), n)
            continue
        if params:
            raise FormatError(
                Issue(
                    f"line {n}",
                    "expected a parameter line like 'Q ... /77.75/' after the rows",
                    line,
                ),
                src,
            )
        tokens = line.split()
        if len(tokens) != len(HEADER):
            raise FormatError(
                Issue(f"line {n}", f"must have {len(HEADER)} columns ({' '.join(HEADER)})", line),
                src,
            )
        rows.append(_Row(n, tokens, src))
    for key, meaning in PARAMETERS.items():
        if key not in params:
            raise FormatError(
                Issue(f"parameter {key}", f"is missing ({meaning})", has_value=False), src
            )
    Q, C, r, g, v = (params[key][0] for key in PARAMETERS)
    for key in ("Q", "C", "g", "v"):
        value, n = params[key]
        if value <= 0:
            raise FormatError(
                Issue(f"line {n} ({key})", f"{PARAMETERS[key]} must be > 0", value), src
            )
    if r < 0:
        raise FormatError(Issue(f"line {params['r'][1]} (r)", "must be >= 0", r), src)

    seen: dict[str, int] = {}
    for row in rows:
        if row.sid in seen:
            raise FormatError(
                Issue(f"line {row.line}", f"repeats StringID of line {seen[row.sid]}", row.sid), src
            )
        seen[row.sid] = row.line
    depots = [row for row in rows if row.kind == "d"]
    if len(depots) != 1:
        raise FormatError(
            Issue(
                "Type", "exactly one row must be the depot (Type d)", f"{len(depots)} depot rows"
            ),
            src,
        )
    for row in rows:
        if row.kind != "c":
            for field_name, value in (("demand", row.demand), ("ServiceTime", row.service)):
                if value != 0:
                    raise FormatError(
                        Issue(
                            f"{row.where}.{field_name}",
                            "must be 0 for a depot or station (the model has no service there)",
                            value,
                        ),
                        src,
                    )

    power_kw = 60.0 / g
    locations: list[Location] = []
    jobs: list[Job] = []
    stations: list[Station] = []
    depot: Depot | None = None
    #: The fleet is unlimited (one vehicle per customer) and so are the chargers (see the module doc).
    fleet = max(1, sum(1 for row in rows if row.kind == "c"))
    for i, row in enumerate(rows):
        try:
            window = TimeWindow(row.ready, row.due)
            locations.append(Location(row.sid, (row.x, row.y)))
            if row.kind == "c":
                jobs.append(
                    Job(
                        id=row.sid,
                        location=i,
                        kind="delivery",
                        weight_kg=row.demand,
                        time_windows=(window,),
                        service_min=row.service,
                    )
                )
            elif row.kind == "f":
                stations.append(
                    Station(
                        id=row.sid,
                        location=i,
                        kind="charger",
                        power_kw=power_kw,
                        chargers=fleet,
                        opening=(window,),
                    )
                )
            else:
                depot = Depot(row.sid, i, window)
        except InputError as e:
            raise InputError([x.under(row.where) for x in e.issues], src) from None
    assert depot is not None  # exactly one depot row was checked above
    vehicle_type = VehicleType(
        id="ev", carrier="bev", capacity_kg=C, battery_kwh=Q, consumption_per_km_empty=r
    )
    vehicle = Vehicle(id="ev", type="ev", start_depot=depot.id, count=fleet, initial_soc=1.0)
    try:
        return Instance(
            name=name,
            locations=tuple(locations),
            depots=(depot,),
            vehicle_types=(vehicle_type,),
            vehicles=(vehicle,),
            jobs=tuple(jobs),
            stations=tuple(stations),
            travel=Travel(metric="euclidean", rounding="none", speed_kmh=60.0 * v),
            objective=Objective(kind="vehicles_then_distance"),
            # E-VRPTW-PR (Keskin & Çatay 2016): a visit may stop charging at any level, at the
            # same linear rate; everything else is Schneider's.
            rules=Rules(full_recharge=not partial),
            meta={"format": "evrptw-pr" if partial else "evrptw", "source": src},
        )
    except InputError as e:
        raise InputError(e.issues, src) from None


def read_instance(path: str | Path, fmt: str = "evrptw") -> Instance:
    """Read an E-VRPTW instance file; the instance is named after the file stem (``c101C5``).
    ``fmt`` ``evrptw-pr`` reads it under the partial-recharge rule (E-VRPTW-PR)."""
    p = Path(path)
    return parse_instance(guard.read_text(p), p.stem, source=p.name, partial=fmt == "evrptw-pr")


# ----------------------------------------------------------------------------------------------
# solutions (the verifier's text)
def parse_solution(
    text: str, instance: Instance | None = None, source: str | None = None
) -> Solution:
    """Read verifier solution text into a sparse :class:`Solution` (no times, no charges).

    The instance name comes from a ``# solution for NAME`` comment, else from ``instance``. The
    vehicle entry is ``instance.vehicles[0].id`` when an instance is given, else ``ev`` (what
    :func:`parse_instance` builds).
    """
    name: str | None = None
    distance: float | None = None
    routes: list[Route] = []
    vehicle = instance.vehicles[0].id if instance is not None else "ev"
    for n, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            m = re.match(r"#\s*solution\s+for\s+(\S+)", line, flags=re.IGNORECASE)
            if m and name is None:
                name = m.group(1)
            continue
        if distance is None:
            try:
                distance = float(line)
            except ValueError:
                distance = math.nan
            if not math.isfinite(distance) or distance < 0:
                raise FormatError(
                    Issue(f"line {n}", "must be the total distance (a number >= 0)", line), source
                )
            continue
        ids = [tok.strip() for tok in line.split(",")]
        stops = []
        for pos, ref in enumerate(ids, start=1):
            kind = _KIND_BY_PREFIX.get(ref[:1])
            if kind is None or len(ref) < 2:
                raise FormatError(
                    Issue(
                        f"line {n}, stop {pos}",
                        "must be an id starting with D (depot), S (station) or C (customer)",
                        ref,
                    ),
                    source,
                )
            stops.append(Stop(kind, ref))
        if len(stops) < 2 or stops[0].kind != "depot" or stops[-1].kind != "depot":
            raise FormatError(
                Issue(f"line {n}", "a route must start and end at the depot (D...)", line), source
            )
        routes.append(Route(vehicle, tuple(stops), unit=len(routes)))
    if distance is None:
        raise FormatError(
            Issue("line 1", "expected the total distance, found no data line", has_value=False),
            source,
        )
    if name is None:
        name = instance.name if instance is not None else ""
    return Solution(
        instance=name,
        routes=tuple(routes),
        totals=Totals(distance_km=distance, vehicles_used=len(routes)),
        meta={"format": "evrptw-sol", **({"source": source} if source else {})},
    )


def read_solution(path: str | Path, instance: Instance | None = None) -> Solution:
    """Read a verifier solution file (see :func:`parse_solution`)."""
    p = Path(path)
    return parse_solution(guard.read_text(p), instance, source=p.name)


def format_solution(solution: Solution, instance: Instance | None = None) -> str:
    """The verifier text of ``solution``.

    Only the stop sequence and the total distance survive: the format has no times or charges
    (the verifier recomputes them). The distance is ``solution.totals.distance_km``, or, when that
    is missing, recomputed from ``instance``.
    """
    distance = solution.totals.distance_km
    if distance is None and instance is not None:
        loc = {
            "depot": {d.id: d.location for d in instance.depots},
            "station": {s.id: s.location for s in instance.stations},
            "job": {j.id: j.location for j in instance.jobs},
        }
        try:
            distance = sum(
                float(instance.distance_km[loc[a.kind][a.ref], loc[b.kind][b.ref]])
                for route in solution.routes
                for a, b in zip(route.stops, route.stops[1:], strict=False)
            )
        except KeyError as e:
            raise InputError(
                Issue("routes", "names a place the instance does not have", str(e.args[0]))
            ) from None
    if distance is None:
        raise InputError(
            Issue(
                "totals.distance_km",
                "is required by the verifier format (or pass the instance to recompute it)",
                has_value=False,
            )
        )
    lines = [f"# solution for {solution.instance}", f"{distance:.3f}"]
    for r, route in enumerate(solution.routes):
        for s, stop in enumerate(route.stops):
            prefix = _PREFIX_BY_KIND.get(stop.kind)
            if prefix is None or not stop.ref.startswith(prefix) or "," in stop.ref:
                raise InputError(
                    Issue(
                        f"routes[{r}].stops[{s}]",
                        "the verifier format only has depots (D...), stations (S...) and "
                        "customer jobs (C...)",
                        f"{stop.kind} {stop.ref}",
                    )
                )
        lines.append(", ".join(stop.ref for stop in route.stops))
    return "\n".join(lines) + "\n"


def write_solution(solution: Solution, path: str | Path, instance: Instance | None = None) -> None:
    """Write ``solution`` as verifier text (see :func:`format_solution`)."""
    from ..fileio import write_atomic

    write_atomic(path, format_solution(solution, instance))
