"""The command line: exit codes 0 / 1 / 2, clean errors without tracebacks, files written."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

import optimizer
from optimizer.cli import app
from optimizer.solver import PHASES
from tests.conftest import INSTANCES, benchmark_file

runner = CliRunner()


def test_info_on_bundled_instance() -> None:
    result = runner.invoke(app, ["info", str(INSTANCES / "city-day.json")])
    assert result.exit_code == 0, result.output
    assert "city-day" in result.output


def test_bad_input_exits_2_without_traceback(tmp_path: Path) -> None:
    doc = json.loads((INSTANCES / "city-day-small.json").read_text())
    doc["vehicle_types"][0]["capacity_kg"] = -5
    doc["vehicle_types"][0]["colour"] = "red"
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc))
    result = runner.invoke(app, ["info", str(bad)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert "vehicle_types[0].capacity_kg: must be > 0, got -5" in result.output
    assert "vehicle_types[0].colour: is not a known field, got 'red'" in result.output
    missing = runner.invoke(app, ["info", str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_validate_exit_codes(tmp_path: Path) -> None:
    inst = benchmark_file("evrptw", "r205_21.txt")
    sol = benchmark_file("evrptw", "r205_21.sol.txt")
    ok = runner.invoke(app, ["validate", str(inst), str(sol)])
    assert ok.exit_code == 0, ok.output
    assert "feasible" in ok.output
    # Drop the last route: its customers are then missing.
    lines = sol.read_text().strip().splitlines()
    broken = tmp_path / "broken.sol.txt"
    broken.write_text("\n".join(lines[:-1]) + "\n")
    bad = runner.invoke(app, ["validate", str(inst), str(broken), "--json"])
    assert bad.exit_code == 1
    codes = {v["code"] for v in json.loads(bad.output)["violations"]}
    assert "MISSING_JOB" in codes and "TOTAL_MISMATCH" in codes
    garbage = tmp_path / "garbage.txt"
    garbage.write_text("not a solution\n")
    assert runner.invoke(app, ["validate", str(inst), str(garbage)]).exit_code == 2


def test_generate_and_convert(tmp_path: Path) -> None:
    out = tmp_path / "g.json"
    assert (
        runner.invoke(app, ["generate", "--jobs", "20", "--seed", "3", "--out", str(out)]).exit_code
        == 0
    )
    again = tmp_path / "g2.json"
    assert (
        runner.invoke(
            app, ["generate", "--jobs", "20", "--seed", "3", "--out", str(again)]
        ).exit_code
        == 0
    )
    assert out.read_text() == again.read_text()
    conv = tmp_path / "c.json"
    src = benchmark_file("evrptw", "c101C5.txt")
    assert runner.invoke(app, ["convert", str(src), "--out", str(conv)]).exit_code == 0
    assert runner.invoke(app, ["info", str(conv)]).exit_code == 0


def test_solve_writes_a_valid_plan(tmp_path: Path) -> None:
    plan = tmp_path / "plan.json"
    result = runner.invoke(
        app, ["solve", str(INSTANCES / "city-day-small.json"), "-t", "2", "-q", "--out", str(plan)]
    )
    assert result.exit_code == 0, result.output
    check = runner.invoke(app, ["validate", str(INSTANCES / "city-day-small.json"), str(plan)])
    assert check.exit_code == 0, check.output


def test_solve_progress_lines_name_their_phase(tmp_path: Path) -> None:
    """A dispatcher watching a solve sees which phase found each plan, and that the number is
    the search's, not yet the validated cost (which closes the run)."""
    small = str(benchmark_file("evrptw", "c101C5.txt"))
    out = tmp_path / "plan.json"
    result = runner.invoke(app, ["solve", small, "-t", "2", "-w", "1", "--out", str(out)])
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if line.startswith("[")]
    assert len(lines) >= 2, result.output
    assert "] construct: objective vehicles, then km, search value " in lines[0], lines
    assert " km, 2 vehicles; as validated " in lines[0], lines  # our phases' ends, validated
    phases = {line.split("] ", 1)[1].split(":", 1)[0] for line in lines[:-1]}
    assert phases <= set(PHASES), phases
    # The validated plan closes the run, in the objective's terms (it prices nothing here).
    report = optimizer.validate(optimizer.load(small), optimizer.load_solution(out))
    assert lines[-1] == (
        f"[   done] plan as validated: {report.totals.vehicles_used} vehicles, "
        f"{report.totals.distance_km:,.2f} km"
    )


