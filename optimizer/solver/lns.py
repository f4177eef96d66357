"""Ruin and recreate on task sequences, with exact charging per route.

Why: OR-Tools' guided local search moves one node (or a short chain) at a time through a model
where chargers are optional copies; once route minimisation has packed the plan into few routes,
it rarely finds the sequence of moves that frees a route's customers to be re-ordered, and it left
distance gaps of 10-30 % on E-VRPTW. Removing a dozen related customers and re-inserting them where
the route evaluator (:class:`~.evaluator.RouteEvaluator`, stations placed by label setting) finds
them cheapest is the large-neighbourhood move the literature's best E-VRPTW methods rely on
(string removals after Christiaens & Vanden Berghe's SISR, related removals after Shaw).

Acceptance is simulated annealing on the plan's cost (route costs plus each used vehicle's fixed
cost, which on a fewest-vehicles objective is larger than any distance, so a route is never
re-opened for distance); the temperature falls geometrically with the work spent. Work is counted in
the evaluator's label steps, so a budget gives the same plan on every machine.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

import numpy as np

from .insertion import counted
from .plan import fixed_costs

if TYPE_CHECKING:
    from .evaluator import RouteEvaluator
    from .insertion import Insertion
    from .ortools_model import RoutingModel
    from .plan import Built, RoutePool

#: Most tasks one ruin removes on a small instance (up to half of its tasks; from 28 tasks on a
#: quarter is more). With a quarter (3 of 15) E-VRPTW rc204C15, one route of 15 customers, ended
#: at 385.48 on four seeds of four: its best known 384.86 moves a block of three customers to the
#: far end of the route reversed, which re-inserting three at a time never built; with 7 all four
#: seeds reach 384.86 (in 7 to 8 s of 10 on the 2-core machine, two at a time).
SMALL_RUIN = 7
#: Longest string of consecutive tasks removed from one route.
MAX_STRING = 10
#: A plan per unit (task sequences, full plans, costs) in, a cheaper one or None out: the
#: recombination half-way through a walk (see :func:`ruin_recreate`).
Midway = Callable[
    [dict[int, list[int]], dict[int, list[int]], dict[int, int]],
    tuple[dict[int, list[int]], dict[int, list[int]], dict[int, int]] | None,
]
#: Start and end temperature, as a fraction of the mean route cost of the starting plan.
T_START = 0.05
T_END = 0.001
#: Share of iterations that remove a whole small route, where vehicles have a cost.
ROUTE_RUIN_SHARE = 0.1
#: Iterations without a new best after which the search stops (at least 50 per task).
STALL_ITERATIONS = 5_000
#: Restarts from the best plan at the start temperature after a stall, before stopping.
MAX_REHEATS = 3
#: Fleet minimisation offers a banked task again when one of its this many nearest tasks was
#: removed or sits on a route that changed.
NEAR_BANK = 10


def ruin_recreate(
    rm: RoutingModel,
    built: Built,
    ev: Callable[[int], RouteEvaluator],
    tasks: dict[str, list[int]],
    ins: Insertion,
    max_work: int,
    rng: np.random.Generator,
    deadline: float = math.inf,
    pool: RoutePool | None = None,
    midway: Midway | None = None,
    on_best: Callable[[int, int], None] | None = None,
) -> dict[str, int]:
    """Improve ``built`` in place within ``max_work`` label steps; returns counters for the meta.

    Every route of every complete re-insertion (accepted or not) is offered to ``pool``, for
    :func:`.recombine.recombine`. Half-way through the budget ``midway`` is handed the best plan
    so far (sequences, plans, costs per unit) and may return a cheaper one made of pooled routes:
    the walk then goes on from it, at the temperature it had reached (a plan with a route fewer
    found there is worth the second half of the walk; at the end it would be worth nothing more).
    ``on_best(total, routes)`` hears of each new best plan (progress for the caller).

    ``deadline`` (``time.monotonic()``) is a safety cap only: the work budget should end the
    search first, or the result depends on the machine (``lns_capped`` then says 1).
    """
    if not built.tasks or max_work <= 0:
        return {
            "lns_iterations": 0,
            "lns_improvements": 0,
            "lns_failed": 0,
            "lns_accepted": 0,
            "lns_reheats": 0,
            "lns_capped": 0,
            "lns_recombined": 0,
        }
    task_of, names, near, index = _neighbourhood(rm, tasks)
    fixed = fixed_costs(rm)
    unit_entry = [un.vehicle.id for un in rm.units]
    n_tasks = len(names)
    # Up to a quarter of the tasks, at most 30; on small instances up to half, at most
    # ``SMALL_RUIN`` (see there).
    q_max = max(2, min(30, n_tasks // 4), min(SMALL_RUIN, n_tasks // 2))
    q_min = min(q_max, max(2, n_tasks // 20))
    spent = [0]
    evaluate = counted(ev, spent)

    def tasks_in(seq: list[int]) -> list[str]:
        return _tasks_in(task_of, seq)

    def total(seqs: dict[int, list[int]], costs: dict[int, int]) -> int:
        return sum(costs[k] + fixed[k] for k, s in seqs.items() if s)

    cur_seqs = {k: list(s) for k, s in built.tasks.items() if s}
    cur_plans = {k: built.routes[k] for k in cur_seqs}
    cur_costs = {k: built.cost[k] for k in cur_seqs}
    cur = best = total(cur_seqs, cur_costs)
    best_state = (dict(cur_seqs), dict(cur_plans), dict(cur_costs))
    mean_route = max(1.0, sum(cur_costs.values()) / max(1, len(cur_costs)))
    t_start, t_end = T_START * mean_route, T_END * mean_route
    iterations = improvements = failed = accepted = 0

    routes_cost = any(f > 0 for f in fixed)
    # Where a vehicle's fixed cost outweighs the whole plan's distance cost many times over (a
    # fewest-vehicles objective), a plan with more routes than the current one is never accepted
    # (the chance is below e^-50): an iteration whose re-insertion would open a route is given
    # up there and then. On E-VRPTW r102 and rc202 seven iterations in ten ended so, each only
    # after re-inserting all its tasks; giving them up early ran 1.35 to 1.4 times as many
    # iterations in the same work.
    never_open = min(fixed, default=0) > 2 * sum(cur_costs.values()) + 50 * t_start
    capped = 0
    last_best = 0
    stall = max(STALL_ITERATIONS, 50 * n_tasks)
    reheats = 0
    heat_from = 0
    half_done = midway is None
    recombined = 0
    while spent[0] < max_work:
        if iterations % 16 == 0 and time.monotonic() > deadline:
            capped = 1
            break
        if not half_done and spent[0] >= max_work // 2:
            half_done = True
            assert midway is not None
            found = midway(*best_state)
            if found is not None:
                best_state = (dict(found[0]), dict(found[1]), dict(found[2]))
                cur_seqs, cur_plans, cur_costs = dict(found[0]), dict(found[1]), dict(found[2])
                best = cur = total(cur_seqs, cur_costs)
                last_best = iterations
                recombined += 1
        if iterations - last_best > stall:
            # Converged. Small instances (the only ones that get here within their budget) are
            # re-heated from the best plan a few times: a new walk often leaves the local
            # optimum (c103C15 ended 3.9 % above its optimum on two seeds of four without).
            if reheats >= MAX_REHEATS:
                break  # small instances would otherwise spin on remembered routes
            reheats += 1
            cur_seqs = dict(best_state[0])
            cur_plans = dict(best_state[1])
            cur_costs = dict(best_state[2])
            cur = best
            last_best = iterations
            heat_from = spent[0]
        iterations += 1
        seqs = dict(cur_seqs)
        plans = dict(cur_plans)
        costs = dict(cur_costs)
        # Where vehicles cost something, one iteration in ten takes out a whole small route
        # (with strings around it): the move that removes a route, which strings alone rarely do.
        whole = routes_cost and rng.random() < ROUTE_RUIN_SHARE
        removed = _ruin(
            seqs, tasks_in, names, near, index, rng, int(rng.integers(q_min, q_max + 1)), whole
        )
        ok = _take_out(seqs, plans, costs, set(removed), task_of, evaluate) is not None
        if ok:
            order = _recreate_order(removed, rm, tasks, rng)
            for tid in order:
                # Scanning positions costs time even when every evaluation is remembered.
                spent[0] += sum(len(sq) + 1 for sq in seqs.values())
                if not _insert(
                    seqs,
                    plans,
                    costs,
                    tid,
                    ins,
                    evaluate,
                    fixed,
                    rm,
                    tasks,
                    spent,
                    open_routes=not never_open or len(seqs) < len(cur_seqs),
                ):
                    ok = False
                    break
        if not ok:
            failed += 1
            continue
        if pool is not None:
            for k, p in plans.items():
                if cur_plans.get(k) is not p and seqs.get(k):
                    pool.add(
                        unit_entry[k], frozenset(tasks_in(seqs[k])), p, seqs[k], costs[k] + fixed[k]
                    )
        new = total(seqs, costs)
        frac = min(1.0, (spent[0] - heat_from) / max(1, max_work - heat_from))
        temp = t_start * (t_end / t_start) ** frac
        if new < cur or rng.random() < math.exp(-(new - cur) / temp):
            cur_seqs, cur_plans, cur_costs, cur = seqs, plans, costs, new
            accepted += 1
            if new < best:
                best = new
                last_best = iterations
                improvements += 1
                best_state = (dict(seqs), dict(plans), dict(costs))
                if on_best is not None:
                    on_best(new, len(seqs))
    built.tasks, built.routes, built.cost = best_state
    return {
        "lns_iterations": iterations,
        "lns_improvements": improvements,
        "lns_failed": failed,
        "lns_accepted": accepted,
        "lns_reheats": reheats,
        "lns_capped": capped,
        "lns_recombined": recombined,
    }


def _neighbourhood(
    rm: RoutingModel, tasks: dict[str, list[int]]
) -> tuple[dict[int, str], list[str], np.ndarray, dict[str, int]]:
    """The task of each node, the task names in order, each task's nearest tasks (by the
    distance from its first node) as rows of indices into the names, and each name's index."""
    task_of = {n: tid for tid, ids in tasks.items() for n in ids}
    names = sorted(tasks)
    where = np.array([rm.nodes[tasks[t][0]].location for t in names], dtype=np.int64)
    near = np.argsort(rm.instance.distance_km[np.ix_(where, where)], axis=1, kind="stable")
    return task_of, names, near, {t: i for i, t in enumerate(names)}


