"""PyVRP's search as a start generator for battery-free instances.

Why: on plain VRPTW our own start (insertion, then ruin and recreate on the exact route evaluator)
followed by OR-Tools' guided local search stayed far from the optimum (Solomon RC208 at 30 s:
837.1 against 776.1, a 7.9 % gap), while PyVRP, whose compiled search evaluates a move in constant
time through route segment data, reaches the optimum in the same time. So where an instance is
within what PyVRP models *exactly*, its best plan becomes the start that OR-Tools continues from;
OR-Tools stays the model that every constraint runs through, and the driver checks each route with
:class:`~.construct.RouteEvaluator` before using it.

PyVRP 0.14 replaced its hybrid genetic search by an iterated local search; the module keeps the
name of the idea (and of the option, ``SolveOptions.hgs``).

Exact means: the same integers as the OR-Tools model (:mod:`.scaling`). Per vehicle type the arc
cost is the model's scaled cost matrix (given to PyVRP as the "distance" of a routing profile, at
one cost unit per distance unit), the driving time the model's rounded-up time matrix at the type's
speed, windows rounded inwards, service and loads rounded up, capacities down, the fixed cost of a
vehicle read from the routing model, the per-hour cost as the model's span cost coefficient. So
PyVRP ranks plans as the model does.

Declined (``None``), because PyVRP would model them only approximately:

- electric vehicle types: batteries and charging stops, except where charging is instant
  (:func:`battery_relaxed`): PyVRP's plan without batteries then seeds our own search, which
  places the stations (PyVRP for the job sequence, our exact charging on top);
- paired shipments (pickup and delivery on one vehicle): kept for OR-Tools and our own search;
- a job with several time windows;
- an instance without jobs.

Zone bans are modelled: a banned job gets a prohibitive distance (PyVRP's "missing edge") in the
profile of the types it is banned for, and the route evaluator rejects any plan that still uses it.

Reproducibility: PyVRP is seeded and single-threaded; the search stops after a fixed number of
iterations, with a wall-clock cap as a safety net only (``stats["hgs_capped"]`` says whether it
fired, in which case the plan depends on the machine).
"""

from __future__ import annotations

import time
import warnings
from typing import Any

import numpy as np

from . import scaling as S
from .ortools_model import RoutingModel, _objective_weights, _scaled_penalty


def battery_relaxed(rm: RoutingModel) -> bool:
    """Whether PyVRP may plan ``rm``'s instance with the batteries left out, as a *seed* of job
    sequences for our own search (which then places the stations exactly, and re-inserts the
    jobs of any route that no station placement makes feasible).

    Only where charging takes no time (``Rules.instant_charging``, the CEC-2020 rule): then
    dropping the batteries drops the energy constraint and nothing else, apart from the detours
    to stations. Where charging takes time, the relaxation would also ignore the hours a route
    spends charging, and its plans fail windows and shifts."""
    inst = rm.instance
    return inst.rules.instant_charging and any(un.type.is_electric for un in rm.units)


def hgs_declines(rm: RoutingModel) -> str | None:
    """Why PyVRP cannot model ``rm``'s instance exactly (or, see :func:`battery_relaxed`, as a
    seed with the batteries left out), or ``None`` when it can."""
    inst = rm.instance
    if any(un.type.is_electric for un in rm.units) and not battery_relaxed(rm):
        return "electric vehicles"
    if inst.shipments:
        return "shipments"
    if not inst.jobs:
        return "no jobs"
    if any(len(j.time_windows) > 1 for j in inst.jobs):
        return "several time windows on a job"
    if any(j.vehicles for j in inst.jobs):
        # Expressible in PyVRP only through per-client groups we do not build; decline instead.
        return "jobs restricted to some vehicles"
    if inst.objective.reassignment_penalty > 0 and any(j.preferred_vehicle for j in inst.jobs):
        return "reassignment penalty (preferred vehicles)"
    return None


