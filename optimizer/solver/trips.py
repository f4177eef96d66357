"""Multiple trips per vehicle: the search plans single trips; this module chains them into days.

Why chaining after the search rather than reload stops inside it: every phase of the search
(insertion, route and fleet minimisation, ruin and recreate, OR-Tools) and the route evaluator
plan one trip per vehicle unit, and a reload would be a new kind of optional visit in each. A day
of trips is, to the search, one trip per unit (:func:`one_trip_per_unit`); what makes it a day
is that a vehicle's trips follow each other in its shift, with ``reload_min`` at its start depot
between them, its battery carried over and its duration limit over the whole day.

Which fleet the search sees (:func:`one_wave_fits`): where the fleet's units, one trip each, can
carry every task, the fleet as it is (then chaining only saves: the plan is the single-trip plan
or cheaper); where they cannot, every vehicle entry with ``max_trips`` times its units, each
doing one trip (the waves a fleet too small for one trip needs). :func:`chain_trips` puts the
trips of each vehicle entry in order of departure and appends each to the day it makes cheapest,
as the validator prices it (a fixed cost saved against hours paid between trips), or, where the
entry has no unit left, to any day it fits; the validator decides what fits. Trips that fit no
day of an entry whose units are all taken are left over, and their tasks unserved.

Each trip was planned from a full battery; after a reload the battery is what the day left. Where
that is too little, the trip is tried with a full charge at one of the stations nearest to the
depot, right after the reload or on the way back to it (:func:`_joined_priced`). What it does not do: move a task from one trip to another to
make two trips fit one day, or re-plan a trip's own charging stops for the lower battery.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, replace

from ..model import Instance, TimeWindow, Vehicle
from ..solution import Route, Solution, Stop
from ..validator import Report, validate

#: The cost components of one route (the plan's penalty is not the route's).
_ROUTE_COSTS = ("fixed", "distance", "time", "energy", "carbon")


def one_wave_fits(instance: Instance) -> bool:
    """Whether the fleet's units, one trip each, can carry the day's tasks: their capacities
    sum to at least the tasks' weights (and volumes, where the types have a volume)."""
    weight = sum(j.weight_kg for j in instance.jobs) + sum(s.weight_kg for s in instance.shipments)
    volume = sum(j.volume_m3 for j in instance.jobs) + sum(s.volume_m3 for s in instance.shipments)
    types = instance.type_by_id
    cap_kg = sum(v.count * types[v.type].capacity_kg for v in instance.vehicles)
    cap_m3 = sum(v.count * (types[v.type].capacity_m3 or float("inf")) for v in instance.vehicles)
    return cap_kg >= weight and cap_m3 >= volume


#: Separates a vehicle entry's id from its wave number in the instance the search plans.
WAVE_SEP = "~wave"


def one_trip_per_unit(
    instance: Instance, trips: bool, sliced: bool = True, split: float = 0.5
) -> Instance:
    """The instance the search plans, one trip per unit.

    Where ``trips`` is false, the fleet as it is (the plan then fits it as it is). Where it is
    true, each entry that may make ``m`` trips becomes ``m`` entries of its units, ``id~waveJ``,
    each with the J-th of ``m`` equal slices of the shift as its own (the later ones starting
    ``reload_min`` after the slice before ends). Why slices: a trip of each wave ends before the
    next wave's trips leave, so every unit's trips follow each other and the waves chain into
    days that fit the fleet; with the whole shift for every copy, the search's trips overlapped
    and needed more vehicles than the entry had. Tasks restricted to an entry may go with any of
    its waves (a preference goes to its first). ``split`` moves the boundaries: the first slice
    is ``2 * split`` times as long as the others' average (0.5: equal slices), for a task that
    only a longer first or later slice can serve; ``sliced`` false gives every wave the whole
    shift."""
    if not trips:
        vehicles = tuple(replace(v, max_trips=1) for v in instance.vehicles)
        return replace(instance, vehicles=vehicles)
    waves: dict[str, tuple[str, ...]] = {}
    out = []
    for v in instance.vehicles:
        m = instance.max_trips_of(v)
        if m == 1:
            waves[v.id] = (v.id,)
            out.append(replace(v, max_trips=1))
            continue
        shift = instance.shift_of(v)
        reload = instance.type_by_id[v.type].reload_min
        length = shift.end_min - shift.start_min
        head = 2 * split * length / m  # the first slice; the others share the rest equally
        rest = (length - head) / (m - 1)
        ids = tuple(f"{v.id}{WAVE_SEP}{j}" for j in range(m))
        waves[v.id] = ids
        for j, wid in enumerate(ids):
            begin = shift.start_min + (head + (j - 1) * rest if j else 0.0)
            lo = begin + (reload if j else 0.0) if sliced else shift.start_min
            end = shift.start_min + head + j * rest
            hi = max(lo, end) if sliced else shift.end_min
            out.append(replace(v, id=wid, shift=TimeWindow(lo, hi), max_trips=1))

    return _with_entries(instance, tuple(out), waves)


