"""Emissions of a plan the ISO 14083 / GLEC way: per trip, per shipment, per energy carrier, per scope.

The calculation chain (``shared/carbon/method-and-factors.md`` §1.3):

1. **Energy of each trip** (one route = one vehicle trip = one transport operation category, TOC)
   along the route really driven, empty legs, detours to chargers and the return to the depot
   included. It is read from the validator's recomputation (``Report.traces``), not computed a
   second time: the validator is the one independent account of what a plan does, and a carbon
   figure that disagreed with it would be a bug waiting to be found by a user.
2. **Emissions of the trip**: fuel x the carrier's factor (TTW and WTW; WTT = WTW - TTW);
   electricity x the factor of the place it was charged, counted at the grid side of the charger
   (battery kWh / charging efficiency: charging losses belong to the transport), each station at
   its own factor and green share, the depot refill at the depot's factor. Electricity has no TTW.
3. **Transport activity of each shipment** = mass (t) x *shortest feasible distance* (SFD) between
   where it is loaded and unloaded: the shortest path in the instance's distance matrix; for a
   delivery job from the start depot to the job, for a pickup job from the job to the end depot.
   Not the kilometres it sat in the truck: in a multi-drop trip those would load the later drops
   with the detours made for the earlier ones.
4. **Allocation**: each shipment gets the trip's emissions in proportion to its t·km, so the
   shipments of a trip add up to the trip exactly (conservation), and every shipment of the trip
   has the trip's intensity (g CO2e per t·km). Empty running raises that intensity; it is not a
   separate line.

Scopes (the carrier's GHG-Protocol view, which ISO 14083 leaves to the reporter): fuel burned in
the vehicles (TTW) is scope 1; purchased electricity, counted at its full life-cycle factor, is
scope 2; the upstream (WTT) part of fuels is scope 3 (category 3). The three add up to the WTW
total. A strict inventory would move the upstream and grid-loss part of the electricity factor to
scope 3 as well; the life-cycle factor does not separate them, so the report says which rule it
used. Hubs (depots as cross-docks) are not included and the report says so, as ISO 14083 asks.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import FUEL_UNIT, Instance, Job
from ..solution import Route, Solution
from ..validator import Report, validate
from ..validator.report import Charge, RouteTrace
from .factors import GWP_SET, factors_in_force, fuel_factor

#: Allocation rules, in the order they are tried for a trip: mass x SFD (ISO 14083 / GLEC); when
#: every shipment of a trip has zero t·km (weightless jobs, or jobs at the depot), mass alone; when
#: they are all weightless too, an equal split, so that the trip's emissions are still carried.
ALLOCATION_RULES = ("mass x SFD", "mass", "equal")


@dataclass(frozen=True, slots=True)
class ShipmentEmissions:
    """One transport chain element (TCE): a job or shipment on the trip that carried it.

    ``origin`` and ``destination`` are location ids; ``sfd_km`` the shortest feasible distance
    between them; ``tkm`` = mass (t) x ``sfd_km``, the allocation key; ``share`` the fraction of
    the trip's emissions it carries.
    """

    id: str
    kind: str
    route: int
    vehicle: str
    mass_kg: float
    origin: str
    destination: str
    sfd_km: float
    tkm: float
    share: float
    wtw_kg: float
    ttw_kg: float
    wtt_kg: float

    @property
    def intensity_wtw_g_per_tkm(self) -> float | None:
        """g CO2e (WTW) per t·km; ``None`` where the shipment has no transport activity."""
        return self.wtw_kg * 1000.0 / self.tkm if self.tkm > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "kind": self.kind,
            "route": self.route,
            "vehicle": self.vehicle,
            "mass_kg": self.mass_kg,
            "origin": self.origin,
            "destination": self.destination,
            "distance_km": self.sfd_km,
            "distance_type": "sfd",
            "tkm": self.tkm,
            "share": self.share,
            "co2e_wtw_kg": self.wtw_kg,
            "co2e_ttw_kg": self.ttw_kg,
            "co2e_wtt_kg": self.wtt_kg,
            "intensity_wtw_g_per_tkm": self.intensity_wtw_g_per_tkm,
        }


@dataclass(frozen=True, slots=True)
class TripEmissions:
    """One vehicle trip (a used route): its energy, emissions and the shipments it carried.

    ``energy`` is what the vehicle used, in ``fuel_unit`` (battery-side kWh for electric types);
    ``grid_kwh`` what its charges drew from the grid (electric types only); ``charges`` every
    station stop and the depot refill. ``load_factor`` is the GLEC one: t·km carried over t·km of
    capacity driven; ``empty_km`` the distance driven with nothing on board.
    """

    route: int
    vehicle: str
    unit: int
    vehicle_type: str
    carrier: str
    fuel_unit: str
    stops: int
    distance_km: float
    empty_km: float
    duration_min: float
    energy: float
    grid_kwh: float
    charges: tuple[Charge, ...]
    ttw_kg: float
    wtt_kg: float
    wtw_kg: float
    tkm: float
    load_factor: float
    allocation: str
    shipments: tuple[ShipmentEmissions, ...]

    @property
    def label(self) -> str:
        return f"{self.vehicle}#{self.unit}"

    @property
    def station_charges(self) -> tuple[Charge, ...]:
        return tuple(c for c in self.charges if c.stop is not None)

    @property
    def intensity_wtw_g_per_tkm(self) -> float | None:
        return self.wtw_kg * 1000.0 / self.tkm if self.tkm > 0 else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "route": self.route,
            "vehicle": self.label,
            "vehicle_type": self.vehicle_type,
            "carrier": self.carrier,
            "stops": self.stops,
            "distance_km": self.distance_km,
            "empty_km": self.empty_km,
            "duration_min": self.duration_min,
            "energy": self.energy,
            "energy_unit": self.fuel_unit,
            "grid_kwh": self.grid_kwh,
            "charges": [
                {
                    "stop": c.stop,
                    "place": c.place,
                    "kind": c.kind,
                    "battery_kwh": c.battery_kwh,
                    "grid_kwh": c.grid_kwh,
                    "co2e_kg_per_kwh": c.co2e_kg_per_kwh,
                    "co2e_wtw_kg": c.co2e_wtw_kg,
                    "cost": c.cost,
                }
                for c in self.charges
            ],
            "co2e_ttw_kg": self.ttw_kg,
            "co2e_wtt_kg": self.wtt_kg,
            "co2e_wtw_kg": self.wtw_kg,
            "tkm": self.tkm,
            "intensity_wtw_g_per_tkm": self.intensity_wtw_g_per_tkm,
            "load_factor": self.load_factor,
            "empty_distance_share": self.empty_km / self.distance_km if self.distance_km else 0.0,
            "allocation": self.allocation,
            "shipments": [s.id for s in self.shipments],
        }


@dataclass(frozen=True, slots=True)
class CarrierEmissions:
    """Totals of one energy carrier over the plan."""

    carrier: str
    unit: str
    energy: float
    grid_kwh: float
    distance_km: float
    trips: int
    ttw_kg: float
    wtt_kg: float
    wtw_kg: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "energy": self.energy,
            "energy_unit": self.unit,
            "grid_kwh": self.grid_kwh,
            "distance_km": self.distance_km,
            "trips": self.trips,
            "co2e_ttw_kg": self.ttw_kg,
            "co2e_wtt_kg": self.wtt_kg,
            "co2e_wtw_kg": self.wtw_kg,
        }


@dataclass(frozen=True)
class CarbonAccount:
    """The emissions of one plan: trips (TOCs), shipments (TCEs), carriers, scopes and the method.

    ``feasible`` / ``violations`` repeat the validator's verdict: an infeasible plan is accounted
    all the same (its figures are what it would emit), but a report must say so.
    """

    instance: str
    trips: tuple[TripEmissions, ...]
    unserved: tuple[str, ...]
    feasible: bool
    violations: tuple[str, ...]
    method: dict[str, Any] = field(default_factory=dict)

    @property
    def shipments(self) -> tuple[ShipmentEmissions, ...]:
        return tuple(s for t in self.trips for s in t.shipments)

    @property
    def wtw_kg(self) -> float:
        return math.fsum(t.wtw_kg for t in self.trips)

    @property
    def ttw_kg(self) -> float:
        return math.fsum(t.ttw_kg for t in self.trips)

    @property
    def wtt_kg(self) -> float:
        return math.fsum(t.wtt_kg for t in self.trips)

    @property
    def tkm(self) -> float:
        return math.fsum(t.tkm for t in self.trips)

    @property
    def intensity_wtw_g_per_tkm(self) -> float | None:
        tkm = self.tkm
        return self.wtw_kg * 1000.0 / tkm if tkm > 0 else None

    @property
    def by_carrier(self) -> dict[str, CarrierEmissions]:
        out: dict[str, CarrierEmissions] = {}
        for carrier in sorted({t.carrier for t in self.trips}):
            trips = [t for t in self.trips if t.carrier == carrier]
            out[carrier] = CarrierEmissions(
                carrier,
                FUEL_UNIT[carrier],
                math.fsum(t.energy for t in trips),
                math.fsum(t.grid_kwh for t in trips),
                math.fsum(t.distance_km for t in trips),
                len(trips),
                math.fsum(t.ttw_kg for t in trips),
                math.fsum(t.wtt_kg for t in trips),
                math.fsum(t.wtw_kg for t in trips),
            )
        return out

    @property
    def scopes(self) -> dict[str, float]:
        """Scope 1: fuel burned (TTW); scope 2: purchased electricity (its whole life-cycle
        factor); scope 3: the upstream (WTT) part of fuels. Adds up to the WTW total."""
        fuel = [t for t in self.trips if t.fuel_unit != "kWh"]
        power = [t for t in self.trips if t.fuel_unit == "kWh"]
        return {
            "scope1_kg": math.fsum(t.ttw_kg for t in fuel),
            "scope2_kg": math.fsum(t.wtw_kg for t in power),
            "scope3_kg": math.fsum(t.wtt_kg for t in fuel),
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready, with the ISO 14083 vocabulary: trips are TOCs, shipments TCEs."""
        return {
            "instance": self.instance,
            "feasible": self.feasible,
            "violations": list(self.violations),
            "wtw_kg": self.wtw_kg,
            "ttw_kg": self.ttw_kg,
            "wtt_kg": self.wtt_kg,
            "tkm": self.tkm,
            "intensity_wtw_g_per_tkm": self.intensity_wtw_g_per_tkm,
            "by_carrier": {k: v.to_dict() for k, v in self.by_carrier.items()},
            "scopes": self.scopes,
            "by_trip": [t.to_dict() for t in self.trips],
            "by_shipment": [s.to_dict() for s in self.shipments],
            "unserved": list(self.unserved),
            "method": self.method,
        }


