"""Solve orchestration: diagnosis, model, search, read-back, validation.

Reproducibility. OR-Tools routing has no random seed and its search is deterministic for a fixed
amount of work, but a wall-clock limit cuts the work at a machine- and load-dependent point. So the
search budget is counted in *solutions* (OR-Tools' ``solution_limit``), derived from the time limit at
a fixed rate per squared model size (``SolveOptions.solution_rate``, calibrated on
the 2-core CI machine) and the wall clock only acts as a safety cap.
Same instance + same seed + same time limit -> same plan, as long as the safety cap does not fire
(the result's ``meta.stopped_by`` says which limit stopped the search). ``seed`` drives every
random choice of our own (none in the pure OR-Tools path yet), never the OR-Tools search.
"""

from __future__ import annotations

import math
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, Any, cast

from ..errors import InputError, Issue
from ..limits import check_time_limit, task_nodes
from ..model import Instance, TimeWindow
from ..solution import Route, Solution, Stop, StopKind, Totals
from . import scaling as S
from .budget import Budget
from .infeasible import InfeasibleError
from .options import SolveOptions
from .ortools_model import ortools, search_parameters
from .progress import VALIDATE_SHARE, Phase, PhaseReport, Progress, ProgressFn
from .search_model import ModelOptions, Node, SearchModel, Unit, build

if TYPE_CHECKING:
    from ..validator import Report
    from .hgs import Checkpoint
    from .plan import Built


#: The stated bound on how far past its limit a solve may end: ``solve(instance, t)`` returns
#: (or raises) within ``t + overrun_margin(t)`` seconds of being called, that is within
#: ``t + max(OVERRUN_MARGIN_S, OVERRUN_MARGIN_SHARE * t)``. Every phase's wall-clock cap counts
#: from the call against the limit (parts of a decomposed day against the whole day's), and what
#: follows the search (read-back, validation, charger queues, re-timing the charges, joining
#: parts) runs in the margin. Not covered: loading the instance and starting the process (before
#: the call). The one plan a solve cannot do without is its insertion start (each part's, for a
#: day solved in parts; no cap cuts it without leaving jobs unserved): a limit too short for it
#: is refused up front (:func:`optimizer.limits.check_time_limit`, a floor per task node). See
#: ``benchmarks/overrun.py``.
OVERRUN_MARGIN_S = 0.5
OVERRUN_MARGIN_SHARE = 0.05


def overrun_margin(time_limit_s: float) -> float:
    """Seconds a solve with this limit may run past it (see :data:`OVERRUN_MARGIN_S`)."""
    return max(OVERRUN_MARGIN_S, OVERRUN_MARGIN_SHARE * time_limit_s)


def _stderr_progress(event: Progress) -> None:
    """A progress line; ``vehicles`` is -1 where the phase does not know them (PyVRP's)."""
    used = f"  vehicles {event.vehicles}" if event.vehicles >= 0 else ""
    checked = f"  validated {event.validated:,.2f}" if event.validated is not None else ""
    print(
        f"[{event.elapsed_s:7.1f}s] {event.phase:<13} best {event.value:,.2f}{used}{checked}",
        file=sys.stderr,
        flush=True,
    )


def solve(
    instance: Instance,
    time_limit_s: float = 30.0,
    seed: int = 0,
    *,
    options: SolveOptions | None = None,
    on_progress: ProgressFn | None = None,
    progress: bool = False,
    workers: int | None = None,
) -> Solution:
    """Plan ``instance``: the cheapest plan found within the limits, validated.

    ``workers`` (default ``options.workers``, 1) runs that many independent searches in
    processes and keeps the best (:mod:`.parallel`).

    Raises :class:`InfeasibleError` with a per-job diagnosis when the jobs cannot all be served and
    the instance allows no unserved jobs.
    """
    opts = replace(options or SolveOptions(), time_limit_s=time_limit_s, seed=seed)
    if workers is not None:
        opts = replace(opts, workers=workers)
    if isinstance(opts.workers, bool) or not isinstance(opts.workers, int) or opts.workers < 1:
        raise InputError(Issue("workers", "must be a whole number of at least 1", opts.workers))
    check_time_limit(instance, opts.time_limit_s, opts.max_part_tasks)
    if on_progress is None and (opts.progress or progress):
        on_progress = _stderr_progress
    if instance.objective.unserved_penalty is None:
        _refuse_short_fleet(instance)
    if instance.multi_trip:
        return _solve_in_trips(instance, opts, on_progress)
    return _run(instance, opts, on_progress)


def _refuse_short_fleet(instance: Instance) -> None:
    """Raise :class:`InfeasibleError` where the fleet certainly cannot serve every job
    (:func:`..reach.fleet_shortfall`: too much load or too many hours for all its units, in the
    day or before a window closes, or for the units that alone can serve some of the jobs), so
    that such a day is answered at once with the reason, not after a search that could only name
    the jobs it found no place for. Once per solve, on the whole instance (trips counted),
    before it is cut into trips or parts; each job alone is checked per model (:func:`_solve`),
    and here too where the fleet falls short, since a job no vehicle can serve alone (a load
    heavier than any truck, which also tips the sum) is the more precise reason."""
    from ..reach import fleet_shortfall, unreachable_jobs

    short = fleet_shortfall(instance)
    if short is not None:
        raise InfeasibleError(unreachable_jobs(instance) or {"*": short})


def _run(
    instance: Instance,
    opts: SolveOptions,
    on_progress: ProgressFn | None,
    seed_plan: Solution | None = None,
) -> Solution:
    """One solve of ``instance`` as the search plans it (one trip per vehicle unit), from now
    to ``opts.time_limit_s`` later, on ``opts.workers`` processes. ``seed_plan`` (routes of
    ``instance``'s units; one process) is our search's seed instead of PyVRP's."""
    started = time.monotonic()
    if opts.workers > 1 and seed_plan is None:
        from .parallel import solve_parallel

        return solve_parallel(instance, opts, started, _solve_one, _recombine_workers, on_progress)
    end = started + opts.time_limit_s
    if seed_plan is None:
        return _solve(instance, opts, started, end, on_progress)
    return _solve(instance, opts, started, end, on_progress, seed_plan=seed_plan)


#: Shares of the limit for PyVRP's own multi-trip plan of a fleet that may reload: a probe, and
#: where its battery-blind plan is valid on the instance or nearly (the batteries suffice for most
#: routes), a run that searches on from it; the rest is our search (:mod:`.trips`).
TRIPS_PROBE_SHARE = 0.2
TRIPS_HGS_SHARE = 0.5


def _solve_in_trips(
    instance: Instance, opts: SolveOptions, on_progress: ProgressFn | None
) -> Solution:
    """A fleet that may make several trips a day. PyVRP plans trips itself (reload depots) but
    knows no battery: its plan, where the validator accepts it, is one candidate
    (:class:`_TripsRelaxed`). Our search plans single trips (:mod:`.trips`): on the fleet as it
    is where its units can carry the day in one trip each (then the chained plan never costs
    more than the single-trip one), else with ``max_trips`` units per vehicle; the trips are
    chained into days, and trips left over where an entry has too few units leave their tasks
    unserved (at the penalty where the objective has one, else a diagnosis). The cheaper valid
    plan is kept."""
    relaxed = _TripsRelaxed(instance, opts)
    relaxed.run()
    rest = 1.0 - relaxed.share
    search_opts = replace(
        opts,
        time_limit_s=opts.time_limit_s * rest,
        work=opts.work.scaled(rest) if opts.work is not None else None,
    )
    try:
        searched = _chained_search(instance, search_opts, on_progress, relaxed.broken)
    except InfeasibleError:
        if relaxed.plan is None:
            raise
        searched = None
    plan = relaxed.plan
    if searched is not None and (plan is None or _total(searched) <= _total(plan)):
        plan = searched
    assert plan is not None
    meta = {
        **dict(plan.meta),
        **(dict(searched.meta) if searched is not None else {}),
        **relaxed.meta,
        "time_limit_s": opts.time_limit_s,
        "trips_kept": "pyvrp" if plan is relaxed.plan else "search",
        # A PyVRP run ended by the wall clock makes the plan depend on the machine.
        **({"stopped_by": "time"} if relaxed.meta.get("trips_pyvrp_capped") else {}),
        "trips_max": max((r.trips for r in plan.routes), default=0),
    }
    return replace(plan, meta=meta)


def _total(plan: Solution) -> float:
    return float(plan.totals.cost.get("total", 0.0))


def _chained_search(
    instance: Instance,
    opts: SolveOptions,
    on_progress: ProgressFn | None,
    broken: Solution | None = None,
) -> Solution:
    """Our search's single trips chained into days (see :func:`_solve_in_trips`), validated.
    ``broken``: PyVRP's multi-trip plan where it runs short of energy on at most half its
    routes; its trips, each on its unit's slice of the day (:func:`.trips.waves_of`), seed our
    search, which places the charges (as PyVRP's battery-blind plan seeds a day of single
    trips)."""
    from ..validator import validate
    from .trips import chain_trips, one_trip_per_unit, one_wave_fits, tasks_of, waves_of

    waves = not one_wave_fits(instance) or broken is not None
    seed: Solution | None = None
    if broken is not None:
        planned, seed = waves_of(instance, broken, _departure_float)
    else:
        planned = _waves(instance) if waves else one_trip_per_unit(instance, False)
    searched = _run(planned, opts, on_progress, seed)
    chain_started = time.monotonic()
    chained, left = chain_trips(instance, searched)
    if left and instance.objective.unserved_penalty is None:
        raise InfeasibleError(
            {
                ref: f"its trip (with {len(r.visits)} stops, {r.vehicle}) fits no day of a "
                f"vehicle of {r.vehicle!r}, whose units are all taken: allow more trips "
                "(max_trips) or more vehicles, or a longer limit"
                for r in left
                for ref in sorted(tasks_of([r]))
            }
        )
    report = _queue_at_chargers(instance, validate(instance, chained))
    if not report.feasible:
        if waves:
            raise RuntimeError(
                "internal error: the chained trips break a rule across routes:\n" + report.summary()
            )
        report = validate(instance, searched)  # the single trips, each within its unit
    meta = {
        **dict(searched.meta),
        "trips_searched": "waves" if waves else "one trip per unit",
        "trips_left_over": len(left),
        "trips_chain_s": round(time.monotonic() - chain_started, 3),
    }
    return replace(report.solution, meta=meta)


