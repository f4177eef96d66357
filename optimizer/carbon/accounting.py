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
the vehicles (TTW) is scope 1; purchased electricity at the *generation* factor of the place's grid
is scope 2 (location-based, the GHG Protocol scope 2 guidance of 2015); the upstream (WTT) part of
fuels and of electricity (life-cycle factor minus generation) is scope 3 category 3. The three add
up to the WTW total. The market-based scope 2 figure (instrument-backed green share at zero, the
rest at the residual mix) is reported beside it, never in the WTW total. Hubs (depots as
cross-docks) are not included and the report says so, as ISO 14083 asks.

Baselines and reductions: every trip is also driven, on the same route, by its vehicle's diesel
equivalent (:mod:`.diesel`, the primary baseline); each shipment gets that baseline trip in the
same t·km share as its emissions, so shipment baselines and reductions add up to the plan's.
Shippers and partners (``Job.shipper`` / ``partner``) group the shipments: :attr:`CarbonAccount.
by_shipper` and :attr:`~CarbonAccount.by_partner` give the shared footprint, and the operating
cost of the cut is shared in proportion to each group's reduction (:data:`CUT_COST_RULE`).
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
from .diesel import PRIMARY_METHOD, BaselineTrip, SameRoutesBaseline, same_routes_baseline
from .factors import (
    DEFAULT_FACTORS,
    GRID_YEAR,
    PlaceElectricity,
    factors_in_force,
    fuel_factor,
    place_electricity,
)

#: Carriers counted as new-energy vehicles in the operating figures (China's NEV definition:
#: battery-electric, battery-swap and fuel-cell; LNG and methanol are alternative fuels, not NEV).
NEW_ENERGY_CARRIERS = frozenset({"bev", "swap", "hydrogen"})
#: How the operating cost of the cut is shared (see :attr:`CarbonAccount.by_shipper`).
CUT_COST_RULE = (
    "cut cost = the plan's money cost (fixed + distance + time + energy) minus that of the primary "
    "baseline on the same routes; each shipper (or partner) bears it in proportion to its "
    "reduction_kg (signed, so the shares add up to 1); no cut to share when the plan's reduction "
    "is not positive"
)

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
    #: Its share (same t·km share) of the trip driven by the vehicle's diesel equivalent.
    baseline_wtw_kg: float = 0.0
    shipper: str | None = None
    partner: str | None = None

    @property
    def reduction_kg(self) -> float:
        """Primary baseline minus emissions (WTW): what moving it this way avoided."""
        return self.baseline_wtw_kg - self.wtw_kg

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
            "shipper": self.shipper,
            "partner": self.partner,
            "baseline_diesel_wtw_kg": self.baseline_wtw_kg,
            "reduction_kg": self.reduction_kg,
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
    #: Biogenic CO2 released (fuels with a biogenic part), outside the CO2e figures.
    biogenic_co2_kg: float = 0.0
    #: The same route driven by the vehicle's diesel equivalent (primary baseline); ``None``
    #: where the account was made without it.
    baseline_diesel_l: float | None = None
    baseline_wtw_kg: float | None = None
    #: Times the vehicle came back to its depot to reload (a vehicle that may make several
    #: trips): the route is the vehicle's day, one transport operation of ``reloads + 1`` trips.
    reloads: int = 0

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
            "trips": self.reloads + 1,
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
            "biogenic_co2_kg": self.biogenic_co2_kg,
            "baseline_diesel_l": self.baseline_diesel_l,
            "baseline_diesel_wtw_kg": self.baseline_wtw_kg,
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


@dataclass(frozen=True, slots=True)
class ChargeElectricity:
    """One charge of one trip with the figures of the place it was bought at (both methods)."""

    route: int
    place: PlaceElectricity
    grid_kwh: float

    @property
    def green_kwh(self) -> float:
        return self.grid_kwh * self.place.counted_green_share


#: Name of the group of shipments that state no shipper (or no partner).
NOT_STATED = "(not stated)"


