"""A small sample of ``python -m benchmarks.fuzz`` (issue 23): every mutated input of every format
ends in a result or an InputError, every mutated plan (native, or another tool's plan text) is
read, flagged or accepted, every mutated road graph is read or refused, never a crash."""

from __future__ import annotations

from pathlib import Path

from benchmarks import fuzz


def test_inputs_sample_has_no_crash() -> None:
    tally = fuzz.run(25, seed=5, only="inputs")
    counts = tally.counts
    formats = {"native", *fuzz.SEEDS}
    assert {row for row, _ in counts} == formats
    for fmt in formats:
        assert counts[(fmt, "inputs")] == 25
        assert counts[(fmt, "result")] + counts[(fmt, "InputError")] == 25, tally.crashes
    assert not tally.crashes


def test_plans_sample_has_no_crash_and_no_unflagged_break() -> None:
    tally = fuzz.run(60, seed=5, only="plans")
    changed = "plans (one figure changed)"
    assert tally.counts[(changed, "inputs")] > 0
    assert tally.counts[(changed, "unflagged break")] == 0, tally.crashes
    assert sum(v for (_, col), v in tally.counts.items() if col == "crash") == 0, tally.crashes
    assert "| plans |" in fuzz.table(tally)


def test_solutions_sample_has_no_crash() -> None:
    tally = fuzz.run(40, seed=5, only="solutions")
    counts = tally.counts
    assert {row for row, _ in counts} == set(fuzz.SOLUTION_SEEDS)
    for part in fuzz.SOLUTION_SEEDS:
        outcomes = sum(counts[(part, c)] for c in ("InputError", "flagged", "accepted"))
        assert counts[(part, "inputs")] == 40 and outcomes == 40, tally.crashes
    assert not tally.crashes
    assert "| vrplib-sets-sol |" in fuzz.table(tally)


def test_solution_seeds_are_read_and_accepted(tmp_path: Path) -> None:
    # A seed the validator rejects would make every "accepted" in the table impossible.
    from optimizer import load_solution, validate
    from optimizer.formats import vrplib_sets

    instances = fuzz._solution_instances(tmp_path)
    for part, (_, text) in fuzz.SOLUTION_SEEDS.items():
        path = tmp_path / f"{part}.txt"
        path.write_text(text)
        if part == "vrplib-sets-sol":
            sol = vrplib_sets.read_solution(path, instances[part])
        else:
            sol = load_solution(path, instances[part], format=part)
        assert validate(instances[part], sol).feasible, part


def test_roads_sample_has_no_crash() -> None:
    tally = fuzz.run(25, seed=5, only="roads")
    counts = tally.counts
    rows = {row for row, _ in counts}
    assert {"graphml", "road csv", "osm", "road_network"} <= rows <= set(fuzz.ROAD_ROWS)
    for row in rows:
        assert counts[(row, "result")] + counts[(row, "InputError")] == 25, tally.crashes
    assert not tally.crashes


def test_road_seeds_are_valid_graphs(tmp_path: Path) -> None:
    from optimizer.roads import read_graph

    for name, key in (("g.graphml", "graphml"), ("m.osm", "osm")):
        (tmp_path / name).write_text(fuzz.ROAD_SEEDS[key])
        assert read_graph(tmp_path / name).streets == 3, key
    (tmp_path / "e.csv").write_text(fuzz.ROAD_SEEDS["road csv edges"])
    (tmp_path / "n.csv").write_text(fuzz.ROAD_SEEDS["road csv nodes"])
    assert read_graph(tmp_path / "e.csv", tmp_path / "n.csv").streets == 3


def test_network_seed_is_a_native_day_with_its_network(tmp_path: Path) -> None:
    import json

    from optimizer.roads.paths import network_of

    path = tmp_path / "day.json"
    path.write_text(json.dumps(fuzz.network_seed()))
    network = network_of(path)
    assert network is not None and network.nodes == tmp_path / "nodes.csv"


def test_mutations_are_seeded() -> None:
    import random

    base = fuzz.SEEDS["cvrp"].encode()
    one = fuzz.mutate_bytes(base, random.Random(3))
    assert one == fuzz.mutate_bytes(base, random.Random(3)) and one != base
