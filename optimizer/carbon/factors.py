"""Default emission factors with their sources, per unit of energy carrier.

Why a table with provenance rather than constants: a carbon figure is only as credible as the factor
behind it, and ISO 14083 reports must state factor sources and GWP set. Every default can be
overridden from the instance (``VehicleType.wtw_co2e_kg_per_unit`` / ``ttw_co2e_kg_per_unit``,
``Station.grid_co2e_kg_per_kwh``, ``Depot.grid_co2e_kg_per_kwh``). Figures and status tags come
from ``shared/carbon/method-and-factors.md`` (sections 2.1 and 2.2).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EmissionFactor:
    """kg CO2e per ``unit`` of carrier, tank-to-wheel and well-to-wheel, with where it comes from."""

    carrier: str
    unit: str
    ttw_kg: float
    wtw_kg: float
    source: str
    year: int
    gwp_set: str = "AR6"

    @property
    def wtt_kg(self) -> float:
        return self.wtw_kg - self.ttw_kg


#: Location-based WTW factor of grid electricity: China's national electricity carbon-footprint
#: factor for 2024 (life-cycle CO2e including transmission and distribution), MEE/NBS/NEA notice of
#: 2025-09-28. Electricity has no tank-to-wheel emissions.
GRID_WTW_KG_PER_KWH = 0.5777
#: Life-cycle factor used for the green share of a station's supply (wind, 2023, same notices).
RENEWABLE_WTW_KG_PER_KWH = 0.0336

DEFAULT_FACTORS: dict[str, EmissionFactor] = {
    "diesel": EmissionFactor(
        "diesel", "L", 2.67, 3.24, "EN 16258:2012 Annex A (fossil diesel), as cited by GLEC", 2012
    ),
    "lng": EmissionFactor(
        "lng",
        "kg",
        2.75,
        3.8,
        "engine default (stoichiometric CO2 + methane slip + WTT estimate); flagged [E]",
        2025,
    ),
    "methanol": EmissionFactor(
        "methanol",
        "L",
        1.09,
        2.93,
        "stoichiometric TTW 1.375 kg/kg; coal-based WTW 3.7 kg/kg; 0.792 kg/L; flagged [E]",
        2025,
    ),
    "hydrogen": EmissionFactor(
        "hydrogen",
        "kg",
        0.0,
        11.0,
        "grey SMR hydrogen, middle of the 9-12 kg/kg range; flagged [E]",
        2025,
    ),
    "bev": EmissionFactor(
        "bev",
        "kWh",
        0.0,
        GRID_WTW_KG_PER_KWH,
        "China national electricity carbon-footprint factor 2024 (MEE/NBS/NEA 2025-09-28)",
        2024,
    ),
    "swap": EmissionFactor(
        "swap",
        "kWh",
        0.0,
        GRID_WTW_KG_PER_KWH,
        "China national electricity carbon-footprint factor 2024 (MEE/NBS/NEA 2025-09-28)",
        2024,
    ),
}


def fuel_factor(
    carrier: str, wtw_override: float | None = None, ttw_override: float | None = None
) -> tuple[float, float]:
    """(TTW, WTW) kg CO2e per unit of ``carrier``, instance overrides first."""
    f = DEFAULT_FACTORS[carrier]
    return (
        f.ttw_kg if ttw_override is None else ttw_override,
        f.wtw_kg if wtw_override is None else wtw_override,
    )


def electricity_wtw_kg_per_kwh(grid_factor: float | None, green_share: float = 0.0) -> float:
    """WTW kg CO2e per kWh drawn from the grid where it is charged: the place's factor (default: the
    national one), its green share counted at the renewable life-cycle factor."""
    base = GRID_WTW_KG_PER_KWH if grid_factor is None else grid_factor
    return green_share * RENEWABLE_WTW_KG_PER_KWH + (1.0 - green_share) * base
