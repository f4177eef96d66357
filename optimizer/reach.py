"""Which jobs no vehicle can serve, and why: an optimistic reachability test run before solving.

Why a separate pass: a solver that cannot place a job says little more than "unserved". A dispatcher
needs the reason (the pallet is heavier than any truck, the shop lies in the diesel-free core and only
diesel trucks are big enough, no battery truck gets there and back even through chargers, the window
closes before anyone can arrive). The solver also uses the result to forbid vehicle/task pairs that
are certainly impossible, which shrinks its model.

Every test here is a *relaxation* of the real problem, so a task reported unreachable is certainly
unreachable; a task that passes may still be impossible in combination with the others.

Method
------
Each task (a job, or a shipment with its pickup and delivery on one route) is checked against each
vehicle entry in four stages; a task fails when no entry passes all four, and its reason is the first
stage at which the last candidate entries dropped out:

1. **too heavy**: weight (and volume, where the type has a volume capacity) above the type's capacity.
2. **banned**: a stop lies in a zone the type is banned from (:meth:`Instance.banned`), or, with
   straight-line travel, every way from the depot to the task or back runs through such a zone
   (:meth:`Instance.leg_bans`; any places the type may stop at serve as waypoints).
3. **out of range** (electric types only; others have no range limit here): energy is consumed at
   the *lower* of the empty and full rates, every station fills the battery, and time is ignored.
   Levels: leaving the start depot with ``initial_soc * battery_kwh``, leaving a station with
   ``battery_kwh``; energy may be used down to ``reserve_kwh``. A directed graph over {start depot,
   usable stations, end depot} has an edge ``u -> v`` when ``level(u) - e(u, v) >= reserve``. A job
   ``j`` is in range when::

       max_{u reachable from start} (level(u) - e(u, j)) - min_{w reaching end} e(j, w) >= reserve

   A shipment's delivery ``d`` after its pickup ``p`` is reached with the better of driving on
   (``A(p) - e(p, d)``) and charging on the way (``battery - e(s, d)`` for any station ``s`` reachable
   from ``p`` with the energy left there), so a pickup and delivery far apart are not reported when
   a charger lies between them.
4. **window**: driving direct from the start depot at shift start (durations divided by the type's
   speed factor), service starts in the first window still open; the task is late if every window
   has closed, or if the vehicle cannot be back at its end depot by the shift end after service,
   or if the driving and service alone exceed the vehicle's maximum duration.

Assumptions, stated because they bound the guarantee: travel times and energies satisfy the triangle
inequality (true for euclidean and haversine travel; a road router's matrix nearly always is), so no
detour through other stops arrives sooner or uses less energy than the direct leg. Battery-electric
types charge at chargers only; battery-swap types may swap or plug in (:data:`STATION_KINDS`).
Stations in a zone the type is banned from, or closed during the whole shift, are not used.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import networkx as nx
import numpy as np

from .model import (
    EPS,
    STATION_KINDS_BY_CARRIER,
    Instance,
    Station,
    TimeWindow,
    Vehicle,
    VehicleType,
)

ReasonCode = Literal["too_heavy", "banned", "out_of_range", "window"]
#: Which station kinds each electric carrier can use: a plug-in truck has no swappable pack, while
#: swap trucks (CATL #75-standard chassis and the like) also have a charging inlet.
STATION_KINDS = STATION_KINDS_BY_CARRIER
_START, _END = "@start", "@end"


@dataclass(frozen=True, slots=True)
class Unreachable:
    """A task no vehicle can serve: its id, the stage that excluded it, and a one-line reason."""

    task: str
    code: ReasonCode
    reason: str


@dataclass(frozen=True, eq=False)
class ReachInfo:
    """The result of :func:`analyse`.

    ``can_serve[v, t]`` is ``False`` when vehicle entry ``vehicle_ids[v]`` certainly cannot serve
    task ``task_ids[t]`` (jobs first, then shipments, in instance order); ``True`` means only that
    the relaxation did not exclude it.
    """

    task_ids: tuple[str, ...]
    vehicle_ids: tuple[str, ...]
    can_serve: np.ndarray
    unreachable: tuple[Unreachable, ...]

    def vehicles_for(self, task_id: str) -> tuple[str, ...]:
        """Vehicle entries that may serve ``task_id`` (empty when it is unreachable)."""
        t = self.task_ids.index(task_id)
        return tuple(v for v, ok in zip(self.vehicle_ids, self.can_serve[:, t], strict=True) if ok)


def format_clock(t_min: float) -> str:
    """Clock minutes as ``HH:MM`` (hours past 24 are kept: ``25:30`` is 01:30 the next day)."""
    if not math.isfinite(t_min):
        return "never" if t_min > 0 else "-inf"
    total = round(t_min)
    sign = "-" if total < 0 else ""
    h, m = divmod(abs(total), 60)
    return f"{sign}{h:02d}:{m:02d}"


# ----------------------------------------------------------------------------------------------
# tasks as arrays: one row per task, one column per stop (a job has one stop, a shipment two)
@dataclass(frozen=True, eq=False)
class _Tasks:
    ids: tuple[str, ...]
    first: np.ndarray  # location of the first stop
    last: np.ndarray  # location of the last stop (== first for jobs)
    is_shipment: np.ndarray
    weight_kg: np.ndarray
    volume_m3: np.ndarray
    # windows padded to the widest task: shape (tasks, k); tasks without windows get (-inf, inf)
    first_win: tuple[np.ndarray, np.ndarray]
    last_win: tuple[np.ndarray, np.ndarray]
    first_service: np.ndarray
    last_service: np.ndarray


def _pad(windows: Sequence[tuple[TimeWindow, ...]]) -> tuple[np.ndarray, np.ndarray]:
    k = max([len(w) for w in windows] + [1])
    start = np.full((len(windows), k), np.inf)
    end = np.full((len(windows), k), -np.inf)  # padding never fits
    for t, ws in enumerate(windows):
        if not ws:
            start[t, 0], end[t, 0] = -np.inf, np.inf
        for i, w in enumerate(ws):
            start[t, i], end[t, i] = w.start_min, w.end_min
    return start, end


def _tasks(inst: Instance) -> _Tasks:
    jobs, ships = inst.jobs, inst.shipments
    first_w = [j.time_windows for j in jobs] + [s.pickup.time_windows for s in ships]
    last_w = [j.time_windows for j in jobs] + [s.delivery.time_windows for s in ships]
    return _Tasks(
        ids=tuple(j.id for j in jobs) + tuple(s.id for s in ships),
        first=np.array(
            [j.location for j in jobs] + [s.pickup.location for s in ships], dtype=np.intp
        ),
        last=np.array(
            [j.location for j in jobs] + [s.delivery.location for s in ships], dtype=np.intp
        ),
        is_shipment=np.array([False] * len(jobs) + [True] * len(ships), dtype=bool),
        weight_kg=np.array([j.weight_kg for j in jobs] + [s.weight_kg for s in ships], dtype=float),
        volume_m3=np.array([j.volume_m3 for j in jobs] + [s.volume_m3 for s in ships], dtype=float),
        first_win=_pad(first_w),
        last_win=_pad(last_w),
        first_service=np.array(
            [j.service_min for j in jobs] + [s.pickup.service_min for s in ships], dtype=float
        ),
        last_service=np.array(
            [j.service_min for j in jobs] + [s.delivery.service_min for s in ships], dtype=float
        ),
    )


def _earliest_start(arrival: np.ndarray, win: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Earliest service start per task given arrival times; ``inf`` when every window has closed."""
    start, end = win
    fits = arrival[:, None] <= end + EPS
    return np.where(fits, np.maximum(arrival[:, None], start), np.inf).min(axis=1)


