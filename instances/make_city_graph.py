"""Write the bundled road city: ``city-roads.graphml`` and the day ``city-roads.json`` that uses it.

Run from anywhere: ``python instances/make_city_graph.py``. Deterministic: the same script gives
byte-identical files (tests/test_roads.py checks it), so the graph can be regenerated and reviewed.

The city (x, y in km; the graph is directed, a street is two-way unless ``oneway`` is true):

- a 16 x 16 street grid, 0.5 km apart (x, y from 0 to 7.5), 30 km/h; arterials (rows 2 and 13,
  columns 3 and 12) at 50 km/h; the old town (strictly inside x, y in (2.0, 5.5)) at 20 km/h;
- a river between x = 3.5 and x = 4.0 crossed by five bridges: the stone bridges on rows 4, 7 and 10
  carry at most 18 t, the south (row 1) and north (row 14) bridges carry anything;
- a ring road (36 nodes, radius 5.5 km around the centre, 70 km/h) with eight ramps to the grid;
- one-way streets: rows 6 (eastbound) and 9 (westbound) across the old town, column 1 northbound and
  column 14 southbound;
- a low-emission zone, the old town: every street with an end strictly inside it bans diesel; the
  boundary streets stay open, so diesel trucks can drive around it (the instance also bans its
  diesel tractor from stopping in the zone, ``zones[old-town]``);
- a few local streets closed (parks, squares), drawn with a fixed seed among those whose removal
  keeps every vehicle able to reach every place it may serve.
"""

from __future__ import annotations

import json
import math
import random
from pathlib import Path

import networkx as nx

HERE = Path(__file__).resolve().parent
GRID = 16
STEP_KM = 0.5
RIVER_COL = 7  # the river runs between columns 7 and 8
BRIDGE_ROWS = {1: None, 4: 18000.0, 7: 18000.0, 10: 18000.0, 14: None}
ARTERIAL_ROWS = {2, 13}
ARTERIAL_COLS = {3, 12}
LEZ = (2.0, 5.5)  # the old town: x and y strictly between these bounds
RING_NODES = 36
RING_RADIUS_KM = 5.5
CENTRE = (3.75, 3.75)
CLOSED_STREETS = 18
SEED = 7

Edge = dict[str, object]


def node_id(row: int, col: int) -> str:
    return f"r{row}c{col}"


def inside_lez(x: float, y: float) -> bool:
    return LEZ[0] < x < LEZ[1] and LEZ[0] < y < LEZ[1]


def build() -> tuple[dict[str, tuple[float, float]], list[tuple[str, str, Edge]]]:
    """Nodes (id -> x, y km) and streets (from, to, attributes) of the city."""
    nodes: dict[str, tuple[float, float]] = {}
    for r in range(GRID):
        for c in range(GRID):
            nodes[node_id(r, c)] = (c * STEP_KM, r * STEP_KM)
    streets: list[tuple[str, str, Edge]] = []

    def street(a: str, b: str, speed: float, **extra: object) -> None:
        (xa, ya), (xb, yb) = nodes[a], nodes[b]
        attrs: Edge = {"length_km": round(math.hypot(xb - xa, yb - ya), 3), "speed_kmh": speed}
        if inside_lez(xa, ya) or inside_lez(xb, yb):
            attrs["banned_carriers"] = "diesel"
            if speed < 40:
                attrs["speed_kmh"] = 20.0
        attrs.update(extra)
        streets.append((a, b, attrs))

    for r in range(GRID):  # east-west streets
        for c in range(GRID - 1):
            a, b = node_id(r, c), node_id(r, c + 1)
            if c == RIVER_COL:
                if r not in BRIDGE_ROWS:
                    continue
                limit = BRIDGE_ROWS[r]
                extra: Edge = {"name": f"{'stone' if limit else 'river'}-bridge-r{r}"}
                if limit:
                    extra["max_weight_kg"] = limit
                street(a, b, 30.0 if limit else 40.0, **extra)
                continue
            speed = 50.0 if r in ARTERIAL_ROWS else 30.0
            if r == 6 and 4 <= c < 11:
                street(a, b, speed, oneway=True)  # eastbound
            elif r == 9 and 4 <= c < 11:
                street(b, a, speed, oneway=True)  # westbound
            else:
                street(a, b, speed)
    for c in range(GRID):  # north-south streets
        for r in range(GRID - 1):
            a, b = node_id(r, c), node_id(r + 1, c)
            speed = 50.0 if c in ARTERIAL_COLS else 30.0
            if c == 1:
                street(a, b, speed, oneway=True)  # northbound
            elif c == GRID - 2:
                street(b, a, speed, oneway=True)  # southbound
            else:
                street(a, b, speed)
    ring = [f"ring{k:02d}" for k in range(RING_NODES)]
    for k, rid in enumerate(ring):
        ang = 2 * math.pi * k / RING_NODES
        nodes[rid] = (
            round(CENTRE[0] + RING_RADIUS_KM * math.cos(ang), 4),
            round(CENTRE[1] + RING_RADIUS_KM * math.sin(ang), 4),
        )
    for k in range(RING_NODES):
        street(ring[k], ring[(k + 1) % RING_NODES], 70.0, name="ring-road")
    last = GRID - 1
    for r, c in ((0, 3), (0, 12), (last, 3), (last, 12), (3, 0), (12, 0), (3, last), (12, last)):
        gid = node_id(r, c)
        gx, gy = nodes[gid]
        near = min(ring, key=lambda rid: math.hypot(nodes[rid][0] - gx, nodes[rid][1] - gy))
        street(gid, near, 50.0, name="ramp")
    return nodes, _close_some(nodes, streets)


