"""Montoya, Guéret, Mendoza & Villegas (2017) E-VRP with nonlinear charging: VRP-REP XML (2016-0020).

Structure read: ``<network><nodes>`` (``<node id type>`` with ``<cx>``, ``<cy>``; type 0 depot,
1 customer, 2 station with ``<custom><cs_type>``), ``<fleet><vehicle_profile>`` (departure and
arrival node, ``max_travel_time``, ``speed_factor``, ``custom/consumption_rate``,
``custom/battery_capacity``, ``custom/charging_functions``) and ``<requests>`` (``<request node>``
with ``<service_time>``). Any other element is refused with its path, so nothing is dropped silently.

Units and conventions:

- Coordinates are km; distances unrounded Euclidean. ``speed_factor`` is km/h and becomes
  ``Travel.speed_kmh``.
- ``consumption_rate`` Wh/km becomes kWh/km (``/1000``), ``battery_capacity`` Wh becomes kWh.
- ``max_travel_time`` (h) becomes ``Vehicle.max_duration_min`` (min); ``service_time`` (h) becomes
  ``Job.service_min``.
- Each station's charging function (breakpoints ``battery_level`` Wh, ``charging_time`` h, measured
  from an empty battery, piecewise linear and concave) becomes one :class:`CurveSegment` per piece:
  ``up_to_soc = level / battery`` and ``power_kw = delta kWh / delta h``. Charging from ``a`` to
  ``b`` then takes ``t(b) - t(a)``, as in the paper. The breakpoints are read from each file.
- Partial charging is allowed (default :class:`Rules`). There are no demands (weight 0, vehicle
  capacity 1 kg) and no time windows (the depot opens from 0 to the longer of a day and the route
  limit). The fleet is unlimited: one vehicle entry ``ev`` with one unit per customer. So are the
  chargers (the paper puts no capacity on stations): each station gets one per vehicle.
- Ids are the node ids as strings; the depot is ``"0"``. Job ids are the request ids.
- Objective: ``Objective(kind="cost")`` with ``cost_per_hour = 1`` on the vehicle type, so the cost
  is hours of route time.

Convention difference to the published values (kept in ``meta``): the best known values (Froger et
al. 2021, via EVRPNLLib.jl) are total *driving + charging (+ waiting)* time in hours and leave the
service time out; the model's route time includes service. Subtract ``meta["total_service_h"]``
(the sum of all service times) from the model's cost before comparing. The same library also
checks the 10-hour limit without service time, while the model's ``max_duration_min`` covers the
whole route, service included (``meta["max_duration_includes_service"]``).
"""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET
from pathlib import Path

from ..errors import FormatError, InputError, Issue
from ..model import (
    CurveSegment,
    Depot,
    Instance,
    Job,
    Location,
    Objective,
    Rules,
    Station,
    TimeWindow,
    Travel,
    Vehicle,
    VehicleType,
)

WH_PER_KWH = 1000.0
MIN_PER_H = 60.0
#: Elements of the format, by parent tag. Anything else is refused with its path.
KNOWN_CHILDREN: dict[str, set[str]] = {
    "instance": {"info", "network", "fleet", "requests"},
    "info": {"dataset", "name"},
    "network": {"nodes", "euclidean", "decimals"},
    "nodes": {"node"},
    "node": {"cx", "cy", "custom"},
    "fleet": {"vehicle_profile"},
    "vehicle_profile": {
        "departure_node",
        "arrival_node",
        "max_travel_time",
        "speed_factor",
        "custom",
    },
    "requests": {"request"},
    "request": {"service_time"},
    "charging_functions": {"function"},
    "function": {"breakpoint"},
    "breakpoint": {"battery_level", "charging_time"},
}


class _Doc:
    """The parsed XML and the source name, with helpers whose errors name the element path."""

    def __init__(self, root: ET.Element, source: str) -> None:
        self.root = root
        self.source = source

    def fail(
        self, where: str, message: str, value: object = None, has_value: bool = True
    ) -> FormatError:
        return FormatError(Issue(where, message, value, has_value), self.source)

    def one(self, parent: ET.Element, tag: str, where: str) -> ET.Element:
        found = parent.findall(tag)
        if len(found) != 1:
            raise self.fail(f"{where}/{tag}", "must appear exactly once", len(found))
        return found[0]

    def number(self, parent: ET.Element, tag: str, where: str) -> float:
        text = (self.one(parent, tag, where).text or "").strip()
        try:
            value = float(text)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise self.fail(f"{where}/{tag}", "must be a finite number", text)
        return value

    def check_children(self, element: ET.Element, where: str) -> None:
        """Refuse elements the reader would otherwise ignore (nothing is dropped silently)."""
        allowed = KNOWN_CHILDREN.get(element.tag)
        if allowed is None:
            return
        for child in element:
            if child.tag not in allowed:
                raise self.fail(
                    f"{where}/{child.tag}", "is not part of this format", has_value=False
                )