# ----- shortest feasible distances ----------------------------------------------------------------
def _metric_is_shortest(instance: Instance) -> bool:
    """Whether the distance matrix is already its own shortest-path closure.

    Straight-line and great-circle distances times one detour factor obey the triangle inequality,
    so the direct entry is the shortest path; rounded ones and user matrices (road routers, with
    their one-way streets and inconsistent snapping) need not.
    """
    travel = instance.travel
    return (
        travel.metric in ("euclidean", "haversine")
        and travel.rounding == "none"
        and travel.distance_km is None
    )


class ShortestDistances:
    """Shortest-path distances over the instance's distance matrix, one source at a time.

    Why Dijkstra on the dense matrix and not networkx: a row costs O(n^2) in a few numpy calls;
    only the sources that a plan needs (depots and shipment pickups) are ever computed.
    """

    def __init__(self, instance: Instance) -> None:
        self._dist = instance.distance_km
        self._direct = _metric_is_shortest(instance)
        self._rows: dict[int, np.ndarray] = {}

    def __call__(self, a: int, b: int) -> float:
        if self._direct:
            return float(self._dist[a, b])
        row = self._rows.get(a)
        if row is None:
            row = self._rows[a] = _dijkstra_dense(self._dist, a)
        return float(row[b])


def _dijkstra_dense(dist: np.ndarray, source: int) -> np.ndarray:
    n = dist.shape[0]
    best = np.array(dist[source], dtype=float)
    best[source] = 0.0
    done = np.zeros(n, dtype=bool)
    done[source] = True
    for _ in range(n - 1):
        open_ix = np.flatnonzero(~done)
        if open_ix.size == 0:
            break
        k = int(open_ix[np.argmin(best[open_ix])])
        done[k] = True
        np.minimum(best, best[k] + dist[k], out=best)
    return best


