"""VROOM's problem read as an instance and a plan written as VROOM's solution."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from optimizer.errors import InputError
from optimizer.formats import detect, load
from optimizer.formats.vroom import instance_from_vroom, solution_to_vroom
from optimizer.solution import Route, Solution, Stop
from tests.conftest import INSTANCES

PROBLEM = INSTANCES / "vroom" / "small-problem.json"


def _problem() -> dict[str, Any]:
    return json.loads(PROBLEM.read_text())  # type: ignore[no-any-return]


def test_the_problem_maps_to_the_model() -> None:
    assert detect(PROBLEM) == "vroom"
    inst = load(PROBLEM)
    assert inst.travel.metric == "matrix"
    assert inst.duration_min[0, 1] == 10  # 600 s
    assert inst.distance_km[0, 1] == 8  # 8000 m
    j11, j12, j13, _ = inst.jobs
    assert j11.time_windows[0].start_min == 480 and j11.time_windows[0].end_min == 600
    assert (j11.kind, j11.weight_kg, j11.volume_m3, j11.service_min) == ("delivery", 300, 2, 5)
    assert j12.vehicles == ("1",)  # skill 1: only vehicle 1 has it
    assert (j13.kind, j13.weight_kg) == ("pickup", 200)
    (sh,) = inst.shipments
    assert sh.id == "shipment-21-22" and sh.pickup.location == 2 and sh.delivery.location == 4
    v1, v2 = inst.vehicles
    assert v1.shift is not None and (v1.shift.start_min, v1.shift.end_min) == (480, 1080)
    t2 = inst.type_by_id[v2.type]
    assert (t2.carrier, t2.battery_kwh, t2.capacity_kg, t2.capacity_m3) == ("bev", 60, 600, 6)
    assert inst.type_by_id[v1.type].cost_per_hour == 3600  # VROOM's default: cost = seconds
    assert inst.objective.unserved_penalty is not None  # VROOM may leave tasks unassigned


@pytest.mark.parametrize(
    ("change", "path"),
    [
        (lambda p: p["vehicles"][0].update(breaks=[{"id": 1}]), "vehicles[0].breaks"),
        (lambda p: p["jobs"][0].update(pickup=[5, 0]), "jobs[0]"),
        (lambda p: p["jobs"][1].update(location_index=9), "jobs[1].location_index"),
        (lambda p: p["jobs"][2].update(pickup=[1, 2, 3]), "jobs[2].pickup"),
        (lambda p: p["jobs"][3].update(priority=50), "jobs[3].priority"),
        (lambda p: p["matrices"]["car"].pop("distances"), "matrices.car.distances"),
        (lambda p: p["vehicles"][1].pop("end_index"), "vehicles[1].end"),
    ],
)
def test_what_is_not_modelled_is_refused_by_name(change: Any, path: str) -> None:
    problem = copy.deepcopy(_problem())
    change(problem)
    with pytest.raises(InputError) as err:
        instance_from_vroom(problem, "p.json")
    assert path in {i.path for i in err.value.issues}, str(err.value)


def test_a_plan_is_written_as_vroom_writes_its_solution() -> None:
    """Vehicle 1 leaves at 08:00 (28,800 s) for job 11 (600 s, 8 km), serves it 300 s, drives
    900 s and 12 km to job 14, serves 300 s, and is back after 800 s and 10 km at 31,700 s.
    Jobs 12, 13 and the shipment are left unassigned."""
    inst = load(PROBLEM)
    route = Route(
        "1",
        (
            Stop("depot", "depot-0", departure_min=480),
            Stop("job", "11"),
            Stop("job", "14"),
            Stop("depot", "depot-0"),
        ),
    )
    plan = Solution(inst.name, (route,), unserved=("12", "13", "shipment-21-22"))
    out = solution_to_vroom(inst, plan)
    assert out["code"] == 0
    (r,) = out["routes"]
    assert r["vehicle"] == 1
    steps = r["steps"]
    assert [s["type"] for s in steps] == ["start", "job", "job", "end"]
    assert [s.get("id") for s in steps] == [None, 11, 14, None]
    assert [s["arrival"] for s in steps] == [28800, 29400, 30600, 31700]
    assert [s["duration"] for s in steps] == [0, 600, 1500, 2300]
    assert [s["distance"] for s in steps] == [0, 8000, 20000, 30000]
    assert [s["load"] for s in steps] == [[550, 4], [250, 2], [0, 0], [0, 0]]
    assert [s["location_index"] for s in steps] == [0, 1, 4, 0]
    assert (r["duration"], r["service"], r["distance"]) == (2300, 600, 30000)
    assert r["cost"] == 100 + 2900  # fixed + the route's 2,900 s at 3,600 per hour
    assert out["summary"]["unassigned"] == 4  # job 12, job 13, the shipment's two ends
    assert {(u["type"], u["id"]) for u in out["unassigned"]} == {
        ("job", 12),
        ("job", 13),
        ("pickup", 21),
        ("delivery", 22),
    }


def test_solve_writes_vroom_back(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from optimizer.cli import app

    out = tmp_path / "sol.json"
    args = ["solve", str(PROBLEM), "-t", "1", "-q", "--out", str(out), "--out-format", "vroom"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    sol = json.loads(out.read_text())
    served = {(s["type"], s["id"]) for r in sol["routes"] for s in r["steps"] if "id" in s}
    left = {(u["type"], u["id"]) for u in sol["unassigned"]}
    everything = {("job", 11), ("job", 12), ("job", 13), ("job", 14)}
    everything |= {("pickup", 21), ("delivery", 22)}
    assert served | left == everything and not served & left
    assert sol["summary"]["routes"] == len(sol["routes"])


def test_a_reload_is_a_step_of_its_own_and_each_trip_carries_its_own_load() -> None:
    """The same route with a reload between jobs 11 and 14: VROOM has no reload step, so it is
    written as ``reload`` (like ``charge``), and the load leaving it is job 14's alone."""
    from dataclasses import replace

    inst = load(PROBLEM)
    inst = replace(inst, vehicle_types=tuple(replace(t, max_trips=2) for t in inst.vehicle_types))
    route = Route(
        "1",
        (
            Stop("depot", "depot-0", departure_min=480),
            Stop("job", "11"),
            Stop("depot", "depot-0"),
            Stop("job", "14"),
            Stop("depot", "depot-0"),
        ),
    )
    plan = Solution(inst.name, (route,), unserved=("12", "13", "shipment-21-22"))
    steps = solution_to_vroom(inst, plan)["routes"][0]["steps"]
    assert [s["type"] for s in steps] == ["start", "job", "reload", "job", "end"]
    assert steps[2]["depot"] == "depot-0"
    j11, j14 = inst.job_by_id["11"], inst.job_by_id["14"]
    first = [s["load"] for s in steps]
    # Out with job 11's goods only, empty after it, out again with job 14's.
    assert first[0] == [round(j11.weight_kg), round(j11.volume_m3)]
    assert first[1] == [0, 0]
    assert first[2] == [round(j14.weight_kg), round(j14.volume_m3)]
    assert first[3] == first[4] == [0, 0]
