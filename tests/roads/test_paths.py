"""``network_of``: the road network block of the instance file the CLI loaded, read again to draw
routes along the roads. Files that once crashed it (issue 23, ``python -m benchmarks.fuzz --only
roads``, row ``road_network``) now give ``None`` (not a native day) or an ``InputError`` naming
the field and the value."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optimizer.errors import InputError
from optimizer.roads.paths import network_of
from tests.conftest import INSTANCES


def _day(road: Any) -> dict[str, Any]:
    doc = json.loads((INSTANCES / "city-day-small.json").read_text("utf-8"))
    doc["travel"] = {"road_network": road}
    return doc


def _write(tmp_path: Path, doc: Any) -> Path:
    path = tmp_path / "day.json"
    path.write_text(doc if isinstance(doc, str) else json.dumps(doc))
    return path


def test_a_native_day_gives_its_network(tmp_path: Path) -> None:
    network = network_of(_write(tmp_path, _day({"graph": "roads.graphml", "max_snap_km": 2})))
    assert network is not None
    assert network.graph == tmp_path / "roads.graphml" and network.max_snap_km == 2.0


def test_another_formats_json_with_a_travel_key_is_no_native_day(tmp_path: Path) -> None:
    # A VROOM problem (loaded as such) with a stray block: was a TypeError in from_dict.
    vroom = {
        "vehicles": [{"id": 1, "start": [0, 0]}],
        "jobs": [{"id": 1, "location": [0.01, 0.01]}],
        "travel": {"road_network": {"graph": 5}},
    }
    assert network_of(_write(tmp_path, vroom)) is None


def test_json_beyond_the_readers_bounds_is_no_native_day(tmp_path: Path) -> None:
    assert network_of(_write(tmp_path, "[" * 100_000)) is None  # was a RecursionError
    assert network_of(_write(tmp_path, "not json")) is None


@pytest.mark.parametrize(
    ("road", "expected"),
    [
        ({"graph": 5}, "travel.road_network.graph: must be of type string, got 5"),
        (
            {"graph": "g.csv", "gross_weight_kg": []},  # was an AttributeError
            "travel.road_network.gross_weight_kg: must be of type object, got []",
        ),
        (
            {"graph": "g.csv", "gross_weight_kg": {"e-van": "heavy"}},  # was a ValueError
            "travel.road_network.gross_weight_kg.e-van: must be of type number, got 'heavy'",
        ),
    ],
)
def test_a_bad_block_names_field_and_value(tmp_path: Path, road: Any, expected: str) -> None:
    path = _write(tmp_path, _day(road))
    with pytest.raises(InputError) as info:
        network_of(path)
    assert str(info.value) == f"{path}: {expected}"
