"""Stated limits on the size of the work one request may ask for, checked before the work.

Why: the solver's memory and time grow with the model it builds (vehicles x nodes for OR-Tools'
per-vehicle variables, the squared matrices, the station copies). A file with ``count: 100000`` on
one vehicle entry used to build a model of 100,000 vehicles: 35 s and 2 GB before the first step
of a one-second search. Every limit here is far above the instances the package is tested on
(the largest, X-n1001-k43 read as CVRP, models 1,000 vehicles x 1,001 nodes) and far below what
exhausts a machine; an input above one is refused with an :class:`InputError` naming the limit,
which the CLI turns into exit status 2 and the service into HTTP 422.

Units beyond the tasks are never needed (each used vehicle serves at least one task; an unused
one costs nothing), so the model holds ``min(count, tasks)`` units of each entry: that cut is
exact and is what makes ``count: 100000`` on a small day solve in its time limit.
"""

from __future__ import annotations

import math

from .errors import InputError, Issue
from .model import Instance

#: Cells of one distance (or duration) matrix: 10,000 locations (800 MB per matrix as floats).
MAX_MATRIX_CELLS = 100_000_000
#: Vehicles modelled in one solve, after the cut to the tasks (see the module docstring).
MAX_MODEL_VEHICLES = 20_000
#: Vehicles x nodes of one OR-Tools model (a part, when the solver splits a large day).
MAX_VEHICLE_NODES = 4_000_000
#: Station nodes of one model: stations x copies x battery classes.
MAX_STATION_COPIES = 20_000


#: Task nodes (jobs, plus two per shipment) above which a day is solved in parts by default
#: (``SolveOptions.max_part_tasks``; see :mod:`optimizer.solver.decompose`).
DEFAULT_MAX_PART_TASKS = 250
#: The shortest time limit a day solved in parts accepts: ``MIN_PARTS_S + MIN_S_PER_PART_TASK x
#: task nodes``. Each part needs a first plan (our insertion start, which no cap can cut without
#: leaving jobs unserved or spending vehicles later parts need), and below this the day ended
#: past its limit plus the stated margin: measured on the 2-core machine under load, a
#: generated day of 300 jobs (330 task nodes) needed 2.6 s whatever its limit, one of 1,000
#: (1,100 task nodes) 7.0 to 7.5 s at limits of 1 to 5 s; a part's start took 2.2 to 2.9 s for
#: its 220 task nodes there (10 to 13 ms each), so at 9 ms per task node a 600-job day still
#: ended 1.6 s late. A day searched as one model has the floor below instead.
MIN_PARTS_S = 0.5
MIN_S_PER_PART_TASK = 0.012
#: A day searched as one model has its insertion start too, after PyVRP's run: above
#: ``ONE_MODEL_FREE_TASKS`` task nodes its floor is ``MIN_S_PER_PART_TASK`` per task node beyond
#: them. Measured on the 2-core machine: generated days of 150 and 180 jobs (165, 198 task nodes)
#: ended within the margin at 1 s (1.20 s, 1.19 s), one of 200 jobs (220) at 1.74 s.
ONE_MODEL_FREE_TASKS = 120


def task_nodes(instance: Instance) -> int:
    """Jobs plus two per shipment: the nodes the search places (what parts are cut by)."""
    return len(instance.jobs) + 2 * len(instance.shipments)


def min_time_limit_s(instance: Instance, max_part_tasks: int = DEFAULT_MAX_PART_TASKS) -> float:
    """The shortest limit ``instance`` accepts, rounded up to a tenth of a second: see
    :data:`MIN_S_PER_PART_TASK` and :data:`ONE_MODEL_FREE_TASKS` (0 for a day of at most that
    many task nodes)."""
    tasks = task_nodes(instance)
    if not max_part_tasks or tasks <= max_part_tasks:
        floor = MIN_S_PER_PART_TASK * max(0, tasks - ONE_MODEL_FREE_TASKS)
    else:
        floor = MIN_PARTS_S + MIN_S_PER_PART_TASK * tasks
    return math.ceil(10 * floor) / 10