# ----- the account --------------------------------------------------------------------------------
def _distance_type(instance: Instance) -> str:
    t = instance.travel
    if t.distance_km is not None:
        return "SFD: shortest path in the given road distance matrix"
    kind = "great-circle distance" if t.metric == "haversine" else "straight-line distance"
    return f"SFD: shortest path over {kind} x detour factor {t.detour_factor:g}"


@dataclass(frozen=True, slots=True)
class _Task:
    id: str
    kind: str
    mass_kg: float
    origin: int
    destination: int


def _tasks(instance: Instance, route: Route, trace: RouteTrace) -> list[_Task]:
    """The jobs and shipments a route carries, each once, with where it is loaded and unloaded."""
    start = instance.depot_by_id[trace.start_depot] if trace.start_depot else None
    end = instance.depot_by_id[trace.end_depot] if trace.end_depot else None
    seen: set[str] = set()
    out: list[_Task] = []
    for stop in route.stops:
        if stop.kind == "job":
            job: Job | None = instance.job_by_id.get(stop.ref)
            if job is None or job.id in seen or start is None or end is None:
                continue
            seen.add(job.id)
            if job.kind == "delivery":
                out.append(_Task(job.id, "delivery", job.weight_kg, start.location, job.location))
            else:
                out.append(_Task(job.id, "pickup", job.weight_kg, job.location, end.location))
        elif stop.kind in ("pickup", "delivery"):
            sh = instance.shipment_by_id.get(stop.ref)
            if sh is None or sh.id in seen:
                continue
            seen.add(sh.id)
            out.append(
                _Task(sh.id, "shipment", sh.weight_kg, sh.pickup.location, sh.delivery.location)
            )
    return out


