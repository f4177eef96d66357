"""Road networks: fastest paths on a hand-made graph with known answers, weight limits and carrier
bans that detour only the vehicles they concern, clear errors for bad graphs and unreachable places,
the matrix cache, and the bundled road city planned and validated end to end."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pytest
from typer.testing import CliRunner

import optimizer
from optimizer.cli import app
from optimizer.errors import InputError
from optimizer.formats.native import instance_from_dict, instance_to_dict
from optimizer.roads import RoadNetwork, attach, read_graph, road_matrices
from optimizer.roads import matrices as roads_matrices
from tests.conftest import INSTANCES

# A tiny town (x, y in km). Light vehicles: A -B- C -E, 1 km each (E at 30 km/h, else 60 km/h).
# B-C is a bridge with an 18 t limit; the way round, A-D-C, is 3 km. C-E bans diesel; the way round,
# C-M-E, is 2.4 km at 60 km/h. F hangs off E by a one-way street (in only); G off D by a 10 t road.
NODES = """id,x,y
A,0,0
B,1,0
C,2,0
D,1,1
E,3,0
M,2.5,-1
F,4,0
G,1,2
"""
EDGES = """from,to,length_km,speed_kmh,max_weight_kg,banned_carriers,oneway
A,B,1,60,,,
B,C,1,60,18000,,
A,D,1.5,60,,,
D,C,1.5,60,,,
C,E,1,30,,diesel,
C,M,1.2,60,,,
M,E,1.2,60,,,
E,F,1,60,,,true
D,G,1,60,10000,,
"""
COORDS = {"A": (0, 0), "B": (1, 0), "C": (2, 0), "D": (1, 1), "E": (3, 0), "F": (4, 0), "G": (1, 2)}


@pytest.fixture(autouse=True)
def _cache_in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep every test's matrix cache in its own directory (never the user's ~/.cache)."""
    monkeypatch.setenv("OPTIMIZER_CACHE_DIR", str(tmp_path / "cache"))


def _town(tmp_path: Path, edges: str = EDGES, nodes: str = NODES) -> Path:
    (tmp_path / "nodes.csv").write_text(nodes)
    (tmp_path / "edges.csv").write_text(edges)
    return tmp_path


def _day(
    stops: list[str],
    fleet: list[tuple[str, str, float]],
    *,
    zone_around: str | None = None,
    banned: tuple[str, ...] = (),
    **road: Any,
) -> dict[str, Any]:
    """A day with its depot at A, one job at each node of ``stops``, one vehicle per type
    (id, carrier, gross kg); types in ``banned`` may not stop in a small zone around ``zone_around``."""
    locs = ["A", *stops]
    types = []
    for tid, carrier, _ in fleet:
        t: dict[str, Any] = {"id": tid, "carrier": carrier, "capacity_kg": 1000}
        if carrier in ("bev", "swap"):
            t["battery_kwh"] = 500
        if tid in banned:
            t["banned_zones"] = ["z"]
        types.append(t)
    doc: dict[str, Any] = {
        "format": "optimizer-instance",
        "version": 1,
        "name": "town",
        "locations": [{"id": n, "coordinates": list(COORDS[n])} for n in locs],
        "travel": {
            "road_network": {
                "graph": "edges.csv",
                "nodes": "nodes.csv",
                "gross_weight_kg": {tid: kg for tid, _, kg in fleet},
                **road,
            }
        },
        "depots": [{"id": "dep", "location": "A"}],
        "jobs": [{"id": f"job-{n}", "location": n} for n in stops],
        "vehicle_types": types,
        "vehicles": [{"id": f"v-{tid}", "type": tid, "start_depot": "dep"} for tid, _, _ in fleet],
    }
    if zone_around is not None:
        x, y = COORDS[zone_around]
        ring = [[x - 0.1, y - 0.1], [x + 0.1, y - 0.1], [x + 0.1, y + 0.1], [x - 0.1, y + 0.1]]
        doc["zones"] = [{"id": "z", "polygon": ring}]
    return doc


VAN = ("van", "bev", 3500.0)
TRUCK = ("truck", "bev", 26000.0)
DIESEL_VAN = ("dvan", "diesel", 3500.0)


