"""PyVRP's search as a start generator for battery-free instances.

Why: on plain VRPTW our own start (insertion, then ruin and recreate on the exact route evaluator)
followed by OR-Tools' guided local search stayed far from the optimum (Solomon RC208 at 30 s:
837.1 against 776.1, a 7.9 % gap), while PyVRP, whose compiled search evaluates a move in constant
time through route segment data, reaches the optimum in the same time. So where an instance is
within what PyVRP models *exactly*, its best plan becomes the start that OR-Tools continues from;
OR-Tools stays the model that every constraint runs through, and the driver checks each route with
:class:`~.evaluator.RouteEvaluator` before using it.

PyVRP 0.14 replaced its hybrid genetic search by an iterated local search; the module keeps the
name of the idea (and of the option, ``SolveOptions.hgs``).

Exact means: the same integers as the OR-Tools model (:mod:`.scaling`). Per vehicle type the arc
cost is the model's scaled cost matrix (given to PyVRP as the "distance" of a routing profile, at
one cost unit per distance unit), the driving time the model's rounded-up time matrix at the type's
speed, windows rounded inwards, service and loads rounded up, capacities down, the fixed cost of a
vehicle read from the routing model, the per-hour cost as the model's span cost coefficient. So
PyVRP ranks plans as the model does.

Declined (``None``), because PyVRP would model them only approximately:

- electric vehicle types: batteries and charging stops, except as a relaxation
  (:func:`battery_relaxed`: instant charging, or a day with time windows off Schneider's
  full-recharge rule): PyVRP's plan without batteries then seeds our own search, which places the
  stations (PyVRP for the job sequence, our exact charging on top);
- a shipment end with several time windows in the exact case (PyVRP's shipments have one window
  per end; as a seed, the windows' hull);
- an instance without jobs.

Modelled: zone bans (stops, and with straight-line travel the legs through a banned zone) and a
job's ``vehicles`` list (a banned job or leg gets a prohibitive distance, PyVRP's "missing edge",
in the profile of each vehicle entry it is banned for; the route evaluator rejects any plan that
still uses it), a job with several time windows (one client per window
in a required, mutually exclusive client group), and shipments (PyVRP shipments: pickup before
delivery on one route).

Reproducibility: PyVRP is seeded and single-threaded; the search stops after a fixed number of
iterations, with a wall-clock cap as a safety net only (``stats["hgs_capped"]`` says whether it
fired, in which case the plan depends on the machine).
"""

from __future__ import annotations

import math
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import numpy as np

from ..solution import Route, Solution, Stop, StopKind
from . import scaling as S
from .search_model import SearchModel, objective_weights, scaled_penalty


def battery_relaxed(rm: SearchModel) -> bool:
    """Whether PyVRP plans ``rm``'s instance with the batteries left out, as a *seed* of job
    sequences for our own search (which then places the stations exactly, and re-inserts the
    tasks of any route that no station placement makes feasible).

    Where charging takes no time (``Rules.instant_charging``, the CEC-2020 rule) dropping the
    batteries drops the energy constraint and nothing else, apart from the detours to stations.
    On a real day (the default rules: partial charging that takes time) most routes never need a
    charge, and there the relaxation is the plan to beat: a battery-blind PyVRP plan cost 12 to
    38 % less than our own search on regional days, and our own validator accepted it. Not under
    Schneider's full-recharge rule (E-VRPTW): there every route charges, the relaxation ignores
    the hours it spends doing so, and our own search is within 1.4 % of the best known. Nor
    where no task has a window and charging takes time (EVRP-NL): then only the route duration
    shapes the routes, and the hours spent charging, which the relaxation ignores, are a large
    part of it; there the relaxation's routes, repaired, made a worse start than our own
    insertion (EVRP-NL, 80 instances at 10 s: 8.90 % against 4.55 % above the best known with
    ruin and recreate at 2,000,000 steps a second, 6.41 % against 5.73 % at 200,000)."""
    inst = rm.instance
    if not any(un.type.is_electric for un in rm.units):
        return False
    if inst.rules.instant_charging:
        return True
    return not inst.rules.full_recharge and inst.windowed