def hgs_routes(
    rm: RoutingModel,
    *,
    iterations: int,
    seed: int,
    deadline_s: float,
    stats: dict[str, Any] | None = None,
) -> dict[int, list[int]] | None:
    """PyVRP's best plan for ``rm``, as unit index -> task node sequence (no depots).

    ``iterations`` is the deterministic budget; ``deadline_s`` (a ``time.monotonic()`` instant) is
    the safety cap. Returns ``None`` when the instance is out of scope (:func:`hgs_declines`) or
    PyVRP found no feasible plan serving every mandatory job. ``stats``, when given, receives
    ``hgs_iterations`` (done), ``hgs_capped`` (1 if the wall clock stopped it) and ``hgs_cost``
    (PyVRP's objective in the model's scaled units) or ``hgs_declined`` (the reason), and
    ``hgs_departures``: unit index -> departure (scaled time) PyVRP planned. A route under a
    duration limit may need to leave after the shift start, where the route evaluator leaves by
    default: check it from that departure.
    """
    out: dict[str, Any] = {} if stats is None else stats
    why = hgs_declines(rm)
    if why is not None:
        out["hgs_declined"] = why
        return None
    try:
        data, entries = _problem_data(rm)
    except ValueError as exc:  # PyVRP rejects data it cannot model (for example a bad window)
        out["hgs_declined"] = f"pyvrp: {exc}"
        return None

    from pyvrp import solve
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    budget = max(1, int(iterations))
    stop = MultipleCriteria(
        [MaxIterations(budget), MaxRuntime(max(0.0, deadline_s - time.monotonic()))]
    )
    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their bound on a plan it cannot make feasible; the
        # driver then falls back to the constructive start, so the warning says nothing new.
        warnings.simplefilter("ignore")
        result = solve(data, stop, seed=seed % 2**32, collect_stats=False, display=False)
    out["hgs_iterations"] = int(result.num_iterations)
    out["hgs_capped"] = int(result.num_iterations < budget)
    best = result.best
    if not best.is_feasible() or (rm.mandatory and best.num_missing_clients() > 0):
        out["hgs_declined"] = "pyvrp found no feasible plan"
        return None
    out["hgs_cost"] = int(result.cost())

    jobs = rm.instance.jobs
    free: dict[str, list[int]] = {}
    for k, un in enumerate(rm.units):
        free.setdefault(un.vehicle.id, []).append(k)
    routes: dict[int, list[int]] = {}
    departures: dict[int, int] = {}
    for route in best.routes():
        vid = entries[route.vehicle_type()]
        seq = [rm.task_nodes[jobs[a.idx].id][0] for a in route if a.is_client()]
        if seq:
            k = free[vid].pop(0)
            routes[k] = seq
            departures[k] = int(route.start_time())
    out["hgs_departures"] = departures
    return routes


