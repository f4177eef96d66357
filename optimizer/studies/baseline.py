"""The second baseline: the same jobs served by an all-diesel fleet, solved, then accounted.

Why a second figure beside the primary one (:mod:`optimizer.carbon.diesel`, the plan's own routes
on diesel): a diesel fleet would not drive the detours to chargers nor shape its routes around
battery range, so the same routes on diesel can overstate what a diesel fleet would emit; the
re-solved plan credits that. Its weakness is the search: solved under a fixed 10 s wall clock, three reports of one plan
on a busy machine gave 461, 629 and 636 kg. So it is solved with the *plan's* time limit and seed
(``meta.time_limit_s`` and ``meta.seed`` of the plan), which size the solver's deterministic work
budgets: two solves with the same limit and seed give the same plan on any machine, unless the wall
clock ended the search first (the solver says so in ``meta.stopped_by``, and :meth:`Baseline.
to_dict` reports ``reproducible: false``).

The diesel fleet is :func:`~optimizer.carbon.diesel.diesel_equivalent` (the same diesel equivalents
as the primary baseline). Zone bans are those of the vehicles replaced, so a diesel-free zone served by electric
vans stays served: the baseline asks what the same service would emit on diesel, not whether
diesel would be allowed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..carbon.accounting import CarbonAccount, account
from ..carbon.diesel import diesel_equivalent
from ..model import Instance
from ..solution import Solution

__all__ = ["Baseline", "solve_diesel_baseline"]

#: Plain-language name of the second baseline, as the report prints it.
RESOLVED_METHOD = (
    "re-solved: the same jobs, fleet converted to its diesel equivalents (same capacity, counts, "
    "speed, costs and zone bans), solved with the plan's time limit and seed"
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

    @property
    def reproducible(self) -> bool:
        """Whether the solver's work budget, not the wall clock, ended the search: then two solves
        give the same plan anywhere. ``False`` means *not guaranteed* (the solver also says
        ``time`` when a search used its whole limit without being cut short)."""
        return self.solution.meta.get("stopped_by") != "time"

    def to_dict(self) -> dict[str, Any]:
        totals = self.solution.totals
        return {
            "kind": "secondary",
            "method": RESOLVED_METHOD,
            "time_limit_s": self.time_limit_s,
            "seed": self.seed,
            "stopped_by": self.solution.meta.get("stopped_by"),
            "reproducible": self.reproducible,
            "feasible": self.account.feasible,
            "vehicles_used": totals.vehicles_used,
            "distance_km": totals.distance_km,
            "cost": dict(totals.cost),
            "diesel_l": self.account.by_carrier["diesel"].energy
            if "diesel" in self.account.by_carrier
            else 0.0,
            "co2e_wtw_kg": self.account.wtw_kg,
            "co2e_ttw_kg": self.account.ttw_kg,
        }


def solve_diesel_baseline(
    instance: Instance, time_limit_s: float = 10.0, seed: int = 0
) -> Baseline:
    """Solve the all-diesel counterfactual of ``instance`` and account it.

    Give it the plan's own ``time_limit_s`` and ``seed`` (see the module docstring) for a figure
    that two reports reproduce. Raises the solver's ``InfeasibleError`` (an
    :class:`~optimizer.errors.OptimizerError`) when the diesel fleet cannot serve every job.
    """
    from ..solver import solve  # here, not at the top: importing the report loads no OR-Tools

    base = diesel_equivalent(instance)
    plan = solve(base, time_limit_s=time_limit_s, seed=seed)
    return Baseline(base, plan, account(base, plan, with_baseline=False), time_limit_s, seed)