def hgs_declines(rm: SearchModel, relax: bool = False) -> str | None:
    """Why PyVRP cannot model ``rm``'s instance exactly (or, see :func:`battery_relaxed`, as a
    seed with the batteries left out), or ``None`` when it can. ``relax`` asks for the
    battery-blind relaxation whatever the rules (``benchmarks/relaxation.py``)."""
    inst = rm.instance
    relaxed = relax or battery_relaxed(rm)
    if any(un.type.is_electric for un in rm.units) and not relaxed:
        return "electric vehicles"
    if not relaxed and any(
        len(s.pickup.time_windows) > 1 or len(s.delivery.time_windows) > 1 for s in inst.shipments
    ):
        # PyVRP's shipments have one window per end; as a seed the windows' hull serves.
        return "several time windows on a shipment"
    if not inst.jobs:
        return "no jobs"
    if inst.objective.reassignment_penalty > 0 and (
        any(j.preferred_vehicle for j in inst.jobs)
        or any(s.preferred_vehicle for s in inst.shipments)
    ):
        return "reassignment penalty (preferred vehicles)"
    return None


def hgs_routes(
    rm: SearchModel,
    *,
    iterations: int,
    seed: int,
    deadline_s: float,
    stats: dict[str, Any] | None = None,
    relax: bool = False,
    warm_start: Any = None,
    on_cost: Callable[[float], None] | None = None,
    checkpoint: Checkpoint | None = None,
) -> dict[int, list[int]] | None:
    """PyVRP's best plan for ``rm``, as unit index -> task node sequence (no depots).

    ``iterations`` is the deterministic budget; ``deadline_s`` (a ``time.monotonic()`` instant) is
    the safety cap. Returns ``None`` when the instance is out of scope (:func:`hgs_declines`) or
    PyVRP found no feasible plan serving every mandatory job. ``stats``, when given, receives
    ``hgs_iterations`` (done), ``hgs_capped`` (1 if the wall clock stopped it) and ``hgs_cost``
    (PyVRP's objective in the model's scaled units) or ``hgs_declined`` (the reason), and
    ``hgs_departures``: unit index -> departure (scaled time) PyVRP planned. A route under a
    duration limit may need to leave after the shift start, where the route evaluator leaves by
    default: check it from that departure. ``stats["hgs_best"]`` is PyVRP's best solution
    itself, which a later call on the same model may take as its ``warm_start`` (PyVRP's
    ``initial_solution``) to search on from it instead of from scratch. ``on_cost`` hears the
    cost of PyVRP's best feasible plan after every iteration (progress for the caller, which
    paces itself). ``checkpoint`` looks at PyVRP's best plan once, after a given number of
    iterations, and may end the run there (see :class:`Checkpoint`); ``stats["hgs_checkpoint"]``
    then says ``stopped`` or ``went on``.
    """
    out: dict[str, Any] = {} if stats is None else stats
    why = hgs_declines(rm, relax)
    if why is not None:
        out["hgs_declined"] = why
        return None
    try:
        data, entries = _problem_data(rm)
    except ValueError as exc:  # PyVRP rejects data it cannot model (for example a bad window)
        out["hgs_declined"] = f"pyvrp: {exc}"
        return None

    budget = max(1, int(iterations))
    result, watch = _run(
        rm, data, entries, budget, deadline_s, seed, warm_start, on_cost, checkpoint
    )
    out["hgs_iterations"] = int(result.num_iterations)
    planned = budget
    if watch is not None and watch.outcome is not None:
        out["hgs_checkpoint"] = watch.outcome
        if watch.outcome == "stopped":  # ended by the look, not by the budget or the clock
            planned = min(budget, watch.checkpoint.iterations)
    out["hgs_capped"] = int(result.num_iterations < planned)
    best = result.best
    out["hgs_best"] = best
    if not best.is_feasible() or (rm.mandatory and best.num_missing_clients() > 0):
        out["hgs_declined"] = "pyvrp found no feasible plan"
        return None
    out["hgs_cost"] = int(result.cost())

    routes, departures, reloads = _read_routes(rm, best, entries)
    out["hgs_departures"] = departures
    if reloads:
        out["hgs_reloads"] = reloads
    return routes


