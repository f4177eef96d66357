"""The settings of a solve (:class:`SolveOptions`) and the absolute work counts that may replace
its rates (:class:`Work`).

Why a module of its own: the budget (:mod:`.budget`), the driver and the workers all read these,
and none of them should have to import the others for it.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..limits import DEFAULT_MAX_PART_TASKS


@dataclass(frozen=True)
class Work:
    """The work counts of a whole solve, fixed outright: ``SolveOptions(work=Work(...))`` uses
    them whatever the time limit, which then only sets the wall-clock caps. The same counts give
    the same plan on any machine while no cap fires (tests use this; the rates of
    :class:`SolveOptions` give these counts for the limit's length otherwise).

    Each is for the whole solve; a phase that runs on a share of the limit (our search after
    PyVRP's, OR-Tools after PyVRP's plan) gets that share of it. ``solutions`` (OR-Tools'
    solution limit) is not shared: it is what OR-Tools' search may find.
    """

    #: PyVRP's iterations (see ``SolveOptions.hgs_iterations_per_second``).
    hgs_iterations: int = 0
    #: Label steps of route minimisation, fleet minimisation and ruin and recreate (see
    #: ``RouteEvaluator.work``); route and fleet minimisation run only where routes cost
    #: something in themselves.
    route_min: int = 0
    fleet: int = 0
    lns: int = 0
    #: CP-SAT's deterministic time for recombining the routes ruin and recreate met.
    recombine: float = 0.0
    #: OR-Tools' solution limit.
    solutions: int = 100

    def scaled(self, share: float) -> Work:
        """``share`` of these counts (a part of a day solved in parts); OR-Tools' solution
        limit, a count per search and not per second, stays."""
        return replace(
            self,
            hgs_iterations=int(self.hgs_iterations * share),
            route_min=int(self.route_min * share),
            fleet=int(self.fleet * share),
            lns=int(self.lns * share),
            recombine=self.recombine * share,
        )


@dataclass(frozen=True)
class SolveOptions:
    """Search settings. ``time_limit_s`` and ``seed`` are the inputs that make a run reproducible."""

    time_limit_s: float = 30.0
    seed: int = 0
    #: Solution budget per second of time limit, per squared OR-Tools node: the deterministic work
    #: measure (see the module doc). Measured on the 2-core machine, solutions per second x nodes^2
    #: ranged from 64,000 (city-day) to 390,000 (E-VRPTW, 100 customers); 100,000 lets the budget
    #: end most searches while using much of the time limit (40,000 used only a third of it on the
    #: E-VRPTW set). Where the wall clock ends the search, ``meta.stopped_by`` says ``time``.
    solution_rate: float = 100_000.0
    #: The same for instances without time windows, where each local-search step is cheaper:
    #: measured 370,000 (CEC E-n51) to 950,000 (CEC X-n214) solutions per second x nodes^2.
    solution_rate_no_windows: float = 300_000.0
    #: An explicit solution budget overrides the rate (strictly reproducible anywhere).
    solution_budget: int | None = None
    #: Every work count fixed outright (see :class:`Work` and :mod:`.budget`); the rates above
    #: and below are then not used, and the limit sets only the wall-clock caps.
    work: Work | None = None
    #: Set to False to let the wall clock alone stop the search (faster machines then search more).
    deterministic: bool = True
    copies_per_station: int | None = None
    #: Start the search from our own insertion heuristic with exact station placement.
    construct: bool = True
    #: Route-minimisation budget: work (label steps, see ``RouteEvaluator.work``) per second of
    #: time limit; a count, so the result does not depend on the machine. Measured 150,000 to
    #: 420,000 steps per second on the 2-core machine under load. On E-VRPTW r109 (best known 12
    #: routes) 20,000 ended at 14 routes and 40,000 at 13.
    route_min_work_per_second: float = 40_000.0
    #: Fleet-minimisation budget (ruin and recreate with a bank of unserved tasks, see
    #: :func:`.lns.fleet_minimise`), in the same units, spent after route minimisation where
    #: routes cost something; what it does not use goes to ruin and recreate. The ejection
    #: search stalls one route above the best known on many E-VRPTW instances whatever its
    #: budget (r105 at 15 with 20,000,000 steps). Given 12,000,000 steps this removed a route on
    #: 10 of 14 instances where that stalled, each within its first 8,100,000 (after a removal
    #: the next attempt, usually hopeless, spends the rest).
    fleet_work_per_second: float = 150_000.0
    #: Ruin-and-recreate budget (label steps per second of time limit, see :mod:`.lns`), spent
    #: after route minimisation and before OR-Tools' search. 60,000 left E-VRPTW R2/RC2 searches
    #: ending at 20-26 s of 60 (rc206 16.6 % above the best known); 150,000 took rc206 to 9.3 %,
    #: r101 from 5.5 % to 0.6 % and c104 to the best-known 10 routes. Since fleet minimisation
    #: runs first, 200,000: both together took about 45 s of 60 on the 2-core machine, where
    #: OR-Tools' guided local search, given the rest, found nothing better on r112 and rc208.
    #: With the faster scan and label pass the same budgets took 30 s, so 700,000: the three
    #: phases end at 41 to 46 s of 60 (E-VRPTW r102, r201, c103, rc105, r211, rc202 side by side
    #: in pairs), under the 54 s cap; at 400,000 and 800,000 rc202 ended at 7.0 % and 4.2 %, r102 at
    #: 3.9 % and 2.4 % above the best known.
    lns_work_per_second: float = 700_000.0
    #: The same without time windows, where a label step is cheaper (measured about 450,000 steps
    #: per second on CEC X-n214 against 200,000 on E-VRPTW c107).
    lns_work_per_second_no_windows: float = 200_000.0
    #: The same without time windows where charging takes time and may stop short of full
    #: (EVRP-NL): most sequences are settled without a label pass, and at 200,000 ruin and
    #: recreate ended after a tenth of a 10 s limit, leaving the rest to OR-Tools' local search
    #: (tc1c10s2cf2: 26.5 % above the best known); at 2,000,000 it reaches the best known there,
    #: ending at about half the limit on an idle 2-core machine. On 80-customer instances, and on
    #: a loaded machine, the budget outlasts the limit and the wall-clock cap ends the walk
    #: (``meta.lns_capped``, ``stopped_by: time``): the plan then depends on the machine.
    lns_work_per_second_partial_no_windows: float = 2_000_000.0
    #: Ruin-and-recreate walks from the same start, each with the whole budget above, where
    #: routes hold 20 tasks or more and cost something (fixed costs or fewest vehicles; see
    #: ``pipeline.best_of_walks``): on E-VRPTW R2/RC2 one walk's basin is its seed's, and two
    #: took 15 instances x 2 seeds from 2.58 % to 2.20 % above the best known, solves ending at
    #: 33 to 43 s of 60 on the 2-core machine of 2026-11-24 (20 to 22 s with one). That machine
    #: ran these budgets about twice as fast as the one they were set on (one walk's solves ended
    #: at 37 to 45 s there): on one that slow the second walk meets the 54 s cap, and the meta
    #: says ``stopped_by: time``. Distance objectives keep one walk (not measured there), as do
    #: the parts of a decomposed instance (their time adds up).
    long_route_walks: int = 2
    #: Recombination after ruin and recreate (:mod:`.recombine`): CP-SAT's deterministic time
    #: (its own work measure, roughly seconds on one core) per second of time limit, spent
    #: choosing the cheapest plan among the routes the walks met; 0 turns it off.
    recombine_work_per_second: float = 0.1
    #: Recombine half-way through each walk too (the walk goes on from a cheaper plan), not only
    #: at its end; off, the walk is the same as without recombination and the plan never dearer.
    recombine_midway: bool = True
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    #: OR-Tools' guided local search from our start; off, OR-Tools only accepts the start (its
    #: read-back gives the charges their levels) and the plan is our search's.
    ortools_polish: bool = True
    progress: bool = False
    #: Independent searches run side by side in processes, the best plan kept (see
    #: :mod:`.parallel`): worker 0 uses ``seed``, so more workers never give a worse plan at the
    #: same budget. 1 in the Python API (a library does not take its caller's cores unasked; the
    #: batch pool and the service run one search per job), the machine's cores in the CLI.
    workers: int = 1
    #: Above this many task nodes (jobs + 2 per shipment) the instance is split into sweep parts
    #: solved one after the other (see :mod:`optimizer.solver.decompose`); 0 never splits.
    max_part_tasks: int = DEFAULT_MAX_PART_TASKS
    #: After the search, re-time and re-size each route's charges for the time-of-use tariffs
    #: (:mod:`.tariffs`); off gives the search's own charging (on arrival) for comparison.
    time_charging: bool = True
    #: After the search, choose each electric route's stations and charges exactly for its task
    #: order (:mod:`.frvcp`) where charges may be partial; off keeps the evaluator's choice.
    exact_charging: bool = True
    # ----- PyVRP start (see :mod:`.hgs`): begin --------------------------------------------------
    #: Start from PyVRP's search where it models the instance exactly (no batteries, no shipments,
    #: one window per job); our constructive start is then only the fallback. On Solomon RC208 at
    #: 30 s it took the gap from 7.9 % to 0 %. Off with ``construct=False`` too.
    hgs: bool = True
    #: Share of the time limit that PyVRP's search is budgeted for (at the rate below); OR-Tools'
    #: search continues from its plan in the rest.
    hgs_share: float = 0.7
    #: Where PyVRP plans a day battery-blind (:func:`.hgs.battery_relaxed`, charging taking time),
    #: its plan after this share of the limit's iterations tells whether the batteries suffice
    #: for it. If they do, or fail on at most half of its routes, the day is mostly PyVRP's
    #: problem and the same run goes on for ``hgs_share`` more (its plan is the floor where
    #: valid, see ``meta.hgs_relaxation_kept``, else the seed); if most routes run short, the
    #: run stops and its routes seed our own search, which has the rest of the limit to charge
    #: them.
    hgs_probe_share: float = 0.1
    #: PyVRP iterations per second of its share: a count, so the plan does not depend on the
    #: machine. Measured 370 to 950 per second on the 2-core machine under load (Solomon and CVRP
    #: X instances of 100 to 214 customers); 400 rarely reaches the wall-clock cap.
    hgs_iterations_per_second: float = 400.0
    # ----- PyVRP start: end ----------------------------------------------------------------------
