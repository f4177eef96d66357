"""Location- against market-based electricity (GHG Protocol scope 2), by hand on the worked example
with both charging places on the southern grid (2023: generation 0.4042 kg CO2/kWh, life cycle
0.4042 x 0.6205 / 0.5306 = 0.4727 kg CO2e/kWh) and the charger CH's 20 % green share.

Grid kWh (see ``test_accounting.py``): CH 125, depot refill 375; 500 in all.

Location-based (the grid the place draws from, whatever it buys):
    scope 2 = 500 x 0.4042 = 202.1 kg; WTW = 500 x 0.4727 = 236.35 kg;
    upstream (scope 3 category 3) = 236.35 - 202.1 = 34.25 kg.
Market-based, CH's green share backed by green certificates:
    CH 125 x (0.2 x 0 + 0.8 x 0.6096 residual) = 60.96; depot 375 x 0.6096 = 228.6; 289.56 kg.
    (Dearer than location-based: the national residual mix is dirtier than the southern grid.)
    Green kWh 125 x 0.2 = 25, 5 % of the 500 kWh charged.
Market-based without an instrument: the green share is residual mix: 500 x 0.6096 = 304.8 kg.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from optimizer.carbon.accounting import account
from optimizer.model import Instance

from .worked_example import make_instance, make_plan


def _south(instrument: str | None) -> Instance:
    inst = make_instance()
    (depot,) = inst.depots
    (station,) = inst.stations
    return replace(
        inst,
        depots=(replace(depot, grid_co2e_kg_per_kwh=None, grid_region="south"),),
        stations=(
            replace(
                station,
                grid_co2e_kg_per_kwh=None,
                grid_region="south",
                green_instrument=instrument,
            ),
        ),
    )


def test_location_against_market_based_with_an_instrument() -> None:
    acc = account(_south("green-certificate"), make_plan())
    e = acc.electricity
    assert e["grid_kwh"] == pytest.approx(500.0)
    assert e["location_based_kg"] == pytest.approx(202.1)
    assert e["location_based_wtw_kg"] == pytest.approx(236.35)
    assert e["upstream_kg"] == pytest.approx(34.25)
    assert e["market_based_kg"] == pytest.approx(289.56)
    assert e["green_kwh"] == pytest.approx(25.0)
    assert e["green_share_of_kwh"] == pytest.approx(0.05)
    assert e["by_place"]["station CH"]["market_based_kg"] == pytest.approx(60.96)
    # The plan's WTW counts the location-based life-cycle figure: the instrument changes nothing.
    ev = next(t for t in acc.trips if t.vehicle == "ev")
    assert ev.wtw_kg == pytest.approx(236.35)
    # Scopes: 2 = location-based generation; 3 = diesel WTT 63.27 + electricity upstream 34.25.
    assert acc.scopes["scope2_kg"] == pytest.approx(202.1)
    assert acc.scopes["scope3_kg"] == pytest.approx(63.27 + 34.25)
    assert sum(acc.scopes.values()) == pytest.approx(acc.wtw_kg)


def test_a_green_share_without_instrument_is_residual_mix() -> None:
    with_cert = account(_south("green-certificate"), make_plan())
    without = account(_south(None), make_plan())
    assert without.electricity["market_based_kg"] == pytest.approx(304.8)
    assert without.electricity["green_share_of_kwh"] == 0.0
    # Location-based figures are the same either way.
    assert without.electricity["location_based_kg"] == with_cert.electricity["location_based_kg"]
    assert without.wtw_kg == with_cert.wtw_kg


def test_operating_figures_by_hand() -> None:
    acc = account(_south("green-certificate"), make_plan())
    op = acc.operating
    # Both trips drive 400 km: the battery tractor's share of km is 1/2; of t·km 1500 / 3700.
    assert op["new_energy_share_of_km"] == pytest.approx(0.5)
    assert op["new_energy_share_of_tkm"] == pytest.approx(1500 / 3700)
    assert op["green_electricity_share_of_kwh"] == pytest.approx(0.05)
