"""OpenStreetMap extracts as road graphs: OSM XML (``.osm``) read here, PBF through pyosmium.

Why our own XML reader rather than osmnx or pyrosm: the matrices need only the drivable ways,
their nodes and a handful of tags, which the standard library's streaming XML parser reads in a
few dozen lines, without pulling geopandas into every install. PBF is binary protobuf; it is read
with ``osmium`` (pyosmium, the optional extra ``osm``), and gives the same ways and tags.

What becomes of the tags (the documented rules; anything else is ignored):

- ``highway``: one of :data:`DRIVABLE` makes a way a street; footways, cycleways, paths, tracks,
  steps, construction and the like are left out.
- ``access``/``motor_vehicle``/``vehicle`` ``no`` or ``private``: the way is left out.
- ``oneway``: ``yes``/``true``/``1`` one way, ``-1``/``reverse`` one way against the node order,
  ``no`` both ways; by default motorways, their links and roundabouts (``junction=roundabout``)
  are one way.
- ``maxspeed``: km/h, or ``N mph``; otherwise :data:`DEFAULT_SPEED_KMH` of the highway class.
- Truck restrictions: ``maxweight`` (t, or ``N kg``; ``maxweight:hgv`` where given) becomes the
  street's gross-weight limit; ``hgv=no`` (or ``goods=no``) a limit of 3,500 kg, the weight above
  which a vehicle is a heavy goods vehicle. Per-carrier bans are not OSM way tags (low-emission
  zones are areas): give them in a CSV graph or as zones.

Each way becomes one street per pair of consecutive nodes, its length the great-circle distance
between them; node ids are the OSM ids; coordinates are lon/lat.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from itertools import pairwise
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import FormatError, Issue
from ..formats.guard import MAX_INT_DIGITS
from ..model import EARTH_RADIUS_KM
from .graph import (
    RoadGraph,
    _finish,
    _number,
    _Sink,
    _Streets,
    check_xml_encoding,
    lon_lat_in_range,
)

#: Highway classes a truck or van may drive.
DRIVABLE: frozenset[str] = frozenset(
    {
        "motorway",
        "motorway_link",
        "trunk",
        "trunk_link",
        "primary",
        "primary_link",
        "secondary",
        "secondary_link",
        "tertiary",
        "tertiary_link",
        "unclassified",
        "residential",
        "living_street",
        "service",
        "road",
    }
)
#: Speed where ``maxspeed`` is absent or unreadable, per highway class (links: their road's).
DEFAULT_SPEED_KMH: Mapping[str, float] = {
    "motorway": 100.0,
    "trunk": 80.0,
    "primary": 60.0,
    "secondary": 50.0,
    "tertiary": 40.0,
    "unclassified": 40.0,
    "road": 40.0,
    "residential": 30.0,
    "service": 20.0,
    "living_street": 10.0,
}
#: ``hgv=no``: closed to heavy goods vehicles, whose gross weight is above 3.5 t.
HGV_LIMIT_KG = 3500.0
_NO = frozenset({"no", "private"})
_ONEWAY_YES = frozenset({"yes", "true", "1"})
_ONEWAY_REVERSE = frozenset({"-1", "reverse"})
_NUMBER = re.compile(r"^\s*([0-9]+(?:[.,][0-9]+)?)\s*([a-z ]*)\s*$")


def is_osm(path: Path) -> bool:
    """Whether ``path`` is an OSM extract (by its suffix, or an ``<osm`` root in its head)."""
    name = path.name.lower()
    if name.endswith((".osm", ".osm.pbf", ".pbf", ".osm.xml")):
        return True
    if path.suffix.lower() == ".xml":
        with path.open("rb") as fh:
            return b"<osm" in fh.read(512)
    return False


def _speed(tags: Mapping[str, str], highway: str) -> float:
    raw = tags.get("maxspeed", "").strip().lower()
    m = _NUMBER.match(raw)
    if m is not None:
        value = float(m.group(1).replace(",", "."))
        unit = m.group(2).strip()
        if value > 0 and unit in ("", "km/h", "kmh", "kph"):
            return value
        if value > 0 and unit == "mph":
            return value * 1.609344
    return DEFAULT_SPEED_KMH.get(highway.removesuffix("_link"), 30.0)


def _weight_kg(tags: Mapping[str, str]) -> float | None:
    for key in ("maxweight:hgv", "maxweight"):
        m = _NUMBER.match(tags.get(key, "").strip().lower())
        if m is not None:
            value = float(m.group(1).replace(",", "."))
            unit = m.group(2).strip()
            if value > 0 and unit in ("", "t"):
                return value * 1000.0
            if value > 0 and unit == "kg":
                return value
    if tags.get("hgv") == "no" or tags.get("goods") == "no":
        return HGV_LIMIT_KG
    return None


def _xml_elements(path: Path) -> Iterator[tuple[str, str, Any, dict[str, str]]]:
    """(kind, id, payload, tags) of each node (payload: lon, lat) and way (payload: node refs)."""
    check_xml_encoding(path)
    try:
        for _, el in ET.iterparse(path, events=("end",)):
            if el.tag == "node":
                tags = {t.get("k", ""): t.get("v", "") for t in el.findall("tag")}
                yield "node", el.get("id", ""), (el.get("lon"), el.get("lat")), tags
                el.clear()
            elif el.tag == "way":
                tags = {t.get("k", ""): t.get("v", "") for t in el.findall("tag")}
                refs = [nd.get("ref", "") for nd in el.findall("nd")]
                yield "way", el.get("id", ""), refs, tags
                el.clear()
            elif el.tag == "relation":
                el.clear()
    except ET.ParseError as e:
        raise FormatError(
            Issue(f"line {e.position[0]}", f"is not valid OSM XML: {e}", has_value=False),
            str(path),
        ) from None


def _pbf_elements(path: Path) -> Iterator[tuple[str, str, Any, dict[str, str]]]:
    try:
        import osmium
    except ImportError:
        raise FormatError(
            Issue(
                str(path),
                "is an OSM PBF file; reading it needs the osmium package "
                "(pip install 'evfleet-optimizer[osm]'), or give the extract as OSM XML",
                has_value=False,
            )
        ) from None
    try:
        for o in osmium.FileProcessor(str(path), osmium.osm.NODE | osmium.osm.WAY):
            if isinstance(o, osmium.osm.Node):
                loc = o.location
                pair = (loc.lon, loc.lat) if loc.valid() else (None, None)
                yield "node", str(o.id), pair, {t.k: t.v for t in o.tags}
            elif isinstance(o, osmium.osm.Way):
                refs = [str(n.ref) for n in o.nodes]
                yield "way", str(o.id), refs, {t.k: t.v for t in o.tags}
    except RuntimeError as e:  # libosmium reports a broken file this way
        raise FormatError(
            Issue(str(path), f"is not a readable OSM PBF file ({e})", has_value=False)
        ) from None


def read_osm(path: str | Path) -> RoadGraph:
    """The drivable road graph of an OSM extract (XML or PBF), restrictions from its tags."""
    p = Path(path)
    elements = _pbf_elements(p) if p.name.lower().endswith(".pbf") else _xml_elements(p)
    sink = _Sink()
    coords: dict[str, tuple[float, float]] = {}
    ways: list[tuple[str, list[str], dict[str, str]]] = []
    for kind, oid, payload, tags in elements:
        if kind == "node":
            where = f"node {oid}"
            if payload[0] is None or payload[1] is None:
                sink.add(where, "has no valid lon/lat", payload)
                continue
            # Checked like a graph node's: "inf" or "1e999" is a float, and a length between
            # two such points would raise in the trigonometry below instead of failing here.
            lon, lat = (
                _number(sink, payload[0], f"{where}.lon"),
                _number(sink, payload[1], f"{where}.lat"),
            )
            if lon is None or lat is None or not lon_lat_in_range(sink, where, lon, lat):
                continue
            coords[oid] = (lon, lat)
        elif tags.get("highway") in DRIVABLE and not any(
            tags.get(k) in _NO for k in ("access", "motor_vehicle", "vehicle")
        ):
            ways.append((oid, payload, tags))
    used = sorted({ref for _, refs, _ in ways for ref in refs if ref in coords}, key=_osm_order)
    index = {nid: k for k, nid in enumerate(used)}
    xy = np.array([coords[n] for n in used], dtype=float).reshape(len(used), 2)
    streets = _Streets(sink, index)
    for oid, refs, tags in ways:
        # An extract cut at its border keeps ways whose far nodes lie outside: the pieces that
        # leave the extract are dropped below, not the whole way.
        highway = tags["highway"]
        raw_oneway = tags.get("oneway", "").strip().lower()
        reverse = raw_oneway in _ONEWAY_REVERSE
        if raw_oneway in _ONEWAY_YES or reverse:
            oneway = True
        elif raw_oneway in ("no", "false", "0"):
            oneway = False
        else:
            oneway = highway in ("motorway", "motorway_link") or tags.get("junction") in (
                "roundabout",
                "circular",
            )
        speed = _speed(tags, highway)
        weight = _weight_kg(tags)
        seq = refs[::-1] if reverse else refs
        for a, b in pairwise(seq):
            if a not in index or b not in index or a == b:
                continue
            (lon1, lat1), (lon2, lat2) = coords[a], coords[b]
            attrs = {
                "length_km": _haversine_km(lon1, lat1, lon2, lat2),
                "speed_kmh": speed,
                "max_weight_kg": weight,
                "oneway": "",  # decided above from the tags: default_oneway
            }
            streets.add(f"way {oid}", a, b, attrs, default_oneway=oneway)
    if not ways:
        sink.add("ways", "the extract has no drivable way (highway=...)", has_value=False)
    return _finish(str(p), used, xy, True, streets)


def _osm_order(nid: str) -> tuple[int, str]:
    """Numeric ids in numeric order; any other id sorts by its text. That includes ids longer than
    an OSM id (64 bits), on which ``int()`` raises past 4,300 digits, and ids of digits that are
    not decimals (``"²"``), on which it raises too."""
    digits = nid.removeprefix("-")
    return (int(nid), nid) if digits.isdecimal() and len(digits) <= MAX_INT_DIGITS else (0, nid)


def _haversine_km(lon1: float, lat1: float, lon2: float, lat2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, a)))


__all__ = ["DEFAULT_SPEED_KMH", "DRIVABLE", "HGV_LIMIT_KG", "is_osm", "read_osm"]
