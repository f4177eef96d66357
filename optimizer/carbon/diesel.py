"""Diesel equivalents of a fleet, and the primary baseline: the plan's own routes driven on diesel.

Why the plan's own routes are the primary baseline: a counterfactual that must be solved depends on
the search (its time limit, its seed, the machine's load): three reports of one city-day plan once
gave 461, 629 and 636 kg for the re-solved all-diesel fleet. Driving the same routes with each
vehicle's diesel equivalent needs no search: the figure follows from the instance and the plan
alone, so any auditor recomputes it exactly, and the reduction it shows is the effect of the energy
carrier (ISO 14083 defines no baseline; iLEAP's "avoided emissions" business case compares the
same operation with and without the change). The re-solved diesel fleet (:mod:`.baseline`) stays
as a second figure: it also credits the routes a diesel fleet would have driven differently.

The diesel equivalent of a vehicle type (:func:`diesel_type`) keeps its id, capacities, speed,
costs, duty limits and zone bans; only the energy changes, to the diesel litres per km of
:func:`~optimizer.carbon.factors.diesel_rates` (the type's own override, else a diesel type of
the instance in the same payload class, else the class default of
:data:`~optimizer.carbon.factors.DIESEL_CLASSES`), at the default diesel factors and the
instance's diesel price. A diesel type is its own equivalent. On the same routes the charging
stops are dropped (a diesel vehicle does not drive to a charger) and every other stop is kept in
order, mid-route depot visits included; loads, distances and litres are the validator's.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..model import Instance, VehicleType
from ..solution import Route, Solution, Stop, Totals
from ..validator import Report, validate
from .factors import DEFAULT_DIESEL_PRICE_PER_L, diesel_rates, fuel_factor

#: Plain-language name of the primary baseline, as the report prints it.
PRIMARY_METHOD = (
    "same routes, each vehicle's diesel equivalent (stated litres per km by payload class or per "
    "type), charging stops dropped; no solver: exactly reproducible"
)


def diesel_price(instance: Instance) -> float:
    """The instance's diesel price (its first diesel type's), else the default one."""
    prices = [
        t.fuel_price_per_unit
        for t in instance.vehicle_types
        if t.carrier == "diesel" and t.fuel_price_per_unit > 0
    ]
    return prices[0] if prices else DEFAULT_DIESEL_PRICE_PER_L


def diesel_type(
    t: VehicleType, diesel_price_per_l: float, fleet: Sequence[VehicleType] = ()
) -> VehicleType:
    """The diesel equivalent of one vehicle type (a diesel type is returned unchanged); ``fleet``
    is the instance's types, whose diesel ones set the figure of their class (see
    :func:`~optimizer.carbon.factors.diesel_rates`)."""
    if t.carrier == "diesel":
        return t
    empty, full, _, _, _ = diesel_rates(t, fleet)
    return VehicleType(
        id=t.id,
        carrier="diesel",
        capacity_kg=t.capacity_kg,
        capacity_m3=t.capacity_m3,
        consumption_per_km_empty=empty,
        consumption_per_km_full=full,
        fixed_cost=t.fixed_cost,
        cost_per_km=t.cost_per_km,
        cost_per_hour=t.cost_per_hour,
        fuel_price_per_unit=diesel_price_per_l,
        speed_factor=t.speed_factor,
        banned_zones=t.banned_zones,
        max_duration_min=t.max_duration_min,
    )


def diesel_equivalent(instance: Instance) -> Instance:
    """A copy of ``instance`` whose every vehicle type runs on its diesel equivalent, no stations."""
    price = diesel_price(instance)
    return replace(
        instance,
        name=f"{instance.name} (all-diesel baseline)",
        vehicle_types=tuple(
            diesel_type(t, price, instance.vehicle_types) for t in instance.vehicle_types
        ),
        stations=(),
        meta={**instance.meta, "baseline": "all-diesel", "baseline_of": instance.name},
    )


def _on_diesel(route: Route) -> Route:
    """The route's stops without its charging stops, every recomputed figure cleared."""
    return Route(
        route.vehicle,
        tuple(Stop(s.kind, s.ref) for s in route.stops if s.kind != "station"),
        route.unit,
    )


@dataclass(frozen=True, slots=True)
class BaselineTrip:
    """One route of the plan driven by its vehicle's diesel equivalent."""

    route: int
    vehicle_type: str
    distance_km: float
    diesel_l: float
    ttw_kg: float
    wtw_kg: float


@dataclass(frozen=True)
class SameRoutesBaseline:
    """The primary baseline of one plan: per route (keyed by the plan's route index) and in all.

    ``money_cost`` is what the diesel equivalents would cost on these routes (fixed + distance +
    time + energy at the instance's diesel price; no carbon, no penalty), with the vehicle costs the
    instance gives for the plan's types: the plan's money cost minus it is the operating cost of the
    cut (:attr:`~optimizer.carbon.accounting.CarbonAccount.cut_cost`).
    """

    instance: Instance
    validation: Report
    trips: dict[int, BaselineTrip]
    money_cost: float

    @property
    def wtw_kg(self) -> float:
        return math.fsum(t.wtw_kg for t in self.trips.values())

    @property
    def ttw_kg(self) -> float:
        return math.fsum(t.ttw_kg for t in self.trips.values())

    @property
    def diesel_l(self) -> float:
        return math.fsum(t.diesel_l for t in self.trips.values())

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": "primary",
            "method": PRIMARY_METHOD,
            "reproducible": True,
            "distance_km": math.fsum(t.distance_km for t in self.trips.values()),
            "diesel_l": self.diesel_l,
            "co2e_wtw_kg": self.wtw_kg,
            "co2e_ttw_kg": self.ttw_kg,
            "money_cost": self.money_cost,
            "vehicle_types": {
                t.id: {
                    "consumption_l_per_km_empty": t.consumption_per_km_empty,
                    "consumption_l_per_km_full": t.full_rate_per_km,
                }
                for t in self.instance.vehicle_types
            },
        }


def _money(totals: Totals) -> float:
    return math.fsum(totals.cost.get(k, 0.0) for k in ("fixed", "distance", "time", "energy"))


def same_routes_baseline(instance: Instance, validation: Report) -> SameRoutesBaseline:
    """The plan of ``validation`` (the validator's report on it) driven on diesel, route by route.

    Deterministic: the validator recomputes each diesel route's loads and litres; nothing is
    searched. Only the routes the validator found used (and whose vehicle it knows) count.
    """
    base = diesel_equivalent(instance)
    plan = validation.solution
    diesel_plan = Solution(
        plan.instance,
        tuple(_on_diesel(r) for r in plan.routes),
        plan.unserved,
        Totals(),
        {},
    )
    report = validate(base, diesel_plan)
    trips: dict[int, BaselineTrip] = {}
    for r, (old, new) in enumerate(zip(validation.traces, report.traces, strict=True)):
        if not (old.used and old.carrier is not None and new.vehicle_type is not None):
            continue
        t = base.type_by_id[new.vehicle_type]
        ttw_per_l = fuel_factor(t.carrier, t.wtw_co2e_kg_per_unit, t.ttw_co2e_kg_per_unit)[0]
        trips[r] = BaselineTrip(
            route=r,
            vehicle_type=t.id,
            distance_km=new.distance_km,
            diesel_l=new.energy,
            ttw_kg=new.energy * ttw_per_l,
            wtw_kg=new.co2e_wtw_kg,
        )
    return SameRoutesBaseline(base, report, trips, _money(report.totals))
