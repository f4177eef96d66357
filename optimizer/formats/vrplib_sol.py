"""VRPLIB solution files (``.sol``): ``Route #k: c1 c2 ...`` lines and a ``Cost`` line.

Why: the Solomon, CVRP and other VRPLIB sets ship their best-known solutions in this form beside
the instances; reading them lets ``optimizer validate`` check a published plan (or ours written by
another tool) against the instance as this package reads it.

Customers are numbered as the ``.sol`` files number them, which is the job id the VRPLIB loader
gives (:mod:`optimizer.formats.vrplib_sets`: node ``i`` of the file, the depot being node 1, is
job ``str(i - 1)``). A route names no vehicle, so:

- with one vehicle entry (Solomon, CVRP), route ``k`` is unit ``k - 1`` of that entry;
- with several entries (heterogeneous fleets), the file must list one route per vehicle, empty
  ones included, in the order of the instance's vehicles (that is how the HVRP sets write them),
  and route ``k`` is the ``k``-th vehicle.

The ``Cost`` line is kept in ``meta["reported_cost"]`` and not compared: what it counts depends on
the set (distance, or fixed costs plus distance), and ``optimizer validate`` prints it beside the
recomputed figures instead.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import FormatError, Issue
from ..model import Instance
from ..solution import Route, Solution, Stop

_ROUTE = re.compile(r"^\s*route\s*#?\s*(\d+)\s*:(.*)$", re.IGNORECASE)
_COST = re.compile(r"^\s*cost\s*:?\s*(\S+)\s*$", re.IGNORECASE)


def looks_like(text: str) -> bool:
    """Whether ``text`` starts like a VRPLIB solution (a ``Route #1:`` line)."""
    for line in text.splitlines():
        if line.strip():
            return _ROUTE.match(line) is not None
    return False


def parse_solution(text: str, instance: Instance, source: str | None = None) -> Solution:
    """The plan of a VRPLIB ``.sol`` text for ``instance`` (see the module doc for the rules)."""
    issues: list[Issue] = []
    routes_raw: list[tuple[int, list[str]]] = []
    cost: float | None = None
    for n, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        m = _ROUTE.match(line)
        if m is not None:
            routes_raw.append((n, m.group(2).split()))
            continue
        c = _COST.match(line)
        if c is not None:
            try:
                cost = float(c.group(1))
            except ValueError:
                issues.append(Issue(f"line {n}", "Cost must be a number", c.group(1)))
            continue
        issues.append(Issue(f"line {n}", "is neither 'Route #k: ...' nor 'Cost ...'", line.strip()))
    if not routes_raw and not issues:
        issues.append(Issue("routes", "the file has no 'Route #k:' line", has_value=False))
    entries = instance.vehicles
    units: list[tuple[str, int]] = []
    if len(entries) == 1:
        units = [(entries[0].id, k) for k in range(len(routes_raw))]
    else:
        units = [(v.id, u) for v in entries for u in range(v.count)]
        if len(routes_raw) != len(units):
            issues.append(
                Issue(
                    "routes",
                    f"the instance has {len(entries)} vehicle entries; the file must list one route "
                    f"per vehicle ({len(units)}, empty ones included) to say which vehicle drives "
                    "which",
                    len(routes_raw),
                )
            )
    if issues:
        raise FormatError(issues, source)
    routes: list[Route] = []
    for (_, refs), (vehicle_id, unit) in zip(routes_raw, units, strict=False):
        v = instance.vehicle_by_id[vehicle_id]
        stops = (
            Stop("depot", v.start_depot),
            *(Stop("job", ref) for ref in refs),
            Stop("depot", v.end),
        )
        if refs or len(entries) == 1:
            routes.append(Route(vehicle_id, stops, unit))
    meta: dict[str, object] = {"source_format": "vrplib-sol"}
    if cost is not None:
        meta["reported_cost"] = cost
    return Solution(instance=instance.name, routes=tuple(routes), meta=meta)


def read_solution(path: str | Path, instance: Instance | None) -> Solution:
    """Read a ``.sol`` file for ``instance`` (required: routes are read against its fleet)."""
    p = Path(path)
    if instance is None:
        raise FormatError(
            Issue(str(path), "a VRPLIB solution is read against its instance", has_value=False)
        )
    return parse_solution(p.read_text("utf-8", errors="replace"), instance, source=p.name)


__all__ = ["looks_like", "parse_solution", "read_solution"]
