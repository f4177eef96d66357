"""The search model of one instance: nodes, units, station copies, fixed costs.

Built once per solve (:func:`build`) and read by every phase: our own searches, PyVRP's start and
the OR-Tools model (:mod:`.ortools_model`), which is built from it only where its phase runs.

Nodes (the glossary's "node" is a model node, the same in the OR-Tools model; not a location):

- one node per depot, used as the start and end of every vehicle unit based there;
- one node per job, two per shipment (pickup, delivery);
- **station copies**: each station appears several times as an optional node (a disjunction with
  zero penalty) because a plan may visit it several times. Copies are made per *battery class*
  (vehicle types with the same usable battery) and only vehicles of that class may visit them. Why
  per class: the energy added at a station is bounded by the battery it fills; with one copy shared
  by different battery sizes that bound would depend on which vehicle comes, which OR-Tools handles
  badly (or-tools issue #4133).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..limits import check_instance, check_model, vehicles_needed
from ..model import Instance, Station, TimeWindow, Vehicle, VehicleType
from . import scaling as S


@dataclass(frozen=True, slots=True)
class Node:
    """What one node stands for (the OR-Tools model numbers its nodes the same way)."""

    kind: str  # depot | job | pickup | delivery | station
    ref: str
    location: int
    service_min: float = 0.0
    windows: tuple[TimeWindow, ...] = ()
    weight_kg: float = 0.0  # signed change of load when served
    volume_m3: float = 0.0
    station: Station | None = None
    battery_class: int = -1


@dataclass(frozen=True, slots=True)
class Unit:
    """One physical vehicle: unit ``unit`` of vehicle entry ``vehicle``."""

    vehicle: Vehicle
    unit: int
    type: VehicleType


@dataclass
class ModelOptions:
    """Knobs of the model build (not of the search)."""

    copies_per_station: int = 3
    #: Units modelled per vehicle entry (by id), at most its ``count``. OR-Tools' local search
    #: scans every vehicle, empty ones included: on E-VRPTW (a fleet of 100 for 12-20 routes) the
    #: full fleet made each search step several times slower. The driver caps the fleet at what
    #: the constructed plan uses plus a margin.
    unit_caps: dict[str, int] | None = None
    #: Whether jobs may be dropped (always true internally: a dropped mandatory job is reported with a
    #: diagnosis instead of the search failing with no plan at all).
    drop_penalty_mandatory: int = 10**12
    #: Remove the arcs between tasks that no vehicle can drive in time
    #: (:func:`.ortools_model._prune_arcs`).
    prune_arcs: bool = True
    #: Remove the arcs into and out of station visits that another station dominates
    #: (:func:`.ortools_model._prune_station_arcs`).
    prune_stations: bool = True


@dataclass
class SearchModel:
    """The search model of one instance: its nodes, units, station copies, fixed costs and the
    tables the route evaluator derives from them. Every phase reads it; the OR-Tools routing
    model is built from it only where its phase runs (:func:`.ortools_model.ortools`).

    Why apart from OR-Tools: our own search reads only the tables, and the driver rebuilds the
    model around that search's plan (the fleet cut to what it uses) before OR-Tools runs, so an
    OR-Tools model built with the tables was built and dropped unused."""

    instance: Instance
    nodes: list[Node]
    units: list[Unit]
    depot_node: dict[str, int]
    task_nodes: dict[str, list[int]]  # job/shipment id -> its node(s)
    station_nodes: dict[tuple[str, int], list[int]]  # (station id, battery class) -> copies
    battery_classes: list[tuple[float, float]]  # (battery_kwh, reserve_kwh)
    #: Each unit's battery class (an index into ``battery_classes``; -1: not electric).
    unit_class: list[int]
    #: Whether every task must be served (no unserved penalty in the objective).
    mandatory: bool
    #: Each unit's fixed cost in the model's scaled money (what using it adds to a plan; on a
    #: fewest-vehicles objective more than any distance), as OR-Tools is given it.
    fixed: list[int]
    options: ModelOptions
    #: What the route evaluator derives from this model once and shares between its units (the
    #: matrices as nested lists, the stations dominated between two locations). On the model, so
    #: that it lives and dies with it: kept in module globals keyed by ``id(model)``, the tables
    #: of a model dropped without ``evaluator.release`` stayed for good (a service solving all
    #: day grew by them), and a later model given the same id would have read them.
    derived: dict[Any, Any] = field(default_factory=dict, repr=False)
    #: The OR-Tools model once built (see :func:`.ortools_model.ortools`): it lives and dies
    #: with its search model, and :func:`.evaluator.release` leaves it alone.
    ortools_model: Any = field(default=None, repr=False)

    @property
    def prune_stations(self) -> bool:
        """Whether dominated station visits are excluded (the route evaluator then skips them
        too)."""
        return self.options.prune_stations


def objective_weights(instance: Instance, t: VehicleType) -> tuple[float, float, float]:
    """(money per km, money per hour, fixed money) of a vehicle type under the instance's objective.

    ``distance`` and ``vehicles_then_distance`` price a km at 1 and nothing else (the vehicle count is
    priced separately). ``cost`` adds the energy bought per km and the priced carbon per km at the
    average of the empty and full rates: an approximation for the search only; reported costs are
    recomputed exactly by the validator.
    """
    if instance.objective.kind != "cost":
        return 1.0, 0.0, 0.0
    from ..carbon import electricity_wtw_kg_per_kwh, fuel_factor

    rate = (t.consumption_per_km_empty + t.full_rate_per_km) / 2
    carbon_price_per_kg = instance.objective.carbon_price_per_t_co2e / 1000.0
    if t.is_electric:
        depots = instance.depots
        price = float(np.mean([d.energy_price_per_kwh / d.charging_efficiency for d in depots]))
        wtw = float(
            np.mean(
                [
                    electricity_wtw_kg_per_kwh(d.grid_co2e_kg_per_kwh) / d.charging_efficiency
                    for d in depots
                ]
            )
        )
    else:
        price = t.fuel_price_per_unit
        wtw = fuel_factor(t.carrier, t.wtw_co2e_kg_per_unit, t.ttw_co2e_kg_per_unit)[1]
    per_km = t.cost_per_km + rate * (price + wtw * carbon_price_per_kg)
    return per_km, t.cost_per_hour, t.fixed_cost


def build(instance: Instance, options: ModelOptions | None = None) -> SearchModel:
    """The search model of ``instance`` (its OR-Tools model is built apart, where its phase runs:
    :func:`.ortools_model.ortools`)."""
    opts = options or ModelOptions()
    nodes, depot_node, task_nodes = _task_nodes(instance)
    units, classes, unit_class = _units(instance, opts, len(nodes))
    station_nodes = _station_copies(instance, nodes, len(classes), opts.copies_per_station)
    return SearchModel(
        instance,
        nodes,
        units,
        depot_node,
        task_nodes,
        station_nodes,
        classes,
        unit_class,
        instance.objective.unserved_penalty is None,
        _fixed_costs(instance, nodes, units),
        opts,
    )


def _fixed_costs(instance: Instance, nodes: list[Node], units: list[Unit]) -> list[int]:
    """Each unit's fixed cost, scaled as OR-Tools is given it (see :func:`_arc_costs`)."""
    kind = instance.objective.kind
    if kind == "cost":
        return [S.nearest(objective_weights(instance, un.type)[2], S.COST_PER_UNIT) for un in units]
    if kind == "vehicles_then_distance":
        locs = np.array([nd.location for nd in nodes], dtype=np.int64)
        weight = vehicle_weight(instance.distance_km[np.ix_(locs, locs)])
        return [weight] * len(units)
    return [0] * len(units)


