"""OSM extracts that once crashed :func:`optimizer.roads.read_graph` (issue 23, found by
``python -m benchmarks.fuzz --only roads`` or in review of its findings): each now ends in a graph
or an ``InputError`` naming the file, the element and the value."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.errors import FormatError, InputError
from optimizer.roads import read_graph

TOWN = """<?xml version='1.0' encoding='{encoding}'?>
<osm version="0.6">
  <node id="1" lat="{lat}" lon="25.000"/>
  <node id="{second}" lat="60.0" lon="25.001"/>
  <way id="10"><nd ref="1"/><nd ref="{second}"/><tag k="highway" v="residential"/></way>
</osm>
"""


def _town(tmp_path: Path, encoding: str = "UTF-8", lat: str = "60.0", second: str = "2") -> Path:
    path = tmp_path / "town.osm"
    path.write_text(TOWN.format(encoding=encoding, lat=lat, second=second), encoding="utf-8")
    return path


def test_osm_xml_with_an_unknown_encoding_names_it(tmp_path: Path) -> None:
    path = _town(tmp_path, encoding="UTF-9")  # was a LookupError out of xml.etree
    with pytest.raises(FormatError) as info:
        read_graph(path)
    assert str(info.value) == (
        f"{path}: encoding: is not an encoding the XML parser knows; use UTF-8, got 'UTF-9'"
    )


@pytest.mark.parametrize(
    ("lat", "expected"),
    [
        ("inf", "node 1.lat: must be a finite number, got 'inf'"),  # was math domain error
        ("1e999", "node 1.lat: must be a finite number, got '1e999'"),
        ("nan", "node 1.lat: must be a finite number, got 'nan'"),  # was blamed on the way
        ("95", "node 1.lat: must be between -90 and 90, got 95.0"),  # was accepted
    ],
)
def test_node_off_the_globe_names_node_and_value(tmp_path: Path, lat: str, expected: str) -> None:
    path = _town(tmp_path, lat=lat)
    with pytest.raises(InputError) as info:
        read_graph(path)
    # The node's issue comes first; its way then has no street left ("the graph has no edges").
    assert info.value.source == str(path) and str(info.value.issues[0]) == expected


@pytest.mark.parametrize("second", ["2" * 5000, "\u00b2"])
def test_node_ids_int_cannot_read_sort_as_text(tmp_path: Path, second: str) -> None:
    # int() raises on more than 4,300 digits and on "²" (a digit, not a decimal): was a ValueError.
    graph = read_graph(_town(tmp_path, second=second))
    assert set(graph.node_ids) == {"1", second} and graph.streets == 1
