"""Charger capacity after the search: queue charging starts so that no station ever has more
vehicles charging at once than it has chargers (issue 7).

Why a repair after the search rather than a constraint inside it: the OR-Tools model treats every
station as unlimited (each visit is an optional copy of the station node, blind to the other
vehicles' visits at the same place). A capacity would be a resource shared *across* vehicles,
which routing's node-by-node local search handles badly, and on real fleets an overlap is rare (a
few trucks, two to four chargers per site). So the plan read back from the search is checked, and
where vehicles would overlap, the later ones wait in the queue.

How (:func:`queue_chargers`): a discrete-event simulation over all routes at once. Each route is
replayed from its depot departure; when it reaches a station its visit joins one queue ordered by
arrival time (first come, first served; ties broken by route index, then stop index, so the result
is deterministic). Visits are taken in that order and each gets the earliest start, not before
the plan's own start, at which the whole charge fits inside one opening window of the station and
fewer than ``station.chargers`` earlier-booked vehicles occupy a charger at any instant of the stay
[start, departure): a later arrival may use a free gap but never delays an earlier one. The delay
then runs down the rest of the route: later arrivals, service starting at the earliest inside a
time window, the next station visits (which join the queue in turn), the shift, the end depot's
opening hours and the duration limit. Energy figures do not depend on time, so they stay as they
were.

When a delayed route would break a rule, its most recent waiting visit is moved to another station
the vehicle can use (the one adding the least distance first, using the instance's matrices),
charging to the level that leaves the rest of the route's energy unchanged, and the simulation
starts again. Only when no such move works does the repair give up, naming the station and route.

The simulation's timing follows the validator's rules (:mod:`optimizer.validator`); the result is
handed to the validator all the same, so a disagreement comes back as a failure with the
validator's verdict, never as an unchecked plan.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from ..model import Depot, Instance, Station, TimeWindow, VehicleType
from ..solution import Route, Solution, Stop, Totals
from ..validator.codes import CHARGER_CAPACITY, STOP_MISMATCH, TOTAL_MISMATCH

#: Tolerance of every time comparison (the validator's default ``tol``).
TOL = 1e-6
#: Input violations the repair can live with: the charger overlaps it is there to remove, and
#: reported figures that the queued plan drops (its figures are all recomputed).
_REPAIRABLE = frozenset({CHARGER_CAPACITY, STOP_MISMATCH, TOTAL_MISMATCH})


@dataclass(frozen=True, slots=True)
class Wait:
    """One charging start the queue delayed.

    ``wanted_min`` is when the charge would have started with a free charger (the arrival, or the
    plan's own start, or the station's opening); ``start_min`` when it starts in the queued plan.
    """

    route: int
    stop: int
    station: str
    arrival_min: float
    wanted_min: float
    start_min: float

    @property
    def wait_min(self) -> float:
        """Minutes spent waiting for a free charger."""
        return self.start_min - self.wanted_min


@dataclass(frozen=True, slots=True)
class Reroute:
    """A charging stop moved to another station because waiting would break the route."""

    route: int
    stop: int
    from_station: str
    to_station: str


@dataclass(frozen=True)
class ChargerQueue:
    """What :func:`queue_chargers` did.

    ``solution`` is the queued plan (validated, every figure filled in), the input itself when no
    station was over capacity, or ``None`` when the repair failed; ``problem`` then says why and
    ``station`` names the station whose queue could not be served.
    """

    solution: Solution | None
    waits: tuple[Wait, ...] = ()
    reroutes: tuple[Reroute, ...] = ()
    problem: str | None = None
    station: str | None = None

    @property
    def ok(self) -> bool:
        return self.solution is not None


@dataclass(frozen=True, slots=True)
class _Step:
    """What the timing of one stop needs, taken from the validator's filled plan."""

    stop: Stop
    location: int
    #: The plan's own start: the queue only ever delays, so the start never moves earlier.
    start_min: float
    #: Departure - start in the plan (service, or the stay at a station including any parking).
    stay_min: float
    #: Time windows service must start in (job or shipment end); empty: none.
    windows: tuple[TimeWindow, ...] = ()
    station: Station | None = None
    #: Minutes the charge itself needs (must lie inside one opening window of the station).
    charge_min: float = 0.0