def _tasks_in(task_of: dict[int, str], seq: list[int]) -> list[str]:
    return list(dict.fromkeys(task_of[n] for n in seq))


def _take_out(
    seqs: dict[int, list[int]],
    plans: dict[int, list[int]],
    costs: dict[int, int],
    gone: set[str],
    task_of: dict[int, str],
    evaluate: Callable[[int, list[int]], tuple[int, list[int]] | None],
    *,
    keep_empty: bool = False,
) -> set[int] | None:
    """Remove the tasks ``gone`` from every route, re-evaluating what is left; an emptied route
    is dropped, or kept open (empty) with ``keep_empty``. Returns the routes changed, or None
    when a shortened route fails (the label search is heuristic: a shorter route may still)."""
    touched: set[int] = set()
    for k in list(seqs):
        if not any(task_of[n] in gone for n in seqs[k]):
            continue
        touched.add(k)
        rest = [n for n in seqs[k] if task_of[n] not in gone]
        if not rest:
            if keep_empty:
                seqs[k], costs[k], plans[k] = [], 0, []
            else:
                del seqs[k], plans[k], costs[k]
            continue
        res = evaluate(k, rest)
        if res is None:
            return None
        seqs[k], costs[k], plans[k] = rest, res[0], res[1]
    return touched