#: Where the first wave's slice ends, as a share of twice the equal split (see
#: :func:`.trips.one_trip_per_unit`): equal slices first, then a shorter or longer first one.
WAVE_SPLITS = (0.5, 0.45, 0.55, 0.4, 0.6, 0.35, 0.65)


def _waves(instance: Instance) -> Instance:
    """The waves our search plans a fleet too small for one trip each in: the first split of
    the shift (:data:`WAVE_SPLITS`) whose slices leave no task unreachable that the whole shift
    reaches (a shipment whose pickup and delivery span the boundary), else whole-shift waves."""
    from ..reach import unreachable_jobs
    from .trips import one_trip_per_unit

    whole = one_trip_per_unit(instance, True, sliced=False)
    hopeless = len(unreachable_jobs(whole))
    for split in WAVE_SPLITS:
        sliced = one_trip_per_unit(instance, True, split=split)
        if len(unreachable_jobs(sliced)) <= hopeless:
            return sliced
    return whole


class _TripsRelaxed:
    """PyVRP's multi-trip plan of the day, battery-blind (reloads at each vehicle's start
    depot), validated on the instance: one run, looked at after :data:`TRIPS_PROBE_SHARE` of
    the limit, that goes on for :data:`TRIPS_HGS_SHARE` more where the plan it looked at is
    valid or at most half its routes run short of energy. ``share`` is the part
    of the limit it used; ``plan`` the valid plan (departures floated), else ``None``. Skipped
    where PyVRP does not apply or the search's share would fall below the day's time floor."""

    def __init__(self, instance: Instance, opts: SolveOptions) -> None:
        self.instance, self.opts = instance, opts
        self.share = 0.0
        self.plan: Solution | None = None
        #: Its plan (filled in) where it runs short of energy on at most half its routes and
        #: breaks nothing else: a seed for our search.
        self.broken: Solution | None = None
        self.meta: dict[str, Any] = {}

    def _affords(self, share: float) -> bool:
        from ..limits import min_time_limit_s

        floor = min_time_limit_s(self.instance, self.opts.max_part_tasks)
        return (1.0 - share) * self.opts.time_limit_s >= floor

    def run(self) -> None:
        from .hgs import hgs_declines

        if task_nodes(self.instance) > (self.opts.max_part_tasks or 10**9):
            self.meta["trips_pyvrp"] = "skipped: the day is solved in parts"
            return
        if not self._affords(TRIPS_PROBE_SHARE):
            self.meta["trips_pyvrp"] = "skipped: the limit is too short for it and the search"
            return
        started = time.monotonic()
        rm = build(self.instance, ModelOptions(copies_per_station=0))
        why = hgs_declines(rm, relax=True)
        if why is not None:
            self.meta["trips_pyvrp"] = f"declined: {why}"
            return
        budget = Budget.of(self.instance, self.opts, started, started + self.opts.time_limit_s)
        # One run with a look at its plan after the probe's share (see .hgs.Checkpoint), as for
        # a day of single trips (see _charging_shapes): where the batteries suffice for most of
        # the look's routes, PyVRP searches on (a longer run found a valid plan of a generated
        # two-wave day whose probe broke a battery); where it cannot afford more, the run is
        # the probe alone.
        total = TRIPS_PROBE_SHARE + TRIPS_HGS_SHARE
        go_on = self._affords(total)
        report = self._once(
            rm, budget, total if go_on else TRIPS_PROBE_SHARE, TRIPS_PROBE_SHARE if go_on else None
        )
        self.meta["trips_pyvrp_s"] = round(time.monotonic() - started, 3)
        if report is not None and report.feasible:
            self.plan = _float_departures(self.instance, report).solution
            self.meta["trips_pyvrp"] = f"valid, {_total(self.plan):.2f}"
        elif report is not None:
            self.meta["trips_pyvrp"] = "breaks " + ", ".join(sorted(report.codes()))
            if report.codes() == {"BATTERY"} and not _most_routes_short(report):
                # Most routes within their batteries: a seed worth repairing. Where most run
                # short, charging shapes the day and our search plans it from scratch (a
                # two-wave day at 45 % batteries: 2,408 seeded, on whole-shift waves, against
                # 2,120).
                self.broken = report.solution

    def _once(
        self, rm: SearchModel, budget: Budget, share: float, look_at: float | None
    ) -> Report | None:
        """PyVRP's run of ``share`` of the limit, looked at after ``look_at`` of it (where
        given): the validator's report on its plan (``None``: no plan). Sets ``share`` to the
        part of the limit the run was budgeted for up to where it ended."""
        from .hgs import Checkpoint, hgs_routes

        def most_short(
            routes: dict[int, list[int]], departures: dict[int, int], reloads: dict[int, list[int]]
        ) -> bool:
            report = self._report(rm, routes, departures, reloads)
            self.meta["trips_pyvrp_short_routes"] = _short_of_all(report)
            return _most_routes_short(report)

        stats: dict[str, Any] = {}
        routes = hgs_routes(
            rm,
            iterations=budget.hgs_iterations(share),
            seed=self.opts.seed,
            deadline_s=time.monotonic() + share * self.opts.time_limit_s,
            stats=stats,
            relax=True,
            checkpoint=None
            if look_at is None
            else Checkpoint(budget.hgs_iterations(look_at), most_short),
        )
        self.share = look_at if stats.get("hgs_checkpoint") == "stopped" and look_at else share
        self.meta["trips_pyvrp_iterations"] = int(stats.get("hgs_iterations", 0))
        if stats.get("hgs_capped"):
            self.meta["trips_pyvrp_capped"] = 1
        if routes is None:
            return None
        report = self._report(
            rm, routes, stats.get("hgs_departures", {}), stats.get("hgs_reloads", {})
        )
        self.meta["trips_pyvrp_short_routes"] = _short_of_all(report)
        return report

    def _report(
        self,
        rm: SearchModel,
        routes: dict[int, list[int]],
        departures: dict[int, int],
        reloads: dict[int, list[int]],
    ) -> Report:
        """The validator's report on PyVRP's battery-blind plan; where only batteries break,
        on the plan with a charge around its reloads where that makes it valid."""
        from ..validator import validate
        from .hgs import relaxed_solution

        report = validate(self.instance, relaxed_solution(rm, routes, departures, reloads))
        if not report.feasible and report.codes() == {"BATTERY"}:
            from .trips import charge_at_reloads

            charged = validate(self.instance, charge_at_reloads(self.instance, report.solution))
            self.meta["trips_pyvrp_charged_at_reloads"] = int(charged.feasible)
            if charged.feasible:
                report = charged
        return report


def _solve_one(
    instance: Instance,
    opts: SolveOptions,
    started: float,
    end: float,
    on_progress: ProgressFn | None = None,
) -> tuple[Solution, dict[str, Any]]:
    """One whole search from ``started`` to at most ``end`` (a worker of
    :func:`.parallel.solve_parallel`): its plan, and what the recombination across workers needs
    (``pool``, ``plan``: the routes ruin and recreate met and the plan it ended on, as
    :class:`.recombine.PooledRoute`; ``copies``: the station copies of the model they refer to),
    empty where ruin and recreate kept no pool."""
    sink: dict[str, Any] = {}
    plan = _solve(instance, replace(opts, workers=1), started, end, on_progress, sink)
    return plan, sink


