"""Road graph files that once crashed :func:`optimizer.roads.read_graph`, or were read into
figures no plan can use (issue 23, found by ``python -m benchmarks.fuzz --only roads`` and in
review of its findings): each now ends in an ``InputError`` naming the file, the field and the
value."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from optimizer.errors import FormatError, InputError
from optimizer.roads import read_graph
from optimizer.roads.graph import file_digest

GRAPHML = """<?xml version="1.0" encoding="{encoding}"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="x" for="node" attr.name="x" attr.type="double"/>
<key id="y" for="node" attr.name="y" attr.type="double"/>
<key id="len" for="edge" attr.name="length_km" attr.type="double"/>
<key id="spd" for="edge" attr.name="speed_kmh" attr.type="double"/>
<graph id="G" edgedefault="directed">
<node id="a"><data key="x">0</data><data key="y">0</data></node>
<node id="b"><data key="x">1</data><data key="y">0</data></node>
<edge source="a" target="b"><data key="len">1</data><data key="spd">50</data></edge>
</graph>
</graphml>
"""


def test_graphml_reads_with_a_known_encoding(tmp_path: Path) -> None:
    path = tmp_path / "town.graphml"
    path.write_text(GRAPHML.format(encoding="ISO-8859-1"))
    assert read_graph(path).streets == 1


@pytest.mark.parametrize(
    ("encoding", "shown", "why"),
    [
        ("UTF-9", "'UTF-9'", "knows"),  # unknown to Python: LookupError
        ("UT" + "7" * 5000 + "F-8", "'UT777", "knows"),  # longer than the head read: cut
        ("rot13", "'rot13'", "knows"),  # a codec, but not of text: LookupError
        ("utf-32", "'utf-32'", "cannot read (multi-byte"),  # expat cannot use it: ValueError
    ],
)
def test_graphml_with_an_unreadable_encoding_names_it(
    tmp_path: Path, encoding: str, shown: str, why: str
) -> None:
    path = tmp_path / "town.graphml"
    path.write_text(GRAPHML.format(encoding=encoding))
    with pytest.raises(FormatError) as info:
        read_graph(path)
    message = str(info.value)
    assert message.startswith(f"{path}: encoding: ")
    assert why in message and f"got {shown}" in message


@pytest.mark.parametrize(
    ("length", "speed", "expected"),
    [
        # Finite, so it passed, and the day loaded with a leg of 1e300 km.
        ("1e300", "60", "line 2.length_km: must be at most 1e+12 in magnitude"),
        # Each figure in range, the time is not: it was an infinite time per arc (a RuntimeWarning,
        # then "no road connects them" for a street that is there) or 6e17 minutes.
        ("1e11", "1e-300", "line 2.speed_kmh: gives a travel time above 1e+12 min over 1e+11 km"),
        ("1e11", "1e-5", "line 2.speed_kmh: gives a travel time above 1e+12 min over 1e+11 km"),
    ],
)
def test_street_figures_stay_in_the_models_range(
    tmp_path: Path, length: str, speed: str, expected: str
) -> None:
    (tmp_path / "nodes.csv").write_text("id,x,y\na,0,0\nb,1,0\n")
    (tmp_path / "edges.csv").write_text(f"from,to,length_km,speed_kmh\na,b,{length},{speed}\n")
    with pytest.raises(InputError) as info:
        read_graph(tmp_path / "edges.csv", tmp_path / "nodes.csv")
    (issue,) = info.value.issues
    assert str(issue).startswith(expected)
    assert issue.value == (length if "length_km" in expected else speed)


def _deny_open(monkeypatch: pytest.MonkeyPatch, path: Path) -> None:
    """Make opening ``path`` fail as an unreadable file does (permissions cannot be tested as
    root, which reads every file)."""
    real_open = Path.open

    def deny(self: Path, *args: Any, **kwargs: Any) -> Any:
        if self == path:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", deny)


def test_an_unreadable_graph_file_is_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # It was an OSError out of whichever parser opened the file first (networkx, ElementTree, csv),
    # or out of the digest that looks the matrices up in the cache, which runs first.
    path = tmp_path / "town.graphml"
    path.write_text(GRAPHML.format(encoding="UTF-8"))
    _deny_open(monkeypatch, path)
    for read in (read_graph, file_digest):
        with pytest.raises(FormatError) as info:
            read(path)
        assert str(info.value) == f"{path}: cannot be read: Permission denied"


def test_a_node_csv_with_a_non_utf8_byte_names_byte_and_line(tmp_path: Path) -> None:
    (tmp_path / "nodes.csv").write_bytes(b"id,x,y\na,0,0\nb,1\xff,0\n")
    (tmp_path / "edges.csv").write_text("from,to,length_km,speed_kmh\na,b,1,50\n")
    with pytest.raises(FormatError) as info:
        read_graph(tmp_path / "edges.csv", tmp_path / "nodes.csv")
    assert f"{tmp_path / 'nodes.csv'}: is not UTF-8 text (byte 16, line 3)" in str(info.value)