@dataclass
class _Run:
    """One route being replayed: its steps and the times computed so far."""

    route: int
    label: str
    steps: list[_Step]
    shift: TimeWindow
    end_depot: Depot
    max_duration_min: float | None
    speed_factor: float
    times: list[tuple[float, float, float]] = field(default_factory=list)
    #: Departure from the last stop timed so far.
    clock: float = 0.0
    #: Stops (indices) where the queue delayed the start, in route order.
    waited: list[int] = field(default_factory=list)

    @property
    def pos(self) -> int:
        return len(self.times)


@dataclass(frozen=True, slots=True)
class _Failure:
    route: int
    #: The stop where the rule breaks (its index in the route).
    stop: int
    what: str


@dataclass(frozen=True, slots=True)
class _Outcome:
    runs: list[_Run]
    waits: list[Wait]
    failure: _Failure | None


def schedule_chargers(instance: Instance, solution: Solution) -> Solution | None:
    """The plan with charging starts queued so that no station is over capacity, or ``None``.

    A thin form of :func:`queue_chargers` for callers that only need the plan; use that one for
    the reason of a failure (it names the station).

    Parameters
    ----------
    instance
        The problem; ``Station.chargers`` is the number of vehicles that can charge at once.
    solution
        A plan that is feasible route by route (stop sequences may be sparse: the validator's
        earliest schedule is taken) but may overlap at stations.

    Returns
    -------
    Solution or None
        The queued plan with every figure filled in (waiting vehicles show ``start_min >
        arrival_min`` at the station); the input unchanged when nothing overlaps; ``None`` when a
        route would break a rule by waiting and no other station helps, or when the input is not
        feasible route by route.
    """
    return queue_chargers(instance, solution).solution


def queue_chargers(
    instance: Instance, solution: Solution, *, max_reroutes: int = 20
) -> ChargerQueue:
    """Queue charging starts (first come, first served) and reroute where waiting cannot work.

    See the module docstring for the rules. ``max_reroutes`` bounds how many charging stops may be
    moved to another station (each move replays the whole plan once more).

    Examples
    --------
    >>> queued = queue_chargers(instance, plan)  # doctest: +SKIP
    >>> queued.solution is not None or print(queued.problem)  # doctest: +SKIP
    """
    from ..validator import validate

    report = validate(instance, solution)
    blocking = [v for v in report.violations if v.code not in _REPAIRABLE]
    if blocking:
        first = blocking[0]
        more = f" (and {len(blocking) - 1} more)" if len(blocking) > 1 else ""
        return ChargerQueue(
            None,
            problem="the plan breaks rules other than charger capacity, so it cannot be queued: "
            f"{first}{more}",
        )
    if CHARGER_CAPACITY not in report.codes():
        return ChargerQueue(solution)

    plan = list(solution.routes)
    filled = list(report.solution.routes)
    queued = _queue_and_reroute(instance, plan, filled, max_reroutes)
    if isinstance(queued, ChargerQueue):
        return queued
    outcome, reroutes = queued
    waits = tuple(outcome.waits)
    meta = {
        **dict(solution.meta),
        "charger_waits": len(waits),
        "charger_wait_min": round(sum(w.wait_min for w in waits), 6),
        "charger_reroutes": len(reroutes),
    }
    timed = _timed_routes(outcome, filled)
    queued_plan = replace(solution, routes=tuple(timed), totals=Totals(), meta=meta)
    final = validate(instance, queued_plan)
    if not final.feasible:
        return ChargerQueue(
            None,
            waits,
            tuple(reroutes),
            problem="internal error: the queued plan fails validation:\n" + final.summary(),
        )
    return ChargerQueue(final.solution, waits, tuple(reroutes))


