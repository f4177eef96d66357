"""Orders from a spreadsheet: columns, HH:MM times, errors by row and column, CSV and xlsx."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from optimizer.errors import InputError
from optimizer.formats import load
from optimizer.formats.orders import read_orders
from tests.conftest import INSTANCES

FLEET_DAY = INSTANCES / "orders" / "fleet-day.json"
HEADER = "id,lat,lon,weight_kg,earliest,latest,service_min"


def _csv(tmp_path: Path, *lines: str, name: str = "orders.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


def test_rows_become_orders_with_minutes_from_midnight(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        HEADER + ",volume_m3,kind,shipper,vehicle_types",
        "a,22.55,114.05,500,08:30,10:00,15,2.5,pickup,ACME,e-van;bev-tractor",
        "b,22.60,114.10,0,,,0,,,,",
    )
    a, b = read_orders(path)
    assert (a.id, a.lat, a.lon, a.weight_kg) == ("a", 22.55, 114.05, 500)
    assert a.window_min == (510, 600) and a.service_min == 15
    assert (a.volume_m3, a.kind, a.shipper) == (2.5, "pickup", "ACME")
    assert a.vehicle_types == ("e-van", "bev-tractor")
    assert b.window_min is None and b.kind == "delivery"


def test_semicolons_a_bom_and_header_case_are_read(tmp_path: Path) -> None:
    path = tmp_path / "eu.csv"
    path.write_text(
        "\ufeffID; Lat ;LON;weight_kg;earliest;latest;service_min\nx;1;2;3;07:05;24:30;4\n"
    )
    (x,) = read_orders(path)
    assert x.window_min == (425, 1470)  # 24:30 is half past midnight at the end of the day


def test_every_bad_cell_is_named_by_row_and_column(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        HEADER,
        "a,95,114,500,08:00,09:00,10",
        "b,22,114,heavy,8am,09:00,10",
        "a,22,114,500,10:00,09:00,-1",
    )
    with pytest.raises(InputError) as err:
        read_orders(path)
    found = {(i.path, i.value) for i in err.value.issues}
    assert found == {
        ("row 2, column lat", "95"),
        ("row 3, column weight_kg", "heavy"),
        ("row 3, column earliest", "8am"),
        ("row 4, column id", "a"),
        ("row 4, column service_min", "-1"),
        ("row 4, column latest", "09:00"),
    }
    assert "row 4, column latest: must not be before earliest (10:00), got '09:00'" in str(
        err.value
    )


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    path = _csv(tmp_path, "id,lat,lon,weight_kg,earliest,service_min", "a,1,2,3,08:00,5")
    with pytest.raises(InputError, match="header \\(row 1\\): has no column 'latest'"):
        read_orders(path)


def test_xlsx_with_time_cells(tmp_path: Path) -> None:
    openpyxl = pytest.importorskip("openpyxl")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER.split(","))
    sheet.append(["x1", 22.5, 114.0, 1200, dt.time(9, 15), "11:00", 20])
    sheet.append(["x2", 22.6, 114.1, 80, dt.time(13, 0), dt.time(14, 0), 5])
    path = tmp_path / "orders.xlsx"
    book.save(path)
    x1, x2 = read_orders(path)
    assert x1.window_min == (555, 660) and x2.window_min == (780, 840)
    assert x1.weight_kg == 1200 and x2.service_min == 5


def test_orders_join_a_native_day_as_jobs(tmp_path: Path) -> None:
    path = _csv(
        tmp_path,
        HEADER + ",vehicle_types",
        "o1,22.55,114.05,500,08:30,10:00,15,e-van",
        "o2,22.60,114.10,900,,,10,",
    )
    inst = load(FLEET_DAY, orders=path)
    o1, o2 = inst.jobs
    assert inst.locations[o1.location].coordinates == (114.05, 22.55)  # (lon, lat)
    assert o1.vehicles == ("van",)  # the fleet entry of type e-van
    assert o2.time_windows == () and o2.weight_kg == 900
    assert inst.meta["orders_from"] == "orders.csv"


def test_orders_that_clash_with_the_day_are_refused(tmp_path: Path) -> None:
    day = json.loads(FLEET_DAY.read_text())
    day["jobs"] = [{"id": "o1", "location": "depot-pinghu"}]
    day_path = tmp_path / "day.json"
    day_path.write_text(json.dumps(day))
    path = _csv(tmp_path, HEADER + ",vehicle_types", "o1,22,114,1,,,1,", "o2,22,114,1,,,1,tram")
    with pytest.raises(InputError) as err:
        load(day_path, orders=path)
    text = str(err.value)
    assert "row 2, column id: is already a job or shipment of the day, got 'o1'" in text
    assert "row 3, column vehicle_types: names no vehicle type of the day" in text


def test_a_day_without_lat_lon_travel_cannot_take_orders(tmp_path: Path) -> None:
    path = _csv(tmp_path, HEADER, "o1,22,114,1,,,1")
    with pytest.raises(InputError, match=r"travel\.metric: must be 'haversine'"):
        load(INSTANCES / "city-day-small.json", orders=path)
