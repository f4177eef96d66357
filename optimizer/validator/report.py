"""What the validator hands back: the violations found and the plan as it really is.

Why the report carries a filled-in solution: a sparse plan (a stop sequence only, as benchmark
solution files are) becomes a complete one, with the schedule, loads, states of charge and charge
costs the validator recomputed; the CLI and the reports print that instead of trusting the solver.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Report:
    """The validator's verdict on one solution.

    ``feasible`` is true exactly when ``violations`` is empty. ``solution`` is the input solution
    with every stop figure recomputed and ``totals`` replaced by the recomputed :attr:`totals`.
    """

    feasible: bool
    violations: tuple[Violation, ...]
    solution: Solution
    totals: Totals

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


__all__ = ["CODES", "COST_KEYS", "Report", "Violation", "totals_to_dict"]