def _allocate(keys: list[tuple[float, float]]) -> tuple[list[float], str]:
    """Shares from (t·km, mass) keys, by the first rule of :data:`ALLOCATION_RULES` that has a
    positive total."""
    for rule, values in (
        (ALLOCATION_RULES[0], [k[0] for k in keys]),
        (ALLOCATION_RULES[1], [k[1] for k in keys]),
        (ALLOCATION_RULES[2], [1.0 for _ in keys]),
    ):
        total = math.fsum(values)
        if total > 0:
            return [v / total for v in values], rule
    return [], ALLOCATION_RULES[0]


def _trip(
    instance: Instance,
    r: int,
    route: Route,
    trace: RouteTrace,
    sfd: ShortestDistances,
) -> TripEmissions:
    assert trace.carrier is not None and trace.vehicle_type is not None
    t = instance.type_by_id[trace.vehicle_type]
    label = f"{route.vehicle}#{route.unit}"
    wtw = trace.co2e_wtw_kg
    if t.is_electric:
        ttw = 0.0
        grid_kwh = math.fsum(c.grid_kwh for c in trace.charges)
    else:
        ttw = (
            trace.energy * fuel_factor(t.carrier, t.wtw_co2e_kg_per_unit, t.ttw_co2e_kg_per_unit)[0]
        )
        grid_kwh = 0.0
    wtt = wtw - ttw

    tasks = _tasks(instance, route, trace)
    locs = instance.locations
    distances = [sfd(k.origin, k.destination) for k in tasks]
    keys = [(k.mass_kg / 1000.0 * d, k.mass_kg) for k, d in zip(tasks, distances, strict=True)]
    shares, rule = _allocate(keys)
    shipments = tuple(
        ShipmentEmissions(
            id=k.id,
            kind=k.kind,
            route=r,
            vehicle=label,
            mass_kg=k.mass_kg,
            origin=locs[k.origin].id,
            destination=locs[k.destination].id,
            sfd_km=d,
            tkm=key[0],
            share=share,
            wtw_kg=wtw * share,
            ttw_kg=ttw * share,
            wtt_kg=wtt * share,
        )
        for k, d, key, share in zip(tasks, distances, keys, shares, strict=True)
    )
    carried = math.fsum(leg.load_kg / 1000.0 * leg.distance_km for leg in trace.legs)
    capacity = t.capacity_kg / 1000.0 * trace.distance_km
    return TripEmissions(
        route=r,
        vehicle=route.vehicle,
        unit=route.unit,
        vehicle_type=t.id,
        carrier=t.carrier,
        fuel_unit=t.fuel_unit,
        stops=sum(1 for s in route.stops if s.kind in ("job", "pickup", "delivery")),
        distance_km=trace.distance_km,
        empty_km=math.fsum(leg.distance_km for leg in trace.legs if leg.load_kg <= 1e-9),
        duration_min=trace.duration_min,
        energy=trace.energy,
        grid_kwh=grid_kwh,
        charges=trace.charges,
        ttw_kg=ttw,
        wtt_kg=wtt,
        wtw_kg=wtw,
        tkm=math.fsum(key[0] for key in keys),
        load_factor=carried / capacity if capacity > 0 else 0.0,
        allocation=rule,
        shipments=shipments,
    )


