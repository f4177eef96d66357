"""Route minimisation: plans with fewer routes, by emptying routes into the others.

Two searches live here. :func:`eliminate_routes` empties the smallest routes by plain insertion
(the constructor's last step). :func:`minimize_routes` is an ejection search after Nagata &
Braysy: where a task fits nowhere it goes in anyway and pushes one or two others out, steered by
counters of how often each task failed. Both only ever keep routes the evaluator
(:class:`~.evaluator.RouteEvaluator`) proved feasible. :func:`route_lower_bound` says when no
route can go (capacity).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable

from .context import Search
from .evaluator import RouteEvaluator
from .insertion import counted
from .plan import Built, fixed_costs
from .search_model import SearchModel


def eliminate_routes(
    rm: SearchModel,
    built: Built,
    ev: Callable[[int], RouteEvaluator],
    tasks: dict[str, list[int]],
    insert_options: Callable[[int, list[int], str, int], list[tuple[int, list[int]]]],
    budget: int,
) -> None:
    """Try to empty routes, smallest first, by inserting their tasks into the other routes.

    Under a money objective a route is emptied only where the plan then costs less, fixed costs
    included: the hours of a long glued route can outweigh the vehicle it saves (a generated
    150-task day: one van fewer, 1,150 CNY more of drivers' time). Under the benchmark rules
    (fewest vehicles; distance with an unlimited fleet) every route emptied counts, as before."""
    task_of = {n: tid for tid, ids in tasks.items() for n in ids}
    priced = rm.instance.objective.kind == "cost"
    if priced:
        fixed = fixed_costs(rm)
    improved = True
    while improved and len(built.tasks) > 1:
        improved = False
        for k in sorted(built.tasks, key=lambda k: len(built.tasks[k])):
            moving = list(dict.fromkeys(task_of[n] for n in built.tasks[k]))
            trial_tasks = {j: list(s) for j, s in built.tasks.items() if j != k}
            trial_plans = {j: built.routes[j] for j in trial_tasks}
            trial_costs = {j: built.cost[j] for j in trial_tasks}
            ok = True
            for tid in moving:
                best = None
                for j, seq in trial_tasks.items():
                    opts = insert_options(j, seq, tid, budget // 4 or 1)
                    for delta, new in opts:
                        if best is not None and delta >= best[0]:
                            break
                        res = ev(j).evaluate(new)
                        if res is not None:
                            best = (res[0] - trial_costs[j], j, new, res)
                            break
                if best is None:
                    ok = False
                    break
                _, j, new, res = best
                trial_tasks[j], trial_costs[j], trial_plans[j] = new, res[0], res[1]
            if ok and priced:
                before = built.total_cost(fixed)
                ok = sum(trial_costs[j] + fixed[j] for j in trial_tasks) < before
            if ok:
                built.tasks = trial_tasks
                built.routes = trial_plans
                built.cost = trial_costs
                improved = True
                break


def minimize_routes(
    s: Search,
    built: Built,
    max_work: int,
    deadline: float = math.inf,
    before_last: list[Built] | None = None,
) -> bool:
    """Remove whole routes by an ejection search (after Nagata & Braysy's route minimisation).

    Take a route out and put its tasks on a stack. Pop a task and insert it at its cheapest
    feasible place; when it fits nowhere, raise its counter and insert it anyway, ejecting one or
    two tasks of that route so that the route becomes feasible, choosing the ejection with the
    smallest sum of counters (tasks that keep failing become expensive to eject, which steers the
    search away from cycling); the ejected tasks go on the stack. After each ejection a few random
    relocations between routes shake the plan. The route is gone when the stack is empty; if the
    evaluation budget runs out first, the last complete plan stays. Only feasible routes are ever
    kept. The search also stops at a lower bound on the routes (capacity) and, as a safety cap,
    at ``deadline``; returns whether the cap ended it. ``before_last``, when given, receives
    the plan as it was before the last route was removed (see :func:`.pipeline.construct` for
    why).
    """
    search = _Ejection(s, max_work, deadline)
    rng = s.rng
    bound = route_lower_bound(s.rm, s.tasks)
    counters: dict[str, int] = {}
    #: Routes whose removal got stuck (a task that fits nowhere even after ejecting two others):
    #: skipped until a route is removed, when the plan has changed.
    stuck: set[int] = set()
    while len(built.tasks) > max(1, bound) and not search.out_of_budget():
        # The route to remove: a random one among the smaller half (Nagata & Braysy pick at
        # random; small routes leave fewer tasks to place).
        by_size = sorted(
            (k for k in built.tasks if k not in stuck),
            key=lambda k: (len(built.tasks[k]), built.cost[k]),
        )
        if not by_size:
            return search.capped
        victim = by_size[int(rng.integers(max(1, len(by_size) // 2)))]
        trial = {j: list(sq) for j, sq in built.tasks.items() if j != victim}
        plans = {j: built.routes[j] for j in trial}
        costs = {j: built.cost[j] for j in trial}
        if not search.empty_route(
            trial, plans, costs, search.tasks_in(built.tasks[victim]), counters
        ):
            stuck.add(victim)
            continue
        stuck.clear()
        if before_last is not None:
            before_last[:] = [Built(dict(built.routes), dict(built.tasks), dict(built.cost), [])]
        built.tasks, built.routes, built.cost = trial, plans, costs
    return search.capped


class _Ejection:
    """One ejection search's state (see :func:`minimize_routes`): the work counter every step
    adds to, the cap, and the feasible ejections found so far. A class because each step reads
    and counts against the same budget; as closures they made one 220-line function."""

    #: Position count that means "every position" for :meth:`.Insertion.options`.
    ALL_POSITIONS = 10**6

    def __init__(self, s: Search, max_work: int, deadline: float) -> None:
        ev, tasks = s.ev, s.tasks
        self.ev, self.tasks, self.ins, self.rng = ev, tasks, s.ins, s.rng
        self.max_work, self.deadline = max_work, deadline
        self.task_of = {n: tid for tid, ids in tasks.items() for n in ids}
        self.evals = [0]
        self.capped = False
        self.evaluate = counted(ev, self.evals)
        #: Feasible ejections per (route, task, size), whatever the counters: after an ejection
        #: only one route changes, so most (route, task) pairs come back unchanged (measured: 93 %
        #: of the evaluations were repeats, and rebuilding them took three quarters of the
        #: search's time).
        self.ejection_cache: dict[
            tuple[tuple[int, ...], str, int],
            list[tuple[tuple[str, ...], list[int], tuple[int, list[int]]]],
        ] = {}

    def out_of_budget(self) -> bool:
        """Whether the work budget is spent, or the wall clock (the safety cap) ran out."""
        if self.evals[0] >= self.max_work:
            return True
        if time.monotonic() > self.deadline:
            self.capped = True
            self.evals[0] = self.max_work
            return True
        return False

    def empty_route(
        self,
        trial: dict[int, list[int]],
        plans: dict[int, list[int]],
        costs: dict[int, int],
        stack: list[str],
        counters: dict[str, int],
    ) -> bool:
        """Place every task of ``stack`` in ``trial`` (one route taken out), ejecting where a
        task fits nowhere; False where a task fits nowhere even so, or the budget ran out."""
        while stack and not self.out_of_budget():
            tid = stack.pop()
            if self.try_insert(trial, plans, costs, tid):
                continue
            counters[tid] = counters.get(tid, 0) + 1
            out = self.eject_insert(trial, plans, costs, tid, counters)
            if out is None:
                stack.append(tid)
                break
            stack.extend(out)
            self.perturb(trial, plans, costs, 10)
        return not stack

    def insert_options(
        self, k: int, seq: list[int], tid: str, n: int
    ) -> list[tuple[int, list[int]]]:
        """:meth:`.Insertion.options`, counted: scanning the positions is work too (on short
        routes it costs more than the evaluations: c103C15 spent 10 s of a 10 s limit here when
        only evaluations were counted)."""
        found = self.ins.options(k, seq, tid, n)
        self.evals[0] += len(found) + 1
        return found

    def profile(self, k: int, seq: list[int]) -> tuple[list[int], list[int]]:
        """:meth:`.RouteEvaluator.profile`, counted."""
        e = self.ev(k)
        before = e.work
        found = e.profile(seq)
        self.evals[0] += e.work - before
        return found

    def relaxed_without(
        self, k: int, seq: list[int], prof: tuple[list[int], list[int]], out: tuple[str, ...]
    ) -> bool:
        """False when ``seq`` less the tasks ``out`` is late even driven direct (no need to
        evaluate it: most ejections on tight windows end here, in a few steps)."""
        e = self.ev(k)
        before = e.work
        removed = [x for x, n in enumerate(seq) if self.task_of[n] in out]
        ok = e.without(seq, prof, removed)
        self.evals[0] += e.work - before + 1
        return ok

    def tasks_in(self, seq: list[int]) -> list[str]:
        """The tasks of ``seq`` in order of their first node."""
        return list(dict.fromkeys(self.task_of[n] for n in seq))

    def try_insert(
        self,
        trial: dict[int, list[int]],
        plans: dict[int, list[int]],
        costs: dict[int, int],
        tid: str,
    ) -> bool:
        """Insert ``tid`` at its cheapest feasible place, if it has one."""
        # Work, counted as when each search scanned on its own (so that budgets mean what they
        # meant): per route its positions (n + 2) and, for a single node, its time profile
        # (2n + 1), whether kept from an earlier task or not; then each quick time check made.
        if len(self.tasks[tid]) == 1:
            self.evals[0] += sum(3 * len(seq) + 3 for seq in trial.values())
        else:
            self.evals[0] += sum((len(sq) + 1) * (len(sq) + 2) // 2 + 1 for sq in trial.values())
        best, checks = self.ins.best(trial, costs, tid, self.evaluate)
        self.evals[0] += checks
        if best is None:
            return False
        _, j, new, res = best
        trial[j], costs[j], plans[j] = new, res[0], res[1]
        return True

    def ejections(
        self, j: int, seq: list[int], tid: str, size: int
    ) -> list[tuple[tuple[str, ...], list[int], tuple[int, list[int]]]]:
        """Every feasible (ejected tasks, route, evaluation) inserting ``tid`` in route ``j`` and
        ejecting ``size`` of its other tasks."""
        key = (tuple(seq), tid, size)
        found = self.ejection_cache.get(key)
        if found is not None:
            self.evals[0] += 1 + len(found)
            return found
        found = []
        for _, new in self.insert_options(j, seq, tid, self.ALL_POSITIONS):
            others = [t for t in self.tasks_in(new) if t != tid]
            if size == 1:
                combos: list[tuple[str, ...]] = [(t,) for t in others]
            else:
                combos = [(a, b) for x, a in enumerate(others) for b in others[x + 1 :]]
            prof = self.profile(j, new)
            for out in combos:
                if not self.relaxed_without(j, new, prof, out):
                    continue
                reduced = [n for n in new if self.task_of[n] not in out]
                res = self.evaluate(j, reduced)
                if res is not None:
                    found.append((out, reduced, res))
        if len(self.ejection_cache) >= 20_000:
            self.ejection_cache.clear()
        self.ejection_cache[key] = found
        return found

    def eject_insert(
        self,
        trial: dict[int, list[int]],
        plans: dict[int, list[int]],
        costs: dict[int, int],
        tid: str,
        counters: dict[str, int],
    ) -> list[str] | None:
        """Insert ``tid`` somewhere, ejecting the cheapest (by counters, then cost) one or two
        tasks; two only where no single ejection works anywhere.

        Nagata & Braysy minimise the counter sum over every size up to five; measured here (with
        three) that reached fewer routes at equal work on 5 of 8 E-VRPTW instances and none more:
        the larger ejections cost far more evaluations than they save."""
        best: tuple[int, int, int, tuple[str, ...], list[int], tuple[int, list[int]]] | None = None
        for size in (1, 2):
            for j in sorted(trial):
                for out, reduced, res in self.ejections(j, trial[j], tid, size):
                    score = sum(counters.get(t, 0) for t in out)
                    cand = (score, res[0] - costs[j], j, out, reduced, res)
                    if best is None or cand[:3] < best[:3]:
                        best = cand
                if self.out_of_budget():
                    return None
            if best is not None:
                break
        if best is None:
            return None
        _, _, j, out, reduced, res = best
        trial[j], costs[j], plans[j] = reduced, res[0], res[1]
        return list(out)

    def perturb(
        self,
        trial: dict[int, list[int]],
        plans: dict[int, list[int]],
        costs: dict[int, int],
        moves: int,
    ) -> None:
        """Random feasible relocations of one task to another route (diversification)."""
        keys = sorted(trial)
        if len(keys) < 2:
            return
        rng = self.rng
        for _ in range(moves):
            a, b = (keys[int(x)] for x in rng.choice(len(keys), size=2, replace=False))
            movable = self.tasks_in(trial[a])
            if len(movable) < 2:
                continue
            tid = movable[int(rng.integers(len(movable)))]
            rest = [n for n in trial[a] if self.task_of[n] != tid]
            options = self.insert_options(b, trial[b], tid, self.ALL_POSITIONS)
            _, new = options[int(rng.integers(len(options)))]
            res_b = self.evaluate(b, new)
            if res_b is None:
                continue
            res_a = self.evaluate(a, rest)
            if res_a is None:
                continue
            trial[a], costs[a], plans[a] = rest, res_a[0], res_a[1]
            trial[b], costs[b], plans[b] = new, res_b[0], res_b[1]


def route_lower_bound(rm: SearchModel, tasks: dict[str, list[int]]) -> int:
    """Fewest routes that can carry the weight: the largest units first. Deliveries all ride from
    the depot and pickups all ride to it, so each sum must fit; shipments, loaded and unloaded on
    the way, bound nothing."""
    single = [rm.nodes[ids[0]].weight_kg for ids in tasks.values() if len(ids) == 1]
    total = max(sum(-w for w in single if w < 0), sum(w for w in single if w > 0))
    caps = sorted((u.type.capacity_kg for u in rm.units), reverse=True)
    carried = 0.0
    for n, cap in enumerate(caps, start=1):
        carried += cap
        if carried >= total - 1e-9:
            return n
    return len(caps)
