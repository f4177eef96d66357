"""Reading and checking a road graph: GraphML (through ``networkx.read_graphml``) or an edge-list CSV
with a node CSV beside it.

Why this module is strict: a road graph is usually exported by another tool, and a mistake in it
(a length in metres where km were meant, a misspelt restriction column) does not fail loudly later;
it quietly gives wrong matrices and plans that break bans. So every field given must be one this
module understands, every value is checked, and all problems are reported at once with the place
(``line 13.length_km`` in a CSV, ``edge 'a'->'b'.length_km`` in GraphML) and the value found.

Conventions (the same in both formats):

- nodes carry ``x``/``y`` in km on a plane, or ``lon``/``lat`` in degrees (then distances are
  great-circle); every node needs coordinates, and all nodes use the same pair; ``name`` is optional;
- edges carry ``length_km`` (>= 0) and ``speed_kmh`` (> 0), optionally ``max_weight_kg`` (a limit on
  the vehicle's gross weight; empty means none), ``banned_carriers`` (carriers that may not drive
  there, separated by ``;``, ``|``, ``,`` or spaces, e.g. ``diesel``), ``oneway`` and ``name``;
- a CSV row or an undirected GraphML edge is a street drivable both ways unless ``oneway`` is true;
  a directed GraphML edge is one way (``oneway`` false adds the reverse direction). One-way streets
  in GraphML need a directed graph: an undirected graph does not keep which end comes first.
"""

from __future__ import annotations

import csv
import hashlib
import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np

from ..errors import FormatError, InputError, Issue
from ..formats.guard import read_text
from ..model import CARRIERS, MAX_QUANTITY, TOO_LARGE

NODE_FIELDS = ("x", "y", "lon", "lat", "name")
EDGE_FIELDS = ("length_km", "speed_kmh", "max_weight_kg", "banned_carriers", "oneway", "name")
CSV_EDGE_COLUMNS = ("from", "to", *EDGE_FIELDS)
CSV_EDGE_REQUIRED = ("from", "to", "length_km", "speed_kmh")
CSV_NODE_COLUMNS = ("id", *NODE_FIELDS)
#: A broken export can have thousands of bad rows; the first ones are enough to see the pattern.
MAX_ISSUES = 50
_TRUE = frozenset({"true", "1", "yes", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "n", "f", ""})
_SPLIT = re.compile(r"[;|,\s]+")


@dataclass(frozen=True, eq=False)
class RoadGraph:
    """A checked road graph reduced to arrays of directed arcs (a two-way street is two arcs).

    Arrays rather than a networkx graph because the matrix builder filters arcs per vehicle
    restriction many times and runs many Dijkstras; :meth:`to_networkx` gives the graph back.
    """

    source: str
    node_ids: tuple[str, ...]
    #: (N, 2): x, y in km, or lon, lat in degrees when ``geographic``.
    coordinates: np.ndarray
    geographic: bool
    tail: np.ndarray
    head: np.ndarray
    length_km: np.ndarray
    speed_kmh: np.ndarray
    #: Gross-weight limit per arc; ``inf`` where there is none.
    max_weight_kg: np.ndarray
    banned_carriers: tuple[frozenset[str], ...]
    #: Streets as given (rows or GraphML edges), before two-way streets became two arcs.
    streets: int

    @property
    def time_min(self) -> np.ndarray:
        return self.length_km / self.speed_kmh * 60.0

    @cached_property
    def node_index(self) -> dict[str, int]:
        return {n: k for k, n in enumerate(self.node_ids)}

    @property
    def weight_limits_kg(self) -> tuple[float, ...]:
        """The distinct weight limits on the graph, smallest first."""
        finite = self.max_weight_kg[np.isfinite(self.max_weight_kg)]
        return tuple(float(w) for w in np.unique(finite))

    @property
    def banned_anywhere(self) -> frozenset[str]:
        """Carriers banned on at least one arc."""
        return frozenset().union(*self.banned_carriers) if self.banned_carriers else frozenset()

    def to_networkx(self) -> nx.MultiDiGraph:
        """The graph as a networkx ``MultiDiGraph`` (one edge per arc), e.g. to plot or inspect it."""
        g = nx.MultiDiGraph()
        for k, nid in enumerate(self.node_ids):
            a, b = self.coordinates[k]
            g.add_node(nid, **({"lon": a, "lat": b} if self.geographic else {"x": a, "y": b}))
        for a in range(len(self.tail)):
            g.add_edge(
                self.node_ids[self.tail[a]],
                self.node_ids[self.head[a]],
                length_km=float(self.length_km[a]),
                speed_kmh=float(self.speed_kmh[a]),
                max_weight_kg=float(self.max_weight_kg[a]),
                banned_carriers=" ".join(sorted(self.banned_carriers[a])),
            )
        return g


