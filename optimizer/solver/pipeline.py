"""The search pipeline: construct a plan, take routes away, improve it, recombine its routes.

:func:`construct` runs the phases in order, each on the plan the one before left: the insertion
constructor (:mod:`.construct`), route minimisation by ejections (:mod:`.routemin`), fleet
minimisation and ruin and recreate (:mod:`.lns`), and the recombination of the routes the walks
met (:mod:`.recombine`). Every budget is a count of work, not seconds, so a plan does not depend
on the machine; the deadlines are safety caps.
"""

from __future__ import annotations

import math
import time

from .construct import Constructor
from .context import Search
from .lns import Midway, OnBest, fleet_minimise, ruin_recreate
from .plan import Built, RoutePool
from .progress import Phase, PhaseReport
from .recombine import RECOMBINE_S_PER_WORK, recombine
from .routemin import minimize_routes, route_lower_bound
from .search_model import SearchModel

#: Mean tasks per route from which fleet minimisation redoes the ejection search's last removal.
LONG_ROUTE_TASKS = 20


def construct(
    rm: SearchModel,
    *,
    initial: dict[int, list[int]] | None = None,
    order_seed: int = 0,
    eval_budget: int = 80,
    rm_work: int = 0,
    fleet_work: int = 0,
    lns_work: int = 0,
    lns_walks: int = 1,
    deadline: float = math.inf,
    compare_start: bool = False,
    recombine_work: float = 0.0,
    recombine_midway: bool = True,
    progress: PhaseReport | None = None,
) -> Built:
    """A plan for ``rm`` and its improvement, phase by phase: sequential cheapest insertion and
    route elimination (:class:`.construct.Constructor`), then each phase given a budget below.

    ``eval_budget`` caps the full evaluations tried per insertion step (the cheap ones first);
    ``rm_work`` is the work budget (label steps) of the route-minimisation search (0: none),
    ``fleet_work`` that of fleet minimisation after it (:func:`.lns.fleet_minimise`; what it
    leaves goes to the next) and ``lns_work`` that of the ruin-and-recreate improvement last
    (:mod:`.lns`). All are counts, not seconds, so the result does not depend on the machine.
    Where routes hold ``LONG_ROUTE_TASKS`` tasks or more, ruin and recreate walks ``lns_walks``
    times from the same start, each walk with the whole ``lns_work`` (:func:`best_of_walks`).
    With ``recombine_work`` (CP-SAT's deterministic time), the routes the walks met are then
    recombined into the cheapest plan they make (:mod:`.recombine`). ``progress`` (see
    :data:`.progress.PhaseReport`) hears of the plan after each phase and of each new best plan
    of ruin and recreate; ``total`` in the model's scaled money, fixed costs included.

    ``initial`` seeds the plan with task sequences per unit (PyVRP's plan without batteries, see
    :func:`.hgs.battery_relaxed`): each keeps its order, the evaluator places its stations, and a
    sequence that no placement makes feasible is cut into the longest feasible runs, each on a
    unit of its own; insertion then serves whatever is left.
    """
    start = Constructor(rm, initial=initial, order_seed=order_seed, eval_budget=eval_budget)
    run = _Phases(rm, start, deadline, progress)
    run.start_plan(initial, compare_start)
    run.tell("construct")
    before_last: list[Built] = []
    # Under a money objective fewer routes are a means, not the end: the plan before route and
    # fleet minimisation is kept where it costs less (fixed costs included) than theirs.
    unminimised = (
        run.snapshot()
        if rm.instance.objective.kind == "cost" and (rm_work > 0 or fleet_work > 0)
        else None
    )
    if rm_work > 0 and not run.built.unassigned:
        run.route_min(rm_work, before_last)
        run.tell("route-min")
    if fleet_work > 0 and not run.built.unassigned:
        lns_work += run.fleet_min(fleet_work, before_last)
    if unminimised is not None and not run.built.unassigned:
        run.keep_cheaper(unminimised)
    if rm_work > 0 or fleet_work > 0:
        run.tell("fleet-min" if fleet_work > 0 else "route-min")
    if lns_work > 0 and not run.built.unassigned:
        run.improve(lns_work, lns_walks, recombine_work, recombine_midway, order_seed)
        run.tell("recombine" if recombine_work > 0 else "ruin-recreate")
    return run.built