def _solve(
    instance: Instance,
    opts: SolveOptions,
    started: float,
    end: float,
    on_progress: ProgressFn | None,
    sink: dict[str, Any] | None = None,
    seed_plan: Solution | None = None,
) -> Solution:
    """:func:`solve` from ``started`` (``time.monotonic()``); every wall-clock cap is at or
    before ``end``, the instant the search must be over (``started`` + the limit, or earlier for
    a part of a decomposed day: the whole day's search end). ``sink`` receives the route pool
    (see :func:`_solve_one`).

    The pipeline: the diagnosis of jobs no plan can serve; a day too large for one model goes to
    :func:`_solve_decomposed`; else PyVRP's start where it applies, our own search (:func:`_start`),
    OR-Tools' from its plan (:class:`_OrToolsSearch`), read back (:func:`_searched_plan`) and
    finished (:func:`_finish`), our plan kept where OR-Tools' is worse (:func:`_keep_ours`) and
    PyVRP's battery-blind one where it is valid and cheaper (:func:`_keep_relaxed`)."""
    from ..limits import check_instance
    from ..reach import unreachable_jobs

    end = min(end, started + opts.time_limit_s)
    check_instance(instance)  # before any work: a model too large is refused, not attempted
    if instance.objective.unserved_penalty is None:
        hopeless = unreachable_jobs(instance)
        if hopeless:
            raise InfeasibleError(hopeless)
    if opts.max_part_tasks and task_nodes(instance) > opts.max_part_tasks:
        return _solve_decomposed(instance, opts, started, end, on_progress)

    copies = opts.copies_per_station or _default_copies(instance)
    rm = build(instance, ModelOptions(copies_per_station=copies))
    timings: dict[str, Any] = {"build_s": round(time.monotonic() - started, 3)}
    hgs_meta: dict[str, Any] = {}
    budget = Budget.of(instance, opts, started, end)
    start = _start(rm, copies, budget, timings, hgs_meta, _seed_routes(rm, seed_plan), on_progress)
    check = _Validating(started, opts)  # one share of the time for every phase's reports
    if on_progress is not None and start.search is not None:
        start.search.progress = _phase_progress(start.rm, on_progress, started, check)
    start.run(sink)
    rm, copies = start.rm, start.copies
    t0 = time.monotonic()
    search = _OrToolsSearch(rm, start.work, on_progress, check)  # builds the OR-Tools model
    timings["ortools_build_s"] = round(time.monotonic() - t0, 3)
    search.run(start.routes, timings)
    elapsed = time.monotonic() - started
    stopped_by = (
        "time"
        if elapsed >= 0.98 * opts.time_limit_s
        or time.monotonic() >= end - 0.02 * opts.time_limit_s  # a part at the day's end
        or timings.get("search_skipped")
        or timings.get("lns_capped")
        or timings.get("route_min_capped")
        or hgs_meta.get("hgs_capped")  # PyVRP start (see .hgs)
        else "solutions"
    )
    sparse = _searched_plan(search, start.routes, timings)
    report = _keep_ours(rm, start.routes, _finish(instance, sparse, opts, timings), opts, timings)
    report = _keep_relaxed(instance, report, opts, hgs_meta, timings)
    timings["after_search_s"] = round(time.monotonic() - started - elapsed, 3)
    meta = {
        "solver": "ortools-routing",
        "seed": opts.seed,
        "time_limit_s": opts.time_limit_s,
        "wall_time_s": round(time.monotonic() - started, 3),
        "stopped_by": stopped_by,
        "solutions": search.found,
        "copies_per_station": copies,
        "vehicles_modelled": len(rm.units),
        "arcs_pruned": ortools(rm).pruned_arcs,
        "station_arcs_pruned": ortools(rm).pruned_station_arcs,
        **timings,
        **hgs_meta,  # PyVRP start (see .hgs)
    }
    return replace(report.solution, meta={**dict(report.solution.meta), **meta})


@dataclass
class _Start:
    """The plan OR-Tools' search starts from, and the model and budget it searches with.

    ``routes`` is PyVRP's plan (when it modelled the instance exactly) or, after :meth:`run`,
    our own search's (from PyVRP's battery-blind seed where there is one, see :mod:`.hgs`);
    ``None`` leaves OR-Tools to find a first plan. ``work`` is the budget after PyVRP's share.
    """

    rm: SearchModel
    copies: int
    budget: Budget
    work: Budget
    timings: dict[str, Any]
    routes: dict[int, list[int]] | None = None
    #: Our own search's settings where it runs (``None``: PyVRP's plan is the start, or
    #: ``SolveOptions.construct`` is off).
    search: _OwnSearch | None = None

    def run(self, sink: dict[str, Any] | None) -> None:
        """Our own search from the seed (if it runs), then the model rebuilt around its plan."""
        if self.search is None:
            return
        from .evaluator import release
        from .recombine import export_pool

        t0 = time.monotonic()
        built = self.search.run(self.rm, self.work, self.budget.search_cap)
        self.timings.update(built.stats)
        self.timings.update(built.seconds)
        if sink is not None and built.pool is not None:
            sink.update(export_pool(self.rm, built, self.copies))
        release(self.rm)
        self.timings["construct_s"] = round(time.monotonic() - t0, 3)
        self.rm, self.copies, self.routes = _rebuilt_around(self.rm, self.copies, built.routes)


@dataclass
class _OwnSearch:
    """Our own search's inputs besides the budget: PyVRP's battery-blind seed (if any) and the
    progress callback."""

    seed_routes: dict[int, list[int]] | None
    progress: PhaseReport | None = None

    def run(self, rm: SearchModel, work: Budget, deadline: float) -> Built:
        from .pipeline import construct

        opts = work.opts
        return construct(
            rm,
            initial=self.seed_routes,
            order_seed=opts.seed,
            rm_work=work.route_min,
            fleet_work=work.fleet,
            lns_work=work.lns,
            lns_walks=work.lns_walks,
            # A safety cap: OR-Tools needs a moment after this to accept the start.
            deadline=deadline,
            # A battery-blind seed on a day where charging takes time may be cut into many short
            # runs: insertion alone may start cheaper (CEC-2020's instant charging keeps it).
            compare_start=not rm.instance.rules.instant_charging,
            recombine_work=work.recombine,
            recombine_midway=opts.recombine_midway,
            progress=self.progress,
        )


def _start(
    rm: SearchModel,
    copies: int,
    budget: Budget,
    timings: dict[str, Any],
    hgs_meta: dict[str, Any],
    seed_routes: dict[int, list[int]] | None = None,
    on_progress: ProgressFn | None = None,
) -> _Start:
    """PyVRP's run where it applies (:func:`_hgs_start`), and what our own search is to do;
    a given ``seed_routes`` (task nodes per unit) is our search's seed instead of PyVRP's."""
    opts = budget.opts
    start = _Start(rm, copies, budget, budget, timings)
    # ----- PyVRP start (see .hgs): begin ------------------------------------------------------
    if opts.construct and opts.hgs and seed_routes is None:
        hgs_start = _hgs_start(rm, budget, hgs_meta, on_progress)
        if isinstance(hgs_start, dict):
            # PyVRP planned without batteries: our own search places the stations from its
            # plan, in the time that is left.
            seed_routes = hgs_start
            start.work = budget.after(float(hgs_meta.get("hgs_share", opts.hgs_share)))
        elif hgs_start is not None:
            # OR-Tools has the rest of the limit, so its budget is that share's (with the
            # whole limit's it ran into the wall clock on R101, whose plan then depends on the
            # machine; from PyVRP's plans it found nothing better on Solomon anyway).
            start.rm, start.routes = hgs_start
            start.work = budget.after(opts.hgs_share)
    # ----- PyVRP start: end --------------------------------------------------------------------
    if opts.construct and start.routes is None:
        start.search = _OwnSearch(seed_routes)
    return start


def _seed_routes(rm: SearchModel, plan: Solution | None) -> dict[int, list[int]] | None:
    """``plan``'s routes as task nodes per modelled unit (stations and units not modelled left
    out: our search places stations itself and inserts what is left)."""
    if plan is None:
        return None
    unit_ix = {(u.vehicle.id, u.unit): k for k, u in enumerate(rm.units)}
    out: dict[int, list[int]] = {}
    for route in plan.routes:
        k = unit_ix.get((route.vehicle, route.unit))
        if k is None:
            continue
        seq = []
        for stop in route.visits:
            nodes = rm.task_nodes.get(stop.ref)
            if stop.kind == "job" and nodes:
                seq.append(nodes[0])
            elif stop.kind in ("pickup", "delivery") and nodes:
                seq.append(nodes[0 if stop.kind == "pickup" else -1])
        if seq:
            out[k] = seq
    return out or None


def _rebuilt_around(
    rm: SearchModel, copies: int, routes: dict[int, list[int]]
) -> tuple[SearchModel, int, dict[int, list[int]]]:
    """The model rebuilt around our own plan (its routes renumbered for it): enough station
    copies for the plan (even when the caller fixed fewer: the plan is known feasible) and the
    fleet cut to what it uses plus a margin, since every idle vehicle slows each local-search
    step. The same model where neither changes."""
    instance = rm.instance
    needed = max(copies, _copies_needed(rm, routes))
    used = _used_entries(rm, routes)
    caps = {v.id: min(v.count, used.count(v.id) + 2) for v in instance.vehicles}
    if needed > copies or sum(caps.values()) < len(rm.units):
        new_rm = build(instance, ModelOptions(copies_per_station=needed, unit_caps=caps))
        return new_rm, needed, _remap(rm, new_rm, routes)
    return rm, copies, _remap(rm, rm, routes)


