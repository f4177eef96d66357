"""The all-diesel baseline: the same jobs served by an all-diesel fleet, solved, then accounted.

Why solved and not estimated: swapping the energy model of the plan's own routes would keep the
detours to chargers and the routes shaped around battery range, which a diesel fleet would not
drive; ISO 14083 defines no baseline, and the closest precedent (iLEAP's business case of avoided
emissions: emissions with versus without the change) compares two real operations. So the
counterfactual is a plan in its own right, made by the same solver with the same seed and checked
by the same validator.

The diesel fleet (:func:`diesel_equivalent`): every vehicle type keeps its id, capacity (kg and
m3), speed factor, costs per day, km and hour, duty limits and zone bans, and the vehicles keep
their counts, depots and shifts; only the energy changes. A non-diesel type's consumption becomes
diesel litres per km by :data:`~optimizer.carbon.factors.DIESEL_L_PER_UNIT` (which maps the
default battery tractor of the research notes, 1.0-1.7 kWh/km, onto their diesel tractor, 0.24-0.38
L/km, and scales a van by its own kWh/km), priced at the instance's diesel price. Zone bans are
those of the vehicles replaced, so a diesel-free zone served by electric vans stays served: the
baseline asks what the same service would emit on diesel, not whether diesel would be allowed.
Stations are dropped (no diesel vehicle can use them).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from ..model import Instance, VehicleType
from ..solution import Solution
from .accounting import CarbonAccount, account
from .factors import DEFAULT_DIESEL_PRICE_PER_L, DIESEL_L_PER_UNIT


def _diesel_price(instance: Instance) -> float:
    prices = [
        t.fuel_price_per_unit
        for t in instance.vehicle_types
        if t.carrier == "diesel" and t.fuel_price_per_unit > 0
    ]
    return prices[0] if prices else DEFAULT_DIESEL_PRICE_PER_L


def diesel_type(t: VehicleType, diesel_price_per_l: float) -> VehicleType:
    """The diesel equivalent of one vehicle type (a diesel type is returned unchanged)."""
    if t.carrier == "diesel":
        return t
    per_unit_empty, per_unit_full = DIESEL_L_PER_UNIT[t.carrier]
    return VehicleType(
        id=t.id,
        carrier="diesel",
        capacity_kg=t.capacity_kg,
        capacity_m3=t.capacity_m3,
        consumption_per_km_empty=t.consumption_per_km_empty * per_unit_empty,
        consumption_per_km_full=t.full_rate_per_km * per_unit_full,
        fixed_cost=t.fixed_cost,
        cost_per_km=t.cost_per_km,
        cost_per_hour=t.cost_per_hour,
        fuel_price_per_unit=diesel_price_per_l,
        speed_factor=t.speed_factor,
        banned_zones=t.banned_zones,
        max_duration_min=t.max_duration_min,
    )


def diesel_equivalent(instance: Instance) -> Instance:
    """A copy of ``instance`` whose every vehicle type runs on diesel (see the module docstring)."""
    price = _diesel_price(instance)
    return replace(
        instance,
        name=f"{instance.name} (all-diesel baseline)",
        vehicle_types=tuple(diesel_type(t, price) for t in instance.vehicle_types),
        stations=(),
        meta={**instance.meta, "baseline": "all-diesel", "baseline_of": instance.name},
    )


@dataclass(frozen=True)
class Baseline:
    """The all-diesel counterfactual of one instance: its fleet, its plan and its account."""

    instance: Instance
    solution: Solution
    account: CarbonAccount
    time_limit_s: float
    seed: int

    @property
    def wtw_kg(self) -> float:
        return self.account.wtw_kg

    def to_dict(self) -> dict[str, Any]:
        totals = self.solution.totals
        return {
            "method": "solved: same jobs, fleet converted to diesel (same capacity, counts, "
            "speed, costs and zone bans), same seed",
            "time_limit_s": self.time_limit_s,
            "seed": self.seed,
            "feasible": self.account.feasible,
            "vehicles_used": totals.vehicles_used,
            "distance_km": totals.distance_km,
            "cost": dict(totals.cost),
            "diesel_l": self.account.by_carrier["diesel"].energy
            if "diesel" in self.account.by_carrier
            else 0.0,
            "co2e_wtw_kg": self.account.wtw_kg,
            "co2e_ttw_kg": self.account.ttw_kg,
            "vehicle_types": {
                t.id: {
                    "consumption_l_per_km_empty": t.consumption_per_km_empty,
                    "consumption_l_per_km_full": t.full_rate_per_km,
                }
                for t in self.instance.vehicle_types
            },
        }


def solve_diesel_baseline(
    instance: Instance, time_limit_s: float = 10.0, seed: int = 0
) -> Baseline:
    """Solve the all-diesel counterfactual of ``instance`` and account it.

    Raises the solver's ``InfeasibleError`` (an :class:`~optimizer.errors.OptimizerError`) when the
    diesel fleet cannot serve every job, e.g. a job only a banned type could reach.
    """
    from ..solver import solve

    base = diesel_equivalent(instance)
    plan = solve(base, time_limit_s=time_limit_s, seed=seed)
    return Baseline(base, plan, account(base, plan), time_limit_s, seed)
