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

if TYPE_CHECKING:
    from .context import Search
    from .insertion import Found, Insertion
    from .plan import Built, RoutePool
    from .search_model import SearchModel

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
#: ``on_best(total, routes, plans)``: a new best plan's total, routes and node sequences per unit.
OnBest = Callable[[int, int, dict[int, list[int]]], None]
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
    s: Search,
    built: Built,
    max_work: int,
    deadline: float = math.inf,
    pool: RoutePool | None = None,
    midway: Midway | None = None,
    on_best: OnBest | None = None,
) -> dict[str, int]:
    """Improve ``built`` in place within ``max_work`` label steps; returns counters for the meta.

    Every route of every complete re-insertion (accepted or not) is offered to ``pool``, for
    :func:`.recombine.recombine`. Half-way through the budget ``midway`` is handed the best plan
    so far (sequences, plans, costs per unit) and may return a cheaper one made of pooled routes:
    the walk then goes on from it, at the temperature it had reached (a plan with a route fewer
    found there is worth the second half of the walk; at the end it would be worth nothing more).
    ``on_best(total, routes, plans)`` hears of each new best plan (progress for the caller;
    ``plans`` the node sequences per unit, stations included, not to be changed).

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
            "lns_work": 0,
            "lns_budget": 0,
        }
    walk = _Walk(s, built, max_work, pool, on_best)
    half_done = midway is None
    while walk.spent[0] < max_work:
        if walk.iterations % 16 == 0 and time.monotonic() > deadline:
            walk.capped = 1
            break
        if not half_done and walk.spent[0] >= max_work // 2:
            half_done = True
            assert midway is not None
            walk.recombined_start(midway(*walk.best_state))
        if walk.iterations - walk.last_best > walk.stall:
            # Converged. Small instances (the only ones that get here within their budget) are
            # re-heated from the best plan a few times: a new walk often leaves the local
            # optimum (c103C15 ended 3.9 % above its optimum on two seeds of four without).
            if walk.reheats >= MAX_REHEATS:
                break  # small instances would otherwise spin on remembered routes
            walk.reheat()
        walk.step()
    built.tasks, built.routes, built.cost = walk.best_state
    return {
        "lns_iterations": walk.iterations,
        "lns_improvements": walk.improvements,
        "lns_failed": walk.failed,
        "lns_accepted": walk.accepted,
        "lns_reheats": walk.reheats,
        "lns_capped": walk.capped,
        "lns_recombined": walk.recombined,
        # Label steps spent and given (summed over walks): where the cap fired, their ratio says
        # how far the annealing schedule got (it cools with the work spent, not the seconds).
        "lns_work": walk.spent[0],
        "lns_budget": max_work,
    }


#: A plan per unit: task sequences, full plans (stations included), costs.
_State = tuple[dict[int, list[int]], dict[int, list[int]], dict[int, int]]


class _Walk:
    """One walk of ruin and recreate (see :func:`ruin_recreate`): the current and the best plan,
    the temperature schedule and the counters. A class because every iteration reads and
    updates all of them; as closures and locals they made one 166-line function."""

    def __init__(
        self,
        s: Search,
        built: Built,
        max_work: int,
        pool: RoutePool | None,
        on_best: OnBest | None,
    ) -> None:
        rm = s.rm
        self.rm, self.tasks, self.ins, self.max_work, self.rng = rm, s.tasks, s.ins, max_work, s.rng
        self.pool, self.on_best = pool, on_best
        self.task_of, self.names, self.near, self.index = _neighbourhood(rm, s.tasks)
        self.fixed = fixed = s.fixed
        self.unit_entry = [un.vehicle.id for un in rm.units]
        n_tasks = len(self.names)
        # Up to a quarter of the tasks, at most 30; on small instances up to half, at most
        # ``SMALL_RUIN`` (see there).
        self.q_max = max(2, min(30, n_tasks // 4), min(SMALL_RUIN, n_tasks // 2))
        self.q_min = min(self.q_max, max(2, n_tasks // 20))
        self.spent = [0]
        self.evaluate = counted(s.ev, self.spent)
        self.cur_seqs = {k: list(seq) for k, seq in built.tasks.items() if seq}
        self.cur_plans = {k: built.routes[k] for k in self.cur_seqs}
        self.cur_costs = {k: built.cost[k] for k in self.cur_seqs}
        self.cur = self.best = self.total(self.cur_seqs, self.cur_costs)
        self.best_state: _State = (
            dict(self.cur_seqs),
            dict(self.cur_plans),
            dict(self.cur_costs),
        )
        mean_route = max(1.0, sum(self.cur_costs.values()) / max(1, len(self.cur_costs)))
        self.t_start, self.t_end = T_START * mean_route, T_END * mean_route
        self.iterations = self.improvements = self.failed = self.accepted = 0
        # Where a vehicle's fixed cost outweighs the whole plan's distance cost many times over
        # (a fewest-vehicles objective), a plan with more routes than the current one is never
        # accepted (the chance is below e^-50): an iteration whose re-insertion would open a
        # route is given up there and then. On E-VRPTW r102 and rc202 seven iterations in ten
        # ended so, each only after re-inserting all its tasks; giving them up early ran 1.35 to
        # 1.4 times as many iterations in the same work.
        # Whole-route ruin (see :meth:`step`) where a vehicle costs something in itself, and
        # where time is priced though vehicles are free: on EVRP-NL (total time, 10 h routes
        # full of charging) the plans kept more routes than the best known. With the move the
        # 80-customer mean gap went 6.85 % -> 6.33 % (13 of 20 better, 9 -> 12 at the best
        # known vehicle count) and the 160-customer one 11.80 % -> 11.19 % (11 of 20), all
        # under the wall clock. Not on a distance objective: on CEC-2020 the mean gap went
        # -0.59 % -> -0.53 % with it (6 worse, 5 better).
        inst = rm.instance
        self.whole_routes = any(f > 0 for f in fixed) or (
            inst.objective.kind == "cost" and any(t.cost_per_hour > 0 for t in inst.vehicle_types)
        )
        self.never_open = (
            min(fixed, default=0) > 2 * sum(self.cur_costs.values()) + 50 * self.t_start
        )
        self.capped = 0
        self.last_best = 0
        self.stall = max(STALL_ITERATIONS, 50 * n_tasks)
        self.reheats = 0
        self.heat_from = 0
        self.recombined = 0

    def tasks_in(self, seq: list[int]) -> list[str]:
        """The tasks of ``seq`` in order of their first node."""
        return _tasks_in(self.task_of, seq)

    def total(self, seqs: dict[int, list[int]], costs: dict[int, int]) -> int:
        """A plan's cost: its routes' costs and the fixed cost of each unit used."""
        return sum(costs[k] + self.fixed[k] for k, s in seqs.items() if s)

    def recombined_start(self, found: _State | None) -> None:
        """Go on from the plan the midway recombination found, if it found one."""
        if found is None:
            return
        self.best_state = (dict(found[0]), dict(found[1]), dict(found[2]))
        self.cur_seqs, self.cur_plans, self.cur_costs = (
            dict(found[0]),
            dict(found[1]),
            dict(found[2]),
        )
        self.best = self.cur = self.total(self.cur_seqs, self.cur_costs)
        self.last_best = self.iterations
        self.recombined += 1

    def reheat(self) -> None:
        """Restart from the best plan at the start temperature."""
        self.reheats += 1
        self.cur_seqs = dict(self.best_state[0])
        self.cur_plans = dict(self.best_state[1])
        self.cur_costs = dict(self.best_state[2])
        self.cur = self.best
        self.last_best = self.iterations
        self.heat_from = self.spent[0]

    def step(self) -> None:
        """One iteration: ruin the current plan, recreate it, offer its routes to the pool and
        accept it or not."""
        rng = self.rng
        self.iterations += 1
        seqs, plans, costs = dict(self.cur_seqs), dict(self.cur_plans), dict(self.cur_costs)
        # One iteration in ten takes out a whole small route (with strings around it): the move
        # that removes a route, which strings alone rarely do (see ``whole_routes``).
        whole = self.whole_routes and rng.random() < ROUTE_RUIN_SHARE
        q = int(rng.integers(self.q_min, self.q_max + 1))
        removed = _ruin(seqs, self.tasks_in, self.names, self.near, self.index, rng, q, whole)
        if not self.recreate(seqs, plans, costs, removed):
            self.failed += 1
            return
        if self.pool is not None:
            for k, p in plans.items():
                if self.cur_plans.get(k) is not p and seqs.get(k):
                    self.pool.add(
                        self.unit_entry[k],
                        frozenset(self.tasks_in(seqs[k])),
                        p,
                        seqs[k],
                        costs[k] + self.fixed[k],
                    )
        self.accept(seqs, plans, costs)

    def recreate(
        self,
        seqs: dict[int, list[int]],
        plans: dict[int, list[int]],
        costs: dict[int, int],
        removed: list[str],
    ) -> bool:
        """Take ``removed`` out of the plan and insert them again; False where a shortened route
        fails or a task finds no place (or would open a route where that never pays)."""
        if _take_out(seqs, plans, costs, set(removed), self.task_of, self.evaluate) is None:
            return False
        for tid in _recreate_order(removed, self.rm, self.tasks, self.rng):
            # Scanning positions costs time even when every evaluation is remembered.
            self.spent[0] += sum(len(sq) + 1 for sq in seqs.values())
            if not _insert(
                seqs,
                plans,
                costs,
                tid,
                self.ins,
                self.evaluate,
                self.fixed,
                self.rm,
                self.tasks,
                self.spent,
                open_routes=not self.never_open or len(seqs) < len(self.cur_seqs),
            ):
                return False
        return True

    def accept(
        self, seqs: dict[int, list[int]], plans: dict[int, list[int]], costs: dict[int, int]
    ) -> None:
        """Simulated annealing's acceptance, the temperature falling geometrically with the
        work spent since the last (re)start; a new best plan is kept and reported."""
        new = self.total(seqs, costs)
        frac = min(1.0, (self.spent[0] - self.heat_from) / max(1, self.max_work - self.heat_from))
        temp = self.t_start * (self.t_end / self.t_start) ** frac
        if new < self.cur or self.rng.random() < math.exp(-(new - self.cur) / temp):
            self.cur_seqs, self.cur_plans, self.cur_costs, self.cur = seqs, plans, costs, new
            self.accepted += 1
            if new < self.best:
                self.best = new
                self.last_best = self.iterations
                self.improvements += 1
                self.best_state = (dict(seqs), dict(plans), dict(costs))
                if self.on_best is not None:
                    self.on_best(new, len(seqs), self.best_state[1])


def _neighbourhood(
    rm: SearchModel, tasks: dict[str, list[int]]
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
    removed: list[str], rm: SearchModel, tasks: dict[str, list[int]], rng: np.random.Generator
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
    rm: SearchModel,
    tasks: dict[str, list[int]],
    spent: list[int],
    *,
    open_routes: bool = True,
) -> bool:
    """Insert ``tid`` where it adds least (feasible): into a used route, or on a route of its own
    on an idle unit (where ``open_routes``) when that adds less, its fixed cost included.

    Why the comparison: a new route used to open only where no used route took the task, so
    ruin and recreate could never add a route. Where vehicles are free and time is priced
    (EVRP-NL's total time), a customer alone on a short route that needs no charger often costs
    less than the detour and the extra charging of a long route: on tc1c10s2cf2 the walk stayed
    on two routes (9 seeds in 10 ended 26 % above the best known's three routes) until OR-Tools'
    polish opened one. Where a vehicle's fixed cost exceeds the best insertion, no route of its
    own is evaluated, so fewest-vehicles objectives keep their plans and their work."""
    if len(tasks[tid]) == 1:
        # Work of the time profiles behind the quick checks (evaluations count theirs through
        # ``evaluate``, the checks are counted below).
        spent[0] += sum(len(seq) + 1 for seq in seqs.values())
    best, checks = ins.best(seqs, costs, tid, evaluate)
    spent[0] += checks
    if open_routes:
        opened = _open_route(seqs, tid, evaluate, fixed, rm, tasks, best)
        if opened is not None:
            best = opened
    if best is None:
        return False
    _, k, new, res = best
    seqs[k], costs[k], plans[k] = new, res[0], res[1]
    return True


def _open_route(
    seqs: dict[int, list[int]],
    tid: str,
    evaluate: Callable[[int, list[int]], tuple[int, list[int]] | None],
    fixed: list[int],
    rm: SearchModel,
    tasks: dict[str, list[int]],
    best: Found | None,
) -> Found | None:
    """``tid`` alone on the cheapest idle unit, one unit tried per vehicle entry (its idle units
    are alike), where that adds less than ``best``; else None. Units whose fixed cost alone
    reaches ``best``'s increase are not evaluated."""
    ids = list(tasks[tid])
    tried: set[str] = set()
    found = best
    for k, un in enumerate(rm.units):
        entry = un.vehicle.id
        if k in seqs or entry in tried:
            continue
        if found is not None and fixed[k] >= found[0]:
            continue
        tried.add(entry)
        res = evaluate(k, ids)
        if res is None:
            continue
        if found is None or res[0] + fixed[k] < found[0]:
            found = (res[0] + fixed[k], k, ids, res)
    return found if found is not best else None


def fleet_minimise(
    s: Search,
    built: Built,
    max_work: int,
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
    fleet = _Fleet(s)
    seqs = {k: list(seq) for k, seq in built.tasks.items() if seq}
    cur: _State = (seqs, {k: built.routes[k] for k in seqs}, {k: built.cost[k] for k in seqs})
    bank = fleet.drop_route(*cur)
    iterations = removed_routes = capped = 0
    while fleet.spent[0] < max_work:
        if iterations % 16 == 0 and time.monotonic() > deadline:
            capped = 1
            break
        iterations += 1
        found = fleet.step(cur, bank)
        if found is None:
            continue
        cur, bank = found
        if not bank:
            used = [k for k, sq in cur[0].items() if sq]
            if sum(cur[2][k] + fleet.fixed[k] for k in used) >= built.total_cost(fleet.fixed):
                # A route fewer that costs more than it saves (fixed costs on a cost objective;
                # on fewest vehicles the fixed cost outweighs any distance): keep the plan.
                break
            cur = (
                {k: cur[0][k] for k in used},
                {k: cur[1][k] for k in used},
                {k: cur[2][k] for k in used},
            )
            built.tasks = {k: list(cur[0][k]) for k in used}
            built.routes = dict(cur[1])
            built.cost = dict(cur[2])
            removed_routes += 1
            if len(cur[0]) <= max(1, floor):
                break
            bank = fleet.drop_route(*cur)
    return {
        "fleet_iterations": iterations,
        "fleet_routes_removed": removed_routes,
        "fleet_work": fleet.spent[0],
        "fleet_capped": capped,
    }


class _Fleet:
    """What fleet minimisation's iterations share (see :func:`fleet_minimise`): the tasks'
    neighbourhoods, the work counter, and how often each task has been left in the bank."""

    def __init__(self, s: Search) -> None:
        self.rm, self.tasks, self.ins, self.rng = s.rm, s.tasks, s.ins, s.rng
        self.task_of, self.names, self.near, self.index = _neighbourhood(s.rm, s.tasks)
        self.q_max = max(2, min(15, len(self.names) // 8))
        self.spent = [0]
        self.evaluate = counted(s.ev, self.spent)
        self.absent: dict[str, int] = dict.fromkeys(self.names, 0)
        self.fixed = s.fixed

    def tasks_in(self, seq: list[int]) -> list[str]:
        """The tasks of ``seq`` in order of their first node."""
        return _tasks_in(self.task_of, seq)

    def drop_route(
        self, seqs: dict[int, list[int]], plans: dict[int, list[int]], costs: dict[int, int]
    ) -> list[str]:
        """Take out the route with the fewest tasks, then the one whose tasks were left out
        least (a route of easy tasks is the cheapest to spread over the others); returns its
        tasks, the new bank."""
        absent, tasks_in = self.absent, self.tasks_in
        victim = min(
            seqs, key=lambda k: (len(tasks_in(seqs[k])), sum(absent[t] for t in tasks_in(seqs[k])))
        )
        gone = tasks_in(seqs[victim])
        del seqs[victim], plans[victim], costs[victim]
        return gone

    def step(self, cur: _State, bank: list[str]) -> tuple[_State, list[str]] | None:
        """One iteration from plan ``cur`` and ``bank``: ruin, re-insert what was taken out and
        the bank's tasks near what changed; the new plan and bank where they are taken, else
        None."""
        rng, absent = self.rng, self.absent
        seqs, plans, costs = dict(cur[0]), dict(cur[1]), dict(cur[2])
        q = int(rng.integers(2, self.q_max + 1))
        ruined = _ruin(seqs, self.tasks_in, self.names, self.near, self.index, rng, q)
        gone = set(ruined)
        # An emptied route stays open: the fleet shrinks only by the routes dropped.
        touched = _take_out(seqs, plans, costs, gone, self.task_of, self.evaluate, keep_empty=True)
        if touched is None:
            return None
        offered, kept = self.offered(bank, gone, {n for k in touched for n in seqs[k]})
        pending = _recreate_order([*offered, *ruined], self.rm, self.tasks, rng)
        pending.sort(key=lambda t: -absent[t])
        new_bank: list[str] = list(kept)
        for tid in pending:
            self.spent[0] += sum(len(sq) + 1 for sq in seqs.values())
            if not _insert(
                seqs,
                plans,
                costs,
                tid,
                self.ins,
                self.evaluate,
                self.fixed,
                self.rm,
                self.tasks,
                self.spent,
                open_routes=False,
            ):
                new_bank.append(tid)
        for t in new_bank:
            absent[t] += 1
        if len(new_bank) < len(bank) or sum(absent[t] for t in new_bank) < sum(
            absent[t] for t in bank
        ):
            return (seqs, plans, costs), new_bank
        return None

    def offered(
        self, bank: list[str], gone: set[str], changed: set[int]
    ) -> tuple[list[str], list[str]]:
        """The bank split into the tasks offered again and those kept back: only the tasks near
        what changed (``gone``, the nodes of the routes ``changed``) are offered (a task whose
        nearest neighbours sit on untouched routes found no room there last time either): with
        a bank of 20 to 30 on E-VRPTW R2/RC2 re-offering all of it cost 37,000 steps an
        iteration. Hardest first follows: the tasks left out most often, then SISR's orders."""
        names, tasks = self.names, self.tasks
        offered, kept = [], []
        for t in bank:
            around = self.near[self.index[t], 1 : NEAR_BANK + 1]
            if any(names[j] in gone or any(n in changed for n in tasks[names[j]]) for j in around):
                offered.append(t)
            else:
                kept.append(t)
        return offered, kept