class _OrToolsSearch:
    """OR-Tools routing's guided local search from the start (or from nothing), within the
    budget's solutions and cap; reports the best plan so far to ``on_progress``."""

    def __init__(
        self,
        rm: SearchModel,
        work: Budget,
        on_progress: ProgressFn | None,
        check: _Validating | None = None,
    ) -> None:
        self.rm, self.work, self.on_progress = rm, work, on_progress
        opts = work.opts
        self.params: Any = search_parameters(
            max(0.1, work.end - time.monotonic()),
            solution_limit=work.solutions(rm) if opts.deterministic else None,
            metaheuristic=opts.metaheuristic,
        )
        self.assignment: Any = None
        self.found = 0
        self._last_report = 0.0
        # The best plan so far: objective value, vehicles, node sequences per unit.
        self._best: tuple[int, int, dict[int, list[int]]] | None = None
        self._check = check or _Validating(work.started, work.opts)
        self._told = False
        ortools(rm).routing.AddAtSolutionCallback(self._at_solution)

    def _at_solution(self) -> None:
        self.found += 1
        if self.on_progress is None:
            return
        routing = ortools(self.rm).routing
        # Guided local search walks through worse plans on purpose: report the best one so far.
        value = routing.CostVar().Value()
        if self._best is None or value < self._best[0]:
            plan = self._current_plan()
            self._best = (value, len(plan), plan)
            self._told = False
        now = time.monotonic() - self.work.started
        if not self._told and now - self._last_report >= 1.0:
            # A better plan than the last one told, at most once a second (the search meets
            # hundreds of worse ones, and a line repeating the same plan says nothing new).
            self._last_report, self._told = now, True
            value, used, plan = self._best
            self.on_progress(
                Progress(
                    "ortools",
                    now,
                    _progress_value(self.rm, value, used),
                    used,
                    self._check(self.rm, plan, False),
                )
            )

    def _current_plan(self) -> dict[int, list[int]]:
        """The solution OR-Tools has just found, as node sequences per used unit (stations
        included), read from its next variables (bound at a solution)."""
        manager = ortools(self.rm).manager
        return {
            k: [manager.IndexToNode(i) for i in seq]
            for k, seq in _index_routes(self.rm, lambda var: var.Value()).items()
        }

    def grace_ms(self) -> int:
        """The cap for a last attempt after the search's own: half the stated margin."""
        grace = self.work.end + overrun_margin(self.work.opts.time_limit_s) / 2 - time.monotonic()
        return int(1000 * max(0.1, grace))

    def run(self, start: dict[int, list[int]] | None, timings: dict[str, Any]) -> None:
        """Search from ``start``; skipped (the start is then the plan, read directly by
        :func:`_searched_plan`) when the time is already up, since closing the model and
        accepting the start take seconds on a large model. Without the polish
        (``SolveOptions.ortools_polish``) OR-Tools only accepts the start."""
        rm, params, end = self.rm, self.params, self.work.end
        routing, manager = ortools(rm).routing, ortools(rm).manager
        if start is not None and not self.work.opts.ortools_polish:
            params.solution_limit = 1
        t0 = time.monotonic()
        if start is not None and time.monotonic() >= end:
            timings["search_skipped"] = 1
        elif start is not None:
            routing.CloseModelWithParameters(params)
            per_vehicle = [
                [manager.NodeToIndex(n) for n in start.get(k, [])] for k in range(len(rm.units))
            ]
            initial = routing.ReadAssignmentFromRoutes(per_vehicle, True)
            # Reading the routes propagates every constraint (seconds on large models): the
            # wall cap counts from here, so the whole solve stays within the limit.
            params.time_limit.FromMilliseconds(int(1000 * max(0.1, end - time.monotonic())))
            if initial is not None:
                self.assignment = routing.SolveFromAssignmentWithParameters(initial, params)
                if self.assignment is None:
                    # The cap ran out before OR-Tools accepted the start (a slow construction on
                    # a large part): accept the start itself, with the finalizers run on it,
                    # within half the margin (else the start is read directly).
                    params.solution_limit = 1
                    params.time_limit.FromMilliseconds(self.grace_ms())
                    self.assignment = routing.SolveFromAssignmentWithParameters(initial, params)
        if self.assignment is None and start is None:
            self.assignment = routing.SolveWithParameters(params)
            if self.assignment is None:
                raise InfeasibleError(_diagnose_no_plan(rm.instance))
        timings["ortools_s"] = round(time.monotonic() - t0, 3)


def _searched_plan(
    search: _OrToolsSearch, start: dict[int, list[int]] | None, timings: dict[str, Any]
) -> Solution:
    """The sparse plan OR-Tools came back with; where it came back without our start (out of
    time before accepting it, seen under load on a 150-task regional day), the start itself,
    read directly. Raises :class:`InfeasibleError` where a mandatory task is left out."""
    rm, assignment = search.rm, search.assignment
    instance = rm.instance
    if assignment is not None:
        sparse, dropped = _read_back(rm, assignment), _dropped(rm, assignment)
    else:
        sparse, dropped = Solution(instance.name, ()), list(rm.task_nodes)
    if (assignment is None or (dropped and rm.mandatory)) and start is not None:
        direct = _start_plan(instance, rm, start)
        if direct is not None:
            sparse, dropped = direct, list(direct.unserved)
            timings["start_read_directly"] = 1
        elif assignment is None:
            search.params.time_limit.FromMilliseconds(search.grace_ms())
            assignment = ortools(rm).routing.SolveWithParameters(search.params)
            if assignment is None:
                raise InfeasibleError(_diagnose_no_plan(instance))
            sparse, dropped = _read_back(rm, assignment), _dropped(rm, assignment)
    if dropped and rm.mandatory:
        why = "the search found no feasible position for it (capacity, windows, range or shift)"
        if timings.get("search_skipped") or timings.get("start_read_directly"):
            # Out of time before OR-Tools could search: the limit, not the instance, may be why.
            why += " before its time limit ran out; try a longer --time-limit"
        raise InfeasibleError({tid: why for tid in dropped})
    return replace(sparse, unserved=tuple(dropped))


#: Figures of the last steps of a plan (:func:`_charged`), replaced where another plan is kept.
_CHARGING_FIGURES = ("charging_retimed_routes", "charging_saved", "exact_charging_saved")


def _keep_ours(
    rm: SearchModel,
    start: dict[int, list[int]] | None,
    report: Report,
    opts: SolveOptions,
    timings: dict[str, Any],
) -> Report:
    """Our phases' plan, finished as any plan is, where OR-Tools' polish of it came back worse
    by the instance's own measure (:func:`.parallel.plan_value`); else ``report``, OR-Tools'
    plan finished, which must be valid. The meta's ``ortools_polish_kept`` says which (1:
    OR-Tools' plan).

    Why: OR-Tools' guided local search improves its own objective, in which every kWh costs
    the depot's price and a charge its model's level; the validator prices what each station
    sells at the hour it charges, and the returned plan's charges are chosen exactly and
    re-timed for the tariffs. With station energy priced in our search (tried, see
    ``benchmarks/TRIED.md``) its polish took the bundled city day's plan from 5,130 to 5,237 CNY
    as validated while its own objective fell from 5,055 to 5,039. As the search prices now,
    it took EVRP-NL up to 80 customers from 0.81 to 0.78 % (7 plans better, 2 worse, by the
    wall clock) and changed no CEC-2020 or E-VRPTW-PR plan; it costs one more read-back and
    finishing of a plan after the search (0.5 s median on CEC-2020)."""
    if not report.feasible:
        raise RuntimeError(
            "internal error: the solver produced a plan the validator rejects:\n" + report.summary()
        )
    if start is None or not opts.ortools_polish or timings.get("start_read_directly"):
        return report
    from .parallel import plan_value

    instance = rm.instance
    figures: dict[str, Any] = {}
    ours = _finished_plan(rm, start, opts, figures)
    polished = plan_value(instance, replace(report.solution, totals=report.totals))
    kept = ours is None or polished <= plan_value(
        instance, replace(ours.solution, totals=ours.totals)
    )
    timings["ortools_polish_kept"] = int(kept)
    if ours is None or kept:
        return report
    return _adopted(ours, figures, timings)


def _finished_plan(
    rm: SearchModel, plan: dict[int, list[int]], opts: SolveOptions, timings: dict[str, Any]
) -> Report | None:
    """A plan of our phases (node sequences per unit) read back (:func:`_start_plan`) and
    finished as every returned plan is (:func:`_finish`); None where no reading of its charges
    passes, no queue at a charger fits them, or the result is not valid."""
    sparse = _start_plan(rm.instance, rm, plan)
    if sparse is None:
        return None
    try:
        report = _finish(rm.instance, sparse, opts, timings)
    except InfeasibleError:  # charges that no queue at a charger fits (see _queue_at_chargers)
        return None
    return report if report.feasible else None


def _keep_relaxed(
    instance: Instance,
    report: Report,
    opts: SolveOptions,
    hgs_meta: dict[str, Any],
    timings: dict[str, Any],
) -> Report:
    """PyVRP's battery-blind plan where the batteries suffice for it and it costs less than the
    searched plan (charges re-timed for the tariffs first): a day never costs more than this
    relaxation (see :func:`_relaxed_report`)."""
    relaxed: Report | None = hgs_meta.pop("_relaxed_plan", None)  # PyVRP start (see .hgs)
    if relaxed is None:
        return report
    charging: dict[str, Any] = {}
    relaxed = _charged(instance, relaxed, opts, charging)
    kept = relaxed.totals.cost.get("total", 0.0) < report.totals.cost.get("total", 0.0)
    hgs_meta["hgs_relaxation_kept"] = int(kept)
    if not kept:
        return report
    return _adopted(relaxed, charging, timings)


def _adopted(plan: Report, figures: dict[str, Any], timings: dict[str, Any]) -> Report:
    """``plan``, kept instead of the one finished first: the figures of its last steps
    (``figures``, see :data:`_CHARGING_FIGURES`) replace the other plan's in ``timings``."""
    for key in _CHARGING_FIGURES:
        timings.pop(key, None)
    timings.update(figures)
    return plan