def _run(
    rm: SearchModel,
    data: Any,
    entries: list[str],
    budget: int,
    deadline_s: float,
    seed: int,
    warm_start: Any,
    on_cost: Callable[[float], None] | None,
    checkpoint: Checkpoint | None,
) -> tuple[Any, _AtCheckpoint | None]:
    """PyVRP's search on ``data`` (see :func:`hgs_routes`): its result, and the checkpoint's
    watch where there is one."""
    from pyvrp import IteratedLocalSearchParams, SolveParams, solve
    from pyvrp.stop import MaxIterations, MaxRuntime, MultipleCriteria

    stop: Any = MultipleCriteria(
        [MaxIterations(budget), MaxRuntime(max(0.0, deadline_s - time.monotonic()))]
    )
    if on_cost is not None:
        stop = _Watched(stop, on_cost)
    params = SolveParams()
    watch: _AtCheckpoint | None = None
    if checkpoint is not None:
        watch = _AtCheckpoint(
            stop,
            checkpoint,
            lambda sol: _read_routes(rm, sol, entries),
            lambda sol: sol.is_feasible() and not (rm.mandatory and sol.num_missing_clients() > 0),
        )
        stop = watch
        params = SolveParams(ils=IteratedLocalSearchParams(callbacks=watch.callbacks()))
    with warnings.catch_warnings():
        # PyVRP warns when its penalties hit their bound on a plan it cannot make feasible; the
        # driver then falls back to the constructive start, so the warning says nothing new.
        warnings.simplefilter("ignore")
        result = solve(
            data,
            stop,
            seed=seed % 2**32,
            collect_stats=False,
            display=False,
            params=params,
            initial_solution=warm_start,
        )
    return result, watch


@dataclass(frozen=True)
class Checkpoint:
    """A look at PyVRP's best plan after ``iterations`` iterations, in one run.

    ``stop_if(routes, departures, reloads)`` gets that plan as :func:`hgs_routes` returns it
    (with ``stats``' departures and reloads); True ends
    the run there, False lets it go on to its budget. Where no plan serves every task by then,
    the run ends there too (the caller falls back on its own start, as after a short run that
    found nothing). Why in one run rather than a short run and a second one warm-started from
    its best: the second run restarts PyVRP's penalties and its acceptance history, and on two
    150-task days (60 s) the solves with two runs ended 0.4 % and 2.2 % dearer than with one
    run of the same total.
    """

    iterations: int
    stop_if: Callable[[dict[int, list[int]], dict[int, int], dict[int, list[int]]], bool]


class _AtCheckpoint:
    """PyVRP's stopping criteria with a :class:`Checkpoint`: PyVRP asks the criterion before
    each iteration, so the call after ``iterations`` iterations is where the best plan (kept by
    the search's ``on_best`` callback) is looked at."""

    def __init__(
        self,
        stop: Any,
        checkpoint: Checkpoint,
        read: Callable[[Any], tuple[dict[int, list[int]], dict[int, int], dict[int, list[int]]]],
        complete: Callable[[Any], bool],
    ) -> None:
        self.stop, self.checkpoint, self.read, self.complete = stop, checkpoint, read, complete
        self.calls = 0
        self.best: Any = None
        #: ``stopped`` or ``went on`` once the checkpoint has been passed.
        self.outcome: str | None = None

    def callbacks(self) -> Any:
        from pyvrp import IteratedLocalSearchCallbacks

        watch = self

        class _Keep(IteratedLocalSearchCallbacks):
            def on_best(self, best: Any) -> None:
                watch.best = best

        return _Keep()

    def __call__(self, best_cost: float) -> bool:
        done = self.calls  # iterations done before this call
        self.calls += 1
        if done == self.checkpoint.iterations and self.outcome is None:
            best = self.best
            if best is None or not self.complete(best):
                self.outcome = "stopped"
                return True
            if self.checkpoint.stop_if(*self.read(best)):
                self.outcome = "stopped"
                return True
            self.outcome = "went on"
        return bool(self.stop(best_cost))


