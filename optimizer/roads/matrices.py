"""Distance and time matrices over an instance's locations, by shortest paths on a road graph.

The choices, and why:

- **One path per pair.** The time of a pair is the fastest path's time and its distance is that
  same path's length (ties broken by the shorter length). A vehicle drives one path, so its
  energy, cost and emissions (per km) and its schedule (per minute) must come from the same one;
  shortest-distance lengths with fastest-path times would describe a route nobody drives.
- **Restrictions per vehicle type.** An arc is closed to a type whose gross weight exceeds the arc's
  ``max_weight_kg`` (the laden maximum, as bridge limits apply to the loaded truck) or whose carrier
  the arc bans. Types closed to the same arcs form a *profile* and share one Dijkstra per location.
- **One matrix for all types (the model holds one).** ``Instance`` has one distance and one
  duration matrix (``Travel``), read by the solver and the validator alike. So the matrix entry of a
  pair is the fastest path that *every* type which may drive that pair can use: types that may visit
  both ends (depots of their vehicles, jobs outside their banned zones, stations they can use).
  For a heavy diesel tractor and a light van sharing a pair, the pair's path avoids both the weak
  bridge and the low-emission zone; a pair only the van can drive (a job in the zone the tractor is
  banned from) keeps the van's own fastest path. Where the types sharing a pair have no common path,
  the entry is the largest of their own fastest paths' times and lengths: an upper bound for every
  one of them (waiting is allowed), counted in ``pairs_without_common_path``. Per-type matrices are
  computed too (:meth:`RoadMatrices.for_type`) for the day the model takes them.
- **Unreachable is an error.** With one matrix there is no way to say "this type cannot get there",
  so a location that a type may visit but cannot reach (or leave) on its roads stops the load with
  the location, the type and the restriction that closes the way.
- **Snapping.** A location with coordinates is placed on its nearest graph node (Euclidean km for
  x/y graphs, great-circle for lon/lat); the distance is reported and must stay within
  ``max_snap_km``, because a far snap silently moves the customer. It is not added to the matrices:
  the last metres are the same for every route and vehicle. ``location_nodes`` names the node instead.
- **Cache.** Matrices are stored in ``.npz`` files keyed by a SHA-256 of everything they depend on
  (graph bytes, locations, vehicle restrictions, which types visit which location), under
  ``$OPTIMIZER_CACHE_DIR/roads`` or ``~/.cache/optimizer/roads``. A stale entry cannot be hit because
  any change changes the key; a broken or unwritable cache only costs the time to recompute.
"""

from __future__ import annotations

import dataclasses
import hashlib
import heapq
import json
import math
import os
import time
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError, Issue, Problems
from ..model import EARTH_RADIUS_KM, Instance, Travel
from .graph import RoadGraph, file_digest, read_graph

#: Part of every cache key. 2: the graph reader refuses numbers beyond MAX_QUANTITY and arc times
#: that overflow (issue 23); matrices cached from such a graph must not be served without it.
CACHE_VERSION = 2
DEFAULT_MAX_SNAP_KM = 1.0
#: Profiles are combined as bits of an int64 mask; an instance with more is not a road fleet.
MAX_PROFILES = 62
SPEC_PATH = "travel.road_network"


@dataclass(frozen=True)
class RoadNetwork:
    """Where the road graph is and what the matrix builder needs beyond the instance.

    ``gross_weight_kg`` is the laden gross weight per vehicle type id (needed for every type that
    drives when the graph has weight limits: the model's ``capacity_kg`` is payload, not weight).
    ``location_nodes`` maps location ids to graph node ids where snapping is not wanted.
    """

    graph: Path
    nodes: Path | None = None
    gross_weight_kg: Mapping[str, float] = field(default_factory=dict)
    location_nodes: Mapping[str, str] = field(default_factory=dict)
    max_snap_km: float = DEFAULT_MAX_SNAP_KM
    cache: bool = True
    #: The graph path as the instance spelled it (kept in provenance instead of an absolute path).
    given: str | None = None

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any], base_dir: Path) -> RoadNetwork:
        """The native JSON block (already schema-checked); relative paths are against ``base_dir``."""
        nodes = raw.get("nodes")
        return cls(
            graph=base_dir / raw["graph"],
            nodes=None if nodes is None else base_dir / nodes,
            gross_weight_kg={k: float(v) for k, v in raw.get("gross_weight_kg", {}).items()},
            location_nodes={k: str(v) for k, v in raw.get("location_nodes", {}).items()},
            max_snap_km=float(raw.get("max_snap_km", DEFAULT_MAX_SNAP_KM)),
            cache=bool(raw.get("cache", True)),
            given=str(raw["graph"]),
        )


