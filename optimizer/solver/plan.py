"""What the searches hand each other: a plan (:class:`Built`), each unit's fixed cost, and the
pool of routes met on the way (:class:`RoutePool`).

Why a module of its own: the constructor, route and fleet minimisation, ruin and recreate, the
recombination and the driver all read and write these, and none of them should have to import
another search to get them. It sits below every search in the solver's layers (see
``pyproject.toml``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .search_model import SearchModel

#: Most distinct routes a pool keeps; later ones are ignored (in arrival order, so the same walk
#: gives the same pool). 50,000 routes of 5-35 tasks make a model CP-SAT presolves in about a
#: second on the 2-core machine.
POOL_LIMIT = 50_000


@dataclass
class Built:
    """A constructed plan: per vehicle unit, its full node sequence (stations included)."""

    routes: dict[int, list[int]]  # unit index -> node sequence
    tasks: dict[int, list[int]]  # unit index -> task nodes only (no stations)
    cost: dict[int, int]
    unassigned: list[str]
    stats: dict[str, int] = field(default_factory=dict)
    #: Wall-clock seconds per phase (kept apart from ``stats``, which repeat exactly).
    seconds: dict[str, float] = field(default_factory=dict)
    #: The routes ruin and recreate met (:mod:`.recombine`), where it kept them.
    pool: RoutePool | None = None

    def total_cost(self, fixed: Sequence[int]) -> int:
        """Routing cost plus each used unit's fixed cost (:func:`fixed_costs`): the measure the
        searches compare plans by (on fewest vehicles the fixed cost outweighs any distance)."""
        return sum(self.cost[k] + fixed[k] for k in self.tasks)


def fixed_costs(rm: SearchModel) -> list[int]:
    """Each unit's fixed cost in the model's scaled money: what using it adds to a plan."""
    return list(rm.fixed)


@dataclass(frozen=True, slots=True)
class PooledRoute:
    """One route as the search evaluated it: the plan with its stations, its task nodes in
    order, and its cost (route cost plus the unit's fixed cost, scaled money)."""

    entry: str
    plan: tuple[int, ...]
    seq: tuple[int, ...]
    cost: int


@dataclass
class RoutePool:
    """Distinct routes met by the search, the cheapest per (vehicle entry, set of tasks)."""

    limit: int = POOL_LIMIT
    routes: dict[tuple[str, frozenset[str]], PooledRoute] = field(default_factory=dict)
    #: Routes offered (including those already known or over the limit), for the meta.
    offered: int = 0

    def add(
        self, entry: str, tasks: frozenset[str], plan: list[int], seq: list[int], cost: int
    ) -> None:
        """Keep the route if its task set is new for the entry (and there is room) or it is
        cheaper than the route kept for that set."""
        self.offered += 1
        key = (entry, tasks)
        old = self.routes.get(key)
        if old is None and len(self.routes) >= self.limit:
            return
        if old is None or cost < old.cost:
            self.routes[key] = PooledRoute(entry, tuple(plan), tuple(seq), cost)

    def add_plan(
        self, rm: SearchModel, built: Built, fixed: list[int], task_of: dict[int, str]
    ) -> None:
        """Add every route of ``built`` (a plan of ``rm``'s units)."""
        for k, seq in built.tasks.items():
            if seq:
                self.add(
                    rm.units[k].vehicle.id,
                    frozenset(task_of[n] for n in seq),
                    built.routes[k],
                    seq,
                    built.cost[k] + fixed[k],
                )