# ----------------------------------------------------------------------------------------------
# range on the battery
def usable_stations(inst: Instance, vehicle: Vehicle) -> tuple[Station, ...]:
    """Stations ``vehicle`` could ever use: right kind for its carrier, not in a zone its type is
    banned from, and open at some time during its shift."""
    vt = inst.type_by_id[vehicle.type]
    kinds = STATION_KINDS.get(vt.carrier, frozenset())
    shift = inst.shift_of(vehicle)
    return tuple(
        s
        for s in inst.stations
        if s.kind in kinds
        and not inst.banned(vt, s.location)
        and (
            not s.opening
            or any(w.start_min <= shift.end_min and w.end_min >= shift.start_min for w in s.opening)
        )
    )


def _rate_kwh_per_km(vt: VehicleType) -> float:
    return min(vt.consumption_per_km_empty, vt.full_rate_per_km)


def station_graph(inst: Instance, vehicle: Vehicle) -> nx.DiGraph:
    """The optimistic energy graph of one electric vehicle entry.

    Nodes are ``"@start"``, ``"@end"`` and the ids of :func:`usable_stations`; each node has
    ``location`` (matrix index) and ``level_kwh`` (energy on leaving it; 0 for the end). An edge
    ``u -> v`` with attribute ``energy_kwh`` exists when the battery, leaving ``u`` at its level and
    consuming at the empty rate, arrives at ``v`` with at least the reserve.
    """
    vt = inst.type_by_id[vehicle.type]
    if not vt.is_electric or vt.battery_kwh is None:
        raise ValueError(f"vehicle {vehicle.id!r} has no battery (carrier {vt.carrier})")
    rate = _rate_kwh_per_km(vt)
    stations = usable_stations(inst, vehicle)
    g = nx.DiGraph()
    g.add_node(
        _START,
        location=inst.depot_by_id[vehicle.start_depot].location,
        level_kwh=vehicle.initial_soc * vt.battery_kwh,
    )
    for s in stations:
        g.add_node(s.id, location=s.location, level_kwh=vt.battery_kwh)
    g.add_node(_END, location=inst.depot_by_id[vehicle.end].location, level_kwh=0.0)
    sources = [n for n in g.nodes if n != _END]
    targets = [n for n in g.nodes if n != _START]
    src_loc = np.array([g.nodes[n]["location"] for n in sources], dtype=np.intp)
    dst_loc = np.array([g.nodes[n]["location"] for n in targets], dtype=np.intp)
    energy = inst.distance_km[np.ix_(src_loc, dst_loc)] * rate
    level = np.array([g.nodes[n]["level_kwh"] for n in sources])
    ok = level[:, None] - energy >= vt.reserve_kwh - EPS
    for a, b in zip(*np.nonzero(ok), strict=True):
        u, v = sources[a], targets[b]
        if u != v:
            g.add_edge(u, v, energy_kwh=float(energy[a, b]))
    return g