class _Phases:
    """The plan between the phases of :func:`construct`, with what every phase reads: the
    constructor's evaluators, tasks, insertion and seeded generator, the units' fixed costs, the
    deadline and the progress callback."""

    def __init__(
        self,
        rm: SearchModel,
        start: Constructor,
        deadline: float,
        progress: PhaseReport | None,
    ) -> None:
        self.rm, self.start, self.deadline, self.progress = rm, start, deadline, progress
        #: Each unit's fixed cost: every comparison of whole plans below counts it.
        self.fixed = start.search.fixed
        self.built = Built({}, {}, {}, [])

    def tell(self, phase: Phase) -> None:
        """Report the plan ``phase`` left, its total (fixed costs included) and routes, once it
        serves all."""
        if self.progress is not None and not self.built.unassigned:
            built = self.built
            self.progress(phase, built.total_cost(self.fixed), len(built.tasks), built.routes, True)

    def on_best(self) -> OnBest | None:
        """Ruin and recreate's report of each new best plan, as progress of its phase."""
        progress = self.progress
        if progress is None:
            return None

        def best(total: int, routes: int, plan: dict[int, list[int]]) -> None:
            progress("ruin-recreate", total, routes, plan, False)

        return best

    def snapshot(self) -> Built:
        """A copy of the plan's routes, tasks, costs and unserved tasks."""
        built = self.built
        return Built(
            {k: list(v) for k, v in built.routes.items()},
            {k: list(v) for k, v in built.tasks.items()},
            dict(built.cost),
            list(built.unassigned),
        )

    def start_plan(self, initial: dict[int, list[int]] | None, compare_start: bool) -> None:
        """The constructed plan, from ``initial`` where given (see :func:`construct`)."""
        built = self.start.build(bool(initial))
        if initial and compare_start and (built.unassigned or time.monotonic() < self.deadline):
            # A seed whose routes the batteries break is cut into many short runs: where
            # insertion alone starts cheaper (fewer unserved tasks, then total cost), the search
            # starts there. Once the deadline has passed, only where the seeded start leaves a
            # task unserved: a second whole insertion (a second or more on a 220-task part under
            # load) is what made parts of large days end late, but a start that serves less is
            # no plan at all.
            plain = self.start.build(False)
            if (len(plain.unassigned), plain.total_cost(self.fixed)) < (
                len(built.unassigned),
                built.total_cost(self.fixed),
            ):
                built = plain
                built.stats["seed_start_dropped"] = 1
        self.built = built

    def _cap(self, now: float) -> float:
        """A safety cap only for a minimisation (the work budget should end it): it leaves ruin
        and recreate and OR-Tools at least two fifths of the time that is left."""
        deadline = self.deadline
        return now + 0.6 * (deadline - now) if deadline < math.inf else math.inf

    def route_min(self, rm_work: int, before_last: list[Built]) -> None:
        """The ejection search (:func:`.routemin.minimize_routes`) on the plan."""
        built = self.built
        now = time.monotonic()
        if minimize_routes(self.start.search, built, rm_work, self._cap(now), before_last):
            built.stats["route_min_capped"] = 1
        built.seconds["route_min_s"] = round(time.monotonic() - now, 3)

    def fleet_min(self, fleet_work: int, before_last: list[Built]) -> int:
        """Fleet minimisation (:func:`.lns.fleet_minimise`) on the plan; returns the work it
        did not need, for ruin and recreate."""
        rm, built, c = self.rm, self.built, self.start
        now = time.monotonic()
        # Where routes are long, the ejection search's last removal squeezes a whole route's
        # tasks (20 to 35) into two to four others: a packed plan that ruin and recreate (which
        # never opens a route on a fewest-vehicles objective) walks out of slowly. Fleet
        # minimisation's bank spreads them with far less distortion, so there it starts from the
        # plan before that last removal and redoes it, and the cheaper of its plan and the
        # ejection search's is kept (fewest routes first). On E-VRPTW R2/RC2 (15 instances x 2
        # seeds, 60 s) the mean gap went 3.13 % -> 2.58 % (r201 seed 1 14.7 % -> 3.7 %). Not on
        # short routes: on R1/C1 (10-18 routes of 5-10 tasks) the redo cost the budget that
        # takes the next route away (c109 and r106 one vehicle more) and distance too (c106,
        # c107, r103 3-4 points worse), the last removal there spreading few tasks over many
        # routes.
        long_routes = bool(before_last) and len(c.tasks) >= LONG_ROUTE_TASKS * (
            len(before_last[0].tasks) - 1
        )
        start = before_last[0] if long_routes else built
        routes_before = len(built.tasks)
        floor = route_lower_bound(rm, c.tasks)
        built.stats.update(fleet_minimise(c.search, start, fleet_work, self._cap(now), floor=floor))
        if start is not built:

            def value(b: Built) -> tuple[int, int]:
                return len(b.tasks), b.total_cost(self.fixed)

            redone = value(start) < value(built)
            built.stats["fleet_from_before_last"] = int(redone)
            if redone:
                built.tasks, built.routes, built.cost = start.tasks, start.routes, start.cost
            # Counted against the ejection search's plan, as when fleet minimisation starts there.
            built.stats["fleet_routes_removed"] = routes_before - len(built.tasks)
        built.seconds["fleet_s"] = round(time.monotonic() - now, 3)
        # What fleet minimisation did not need (it stops at the capacity bound) goes to
        # ruin and recreate: a count, so the plan stays the same on every machine.
        if built.stats.get("fleet_capped"):
            return 0
        return max(0, fleet_work - built.stats.get("fleet_work", fleet_work))

    def keep_cheaper(self, unminimised: Built) -> None:
        """Go back to the plan before the minimisations where it costs less (fixed costs
        included): under a money objective fewer routes are a means, not the end."""
        built = self.built
        kept = unminimised.total_cost(self.fixed) < built.total_cost(self.fixed)
        built.stats["minimised_plan_dearer"] = int(kept)
        if kept:
            built.tasks, built.routes, built.cost = (
                unminimised.tasks,
                unminimised.routes,
                unminimised.cost,
            )

    def improve(
        self, lns_work: int, lns_walks: int, recombine_work: float, midway: bool, seed: int
    ) -> None:
        """Ruin and recreate (one walk or the best of ``lns_walks``), then the recombination of
        the routes the walks met, where ``recombine_work`` is given."""
        rm, built, c = self.rm, self.built, self.start
        now = time.monotonic()
        pool = RoutePool() if recombine_work > 0 else None
        walks = (
            lns_walks
            if lns_walks > 1 and len(c.tasks) >= LONG_ROUTE_TASKS * len(built.tasks)
            else 1
        )
        # The recombination runs half-way through each walk and once at the end, sharing
        # ``recombine_work`` evenly. Where the wall clock ends the walks, they end early enough
        # for the last one to have its work.
        per_call = recombine_work / (walks + 1) if midway else recombine_work
        walk_end = self.deadline - RECOMBINE_S_PER_WORK * per_call if pool else self.deadline
        task_of = {n: tid for tid, ids in c.tasks.items() for n in ids}
        hook = (
            _Midway(rm, pool, self.fixed, task_of, per_call, seed, walk_end)
            if pool is not None and midway
            else None
        )
        if walks > 1:
            built.stats.update(
                best_of_walks(
                    c.search, built, lns_work, walk_end, walks, pool, hook, self.on_best()
                )
            )
        else:
            built.stats.update(
                ruin_recreate(c.search, built, lns_work, walk_end, pool, hook, self.on_best())
            )
        built.seconds["lns_s"] = round(time.monotonic() - now, 3)
        if pool is None:
            return
        now = time.monotonic()
        built.stats.update(
            recombine(
                rm,
                built,
                pool,
                self.fixed,
                task_of,
                work=per_call,
                seed=seed,
                deadline=self.deadline,
            )
        )
        built.stats.update({f"midway_{k}": v for k, v in (hook.stats if hook else {}).items()})
        built.stats["recombine_offered"] = pool.offered
        built.pool = pool
        built.seconds["recombine_s"] = round(time.monotonic() - now, 3)