def _digraph(streets: list[tuple[str, str, Edge]], heavy: bool, diesel: bool) -> nx.DiGraph:
    g = nx.DiGraph()
    for a, b, attrs in streets:
        if heavy and "max_weight_kg" in attrs:
            continue
        if diesel and "banned_carriers" in attrs:
            continue
        g.add_edge(a, b)
        if not attrs.get("oneway"):
            g.add_edge(b, a)
    return g


def _sound(nodes: dict[str, tuple[float, float]], streets: list[tuple[str, str, Edge]]) -> bool:
    """Every node reaches every node (van, heavy truck); outside the zone, also for diesel."""
    if not nx.is_strongly_connected(_digraph(streets, False, False)):
        return False
    heavy = _digraph(streets, True, False)
    if len(heavy) != len(nodes) or not nx.is_strongly_connected(heavy):
        return False
    diesel = _digraph(streets, True, True)
    outside = [n for n, (x, y) in nodes.items() if not inside_lez(x, y)]
    return set(outside) <= set(diesel) and nx.is_strongly_connected(diesel.subgraph(outside))


def _close_some(
    nodes: dict[str, tuple[float, float]], streets: list[tuple[str, str, Edge]]
) -> list[tuple[str, str, Edge]]:
    assert _sound(nodes, streets)
    rng = random.Random(SEED)
    local = [
        k
        for k, (a, b, attrs) in enumerate(streets)
        if attrs["speed_kmh"] == 30.0 and len(attrs) == 2 and a.startswith("r")
    ]
    rng.shuffle(local)
    closed: set[int] = set()
    for k in local:
        if len(closed) == CLOSED_STREETS:
            break
        trial = [s for i, s in enumerate(streets) if i not in closed | {k}]
        if _sound(nodes, trial):
            closed.add(k)
    return [s for i, s in enumerate(streets) if i not in closed]


