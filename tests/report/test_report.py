"""Reports: the JSON keys, the PNG and HTML files, the console tables and the CLI's errors.

The plan is the carbon worked example (``tests/carbon/worked_example.py``): 647.14 kg CO2e WTW;
its primary baseline (the same routes on diesel) 707.94 kg (``tests/carbon/test_reductions.py``).
"""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.formats.native import instance_to_dict, solution_to_dict
from optimizer.report import prepare, write_html, write_json, write_png
from optimizer.report.data import ReportInputs
from optimizer.report.map import _static
from optimizer.report.text import render
from tests.carbon.worked_example import make_instance, make_plan

runner = CliRunner()


@pytest.fixture(scope="module")
def prepared() -> tuple[ReportInputs, dict]:
    # A 1 s baseline: two diesel tractors on the line (the example's baseline test checks it).
    return prepare(make_instance(), make_plan(), baseline_time_limit_s=1.0, seed=0)


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    inst = tmp_path / "worked.json"
    plan = tmp_path / "plan.json"
    inst.write_text(json.dumps(instance_to_dict(make_instance())), "utf-8")
    plan.write_text(json.dumps(solution_to_dict(make_plan())), "utf-8")
    return inst, plan


def test_json_has_the_promised_keys(prepared: tuple[ReportInputs, dict], tmp_path: Path) -> None:
    _, data = prepared
    out = tmp_path / "r.json"
    write_json(data, out)
    loaded = json.loads(out.read_text("utf-8"))
    em = loaded["emissions"]
    assert em["wtw_kg"] == pytest.approx(647.14)
    assert em["ttw_kg"] == pytest.approx(296.37)
    assert {s["id"] for s in em["by_shipment"]} == {"J1", "J2", "J3", "S1"}
    # Primary baseline: the same routes on diesel, no solver.
    assert em["baseline"]["kind"] == "primary" and em["baseline"]["reproducible"]
    assert em["baseline_diesel_wtw_kg"] == pytest.approx(707.94)
    assert em["reduction_kg"] == pytest.approx(60.8)
    total = sum(s["reduction_kg"] for s in em["by_shipment"])
    assert abs(total - em["reduction_kg"]) <= 1e-9
    # Secondary: re-solved; two diesel tractors over at least 800 km need 0.24 L/km x 800 x 3.24.
    assert em["baseline_resolved"]["kind"] == "secondary"
    assert em["baseline_resolved_wtw_kg"] == pytest.approx(em["baseline_resolved"]["co2e_wtw_kg"])
    assert em["baseline_resolved_wtw_kg"] >= 0.24 * 800 * 3.24 - 1e-6
    assert em["reduction_vs_resolved_kg"] == pytest.approx(
        em["baseline_resolved_wtw_kg"] - em["wtw_kg"]
    )
    assert set(em["scopes"]) == {"scope1_kg", "scope2_kg", "scope3_kg"}
    assert {"location_based_kg", "market_based_kg"} <= set(em["electricity"])
    assert {"new_energy_share_of_km", "green_electricity_share_of_kwh"} <= set(em["operating"])
    row = em["by_shipper"]["(not stated)"]
    assert row["reduction_kg"] == pytest.approx(60.8)
    assert row["reduction_vs_resolved_kg"] == pytest.approx(em["reduction_vs_resolved_kg"])
    assert loaded["format"] == "optimizer-report" and loaded["plan"]["feasible"]
    ev = next(r for r in loaded["routes"] if r["vehicle"] == "ev#0")
    assert ev["charging_stops"][0]["station"] == "CH"
    assert ev["charging_stops"][0]["battery_kwh"] == pytest.approx(100.0)
    # 125 grid kWh at 0.30 per kWh.
    assert ev["charging_stops"][0]["cost"] == pytest.approx(37.5)
    assert ev["energy_unit"] == "kWh" and ev["energy"] == pytest.approx(437.5)