class _Midway:
    """The recombination half-way through each walk of ruin and recreate (a :data:`.lns.Midway`):
    the best plan so far in, a cheaper one made of pooled routes (or None) out, its counters
    summed over the calls in ``stats``."""

    def __init__(
        self,
        rm: SearchModel,
        pool: RoutePool,
        fixed: list[int],
        task_of: dict[int, str],
        work: float,
        seed: int,
        deadline: float,
    ) -> None:
        self.rm, self.pool, self.fixed, self.task_of = rm, pool, fixed, task_of
        self.work, self.seed, self.deadline = work, seed, deadline
        self.stats: dict[str, int] = {}

    def __call__(
        self, seqs: dict[int, list[int]], plans: dict[int, list[int]], costs: dict[int, int]
    ) -> tuple[dict[int, list[int]], dict[int, list[int]], dict[int, int]] | None:
        trial = Built(dict(plans), dict(seqs), dict(costs), [])
        found = recombine(
            self.rm,
            trial,
            self.pool,
            self.fixed,
            self.task_of,
            work=self.work,
            seed=self.seed,
            deadline=self.deadline,
        )
        for key in ("recombine_saved", "recombine_improved", "recombine_capped"):
            self.stats[key] = self.stats.get(key, 0) + found[key]
        return (trial.tasks, trial.routes, trial.cost) if found["recombine_improved"] else None


