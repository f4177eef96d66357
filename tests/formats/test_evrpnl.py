"""EVRP-NL (Montoya et al. 2017) VRP-REP XML: units, charging curves and refusals, checked by hand."""

from __future__ import annotations

import math

import pytest

from optimizer.errors import FormatError, InputError
from optimizer.formats.evrpnl import parse_instance, read_instance
from optimizer.model import CurveSegment
from tests.conftest import benchmark_file

TINY = """<?xml version="1.0" encoding="UTF-8"?>
<instance>
  <info><dataset>test</dataset><name>tiny</name></info>
  <network>
    <nodes>
      <node id="0" type="0"><cx>0</cx><cy>0</cy></node>
      <node id="1" type="1"><cx>3</cx><cy>4</cy></node>
      <node id="2" type="2"><cx>6</cx><cy>8</cy><custom><cs_type>slow</cs_type></custom></node>
    </nodes>
    <euclidean />
    <decimals>14</decimals>
  </network>
  <fleet>
    <vehicle_profile type="0">
      <departure_node>0</departure_node>
      <arrival_node>0</arrival_node>
      <max_travel_time>10</max_travel_time>
      <speed_factor>40</speed_factor>
      <custom>
        <consumption_rate>125</consumption_rate>
        <battery_capacity>16000</battery_capacity>
        <charging_functions>
          <function cs_type="slow">
            <breakpoint><battery_level>0</battery_level><charging_time>0.0</charging_time></breakpoint>
            <breakpoint><battery_level>13600</battery_level><charging_time>1.26</charging_time></breakpoint>
            <breakpoint><battery_level>15200</battery_level><charging_time>1.54</charging_time></breakpoint>
            <breakpoint><battery_level>16000</battery_level><charging_time>2.04</charging_time></breakpoint>
          </function>
        </charging_functions>
      </custom>
    </vehicle_profile>
  </fleet>
  <requests>
    <request id="1" node="1"><service_time>0.5</service_time></request>
  </requests>
</instance>
"""

# The three curves every file uses (SOURCE.md), as (level Wh, time h) breakpoints after (0, 0).
CURVES_H = {
    "fast": (0.31, 0.39, 0.51),
    "normal": (0.62, 0.77, 1.01),
    "slow": (1.26, 1.54, 2.04),
}


def test_tc0c10s2cf1_by_hand() -> None:
    inst = read_instance(benchmark_file("evrp-nl", "tc0c10s2cf1.xml"))
    assert inst.name == "tc0c10s2cf1"
    # speed_factor 40 km/h; consumption 125 Wh/km = 0.125 kWh/km; battery 16000 Wh = 16 kWh
    assert inst.travel.speed_kmh == 40.0
    (vt,) = inst.vehicle_types
    assert (vt.carrier, vt.battery_kwh, vt.consumption_per_km_empty) == ("bev", 16.0, 0.125)
    assert vt.capacity_kg == 1.0 and vt.cost_per_hour == 1.0
    (veh,) = inst.vehicles
    # max_travel_time 10 h = 600 min; unlimited fleet = one unit per customer (10)
    assert (veh.max_duration_min, veh.count, veh.start_depot, veh.end) == (600.0, 10, "0", "0")
    # 10 customers, service_time 0.5 h = 30 min, no weight
    assert len(inst.jobs) == 10
    assert all(j.service_min == 30.0 and j.weight_kg == 0.0 for j in inst.jobs)
    assert inst.meta["total_service_h"] == 5.0  # 10 x 0.5 h, to subtract before comparing BKS
    # depot 0 (77.59, 78.35) -> node 1 (12.44, 47.61):
    # sqrt(65.15^2 + 30.74^2) = sqrt(4244.5225 + 944.9476) = sqrt(5189.4701) = 72.0379768 km
    assert inst.distance_km[0, 1] == pytest.approx(72.0379768, abs=1e-7)
    # at 40 km/h: 72.0379768 / 40 * 60 = 108.0569652 min
    assert inst.duration_min[0, 1] == pytest.approx(108.0569652, abs=1e-7)
    # fast curve: 13600 Wh in 0.31 h -> 13.6 / 0.31 = 43.8709677 kW up to 13.6 / 16 = 0.85;
    # 1.6 kWh in 0.08 h = 20 kW up to 0.95; 0.8 kWh in 0.12 h = 6.6667 kW up to 1.0
    station = inst.station_by_id["11"]
    assert [s.up_to_soc for s in station.curve] == pytest.approx([0.85, 0.95, 1.0])
    assert [s.power_kw for s in station.curve] == pytest.approx([43.8709677, 20.0, 6.6666667])
    # charging 0 -> 13.6 kWh takes 0.31 h = 18.6 min; 0 -> 16 kWh takes 0.51 h = 30.6 min;
    # 13.6 -> 15.2 kWh takes 0.39 - 0.31 = 0.08 h = 4.8 min
    assert station.charge_minutes(16.0, 0.0, 13.6) == pytest.approx(18.6)
    assert station.charge_minutes(16.0, 0.0, 16.0) == pytest.approx(30.6)
    assert station.charge_minutes(16.0, 13.6, 15.2) == pytest.approx(4.8)
    assert inst.objective.kind == "cost"
    assert not inst.rules.full_recharge and not inst.rules.instant_charging
    assert {d.id for d in inst.depots} == {"0"}