def _driven(inst: Instance, vehicle: Vehicle, vt: VehicleType, tasks: _Tasks) -> np.ndarray:
    """Per task, whether ``vehicle`` can get from its start depot to the task's first stop and
    from its last stop to its end depot over legs its type may drive (``Instance.leg_bans``),
    by way of any places it may stop at (task stops outside its banned zones, usable stations).
    A relaxation: every other constraint is ignored."""
    ban = inst.leg_bans(vt)
    assert ban is not None
    start = inst.depot_by_id[vehicle.start_depot].location
    end = inst.depot_by_id[vehicle.end].location
    places = {start, end, *(s.location for s in usable_stations(inst, vehicle))}
    places |= {
        int(loc)
        for loc in {*tasks.first.tolist(), *tasks.last.tolist()}
        if not inst.banned(vt, int(loc))
    }
    ix = np.array(sorted(places), dtype=np.int64)
    where = {int(loc): i for i, loc in enumerate(ix)}
    ok = ~ban[np.ix_(ix, ix)]

    def spread(source: int, edges: np.ndarray) -> np.ndarray:
        seen = np.zeros(len(ix), dtype=bool)
        seen[source] = True
        frontier = seen.copy()
        while frontier.any():
            nxt = edges[frontier].any(axis=0) & ~seen
            seen |= nxt
            frontier = nxt
        return seen

    out_of = spread(where[start], ok)
    back = spread(where[end], ok.T)
    return np.array(
        [
            int(a) in where and int(b) in where and out_of[where[int(a)]] and back[where[int(b)]]
            for a, b in zip(tasks.first, tasks.last, strict=True)
        ],
        dtype=bool,
    )


def _range_margin(inst: Instance, vehicle: Vehicle, tasks: _Tasks) -> np.ndarray:
    """Per task, the energy left above the reserve at the end depot in the optimistic relaxation
    (negative: out of range by that many kWh). ``-inf`` when the vehicle cannot even leave."""
    vt = inst.type_by_id[vehicle.type]
    assert vt.battery_kwh is not None
    battery, reserve, rate = vt.battery_kwh, vt.reserve_kwh, _rate_kwh_per_km(vt)
    g = station_graph(inst, vehicle)
    dist = inst.distance_km
    from_start = [_START, *sorted(nx.descendants(g, _START) - {_END})]
    to_end = [_END, *sorted(nx.ancestors(g, _END) - {_START})]
    u_loc = np.array([g.nodes[n]["location"] for n in from_start], dtype=np.intp)
    u_level = np.array([g.nodes[n]["level_kwh"] for n in from_start])
    w_loc = np.array([g.nodes[n]["location"] for n in to_end], dtype=np.intp)
    # Energy on arrival at the first stop, at best.
    arrive_first = (u_level[:, None] - dist[np.ix_(u_loc, tasks.first)] * rate).max(axis=0)
    arrive_last = arrive_first.copy()
    ship = np.nonzero(tasks.is_shipment)[0]
    if ship.size:
        p, d = tasks.first[ship], tasks.last[ship]
        a_p = arrive_first[ship]
        direct = a_p - dist[p, d] * rate
        stations = [n for n in g.nodes if n not in (_START, _END)]
        best = direct
        if stations:
            s_loc = np.array([g.nodes[n]["location"] for n in stations], dtype=np.intp)
            # Stations reached straight from the pickup, then everything the graph reaches from them.
            hit = a_p[:, None] - dist[np.ix_(p, s_loc)] * rate >= reserve - EPS
            closure = np.eye(len(stations), dtype=bool)
            index = {n: k for k, n in enumerate(stations)}
            for k, n in enumerate(stations):
                for m in nx.descendants(g, n) - {_END}:
                    closure[k, index[m]] = True
            after = (hit.astype(np.int64) @ closure.astype(np.int64)) > 0
            via = np.where(after, battery - dist[np.ix_(s_loc, d)].T * rate, -np.inf).max(axis=1)
            best = np.maximum(direct, via)
        # A shipment whose pickup is out of reach stays out of reach whatever comes after.
        arrive_last[ship] = np.where(a_p >= reserve - EPS, best, -np.inf)
    back = (dist[np.ix_(tasks.last, w_loc)] * rate).min(axis=1)
    return arrive_last - back - reserve