def _queue_and_reroute(
    instance: Instance, plan: list[Route], filled: list[Route], max_reroutes: int
) -> tuple[_Outcome, list[Reroute]] | ChargerQueue:
    """Simulate until no route breaks a rule, moving a charging stop after each failure: the
    last simulation and the moves, or the failure (a :class:`ChargerQueue` without a plan).

    ``plan`` and ``filled`` (the sparse and the validator-filled routes) are updated in place
    with every move. Why the whole plan is simulated again after a move: the moved visit frees
    a charger and may take one elsewhere, which changes the queue for every other route.
    """
    tried: dict[tuple[int, int], set[str]] = defaultdict(set)
    reroutes: list[Reroute] = []
    while True:
        outcome = _simulate(instance, filled)
        failure = outcome.failure
        if failure is None:
            return outcome, reroutes
        moved = None
        if len(reroutes) < max_reroutes:
            moved = _move_a_wait(
                instance, plan, filled, outcome.runs[failure.route], failure, tried
            )
        if moved is None:
            return _failed(instance, filled, outcome, failure, reroutes)
        new_plan, new_filled, s = moved
        reroutes.append(
            Reroute(
                failure.route,
                s,
                filled[failure.route].stops[s].ref,
                new_filled.stops[s].ref,
            )
        )
        plan[failure.route], filled[failure.route] = new_plan, new_filled


def _move_a_wait(
    instance: Instance,
    plan: Sequence[Route],
    filled: Sequence[Route],
    run: _Run,
    failure: _Failure,
    tried: dict[tuple[int, int], set[str]],
) -> tuple[Route, Route, int] | None:
    """The failing route with one of its charging stops moved to another station (see
    :func:`_reroute`), or ``None``.

    Why the latest wait first: it is the one closest to the rule that breaks. ``tried``
    remembers per stop the stations already tried, so that repeated failures never cycle.
    """
    culprits = [s for s in reversed(run.waited) if s <= failure.stop]
    if not culprits and filled[failure.route].stops[failure.stop].kind == "station":
        culprits = [failure.stop]  # no free charger at all inside the opening hours
    for s in culprits:
        key = (failure.route, s)
        tried[key].add(filled[failure.route].stops[s].ref)
        moved = _reroute(instance, plan[failure.route], filled[failure.route], s, tried[key])
        if moved is not None:
            return moved
    return None


def _timed_routes(outcome: _Outcome, filled: Sequence[Route]) -> list[Route]:
    """The routes with the simulation's times.

    Why only times and the charge: every other figure (energy, load, totals) is left to the
    validator, which fills it in from these, so the plan never carries a figure of our own.
    """
    timed = []
    for run, route in zip(outcome.runs, filled, strict=True):
        stops = []
        for stop, (arrival, start, departure) in zip(route.stops, run.times, strict=True):
            charged = stop.charged_kwh if stop.kind == "station" else None
            stops.append(Stop(stop.kind, stop.ref, arrival, start, departure, charged_kwh=charged))
        timed.append(replace(route, stops=tuple(stops)))
    return timed


