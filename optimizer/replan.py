"""Replanning during the day: from the state of a plan at a clock time, with cancelled and new
jobs and delays, a new plan that keeps what is done and moves as few promises as it pays to.

Why a derived instance rather than a special solver mode: the solver, the validator and every
heuristic already understand depots, shifts, initial charge and per-task vehicle restrictions, so
"the rest of the day" is written as an ordinary instance and solved and validated like any other.

The state at ``at_min`` (from the plan's validated schedule):

- a stop whose ``departure_min <= at_min`` is *done*; the first stop after them is *committed*
  (being driven to or served): the vehicle finishes it, then leaves ``delay_min`` later when a
  delay names it. Done and committed stops are kept exactly (the *prefix*);
- a vehicle that has left its depot continues from its committed stop: in the derived instance it
  is its own vehicle entry (count 1, id ``VEHICLE#UNIT``) starting at a depot of its own at that
  place, opening at the (delayed) departure, with the state of charge it has then and its shift
  end and end depot unchanged. What it carries stays with it (``Job.vehicles``): depot deliveries
  not yet dropped, shipments picked up but not delivered (a delivery job under the shipment's id),
  and goods picked up for the depot (one job ``onboard:VEHICLE#UNIT`` at its end depot, which also
  makes it drive home, charging if it must);
- a vehicle still at the depot keeps its depot and may leave from ``max(shift start, at_min)``
  (plus its delay). Deliveries not yet loaded can only go with such vehicles: their goods are at
  the depot;
- a vehicle whose committed stop is its end depot has finished; its route stays as it is;
- a vehicle that may make several trips (``max_trips``) and is out finishes the trip under way
  and is then done: the goods of its later trips are at the depot, for the units still there
  (which keep their trips). Letting it come back for another trip would need its derived start
  and its reload depot to differ, which the model does not express.

Promises: each task planned on a unit and not yet started prefers that unit
(``preferred_vehicle``); serving it with another costs ``objective.reassignment_penalty`` in the
derived instance (default :data:`DEFAULT_REASSIGNMENT_KM` km at the fleet's dearest per-km rate), so
the solver, its heuristics and the validator price a moved promise alike.

The new plan is stitched to the prefixes and validated against the updated full-day instance
(the original, minus cancelled jobs, plus new jobs and their locations; a delay is a wait at the
committed stop). Its ``total`` leaves out the reassignment penalty, which is reported beside it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from .errors import EXIT_INFEASIBLE, InputError, Issue, OptimizerError, Problems
from .model import Depot, Instance, Job, Location, Shipment, TimeWindow, Vehicle
from .solution import Route, Solution, Stop

if TYPE_CHECKING:
    from .solver import SolveOptions

#: Default price of one moved promise, in km at the fleet's dearest cost per km: a dispatcher
#: re-briefs a driver and re-sorts a load for a moved order, worth a short detour, not a long one.
DEFAULT_REASSIGNMENT_KM = 10.0
#: Prefix of the derived job standing for goods picked up for the depot (and the drive home).
ONBOARD_PREFIX = "onboard:"
_EVENT_KEYS = ("cancel", "new_jobs", "delays", "reassignment_penalty")
_JOB_KEYS = (
    "id",
    "location",
    "kind",
    "weight_kg",
    "volume_m3",
    "time_windows",
    "service_min",
    "vehicles",
)


class ReplanError(OptimizerError):
    """The replanned day cannot be made valid; ``diagnosis`` says which task and why."""

    code = "infeasible"
    exit_status = EXIT_INFEASIBLE

    def __init__(self, diagnosis: Mapping[str, str]) -> None:
        self.diagnosis = dict(diagnosis)
        super().__init__(
            "the replanned day is not valid:\n  "
            + "\n  ".join(f"{k}: {v}" for k, v in self.diagnosis.items())
        )


@dataclass(frozen=True)
class Delay:
    """Unit ``unit`` of vehicle entry ``vehicle`` leaves its committed stop ``delay_min`` later."""

    vehicle: str
    unit: int
    delay_min: float


@dataclass(frozen=True)
class Events:
    """What happened since the plan was made (see :func:`parse_events` for the JSON form)."""

    cancel: tuple[str, ...] = ()
    new_jobs: tuple[Job, ...] = ()
    #: Locations that new jobs gave as coordinates, appended to the instance's.
    new_locations: tuple[Location, ...] = ()
    delays: tuple[Delay, ...] = ()
    reassignment_penalty: float | None = None


@dataclass(frozen=True)
class Move:
    """A promised task that the new plan serves with another unit (``None``: not served)."""

    task: str
    from_unit: str
    to_unit: str | None


@dataclass(frozen=True)
class ReplanResult:
    """The replanned day.

    ``rest``: the plan of the derived rest-of-day instance (``derived``); ``plan``: the full-day
    plan (prefixes + rest) of ``updated``, validated (``report``); ``moves``: promises moved;
    ``cost_before``: the old plan's total on the original instance; ``cost_after``: the full-day
    plan's total on the updated instance (without the reassignment penalty, reported as
    ``reassignment_cost``)."""

    plan: Solution
    rest: Solution
    derived: Instance
    updated: Instance
    moves: tuple[Move, ...]
    cost_before: float
    cost_after: float
    reassignment_penalty: float
    report: Any
    committed: Mapping[str, str] = field(default_factory=dict)

    @property
    def reassignment_cost(self) -> float:
        return len(self.moves) * self.reassignment_penalty

    def summary(self) -> str:
        """The closing note: moves, costs, validity."""
        lines = [f"moved assignments: {len(self.moves)}"]
        for m in self.moves:
            lines.append(f"  {m.task}: {m.from_unit} -> {m.to_unit or 'unserved'}")
        cur = self.updated.objective.currency
        delta = self.cost_after - self.cost_before
        lines.append(
            f"cost before {self.cost_before:,.2f} {cur}, after {self.cost_after:,.2f} {cur} "
            f"({delta:+,.2f}); reassignment penalty {len(self.moves)} x "
            f"{self.reassignment_penalty:,.2f} = {self.reassignment_cost:,.2f}"
        )
        if self.plan.unserved:
            lines.append(f"unserved: {', '.join(self.plan.unserved)}")
        lines.append(
            "full-day plan: "
            + ("valid" if self.report.feasible else f"INVALID\n{self.report.summary()}")
        )
        return "\n".join(lines)


# ----- events ---------------------------------------------------------------------------------
def parse_events(data: Any, instance: Instance, source: str | None = None) -> Events:
    """Check an events document against ``instance`` and build :class:`Events`.

    Every problem is reported at once, with the field's path and the value (``InputError``);
    unknown fields are errors, so nothing given is silently dropped.
    """
    p = Problems()
    if not isinstance(data, dict):
        raise InputError(Issue("", "must be a JSON object", type(data).__name__), source)
    for key in data:
        if key not in _EVENT_KEYS:
            p.add(str(key), f"is not a known field (known: {', '.join(_EVENT_KEYS)})", data[key])
    known = {j.id for j in instance.jobs} | {s.id for s in instance.shipments}
    cancel: list[str] = []
    raw_cancel = data.get("cancel", [])
    if not isinstance(raw_cancel, list):
        p.add("cancel", "must be a list of job or shipment ids", raw_cancel)
        raw_cancel = []
    for k, tid in enumerate(raw_cancel):
        if not isinstance(tid, str) or tid not in known:
            p.add(f"cancel[{k}]", "names no job or shipment of the instance", tid)
        elif tid in cancel:
            p.add(f"cancel[{k}]", "is listed twice", tid)
        else:
            cancel.append(tid)
    loc_ix = {loc.id: k for k, loc in enumerate(instance.locations)}
    n_loc = len(instance.locations)
    new_locs: list[Location] = []
    jobs: list[Job] = []
    raw_jobs = data.get("new_jobs", [])
    if not isinstance(raw_jobs, list):
        p.add("new_jobs", "must be a list of job objects", raw_jobs)
        raw_jobs = []
    seen_new: set[str] = set()
    for k, r in enumerate(raw_jobs):
        path = f"new_jobs[{k}]"
        if not isinstance(r, dict):
            p.add(path, "must be a job object", r)
            continue
        for key in r:
            if key not in _JOB_KEYS:
                p.add(f"{path}.{key}", "is not a known field", r[key])
        jid = r.get("id")
        if not isinstance(jid, str) or not jid:
            p.add(f"{path}.id", "must be a non-empty string", jid)
            continue
        if jid in known or jid in seen_new:
            p.add(f"{path}.id", "duplicates a job or shipment id", jid)
            continue
        seen_new.add(jid)
        loc = r.get("location")
        where: int | None = None
        if isinstance(loc, str) and loc in loc_ix:
            where = loc_ix[loc]
        elif isinstance(loc, int) and not isinstance(loc, bool) and 0 <= loc < n_loc:
            where = loc
        elif (
            isinstance(loc, list)
            and len(loc) == 2
            and all(isinstance(c, int | float) and math.isfinite(c) for c in loc)
        ):
            if instance.travel.metric == "matrix":
                p.add(
                    f"{path}.location",
                    "coordinates need a computed travel metric (this instance gives matrices): "
                    "name an existing location instead",
                    loc,
                )
                continue
            where = n_loc + len(new_locs)
            new_locs.append(Location(f"{jid}@location", (float(loc[0]), float(loc[1]))))
        else:
            p.add(
                f"{path}.location",
                f"must be a location id, an index 0..{n_loc - 1} or coordinates [x, y]",
                loc,
            )
            continue
        try:
            windows = tuple(TimeWindow(float(w[0]), float(w[1])) for w in r.get("time_windows", []))
            vehicles = r.get("vehicles", [])
            if not isinstance(vehicles, list) or any(
                v not in instance.vehicle_by_id for v in vehicles
            ):
                p.add(f"{path}.vehicles", "must be a list of vehicle ids", vehicles)
                continue
            jobs.append(
                Job(
                    jid,
                    where,
                    r.get("kind", "delivery"),
                    float(r.get("weight_kg", 0.0)),
                    float(r.get("volume_m3", 0.0)),
                    windows,
                    float(r.get("service_min", 0.0)),
                    tuple(vehicles),
                )
            )
        except InputError as e:
            p.extend(e.issues, path)
        except (TypeError, ValueError, IndexError):
            p.add(f"{path}", "has a field of the wrong type (numbers, windows [[a, b], ...])", r)
    delays: list[Delay] = []
    raw_delays = data.get("delays", [])
    if not isinstance(raw_delays, list):
        p.add("delays", "must be a list of {vehicle, unit, delay_min}", raw_delays)
        raw_delays = []
    seen_units: set[tuple[str, int]] = set()
    for k, r in enumerate(raw_delays):
        path = f"delays[{k}]"
        if not isinstance(r, dict):
            p.add(path, "must be an object {vehicle, unit, delay_min}", r)
            continue
        for key in r:
            if key not in ("vehicle", "unit", "delay_min"):
                p.add(f"{path}.{key}", "is not a known field", r[key])
        vid, unit, minutes = r.get("vehicle"), r.get("unit", 0), r.get("delay_min")
        v = instance.vehicle_by_id.get(vid) if isinstance(vid, str) else None
        if v is None:
            p.add(f"{path}.vehicle", "names no vehicle", vid)
            continue
        if not (isinstance(unit, int) and not isinstance(unit, bool) and 0 <= unit < v.count):
            p.add(f"{path}.unit", f"must be a unit of {vid!r} (0..{v.count - 1})", unit)
            continue
        if not (
            isinstance(minutes, int | float)
            and not isinstance(minutes, bool)
            and math.isfinite(minutes)
            and minutes > 0
        ):
            p.add(f"{path}.delay_min", "must be a number > 0", minutes)
            continue
        if (v.id, unit) in seen_units:
            p.add(path, "delays the same vehicle unit twice", unit_id(v.id, unit))
            continue
        seen_units.add((v.id, unit))
        delays.append(Delay(v.id, unit, float(minutes)))
    penalty = data.get("reassignment_penalty")
    if penalty is not None and not (
        isinstance(penalty, int | float)
        and not isinstance(penalty, bool)
        and math.isfinite(penalty)
        and penalty >= 0
    ):
        p.add("reassignment_penalty", "must be a number >= 0", penalty)
    p.raise_if_any(source)
    return Events(
        tuple(cancel),
        tuple(jobs),
        tuple(new_locs),
        tuple(delays),
        None if penalty is None else float(penalty),
    )


# ----- state at a time ------------------------------------------------------------------------
def unit_id(vehicle: str, unit: int) -> str:
    """The id of one vehicle unit (and of its entry in the derived instance)."""
    return f"{vehicle}#{unit}"


@dataclass
class _UnitState:
    vehicle: Vehicle
    unit: int
    route: Route | None
    #: Index of the committed stop; 0 when the vehicle has not left; ``None`` when finished.
    committed: int | None
    departure_min: float


def default_reassignment_penalty(instance: Instance) -> float:
    """:data:`DEFAULT_REASSIGNMENT_KM` km at the dearest type's ``cost_per_km`` (at least 1 per
    km, so that a fleet priced by fuel alone still keeps promises)."""
    per_km = max((t.cost_per_km for t in instance.vehicle_types), default=0.0)
    return DEFAULT_REASSIGNMENT_KM * max(per_km, 1.0)


def _states(
    instance: Instance, plan: Solution, at_min: float, delays: Sequence[Delay]
) -> dict[tuple[str, int], _UnitState]:
    delay_of = {(d.vehicle, d.unit): d.delay_min for d in delays}
    by_unit = {(r.vehicle, r.unit): r for r in plan.routes}
    out: dict[tuple[str, int], _UnitState] = {}
    p = Problems()
    for v in instance.vehicles:
        shift = instance.shift_of(v)
        for u in range(v.count):
            route = by_unit.get((v.id, u))
            delay = delay_of.get((v.id, u), 0.0)
            if route is None or not route.visits:
                out[(v.id, u)] = _UnitState(v, u, None, 0, max(shift.start_min, at_min) + delay)
                continue
            deps = [s.departure_min for s in route.stops]
            assert all(d is not None for d in deps)  # a validated plan is filled
            if at_min < (deps[0] or 0.0):
                out[(v.id, u)] = _UnitState(
                    v, u, route, 0, max(shift.start_min, at_min, (deps[0] or 0.0) + delay)
                )
                continue
            c = next(i for i, d in enumerate(deps) if i == len(deps) - 1 or (d or 0.0) > at_min)
            if c == len(deps) - 1:
                if delay:
                    k = next(i for i, d in enumerate(delays) if (d.vehicle, d.unit) == (v.id, u))
                    p.add(
                        f"delays[{k}]",
                        f"{unit_id(v.id, u)} has served its last stop by {at_min:g} and is on its "
                        "way home: there is nothing left to replan",
                        delay,
                    )
                out[(v.id, u)] = _UnitState(v, u, route, None, 0.0)
                continue
            out[(v.id, u)] = _UnitState(v, u, route, c, (deps[c] or 0.0) + delay)
    p.raise_if_any()
    return out


def _task_of(stop: Stop) -> str | None:
    return stop.ref if stop.kind in ("job", "pickup", "delivery") else None


def replan(
    instance: Instance,
    plan: Solution,
    at_min: float,
    events: Events,
    *,
    time_limit_s: float = 10.0,
    seed: int = 0,
    reassignment_penalty: float | None = None,
    options: SolveOptions | None = None,
) -> ReplanResult:
    """Replan the rest of the day from ``plan``'s state at ``at_min`` (see the module doc).

    ``reassignment_penalty``: the price of one moved promise; default the events' own, else
    :func:`default_reassignment_penalty`. Raises ``InputError`` for an invalid old plan or events
    that contradict the state (cancelling what is done), :class:`ReplanError` or the solver's
    ``InfeasibleError`` (with a per-task diagnosis) when the rest of the day cannot be served.
    ``options`` are the solver's (:class:`~optimizer.solver.SolveOptions`; ``time_limit_s`` and
    ``seed`` given here win), for work budgets that do not depend on the machine.
    """
    from .solver import solve
    from .validator import validate

    before = validate(instance, plan)
    if not before.feasible:
        raise InputError(
            Issue("plan", f"is not valid for the instance:\n{before.summary()}", has_value=False)
        )
    filled = before.solution
    states = _states(instance, filled, at_min, events.delays)
    penalty = (
        reassignment_penalty
        if reassignment_penalty is not None
        else events.reassignment_penalty
        if events.reassignment_penalty is not None
        else default_reassignment_penalty(instance)
    )
    # Who holds what at at_min.
    started: dict[str, str] = {}  # task id -> unit that has started (done or committed) it
    promised: dict[str, str] = {}  # task id -> unit it is planned on, not started
    onboard: dict[str, str] = {}  # delivery job or shipment on board -> unit
    picked_up: dict[str, list[str]] = {}  # unit -> pickup jobs on board for the depot
    for st in states.values():
        if st.route is None:
            continue
        uid = unit_id(st.vehicle.id, st.unit)
        last = len(st.route.stops) - 1 if st.committed is None else st.committed
        reloads_ahead = False  # a reload after the committed stop: later trips' goods are home
        reloads = set(st.route.reload_indices)
        for i, stop in enumerate(st.route.stops):
            if i in reloads:
                if i <= last:
                    picked_up.pop(uid, None)  # unloaded at the reload
                else:
                    reloads_ahead = True
            tid = _task_of(stop)
            if tid is None:
                continue
            if i <= last:
                started[tid] = uid
                if stop.kind == "pickup":
                    onboard[tid] = uid
                elif stop.kind == "delivery":
                    onboard.pop(tid, None)
                elif stop.kind == "job" and instance.job_by_id[tid].kind == "pickup":
                    picked_up.setdefault(uid, []).append(tid)
            else:
                if stop.kind == "delivery" and tid in onboard:
                    continue  # its pickup is done: it rides on board
                promised[tid] = uid
                if (
                    stop.kind == "job"
                    and instance.job_by_id[tid].kind == "delivery"
                    and st.committed
                    and not reloads_ahead
                ):
                    onboard[tid] = uid  # loaded at the depot for the trip under way
    p = Problems()
    for k, tid in enumerate(events.cancel):
        if tid in started and tid not in onboard:
            p.add(f"cancel[{k}]", f"was already started by {started[tid]} by {at_min:g}", tid)
        elif tid in onboard:
            p.add(
                f"cancel[{k}]",
                f"its goods are on board {onboard[tid]} at {at_min:g}; cancelling goods on board "
                "is not supported (deliver them, or replan from an earlier time)",
                tid,
            )
    p.raise_if_any()
    cancelled = set(events.cancel)
    derived = _derived_instance(
        instance, events, states, at_min, started, promised, onboard, picked_up, penalty
    )
    rest = solve(derived, time_limit_s, seed, options=options)
    rest = replace(rest, meta={**dict(rest.meta), "unservable": sorted(derived.meta["unservable"])})
    updated = _updated_instance(instance, events)
    full = _stitch(instance, filled, rest, states)
    report = validate(updated, full)
    new_unit: dict[str, str] = {}
    for r in full.routes:
        for stop in r.stops:
            tid = _task_of(stop)
            if tid is not None:
                new_unit.setdefault(tid, unit_id(r.vehicle, r.unit))
    moves = tuple(
        Move(tid, uid, new_unit.get(tid))
        for tid, uid in sorted(promised.items())
        if tid not in cancelled and tid not in onboard and new_unit.get(tid) != uid
    )
    if not report.feasible:
        raise ReplanError({"plan": report.summary()})
    return ReplanResult(
        plan=replace(
            report.solution,
            meta={
                **dict(rest.meta),
                "replanned_at_min": at_min,
                "replanned_from": plan.meta.get("solver", "plan"),
                "moved_assignments": len(moves),
                "reassignment_penalty": penalty,
            },
        ),
        rest=rest,
        derived=derived,
        updated=updated,
        moves=moves,
        cost_before=float(before.totals.cost.get("total", 0.0)),
        cost_after=float(report.totals.cost.get("total", 0.0)),
        reassignment_penalty=penalty,
        report=report,
        committed={
            unit_id(k[0], k[1]): (
                "finished"
                if st.committed is None
                else "at depot"
                if st.committed == 0
                else f"{st.route.stops[st.committed].kind} {st.route.stops[st.committed].ref}"
                if st.route is not None
                else "at depot"
            )
            for k, st in states.items()
        },
    )


def _updated_instance(instance: Instance, events: Events) -> Instance:
    """The full day as it now is: cancelled tasks out, new jobs and their places in."""
    cancelled = set(events.cancel)
    return replace(
        instance,
        locations=instance.locations + events.new_locations,
        jobs=tuple(j for j in instance.jobs if j.id not in cancelled) + events.new_jobs,
        shipments=tuple(s for s in instance.shipments if s.id not in cancelled),
    )


def _derived_instance(
    instance: Instance,
    events: Events,
    states: Mapping[tuple[str, int], _UnitState],
    at_min: float,
    started: Mapping[str, str],
    promised: Mapping[str, str],
    onboard: Mapping[str, str],
    picked_up: Mapping[str, list[str]],
    penalty: float,
) -> Instance:
    """The rest of the day as an instance of its own (see the module doc)."""
    base = _updated_instance(instance, events)
    depots = list(base.depots)
    vehicles: list[Vehicle] = []
    jobs: list[Job] = []
    at_depot: list[str] = []
    close = max(d.opening.end_min for d in base.depots)
    for st in states.values():
        if st.committed is None:
            continue  # finished: its route is kept whole
        v, uid = st.vehicle, unit_id(st.vehicle.id, st.unit)
        shift = base.shift_of(v)
        t = base.type_by_id[v.type]
        dep = st.departure_min
        if st.committed == 0 or st.route is None:
            at_depot.append(uid)
            vehicles.append(
                replace(
                    v,
                    id=uid,
                    count=1,
                    shift=TimeWindow(dep, max(dep, shift.end_min)),
                )
            )
            continue
        stop = st.route.stops[st.committed]
        loc = instance.location_of(stop.kind, stop.ref)
        assert loc is not None  # the old plan was validated: its references are known
        did = f"{uid}@{at_min:g}"
        depots.append(Depot(did, loc, TimeWindow(dep, max(dep, close))))
        soc = stop.soc_departure_kwh
        initial = (
            1.0 if soc is None or not t.battery_kwh else min(1.0, max(0.0, soc / t.battery_kwh))
        )
        limits = [x for x in (v.max_duration_min, t.max_duration_min) if x is not None]
        start0 = st.route.stops[0].departure_min or 0.0
        vehicles.append(
            replace(
                v,
                id=uid,
                count=1,
                start_depot=did,
                end_depot=v.end,
                shift=TimeWindow(dep, max(dep, shift.end_min)),
                initial_soc=initial,
                max_duration_min=max(1e-3, min(limits) - (dep - start0)) if limits else None,
                # It finishes the trip under way: a reload is at its home depot, and the derived
                # start is where it is now (its later trips' goods go with units at the depot).
                max_trips=1,
            )
        )
        # Goods for the depot, and the drive home (charging on the way if the battery needs it).
        back = [base.job_by_id[j] for j in picked_up.get(uid, [])]
        jobs.append(
            Job(
                ONBOARD_PREFIX + uid,
                base.depot_by_id[v.end].location,
                "delivery",
                sum(j.weight_kg for j in back),
                sum(j.volume_m3 for j in back),
                vehicles=(uid,),
            )
        )
    # Every unit is its own entry: restrictions on entries of the original name their units.
    live = [x.id for x in vehicles]
    hopeless: dict[str, str] = {}

    def units_for(entries: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(x for x in live if not entries or x.rsplit("#", 1)[0] in entries)

    for j in base.jobs:
        if j.id in started and j.id not in onboard:
            continue
        allowed = units_for(j.vehicles)
        if j.id in onboard:
            allowed = (onboard[j.id],)
        elif j.kind == "delivery":
            allowed = tuple(a for a in allowed if a in at_depot)
            if not allowed:
                hopeless[j.id] = (
                    "a delivery whose goods are at the depot, and every vehicle that may carry "
                    f"it has left by {at_min:g}"
                )
                continue
        if not allowed:
            hopeless[j.id] = "no vehicle allowed to serve it is still working"
            continue
        jobs.append(
            replace(
                j,
                # All live units is no restriction: say so, so that nothing is restricted in vain.
                vehicles=() if len(allowed) == len(live) else allowed,
                preferred_vehicle=promised.get(j.id) if j.id not in onboard else None,
            )
        )
    shipments: list[Shipment] = []
    for s in base.shipments:
        if s.id in onboard:
            # Picked up: only its delivery is left, on the vehicle that holds it.
            jobs.append(
                Job(
                    s.id,
                    s.delivery.location,
                    "delivery",
                    s.weight_kg,
                    s.volume_m3,
                    s.delivery.time_windows,
                    s.delivery.service_min,
                    vehicles=(onboard[s.id],),
                )
            )
        elif s.id not in started:
            allowed = units_for(s.vehicles)
            if not allowed:
                hopeless[s.id] = "no vehicle allowed to serve it is still working"
                continue
            shipments.append(
                replace(
                    s,
                    vehicles=() if len(allowed) == len(live) else allowed,
                    preferred_vehicle=promised.get(s.id),
                )
            )
    if hopeless and instance.objective.unserved_penalty is None:
        raise ReplanError(hopeless)
    return replace(
        base,
        name=f"{instance.name}@{at_min:g}",
        depots=tuple(depots),
        vehicles=tuple(vehicles),
        jobs=tuple(jobs),
        shipments=tuple(shipments),
        objective=replace(base.objective, reassignment_penalty=penalty),
        meta={**dict(base.meta), "replanned_at_min": at_min, "unservable": hopeless},
    )


def _stitch(
    instance: Instance,
    plan: Solution,
    rest: Solution,
    states: Mapping[tuple[str, int], _UnitState],
) -> Solution:
    """Done and committed prefixes + the rest-of-day routes = the full-day plan."""
    rest_by_uid = {r.vehicle: r for r in rest.routes}
    routes: list[Route] = []
    for (vid, u), st in states.items():
        uid = unit_id(vid, u)
        if st.committed is None:
            assert st.route is not None
            routes.append(st.route)
            continue
        new = rest_by_uid.get(uid)
        if st.committed == 0 or st.route is None:
            if new is not None and new.visits:
                stops = list(new.stops)
                routes.append(Route(vid, tuple(stops), u))
            continue
        prefix = list(st.route.stops[: st.committed + 1])
        # The rest of the day may leave its committed stop later than it could (the solver
        # lets a route leave as late as its waiting allows): the vehicle then waits there.
        leave = new.stops[0].departure_min if new is not None else None
        prefix[-1] = replace(
            prefix[-1],
            departure_min=st.departure_min if leave is None else max(st.departure_min, leave),
        )
        tail: list[Stop] = []
        if new is not None:
            for stop in new.stops[1:]:
                if stop.kind == "job" and stop.ref.startswith(ONBOARD_PREFIX):
                    continue
                if stop.kind == "job" and stop.ref in instance.shipment_by_id:
                    stop = replace(stop, kind="delivery")
                tail.append(stop)
        else:
            tail.append(Stop("depot", st.vehicle.end))
        # Goods picked up for the depot arrive with the truck, not at the derived job before it:
        # the load at the end depot is recomputed by the validator.
        tail[-1] = replace(tail[-1], load_kg=None)
        routes.append(Route(vid, tuple(prefix + tail), u))
    routes.sort(key=lambda r: (r.vehicle, r.unit))
    # Tasks the derived instance left out (nothing may serve them) are unserved too.
    unservable = tuple(rest.meta.get("unservable", ()))
    return Solution(
        instance.name, tuple(routes), unserved=rest.unserved + unservable, meta=dict(plan.meta)
    )


__all__ = [
    "DEFAULT_REASSIGNMENT_KM",
    "Delay",
    "Events",
    "Move",
    "ReplanError",
    "ReplanResult",
    "default_reassignment_penalty",
    "parse_events",
    "replan",
    "unit_id",
]