def test_png_is_a_sane_image(prepared: tuple[ReportInputs, dict], tmp_path: Path) -> None:
    inputs, data = prepared
    out = tmp_path / "r.png"
    png = write_png(inputs, data, out)
    assert out.read_bytes() == png and png.startswith(b"\x89PNG\r\n\x1a\n")
    with Image.open(io.BytesIO(png)) as im:
        width, height = im.size
        assert 1000 <= width <= 3000 and 500 <= height <= 2000
        # Not a blank canvas: many distinct colours (routes, stars, text).
        assert len(im.convert("RGB").getcolors(1 << 20) or []) > 50


def test_html_is_self_contained(prepared: tuple[ReportInputs, dict], tmp_path: Path) -> None:
    inputs, data = prepared
    out = tmp_path / "r.html"
    write_html(inputs, data, out)
    html = out.read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<style>" in html and 'src="data:image/png;base64,' in html
    # Leaflet is inlined; its own text names its home page and the SVG namespace, which are
    # not fetched. Everything else on the page must point nowhere.
    own = html.replace(_static("leaflet.js"), "")
    assert "http://" not in own and "https://" not in own and "<link" not in own
    assert "647.1 kg" in html and "All-diesel baselines" in html and "Shippers" in html


def test_html_has_the_run_sheet_costs_and_map(
    prepared: tuple[ReportInputs, dict], tmp_path: Path
) -> None:
    inputs, data = prepared
    out = tmp_path / "r.html"
    write_html(inputs, data, out, tiles_url="https://tiles.example/{z}/{x}/{y}.png")
    html = out.read_text("utf-8")
    assert "<h2>Run sheet</h2>" in html and "<h2>Map</h2>" in html and "<h2>Cost (" in html
    assert html.count("<h3>") == len(data["run_sheet"]["routes"]) > 0
    assert '"tiles": "https://tiles.example/{z}/{x}/{y}.png"' in html
    # The per-vehicle costs add up to the plan's cost less its penalties.
    routes = data["run_sheet"]["routes"]
    cost = data["plan"]["cost"]
    assert sum(r["cost"]["total"] for r in routes) == pytest.approx(cost["total"] - cost["penalty"])