def _load(tmp_path: Path, doc: dict[str, Any]) -> optimizer.Instance:
    return instance_from_dict(doc, "town.json", base_dir=tmp_path)


# ----------------------------------------------------------------------------------------------
# paths and restrictions
def test_fastest_paths_on_a_hand_made_graph(tmp_path: Path) -> None:
    inst = _load(_town(tmp_path), _day(["C", "E"], [VAN]))
    assert inst.travel.metric == "matrix"
    np.testing.assert_allclose(inst.distance_km, [[0, 2, 3], [2, 0, 1], [3, 1, 0]])
    np.testing.assert_allclose(inst.duration_min, [[0, 2, 4], [2, 0, 2], [4, 2, 0]])
    # Cross-check the times against networkx's own Dijkstra on the same graph.
    g = read_graph(tmp_path / "edges.csv", tmp_path / "nodes.csv").to_networkx()
    for *_, d in g.edges(data=True):
        d["time_min"] = d["length_km"] / d["speed_kmh"] * 60
    times = nx.single_source_dijkstra_path_length(g, "A", weight="time_min")
    assert times["E"] == pytest.approx(inst.duration_min[0, 2])
    meta = inst.meta["road_network"]
    assert meta["nodes"] == 8 and meta["streets"] == 9 and meta["arcs"] == 17
    assert meta["snap_km_max"] == 0.0


def test_time_is_the_fastest_path_and_distance_its_length(tmp_path: Path) -> None:
    """A 3 km street at 30 km/h (6 min) against a 4 km bypass at 120 km/h (2 min): the truck takes
    the bypass, so both its minutes and its kilometres come from the bypass."""
    nodes = "id,x,y\nA,0,0\nE,3,0\nH,1.5,1\n"
    edges = "from,to,length_km,speed_kmh\nA,E,3,30\nA,H,2,120\nH,E,2,120\n"
    inst = _load(_town(tmp_path, edges, nodes), _day(["E"], [VAN]))
    assert inst.duration_min[0, 1] == pytest.approx(2.0)
    assert inst.distance_km[0, 1] == pytest.approx(4.0)


def test_weight_limit_detours_only_the_heavy_type(tmp_path: Path) -> None:
    _town(tmp_path)
    inst = _load(tmp_path, _day(["C"], [VAN, TRUCK]))
    rm = road_matrices(
        inst, RoadNetwork.from_dict(_day([], [VAN, TRUCK])["travel"]["road_network"], tmp_path)
    )
    van_d, _ = rm.for_type("van")
    truck_d, truck_t = rm.for_type("truck")
    assert van_d[0, 1] == pytest.approx(2.0)  # over the bridge
    assert truck_d[0, 1] == pytest.approx(3.0) and truck_t[0, 1] == pytest.approx(3.0)  # round
    # One matrix for both: the path both may drive.
    assert inst.distance_km[0, 1] == pytest.approx(3.0)
    assert {tuple(p["types"]) for p in inst.meta["road_network"]["profiles"]} == {
        ("van",),
        ("truck",),
    }


def test_a_pair_only_light_vehicles_drive_keeps_their_path(tmp_path: Path) -> None:
    """The truck may not stop at C (zone ban), so A-C is driven by the van alone: its bridge path."""
    inst = _load(_town(tmp_path), _day(["C"], [VAN, TRUCK], zone_around="C", banned=("truck",)))
    assert inst.distance_km[0, 1] == pytest.approx(2.0)
    assert inst.banned(inst.type_by_id["truck"], 1)


def test_diesel_ban_detours_only_diesel(tmp_path: Path) -> None:
    doc = _day(["E"], [VAN, DIESEL_VAN])
    inst = _load(_town(tmp_path), doc)
    rm = road_matrices(inst, RoadNetwork.from_dict(doc["travel"]["road_network"], tmp_path))
    assert rm.for_type("van")[0][0, 1] == pytest.approx(3.0)  # A-B-C-E
    assert rm.for_type("dvan")[0][0, 1] == pytest.approx(4.4)  # A-B-C-M-E
    assert rm.for_type("dvan")[1][0, 1] == pytest.approx(4.4)
    assert inst.distance_km[0, 1] == pytest.approx(4.4)
    assert inst.duration_min[0, 1] == pytest.approx(4.4)


