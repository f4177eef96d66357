"""CEC-2020 EVRP competition instances: the competition's rules as model fields, checked by hand."""

from __future__ import annotations

import math

import pytest

from optimizer.errors import FormatError, InputError
from optimizer.formats.cec2020 import parse_instance, read_instance
from tests.conftest import benchmark_file

# A cut-down E-n22-k4 with the quirks of the real files: trailing blanks, "EOF" without newline.
TINY = (
    "Name: tiny \n"
    "COMMENT: test \n"
    "TYPE: EVRP \n"
    "OPTIMAL_VALUE: 0 \n"
    "VEHICLES: 1 \n"
    "DIMENSION: 3 \n"
    "STATIONS: 1 \n"
    "CAPACITY: 6000 \n"
    "ENERGY_CAPACITY: 94 \n"
    "ENERGY_CONSUMPTION: 1.20 \n"
    "EDGE_WEIGHT_FORMAT: EUC_2D\n"
    "NODE_COORD_SECTION \n"
    "1 145 215 \n"
    "2 151 264 \n"
    "3 159 261 \n"
    "4 137 193 \n"
    "DEMAND_SECTION \n"
    "1 0\n"
    "2 1100\n"
    "3 700\n"
    "STATIONS_COORD_SECTION \n"
    "4  \n"
    "DEPOT_SECTION\n"
    "1\n"
    "-1\n"
    "EOF"
)


def test_e_n22_k4_by_hand() -> None:
    inst = read_instance(benchmark_file("cec2020-evrp", "E-n22-k4.evrp"))
    assert inst.name == "E-n22-k4"
    # header: CAPACITY 6000, ENERGY_CAPACITY 94, ENERGY_CONSUMPTION 1.20, VEHICLES 4 (a lower bound)
    (vt,) = inst.vehicle_types
    assert (vt.carrier, vt.capacity_kg, vt.battery_kwh) == ("bev", 6000.0, 94.0)
    assert vt.consumption_per_km_empty == 1.2 and vt.consumption_per_km_full is None
    assert inst.meta["format"] == "cec2020"
    assert inst.meta["min_vehicles"] == 4
    assert inst.meta["depot_station"] == "1s"
    # DIMENSION 22 = depot + 21 customers; 30 nodes in all (STATIONS 8)
    assert len(inst.locations) == 30
    assert [j.id for j in inst.jobs] == [str(i) for i in range(2, 23)]
    assert inst.job_by_id["2"].weight_kg == 1100.0  # DEMAND_SECTION "2 1100"
    assert all(j.time_windows == () and j.service_min == 0 for j in inst.jobs)
    # 8 listed stations (ids 23..30) plus the depot, which the competition counts as a station
    assert len(inst.stations) == 9
    assert [s.id for s in inst.stations] == [*(str(i) for i in range(23, 31)), "1s"]
    (depot,) = inst.depots
    assert depot.id == "1"
    assert inst.station_by_id["1s"].location == depot.location
    assert all(s.power_kw is None and s.curve == () for s in inst.stations)
    # node 1 (145, 215) -> node 2 (151, 264): sqrt(6^2 + 49^2) = sqrt(2437) = 49.3659801... unrounded
    assert inst.distance_km[0, 1] == pytest.approx(math.sqrt(2437), abs=1e-12)
    assert inst.distance_km[0, 1] == pytest.approx(49.36598019, abs=1e-8)
    # node 1 -> station 23 (137, 193): sqrt(8^2 + 22^2) = sqrt(548) = 23.4093998...
    assert inst.distance_km[0, 22] == pytest.approx(23.40939982, abs=1e-8)
    # so one full battery (94 kWh) at 1.2 kWh/km reaches 94 / 1.2 = 78.33 km
    assert inst.rules.full_recharge and inst.rules.instant_charging
    assert inst.objective.kind == "distance"
    (veh,) = inst.vehicles
    assert veh.count == 21  # unlimited: one per customer


def test_x_instance_consumption_is_one() -> None:
    inst = read_instance(benchmark_file("cec2020-evrp", "X-n143-k7.evrp"))
    # X-n143-k7: ENERGY_CONSUMPTION 1.0, ENERGY_CAPACITY 2243, CAPACITY 1190, STATIONS 4 (+ depot)
    vt = inst.vehicle_types[0]
    assert (vt.consumption_per_km_empty, vt.battery_kwh, vt.capacity_kg) == (1.0, 2243.0, 1190.0)
    assert len(inst.stations) == 5 and len(inst.jobs) == 142
    assert inst.meta["min_vehicles"] == 7


def test_trailing_blanks_and_eof_without_newline() -> None:
    inst = parse_instance(TINY, "tiny")
    assert [s.id for s in inst.stations] == ["4", "1s"]
    assert [j.id for j in inst.jobs] == ["2", "3"]
    assert inst.meta["source"] == "tiny"


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("ENERGY_CAPACITY: 94 \n", "", "ENERGY_CAPACITY"),
        ("2 151 264 \n", "2 151 abc \n", "line 14 (y)"),
        ("2 151 264 \n", "2 151 \n", "line 14"),
        ("4  \n", "9  \n", "line 22"),
        ("4  \n", "3  \n", "line 22"),
        ("DEPOT_SECTION\n", "FOO_SECTION\n", "line 23"),
        ("3 159 261 \n", "", "NODE_COORD_SECTION"),
        ("3 700\n", "", "DEMAND_SECTION"),
        ("1 0\n", "1 5\n", "DEMAND_SECTION (1)"),
        ("CAPACITY: 6000", "CAPACITY: -1", "line 8 (CAPACITY)"),
        ("DIMENSION: 3", "DIMENSION: three", "line 6 (DIMENSION)"),
        ("STATIONS: 1", "STATIONS: 2", "NODE_COORD_SECTION: must list every id 1..5"),
        ("EDGE_WEIGHT_FORMAT: EUC_2D", "EDGE_WEIGHT_FORMAT: GEO", "line 11"),
        ("TYPE: EVRP \n", "TYPE: EVRP \nSPEED: 3\n", "line 4"),
        ("EOF", "EOF\n1 2 3", "line 27"),
    ],
)
def test_malformed_names_the_line_or_field(old: str, new: str, where: str) -> None:
    assert old in TINY
    with pytest.raises(InputError) as info:
        parse_instance(TINY.replace(old, new, 1), "bad")
    assert isinstance(info.value, FormatError)
    assert where in str(info.value)


def test_unreadable_file() -> None:
    with pytest.raises(FormatError, match="cannot be read"):
        read_instance("/nonexistent/x.evrp")
