"""The route evaluator: feasibility and cost of one vehicle unit serving a task sequence, with
exact station placement.

Why our own: a route is a sequence of tasks *without* stations, and :class:`RouteEvaluator`
decides where the vehicle must charge (a label-setting pass, see below). Every search phase (the
insertion constructor, route and fleet minimisation, ruin and recreate) asks it, so they only ever
build routes it proved feasible; OR-Tools' own first-solution strategies find no plan on tight
E-VRPTW instances (see :mod:`.construct`).

The evaluator works on the very integers the OR-Tools model uses (same scaling, same rounding), so
a route it accepts is accepted by OR-Tools too, and therefore by the validator.

Label setting. Walking the task sequence, each label is (departure time, usable energy, cost) at a
stop. To reach the next stop a label may drive direct or through one station (charge to full or
swap). Labels that are later, emptier and dearer than another are dropped (Pareto dominance); at
most ``MAX_LABELS`` are kept per stop. With full recharges and a linear charger this is exact for
one station between consecutive stops; chains of two stations are not explored.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from operator import itemgetter

import numpy as np

from ..model import Station, VehicleType
from . import scaling as S
from .search_model import (
    SearchModel,
    Unit,
    charge_time_cuts,
    objective_weights,
    reassigned_task,
    scaled_penalty,
    task_allows,
)
from .stations import beats, dominators

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
#: Where a straight charging curve gives no level to stop at, the levels tried are these
#: fractions of the usable battery (see ``RouteEvaluator._grid``).
GRID_STEPS = 10


@dataclass(frozen=True, slots=True)
class _Site:
    """A station as the evaluator sees it (one per station and battery class)."""

    node: int  # the first OR-Tools copy of this station for the class
    ref: str  # the station's id
    location: int
    swap: bool
    swap_t: int
    #: The model's charging-time cuts (see search_model.charge_time_cuts) for a charge to full,
    #: as (a * usable + c, b): the time is max over cuts of ceil((k - b * energy) / 1e6); empty
    #: when instant.
    cuts: tuple[tuple[int, int], ...]
    #: Opening windows (scaled minutes): a charge starts inside one and ends by ``close_at``.
    windows: tuple[tuple[int, int], ...]
    #: The end of the last opening. The validator and the OR-Tools model hold a charge inside
    #: one opening; holding the evaluator to that too lost a valid replan of city-day (its
    #: insertion levels then found no charge that fits before a closing), so it is left as it
    #: was: see the closing note of 2026-12-06.
    close_at: int
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
#: A stop as the label pass extends labels to it: (location, task node or None for the route's
#: end, service time, latest service start, energy to drive direct from the stop before it to the
#: route's end, whether it is the route's end).
_Stop = tuple[int, "int | None", int, int, int, bool]


class RouteEvaluator:
    """Feasibility and cost of one vehicle unit serving a sequence of task nodes."""

    def __init__(self, rm: SearchModel, unit_index: int) -> None:
        self.rm = rm
        inst = rm.instance
        un: Unit = rm.units[unit_index]
        self.unit = un
        t = un.type
        self.electric = t.is_electric
        self._matrices(t)
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
        #: Whether a charge short of full is also tried where a full one is late. Under the
        #: benchmark rules (fewest vehicles, then distance) a charge costs only its detour, as
        #: the validator counts it, and Erdelic's partial-recharge best-known routes need it (a
        #: charger just before the depot at the day's end). Under a money objective the search
        #: prices a station's energy at the depot's price (benchmarks/TRIED.md, "Pricing"), and
        #: these extra station options misled it: regional150-s1 at 60 s cost 7.5 % more (14
        #: trucks for 13), and EVRP-NL's 80-customer instances 1.62 -> 1.72 % (more labels in
        #: the same seconds).
        self.short_if_late = self.partial and inst.objective.kind != "cost"
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
        #: The label :meth:`_finish` last chose (read by :meth:`charge_levels`).
        self._best: _Label | None = None
        self._nearest_site: dict[int, int] = {}
        self._memo: dict[tuple[int, ...], tuple[int, list[int]] | None] = {}
        #: Work done so far, in label steps (one stop reached from one label): a machine-free
        #: measure of evaluation time, for budgets that must give the same result everywhere.
        self.work = 0
        self._node_data()
        self._unit_rules()
        #: Whether the Pareto filter keeps the fullest label (set where a grid of levels is used).
        self.keep_fullest = False
        self.sites: list[_Site] = self._sites() if self.electric else []
        self._station_bounds()

    def _matrices(self, t: VehicleType) -> None:
        """The unit's time, cost and energy matrices (shared per model and type, see
        :data:`_CACHE`), with the legs banned to its type made impassable."""
        rm = self.rm
        inst = rm.instance
        self.T = _time_matrix(rm, t.speed_factor)
        per_km = objective_weights(inst, t)[0]
        per = S.COST_PER_UNIT if inst.objective.kind == "cost" else S.DISTANCE_PER_KM
        #: The time price (scaled money per scaled time unit) of this unit's route duration where
        #: the objective prices hours (the per-hour cost, or on EVRP-NL the time itself): a route's
        #: cost is its distance cost plus ``span_coef`` x (return - departure), as in OR-Tools'
        #: span cost. 0 otherwise.
        self.span_coef = (
            S.span_cost_per_time(objective_weights(inst, t)[1])
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

    def _node_data(self) -> None:
        """Per node, in the model's integers: service time, loads and windows (looked up by
        index in the label pass, never recomputed)."""
        nodes = self.rm.nodes
        self.service = [S.up(nd.service_min, S.TIME_PER_MIN) for nd in nodes]
        # Scaled loads per node, rounded away from zero like the model's: taken at the depot
        # (delivery jobs) and the change on the way.
        self._depot_w = [
            S.up(-nd.weight_kg, S.LOAD_PER_KG) if nd.kind == "job" and nd.weight_kg < 0 else 0
            for nd in nodes
        ]
        self._depot_v = [
            S.up(-nd.volume_m3, S.VOLUME_PER_M3) if nd.kind == "job" and nd.volume_m3 < 0 else 0
            for nd in nodes
        ]
        self._step_w = [S.away(nd.weight_kg, S.LOAD_PER_KG) for nd in nodes]
        self._step_v = [S.away(nd.volume_m3, S.VOLUME_PER_M3) for nd in nodes]
        self._windows = [
            tuple(
                (S.up(w.start_min, S.TIME_PER_MIN), S.down(w.end_min, S.TIME_PER_MIN))
                for w in nd.windows
            )
            for nd in nodes
        ]

    def _unit_rules(self) -> None:
        """What this unit may not serve and what serving a task costs it extra, mirrored from the
        model's vehicle domains and reassignment penalty."""
        rm, un = self.rm, self.unit
        inst, t = rm.instance, un.type
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
            scaled_penalty(inst, inst.objective.reassignment_penalty)
            if inst.objective.reassignment_penalty > 0
            else 0
        )
        self.moved_cost = {
            i: pen
            for i, nd in enumerate(rm.nodes)
            if pen and reassigned_task(inst, nd, un.vehicle.id)
        }

    def _sites(self) -> list[_Site]:
        """The stations this (electric) unit may use, one :class:`_Site` each, in the
        instance's order."""
        rm, t = self.rm, self.unit.type
        inst = rm.instance
        key = (float(t.battery_kwh or 0.0), t.reserve_kwh)
        cls = rm.battery_classes.index(key)
        sites: list[_Site] = []
        for st in inst.stations:
            copies = rm.station_nodes.get((st.id, cls))
            if not copies or not t.can_use(st.kind):
                continue
            raw = (
                []
                if inst.rules.instant_charging or st.kind == "swap"
                else charge_time_cuts(st, *key)
            )
            wins = tuple(
                (S.up(w.start_min, S.TIME_PER_MIN), S.down(w.end_min, S.TIME_PER_MIN))
                for w in st.opening
            )
            sites.append(
                _Site(
                    node=copies[0],
                    ref=st.id,
                    location=st.location,
                    swap=st.kind == "swap",
                    swap_t=S.up(st.swap_min, S.TIME_PER_MIN),
                    cuts=tuple((a * self.cap_e + c, b) for a, b, c in raw),
                    windows=wins,
                    close_at=wins[-1][1] if wins else S.INFINITE,
                    lines=tuple((a, c, b) for a, b, c in raw),
                    breaks=self._levels(st) if self.partial and st.kind == "charger" else (),
                )
            )
        return sites

    def _levels(self, st: Station) -> tuple[int, ...]:
        """The levels a partial charge at ``st`` may stop at besides the route's own (see
        :attr:`_Site.breaks`): the curve's breakpoints, or the grid where it has none."""
        breaks = self._breaks(st)
        if breaks:
            return breaks
        grid = self._grid()
        # The label pass then keeps the fullest label at each stop (see :func:`_pareto`).
        self.keep_fullest = self.keep_fullest or bool(grid)
        return grid

    def _breaks(self, st: Station) -> tuple[int, ...]:
        """The levels (scaled usable energy) where ``st``'s charging curve changes slope, below
        a full battery: where a partial charge is worth stopping (see :attr:`_Site.breaks`)."""
        t = self.unit.type
        return tuple(
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

    def _grid(self) -> tuple[int, ...]:
        """Levels to stop a charge at on a straight charging curve where the search's value is
        distance (``short_if_late``): every tenth of the usable battery.

        Why: a straight curve has no breakpoint, so the label pass tried only what drives the
        rest of the route direct and what reaches a station after the next stop; the right level
        is often neither, but what reaches a station several stops on, or a later stop in its
        window. Of the 368 routes of Erdelic & Caric's best-known E-VRPTW-PR plans the evaluator
        refused 28; with these nine levels and the fullest label kept at each stop (see
        :func:`_pareto`) it refuses 5 (with the levels alone 32, the cap of six labels then
        keeping the least charged; with the fullest label alone 27)."""
        if not self.short_if_late:
            return ()
        return tuple(self.cap_e * k // GRID_STEPS for k in range(1, GRID_STEPS))

    def _station_bounds(self) -> None:
        """What the quick bounds need of the stations: the dominance between them, the least
        charging time per unit of energy, and whether anything can make the vehicle wait."""
        rm = self.rm
        inst = rm.instance
        #: Stations that may dominate each station (see :mod:`.stations`), when the model
        #: prunes dominated visits too; their order in the instance breaks ties.
        self._rivals: dict[str, tuple[str, ...]] = {}
        self._order = {st.id: k for k, st in enumerate(inst.stations)}
        self._loc = {st.id: st.location for st in inst.stations}
        if self.electric and rm.prune_stations:
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

    def _charge(self, site: _Site, arrival: int, energy: int) -> int | None:
        """Departure time from a station reached at ``arrival`` with ``energy``, filling up (a
        partial charge is timed in :meth:`_partial_charges`), or None when no opening fits the
        charge."""
        if site.swap:
            need = site.swap_t
        else:
            # The same integer cuts as the model, so that both agree on every charge.
            need = 0
            for k, b in site.cuts:
                x = -((b * energy - k) // 1_000_000)
                if x > need:
                    need = x
        if not site.windows:
            return arrival + need
        for lo, hi in site.windows:
            begin = max(arrival, lo)
            if begin <= hi and begin + need <= site.close_at:
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
            # The detour's distance cost only (``Cd``): the label pass prices the time of the
            # whole stop, detour included, through the span. With ``C`` (the ranking estimate,
            # driving time priced in) the station's legs were paid twice where hours are priced:
            # EVRP-NL tc1c10s3ct2's route through station 11 was costed 631 min for 575.
            E, T, C = self.E, self.T, self.Cd
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
        cache = _dominated_table(self.rm)
        gone = cache.get((a, b))
        if gone is None:
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
            if deficit > 0:
                # The route lasts at least its driving, service and least charging (``nowait``
                # counts no waiting), however late it leaves: past the shift's end or past the
                # duration limit, no placement of stations saves it.
                least = nowait + T[prev][loc] + (deficit * slope) // 1_000_000
                if least > self.t_end or (
                    self.max_span is not None and least - self.t0 > self.max_span
                ):
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

    def charge_levels(self, seq: Sequence[int]) -> list[float | None] | None:
        """The usable energy (kWh above the reserve) the route of ``seq`` leaves each of its
        stations with, in order, as the label pass chose it (None at a swap, which fills the
        battery); None where the route is infeasible.

        Why: the read-back of a plan (:func:`.driver._start_plan`) otherwise guesses each charge
        (to full, or to what reaches the next station), and a partial-recharge route may hold its
        windows only with the evaluator's own levels: r101's C3 S4 C65 S4 C35 S4 C30 C51 fills up
        at its second S4 while it would wait at C35 anyway, and a least charge there is late at
        C30.
        """
        self._best = None
        if self._evaluate(seq) is None:
            return None
        best = self._best
        if best is None:
            return []  # served direct, or without a charge
        E, nodes = self.E, self.rm.nodes
        assert E is not None
        levels: list[float | None] = []
        for target, step in zip([*seq, -1], self._chain(best), strict=True):
            site = step[4]
            if site is None:
                continue
            loc = self.end_loc if target == -1 else nodes[target].location
            left = -step[2] + E[site.location][loc]
            levels.append(None if site.swap else left / S.ENERGY_PER_KWH)
        return levels

    def _evaluate(self, seq: Sequence[int]) -> tuple[int, list[int]] | None:
        """:meth:`evaluate` without the memo: the quick checks (bans, loads, the route driven
        direct), then the label pass, one :meth:`_extend` per stop, and the cheapest label that
        keeps the duration limit (:meth:`_finish`)."""
        if self.banned and any(i in self.banned for i in seq):
            return None
        if not self._loads_fit(seq):
            return None
        fast = self._direct(seq)
        if not isinstance(fast, bool):
            return fast
        if not fast or self.E is None:
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
        enough, ends = self._to_end(seq)
        nodes, service, last = self.rm.nodes, self.service, len(targets) - 1
        slope = self.charge_lb
        for x, i in enumerate(targets):
            if i == -1:
                stop: _Stop = (self.end_loc, None, 0, latest[x], enough[x], x == last)
            else:
                stop = (nodes[i].location, i, service[i], latest[x], enough[x], x == last)
            new = self._extend(labels, prev_loc, stop)
            # Drop the labels that cannot end in time even driven direct from here with the
            # least charging their energy deficit takes (see :meth:`_to_end`): without this,
            # on EVRP-NL's 10 h routes most rejected passes ran to the route's end before the
            # duration limit refused every label. Dropped before the Pareto filter's cap, so
            # that the labels it keeps can still finish.
            lim, need = ends[x]
            new = (
                [
                    lab
                    for lab in new
                    if (
                        lab[1] + ((need + lab[2]) * slope) // 1_000_000
                        if need + lab[2] > 0
                        else lab[1]
                    )
                    <= lim
                ]
                if slope
                else [lab for lab in new if lab[1] <= lim]
            )
            if not new:
                return None
            labels = _pareto(new, self.keep_fullest)
            prev_loc = stop[0]
        return self._finish(labels, targets)

    def _to_end(self, seq: Sequence[int]) -> tuple[list[int], list[tuple[int, int]]]:
        """Two tables over the targets of the label pass (``seq``'s stops, then the end depot),
        made in one backward pass, counted as one.

        ``enough``: the energy to drive direct from the stop before each target to the route's
        end (a label holding it never needs a station again).

        ``ends``: the latest departure from each target that can still end the route in time,
        and the energy to drive from it to the route's end direct. The route ends no earlier
        than the departure plus the rest driven direct and served (the time matrix obeys the
        triangle inequality) plus the charging of the energy deficit at the fastest rate
        (``charge_lb``, as :meth:`_direct` bounds it). "In time" is the shift's end and, where
        nothing can make the vehicle wait (``floats`` false, so that the span is the end time
        less ``t0``), the duration limit too. A label later than the bound allows for its
        deficit cannot finish, so the pass drops it. One pass, because both walk the same legs:
        counting the bound as a pass of its own cost the windowed instances, where it rarely
        cuts, about 4 % of their work budget."""
        T, E, nodes, service = self.T, self.E, self.rm.nodes, self.service
        assert E is not None
        limit = self.t_end
        if not self.floats and self.max_span is not None:
            limit = min(limit, self.t0 + self.max_span)
        n = len(seq)
        self.work += n + 1
        enough = [0] * (n + 1)
        ends = [(limit, 0)] * (n + 1)
        after, energy, nxt = 0, 0, self.end_loc  # from leaving target x to the route's end
        for x in range(n, -1, -1):
            ends[x] = (limit - after, energy)
            here = nodes[seq[x - 1]].location if x > 0 else self.start_loc
            energy += E[here][nxt]
            enough[x] = energy
            after += T[here][nxt] + (service[seq[x]] if x < n else 0)
            nxt = here
        return enough, ends

    def _loads_fit(self, seq: Sequence[int]) -> bool:
        """Whether the loads of ``seq`` fit the unit all along (weight and volume): checked
        first, as it does not depend on the schedule."""
        # The load taken at the depot: every delivery job on the route, each rounded up.
        dw, dv, sw, sv = self._depot_w, self._depot_v, self._step_w, self._step_v
        load_w = sum(dw[i] for i in seq)
        if load_w > self.cap_w:
            return False
        cap_v = self.cap_v
        load_v = sum(dv[i] for i in seq) if cap_v is not None else 0
        if cap_v is not None and load_v > cap_v:
            return False
        for i in seq:
            if sw[i]:
                load_w += sw[i]
                if load_w > self.cap_w:
                    return False
            if cap_v is not None and sv[i]:
                load_v += sv[i]
                if load_v > cap_v:
                    return False
        return True

    def _extend(self, labels: list[_Label], prev_loc: int, stop: _Stop) -> list[_Label]:
        """The labels reaching ``stop`` from ``labels`` (at ``prev_loc``): direct, and through
        each of the cheapest stations (full and, where allowed, partial charges). One call per
        stop, so that the per-label loop below stays free of calls but for the rare ones."""
        loc, node, service, bound, full, _ = stop
        T, C, E, charge, serve = self.T, self.Cd, self.E, self._charge, self._serve
        assert E is not None
        # A label's cost holds the priced time since the shift start (``tc`` per unit); the
        # departure's float is taken off at the end. Where charges may be partial, a visit costs
        # the least unit, so that of equal plans the one with fewer stops wins (a charge split
        # over two visits costs the same: three trucks, one charger, six short charges queued).
        tc, partial, short_if_late = self.span_coef, self.partial, self.short_if_late
        visit = 1 if partial else 0
        new: list[_Label] = []
        legs = self._legs(prev_loc, loc)
        branches = min(len(legs), STATION_OPTIONS)
        self.work += len(labels) * (1 + branches)
        # The stop's window, inlined below (``_serve`` per label and station cost a tenth of
        # the pass): one window (lo, hi), none (unbounded), or several (then ``_serve``).
        wins = self._windows[node] if node is not None else ((-S.INFINITE, self.t_end),)
        several = len(wins) > 1
        lo, hi = wins[0] if wins else (-S.INFINITE, S.INFINITE)
        ready = wins[0][0] if node is not None and wins else 0
        t_direct, e_direct, c_direct = T[prev_loc][loc], E[prev_loc][loc], C[prev_loc][loc]
        for lab in labels:
            cost0, t0, e0 = lab[0], lab[1], -lab[2]
            arr = t0 + t_direct
            if (arr if arr > ready else ready) > bound:
                continue  # late even direct: every station is later still
            e2 = e0 - e_direct  # direct
            if e2 >= 0:
                if several:
                    start = serve(node, arr)  # type: ignore[arg-type]
                else:
                    start = None if arr > hi else arr if arr > lo else lo
                if start is not None and start <= bound:
                    done = start + service
                    new.append((cost0 + c_direct + tc * (done - t0), done, -e2, lab, None))
            if e0 >= full:
                self.work -= branches  # counted above, not made
                continue
            tried = shorter = 0
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
                    leave = (at_site if at_site > line[2] else line[2]) + (need if need > 0 else 0)
                    start = None if leave > line[3] else leave + t_out
                else:
                    left = charge(site, at_site, e1)
                    start = None if left is None else left + t_out
                if start is not None:
                    arr = start
                    if several:
                        start = serve(node, arr)  # type: ignore[arg-type]
                    else:
                        start = None if arr > hi else arr if arr > lo else lo
                ok = start is not None and start <= bound
                if ok:
                    done = start + service  # type: ignore[operator]
                    new.append((cost0 + c_detour + visit + tc * (done - t0), done, -e3, lab, site))
                # Short of full where a full charge is on time (or late: ``short_if_late``).
                n = shorter if short_if_late else tried
                if partial and not site.swap and (ok or short_if_late) and n < PARTIAL_OPTIONS:
                    shorter += 1
                    self._partial_charges(
                        new, lab, site, e1, at_site, t_out, c_detour, prev_loc, stop
                    )
                if ok:
                    tried += 1
                    if tried >= STATION_OPTIONS:
                        break
        return new

    def _finish(self, labels: list[_Label], targets: list[int]) -> tuple[int, list[int]] | None:
        """The cheapest of the labels at the route's end that keeps the duration limit, once its
        departure floats (see :meth:`_float`), unwound into the node sequence with stations."""
        tc, t_start = self.span_coef, self.t0
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
        self._best = best
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
                    if b <= h and b + need <= site.close_at:
                        begin, hi = b, min(h, site.close_at - need)
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
        prev_loc: int,
        stop: _Stop,
    ) -> None:
        """Labels that charge at ``site`` to less than a full battery (partial charging): up to
        what drives the rest of the route direct, up to what reaches the next stop and a
        station after it, and up to each breakpoint of the charging curve (where a concave curve
        slows). Exact charging per route would try every level (Froger et al. 2019); these are
        the levels where the time or the energy constraints change, and the Pareto filter keeps
        the labels that are later but fuller. The final plan's charges are chosen exactly
        (:mod:`.frvcp`), where the search's millions of evaluations could not afford it."""
        b, node, service, bound, full, last = stop
        E = self.E
        assert E is not None
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
        lines, wins, close_at = site.lines, site.windows, site.close_at
        low = e1 if e1 >= to_b else to_b - 1
        # Ascending levels take ever longer to charge, so the first level that misses every
        # opening, a window or the bound ends the scan: every higher one would miss it too.
        for level in sorted(levels):
            if level <= low or level >= cap:
                continue
            self.work += 1
            # ``charge_time`` and ``_charge`` inlined (this loop is a third of the pass).
            need = 0
            for a, c, b_ in lines:
                x = -((b_ * e1 - a * level - c) // 1_000_000)
                if x > need:
                    need = x
            if wins:
                for lo, hi in wins:
                    begin = at_site if at_site > lo else lo
                    if begin <= hi and begin + need <= close_at:
                        break
                else:
                    break
                arr = begin + need + t_out
            else:
                arr = at_site + need + t_out
            start = self._serve(node, arr) if node is not None else arr
            if start is None or start > bound or (node is None and start > self.t_end):
                break
            new.append(
                (
                    cost0 + c_detour + 1 + tc * (start + service - t_prev),
                    start + service,
                    -(level - to_b),
                    lab,
                    site,
                )
            )


def _pareto(labels: list[_Label], keep_fullest: bool = False) -> list[_Label]:
    """The labels no other is as cheap, as early and as full as (ties: the first), cheapest
    first, at most ``MAX_LABELS``. With ``keep_fullest``, where more are undominated the last
    place goes to the fullest of them: where charges may stop short of full at many levels (see
    ``RouteEvaluator._grid``) the cheapest six are the least charged, and a route that must
    reach a station several stops on lost the only label that could."""
    labels.sort(key=_BY_COST_TIME_ENERGY)
    kept: list[_Label] = []
    for lab in labels:
        t, minus_e = lab[1], lab[2]
        for k in kept:
            if k[1] <= t and k[2] <= minus_e:
                break
        else:
            kept.append(lab)
            if len(kept) >= MAX_LABELS and not keep_fullest:
                break
    if len(kept) > MAX_LABELS:
        fullest = min(range(len(kept)), key=lambda x: kept[x][2])
        if fullest >= MAX_LABELS:
            kept[MAX_LABELS - 1] = kept[fullest]
        del kept[MAX_LABELS:]
    return kept


#: Matrices as nested lists: indexing a list is several times faster than a numpy scalar lookup in
#: the evaluator's inner loop. Each is made once per model and kept in its ``derived`` table.


def _time_matrix(rm: SearchModel, speed_factor: float) -> list[list[int]]:
    key = ("t", speed_factor)
    if key not in rm.derived:
        rm.derived[key] = S.matrix_up(
            rm.instance.duration_min / speed_factor, S.TIME_PER_MIN
        ).tolist()
    return rm.derived[key]


def _cost_matrix(rm: SearchModel, per_km: float, per: int) -> list[list[int]]:
    key = ("c", per_km)
    if key not in rm.derived:
        rm.derived[key] = S.matrix_nearest(rm.instance.distance_km * per_km, per).tolist()
    return rm.derived[key]


def _priced_matrix(
    rm: SearchModel, per_km: float, per: int, speed_factor: float, span_coef: int
) -> list[list[int]]:
    """Distance cost plus the priced driving time per arc (``RouteEvaluator.C``)."""
    key = (f"p{speed_factor}/{span_coef}", per_km)
    if key not in rm.derived:
        cost = S.matrix_nearest(rm.instance.distance_km * per_km, per)
        minutes = S.matrix_up(rm.instance.duration_min / speed_factor, S.TIME_PER_MIN)
        rm.derived[key] = (cost + span_coef * minutes).tolist()
    return rm.derived[key]


def _banned_legs(
    rm: SearchModel, t: VehicleType, what: str, base: list[list[int]]
) -> list[list[int]]:
    """``base`` with :data:`S.INFINITE` on the legs type ``t`` may not drive
    (``Instance.leg_bans``), remembered per model, type and matrix."""
    key = (f"ban-{what}", t.id)  # the type fixes the base matrix
    if key not in rm.derived:
        ban = rm.instance.leg_bans(t)
        assert ban is not None
        m = np.array(base, dtype=np.int64)
        m[ban] = S.INFINITE
        rm.derived[key] = m.tolist()
    return rm.derived[key]


def _energy_matrix(rm: SearchModel, rate: float) -> list[list[int]]:
    key = ("e", rate)
    if key not in rm.derived:
        rm.derived[key] = S.matrix_up(rm.instance.distance_km * rate, S.ENERGY_PER_KWH).tolist()
    return rm.derived[key]


def _dominated_table(rm: SearchModel) -> dict[tuple[int, int], frozenset[str]]:
    """Per pair of locations, the stations dominated between them (see
    ``RouteEvaluator._undominated``), filled as the pass asks."""
    return rm.derived.setdefault("dominated", {})


def _raw_matrices(rm: SearchModel) -> tuple[list[list[float]], list[list[float]]]:
    """The instance's distance and duration matrices as nested lists (station dominance)."""
    if "raw" not in rm.derived:
        inst = rm.instance
        rm.derived["raw"] = (inst.distance_km.tolist(), inst.duration_min.tolist())
    return rm.derived["raw"]


def release(rm: SearchModel) -> None:
    """Drop what the evaluator derived from ``rm`` before the model itself goes: the driver
    frees the matrices while OR-Tools still holds the model."""
    rm.derived.clear()