def test_no_common_path_takes_an_upper_bound(tmp_path: Path) -> None:
    """Two roads from A to E: via X (4 km, a 10 t limit) and via Y (5 km, no diesel). The heavy
    battery truck must take Y, the light diesel van X: no path serves both, so the one matrix holds
    the larger of their own times and lengths, an upper bound for each."""
    nodes = "id,x,y\nA,0,0\nE,3,0\nX,1.5,1\nY,1.5,-1\n"
    edges = (
        "from,to,length_km,speed_kmh,max_weight_kg,banned_carriers\n"
        "A,X,2,60,,\nX,E,2,60,10000,\nA,Y,2.5,60,,\nY,E,2.5,60,,diesel\n"
    )
    doc = _day(["E"], [TRUCK, DIESEL_VAN])
    inst = _load(_town(tmp_path, edges, nodes), doc)
    rm = road_matrices(inst, RoadNetwork.from_dict(doc["travel"]["road_network"], tmp_path))
    assert rm.for_type("truck")[0][0, 1] == pytest.approx(5.0)
    assert rm.for_type("dvan")[0][0, 1] == pytest.approx(4.0)
    assert rm.pairs_without_common_path == 2  # A->E and E->A
    assert inst.distance_km[0, 1] == pytest.approx(5.0)
    assert inst.duration_min[1, 0] == pytest.approx(5.0)


# ----------------------------------------------------------------------------------------------
# errors
def test_unreachable_location_names_location_type_and_cause(tmp_path: Path) -> None:
    _town(tmp_path)
    with pytest.raises(InputError) as e:
        _load(tmp_path, _day(["F"], [VAN]))
    text = str(e.value)
    assert "locations[1]" in text and "'F'" in text and "'van'" in text
    assert "cannot reach 'A'" in text and "no road connects them at all" in text
    with pytest.raises(InputError) as e:
        _load(tmp_path, _day(["G"], [VAN, TRUCK]))
    text = str(e.value)
    assert "'G'" in text and "vehicle type 'truck'" in text and "'van'" not in text
    assert "weight limits below its 26000 kg close every way" in text


def test_diesel_ban_unreachable_names_the_ban(tmp_path: Path) -> None:
    nodes = "id,x,y\nA,0,0\nE,3,0\n"
    edges = "from,to,length_km,speed_kmh,banned_carriers\nA,E,3,30,diesel\n"
    with pytest.raises(InputError) as e:
        _load(_town(tmp_path, edges, nodes), _day(["E"], [VAN, DIESEL_VAN]))
    assert "vehicle type 'dvan' (diesel" in str(e.value)
    assert "the ban on diesel closes every way" in str(e.value)


@pytest.mark.parametrize(
    ("edges", "expected"),
    [
        ("A,B,-1,60,,,", "line 2.length_km: must be >= 0, got '-1'"),
        ("A,B,1,fast,,,", "line 2.speed_kmh: must be a number, got 'fast'"),
        ("A,B,1,0,,,", "line 2.speed_kmh: must be > 0, got '0'"),
        ("A,Q,1,60,,,", "line 2.to: names no node, got 'Q'"),
        ("A,B,1,60,,petrol,", "line 2.banned_carriers: names no carrier"),
        (
            "A,B,1,60,-5,,",
            "line 2.max_weight_kg: must be > 0 (leave it empty for no limit), got '-5'",
        ),
        ("A,B,1,60,,,maybe", "line 2.oneway: must be true or false, got 'maybe'"),
        ("A,B,1", "line 2: has 3 fields, the header has 7"),
    ],
)
def test_bad_edge_field_names_field_and_value(tmp_path: Path, edges: str, expected: str) -> None:
    header = "from,to,length_km,speed_kmh,max_weight_kg,banned_carriers,oneway\n"
    _town(tmp_path, header + edges + "\n")
    with pytest.raises(InputError) as e:
        read_graph(tmp_path / "edges.csv", tmp_path / "nodes.csv")
    assert expected in str(e.value)
    assert e.value.source == str(tmp_path / "edges.csv")