def graphml(nodes: dict[str, tuple[float, float]], streets: list[tuple[str, str, Edge]]) -> str:
    """GraphML, one element a line (readable diffs); ``oneway`` defaults to false (two-way)."""
    keys = [
        ("x", "node", "double"),
        ("y", "node", "double"),
        ("length_km", "edge", "double"),
        ("speed_kmh", "edge", "double"),
        ("max_weight_kg", "edge", "double"),
        ("banned_carriers", "edge", "string"),
        ("oneway", "edge", "boolean"),
        ("name", "edge", "string"),
    ]
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">',
    ]
    for name, kind, typ in keys:
        default = "<default>false</default>" if name == "oneway" else ""
        out.append(
            f'<key id="{name}" for="{kind}" attr.name="{name}" attr.type="{typ}">{default}</key>'
            if default
            else f'<key id="{name}" for="{kind}" attr.name="{name}" attr.type="{typ}"/>'
        )
    out.append('<graph id="city-roads" edgedefault="directed">')
    for nid, (x, y) in nodes.items():
        out.append(f'<node id="{nid}"><data key="x">{x:g}</data><data key="y">{y:g}</data></node>')
    for a, b, attrs in streets:
        data = "".join(
            f'<data key="{k}">{str(v).lower() if isinstance(v, bool) else v}</data>'
            for k, v in attrs.items()
        )
        out.append(f'<edge source="{a}" target="{b}">{data}</edge>')
    out += ["</graph>", "</graphml>", ""]
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------
# the day on these roads
TOU = [
    {"from_min": 0, "price_per_kwh": 0.247},
    {"from_min": 480, "price_per_kwh": 0.65},
    {"from_min": 600, "price_per_kwh": 1.105},
    {"from_min": 720, "price_per_kwh": 0.65},
    {"from_min": 840, "price_per_kwh": 1.105},
    {"from_min": 1140, "price_per_kwh": 0.65},
]
#: id, x, y (km), kind, weight_kg, time windows, service_min. The old town holds the first eight.
JOBS: list[tuple[str, float, float, str, float, list[list[int]], int]] = [
    ("pharmacy-old-town", 3.1, 3.05, "delivery", 150, [[480, 660]], 10),
    ("bakery-market-sq", 2.55, 4.4, "delivery", 400, [[390, 480]], 10),
    ("bookshop-river-st", 4.6, 3.6, "delivery", 250, [[540, 780]], 10),
    ("cafe-cathedral", 3.95, 4.55, "delivery", 300, [[420, 540], [840, 960]], 10),
    ("museum-shop", 4.45, 2.6, "delivery", 120, [[600, 900]], 10),
    ("supermarket-old-town", 3.05, 4.0, "delivery", 4000, [[420, 600]], 25),
    ("town-hall-archive", 2.95, 2.55, "pickup", 600, [[780, 1020]], 15),
    ("boutique-east-gate", 4.9, 4.9, "delivery", 180, [[600, 840]], 10),
    ("building-site-west", 0.4, 5.1, "delivery", 7000, [[420, 600]], 30),
    ("hardware-store", 1.05, 1.0, "delivery", 1800, [[480, 720]], 20),
    ("garden-centre", 0.1, 0.45, "delivery", 2500, [[540, 900]], 20),
    ("school-canteen", 1.55, 6.9, "delivery", 700, [[360, 450]], 15),
    ("clinic-north", 2.6, 7.3, "delivery", 350, [[480, 720]], 10),
    ("print-works-pickup", 1.5, 3.55, "pickup", 1800, [[720, 1020]], 20),
    ("factory-east", 7.3, 2.0, "pickup", 5000, [[600, 900]], 30),
    ("warehouse-docks", 6.55, 0.1, "delivery", 3500, [[420, 660]], 25),
    ("furniture-store", 6.0, 5.95, "delivery", 2000, [[600, 960]], 30),
    ("car-dealer", 7.45, 6.6, "delivery", 1500, [[540, 840]], 20),
    ("hotel-riverside", 4.6, 6.6, "delivery", 800, [[420, 560]], 15),
    ("university-lab", 5.9, 7.45, "delivery", 220, [[600, 1020]], 10),
    ("stadium-kiosks", 6.1, 4.05, "delivery", 950, [[660, 900]], 15),
    ("recycling-yard", 7.0, 3.4, "pickup", 3000, [[780, 1080]], 25),
    ("laundry-south", 4.05, 0.55, "pickup", 500, [[720, 960]], 10),
    ("bike-shop", 5.05, 1.45, "delivery", 260, [[480, 780]], 10),
]
SHIPMENTS = [
    ("brewery-to-festival", (6.95, 5.05), [[420, 600]], (0.55, 6.45), [[600, 840]], 3600),
    ("printer-to-office", (3.6, 3.05), [[480, 600]], (6.55, 2.45), [[540, 780]], 280),
]