def _solve_decomposed(
    instance: Instance,
    opts: SolveOptions,
    started: float,
    end: float,
    on_progress: ProgressFn | None,
) -> Solution:
    """Solve a large instance part by part (:mod:`.decompose`), then validate the joined plan."""
    from ..validator import validate
    from .decompose import PartFailed, solve_in_parts, split

    parts = split(instance, opts.max_part_tasks)
    # Parts keep ruin and recreate at 60,000 steps/s: at 150,000 the last part of a generated
    # 1,000-job day started OR-Tools too late to accept its start and searched from scratch
    # (296 s at a 120 s limit); at 60,000 it ends in 100 s, valid.
    part_opts = replace(
        opts,
        max_part_tasks=0,
        progress=False,
        lns_work_per_second=min(opts.lns_work_per_second, 60_000.0),
        long_route_walks=1,
    )
    #: A tenth of the limit is kept for splitting, joining and validating the whole.
    budget_s = 0.9 * opts.time_limit_s
    #: Every part's wall-clock caps end by then too (its own share's end otherwise): a part
    #: that overran its share (the unavoidable insertion start, checks, read-back) no longer
    #: pushes the day past its limit, and a part starting after it goes straight from its
    #: insertion start to the plan. The shares, hence the work budgets, stay fixed.
    search_end = min(end, started + budget_s)
    parts_run = _PartRuns(part_opts, search_end, started, on_progress)
    try:
        joined, info = solve_in_parts(
            instance,
            parts,
            budget_s,
            parts_run.solve,
            parts_run.solved,
            # Wall-clock solves only (see solve_in_parts): the parts' budgets stay fixed otherwise.
            deadline=None if opts.deterministic else search_end,
        )
    except PartFailed as exc:
        raise InfeasibleError(
            {"*": f"the decomposed search found no plan ({exc}); try a longer --time-limit"}
        ) from exc
    searched = time.monotonic() - started
    if joined.unserved and instance.objective.unserved_penalty is None:
        raise InfeasibleError(
            {tid: "no part of the decomposed search could serve it" for tid in joined.unserved}
        )
    # Parts share stations: a joined plan may overlap at a charger where no part does.
    report = _queue_at_chargers(instance, validate(instance, joined))
    report = _charged(instance, report, opts, info)
    if not report.feasible:
        raise RuntimeError(
            "internal error: the joined plan of the parts fails validation:\n" + report.summary()
        )
    meta = {
        "solver": "ortools-routing, decomposed",
        "seed": opts.seed,
        "time_limit_s": opts.time_limit_s,
        "wall_time_s": round(time.monotonic() - started, 3),
        "parts_s": round(searched, 3),
        **parts_run.meta(),
        "after_search_s": round(time.monotonic() - started - searched, 3),
        **info,
    }
    return replace(report.solution, meta={**dict(report.solution.meta), **meta})


class _PartRuns:
    """The parts of a day solved one after the other (see :func:`_solve_decomposed`): each with
    its share of the limit as its work budget and a cap at its share's end or the day's search
    end, whichever is first."""

    def __init__(
        self,
        opts: SolveOptions,
        search_end: float,
        started: float,
        on_progress: ProgressFn | None,
    ) -> None:
        self.opts, self.search_end, self.day_limit_s = opts, search_end, opts.time_limit_s
        self.started, self.on_progress = started, on_progress
        self.metas: list[dict[str, Any]] = []
        self.cost, self.vehicles = 0.0, 0
        #: How far a part ran past its end once a cap fired in it (the insertion start, which
        #: no cap cuts): later parts' caps come that much earlier, so they end near their own
        #: share's end instead of each pushing the next. Zero while no cap fires, so the parts'
        #: plans stay reproducible then.
        self.tail = 0.0

    def solve(self, sub: Instance, limit_s: float) -> Solution:
        at = time.monotonic()
        part_end = min(at + limit_s - self.tail, self.search_end)
        opts = replace(self.opts, time_limit_s=limit_s)
        if opts.work is not None:  # fixed counts: each part gets its share of the day's
            opts = replace(opts, work=opts.work.scaled(limit_s / self.day_limit_s))
        sol = _solve(sub, opts, at, part_end, None)
        if sol.meta.get("stopped_by") == "time":
            self.tail = max(self.tail, time.monotonic() - part_end)
        self.metas.append(dict(sol.meta))
        return sol

    def solved(self, n: int, of: int, sol: Solution) -> None:
        """Progress: the parts' plans so far, summed."""
        self.cost += sol.totals.cost.get("total", 0.0) if sol.totals.cost else 0.0
        self.vehicles += len(sol.routes)
        if self.on_progress is not None:
            elapsed = time.monotonic() - self.started
            self.on_progress(Progress("part", elapsed, self.cost, self.vehicles))

    def meta(self) -> dict[str, Any]:
        metas = self.metas
        capped = any(m.get("stopped_by") == "time" for m in metas)
        return {
            "stopped_by": "time" if capped else "solutions",
            "solutions": sum(int(m.get("solutions", 0)) for m in metas),
            "part_wall_s": [m.get("wall_time_s") for m in metas],
            "part_limit_s": [round(float(m.get("time_limit_s", 0.0)), 3) for m in metas],
            "part_tail_s": round(self.tail, 3),
        }


def _finish(
    instance: Instance, sparse: Solution, opts: SolveOptions, timings: dict[str, Any]
) -> Report:
    """What follows every search: idle station stops dropped, departures floated, charger
    queues, then :func:`_charged`; the validator's report of the result."""
    from ..validator import validate

    report = _queue_at_chargers(
        instance,
        _float_departures(
            instance, _drop_idle_stations(instance, sparse, validate(instance, sparse))
        ),
    )
    return _charged(instance, report, opts, timings)


def _charged(
    instance: Instance, report: Report, opts: SolveOptions, timings: dict[str, Any]
) -> Report:
    """``report``'s plan with each route's stations and charges chosen exactly for its task
    order (:func:`.frvcp.exact_charges`), then re-timed for the tariffs (:func:`_time_charging`):
    the last step of every plan a solve returns (searched, PyVRP's relaxation, joined parts)."""
    if opts.exact_charging:
        from .frvcp import exact_charges

        exact = exact_charges(instance, report)
        if exact is not report:
            # What choosing each route's charges exactly saved (meta).
            saved = _total(report.solution) - _total(exact.solution)
            timings["exact_charging_saved"] = round(saved, 6)
        report = exact
    return _time_charging(instance, report, opts, timings)


def _recombine_workers(
    instance: Instance, opts: SolveOptions, exports: list[dict[str, Any]], deadline: float
) -> tuple[Solution | None, dict[str, int]]:
    """The cheapest plan of the routes every worker's ruin and recreate met (a worker of
    :func:`.parallel.solve_parallel` hands them back, see :func:`_solve_one`), finished as any
    plan is; ``None`` where it is no cheaper than the workers' own or no worker kept a pool.
    Returns the counters of the step too."""
    from .evaluator import release
    from .parallel import ACROSS_WORK_SHARE
    from .plan import fixed_costs
    from .recombine import merged_start, recombine

    usable = [e for e in exports if e.get("pool")]
    if len(usable) < 2 or len({e["copies"] for e in usable}) != 1:
        return None, {}
    rm = build(instance, ModelOptions(copies_per_station=int(usable[0]["copies"])))
    try:
        fixed = fixed_costs(rm)
        task_of = {n: tid for tid, ids in rm.task_nodes.items() for n in ids}
        built, pool = merged_start(rm, usable, fixed, task_of)
        work = ACROSS_WORK_SHARE * Budget.of(instance, opts, 0.0, deadline).recombine
        stats = recombine(
            rm, built, pool, fixed, task_of, work=work, seed=opts.seed, deadline=deadline
        )
        if not stats.get("recombine_improved"):
            return None, stats
        sparse = _start_plan(instance, rm, built.routes)
    finally:
        release(rm)
    if sparse is None:
        return None, stats
    timings: dict[str, Any] = {}
    report = _finish(instance, sparse, opts, timings)
    return (report.solution if report.feasible else None), stats


def _is_idle_station(stop: Stop) -> bool:
    """A station stop that charges nothing (a sparse plan's stated amount is 0)."""
    return stop.kind == "station" and stop.charged_kwh is not None and stop.charged_kwh <= 1e-9


def _drop_idle_stations(instance: Instance, plan: Solution, report: Report) -> Report:
    """The report of ``plan`` without the station stops that charge nothing, where the validator
    accepts it at no higher cost; else ``report`` (the validator's on ``plan``, kept so that the
    plan is not validated twice). The search may leave such a visit (a station copy that guided
    local search put on the way; seen on city-day: a truck stopping at a hub for 0 kWh): it costs
    a detour and a charger slot, and removing it only shortens the route. ``plan`` must be sparse
    (no times), as read back: the validator schedules the trimmed routes afresh."""
    from ..validator import validate

    if not any(_is_idle_station(s) for r in plan.routes for s in r.stops):
        return report
    trimmed = replace(
        plan,
        routes=tuple(
            replace(r, stops=tuple(s for s in r.stops if not _is_idle_station(s)))
            for r in plan.routes
        ),
    )
    after = validate(instance, trimmed)
    if after.feasible and after.totals.cost.get("total", 0.0) <= report.totals.cost.get(
        "total", 0.0
    ):
        return after
    return report


def _start_plan(
    instance: Instance, rm: SearchModel, routes: dict[int, list[int]]
) -> Solution | None:
    """The sparse plan of node sequences per unit (our own start, stations included) with every
    route leaving as late as its waiting allows, where the validator accepts it; else None.

    Each charge fills the battery; where that plan fails, each charge takes only what reaches
    the next station or the route's end (:func:`_least_charges`): our evaluator charges
    partially where the rules allow it, and a full charge may not fit a station's opening (a
    city-day route reaching a charger open until 08:00 at 07:56 waited for it to open again at
    19:00, and the solve, out of time, reported no plan). Where both fail, each route's charges
    are chosen exactly for its task order (:func:`.frvcp.recharged_plan`): on EVRP-NL's 10-hour
    routes the evaluator's plan may keep the limit only by filling up at a fast charger to skip
    a slow one, which least charges undo (a 320-customer part left with no time read its start
    so, and the solve reported no plan)."""
    from ..validator import validate
    from .frvcp import recharged_plan

    plan = []
    served = {rm.nodes[n].ref for seq in routes.values() for n in seq}
    unserved = tuple(t for t in rm.task_nodes if t not in served)
    for k, seq in sorted(routes.items()):
        if not seq:
            continue
        un = rm.units[k]
        stops = [
            Stop("depot", un.vehicle.start_depot),
            *(Stop(cast(StopKind, rm.nodes[n].kind), rm.nodes[n].ref) for n in seq),
            Stop("depot", un.vehicle.end),
        ]
        plan.append(Route(un.vehicle.id, tuple(stops), un.unit))
    timed = validate(instance, Solution(instance.name, tuple(plan), unserved=unserved)).solution
    labelled = partial(
        _labelled_charges, rm, [(k, seq) for k, seq in sorted(routes.items()) if seq]
    )
    for how in (None, _least_charges, recharged_plan, labelled):
        charged = timed
        if how is not None:
            changed = how(instance, timed)
            if changed is None:
                continue
            charged = validate(instance, changed).solution
        sparse, _ = _floated(instance, charged)
        # Overlaps at a charger are queued after read-back (``_queue_at_chargers``), as for any
        # plan.
        if validate(instance, sparse).codes() <= {"CHARGER_CAPACITY"}:
            return sparse
    return None


