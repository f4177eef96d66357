"""The benchmark runner: bks reading, gaps, the E-VRPTW summary, run comparison, one real run."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from benchmarks import run as bench
from benchmarks.run import Row
from tests.conftest import BENCHMARKS


def _row(name: str, **kw: object) -> Row:
    defaults: dict[str, object] = {"set_name": "evrptw", "valid": True, "status": "ok"}
    return Row(instance=name, **{**defaults, **kw})  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------ bks


def test_read_bks_blanks_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "bks.csv"
    path.write_text(
        "instance,bks_distance,bks_vehicles,source\n"
        'c101C5,257.75,2,"Schneider, Table 3"\n'
        "E-n22-k4,384.68,,VNS\n"
        ",1,1,no name\n",
        encoding="utf-8",
    )
    bks = bench.read_bks(path)
    assert set(bks) == {"c101C5", "E-n22-k4"}
    assert bks["c101C5"] == bench.Bks(257.75, 2, "Schneider, Table 3")
    assert bks["E-n22-k4"].vehicles is None and bks["E-n22-k4"].distance == 384.68
    assert bench.lookup_bks(bks, "C101c5") == bks["c101C5"]
    assert bench.lookup_bks(bks, "nope") is None
    assert bench.read_bks(tmp_path / "absent.csv") == {}


def test_read_bks_of_the_shared_sets() -> None:
    path = BENCHMARKS / "evrptw" / "bks.csv"
    if not path.is_file():
        pytest.skip(f"benchmark file not found: {path}")
    bks = bench.read_bks(path)
    assert len(bks) == 84
    assert bks["c101C5"].vehicles == 2
    assert bks["c101_21"] == bench.Bks(1053.83, 12, bks["c101_21"].source)


# ------------------------------------------------------------------------------------ gaps


def test_gap_pct() -> None:
    assert bench.gap_pct(110.0, 100.0) == pytest.approx(10.0)
    assert bench.gap_pct(95.0, 100.0) == pytest.approx(-5.0)
    assert bench.gap_pct(100.0, 100.0) == 0.0
    assert bench.gap_pct(None, 100.0) is None
    assert bench.gap_pct(100.0, None) is None
    assert bench.gap_pct(100.0, 0.0) is None


def test_objective_value_is_time_for_evrp_nl() -> None:
    assert bench.objective_value(_row("a", distance=10.0, time_h=2.0)) == 10.0
    assert bench.objective_value(_row("a", set_name="evrp-nl", distance=10.0, time_h=2.0)) == 2.0


def test_instance_globs(tmp_path: Path) -> None:
    assert bench.matches("c101C5", ["*C5"])
    assert bench.matches("C101", ["c1*"])  # case-insensitive
    assert not bench.matches("c101_21", ["*C5", "*C10"])
    assert bench.matches("anything", None)
    header = (
        "StringID   Type       x          y          demand     ReadyTime  DueDate    ServiceTime\n"
    )
    (tmp_path / "a1C5.txt").write_text(header)
    (tmp_path / "a1_21.txt").write_text(header)
    (tmp_path / "a1_21.sol.txt").write_text("974.8\nD0, C1, D0\n")  # not an instance
    (tmp_path / "bks.csv").write_text("instance,bks_distance,bks_vehicles,source\n")
    (tmp_path / "SOURCE.md").write_text("# notes\n")
    found = bench.find_instances(tmp_path, None)
    assert [(p.name, fmt) for p, fmt in found] == [("a1C5.txt", "evrptw"), ("a1_21.txt", "evrptw")]
    assert [p.name for p, _ in bench.find_instances(tmp_path, ["*c5"])] == ["a1C5.txt"]


# ------------------------------------------------------------------------------------ summary


def test_evrptw_summary_numbers() -> None:
    rows = [
        # at the bks vehicle count
        _row(
            "a", vehicles=2, bks_vehicles=2, gap_pct=1.0, gap_at_bks_vehicles_pct=1.0, seconds=4.0
        ),
        _row(
            "b", vehicles=3, bks_vehicles=3, gap_pct=3.0, gap_at_bks_vehicles_pct=3.0, seconds=1.0
        ),
        # one vehicle more; its distance gap is negative
        _row("c", vehicles=4, bks_vehicles=3, gap_pct=-2.0, seconds=2.0),
        # two vehicles more
        _row("d", vehicles=5, bks_vehicles=3, gap_pct=10.0, seconds=3.0),
        # an invalid plan counts in the total and the seconds only
        _row("e", vehicles=1, bks_vehicles=3, gap_pct=-50.0, valid=False, seconds=9.0),
        # a failure
        _row("f", bks_vehicles=3, valid=False, status="infeasible", seconds=5.0),
    ]
    s = bench.summarize(rows)
    assert (s.total, s.valid, s.with_bks_vehicles) == (6, 4, 4)
    assert (s.veh_le_bks, s.veh_le_bks1) == (2, 3)
    assert s.mean_gap == pytest.approx((1.0 + 3.0 - 2.0 + 10.0) / 4)
    assert s.with_gap == 4
    assert s.mean_gap_at_bks == pytest.approx(2.0)
    assert s.at_bks == 2
    assert s.median_seconds == pytest.approx(3.5)
    lines = bench.summary_lines(s, hierarchical=True)
    assert lines[0] == "valid: 4 / 6"
    assert "vehicles <= bks: 2 / 4" in lines
    assert "vehicles <= bks + 1: 3 / 4" in lines
    assert "mean gap (all valid): 3.00 % (n=4)" in lines
    assert "mean gap at the bks vehicle count: 2.00 % (n=2)" in lines
    assert "median seconds: 3.5" in lines
    plain = bench.summary_lines(s, hierarchical=False)
    assert not any("vehicles <=" in x or "bks vehicle count" in x for x in plain)


def test_summary_of_nothing() -> None:
    s = bench.summarize([])
    assert s.total == 0 and s.mean_gap is None and s.median_seconds is None
    assert "mean gap (all valid): n/a (n=0)" in bench.summary_lines(s, hierarchical=True)


def test_markdown_table_columns() -> None:
    rows = [
        _row("a", vehicles=2, bks_vehicles=2, vehicle_diff=0, distance=257.7474, gap_pct=-0.0001)
    ]
    table = bench.markdown_table(rows, "evrptw").splitlines()
    assert "gap % at bks veh" in table[0] and "time h" not in table[0]
    assert len(table) == 3 and "| 257.75 |" in table[2] and "-0.00" not in table[2]
    nl = bench.markdown_table([_row("t", set_name="evrp-nl", time_h=12.3)], "evrp-nl")
    assert "| time h | bks time h |" in nl and "gap % at bks veh" not in nl


# ------------------------------------------------------------------------------------ compare


def test_csv_round_trip(tmp_path: Path) -> None:
    rows = [
        _row(
            "a", customers=5, vehicles=2, distance=257.747452, bks_distance=257.75, gap_pct=-0.001
        ),
        _row("b", valid=False, status="error", message="boom, with a comma"),
    ]
    path = tmp_path / "r.csv"
    bench.write_csv(rows, path)
    assert bench.read_csv(path) == rows


def test_compare_two_runs(tmp_path: Path) -> None:
    a = [
        _row("i1", vehicles=2, distance=100.0, gap_pct=2.0),
        _row("i2", vehicles=3, distance=200.0, gap_pct=4.0),
        _row("i3", vehicles=3, distance=300.0, gap_pct=6.0),
        _row("i4", vehicles=1, distance=50.0, gap_pct=0.0),
        _row("only-a", vehicles=1, distance=1.0, gap_pct=1.0),
    ]
    b = [
        _row("i1", vehicles=2, distance=99.0, gap_pct=1.0),  # shorter: win
        _row("i2", vehicles=2, distance=250.0, gap_pct=29.0),  # fewer vehicles: win (hierarchical)
        _row("i3", vehicles=3, distance=300.0, gap_pct=6.0),  # tie
        _row("i4", valid=False, status="error"),  # lost
        _row("only-b", vehicles=1, distance=1.0, gap_pct=1.0),
    ]
    pa, pb = tmp_path / "a.csv", tmp_path / "b.csv"
    bench.write_csv(a, pa)
    bench.write_csv(b, pb)
    cmp = bench.compare(bench.read_csv(pa), bench.read_csv(pb))
    assert [x.instance for x, _ in cmp.pairs] == ["i1", "i2", "i3", "i4"]
    assert (cmp.only_a, cmp.only_b) == (1, 1)
    assert (cmp.wins, cmp.ties, cmp.losses) == (2, 1, 1)
    assert cmp.mean_gap_a == pytest.approx(4.0)  # i1..i3: i4 has no gap in B
    assert cmp.mean_gap_b == pytest.approx(12.0)
    assert cmp.gap_ratio == pytest.approx(3.0)
    text = bench.compare_markdown(cmp, "a.csv", "b.csv")
    assert "B against A: 2 wins, 1 ties, 1 losses" in text
    assert "| i2 | 3 | 2 | -1 | 200.00 | 250.00 | +50.00 | 4.00 | 29.00 | +25.00 |" in text
    assert "ratio B/A: 3.000" in text


def test_compare_distance_only_set_and_main(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A hand-written CSV with only some columns (an older run) still compares.
    cols = ["set_name", "instance", "vehicles", "distance", "gap_pct", "valid"]
    pa, pb = tmp_path / "a.csv", tmp_path / "b.csv"
    for path, veh, dist in ((pa, 10, 830.0), (pb, 11, 828.0)):
        with path.open("w", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(cols)
            w.writerow(["solomon", "C101", veh, dist, (dist - 827.3) / 827.3 * 100, "True"])
    assert bench.main(["--compare", str(pa), str(pb)]) == 0
    out = capsys.readouterr().out
    assert "B against A: 1 wins, 0 ties, 0 losses" in out  # distance only: more vehicles is fine
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n")
    assert bench.main(["--compare", str(pa), str(tmp_path / "bad.csv")]) == 2


def test_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        bench.main(["--set", "evrptw"])  # no --time-limit
    empty = tmp_path / "empty"
    empty.mkdir()
    argv = ["--set", "evrptw", "--time-limit", "1", "--dir", str(empty), "--out", str(tmp_path)]
    assert bench.main(argv) == 2


# ------------------------------------------------------------------------------------ end to end


def test_end_to_end_on_two_tiny_instances(tmp_path: Path) -> None:
    if not (BENCHMARKS / "evrptw").is_dir():
        pytest.skip(f"benchmark sets not found at {BENCHMARKS}")
    argv = ["--set", "evrptw", "--instances", "c101C5", "--instances", "r104C5"]
    argv += ["--time-limit", "1", "--jobs", "2", "--out", str(tmp_path), "--tag", "e2e"]
    assert bench.main(argv) == 0
    path = tmp_path / "evrptw-e2e.csv"
    assert (tmp_path / "evrptw-e2e.md").is_file()
    with path.open(newline="") as fh:
        records = list(csv.DictReader(fh))
    assert [r["instance"] for r in records] == ["c101C5", "r104C5"]
    assert any(r["valid"] == "True" for r in records)
    for r in records:
        assert r["status"] == "ok", r["message"]
        assert r["bks_vehicles"] == "2" and r["customers"] == "5"
        assert float(r["distance"]) > 0


# --------------------------------------------------------------------------------------- pool


def test_pool_runs_of_several_seeds(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    seed1 = [
        _row("i1", vehicles=2, bks_vehicles=2, gap_pct=1.0, gap_at_bks_vehicles_pct=1.0),
        _row("i2", vehicles=3, bks_vehicles=2, gap_pct=-4.0),  # one vehicle above the best known
        _row("i3", vehicles=3, bks_vehicles=3, gap_pct=3.0, gap_at_bks_vehicles_pct=3.0),
    ]
    seed2 = [
        _row("i1", vehicles=2, bks_vehicles=2, gap_pct=5.0, gap_at_bks_vehicles_pct=5.0),
        _row("i2", vehicles=2, bks_vehicles=2, gap_pct=2.0, gap_at_bks_vehicles_pct=2.0),
        _row("i3", valid=False, status="error"),
    ]
    p = bench.pool([seed1, seed2], ["s1.csv", "s2.csv"])
    assert p.instances == ("i1", "i2", "i3")
    assert p.gaps["i3"] == (3.0, None)
    assert p.at_bks["i2"] == (False, True)
    # Run means: (1 + 3) / 2 = 2 and (5 + 2) / 2 = 3.5 at the bks count -> 2.75.
    assert p.mean_gap_at_bks == pytest.approx(2.75)
    assert p.mean_gap == pytest.approx((0.0 + 3.5) / 2)  # all valid plans: (1 - 4 + 3) / 3, 7 / 2
    # Only i1 is at the bks count in both runs: its mean gap (1 + 5) / 2.
    assert (p.n_common, p.common_at_bks) == (1, pytest.approx(3.0))
    text = bench.pool_markdown(p, hierarchical=True)
    assert "| i1 | 1.00 | 5.00 | 3.00 | 4.00 |" in text
    assert "| i2 | -4.00* | 2.00 | -1.00 | 6.00 |" in text
    assert "| i3 | 3.00 | - | 3.00 | - |" in text
    assert "mean over runs: mean gap 1.75 %, at the bks vehicle count 2.75 %" in text
    # The command line reads the CSVs; an unreadable one is a usage error.
    paths = [tmp_path / "s1.csv", tmp_path / "s2.csv"]
    bench.write_csv(seed1, paths[0])
    bench.write_csv(seed2, paths[1])
    assert bench.main(["--pool", *map(str, paths)]) == 0
    assert "instances at the bks vehicle count in every run: 1" in capsys.readouterr().out
    (tmp_path / "bad.csv").write_text("x,y\n1,2\n")
    assert bench.main(["--pool", str(paths[0]), str(tmp_path / "bad.csv")]) == 2
    # Runs of two sets are not pooled.
    other = tmp_path / "cec.csv"
    bench.write_csv([_row("i1", set_name="cec2020", gap_pct=1.0)], other)
    assert bench.main(["--pool", str(paths[0]), str(other)]) == 2
    assert "runs of one set" in capsys.readouterr().err


def test_partial_recharge_set_reads_erdelic_best_known() -> None:
    """``--set evrptw-pr``: Schneider's 100-customer files under partial recharge, compared with
    Erdelić & Carić's values (keyed by file stem: C101 -> c101_21)."""
    path = BENCHMARKS / "evrptw" / "pr_bks_erdelic2022.tsv"
    if not path.is_file():
        pytest.skip("pr_bks_erdelic2022.tsv not found")
    bks = bench.read_pr_bks(path)
    assert len(bks) >= 48
    c101 = bks["c101_21"]
    assert c101.vehicles == 12 and c101.distance == pytest.approx(1043.381809)
    assert bench.read_pr_bks(path.with_name("missing.tsv")) == {}
    assert "evrptw-pr" in bench.HIERARCHICAL


def test_options_and_workers_become_solve_options_of_their_field_types() -> None:
    settings = bench.solve_settings(
        ["recombine_work_per_second=0", "long_route_walks=1", "time_charging=false"], workers=2
    )
    assert settings == {
        "recombine_work_per_second": 0.0,
        "long_route_walks": 1,
        "time_charging": False,
        "workers": 2,
    }
    for bad in (["no_such_field=1"], ["long_route_walks"], ["long_route_walks=two"]):
        with pytest.raises(ValueError, match="--option"):
            bench.solve_settings(bad, workers=1)


def test_work_of_scales_every_rate_and_nothing_else() -> None:
    from optimizer.solver import SolveOptions

    scaled = bench.scaled_rates(0.5)
    defaults = SolveOptions()
    assert set(scaled) == set(bench.RATE_FIELDS)
    for name, value in scaled.items():
        assert value == pytest.approx(0.5 * getattr(defaults, name))