class _Watched:
    """PyVRP's stopping criteria, which PyVRP asks after each iteration with the cost of its
    best plan so far (infinite until one is feasible): that cost also goes to ``on_cost``, so
    that PyVRP's share of a solve (most of it on a battery-free day) is not silent."""

    def __init__(self, stop: Any, on_cost: Callable[[float], None]) -> None:
        self.stop, self.on_cost = stop, on_cost

    def __call__(self, best_cost: float) -> bool:
        if math.isfinite(best_cost):
            self.on_cost(best_cost)
        return bool(self.stop(best_cost))


def _read_routes(
    rm: SearchModel, best: Any, entries: list[str]
) -> tuple[dict[int, list[int]], dict[int, int], dict[int, list[int]]]:
    """PyVRP's routes as unit index -> task node sequence, each route's departure, and where a
    vehicle that may make several trips reloads (the positions in its sequence before which it
    is back at its depot; PyVRP's reload depots).

    Why units are handed out per fleet entry in order: PyVRP knows only the vehicle type (our
    fleet entry) of a route, not which of the entry's units drives it, and any free one will do.
    """
    jobs = rm.instance.jobs
    ships = rm.instance.shipments
    client_job = _client_jobs(rm.instance)
    free: dict[str, list[int]] = {}
    for k, un in enumerate(rm.units):
        free.setdefault(un.vehicle.id, []).append(k)
    routes: dict[int, list[int]] = {}
    departures: dict[int, int] = {}
    reloads: dict[int, list[int]] = {}
    for route in best.routes():
        vid = entries[route.vehicle_type()]
        activities = list(route)
        seq: list[int] = []
        back: list[int] = []
        for i, a in enumerate(activities):
            if a.is_client():
                seq.append(rm.task_nodes[jobs[client_job[a.idx]].id][0])
            elif a.is_shipment():
                seq.append(rm.task_nodes[ships[a.idx].id][0 if a.is_pickup() else 1])
            elif a.is_depot() and 0 < i < len(activities) - 1 and seq and seq != back[-1:]:
                back.append(len(seq))
        if seq:
            k = free[vid].pop(0)
            routes[k] = seq
            departures[k] = int(route.start_time())
            trips = [p for p in back if p < len(seq)]
            if trips:
                reloads[k] = trips
    return routes, departures, reloads


def relaxed_solution(
    rm: SearchModel,
    routes: dict[int, list[int]],
    departures: dict[int, int],
    reloads: dict[int, list[int]] | None = None,
) -> Solution:
    """PyVRP's plan (:func:`hgs_routes`: task nodes per unit, departures in scaled time, the
    positions where a unit reloads) as a sparse native plan with no station: each route leaves
    when PyVRP planned it, so that a duration limit holds from there, and is back at its start
    depot before each reload position; the validator fills in the rest."""
    plan = []
    for k, seq in sorted(routes.items()):
        un = rm.units[k]
        leave = departures.get(k)
        back = set((reloads or {}).get(k, ()))
        visits: list[Stop] = []
        for i, n in enumerate(seq):
            if i in back:
                visits.append(Stop("depot", un.vehicle.start_depot))
            visits.append(Stop(cast(StopKind, rm.nodes[n].kind), rm.nodes[n].ref))
        stops = [
            Stop(
                "depot",
                un.vehicle.start_depot,
                departure_min=None if leave is None else leave / S.TIME_PER_MIN,
            ),
            *visits,
            Stop("depot", un.vehicle.end),
        ]
        plan.append(Route(un.vehicle.id, tuple(stops), un.unit))
    return Solution(rm.instance.name, tuple(plan))


def _client_jobs(inst: Any) -> list[int]:
    """The job (index into ``inst.jobs``) of each PyVRP client: a job with several time windows
    is one client per window, in a required group of which exactly one is visited."""
    return [k for k, j in enumerate(inst.jobs) for _ in range(max(1, len(j.time_windows)))]


