"""Dominated station visits (:mod:`optimizer.solver.stations`): which stations may stand in for
which, that the order is strict, that every arc the model removes leaves an undominated way
through a kept station, and that plans built by the route evaluator stay inside the pruned model."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

import optimizer
from optimizer.model import (
    Depot,
    Instance,
    Job,
    Location,
    Station,
    TimeWindow,
    Vehicle,
    VehicleType,
)
from optimizer.solver.driver import _copies_needed, _default_copies, _remap
from optimizer.solver.evaluator import RouteEvaluator, release
from optimizer.solver.ortools_model import ortools
from optimizer.solver.pipeline import construct
from optimizer.solver.search_model import ModelOptions, build
from optimizer.solver.stations import beats, dominators
from tests.conftest import benchmark_file


def _instance(stations: dict[str, tuple[float, dict[str, object]]]) -> Instance:
    """Depot at the origin, stations on the x axis (id -> (x, Station fields)), one job, two
    trucks."""
    locs = [Location("D", (0.0, 0.0))]
    built = []
    for sid, (x, fields) in stations.items():
        built.append(Station(sid, len(locs), **fields))  # type: ignore[arg-type]
        locs.append(Location(sid, (x, 0.0)))
    locs.append(Location("J", (15.0, 5.0)))
    return Instance(
        name="stations",
        locations=tuple(locs),
        depots=(Depot("D", 0, opening=TimeWindow(0, 600)),),
        vehicle_types=(
            VehicleType(
                "ev",
                "bev",
                capacity_kg=1000,
                battery_kwh=60,
                consumption_per_km_empty=1.0,
                consumption_per_km_full=1.0,
            ),
        ),
        vehicles=(Vehicle("ev", "ev", "D", count=2),),
        jobs=(Job("J", len(locs) - 1, weight_kg=10, time_windows=(TimeWindow(0, 600),)),),
        stations=tuple(built),
    )


def test_a_stand_in_is_the_same_kind_open_as_long_and_never_queued() -> None:
    fast = {"power_kw": 100.0, "chargers": 2}
    inst = _instance(
        {
            "A": (10.0, fast),
            "same": (20.0, fast),
            "dearer": (30.0, {**fast, "fee_per_visit": 1.0}),
            "slower": (40.0, {**fast, "power_kw": 50.0}),
            "queued": (50.0, {**fast, "chargers": 1}),
            "shorter": (60.0, {**fast, "opening": (TimeWindow(0, 300),)}),
            "swap": (70.0, {"kind": "swap", "swap_min": 5.0, "chargers": 2}),
        }
    )
    doms = dominators(inst)
    assert doms["A"] == ("same",)
    assert "dearer" not in doms["A"] and "A" not in doms["dearer"]
    assert "slower" not in doms["A"] and "A" not in doms["slower"]
    # One charger for a fleet of two may queue: it stands in for nothing, others for it.
    assert "queued" not in doms["A"] and "A" in doms["queued"]
    # Always open stands in for "open until 300", not the other way round.
    assert "A" in doms["shorter"] and "shorter" not in doms["A"]
    assert doms["swap"] == ()


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), min_size=4, max_size=8, unique=True)
)
def test_beats_is_a_strict_order(points: list[tuple[int, int]]) -> None:
    """Never both ways, and transitive: so per pair of places some station is undominated."""
    p = np.array(points, dtype=float)
    d = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(axis=2))
    mats = (d.tolist(), (2 * d).tolist())
    a, b = 0, 1
    vias = range(2, len(points))
    for x, y in itertools.permutations(vias, 2):
        assert not (beats(mats, a, b, x, y, x < y) and beats(mats, a, b, y, x, y < x))
    for x, y, z in itertools.permutations(vias, 3):
        if beats(mats, a, b, x, y, x < y) and beats(mats, a, b, y, z, y < z):
            assert beats(mats, a, b, x, z, x < z)


def test_every_removed_arc_leaves_a_kept_way_that_is_no_worse() -> None:
    """For each removed arc a -> s and every next place b, some station s' has both arcs
    a -> s' and s' -> b kept and is no farther on either leg: the pruning loses no plan."""
    inst = optimizer.load(benchmark_file("evrptw", "c103_21.txt"))
    rm = build(inst, ModelOptions(copies_per_station=1))
    assert ortools(rm).pruned_station_arcs > 0
    routing, manager = ortools(rm).routing, ortools(rm).manager
    dist, dur = inst.distance_km, inst.duration_min
    stations = [
        (manager.NodeToIndex(i), nd) for i, nd in enumerate(rm.nodes) if nd.kind == "station"
    ]
    tasks = [(manager.NodeToIndex(i), nd) for i, nd in enumerate(rm.nodes) if nd.kind == "job"]
    removed = 0
    for a_idx, a in tasks[::3]:
        for s_idx, s in stations:
            if routing.NextVar(a_idx).Contains(s_idx):
                continue
            removed += 1
            for b_idx, b in tasks[1::4]:
                if b_idx == a_idx:
                    continue
                assert any(
                    routing.NextVar(a_idx).Contains(x_idx)
                    and routing.NextVar(x_idx).Contains(b_idx)
                    and dist[a.location, x.location] <= dist[a.location, s.location]
                    and dist[x.location, b.location] <= dist[s.location, b.location]
                    and dur[a.location, x.location] <= dur[a.location, s.location]
                    and dur[x.location, b.location] <= dur[s.location, b.location]
                    for x_idx, x in stations
                ), (a.ref, s.ref, b.ref)
    assert removed > 0


def test_constructed_plans_stay_inside_the_pruned_model() -> None:
    """The route evaluator skips dominated visits by the same rule, so the model accepts its
    plans as a start (the driver depends on it)."""
    inst = optimizer.load(benchmark_file("evrptw", "r105_21.txt"))
    rm = build(inst, ModelOptions(copies_per_station=_default_copies(inst)))
    try:
        built = construct(rm, order_seed=3, lns_work=200_000)
        assert not built.unassigned
        visits = sum(rm.nodes[n].kind == "station" for seq in built.routes.values() for n in seq)
        assert visits > 0
        # As the driver does: a model with enough station copies for the plan.
        full = build(inst, ModelOptions(copies_per_station=_copies_needed(rm, built.routes)))
        assert ortools(full).pruned_station_arcs > 0
        routes = _remap(rm, full, built.routes)
        ortools(full).routing.CloseModel()
        per_vehicle = [
            [ortools(full).manager.NodeToIndex(n) for n in routes.get(k, [])]
            for k in range(len(full.units))
        ]
        assert ortools(full).routing.ReadAssignmentFromRoutes(per_vehicle, True) is not None
    finally:
        release(rm)


def test_the_evaluator_only_offers_stations_the_model_keeps() -> None:
    """Between any two stops, every station the route evaluator may place has both arcs in the
    pruned model (the rule is shared; without it the model would refuse some of its plans)."""
    inst = optimizer.load(benchmark_file("evrptw", "c103_21.txt"))
    rm = build(inst, ModelOptions(copies_per_station=1))
    try:
        ev = RouteEvaluator(rm, 0)
        routing, manager = ortools(rm).routing, ortools(rm).manager
        tasks = [(manager.NodeToIndex(i), nd) for i, nd in enumerate(rm.nodes) if nd.kind == "job"]
        offered = 0
        for (a_idx, a), (b_idx, b) in itertools.product(tasks[::5], tasks[2::5]):
            if a_idx == b_idx:
                continue
            for site, _ in ev._candidates(a.location, b.location):
                s_idx = manager.NodeToIndex(site.node)
                offered += 1
                assert routing.NextVar(a_idx).Contains(s_idx), (a.ref, site.ref, b.ref)
                assert routing.NextVar(s_idx).Contains(b_idx), (a.ref, site.ref, b.ref)
        assert offered > 100
    finally:
        release(rm)