@dataclass(frozen=True)
class CarbonAccount:
    """The emissions of one plan: trips (TOCs), shipments (TCEs), carriers, scopes and the method.

    ``feasible`` / ``violations`` repeat the validator's verdict: an infeasible plan is accounted
    all the same (its figures are what it would emit), but a report must say so. ``baseline`` is
    the primary baseline (the same routes on diesel, :mod:`.diesel`); ``money_cost`` the plan's
    fixed + distance + time + energy cost, as the validator recomputed it.
    """

    instance: str
    trips: tuple[TripEmissions, ...]
    unserved: tuple[str, ...]
    feasible: bool
    violations: tuple[str, ...]
    method: dict[str, Any] = field(default_factory=dict)
    charges: tuple[ChargeElectricity, ...] = ()
    baseline: SameRoutesBaseline | None = None
    money_cost: float = 0.0

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
    def biogenic_co2_kg(self) -> float:
        return math.fsum(t.biogenic_co2_kg for t in self.trips)

    @property
    def tkm(self) -> float:
        return math.fsum(t.tkm for t in self.trips)

    @property
    def intensity_wtw_g_per_tkm(self) -> float | None:
        tkm = self.tkm
        return self.wtw_kg * 1000.0 / tkm if tkm > 0 else None

    # ----- the primary baseline ------------------------------------------------------------
    @property
    def baseline_wtw_kg(self) -> float | None:
        """The plan's trips driven by their vehicles' diesel equivalents (WTW kg)."""
        if self.baseline is None:
            return None
        return math.fsum(t.baseline_wtw_kg or 0.0 for t in self.trips)

    @property
    def reduction_kg(self) -> float | None:
        base = self.baseline_wtw_kg
        return None if base is None else base - self.wtw_kg

    @property
    def reduction_pct(self) -> float | None:
        base = self.baseline_wtw_kg
        if base is None or base <= 0:
            return None
        return 100.0 * (base - self.wtw_kg) / base

    @property
    def cut_cost(self) -> float | None:
        """The operating cost of the cut: the plan's money cost minus the primary baseline's (the
        same routes on diesel, same vehicle costs); negative when the cleaner plan is cheaper."""
        if self.baseline is None:
            return None
        return self.money_cost - self.baseline.money_cost

    def groups_by(self, key: str) -> dict[str, dict[str, Any]]:
        """The shared footprint of each value of ``key`` (``shipper`` or ``partner``) of the
        shipments: see :attr:`by_shipper`."""
        total_reduction = self.reduction_kg
        cut = self.cut_cost
        share_cut = total_reduction is not None and total_reduction > 0
        names: dict[str, list[ShipmentEmissions]] = {}
        for sh in self.shipments:
            names.setdefault(getattr(sh, key) or NOT_STATED, []).append(sh)
        out: dict[str, dict[str, Any]] = {}
        for name in sorted(names):
            group = names[name]
            wtw = math.fsum(x.wtw_kg for x in group)
            tkm = math.fsum(x.tkm for x in group)
            row: dict[str, Any] = {
                "shipments": len(group),
                "mass_kg": math.fsum(x.mass_kg for x in group),
                "tkm": tkm,
                "co2e_wtw_kg": wtw,
                "co2e_ttw_kg": math.fsum(x.ttw_kg for x in group),
                "intensity_wtw_g_per_tkm": wtw * 1000.0 / tkm if tkm > 0 else None,
            }
            if self.baseline is not None:
                base = math.fsum(x.baseline_wtw_kg for x in group)
                red = base - wtw
                share = red / total_reduction if share_cut and total_reduction else None
                row.update(
                    baseline_diesel_wtw_kg=base,
                    baseline_intensity_wtw_g_per_tkm=base * 1000.0 / tkm if tkm > 0 else None,
                    reduction_kg=red,
                    reduction_pct=100.0 * red / base if base > 0 else None,
                    reduction_share=share,
                    cut_cost=share * cut if share is not None and cut is not None else None,
                )
            out[name] = row
        return out

    @property
    def by_shipper(self) -> dict[str, dict[str, Any]]:
        """Per shipper: shipments, mass, t·km, WTW and TTW kg, intensity, the primary baseline,
        the reduction (kg and %), its share of the plan's reduction and the cut cost it bears.

        The rule for sharing the cost of the cut (:data:`CUT_COST_RULE`): in proportion to each
        shipper's reduction, so a shipper whose goods rode the diesel trucks (no reduction) pays
        nothing for the cut and one whose goods made most of it pays most. Why not by t·km: the
        shipper who gets the cleaner transport is the one that can claim the reduction in its
        scope 3, and should carry the cost of obtaining it. Shipments that name no shipper form
        the group :data:`NOT_STATED`, so the groups add up to the plan.
        """
        return self.groups_by("shipper")

    @property
    def by_partner(self) -> dict[str, dict[str, Any]]:
        """As :attr:`by_shipper`, per subcontracted carrier (``partner``)."""
        return self.groups_by("partner")

    # ----- carriers, electricity, scopes -----------------------------------------------------
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
                sum(1 + t.reloads for t in trips),  # a day of several trips counts each
                math.fsum(t.ttw_kg for t in trips),
                math.fsum(t.wtt_kg for t in trips),
                math.fsum(t.wtw_kg for t in trips),
            )
        return out

    @property
    def electricity(self) -> dict[str, Any]:
        """Grid electricity by both GHG Protocol scope 2 methods, in kg CO2 (generation) and kg
        CO2e (life cycle): ``location_based_kg`` (each place's grid region) and
        ``market_based_kg`` (instrument-backed green share at zero, the rest at the residual mix);
        ``upstream_kg`` (scope 3 category 3); the WTW counterparts; the green share of kWh."""
        grid = math.fsum(c.grid_kwh for c in self.charges)
        green = math.fsum(c.green_kwh for c in self.charges)
        places: dict[str, dict[str, float]] = {}
        for c in self.charges:
            row = places.setdefault(
                c.place.place,
                {
                    "grid_kwh": 0.0,
                    "green_kwh": 0.0,
                    "location_based_kg": 0.0,
                    "market_based_kg": 0.0,
                    "wtw_kg_per_kwh": c.place.wtw_kg_per_kwh,
                    "generation_kg_per_kwh": c.place.generation_kg_per_kwh,
                    "market_generation_kg_per_kwh": c.place.market_generation_kg_per_kwh,
                },
            )
            row["grid_kwh"] += c.grid_kwh
            row["green_kwh"] += c.green_kwh
            row["location_based_kg"] += c.grid_kwh * c.place.generation_kg_per_kwh
            row["market_based_kg"] += c.grid_kwh * c.place.market_generation_kg_per_kwh
        return {
            "grid_kwh": grid,
            "green_kwh": green,
            "green_share_of_kwh": green / grid if grid > 0 else None,
            "location_based_kg": math.fsum(
                c.grid_kwh * c.place.generation_kg_per_kwh for c in self.charges
            ),
            "market_based_kg": math.fsum(
                c.grid_kwh * c.place.market_generation_kg_per_kwh for c in self.charges
            ),
            "upstream_kg": math.fsum(
                c.grid_kwh * c.place.upstream_kg_per_kwh for c in self.charges
            ),
            "location_based_wtw_kg": math.fsum(
                c.grid_kwh * c.place.wtw_kg_per_kwh for c in self.charges
            ),
            "market_based_wtw_kg": math.fsum(
                c.grid_kwh * c.place.market_wtw_kg_per_kwh for c in self.charges
            ),
            "by_place": places,
            "method": "GHG Protocol scope 2 guidance (2015): location-based = grid kWh x the "
            "generation CO2 factor of the place's grid region; market-based = grid kWh x (green "
            "share backed by a stated instrument x 0 + the rest x the residual mix); "
            f"all default factors of {GRID_YEAR} (MEE/NBS); the plan's WTW uses the location-based "
            "life-cycle factor",
        }

    @property
    def scopes(self) -> dict[str, float]:
        """Scope 1: fuel burned (TTW); scope 2: purchased electricity at the generation factor of
        its grid (location-based); scope 3 (category 3): the upstream of fuels (WTT) and of
        electricity (life cycle minus generation). Adds up to the WTW total."""
        fuel = [t for t in self.trips if t.fuel_unit != "kWh"]
        elec = self.electricity
        return {
            "scope1_kg": math.fsum(t.ttw_kg for t in fuel),
            "scope2_kg": elec["location_based_kg"],
            "scope3_kg": math.fsum([*(t.wtt_kg for t in fuel), elec["upstream_kg"]]),
        }

    @property
    def operating(self) -> dict[str, Any]:
        """The figures zero-carbon freight alliances track: the new-energy vehicles' share of the
        km driven and of the t·km (mass x SFD, the report's transport activity) carried, and the
        share of the grid kWh charged that is green by a stated instrument."""
        km = math.fsum(t.distance_km for t in self.trips)
        tkm = self.tkm
        nev = [t for t in self.trips if t.carrier in NEW_ENERGY_CARRIERS]
        nev_km = math.fsum(t.distance_km for t in nev)
        nev_tkm = math.fsum(t.tkm for t in nev)
        return {
            "new_energy_carriers": sorted(NEW_ENERGY_CARRIERS),
            "new_energy_km": nev_km,
            "new_energy_share_of_km": nev_km / km if km > 0 else None,
            "new_energy_tkm": nev_tkm,
            "new_energy_share_of_tkm": nev_tkm / tkm if tkm > 0 else None,
            "green_electricity_share_of_kwh": self.electricity["green_share_of_kwh"],
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
            "biogenic_co2_kg": self.biogenic_co2_kg,
            "tkm": self.tkm,
            "intensity_wtw_g_per_tkm": self.intensity_wtw_g_per_tkm,
            "baseline_diesel_wtw_kg": self.baseline_wtw_kg,
            "reduction_kg": self.reduction_kg,
            "reduction_pct": self.reduction_pct,
            "money_cost": self.money_cost,
            "cut_cost": self.cut_cost,
            "by_carrier": {k: v.to_dict() for k, v in self.by_carrier.items()},
            "scopes": self.scopes,
            "electricity": self.electricity,
            "operating": self.operating,
            "by_trip": [t.to_dict() for t in self.trips],
            "by_shipment": [s.to_dict() for s in self.shipments],
            "by_shipper": self.by_shipper,
            "by_partner": self.by_partner,
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
    shipper: str | None = None
    partner: str | None = None


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
                origin, destination = start.location, job.location
            else:
                origin, destination = job.location, end.location
            out.append(
                _Task(
                    job.id, job.kind, job.weight_kg, origin, destination, job.shipper, job.partner
                )
            )
        elif stop.kind in ("pickup", "delivery"):
            sh = instance.shipment_by_id.get(stop.ref)
            if sh is None or sh.id in seen:
                continue
            seen.add(sh.id)
            out.append(
                _Task(
                    sh.id,
                    "shipment",
                    sh.weight_kg,
                    sh.pickup.location,
                    sh.delivery.location,
                    sh.shipper,
                    sh.partner,
                )
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
    baseline: BaselineTrip | None,
) -> TripEmissions:
    assert trace.carrier is not None and trace.vehicle_type is not None
    t = instance.type_by_id[trace.vehicle_type]
    label = f"{route.vehicle}#{route.unit}"
    wtw = trace.co2e_wtw_kg
    biogenic = 0.0
    if t.is_electric:
        ttw = 0.0
        grid_kwh = math.fsum(c.grid_kwh for c in trace.charges)
    else:
        ttw = (
            trace.energy * fuel_factor(t.carrier, t.wtw_co2e_kg_per_unit, t.ttw_co2e_kg_per_unit)[0]
        )
        grid_kwh = 0.0
        per_unit = t.biogenic_co2_kg_per_unit
        if per_unit is None:
            per_unit = DEFAULT_FACTORS[t.carrier].biogenic_co2_kg
        biogenic = trace.energy * per_unit
    wtt = wtw - ttw
    base_wtw = baseline.wtw_kg if baseline is not None else 0.0

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
            baseline_wtw_kg=base_wtw * share,
            shipper=k.shipper,
            partner=k.partner,
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
        reloads=route.trips - 1,
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
        biogenic_co2_kg=biogenic,
        baseline_diesel_l=baseline.diesel_l if baseline is not None else None,
        baseline_wtw_kg=baseline.wtw_kg if baseline is not None else None,
    )