@dataclass(frozen=True, eq=False)
class Profile:
    """Vehicle types closed to the same arcs. ``distance_km`` / ``duration_min`` are over
    ``locations`` (indices into the instance's locations that these types visit), in that order."""

    types: tuple[str, ...]
    closed_arcs: int
    locations: np.ndarray
    distance_km: np.ndarray
    duration_min: np.ndarray


@dataclass(frozen=True, eq=False)
class RoadMatrices:
    """The matrices of one instance on one road graph, with what a user needs to trust them."""

    distance_km: np.ndarray
    duration_min: np.ndarray
    #: Graph node of each location, the snapping distance in km, and whether the user named the node.
    node: tuple[str, ...]
    snap_km: np.ndarray
    mapped: np.ndarray
    profiles: tuple[Profile, ...]
    pairs_without_common_path: int
    graph_info: Mapping[str, Any]
    from_cache: bool = False
    seconds: float = 0.0
    #: The graph file as the instance named it (not cached: two instances may name it differently).
    graph_name: str = ""

    def for_type(self, type_id: str) -> tuple[np.ndarray, np.ndarray]:
        """Distance and duration matrices for one vehicle type alone, on its own fastest paths;
        ``inf`` between locations the type never visits. (The model cannot hold these yet.)"""
        for prof in self.profiles:
            if type_id in prof.types:
                n = len(self.node)
                dist = np.full((n, n), np.inf)
                dur = np.full((n, n), np.inf)
                ix = np.ix_(prof.locations, prof.locations)
                dist[ix] = prof.distance_km
                dur[ix] = prof.duration_min
                return dist, dur
        raise KeyError(f"no vehicle of type {type_id!r} drives on this road network")

    def summary(self, instance: Instance) -> dict[str, Any]:
        """Provenance for ``Instance.meta``: deterministic (no timing, no cache state)."""
        worst = int(np.argmax(self.snap_km)) if len(self.snap_km) else 0
        return {
            "graph": self.graph_name,
            **self.graph_info,
            "metric": "fastest path; distance is that path's length",
            "snap_km_max": round(float(self.snap_km.max(initial=0.0)), 4),
            "snap_km_mean": round(float(self.snap_km.mean()) if len(self.snap_km) else 0.0, 4),
            "snap_worst": instance.locations[worst].id if len(self.snap_km) else None,
            "profiles": [
                {
                    "types": list(p.types),
                    "closed_arcs": p.closed_arcs,
                    "locations": len(p.locations),
                }
                for p in self.profiles
            ],
            "pairs_without_common_path": self.pairs_without_common_path,
        }

    def describe(self, instance: Instance, *, farthest: int = 5) -> str:
        """A few lines for a person: the graph, the restriction profiles, the snapping."""
        g = self.graph_info
        lines = [
            f"road graph: {self.graph_name} ({g['nodes']} nodes, {g['arcs']} arcs from "
            f"{g['streets']} streets, {g['coordinates']})",
            "matrices: fastest path per pair; distance is that path's length",
            "vehicle types by road restrictions:",
        ]
        for p in self.profiles:
            closed = f"{p.closed_arcs} arcs closed" if p.closed_arcs else "no arc closed"
            lines.append(f"  {', '.join(p.types)}: {closed}; visit {len(p.locations)} locations")
        lines.append(
            "pairs whose types share no common path (upper bound used): "
            f"{self.pairs_without_common_path}"
        )
        order = np.argsort(-self.snap_km, kind="stable")[:farthest]
        lines.append(
            f"snapping: max {self.snap_km.max(initial=0.0):.3f} km, mean "
            f"{self.snap_km.mean() if len(self.snap_km) else 0.0:.3f} km; farthest:"
        )
        for k in order:
            how = "named" if self.mapped[k] else "nearest"
            lines.append(
                f"  {instance.locations[k].id} -> {self.node[k]} ({how}) {self.snap_km[k]:.3f} km"
            )
        return "\n".join(lines)

    def snaps(self, instance: Instance) -> list[dict[str, Any]]:
        """Per location: its road node, the snapping distance and whether the user named the node."""
        return [
            {
                "location": loc.id,
                "node": self.node[k],
                "snap_km": round(float(self.snap_km[k]), 4),
                "named": bool(self.mapped[k]),
            }
            for k, loc in enumerate(instance.locations)
        ]