# ----------------------------------------------------------------------------------------------
# time
def _lateness(inst: Instance, vehicle: Vehicle, tasks: _Tasks) -> tuple[np.ndarray, dict[int, str]]:
    """Per task, by how many minutes the best direct schedule misses (<= 0: fits), and why."""
    vt = inst.type_by_id[vehicle.type]
    dur = inst.duration_min
    sf = vt.speed_factor
    shift = inst.shift_of(vehicle)
    s_loc = inst.depot_by_id[vehicle.start_depot].location
    e_loc = inst.depot_by_id[vehicle.end].location
    t0 = shift.start_min
    arrive = t0 + dur[s_loc, tasks.first] / sf
    start = _earliest_start(arrive, tasks.first_win)
    leave = start + tasks.first_service
    ship = tasks.is_shipment
    arrive_last = np.where(ship, leave + dur[tasks.first, tasks.last] / sf, arrive)
    start_last = np.where(ship, _earliest_start(arrive_last, tasks.last_win), start)
    leave_last = np.where(ship, start_last + tasks.last_service, leave)
    back = leave_last + dur[tasks.last, e_loc] / sf
    # Driving and service only: waiting can always be avoided by leaving later.
    busy = (
        dur[s_loc, tasks.first] / sf
        + tasks.first_service
        + np.where(ship, dur[tasks.first, tasks.last] / sf + tasks.last_service, 0.0)
        + dur[tasks.last, e_loc] / sf
    )
    limits = [x for x in (vehicle.max_duration_min, vt.max_duration_min) if x is not None]
    max_busy = min(limits) if limits else math.inf
    last_end_first = tasks.first_win[1].max(axis=1)
    last_end_last = tasks.last_win[1].max(axis=1)
    miss_first = ~np.isfinite(start)
    miss_last = ~miss_first & ~np.isfinite(start_last)
    late_back = ~miss_first & ~miss_last & (back > shift.end_min + EPS)
    too_long = ~miss_first & ~miss_last & ~late_back & (busy > max_busy + EPS)
    late = np.select(
        [miss_first, miss_last, late_back, too_long],
        [
            arrive - last_end_first,
            arrive_last - last_end_last,
            back - shift.end_min,
            busy - max_busy,
        ],
        default=-np.inf,
    )
    # Sentences only for the tasks that miss: with thousands of tasks, formatting all would cost more
    # than the arithmetic.
    why: dict[int, str] = {}
    for t in np.nonzero(late > EPS)[0].tolist():
        stop = "pickup" if ship[t] else "job"
        if miss_first[t]:
            why[t] = (
                f"earliest arrival at the {stop} {format_clock(arrive[t])} is after its last"
                f" window end {format_clock(last_end_first[t])}"
            )
        elif miss_last[t]:
            why[t] = (
                f"earliest arrival at the delivery {format_clock(arrive_last[t])} is after its"
                f" last window end {format_clock(last_end_last[t])}"
            )
        elif late_back[t]:
            why[t] = (
                f"earliest return to depot {vehicle.end} {format_clock(back[t])} is after the"
                f" shift end {format_clock(shift.end_min)}"
            )
        else:
            why[t] = (
                f"driving and service take {busy[t]:.0f} min, over the maximum duration"
                f" {max_busy:g} min"
            )
    return late, why


# ----------------------------------------------------------------------------------------------
#: :func:`analyse`'s answer per instance while the instance lives (instances are immutable).
_ANALYSED: weakref.WeakKeyDictionary[Instance, ReachInfo] = weakref.WeakKeyDictionary()


