"""The default factor table: every factor has a source and a year, regions resolve, errors name
the value, and the factors in force follow the instance's overrides."""

from __future__ import annotations

import pytest

from optimizer.carbon import (
    DEFAULT_FACTORS,
    GRID_FACTORS,
    electricity_wtw_kg_per_kwh,
    factors_in_force,
    fuel_factor,
    grid_factor,
)
from optimizer.carbon.factors import BEV_TRACTOR_KWH_PER_KM, DIESEL_L_PER_UNIT
from optimizer.errors import InputError
from optimizer.model import CARRIERS

from .worked_example import make_instance


def test_every_carrier_has_a_sourced_factor() -> None:
    assert set(DEFAULT_FACTORS) == set(CARRIERS)
    for carrier, f in DEFAULT_FACTORS.items():
        assert f.carrier == carrier
        assert f.source and 2010 <= f.year <= 2030
        assert f.status in ("V", "D", "R", "E")
        assert 0 <= f.ttw_kg <= f.wtw_kg
        assert f.wtt_kg == pytest.approx(f.wtw_kg - f.ttw_kg)
    # The defaults the research notes propose (shared/carbon/method-and-factors.md section 2.1).
    assert (DEFAULT_FACTORS["diesel"].ttw_kg, DEFAULT_FACTORS["diesel"].wtw_kg) == (2.67, 3.24)
    assert DEFAULT_FACTORS["hydrogen"].wtw_kg == 11.0
    assert DEFAULT_FACTORS["bev"].wtw_kg == 0.5777


def test_grid_regions() -> None:
    for g in GRID_FACTORS.values():
        assert g.source and g.year >= 2023 and 0 < g.wtw_kg_per_kwh < 1
    # Southern grid 2023: 0.4042 kg CO2/kWh x 0.6205 / 0.5306 = 0.4727 kg CO2e/kWh.
    assert grid_factor("south") == pytest.approx(0.4727)
    assert grid_factor("national") == 0.5777
    with pytest.raises(InputError, match="'atlantis'"):
        grid_factor("atlantis")


def test_green_share_and_overrides() -> None:
    assert electricity_wtw_kg_per_kwh(None) == 0.5777
    assert electricity_wtw_kg_per_kwh(0.5, 0.2) == pytest.approx(0.2 * 0.0336 + 0.8 * 0.5)
    assert fuel_factor("diesel") == (2.67, 3.24)
    assert fuel_factor("diesel", wtw_override=0.5, ttw_override=0.0) == (0.0, 0.5)


def test_diesel_equivalence_maps_the_default_tractors() -> None:
    empty, full = DIESEL_L_PER_UNIT["bev"]
    assert BEV_TRACTOR_KWH_PER_KM[0] * empty == pytest.approx(0.24)
    assert BEV_TRACTOR_KWH_PER_KM[1] * full == pytest.approx(0.38)


def test_factors_in_force_follow_the_instance() -> None:
    rows = {r["applies_to"]: r for r in factors_in_force(make_instance())}
    assert rows["vehicle type tractor-diesel"]["status"] == "R"
    assert "EN 16258" in rows["vehicle type tractor-diesel"]["source"]
    assert rows["depot D"]["wtw"] == 0.6 and rows["depot D"]["status"] == "instance"
    assert "green share 0.2" in rows["station CH"]["source"]
