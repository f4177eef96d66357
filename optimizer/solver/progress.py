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

    ``validated`` is the plan as the validator measures it were the solve to return it then:
    its total cost on a cost objective, its km otherwise (read back and finished as the solve
    finishes every plan: departures floated, charger queues, each route's charges chosen
    exactly, charges re-timed for the tariffs). Our phases' ends (``construct``,
    ``route-min``, ``fleet-min``, ``recombine``, or ``ruin-recreate`` where nothing is
    recombined) always carry it. Their other reports and OR-Tools' carry it while validating
    has taken at most ``VALIDATE_SHARE`` of the solve's time so far, else None: one reading
    took up to 0.1 s on a generated 150-task day (11 of its 11 reports validated, 1.3 % of a
    28 s solve) and 0.5 s on a 160-customer EVRP-NL instance (only the two phase ends). PyVRP's
    reports (its plan is battery-blind) and a part's (its value is already validated) carry
    None.
    """

    phase: Phase
    elapsed_s: float
    value: float
    vehicles: int
    validated: float | None = None


#: Most share of a solve's elapsed time that validating its intermediate reports may take
#: (:attr:`Progress.validated`): the reports are for watching, and must not slow the search.
VALIDATE_SHARE = 0.02

#: ``on_progress(event)``: see :class:`Progress`. Called at most about once a second per phase,
#: and always on a phase's first report, from the caller's process (worker 0 where there are
#: several workers).
ProgressFn = Callable[[Progress], None]

#: How our own phases report inside a solve (:func:`.pipeline.construct`), before the driver
#: turns it into a :class:`Progress`: ``report(phase, total, routes, plan, end)`` with the
#: plan's scaled total (fixed costs included), its routes, its node sequences per unit (stations
#: included, read back and validated where the report goes out) and whether the phase ends with
#: it (a phase's last report always goes out, validated).
PhaseReport = Callable[[Phase, int, int, dict[int, list[int]], bool], None]