def analyse(inst: Instance) -> ReachInfo:
    """Check every task against every vehicle entry (see the module docstring for the method).

    Remembered per instance: a solve asks twice (:func:`fleet_shortfall` before any work, then
    the per-job diagnosis of the model), and on a generated 1,000-job day with 8 vehicle entries
    one answer takes 0.15 s of CPU."""
    found = _ANALYSED.get(inst)
    if found is None:
        found = _ANALYSED[inst] = _analyse(inst)
    return found


def _analyse(inst: Instance) -> ReachInfo:
    tasks = _tasks(inst)
    n_t, n_v = len(tasks.ids), len(inst.vehicles)
    types = [inst.type_by_id[v.type] for v in inst.vehicles]
    # Stage 1: capacity.
    fits = np.ones((n_v, n_t), dtype=bool)
    for k, vt in enumerate(types):
        fits[k] = tasks.weight_kg <= vt.capacity_kg + EPS
        if vt.capacity_m3 is not None:
            fits[k] &= tasks.volume_m3 <= vt.capacity_m3 + EPS
    # Stage 2: zones (computed once per type: a location test against polygons is the slow part).
    allowed = np.ones((n_v, n_t), dtype=bool)
    zone_cache: dict[str, np.ndarray] = {}
    for k, vt in enumerate(types):
        if not vt.banned_zones:
            continue
        if vt.id not in zone_cache:
            ban = {
                loc: inst.banned(vt, loc) for loc in {*tasks.first.tolist(), *tasks.last.tolist()}
            }
            zone_cache[vt.id] = np.array(
                [not (ban[a] or ban[b]) for a, b in zip(tasks.first, tasks.last, strict=True)],
                dtype=bool,
            )
        allowed[k] = zone_cache[vt.id]
    # Stage 2, the legs: with straight-line travel, a leg through a banned zone is not driven;
    # a task none of whose stops a vehicle can reach from its depot, or leave for its end
    # depot, over legs it may drive (through any places it may stop at) is out of its reach.
    driven = np.ones((n_v, n_t), dtype=bool)
    for k, (v, vt) in enumerate(zip(inst.vehicles, types, strict=True)):
        if inst.leg_bans(vt) is not None and n_t:
            driven[k] = _driven(inst, v, vt, tasks)
    allowed_stops = allowed
    allowed = allowed & driven
    # Stage 3: range (electric entries only).
    margin = np.full((n_v, n_t), np.inf)
    for k, (v, vt) in enumerate(zip(inst.vehicles, types, strict=True)):
        if vt.is_electric and n_t:
            margin[k] = _range_margin(inst, v, tasks)
    in_range = margin >= -EPS
    # Stage 4: time.
    late = np.zeros((n_v, n_t))
    late_why: list[dict[int, str]] = []
    for k, v in enumerate(inst.vehicles):
        late[k], why = _lateness(inst, v, tasks)
        late_why.append(why)
    on_time = late <= EPS

    can = fits & allowed & in_range & on_time
    out: list[Unreachable] = []
    for t in np.nonzero(~can.any(axis=0))[0]:
        out.append(
            _explain(
                inst,
                tasks,
                int(t),
                types,
                fits,
                allowed_stops,
                allowed,
                in_range,
                margin,
                late,
                late_why,
            )
        )
    return ReachInfo(
        task_ids=tasks.ids,
        vehicle_ids=tuple(v.id for v in inst.vehicles),
        can_serve=_frozen(can),
        unreachable=tuple(out),
    )