def method(instance: Instance) -> dict[str, Any]:
    """What a reader of the figures needs to know about how they were made (ISO 14083 asks for it)."""
    return {
        "standard": "ISO 14083:2023 / GLEC Framework v3",
        "gwp_set": "per factor (see factors[*].gwp_set); the defaults mix EN 16258 (AR4) diesel "
        "with AR6 and MEE electricity figures",
        "boundary": "well-to-wheel (WTW = TTW + WTT) of the vehicle trips; hubs not included; "
        "biogenic CO2 reported apart, not in CO2e",
        "energy": "modelled from the route really driven (empty legs, charger detours and the "
        "return to the depot included), load-dependent consumption",
        "electricity": "grid side of the charger (battery kWh / charging efficiency, 0.92 where the "
        "input gives none), location-based life-cycle factor of the place's grid region "
        f"({GRID_YEAR} for every default); a green share counts only in the market-based figure, "
        "and only with a stated instrument",
        "allocation_parameter": "mass (t)",
        "allocation": "mass x shortest feasible distance (t·km) within each trip",
        "distance_type": _distance_type(instance),
        "scopes": "scope 1: fuel burned (TTW); scope 2: purchased electricity at the generation "
        "factor of its grid (location-based; market-based reported apart); scope 3 category 3: "
        "upstream of fuels (WTT) and of electricity (life cycle minus generation)",
        "baseline": "primary: " + PRIMARY_METHOD + "; shipments get their trip's baseline in "
        "their t·km share",
        "cut_cost_rule": CUT_COST_RULE,
        "factors": factors_in_force(instance),
    }