def file_digest(path: Path) -> str:
    """SHA-256 of a file's bytes: the graph's identity in cache keys and in provenance.

    The first read of a road day's graph (before :func:`read_graph`, to look up the cache), so a
    file that cannot be read is a :class:`FormatError` naming it here.
    """
    h = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    except OSError as e:
        raise FormatError(
            Issue(str(path), f"cannot be read: {e.strerror}", has_value=False)
        ) from None
    return h.hexdigest()


#: The encoding named in an XML declaration, up to its closing quote or the end of the head read
#: (a name that long is no encoding, and is reported cut).
_XML_ENCODING = re.compile(rb"""\s*<\?xml\s[^>]*?\bencoding\s*=\s*["']([^"'>]*)""")


def check_xml_encoding(path: Path) -> None:
    """Raise :class:`FormatError` when the XML declaration of ``path`` names an encoding that the
    parser cannot read (``UTF-9``, ``rot13``, ``utf-32``), naming the file and the encoding.

    Why before parsing: ``xml.etree`` reports such a file with ``LookupError``, ``ValueError`` or
    ``UnicodeError`` (which encoding gives which depends on the codec), not with its ``ParseError``,
    so a reader catching only the latter let a one-byte typo in the declaration out as a traceback.
    A declaration that is malformed in itself is left to the parser, which names its line.
    """
    with path.open("rb") as fh:
        head = fh.read(1024).removeprefix(b"\xef\xbb\xbf")
    m = _XML_ENCODING.match(head)
    if m is None:
        return
    name = m.group(1)
    try:  # the same declaration on a one-element document: only the encoding can fail
        ET.fromstring(b"<?xml version='1.0' encoding='" + name + b"'?><a/>")
    except ET.ParseError:
        return
    except LookupError:
        reason = "is not an encoding the XML parser knows; use UTF-8"
    except ValueError as e:  # a known codec expat cannot use; UnicodeError is a ValueError
        reason = f"is an encoding the XML parser cannot read ({e}); use UTF-8"
    else:
        return
    raise FormatError(
        Issue("encoding", reason, name.decode("ascii", "backslashreplace")), str(path)
    )


def read_graph(path: str | Path, nodes: str | Path | None = None) -> RoadGraph:
    """Read and check a road graph: GraphML, an edge-list CSV with its node CSV ``nodes``, or an
    OpenStreetMap extract (``.osm`` XML, ``.osm.pbf``; :mod:`.osm`).

    The format is told by the suffix (``.graphml``/``.xml`` or ``.csv``) or else by the first byte.
    Raises :class:`~optimizer.errors.InputError` (with the file as source) listing every problem.
    """
    p = Path(path)
    if not p.is_file():
        raise FormatError(Issue(str(p), "is not a file", has_value=False))
    from ..formats import _head
    from .osm import is_osm, read_osm

    # Read once here: a file that cannot be read (permissions) is a FormatError naming it, not an
    # OSError out of whichever parser opens it next; the head also tells GraphML from CSV below.
    head = _head(p)

    if is_osm(p):
        if nodes is not None:
            raise InputError(
                Issue(
                    "nodes",
                    "is only for an edge-list CSV; an OSM extract holds its nodes",
                    str(nodes),
                )
            )
        return read_osm(p)
    suffix = p.suffix.lower()
    if suffix in (".graphml", ".xml"):
        kind = "graphml"
    elif suffix == ".csv":
        kind = "csv"
    else:
        kind = "graphml" if head.lstrip("\ufeff \t\r\n").startswith("<") else "csv"
    if kind == "graphml":
        if nodes is not None:
            raise InputError(
                Issue(
                    "nodes",
                    "is only for an edge-list CSV; GraphML holds its nodes itself",
                    str(nodes),
                )
            )
        return _read_graphml(p)
    if nodes is None:
        raise InputError(
            Issue(
                "nodes",
                f"is required with an edge-list CSV ({p.name}): a CSV of id and x, y (or lon, lat)",
                has_value=False,
            )
        )
    return _read_csv(p, Path(nodes))