def _problem_data(rm: SearchModel) -> tuple[Any, list[str]]:
    """PyVRP's ``ProblemData`` of ``rm``'s (in-scope) instance, and the vehicle entry id of each
    PyVRP vehicle type.

    Built directly from matrices rather than through ``pyvrp.Model.add_edge``, which takes one
    Python object per arc and per profile (tens of thousands on a 250-task part).
    """
    from pyvrp import Depot, Location, ProblemData

    sc = _Scaled.of(rm)
    locations = []
    for loc in sc.locs:
        xy = sc.inst.locations[int(loc)].coordinates or (0.0, 0.0)
        locations.append(Location(x=float(xy[0]), y=float(xy[1])))
    clients, groups = _clients(sc)
    pv_shipments = _shipments(sc)
    pv_depots = [
        Depot(location=i, service_duration=_reload_time(sc, d.id), name=d.id)
        for i, d in enumerate(sc.depots)
    ]
    vehicle_types, distances, durations, entries = _vehicle_types(rm, sc)
    data = ProblemData(
        locations, clients, pv_depots, vehicle_types, distances, durations, groups, pv_shipments
    )
    return data, entries


def _reload_time(sc: _Scaled, depot: str) -> int:
    """PyVRP's loading time at ``depot`` (scaled): the longest ``reload_min`` of the types that
    may reload there, 0 where none may. PyVRP has one such time per depot and takes it at the
    start of every trip, the first too: its plans are then at least as late as the validator's
    (which reloads for each type's own time and loads the first trip at no cost), never
    earlier, so what fits PyVRP's schedule fits the validator's."""
    inst = sc.inst
    minutes = [
        inst.type_by_id[v.type].reload_min
        for v in inst.vehicles
        if v.start_depot == depot and inst.max_trips_of(v) > 1
    ]
    return S.up(max(minutes), S.TIME_PER_MIN) if minutes else 0


@dataclass
class _Scaled:
    """The instance's tasks in PyVRP's location order (depots, jobs, then each shipment's pickup
    and delivery) and the model's scaling of them.

    Why one object: clients, shipments and vehicle types must all round exactly as the OR-Tools
    model does (:mod:`.scaling`), from the same horizon, prize and location numbering.
    """

    inst: Any
    depots: list[Any]
    jobs: list[Any]
    ships: list[Any]
    locs: np.ndarray
    dist: np.ndarray
    dur: np.ndarray
    #: Volume only where the model has that dimension.
    has_volume: bool
    horizon_s: int
    mandatory: bool
    prize: int

    @classmethod
    def of(cls, rm: SearchModel) -> _Scaled:
        inst = rm.instance
        depots, jobs, ships = list(inst.depots), list(inst.jobs), list(inst.shipments)
        locs = np.array(
            [d.location for d in depots]
            + [j.location for j in jobs]
            + [x for s in ships for x in (s.pickup.location, s.delivery.location)],
            dtype=np.int64,
        )
        has_volume = (any(j.volume_m3 for j in jobs) or any(s.volume_m3 for s in ships)) and any(
            un.type.capacity_m3 is not None for un in rm.units
        )
        horizon = max(
            [d.opening.end_min for d in inst.depots]
            + [inst.shift_of(v).end_min for v in inst.vehicles]
        )
        mandatory = inst.objective.unserved_penalty is None
        prize = (
            0 if mandatory else scaled_penalty(inst, float(inst.objective.unserved_penalty or 0))
        )
        return cls(
            inst,
            depots,
            jobs,
            ships,
            locs,
            inst.distance_km[np.ix_(locs, locs)],
            inst.duration_min[np.ix_(locs, locs)],
            has_volume,
            S.down(horizon, S.TIME_PER_MIN),
            mandatory,
            prize,
        )

    def amounts(self, weight: float, volume: float) -> list[int]:
        """A load as PyVRP's dimensions: weight always, volume where modelled."""
        vals = [S.up(weight, S.LOAD_PER_KG)]
        if self.has_volume:
            vals.append(S.up(volume, S.VOLUME_PER_M3))
        return vals

    def window(self, stop: Any) -> tuple[int, int]:
        """The hull of a shipment end's windows (one window: exact), rounded inwards."""
        if not stop.time_windows:
            return 0, self.horizon_s
        early = max(0, S.up(stop.time_windows[0].start_min, S.TIME_PER_MIN))
        late = min(self.horizon_s, S.down(stop.time_windows[-1].end_min, S.TIME_PER_MIN))
        return early, max(early, late)