def test_unknown_column_and_missing_coordinates(tmp_path: Path) -> None:
    _town(tmp_path, "from,to,length_km,speed_kmh,lanes\nA,B,1,60,2\n")
    with pytest.raises(InputError) as e:
        read_graph(tmp_path / "edges.csv", tmp_path / "nodes.csv")
    assert "header: is not a known column" in str(e.value) and "got 'lanes'" in str(e.value)
    _town(tmp_path, EDGES, "id,x,y\nA,0,0\nB,,\n")
    with pytest.raises(InputError) as e:
        read_graph(tmp_path / "edges.csv", tmp_path / "nodes.csv")
    assert "line 3: has no coordinates (x/y in km or lon/lat in degrees), got 'B'" in str(e.value)


def test_graphml_errors_name_node_and_edge(tmp_path: Path) -> None:
    g = nx.DiGraph()
    g.add_node("a", x=0.0, y=0.0)
    g.add_node("b")  # no coordinates
    g.add_node("c", x=1.0, y=0.0, colour="red")
    g.add_edge("a", "c", length_km=-2.0, speed_kmh=50.0)
    g.add_edge("c", "a", length_km=1.0, speed_kmh=50.0, lanes=2)
    g.add_edge("a", "b", length_km=1.0, speed_kmh=50.0)
    nx.write_graphml(g, tmp_path / "bad.graphml")
    with pytest.raises(InputError) as e:
        read_graph(tmp_path / "bad.graphml")
    text = str(e.value)
    assert "node 'b': has no coordinates" in text
    assert "node 'c'.colour: is not a known node field" in text
    assert "edge 'a'->'c'.length_km: must be >= 0, got -2.0" in text
    assert "edge 'c'->'a'.lanes: is not a known edge field" in text
    assert "names no node" not in text  # the edge to 'b' is not blamed twice


def test_graphml_reads_like_the_csv(tmp_path: Path) -> None:
    csv_graph = read_graph(_town(tmp_path) / "edges.csv", tmp_path / "nodes.csv")
    g = nx.DiGraph()
    for nid, (x, y) in COORDS.items():
        g.add_node(nid, x=float(x), y=float(y))
    g.add_node("M", x=2.5, y=-1.0)
    for line in EDGES.splitlines()[1:]:
        u, v, length, speed, weight, banned, oneway = line.split(",")
        attrs: dict[str, Any] = {"length_km": float(length), "speed_kmh": float(speed)}
        if weight:
            attrs["max_weight_kg"] = float(weight)
        if banned:
            attrs["banned_carriers"] = banned
        attrs["oneway"] = oneway == "true"
        g.add_edge(u, v, **attrs)
    nx.write_graphml(g, tmp_path / "town.graphml")
    gm = read_graph(tmp_path / "town.graphml")
    assert len(gm.tail) == len(csv_graph.tail) == 17
    assert sorted(gm.length_km) == sorted(csv_graph.length_km)
    undirected = nx.Graph(g)
    nx.set_edge_attributes(undirected, False, "oneway")
    nx.write_graphml(nx.Graph(g), tmp_path / "undirected.graphml")
    with pytest.raises(InputError, match="needs a directed graph"):
        read_graph(tmp_path / "undirected.graphml")


def test_loader_errors_point_into_travel_road_network(tmp_path: Path) -> None:
    _town(tmp_path)
    doc = _day(["C"], [VAN])
    doc["travel"]["speed_kmh"] = 40
    with pytest.raises(
        InputError, match=r"travel.speed_kmh: has no effect with travel.road_network"
    ):
        _load(tmp_path, doc)
    doc = _day(["C"], [VAN])
    del doc["travel"]["road_network"]["gross_weight_kg"]
    doc["travel"]["road_network"]["location_nodes"] = {"C": "nowhere"}
    with pytest.raises(InputError) as e:
        _load(tmp_path, doc)
    assert "travel.road_network.gross_weight_kg.van: is required" in str(e.value)
    assert "travel.road_network.location_nodes.C: names no node of the road graph" in str(e.value)
    with pytest.raises(
        InputError, match=r"names a file, but this instance was not read from a file"
    ):
        instance_from_dict(_day(["C"], [VAN]))  # from memory, e.g. an HTTP body: no files read
    doc = _day(["C"], [VAN], graph="missing.csv")
    with pytest.raises(InputError, match=r"travel.road_network.graph: is not a file"):
        _load(tmp_path, doc)
    doc = _day(["C"], [VAN], max_snap_km=0.2)
    doc["locations"][1]["coordinates"] = [2.0, 0.5]
    with pytest.raises(InputError) as e:
        _load(tmp_path, doc)
    assert "locations[1].coordinates: are 0.5 km from the nearest road node 'C'" in str(e.value)