# ----------------------------------------------------------------------------------------------
# shared checks
class _Sink:
    """Collects issues for one file, capped so that a broken export still gives a short report."""

    def __init__(self) -> None:
        self.items: list[Issue] = []
        self.dropped = 0

    def add(self, path: str, message: str, value: Any = None, *, has_value: bool = True) -> None:
        if len(self.items) < MAX_ISSUES:
            self.items.append(Issue(path, message, value, has_value))
        else:
            self.dropped += 1

    def raise_if_any(self, source: str) -> None:
        if self.items:
            items = list(self.items)
            if self.dropped:
                items.append(
                    Issue(
                        "...",
                        f"and {self.dropped} more problems of the same kinds",
                        has_value=False,
                    )
                )
            raise InputError(items, source)


def _number(sink: _Sink, raw: Any, path: str) -> float | None:
    """A finite number within the model's range (:data:`~optimizer.model.MAX_QUANTITY`), or
    ``None`` after reporting why not (empty cells count as missing).

    Why the range: a graph's lengths and times become the instance's matrices, which the model
    bounds everywhere else; a finite 1e300 km street passed, and the day loaded with 1e300 km legs.
    """
    if isinstance(raw, bool):
        sink.add(path, "must be a number", raw)
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError):
        sink.add(path, "must be a number", raw)
        return None
    if not math.isfinite(value):
        sink.add(path, "must be a finite number", raw)
        return None
    if abs(value) > MAX_QUANTITY:
        sink.add(path, TOO_LARGE, raw)
        return None
    return value


def lon_lat_in_range(sink: _Sink, where: str, lon: float, lat: float) -> bool:
    """Whether ``lon``/``lat`` are degrees on the globe; reports each one that is not.

    Shared by the CSV/GraphML node check and the OSM reader: great-circle lengths of points off
    the globe are nonsense, and trigonometry on an infinite one raises instead of failing.
    """
    ok = True
    if not -180 <= lon <= 180:
        sink.add(f"{where}.lon", "must be between -180 and 180", lon)
        ok = False
    if not -90 <= lat <= 90:
        sink.add(f"{where}.lat", "must be between -90 and 90", lat)
        ok = False
    return ok


