"""The OR-Tools model itself, below the driver: the start-slack trap and station charging."""

from __future__ import annotations

from pathlib import Path

from ortools.constraint_solver import pywrapcp

import optimizer
from optimizer.model import Depot, Instance, Job, Location, Objective, Station, Vehicle, VehicleType
from optimizer.solver.ortools_model import ortools, search_parameters
from optimizer.solver.search_model import ModelOptions, build


def _line(with_station: bool) -> Instance:
    """Depot at 0 km, one job 40 km east; the truck has 30 kWh above its reserve and uses 1 kWh/km.

    Out and back is 80 kWh. Without a station the job is out of range; with a 100 kW charger at the
    job's doorstep (20 km out) it is reachable: 20 kWh to the charger, charge, 20 + 40 = 60 kWh back.
    """
    locs = [Location("depot", (0.0, 0.0)), Location("job", (40.0, 0.0))]
    stations: tuple[Station, ...] = ()
    if with_station:
        locs.append(Location("plug", (20.0, 0.0)))
        stations = (Station("plug", 2, power_kw=100.0),)
    return Instance(
        name="line",
        locations=tuple(locs),
        depots=(Depot("d", 0),),
        jobs=(Job("j", 1, weight_kg=10.0),),
        vehicle_types=(VehicleType("ev", "bev", 100.0, 1.0, battery_kwh=100.0),),
        vehicles=(Vehicle("v", "ev", "d", initial_soc=0.3),),
        stations=stations,
        objective=Objective("distance", unserved_penalty=1000.0),
    )


def _solve(inst: Instance) -> tuple[list[str], pywrapcp.Assignment, object]:
    rm = build(inst, ModelOptions(copies_per_station=2))
    params = search_parameters(5.0, solution_limit=200)
    assignment = ortools(rm).routing.SolveWithParameters(params)
    assert assignment is not None
    idx = assignment.Value(ortools(rm).routing.NextVar(ortools(rm).routing.Start(0)))
    refs = []
    while not ortools(rm).routing.IsEnd(idx):
        refs.append(rm.nodes[ortools(rm).manager.IndexToNode(idx)].ref)
        idx = assignment.Value(ortools(rm).routing.NextVar(idx))
    return refs, assignment, rm


def test_start_node_grants_no_free_energy() -> None:
    # The trap: the start node has a slack variable on the energy dimension. Unpinned, the solver
    # would "charge" 50 kWh at the depot for free and serve the job. Pinned, the job is dropped.
    refs, _, _ = _solve(_line(with_station=False))
    assert refs == []


def test_station_visit_charges_what_the_route_needs() -> None:
    # Through the driver (which starts from the constructive plan): the route goes out via the
    # charger and adds exactly the 50 kWh the 80 km need beyond the 30 kWh on board.
    inst = _line(with_station=True)
    plan = optimizer.solve(inst, time_limit_s=5, seed=0)
    report = optimizer.validate(inst, plan)
    assert report.feasible, report.summary()
    (route,) = report.solution.routes
    assert [s.ref for s in route.stops] == ["d", "plug", "j", "d"]
    assert route.stops[1].charged_kwh == 50.0
    assert route.stops[-1].soc_arrival_kwh == 0.0


def _windowed_pair(b_closes_min: float) -> Instance:
    """Two jobs 30 km apart (60 km/h), the depot between them (15 km from each): A open 0-100
    with 10 min service, B closing at ``b_closes_min``. A served from 0 at the earliest reaches B
    at 40; B -> A reaches A at 40."""
    from optimizer.model import TimeWindow

    return Instance(
        name="pair",
        locations=(
            Location("depot", (25.0, 0.0)),
            Location("A", (10.0, 0.0)),
            Location("B", (40.0, 0.0)),
        ),
        depots=(Depot("d", 0),),
        jobs=(
            Job("A", 1, service_min=10.0, time_windows=(TimeWindow(0.0, 100.0),)),
            Job("B", 2, service_min=10.0, time_windows=(TimeWindow(0.0, b_closes_min),)),
        ),
        vehicle_types=(VehicleType("van", "diesel", 100.0, 0.1),),
        vehicles=(Vehicle("v", "van", "d", count=2),),
        objective=Objective(kind="distance"),
    )


def test_arcs_no_vehicle_can_drive_in_time_are_pruned() -> None:
    # B closes at 35: from A (served at 0 at the earliest, 10 min service, 30 min drive) the
    # truck reaches B at 40 at the earliest, so A -> B goes; B -> A (B served at 0, A at 40) stays.
    rm = build(_windowed_pair(35.0), ModelOptions())
    a, b = (ortools(rm).manager.NodeToIndex(rm.task_nodes[t][0]) for t in ("A", "B"))
    assert ortools(rm).pruned_arcs == 1
    assert not ortools(rm).routing.NextVar(a).Contains(b)
    assert ortools(rm).routing.NextVar(b).Contains(a)
    # A plan still exists (two vans, or B first), and it is the same with pruning off.
    inst = _windowed_pair(35.0)
    plan = optimizer.solve(inst, time_limit_s=2, seed=0)
    assert optimizer.validate(inst, plan).feasible
    assert plan.meta["arcs_pruned"] == 1


def test_pruning_keeps_every_arc_that_fits_and_can_be_turned_off() -> None:
    assert (
        ortools(build(_windowed_pair(40.0), ModelOptions())).pruned_arcs == 0
    )  # arrives just in time
    assert ortools(build(_windowed_pair(35.0), ModelOptions(prune_arcs=False))).pruned_arcs == 0


def test_our_search_builds_no_ortools_model_and_the_fixed_costs_agree() -> None:
    """Our own phases read the search model's tables only: after construction, route and fleet
    minimisation and ruin and recreate, no OR-Tools model has been built (it waits for its own
    phase); once built, it gives each vehicle the fixed cost the search counted (fewest
    vehicles, where the fixed cost outweighs any distance, and a money objective)."""
    from optimizer.solver.evaluator import release
    from optimizer.solver.pipeline import construct
    from tests.conftest import benchmark_file

    for inst in (
        optimizer.load(benchmark_file("evrptw", "c101C5.txt")),
        optimizer.load(_root() / "instances" / "city-day-small.json"),
    ):
        rm = build(inst, ModelOptions(copies_per_station=2))
        built = construct(rm, order_seed=1, rm_work=5_000, fleet_work=5_000, lns_work=20_000)
        release(rm)
        assert not built.unassigned
        assert rm.ortools_model is None
        routing = ortools(rm).routing
        assert rm.ortools_model is not None
        assert rm.fixed == [routing.GetFixedCostOfVehicle(k) for k in range(len(rm.units))]
        assert any(rm.fixed)


def _root() -> Path:
    return Path(__file__).resolve().parents[2]