def _labelled_charges(
    rm: SearchModel, plans: list[tuple[int, list[int]]], instance: Instance, timed: Solution
) -> Solution | None:
    """``timed`` with each charge at a charger up to the level the route evaluator chose for it
    (:meth:`.evaluator.RouteEvaluator.charge_levels`; ``plans[i]`` is the unit and node sequence
    of route ``i``); ``None`` where no route charges at a charger or a route's levels cannot be
    had (the evaluator now places its stations otherwise, or refuses the route).

    Why last of :func:`_start_plan`'s readings: full and least charges keep the plans they
    always gave, and this one reads back what the search proved feasible where neither does
    (a partial charge that fills up while the vehicle would wait further on anyway)."""
    from .evaluator import RouteEvaluator

    def levels(r: int, used: list[float]) -> list[float | None] | None:
        k, seq = plans[r]
        tasks = [n for n in seq if rm.nodes[n].kind != "station"]
        found = RouteEvaluator(rm, k).charge_levels(tasks)
        return found if found is not None and len(found) == len(used) else None

    return _charged_up_to(instance, timed, levels)


def _least_charges(instance: Instance, timed: Solution) -> Solution | None:
    """``timed`` (a plan the validator filled in, every charge filling up) with each charge at
    a charger cut to what the vehicle needs to reach the next station, or its route's end, with
    its reserve; ``None`` where no route charges at a charger. The energy each leg takes does
    not depend on the charges, so the validator's figures of ``timed`` give it."""
    return _charged_up_to(instance, timed, lambda r, used: list(used))


def _charged_up_to(
    instance: Instance,
    timed: Solution,
    levels_of: Callable[[int, list[float]], list[float | None] | None],
) -> Solution | None:
    """``timed`` (a plan the validator filled in) with each charge at a charger sized to leave
    with the usable energy (kWh above the reserve) ``levels_of(r, used)`` gives for route ``r``'s
    stations in order, ``used`` being the energy from each station to the next or the route's
    end (the legs do not depend on the charges, so ``timed``'s figures give them); ``None``
    where no route charges at a charger, a figure is missing, or ``levels_of`` says ``None``.
    The readings of :func:`_start_plan` differ only in the levels: one walk for all of them."""
    routes, changed = [], False
    for r, route in enumerate(timed.routes):
        vtype = instance.type_by_id[instance.vehicle_by_id[route.vehicle].type]
        at = [i for i, st in enumerate(route.stops) if st.kind == "station"]
        if vtype.battery_kwh is None or not at:
            routes.append(route)
            continue
        ends = [*at[1:], len(route.stops) - 1]
        soc = route.stops[at[0]].soc_arrival_kwh
        if soc is None:
            return None
        used: list[float] = []
        for i, j in zip(at, ends, strict=True):
            leave, arrive = route.stops[i].soc_departure_kwh, route.stops[j].soc_arrival_kwh
            if leave is None or arrive is None:
                return None
            used.append(leave - arrive)
        levels = levels_of(r, used)
        if levels is None:
            return None
        # Sparse: kinds and places only (the validator times the route again), each charge at a
        # charger sized below; a swap fills the battery whatever is asked.
        stops = [Stop(s.kind, s.ref) for s in route.stops]
        for i, leg, level in zip(at, used, levels, strict=True):
            st = route.stops[i]
            if instance.station_by_id[st.ref].kind == "swap" or level is None:
                soc = vtype.battery_kwh - leg  # a fresh pack, whatever is asked
                continue
            charge = min(max(0.0, level + vtype.reserve_kwh - soc), vtype.battery_kwh - soc)
            stops[i] = Stop("station", st.ref, charged_kwh=charge)
            soc += charge - leg
            changed = True
        routes.append(replace(route, stops=tuple(stops)))
    return Solution(timed.instance, tuple(routes), unserved=timed.unserved) if changed else None


def _departure_float(instance: Instance, route: Route) -> float:
    """Minutes the scheduled ``route`` (times filled by the validator) could leave later and
    still keep every window and station opening: the waiting on the route, bounded by its
    forward time slack (Savelsbergh). Leaving that much later ends the route at the same time
    and makes it that much shorter."""
    wait, slack = 0.0, math.inf
    jobs, ships, stations = instance.job_by_id, instance.shipment_by_id, instance.station_by_id
    for stop in route.stops[1:-1]:
        if stop.arrival_min is None or stop.start_min is None or stop.departure_min is None:
            return 0.0
        wait += max(0.0, stop.start_min - stop.arrival_min)
        windows: tuple[TimeWindow, ...] = ()
        busy_until = stop.start_min
        if stop.kind == "job" and stop.ref in jobs:
            windows = jobs[stop.ref].time_windows
        elif stop.kind in ("pickup", "delivery") and stop.ref in ships:
            windows = getattr(ships[stop.ref], stop.kind).time_windows
        elif stop.kind == "station" and stop.ref in stations:
            # The whole charge must fit one opening: it may start later by what is left of it.
            windows = stations[stop.ref].opening
            busy_until = stop.departure_min
        if windows:
            ends = [w.end_min for w in windows if w.start_min <= stop.start_min <= w.end_min]
            slack = min(slack, wait + (min(ends) if ends else busy_until) - busy_until)
    return max(0.0, min(wait, slack))


def _float_departures(instance: Instance, report: Report) -> Report:
    """``report``'s plan with each route leaving as late as its waiting allows (see
    :func:`_departure_float`), where the validator accepts that plan at no higher cost.

    Why: the validator times a route from its stated departure (else the shift start) and
    prices and limits its duration from there, while the search floats the departure (the route
    evaluator and OR-Tools' span both measure return - departure). OR-Tools' read-back states the
    departure only under a duration limit, and its finalizer takes the earliest one; a per-hour
    cost then paid for the morning's wait at the depot."""
    from ..validator import validate

    if not report.feasible:
        return report
    floated, moved = _floated(instance, report.solution)
    if not moved:
        return report
    after = validate(instance, floated)
    if (
        after.feasible
        and after.totals.cost.get("total", 0.0) <= report.totals.cost.get("total", 0.0) + 1e-9
    ):
        return after
    return report


def _floated(instance: Instance, timed: Solution) -> tuple[Solution, bool]:
    """The sparse plan of ``timed`` (times filled by the validator) with each route's departure
    moved later by :func:`_departure_float`, and whether any moved. Charger amounts are kept
    (the validator would otherwise fill up); the totals are left to be recomputed."""
    routes = []
    moved = False
    for r in timed.routes:
        delay = _departure_float(instance, r)
        first = r.stops[0]
        departure = first.departure_min
        if delay > 1e-6 and departure is not None:
            moved = True
            departure += delay
        sparse = [
            Stop(
                s.kind,
                s.ref,
                charged_kwh=s.charged_kwh
                if s.kind == "station"
                and (st := instance.station_by_id.get(s.ref)) is not None
                and st.kind == "charger"
                else None,
            )
            for s in r.stops[1:]
        ]
        routes.append(
            replace(r, stops=(Stop(first.kind, first.ref, departure_min=departure), *sparse))
        )
    # The totals belong to the earlier timing: the validator recomputes them.
    return replace(timed, routes=tuple(routes), totals=Totals()), moved


def _queue_at_chargers(instance: Instance, report: Report) -> Report:
    """The model treats stations as unlimited: where the plan has more vehicles charging at once
    than a station has chargers, queue them first come first served (:mod:`.chargers`), pushing
    each wait down its route, or move a charge to another station; fail naming the station."""
    from ..validator import validate
    from .chargers import queue_chargers

    if "CHARGER_CAPACITY" not in report.codes():
        return report
    queued = queue_chargers(instance, report.solution)
    if queued.solution is None:
        raise InfeasibleError({"*": f"charger capacity: {queued.problem}"})
    return validate(instance, queued.solution)


def _time_charging(
    instance: Instance, report: Report, opts: SolveOptions, meta: dict[str, Any]
) -> Report:
    """``report`` with its charges re-timed for the tariffs (:mod:`.tariffs`) where that is
    cheaper; what it saved goes to ``meta``."""
    if not opts.time_charging or not report.feasible:
        return report
    from .tariffs import time_charging

    after, saving = time_charging(instance, report)
    if saving.routes_changed:
        meta["charging_retimed_routes"] = saving.routes_changed
        meta["charging_saved"] = round(saving.saved, 4)
    return after