def instance() -> dict[str, object]:
    """The native JSON of the road-city day (see instances/README.md)."""
    locations = [
        {"id": "logistics-park", "coordinates": [-0.3, 6.2]},
        {"id": "east-charging-yard", "coordinates": [6.6, 1.6]},
        {"id": "west-swap-station", "coordinates": [0.6, 2.1]},
    ]
    jobs = []
    for jid, x, y, kind, kg, windows, service in JOBS:
        locations.append({"id": jid, "coordinates": [x, y]})
        jobs.append(
            {
                "id": jid,
                "location": jid,
                "kind": kind,
                "weight_kg": kg,
                "time_windows": windows,
                "service_min": service,
            }
        )
    shipments = []
    for sid, (px, py), pw, (dx, dy), dw, kg in SHIPMENTS:
        locations += [
            {"id": f"{sid}:pickup", "coordinates": [px, py]},
            {"id": f"{sid}:delivery", "coordinates": [dx, dy]},
        ]
        shipments.append(
            {
                "id": sid,
                "weight_kg": kg,
                "pickup": {"location": f"{sid}:pickup", "time_windows": pw, "service_min": 20},
                "delivery": {"location": f"{sid}:delivery", "time_windows": dw, "service_min": 20},
            }
        )
    return {
        "format": "optimizer-instance",
        "version": 1,
        "name": "city-roads",
        "meta": {"source": "instances/make_city_graph.py"},
        "locations": locations,
        "travel": {
            "road_network": {
                "graph": "city-roads.graphml",
                "gross_weight_kg": {
                    "diesel-tractor": 40000,
                    "e-truck": 26000,
                    "swap-tractor": 40000,
                    "e-van": 3500,
                },
                "max_snap_km": 0.5,
            }
        },
        "depots": [
            {
                "id": "park",
                "location": "logistics-park",
                "opening": [360, 1200],
                "energy_price_per_kwh": 0.247,
                "grid_co2e_kg_per_kwh": 0.4725,
            }
        ],
        "jobs": jobs,
        "shipments": shipments,
        "vehicle_types": [
            {
                "id": "diesel-tractor",
                "carrier": "diesel",
                "capacity_kg": 24000,
                "consumption_per_km_empty": 0.24,
                "consumption_per_km_full": 0.38,
                "fuel_price_per_unit": 7.5,
                "fixed_cost": 400,
                "cost_per_hour": 60,
                "banned_zones": ["old-town"],
            },
            {
                "id": "e-truck",
                "carrier": "bev",
                "capacity_kg": 12000,
                "battery_kwh": 280,
                "reserve_kwh": 28,
                "consumption_per_km_empty": 1.0,
                "consumption_per_km_full": 1.5,
                "fixed_cost": 350,
                "cost_per_hour": 60,
            },
            {
                "id": "swap-tractor",
                "carrier": "swap",
                "capacity_kg": 18000,
                "battery_kwh": 282,
                "reserve_kwh": 28,
                "consumption_per_km_empty": 1.0,
                "consumption_per_km_full": 1.7,
                "fixed_cost": 380,
                "cost_per_hour": 60,
            },
            {
                "id": "e-van",
                "carrier": "bev",
                "capacity_kg": 1000,
                "battery_kwh": 80,
                "reserve_kwh": 8,
                "consumption_per_km_empty": 0.2,
                "consumption_per_km_full": 0.3,
                "fixed_cost": 120,
                "cost_per_hour": 40,
            },
        ],
        "vehicles": [
            {"id": "dsl", "type": "diesel-tractor", "start_depot": "park"},
            {"id": "ev", "type": "e-truck", "count": 2, "start_depot": "park", "initial_soc": 0.3},
            {"id": "swp", "type": "swap-tractor", "start_depot": "park", "initial_soc": 0.5},
            {"id": "van", "type": "e-van", "count": 2, "start_depot": "park", "initial_soc": 0.6},
        ],
        "stations": [
            {
                "id": "chg-east-yard",
                "location": "east-charging-yard",
                "kind": "charger",
                "curve": [
                    {"up_to_soc": 0.8, "power_kw": 240},
                    {"up_to_soc": 0.95, "power_kw": 120},
                    {"up_to_soc": 1.0, "power_kw": 40},
                ],
                "opening": [[360, 1320]],
                "tariff": TOU,
                "fee_per_kwh": 0.6,
            },
            {
                "id": "swap-west",
                "location": "west-swap-station",
                "kind": "swap",
                "swap_min": 5,
                "tariff": [{"from_min": 0, "price_per_kwh": 1.2}],
            },
        ],
        "zones": [
            {
                "id": "old-town",
                "polygon": [[LEZ[0], LEZ[0]], [LEZ[1], LEZ[0]], [LEZ[1], LEZ[1]], [LEZ[0], LEZ[1]]],
            }
        ],
        "objective": {
            "kind": "cost",
            "carbon_price_per_t_co2e": 80,
            "unserved_penalty": None,
            "currency": "CNY",
        },
    }


def main(out_dir: Path = HERE) -> None:
    nodes, streets = build()
    (out_dir / "city-roads.graphml").write_text(graphml(nodes, streets), "utf-8")
    (out_dir / "city-roads.json").write_text(compact_json(instance()), "utf-8")


def compact_json(data: dict[str, object]) -> str:
    """One top-level field, or one list item, a line: a file a person can read and edit."""
    lines = []
    for key, value in data.items():
        head = f" {json.dumps(key)}: "
        if isinstance(value, list) and value:
            items = ",\n".join(f"  {json.dumps(v)}" for v in value)
            lines.append(f"{head}[\n{items}\n ]")
        else:
            lines.append(head + json.dumps(value))
    return "{\n" + ",\n".join(lines) + "\n}\n"


if __name__ == "__main__":
    main()