def method(instance: Instance) -> dict[str, Any]:
    """What a reader of the figures needs to know about how they were made (ISO 14083 asks for it)."""
    return {
        "standard": "ISO 14083:2023 / GLEC Framework v3",
        "gwp_set": GWP_SET,
        "boundary": "well-to-wheel (WTW = TTW + WTT) of the vehicle trips; hubs not included",
        "energy": "modelled from the route really driven (empty legs, charger detours and the "
        "return to the depot included), load-dependent consumption",
        "electricity": "grid side of the charger (battery kWh / charging efficiency), "
        "location-based factor of the place of charging (station or depot), green share at the "
        "renewable life-cycle factor",
        "allocation_parameter": "mass (t)",
        "allocation": "mass x shortest feasible distance (t·km) within each trip",
        "distance_type": _distance_type(instance),
        "scopes": "scope 1: fuel burned (TTW); scope 2: purchased electricity at its life-cycle "
        "factor; scope 3: upstream (WTT) of fuels",
        "factors": factors_in_force(instance),
    }


def account(
    instance: Instance, solution: Solution, validation: Report | None = None
) -> CarbonAccount:
    """The emissions of ``solution`` per trip, shipment, carrier and scope (ISO 14083 / GLEC).

    Parameters
    ----------
    instance
        The problem the plan is for.
    solution
        The plan; sparse plans are filled in by the validator first.
    validation
        The validator's report on this very plan, when the caller has it already (saves a pass).

    Returns
    -------
    CarbonAccount
        Trip totals equal the validator's ``co2e_wtw_kg`` per route; the shipments of each trip add
        up to the trip (to float rounding).

    Examples
    --------
    >>> acc = account(instance, plan)  # doctest: +SKIP
    >>> acc.wtw_kg, acc.by_carrier["bev"].grid_kwh  # doctest: +SKIP
    """
    report = validation if validation is not None else validate(instance, solution)
    sfd = ShortestDistances(instance)
    trips = tuple(
        _trip(instance, r, route, trace, sfd)
        for r, (route, trace) in enumerate(zip(report.solution.routes, report.traces, strict=True))
        if trace.used and trace.carrier is not None
    )
    return CarbonAccount(
        instance=instance.name,
        trips=trips,
        unserved=tuple(solution.unserved),
        feasible=report.feasible,
        violations=tuple(str(v) for v in report.violations),
        method=method(instance),
    )