# ----- PyVRP start (see .hgs): begin ----------------------------------------------------------
def _hgs_start(
    rm: SearchModel,
    budget: Budget,
    meta: dict[str, Any],
    on_progress: ProgressFn | None = None,
) -> tuple[SearchModel, dict[int, list[int]]] | dict[int, list[int]] | None:
    """PyVRP's plan as the start of OR-Tools' search, in the numbering of the model it returns
    (``rm`` with the fleet cut to the plan's routes plus a margin, as after construction), or
    ``None`` when PyVRP declines the instance, finds nothing, or a route of its plan fails our
    own evaluator (then the constructive start runs instead). Where PyVRP planned without the
    batteries (:func:`.hgs.battery_relaxed`) the result is instead its task sequences per unit
    of ``rm``, a seed for the constructive start, which places the stations. Fills ``meta``
    with ``hgs`` (1 if used), ``hgs_iterations``, ``hgs_capped``, ``hgs_s`` and
    ``hgs_declined`` (why not). Where PyVRP's plan is the start, ``on_progress`` hears its
    best cost as it searches (:func:`_pyvrp_progress`); a battery-blind plan's cost is no
    plan's, so the relaxation reports nothing."""
    from .hgs import Checkpoint, battery_relaxed, hgs_declines

    why = hgs_declines(rm)
    if why is not None:
        meta.update(hgs=0, hgs_declined=why)
        return None
    opts = budget.opts
    if time.monotonic() >= budget.search_cap:
        # A part of a decomposed day that starts after the day's search end: PyVRP would stop
        # at once with nothing (its setup alone took 0.1 s on a 150-task part).
        meta.update(hgs=0, hgs_capped=1, hgs_declined="no time left")
        return None
    relaxed_path = battery_relaxed(rm)
    runs = _HgsRuns(
        rm,
        budget,
        meta,
        None if relaxed_path else _pyvrp_progress(rm, on_progress, budget.started),
    )
    probe = relaxed_path and not rm.instance.rules.instant_charging and opts.hgs_probe_share > 0
    meta["hgs"] = 0
    if probe:
        routes, departures = runs.run(
            opts.hgs_probe_share + opts.hgs_share,
            Checkpoint(budget.hgs_iterations(opts.hgs_probe_share), _charging_shapes(rm, meta)),
        )
    else:
        routes, departures = runs.run(opts.hgs_share)
    if routes and relaxed_path:
        return _relaxed_seed(runs, routes, departures)
    return _exact_start(runs, routes)


def _charging_shapes(
    rm: SearchModel, meta: dict[str, Any]
) -> Callable[[dict[int, list[int]], dict[int, int], dict[int, list[int]]], bool]:
    """The probe of a battery-blind run (see ``SolveOptions.hgs_probe_share``): whether more
    than half the routes of PyVRP's plan so far run short of energy. If so, charging shapes the
    day and our search gets the time (a regional day: 25,229 against 27,666 CNY from a 70 %
    PyVRP seed); else the day is mostly PyVRP's problem (a 150-task day's relaxation cost 9 %
    less at 60 s than at 6 s, more than our search made up in the time left), and PyVRP goes on
    in the same run. Its plan is then the floor where valid, else a seed our search repairs."""

    def most_short(
        routes: dict[int, list[int]], departures: dict[int, int], _: dict[int, list[int]]
    ) -> bool:
        report = _relaxed_report(rm, routes, departures)  # one trip each: no reloads
        meta["hgs_probe_short_routes"] = _short_of_all(report)
        if report.feasible:
            # The floor (see _keep_relaxed) unless the run's last plan is valid too: PyVRP's
            # later, cheaper plan may break a battery that this one kept.
            meta["_relaxed_plan"] = _float_departures(rm.instance, report)
        return _most_routes_short(report)

    return most_short


class _HgsRuns:
    """PyVRP's runs of one solve: each searches on from the last one's best plan (a warm
    start), and the meta adds up over them."""

    def __init__(
        self,
        rm: SearchModel,
        budget: Budget,
        meta: dict[str, Any],
        on_cost: Callable[[float], None] | None = None,
    ) -> None:
        self.rm, self.budget, self.meta, self.on_cost = rm, budget, meta, on_cost
        self.t0 = time.monotonic()
        self._best: Any = None  # PyVRP's last best solution

    def run(
        self, share: float, checkpoint: Checkpoint | None = None
    ) -> tuple[dict[int, list[int]] | None, dict[int, int]]:
        """A run of ``share`` of the limit (or to ``checkpoint``, where that ends it): its routes
        per unit (``None``: nothing found) and their departures."""
        from .hgs import hgs_routes

        stats: dict[str, Any] = {}
        found = hgs_routes(
            self.rm,
            iterations=self.budget.hgs_iterations(share),
            seed=self.budget.opts.seed,
            # A safety cap, as for construction: OR-Tools needs a moment after this.
            deadline_s=self.budget.search_cap,
            stats=stats,
            warm_start=self._best,
            on_cost=self.on_cost,
            checkpoint=checkpoint,
        )
        departures = stats.pop("hgs_departures", {})
        self._best = stats.pop("hgs_best", None)
        # Over both runs (probe and longer run): the iterations add up, and a cap that fired in
        # either makes the plan depend on the machine.
        meta = self.meta
        stats["hgs_iterations"] = stats.get("hgs_iterations", 0) + meta.get("hgs_iterations", 0)
        stats["hgs_capped"] = int(bool(stats.get("hgs_capped")) or bool(meta.get("hgs_capped")))
        meta.update(**stats)
        return found, departures

    def seconds(self) -> float:
        return round(time.monotonic() - self.t0, 3)


def _relaxed_seed(
    runs: _HgsRuns, routes: dict[int, list[int]], departures: dict[int, int]
) -> dict[int, list[int]]:
    """PyVRP's battery-blind plan as our search's seed; its validated plan, where the batteries
    suffice for it, goes to ``meta["_relaxed_plan"]`` (see :func:`_keep_relaxed`)."""
    rm, opts, meta = runs.rm, runs.budget.opts, runs.meta
    report = _relaxed_report(rm, routes, departures)
    if "hgs_probe_short_routes" not in meta:  # no probe: the whole run's plan
        meta["hgs_probe_short_routes"] = _short_of_all(report)
    share = opts.hgs_share
    if "hgs_checkpoint" in meta:
        share = opts.hgs_probe_share
        if meta["hgs_checkpoint"] == "went on":
            share += opts.hgs_share
    meta.update(hgs=1, hgs_battery_relaxed=1, hgs_s=runs.seconds(), hgs_share=round(share, 3))
    if report.feasible:
        meta["_relaxed_plan"] = _float_departures(rm.instance, report)
    return routes


def _exact_start(
    runs: _HgsRuns, routes: dict[int, list[int]] | None
) -> tuple[SearchModel, dict[int, list[int]]] | None:
    """PyVRP's plan where it modelled the instance exactly, each route checked (and its
    departure floated, as PyVRP does) by our evaluator, on the model with the fleet cut to it;
    ``None`` where it found nothing or a route fails."""
    from .evaluator import RouteEvaluator, release

    rm, meta = runs.rm, runs.meta
    plans: dict[int, list[int]] = {}
    for k, seq in (routes or {}).items():
        # The evaluator floats the departure as PyVRP does (duration = return - departure).
        res = RouteEvaluator(rm, k).evaluate(seq)
        if res is None:
            meta["hgs_declined"] = "a route fails the route evaluator"
            plans = {}
            break
        plans[k] = res[1]
    release(rm)
    meta["hgs_s"] = runs.seconds()
    if not plans:
        return None
    meta["hgs"] = 1
    inst = rm.instance
    used = _used_entries(rm, plans)
    caps = {v.id: min(v.count, used.count(v.id) + 2) for v in inst.vehicles}
    if sum(caps.values()) < len(rm.units):
        copies = runs.budget.opts.copies_per_station or _default_copies(inst)
        new_rm = build(inst, ModelOptions(copies_per_station=copies, unit_caps=caps))
        return new_rm, _remap(rm, new_rm, plans)
    return rm, _remap(rm, rm, plans)


def _relaxed_report(
    rm: SearchModel, routes: dict[int, list[int]], departures: dict[int, int]
) -> Report:
    """The validator's report on PyVRP's battery-blind plan taken as it is (no station, each
    route leaving as PyVRP planned). Where it is feasible the batteries suffice for it, and the
    solve returns it (departures floated, :func:`_float_departures`) where it costs less than
    the searched plan, so that such a day never costs more than this relaxation."""
    from ..validator import validate
    from .hgs import relaxed_solution

    return validate(rm.instance, relaxed_solution(rm, routes, departures))


def _routes_short_of_energy(report: Report) -> int:
    """How many routes of a battery-blind plan go below a battery's reserve."""
    return len({v.route for v in report.violations if v.code == "BATTERY"})


def _most_routes_short(report: Report) -> bool:
    """Whether more than half the routes of a battery-blind plan go below a battery's reserve:
    the one rule by which every look at PyVRP's plan (a day's, a multi-trip day's) decides that
    charging shapes the day, so that our search plans it rather than repairs PyVRP's plan."""
    return 2 * _routes_short_of_energy(report) > (report.totals.vehicles_used or 0)


def _short_of_all(report: Report) -> str:
    """Routes short of energy over routes used in a battery-blind plan ("3/7"), for the meta."""
    return f"{_routes_short_of_energy(report)}/{report.totals.vehicles_used or 0}"


# ----- PyVRP start: end ----------------------------------------------------------------------


def _default_copies(instance: Instance) -> int:
    """Copies of each station per battery class: enough for several routes to use a station."""
    if not instance.stations:
        return 0
    tasks = task_nodes(instance)
    return int(min(max(2, math.ceil(3 * tasks / (10 * len(instance.stations)))), 6))


def _copies_needed(rm: SearchModel, routes: dict[int, list[int]]) -> int:
    """Copies per station the constructed plan needs, plus one spare for the search."""
    use: dict[tuple[str, int], int] = {}
    for seq in routes.values():
        for n in seq:
            nd = rm.nodes[n]
            if nd.kind == "station":
                key = (nd.ref, nd.battery_class)
                use[key] = use.get(key, 0) + 1
    return max(use.values(), default=0) + 1


def _used_entries(rm: SearchModel, routes: dict[int, list[int]]) -> list[str]:
    """The vehicle entry of each route the constructed plan uses (one item per used unit)."""
    return [rm.units[k].vehicle.id for k, seq in sorted(routes.items()) if seq]