def waves_of(
    instance: Instance, plan: Solution, float_min: Callable[[Instance, Route], float]
) -> tuple[Instance, Solution]:
    """The waves of ``plan``'s own days, and its trips on them: ``plan`` is a multi-trip plan of
    ``instance`` (PyVRP's, short of energy somewhere), filled in by the validator. Each unit U
    of an entry V that may reload becomes its own entries ``V~waveU.J``, one per trip of its
    day in ``plan``, each with the time between the trip's departure and its return (the first
    from the shift start, the last to the shift end; a unit without a day, one entry with the
    whole shift). The trips, each on its entry, seed our search: it places the charges the plan
    lacks, and a trip keeps to its place in its unit's day, so that the days chain again.
    Between two trips the boundary is moved later by half of what the next trip could leave
    later (``float_min`` of the day from that reload: the waiting it absorbs), so that both
    have room for the charges the search adds."""
    days = {(r.vehicle, r.unit): r for r in plan.routes if r.visits}
    vehicles: list[Vehicle] = []
    trips: list[Route] = []
    names: dict[str, tuple[str, ...]] = {}
    for v in instance.vehicles:
        if instance.max_trips_of(v) == 1:
            vehicles.append(replace(v, max_trips=1))
            names[v.id] = (v.id,)
            days_v = [r for (vid, _), r in days.items() if vid == v.id]
            trips.extend(days_v)
            continue
        shift = instance.shift_of(v)
        ids: list[str] = []
        for u in range(v.count):
            day = days.get((v.id, u))
            cuts = [] if day is None else _reload_times(instance, day, float_min)
            bounds = [shift.start_min, *[c for pair in cuts for c in pair], shift.end_min]
            for j in range(len(cuts) + 1):
                wid = f"{v.id}{WAVE_SEP}{u}.{j}"
                ids.append(wid)
                window = TimeWindow(bounds[2 * j], max(bounds[2 * j], bounds[2 * j + 1]))
                vehicles.append(replace(v, id=wid, count=1, shift=window, max_trips=1))
            if day is not None:
                trips.extend(
                    _split_day(day, [f"{v.id}{WAVE_SEP}{u}.{j}" for j in range(len(cuts) + 1)])
                )
        names[v.id] = tuple(ids)
    waves = _with_entries(instance, tuple(vehicles), names)
    return waves, Solution(instance.name, tuple(trips))


def _reload_times(
    instance: Instance, day: Route, float_min: Callable[[Instance, Route], float]
) -> list[tuple[float, float]]:
    """Where each wave of a filled-in day ends and the next begins: the arrival at the reload
    and the departure from it, both later by half the next trip's float."""
    out = []
    for k in day.reload_indices:
        s = day.stops[k]
        assert s.arrival_min is not None and s.departure_min is not None
        later = float_min(instance, replace(day, stops=day.stops[k:])) / 2
        out.append((s.arrival_min + later, s.departure_min + later))
    return out


