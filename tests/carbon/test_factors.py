"""The default factor table: every factor has a source, a year and a GWP set, grid defaults share
one year, regions resolve, WTW >= TTW is enforced, and the factors in force follow the instance."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import pytest
from typer.testing import CliRunner

from optimizer.carbon import (
    DEFAULT_FACTORS,
    GRID_FACTORS,
    electricity_wtw_kg_per_kwh,
    factors_in_force,
    fuel_factor,
    grid_factor,
)
from optimizer.carbon.factors import DIESEL_CLASSES, diesel_class, diesel_rates
from optimizer.cli import app
from optimizer.errors import InputError
from optimizer.formats.native import instance_from_dict, instance_to_dict, solution_to_dict
from optimizer.model import CARRIERS, Station, VehicleType

from .worked_example import make_instance, make_plan


def test_every_carrier_has_a_sourced_factor() -> None:
    assert set(DEFAULT_FACTORS) == set(CARRIERS)
    for carrier, f in DEFAULT_FACTORS.items():
        assert f.carrier == carrier
        assert f.source and 2010 <= f.year <= 2030 and f.gwp_set
        assert f.status in ("V", "D", "R", "E")
        assert 0 <= f.ttw_kg <= f.wtw_kg
        assert f.wtt_kg == pytest.approx(f.wtw_kg - f.ttw_kg)
        assert f.biogenic_co2_kg == 0.0  # the defaults are fossil
    # The defaults the research notes propose (shared/carbon/method-and-factors.md section 2.1).
    assert (DEFAULT_FACTORS["diesel"].ttw_kg, DEFAULT_FACTORS["diesel"].wtw_kg) == (2.67, 3.24)
    assert "AR4" in DEFAULT_FACTORS["diesel"].gwp_set  # EN 16258:2012 figures, not AR6
    assert DEFAULT_FACTORS["hydrogen"].wtw_kg == 11.0
    # National electricity: the 2023 footprint, the year of every grid default.
    assert DEFAULT_FACTORS["bev"].wtw_kg == 0.6205


def test_lng_methane_slip_is_tank_to_wheel() -> None:
    lng = DEFAULT_FACTORS["lng"]
    # CO2 2.75 kg/kg + 1.5 % slip x GWP 29.8 = 2.75 + 0.447 = 3.197 kg/kg, WTT 3.8 - 3.197.
    assert lng.ttw_kg == pytest.approx(3.197)
    assert lng.wtt_kg == pytest.approx(0.603)
    assert lng.gwp_set == "IPCC AR6 GWP100"


def test_grid_regions_share_one_year() -> None:
    assert {g.year for g in GRID_FACTORS.values()} == {2023}
    for g in GRID_FACTORS.values():
        assert g.source and 0 < g.generation_kg_per_kwh < g.wtw_kg_per_kwh < 1
    # Southern grid 2023: 0.4042 kg CO2/kWh x 0.6205 / 0.5306 = 0.4727 kg CO2e/kWh.
    assert grid_factor("south") == pytest.approx(0.4727)
    assert GRID_FACTORS["south"].generation_kg_per_kwh == 0.4042
    assert grid_factor("national") == 0.6205
    with pytest.raises(InputError, match="'atlantis'"):
        grid_factor("atlantis")


def test_location_based_factor_ignores_green_share() -> None:
    assert electricity_wtw_kg_per_kwh(None) == 0.6205
    assert electricity_wtw_kg_per_kwh(0.5) == 0.5
    assert fuel_factor("diesel") == (2.67, 3.24)
    assert fuel_factor("diesel", wtw_override=0.5, ttw_override=0.0) == (0.0, 0.5)


def test_grid_region_sets_the_place_factor_and_is_checked() -> None:
    assert Station("S", 0, power_kw=50, grid_region="south").grid_co2e_kg_per_kwh == 0.4727
    # An explicit factor wins over the region's.
    assert (
        Station("S", 0, grid_region="south", grid_co2e_kg_per_kwh=0.3).grid_co2e_kg_per_kwh == 0.3
    )
    with pytest.raises(InputError, match=r"grid_region.*'mars'"):
        Station("S", 0, grid_region="mars")
    with pytest.raises(InputError, match=r"green_instrument.*'good intentions'"):
        Station("S", 0, green_share=0.5, green_instrument="good intentions")


def test_wtw_below_ttw_is_refused_naming_the_field() -> None:
    with pytest.raises(InputError, match=r"wtw_co2e_kg_per_unit.*2\.67.*got 2"):
        VehicleType("d", "diesel", 1000, 0.1, wtw_co2e_kg_per_unit=2.0)
    with pytest.raises(InputError, match=r"ttw_co2e_kg_per_unit.*3\.24.*got 4"):
        VehicleType("d", "diesel", 1000, 0.1, ttw_co2e_kg_per_unit=4.0)
    # An HVO-like fuel: TTW 0 (biogenic CO2 apart), WTW 0.5: fine.
    VehicleType("h", "diesel", 1000, 0.1, wtw_co2e_kg_per_unit=0.5, ttw_co2e_kg_per_unit=0.0)


def test_wtw_below_ttw_in_a_file_names_the_path() -> None:
    data = instance_to_dict(make_instance())
    data["vehicle_types"][0]["wtw_co2e_kg_per_unit"] = 1.0
    with pytest.raises(InputError, match=r"vehicle_types\[0\]\.wtw_co2e_kg_per_unit"):
        instance_from_dict(json.loads(json.dumps(data)))


def test_diesel_classes_by_payload() -> None:
    names = [c.name for c in DIESEL_CLASSES]
    assert diesel_class(1500).name == names[0]  # the city-day e-van: a 3.5 t van
    assert diesel_class(3650).name == names[1]
    assert diesel_class(10_000).name == names[2]
    assert diesel_class(28_000).name == names[3]
    for c in DIESEL_CLASSES:
        assert c.source and c.year and 0 < c.l_per_km_empty < c.l_per_km_full
    # PRP model (notes §3.3): 16.1 L/100 km empty, +0.84 per t: a 3.65 t load -> 19.166.
    assert DIESEL_CLASSES[1].l_per_km_full == pytest.approx(0.1917, abs=1e-4)
    # 18 t rigid, 8 t curb, 10 t payload: 16.1 + 0.84 x 1.65 = 17.486; + 0.84 x 10 = 25.886.
    assert DIESEL_CLASSES[2].l_per_km_empty == pytest.approx(0.1749, abs=1e-4)
    assert DIESEL_CLASSES[2].l_per_km_full == pytest.approx(0.2589, abs=1e-4)


def test_native_default_charging_efficiency_is_092() -> None:
    data = instance_to_dict(make_instance())
    del data["stations"][0]["charging_efficiency"]
    del data["depots"][0]["charging_efficiency"]
    inst = instance_from_dict(data)
    assert inst.stations[0].charging_efficiency == 0.92
    assert inst.depots[0].charging_efficiency == 0.92


def test_instance_grid_region_applies_to_places_without_their_own() -> None:
    data = instance_to_dict(make_instance())
    data["grid_region"] = "south"
    data["depots"][0]["grid_co2e_kg_per_kwh"] = None
    inst = instance_from_dict(data)
    assert inst.depots[0].grid_region == "south"
    assert inst.depots[0].grid_co2e_kg_per_kwh == 0.4727
    # The station gives its own factor: kept.
    assert inst.stations[0].grid_co2e_kg_per_kwh == 0.5 and inst.stations[0].grid_region is None
    again = instance_from_dict(instance_to_dict(inst))
    assert again.depots[0].grid_co2e_kg_per_kwh == 0.4727
    data["grid_region"] = "atlantis"
    with pytest.raises(InputError, match=r"^grid_region: must be one of .*got 'atlantis'"):
        instance_from_dict(data)


def test_factors_in_force_follow_the_instance() -> None:
    inst = make_instance()
    rows = {r["applies_to"]: r for r in factors_in_force(inst)}
    diesel = rows["vehicle type tractor-diesel"]
    assert diesel["status"] == "R" and diesel["year"] == 2012
    assert "EN 16258" in diesel["source"] and "AR4" in diesel["gwp_set"]
    assert rows["depot D"]["wtw"] == 0.6 and rows["depot D"]["status"] == "instance"
    assert "green share 0.2 states no instrument" in rows["station CH"]["source"]
    # The battery tractor's diesel equivalent: the instance's own diesel tractor (same class).
    equiv = rows["diesel equivalent of vehicle type tractor-bev (baselines)"]
    assert (equiv["l_per_km_empty"], equiv["l_per_km_full"]) == (0.25, 0.35)
    assert "diesel type tractor-diesel" in equiv["source"]
    # Without a diesel type of its class: the class default, with its source and year.
    (_, bev) = inst.vehicle_types
    empty, full, source, year, status = diesel_rates(bev)
    assert (empty, full, year, status) == (0.24, 0.38, 2025, "E")
    assert "tractor-trailer" in source and "33 L/100 km" in source
    # Every default row states its year.
    region = replace(inst.depots[0], grid_co2e_kg_per_kwh=None, grid_region="south")
    rows = {r["applies_to"]: r for r in factors_in_force(replace(inst, depots=(region,)))}
    assert rows["depot D"]["year"] == 2023 and "grid region south" in rows["depot D"]["source"]


def test_cli_exits_2_on_wtw_below_ttw(tmp_path: Path) -> None:
    data = instance_to_dict(make_instance())
    data["vehicle_types"][0]["ttw_co2e_kg_per_unit"] = 3.5  # above the default WTW 3.24
    inst = tmp_path / "bad.json"
    inst.write_text(json.dumps(data), "utf-8")
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps(solution_to_dict(make_plan())), "utf-8")
    result = CliRunner().invoke(app, ["report", str(inst), str(plan)])
    assert result.exit_code == 2
    assert "vehicle_types[0].ttw_co2e_kg_per_unit" in result.output and "3.5" in result.output