def _explain(
    inst: Instance,
    tasks: _Tasks,
    t: int,
    types: list[VehicleType],
    fits: np.ndarray,
    allowed_stops: np.ndarray,
    allowed: np.ndarray,
    in_range: np.ndarray,
    margin: np.ndarray,
    late: np.ndarray,
    late_why: list[dict[int, str]],
) -> Unreachable:
    """The reason at the stage where the last candidate vehicle entries dropped out."""
    tid = tasks.ids[t]
    w, vol = tasks.weight_kg[t], tasks.volume_m3[t]
    cand = fits[:, t]
    if not cand.any():
        max_kg = max(vt.capacity_kg for vt in types)
        vols = [vt.capacity_m3 for vt in types if vt.capacity_m3 is not None]
        if w > max_kg + EPS:
            why = f"too heavy: {w:g} kg, the largest capacity is {max_kg:g} kg"
        elif len(vols) == len(types) and vol > max(vols) + EPS:
            why = f"too bulky: {vol:g} m3, the largest capacity is {max(vols):g} m3"
        else:
            why = f"too heavy: no vehicle type carries both {w:g} kg and {vol:g} m3"
        return Unreachable(tid, "too_heavy", why)
    if (cand & allowed_stops[:, t]).any() and not (cand & allowed[:, t]).any():
        ks = np.nonzero(cand & allowed_stops[:, t])[0]
        names = sorted({types[k].id for k in ks})
        zones = sorted({z for k in ks for z in types[k].banned_zones})
        return Unreachable(
            tid,
            "banned",
            f"banned: every way to it from the depot, or back, runs through zone "
            f"{', '.join(zones)}, closed to every type that can carry it ({', '.join(names)})",
        )
    cand2 = cand & allowed[:, t]
    if not cand2.any():
        names = sorted({types[k].id for k in np.nonzero(cand)[0]})
        zones = sorted(
            {
                z
                for k in np.nonzero(cand)[0]
                for z in types[k].banned_zones
                for loc in {int(tasks.first[t]), int(tasks.last[t])}
                if (c := inst.locations[loc].coordinates) is not None
                and inst.zone_by_id[z].covers(c)
            }
        )
        return Unreachable(
            tid,
            "banned",
            f"banned: lies in zone {', '.join(zones)}, closed to every type that can carry it"
            f" ({', '.join(names)})",
        )
    cand3 = cand2 & in_range[:, t]
    if not cand3.any():
        ks = np.nonzero(cand2)[0]
        best = ks[np.argmax(margin[ks, t])]
        short = -margin[best, t]
        amount = (
            f"is {short:.1f} kWh short even charging full at every station"
            if math.isfinite(short)
            else "cannot reach the pickup with energy to go on"
        )
        return Unreachable(
            tid,
            "out_of_range",
            f"out of range: the best electric vehicle ({inst.vehicles[best].id}) {amount},"
            " and no other vehicle may serve it",
        )
    ks = np.nonzero(cand3)[0]
    best = ks[np.argmin(late[ks, t])]
    return Unreachable(
        tid,
        "window",
        f"window unreachable: for the best vehicle ({inst.vehicles[best].id}) the"
        f" {late_why[best][t]}",
    )


#: Stops whose way in :func:`fleet_shortfall` bounds at a time (memory: places x this x 8 bytes).
_SLICE = 512
#: Vehicle entries named in a shortfall message before "and N more".
_NAMED = 4
#: Groups of vehicle entries :func:`fleet_shortfall` tries, those serving the most tasks first.
_GROUPS = 64


def fleet_shortfall(inst: Instance, reach: ReachInfo | None = None) -> str | None:
    """Why the jobs cannot all be served *together* though each can alone, where a bound over the
    whole fleet, or over the vehicles that alone can serve some of the jobs, proves it; else None.

    Why: the per-task stages above clear every task of a day that simply has too much work for its
    trucks, and the solver then could only say it found no position for some of them. Three
    relaxations, each certain when it fires:

    - **load**: every unit takes its delivery jobs from the depot, and brings its pickup jobs
      back, within its capacity on each trip, so the delivery jobs together (and the pickup jobs
      together) weigh at most the units' capacities times their trips; the same for volume where
      every type has a volume capacity. Shipments ride between their own two stops and are left
      out.
    - **hours**: every task stop is served, and each place with a stop (but a start depot's) is
      driven into at least once from somewhere else, at the fastest type's speed; that work is
      done within the units' working hours (the shift, or the maximum duration where it is
      shorter).
    - **hours by a deadline**: the same for the stops whose windows close by a given time,
      against the hours the units have by then (:func:`_by_deadline`).

    All hold as well for any group of vehicle entries and the tasks that only that group can
    serve (per :func:`analyse`, given as ``reach`` or run here): the jobs in a diesel-free core
    that only the battery vans may enter must fit the vans, however many diesel trucks stand idle.
    The groups tried are the sets of entries that can serve some task, largest share of tasks
    first; the whole fleet is tried first.
    """
    if not inst.vehicles or not (inst.jobs or inst.shipments):
        return None
    tasks = _tasks(inst)
    into_min = _way_in_min(inst, tasks)
    n_v, n_t = len(inst.vehicles), len(tasks.ids)
    why = _short(inst, tasks, into_min, np.ones(n_v, bool), np.ones(n_t, bool), None)
    if why is not None or n_v < 2:
        return why
    can = (reach if reach is not None else analyse(inst)).can_serve
    groups: dict[bytes, tuple[int, np.ndarray]] = {}
    for t in range(n_t):
        col = can[:, t]
        if col.any() and not col.all():
            n, _ = groups.get(col.tobytes(), (0, col))
            groups[col.tobytes()] = (n + 1, col)
    tried = sorted(groups.values(), key=lambda g: -g[0])[:_GROUPS]
    for _, group in tried:
        # Tasks that only this group's entries can serve (none reachable by any other entry).
        only = can.any(axis=0) & ~can[~group].any(axis=0)
        why = _short(inst, tasks, into_min, group, only, int(only.sum()))
        if why is not None:
            return why
    return None