def _split_day(day: Route, names: list[str]) -> list[Route]:
    """A filled-in day's trips, the J-th as unit 0 of ``names[J]``, stations left out (our
    search places its own)."""
    stops = day.stops
    cuts = [0, *day.reload_indices, len(stops) - 1]
    out = []
    for j in range(len(cuts) - 1):
        inner = tuple(
            Stop(s.kind, s.ref) for s in stops[cuts[j] + 1 : cuts[j + 1]] if s.kind != "station"
        )
        if inner:
            ends = (Stop("depot", stops[0].ref), Stop("depot", stops[-1].ref))
            out.append(Route(names[j], (ends[0], *inner, ends[1])))
    return out


def _with_entries(
    instance: Instance, vehicles: tuple[Vehicle, ...], names: dict[str, tuple[str, ...]]
) -> Instance:
    """``instance`` with ``vehicles``, each task restricted to an entry now restricted to the
    entries ``names`` gives it (a preference goes to the first)."""

    def entries(ids: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(w for n in ids for w in names.get(n, (n,)))

    def first(name: str | None) -> str | None:
        return None if name is None else names.get(name, (name,))[0]

    jobs = tuple(
        replace(j, vehicles=entries(j.vehicles), preferred_vehicle=first(j.preferred_vehicle))
        for j in instance.jobs
    )
    shipments = tuple(
        replace(x, vehicles=entries(x.vehicles), preferred_vehicle=first(x.preferred_vehicle))
        for x in instance.shipments
    )
    return replace(instance, vehicles=vehicles, jobs=jobs, shipments=shipments)


def entry_of(vehicle: str) -> str:
    """The vehicle entry a wave entry of :func:`one_trip_per_unit` stands for."""
    return vehicle.split(WAVE_SEP, 1)[0]


@dataclass
class _Day:
    """One vehicle unit's day so far: the validated route, its trips and its cost, and the unit
    of :func:`waves_of` its trips were planned for (``None``: any)."""

    route: Route
    trips: int
    cost: float
    unit: str | None = None


def _unit_tag(vehicle: str) -> str | None:
    """The unit of a :func:`waves_of` entry (``V~waveU.J`` -> ``U``), else ``None``."""
    _, sep, tail = vehicle.partition(WAVE_SEP)
    return tail.split(".", 1)[0] if sep and "." in tail else None


def chain_trips(instance: Instance, plan: Solution) -> tuple[Solution, list[Route]]:
    """``plan`` (single trips, planned on :func:`one_trip_per_unit`) as days of ``instance``'s
    vehicles, not yet validated as a whole (charger queues across routes), and the trips left
    over where an entry's trips need more units than it has (their tasks listed unserved)."""
    by_entry: dict[str, list[Route]] = defaultdict(list)
    for route in plan.routes:
        if route.visits:
            by_entry[entry_of(route.vehicle)].append(route)
    routes: list[Route] = []
    left: list[Route] = []
    for v in instance.vehicles:
        days = _days(instance, v, by_entry.get(v.id, []))
        # Too few units: the days serving the most tasks are kept.
        days.sort(key=lambda d: -len(tasks_of([d.route])))
        routes.extend(replace(d.route, vehicle=v.id, unit=k) for k, d in enumerate(days[: v.count]))
        left.extend(d.route for d in days[v.count :])
    unserved = plan.unserved + tuple(sorted(tasks_of(left)))
    return Solution(instance.name, tuple(routes), unserved=unserved, meta=plan.meta), left


def tasks_of(routes: list[Route]) -> set[str]:
    """The jobs and shipments ``routes`` serve (by id)."""
    return {s.ref for r in routes for s in r.stops if s.kind not in ("depot", "station")}


def _days(instance: Instance, v: Vehicle, trips: list[Route]) -> list[_Day]:
    """The trips of entry ``v`` in order of departure, each appended to the day it saves most
    on, or, where ``v`` has no unit left, to any day it fits."""
    max_trips = instance.max_trips_of(v)
    shift = instance.shift_of(v)
    t = instance.type_by_id[v.type]
    limits = [x for x in (v.max_duration_min, t.max_duration_min) if x is not None]
    days: list[_Day] = []
    for trip in sorted(trips, key=_departure):
        priced = _priced(instance, replace(trip, vehicle=v.id, unit=0))
        assert priced is not None, "a trip the search's own validation accepted"
        tag = _unit_tag(trip.vehicle)
        alone = replace(priced, unit=tag)
        core = _core_min(trip)
        best: tuple[float, int, _Day] | None = None
        own: tuple[int, _Day] | None = None  # the day of its own unit (see waves_of)
        for k, day in enumerate(days):
            if day.trips >= max_trips:
                continue
            # A bound before the validator: the trip's driving, service and charging after the
            # day's return and the reload must end within the shift and the duration limit.
            first, back = day.route.stops[0].departure_min, day.route.stops[-1].arrival_min
            assert first is not None and back is not None  # validated routes are filled
            done = back + t.reload_min + core
            if done > shift.end_min + 1e-6 or (limits and done - first > min(limits) + 1e-6):
                continue
            joined = _joined_priced(instance, v, day.route, trip)
            if joined is None:
                continue
            saving = day.cost + alone.cost - joined.cost
            joined = replace(joined, trips=day.trips + 1, unit=day.unit)
            if tag is not None and day.unit == tag:
                own = (k, joined)
            if best is None or saving > best[0]:
                best = (saving, k, joined)
        if own is not None:
            # Planned for this unit's slice of the day: its trips follow each other.
            days[own[0]] = own[1]
        elif best is not None and (best[0] > 0 or len(days) >= v.count):
            days[best[1]] = best[2]
        else:
            days.append(alone)
    return days


def charge_at_reloads(instance: Instance, plan: Solution) -> Solution:
    """``plan`` with each route that runs short of energy given one full charge, at the first
    place that makes the route valid on its own: around a reload first (at one of the
    :data:`RELOAD_STATIONS` stations nearest the depot, right after the reload or on the way
    back to it), then between any two stops (at one of those nearest the stop before); the
    other routes as they are. Why: a battery-blind multi-trip plan (PyVRP's) often fits each
    trip in a battery but not the day, since a reload does not charge."""
    routes = []
    for route in plan.routes:
        v = instance.vehicle_by_id.get(route.vehicle)
        if v is None or _priced(instance, route) is not None:
            routes.append(route)
            continue
        routes.append(_charged_once(instance, v, route) or route)
    return replace(plan, routes=tuple(routes))


def _charged_once(instance: Instance, v: Vehicle, route: Route) -> Route | None:
    if not instance.type_by_id[v.type].is_electric:
        return None
    stops = route.stops
    reloads = route.reload_indices
    sparse = tuple(Stop(s.kind, s.ref) for s in stops)
    first = replace(sparse[0], departure_min=stops[0].departure_min)
    places: list[tuple[int, str | Stop]] = [
        (at, v.start_depot) for k in reloads for at in (k + 1, k)
    ]
    places += [(at, stops[at - 1]) for at in range(1, len(stops)) if at not in reloads]
    t = instance.type_by_id[v.type]
    for at, near in places:
        for station in _stations_near(instance, v, near):
            full = replace(
                route, stops=(first, *sparse[1:at], Stop("station", station), *sparse[at:])
            )
            report = _alone(instance, full)
            priced = _day(full, report)
            if priced is None:
                # A full charge may take too long: what the rest of the route needs, no more.
                filled = report.solution.routes[0]
                least = _least_charge(full, filled, at, t.battery_kwh or 0.0, t.reserve_kwh)
                priced = None if least is None else _priced(instance, least)
            if priced is not None:
                return priced.route
    return None


def _least_charge(
    route: Route, filled: Route, at: int, battery: float, reserve: float
) -> Route | None:
    """``route`` with its station stop ``at`` charging only what keeps every later stop at or
    above the reserve: the route after the station uses the same energy whatever it charged
    (consumption depends on the load, not the charge), so from the full charge's figures
    (``filled``, the validator's) the least charge is exact."""
    arrival = filled.stops[at].soc_arrival_kwh
    after = [s.soc_arrival_kwh for s in filled.stops[at + 1 :]]
    if arrival is None or any(x is None for x in after):
        return None
    slack = min(x for x in after if x is not None) - reserve  # above the reserve, when full
    need = max(0.0, battery - arrival - slack) + 1e-6
    if need >= battery - arrival:
        return None  # a full charge it is, and that did not fit
    stops = list(route.stops)
    stops[at] = replace(stops[at], charged_kwh=need)
    return replace(route, stops=tuple(stops))


def _core_min(trip: Route) -> float:
    """The minutes of a validated trip that no re-timing removes: from its departure to its
    return, less the waiting at its stops."""
    first, back = trip.stops[0].departure_min, trip.stops[-1].arrival_min
    assert first is not None and back is not None
    waits = sum(
        s.start_min - s.arrival_min
        for s in trip.stops[1:-1]
        if s.start_min is not None and s.arrival_min is not None
    )
    return back - first - waits


def _departure(route: Route) -> tuple[float, int]:
    first = route.stops[0].departure_min if route.stops else None
    return (first if first is not None else 0.0, route.unit)


#: Stations tried for a charge right after a reload, nearest to the depot first.
RELOAD_STATIONS = 3


def _joined_priced(instance: Instance, v: Vehicle, day: Route, trip: Route) -> _Day | None:
    """``trip`` after ``day`` (see :func:`_joined`), priced; where the battery the day leaves is
    too low for the trip as planned (it was planned from a full one), with a full charge at one
    of the :data:`RELOAD_STATIONS` stations nearest to the depot, after the reload or before."""
    joined = _priced(instance, _joined(day, trip, v.start_depot))
    t = instance.type_by_id[v.type]
    if joined is not None or not t.is_electric:
        return joined
    for station in _stations_near(instance, v):
        for before in (False, True):
            charged = _priced(instance, _joined(day, trip, v.start_depot, station, before))
            if charged is not None:
                return charged
    return None


def _stations_near(instance: Instance, v: Vehicle, near: str | Stop | None = None) -> list[str]:
    """The stations ``v``'s type can use, nearest first (at most :data:`RELOAD_STATIONS`) to
    ``near``: a depot id (default ``v``'s start depot) or a stop."""
    t = instance.type_by_id[v.type]
    if near is None or isinstance(near, str):
        place = instance.depot_by_id[near or v.start_depot].location
    else:
        found = instance.location_of(near.kind, near.ref)
        assert found is not None, "a stop of a validated route"
        place = found
    usable = [s for s in instance.stations if t.can_use(s.kind)]
    usable.sort(key=lambda s: (float(instance.distance_km[place, s.location]), s.id))
    return [s.id for s in usable[:RELOAD_STATIONS]]


def _joined(
    day: Route, trip: Route, depot: str, station: str | None = None, before: bool = False
) -> Route:
    """``day`` then a reload at ``depot`` then ``trip``'s stops, the trip's figures cleared so
    that the validator times it after the reload (its earliest schedule) with the charge the day
    left in the battery. Where ``station`` is given, a full charge there right after the reload,
    or, ``before``, on the way back to it (a day that comes back at its reserve cannot reach
    even a station next to the depot after the reload)."""
    end = day.stops[-1]
    reload = Stop("depot", depot, arrival_min=None if before else end.arrival_min)
    charge = (Stop("station", station),) if station is not None else ()
    later = tuple(Stop(s.kind, s.ref) for s in trip.stops[1:])
    if before:
        return replace(day, stops=(*day.stops[:-1], *charge, reload, *later))
    return replace(day, stops=(*day.stops[:-1], reload, *charge, *later))


def _priced(instance: Instance, route: Route) -> _Day | None:
    """``route`` validated alone (the other tasks' coverage aside): its filled-in form and cost,
    or ``None`` where it breaks a rule of its own."""
    return _day(route, _alone(instance, route))


def _alone(instance: Instance, route: Route) -> Report:
    """The validator's report on ``route`` as the only route of a plan."""
    return validate(instance, Solution(instance.name, (route,)))


def _day(route: Route, report: Report) -> _Day | None:
    """:func:`_alone`'s ``report`` on ``route`` as a day: ``None`` where the route breaks a
    rule of its own (the other tasks' coverage aside)."""
    if any(x.route is not None for x in report.violations):
        return None
    cost = sum(report.totals.cost.get(k, 0.0) for k in _ROUTE_COSTS)
    return _Day(report.solution.routes[0], route.trips, cost)