def _task_nodes(inst: Instance) -> tuple[list[Node], dict[str, int], dict[str, list[int]]]:
    """The depot and task nodes, with each depot's node and each task's node(s).

    Why depots first and the station copies only later: the node numbers are the model's
    identity (plans read back, the PyVRP start and the tests rely on them), and the copies'
    count depends on the battery classes, which need the units.
    """
    nodes: list[Node] = []
    depot_node: dict[str, int] = {}
    for d in inst.depots:
        depot_node[d.id] = len(nodes)
        nodes.append(Node("depot", d.id, d.location, windows=(d.opening,)))
    task_nodes: dict[str, list[int]] = {}
    for j in inst.jobs:
        sign = -1.0 if j.kind == "delivery" else 1.0
        task_nodes[j.id] = [len(nodes)]
        nodes.append(
            Node(
                "job",
                j.id,
                j.location,
                j.service_min,
                j.time_windows,
                sign * j.weight_kg,
                sign * j.volume_m3,
            )
        )
    for s in inst.shipments:
        task_nodes[s.id] = [len(nodes), len(nodes) + 1]
        nodes.append(
            Node(
                "pickup",
                s.id,
                s.pickup.location,
                s.pickup.service_min,
                s.pickup.time_windows,
                s.weight_kg,
                s.volume_m3,
            )
        )
        nodes.append(
            Node(
                "delivery",
                s.id,
                s.delivery.location,
                s.delivery.service_min,
                s.delivery.time_windows,
                -s.weight_kg,
                -s.volume_m3,
            )
        )
    return nodes, depot_node, task_nodes


def _units(
    inst: Instance, opts: ModelOptions, task_and_depot_nodes: int
) -> tuple[list[Unit], list[tuple[float, float]], list[int]]:
    """The modelled units, the battery classes, and each unit's class (-1: not electric).

    Never more units of an entry than there are tasks (exact: see optimizer.limits), then the
    model's size against the stated limits, before anything of size vehicles x nodes exists:
    why here, so that an instance beyond the limits is refused before it takes the memory.
    """
    needed = vehicles_needed(inst)
    caps_by_id = opts.unit_caps or {}
    per_entry = {v.id: min(needed[v.id], caps_by_id.get(v.id, v.count)) for v in inst.vehicles}
    check_instance(inst)
    units = [
        Unit(v, u, inst.type_by_id[v.type]) for v in inst.vehicles for u in range(per_entry[v.id])
    ]
    classes: list[tuple[float, float]] = []
    unit_class: list[int] = []
    for un in units:
        if un.type.is_electric:
            key = (float(un.type.battery_kwh or 0.0), un.type.reserve_kwh)
            if key not in classes:
                classes.append(key)
            unit_class.append(classes.index(key))
        else:
            unit_class.append(-1)
    copies = len(inst.stations) * len(classes) * opts.copies_per_station
    check_model(len(units), task_and_depot_nodes + copies, copies)
    return units, classes, unit_class


