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
