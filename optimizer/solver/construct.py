"""A constructive start for the search: insertion with exact station placement per route.

Why our own start: on tight E-VRPTW instances none of OR-Tools' first-solution strategies finds a
plan (they insert one node at a time, and a customer that needs a detour to a charger is never
feasible alone, while zero-penalty station copies are never inserted for their own sake). Here a
route is a sequence of tasks *without* stations, and the route evaluator
(:class:`~.evaluator.RouteEvaluator`) decides where the vehicle must charge. Insertion only ever
builds routes that the evaluator proved feasible.

:class:`Constructor` opens a route with the hardest unserved task, fills it with the cheapest
feasible insertions and repeats, then empties what routes it can (:func:`.routemin.
eliminate_routes`). The searches that improve its plan run after it, in :mod:`.pipeline`.
"""

from __future__ import annotations

import heapq

import numpy as np

from ..model import Instance
from .context import Search
from .evaluator import RouteEvaluator
from .insertion import Insertion, inserted
from .plan import Built, fixed_costs
from .routemin import eliminate_routes
from .search_model import SearchModel


class Constructor:
    """Sequential cheapest insertion over one model, with the evaluators, tasks and seeded tie
    keys that the searches after it share (see :func:`.pipeline.construct`).

    A class because seeding, filling and eliminating all read and write the same plan under
    construction (routes, plans, costs, the unserved tasks and the free units)."""

    def __init__(
        self,
        rm: SearchModel,
        *,
        initial: dict[int, list[int]] | None,
        order_seed: int,
        eval_budget: int,
    ) -> None:
        self.rm = rm
        inst: Instance = rm.instance
        self.rng = np.random.default_rng(order_seed)
        self.evaluators: dict[int, RouteEvaluator] = {}
        self.initial = initial
        self.eval_budget = eval_budget
        # Tasks: single nodes for jobs; (pickup, delivery) pairs for shipments.
        self.tasks: dict[str, list[int]] = dict(rm.task_nodes)
        self.unserved = set(self.tasks)
        self.routes: dict[int, list[int]] = {}
        self.plans: dict[int, list[int]] = {}
        self.costs: dict[int, int] = {}
        self.dist = inst.distance_km
        self.depot_loc = inst.depots[0].location
        self.free_units = list(range(len(rm.units)))
        tasks = self.tasks
        #: Ties between equally cheap insertions are broken by one random key per task (seeded).
        self.tie = {
            tid: float(x) for tid, x in zip(sorted(tasks), self.rng.random(len(tasks)), strict=True)
        }
        self.ins = Insertion(rm, self.ev, tasks)
        self.node_task = {i: tid for tid, ids in tasks.items() for i in ids}
        #: What the searches after construction read (see :class:`.plan.Search`).
        self.search = Search(rm, self.ev, tasks, self.ins, self.rng, fixed_costs(rm))
        self.initial_units = set(initial or {})

    def ev(self, k: int) -> RouteEvaluator:
        """Unit ``k``'s evaluator, made on first use and kept (its caches with it)."""
        if k not in self.evaluators:
            self.evaluators[k] = RouteEvaluator(self.rm, k)
        return self.evaluators[k]

    def due(self, tid: str) -> float:
        """The end of the last window of the task's last node (inf without one)."""
        nd = self.rm.nodes[self.tasks[tid][-1]]
        return nd.windows[-1].end_min if nd.windows else float("inf")

    def far(self, tid: str) -> float:
        """The distance from the first depot to the task's first node."""
        return float(self.dist[self.depot_loc, self.rm.nodes[self.tasks[tid][0]].location])

    def best_insertion(
        self, k: int, seq: list[int], candidates: list[str], budget: int
    ) -> tuple[str, list[int], int, list[int]] | None:
        """The cheapest feasible insertion of any of ``candidates`` into unit ``k``'s ``seq``,
        evaluating at most ``budget`` of the positions the estimate ranks first."""
        options: list[tuple[int, float, str, int, int]] = []
        for tid in candidates:
            r = self.tie[tid]
            for delta, p, q in self.ins.positions(k, seq, tid):
                options.append((delta, r, tid, p, q))
        for _, _, tid, p, q in heapq.nsmallest(budget, options):
            new = inserted(seq, self.tasks[tid], p, q)
            res = self.ev(k).evaluate(new)
            if res is not None:
                return tid, new, res[0], res[1]
        return None

    def _take(self, u: int, run: list[int], res: tuple[int, list[int]] | None) -> None:
        """Put ``run`` (evaluated as ``res``) on unit ``u``."""
        # A cut may part a shipment's pickup from its delivery: such halves are left to
        # insertion, which places both ends (fewer stops only make a route shorter).
        tasks, node_task = self.tasks, self.node_task
        whole = [i for i in run if all(j in run for j in tasks[node_task[i]])]
        if whole != run:
            run = whole
            res = self.ev(u).evaluate(run) if run else None
        if res is None:
            return
        self.routes[u], self.costs[u], self.plans[u] = run, res[0], res[1]
        self.free_units.remove(u)
        self.unserved.difference_update(node_task[i] for i in run)

    def seed(self, k: int, seq: list[int]) -> None:
        """Take ``seq`` on unit ``k`` (and, where it fails as a whole, on further free units)."""
        run: list[int] = []
        found: tuple[int, list[int]] | None = None
        pending = list(seq)
        unit: int | None = k
        while pending and unit is not None:
            res = self.ev(unit).evaluate([*run, pending[0]])
            if res is not None:
                run.append(pending.pop(0))
                found = res
                continue
            if not run or found is None:
                pending.pop(0)  # serves nothing alone on this unit: insertion places it later
                continue
            self._take(unit, run, found)
            run, found = [], None
            # The rest on a unit no seed sequence is waiting for, else on any free one.
            free_units = self.free_units
            unit = next(
                (u for u in free_units if u not in self.initial_units),
                free_units[0] if free_units else None,
            )
        if run and found is not None and unit is not None:
            self._take(unit, run, found)

    def _open(self) -> int | None:
        """Open a route on the first free unit that serves one of the unserved tasks alone."""
        # Seed: the farthest task, earliest due first among equals (hard to fit later), then the
        # seeded tie key: a set's order of strings changes with each process's hash seed.
        ordered = sorted(self.unserved, key=lambda t: (-self.far(t), self.due(t), self.tie[t]))
        for k in list(self.free_units):
            for tid in ordered:
                res = self.ev(k).evaluate(self.tasks[tid])
                if res is not None:
                    self.unserved.discard(tid)
                    self.routes[k], self.costs[k], self.plans[k] = (
                        list(self.tasks[tid]),
                        res[0],
                        res[1],
                    )
                    self.free_units.remove(k)
                    return k
            # This unit serves nothing that is left: try the next unit.
        return None

    def fill(self) -> None:
        """Open routes on free units and fill each by cheapest insertion."""
        while self.unserved and self.free_units:
            k = self._open()
            if k is None:
                return
            while self.unserved:
                found = self.best_insertion(
                    k, self.routes[k], sorted(self.unserved), self.eval_budget
                )
                if found is None:
                    break
                tid, seq, cost, plan = found
                self.routes[k], self.costs[k], self.plans[k] = seq, cost, plan
                self.unserved.discard(tid)

    def _eliminated(self) -> Built:
        """The plan filled so far, with what routes :func:`.routemin.eliminate_routes` could
        empty emptied."""
        built = Built(self.plans, self.routes, self.costs, sorted(self.unserved))
        eliminate_routes(self.rm, built, self.ev, self.tasks, self.ins.options, self.eval_budget)
        return built

    def build(self, seeded: bool) -> Built:
        """The constructed plan, from ``initial`` where ``seeded``, else by insertion alone."""
        self.routes, self.plans, self.costs = {}, {}, {}
        self.unserved.clear()
        self.unserved.update(self.tasks)
        self.free_units[:] = list(range(len(self.rm.units)))
        if seeded and self.initial:
            for k, seq in sorted(self.initial.items()):
                if k in self.free_units:
                    self.seed(k, seq)
        self.fill()
        built = self._eliminated()
        for _ in range(3):
            # Elimination frees units (a big truck whose few tasks moved elsewhere) that may
            # serve what the first pass left over.
            if not self.unserved:
                break
            self.routes, self.plans, self.costs = built.tasks, built.routes, built.cost
            self.free_units[:] = [k for k in range(len(self.rm.units)) if k not in self.routes]
            before = len(self.unserved)
            self.fill()
            built = self._eliminated()
            if len(self.unserved) == before:
                break
        return built
