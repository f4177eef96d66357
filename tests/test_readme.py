"""The README's worked example is a real instance, and the numbers its prose quotes hold."""

from __future__ import annotations

import json
import re

import pytest

from optimizer.formats.native import instance_from_dict
from tests.conftest import ROOT


def _example() -> dict[str, object]:
    text = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"```json\n(.*?)```", text, re.S)
    assert block is not None, "README has no json block"
    return json.loads(block.group(1))  # type: ignore[no-any-return]


def test_worked_example_loads_and_its_numbers_hold() -> None:
    inst = instance_from_dict(_example())
    hub, shop = 0, 1
    assert inst.distance_km[hub, shop] == pytest.approx(50.0)  # 3-4-5 triangle, x10
    assert inst.duration_min[hub, shop] == pytest.approx(60.0)  # 50 km at 50 km/h
    truck = inst.type_by_id["e-truck"]
    rate = truck.rate_per_km(8000.0)
    assert rate == pytest.approx(1.0 + 0.5 * 8 / 18)
    assert 50 * rate == pytest.approx(61.1, abs=0.05)
    ev = inst.vehicle_by_id["ev"]
    assert ev.initial_soc * (truck.battery_kwh or 0) - truck.reserve_kwh == pytest.approx(62.0)
    assert inst.banned(inst.type_by_id["tractor"], shop)
    assert not inst.banned(truck, shop)


def test_the_several_trips_example_is_a_vehicle_type_the_native_format_reads() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    blocks = re.findall(r"```json\n(.*?)```", text, re.S)
    (van,) = [json.loads(b) for b in blocks if '"max_trips"' in b]
    doc = _example()
    doc["vehicle_types"] = [*doc["vehicle_types"], van]  # type: ignore[list-item]
    doc["vehicles"] = [{"id": "vans", "type": van["id"], "start_depot": "depot"}]
    inst = instance_from_dict(doc)
    assert inst.max_trips_of(inst.vehicle_by_id["vans"]) == 2
    assert inst.type_by_id["e-van"].reload_min == 20