def _station_copies(
    inst: Instance, nodes: list[Node], classes: int, copies_per_station: int
) -> dict[tuple[str, int], list[int]]:
    """Append the station copies to ``nodes``: (station id, battery class) -> their nodes.

    Why copies per class: see the module docstring (the energy a station adds is bounded by the
    battery it fills).
    """
    station_nodes: dict[tuple[str, int], list[int]] = {}
    for st in inst.stations:
        for c in range(classes):
            ids = []
            for _ in range(copies_per_station):
                ids.append(len(nodes))
                nodes.append(
                    Node(
                        "station", st.id, st.location, 0.0, st.opening, station=st, battery_class=c
                    )
                )
            station_nodes[(st.id, c)] = ids
    return station_nodes


def task_allows(instance: Instance, node: Node, vehicle_id: str) -> bool:
    """Whether the vehicle entry ``vehicle_id`` may serve the task of ``node`` (``vehicles`` list)."""
    task = (
        instance.job_by_id.get(node.ref)
        if node.kind == "job"
        else instance.shipment_by_id.get(node.ref)
    )
    return task is None or not task.vehicles or vehicle_id in task.vehicles


def reassigned_task(instance: Instance, node: Node, vehicle_id: str) -> bool:
    """Whether serving ``node`` with ``vehicle_id`` breaks its task's promise (its first node
    only, so that a shipment pays once)."""
    if instance.objective.reassignment_penalty <= 0 or node.kind not in ("job", "pickup"):
        return False
    task = (
        instance.job_by_id.get(node.ref)
        if node.kind == "job"
        else instance.shipment_by_id.get(node.ref)
    )
    return (
        task is not None
        and task.preferred_vehicle is not None
        and task.preferred_vehicle != vehicle_id
    )


def vehicle_weight(dist_km: np.ndarray) -> int:
    """A scaled distance larger than any plan's: the sum of every node's longest outgoing arc."""
    return int(S.up(float(dist_km.max(axis=1).sum()) + 1.0, S.DISTANCE_PER_KM))


def scaled_penalty(instance: Instance, penalty: float) -> int:
    per = S.COST_PER_UNIT if instance.objective.kind == "cost" else S.DISTANCE_PER_KM
    return S.nearest(penalty, per)


def charge_time_cuts(
    st: Station, battery_kwh: float, reserve_kwh: float
) -> list[tuple[int, int, int]]:
    """Linear cuts that make the time slack at a charger at least the charging time, safely.

    With levels in scaled energy above the reserve (``cum`` on arrival, ``cum + slack`` after), the
    true time is T(after) - T(before), T being the convex curve "minutes from empty". T(after) is the
    maximum of its affine pieces, and T(before) >= before / P_fast because no segment is faster than
    the fastest. So ``tslack >= piece_k(after) - before / P_fast`` for every piece k is a sound
    bound; it is exact while the vehicle arrives below the first taper (the usual case). A linear
    charger has one piece and the bound is exact. A curve whose power rises with the level (not
    convex) falls back to its slowest power, which is sound but pessimistic.

    Each cut ``(a, b, c)`` reads ``tslack * 1e6 >= a * after - b * before + c``, with tslack in
    0.01 min and levels in Wh, i.e. both sides in minutes * 1e8.
    """
    if st.curve:
        segs = [
            (lo, seg.up_to_soc, seg.power_kw)
            for lo, seg in zip([0.0, *[c.up_to_soc for c in st.curve[:-1]]], st.curve, strict=True)
        ]
        powers = [p for _, _, p in segs]
        if any(b > a for a, b in itertools.pairwise(powers)):
            segs = [(0.0, 1.0, min(powers))]
    elif st.power_kw:
        segs = [(0.0, 1.0, st.power_kw)]
    else:
        return []
    fast_min_per_kwh = 60.0 / max(p for _, _, p in segs)
    cuts = []
    t_at_lo = 0.0
    for lo, hi, power in segs:
        slope = 60.0 / power  # minutes per kWh in this segment
        lo_kwh = lo * battery_kwh
        # piece: T(x) = t_at_lo + slope * (x - lo_kwh), x = after_wh / 1000 + reserve
        intercept = t_at_lo + slope * (reserve_kwh - lo_kwh) - fast_min_per_kwh * reserve_kwh
        a = math.ceil(slope * 1e5)
        b = math.floor(fast_min_per_kwh * 1e5)
        c = math.ceil(intercept * 1e8)
        cuts.append((a, b, c))
        t_at_lo += slope * (hi - lo) * battery_kwh
    return cuts