def _problem_data(rm: RoutingModel) -> tuple[Any, list[str]]:
    """PyVRP's ``ProblemData`` of ``rm``'s (in-scope) instance, and the vehicle entry id of each
    PyVRP vehicle type.

    Built directly from matrices rather than through ``pyvrp.Model.add_edge``, which takes one
    Python object per arc and per profile (tens of thousands on a 250-task part).
    """
    from pyvrp import Client, Depot, Location, ProblemData, VehicleType
    from pyvrp.constants import MAX_VALUE

    inst = rm.instance
    kind = inst.objective.kind
    per = S.COST_PER_UNIT if kind == "cost" else S.DISTANCE_PER_KM
    depots = list(inst.depots)
    depot_ix = {d.id: i for i, d in enumerate(depots)}
    jobs = list(inst.jobs)
    n_dep = len(depots)
    locs = np.array([d.location for d in depots] + [j.location for j in jobs], dtype=np.int64)
    dist = inst.distance_km[np.ix_(locs, locs)]
    dur = inst.duration_min[np.ix_(locs, locs)]

    locations = []
    for loc in locs:
        xy = inst.locations[int(loc)].coordinates or (0.0, 0.0)
        locations.append(Location(x=float(xy[0]), y=float(xy[1])))

    # Loads: weight always, volume only where the model has that dimension.
    has_volume = any(j.volume_m3 for j in jobs) and any(
        un.type.capacity_m3 is not None for un in rm.units
    )

    def amounts(weight: float, volume: float) -> list[int]:
        vals = [S.up(weight, S.LOAD_PER_KG)]
        if has_volume:
            vals.append(S.up(volume, S.VOLUME_PER_M3))
        return vals

    horizon = max(
        [d.opening.end_min for d in inst.depots] + [inst.shift_of(v).end_min for v in inst.vehicles]
    )
    horizon_s = S.down(horizon, S.TIME_PER_MIN)
    mandatory = inst.objective.unserved_penalty is None
    prize = 0 if mandatory else _scaled_penalty(inst, float(inst.objective.unserved_penalty or 0))
    zero = [0] * (2 if has_volume else 1)
    clients = []
    for k, j in enumerate(jobs):
        load = amounts(j.weight_kg, j.volume_m3)
        tw_early, tw_late = 0, horizon_s
        if j.time_windows:
            # As ortools_model._set_windows: start rounded up, end down, within the horizon.
            w = j.time_windows[0]
            tw_early = max(0, S.up(w.start_min, S.TIME_PER_MIN))
            tw_late = max(tw_early, min(horizon_s, S.down(w.end_min, S.TIME_PER_MIN)))
        clients.append(
            Client(
                location=n_dep + k,
                delivery=load if j.kind == "delivery" else zero,
                pickup=load if j.kind == "pickup" else zero,
                service_duration=S.up(j.service_min, S.TIME_PER_MIN),
                tw_early=tw_early,
                tw_late=tw_late,
                prize=prize,
                required=mandatory,
                name=j.id,
            )
        )
    pv_depots = [Depot(location=i, name=d.id) for i, d in enumerate(depots)]

    # One routing profile per (cost per km, speed factor, banned jobs): its "distance" is the
    # model's scaled arc cost, its duration the model's scaled driving time.
    profiles: dict[tuple[float, float, tuple[int, ...]], int] = {}
    distances: list[Any] = []  # PyVRP's stubs type matrices oddly (np.ndarray[int])
    durations: list[Any] = []
    vehicle_types = []
    entries: list[str] = []
    first_unit: dict[str, int] = {}
    count: dict[str, int] = {}
    for k, un in enumerate(rm.units):
        first_unit.setdefault(un.vehicle.id, k)
        count[un.vehicle.id] = count.get(un.vehicle.id, 0) + 1
    for v in inst.vehicles:
        if v.id not in first_unit:
            continue
        k = first_unit[v.id]
        t = rm.units[k].type
        per_km, per_hour, _ = _objective_weights(inst, t)
        banned = tuple(i for i, j in enumerate(jobs) if inst.banned(t, j.location))
        key = (per_km, t.speed_factor, banned)
        if key not in profiles:
            profiles[key] = len(distances)
            d = S.matrix_nearest(dist * per_km, per)
            if banned:
                cols = [n_dep + i for i in banned]
                d[:, cols] = MAX_VALUE
                d[cols, :] = MAX_VALUE
            np.fill_diagonal(d, 0)
            tm = S.matrix_up(dur / t.speed_factor, S.TIME_PER_MIN)
            np.fill_diagonal(tm, 0)
            distances.append(d)
            durations.append(tm)
        # Shift as the model's start and end cumuls (ortools_model.build, "time").
        shift = inst.shift_of(v)
        lo = S.up(
            max(shift.start_min, inst.depot_by_id[v.start_depot].opening.start_min), S.TIME_PER_MIN
        )
        hi = S.down(min(shift.end_min, inst.depot_by_id[v.end].opening.end_min), S.TIME_PER_MIN)
        limits = [x for x in (v.max_duration_min, t.max_duration_min) if x is not None]
        capacity = [S.down(t.capacity_kg, S.LOAD_PER_KG)]
        if has_volume:
            capacity.append(
                S.down(t.capacity_m3, S.VOLUME_PER_M3) if t.capacity_m3 is not None else S.INFINITE
            )
        extra: dict[str, Any] = {}
        if limits:
            extra["shift_duration"] = S.down(min(limits), S.TIME_PER_MIN)
        vehicle_types.append(
            VehicleType(
                num_available=count[v.id],
                capacity=capacity,
                start_depot=depot_ix[v.start_depot],
                end_depot=depot_ix[v.end],
                fixed_cost=int(rm.routing.GetFixedCostOfVehicle(k)),
                tw_early=lo,
                tw_late=max(lo, hi),
                unit_distance_cost=1,
                unit_duration_cost=S.span_cost_per_time(per_hour),
                profile=profiles[key],
                name=v.id,
                **extra,
            )
        )
        entries.append(v.id)
    data = ProblemData(locations, clients, pv_depots, vehicle_types, distances, durations)
    return data, entries
