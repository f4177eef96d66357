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
