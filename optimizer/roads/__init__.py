"""Road networks: distance and time matrices from a road graph with per-vehicle restrictions.

Trucks drive on roads with bans: a bridge with an 18 t limit, a low-emission zone closed to diesel,
one-way streets. This package reads a road graph (:func:`read_graph`: GraphML or an edge-list CSV),
places an instance's locations on it, and builds the distance (km) and duration (min) matrices by
fastest paths, honouring each vehicle type's restrictions (:func:`road_matrices`, :func:`attach`).
The native JSON format refers to a graph with ``travel.road_network``; the loader resolves it into
matrices (``travel.metric`` ``matrix``), so the solver and the validator see ordinary matrices.

The choices (one path per pair, how one matrix serves several restriction profiles, snapping, the
cache) are explained in :mod:`optimizer.roads.matrices`.
"""

from __future__ import annotations

from .graph import RoadGraph, read_graph
from .matrices import (
    RoadMatrices,
    RoadNetwork,
    attach,
    default_cache_dir,
    road_matrices,
    visit_table,
)

__all__ = [
    "RoadGraph",
    "RoadMatrices",
    "RoadNetwork",
    "attach",
    "default_cache_dir",
    "read_graph",
    "road_matrices",
    "visit_table",
]