def test_named_nodes_and_snapping_distance(tmp_path: Path) -> None:
    doc = _day(["C", "E"], [VAN], location_nodes={"E": "E"})
    doc["locations"][1]["coordinates"] = [2.1, 0.2]  # snaps to C, 0.224 km away
    doc["locations"][2]["coordinates"] = [3.0, 0.9]  # named: E, 0.9 km away, not checked
    inst = _load(_town(tmp_path), doc)
    rm = road_matrices(inst, RoadNetwork.from_dict(doc["travel"]["road_network"], tmp_path))
    snaps = {s["location"]: s for s in rm.snaps(inst)}
    assert snaps["C"]["node"] == "C" and snaps["C"]["snap_km"] == pytest.approx(0.2236, abs=1e-4)
    assert snaps["E"]["named"] and snaps["E"]["snap_km"] == pytest.approx(0.9)
    assert inst.meta["road_network"]["snap_worst"] == "E"


def test_lon_lat_graph_snaps_by_great_circle(tmp_path: Path) -> None:
    nodes = "id,lon,lat\nA,114.00,22.50\nE,114.01,22.50\n"
    edges = "from,to,length_km,speed_kmh\nA,E,1.2,40\n"
    doc = _day(["E"], [VAN])
    doc["locations"] = [
        {"id": "A", "coordinates": [114.0, 22.501]},  # 111 m north of A
        {"id": "E", "coordinates": [114.01, 22.50]},
    ]
    inst = _load(_town(tmp_path, edges, nodes), doc)
    assert inst.distance_km[0, 1] == pytest.approx(1.2)
    assert inst.meta["road_network"]["snap_km_max"] == pytest.approx(0.1112, abs=1e-3)