# ----- the simulation ----------------------------------------------------------------------------
def _simulate(instance: Instance, routes: Sequence[Route]) -> _Outcome:
    """Replay every route with one arrival-ordered queue per station (see the module doc)."""
    runs = [_prepare(instance, r, route) for r, route in enumerate(routes)]
    waits: list[Wait] = []
    #: station id -> [start, departure) of each booked charge.
    booked: dict[str, list[tuple[float, float]]] = defaultdict(list)
    queue: list[tuple[float, int, int]] = []  # (arrival, route, stop)

    def advance(run: _Run) -> _Failure | None:
        failure, arrival = _advance(instance, run)
        if failure is None and arrival is not None:
            heapq.heappush(queue, (arrival, run.route, run.pos))
        return failure

    for run in runs:
        if (failure := advance(run)) is not None:
            return _Outcome(runs, waits, failure)
    while queue:
        arrival, r, s = heapq.heappop(queue)
        run = runs[r]
        step = run.steps[s]
        station = step.station
        assert station is not None
        wanted = _opening_start(station, max(arrival, step.start_min), step.charge_min)
        if wanted is None:
            return _Outcome(
                runs,
                waits,
                _Failure(
                    r,
                    s,
                    f"arriving at {arrival:g} it cannot charge for {step.charge_min:g} min inside "
                    f"the opening hours of station {station.id!r}",
                ),
            )
        start = _free_slot(booked[station.id], station, wanted, step.stay_min, step.charge_min)
        if start is None:
            return _Outcome(
                runs,
                waits,
                _Failure(
                    r,
                    s,
                    f"no charger of station {station.id!r} is free for {step.stay_min:g} min "
                    f"inside its opening hours after {wanted:g}",
                ),
            )
        if start > wanted + TOL:
            run.waited.append(s)
            waits.append(Wait(r, s, station.id, arrival, wanted, start))
        departure = start + step.stay_min
        if step.stay_min > TOL:
            booked[station.id].append((start, departure))
        run.times.append((arrival, start, departure))
        run.clock = departure
        if (failure := advance(run)) is not None:
            return _Outcome(runs, waits, failure)
    return _Outcome(runs, waits, None)


def _prepare(instance: Instance, r: int, route: Route) -> _Run:
    """The steps of one filled route (the validator has checked that every reference resolves)."""
    v = instance.vehicle_by_id[route.vehicle]
    t = instance.type_by_id[v.type]
    steps = []
    for stop in route.stops:
        start = _num(stop.start_min)
        stay = _num(stop.departure_min) - start
        if stop.kind == "depot":
            steps.append(_Step(stop, instance.depot_by_id[stop.ref].location, start, stay))
        elif stop.kind == "job":
            job = instance.job_by_id[stop.ref]
            steps.append(_Step(stop, job.location, start, stay, job.time_windows))
        elif stop.kind in ("pickup", "delivery"):
            sh = instance.shipment_by_id[stop.ref]
            end = sh.pickup if stop.kind == "pickup" else sh.delivery
            steps.append(_Step(stop, end.location, start, stay, end.time_windows))
        else:
            station = instance.station_by_id[stop.ref]
            minutes = _charge_minutes(instance, t, station, stop)
            steps.append(
                _Step(stop, station.location, start, stay, station=station, charge_min=minutes)
            )
    limits = [x for x in (v.max_duration_min, t.max_duration_min) if x is not None]
    run = _Run(
        route=r,
        label=f"{v.id}#{route.unit}",
        steps=steps,
        shift=instance.shift_of(v),
        end_depot=instance.depot_by_id[route.stops[-1].ref],
        max_duration_min=min(limits) if limits else None,
        speed_factor=t.speed_factor,
    )
    first = route.stops[0]
    run.times.append((_num(first.arrival_min), _num(first.start_min), _num(first.departure_min)))
    run.clock = _num(first.departure_min)
    return run


def _advance(instance: Instance, run: _Run) -> tuple[_Failure | None, float | None]:
    """Time the route's stops up to its next station (returns the arrival there) or its end."""
    steps = run.steps
    last = len(steps) - 1
    while run.pos <= last:
        s = run.pos
        step = steps[s]
        prev = steps[s - 1].location
        arrival = run.clock + float(instance.duration_min[prev, step.location]) / run.speed_factor
        if s == last:
            run.times.append((arrival, arrival, arrival))
            return _check_end(run, arrival), None
        if step.station is not None:
            return None, arrival
        start = max(step.start_min, _earliest_in_windows(arrival, step.windows))
        if step.windows and not any(w.contains(start, TOL) for w in step.windows):
            what = f"{run.label} would start {step.stop.kind} {step.stop.ref!r} at {start:g}"
            closed = [w for w in step.windows if w.end_min < start]
            if closed:  # always so: the start only moves later, past a window that closed
                w = closed[-1]
                what += (
                    f", {start - w.end_min:g} min after its window "
                    f"[{w.start_min:g}, {w.end_min:g}] closes"
                )
            return _Failure(run.route, s, what), None
        run.times.append((arrival, start, start + step.stay_min))
        run.clock = start + step.stay_min
    return None, None