def _clients(sc: _Scaled) -> tuple[list[Any], list[Any]]:
    """PyVRP's clients (one per job and window) and client groups.

    Why one client per window: PyVRP's clients have one window each; a job with several is
    a required group of which exactly one client is visited, which is exact.
    """
    from pyvrp import Client, ClientGroup

    n_dep = len(sc.depots)
    zero = [0] * (2 if sc.has_volume else 1)
    clients: list[Any] = []
    groups: list[Any] = []
    for k, j in enumerate(sc.jobs):
        load = sc.amounts(j.weight_kg, j.volume_m3)
        # As ortools_model._set_windows: start rounded up, end down, within the horizon.
        windows = [
            (
                early := max(0, S.up(w.start_min, S.TIME_PER_MIN)),
                max(early, min(sc.horizon_s, S.down(w.end_min, S.TIME_PER_MIN))),
            )
            for w in j.time_windows
        ] or [(0, sc.horizon_s)]
        group = None
        if len(windows) > 1:
            # One client per window, exactly one of them visited (a mutually exclusive group).
            group = len(groups)
            groups.append(
                ClientGroup(
                    list(range(len(clients), len(clients) + len(windows))),
                    required=sc.mandatory,
                    name=j.id,
                )
            )
        for tw_early, tw_late in windows:
            clients.append(
                Client(
                    location=n_dep + k,
                    delivery=load if j.kind == "delivery" else zero,
                    pickup=load if j.kind == "pickup" else zero,
                    service_duration=S.up(j.service_min, S.TIME_PER_MIN),
                    tw_early=tw_early,
                    tw_late=tw_late,
                    prize=sc.prize,
                    required=sc.mandatory and group is None,
                    group=group,
                    name=j.id,
                )
            )
    return clients, groups


def _shipments(sc: _Scaled) -> list[Any]:
    """PyVRP's shipments, each end's windows as their hull.

    Why the hull: PyVRP's shipments have one window per end; exact for one window, and as a
    seed (:func:`battery_relaxed`) the hull serves.
    """
    from pyvrp import Shipment

    first = len(sc.depots) + len(sc.jobs)
    pv_shipments = []
    for k, sh in enumerate(sc.ships):
        (pe, pl), (de, dl) = sc.window(sh.pickup), sc.window(sh.delivery)
        pv_shipments.append(
            Shipment(
                pickup_location=first + 2 * k,
                delivery_location=first + 2 * k + 1,
                pickup_tw_early=pe,
                pickup_tw_late=pl,
                pickup_service_duration=S.up(sh.pickup.service_min, S.TIME_PER_MIN),
                delivery_tw_early=de,
                delivery_tw_late=dl,
                delivery_service_duration=S.up(sh.delivery.service_min, S.TIME_PER_MIN),
                amount=sc.amounts(sh.weight_kg, sh.volume_m3),
                prize=sc.prize,
                required=sc.mandatory,
                name=sh.id,
            )
        )
    return pv_shipments


def _vehicle_types(
    rm: SearchModel, sc: _Scaled
) -> tuple[list[Any], list[Any], list[Any], list[str]]:
    """PyVRP's vehicle types (one per modelled fleet entry), the routing profiles' distance and
    duration matrices, and each type's fleet entry id.

    One routing profile per (cost per km, speed factor, banned tasks, type with banned legs):
    its "distance" is the model's scaled arc cost, its duration the model's scaled driving
    time. Why shared: a profile is two matrices of nodes squared, and most entries share one.
    """
    from pyvrp import VehicleType

    inst = sc.inst
    profiles: dict[tuple[float, float, tuple[int, ...], str], int] = {}
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
        per_km, per_hour, _ = objective_weights(inst, t)
        banned = _banned_locations(sc, v, t)
        legs = inst.leg_bans(t)
        key = (per_km, t.speed_factor, banned, t.id if legs is not None else "")
        if key not in profiles:
            profiles[key] = len(distances)
            d, tm = _profile(sc, per_km, t.speed_factor, banned, legs)
            distances.append(d)
            durations.append(tm)
        vehicle_types.append(
            VehicleType(
                num_available=count[v.id],
                fixed_cost=rm.fixed[k],
                unit_distance_cost=1,
                unit_duration_cost=S.span_cost_per_time(per_hour),
                profile=profiles[key],
                name=v.id,
                **_shift_and_capacity(sc, v, t),
            )
        )
        entries.append(v.id)
    return vehicle_types, distances, durations, entries


