"""Recombination: the cheapest plan made of routes the search has already met.

Why: ruin and recreate walks from plan to plan, and each plan it accepts holds a few routes that
are good on their own; the best plan it ends on keeps only one such set. Routes from different
moments of a walk (or from different walks) often combine into a plan that no single walk visits:
one route from here and two from there cover the same tasks for less. Choosing that combination
is a set-partitioning problem (each task on exactly one chosen route, each vehicle entry used at
most as often as it has units, least total cost, fixed costs included), which OR-Tools' CP-SAT
solves exactly or nearly so in seconds for the tens of thousands of routes a walk meets. This is
the role the literature's best VRP heuristics give a MIP or set-covering step over a route pool
(Subramanian, Uchoa & Ochi 2013; Christiaens & Vanden Berghe's SISR with a pool).

The routes are kept as the search evaluated them (task order, stations placed by the route
evaluator, cost in the model's scaled money), so a chosen route needs no re-evaluation: routes of
the same vehicle entry are interchangeable between its units, and the evaluator prices a route on
its own. Only the cheapest route per (vehicle entry, set of tasks) is kept: for the choice, two
routes with the same tasks differ only in cost.

CP-SAT runs on one worker with a deterministic time budget (its own work measure, not seconds),
so the same pool gives the same plan on every machine; a wall-clock cap is a safety net only
(``recombine_capped`` in the meta when it fires).
"""

from __future__ import annotations

import math
import time
from typing import TYPE_CHECKING

from .plan import Built, PooledRoute, RoutePool, fixed_costs

if TYPE_CHECKING:
    from .search_model import SearchModel

#: Wall-clock seconds a search keeps for the recombination per unit of its work (CP-SAT's
#: deterministic time) where the wall clock would otherwise end the search first: ruin and
#: recreate before its last recombination, the workers before the one across them (measured 1.0
#: on an idle 2-core machine, 1.6 with both cores busy and a third process).
RECOMBINE_S_PER_WORK = 1.5


def recombine(
    rm: SearchModel,
    built: Built,
    pool: RoutePool,
    fixed: list[int],
    task_of: dict[int, str],
    *,
    work: float,
    seed: int = 0,
    deadline: float = math.inf,
) -> dict[str, int]:
    """Replace ``built`` (every task served) by the cheapest plan of pooled routes, where CP-SAT
    finds one cheaper within ``work`` (CP-SAT's deterministic time); returns counters for the meta.

    ``built``'s own routes join the pool first and are CP-SAT's hint, so the answer is never
    dearer than ``built``.
    """
    stats = {
        "recombine_pool": 0,
        "recombine_improved": 0,
        "recombine_saved": 0,
        "recombine_capped": 0,
    }
    if built.unassigned or not built.tasks or work <= 0:
        return stats
    pool.add_plan(rm, built, fixed, task_of)
    current = {
        (rm.units[k].vehicle.id, frozenset(task_of[n] for n in seq))
        for k, seq in built.tasks.items()
        if seq
    }
    before = sum(built.cost[k] + fixed[k] for k, seq in built.tasks.items() if seq)
    stats["recombine_pool"] = len(pool.routes)
    units_of = _units_by_entry(rm)
    counts = {entry: len(units) for entry, units in units_of.items()}
    chosen = _partition(pool, current, counts, work, seed, deadline, stats)
    if chosen is None:
        return stats
    after = sum(pool.routes[key].cost for key in chosen)
    if after >= before:
        return stats
    tasks: dict[int, list[int]] = {}
    routes: dict[int, list[int]] = {}
    cost: dict[int, int] = {}
    free = {entry: list(units) for entry, units in units_of.items()}
    # Deterministic unit assignment: routes of an entry in the order of their first task node.
    for key in sorted(chosen, key=lambda kk: (kk[0], pool.routes[kk].seq)):
        r = pool.routes[key]
        k = free[r.entry].pop(0)
        tasks[k], routes[k], cost[k] = list(r.seq), list(r.plan), r.cost - fixed[k]
    built.tasks, built.routes, built.cost = tasks, routes, cost
    stats["recombine_improved"] = 1
    stats["recombine_saved"] = int(before - after)
    return stats


