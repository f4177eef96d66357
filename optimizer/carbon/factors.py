"""Default emission factors with their sources, per unit of energy carrier.

Why a table with provenance rather than constants: a carbon figure is only as credible as the factor
behind it, and ISO 14083 reports must state factor sources and GWP set. Every default can be
overridden from the instance (``VehicleType.wtw_co2e_kg_per_unit`` / ``ttw_co2e_kg_per_unit``,
``Station.grid_co2e_kg_per_kwh`` and ``green_share``, ``Depot.grid_co2e_kg_per_kwh``);
:func:`factors_in_force` lists, for one instance, which figure is used where and whence it came,
so a report can print it. Figures and status tags come from ``shared/carbon/method-and-factors.md``
(sections 2.1, 2.2 and 3.1): ``V`` seen in a public source, ``D`` derived by arithmetic from such
figures, ``R`` widely repeated but not checked against the primary document, ``E`` an engineering
estimate, a default the user should override when they know better.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError, Issue

if TYPE_CHECKING:
    from ..model import Instance

#: The global-warming-potential set the defaults are expressed in (GLEC v3 uses IPCC AR6 GWP100).
GWP_SET = "IPCC AR6 GWP100"


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
    #: Confidence tag of the research notes: V, D, R or E (see the module docstring).
    status: str = "E"

    @property
    def wtt_kg(self) -> float:
        """Well-to-tank: what producing and delivering the unit of energy emitted."""
        return self.wtw_kg - self.ttw_kg

    def to_dict(self) -> dict[str, Any]:
        return {
            "carrier": self.carrier,
            "unit": self.unit,
            "ttw_kg_per_unit": self.ttw_kg,
            "wtt_kg_per_unit": self.wtt_kg,
            "wtw_kg_per_unit": self.wtw_kg,
            "source": self.source,
            "year": self.year,
            "gwp_set": self.gwp_set,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class GridFactor:
    """Well-to-wheel kg CO2e per kWh drawn from the grid in one region (TTW is zero)."""

    region: str
    wtw_kg_per_kwh: float
    source: str
    year: int
    status: str


#: Location-based WTW factor of grid electricity: China's national electricity carbon-footprint
#: factor for 2024 (life-cycle CO2e including transmission and distribution), MEE/NBS/NEA notice of
#: 2025-09-28. Electricity has no tank-to-wheel emissions.
GRID_WTW_KG_PER_KWH = 0.5777
#: Life-cycle factor used for the green share of a station's supply (wind, 2023, same notices).
RENEWABLE_WTW_KG_PER_KWH = 0.0336

#: National life-cycle footprint over national CO2 generation average, both 2023 (0.6205 / 0.5306):
#: turns the regional CO2-only averages into life-cycle WTW figures. Our construction (notes §2.2).
_FOOTPRINT_OVER_CO2_2023 = 0.6205 / 0.5306
_REGIONAL_CO2_2023 = {
    "north": 0.6361,
    "northeast": 0.5122,
    "east": 0.5500,
    "central": 0.5271,
    "northwest": 0.5543,
    "south": 0.4042,
    "southwest": 0.2472,
}
_REGIONAL_SOURCE = (
    "MEE/NBS 2023 regional grid CO2 average {co2:.4f} kg/kWh x national footprint/CO2 ratio "
    "0.6205/0.5306 (our construction, notes §2.2)"
)

#: WTW factors of grid electricity by region. ``national`` is the default of every charger and
#: depot that sets no factor of its own; the regional ones are there to be copied into a station's
#: or depot's ``grid_co2e_kg_per_kwh`` (see :func:`grid_factor`).
GRID_FACTORS: dict[str, GridFactor] = {
    "national": GridFactor(
        "national",
        GRID_WTW_KG_PER_KWH,
        "China national electricity carbon-footprint factor 2024 (MEE/NBS/NEA 2025-09-28)",
        2024,
        "V",
    ),
    "national-2023": GridFactor(
        "national-2023",
        0.6205,
        "China national electricity carbon-footprint factor 2023 (MEE/NBS/NEA 2025 No. 3)",
        2023,
        "V",
    ),
    **{
        region: GridFactor(
            region,
            round(co2 * _FOOTPRINT_OVER_CO2_2023, 4),
            _REGIONAL_SOURCE.format(co2=co2),
            2023,
            "D",
        )
        for region, co2 in _REGIONAL_CO2_2023.items()
    },
    "wind": GridFactor(
        "wind", RENEWABLE_WTW_KG_PER_KWH, "China wind-power carbon footprint 2023 (MEE)", 2023, "V"
    ),
    "pv": GridFactor("pv", 0.0545, "China PV carbon footprint 2023 (MEE)", 2023, "V"),
}

DEFAULT_FACTORS: dict[str, EmissionFactor] = {
    "diesel": EmissionFactor(
        "diesel",
        "L",
        2.67,
        3.24,
        "EN 16258:2012 Annex A (fossil diesel), as cited by GLEC; DEFRA 2025 and DKV agree within 1-2 %",
        2012,
        status="R",
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
        status="V",
    ),
    "swap": EmissionFactor(
        "swap",
        "kWh",
        0.0,
        GRID_WTW_KG_PER_KWH,
        "China national electricity carbon-footprint factor 2024 (MEE/NBS/NEA 2025-09-28)",
        2024,
        status="V",
    ),
}

# ----- consumption defaults for the all-diesel counterfactual ----------------------------------
#: Diesel 49 t tractor-trailer, L/km empty and full (notes §3.1: typical 33 L/100 km [V], the
#: empty/full split 24/38 is an estimate [E]).
DIESEL_TRACTOR_L_PER_KM = (0.24, 0.38)
#: Battery-electric 49 t tractor, kWh/km battery side, empty and full (notes §3.1 [D/E]).
BEV_TRACTOR_KWH_PER_KM = (1.0, 1.7)
#: Diesel litres that do the work of one unit of another carrier, for building diesel equivalents
#: of non-diesel vehicle types. Electricity: the ratio of the two tractor models above (0.24 L per
#: kWh empty, 0.224 full), which maps the default battery tractor onto the default diesel tractor
#: exactly and scales a van by its own kWh/km [D]. Methanol: energy parity 15.8 / 35.9 MJ/L [R].
#: LNG: about 30-35 kg/100 km against 33 L/100 km diesel, so 1 L/kg [E]. Hydrogen: 8-12 kg/100 km
#: against 33 L/100 km, so 3.3 L/kg [E].
DIESEL_L_PER_UNIT: dict[str, tuple[float, float]] = {
    "bev": (
        DIESEL_TRACTOR_L_PER_KM[0] / BEV_TRACTOR_KWH_PER_KM[0],
        DIESEL_TRACTOR_L_PER_KM[1] / BEV_TRACTOR_KWH_PER_KM[1],
    ),
    "swap": (
        DIESEL_TRACTOR_L_PER_KM[0] / BEV_TRACTOR_KWH_PER_KM[0],
        DIESEL_TRACTOR_L_PER_KM[1] / BEV_TRACTOR_KWH_PER_KM[1],
    ),
    "methanol": (15.8 / 35.9, 15.8 / 35.9),
    "lng": (1.0, 1.0),
    "hydrogen": (3.3, 3.3),
    "diesel": (1.0, 1.0),
}
#: Diesel price when the instance has no diesel type to copy one from: about 7.5 CNY/L (notes §5) [R].
DEFAULT_DIESEL_PRICE_PER_L = 7.5


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


def grid_factor(region: str) -> float:
    """WTW kg CO2e per grid kWh of a named region of :data:`GRID_FACTORS`.

    Raises :class:`~optimizer.errors.InputError` naming the region and the known ones otherwise.
    """
    try:
        return GRID_FACTORS[region].wtw_kg_per_kwh
    except KeyError:
        raise InputError(
            Issue("grid region", f"must be one of {', '.join(GRID_FACTORS)}", region)
        ) from None


def _grid_source(value: float | None) -> tuple[float, str, str]:
    if value is None:
        g = GRID_FACTORS["national"]
        return g.wtw_kg_per_kwh, f"default: {g.source}", g.status
    named = [g for g in GRID_FACTORS.values() if abs(g.wtw_kg_per_kwh - value) < 5e-4]
    hint = f" (matches {named[0].region}: {named[0].source})" if named else ""
    return value, f"instance{hint}", "instance"


def factors_in_force(instance: Instance) -> list[dict[str, Any]]:
    """Every emission factor one instance uses, where, and whence it comes.

    Why: ISO 14083 asks a report to state its factors and their sources; with overrides per
    vehicle type, station and depot, "the default table" is not the answer for a given instance.
    Returns one JSON-ready row per vehicle type, station and depot.
    """
    rows: list[dict[str, Any]] = []
    for t in instance.vehicle_types:
        if t.is_electric:
            continue  # electricity is counted at the place where it is charged, below
        f = DEFAULT_FACTORS[t.carrier]
        ttw, wtw = fuel_factor(t.carrier, t.wtw_co2e_kg_per_unit, t.ttw_co2e_kg_per_unit)
        overridden = t.wtw_co2e_kg_per_unit is not None or t.ttw_co2e_kg_per_unit is not None
        rows.append(
            {
                "applies_to": f"vehicle type {t.id}",
                "carrier": t.carrier,
                "unit": f"kg CO2e/{f.unit}",
                "ttw": ttw,
                "wtw": wtw,
                "source": "instance" if overridden else f"default: {f.source} ({f.year})",
                "status": "instance" if overridden else f.status,
            }
        )
    places: list[tuple[str, float | None, float]] = [
        (f"station {s.id}", s.grid_co2e_kg_per_kwh, s.green_share) for s in instance.stations
    ]
    places += [(f"depot {d.id}", d.grid_co2e_kg_per_kwh, 0.0) for d in instance.depots]
    if any(t.is_electric for t in instance.vehicle_types):
        for where, value, green in places:
            base, source, status = _grid_source(value)
            rows.append(
                {
                    "applies_to": where,
                    "carrier": "electricity",
                    "unit": "kg CO2e/kWh (grid side)",
                    "ttw": 0.0,
                    "wtw": electricity_wtw_kg_per_kwh(value, green),
                    "source": source
                    + (
                        f"; green share {green:g} at {RENEWABLE_WTW_KG_PER_KWH} "
                        f"(wind 2023) on base {base:g}"
                        if green
                        else ""
                    ),
                    "status": status,
                }
            )
    return rows
