"""The generator: seeded and byte-stable, realistic enough, every task reachable, any size."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path

import pytest

from optimizer.errors import InputError
from optimizer.formats import load
from optimizer.formats.native import instance_to_dict, write_instance
from optimizer.generate import (
    CENTRE_LAT,
    CENTRE_LON,
    KM_PER_DEG_LAT,
    TOU_PERIODS,
    city_radius_km,
    default_stations,
    generate,
    tou_periods,
)
from optimizer.model import Instance
from optimizer.reach import unreachable_jobs


def as_json(inst: Instance) -> str:
    return json.dumps(instance_to_dict(inst), indent=1)


@pytest.fixture(scope="module")
def big() -> Instance:
    return generate(5_000, 7)


def test_same_seed_same_bytes() -> None:
    assert as_json(generate(300, 42)) == as_json(generate(300, 42))


def test_different_seed_different_instance() -> None:
    assert as_json(generate(300, 1)) != as_json(generate(300, 2))


@pytest.mark.parametrize("jobs", [1, 10, 100])
def test_written_and_read_back_identical(tmp_path: Path, jobs: int) -> None:
    inst = generate(jobs, 3)
    path = tmp_path / "g.json"
    write_instance(inst, path)
    again = load(path)
    assert instance_to_dict(again) == instance_to_dict(inst)
    write_instance(again, tmp_path / "g2.json")
    assert (tmp_path / "g2.json").read_bytes() == path.read_bytes()


def test_large_instance_loads_and_round_trips(tmp_path: Path, big: Instance) -> None:
    path = tmp_path / "big.json"
    write_instance(big, path)
    assert instance_to_dict(load(path)) == instance_to_dict(big)


def test_sizes_and_counts(big: Instance) -> None:
    small = generate(10, 0)
    assert len(small.jobs) + len(small.shipments) == 10
    assert len(small.shipments) == 1
    assert len(small.depots) == 1
    assert len(generate(1_000, 0).depots) == 2
    assert len(big.jobs) + len(big.shipments) == 5_000
    assert len(big.shipments) == 500
    assert len(big.depots) == 3
    assert len(big.stations) == default_stations(5_000) == 60
    # Every depot has its own vehicles, of all four types.
    for d in big.depots:
        types = {v.type for v in big.vehicles if v.start_depot == d.id}
        assert types == {"diesel-tractor", "bev-tractor", "swap-tractor", "e-van"}


@pytest.mark.parametrize(("jobs", "seed"), [(1, 0), (10, 1), (37, 2), (100, 3), (600, 4)])
def test_every_task_reachable(jobs: int, seed: int) -> None:
    assert unreachable_jobs(generate(jobs, seed)) == {}


def test_every_task_reachable_at_5000(big: Instance) -> None:
    assert unreachable_jobs(big) == {}


def test_realistic_content(big: Instance) -> None:
    inst = generate(400, 11)
    carriers = {t.carrier for t in inst.vehicle_types}
    assert carriers == {"diesel", "bev", "swap"}
    diesel = next(t for t in inst.vehicle_types if t.carrier == "diesel")
    assert diesel.banned_zones == ("core",)
    # Jobs in the core exist, and the diesel type may not serve them.
    core = [j for j in inst.jobs if inst.banned(diesel, j.location)]
    assert core
    kinds = {j.kind for j in inst.jobs}
    assert kinds == {"delivery", "pickup"}
    assert any(len(j.time_windows) == 2 for j in inst.jobs)
    assert all(5 <= j.service_min <= 20 for j in inst.jobs)
    # Stations: chargers with tariffs at 3:1 or more peak to valley, some curves, swap at 5 min.
    chargers = [s for s in inst.stations if s.kind == "charger"]
    swaps = [s for s in inst.stations if s.kind == "swap"]
    assert chargers and swaps
    for s in chargers:
        prices = [p.price_per_kwh for p in s.tariff]
        assert max(prices) >= 3 * min(prices)
    assert all(s.swap_min == 5.0 for s in swaps)
    assert any(s.curve for s in big.stations)
    assert any(s.opening for s in big.stations)
    # Capacity comfortably above demand.
    demand = sum(j.weight_kg for j in inst.jobs) + sum(s.weight_kg for s in inst.shipments)
    capacity = sum(v.count * inst.type_by_id[v.type].capacity_kg for v in inst.vehicles)
    assert capacity >= 1.4 * demand
    assert inst.objective.kind == "cost" and inst.objective.unserved_penalty is None
    assert inst.objective.carbon_price_per_t_co2e == 80.0
    assert inst.travel.metric == "haversine" and inst.travel.detour_factor == 1.3


def test_stations_argument() -> None:
    assert len(generate(50, 0, stations=0).stations) == 0
    assert len(generate(50, 0, stations=8).stations) == 8
    assert generate(50, 0, name="x").name == "x"


def test_peak_to_valley_sets_the_spread_and_the_depot_buys_at_the_valley() -> None:
    inst = generate(50, 0, peak_to_valley=3.0)
    chargers = [s for s in inst.stations if s.kind == "charger"]
    assert chargers
    for s in chargers:
        prices = [p.price_per_kwh for p in s.tariff]
        assert max(prices) / min(prices) == pytest.approx(3.0, rel=5e-3)
    valley = min(p for _, p in tou_periods(3.0))
    assert all(d.energy_price_per_kwh == valley for d in inst.depots)
    # The default keeps Guangdong's prices (and so every instance generated before).
    assert as_json(generate(50, 0)) == as_json(generate(50, 0, peak_to_valley=None))
    assert tou_periods() == TOU_PERIODS


def test_radius_widens_the_area_and_the_fleet() -> None:
    city, region = generate(100, 4), generate(100, 4, radius_km=40.0)

    def far_km(inst: Instance) -> float:
        """The farthest job from the centre (the generator's own flat projection, inverted)."""
        out = 0.0
        for j in inst.jobs:
            lon, lat = inst.locations[j.location].coordinates  # type: ignore[misc]
            dx = (lon - CENTRE_LON) * KM_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT))
            dy = (lat - CENTRE_LAT) * KM_PER_DEG_LAT
            out = max(out, math.hypot(dx, dy))
        return out

    assert far_km(city) < city_radius_km(100) + 1.0 < far_km(region) <= 40.0 + 1.0
    count = sum(v.count for v in region.vehicles)
    assert count > sum(v.count for v in city.vehicles)
    assert not unreachable_jobs(region)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("peak_to_valley", 0.5),
        ("peak_to_valley", float("nan")),
        ("radius_km", 0.0),
        ("radius_km", "far"),
    ],
)
def test_bad_tariff_or_radius_names_the_field(field: str, value: object) -> None:
    with pytest.raises(InputError) as e:
        generate(50, 0, **{field: value})  # type: ignore[arg-type]
    assert e.value.issues[0].path == field
    assert str(value) in str(e.value)