def test_console_tables(prepared: tuple[ReportInputs, dict]) -> None:
    _, data = prepared
    console = Console(file=io.StringIO(), width=200)
    render(data, console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "ev#0" in text and "CH +100 kWh" in text and "437.5 kWh" in text
    assert "CO2e WTW 647.14 kg" in text and "primary baseline" in text
    assert "secondary baseline" in text and "Shippers" in text
    # Every factor with its source and year: the diesel tractor's EN 16258 figures of 2012.
    assert "Factors in force" in text and "EN 16258" in text and "2012" in text


def test_report_without_baseline() -> None:
    _, data = prepare(make_instance(), make_plan(), baseline_time_limit_s=0)
    assert data["emissions"]["baseline_resolved_wtw_kg"] is None
    assert "skipped" in data["emissions"]["baseline_resolved_error"]
    # The primary baseline needs no solve: always there.
    assert data["emissions"]["baseline_diesel_wtw_kg"] == pytest.approx(707.94)


def test_cli_report_writes_every_file(files: tuple[Path, Path], tmp_path: Path) -> None:
    inst, plan = files
    j, h, p = tmp_path / "out.json", tmp_path / "out.html", tmp_path / "out.png"
    result = runner.invoke(
        app,
        [
            "report",
            str(inst),
            str(plan),
            "--json-out",
            str(j),
            "--html",
            str(h),
            "--png",
            str(p),
            "--baseline-time-limit",
            "0",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Routes" in result.output and "Shipments" in result.output
    assert json.loads(j.read_text("utf-8"))["emissions"]["wtw_kg"] == pytest.approx(647.14)
    assert h.stat().st_size > 10_000 and p.stat().st_size > 10_000


def test_cli_report_bad_input_names_the_field(files: tuple[Path, Path], tmp_path: Path) -> None:
    inst, plan = files
    result = runner.invoke(app, ["report", str(inst), str(plan), "--baseline-time-limit", "-1"])
    assert result.exit_code == 2
    assert "--baseline-time-limit" in result.output and "-1" in result.output
    assert "Traceback" not in result.output
    missing = runner.invoke(app, ["report", str(inst), str(tmp_path / "nope.json")])
    assert missing.exit_code == 2 and "nope.json" in missing.output


def test_cli_report_on_a_broken_plan_warns_and_exits_1(files: tuple[Path, Path]) -> None:
    inst, plan = files
    doc = json.loads(plan.read_text("utf-8"))
    doc["routes"] = doc["routes"][:1]
    plan.write_text(json.dumps(doc), "utf-8")
    result = runner.invoke(app, ["report", str(inst), str(plan), "--baseline-time-limit", "0"])
    assert result.exit_code == 1
    assert "warning" in result.output


def test_cli_report_checks_output_folders_first(files: tuple[Path, Path], tmp_path: Path) -> None:
    inst, plan = files
    # Deep and long on purpose: the message must name the missing folder whole, however long the
    # path (CI's temporary folders are longer than a developer's).
    missing = tmp_path / ("no-such-folder-" + "x" * 80)
    bad = missing / "deeper" / "r.html"
    result = runner.invoke(app, ["report", str(inst), str(plan), "--html", str(bad)])
    assert result.exit_code == 2
    assert "--html" in result.output and repr(str(missing.resolve())) in result.output


def test_two_reports_of_one_plan_give_the_same_baselines() -> None:
    # The plan says how it was solved; the secondary baseline takes its limit and seed from there.
    plan = replace(make_plan(), meta={"time_limit_s": 1.0, "seed": 3})
    _, first = prepare(make_instance(), plan)
    _, second = prepare(make_instance(), plan)
    a, b = first["emissions"], second["emissions"]
    assert a["baseline_resolved"]["time_limit_s"] == 1.0 and a["baseline_resolved"]["seed"] == 3
    # The primary one is arithmetic on the plan: identical to the bit.
    assert a["baseline_diesel_wtw_kg"] == b["baseline_diesel_wtw_kg"] == pytest.approx(707.94)
    assert [s["baseline_diesel_wtw_kg"] for s in a["by_shipment"]] == [
        s["baseline_diesel_wtw_kg"] for s in b["by_shipment"]
    ]
    if a["baseline_resolved"]["reproducible"] and b["baseline_resolved"]["reproducible"]:
        assert a["baseline_resolved_wtw_kg"] == b["baseline_resolved_wtw_kg"]


def test_cli_report_json_prints_what_json_out_writes(
    files: tuple[Path, Path], tmp_path: Path
) -> None:
    """--json means one thing in every command: print JSON on standard output."""
    inst, plan = files
    j = tmp_path / "r.json"
    args = ["report", str(inst), str(plan), "--baseline-time-limit", "0"]
    printed = runner.invoke(app, [*args, "--json"])
    written = runner.invoke(app, [*args, "--json-out", str(j)])
    assert printed.exit_code == written.exit_code == 0, printed.output
    assert json.loads(printed.stdout) == json.loads(j.read_text("utf-8"))


def test_report_map_follows_the_roads_of_a_road_day(tmp_path: Path) -> None:
    """On the bundled road city a one-job route's map line is its road path, not two segments."""
    from dataclasses import replace

    from optimizer.formats import load
    from optimizer.report import add_road_paths
    from optimizer.roads.paths import network_of
    from optimizer.solution import Route, Solution, Stop
    from tests.conftest import INSTANCES

    day = INSTANCES / "city-roads.json"
    inst = load(day)
    inst = replace(inst, objective=replace(inst.objective, unserved_penalty=1000.0))
    vehicle, job = inst.vehicles[0], inst.jobs[0]
    depot = Stop("depot", vehicle.start_depot)
    route = Route(vehicle.id, (depot, Stop("job", job.id), depot))
    rest = tuple(j.id for j in inst.jobs[1:]) + tuple(s.id for s in inst.shipments)
    inputs, data = prepare(inst, Solution(inst.name, (route,), rest), baseline_time_limit_s=0)
    add_road_paths(inputs, data, network_of(day))
    (sheet_route,) = data["run_sheet"]["routes"]
    assert len(sheet_route["path"]) > 3  # depot, road nodes, job, road nodes, depot
    out = tmp_path / "r.html"
    write_html(inputs, data, out)
    assert "Routes drawn along the roads" in out.read_text("utf-8")
