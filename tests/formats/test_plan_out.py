"""Plans written as CSV (a row per stop) and GeoJSON (a line per route, a point per stop)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from optimizer.errors import FormatError
from optimizer.formats import save_solution
from optimizer.formats.geojson import plan_to_geojson
from optimizer.formats.plan_csv import plan_to_csv
from optimizer.runsheet import STOP_FIELDS
from tests.plan_case import instance, plan


def test_csv_has_a_row_per_stop_with_the_hand_worked_figures() -> None:
    rows = list(csv.DictReader(io.StringIO(plan_to_csv(instance(), plan()))))
    assert [r["ref"] for r in rows] == ["depot", "fast", "order-1", "depot"]
    assert list(rows[0]) == list(STOP_FIELDS)
    charge = rows[1]
    assert (charge["arrival"], charge["departure"]) == ("06:20", "07:00")
    assert (charge["charged_kwh"], charge["charge_min"], charge["charge_cost"]) == (
        "40.0",
        "40.0",
        "22.0",
    )
    assert (charge["lon_or_x"], charge["lat_or_y"]) == ("20.0", "0.0")
    job = rows[2]
    assert (job["wait_min"], job["load_kg"], job["charged_kwh"]) == ("40.0", "0.0", "")


def test_geojson_has_a_line_per_route_and_a_numbered_point_per_stop() -> None:
    doc = plan_to_geojson(instance(), plan())
    assert doc["type"] == "FeatureCollection"
    assert doc["properties"]["coordinates"] == "x/y km"  # Euclidean: not to be put on a globe
    lines = [f for f in doc["features"] if f["geometry"]["type"] == "LineString"]
    points = [f for f in doc["features"] if f["geometry"]["type"] == "Point"]
    assert len(lines) == 1
    assert lines[0]["geometry"]["coordinates"] == [[0, 0], [20, 0], [40, 0], [0, 0]]
    assert lines[0]["properties"]["cost"]["total"] == 202
    assert [p["properties"]["seq"] for p in points] == [0, 1, 2, 3]
    assert points[1]["properties"]["charged_kwh"] == 40
    assert points[2]["properties"]["arrival"] == "07:20"
    json.dumps(doc)  # serialisable as it is


def test_save_solution_needs_the_instance_for_these_formats(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="needs the instance"):
        save_solution(plan(), tmp_path / "p.csv", "csv")
    with pytest.raises(FormatError, match="must be one of"):
        save_solution(plan(), tmp_path / "p.x", "xml", instance=instance())
    save_solution(plan(), tmp_path / "p.geojson", "geojson", instance=instance())
    assert json.loads((tmp_path / "p.geojson").read_text())["features"]