# ----------------------------------------------------------------------------------------------
# the public entry points
def attach(
    instance: Instance, network: RoadNetwork, *, cache_dir: Path | None = None
) -> tuple[Instance, RoadMatrices]:
    """``instance`` with its travel replaced by matrices from ``network`` (metric ``matrix``) and the
    road provenance in ``meta["road_network"]``; also returns the matrices and their diagnostics."""
    rm = road_matrices(instance, network, cache_dir=cache_dir)
    travel = Travel(metric="matrix", distance_km=rm.distance_km, duration_min=rm.duration_min)
    meta = {**instance.meta, "road_network": rm.summary(instance)}
    return dataclasses.replace(instance, travel=travel, meta=meta), rm


def default_cache_dir() -> Path:
    """``$OPTIMIZER_CACHE_DIR/roads``, else ``$XDG_CACHE_HOME/optimizer/roads``, else
    ``~/.cache/optimizer/roads``."""
    root = os.environ.get("OPTIMIZER_CACHE_DIR")
    if root:
        return Path(root) / "roads"
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "optimizer" / "roads"


def road_matrices(
    instance: Instance, network: RoadNetwork, *, cache_dir: Path | None = None
) -> RoadMatrices:
    """Build (or read from the cache) the road matrices of ``instance`` on ``network``.

    Raises :class:`~optimizer.errors.InputError` with every problem: spec fields that name no
    type, location or node; missing gross weights; far snaps; locations a type cannot reach.
    """
    started = time.perf_counter()
    _check_spec(instance, network)
    visits, type_ids = visit_table(instance)
    graph_sha = file_digest(network.graph)
    nodes_sha = file_digest(network.nodes) if network.nodes is not None else None
    key = _cache_key(instance, network, visits, type_ids, (graph_sha, nodes_sha))
    folder = cache_dir if cache_dir is not None else default_cache_dir()
    rm = _cache_read(folder / f"{key}.npz", type_ids) if network.cache else None
    if rm is None:
        graph = read_graph(network.graph, network.nodes)
        graph_info = {
            "sha256": graph_sha,
            "nodes": len(graph.node_ids),
            "arcs": len(graph.tail),
            "streets": graph.streets,
            "coordinates": "lon/lat" if graph.geographic else "x/y km",
        }
        rm = _build(instance, network, graph, graph_info, visits, type_ids)
        if network.cache:
            _cache_write(folder, key, rm)
    _check_snaps(instance, network, rm)
    name = network.given if network.given is not None else str(network.graph)
    return dataclasses.replace(rm, seconds=time.perf_counter() - started, graph_name=name)


def visit_table(instance: Instance) -> tuple[np.ndarray, tuple[str, ...]]:
    """Which locations each vehicle type may visit, as the solver and validator see it.

    A type visits the depots its vehicles start and end at, the jobs and shipments not in a zone it
    is banned from (both ends of a shipment, or neither), and the stations it can use. Types with no
    vehicle drive nowhere. Rows follow the returned type ids.
    """
    n = len(instance.locations)
    used = [t for t in instance.vehicle_types if any(v.type == t.id for v in instance.vehicles)]
    table = np.zeros((len(used), n), dtype=bool)
    for r, t in enumerate(used):
        for v in instance.vehicles:
            if v.type == t.id:
                table[r, instance.depot_by_id[v.start_depot].location] = True
                table[r, instance.depot_by_id[v.end].location] = True
        for j in instance.jobs:
            if not instance.banned(t, j.location):
                table[r, j.location] = True
        for s in instance.shipments:
            ends = (s.pickup.location, s.delivery.location)
            if not any(instance.banned(t, loc) for loc in ends):
                table[r, list(ends)] = True
        for st in instance.stations:
            if t.is_electric and t.can_use(st.kind):
                table[r, st.location] = True
    return table, tuple(t.id for t in used)