def best_of_walks(
    s: Search,
    built: Built,
    lns_work: int,
    deadline: float,
    walks: int,
    pool: RoutePool | None = None,
    midway: Midway | None = None,
    progress: OnBest | None = None,
) -> dict[str, int]:
    """Run ruin and recreate ``walks`` times from ``built``, each with the whole budget and the
    seeded generator's next draws, and keep the cheapest plan (fixed costs included) in ``built``.

    Why: where routes hold 20 to 35 tasks (E-VRPTW R2/RC2) one walk settles in a basin that its
    seed decides, not its budget: rc202 ends 0.2 % above the best known on seed 1 and 8.5 % on
    seed 2 from starts that cost the same, and 1.43 times the budget in one walk changed nothing
    (2.65 % against 2.58 % on R2/RC2, 15 instances x 2 seeds), nor did two walks of half the
    budget (2.87 %). Two whole walks took the same sample to 2.20 %; the first walk is the single
    walk's, so the plan is never worse. The price is a second walk's time (ruin and recreate took
    13 to 15 s of the 20 s solve on the 2-core machine; two walks end at 33 to 43 s of 60).
    Returns the walks' counters summed, and ``lns_walks``.
    """
    fixed = s.fixed
    start = (dict(built.routes), dict(built.tasks), dict(built.cost))
    kept: tuple[int, dict[int, list[int]], dict[int, list[int]], dict[int, int]] | None = None
    totals: dict[str, int] = {"lns_walks": walks}
    for _ in range(walks):
        built.routes, built.tasks, built.cost = dict(start[0]), dict(start[1]), dict(start[2])
        walked = ruin_recreate(s, built, lns_work, deadline, pool, midway, progress)
        for key, n in walked.items():
            totals[key] = totals.get(key, 0) + n
        # Ruin and recreate's own measure: where a vehicle's fixed cost outweighs any distance
        # (fewest vehicles) it orders plans by routes, then cost; with small fixed costs a walk
        # may open a route that pays for itself.
        value = built.total_cost(fixed)
        if kept is None or value < kept[0]:
            kept = (value, built.routes, built.tasks, built.cost)
    assert kept is not None
    _, built.routes, built.tasks, built.cost = kept
    # A capped walk stays capped in the sum; the meta reads it as a flag.
    totals["lns_capped"] = min(1, totals.get("lns_capped", 0))
    return totals
