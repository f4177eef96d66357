"""Decomposition for large instances: solve parts of the jobs separately, then join the plans.

Why: the insertion constructor and OR-Tools' local search both grow faster than linearly in the
number of tasks (a 400-task constructor pass took 13 times as long as a 100-task one; GLS on 1,800
nodes finds only a few solutions a minute). A sweep split into parts of at most ``max_part_tasks``
keeps every part in the range where the core is fast and good, and the whole in linear time.

How:
- Tasks (jobs, and shipments by the midpoint of pickup and delivery) go to their nearest depot and
  are swept by angle around it (the classical sweep: routes radiate from a depot, so angular
  sectors make good route clusters); without coordinates a nearest-neighbour chain from the depot
  orders them instead. Each depot's sequence is cut into equal parts of at most ``max_part_tasks``.
- Parts are solved one after the other, each as a sub-instance over its own locations (matrices
  sliced, so memory stays per part), with the vehicles the earlier parts left. Each part may use at
  most twice its share of every fleet entry (plus two), which keeps its model small; if that is
  not enough it is solved again with all that is left.
- The time limit is split by task share in advance (never by the measured remaining time), so the
  same inputs still give the same plan.
- The joined plan is validated as a whole by the caller.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import OptimizerError
from ..model import Instance, Job, Shipment, Travel, Vehicle
from ..solution import Route, Solution


@dataclass(frozen=True)
class Part:
    """One part: the jobs and shipments it serves (ids, in sweep order)."""

    jobs: tuple[str, ...]
    shipments: tuple[str, ...]

    @property
    def tasks(self) -> int:
        return len(self.jobs) + 2 * len(self.shipments)


def split(instance: Instance, max_part_tasks: int) -> list[Part]:
    """Cut the instance's jobs into sweep parts of at most ``max_part_tasks`` task nodes."""
    dist = instance.distance_km
    depot_locs = [d.location for d in instance.depots]
    items: list[tuple[str, str, int, int]] = []  # (kind, id, location a, location b)
    for j in instance.jobs:
        items.append(("job", j.id, j.location, j.location))
    for s in instance.shipments:
        items.append(("shipment", s.id, s.pickup.location, s.delivery.location))
    by_depot: dict[int, list[int]] = {}
    for n, (_, _, a, b) in enumerate(items):
        k = min(
            range(len(depot_locs)),
            key=lambda d: float(dist[depot_locs[d], a] + dist[depot_locs[d], b]),
        )
        by_depot.setdefault(k, []).append(n)
    coords = [loc.coordinates for loc in instance.locations]
    have_xy = all(c is not None for c in coords)
    parts: list[Part] = []
    for d in sorted(by_depot):
        members = by_depot[d]
        center = depot_locs[d]
        if have_xy:
            cx, cy = coords[center]  # type: ignore[misc]
            lat_scale = math.cos(math.radians(cy)) if instance.travel.metric == "haversine" else 1.0

            def angle(
                n: int, cx: float = cx, cy: float = cy, lat_scale: float = lat_scale
            ) -> float:
                _, _, a, b = items[n]
                xa, ya = coords[a]  # type: ignore[misc]
                xb, yb = coords[b]  # type: ignore[misc]
                x, y = (xa + xb) / 2 - cx, (ya + yb) / 2 - cy
                return math.atan2(y, x * lat_scale)

            order = sorted(members, key=lambda n: (angle(n), items[n][1]))
            # Start the sweep at the widest angular gap, so no part straddles it needlessly.
            if len(order) > 1:
                angles = [angle(n) for n in order]
                gaps = [
                    (angles[(i + 1) % len(order)] - angles[i]) % (2 * math.pi)
                    for i in range(len(order))
                ]
                cut = int(np.argmax(gaps)) + 1
                order = order[cut:] + order[:cut]
        else:
            order = _nearest_chain(dist, center, members, items)
        sizes = [2 if items[n][0] == "shipment" else 1 for n in order]
        k = max(1, math.ceil(sum(sizes) / max_part_tasks))
        target = sum(sizes) / k
        chunk: list[int] = []
        used = 0
        for n, size in zip(order, sizes, strict=True):
            if chunk and used + size > target + 0.5:
                parts.append(_part(items, chunk))
                chunk, used = [], 0
            chunk.append(n)
            used += size
        if chunk:
            parts.append(_part(items, chunk))
    return parts