def _check_end(run: _Run, arrival: float) -> _Failure | None:
    """Shift end, end-depot opening hours and the duration limit, as the validator checks them."""
    s = len(run.steps) - 1
    if arrival > run.shift.end_min + TOL:
        why = f"after its shift ends at {run.shift.end_min:g}"
    elif not run.end_depot.opening.contains(arrival, TOL):
        why = f"outside the opening hours of depot {run.end_depot.id!r}"
    else:
        departure = run.times[0][2]
        limit = run.max_duration_min
        if limit is None or arrival - departure <= limit + TOL:
            return None
        why = f"after {arrival - departure:g} min out, above its limit of {limit:g} min"
    return _Failure(run.route, s, f"{run.label} would return at {arrival:g}, {why}")


def _free_slot(
    booked: Sequence[tuple[float, float]],
    station: Station,
    wanted: float,
    stay_min: float,
    charge_min: float,
) -> float | None:
    """The earliest start >= ``wanted`` at which a charger is free for the whole stay and the
    charge fits one opening window; ``None`` if there is none.

    Why these candidates suffice: the set of feasible starts can only begin at ``wanted``, where a
    booked charge ends, or where an opening window starts.
    """
    if stay_min <= TOL:
        return wanted  # an instant charge occupies no charger
    candidates = sorted(
        {
            wanted,
            *(end for _, end in booked if end > wanted),
            *(w.start_min for w in station.opening if w.start_min > wanted),
        }
    )
    for t in candidates:
        if station.opening and not any(
            w.contains(t, TOL) and w.contains(t + charge_min, TOL) for w in station.opening
        ):
            continue
        if _peak(booked, t, t + stay_min) < station.chargers:
            return t
    return None


def _peak(booked: Sequence[tuple[float, float]], start: float, end: float) -> int:
    """Most booked charges occupying a charger at one instant of [start, end).

    The convention is the validator's: a booked charge [s, e) occupies [s, e - TOL), so one that
    leaves as another starts does not overlap it.
    """
    near = [(s, e) for s, e in booked if s < end - TOL and e - TOL > start]
    points = [start, *(s for s, _ in near if s > start)]
    return max(sum(1 for s, e in near if s <= p < e - TOL) for p in points)


def _opening_start(station: Station, earliest: float, charge_min: float) -> float | None:
    """The first start >= ``earliest`` at which the charge fits one opening window."""
    if not station.opening:
        return earliest
    for w in station.opening:
        s = max(earliest, w.start_min)
        if s + charge_min <= w.end_min + TOL:
            return s
    return None


def _earliest_in_windows(arrival: float, windows: Sequence[TimeWindow]) -> float:
    """Service starts at the earliest: wait for the first window that has not closed yet."""
    for w in windows:
        if w.end_min >= arrival - TOL:
            return max(arrival, w.start_min)
    return arrival


def _charge_minutes(instance: Instance, t: VehicleType, station: Station, stop: Stop) -> float:
    """Minutes the charge of a filled station stop needs (the validator's rule)."""
    soc = _num(stop.soc_arrival_kwh)
    return station.stay_minutes(
        t.battery_kwh or 0.0,
        soc,
        soc + _num(stop.charged_kwh),
        instant=instance.rules.instant_charging or t.battery_kwh is None,
    )


def _num(x: float | None) -> float:
    """A figure the validator has filled in (only ``None`` on a vehicle without a battery)."""
    return 0.0 if x is None else float(x)


