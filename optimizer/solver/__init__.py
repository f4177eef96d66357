"""The solver: OR-Tools routing over the whole model, with a plan always checked by the validator.

``solve(instance, time_limit_s=..., seed=...)`` returns a :class:`~optimizer.solution.Solution`
whose every figure was recomputed by :mod:`optimizer.validator`; a plan that fails validation is
never returned.
"""

from __future__ import annotations

from .driver import InfeasibleError, SolveOptions, solve

__all__ = ["InfeasibleError", "SolveOptions", "solve"]
