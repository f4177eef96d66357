"""Native JSON v1: exact round trip, every error at once with path and value, and a loader that
never crashes on mutated input (hypothesis)."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from benchmarks.fuzz import json_paths
from optimizer.errors import InputError
from optimizer.formats import detect, load
from optimizer.formats.native import (
    instance_from_dict,
    instance_to_dict,
    read_instance,
    schema,
    solution_from_dict,
    solution_to_dict,
    write_instance,
)

FULL: dict[str, Any] = {
    "format": "optimizer-instance",
    "version": 1,
    "name": "every-field",
    "meta": {"author": "tests"},
    "locations": [
        {"id": "hub", "coordinates": [0.0, 0.0]},
        {"id": "shop", "coordinates": [3.0, 4.0]},
        {"id": "mill", "coordinates": [6.0, 8.0]},
        {"id": "plant", "coordinates": [-3.0, 4.0]},
        {"id": "cs", "coordinates": [0.0, 5.0]},
    ],
    "travel": {
        "metric": "euclidean",
        "detour_factor": 1.2,
        "speed_kmh": 40.0,
        "rounding": "none",
        "rounding_decimals": 0,
        "round_durations": False,
    },
    "depots": [
        {
            "id": "d",
            "location": "hub",
            "opening": [360.0, 1200.0],
            "energy_price_per_kwh": 0.12,
            "grid_co2e_kg_per_kwh": 0.55,
            "charging_efficiency": 0.92,
            "grid_region": None,
            "green_share": 0.0,
            "green_instrument": None,
        }
    ],
    "jobs": [
        {
            "id": "j1",
            "location": "shop",
            "kind": "delivery",
            "weight_kg": 800.0,
            "volume_m3": 2.0,
            "time_windows": [[480.0, 540.0], [840.0, 900.0]],
            "service_min": 15.0,
            "vehicles": [],
            "preferred_vehicle": None,
            "shipper": "retailer",
            "partner": None,
        },
        {
            "id": "j2",
            "location": "plant",
            "kind": "pickup",
            "weight_kg": 300.0,
            "volume_m3": 0.5,
            "time_windows": [],
            "service_min": 10.0,
            "vehicles": ["T"],
            "preferred_vehicle": "T",
            "shipper": None,
            "partner": None,
        },
    ],
    "shipments": [
        {
            "id": "s1",
            "weight_kg": 1200.0,
            "volume_m3": 3.0,
            "pickup": {"location": "mill", "time_windows": [[400.0, 700.0]], "service_min": 20.0},
            "delivery": {
                "location": "shop",
                "time_windows": [[600.0, 1000.0]],
                "service_min": 20.0,
            },
            "vehicles": [],
            "preferred_vehicle": None,
            "shipper": "maker",
            "partner": "haulier",
        }
    ],
    "vehicle_types": [
        {
            "id": "tractor",
            "carrier": "diesel",
            "capacity_kg": 25000.0,
            "capacity_m3": 80.0,
            "battery_kwh": None,
            "reserve_kwh": 0.0,
            "consumption_per_km_empty": 0.24,
            "consumption_per_km_full": 0.38,
            "fixed_cost": 300.0,
            "cost_per_km": 0.5,
            "cost_per_hour": 35.0,
            "fuel_price_per_unit": 1.1,
            "speed_factor": 0.9,
            "banned_zones": ["core"],
            "max_duration_min": 600.0,
            "max_trips": 2,
            "reload_min": 45.0,
            "wtw_co2e_kg_per_unit": None,
            "ttw_co2e_kg_per_unit": None,
            "biogenic_co2_kg_per_unit": None,
            "baseline_diesel_l_per_km_empty": None,
            "baseline_diesel_l_per_km_full": None,
        },
        {
            "id": "etruck",
            "carrier": "bev",
            "capacity_kg": 18000.0,
            "capacity_m3": None,
            "battery_kwh": 400.0,
            "reserve_kwh": 40.0,
            "consumption_per_km_empty": 1.0,
            "consumption_per_km_full": 1.7,
            "fixed_cost": 350.0,
            "cost_per_km": 0.3,
            "cost_per_hour": 35.0,
            "fuel_price_per_unit": 0.0,
            "speed_factor": 1.0,
            "banned_zones": [],
            "max_duration_min": None,
            "max_trips": 1,
            "reload_min": 0.0,
            "wtw_co2e_kg_per_unit": None,
            "ttw_co2e_kg_per_unit": None,
            "biogenic_co2_kg_per_unit": None,
            "baseline_diesel_l_per_km_empty": None,
            "baseline_diesel_l_per_km_full": None,
        },
        {
            "id": "swapper",
            "carrier": "swap",
            "capacity_kg": 18000.0,
            "capacity_m3": None,
            "battery_kwh": 282.0,
            "reserve_kwh": 20.0,
            "consumption_per_km_empty": 1.1,
            "consumption_per_km_full": 1.6,
            "fixed_cost": 330.0,
            "cost_per_km": 0.3,
            "cost_per_hour": 35.0,
            "fuel_price_per_unit": 0.0,
            "speed_factor": 1.0,
            "banned_zones": [],
            "max_duration_min": None,
            "max_trips": 1,
            "reload_min": 0.0,
            "wtw_co2e_kg_per_unit": 0.4,
            "ttw_co2e_kg_per_unit": 0.0,
            "biogenic_co2_kg_per_unit": None,
            "baseline_diesel_l_per_km_empty": None,
            "baseline_diesel_l_per_km_full": None,
        },
    ],
    "vehicles": [
        {
            "id": "T",
            "type": "tractor",
            "count": 2,
            "start_depot": "d",
            "end_depot": "d",
            "shift": [360.0, 1080.0],
            "initial_soc": 1.0,
            "max_duration_min": None,
            "max_trips": None,
        },
        {
            "id": "E",
            "type": "etruck",
            "count": 1,
            "start_depot": "d",
            "end_depot": None,
            "shift": None,
            "initial_soc": 0.8,
            "max_duration_min": 540.0,
            "max_trips": 3,
        },
        {
            "id": "S",
            "type": "swapper",
            "count": 1,
            "start_depot": "d",
            "end_depot": "d",
            "shift": None,
            "initial_soc": 1.0,
            "max_duration_min": None,
            "max_trips": None,
        },
    ],
    "stations": [
        {
            "id": "fast",
            "location": "cs",
            "kind": "charger",
            "power_kw": None,
            "curve": [{"up_to_soc": 0.8, "power_kw": 360.0}, {"up_to_soc": 1.0, "power_kw": 120.0}],
            "chargers": 2,
            "opening": [[360.0, 1320.0]],
            "tariff": [
                {"from_min": 0.0, "price_per_kwh": 0.3},
                {"from_min": 480.0, "price_per_kwh": 0.9},
            ],
            "fee_per_visit": 5.0,
            "fee_per_kwh": 0.7,
            "swap_min": 0.0,
            "grid_co2e_kg_per_kwh": 0.4727,
            "green_share": 0.3,
            "charging_efficiency": 0.92,
            "grid_region": "south",
            "green_instrument": "green-certificate",
        },
        {
            "id": "swap1",
            "location": "hub",
            "kind": "swap",
            "power_kw": None,
            "curve": [],
            "chargers": 1,
            "opening": [],
            "tariff": [{"from_min": 0.0, "price_per_kwh": 0.5}],
            "fee_per_visit": 0.0,
            "fee_per_kwh": 0.0,
            "swap_min": 5.0,
            "grid_co2e_kg_per_kwh": 0.6,
            "green_share": 0.0,
            "charging_efficiency": 0.9,
            "grid_region": None,
            "green_instrument": None,
        },
    ],
    "zones": [{"id": "core", "polygon": [[2.0, 3.0], [4.0, 3.0], [4.0, 5.0], [2.0, 5.0]]}],
    "objective": {
        "kind": "cost",
        "carbon_price_per_t_co2e": 80.0,
        "unserved_penalty": 1000.0,
        "currency": "CNY",
        "reassignment_penalty": 25.0,
    },
    "rules": {"full_recharge": False, "instant_charging": False},
}


def test_full_document_round_trips_exactly(tmp_path: Path) -> None:
    inst = instance_from_dict(copy.deepcopy(FULL))
    assert instance_to_dict(inst) == FULL
    path = tmp_path / "x.json"
    write_instance(inst, path)
    assert detect(path) == "native"
    assert instance_to_dict(load(path)) == FULL
    assert instance_to_dict(read_instance(path)) == json.loads(path.read_text())


@pytest.mark.parametrize(("section", "field"), [("vehicles", "count"), ("stations", "chargers")])
def test_a_count_given_as_a_huge_float_is_refused_not_written_back_larger(
    section: str, field: str
) -> None:
    """Hypothesis found ``count: 1e18`` (and, with the suite on two cores, ``chargers: 1e18``):
    read as 10**18, written back as a 19-digit integer that the loader then refused, so the
    round trip broke. It is refused when read."""
    doc = copy.deepcopy(FULL)
    doc[section][1][field] = 1e18
    with pytest.raises(InputError) as err:
        instance_from_dict(doc)
    (issue,) = err.value.issues
    assert issue.path == f"{section}[1].{field}" and "below 10^18" in issue.message
    doc[section][1][field] = 5e17  # still 18 digits: read and written back unchanged
    inst = instance_from_dict(doc)
    assert instance_to_dict(instance_from_dict(instance_to_dict(inst))) == instance_to_dict(inst)


def test_defaults_are_written_explicitly_and_are_a_fixed_point() -> None:
    minimal = {
        "format": "optimizer-instance",
        "version": 1,
        "locations": [{"id": "a", "coordinates": [0, 0]}, {"id": "b", "coordinates": [1, 0]}],
        "depots": [{"id": "d", "location": "a"}],
        "jobs": [{"id": "j", "location": "b"}],
        "vehicle_types": [{"id": "t", "carrier": "diesel", "capacity_kg": 10}],
        "vehicles": [{"id": "v", "type": "t", "start_depot": "d"}],
    }
    once = instance_to_dict(instance_from_dict(minimal))
    assert instance_to_dict(instance_from_dict(once)) == once
    assert once["jobs"][0] == {
        "id": "j",
        "location": "b",
        "kind": "delivery",
        "weight_kg": 0.0,
        "volume_m3": 0.0,
        "time_windows": [],
        "service_min": 0.0,
        "vehicles": [],
        "preferred_vehicle": None,
        "shipper": None,
        "partner": None,
    }
    # Charging places without an efficiency get 0.92 (notes §1.7).
    assert once["depots"][0]["charging_efficiency"] == 0.92


def test_matrix_travel_round_trips() -> None:
    doc = copy.deepcopy(FULL)
    doc["travel"] = {
        "metric": "matrix",
        "detour_factor": 1.0,
        "speed_kmh": 60.0,
        "rounding": "none",
        "rounding_decimals": 0,
        "round_durations": False,
        "distance_km": [[float(i != j) * (i + j) for j in range(5)] for i in range(5)],
        "duration_min": [[float(i != j) * 2 * (i + j) for j in range(5)] for i in range(5)],
    }
    inst = instance_from_dict(doc)
    assert inst.distance_km[1, 3] == 4.0 and inst.duration_min[1, 3] == 8.0
    assert instance_to_dict(inst) == doc


def test_every_error_at_once_with_path_and_value() -> None:
    doc = copy.deepcopy(FULL)
    doc["vehicle_types"][2]["battery_kwh"] = -5
    doc["vehicle_types"][0]["colour"] = "red"
    doc["jobs"][0]["time_windows"] = [[540.0, 480.0]]
    doc["vehicles"][1]["type"] = "bus"
    doc["jobs"][1]["location"] = "nowhere"
    del doc["depots"][0]["id"]
    with pytest.raises(InputError) as err:
        instance_from_dict(doc)
    lines = [str(i) for i in err.value.issues]
    assert "vehicle_types[2].battery_kwh: must be number > 0 or null, got -5" in lines
    assert "vehicle_types[0].colour: is not a known field, got 'red'" in lines
    assert "depots[0].id: is required" in lines
    # Structural problems stop the first pass; the value pass reports the rest of the file at once.
    del doc["vehicle_types"][0]["colour"]
    doc["depots"][0]["id"] = "d"
    doc["vehicle_types"][2]["battery_kwh"] = 282.0
    doc["vehicle_types"][2]["reserve_kwh"] = 300.0
    with pytest.raises(InputError) as err:
        instance_from_dict(doc)
    lines = [str(i) for i in err.value.issues]
    assert "jobs[0].time_windows[0].end_min: must be >= start_min (540), got 480.0" in lines
    assert "vehicles[1].type: names no vehicle type, got 'bus'" in lines
    assert "jobs[1].location: names no location, got 'nowhere'" in lines
    assert "vehicle_types[2].reserve_kwh: must be below battery_kwh (282), got 300.0" in lines


def test_bad_json_text_names_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.json"
    path.write_text('{"format": "optimizer-instance",\n "version": 1,,}')
    with pytest.raises(InputError, match="line 2 column"):
        load(path)


def test_solution_round_trip() -> None:
    doc = {
        "format": "optimizer-solution",
        "version": 1,
        "instance": "every-field",
        "meta": {"seed": 1},
        "routes": [
            {
                "vehicle": "E",
                "unit": 0,
                "stops": [
                    {
                        "kind": "depot",
                        "ref": "d",
                        "departure_min": 400.0,
                        "load_kg": 800.0,
                        "soc_departure_kwh": 320.0,
                    },
                    {
                        "kind": "job",
                        "ref": "j1",
                        "arrival_min": 407.5,
                        "start_min": 480.0,
                        "departure_min": 495.0,
                    },
                    {"kind": "depot", "ref": "d", "arrival_min": 502.5},
                ],
            }
        ],
        "unserved": ["j2", "s1"],
        "totals": {
            "distance_km": 12.0,
            "duration_min": 102.5,
            "vehicles_used": 1,
            "cost": {"total": 1.0},
            "energy": {"bev": 13.0},
            "co2e_wtw_kg": 2.0,
        },
    }
    assert solution_to_dict(solution_from_dict(doc)) == doc
    bad = copy.deepcopy(doc)
    bad["routes"][0]["stops"][1]["kind"] = "shop"
    with pytest.raises(InputError, match=r"routes\[0\].stops\[1\].kind: must be one of"):
        solution_from_dict(bad)


def test_schema_documents_units() -> None:
    props = schema("instance")["properties"]
    assert "battery_kwh" in props["vehicle_types"]["items"]["properties"]
    assert "weight_kg" in props["jobs"]["items"]["properties"]


# ----- property: mutated input never crashes the loader --------------------------------------
_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.just([]),
    st.just({}),
    st.just([[1, 2]]),
    st.just([1.0, "x"]),
)


ALL_PATHS = [p for p in json_paths(FULL) if p]


@st.composite
def mutated(draw: st.DrawFn) -> Any:
    doc = copy.deepcopy(FULL)
    for _ in range(draw(st.integers(1, 4))):
        path = draw(st.sampled_from(ALL_PATHS))
        parent: Any = doc
        try:
            for key in path[:-1]:
                parent = parent[key]
            action = draw(st.sampled_from(["replace", "delete", "duplicate"]))
            if action == "delete":
                del parent[path[-1]]
            elif action == "duplicate" and isinstance(parent, list):
                parent.append(copy.deepcopy(parent[path[-1]]))
            else:
                parent[path[-1]] = draw(_scalars)
        except (KeyError, IndexError, TypeError):
            continue
    return doc


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_loader_never_crashes_on_mutated_input(doc: Any) -> None:
    try:
        inst = instance_from_dict(doc)
    except InputError as e:
        assert e.issues, "an InputError must carry at least one issue"
        for issue in e.issues:
            assert isinstance(issue.path, str) and issue.message
        return
    assert instance_to_dict(instance_from_dict(instance_to_dict(inst))) == instance_to_dict(inst)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        _scalars,
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=5), c, max_size=3),
        max_leaves=10,
    )
)
def test_loader_never_crashes_on_arbitrary_json(doc: Any) -> None:
    with pytest.raises(InputError):
        instance_from_dict(doc)
