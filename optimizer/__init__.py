"""Route and charging optimization for mixed diesel / electric freight fleets.

The public API (see README.md):

- :func:`load` reads an instance in any supported format; :func:`save` writes native JSON.
- :func:`load_solution` / :func:`save_solution` read and write plans.
- :func:`solve` plans routes and charging (OR-Tools routing), always returning a validated plan.
- :func:`validate` recomputes every figure of a plan from the instance alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .errors import FormatError, InputError, Issue, OptimizerError
from .formats import load, load_solution, save, save_solution
from .model import Instance
from .solution import Route, Solution, Stop, Totals

if TYPE_CHECKING:
    from .validator import Report

__version__ = "0.1.0"

__all__ = [
    "FormatError",
    "InputError",
    "Instance",
    "Issue",
    "OptimizerError",
    "Route",
    "Solution",
    "Stop",
    "Totals",
    "load",
    "load_solution",
    "save",
    "save_solution",
    "solve",
    "validate",
]


def solve(
    instance: Instance, time_limit_s: float = 30.0, seed: int = 0, **options: Any
) -> Solution:
    """Plan ``instance`` within ``time_limit_s`` seconds; same seed and limit give the same plan.

    The returned plan has passed :func:`validate`. See :func:`optimizer.solver.solve`.
    """
    from .solver import solve as _solve

    return _solve(instance, time_limit_s, seed, **options)


def validate(instance: Instance, solution: Solution, **options: Any) -> Report:
    """Check ``solution`` against ``instance`` (see :mod:`optimizer.validator`)."""
    from .validator import validate as _validate

    return _validate(instance, solution, **options)