# ----------------------------------------------------------------------------------------------
# checks that need no graph (run before the cache, so a bad spec never hits a stale entry)
def _check_spec(instance: Instance, network: RoadNetwork) -> None:
    p = Problems()
    for name, file in (("graph", network.graph), ("nodes", network.nodes)):
        if file is not None and not file.is_file():
            p.add(f"{SPEC_PATH}.{name}", "is not a file", str(file))
    for tid, kg in network.gross_weight_kg.items():
        path = f"{SPEC_PATH}.gross_weight_kg.{tid}"
        p.check(tid in instance.type_by_id, path, "names no vehicle type", tid)
        p.check(math.isfinite(kg) and kg > 0, path, "must be a number > 0", kg)
    loc_ids = {loc.id for loc in instance.locations}
    for lid, node in network.location_nodes.items():
        p.check(lid in loc_ids, f"{SPEC_PATH}.location_nodes.{lid}", "names no location", lid)
        p.check(node != "", f"{SPEC_PATH}.location_nodes.{lid}", "must name a node", node)
    p.check(
        math.isfinite(network.max_snap_km) and network.max_snap_km >= 0,
        f"{SPEC_PATH}.max_snap_km",
        "must be a number >= 0",
        network.max_snap_km,
    )
    for k, loc in enumerate(instance.locations):
        if loc.coordinates is None and loc.id not in network.location_nodes:
            p.add(
                f"locations[{k}].coordinates",
                f"are required to place {loc.id!r} on the road network "
                f"(or name its node in {SPEC_PATH}.location_nodes)",
                has_value=False,
            )
    p.raise_if_any()


def _check_snaps(instance: Instance, network: RoadNetwork, rm: RoadMatrices) -> None:
    p = Problems()
    for k, loc in enumerate(instance.locations):
        d = float(rm.snap_km[k])
        if not rm.mapped[k] and d > network.max_snap_km:
            p.add(
                f"locations[{k}].coordinates",
                f"are {d:.3g} km from the nearest road node {rm.node[k]!r}, more than "
                f"max_snap_km ({network.max_snap_km:g}): move {loc.id!r}, name its node in "
                f"{SPEC_PATH}.location_nodes, or raise {SPEC_PATH}.max_snap_km",
                list(loc.coordinates) if loc.coordinates else None,
            )
    p.raise_if_any()