def test_all_three_technologies_are_read_from_the_file() -> None:
    inst = read_instance(benchmark_file("evrp-nl", "tc0c160s16cf2.xml"))
    by_tech: dict[tuple[float, ...], int] = {}
    for st in inst.stations:
        # cumulative hours at each breakpoint, rebuilt from the segments
        hours: list[float] = []
        lower = 0.0
        for seg in st.curve:
            prev = hours[-1] if hours else 0.0
            hours.append(round(prev + (seg.up_to_soc - lower) * 16.0 / seg.power_kw, 9))
            lower = seg.up_to_soc
        by_tech[tuple(hours)] = by_tech.get(tuple(hours), 0) + 1
    assert set(by_tech) <= set(CURVES_H.values())
    assert len(by_tech) >= 2


def test_parse_from_text() -> None:
    inst = parse_instance(TINY, source="tiny.xml")
    assert inst.name == "tiny"  # from <info><name>
    # slow: 13.6 kWh in 1.26 h = 10.7936508 kW
    assert inst.stations[0].curve[0] == CurveSegment(0.85, 13.6 / 1.26)
    # node 0 (0, 0) -> node 1 (3, 4): 5 km
    assert inst.distance_km[0, 1] == pytest.approx(5.0)
    assert math.isclose(inst.meta["total_service_h"], 0.5)


@pytest.mark.parametrize(
    ("old", "new", "where"),
    [
        ("<cx>3</cx>", "<cx>three</cx>", "nodes/node[1]/cx"),
        ("<cx>3</cx>", "<cx>3</cx><cz>1</cz>", "node/cz"),
        (
            "<service_time>0.5</service_time>",
            "<service_time>0.5</service_time><quantity>3</quantity>",
            "request/quantity",
        ),
        ("<cs_type>slow</cs_type>", "<cs_type>fast</cs_type>", "node 2/custom/cs_type"),
        (
            "<battery_level>16000</battery_level>",
            "<battery_level>15900</battery_level>",
            "breakpoint[3]/battery_level",
        ),
        (
            "<charging_time>1.54</charging_time>",
            "<charging_time>1.20</charging_time>",
            "breakpoint[2]",
        ),
        (
            "<charging_time>0.0</charging_time>",
            "<charging_time>0.1</charging_time>",
            "breakpoint[0]",
        ),
        ("<speed_factor>40</speed_factor>", "<speed_factor>0</speed_factor>", "speed_factor"),
        (
            "<departure_node>0</departure_node>",
            "<departure_node>1</departure_node>",
            "departure_node",
        ),
        ('<request id="1" node="1">', '<request id="1" node="2">', "request[0]@node"),
        ('<node id="2" type="2">', '<node id="2" type="7">', "node[2]@type"),
        ('<node id="2" type="2">', '<node id="1" type="2">', "node[2]@id"),
        ("<max_travel_time>10</max_travel_time>", "", "max_travel_time"),
        ("</instance>", "", "line"),
        ("<info>", "<extra/><info>", "instance/extra"),
    ],
)
def test_malformed_names_the_element(old: str, new: str, where: str) -> None:
    assert old in TINY
    with pytest.raises(InputError) as info:
        parse_instance(TINY.replace(old, new, 1), source="bad.xml")
    assert isinstance(info.value, FormatError)
    assert where in str(info.value)


def test_unreadable_file() -> None:
    with pytest.raises(FormatError, match="cannot be read"):
        read_instance("/nonexistent/x.xml")