def test_commands_refuse_a_missing_output_folder_before_working(tmp_path: Path) -> None:
    """A plan solved for minutes and then not written is lost work: the folder is checked first,
    and the missing folder is named whole however long the path."""
    missing = tmp_path / ("not-made-" + "y" * 90)
    target = str(missing / "inner" / "out.json")
    small = str(INSTANCES / "city-day-small.json")
    for args in (
        ["solve", small, "-t", "60", "-q", "--out", target],
        ["generate", "--jobs", "20", "--out", target],
        ["convert", small, "--out", target],
    ):
        result = runner.invoke(app, args)
        assert result.exit_code == 2, (args, result.output)
        assert "Traceback" not in result.output
        assert f"--out: names a folder that does not exist, got {str(missing.resolve())!r}" in (
            result.output
        )
    assert not missing.exists()


def test_schema_command() -> None:
    result = runner.invoke(app, ["schema", "solution"])
    assert result.exit_code == 0
    assert json.loads(result.output)["title"].startswith("optimizer solution")


def test_solve_without_out_prints_the_run_sheet() -> None:
    result = runner.invoke(app, ["solve", str(INSTANCES / "city-day-small.json"), "-t", "1", "-q"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith("Run sheet: city-day-small")
    assert any(line.lstrip().startswith("0           ") and "start depot" in line for line in lines)
    assert any("  cost: fixed" in line for line in lines)


def test_solve_orders_from_csv_into_a_day_and_write_csv(tmp_path: Path) -> None:
    out = tmp_path / "plan.csv"
    result = runner.invoke(
        app,
        [
            "solve",
            str(INSTANCES / "orders" / "fleet-day.json"),
            "--orders",
            str(INSTANCES / "orders" / "orders-20.csv"),
            "-t",
            "1",
            "-q",
            "--out",
            str(out),
            "--out-format",
            "csv",
        ],
    )
    assert result.exit_code == 0, result.output
    import csv

    rows = list(csv.DictReader(out.read_text().splitlines()))
    ordered = {r["ref"] for r in rows if r["kind"] == "job"}
    orders = {
        line.split(",")[0]
        for line in (INSTANCES / "orders" / "orders-20.csv").read_text().splitlines()[1:]
    }
    assert ordered == orders and len(orders) == 20


def test_limits_and_choices_are_refused_by_name() -> None:
    small = str(INSTANCES / "city-day-small.json")
    neg = runner.invoke(app, ["solve", small, "--time-limit", "-5"])
    assert neg.exit_code == 2 and "must be > 0, got -5" in neg.output
    fmt = runner.invoke(app, ["solve", small, "--out-format", "xml"])
    assert fmt.exit_code == 2 and "'xml' is not one of" in fmt.output


def test_version_and_python_dash_m() -> None:
    import subprocess
    import sys

    from optimizer import __version__

    result = runner.invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"optimizer {__version__}"
    run = subprocess.run(
        [sys.executable, "-m", "optimizer", "--version"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0 and run.stdout.strip() == f"optimizer {__version__}"


def test_format_choices_are_the_formats_the_package_reads_and_writes() -> None:
    from optimizer.cli_options import INSTANCE_FORMAT_CHOICES, PLAN_FORMAT_CHOICES
    from optimizer.formats import INSTANCE_FORMATS, PLAN_OUT_FORMATS

    assert set(INSTANCE_FORMAT_CHOICES) == set(INSTANCE_FORMATS)
    assert set(PLAN_FORMAT_CHOICES) == set(PLAN_OUT_FORMATS)


def test_serve_reads_the_queue_bound_and_retention_from_the_environment() -> None:
    """`optimizer serve` takes the same OPTIMIZER_* variables as `uvicorn --factory` for the
    settings it has options for (the rest have no option; see ServiceConfig.from_env)."""
    from optimizer.service.config import ENV_KEEP_DAYS, ENV_MAX_QUEUED_JOBS

    result = runner.invoke(app, ["serve", "--help"], terminal_width=200)
    assert result.exit_code == 0
    assert ENV_MAX_QUEUED_JOBS in result.output and ENV_KEEP_DAYS in result.output