def _ruin(
    seqs: dict[int, list[int]],
    tasks_in: Callable[[list[int]], list[str]],
    names: list[str],
    near: np.ndarray,
    index: dict[str, int],
    rng: np.random.Generator,
    q: int,
    whole: bool = False,
) -> list[str]:
    """Tasks to remove: strings from the routes nearest a random seed task (two thirds of the
    time), else the ``q`` tasks nearest the seed, wherever they are. With ``whole``, first every
    task of a random route among the smallest third, the seed then being one of them."""
    route_of: dict[str, int] = {}
    order: dict[int, list[str]] = {}
    for k, seq in seqs.items():
        order[k] = tasks_in(seq)
        for t in order[k]:
            route_of[t] = k
    seed = int(rng.integers(len(names)))
    removed: list[str] = []
    ruined: set[int] = set()
    if whole and len(order) > 1:
        by_size = sorted(order, key=lambda r: (len(order[r]), r))
        victim = by_size[int(rng.integers(max(1, len(by_size) // 3)))]
        removed.extend(order[victim])
        ruined.add(victim)
        seed = index[removed[int(rng.integers(len(removed)))]]
        q += len(removed)
    if whole or rng.random() < 2 / 3:
        for j in near[seed]:
            if len(removed) >= q:
                break
            t = names[int(j)]
            r = route_of.get(t)
            if r is None or r in ruined:
                continue
            ruined.add(r)
            ts = order[r]
            length = int(rng.integers(1, min(MAX_STRING, len(ts), q - len(removed)) + 1))
            pos = ts.index(t)
            lo = max(0, min(pos - int(rng.integers(length)), len(ts) - length))
            removed.extend(ts[lo : lo + length])
    else:
        for j in near[seed]:
            t = names[int(j)]
            if t in route_of and t not in removed:
                removed.append(t)
                if len(removed) >= q:
                    break
    return removed


def _recreate_order(
    removed: list[str], rm: RoutingModel, tasks: dict[str, list[int]], rng: np.random.Generator
) -> list[str]:
    """Random, farthest-first or earliest-due-first (SISR's sort orders)."""
    how = int(rng.integers(3))
    if how == 0:
        return [removed[int(i)] for i in rng.permutation(len(removed))]
    depot = rm.instance.depots[0].location
    dist = rm.instance.distance_km
    if how == 1:
        return sorted(removed, key=lambda t: -float(dist[depot, rm.nodes[tasks[t][0]].location]))

    def due(t: str) -> float:
        w = rm.nodes[tasks[t][-1]].windows
        return w[-1].end_min if w else math.inf

    return sorted(removed, key=due)


def _insert(
    seqs: dict[int, list[int]],
    plans: dict[int, list[int]],
    costs: dict[int, int],
    tid: str,
    ins: Insertion,
    evaluate: Callable[[int, list[int]], tuple[int, list[int]] | None],
    fixed: list[int],
    rm: RoutingModel,
    tasks: dict[str, list[int]],
    spent: list[int],
    *,
    open_routes: bool = True,
) -> bool:
    """Insert ``tid`` where it adds least (feasible), opening a route on an idle unit only when no
    used route takes it (and ``open_routes``)."""
    if len(tasks[tid]) == 1:
        # Work of the time profiles behind the quick checks (evaluations count theirs through
        # ``evaluate``, the checks are counted below).
        spent[0] += sum(len(seq) + 1 for seq in seqs.values())
    best, checks = ins.best(seqs, costs, tid, evaluate)
    spent[0] += checks
    if best is None and open_routes:
        for k in range(len(rm.units)):
            if k in seqs:
                continue
            res = evaluate(k, list(tasks[tid]))
            if res is not None:
                best = (res[0] + fixed[k], k, list(tasks[tid]), res)
                break
    if best is None:
        return False
    _, k, new, res = best
    seqs[k], costs[k], plans[k] = new, res[0], res[1]
    return True


def fleet_minimise(
    rm: RoutingModel,
    built: Built,
    ev: Callable[[int], RouteEvaluator],
    tasks: dict[str, list[int]],
    ins: Insertion,
    max_work: int,
    rng: np.random.Generator,
    deadline: float = math.inf,
    floor: int = 1,
) -> dict[str, int]:
    """Take routes away by ruin and recreate with a bank of unserved tasks (after Christiaens &
    Vanden Berghe's SISR fleet minimisation); ``built`` keeps the last plan that served all.

    Why beside the ejection search (:func:`.routemin.minimize_routes`): that search stalls one
    route above the best known on many E-VRPTW instances whatever its budget, because an ejection
    may only take one or two tasks out of one route. Here a route's tasks go to a bank; each
    iteration removes strings of tasks near a random one and re-inserts bank and strings where the
    route evaluator finds room (never on a new route); what fits nowhere stays in the bank. The new
    plan is taken when the bank got smaller, or when the tasks in it have been left out less
    often so far (each task counts the iterations it spent in the bank): tasks that are hard to
    place get placed first, and the others make room around them. When the bank is empty a plan
    with one route fewer is kept and the next route goes.
    """
    if len(built.tasks) <= max(1, floor) or max_work <= 0:
        return {
            "fleet_iterations": 0,
            "fleet_routes_removed": 0,
            "fleet_work": 0,
            "fleet_capped": 0,
        }
    task_of, names, near, index = _neighbourhood(rm, tasks)
    q_max = max(2, min(15, len(names) // 8))
    spent = [0]
    evaluate = counted(ev, spent)

    def tasks_in(seq: list[int]) -> list[str]:
        return _tasks_in(task_of, seq)

    absent: dict[str, int] = dict.fromkeys(names, 0)
    fixed = fixed_costs(rm)

    def drop_route(
        seqs: dict[int, list[int]], plans: dict[int, list[int]], costs: dict[int, int]
    ) -> list[str]:
        # The route with the fewest tasks, then the one whose tasks were left out least (a
        # route of easy tasks is the cheapest to spread over the others).
        victim = min(
            seqs, key=lambda k: (len(tasks_in(seqs[k])), sum(absent[t] for t in tasks_in(seqs[k])))
        )
        gone = tasks_in(seqs[victim])
        del seqs[victim], plans[victim], costs[victim]
        return gone

    cur_seqs = {k: list(s) for k, s in built.tasks.items() if s}
    cur_plans = {k: built.routes[k] for k in cur_seqs}
    cur_costs = {k: built.cost[k] for k in cur_seqs}
    bank = drop_route(cur_seqs, cur_plans, cur_costs)
    iterations = removed_routes = capped = 0
    while spent[0] < max_work:
        if iterations % 16 == 0 and time.monotonic() > deadline:
            capped = 1
            break
        iterations += 1
        seqs, plans, costs = dict(cur_seqs), dict(cur_plans), dict(cur_costs)
        ruined = _ruin(seqs, tasks_in, names, near, index, rng, int(rng.integers(2, q_max + 1)))
        gone = set(ruined)
        # An emptied route stays open: the fleet shrinks only by the routes dropped.
        touched = _take_out(seqs, plans, costs, gone, task_of, evaluate, keep_empty=True)
        if touched is None:
            continue
        # Only the bank's tasks near what changed are offered again (a task whose nearest
        # neighbours sit on untouched routes found no room there last time either): with a
        # bank of 20 to 30 on E-VRPTW R2/RC2 re-offering all of it cost 37,000 steps an
        # iteration. Hardest first: the tasks left out most often, then SISR's orders.
        changed = {n for k in touched for n in seqs[k]}
        offered, kept = [], []
        for t in bank:
            around = near[index[t], 1 : NEAR_BANK + 1]
            if any(names[j] in gone or any(n in changed for n in tasks[names[j]]) for j in around):
                offered.append(t)
            else:
                kept.append(t)
        pending = _recreate_order([*offered, *ruined], rm, tasks, rng)
        pending.sort(key=lambda t: -absent[t])
        new_bank: list[str] = list(kept)
        for tid in pending:
            spent[0] += sum(len(sq) + 1 for sq in seqs.values())
            if not _insert(
                seqs, plans, costs, tid, ins, evaluate, fixed, rm, tasks, spent, open_routes=False
            ):
                new_bank.append(tid)
        for t in new_bank:
            absent[t] += 1
        if len(new_bank) < len(bank) or sum(absent[t] for t in new_bank) < sum(
            absent[t] for t in bank
        ):
            cur_seqs, cur_plans, cur_costs, bank = seqs, plans, costs, new_bank
        if not bank:
            used = [k for k, sq in cur_seqs.items() if sq]
            if sum(cur_costs[k] + fixed[k] for k in used) >= built.total_cost(fixed):
                # A route fewer that costs more than it saves (fixed costs on a cost objective;
                # on fewest vehicles the fixed cost outweighs any distance): keep the plan.
                break
            built.tasks = {k: list(cur_seqs[k]) for k in used}
            built.routes = {k: cur_plans[k] for k in used}
            built.cost = {k: cur_costs[k] for k in used}
            removed_routes += 1
            cur_seqs = {k: cur_seqs[k] for k in used}
            cur_plans = {k: cur_plans[k] for k in used}
            cur_costs = {k: cur_costs[k] for k in used}
            if len(cur_seqs) <= max(1, floor):
                break
            bank = drop_route(cur_seqs, cur_plans, cur_costs)
    return {
        "fleet_iterations": iterations,
        "fleet_routes_removed": removed_routes,
        "fleet_work": spent[0],
        "fleet_capped": capped,
    }