@pytest.mark.parametrize("jobs", [0, -5, 20_001, 2.5, True])
def test_jobs_out_of_range(jobs: object) -> None:
    with pytest.raises(InputError) as e:
        generate(jobs, 0)  # type: ignore[arg-type]
    assert e.value.issues[0].path == "jobs"
    assert str(jobs) in str(e.value)


def test_fast_enough() -> None:
    t = time.perf_counter()
    generate(1_000, 5)
    assert time.perf_counter() - t < 5.0


def test_max_trips_default_is_the_day_generated_before() -> None:
    """``max_trips=1`` (the default) leaves every generated file as it was: same types, same
    fleet, same provenance line."""
    assert as_json(generate(120, 6)) == as_json(generate(120, 6, max_trips=1))
    inst = generate(120, 6)
    assert all(t.max_trips == 1 and t.reload_min == 0.0 for t in inst.vehicle_types)
    assert not inst.multi_trip
    assert "--max-trips" not in inst.meta["source"]


def test_max_trips_sets_trips_and_reload_on_every_type() -> None:
    inst = generate(120, 6, max_trips=2)
    assert inst.multi_trip
    assert {t.id: (t.max_trips, t.reload_min) for t in inst.vehicle_types} == {
        "diesel-tractor": (2, 30.0),
        "bev-tractor": (2, 30.0),
        "swap-tractor": (2, 30.0),
        "e-van": (2, 15.0),
    }
    assert all(inst.max_trips_of(v) == 2 for v in inst.vehicles)
    assert inst.meta["source"].endswith("--max-trips 2")
    # Only the types and the fleet change: the same jobs, stations and depots.
    one = instance_to_dict(generate(120, 6))
    two = instance_to_dict(inst)
    for key in ("jobs", "shipments", "stations", "depots", "locations", "zones"):
        assert two[key] == one[key], key


def test_max_trips_sizes_a_smaller_fleet_for_the_waves() -> None:
    def units(inst: Instance) -> dict[str, int]:
        out: dict[str, int] = {}
        for v in inst.vehicles:
            out[v.type] = out.get(v.type, 0) + v.count
        return out

    one, two, three = (generate(1_000, 8, max_trips=n) for n in (1, 2, 3))
    assert sum(units(two).values()) < sum(units(one).values())
    assert sum(units(three).values()) <= sum(units(two).values())
    # Every type that had a vehicle keeps one at every depot.
    for inst in (two, three):
        assert units(inst).keys() == units(one).keys()
        assert {(v.start_depot, v.type) for v in inst.vehicles} == {
            (v.start_depot, v.type) for v in one.vehicles
        }
    # Capacity times trips still covers the demand with the margin (about 1.5 x).
    demand = sum(j.weight_kg for j in two.jobs) + sum(s.weight_kg for s in two.shipments)
    per_trip = sum(v.count * two.type_by_id[v.type].capacity_kg for v in two.vehicles)
    assert 2 * per_trip >= 1.4 * demand
    assert per_trip < sum(v.count * one.type_by_id[v.type].capacity_kg for v in one.vehicles)
    assert unreachable_jobs(two) == {}


def test_max_trips_same_seed_same_bytes(tmp_path: Path) -> None:
    assert as_json(generate(200, 9, max_trips=2)) == as_json(generate(200, 9, max_trips=2))
    path = tmp_path / "w.json"
    write_instance(generate(60, 9, max_trips=3), path)
    assert instance_to_dict(load(path)) == instance_to_dict(generate(60, 9, max_trips=3))


@pytest.mark.parametrize("value", [0, -1, 11, 2.0, 1.5, "2", True, None])
def test_bad_max_trips_names_the_field_and_value(value: object) -> None:
    with pytest.raises(InputError) as e:
        generate(50, 0, max_trips=value)  # type: ignore[arg-type]
    (issue,) = e.value.issues
    assert issue.path == "max_trips"
    assert "integer from 1 to 10" in str(e.value)
    assert str(value) in str(e.value)


def test_cli_max_trips(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from optimizer.cli import app

    runner = CliRunner()
    out = tmp_path / "w.json"
    ok = runner.invoke(app, ["generate", "-n", "30", "-s", "2", "--max-trips", "2", "-o", str(out)])
    assert ok.exit_code == 0, ok.output
    assert instance_to_dict(load(out)) == instance_to_dict(generate(30, 2, max_trips=2))
    bad = runner.invoke(app, ["generate", "-n", "30", "--max-trips", "0"])
    assert bad.exit_code == 2
    assert "max_trips" in bad.output and "0" in bad.output
    assert "Traceback" not in bad.output
