"""Routes drawn along the roads: each leg's path follows the rule the matrices used.

The hand-made town of ``tests/test_roads.py``: A -B- C is 2 km but B-C is an 18 t bridge, the way
round A -D- C is 3 km; C-E bans diesel, the way round is C -M- E.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from optimizer.roads.paths import leg_paths, network_of
from tests.test_roads import DIESEL_VAN, TRUCK, VAN, _day, _load, _town


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPTIMIZER_CACHE_DIR", str(tmp_path / "cache"))


def _network(tmp_path: Path, doc: dict) -> object:
    (tmp_path / "day.json").write_text(json.dumps(doc))
    return network_of(tmp_path / "day.json")


def test_each_type_drives_its_own_roads(tmp_path: Path) -> None:
    _town(tmp_path)
    for fleet, via in (([VAN], (1.0, 0.0)), ([TRUCK], (1.0, 1.0))):
        doc = _day(["C"], fleet)
        inst = _load(tmp_path, doc)
        network = _network(tmp_path, doc)
        tid = fleet[0][0]
        line = leg_paths(inst, network, [(tid, 0, 1)])[(tid, 0, 1)]  # type: ignore[arg-type]
        assert line == [(0.0, 0.0), via, (2.0, 0.0)]
        assert inst.distance_km[0, 1] == (2.0 if tid == "van" else 3.0)  # A-B-C, or A-D-C


def test_a_shared_pair_is_drawn_on_the_path_all_its_types_may_drive(tmp_path: Path) -> None:
    """Van and truck both visit A and C: the one matrix holds the path both may drive (round the
    bridge, 3 km), so the van's leg is drawn there too, the path whose length was counted."""
    _town(tmp_path)
    doc = _day(["C"], [VAN, TRUCK])
    inst = _load(tmp_path, doc)
    line = leg_paths(inst, _network(tmp_path, doc), [("van", 0, 1)])[("van", 0, 1)]  # type: ignore[arg-type]
    assert line == [(0.0, 0.0), (1.0, 1.0), (2.0, 0.0)]
    assert inst.distance_km[0, 1] == 3.0


def test_diesel_goes_round_its_ban(tmp_path: Path) -> None:
    _town(tmp_path)
    doc = _day(["C", "E"], [DIESEL_VAN])
    inst = _load(tmp_path, doc)
    line = leg_paths(inst, _network(tmp_path, doc), [("dvan", 1, 2)])[("dvan", 1, 2)]  # type: ignore[arg-type]
    assert line == [(2.0, 0.0), (2.5, -1.0), (3.0, 0.0)]


def test_network_of_only_answers_for_a_road_day(tmp_path: Path) -> None:
    _town(tmp_path)
    network = _network(tmp_path, _day(["C"], [VAN]))
    assert network is not None and network.graph == tmp_path / "edges.csv"  # type: ignore[attr-defined]
    (tmp_path / "plain.json").write_text('{"travel": {"metric": "euclidean"}}')
    assert network_of(tmp_path / "plain.json") is None
    assert network_of(tmp_path / "missing.json") is None
