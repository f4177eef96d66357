"""The road path of each leg of a plan, for drawing routes along the roads (GeoJSON, the map).

Why a second pass over the graph: the matrices keep one time and one length per pair, not the path
(5,000 locations would need millions of paths). A plan has a few hundred legs; each is found again
here, by the rule the matrices used (:mod:`.matrices`): the fastest path, ties to the shorter,
on the arcs that every vehicle type visiting both ends may drive; where those types share no path,
the vehicle's own fastest path (the matrices took the largest of the types' own paths there, an
upper bound, so the drawn path may then be shorter than the distance counted).
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from itertools import pairwise
from pathlib import Path

import numpy as np

from ..errors import InputError, Problems
from ..model import Instance
from ..runsheet import RunSheet
from .graph import RoadGraph, read_graph
from .matrices import RoadNetwork, _allowed, _csr, _snap, visit_table

Leg = tuple[str, int, int]  # (vehicle type id, from location, to location)


def network_of(path: str | Path) -> RoadNetwork | None:
    """The ``travel.road_network`` of a native instance file, or ``None`` (any other file).

    Why the format tag and the schema check: the CLI calls this on whatever file it loaded,
    another format's JSON included (a VROOM problem with a stray ``travel`` key crashed
    :meth:`RoadNetwork.from_dict` with a ``TypeError``), and the file is read here a second time,
    so it is read within the same bounds as by the loader (:mod:`optimizer.formats.guard`). A
    block that breaks the schema is an :class:`InputError` naming its field and value.
    """
    from ..formats import guard
    from ..formats.native import INSTANCE_FORMAT, _schema_issues

    p = Path(path)
    try:
        data = guard.parse_json(guard.read_text(p), str(p))
    except InputError:
        return None  # not JSON within bounds: no native instance, which the loader said already
    if not isinstance(data, dict) or data.get("format") != INSTANCE_FORMAT:
        return None
    travel = data.get("travel")
    road = travel.get("road_network") if isinstance(travel, dict) else None
    if road is None:
        return None
    issues = _schema_issues(road, "instance", ("travel", "road_network"))
    if issues:
        raise InputError(issues, str(p))
    return RoadNetwork.from_dict(road, p.parent)


def _path(
    csr: tuple[list[int], list[int], list[float], list[float]], source: int, target: int
) -> list[int] | None:
    """Nodes of the fastest path (ties: shorter) from ``source`` to ``target``; ``None`` if none."""
    indptr, head, time_min, length_km = csr
    best: dict[int, tuple[float, float]] = {source: (0.0, 0.0)}
    prev: dict[int, int] = {}
    done: set[int] = set()
    heap = [(0.0, 0.0, source)]
    while heap:
        t, d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        if u == target:
            out = [u]
            while out[-1] != source:
                out.append(prev[out[-1]])
            return out[::-1]
        for a in range(indptr[u], indptr[u + 1]):
            v = head[a]
            cand = (t + time_min[a], d + length_km[a])
            if v not in done and (v not in best or cand < best[v]):
                best[v] = cand
                prev[v] = u
                heapq.heappush(heap, (cand[0], cand[1], v))
    return None


def leg_paths(
    instance: Instance, network: RoadNetwork, legs: Iterable[Leg], graph: RoadGraph | None = None
) -> dict[Leg, list[tuple[float, float]]]:
    """Coordinates along the road of each leg: the start location, the road nodes, the end.

    Coordinates are the graph's (lon, lat or x, y km, as the instance's). A leg between two
    locations on the same node is the straight segment between them.
    """
    g = graph if graph is not None else read_graph(network.graph, network.nodes)
    p = Problems()
    loc_node, _, _ = _snap(instance, network, g, p)
    p.raise_if_any()
    visits, type_ids = visit_table(instance)
    row = {t: k for k, t in enumerate(type_ids)}
    masks = {
        t: _allowed(g, instance.type_by_id[t].carrier, network.gross_weight_kg.get(t))
        for t in type_ids
    }
    time_min = g.time_min
    csr_cache: dict[bytes, tuple[list[int], list[int], list[float], list[float]]] = {}

    def csr_of(mask: np.ndarray) -> tuple[list[int], list[int], list[float], list[float]]:
        key = np.packbits(mask).tobytes()
        if key not in csr_cache:
            csr_cache[key] = _csr(g, mask, time_min)
        return csr_cache[key]

    out: dict[Leg, list[tuple[float, float]]] = {}
    for leg in legs:
        if leg in out:
            continue
        type_id, a, b = leg
        ends = [instance.locations[a].coordinates, instance.locations[b].coordinates]
        src, dst = int(loc_node[a]), int(loc_node[b])
        nodes: list[int] | None = []
        if src != dst:
            shared = [t for t in type_ids if visits[row[t], a] and visits[row[t], b]]
            mask = np.ones(len(g.tail), dtype=bool)
            for t in shared or [type_id]:
                mask &= masks[t]
            nodes = _path(csr_of(mask), src, dst)
            if nodes is None and type_id in masks:
                nodes = _path(csr_of(masks[type_id]), src, dst)
        line: list[tuple[float, float]] = [
            (float(g.coordinates[k][0]), float(g.coordinates[k][1])) for k in nodes or []
        ]
        if ends[0] is not None:
            line.insert(0, (float(ends[0][0]), float(ends[0][1])))
        if ends[1] is not None:
            line.append((float(ends[1][0]), float(ends[1][1])))
        out[leg] = [pt for k, pt in enumerate(line) if k == 0 or pt != line[k - 1]]
    return out


def route_lines(
    instance: Instance, sheet: RunSheet, network: RoadNetwork
) -> dict[int, list[tuple[float, float]]]:
    """Per route of ``sheet`` (keyed by ``SheetRoute.route``) its line along the roads."""
    index = {loc.id: k for k, loc in enumerate(instance.locations)}
    per_route: dict[int, list[Leg]] = {}
    for r in sheet.routes:
        locs = [index[s.location] for s in r.stops if s.location in index]
        per_route[r.route] = [(r.vehicle_type, a, b) for a, b in pairwise(locs) if a != b]
    paths = leg_paths(instance, network, (leg for legs in per_route.values() for leg in legs))
    out: dict[int, list[tuple[float, float]]] = {}
    for route, legs in per_route.items():
        line: list[tuple[float, float]] = []
        for leg in legs:
            pts = paths[leg]
            line.extend(pts[1:] if line and pts and pts[0] == line[-1] else pts)
        out[route] = line
    return out


__all__ = ["leg_paths", "network_of", "route_lines"]
