"""What a solve tells its caller while it runs: one event type for every phase.

Why one type: a 60 s solve runs PyVRP, our insertion, route and fleet minimisation, ruin and
recreate, the recombination and OR-Tools' search in turn, and a dispatcher watching it (or a
platform logging it) wants to know which of them found the plan it is told of. Each phase used to
hand over three bare numbers; an event names its phase and leaves room for more without breaking
every callback again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, get_args

#: The phases that report, in the order a solve runs them: PyVRP's battery-blind run (where its
#: plan is the start), our insertion start, route minimisation (ejections), fleet minimisation,
#: ruin and recreate (each better plan), the recombination of the routes it met, OR-Tools'
#: guided local search, and on a day solved in parts each part's plan as it is done.
Phase = Literal[
    "pyvrp", "construct", "route-min", "fleet-min", "ruin-recreate", "recombine", "ortools", "part"
]
PHASES: tuple[Phase, ...] = get_args(Phase)


@dataclass(frozen=True)
class Progress:
    """The best plan a phase knows of, ``elapsed_s`` seconds into the solve.

    ``value`` is the search's own measure of that plan, in the objective's unit: money on a
    cost objective (fixed costs included), km on a distance or fewest-vehicles objective. It is
    not yet the validated cost: the plan's charges are re-timed for the tariffs and its
    departures floated after the search, and the validator has the last word on the plan the
    solve returns. On a day solved in parts it is the validated cost of the parts done so far.
    ``vehicles`` is -1 where the phase does not know them (PyVRP tells only its cost).

    ``validated``, at the end of each of our phases (``construct``, ``route-min``,
    ``fleet-min``, ``recombine``, or ``ruin-recreate`` where nothing is recombined), is the
    plan as the validator measures it were the solve to return it then: its total cost on a
    cost objective, its km otherwise (charges re-timed and departures floated as the solve
    does; a charger several vehicles reach at once is queued after that and may add waiting).
    None on the other reports: validating every better plan of a search that finds hundreds
    would cost it time, so only the phases' ends pay for it.
    """

    phase: Phase
    elapsed_s: float
    value: float
    vehicles: int
    validated: float | None = None


#: ``on_progress(event)``: see :class:`Progress`. Called at most about once a second per phase,
#: and always on a phase's first report, from the caller's process (worker 0 where there are
#: several workers).
ProgressFn = Callable[[Progress], None]

#: How our own phases report inside a solve (:func:`.pipeline.construct`), before the driver
#: turns it into a :class:`Progress`: ``report(phase, total, routes, plan)`` with the plan's
#: scaled total (fixed costs included), its routes, and at a phase's end its node sequences
#: per unit (stations included) to read back and validate, else None.
PhaseReport = Callable[[Phase, int, int, dict[int, list[int]] | None], None]