def _part(items: list[tuple[str, str, int, int]], chunk: list[int]) -> Part:
    return Part(
        jobs=tuple(items[n][1] for n in chunk if items[n][0] == "job"),
        shipments=tuple(items[n][1] for n in chunk if items[n][0] == "shipment"),
    )


def _nearest_chain(
    dist: np.ndarray, start: int, members: list[int], items: list[tuple[str, str, int, int]]
) -> list[int]:
    """Members ordered as a nearest-neighbour chain from ``start`` (for matrix-only instances)."""
    left = list(members)
    locs = np.array([items[n][2] for n in left])
    alive = np.ones(len(left), dtype=bool)
    order: list[int] = []
    cur = start
    for _ in range(len(left)):
        d = np.where(alive, dist[cur, locs], np.inf)
        i = int(np.argmin(d))
        alive[i] = False
        order.append(left[i])
        cur = int(items[left[i]][3])
    return order


def restrict(instance: Instance, part: Part, vehicles: Sequence[Vehicle]) -> Instance:
    """The sub-instance of ``part``: its jobs and shipments, the given vehicles, every depot and
    station, and only the locations they use (matrices sliced to them)."""
    jobs = [instance.job_by_id[j] for j in part.jobs]
    shipments = [instance.shipment_by_id[s] for s in part.shipments]
    keep: dict[int, int] = {}

    def loc(i: int) -> int:
        if i not in keep:
            keep[i] = len(keep)
        return keep[i]

    depots = tuple(replace(d, location=loc(d.location)) for d in instance.depots)
    stations = tuple(replace(st, location=loc(st.location)) for st in instance.stations)
    new_jobs: list[Job] = [replace(j, location=loc(j.location)) for j in jobs]
    new_ships: list[Shipment] = [
        replace(
            s,
            pickup=replace(s.pickup, location=loc(s.pickup.location)),
            delivery=replace(s.delivery, location=loc(s.delivery.location)),
        )
        for s in shipments
    ]
    old = list(keep)
    travel: Travel = instance.travel
    if travel.distance_km is not None or travel.duration_min is not None:
        ix = np.ix_(old, old)
        travel = replace(
            travel,
            distance_km=None if travel.distance_km is None else np.asarray(travel.distance_km)[ix],
            duration_min=None
            if travel.duration_min is None
            else np.asarray(travel.duration_min)[ix],
        )
    return replace(
        instance,
        name=instance.name,
        locations=tuple(instance.locations[i] for i in old),
        depots=depots,
        stations=stations,
        jobs=tuple(new_jobs),
        shipments=tuple(new_ships),
        vehicles=tuple(vehicles),
        travel=travel,
    )


SolveFn = Callable[[Instance, float], Solution]


class PartFailed(Exception):
    """A part could not be served with the vehicles left."""


def solve_in_parts(
    instance: Instance,
    parts: list[Part],
    time_limit_s: float,
    solve_part: SolveFn,
    on_part: Callable[[int, int, Solution], None] | None = None,
    deadline: float | None = None,
) -> tuple[Solution, dict[str, Any]]:
    """Solve ``parts`` in order with ``solve_part(sub_instance, time_limit_s)`` and join the plans.

    Each part's time is its task share of ``time_limit_s`` (fixed in advance: reproducible). A part
    first gets a capped fleet, then everything left. When even that fails (earlier parts took the
    only trucks that can carry its heavy jobs, say), it is merged with the part before it and the
    two are solved again together with both fleets, going back further if need be. Raises
    :class:`PartFailed` when the merge reaches the first part and still fails.

    ``deadline`` (``time.monotonic()`` seconds) also cuts each attempt to the time left, and
    raises :class:`PartFailed` once none is left. Why: every retry and merge gets a whole share
    again, so where parts keep failing the shares add up past the limit (the textbook model on
    CEC-2020 X-n573 took 162 s at 60 s). Only for wall-clock solves: a limit that depends on the
    elapsed time would make a work-budgeted plan depend on the machine.
    """
    total = sum(p.tasks for p in parts) or 1
    done: list[tuple[Part, Solution]] = []
    queue = list(parts)
    retries = merges = 0
    while queue:
        part = queue.pop(0)
        found, error, failed = _solve_part(
            instance,
            part,
            _vehicles_left(instance, done),
            part.tasks / total,
            time_limit_s,
            solve_part,
            deadline,
            unsolved=len(queue) + 1,
        )
        retries += failed
        if found is None:
            if not done:
                raise PartFailed(f"{error}") from error
            prev, _ = done.pop()
            merges += 1
            queue.insert(0, Part(prev.jobs + part.jobs, prev.shipments + part.shipments))
            continue
        done.append((part, found))
        if on_part is not None:
            on_part(len(done) - 1, len(done) + len(queue), found)
    info = {
        "parts": len(done),
        "part_tasks": [p.tasks for p, _ in done],
        "part_retries": retries,
        "part_merges": merges,
    }
    return _join(instance, [sol for _, sol in done]), info