def _way_in_min(inst: Instance, tasks: _Tasks) -> dict[int, float]:
    """Each stop place's least driving into it from another place (minutes, at speed factor 1)."""
    stops = np.unique(np.concatenate([tasks.first, tasks.last]))
    dur = inst.duration_min
    if len(dur) < 2:
        return dict.fromkeys(stops.tolist(), 0.0)
    out: dict[int, float] = {}
    # Columns in slices: a whole day's stops by all its places would be 800 MB at 10,000.
    for lo in range(0, len(stops), _SLICE):
        cols = stops[lo : lo + _SLICE]
        into = np.array(dur[:, cols], dtype=float)
        into[cols, np.arange(len(cols))] = np.inf  # entered from another place
        out.update(zip(cols.tolist(), into.min(axis=0).tolist(), strict=True))
    return out


def _short(
    inst: Instance,
    tasks: _Tasks,
    into_min: dict[int, float],
    entries: np.ndarray,
    mask: np.ndarray,
    only: int | None,
) -> str | None:
    """The load and hours bounds of :func:`fleet_shortfall` for the vehicle entries ``entries``
    and the tasks ``mask``: the whole fleet where ``only`` is None, else the ``only`` tasks that
    no other entry can serve."""
    units = [
        (v, inst.type_by_id[v.type]) for v, ok in zip(inst.vehicles, entries, strict=True) if ok
    ]
    n_units = sum(v.count for v, _ in units)
    plural = "s" if n_units != 1 else ""
    if only is None:
        subject, stops_of, stops_only = "the {} jobs", "every stop", ""
        carries, works = (
            f"the fleet ({n_units} vehicle{plural}) carries",
            f"the fleet ({n_units} vehicle{plural}) works",
        )
        trips = "its trips"
    else:
        names = [v.id for v, _ in units]
        more = f" and {len(names) - _NAMED} more" if len(names) > _NAMED else ""
        who = f"{', '.join(names[:_NAMED])}{more}"
        subject = "the {} jobs that only " + who + " can serve"
        stops_of = f"the stops of the {_count_tasks(tasks, mask)} that only {who} can serve"
        stops_only = f" that only {who} can serve"
        if n_units == 1:
            carries, works, trips = "that vehicle carries", "that vehicle works", "its trips"
        else:
            carries, works = f"those {n_units} vehicles carry", f"those {n_units} vehicles work"
            trips = "their trips"
    is_job = mask & ~tasks.is_shipment
    kinds = np.array([j.kind for j in inst.jobs] + [""] * len(inst.shipments))
    for kind in ("delivery", "pickup"):
        pick = is_job & (kinds == kind)
        if not pick.any():
            continue
        weight_kg = float(tasks.weight_kg[pick].sum())
        carried_kg = sum(v.count * inst.max_trips_of(v) * vt.capacity_kg for v, vt in units)
        if weight_kg > carried_kg + EPS:
            return (
                f"{subject.format(kind)} weigh {weight_kg:g} kg together; {carries} at most"
                f" {carried_kg:g} kg on all {trips}"
            )
        if all(vt.capacity_m3 is not None for _, vt in units):
            volume_m3 = float(tasks.volume_m3[pick].sum())
            carried_m3 = sum(
                v.count * inst.max_trips_of(v) * (vt.capacity_m3 or 0.0) for v, vt in units
            )
            if volume_m3 > carried_m3 + EPS:
                return (
                    f"{subject.format(kind)} fill {volume_m3:g} m3 together; {carries} at"
                    f" most {carried_m3:g} m3 on all {trips}"
                )
    work = _work_of(inst, units)
    hours = sum(count * span for count, _, span in work.spans) / 60.0
    service_min = float(
        tasks.first_service[mask].sum() + tasks.last_service[mask & tasks.is_shipment].sum()
    )
    places = set(tasks.first[mask].tolist()) | set(tasks.last[mask].tolist())
    driving_min = sum(into_min[p] for p in places - work.starts) / work.speed
    need_h = (service_min + driving_min) / 60.0
    if need_h > hours + EPS:
        return (
            f"serving {stops_of} and driving to each place takes at least {need_h:.1f} h;"
            f" {works} at most {hours:.1f} h in all"
        )
    return _by_deadline(tasks, into_min, work, mask, stops_only, works)


