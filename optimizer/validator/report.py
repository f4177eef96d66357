"""What the validator hands back: the violations found and the plan as it really is.

Why the report carries a filled-in solution: a sparse plan (a stop sequence only, as benchmark
solution files are) becomes a complete one, with the schedule, loads, states of charge and charge
costs the validator recomputed; the CLI and the reports print that instead of trusting the solver.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ..model import FUEL_UNIT
from ..solution import Solution, Totals
from .codes import CODES

#: Cost components in the order the validator computes and prints them.
COST_KEYS: tuple[str, ...] = ("fixed", "distance", "time", "energy", "carbon", "penalty", "total")


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule.

    ``route`` is the index in ``solution.routes`` and ``stop`` the index in that route's ``stops``
    (``None`` when the violation belongs to no single route or stop, e.g. a missing job or a wrong
    total). ``amount`` says by how much the rule is broken in its natural unit (minutes, kg, kWh,
    money, ...), ``None`` where a size makes no sense (an unknown id).
    """

    code: str
    route: int | None
    stop: int | None
    amount: float | None
    message: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "route": self.route,
            "stop": self.stop,
            "amount": self.amount,
            "message": self.message,
        }

    def __str__(self) -> str:
        where = []
        if self.route is not None:
            where.append(f"route {self.route}")
        if self.stop is not None:
            where.append(f"stop {self.stop}")
        place = f" [{', '.join(where)}]" if where else ""
        return f"{self.code}{place}: {self.message}"


def totals_to_dict(t: Totals) -> dict[str, Any]:
    """JSON-ready form of :class:`~optimizer.solution.Totals` (the native solution's spelling)."""
    return {
        "distance_km": t.distance_km,
        "duration_min": t.duration_min,
        "vehicles_used": t.vehicles_used,
        "cost": dict(t.cost),
        "energy": dict(t.energy),
        "co2e_wtw_kg": t.co2e_wtw_kg,
    }


@dataclass(frozen=True, slots=True)
class Leg:
    """One arc a route drives, as the validator recomputed it.

    Why exposed: carbon accounting (:mod:`optimizer.carbon.accounting`) needs the energy of every
    arc with the load on board, and must not redo the physics: the validator is the one
    independent recomputation, so the accounting reads its figures instead of a second copy.

    ``to_stop`` is the index in ``route.stops`` of the stop the arc arrives at (``None``: the
    implicit end depot of a route that lacks one). ``energy`` is in the carrier's unit (kWh taken
    from the battery for electric types, L or kg of fuel otherwise).
    """

    to_stop: int | None
    from_location: int
    to_location: int
    distance_km: float
    duration_min: float
    load_kg: float
    energy: float


@dataclass(frozen=True, slots=True)
class Charge:
    """Energy bought for one route at one place: a station stop, or the depot refill at the end.

    ``battery_kwh`` went into the battery; ``grid_kwh`` = battery_kwh / charging efficiency was
    drawn from the grid at the charger (ISO 14083 / GLEC count charging losses in the transport);
    ``co2e_kg_per_kwh`` is the location-based well-to-wheel factor of that place (its region's or
    its own; a green share counts only in the carbon report's market-based figure).
    ``stop`` is the station stop's index, ``None`` for the depot refill.
    """

    stop: int | None
    place: str
    kind: str
    battery_kwh: float
    grid_kwh: float
    co2e_kg_per_kwh: float
    cost: float

    @property
    def co2e_wtw_kg(self) -> float:
        return self.grid_kwh * self.co2e_kg_per_kwh


@dataclass(frozen=True, slots=True)
class RouteTrace:
    """Everything the validator recomputed about one route that a report needs beyond the stops.

    ``used`` is false for a depot-to-depot route (it costs nothing). A route whose vehicle is
    unknown has ``carrier`` ``None`` and no legs: nothing about it can be recomputed.
    ``co2e_wtw_kg`` is the route's contribution to ``totals.co2e_wtw_kg``.
    """

    used: bool
    vehicle_type: str | None = None
    carrier: str | None = None
    start_depot: str | None = None
    end_depot: str | None = None
    legs: tuple[Leg, ...] = ()
    charges: tuple[Charge, ...] = ()
    distance_km: float = 0.0
    duration_min: float = 0.0
    energy: float = 0.0
    co2e_wtw_kg: float = 0.0
    #: The route's share of ``totals.cost`` before carbon and penalties: ``fixed``, ``distance``,
    #: ``time``, ``energy`` (the run sheet prints it per vehicle; empty for an unused route).
    cost: Mapping[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class Report:
    """The validator's verdict on one solution.

    ``feasible`` is true exactly when ``violations`` is empty. ``solution`` is the input solution
    with every stop figure recomputed and ``totals`` replaced by the recomputed :attr:`totals`.
    ``traces`` has one :class:`RouteTrace` per route of ``solution.routes``, in order.
    """

    feasible: bool
    violations: tuple[Violation, ...]
    solution: Solution
    totals: Totals
    traces: tuple[RouteTrace, ...] = ()

    def codes(self) -> set[str]:
        """The distinct violation codes present (handy in tests and scripts)."""
        return {v.code for v in self.violations}

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: verdict, violations (each with code, route, stop, amount, message), totals."""
        return {
            "instance": self.solution.instance,
            "feasible": self.feasible,
            "violations": [v.to_dict() for v in self.violations],
            "totals": totals_to_dict(self.totals),
        }

    def summary(self) -> str:
        """Human-readable: the verdict, one line per violation, then the recomputed totals."""
        name = self.solution.instance or "solution"
        n = len(self.violations)
        head = (
            f"{name}: feasible"
            if self.feasible
            else f"{name}: INFEASIBLE, {n} violation{'s' if n != 1 else ''}"
        )
        lines = [head]
        lines += [f"  {v}" for v in self.violations]
        t = self.totals
        lines.append("recomputed totals:")
        lines.append(f"  vehicles used  {t.vehicles_used}")
        lines.append(f"  distance_km    {_num(t.distance_km)}")
        lines.append(f"  duration_min   {_num(t.duration_min)}")
        if t.energy:
            energy = ", ".join(
                f"{carrier} {_num(v)} {FUEL_UNIT.get(carrier, '')}".rstrip()
                for carrier, v in t.energy.items()
            )
            lines.append(f"  energy         {energy}")
        lines.append(f"  co2e_wtw_kg    {_num(t.co2e_wtw_kg)}")
        if t.cost:
            cost = ", ".join(f"{k} {_num(t.cost[k])}" for k in COST_KEYS if k in t.cost)
            lines.append(f"  cost           {cost}")
        return "\n".join(lines)


def _num(x: float | None) -> str:
    return "-" if x is None else f"{x:.3f}"


__all__ = [
    "CODES",
    "COST_KEYS",
    "Charge",
    "Leg",
    "Report",
    "RouteTrace",
    "Violation",
    "totals_to_dict",
]
