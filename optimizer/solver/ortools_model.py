"""The OR-Tools routing model of a search model, built where its phase runs (:func:`ortools`).

Over the search model's nodes and units (see :mod:`.search_model`, station copies included).

Dimensions:

- ``time`` (scaled minutes): transit = service at the origin + driving time at the type's speed;
  slack = waiting, and at a station the charging (or swap) time;
- ``weight`` and ``volume``: the start cumul is the load taken on at the depot (free, bounded by
  capacity); a delivery job subtracts its weight, a pickup adds it; cumul >= 0 forces the start load
  to cover the deliveries. Shipments add at pickup and subtract at delivery;
- ``energy`` (scaled kWh above the reserve): transit = minus the energy of the arc (at the full-load
  rate, which is conservative); slack at a station copy = energy added, bounded so the battery is
  never filled beyond full; the slack of every other node is pinned to 0. **The trap:** a vehicle's
  start node also has a slack variable; unless pinned to zero it hands out free energy at the depot.

Charging time is linked to the energy added by ``time_slack >= energy_slack * minutes_per_kwh`` at
each station copy (linear chargers; a curve uses its fastest segment here, which is optimistic, and
the exact schedule is computed afterwards and checked by the validator).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from ortools.constraint_solver import pywrapcp, routing_enums_pb2

from ..errors import InputError, Issue
from ..model import Instance, Station, TimeWindow
from . import scaling as S
from .search_model import (
    ModelOptions,
    Node,
    SearchModel,
    Unit,
    charge_time_cuts,
    objective_weights,
    reassigned_task,
    scaled_penalty,
    task_allows,
)


@dataclass
class OrToolsModel:
    """The OR-Tools objects of a :class:`.search_model.SearchModel` (see :func:`ortools`)."""

    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    time_dim: pywrapcp.RoutingDimension
    energy_dim: pywrapcp.RoutingDimension | None
    #: Arcs between tasks removed before the search (see :func:`_prune_arcs`).
    pruned_arcs: int
    #: Arcs into and out of dominated station visits removed (see :func:`_prune_station_arcs`).
    pruned_station_arcs: int


def ortools(sm: SearchModel) -> OrToolsModel:
    """The OR-Tools model of ``sm``, built on the first call and kept on it (see
    :class:`.search_model.SearchModel`): from the same tables, it is the model it always was
    (same plans)."""
    if sm.ortools_model is None:
        sm.ortools_model = _ortools_model(sm)
    out: OrToolsModel = sm.ortools_model
    return out


def _ortools_model(rm: SearchModel) -> OrToolsModel:
    """The OR-Tools model of ``rm``: arc costs, dimensions, permissions, visits, pruning."""
    instance, nodes, units, opts = rm.instance, rm.nodes, rm.units, rm.options
    f = _Frame.start(instance, nodes, units, rm.depot_node)
    _arc_costs(f, rm.fixed)
    time_dim, time_mats = _time_dimension(f)
    _unit_times(f, time_dim)
    _load_dimensions(f)
    classes = rm.battery_classes
    energy_dim = _energy_dimension(f, classes, time_dim) if classes else None
    _allowed_vehicles(f, rm.unit_class)
    _visits(f, rm.task_nodes, rm.station_nodes, time_dim, opts)
    pruned = _prune_arcs(f.routing, f.manager, time_dim, nodes, time_mats) if opts.prune_arcs else 0
    station_pruned = (
        _prune_station_arcs(instance, f.routing, f.manager, nodes, units)
        if opts.prune_stations
        else 0
    )
    return OrToolsModel(f.manager, f.routing, time_dim, energy_dim, pruned, station_pruned)


@dataclass
class _Frame:
    """The routing objects and node-by-node tables that every part of :func:`build` adds to.

    Why one object: each dimension needs the same instance, nodes, units, OR-Tools objects and
    matrices; passed one by one they made every part's signature longer than its body.
    """

    inst: Instance
    nodes: list[Node]
    units: list[Unit]
    manager: pywrapcp.RoutingIndexManager
    routing: pywrapcp.RoutingModel
    locs: np.ndarray
    dist_km: np.ndarray
    dur_min: np.ndarray
    #: The latest time any depot or shift allows, in scaled time: every time cumul's bound.
    horizon_s: int

    @classmethod
    def start(
        cls, inst: Instance, nodes: list[Node], units: list[Unit], depot_node: dict[str, int]
    ) -> _Frame:
        """The OR-Tools manager and model over the final node list, and the node matrices."""
        starts = [depot_node[u.vehicle.start_depot] for u in units]
        ends = [depot_node[u.vehicle.end] for u in units]
        manager = pywrapcp.RoutingIndexManager(len(nodes), len(units), starts, ends)
        routing = pywrapcp.RoutingModel(manager)
        locs = np.array([nd.location for nd in nodes], dtype=np.int64)
        horizon = max(
            [d.opening.end_min for d in inst.depots]
            + [inst.shift_of(v).end_min for v in inst.vehicles]
        )
        return cls(
            inst,
            nodes,
            units,
            manager,
            routing,
            locs,
            inst.distance_km[np.ix_(locs, locs)],
            inst.duration_min[np.ix_(locs, locs)],
            S.down(horizon, S.TIME_PER_MIN),
        )


def _arc_costs(f: _Frame, fixed: list[int]) -> None:
    """Each unit's arc costs and fixed cost, one transit matrix per distinct objective weight.

    Why shared matrices: OR-Tools keeps every registered matrix in memory (nodes squared each);
    units of one type share theirs unless a broken promise makes their columns differ.
    """
    inst, routing = f.inst, f.routing
    station_rows = np.array(
        [i for i, nd in enumerate(f.nodes) if nd.kind == "station"], dtype=np.int64
    )
    per = S.COST_PER_UNIT if inst.objective.kind == "cost" else S.DISTANCE_PER_KM
    cost_cb: dict[tuple[float, float], int] = {}
    for k, un in enumerate(f.units):
        per_km = objective_weights(inst, un.type)[0]
        key = (per_km, un.type.speed_factor)
        if key not in cost_cb:
            m = S.matrix_nearest(f.dist_km * per_km, per)
            # One unit (a metre, or a thousandth of money) per station visit: without it, a second
            # copy of the same station right after the first costs nothing and the search keeps it.
            m[station_rows, :] += 1
            cost_cb[key] = routing.RegisterTransitMatrix(m.tolist())
        moved = _reassignment_columns(inst, f.nodes, un)
        if moved:
            # A promise broken costs reassignment_penalty once: on every arc into the task's
            # (first) node when this unit is not its preferred vehicle. Exact, so the search and
            # the validator price a plan alike.
            m = S.matrix_nearest(f.dist_km * per_km, per)
            m[station_rows, :] += 1
            m[:, moved] += scaled_penalty(inst, inst.objective.reassignment_penalty)
            routing.SetArcCostEvaluatorOfVehicle(routing.RegisterTransitMatrix(m.tolist()), k)
        else:
            routing.SetArcCostEvaluatorOfVehicle(cost_cb[key], k)
        if fixed[k]:
            # On a fewest-vehicles objective one vehicle is worth more than any distance a plan
            # can save (see :func:`_fixed_costs`).
            routing.SetFixedCostOfVehicle(fixed[k], k)


def _time_dimension(f: _Frame) -> tuple[pywrapcp.RoutingDimension, list[np.ndarray]]:
    """The ``time`` dimension with every node's windows, and its distinct transit matrices.

    Why one matrix per (speed, type with banned legs): a ban is per type, and only types with
    one need a matrix of their own; the matrices are returned for :func:`_prune_arcs`.
    """
    inst, routing, horizon_s = f.inst, f.routing, f.horizon_s
    n = len(f.nodes)
    service = np.array([nd.service_min for nd in f.nodes])
    time_cb: dict[tuple[float, str], int] = {}
    time_mats: dict[tuple[float, str], np.ndarray] = {}
    time_transits = []
    for un in f.units:
        sf = un.type.speed_factor
        ban = inst.leg_bans(un.type)
        tkey = (sf, un.type.id if ban is not None else "")
        if tkey not in time_cb:
            m = S.matrix_up(f.dur_min / sf, S.TIME_PER_MIN) + S.matrix_up(
                service[:, None] * np.ones((1, n)), S.TIME_PER_MIN
            )
            np.fill_diagonal(m, 0)
            if ban is not None:
                # A leg through a zone banned to the type (straight-line travel) outlasts the
                # horizon: the time dimension forbids it for this type's vehicles only.
                m[ban[np.ix_(f.locs, f.locs)]] = horizon_s + 1
            time_mats[tkey] = m
            time_cb[tkey] = routing.RegisterTransitMatrix(m.tolist())
        time_transits.append(time_cb[tkey])
    routing.AddDimensionWithVehicleTransits(time_transits, horizon_s, horizon_s, False, "time")
    time_dim = routing.GetDimensionOrDie("time")
    for i, nd in enumerate(f.nodes):
        if nd.kind == "depot":
            continue
        idx = f.manager.NodeToIndex(i)
        _set_windows(time_dim.CumulVar(idx), nd.windows, horizon_s)
    return time_dim, list(time_mats.values())


def _unit_times(f: _Frame, time_dim: pywrapcp.RoutingDimension) -> None:
    """Each unit's shift, duration limit and hourly cost on the ``time`` dimension.

    Why the start and end cumuls are minimised by the finalizer: their values are otherwise
    arbitrary within the shift, and the plan read back states them as times.
    """
    inst, routing = f.inst, f.routing
    for k, un in enumerate(f.units):
        shift = inst.shift_of(un.vehicle)
        end_depot = inst.depot_by_id[un.vehicle.end]
        start_depot = inst.depot_by_id[un.vehicle.start_depot]
        lo = S.up(max(shift.start_min, start_depot.opening.start_min), S.TIME_PER_MIN)
        hi = S.down(min(shift.end_min, end_depot.opening.end_min), S.TIME_PER_MIN)
        time_dim.CumulVar(routing.Start(k)).SetRange(lo, max(lo, hi))
        time_dim.CumulVar(routing.End(k)).SetRange(lo, max(lo, hi))
        limits = [
            x for x in (un.vehicle.max_duration_min, un.type.max_duration_min) if x is not None
        ]
        if limits:
            time_dim.SetSpanUpperBoundForVehicle(S.down(min(limits), S.TIME_PER_MIN), k)
            # Read back as the departure time: leaving at the shift start and waiting for the
            # first window could break the limit that a later departure keeps.
            routing.AddToAssignment(time_dim.CumulVar(routing.Start(k)))
        per_hour = objective_weights(inst, un.type)[1]
        if per_hour > 0:
            # Span cost per scaled time unit, in scaled money.
            time_dim.SetSpanCostCoefficientForVehicle(S.span_cost_per_time(per_hour), k)
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.Start(k)))
        routing.AddVariableMinimizedByFinalizer(time_dim.CumulVar(routing.End(k)))


def _load_dimensions(f: _Frame) -> None:
    """The ``weight`` and ``volume`` dimensions, each only where some task and unit have one.

    Why a dimension is skipped rather than added with zero transits: every dimension adds
    variables per node that OR-Tools' local search must keep consistent.
    """
    routing, nodes = f.routing, f.nodes
    for name, per, attr, cap_attr in (
        ("weight", S.LOAD_PER_KG, "weight_kg", "capacity_kg"),
        ("volume", S.VOLUME_PER_M3, "volume_m3", "capacity_m3"),
    ):
        deltas = [getattr(nd, attr) for nd in nodes]
        caps = [getattr(u.type, cap_attr) for u in f.units]
        if not any(deltas) or all(c is None for c in caps):
            continue
        # Every amount is rounded up in magnitude and the capacity down. The start load (free) is
        # then at least the true sum of deliveries, and the load at any point at least the true one.
        vec = [int(math.copysign(S.up(abs(x), per), x)) if x else 0 for x in deltas]
        cb = routing.RegisterUnaryTransitVector(vec)
        cap_s = [S.down(c, per) if c is not None else S.INFINITE for c in caps]
        routing.AddDimensionWithVehicleCapacity(cb, 0, cap_s, False, name)
        dim = routing.GetDimensionOrDie(name)
        _depot_load(f, name, vec, cap_s, dim)
        for k in range(len(f.units)):
            routing.AddVariableMinimizedByFinalizer(dim.CumulVar(routing.Start(k)))


def _depot_load(
    f: _Frame, name: str, vec: list[int], cap_s: list[int], dim: pywrapcp.RoutingDimension
) -> None:
    """Where pickups mix with deliveries, pin the load taken at the depot to the deliveries.

    The load taken at the depot must be exactly the route's deliveries: a second dimension
    counts only the depot goods still on board and must reach 0 at the end. Without it, the
    single-dimension trick (start cumul free, cumul >= 0) lets goods picked up on the way
    "cover" later deliveries and under-counts the load.
    """
    routing = f.routing
    depot_vec = [v if v < 0 and nd.kind == "job" else 0 for v, nd in zip(vec, f.nodes, strict=True)]
    if any(depot_vec) and any(v > 0 for v in vec):  # only pickups make the trick unsound
        dcb = routing.RegisterUnaryTransitVector(depot_vec)
        routing.AddDimensionWithVehicleCapacity(dcb, 0, cap_s, False, name + "_from_depot")
        ddim = routing.GetDimensionOrDie(name + "_from_depot")
        for k in range(len(f.units)):
            ddim.CumulVar(routing.End(k)).SetValue(0)
            routing.solver().Add(dim.CumulVar(routing.Start(k)) == ddim.CumulVar(routing.Start(k)))


def _energy_dimension(
    f: _Frame, classes: list[tuple[float, float]], time_dim: pywrapcp.RoutingDimension
) -> pywrapcp.RoutingDimension:
    """The ``energy`` dimension: transits, station charging, and each unit's start level.

    Why vehicles without a battery are in it too: a dimension spans every vehicle; theirs has
    zero transits and zero capacity, so it never binds.
    """
    routing = f.routing
    transits = []
    energy_cb: dict[tuple[float, ...], int] = {}
    zero_cb = routing.RegisterUnaryTransitVector([0] * len(f.nodes))
    caps = []
    for un in f.units:
        if not un.type.is_electric:
            transits.append(zero_cb)
            caps.append(0)
            continue
        rate = un.type.full_rate_per_km
        if (rate,) not in energy_cb:
            m = -S.matrix_up(f.dist_km * rate, S.ENERGY_PER_KWH)
            energy_cb[(rate,)] = routing.RegisterTransitMatrix(m.tolist())
        transits.append(energy_cb[(rate,)])
        caps.append(S.down((un.type.battery_kwh or 0.0) - un.type.reserve_kwh, S.ENERGY_PER_KWH))
    max_cap = max(caps)
    routing.AddDimensionWithVehicleTransitAndCapacity(transits, max_cap, caps, False, "energy")
    energy_dim = routing.GetDimensionOrDie("energy")
    for i, nd in enumerate(f.nodes):
        idx = f.manager.NodeToIndex(i)
        if nd.kind == "depot":
            continue
        if nd.kind != "station":
            energy_dim.SlackVar(idx).SetValue(0)
            continue
        _station_visit(f, idx, nd, classes[nd.battery_class], energy_dim, time_dim)
    _start_energy(f, energy_dim)
    return energy_dim


def _station_visit(
    f: _Frame,
    idx: int,
    nd: Node,
    battery_class: tuple[float, float],
    energy_dim: pywrapcp.RoutingDimension,
    time_dim: pywrapcp.RoutingDimension,
) -> None:
    """One station copy: the energy it may add, the time that takes, and its opening hours.

    Why the energy added is kept in the assignment and minimised by the finalizer: it is read
    back from the plan, and the values of unpinned variables are otherwise arbitrary; the
    smallest amount that keeps the route feasible is the one the plan states.
    """
    routing, solver = f.routing, f.routing.solver()
    battery, reserve = battery_class
    usable = S.down(battery - reserve, S.ENERGY_PER_KWH)
    cum, slack = energy_dim.CumulVar(idx), energy_dim.SlackVar(idx)
    routing.AddToAssignment(slack)
    routing.AddToAssignment(cum)
    routing.AddVariableMinimizedByFinalizer(slack)
    site = nd.station
    assert site is not None
    if site.kind == "swap" or f.inst.rules.full_recharge:
        solver.Add(cum + slack == usable)
    else:
        solver.Add(cum + slack <= usable)
    tslack = time_dim.SlackVar(idx)
    if site.kind == "swap":
        tslack.SetMin(S.up(site.swap_min, S.TIME_PER_MIN))
    elif not f.inst.rules.instant_charging:
        _charging_time(solver, site, battery, reserve, usable, cum, slack, tslack)
    # Charging happens while the station is open: a stay that starts in a window ends by
    # that window's close (the validator's rule). Exact for several windows.
    if site.opening:
        tcum = time_dim.CumulVar(idx)
        closes = [S.down(w.end_min, S.TIME_PER_MIN) for w in site.opening]
        solver.Add(tcum + tslack <= closes[-1])
        for close in closes[:-1]:
            inside = solver.IsLessOrEqualCstVar(tcum, close)
            solver.Add(tcum + tslack <= close + f.horizon_s * (1 - inside))


def _charging_time(
    solver: pywrapcp.Solver,
    site: Station,
    battery: float,
    reserve: float,
    usable: int,
    cum: pywrapcp.IntVar,
    slack: pywrapcp.IntVar,
    tslack: pywrapcp.IntVar,
) -> None:
    """The time slack at a charger at least the charging time (:func:`charge_time_cuts`).

    Why a battery can be refused here: OR-Tools multiplies the cuts out in int64, and a cut
    beyond that would fail later with a TypeError that names nothing the user can change.
    """
    for a, b, c in charge_time_cuts(site, battery, reserve):
        if max(a, b) * max(usable, 1) + abs(c) > 1000 * S.INFINITE:
            # Beyond int64 once OR-Tools multiplies out: refused, not a TypeError.
            raise InputError(
                Issue(
                    "vehicle_types",
                    f"a battery of {battery:g} kWh charging at station {site.id!r} is "
                    "too large for the solver's charging-time integers",
                    battery,
                )
            )
        # tslack [0.01 min] * 1e6 >= a * (cum + slack) - b * cum + c   (minutes * 1e8),
        # written with non-negative coefficients (a >= b) so that bounds propagate tightly.
        rhs = slack * a + c if a == b else slack * a + cum * (a - b) + c
        solver.Add(tslack * 1_000_000 >= rhs)


def _start_energy(f: _Frame, energy_dim: pywrapcp.RoutingDimension) -> None:
    """Each unit's energy at its start: its initial charge above the reserve.

    The trap: pin the start node's slack, or the depot becomes a free charger.
    """
    for k, un in enumerate(f.units):
        start = f.routing.Start(k)
        energy_dim.SlackVar(start).SetValue(0)
        if un.type.is_electric:
            init = un.vehicle.initial_soc * (un.type.battery_kwh or 0.0) - un.type.reserve_kwh
            energy_dim.CumulVar(start).SetValue(max(0, S.down(init, S.ENERGY_PER_KWH)))
        else:
            energy_dim.CumulVar(start).SetValue(0)


def _allowed_vehicles(f: _Frame, unit_class: list[int]) -> None:
    """Who may serve what: a station copy only its battery class's units that can use the
    station, a task only the units its zone bans and ``vehicles`` list leave.

    Why station copies always get a domain and tasks only when some unit is excluded: a copy
    belongs to one battery class, while a task any unit may serve needs no restriction.
    """
    inst, units = f.inst, f.units
    for i, nd in enumerate(f.nodes):
        idx = f.manager.NodeToIndex(i)
        if nd.kind == "station":
            assert nd.station is not None
            kind = nd.station.kind
            allowed = [
                k
                for k in range(len(units))
                if unit_class[k] == nd.battery_class and units[k].type.can_use(kind)
            ]
            _allow(f.routing, idx, allowed)
        elif nd.kind != "depot":
            allowed = [
                k
                for k, un in enumerate(units)
                if not inst.banned(un.type, nd.location) and task_allows(inst, nd, un.vehicle.id)
            ]
            if len(allowed) < len(units):
                _allow(f.routing, idx, allowed)


def _visits(
    f: _Frame,
    task_nodes: dict[str, list[int]],
    station_nodes: dict[tuple[str, int], list[int]],
    time_dim: pywrapcp.RoutingDimension,
    opts: ModelOptions,
) -> bool:
    """Shipments' pickup-before-delivery, and every visit optional; whether tasks are mandatory.

    Why a mandatory task is optional too, at a huge penalty: a dropped mandatory task is
    reported with a diagnosis instead of the search failing with no plan at all.
    """
    routing, manager = f.routing, f.manager
    for s in f.inst.shipments:
        p, d = (manager.NodeToIndex(x) for x in task_nodes[s.id])
        routing.AddPickupAndDelivery(p, d)
        routing.solver().Add(routing.VehicleVar(p) == routing.VehicleVar(d))
        routing.solver().Add(time_dim.CumulVar(p) <= time_dim.CumulVar(d))
    penalty = f.inst.objective.unserved_penalty
    mandatory = penalty is None
    pen = opts.drop_penalty_mandatory if penalty is None else scaled_penalty(f.inst, penalty)
    for ids in task_nodes.values():
        routing.AddDisjunction([manager.NodeToIndex(x) for x in ids], pen, len(ids))
    for ids in station_nodes.values():
        for x in ids:
            routing.AddDisjunction([manager.NodeToIndex(x)], 0)
    return mandatory


def _prune_arcs(
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    time_dim: pywrapcp.RoutingDimension,
    nodes: Sequence[Node],
    time_mats: Sequence[np.ndarray],
) -> int:
    """Remove each arc i -> j between tasks that no vehicle can drive in time: served at the
    earliest that i's windows allow, the fastest type (service included) still reaches j after
    its last window closes. Returns how many were removed.

    Why: the model rejects such an arc anyway (the time cumuls cannot satisfy it), but only after
    OR-Tools' local search has built and filtered the move; taken out of ``NextVar``'s domain, it
    is never proposed. On tightly windowed instances (E-VRPTW C1, R1) that is most task pairs.
    The test uses the model's own scaled integers and cumul domains, so it removes nothing that a
    feasible plan of the model could use.
    """
    tasks = np.array(
        [i for i, nd in enumerate(nodes) if nd.kind in ("job", "pickup", "delivery")],
        dtype=np.int64,
    )
    if len(tasks) < 2 or not time_mats:
        return 0
    fastest = np.minimum.reduce([m[np.ix_(tasks, tasks)] for m in time_mats])
    index = [manager.NodeToIndex(int(i)) for i in tasks]
    lo = np.array([time_dim.CumulVar(x).Min() for x in index], dtype=np.int64)
    hi = np.array([time_dim.CumulVar(x).Max() for x in index], dtype=np.int64)
    bad = lo[:, None] + fastest > hi[None, :]
    np.fill_diagonal(bad, False)
    rows, cols = np.nonzero(bad)
    for a, b in zip(rows.tolist(), cols.tolist(), strict=True):
        routing.NextVar(index[a]).RemoveValue(index[b])
    return len(rows)


#: Above this many (station, rival, from, to) checks the station arcs are left as they are.
MAX_STATION_PRUNING_WORK = 50_000_000


def _prune_station_arcs(
    inst: Instance,
    routing: pywrapcp.RoutingModel,
    manager: pywrapcp.RoutingIndexManager,
    nodes: Sequence[Node],
    units: Sequence[Unit],
) -> int:
    """Remove each arc from a task or start into a station that another station dominates
    whatever comes next, and each arc out of a station into a task or end that another
    dominates whatever came before (see :mod:`.stations`). Returns how many were removed.

    Why: every station copy is a candidate after every task, and OR-Tools' local search tries
    them all; a visit that a nearer station of the same kind always beats only slows it. Sound:
    in a plan through the removed arc, the dominating station takes the dominated one's place
    with the vehicle no later, no emptier and no dearer.
    """
    from .stations import dominated_arcs, dominators

    doms = dominators(inst)
    rivals = sum(len(v) for v in doms.values())
    if not rivals:
        return 0
    ends = {"job", "pickup", "delivery"}
    places = sorted(
        {nd.location for nd in nodes if nd.kind in ends or nd.kind == "station"}
        | {nd.location for nd in nodes if nd.kind == "depot"}
    )
    if rivals * len(places) ** 2 > MAX_STATION_PRUNING_WORK:
        return 0
    after, before = dominated_arcs(inst, places, places)
    at = {loc: k for k, loc in enumerate(places)}
    starts = {routing.Start(k) for k in range(len(units))}
    finish = [routing.End(k) for k in range(len(units))]
    removed = 0
    task_idx = [
        (manager.NodeToIndex(i), nd.location) for i, nd in enumerate(nodes) if nd.kind in ends
    ]
    start_idx = [(x, nodes[manager.IndexToNode(x)].location) for x in sorted(starts)]
    end_idx = [(x, nodes[manager.IndexToNode(x)].location) for x in finish]
    for i, nd in enumerate(nodes):
        if nd.kind != "station" or nd.ref not in after:
            continue
        s = manager.NodeToIndex(i)
        into, out_of = after[nd.ref], before[nd.ref]
        for x, loc in (*task_idx, *start_idx):
            if into[at[loc]]:
                routing.NextVar(x).RemoveValue(s)
                removed += 1
        for x, loc in (*task_idx, *end_idx):
            if out_of[at[loc]]:
                routing.NextVar(s).RemoveValue(x)
                removed += 1
    return removed


def _reassignment_columns(instance: Instance, nodes: Sequence[Node], unit: Unit) -> list[int]:
    """The nodes whose every incoming arc costs the reassignment penalty for ``unit``."""
    return [i for i, nd in enumerate(nodes) if reassigned_task(instance, nd, unit.vehicle.id)]


def _allow(routing: pywrapcp.RoutingModel, index: int, vehicles: list[int]) -> None:
    """Only ``vehicles`` may visit ``index`` (-1 keeps the visit optional).

    ``SetAllowedVehiclesForIndex`` cannot be called from Python in OR-Tools 9.15 (its absl::Span
    argument has no SWIG conversion), so the vehicle variable's domain is restricted instead.
    """
    routing.VehicleVar(index).SetValues([-1, *vehicles])


def _set_windows(var: pywrapcp.IntVar, windows: Sequence[TimeWindow], horizon_s: int) -> None:
    """Restrict a time cumul to the union of windows (rounded inwards: start up, end down)."""
    if not windows:
        return
    scaled = [
        (S.up(w.start_min, S.TIME_PER_MIN), S.down(w.end_min, S.TIME_PER_MIN)) for w in windows
    ]
    lo = max(0, scaled[0][0])
    hi = min(horizon_s, scaled[-1][1])
    var.SetRange(lo, max(lo, hi))
    for (_, e1), (s2, _) in itertools.pairwise(scaled):
        if s2 - 1 >= e1 + 1:
            var.RemoveInterval(e1 + 1, s2 - 1)


def search_parameters(
    time_limit_s: float,
    solution_limit: int | None = None,
    metaheuristic: str = "GUIDED_LOCAL_SEARCH",
) -> object:
    """Search parameters: GLS, a wall-clock cap, and optionally a solution-count budget.

    The solution-count budget is what makes a run reproducible: OR-Tools has no seed, and its search
    is deterministic for a fixed amount of work, so counting work instead of seconds gives the same
    plan on every run (the wall clock stays as a safety cap).
    """
    p = pywrapcp.DefaultRoutingSearchParameters()
    p.first_solution_strategy = routing_enums_pb2.FirstSolutionStrategy.PARALLEL_CHEAPEST_INSERTION
    p.local_search_metaheuristic = getattr(
        routing_enums_pb2.LocalSearchMetaheuristic, metaheuristic
    )
    p.time_limit.FromMilliseconds(int(time_limit_s * 1000))
    if solution_limit is not None:
        p.solution_limit = solution_limit
    return p
