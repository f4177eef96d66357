"""A constructive start for the search: insertion with exact station placement per route.

Why our own start: on tight E-VRPTW instances none of OR-Tools' first-solution strategies finds a
plan (they insert one node at a time, and a customer that needs a detour to a charger is never
feasible alone, while zero-penalty station copies are never inserted for their own sake). Here a
route is a sequence of tasks *without* stations, and :class:`RouteEvaluator` decides where the
vehicle must charge (a label-setting pass, see below). Insertion only ever builds routes that the
evaluator proved feasible.

The evaluator works on the very integers the OR-Tools model uses (same scaling, same rounding), so
a route it accepts is accepted by OR-Tools too, and therefore by the validator.

Label setting. Walking the task sequence, each label is (departure time, usable energy, cost) at a
stop. To reach the next stop a label may drive direct or through one station (charge to full or
swap). Labels that are later, emptier and dearer than another are dropped (Pareto dominance); at
most ``MAX_LABELS`` are kept per stop. With full recharges and a linear charger this is exact for
one station between consecutive stops; chains of two stations are not explored.
"""

from __future__ import annotations

import heapq
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import TYPE_CHECKING

import numpy as np

from ..model import Instance, VehicleType
from . import scaling as S
from .insertion import Insertion, counted, inserted
from .ortools_model import (
    RoutingModel,
    Unit,
    _charge_time_cuts,
    _objective_weights,
    _scaled_penalty,
    reassigned_task,
    task_allows,
)
from .recombine import RECOMBINE_S_PER_WORK, RoutePool, recombine

if TYPE_CHECKING:
    from .lns import Midway

MAX_LABELS = 6
#: Sequences remembered per evaluator (see ``RouteEvaluator.evaluate``), bounding memory.
MEMO_SIZE = 10_000
_MISS = object()
#: Stations tried between two stops, cheapest detour first (per label).
STATION_OPTIONS = 6
#: Of those, the stations (cheapest detour first) where partial charges are tried too: each
#: partial level is a label, and on EVRP-NL's 80-customer routes (several charges each) trying
#: them at all six stations left ruin and recreate 32 iterations in 7 s.
PARTIAL_OPTIONS = 3


@dataclass(frozen=True, slots=True)
class _Site:
    """A station as the evaluator sees it (one per station and battery class)."""

    node: int  # the first OR-Tools copy of this station for the class
    ref: str  # the station's id
    location: int
    swap: bool
    swap_t: int
    #: The model's charging-time cuts (see ortools_model._charge_time_cuts) for a charge to full,
    #: as (a * usable + c, b): the time is max over cuts of ceil((k - b * energy) / 1e6); empty
    #: when instant.
    cuts: tuple[tuple[int, int], ...]
    #: Opening windows (scaled minutes); a charge lies inside one of them.
    windows: tuple[tuple[int, int], ...]
    #: The same cuts unfolded, (a, c, b): a charge from ``e1`` up to level ``L`` takes the max over
    #: cuts of ceil((a * L + c - b * e1) / 1e6) (``RouteEvaluator.charge_time``); empty when
    #: instant.
    lines: tuple[tuple[int, int, int], ...] = ()
    #: Levels (scaled usable energy) worth stopping a partial charge at, ascending: where the
    #: charging curve slows down (a concave curve's breakpoints), below the full battery.
    breaks: tuple[int, ...] = ()


#: A label: (cost, departure time, minus the usable energy on departure, the label before it, the
#: station visited just before this stop or None). A plain tuple, ordered as the Pareto filter
#: sorts (cheapest, then earliest, then fullest): the label pass makes millions of them, and
#: building and sorting tuples costs a third of what a slotted dataclass with a sort key did.
_Label = tuple[int, int, int, "_Label | None", "_Site | None"]
_BY_COST_TIME_ENERGY = itemgetter(0, 1, 2)
#: Per station usable between two stops: (station, energy left on reaching the second stop after
#: a full charge, energy to reach the station, time to it, time from it, cost of the detour, and
#: where the charge is one cut (no swap) and the station has one opening, (k, b, opens, closes)).
_Leg = tuple[_Site, int, int, int, int, int, "tuple[int, int, int, int] | None"]
_ALWAYS = (-S.INFINITE, S.INFINITE)