# ----------------------------------------------------------------------------------------------
# building
def _build(
    instance: Instance,
    network: RoadNetwork,
    graph: RoadGraph,
    graph_info: dict[str, Any],
    visits: np.ndarray,
    type_ids: tuple[str, ...],
) -> RoadMatrices:
    p = Problems()
    limits = graph.weight_limits_kg
    if limits:
        for tid in type_ids:
            if tid not in network.gross_weight_kg:
                p.add(
                    f"{SPEC_PATH}.gross_weight_kg.{tid}",
                    "is required: the road graph has weight limits "
                    f"({', '.join(f'{w:g}' for w in limits[:4])}{' ...' if len(limits) > 4 else ''} kg)",
                    has_value=False,
                )
    loc_node, snap_km, mapped = _snap(instance, network, graph, p)
    p.raise_if_any()

    # Profiles: types closed to the same arcs.
    allowed_by_type = [
        _allowed(graph, instance.type_by_id[tid].carrier, network.gross_weight_kg.get(tid))
        for tid in type_ids
    ]
    prof_of_type: list[int] = []
    masks: list[np.ndarray] = []
    seen: dict[bytes, int] = {}
    for allowed in allowed_by_type:
        sig = np.packbits(allowed).tobytes()
        if sig not in seen:
            seen[sig] = len(masks)
            masks.append(allowed)
        prof_of_type.append(seen[sig])
    if len(masks) > MAX_PROFILES:
        raise InputError(
            Issue(
                "vehicle_types",
                f"fall into {len(masks)} road-restriction profiles; at most {MAX_PROFILES} are supported",
                len(masks),
            )
        )
    runner = _Runner(graph, masks)

    # Per profile: fastest paths among the locations its types visit.
    profiles: list[Profile] = []
    for q, allowed in enumerate(masks):
        rows = [r for r in range(len(type_ids)) if prof_of_type[r] == q]
        locs = np.flatnonzero(visits[rows].any(axis=0))
        dur, dist = runner.block(1 << q, loc_node[locs], loc_node[locs])
        profiles.append(
            Profile(
                types=tuple(type_ids[r] for r in rows),
                closed_arcs=int((~allowed).sum()),
                locations=locs,
                distance_km=dist,
                duration_min=dur,
            )
        )
    _check_reachable(instance, network, graph, visits, type_ids, prof_of_type, profiles, loc_node)

    # The one matrix: per pair, the profiles of the types that may drive it. Locations fall into
    # classes by which types visit them; a pair's profiles depend only on the two classes.
    n = len(instance.locations)
    dist_all = np.zeros((n, n))
    dur_all = np.zeros((n, n))
    fell_back = np.zeros((n, n), dtype=bool)
    classes, inverse = np.unique(visits.T, axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    members = [np.flatnonzero(inverse == c) for c in range(len(classes))]
    by_bits: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {}
    for a in range(len(classes)):
        for b in range(len(classes)):
            shared = np.flatnonzero(classes[a] & classes[b])
            bits = sum({1 << prof_of_type[int(r)] for r in shared})
            by_bits.setdefault(bits, []).append((members[a], members[b]))
    for bits, blocks in sorted(by_bits.items()):
        src = np.unique(np.concatenate([a for a, _ in blocks]))
        dst = np.unique(np.concatenate([b for _, b in blocks]))
        dur, dist = runner.block(bits, loc_node[src], loc_node[dst])
        uppers = [
            runner.block(1 << q, loc_node[src], loc_node[dst])
            for q in range(len(masks))
            if bits >> q & 1 and bits != 1 << q
        ]
        for a_locs, b_locs in blocks:
            ia, ib = np.searchsorted(src, a_locs), np.searchsorted(dst, b_locs)
            sub_t, sub_l = dur[np.ix_(ia, ib)], dist[np.ix_(ia, ib)]
            missing = ~np.isfinite(sub_t)
            if missing.any() and not uppers:
                # One profile, or none (a pair no vehicle drives: all arcs were allowed).
                i, j = map(int, np.argwhere(missing)[0])
                a_id = instance.locations[int(a_locs[i])].id
                b_id = instance.locations[int(b_locs[j])].id
                raise InputError(
                    Issue(
                        f"locations[{int(b_locs[j])}]",
                        f"{b_id!r} cannot be reached from {a_id!r} on any road of the graph",
                        has_value=False,
                    )
                )
            if missing.any():
                # No path that all these types may drive: the largest of their own fastest
                # paths, an upper bound on time and distance for each of them.
                up_t = np.max([u[0][np.ix_(ia, ib)] for u in uppers], axis=0)
                up_l = np.max([u[1][np.ix_(ia, ib)] for u in uppers], axis=0)
                sub_t = np.where(missing, up_t, sub_t)
                sub_l = np.where(missing, up_l, sub_l)
            dur_all[np.ix_(a_locs, b_locs)] = sub_t
            dist_all[np.ix_(a_locs, b_locs)] = sub_l
            fell_back[np.ix_(a_locs, b_locs)] = missing
    np.fill_diagonal(dist_all, 0.0)
    np.fill_diagonal(dur_all, 0.0)
    np.fill_diagonal(fell_back, False)
    fallback = int(fell_back.sum())
    return RoadMatrices(
        distance_km=dist_all,
        duration_min=dur_all,
        node=tuple(graph.node_ids[int(k)] for k in loc_node),
        snap_km=snap_km,
        mapped=mapped,
        profiles=tuple(profiles),
        pairs_without_common_path=fallback,
        graph_info=graph_info,
    )


def _allowed(graph: RoadGraph, carrier: str, gross_kg: float | None) -> np.ndarray:
    """Arcs a vehicle of ``carrier`` weighing ``gross_kg`` (None: no weight given) may drive."""
    ok = np.array([carrier not in b for b in graph.banned_carriers], dtype=bool)
    if gross_kg is not None:
        ok &= graph.max_weight_kg >= gross_kg
    return ok


def _snap(
    instance: Instance, network: RoadNetwork, graph: RoadGraph, p: Problems
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Nearest node with at least one arc for each location (or the node the user named)."""
    n = len(instance.locations)
    node = np.zeros(n, dtype=np.int64)
    snap = np.zeros(n)
    mapped = np.zeros(n, dtype=bool)
    candidates = np.union1d(graph.tail, graph.head)
    cand_xy = graph.coordinates[candidates]
    for k, loc in enumerate(instance.locations):
        named = network.location_nodes.get(loc.id)
        if named is not None:
            if named not in graph.node_index:
                p.add(
                    f"{SPEC_PATH}.location_nodes.{loc.id}", "names no node of the road graph", named
                )
                continue
            node[k] = graph.node_index[named]
            mapped[k] = True
            if loc.coordinates is not None:
                snap[k] = float(
                    _km(graph, np.array(loc.coordinates), graph.coordinates[[node[k]]])[0]
                )
            continue
        assert loc.coordinates is not None  # checked in _check_spec
        d = _km(graph, np.array(loc.coordinates, dtype=float), cand_xy)
        best = int(np.argmin(d))
        node[k] = int(candidates[best])
        snap[k] = float(d[best])
    return node, snap, mapped


def _km(graph: RoadGraph, point: np.ndarray, others: np.ndarray) -> np.ndarray:
    """Distances in km from ``point`` to each row of ``others`` in the graph's coordinates."""
    if not graph.geographic:
        return np.sqrt(((others - point) ** 2).sum(axis=1))
    lon1, lat1 = np.radians(point[0]), np.radians(point[1])
    lon2, lat2 = np.radians(others[:, 0]), np.radians(others[:, 1])
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


class _Runner:
    """Lexicographic (time, length) Dijkstra on the arcs that a set of profiles may all drive,
    memoised per (profile bits, source node) because the same sources recur across blocks.

    Why not ``networkx.single_source_dijkstra``: it returns one weight, or whole paths for every
    node; we need the time *and* the length of the same path to a few targets, with a documented
    tie-break, and we stop as soon as the targets are settled. The graph stays a networkx graph at
    the edges (:meth:`RoadGraph.to_networkx`), and the tests cross-check times against networkx.
    """

    def __init__(self, graph: RoadGraph, masks: Sequence[np.ndarray]) -> None:
        self.graph = graph
        self.masks = masks
        self.csr: dict[int, tuple[list[int], list[int], list[float], list[float]]] = {}
        self.memo: dict[tuple[int, int], dict[int, tuple[float, float]]] = {}
        self.time = graph.time_min

    def _csr(self, bits: int) -> tuple[list[int], list[int], list[float], list[float]]:
        if bits not in self.csr:
            ok = np.ones(len(self.graph.tail), dtype=bool)
            for q, m in enumerate(self.masks):
                if bits >> q & 1:
                    ok &= m
            self.csr[bits] = _csr(self.graph, ok, self.time)
        return self.csr[bits]

    def block(
        self, bits: int, sources: np.ndarray, targets: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """(time_min, length_km) from each source node to each target node; ``inf`` if unreachable.

        Many locations share a node on a coarse graph, so the work is per distinct node pair."""
        u_src, inv_src = np.unique(sources, return_inverse=True)
        u_tgt, inv_tgt = np.unique(targets, return_inverse=True)
        tgt_list = u_tgt.tolist()
        want = set(tgt_list)
        dur = np.empty((len(u_src), len(u_tgt)))
        dist = np.empty((len(u_src), len(u_tgt)))
        for i, s in enumerate(u_src.tolist()):
            key = (bits, s)
            got = self.memo.get(key)
            if got is None or not want <= got.keys():
                got = dijkstra(*self._csr(bits), s, want | (got.keys() if got else set()))
                self.memo[key] = got
            dur[i] = [got[t][0] for t in tgt_list]
            dist[i] = [got[t][1] for t in tgt_list]
        ix = np.ix_(np.asarray(inv_src).reshape(-1), np.asarray(inv_tgt).reshape(-1))
        return dur[ix], dist[ix]


def _csr(
    graph: RoadGraph, ok: np.ndarray, time_min: np.ndarray
) -> tuple[list[int], list[int], list[float], list[float]]:
    idx = np.flatnonzero(ok)
    order = idx[np.argsort(graph.tail[idx], kind="stable")]
    counts = np.bincount(graph.tail[order], minlength=len(graph.node_ids))
    indptr = np.concatenate([[0], np.cumsum(counts)])
    return (
        indptr.tolist(),
        graph.head[order].tolist(),
        time_min[order].tolist(),
        graph.length_km[order].tolist(),
    )


def dijkstra(
    indptr: list[int],
    head: list[int],
    time_min: list[float],
    length_km: list[float],
    source: int,
    targets: set[int],
) -> dict[int, tuple[float, float]]:
    """Fastest paths from ``source``, ties broken by the shorter length: (time, length) for every
    target (``inf`` where unreachable). Stops once every target is settled."""
    best: dict[int, tuple[float, float]] = {source: (0.0, 0.0)}
    done: set[int] = set()
    left = set(targets)
    heap = [(0.0, 0.0, source)]
    while heap and left:
        t, d, u = heapq.heappop(heap)
        if u in done:
            continue
        done.add(u)
        left.discard(u)
        for a in range(indptr[u], indptr[u + 1]):
            v = head[a]
            if v in done:
                continue
            cand = (t + time_min[a], d + length_km[a])
            old = best.get(v)
            if old is None or cand < old:
                best[v] = cand
                heapq.heappush(heap, (cand[0], cand[1], v))
    return {x: (best[x] if x in done else (math.inf, math.inf)) for x in targets}


# ----------------------------------------------------------------------------------------------
# unreachable locations: which, for which type, and why
def _check_reachable(
    instance: Instance,
    network: RoadNetwork,
    graph: RoadGraph,
    visits: np.ndarray,
    type_ids: tuple[str, ...],
    prof_of_type: list[int],
    profiles: list[Profile],
    loc_node: np.ndarray,
) -> None:
    p = Problems()
    depots = {d.location for d in instance.depots}
    for r, tid in enumerate(type_ids):
        prof = profiles[prof_of_type[r]]
        pos = {int(x): k for k, x in enumerate(prof.locations)}
        mine = [int(x) for x in np.flatnonzero(visits[r])]
        ix = [pos[x] for x in mine]
        bad = ~np.isfinite(prof.duration_min[np.ix_(ix, ix)])
        if not bad.any():
            continue
        vt = instance.type_by_id[tid]
        weight = network.gross_weight_kg.get(tid)
        # Greedy cover: report the location that explains most missing pairs, then the next.
        pairs = {(mine[i], mine[j]) for i, j in zip(*np.nonzero(bad), strict=True)}
        while pairs:
            count: dict[int, int] = {}
            for a, b in pairs:
                count[a] = count.get(a, 0) + 1
                count[b] = count.get(b, 0) + 1
            # On a tie, blame the place rather than the depot every route starts from.
            loc = max(sorted(count), key=lambda x: (count[x], x not in depots))
            into = sorted(a for a, b in pairs if b == loc)
            out = sorted(b for a, b in pairs if a == loc)
            pairs = {(a, b) for a, b in pairs if loc not in (a, b)}
            a, b = (into[0], loc) if into else (loc, out[0])
            why = _why(graph, vt.carrier, weight, int(loc_node[a]), int(loc_node[b]))
            parts = []
            if into:
                parts.append(f"cannot be reached from {_some(instance, into)}")
            if out:
                parts.append(f"cannot reach {_some(instance, out)}")
            desc = f"{vt.carrier}" + (f", {weight:g} kg gross" if weight is not None else "")
            p.add(
                f"locations[{loc}]",
                f"{instance.locations[loc].id!r} (road node {graph.node_ids[int(loc_node[loc])]!r}) "
                f"{' and '.join(parts)} by vehicle type {tid!r} ({desc}): {why}",
                has_value=False,
            )
    p.raise_if_any()


def _some(instance: Instance, locs: list[int]) -> str:
    names = [repr(instance.locations[x].id) for x in locs[:2]]
    more = f" and {len(locs) - 2} other locations" if len(locs) > 2 else ""
    return ", ".join(names) + more


def _why(graph: RoadGraph, carrier: str, weight: float | None, a: int, b: int) -> str:
    """Which restriction closes every way from node ``a`` to node ``b``."""

    def reaches(ok: np.ndarray) -> bool:
        got = dijkstra(*_csr(graph, ok, graph.time_min), a, {b})
        return math.isfinite(got[b][0])

    if not reaches(np.ones(len(graph.tail), dtype=bool)):
        return "no road connects them at all (one-way streets or a disconnected graph)"
    ban = f"the ban on {carrier}"
    if weight is None:
        return f"{ban} closes every way"
    limits = f"weight limits below its {weight:g} kg"
    only_ban = reaches(_allowed(graph, carrier, None))
    only_limits = reaches(graph.max_weight_kg >= weight)
    if only_ban and only_limits:
        return f"{limits} and {ban} together close every way"
    if only_ban:
        return f"{limits} close every way"
    if only_limits:
        return f"{ban} closes every way"
    return f"{limits} close every way, and so does {ban}"


# ----------------------------------------------------------------------------------------------
# cache
def _cache_key(
    instance: Instance,
    network: RoadNetwork,
    visits: np.ndarray,
    type_ids: tuple[str, ...],
    digests: tuple[str, str | None],
) -> str:
    """SHA-256 of everything the matrices depend on (the graph and node files by content)."""
    h = hashlib.sha256()
    head = {
        "version": CACHE_VERSION,
        "graph": digests[0],
        "nodes": digests[1],
        "locations": [[loc.id, loc.coordinates] for loc in instance.locations],
        "location_nodes": sorted(network.location_nodes.items()),
        "types": [
            [tid, instance.type_by_id[tid].carrier, network.gross_weight_kg.get(tid)]
            for tid in type_ids
        ],
    }
    h.update(json.dumps(head, sort_keys=True).encode())
    h.update(np.packbits(visits).tobytes())
    h.update(str(visits.shape).encode())
    return h.hexdigest()


def _cache_write(folder: Path, key: str, rm: RoadMatrices) -> None:
    arrays: dict[str, np.ndarray] = {
        "distance_km": rm.distance_km,
        "duration_min": rm.duration_min,
        "node": np.array(rm.node, dtype=str),
        "snap_km": rm.snap_km,
        "mapped": rm.mapped,
        "info": np.array(
            json.dumps(
                {
                    "graph_info": dict(rm.graph_info),
                    "pairs_without_common_path": rm.pairs_without_common_path,
                    "profiles": [[list(p.types), p.closed_arcs] for p in rm.profiles],
                }
            )
        ),
    }
    for q, prof in enumerate(rm.profiles):
        arrays[f"p{q}_locations"] = prof.locations
        arrays[f"p{q}_distance_km"] = prof.distance_km
        arrays[f"p{q}_duration_min"] = prof.duration_min
    tmp = folder / f"{key}.{os.getpid()}.tmp.npz"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(tmp, **arrays)  # type: ignore[arg-type]
        os.replace(tmp, folder / f"{key}.npz")
    except OSError:
        # The cache only saves time; an unwritable one must not fail a load.
        tmp.unlink(missing_ok=True)


def _cache_read(path: Path, type_ids: tuple[str, ...]) -> RoadMatrices | None:
    if not path.is_file():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            info = json.loads(str(z["info"]))
            profiles = tuple(
                Profile(
                    types=tuple(types),
                    closed_arcs=int(closed),
                    locations=z[f"p{q}_locations"],
                    distance_km=z[f"p{q}_distance_km"],
                    duration_min=z[f"p{q}_duration_min"],
                )
                for q, (types, closed) in enumerate(info["profiles"])
            )
            rm = RoadMatrices(
                distance_km=z["distance_km"],
                duration_min=z["duration_min"],
                node=tuple(str(x) for x in z["node"]),
                snap_km=z["snap_km"],
                mapped=z["mapped"],
                profiles=profiles,
                pairs_without_common_path=int(info["pairs_without_common_path"]),
                graph_info=info["graph_info"],
                from_cache=True,
            )
    except (OSError, ValueError, KeyError, TypeError, EOFError, zipfile.BadZipFile):
        return None  # a broken entry is recomputed and overwritten
    if sorted(t for p in rm.profiles for t in p.types) != sorted(type_ids):
        return None
    return rm
