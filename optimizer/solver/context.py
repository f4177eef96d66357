"""What every phase of our own search reads, in one object (:class:`Search`).

Why a module of its own: the constructor makes it and route minimisation, fleet minimisation,
ruin and recreate and the pipeline read it, so it sits above the evaluator and the insertion scan
it holds and below every search (see the layers in ``pyproject.toml``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

    from .evaluator import RouteEvaluator
    from .insertion import Insertion
    from .search_model import SearchModel


@dataclass(frozen=True)
class Search:
    """What every phase of our own search reads, made once per model and seed by the
    constructor (:class:`.construct.Constructor`) and handed whole from phase to phase: the
    model, each unit's route evaluator, the tasks (their nodes), the insertion scan, the seeded
    generator whose draws make the walk, and each unit's fixed cost.

    Why one object: route minimisation, fleet minimisation and ruin and recreate each took the
    same seven of these as arguments, in the same order, and passed them on. A phase's own
    arguments are now what differs between phases: the plan, its work budget and its cap."""

    rm: SearchModel
    ev: Callable[[int], RouteEvaluator]
    tasks: dict[str, list[int]]
    ins: Insertion
    rng: np.random.Generator
    fixed: list[int]