def account(
    instance: Instance,
    solution: Solution,
    validation: Report | None = None,
    *,
    with_baseline: bool = True,
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
    with_baseline
        Whether to drive the plan's routes on diesel too (the primary baseline, milliseconds).

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
    base = same_routes_baseline(instance, report) if with_baseline else None
    trips = tuple(
        _trip(instance, r, route, trace, sfd, base.trips.get(r) if base is not None else None)
        for r, (route, trace) in enumerate(zip(report.solution.routes, report.traces, strict=True))
        if trace.used and trace.carrier is not None
    )
    charges = tuple(
        ChargeElectricity(trip.route, _place(instance, c), c.grid_kwh)
        for trip in trips
        for c in trip.charges
    )
    money = math.fsum(
        report.totals.cost.get(k, 0.0) for k in ("fixed", "distance", "time", "energy")
    )
    return CarbonAccount(
        instance=instance.name,
        trips=trips,
        unserved=tuple(solution.unserved),
        feasible=report.feasible,
        violations=tuple(str(v) for v in report.violations),
        method=method(instance),
        charges=charges,
        baseline=base,
        money_cost=money,
    )


def _place(instance: Instance, charge: Charge) -> PlaceElectricity:
    if charge.kind == "depot":
        return place_electricity(instance.depot_by_id[charge.place], f"depot {charge.place}")
    return place_electricity(instance.station_by_id[charge.place], f"station {charge.place}")