def _remap(
    old: SearchModel, new: SearchModel, routes: dict[int, list[int]]
) -> dict[int, list[int]]:
    """Routes of ``old`` in ``new``'s numbering: each station visit on its own copy, and each
    route on the next free unit of its vehicle entry (units of one entry are interchangeable;
    ``new`` may model fewer of them)."""
    next_copy: dict[tuple[str, int], int] = {}
    free: dict[str, list[int]] = {}
    for k, un in enumerate(new.units):
        free.setdefault(un.vehicle.id, []).append(k)
    out: dict[int, list[int]] = {}
    for k, seq in sorted(routes.items()):
        if not seq:
            continue
        mapped = []
        for n in seq:
            nd = old.nodes[n]
            if nd.kind != "station":
                mapped.append(n)  # depots and tasks keep their numbers (they come first)
                continue
            key = (nd.ref, nd.battery_class)
            c = next_copy.get(key, 0)
            copies = new.station_nodes[key]
            if c >= len(copies):
                raise RuntimeError(
                    f"internal error: station {nd.ref} needs more than {len(copies)} copies"
                )
            mapped.append(copies[c])
            next_copy[key] = c + 1
        out[free[old.units[k].vehicle.id].pop(0)] = mapped
    return out


def _phase_progress(
    rm: SearchModel, on_progress: ProgressFn, started: float, check: _Validating
) -> PhaseReport:
    """``on_progress`` for our own phases: the search value of a plan (scaled money with fixed
    costs, as OR-Tools' objective counts it) shown as OR-Tools' progress shows it, so that a
    solve reports from its first phases and not only from OR-Tools' last one. At most once a
    second, but a phase's first report, and its last, always go out: a phase that ends within
    the second is still seen (route minimisation often takes a fraction of one). Each report
    that goes out is read back and validated where :class:`_Validating` allows it."""
    last: list[Any] = [-math.inf, None]

    def report(
        phase: Phase, total: int, routes: int, plan: dict[int, list[int]], end: bool
    ) -> None:
        now = time.monotonic() - started
        if not end and phase == last[1] and now - last[0] < 1.0:
            return
        last[0], last[1] = now, phase
        validated = check(rm, plan, end)
        value = _progress_value(rm, total, routes)
        on_progress(Progress(phase, now, value, routes, validated))

    return report


class _Validating:
    """The validated value of reported plans (:attr:`.progress.Progress.validated`), within a
    share of the solve's time: a phase's end is always validated, any other report only while
    validating has taken at most ``VALIDATE_SHARE`` of the time since ``started``, one share for
    all the phases of a solve. Why a share and not a count: reading a plan back and finishing it
    as the solve would (exact charges, tariffs) took 0.1 s on a 150-task day and 0.5 s on a
    160-customer EVRP-NL instance, and the reports must not slow the search they report on."""

    def __init__(self, started: float, opts: SolveOptions) -> None:
        self.started, self.opts, self.spent_s = started, opts, 0.0

    def __call__(self, rm: SearchModel, plan: dict[int, list[int]], end: bool) -> float | None:
        now = time.monotonic()
        if not end and self.spent_s > VALIDATE_SHARE * (now - self.started):
            return None
        value = _validated_value(rm, plan, self.opts)
        self.spent_s += time.monotonic() - now
        return value


def _validated_value(
    rm: SearchModel, plan: dict[int, list[int]], opts: SolveOptions
) -> float | None:
    """The plan as the validator measures it were the solve to return it now: read back
    (:func:`_start_plan`) and finished as every returned plan is (:func:`_finish`: departures
    floated, charger queues, exact charges, tariffs); its total cost on a cost objective, else
    its km; None where no reading of its charges passes. Why finished: read back alone, each
    charge fills the battery, and on the bundled city day that read 6,166 CNY for a plan the
    solve returned at 5,412."""
    report = _finished_plan(rm, plan, opts, {})
    if report is None:
        return None
    totals = report.totals
    if rm.instance.objective.kind == "cost":
        return float(totals.cost.get("total", 0.0)) if totals.cost else 0.0
    return None if totals.distance_km is None else float(totals.distance_km)


def _pyvrp_progress(
    rm: SearchModel, on_progress: ProgressFn | None, started: float
) -> Callable[[float], None] | None:
    """``on_progress`` for PyVRP's run, at most once a second: the cost of its best plan as the
    search value. PyVRP tells only the cost, not the vehicles, so they are given as -1
    (unknown); on a fewest-vehicles objective, whose value needs them, it reports nothing."""
    if on_progress is None or rm.instance.objective.kind == "vehicles_then_distance":
        return None
    last = [-math.inf]

    def report(cost: float) -> None:
        now = time.monotonic() - started
        if now - last[0] < 1.0:
            return
        last[0] = now
        on_progress(Progress("pyvrp", now, _progress_value(rm, int(cost), 0), -1))

    return report


def _progress_value(rm: SearchModel, value: int, used: int) -> float:
    """A plan's search value (scaled, fixed costs included) as progress shows it: money, or on
    a fewest-vehicles objective the distance (the vehicles' fixed cost taken out)."""
    if rm.instance.objective.kind == "vehicles_then_distance" and rm.units:
        value -= used * rm.fixed[0]  # show the distance
    per = S.COST_PER_UNIT if rm.instance.objective.kind == "cost" else S.DISTANCE_PER_KM
    return value / per


def _index_routes(rm: SearchModel, value: Callable[[Any], int]) -> dict[int, list[int]]:
    """The routing indices each used unit visits, start and end left out, following the next
    variables as ``value`` reads them (an assignment's, or the search's at a solution)."""
    routing = ortools(rm).routing
    out: dict[int, list[int]] = {}
    for k in range(len(rm.units)):
        seq: list[int] = []
        idx = value(routing.NextVar(routing.Start(k)))
        while not routing.IsEnd(idx):
            seq.append(idx)
            idx = value(routing.NextVar(idx))
        if seq:
            out[k] = seq
    return out


def _read_back(rm: SearchModel, assignment: Any) -> Solution:
    """The stop sequences of the plan, with the energy each charger visit adds.

    Times are left to the validator's earliest schedule. The model's energy figures are
    conservative (full-load consumption, rounded up), so the battery really holds at least as much
    as the model thinks; each charger visit therefore charges up to the *level* the model planned,
    which is at most the model's amount and never overfills the battery.
    """
    ort = ortools(rm)
    routing, manager, energy_dim = ort.routing, ort.manager, ort.energy_dim
    partial = not rm.instance.rules.full_recharge and energy_dim is not None
    routes = []
    for k, seq in _index_routes(rm, assignment.Value).items():
        un = rm.units[k]
        nodes = [rm.nodes[manager.IndexToNode(i)] for i in seq]
        targets: dict[int, float] = {}
        if partial and un.type.is_electric:
            assert energy_dim is not None
            for pos, (i, nd) in enumerate(zip(seq, nodes, strict=True)):
                if nd.kind == "station" and nd.station is not None and nd.station.kind == "charger":
                    level = assignment.Value(energy_dim.CumulVar(i)) + assignment.Value(
                        energy_dim.SlackVar(i)
                    )
                    targets[pos] = level / S.ENERGY_PER_KWH + un.type.reserve_kwh
        charged = _charges_to_targets(rm.instance, un, nodes, targets)
        departure = None
        if un.vehicle.max_duration_min is not None or un.type.max_duration_min is not None:
            # A route with a duration limit leaves when the model planned (the finalizer's
            # earliest departure that keeps the limit), not at the shift start.
            start_cumul = assignment.Value(ort.time_dim.CumulVar(routing.Start(k)))
            departure = start_cumul / S.TIME_PER_MIN
        stops = [Stop("depot", un.vehicle.start_depot, departure_min=departure)]
        for pos, nd in enumerate(nodes):
            if nd.kind == "station":
                stops.append(Stop("station", nd.ref, charged_kwh=charged.get(pos)))
            else:
                stops.append(Stop(nd.kind, nd.ref))
        stops.append(Stop("depot", un.vehicle.end))
        routes.append(Route(un.vehicle.id, tuple(stops), un.unit))
    return Solution(rm.instance.name, tuple(routes))


def _charges_to_targets(
    instance: Instance, un: Unit, nodes: list[Node], targets: dict[int, float]
) -> dict[int, float]:
    """kWh to add at each charger stop to reach its target level, with the real consumption
    (load-dependent, unrounded) on the way."""
    if not targets:
        return {}
    t = un.type
    battery = t.battery_kwh or 0.0
    soc = un.vehicle.initial_soc * battery
    load = sum(-nd.weight_kg for nd in nodes if nd.kind == "job" and nd.weight_kg < 0)
    prev = instance.depot_by_id[un.vehicle.start_depot].location
    out: dict[int, float] = {}
    for pos, nd in enumerate(nodes):
        soc -= float(instance.distance_km[prev, nd.location]) * t.rate_per_km(load)
        prev = nd.location
        if nd.kind == "station":
            if nd.station is not None and nd.station.kind == "swap":
                soc = battery
            elif pos in targets:
                add = min(max(0.0, targets[pos] - soc), max(0.0, battery - soc))
                out[pos] = add
                soc += add
        else:
            load += nd.weight_kg
    return out


def _dropped(rm: SearchModel, assignment: Any) -> list[str]:
    out = []
    ort = ortools(rm)
    for tid, ids in rm.task_nodes.items():
        idx = ort.manager.NodeToIndex(ids[0])
        if assignment.Value(ort.routing.NextVar(idx)) == idx:
            out.append(tid)
    return out


def _diagnose_no_plan(instance: Instance) -> dict[str, str]:
    from ..reach import unreachable_jobs

    found = unreachable_jobs(instance)
    return found or {"*": "the search found no plan within the limits; try a longer --time-limit"}