class RouteEvaluator:
    """Feasibility and cost of one vehicle unit serving a sequence of task nodes."""

    def __init__(self, rm: RoutingModel, unit_index: int) -> None:
        self.rm = rm
        inst = rm.instance
        un: Unit = rm.units[unit_index]
        self.unit = un
        t = un.type
        self.electric = t.is_electric
        self.T = _time_matrix(rm, t.speed_factor)
        per_km = _objective_weights(inst, t)[0]
        per = S.COST_PER_UNIT if inst.objective.kind == "cost" else S.DISTANCE_PER_KM
        #: The time price (scaled money per scaled time unit) of this unit's route duration where
        #: the objective prices hours (the per-hour cost, or on EVRP-NL the time itself): a route's
        #: cost is its distance cost plus ``span_coef`` x (return - departure), as in OR-Tools'
        #: span cost. 0 otherwise.
        self.span_coef = (
            S.span_cost_per_time(_objective_weights(inst, t)[1])
            if inst.objective.kind == "cost"
            else 0
        )
        #: Distance cost per arc (what the label pass sums), and the estimate that insertion
        #: ranks positions and stations by: the distance cost plus the priced driving time, so
        #: that a time objective (EVRP-NL prices nothing per km) is not flat to the search.
        self.Cd = _cost_matrix(rm, per_km, per)
        self.C = (
            _priced_matrix(rm, per_km, per, t.speed_factor, self.span_coef)
            if self.span_coef
            else self.Cd
        )
        self.E = _energy_matrix(rm, t.full_rate_per_km) if self.electric else None
        if inst.leg_bans(t) is not None:
            # Legs through a zone banned to the type (straight-line travel) take "forever" and
            # cost as much: no schedule survives one, and insertion ranks them last. (A route that
            # could go round by a station is missed where the direct leg is banned; the model's
            # time dimension bans the same legs, so every phase agrees.)
            self.T = _banned_legs(rm, t, "t", self.T)
            self.Cd = _banned_legs(rm, t, "c", self.Cd)
            self.C = _banned_legs(rm, t, "p", self.C)
        shift = inst.shift_of(un.vehicle)
        sd = inst.depot_by_id[un.vehicle.start_depot]
        ed = inst.depot_by_id[un.vehicle.end]
        self.start_loc, self.end_loc = sd.location, ed.location
        self.t0 = S.up(max(shift.start_min, sd.opening.start_min), S.TIME_PER_MIN)
        self.t_end = S.down(min(shift.end_min, ed.opening.end_min), S.TIME_PER_MIN)
        limits = [x for x in (un.vehicle.max_duration_min, t.max_duration_min) if x is not None]
        self.max_span = S.down(min(limits), S.TIME_PER_MIN) if limits else None
        self.cap_w = S.down(t.capacity_kg, S.LOAD_PER_KG)
        self.cap_v = S.down(t.capacity_m3, S.VOLUME_PER_M3) if t.capacity_m3 is not None else None
        self.cap_e = (
            S.down((t.battery_kwh or 0.0) - t.reserve_kwh, S.ENERGY_PER_KWH) if self.electric else 0
        )
        #: Whether a charger visit may stop short of a full battery (the instance's rules allow
        #: it and charging takes time, so that a shorter charge can pay).
        self.partial = (
            self.electric and not inst.rules.full_recharge and not inst.rules.instant_charging
        )
        self.e0 = (
            max(
                0,
                S.down(
                    un.vehicle.initial_soc * (t.battery_kwh or 0.0) - t.reserve_kwh,
                    S.ENERGY_PER_KWH,
                ),
            )
            if self.electric
            else 0
        )
        self._leg_cache: dict[tuple[int, int], list[_Leg]] = {}
        self._nearest_site: dict[int, int] = {}
        self._memo: dict[tuple[int, ...], tuple[int, list[int]] | None] = {}
        #: Work done so far, in label steps (one stop reached from one label): a machine-free
        #: measure of evaluation time, for budgets that must give the same result everywhere.
        self.work = 0
        self.service = [S.up(nd.service_min, S.TIME_PER_MIN) for nd in rm.nodes]
        # Scaled loads per node, rounded away from zero like the model's: taken at the depot
        # (delivery jobs) and the change on the way.
        self._depot_w = [
            S.up(-nd.weight_kg, S.LOAD_PER_KG) if nd.kind == "job" and nd.weight_kg < 0 else 0
            for nd in rm.nodes
        ]
        self._depot_v = [
            S.up(-nd.volume_m3, S.VOLUME_PER_M3) if nd.kind == "job" and nd.volume_m3 < 0 else 0
            for nd in rm.nodes
        ]
        self._step_w = [
            (
                S.up(nd.weight_kg, S.LOAD_PER_KG)
                if nd.weight_kg > 0
                else -S.up(-nd.weight_kg, S.LOAD_PER_KG)
            )
            if nd.weight_kg
            else 0
            for nd in rm.nodes
        ]
        self._step_v = [
            (
                S.up(nd.volume_m3, S.VOLUME_PER_M3)
                if nd.volume_m3 > 0
                else -S.up(-nd.volume_m3, S.VOLUME_PER_M3)
            )
            if nd.volume_m3
            else 0
            for nd in rm.nodes
        ]
        self._windows = [
            tuple(
                (S.up(w.start_min, S.TIME_PER_MIN), S.down(w.end_min, S.TIME_PER_MIN))
                for w in nd.windows
            )
            for nd in rm.nodes
        ]
        #: Task nodes this unit may not serve (zone bans, a task's ``vehicles`` list), mirrored
        #: from the model's vehicle domains.
        self.banned = {
            i
            for i, nd in enumerate(rm.nodes)
            if nd.kind in ("job", "pickup", "delivery")
            and (inst.banned(t, nd.location) or not task_allows(inst, nd, un.vehicle.id))
        }
        #: Scaled reassignment penalty per task node this unit would take from its preferred
        #: vehicle (the model prices it on the arcs into the node; here once per node served).
        pen = (
            _scaled_penalty(inst, inst.objective.reassignment_penalty)
            if inst.objective.reassignment_penalty > 0
            else 0
        )
        self.moved_cost = {
            i: pen
            for i, nd in enumerate(rm.nodes)
            if pen and reassigned_task(inst, nd, un.vehicle.id)
        }
        self.sites: list[_Site] = []
        if self.electric:
            key = (float(t.battery_kwh or 0.0), t.reserve_kwh)
            cls = rm.battery_classes.index(key)
            for st in inst.stations:
                copies = rm.station_nodes.get((st.id, cls))
                if not copies or not t.can_use(st.kind):
                    continue
                raw = (
                    []
                    if inst.rules.instant_charging or st.kind == "swap"
                    else _charge_time_cuts(st, *key)
                )
                cuts = tuple((a * self.cap_e + c, b) for a, b, c in raw)
                breaks = (
                    tuple(
                        sorted(
                            {
                                lv
                                for seg in st.curve[:-1]
                                if 0
                                < (
                                    lv := S.down(
                                        seg.up_to_soc * (t.battery_kwh or 0.0) - t.reserve_kwh,
                                        S.ENERGY_PER_KWH,
                                    )
                                )
                                < self.cap_e
                            }
                        )
                    )
                    if self.partial and st.kind == "charger"
                    else ()
                )
                wins = tuple(
                    (S.up(w.start_min, S.TIME_PER_MIN), S.down(w.end_min, S.TIME_PER_MIN))
                    for w in st.opening
                )
                self.sites.append(
                    _Site(
                        node=copies[0],
                        ref=st.id,
                        location=st.location,
                        swap=st.kind == "swap",
                        swap_t=S.up(st.swap_min, S.TIME_PER_MIN),
                        cuts=cuts,
                        windows=wins,
                        lines=tuple((a, c, b) for a, b, c in raw),
                        breaks=breaks,
                    )
                )

        #: Stations that may dominate each station (see :mod:`.stations`), when the model
        #: prunes dominated visits too; their order in the instance breaks ties.
        self._rivals: dict[str, tuple[str, ...]] = {}
        self._order = {st.id: k for k, st in enumerate(inst.stations)}
        self._loc = {st.id: st.location for st in inst.stations}
        if self.electric and rm.prune_stations:
            from .stations import dominators

            self._rivals = {k: v for k, v in dominators(inst).items() if v}
        #: Least charging time per unit of energy at any usable station (the fastest charger's
        #: rate, in the cuts' units: time * 1e6 per energy unit), for the bound in ``_direct``;
        #: 0 where a swap or instant charging makes time independent of energy.
        self.charge_lb = (
            min(b for site in self.sites for _, b in site.cuts)
            if self.sites and all(site.cuts and not site.swap for site in self.sites)
            else 0
        )
        #: Whether a departure after the shift start can shorten a route: only where something
        #: makes the vehicle wait (a task's window, a station's opening hours).
        self.floats = any(
            w for w, nd in zip(self._windows, rm.nodes, strict=True) if nd.kind != "depot"
        ) or any(site.windows for site in self.sites)

    # ------------------------------------------------------------------------------------------
    def _serve(self, node: int, arrival: int) -> int | None:
        """Service start at node index ``node`` for an ``arrival`` (scaled), or None if every
        window has closed."""
        windows = self._windows[node]
        if not windows:
            return arrival
        for lo, hi in windows:
            if arrival <= hi:
                return arrival if arrival > lo else lo
        return None

    def charge_time(self, site: _Site, energy: int, level: int) -> int:
        """Scaled minutes to charge from ``energy`` up to ``level`` (both scaled usable energy)
        at ``site``, by the model's integer cuts, so that the evaluator and OR-Tools agree on
        every charge; a swap takes its fixed time whatever the level."""
        if site.swap:
            return site.swap_t
        need = 0
        for a, c, b in site.lines:
            x = -((b * energy - a * level - c) // 1_000_000)
            if x > need:
                need = x
        return need

    def _charge(
        self, site: _Site, arrival: int, energy: int, level: int | None = None
    ) -> int | None:
        """Departure time from a station reached at ``arrival`` with ``energy``, charging up to
        ``level`` (None: filling up), or None when no opening fits the charge."""
        if site.swap:
            need = site.swap_t
        elif level is not None:
            need = self.charge_time(site, energy, level)
        else:
            # The same integer cuts as the model, so that both agree on every charge.
            need = 0
            for k, b in site.cuts:
                x = -((b * energy - k) // 1_000_000)
                if x > need:
                    need = x
        if not site.windows:
            return arrival + need
        # The whole charge inside one opening (the validator's rule and the model's): a charge
        # begun before a midday closing does not run on through it.
        for lo, hi in site.windows:
            begin = max(arrival, lo)
            if begin + need <= hi:
                return begin + need
        return None

    def _candidates(self, a: int, b: int) -> list[tuple[_Site, int]]:
        """Stations usable between locations a and b (full battery reaches b), by detour. Not
        remembered here: :meth:`_legs`, its one caller in the pass, keeps its result per pair."""
        E, C = self.E, self.C
        assert E is not None
        found = sorted(
            (
                (site, self.cap_e - E[site.location][b])
                for site in self.sites
                if self.cap_e - E[site.location][b] >= 0
            ),
            key=lambda x: C[a][x[0].location] + C[x[0].location][b],
        )
        if self._rivals:
            found = self._undominated(a, b, found)
        return found

    def _legs(self, a: int, b: int) -> list[_Leg]:
        """:meth:`_candidates` with the matrix entries the label pass needs for each, looked up
        once per pair of locations instead of once per label."""
        key = (a, b)
        found = self._leg_cache.get(key)
        if found is None:
            E, T, C = self.E, self.T, self.C
            assert E is not None
            found = [
                (
                    site,
                    e3,
                    E[a][site.location],
                    T[a][site.location],
                    T[site.location][b],
                    C[a][site.location] + C[site.location][b],
                    (*site.cuts[0], *(site.windows[0] if site.windows else _ALWAYS))
                    if len(site.cuts) == 1 and not site.swap and len(site.windows) <= 1
                    else None,
                )
                for site, e3 in self._candidates(a, b)
            ]
            self._leg_cache[key] = found
        return found

    def _undominated(
        self, a: int, b: int, found: list[tuple[_Site, int]]
    ) -> list[tuple[_Site, int]]:
        """``found`` less the stations another one dominates between ``a`` and ``b`` (see
        :mod:`.stations`; the same raw matrices and rule as the model's arc pruning, so that
        every plan built here is one the model accepts). A rival of a station in ``found`` is in
        it too (same kind, no farther from ``b``), so the set is the instance's, shared by every
        evaluator of the model."""
        cache = _DOMINATED.setdefault(id(self.rm), {})
        gone = cache.get((a, b))
        if gone is None:
            from .stations import beats

            mats = _raw_matrices(self.rm)
            loc, order = self._loc, self._order
            gone = frozenset(
                sid
                for sid, rivals in self._rivals.items()
                if any(beats(mats, a, b, loc[r], loc[sid], order[r] < order[sid]) for r in rivals)
            )
            cache[(a, b)] = gone
        return [x for x in found if x[0].ref not in gone] if gone else found

    def _direct(self, seq: Sequence[int]) -> tuple[int, list[int]] | bool:
        """The route without any station, if that is feasible (then it is also the cheapest).

        Otherwise ``True`` when only energy failed (stations may help) and ``False`` when the
        schedule fails even without charging: a station detour and its charging time only make
        the vehicle later (the time matrix obeys the triangle inequality), so no label can succeed
        and the label-setting pass is skipped. Most rejected insertions end here, cheaply.
        """
        T, C, E = self.T, self.Cd, self.E
        nodes = self.rm.nodes
        self.work += len(seq) + 1
        t, e, cost, prev = self.t0, self.e0, 0, self.start_loc
        # Waiting so far and the forward time slack (Savelsbergh): how much later the vehicle
        # could leave the depot and still keep every window, the waiting absorbing the delay.
        wait, slack = 0, S.INFINITE
        # Also a bound with charging: arriving at a stop with the battery in deficit (driven
        # direct) means that much was charged before, at no less than ``charge_lb`` time per
        # unit, on top of the driving and service so far (waiting may absorb it, so none is
        # counted). On E-VRPTW c103 it ends most sequences the label pass would have rejected.
        slope, nowait = self.charge_lb, self.t0
        windows = self._windows
        for i in seq:
            loc = nodes[i].location
            if E is not None:
                e -= E[prev][loc]
            arr = t + T[prev][loc]
            start = self._serve(i, arr)
            if start is None:
                return False
            if start > arr:
                wait += start - arr
            if windows[i]:
                hi = next(h for lo, h in windows[i] if start <= h)
                if wait + hi - start < slack:
                    slack = wait + hi - start
            nowait += T[prev][loc]
            if (
                e < 0
                and slope
                and windows[i]
                and nowait + (-e * slope) // 1_000_000 > windows[i][-1][1]
            ):
                return False
            nowait += self.service[i]
            t = start + self.service[i]
            cost += C[prev][loc]
            prev = loc
        loc = self.end_loc
        t += T[prev][loc]
        # Leaving later by up to the waiting (within the slack) shortens the route by as much.
        span = t - self.t0 - min(wait, slack)
        if t > self.t_end or (self.max_span is not None and span > self.max_span):
            return False
        if slope and E is not None:
            deficit = E[prev][loc] - e
            if deficit > 0 and nowait + T[prev][loc] + (deficit * slope) // 1_000_000 > self.t_end:
                return False
        # Energy: the battery only drains on a direct route, so the end level is the minimum.
        if E is not None and e - E[prev][loc] < 0:
            return True
        return cost + C[prev][loc] + self.span_coef * span, list(seq)

    def profile(self, seq: Sequence[int]) -> tuple[list[int], list[int]]:
        """Departure times and latest service starts along ``seq`` driven direct (no station).

        A relaxation of the real route: a station detour and its charging only make the vehicle
        later (the time matrix obeys the triangle inequality), so a sequence that is late even
        without charging is infeasible, which :meth:`without` checks in a few steps instead of
        an evaluation. ``dep[i]`` is the departure from ``seq[i]`` when every stop up to it is
        on time (else ``S.INFINITE``); ``latest[i]`` is the latest service start at ``seq[i]``
        from which the rest of the route is on time. Several windows relax to their hull.
        """
        T, nodes, service, windows = self.T, self.rm.nodes, self.service, self._windows
        self.work += len(seq) + 1
        n = len(seq)
        dep = [S.INFINITE] * n
        t, prev = self.t0, self.start_loc
        for x, i in enumerate(seq):
            loc = nodes[i].location
            arr = t + T[prev][loc]
            w = windows[i]
            if w:
                if arr > w[-1][1]:
                    break
                if arr < w[0][0]:
                    arr = w[0][0]
            t = arr + service[i]
            dep[x] = t
            prev = loc
        return dep, self._latest(seq)

    def _latest(self, seq: Sequence[int]) -> list[int]:
        """Latest service start at each stop of ``seq`` from which the rest is on time driven
        direct (see :meth:`profile`)."""
        T, nodes, service, windows = self.T, self.rm.nodes, self.service, self._windows
        n = len(seq)
        self.work += n
        latest = [-S.INFINITE] * n
        nxt_t, nxt_loc = self.t_end, self.end_loc
        for x in range(n - 1, -1, -1):
            i = seq[x]
            loc = nodes[i].location
            lt = nxt_t - T[loc][nxt_loc] - service[i]
            w = windows[i]
            if w and w[-1][1] < lt:
                lt = w[-1][1]
            latest[x] = lt
            nxt_t, nxt_loc = lt, loc
        return latest

    def _energy_to_end(self, seq: Sequence[int]) -> list[int]:
        """Per target of the label pass (``seq``'s stops, then the end depot), the energy to
        drive direct from the stop before it to the route's end."""
        E, nodes = self.E, self.rm.nodes
        assert E is not None
        n = len(seq)
        self.work += n + 1
        enough = [0] * (n + 1)
        need, nxt = 0, self.end_loc
        for x in range(n, -1, -1):
            here = nodes[seq[x - 1]].location if x > 0 else self.start_loc
            need += E[here][nxt]
            enough[x] = need
            nxt = here
        return enough

    def without(
        self, seq: Sequence[int], prof: tuple[list[int], list[int]], removed: Sequence[int]
    ) -> bool:
        """Whether ``seq`` less the positions ``removed`` (ascending) can be on time driven
        direct: False proves it infeasible (see :meth:`profile`), True only says "evaluate"."""
        dep, latest = prof
        first = removed[0]
        if first > 0:
            t = dep[first - 1]
            if t >= S.INFINITE:
                return False
            prev = self.rm.nodes[seq[first - 1]].location
        else:
            t, prev = self.t0, self.start_loc
        T, nodes, service, windows = self.T, self.rm.nodes, self.service, self._windows
        last = removed[-1]
        x = first + 1
        n = len(seq)
        while x < n:
            self.work += 1
            if x in removed:
                x += 1
                continue
            i = seq[x]
            loc = nodes[i].location
            arr = t + T[prev][loc]
            w = windows[i]
            if w and arr < w[0][0]:
                arr = w[0][0]
            if x > last:
                return arr <= latest[x]
            if w and arr > w[-1][1]:
                return False
            t = arr + service[i]
            prev = loc
            x += 1
        return t + T[prev][self.end_loc] <= self.t_end

    def with_inserted(
        self, seq: Sequence[int], prof: tuple[list[int], list[int]], p: int, node: int
    ) -> bool:
        """Whether ``seq`` with ``node`` inserted before position ``p`` can be on time driven
        direct, in constant time from ``seq``'s :meth:`profile`: False proves it infeasible."""
        dep, latest = prof
        T, nodes = self.T, self.rm.nodes
        if p > 0:
            t = dep[p - 1]
            if t >= S.INFINITE:
                return False
            prev = nodes[seq[p - 1]].location
        else:
            t, prev = self.t0, self.start_loc
        loc = nodes[node].location
        arr = t + T[prev][loc]
        w = self._windows[node]
        if w:
            if arr > w[-1][1]:
                return False
            if arr < w[0][0]:
                arr = w[0][0]
        t = arr + self.service[node]
        if p == len(seq):
            return t + T[loc][self.end_loc] <= self.t_end
        nxt = seq[p]
        arr = t + T[loc][nodes[nxt].location]
        w = self._windows[nxt]
        if w and arr < w[0][0]:
            arr = w[0][0]
        return arr <= latest[p]

    def evaluate(self, seq: Sequence[int]) -> tuple[int, list[int]] | None:
        """Cost and the full node sequence (stations inserted) of serving ``seq``, or None.

        Remembered: ruin and recreate asks for the same sequences again and again (a route that
        an iteration did not touch is offered the same tasks at the same places). The returned
        list is shared and must not be changed.
        """
        key = tuple(seq)
        found = self._memo.get(key, _MISS)
        if found is not _MISS:
            self.work += 1
            return found  # type: ignore[return-value]
        res = self._evaluate(seq)
        if res is not None and self.moved_cost:
            res = (res[0] + sum(self.moved_cost.get(i, 0) for i in seq), res[1])
        if len(self._memo) >= MEMO_SIZE:
            self._memo.clear()
        self._memo[key] = res
        return res

    def _evaluate(self, seq: Sequence[int]) -> tuple[int, list[int]] | None:
        rm = self.rm
        nodes = rm.nodes
        if self.banned and any(i in self.banned for i in seq):
            return None
        # Capacity first: it does not depend on the schedule.
        # The load taken at the depot: every delivery job on the route, each rounded up.
        dw, dv, sw, sv = self._depot_w, self._depot_v, self._step_w, self._step_v
        load_w = sum(dw[i] for i in seq)
        if load_w > self.cap_w:
            return None
        cap_v = self.cap_v
        load_v = sum(dv[i] for i in seq) if cap_v is not None else 0
        if cap_v is not None and load_v > cap_v:
            return None
        for i in seq:
            if sw[i]:
                load_w += sw[i]
                if load_w > self.cap_w:
                    return None
            if cap_v is not None and sv[i]:
                load_v += sv[i]
                if load_v > cap_v:
                    return None
        T, C, E = self.T, self.Cd, self.E
        fast = self._direct(seq)
        if not isinstance(fast, bool):
            return fast
        if not fast or E is None:
            return None
        labels: list[_Label] = [(0, self.t0, -self.e0, None, None)]
        prev_loc = self.start_loc
        targets = [*seq, -1]
        # The latest service start at each stop from which the rest can be on time even driven
        # direct: a label later than that is doomed (stations only delay), so it is dropped at
        # once instead of filling the label set until the route's end proves it late.
        latest = [*self._latest(seq), self.t_end]
        # A label holding the energy to drive direct to the route's end never needs a station
        # again, and a station detour would only make it dearer and later (both matrices obey
        # the triangle inequality; later is never better, waiting being allowed), so it is
        # extended direct only. After a route's last charge that spares the pass every station
        # branch (same verdicts on 48,000 replayed E-VRPTW sequences; rc202 11 % faster).
        enough = self._energy_to_end(seq)
        serve, charge, t_end = self._serve, self._charge, self.t_end
        # A label's cost holds the priced time since the shift start (``tc`` per unit), so that
        # labels rank by what the objective says; the departure's float is taken off at the end.
        tc, t_start = self.span_coef, self.t0
        partial = self.partial
        # Where charges may be partial, one charge can be split over two visits at no cost in
        # money or time (a station on the way out and back): a visit then costs the least unit,
        # so that of equal plans the one with fewer stops wins (three trucks and one charger:
        # six short charges queued where three long ones fitted).
        visit = 1 if partial else 0
        for x, i in enumerate(targets):
            if i == -1:
                loc, node = self.end_loc, None
                service = 0
            else:
                node = i
                loc = nodes[i].location
                service = self.service[i]
            new: list[_Label] = []
            legs = self._legs(prev_loc, loc)
            branches = min(len(legs), STATION_OPTIONS)
            self.work += len(labels) * (1 + branches)
            bound = latest[x]
            full = enough[x]
            # The stop's window, inlined below (``_serve`` per label and station cost a tenth of
            # the pass): one window (lo, hi), none (unbounded), or several (then ``_serve``).
            wins = self._windows[node] if node is not None else ((-S.INFINITE, t_end),)
            several = len(wins) > 1
            lo, hi = wins[0] if wins else (-S.INFINITE, S.INFINITE)
            ready = wins[0][0] if node is not None and wins else 0
            t_direct, e_direct, c_direct = T[prev_loc][loc], E[prev_loc][loc], C[prev_loc][loc]
            for lab in labels:
                cost0, t0, e0 = lab[0], lab[1], -lab[2]
                arr = t0 + t_direct
                if (arr if arr > ready else ready) > bound:
                    continue  # late even direct: every station is later still
                # direct
                e2 = e0 - e_direct
                if e2 >= 0:
                    if several:
                        start = serve(node, arr)  # type: ignore[arg-type]
                    else:
                        start = None if arr > hi else arr if arr > lo else lo
                    if start is not None and start <= bound:
                        new.append(
                            (
                                cost0 + c_direct + tc * (start + service - t0),
                                start + service,
                                -e2,
                                lab,
                                None,
                            )
                        )
                if e0 >= full:
                    self.work -= branches  # counted above, not made
                    continue
                tried = 0
                for site, e3, e_in, t_in, t_out, c_detour, line in legs:
                    e1 = e0 - e_in
                    if e1 < 0:
                        continue
                    at_site = t0 + t_in
                    arr = at_site + t_out
                    if (arr if arr > ready else ready) > bound:
                        continue  # late even without charging
                    if line is not None:
                        # One cut, one opening: ``_charge`` inlined (a fifth of the pass).
                        need = -((line[1] * e1 - line[0]) // 1_000_000)
                        leave = (at_site if at_site > line[2] else line[2]) + (
                            need if need > 0 else 0
                        )
                        if leave > line[3]:
                            continue
                        arr = leave + t_out
                    else:
                        left = charge(site, at_site, e1)
                        if left is None:
                            continue
                        arr = left + t_out
                    if several:
                        start = serve(node, arr)  # type: ignore[arg-type]
                    else:
                        start = None if arr > hi else arr if arr > lo else lo
                    if start is None or start > bound:
                        continue
                    new.append(
                        (
                            cost0 + c_detour + visit + tc * (start + service - t0),
                            start + service,
                            -e3,
                            lab,
                            site,
                        )
                    )
                    if partial and not site.swap and tried < PARTIAL_OPTIONS:
                        self._partial_charges(
                            new,
                            lab,
                            site,
                            e1,
                            at_site,
                            t_out,
                            c_detour,
                            node,
                            prev_loc,
                            full,
                            x == len(targets) - 1,
                            service,
                            bound,
                        )
                    tried += 1
                    if tried >= STATION_OPTIONS:
                        break
            if not new:
                return None
            labels = _pareto(new)
            prev_loc = loc
        best: _Label | None = None
        best_cost = 0
        for lab in labels:
            cost, span = lab[0], lab[1] - t_start
            if self.floats and (tc or (self.max_span is not None and span > self.max_span)):
                # Leaving later by the waiting the windows let it absorb: a shorter route, and
                # cheaper where hours are priced (the validator times it from that departure).
                delay = self._float(self._chain(lab), targets)
                span -= delay
                cost -= tc * delay
            if self.max_span is not None and span > self.max_span:
                continue
            if best is None or cost < best_cost:
                best, best_cost = lab, cost
        if best is None:
            return None
        # Unwind: the label chain holds one label per target, with the station before it.
        chain = self._chain(best)
        out: list[int] = []
        for target, step in zip(targets, chain, strict=True):
            if step[4] is not None:
                out.append(step[4].node)
            if target != -1:
                out.append(target)
        return best_cost, out

    def _to_station(self, loc: int) -> int:
        """Energy from ``loc`` to the nearest usable station (remembered per location)."""
        found = self._nearest_site.get(loc)
        if found is None:
            E = self.E
            assert E is not None
            found = min((E[loc][site.location] for site in self.sites), default=0)
            self._nearest_site[loc] = found
        return found

    def _float(self, chain: list[_Label], targets: list[int]) -> int:
        """How much later than ``t0`` the route of ``chain`` (one label per target) can leave
        and keep every window, station opening and charge, bounded by the waiting that the delay
        absorbs: Savelsbergh's forward time slack at the depot. Leaving that much later makes
        the route that much shorter, which a duration limit or a per-hour cost rewards."""
        T, E, nodes = self.T, self.E, self.rm.nodes
        t, e, prev = self.t0, self.e0, self.start_loc
        wait, slack = 0, S.INFINITE
        wins: tuple[tuple[int, int], ...]
        for target, lab in zip(targets, chain, strict=True):
            if target == -1:
                loc, service, wins = self.end_loc, 0, ((-S.INFINITE, self.t_end),)
            else:
                loc, service, wins = (
                    nodes[target].location,
                    self.service[target],
                    self._windows[target],
                )
            site = lab[4]
            if site is None:
                arr = t + T[prev][loc]
            else:
                assert E is not None
                at_site = t + T[prev][site.location]
                e1 = e - E[prev][site.location]
                need = self.charge_time(site, e1, -lab[2] + E[site.location][loc])
                begin, hi = at_site, S.INFINITE
                for lo, h in site.windows:
                    b = max(at_site, lo)
                    if b + need <= h:  # inside one opening, as in :meth:`_charge`
                        begin, hi = b, h - need
                        break
                wait += begin - at_site
                slack = min(slack, wait + hi - begin)
                arr = begin + need + T[site.location][loc]
            start = lab[1] - service
            if start > arr:
                wait += start - arr
            if wins:
                hi = next((h for _, h in wins if start <= h), start)
                slack = min(slack, wait + hi - start)
            t, e, prev = lab[1], -lab[2], loc
        return max(0, min(wait, slack))

    @staticmethod
    def _chain(lab: _Label) -> list[_Label]:
        """The labels from the first target to ``lab``, one per target."""
        chain: list[_Label] = []
        cur: _Label | None = lab
        while cur is not None and cur[3] is not None:
            chain.append(cur)
            cur = cur[3]
        chain.reverse()
        return chain

    def _partial_charges(
        self,
        new: list[_Label],
        lab: _Label,
        site: _Site,
        e1: int,
        at_site: int,
        t_out: int,
        c_detour: int,
        node: int | None,
        prev_loc: int,
        full: int,
        last: bool,
        service: int,
        bound: int,
    ) -> None:
        """Labels that charge at ``site`` to less than a full battery (partial charging): up to
        what drives the rest of the route direct, up to what reaches the next stop and a
        station after it, and up to each breakpoint of the charging curve (where a concave curve
        slows). Exact charging per route would try every level (Froger et al. 2019); these are
        the levels where the time or the energy constraints change, and the Pareto filter keeps
        the labels that are later but fuller."""
        E = self.E
        assert E is not None
        b = self.end_loc if node is None else self.rm.nodes[node].location
        to_b = E[site.location][b]
        # ``full`` is the energy from the stop before this target to the route's end direct; from
        # the station it is the leg to b plus what lies after b.
        after_b = full - E[prev_loc][b]
        levels = {to_b + after_b}
        if not last:
            levels.add(to_b + self._to_station(b))
        levels.update(site.breaks)
        cap = self.cap_e
        t_prev, cost0 = lab[1], lab[0]
        tc = self.span_coef
        for level in sorted(levels):
            if level <= e1 or level >= cap or level < to_b:
                continue
            self.work += 1
            left = self._charge(site, at_site, e1, level)
            if left is None:
                continue
            arr = left + t_out
            start = self._serve(node, arr) if node is not None else arr
            if start is None or start > bound or (node is None and start > self.t_end):
                continue
            new.append(
                (
                    cost0 + c_detour + 1 + tc * (start + service - t_prev),
                    start + service,
                    -(level - to_b),
                    lab,
                    site,
                )
            )


def _pareto(labels: list[_Label]) -> list[_Label]:
    """The labels no other is as cheap, as early and as full as (ties: the first), cheapest
    first, at most ``MAX_LABELS``."""
    labels.sort(key=_BY_COST_TIME_ENERGY)
    kept: list[_Label] = []
    for lab in labels:
        t, minus_e = lab[1], lab[2]
        for k in kept:
            if k[1] <= t and k[2] <= minus_e:
                break
        else:
            kept.append(lab)
            if len(kept) >= MAX_LABELS:
                break
    return kept


#: Matrices as nested lists: indexing a list is several times faster than a numpy scalar lookup in
#: the evaluator's inner loop.
_CACHE: dict[tuple[int, str, float | str], list[list[int]]] = {}


def _time_matrix(rm: RoutingModel, speed_factor: float) -> list[list[int]]:
    key = (id(rm), "t", speed_factor)
    if key not in _CACHE:
        _CACHE[key] = S.matrix_up(rm.instance.duration_min / speed_factor, S.TIME_PER_MIN).tolist()
    return _CACHE[key]


def _cost_matrix(rm: RoutingModel, per_km: float, per: int) -> list[list[int]]:
    key = (id(rm), "c", per_km)
    if key not in _CACHE:
        _CACHE[key] = S.matrix_nearest(rm.instance.distance_km * per_km, per).tolist()
    return _CACHE[key]


def _priced_matrix(
    rm: RoutingModel, per_km: float, per: int, speed_factor: float, span_coef: int
) -> list[list[int]]:
    """Distance cost plus the priced driving time per arc (``RouteEvaluator.C``)."""
    key = (id(rm), f"p{speed_factor}/{span_coef}", per_km)
    if key not in _CACHE:
        cost = S.matrix_nearest(rm.instance.distance_km * per_km, per)
        minutes = S.matrix_up(rm.instance.duration_min / speed_factor, S.TIME_PER_MIN)
        _CACHE[key] = (cost + span_coef * minutes).tolist()
    return _CACHE[key]


def _banned_legs(
    rm: RoutingModel, t: VehicleType, what: str, base: list[list[int]]
) -> list[list[int]]:
    """``base`` with :data:`S.INFINITE` on the legs type ``t`` may not drive
    (``Instance.leg_bans``), remembered per model, type and matrix."""
    key = (id(rm), f"ban-{what}", t.id)  # the type fixes the base matrix
    if key not in _CACHE:
        ban = rm.instance.leg_bans(t)
        assert ban is not None
        m = np.array(base, dtype=np.int64)
        m[ban] = S.INFINITE
        _CACHE[key] = m.tolist()
    return _CACHE[key]


def _energy_matrix(rm: RoutingModel, rate: float) -> list[list[int]]:
    key = (id(rm), "e", rate)
    if key not in _CACHE:
        _CACHE[key] = S.matrix_up(rm.instance.distance_km * rate, S.ENERGY_PER_KWH).tolist()
    return _CACHE[key]


_RAW: dict[int, tuple[list[list[float]], list[list[float]]]] = {}
#: Per model, the stations dominated between two locations (see ``RouteEvaluator._undominated``).
_DOMINATED: dict[int, dict[tuple[int, int], frozenset[str]]] = {}


def _raw_matrices(rm: RoutingModel) -> tuple[list[list[float]], list[list[float]]]:
    """The instance's distance and duration matrices as nested lists (station dominance)."""
    if id(rm) not in _RAW:
        inst = rm.instance
        _RAW[id(rm)] = (inst.distance_km.tolist(), inst.duration_min.tolist())
    return _RAW[id(rm)]


def release(rm: RoutingModel) -> None:
    """Drop the cached matrices of ``rm``."""
    for key in [k for k in _CACHE if k[0] == id(rm)]:
        del _CACHE[key]
    _RAW.pop(id(rm), None)
    _DOMINATED.pop(id(rm), None)


# ----------------------------------------------------------------------------------------------
@dataclass
class Built:
    """A constructed plan: per vehicle unit, its full node sequence (stations included)."""

    routes: dict[int, list[int]]  # unit index -> node sequence
    tasks: dict[int, list[int]]  # unit index -> task nodes only (no stations)
    cost: dict[int, int]
    unassigned: list[str]
    stats: dict[str, int] = field(default_factory=dict)
    #: Wall-clock seconds per phase (kept apart from ``stats``, which repeat exactly).
    seconds: dict[str, float] = field(default_factory=dict)
    #: The routes ruin and recreate met (:mod:`.recombine`), where it kept them.
    pool: RoutePool | None = None

    def total_cost(self, fixed: Sequence[int]) -> int:
        """Routing cost plus each used unit's fixed cost (``lns.fixed_costs``): the measure the
        searches compare plans by (on fewest vehicles the fixed cost outweighs any distance)."""
        return sum(self.cost[k] + fixed[k] for k in self.tasks)


#: Mean tasks per route from which fleet minimisation redoes the ejection search's last removal.
LONG_ROUTE_TASKS = 20


def construct(
    rm: RoutingModel,
    *,
    initial: dict[int, list[int]] | None = None,
    order_seed: int = 0,
    eval_budget: int = 80,
    rm_work: int = 0,
    fleet_work: int = 0,
    lns_work: int = 0,
    lns_walks: int = 1,
    deadline: float = math.inf,
    compare_start: bool = False,
    recombine_work: float = 0.0,
    recombine_midway: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> Built:
    """Sequential cheapest insertion: open a route with the hardest unserved task, fill it with the
    cheapest feasible insertions, repeat. Then try to empty the smallest routes (route elimination).

    ``eval_budget`` caps the full evaluations tried per insertion step (the cheap ones first);
    ``rm_work`` is the work budget (label steps) of the route-minimisation search (0: none),
    ``fleet_work`` that of fleet minimisation after it (:func:`.lns.fleet_minimise`; what it
    leaves goes to the next) and ``lns_work`` that of the ruin-and-recreate improvement last
    (:mod:`.lns`). All are counts, not seconds, so the result does not depend on the machine.
    Where routes hold ``LONG_ROUTE_TASKS`` tasks or more, ruin and recreate walks ``lns_walks``
    times from the same start, each walk with the whole ``lns_work`` (:func:`_best_of_walks`).
    With ``recombine_work`` (CP-SAT's deterministic time), the routes the walks met are then
    recombined into the cheapest plan they make (:mod:`.recombine`). ``progress(total, routes)``
    hears of the plan after each phase and of each new best plan of ruin and recreate (``total``
    in the model's scaled money, fixed costs included).

    ``initial`` seeds the plan with task sequences per unit (PyVRP's plan without batteries, see
    :func:`.hgs.battery_relaxed`): each keeps its order, the evaluator places its stations, and a
    sequence that no placement makes feasible is cut into the longest feasible runs, each on a
    unit of its own; insertion then serves whatever is left.
    """
    inst: Instance = rm.instance
    rng = np.random.default_rng(order_seed)
    evaluators: dict[int, RouteEvaluator] = {}

    def ev(k: int) -> RouteEvaluator:
        if k not in evaluators:
            evaluators[k] = RouteEvaluator(rm, k)
        return evaluators[k]

    # Tasks: single nodes for jobs; (pickup, delivery) pairs for shipments.
    tasks: dict[str, list[int]] = dict(rm.task_nodes)
    unserved = set(tasks)
    routes: dict[int, list[int]] = {}
    plans: dict[int, list[int]] = {}
    costs: dict[int, int] = {}
    dist = inst.distance_km
    depot_loc = inst.depots[0].location
    free_units = list(range(len(rm.units)))
    #: Ties between equally cheap insertions are broken by one random key per task (seeded).
    tie = {tid: float(x) for tid, x in zip(sorted(tasks), rng.random(len(tasks)), strict=True)}

    def due(tid: str) -> float:
        nd = rm.nodes[tasks[tid][-1]]
        return nd.windows[-1].end_min if nd.windows else float("inf")

    def far(tid: str) -> float:
        return float(dist[depot_loc, rm.nodes[tasks[tid][0]].location])

    ins = Insertion(rm, ev, tasks)
    insert_positions, insert_options = ins.positions, ins.options

    def best_insertion(
        k: int, seq: list[int], candidates: list[str], budget: int
    ) -> tuple[str, list[int], int, list[int]] | None:
        options: list[tuple[int, float, str, int, int]] = []
        for tid in candidates:
            r = tie[tid]
            for delta, p, q in insert_positions(k, seq, tid):
                options.append((delta, r, tid, p, q))
        for _, _, tid, p, q in heapq.nsmallest(budget, options):
            new = inserted(seq, tasks[tid], p, q)
            res = ev(k).evaluate(new)
            if res is not None:
                return tid, new, res[0], res[1]
        return None

    def seed(k: int, seq: list[int]) -> None:
        """Take ``seq`` on unit ``k`` (and, where it fails as a whole, on further free units)."""
        run: list[int] = []
        found: tuple[int, list[int]] | None = None
        pending = list(seq)
        unit: int | None = k

        def take(u: int, run: list[int], res: tuple[int, list[int]] | None) -> None:
            # A cut may part a shipment's pickup from its delivery: such halves are left to
            # insertion, which places both ends (fewer stops only make a route shorter).
            whole = [i for i in run if all(j in run for j in tasks[node_task[i]])]
            if whole != run:
                run = whole
                res = ev(u).evaluate(run) if run else None
            if res is None:
                return
            routes[u], costs[u], plans[u] = run, res[0], res[1]
            free_units.remove(u)
            unserved.difference_update(node_task[i] for i in run)

        while pending and unit is not None:
            res = ev(unit).evaluate([*run, pending[0]])
            if res is not None:
                run.append(pending.pop(0))
                found = res
                continue
            if not run or found is None:
                pending.pop(0)  # serves nothing alone on this unit: insertion places it later
                continue
            take(unit, run, found)
            run, found = [], None
            # The rest on a unit no seed sequence is waiting for, else on any free one.
            unit = next(
                (u for u in free_units if u not in initial_units),
                free_units[0] if free_units else None,
            )
        if run and found is not None and unit is not None:
            take(unit, run, found)

    def fill() -> None:
        """Open routes on free units and fill each by cheapest insertion."""
        while unserved and free_units:
            # Seed: the farthest task, earliest due first among equals (hard to fit later), then
            # the seeded tie key: a set's order of strings changes with each process's hash seed.
            ordered = sorted(unserved, key=lambda t: (-far(t), due(t), tie[t]))
            opened = False
            for k in list(free_units):
                for tid in ordered:
                    res = ev(k).evaluate(tasks[tid])
                    if res is not None:
                        unserved.discard(tid)
                        routes[k], costs[k], plans[k] = list(tasks[tid]), res[0], res[1]
                        free_units.remove(k)
                        opened = True
                        break
                if opened:
                    break
                # This unit serves nothing that is left: try the next unit.
            if not opened:
                return
            while unserved:
                found = best_insertion(k, routes[k], sorted(unserved), eval_budget)
                if found is None:
                    break
                tid, seq, cost, plan = found
                routes[k], costs[k], plans[k] = seq, cost, plan
                unserved.discard(tid)

    node_task = {i: tid for tid, ids in tasks.items() for i in ids}
    initial_units = set(initial or {})

    def constructed(seeded: bool) -> Built:
        """The constructed plan, from ``initial`` where ``seeded``, else by insertion alone."""
        nonlocal routes, plans, costs
        routes, plans, costs = {}, {}, {}
        unserved.clear()
        unserved.update(tasks)
        free_units[:] = list(range(len(rm.units)))
        if seeded and initial:
            for k, seq in sorted(initial.items()):
                if k in free_units:
                    seed(k, seq)
        fill()
        built = Built(plans, routes, costs, sorted(unserved))
        _eliminate_routes(rm, built, ev, tasks, insert_options, eval_budget)
        for _ in range(3):
            # Elimination frees units (a big truck whose few tasks moved elsewhere) that may
            # serve what the first pass left over.
            if not unserved:
                break
            routes, plans, costs = built.tasks, built.routes, built.cost
            free_units[:] = [k for k in range(len(rm.units)) if k not in routes]
            before = len(unserved)
            fill()
            built = Built(plans, routes, costs, sorted(unserved))
            _eliminate_routes(rm, built, ev, tasks, insert_options, eval_budget)
            if len(unserved) == before:
                break
        return built

    from .lns import fixed_costs

    #: Each unit's fixed cost: every comparison of whole plans below counts it.
    fixed = fixed_costs(rm)
    built = constructed(bool(initial))
    if initial and compare_start and (built.unassigned or time.monotonic() < deadline):
        # A seed whose routes the batteries break is cut into many short runs: where insertion
        # alone starts cheaper (fewer unserved tasks, then total cost), the search starts there.
        # Once the deadline has passed, only where the seeded start leaves a task unserved: a
        # second whole insertion (a second or more on a 220-task part under load) is what made
        # parts of large days end late, but a start that serves less is no plan at all.
        plain = constructed(False)
        if (len(plain.unassigned), plain.total_cost(fixed)) < (
            len(built.unassigned),
            built.total_cost(fixed),
        ):
            built = plain
            built.stats["seed_start_dropped"] = 1

    def tell() -> None:
        if progress is not None and not built.unassigned:
            progress(built.total_cost(fixed), len(built.tasks))

    tell()
    before_last: list[Built] = []
    # Under a money objective fewer routes are a means, not the end: the plan before route and
    # fleet minimisation is kept where it costs less (fixed costs included) than theirs.
    unminimised = (
        Built(
            {k: list(v) for k, v in built.routes.items()},
            {k: list(v) for k, v in built.tasks.items()},
            dict(built.cost),
            list(built.unassigned),
        )
        if inst.objective.kind == "cost" and (rm_work > 0 or fleet_work > 0)
        else None
    )
    if rm_work > 0 and not built.unassigned:
        # A safety cap only (the work budget should end it): leave ruin and recreate and
        # OR-Tools at least two fifths of the time that is left.
        now = time.monotonic()
        rm_deadline = now + 0.6 * (deadline - now) if deadline < math.inf else math.inf
        if minimize_routes(rm, built, ev, tasks, ins, rm_work, rng, rm_deadline, before_last):
            built.stats["route_min_capped"] = 1
        built.seconds["route_min_s"] = round(time.monotonic() - now, 3)
    tell()
    if fleet_work > 0 and not built.unassigned:
        from .lns import fleet_minimise

        # The same safety cap as route minimisation's: ruin and recreate and OR-Tools keep at
        # least two fifths of what is left.
        now = time.monotonic()
        fleet_deadline = now + 0.6 * (deadline - now) if deadline < math.inf else math.inf
        # Where routes are long, the ejection search's last removal squeezes a whole route's
        # tasks (20 to 35) into two to four others: a packed plan that ruin and recreate (which
        # never opens a route on a fewest-vehicles objective) walks out of slowly. Fleet
        # minimisation's bank spreads them with far less distortion, so there it starts from the
        # plan before that last removal and redoes it, and the cheaper of its plan and the
        # ejection search's is kept (fewest routes first). On E-VRPTW R2/RC2 (15 instances x 2
        # seeds, 60 s) the mean gap went 3.13 % -> 2.58 % (r201 seed 1 14.7 % -> 3.7 %). Not on
        # short routes: on R1/C1 (10-18 routes of 5-10 tasks) the redo cost the budget that
        # takes the next route away (c109 and r106 one vehicle more) and distance too (c106,
        # c107, r103 3-4 points worse), the last removal there spreading few tasks over many
        # routes.
        long_routes = bool(before_last) and len(tasks) >= LONG_ROUTE_TASKS * (
            len(before_last[0].tasks) - 1
        )
        start = before_last[0] if long_routes else built
        routes_before = len(built.tasks)
        built.stats.update(
            fleet_minimise(
                rm,
                start,
                ev,
                tasks,
                ins,
                fleet_work,
                rng,
                fleet_deadline,
                floor=_route_lower_bound(rm, tasks),
            )
        )
        if start is not built:

            def value(b: Built) -> tuple[int, int]:
                return len(b.tasks), b.total_cost(fixed)

            redone = value(start) < value(built)
            built.stats["fleet_from_before_last"] = int(redone)
            if redone:
                built.tasks, built.routes, built.cost = start.tasks, start.routes, start.cost
            # Counted against the ejection search's plan, as when fleet minimisation starts there.
            built.stats["fleet_routes_removed"] = routes_before - len(built.tasks)
        built.seconds["fleet_s"] = round(time.monotonic() - now, 3)
        # What fleet minimisation did not need (it stops at the capacity bound) goes to
        # ruin and recreate: a count, so the plan stays the same on every machine.
        if not built.stats.get("fleet_capped"):
            lns_work += max(0, fleet_work - built.stats.get("fleet_work", fleet_work))
    if unminimised is not None and not built.unassigned:
        kept = unminimised.total_cost(fixed) < built.total_cost(fixed)
        built.stats["minimised_plan_dearer"] = int(kept)
        if kept:
            built.tasks, built.routes, built.cost = (
                unminimised.tasks,
                unminimised.routes,
                unminimised.cost,
            )
    tell()
    if lns_work > 0 and not built.unassigned:
        from .lns import ruin_recreate

        now = time.monotonic()
        pool = RoutePool() if recombine_work > 0 else None
        walks = (
            lns_walks if lns_walks > 1 and len(tasks) >= LONG_ROUTE_TASKS * len(built.tasks) else 1
        )
        # The recombination runs half-way through each walk and once at the end, sharing
        # ``recombine_work`` evenly. Where the wall clock ends the walks, they end early enough
        # for the last one to have its work.
        per_call = recombine_work / (walks + 1) if recombine_midway else recombine_work
        walk_end = deadline - RECOMBINE_S_PER_WORK * per_call if pool else deadline
        task_of = {n: tid for tid, ids in tasks.items() for n in ids}
        midway_stats: dict[str, int] = {}

        def midway(
            seqs: dict[int, list[int]], plans: dict[int, list[int]], costs: dict[int, int]
        ) -> tuple[dict[int, list[int]], dict[int, list[int]], dict[int, int]] | None:
            assert pool is not None
            trial = Built(dict(plans), dict(seqs), dict(costs), [])
            found = recombine(
                rm, trial, pool, fixed, task_of, work=per_call, seed=order_seed, deadline=walk_end
            )
            for key in ("recombine_saved", "recombine_improved", "recombine_capped"):
                midway_stats[key] = midway_stats.get(key, 0) + found[key]
            return (trial.tasks, trial.routes, trial.cost) if found["recombine_improved"] else None

        hook = midway if pool is not None and recombine_midway else None
        if walks > 1:
            built.stats.update(
                _best_of_walks(
                    rm, built, ev, tasks, ins, lns_work, rng, walk_end, walks, pool, hook, progress
                )
            )
        else:
            built.stats.update(
                ruin_recreate(
                    rm, built, ev, tasks, ins, lns_work, rng, walk_end, pool, hook, progress
                )
            )
        built.seconds["lns_s"] = round(time.monotonic() - now, 3)
        if pool is not None:
            now = time.monotonic()
            built.stats.update(
                recombine(
                    rm,
                    built,
                    pool,
                    fixed,
                    task_of,
                    work=per_call,
                    seed=order_seed,
                    deadline=deadline,
                )
            )
            built.stats.update({f"midway_{k}": v for k, v in midway_stats.items()})
            built.stats["recombine_offered"] = pool.offered
            built.pool = pool
            built.seconds["recombine_s"] = round(time.monotonic() - now, 3)
        tell()
    return built


def _best_of_walks(
    rm: RoutingModel,
    built: Built,
    ev: Callable[[int], RouteEvaluator],
    tasks: dict[str, list[int]],
    ins: Insertion,
    lns_work: int,
    rng: np.random.Generator,
    deadline: float,
    walks: int,
    pool: RoutePool | None = None,
    midway: Midway | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Run ruin and recreate ``walks`` times from ``built``, each with the whole budget and the
    seeded generator's next draws, and keep the cheapest plan (fixed costs included) in ``built``.

    Why: where routes hold 20 to 35 tasks (E-VRPTW R2/RC2) one walk settles in a basin that its
    seed decides, not its budget: rc202 ends 0.2 % above the best known on seed 1 and 8.5 % on
    seed 2 from starts that cost the same, and 1.43 times the budget in one walk changed nothing
    (2.65 % against 2.58 % on R2/RC2, 15 instances x 2 seeds), nor did two walks of half the
    budget (2.87 %). Two whole walks took the same sample to 2.20 %; the first walk is the single
    walk's, so the plan is never worse. The price is a second walk's time (ruin and recreate took
    13 to 15 s of the 20 s solve on the 2-core machine; two walks end at 33 to 43 s of 60).
    Returns the walks' counters summed, and ``lns_walks``.
    """
    from .lns import fixed_costs, ruin_recreate

    fixed = fixed_costs(rm)
    start = (dict(built.routes), dict(built.tasks), dict(built.cost))
    kept: tuple[int, dict[int, list[int]], dict[int, list[int]], dict[int, int]] | None = None
    totals: dict[str, int] = {"lns_walks": walks}
    for _ in range(walks):
        built.routes, built.tasks, built.cost = dict(start[0]), dict(start[1]), dict(start[2])
        walked = ruin_recreate(
            rm, built, ev, tasks, ins, lns_work, rng, deadline, pool, midway, progress
        )
        for key, n in walked.items():
            totals[key] = totals.get(key, 0) + n
        # Ruin and recreate's own measure: where a vehicle's fixed cost outweighs any distance
        # (fewest vehicles) it orders plans by routes, then cost; with small fixed costs a walk
        # may open a route that pays for itself.
        value = built.total_cost(fixed)
        if kept is None or value < kept[0]:
            kept = (value, built.routes, built.tasks, built.cost)
    assert kept is not None
    _, built.routes, built.tasks, built.cost = kept
    # A capped walk stays capped in the sum; the meta reads it as a flag.
    totals["lns_capped"] = min(1, totals.get("lns_capped", 0))
    return totals


def _eliminate_routes(
    rm: RoutingModel,
    built: Built,
    ev: Callable[[int], RouteEvaluator],
    tasks: dict[str, list[int]],
    insert_options: Callable[[int, list[int], str, int], list[tuple[int, list[int]]]],
    budget: int,
) -> None:
    """Try to empty routes, smallest first, by inserting their tasks into the other routes.

    Under a money objective a route is emptied only where the plan then costs less, fixed costs
    included: the hours of a long glued route can outweigh the vehicle it saves (a generated
    150-task day: one van fewer, 1,150 CNY more of drivers' time). Under the benchmark rules
    (fewest vehicles; distance with an unlimited fleet) every route emptied counts, as before."""
    task_of = {n: tid for tid, ids in tasks.items() for n in ids}
    priced = rm.instance.objective.kind == "cost"
    if priced:
        from .lns import fixed_costs

        fixed = fixed_costs(rm)
    improved = True
    while improved and len(built.tasks) > 1:
        improved = False
        for k in sorted(built.tasks, key=lambda k: len(built.tasks[k])):
            moving = list(dict.fromkeys(task_of[n] for n in built.tasks[k]))
            trial_tasks = {j: list(s) for j, s in built.tasks.items() if j != k}
            trial_plans = {j: built.routes[j] for j in trial_tasks}
            trial_costs = {j: built.cost[j] for j in trial_tasks}
            ok = True
            for tid in moving:
                best = None
                for j, seq in trial_tasks.items():
                    opts = insert_options(j, seq, tid, budget // 4 or 1)
                    for delta, new in opts:
                        if best is not None and delta >= best[0]:
                            break
                        res = ev(j).evaluate(new)
                        if res is not None:
                            best = (res[0] - trial_costs[j], j, new, res)
                            break
                if best is None:
                    ok = False
                    break
                _, j, new, res = best
                trial_tasks[j], trial_costs[j], trial_plans[j] = new, res[0], res[1]
            if ok and priced:
                before = built.total_cost(fixed)
                ok = sum(trial_costs[j] + fixed[j] for j in trial_tasks) < before
            if ok:
                built.tasks = trial_tasks
                built.routes = trial_plans
                built.cost = trial_costs
                improved = True
                break


def minimize_routes(
    rm: RoutingModel,
    built: Built,
    ev: Callable[[int], RouteEvaluator],
    tasks: dict[str, list[int]],
    ins: Insertion,
    max_work: int,
    rng: np.random.Generator,
    deadline: float = math.inf,
    before_last: list[Built] | None = None,
) -> bool:
    """Remove whole routes by an ejection search (after Nagata & Braysy's route minimisation).

    Take a route out and put its tasks on a stack. Pop a task and insert it at its cheapest
    feasible place; when it fits nowhere, raise its counter and insert it anyway, ejecting one or
    two tasks of that route so that the route becomes feasible, choosing the ejection with the
    smallest sum of counters (tasks that keep failing become expensive to eject, which steers the
    search away from cycling); the ejected tasks go on the stack. After each ejection a few random
    relocations between routes shake the plan. The route is gone when the stack is empty; if the
    evaluation budget runs out first, the last complete plan stays. Only feasible routes are ever
    kept. The search also stops at a lower bound on the routes (capacity) and, as a safety cap,
    at ``deadline``; returns whether the cap ended it. ``before_last``, when given, receives
    the plan as it was before the last route was removed (see :func:`construct` for why).
    """
    task_of = {n: tid for tid, ids in tasks.items() for n in ids}
    evals = [0]
    all_positions = 10**6
    capped = [False]

    def out_of_budget() -> bool:
        if evals[0] >= max_work:
            return True
        if time.monotonic() > deadline:
            capped[0] = True
            evals[0] = max_work
            return True
        return False

    def insert_options(k: int, seq: list[int], tid: str, n: int) -> list[tuple[int, list[int]]]:
        # Scanning the positions is work too: on short routes it costs more than the evaluations
        # (c103C15 spent 10 s of a 10 s limit here when only evaluations were counted).
        found = ins.options(k, seq, tid, n)
        evals[0] += len(found) + 1
        return found

    bound = _route_lower_bound(rm, tasks)

    evaluate = counted(ev, evals)

    def profile(k: int, seq: list[int]) -> tuple[list[int], list[int]]:
        e = ev(k)
        before = e.work
        found = e.profile(seq)
        evals[0] += e.work - before
        return found

    def relaxed_without(
        k: int, seq: list[int], prof: tuple[list[int], list[int]], out: tuple[str, ...]
    ) -> bool:
        """False when ``seq`` less the tasks ``out`` is late even driven direct (no need to
        evaluate it: most ejections on tight windows end here, in a few steps)."""
        e = ev(k)
        before = e.work
        removed = [x for x, n in enumerate(seq) if task_of[n] in out]
        ok = e.without(seq, prof, removed)
        evals[0] += e.work - before + 1
        return ok

    def tasks_in(seq: list[int]) -> list[str]:
        return list(dict.fromkeys(task_of[n] for n in seq))

    def try_insert(
        trial: dict[int, list[int]], plans: dict[int, list[int]], costs: dict[int, int], tid: str
    ) -> bool:
        # Work, counted as when each search scanned on its own (so that budgets mean what they
        # meant): per route its positions (n + 2) and, for a single node, its time profile
        # (2n + 1), whether kept from an earlier task or not; then each quick time check made.
        if len(tasks[tid]) == 1:
            evals[0] += sum(3 * len(seq) + 3 for seq in trial.values())
        else:
            evals[0] += sum((len(sq) + 1) * (len(sq) + 2) // 2 + 1 for sq in trial.values())
        best, checks = ins.best(trial, costs, tid, evaluate)
        evals[0] += checks
        if best is None:
            return False
        _, j, new, res = best
        trial[j], costs[j], plans[j] = new, res[0], res[1]
        return True

    #: Feasible ejections per (route, task, size), whatever the counters: after an ejection only
    #: one route changes, so most (route, task) pairs come back unchanged (measured: 93 % of the
    #: evaluations were repeats, and rebuilding them took three quarters of the search's time).
    ejection_cache: dict[
        tuple[tuple[int, ...], str, int],
        list[tuple[tuple[str, ...], list[int], tuple[int, list[int]]]],
    ] = {}

    def ejections(
        j: int, seq: list[int], tid: str, size: int
    ) -> list[tuple[tuple[str, ...], list[int], tuple[int, list[int]]]]:
        """Every feasible (ejected tasks, route, evaluation) inserting ``tid`` in route ``j`` and
        ejecting ``size`` of its other tasks."""
        key = (tuple(seq), tid, size)
        found = ejection_cache.get(key)
        if found is not None:
            evals[0] += 1 + len(found)
            return found
        found = []
        for _, new in insert_options(j, seq, tid, all_positions):
            others = [t for t in tasks_in(new) if t != tid]
            if size == 1:
                combos: list[tuple[str, ...]] = [(t,) for t in others]
            else:
                combos = [(a, b) for x, a in enumerate(others) for b in others[x + 1 :]]
            prof = profile(j, new)
            for out in combos:
                if not relaxed_without(j, new, prof, out):
                    continue
                reduced = [n for n in new if task_of[n] not in out]
                res = evaluate(j, reduced)
                if res is not None:
                    found.append((out, reduced, res))
        if len(ejection_cache) >= 20_000:
            ejection_cache.clear()
        ejection_cache[key] = found
        return found

    def eject_insert(
        trial: dict[int, list[int]],
        plans: dict[int, list[int]],
        costs: dict[int, int],
        tid: str,
        counters: dict[str, int],
    ) -> list[str] | None:
        """Insert ``tid`` somewhere, ejecting the cheapest (by counters, then cost) one or two
        tasks; two only where no single ejection works anywhere.

        Nagata & Braysy minimise the counter sum over every size up to five; measured here (with
        three) that reached fewer routes at equal work on 5 of 8 E-VRPTW instances and none more:
        the larger ejections cost far more evaluations than they save."""
        best: tuple[int, int, int, tuple[str, ...], list[int], tuple[int, list[int]]] | None = None
        for size in (1, 2):
            for j in sorted(trial):
                for out, reduced, res in ejections(j, trial[j], tid, size):
                    score = sum(counters.get(t, 0) for t in out)
                    cand = (score, res[0] - costs[j], j, out, reduced, res)
                    if best is None or cand[:3] < best[:3]:
                        best = cand
                if out_of_budget():
                    return None
            if best is not None:
                break
        if best is None:
            return None
        _, _, j, out, reduced, res = best
        trial[j], costs[j], plans[j] = reduced, res[0], res[1]
        return list(out)

    def perturb(
        trial: dict[int, list[int]], plans: dict[int, list[int]], costs: dict[int, int], moves: int
    ) -> None:
        """Random feasible relocations of one task to another route (diversification)."""
        keys = sorted(trial)
        if len(keys) < 2:
            return
        for _ in range(moves):
            a, b = (keys[int(x)] for x in rng.choice(len(keys), size=2, replace=False))
            movable = tasks_in(trial[a])
            if len(movable) < 2:
                continue
            tid = movable[int(rng.integers(len(movable)))]
            rest = [n for n in trial[a] if task_of[n] != tid]
            options = insert_options(b, trial[b], tid, all_positions)
            _, new = options[int(rng.integers(len(options)))]
            res_b = evaluate(b, new)
            if res_b is None:
                continue
            res_a = evaluate(a, rest)
            if res_a is None:
                continue
            trial[a], costs[a], plans[a] = rest, res_a[0], res_a[1]
            trial[b], costs[b], plans[b] = new, res_b[0], res_b[1]

    counters: dict[str, int] = {}
    #: Routes whose removal got stuck (a task that fits nowhere even after ejecting two others):
    #: skipped until a route is removed, when the plan has changed.
    stuck: set[int] = set()
    while len(built.tasks) > max(1, bound) and not out_of_budget():
        # The route to remove: a random one among the smaller half (Nagata & Braysy pick at
        # random; small routes leave fewer tasks to place).
        by_size = sorted(
            (k for k in built.tasks if k not in stuck),
            key=lambda k: (len(built.tasks[k]), built.cost[k]),
        )
        if not by_size:
            return capped[0]
        victim = by_size[int(rng.integers(max(1, len(by_size) // 2)))]
        trial = {j: list(sq) for j, sq in built.tasks.items() if j != victim}
        plans = {j: built.routes[j] for j in trial}
        costs = {j: built.cost[j] for j in trial}
        stack = tasks_in(built.tasks[victim])
        while stack and not out_of_budget():
            tid = stack.pop()
            if try_insert(trial, plans, costs, tid):
                continue
            counters[tid] = counters.get(tid, 0) + 1
            out = eject_insert(trial, plans, costs, tid, counters)
            if out is None:
                stack.append(tid)
                break
            stack.extend(out)
            perturb(trial, plans, costs, 10)
        if stack:
            stuck.add(victim)
            continue
        stuck.clear()
        if before_last is not None:
            before_last[:] = [Built(dict(built.routes), dict(built.tasks), dict(built.cost), [])]
        built.tasks, built.routes, built.cost = trial, plans, costs
    return capped[0]


def _route_lower_bound(rm: RoutingModel, tasks: dict[str, list[int]]) -> int:
    """Fewest routes that can carry the weight: the largest units first. Deliveries all ride from
    the depot and pickups all ride to it, so each sum must fit; shipments, loaded and unloaded on
    the way, bound nothing."""
    single = [rm.nodes[ids[0]].weight_kg for ids in tasks.values() if len(ids) == 1]
    total = max(sum(-w for w in single if w < 0), sum(w for w in single if w > 0))
    caps = sorted((u.type.capacity_kg for u in rm.units), reverse=True)
    carried = 0.0
    for n, cap in enumerate(caps, start=1):
        carried += cap
        if carried >= total - 1e-9:
            return n
    return len(caps)