def check_time_limit(
    instance: Instance, time_limit_s: float, max_part_tasks: int = DEFAULT_MAX_PART_TASKS
) -> None:
    """Refuse a limit below :func:`min_time_limit_s`: a solve that is accepted ends within its
    limit and the stated margin (``optimizer.solver.driver.overrun_margin``)."""
    floor = min_time_limit_s(instance, max_part_tasks)
    if time_limit_s < floor:
        tasks = task_nodes(instance)
        per = f"{1000 * MIN_S_PER_PART_TASK:g} ms per task node"
        how = (
            f"which is solved in parts, each needing a first plan ({MIN_PARTS_S:g} s + {per}"
            if max_part_tasks and tasks > max_part_tasks
            else f"which needs a first plan ({per} beyond {ONE_MODEL_FREE_TASKS}"
        )
        raise InputError(
            Issue(
                "time_limit_s",
                f"must be at least {floor:g} s for this day of {tasks:,} task nodes, {how}, "
                "optimizer.limits.MIN_S_PER_PART_TASK"
                + (
                    "; twice that for a fleet that may make several trips)"
                    if instance.multi_trip
                    else ")"
                ),
                time_limit_s,
            )
        )


def vehicles_needed(instance: Instance) -> dict[str, int]:
    """Units worth modelling per vehicle entry: ``min(count, tasks)``, at least 1."""
    tasks = max(1, len(instance.jobs) + len(instance.shipments))
    return {v.id: min(v.count, tasks) for v in instance.vehicles}


def check_instance(instance: Instance) -> None:
    """Refuse an instance whose model would exceed :data:`MAX_MODEL_VEHICLES`.

    Cheap (no model is built): the service calls it before queueing a request.
    """
    units = sum(vehicles_needed(instance).values())
    if units > MAX_MODEL_VEHICLES:
        raise InputError(
            Issue(
                "vehicles",
                f"model {units:,} vehicles (the counts, each cut to the {len(instance.jobs) + len(instance.shipments):,} "
                f"tasks), above the limit of {MAX_MODEL_VEHICLES:,} (optimizer.limits.MAX_MODEL_VEHICLES)",
                units,
            )
        )


def check_model(vehicles: int, nodes: int, station_copies: int) -> None:
    """Refuse a model above :data:`MAX_VEHICLE_NODES` or :data:`MAX_STATION_COPIES` before it is
    built (the solver calls this with the sizes of the model it is about to build)."""
    issues = []
    if vehicles * nodes > MAX_VEHICLE_NODES:
        issues.append(
            Issue(
                "vehicles",
                f"{vehicles:,} vehicles x {nodes:,} nodes is above the limit of "
                f"{MAX_VEHICLE_NODES:,} (optimizer.limits.MAX_VEHICLE_NODES)",
                vehicles * nodes,
            )
        )
    if station_copies > MAX_STATION_COPIES:
        issues.append(
            Issue(
                "stations",
                f"need {station_copies:,} station nodes (stations x copies x battery classes), above "
                f"the limit of {MAX_STATION_COPIES:,} (optimizer.limits.MAX_STATION_COPIES)",
                station_copies,
            )
        )
    if issues:
        raise InputError(issues)


def check_matrix(locations: int) -> None:
    """Refuse a matrix of more than :data:`MAX_MATRIX_CELLS` cells before it is allocated."""
    if locations * locations > MAX_MATRIX_CELLS:
        raise InputError(
            Issue(
                "locations",
                f"{locations:,} locations need {locations * locations:,} matrix cells, above the "
                f"limit of {MAX_MATRIX_CELLS:,} (optimizer.limits.MAX_MATRIX_CELLS)",
                locations,
            )
        )