def _partition(
    pool: RoutePool,
    current: set[tuple[str, frozenset[str]]],
    counts: dict[str, int],
    work: float,
    seed: int,
    deadline: float,
    stats: dict[str, int],
) -> list[tuple[str, frozenset[str]]] | None:
    """The set-partitioning model over ``pool`` on CP-SAT: each task on exactly one chosen route,
    each vehicle entry at most ``counts`` routes, least total cost, ``current`` as the hint.
    Returns the chosen routes' keys (None without an answer) and notes in ``stats`` whether the
    answer is proven optimal and whether the wall clock cut it."""
    from ortools.sat.python import cp_model

    keys = list(pool.routes)
    model = cp_model.CpModel()
    x = [model.new_bool_var(f"r{i}") for i in range(len(keys))]
    covering: dict[str, list[int]] = {}
    by_entry: dict[str, list[int]] = {}
    for i, (entry, members) in enumerate(keys):
        by_entry.setdefault(entry, []).append(i)
        for tid in members:
            covering.setdefault(tid, []).append(i)
    for tid in sorted(covering):
        model.add_exactly_one(x[i] for i in covering[tid])
    for entry, idx in sorted(by_entry.items()):
        model.add(sum(x[i] for i in idx) <= counts.get(entry, 0))
    model.minimize(sum(pool.routes[key].cost * x[i] for i, key in enumerate(keys)))
    for i, key in enumerate(keys):
        model.add_hint(x[i], key in current)

    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1  # one worker: the same pool gives the same answer
    solver.parameters.random_seed = seed
    solver.parameters.max_deterministic_time = work
    # The LP relaxation with every constraint's cuts: on set partitioning it is what finds the
    # plan with a route fewer. A pool of 1,701 routes of E-VRPTW r102 (hint 17 routes): the
    # default (level 1) found nothing better in 5 units of work; level 2 the plan of 16 routes in
    # 2 units and the optimum in 7.7.
    solver.parameters.linearization_level = 2
    if deadline < math.inf:
        solver.parameters.max_time_in_seconds = max(0.05, deadline - time.monotonic())
    status = solver.solve(model)
    stats["recombine_optimal"] = int(status == cp_model.OPTIMAL)
    stats["recombine_capped"] = int(
        status != cp_model.OPTIMAL and time.monotonic() >= deadline - 0.05
    )
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [keys[i] for i in range(len(keys)) if solver.boolean_value(x[i])]


def export_pool(rm: SearchModel, built: Built, copies: int) -> dict[str, object]:
    """What a worker hands back for the recombination across workers: its pool, the plan ruin and
    recreate ended on (as pooled routes, fixed costs included) and the station copies of the model
    whose node numbers they use (every worker builds that model the same way)."""
    fixed = fixed_costs(rm)
    pool = built.pool
    return {
        "pool": [] if pool is None else list(pool.routes.values()),
        "plan": [
            PooledRoute(
                rm.units[k].vehicle.id,
                tuple(built.routes[k]),
                tuple(seq),
                built.cost[k] + fixed[k],
            )
            for k, seq in sorted(built.tasks.items())
            if seq
        ],
        "copies": copies,
    }


def merged_start(
    rm: SearchModel,
    exports: list[dict[str, object]],
    fixed: list[int],
    task_of: dict[int, str],
) -> tuple[Built, RoutePool]:
    """The union of the workers' pools (cheapest route per task set) and the cheapest of their
    plans as a plan of ``rm``'s units (routes of an entry go to its units in order)."""
    pooled: list[list[PooledRoute]] = [list(e["pool"]) for e in exports]  # type: ignore[call-overload]
    pool = RoutePool(limit=sum(len(p) for p in pooled) + 1)
    for routes in pooled:
        for r in routes:
            pool.add(
                r.entry, frozenset(task_of[n] for n in r.seq), list(r.plan), list(r.seq), r.cost
            )
    plans: list[list[PooledRoute]] = [list(e["plan"]) for e in exports]  # type: ignore[call-overload]
    best = min(plans, key=lambda p: sum(r.cost for r in p))
    units_of = _units_by_entry(rm)
    built = Built({}, {}, {}, [])
    for r in best:
        k = units_of[r.entry].pop(0)
        built.tasks[k], built.routes[k], built.cost[k] = (
            list(r.seq),
            list(r.plan),
            r.cost - fixed[k],
        )
    return built, pool


def _units_by_entry(rm: SearchModel) -> dict[str, list[int]]:
    """The model's unit indices per vehicle entry, in order: a pooled route is an entry's, and
    any of its units can drive it (the evaluator prices a route by its entry)."""
    units_of: dict[str, list[int]] = {}
    for k, un in enumerate(rm.units):
        units_of.setdefault(un.vehicle.id, []).append(k)
    return units_of
