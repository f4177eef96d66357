"""OpenStreetMap extracts as road graphs: which ways, which directions, which truck limits."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from optimizer.errors import FormatError
from optimizer.formats import load
from optimizer.roads import read_graph
from optimizer.roads.osm import HGV_LIMIT_KG
from tests.conftest import INSTANCES

SAMPLE = INSTANCES / "osm" / "kouvola-sample.osm"

# Five nodes on a line of longitude steps (about 55 m each at 60 N) and the ways between them.
TOWN = """<?xml version='1.0' encoding='UTF-8'?>
<osm version="0.6">
  <node id="1" lat="60.0" lon="25.000"/>
  <node id="2" lat="60.0" lon="25.001"/>
  <node id="3" lat="60.0" lon="25.002"/>
  <node id="4" lat="60.0" lon="25.003"/>
  <node id="5" lat="60.0" lon="25.004"/>
  <node id="6" lat="60.001" lon="25.004"/>
  <way id="10"><nd ref="1"/><nd ref="2"/>
    <tag k="highway" v="residential"/><tag k="maxspeed" v="50"/></way>
  <way id="11"><nd ref="2"/><nd ref="3"/>
    <tag k="highway" v="tertiary"/><tag k="maxweight" v="7.5"/><tag k="oneway" v="yes"/></way>
  <way id="12"><nd ref="3"/><nd ref="4"/>
    <tag k="highway" v="service"/><tag k="hgv" v="no"/><tag k="oneway" v="-1"/></way>
  <way id="13"><nd ref="4"/><nd ref="5"/>
    <tag k="highway" v="secondary"/><tag k="maxspeed" v="20 mph"/></way>
  <way id="14"><nd ref="5"/><nd ref="6"/><tag k="highway" v="footway"/></way>
  <way id="15"><nd ref="1"/><nd ref="6"/>
    <tag k="highway" v="residential"/><tag k="access" v="private"/></way>
  <way id="16"><nd ref="4"/><nd ref="99"/><tag k="highway" v="residential"/></way>
</osm>
"""


def _arcs(path: Path) -> dict[tuple[str, str], tuple[float, float]]:
    g = read_graph(path)
    return {
        (g.node_ids[t], g.node_ids[h]): (float(s), float(w))
        for t, h, s, w in zip(g.tail, g.head, g.speed_kmh, g.max_weight_kg, strict=True)
    }


def test_tags_become_directions_speeds_and_truck_limits(tmp_path: Path) -> None:
    path = tmp_path / "town.osm"
    path.write_text(TOWN)
    arcs = _arcs(path)
    assert set(arcs) == {
        ("1", "2"),
        ("2", "1"),  # way 10: two-way
        ("2", "3"),  # way 11: oneway=yes
        ("4", "3"),  # way 12: oneway=-1 runs against the node order
        ("4", "5"),
        ("5", "4"),  # way 13
    }  # the footway, the private way and the piece leaving the extract (node 99) are left out
    assert arcs[("1", "2")] == (50.0, np.inf)
    assert arcs[("2", "3")] == (40.0, 7500.0)  # tertiary default speed; maxweight 7.5 t
    assert arcs[("4", "3")] == (20.0, HGV_LIMIT_KG)  # service default; hgv=no
    assert arcs[("4", "5")][0] == pytest.approx(20 * 1.609344)


def test_the_bundled_extract_gives_a_day_its_matrices() -> None:
    g = read_graph(SAMPLE)
    assert g.geographic and len(g.node_ids) == 883 and len(g.tail) == 1651
    inst = load(INSTANCES / "osm" / "kouvola-day.json")
    assert inst.travel.metric == "matrix"
    off = ~np.eye(len(inst.locations), dtype=bool)
    assert np.all(inst.distance_km[off] > 0) and np.all(np.isfinite(inst.duration_min))
    assert inst.meta["road_network"]["graph"] == "kouvola-sample.osm"


def test_pbf_reads_like_xml(tmp_path: Path) -> None:
    osmium = pytest.importorskip("osmium")
    pbf = tmp_path / "sample.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(SAMPLE)):
            writer.add(obj)
    assert _arcs(pbf) == _arcs(SAMPLE)


def test_pbf_without_osmium_says_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pbf = tmp_path / "x.osm.pbf"
    pbf.write_bytes(b"\x00")
    monkeypatch.setitem(sys.modules, "osmium", None)
    with pytest.raises(FormatError, match=r"needs the osmium package"):
        read_graph(pbf)


def test_an_extract_without_roads_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.osm"
    path.write_text('<osm version="0.6"><node id="1" lat="60" lon="25"/></osm>')
    with pytest.raises(Exception, match="no drivable way"):
        read_graph(path)