# ----- moving a charging stop --------------------------------------------------------------------
def _reroute(
    instance: Instance, planned: Route, filled: Route, s: int, tried: set[str]
) -> tuple[Route, Route, int] | None:
    """``planned`` with its station stop ``s`` moved to the nearest other usable station that
    keeps the route feasible on its own: (new planned route, its filled form, ``s``), or ``None``.

    The new stop charges to the level that leaves the energy on arrival at the next stop as it
    was (the extra or saved kWh of the changed legs added), capped at the battery; under the
    full-recharge rule, and at a swap station, it fills the battery.
    """
    from ..validator import validate

    v = instance.vehicle_by_id[filled.vehicle]
    t = instance.type_by_id[v.type]
    if t.battery_kwh is None or not 0 < s < len(filled.stops) - 1:
        return None
    prev_stop, old_stop, next_stop = filled.stops[s - 1], filled.stops[s], filled.stops[s + 1]
    prev, old, nxt = (_location(instance, x) for x in (prev_stop, old_stop, next_stop))
    dist = instance.distance_km
    base = float(dist[prev, old] + dist[old, nxt])
    candidates = sorted(
        (float(dist[prev, st.location] + dist[st.location, nxt]) - base, st.id, st)
        for st in instance.stations
        if st.id not in tried and t.can_use(st.kind) and not instance.banned(t, st.location)
    )
    rate = t.rate_per_km(_num(prev_stop.load_kg))  # nothing is loaded or unloaded at a station
    soc_prev = _num(prev_stop.soc_departure_kwh)
    level_next = _num(old_stop.soc_departure_kwh) - float(dist[old, nxt]) * rate
    for _, sid, st in candidates:
        tried.add(sid)
        charged: float | None = None  # the validator's default: fill the battery
        if st.kind == "charger" and not instance.rules.full_recharge:
            soc_arr = soc_prev - float(dist[prev, st.location]) * rate
            level = min(t.battery_kwh, level_next + float(dist[st.location, nxt]) * rate)
            charged = max(0.0, level - soc_arr)
        stops = [_sparse(x, keep_departure=k == 0) for k, x in enumerate(planned.stops)]
        stops[s] = Stop("station", sid, charged_kwh=charged)
        candidate = replace(planned, stops=tuple(stops))
        alone = validate(instance, Solution(instance.name, (candidate,)))
        # Coverage (the other routes' jobs) is no concern of one route: only its own rules count.
        if not any(x.route == 0 and x.code not in _REPAIRABLE for x in alone.violations):
            return candidate, alone.solution.routes[0], s
    return None


def _sparse(stop: Stop, *, keep_departure: bool) -> Stop:
    """``stop`` without the figures a changed route recomputes (the charge and, at the start
    depot, a planned late departure are kept)."""
    return Stop(
        stop.kind,
        stop.ref,
        departure_min=stop.departure_min if keep_departure else None,
        charged_kwh=stop.charged_kwh if stop.kind == "station" else None,
    )


def _location(instance: Instance, stop: Stop) -> int:
    """The matrix row of a resolved stop."""
    loc = instance.location_of(stop.kind, stop.ref)
    assert loc is not None, "a stop of a validated plan"
    return loc


def _failed(
    instance: Instance,
    filled: Sequence[Route],
    outcome: _Outcome,
    failure: _Failure,
    reroutes: Sequence[Reroute],
) -> ChargerQueue:
    """Say which station's queue broke which route, and how."""
    run = outcome.runs[failure.route]
    waited = [w for w in outcome.waits if w.route == failure.route and w.stop <= failure.stop]
    if waited:
        w = waited[-1]
        station = instance.station_by_id[w.station]
        problem = (
            f"route {failure.route} ({run.label}) would wait {w.wait_min:g} min for one of the "
            f"{station.chargers} charger(s) of station {w.station!r} (arriving {w.arrival_min:g}, "
            f"charging from {w.start_min:g}), and then: {failure.what}; no other station helps"
        )
        return ChargerQueue(
            None, tuple(outcome.waits), tuple(reroutes), problem=problem, station=w.station
        )
    stop = filled[failure.route].stops[failure.stop]
    sid = stop.ref if stop.kind == "station" else None
    problem = f"route {failure.route} ({run.label}): {failure.what}; no other station helps"
    return ChargerQueue(None, tuple(outcome.waits), tuple(reroutes), problem=problem, station=sid)


__all__ = ["ChargerQueue", "Reroute", "Wait", "queue_chargers", "schedule_chargers"]