def _flag(sink: _Sink, raw: Any, path: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in _TRUE:
        return True
    if text not in _FALSE:
        sink.add(path, "must be true or false", raw)
    return False


class _Streets:
    """Accumulates streets as directed arcs while checking each street's fields."""

    def __init__(
        self, sink: _Sink, node_index: Mapping[str, int], bad_nodes: frozenset[str] = frozenset()
    ) -> None:
        self.sink = sink
        self.node_index = node_index
        #: Nodes already reported (no coordinates): their edges are not reported again.
        self.bad_nodes = bad_nodes
        self.tail: list[int] = []
        self.head: list[int] = []
        self.length: list[float] = []
        self.speed: list[float] = []
        self.weight: list[float] = []
        self.banned: list[frozenset[str]] = []
        self.streets = 0

    def add(
        self, where: str, u: str, v: str, attrs: Mapping[str, Any], *, default_oneway: bool
    ) -> None:
        sink = self.sink
        self.streets += 1
        ok = True
        for end, nid in (("from", u), ("to", v)):
            if nid not in self.node_index:
                if nid not in self.bad_nodes:
                    sink.add(f"{where}.{end}", "names no node", nid)
                ok = False
        length = speed = None
        if attrs.get("length_km") in (None, ""):
            sink.add(f"{where}.length_km", "is required", has_value=False)
        else:
            length = _number(sink, attrs["length_km"], f"{where}.length_km")
            if length is not None and length < 0:
                sink.add(f"{where}.length_km", "must be >= 0", attrs["length_km"])
                length = None
        if attrs.get("speed_kmh") in (None, ""):
            sink.add(f"{where}.speed_kmh", "is required", has_value=False)
        else:
            speed = _number(sink, attrs["speed_kmh"], f"{where}.speed_kmh")
            if speed is not None and speed <= 0:
                sink.add(f"{where}.speed_kmh", "must be > 0", attrs["speed_kmh"])
                speed = None
        if length is not None and speed is not None and length / speed * 60.0 > MAX_QUANTITY:
            # Each in range, a long street at a crawl still overflows the matrices' minutes.
            sink.add(
                f"{where}.speed_kmh",
                f"gives a travel time above {MAX_QUANTITY:.0e} min over {length:g} km",
                attrs["speed_kmh"],
            )
            speed = None
        weight = math.inf
        raw_w = attrs.get("max_weight_kg")
        if raw_w not in (None, ""):
            w = _number(sink, raw_w, f"{where}.max_weight_kg")
            if w is not None and w <= 0:
                sink.add(
                    f"{where}.max_weight_kg", "must be > 0 (leave it empty for no limit)", raw_w
                )
                ok = False
            elif w is None:
                ok = False
            else:
                weight = w
        banned: frozenset[str] = frozenset()
        raw_b = attrs.get("banned_carriers")
        if raw_b not in (None, ""):
            names = [c for c in _SPLIT.split(str(raw_b).strip().lower()) if c]
            unknown = [c for c in names if c not in CARRIERS]
            if unknown:
                sink.add(
                    f"{where}.banned_carriers",
                    f"names no carrier ({', '.join(CARRIERS)})",
                    raw_b,
                )
                ok = False
            banned = frozenset(names)
        raw_o = attrs.get("oneway")
        oneway = default_oneway if raw_o in (None, "") else _flag(sink, raw_o, f"{where}.oneway")
        if not ok or length is None or speed is None:
            return
        a, b = self.node_index[u], self.node_index[v]
        for t, h in ((a, b),) if oneway else ((a, b), (b, a)):
            self.tail.append(t)
            self.head.append(h)
            self.length.append(length)
            self.speed.append(speed)
            self.weight.append(weight)
            self.banned.append(banned)


def _nodes(
    sink: _Sink, rows: Iterable[tuple[str, str, Mapping[str, Any]]]
) -> tuple[list[str], np.ndarray, bool]:
    """Check node coordinates: every node has one pair, and all nodes use the same pair."""
    ids: list[str] = []
    coords: list[tuple[float, float]] = []
    kinds: dict[str, str] = {}
    for where, nid, attrs in rows:
        has_xy = any(attrs.get(k) not in (None, "") for k in ("x", "y"))
        has_ll = any(attrs.get(k) not in (None, "") for k in ("lon", "lat"))
        if has_xy and has_ll:
            sink.add(where, "give x/y (km) or lon/lat (degrees), not both", nid)
            continue
        if not has_xy and not has_ll:
            sink.add(where, "has no coordinates (x/y in km or lon/lat in degrees)", nid)
            continue
        pair = ("x", "y") if has_xy else ("lon", "lat")
        kinds.setdefault("/".join(pair), where)
        vals = []
        for k in pair:
            if attrs.get(k) in (None, ""):
                sink.add(f"{where}.{k}", "is required", has_value=False)
            else:
                vals.append(_number(sink, attrs[k], f"{where}.{k}"))
        if len(vals) != 2 or vals[0] is None or vals[1] is None:
            continue
        a, b = vals[0], vals[1]
        if pair == ("lon", "lat"):
            lon_lat_in_range(sink, where, a, b)
        ids.append(nid)
        coords.append((a, b))
    if len(kinds) > 1:
        (k1, w1), (k2, w2) = list(kinds.items())[:2]
        sink.add(w2, f"uses {k2} while {w1} uses {k1}: all nodes must use the same pair", k2)
    arr = np.array(coords, dtype=float).reshape(len(coords), 2)
    return ids, arr, "lon/lat" in kinds


def _finish(source: str, ids: list[str], xy: np.ndarray, geo: bool, s: _Streets) -> RoadGraph:
    if s.streets == 0:
        s.sink.add("edges", "the graph has no edges", has_value=False)
    s.sink.raise_if_any(source)
    return RoadGraph(
        source=source,
        node_ids=tuple(ids),
        coordinates=xy,
        geographic=geo,
        tail=np.array(s.tail, dtype=np.int64),
        head=np.array(s.head, dtype=np.int64),
        length_km=np.array(s.length, dtype=float),
        speed_kmh=np.array(s.speed, dtype=float),
        max_weight_kg=np.array(s.weight, dtype=float),
        banned_carriers=tuple(s.banned),
        streets=s.streets,
    )


# ----------------------------------------------------------------------------------------------
# GraphML
def _read_graphml(path: Path) -> RoadGraph:
    source = str(path)
    check_xml_encoding(path)
    try:
        g = nx.read_graphml(path)
    except (ET.ParseError, nx.NetworkXError, ValueError, KeyError, TypeError) as e:
        raise FormatError(
            Issue(path.name, f"is not a readable GraphML file: {e}", has_value=False), source
        ) from None
    sink = _Sink()
    # GraphML <default> values: networkx keeps them aside; the format says they apply.
    node_default = dict(g.graph.get("node_default", {}))
    edge_default = dict(g.graph.get("edge_default", {}))
    for k in sorted(set(g.graph) - {"node_default", "edge_default", "name"}):
        sink.add(f"graph.{k}", "is not a known graph field (name)", g.graph[k])
    node_rows = []
    for nid, own in g.nodes(data=True):
        attrs = {**node_default, **own}
        where = f"node {nid!r}"
        for k in sorted(set(attrs) - set(NODE_FIELDS)):
            sink.add(
                f"{where}.{k}", f"is not a known node field ({', '.join(NODE_FIELDS)})", attrs[k]
            )
        node_rows.append((where, str(nid), attrs))
    ids, xy, geo = _nodes(sink, node_rows)
    streets = _Streets(
        sink,
        {n: k for k, n in enumerate(ids)},
        frozenset(str(n) for n in g.nodes) - set(ids),
    )
    directed = g.is_directed()
    if g.is_multigraph():
        edges: Iterable[tuple[Any, Any, Any, dict[str, Any]]] = g.edges(keys=True, data=True)
    else:
        edges = ((u, v, None, d) for u, v, d in g.edges(data=True))
    for u, v, key, own in edges:
        attrs = {**edge_default, **own}
        where = f"edge {u!r}->{v!r}" + (f"#{key}" if key not in (None, 0) else "")
        for k in sorted(set(attrs) - set(EDGE_FIELDS)):
            if k == "id":  # GraphML's own edge id attribute, kept by networkx: not a road field
                continue
            sink.add(
                f"{where}.{k}", f"is not a known edge field ({', '.join(EDGE_FIELDS)})", attrs[k]
            )
        if not directed and attrs.get("oneway") not in (None, "", False, "false"):
            sink.add(
                f"{where}.oneway",
                'needs a directed graph (edgedefault="directed"): an undirected edge has no first end',
                attrs["oneway"],
            )
            continue
        streets.add(where, str(u), str(v), attrs, default_oneway=directed)
    return _finish(source, ids, xy, geo, streets)


# ----------------------------------------------------------------------------------------------
# CSV
def _csv_rows(
    sink: _Sink, path: Path, known: tuple[str, ...], required: tuple[str, ...]
) -> list[tuple[int, dict[str, str]]]:
    """Rows of a CSV as (line number, column -> cell), after checking the header."""
    # The readers' own bounds: the size limit, and a non-UTF-8 byte named by byte and line.
    text = read_text(path)
    reader = csv.reader(text.splitlines())
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    for line, raw in enumerate(reader, start=1):
        if not raw or all(not c.strip() for c in raw):
            continue
        cells = [c.strip() for c in raw]
        if header is None:
            header = cells
            seen: set[str] = set()
            for col in header:
                if col in seen:
                    sink.add("header", "names a column twice", col)
                seen.add(col)
                if col not in known:
                    sink.add("header", f"is not a known column ({', '.join(known)})", col)
            for col in required:
                if col not in header:
                    sink.add("header", f"lacks the required column {col!r}", ",".join(header))
            continue
        if len(cells) != len(header):
            sink.add(f"line {line}", f"has {len(cells)} fields, the header has {len(header)}", raw)
            continue
        rows.append((line, dict(zip(header, cells, strict=True))))
    if header is None:
        sink.add("header", "the file is empty", has_value=False)
    return rows


def _read_csv(edges_path: Path, nodes_path: Path) -> RoadGraph:
    if not nodes_path.is_file():
        raise FormatError(Issue(str(nodes_path), "is not a file", has_value=False))
    sink = _Sink()
    node_rows = []
    seen: dict[str, int] = {}
    for line, row in _csv_rows(sink, nodes_path, CSV_NODE_COLUMNS, ("id",)):
        nid = row.get("id", "")
        if not nid:
            sink.add(f"line {line}.id", "must not be empty", has_value=False)
            continue
        if nid in seen:
            sink.add(f"line {line}.id", f"duplicates the node on line {seen[nid]}", nid)
            continue
        seen[nid] = line
        node_rows.append((f"line {line}", nid, row))
    ids, xy, geo = _nodes(sink, node_rows)
    sink.raise_if_any(str(nodes_path))
    sink = _Sink()
    streets = _Streets(sink, {n: k for k, n in enumerate(ids)})
    for line, row in _csv_rows(sink, edges_path, CSV_EDGE_COLUMNS, CSV_EDGE_REQUIRED):
        if not all(col in row for col in CSV_EDGE_REQUIRED):
            continue  # the header problem is reported once, not on every line
        streets.add(f"line {line}", row["from"], row["to"], row, default_oneway=False)
    return _finish(str(edges_path), ids, xy, geo, streets)