def _vehicles_left(instance: Instance, done: Sequence[tuple[Part, Solution]]) -> dict[str, int]:
    """Units per fleet entry that the parts solved so far left unused.

    Why counted from the plans rather than kept as a running total: a merge takes the last
    solved part back, and its vehicles must come back with it.
    """
    left = {v.id: v.count for v in instance.vehicles}
    for _, sol in done:
        for vid, _unit in {(r.vehicle, r.unit) for r in sol.routes}:
            left[vid] -= 1
    return left


def _solve_part(
    instance: Instance,
    part: Part,
    left: dict[str, int],
    share: float,
    time_limit_s: float,
    solve_part: SolveFn,
    deadline: float | None,
    unsolved: int,
) -> tuple[Solution | None, Exception | None, int]:
    """One part's plan (or ``None``), the last error, and how many attempts failed.

    Why a capped fleet first: a model with every vehicle left is slow for a small part; the whole
    fleet is only the fallback for a part the capped one cannot serve completely.
    """
    limit = time_limit_s * share
    capped = _fleet(instance, left, share=share)
    full = _fleet(instance, left, share=None)
    attempts = [capped, full] if _count(capped) < _count(full) else [full]
    found: Solution | None = None
    error: Exception | None = None
    failed = 0
    for k, fleet in enumerate(attempts):
        if not fleet:
            break
        if deadline is not None:
            left_s = deadline - time.monotonic()
            if left_s <= 0.0:
                raise PartFailed(
                    f"the time limit ran out with {unsolved} part(s) unsolved"
                    + (f" (last error: {error})" if error is not None else "")
                )
            limit = min(limit, left_s)
        try:
            found = solve_part(restrict(instance, part, fleet), limit)
        except OptimizerError as exc:  # infeasible with this fleet: the next attempt decides
            error, found = exc, None
        if found is not None and (not found.unserved or k == len(attempts) - 1):
            break
        failed += 1
    return found, error, failed


def _join(instance: Instance, plans: Sequence[Solution]) -> Solution:
    """The parts' plans as one, units renumbered per fleet entry.

    Why renumbered: every part numbered its own units from 0, so two parts' unit 0 of the same
    entry would otherwise read as one vehicle.
    """
    routes: list[Route] = []
    unserved: list[str] = []
    next_unit: dict[str, int] = {}
    for sol in plans:
        mapping: dict[tuple[str, int], int] = {}
        for r in sol.routes:
            key = (r.vehicle, r.unit)
            if key not in mapping:
                mapping[key] = next_unit.get(r.vehicle, 0)
                next_unit[r.vehicle] = mapping[key] + 1
            routes.append(replace(r, unit=mapping[key]))
        unserved.extend(sol.unserved)
    return Solution(instance.name, tuple(routes), unserved=tuple(unserved))


def _fleet(instance: Instance, left: dict[str, int], share: float | None) -> list[Vehicle]:
    """The vehicles left, each entry capped at twice the part's share of it plus two (or not)."""
    out = []
    for v in instance.vehicles:
        n = left[v.id] if share is None else min(left[v.id], 2 * math.ceil(v.count * share) + 2)
        if n > 0:
            out.append(replace(v, count=n))
    return out


def _count(fleet: list[Vehicle]) -> int:
    return sum(v.count for v in fleet)
