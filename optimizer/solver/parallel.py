"""Every core: independent searches in processes, the best plan kept.

Why processes and independent searches: the search phases (our insertion, route and fleet
minimisation, ruin and recreate, PyVRP, OR-Tools) are single-threaded Python and C++ with the GIL
held for most of their work, so threads would not run them side by side; and on the instances
that matter the seed decides a walk's basin more than its length does (see
``SolveOptions.long_route_walks``), so N walks from N seeds, each with the whole budget, find a
better best than one walk N times as long. Worker 0 searches with the caller's seed in the
calling process, so a solve with N workers is never worse than with one at the same budget; the
others are forked (spawned where the platform cannot fork) and get seeds derived from it.

The routes every worker's ruin and recreate met are then pooled and recombined (set partitioning
on CP-SAT, :mod:`.recombine`): walks from different seeds settle in different basins, and a plan
made of routes from several of them can beat each. The workers end early enough for that step.

Reproducible: each worker's plan depends only on its seed and the budget (work counts, not
seconds), and the kept plan is the best by the instance's own measure, ties to the lowest worker
index, so the same seed, workers and budget give the same plan. A wall-clock cap that fires in a
worker (``meta.stopped_by: time``) makes its plan machine-dependent as without workers.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ..procutil import exit_with_parent
from .budget import Budget
from .infeasible import InfeasibleError
from .progress import ProgressFn
from .recombine import RECOMBINE_S_PER_WORK

if TYPE_CHECKING:
    from ..model import Instance
    from ..solution import Solution
    from .options import SolveOptions

#: The recombination across workers gets this share of one solve's recombination work (the
#: workers have recombined their own routes; the step across them starts from the best of their
#: plans), so that the workers stop only a few seconds early for it.
ACROSS_WORK_SHARE = 0.5
#: Seeds of workers 1, 2, ... are ``seed + i * SEED_STRIDE``: runs with neighbouring seeds
#: (1, 2, 3 in the benchmarks) then share no worker.
SEED_STRIDE = 100_003


def default_workers() -> int:
    """The cores this process may run on (the CLI's default for ``--workers``)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def worker_seed(seed: int, i: int) -> int:
    """The seed of worker ``i`` (worker 0 keeps the caller's)."""
    return seed + i * SEED_STRIDE


def plan_value(instance: Instance, solution: Solution) -> tuple[float, ...]:
    """The instance's own measure of a validated plan, smaller is better: unserved tasks first
    (their penalty is in the cost, but a plan serving more is never worse), then fewest vehicles
    and distance (``vehicles_then_distance``), distance, or the total cost."""
    t = solution.totals
    kind = instance.objective.kind
    unserved = float(len(solution.unserved)) if instance.objective.unserved_penalty is None else 0.0
    if kind == "vehicles_then_distance":
        return (unserved, float(t.vehicles_used or 0), float(t.distance_km or 0.0))
    if kind == "distance":
        return (unserved, float(t.distance_km or 0.0))
    return (unserved, float(t.cost.get("total", 0.0)))


def _context() -> multiprocessing.context.BaseContext:
    """Fork where the platform has it: the worker then starts in milliseconds with the
    instance and the libraries already loaded (spawn re-imports OR-Tools and PyVRP, about a
    second), which matters for short limits."""
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _child(
    solve_one: Callable[..., tuple[Solution, dict[str, Any]]],
    pickled: bytes,
    opts: SolveOptions,
    started: float,
    end: float,
) -> tuple[str, Any, dict[str, Any]]:
    """A worker process's search: ``("ok", plan, pool)`` or ``("infeasible", diagnosis, {})``.

    The instance comes pickled by the caller: the pool pickles its arguments in a background
    thread, while worker 0 already searches in the main thread and fills the instance's lazy
    caches; pickling a live instance there failed once with "dictionary changed size during
    iteration" (E-VRPTW rc101, two workers, under load)."""
    instance = pickle.loads(pickled)
    try:
        plan, exported = solve_one(instance, opts, started, end)
        return "ok", plan, exported
    except InfeasibleError as exc:
        return "infeasible", exc.diagnosis, {}


def solve_parallel(
    instance: Instance,
    opts: SolveOptions,
    started: float,
    solve_one: Callable[..., tuple[Solution, dict[str, Any]]],
    recombine_all: Callable[..., tuple[Solution | None, dict[str, int]]],
    on_progress: ProgressFn | None,
) -> Solution:
    """Run ``opts.workers`` searches (worker 0 here, with progress; the others in processes),
    recombine the routes they met, and return the best plan, its meta saying where it came from
    and what each worker found.

    ``solve_one(instance, opts, started, end, on_progress=None)`` is one whole search (the
    driver's), returning its plan and its route pool; ``recombine_all(instance, opts, pools,
    deadline)`` the cheapest plan of the pooled routes of all workers, if cheaper than theirs.
    The workers end that step's work (CP-SAT's deterministic time, at about a second per unit)
    before the limit. Raises ``InfeasibleError`` only where every worker does.
    """
    limit_end = started + opts.time_limit_s
    work = ACROSS_WORK_SHARE * Budget.of(instance, opts, started, limit_end).recombine
    end = limit_end - (RECOMBINE_S_PER_WORK * work + 0.02 * opts.time_limit_s if work > 0 else 0.0)
    cpu0 = os.times()
    outcomes = _run_workers(instance, opts, started, end, solve_one, on_progress)
    plans = [(i, sol) for i, (status, sol, _) in enumerate(outcomes) if status == "ok"]
    if not plans:
        raise InfeasibleError(outcomes[0][1])
    kept, best = min(plans, key=lambda p: (plan_value(instance, p[1]), p[0]))
    recombined, stats = (
        (None, {})
        if work <= 0
        else recombine_all(instance, opts, [e for s, _, e in outcomes if s == "ok"], limit_end)
    )
    across = recombined is not None and plan_value(instance, recombined) < plan_value(
        instance, best
    )
    if across:
        assert recombined is not None
        best = replace(recombined, meta={**dict(best.meta), **dict(recombined.meta)})
    cpu1 = os.times()
    cpu_s = sum(cpu1[:4]) - sum(cpu0[:4])  # user + system, this process and its workers
    meta = {
        **dict(best.meta),
        **_worker_meta(instance, opts, outcomes, kept),
        "recombined_across_workers": int(across),
        **{f"across_{k}": v for k, v in stats.items()},
        "stopped_by": "time"
        if any(s == "ok" and p.meta.get("stopped_by") == "time" for s, p, _ in outcomes)
        else best.meta.get("stopped_by"),
        "wall_time_s": round(time.monotonic() - started, 3),
        "cpu_s": round(cpu_s, 3),
    }
    return replace(best, meta=meta)


def _run_workers(
    instance: Instance,
    opts: SolveOptions,
    started: float,
    end: float,
    solve_one: Callable[..., tuple[Solution, dict[str, Any]]],
    on_progress: ProgressFn | None,
) -> list[tuple[str, Any, dict[str, Any]]]:
    """Every worker's outcome, in worker order (``("ok", plan, pool)`` or ``("infeasible",
    diagnosis, {})``).

    Why worker 0 runs here rather than in the pool: it keeps the caller's seed and progress
    callback, so a solve with N workers is never worse than with one, and the pool needs only
    N - 1 processes (the workers are submitted first so that they search while worker 0 does).
    """
    pickled = pickle.dumps(instance, protocol=pickle.HIGHEST_PROTOCOL)  # see _child
    outcomes: list[tuple[str, Any, dict[str, Any]]] = []
    with ProcessPoolExecutor(
        max_workers=opts.workers - 1, mp_context=_context(), initializer=exit_with_parent
    ) as pool:
        futures = [
            pool.submit(
                _child,
                solve_one,
                pickled,
                replace(opts, seed=worker_seed(opts.seed, i)),
                started,
                end,
            )
            for i in range(1, opts.workers)
        ]
        try:
            plan, exported = solve_one(instance, opts, started, end, on_progress)
            outcomes.append(("ok", plan, exported))
        except InfeasibleError as exc:
            outcomes.append(("infeasible", exc.diagnosis, {}))
        outcomes += [f.result() for f in futures]
    return outcomes


def _worker_meta(
    instance: Instance,
    opts: SolveOptions,
    outcomes: list[tuple[str, Any, dict[str, Any]]],
    kept: int,
) -> dict[str, Any]:
    """What each worker found and which one was kept.

    Why in the meta: the kept plan is reproduced by its worker's seed alone (``worker_seed``),
    without the other workers.
    """
    return {
        "seed": opts.seed,
        "workers": opts.workers,
        "worker_kept": kept,
        "worker_seed": worker_seed(opts.seed, kept),
        "worker_values": [
            list(plan_value(instance, sol)) if status == "ok" else None
            for status, sol, _ in outcomes
        ],
    }