# ----------------------------------------------------------------------------------------------
# cache
def test_second_load_hits_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    doc = _day(["C", "E"], [VAN, TRUCK])
    _town(tmp_path)
    first = _load(tmp_path, doc)
    assert list((tmp_path / "cache" / "roads").glob("*.npz"))

    def no_graph_reading(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the graph was read again: the cache missed")

    monkeypatch.setattr(roads_matrices, "read_graph", no_graph_reading)
    second = _load(tmp_path, doc)
    np.testing.assert_array_equal(first.distance_km, second.distance_km)
    np.testing.assert_array_equal(first.duration_min, second.duration_min)
    assert first.meta == second.meta
    rm = road_matrices(second, RoadNetwork.from_dict(doc["travel"]["road_network"], tmp_path))
    assert rm.from_cache
    # Anything the matrices depend on changes the key: a lighter truck misses the cache.
    doc["travel"]["road_network"]["gross_weight_kg"]["truck"] = 12000
    with pytest.raises(AssertionError, match="cache missed"):
        _load(tmp_path, doc)


def test_cache_off_and_broken_cache_entries(tmp_path: Path) -> None:
    doc = _day(["C"], [VAN], cache=False)
    _load(_town(tmp_path), doc)
    assert not (tmp_path / "cache").exists()
    doc = _day(["C"], [VAN])
    _load(tmp_path, doc)
    (entry,) = (tmp_path / "cache" / "roads").glob("*.npz")
    entry.write_bytes(b"not a zip file")
    inst = _load(tmp_path, doc)  # recomputed, not an error
    assert inst.distance_km[0, 1] == pytest.approx(2.0)


def test_attach_works_on_an_instance_from_any_format(tmp_path: Path) -> None:
    doc = _day(["C"], [VAN])
    base = _load(_town(tmp_path), doc)
    again, rm = attach(
        base,
        RoadNetwork(
            graph=tmp_path / "edges.csv",
            nodes=tmp_path / "nodes.csv",
            gross_weight_kg={"van": 3500},
        ),
    )
    assert again.distance_km[0, 1] == pytest.approx(2.0) and rm.profiles[0].types == ("van",)
    # Written out, the instance carries its matrices and loads without the graph.
    written = instance_to_dict(again)
    assert written["travel"]["metric"] == "matrix" and "road_network" not in written["travel"]
    assert instance_from_dict(written).distance_km[0, 1] == pytest.approx(2.0)


# ----------------------------------------------------------------------------------------------
# the bundled road city
def test_city_graph_script_is_deterministic(tmp_path: Path) -> None:
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "make_city_graph", INSTANCES / "make_city_graph.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    for name in ("city-roads.graphml", "city-roads.json"):
        assert (tmp_path / name).read_bytes() == (INSTANCES / name).read_bytes(), name
    assert (INSTANCES / "city-roads.graphml").stat().st_size < 300_000


def test_city_restrictions_shape_the_matrices() -> None:
    inst = optimizer.load(INSTANCES / "city-roads.json")
    meta = inst.meta["road_network"]
    assert 200 <= meta["nodes"] <= 400
    profiles = {tuple(p["types"]): p for p in meta["profiles"]}
    assert set(profiles) == {("diesel-tractor",), ("e-truck", "swap-tractor"), ("e-van",)}
    assert profiles[("e-van",)]["closed_arcs"] == 0
    assert profiles[("e-truck", "swap-tractor")]["closed_arcs"] == 6  # three stone bridges
    assert meta["snap_km_max"] <= 0.5
    rm = road_matrices(
        inst,
        RoadNetwork.from_dict(
            json.loads((INSTANCES / "city-roads.json").read_text())["travel"]["road_network"],
            INSTANCES,
        ),
    )
    ix = {loc.id: k for k, loc in enumerate(inst.locations)}
    a, b = ix["print-works-pickup"], ix["stadium-kiosks"]  # across the river, by the stone bridges
    van_t = rm.for_type("e-van")[1][a, b]
    truck_t = rm.for_type("e-truck")[1][a, b]
    diesel_t = rm.for_type("diesel-tractor")[1][a, b]
    assert van_t < truck_t <= diesel_t


def test_city_roads_solves_and_validates() -> None:
    inst = optimizer.load(INSTANCES / "city-roads.json")
    plan = optimizer.solve(inst, time_limit_s=4, seed=1)
    report = optimizer.validate(inst, plan)
    assert report.feasible, report.summary()
    assert not plan.unserved
    old_town = inst.zone_by_id["old-town"]
    for route in plan.routes:
        vt = inst.type_by_id[inst.vehicle_by_id[route.vehicle].type]
        if vt.carrier == "diesel":
            for stop in route.stops:
                if stop.kind == "job":
                    coords = inst.locations[inst.job_by_id[stop.ref].location].coordinates
                    assert coords is not None and not old_town.covers(coords)


def test_roads_command(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "embedded.json"
    result = runner.invoke(app, ["roads", str(INSTANCES / "city-roads.json"), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "snapping: max" in result.output and "e-truck, swap-tractor" in result.output
    assert json.loads(out.read_text())["travel"]["metric"] == "matrix"
    as_json = runner.invoke(app, ["roads", str(INSTANCES / "city-roads.json"), "--json"])
    assert as_json.exit_code == 0 and len(json.loads(as_json.output)["snaps"]) == len(
        optimizer.load(INSTANCES / "city-roads.json").locations
    )
    plain = runner.invoke(app, ["roads", str(INSTANCES / "city-day-small.json")])
    assert plain.exit_code == 2 and "travel.road_network: is not given" in plain.output
    bad = tmp_path / "bad"
    bad.mkdir()
    doc = _day(["C"], [VAN])
    (bad / "town.json").write_text(json.dumps(doc))
    _town(bad, EDGES.replace("A,B,1,60", "A,B,-1,60"))
    result = runner.invoke(app, ["info", str(bad / "town.json")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert (
        "edges.csv" in result.output and "line 2.length_km: must be >= 0, got '-1'" in result.output
    )