def _curve(
    doc: _Doc, function: ET.Element, where: str, battery_wh: float
) -> tuple[CurveSegment, ...]:
    """Turn (level Wh, time h) breakpoints into constant-power segments (kW between two levels)."""
    points: list[tuple[float, float]] = []
    for k, bp in enumerate(function.findall("breakpoint")):
        bw = f"{where}/breakpoint[{k}]"
        doc.check_children(bp, bw)
        points.append((doc.number(bp, "battery_level", bw), doc.number(bp, "charging_time", bw)))
    if len(points) < 2:
        raise doc.fail(where, "needs at least two breakpoints", len(points))
    if points[0] != (0.0, 0.0):
        raise doc.fail(
            f"{where}/breakpoint[0]",
            "must be battery_level 0 at charging_time 0 (curves start from an empty battery)",
            points[0],
        )
    if not math.isclose(points[-1][0], battery_wh, rel_tol=1e-9):
        raise doc.fail(
            f"{where}/breakpoint[{len(points) - 1}]/battery_level",
            f"must reach the battery capacity ({battery_wh:g} Wh)",
            points[-1][0],
        )
    segments = []
    for k in range(1, len(points)):
        (l0, t0), (l1, t1) = points[k - 1], points[k]
        if l1 <= l0 or t1 <= t0:
            raise doc.fail(
                f"{where}/breakpoint[{k}]",
                "battery_level and charging_time must both increase",
                points[k],
            )
        up_to = 1.0 if k == len(points) - 1 else l1 / battery_wh
        segments.append(CurveSegment(up_to_soc=up_to, power_kw=(l1 - l0) / WH_PER_KWH / (t1 - t0)))
    return tuple(segments)


