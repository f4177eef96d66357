"""The solver: every plan searched, then checked by the validator.

Which part does what (the README's table of the solver's parts says more): our own searches on an
exact route evaluator (insertion, route and fleet minimisation, ruin and recreate) do most of the
work; PyVRP plans the days where batteries do not bind (and gives a battery-blind seed where they
do); OR-Tools CP-SAT recombines the routes ruin and recreate met; OR-Tools routing's guided local
search polishes the plan last. ``solve(instance, time_limit_s=..., seed=...)`` returns a
:class:`~optimizer.solution.Solution` whose every figure was recomputed by
:mod:`optimizer.validator`; a plan that fails validation is never returned.
"""

from __future__ import annotations

from .driver import InfeasibleError, SolveOptions, solve
from .options import Work
from .progress import PHASES, Progress, ProgressFn

__all__ = ["PHASES", "InfeasibleError", "Progress", "ProgressFn", "SolveOptions", "Work", "solve"]