@dataclass(frozen=True)
class _Work:
    """What the hours bounds of :func:`fleet_shortfall` read of a group of vehicle entries."""

    units: int
    #: Per entry: its units, its shift's start, and the minutes each may work (the shift, or the
    #: maximum duration where it is shorter).
    spans: tuple[tuple[int, float, float], ...]
    #: Start depots' places: a stop there may be a unit's first, driven into from nowhere.
    starts: frozenset[int]
    #: The fastest type's speed factor.
    speed: float


def _work_of(inst: Instance, units: list[tuple[Vehicle, VehicleType]]) -> _Work:
    spans = []
    for v, vt in units:
        shift = inst.shift_of(v)
        limits = [x for x in (v.max_duration_min, vt.max_duration_min) if x is not None]
        spans.append((v.count, shift.start_min, min([shift.end_min - shift.start_min, *limits])))
    return _Work(
        units=sum(v.count for v, _ in units),
        spans=tuple(spans),
        starts=frozenset(inst.depot_by_id[v.start_depot].location for v, _ in units),
        speed=max(vt.speed_factor for _, vt in units),
    )


def _by_deadline(
    tasks: _Tasks,
    into_min: dict[int, float],
    work: _Work,
    mask: np.ndarray,
    stops_only: str,
    works: str,
) -> str | None:
    """The hours bound of :func:`fleet_shortfall` up to each time a window closes: the stops
    (of the tasks ``mask``) whose last window closes by ``T`` are driven into and served from
    ``T`` back, and each unit works from its shift start (for its maximum duration at most).
    A service that starts by ``T`` may end after it, so the work before ``T`` is short of their
    sum by at most one service per unit (the longest of those stops, for each): that much is
    taken off, and what is left is certain.

    Why: a day whose morning stores alone take more truck-hours before their windows close than
    the trucks have by then passes the whole day's bound (the afternoon is empty) and used to
    end, after the whole search, in "no feasible position" for some of them."""
    stops: list[tuple[float, int, float]] = []
    for t in np.nonzero(mask)[0]:
        stops.append(
            (float(tasks.first_win[1][t].max()), int(tasks.first[t]), tasks.first_service[t])
        )
        if tasks.is_shipment[t]:
            stops.append(
                (float(tasks.last_win[1][t].max()), int(tasks.last[t]), tasks.last_service[t])
            )
    stops = sorted(x for x in stops if math.isfinite(x[0]))
    if not stops:
        return None
    seen: set[int] = set()
    driving_min = service_min = longest_min = 0.0
    for k, (deadline, place, service) in enumerate(stops):
        if place not in seen:
            seen.add(place)
            if place not in work.starts:
                driving_min += into_min[place] / work.speed
        service_min += float(service)
        longest_min = max(longest_min, float(service))
        if k + 1 < len(stops) and stops[k + 1][0] == deadline:
            continue  # all the stops of one deadline first
        need_min = driving_min + service_min - min(work.units, k + 1) * longest_min
        have_min = sum(c * min(max(0.0, deadline - start), span) for c, start, span in work.spans)
        if need_min > have_min + EPS:
            by = format_clock(deadline)
            return (
                f"the {k + 1} stop{'s' if k else ''}{stops_only} whose windows close by {by}"
                f" take at least"
                f" {need_min / 60.0:.1f} h of driving and service before then; {works} at most"
                f" {have_min / 60.0:.1f} h by {by}"
            )
    return None


def _count_tasks(tasks: _Tasks, mask: np.ndarray) -> str:
    """The tasks of ``mask`` as a dispatcher counts them: "3 jobs", "1 job and 2 shipments"."""
    n_ships = int((mask & tasks.is_shipment).sum())
    n_jobs = int(mask.sum()) - n_ships
    parts = [
        f"{n} {word}{'s' if n != 1 else ''}"
        for n, word in ((n_jobs, "job"), (n_ships, "shipment"))
        if n
    ]
    return " and ".join(parts)


def unreachable_jobs(inst: Instance) -> dict[str, str]:
    """Job or shipment id -> one-line reason, for every task that no vehicle entry can serve.

    The test is optimistic (see the module docstring), so each task listed is certainly
    unreachable; an empty dict does not prove the instance feasible.
    """
    return {u.task: u.reason for u in analyse(inst).unreachable}


def _frozen(a: np.ndarray) -> np.ndarray:
    """``a`` made read-only: :func:`analyse`'s answers are shared by every caller."""
    a.setflags(write=False)
    return a