def parse_instance(text: str, name: str | None = None, source: str | None = None) -> Instance:
    """Build the model of one EVRP-NL instance from its XML text (see the module docstring).

    Parameters
    ----------
    text
        The XML document.
    name
        The instance name; defaults to ``<info><name>``, else the source.
    source
        The file name for error messages and ``meta["source"]``.
    """
    src = source or name or "<xml>"
    try:
        root = ET.fromstring(text)
    except ET.ParseError as e:
        line, col = e.position
        raise FormatError(
            Issue(f"line {line} column {col}", f"is not well-formed XML: {e.msg}", has_value=False),
            src,
        ) from None
    doc = _Doc(root, src)
    if root.tag != "instance":
        raise doc.fail("/", "the root element must be <instance>", root.tag)
    for element in root.iter():
        doc.check_children(element, element.tag)
    info_name = (root.findtext("info/name") or "").strip()
    inst_name = name or info_name or src

    # nodes
    nodes_el = doc.one(doc.one(root, "network", "instance"), "nodes", "instance/network")
    locations: list[Location] = []
    index: dict[str, int] = {}
    kinds: dict[str, str] = {}
    cs_types: dict[str, str] = {}
    for k, node in enumerate(nodes_el.findall("node")):
        where = f"nodes/node[{k}]"
        node_id = (node.get("id") or "").strip()
        node_type = (node.get("type") or "").strip()
        if not node_id:
            raise doc.fail(f"{where}@id", "is required", has_value=False)
        if node_id in index:
            raise doc.fail(f"{where}@id", "repeats a node id", node_id)
        if node_type not in ("0", "1", "2"):
            raise doc.fail(
                f"{where}@type", "must be 0 (depot), 1 (customer) or 2 (station)", node_type
            )
        custom = node.find("custom")
        if node_type == "2":
            cs = (node.findtext("custom/cs_type") or "").strip()
            if not cs:
                raise doc.fail(
                    f"{where}/custom/cs_type", "is required for a station", has_value=False
                )
            cs_types[node_id] = cs
        if custom is not None:
            extra = [c.tag for c in custom if not (node_type == "2" and c.tag == "cs_type")]
            if extra:
                raise doc.fail(
                    f"{where}/custom/{extra[0]}", "is not part of this format", has_value=False
                )
        # Finite coordinates and a non-empty id are all a Location checks: both are checked here.
        xy = (doc.number(node, "cx", where), doc.number(node, "cy", where))
        locations.append(Location(node_id, xy))
        index[node_id] = len(locations) - 1
        kinds[node_id] = node_type

    # vehicle profile
    fleet = doc.one(root, "fleet", "instance")
    profile = doc.one(fleet, "vehicle_profile", "instance/fleet")
    pw = "fleet/vehicle_profile"
    pcustom = doc.one(profile, "custom", pw)
    for child in pcustom:
        if child.tag not in ("consumption_rate", "battery_capacity", "charging_functions"):
            raise doc.fail(
                f"{pw}/custom/{child.tag}", "is not part of this format", has_value=False
            )
    max_travel_h = doc.number(profile, "max_travel_time", pw)
    speed_kmh = doc.number(profile, "speed_factor", pw)
    consumption_wh_per_km = doc.number(pcustom, "consumption_rate", f"{pw}/custom")
    battery_wh = doc.number(pcustom, "battery_capacity", f"{pw}/custom")
    for tag, value in (
        ("max_travel_time", max_travel_h),
        ("speed_factor", speed_kmh),
        ("custom/battery_capacity", battery_wh),
    ):
        if value <= 0:
            raise doc.fail(f"{pw}/{tag}", "must be > 0", value)
    if consumption_wh_per_km < 0:
        raise doc.fail(f"{pw}/custom/consumption_rate", "must be >= 0", consumption_wh_per_km)
    ends = {}
    for tag in ("departure_node", "arrival_node"):
        ref = (doc.one(profile, tag, pw).text or "").strip()
        if kinds.get(ref) != "0":
            raise doc.fail(f"{pw}/{tag}", "must name a depot node (type 0)", ref)
        ends[tag] = ref
    curves: dict[str, tuple[CurveSegment, ...]] = {}
    functions = doc.one(pcustom, "charging_functions", f"{pw}/custom")
    for k, function in enumerate(functions.findall("function")):
        where = f"{pw}/custom/charging_functions/function[{k}]"
        cs = (function.get("cs_type") or "").strip()
        if not cs:
            raise doc.fail(f"{where}@cs_type", "is required", has_value=False)
        if cs in curves:
            raise doc.fail(f"{where}@cs_type", "repeats a charging technology", cs)
        try:
            curves[cs] = _curve(doc, function, where, battery_wh)
        except InputError as e:
            if isinstance(e, FormatError):
                raise
            raise InputError([i.under(where) for i in e.issues], src) from None

    # requests
    jobs: list[Job] = []
    for k, request in enumerate(doc.one(root, "requests", "instance").findall("request")):
        where = f"requests/request[{k}]"
        ref = (request.get("node") or "").strip()
        if kinds.get(ref) != "1":
            raise doc.fail(f"{where}@node", "must name a customer node (type 1)", ref)
        job_id = (request.get("id") or ref).strip()
        service_h = doc.number(request, "service_time", where)
        try:
            jobs.append(Job(job_id, index[ref], "delivery", service_min=service_h * MIN_PER_H))
        except InputError as e:
            raise InputError([i.under(where) for i in e.issues], src) from None
    served = {locations[j.location].id for j in jobs}
    unserved_customers = [nid for nid, kind in kinds.items() if kind == "1" and nid not in served]
    if unserved_customers:
        raise doc.fail(
            "requests", "every customer node needs a request; none for node", unserved_customers[0]
        )

    depots = tuple(
        Depot(nid, index[nid], TimeWindow(0.0, max(1440.0, max_travel_h * MIN_PER_H)))
        for nid, kind in kinds.items()
        if kind == "0"
    )
    stations: list[Station] = []
    for nid, cs in cs_types.items():
        if cs not in curves:
            raise doc.fail(
                f"node {nid}/custom/cs_type",
                "names a technology without a charging function",
                cs,
            )
        stations.append(
            Station(nid, index[nid], "charger", curve=curves[cs], chargers=max(1, len(jobs)))
        )
    n_customers = len(jobs)
    vehicle_type = VehicleType(
        id="ev",
        carrier="bev",
        capacity_kg=1.0,
        battery_kwh=battery_wh / WH_PER_KWH,
        consumption_per_km_empty=consumption_wh_per_km / WH_PER_KWH,
        cost_per_hour=1.0,
    )
    start, end = ends["departure_node"], ends["arrival_node"]
    vehicle = Vehicle(
        id="ev",
        type="ev",
        start_depot=start,
        end_depot=None if end == start else end,
        count=max(1, n_customers),
        initial_soc=1.0,
        max_duration_min=max_travel_h * MIN_PER_H,
    )
    total_service_h = sum(j.service_min for j in jobs) / MIN_PER_H
    try:
        return Instance(
            name=inst_name,
            locations=tuple(locations),
            depots=depots,
            vehicle_types=(vehicle_type,),
            vehicles=(vehicle,),
            jobs=tuple(jobs),
            stations=tuple(stations),
            travel=Travel(metric="euclidean", rounding="none", speed_kmh=speed_kmh),
            objective=Objective(kind="cost"),
            rules=Rules(),
            meta={
                "format": "evrp-nl",
                "source": src,
                "cost_unit": "hours of route time (cost_per_hour = 1)",
                "total_service_h": total_service_h,
                "bks_convention": (
                    "published best known values are driving + charging (+ waiting) time in "
                    "hours without service time: compare cost - total_service_h"
                ),
                "max_duration_includes_service": True,
                **(
                    {"dataset": root.findtext("info/dataset")}
                    if root.find("info/dataset") is not None
                    else {}
                ),
            },
        )
    except InputError as e:
        raise InputError(e.issues, src) from None


def read_instance(path: str | Path) -> Instance:
    """Read an EVRP-NL XML file; the instance is named after the file stem (``tc0c10s2cf1``)."""
    p = Path(path)
    try:
        text = p.read_text("utf-8")
    except OSError as e:
        raise FormatError(
            Issue(str(path), f"cannot be read: {e.strerror}", has_value=False)
        ) from None
    except UnicodeDecodeError as e:
        raise FormatError(
            Issue(str(path), f"is not UTF-8 text (byte {e.start})", has_value=False)
        ) from None
    return parse_instance(text, p.stem, source=p.name)