def _banned_locations(sc: _Scaled, v: Any, t: Any) -> tuple[int, ...]:
    """The PyVRP locations of the tasks fleet entry ``v`` (of type ``t``) may not serve: a zone
    bans it for the type, or the task's ``vehicles`` list leaves the entry out.

    Why a tuple: it keys the routing profiles, so entries banned alike share one.
    """
    inst, n_dep, n_jobs = sc.inst, len(sc.depots), len(sc.jobs)
    return tuple(
        n_dep + i
        for i, j in enumerate(sc.jobs)
        if inst.banned(t, j.location) or (j.vehicles and v.id not in j.vehicles)
    ) + tuple(
        n_dep + n_jobs + 2 * k + end
        for k, sh in enumerate(sc.ships)
        for end, stop in enumerate((sh.pickup, sh.delivery))
        if inst.banned(t, stop.location) or (sh.vehicles and v.id not in sh.vehicles)
    )


def _profile(
    sc: _Scaled,
    per_km: float,
    speed_factor: float,
    banned: tuple[int, ...],
    legs: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray]:
    """One routing profile's (distance, duration) matrices.

    Why banned tasks and legs become PyVRP's "missing edges" (``MAX_VALUE``) rather than being
    left out: the locations are shared by every profile; the route evaluator rejects any plan
    that still uses one.
    """
    from pyvrp.constants import MAX_VALUE

    per = S.COST_PER_UNIT if sc.inst.objective.kind == "cost" else S.DISTANCE_PER_KM
    d = S.matrix_nearest(sc.dist * per_km, per)
    if banned:
        cols = list(banned)
        d[:, cols] = MAX_VALUE
        d[cols, :] = MAX_VALUE
    if legs is not None:
        # Legs through a zone banned to the type (straight-line travel): missing edges.
        d[legs[np.ix_(sc.locs, sc.locs)]] = MAX_VALUE
    np.fill_diagonal(d, 0)
    tm = S.matrix_up(sc.dur / speed_factor, S.TIME_PER_MIN)
    np.fill_diagonal(tm, 0)
    return d, tm


def _shift_and_capacity(sc: _Scaled, v: Any, t: Any) -> dict[str, Any]:
    """A vehicle type's depots, shift window, duration limit and capacity, as PyVRP keywords.

    Why from the model's numbers: the shift is the model's start and end cumuls
    (ortools_model._unit_times, "time") and the capacity rounded down as there, so that PyVRP
    never plans what the model refuses.
    """
    inst = sc.inst
    depot_ix = {d.id: i for i, d in enumerate(sc.depots)}
    shift = inst.shift_of(v)
    lo = S.up(
        max(shift.start_min, inst.depot_by_id[v.start_depot].opening.start_min), S.TIME_PER_MIN
    )
    hi = S.down(min(shift.end_min, inst.depot_by_id[v.end].opening.end_min), S.TIME_PER_MIN)
    limits = [x for x in (v.max_duration_min, t.max_duration_min) if x is not None]
    capacity = [S.down(t.capacity_kg, S.LOAD_PER_KG)]
    if sc.has_volume:
        capacity.append(
            S.down(t.capacity_m3, S.VOLUME_PER_M3) if t.capacity_m3 is not None else S.INFINITE
        )
    extra: dict[str, Any] = {}
    if limits:
        extra["shift_duration"] = S.down(min(limits), S.TIME_PER_MIN)
    trips = inst.max_trips_of(v)
    if trips > 1:  # PyVRP's multi-trip: reloads at the start depot (see _depots for the time)
        extra["reload_depots"] = [depot_ix[v.start_depot]]
        extra["max_reloads"] = trips - 1
    return {
        "capacity": capacity,
        "start_depot": depot_ix[v.start_depot],
        "end_depot": depot_ix[v.end],
        "tw_early": lo,
        "tw_late": max(lo, hi),
        **extra,
    }
