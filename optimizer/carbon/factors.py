"""Default emission factors with their sources, per unit of energy carrier.

Why a table with provenance rather than constants: a carbon figure is only as credible as the factor
behind it, and ISO 14083 reports must state factor sources and GWP set. Every default can be
overridden from the instance (``VehicleType.wtw_co2e_kg_per_unit`` / ``ttw_co2e_kg_per_unit`` /
``biogenic_co2_kg_per_unit`` / ``baseline_diesel_l_per_km_empty`` and ``_full``; per station and
depot ``grid_region`` or ``grid_co2e_kg_per_kwh``, ``green_share`` with ``green_instrument``);
:func:`factors_in_force` lists, for one instance, which figure is used where and whence it came,
so a report can print it. Figures and status tags come from ``shared/carbon/method-and-factors.md``
(sections 1.7, 2.1, 2.2, 3.1 and 3.3): ``V`` seen in a public source, ``D`` derived by arithmetic from such
figures, ``R`` widely repeated but not checked against the primary document, ``E`` an engineering
estimate, a default the user should override when they know better.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..errors import InputError, Issue

if TYPE_CHECKING:
    from ..model import Depot, Instance, Station, VehicleType

#: The global-warming-potential set of the electricity and LNG defaults (GLEC v3 uses IPCC AR6
#: GWP100). Every factor carries its own set (:attr:`EmissionFactor.gwp_set`): the diesel figures
#: of EN 16258:2012 predate AR6 and are labelled with the set that standard used.
GWP_SET = "IPCC AR6 GWP100"
#: IPCC AR6 GWP100 of fossil methane (notes §1.1 [R]): prices the LNG methane slip.
GWP_AR6_CH4_FOSSIL = 29.8
#: The one vintage of every default grid figure: 2023 is the latest year for which MEE/NBS
#: publish the national life-cycle factor, the national and regional generation averages and
#: the residual-mix-like factor together (notes §2.2). Mixing years (the 2024 national footprint
#: with 2023 regions) would make two chargers in one city differ by the year alone.
GRID_YEAR = 2023


@dataclass(frozen=True, slots=True)
class EmissionFactor:
    """kg CO2e per ``unit`` of carrier, tank-to-wheel and well-to-wheel, with where it comes from.

    ``biogenic_co2_kg`` is CO2 of biogenic origin released per unit, reported apart and not in
    the CO2e figures (GLEC / ISO 14083 report it separately); zero for the fossil defaults.
    """

    carrier: str
    unit: str
    ttw_kg: float
    wtw_kg: float
    source: str
    year: int
    gwp_set: str = GWP_SET
    #: Confidence tag of the research notes: V, D, R or E (see the module docstring).
    status: str = "E"
    biogenic_co2_kg: float = 0.0

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
            "biogenic_co2_kg_per_unit": self.biogenic_co2_kg,
            "source": self.source,
            "year": self.year,
            "gwp_set": self.gwp_set,
            "status": self.status,
        }


@dataclass(frozen=True, slots=True)
class GridFactor:
    """Grid electricity of one region, per kWh drawn from the grid (TTW is zero).

    ``generation_kg_per_kwh``: CO2 of generation (MEE/NBS average CO2 factor), what the GHG
    Protocol's location-based scope 2 counts. ``wtw_kg_per_kwh``: life-cycle CO2e including fuel
    upstream and transmission losses, what ISO 14083 / GLEC count as the electricity's WTW; the
    difference is the upstream part (scope 3 category 3).
    """

    region: str
    wtw_kg_per_kwh: float
    generation_kg_per_kwh: float
    source: str
    year: int
    status: str

    @property
    def upstream_kg_per_kwh(self) -> float:
        return self.wtw_kg_per_kwh - self.generation_kg_per_kwh

    def to_dict(self) -> dict[str, Any]:
        return {
            "region": self.region,
            "wtw_kg_per_kwh": self.wtw_kg_per_kwh,
            "generation_kg_per_kwh": self.generation_kg_per_kwh,
            "source": self.source,
            "year": self.year,
            "status": self.status,
        }


#: China's national electricity carbon-footprint factor for 2023 (life-cycle CO2e including
#: transmission and distribution), MEE/NBS/NEA notice 2025 No. 3 (2025-01-17) [V]: the WTW factor
#: of every charging place that names neither a region nor a factor.
GRID_WTW_KG_PER_KWH = 0.6205
#: National average CO2 factor of generation, 2023, MEE/NBS [V].
GRID_GENERATION_KG_PER_KWH = 0.5306
#: National life-cycle footprint over national generation average, both 2023 (0.6205 / 0.5306):
#: turns a generation (CO2) factor into a life-cycle WTW one and back. Our construction (notes
#: §2.2) [D]; used for the regions and for a place whose WTW factor the instance gives.
FOOTPRINT_OVER_GENERATION = GRID_WTW_KG_PER_KWH / GRID_GENERATION_KG_PER_KWH
#: Life-cycle factor of the green share a station buys with an instrument (wind, 2023, MEE) [V].
RENEWABLE_WTW_KG_PER_KWH = 0.0336
#: Generation factor of instrument-backed renewable power in the market-based method: zero, as
#: the GHG Protocol scope 2 guidance (2015) counts wind and solar certificates.
RENEWABLE_GENERATION_KG_PER_KWH = 0.0
#: Residual mix for the market-based method: the national average CO2 factor excluding
#: market-traded non-fossil power, 2023, MEE/NBS [V] (China publishes no regional residual mix).
RESIDUAL_GENERATION_KG_PER_KWH = 0.6096
#: Its life-cycle counterpart by the same 2023 ratio [D].
RESIDUAL_WTW_KG_PER_KWH = RESIDUAL_GENERATION_KG_PER_KWH * FOOTPRINT_OVER_GENERATION
#: Instruments that let a green share count in the market-based figure (GHG Protocol scope 2
#: quality criteria): China's green electricity certificates (绿证, GEC), green power trading
#: (绿电交易), a power purchase agreement, or on-site generation the charger draws directly.
GREEN_INSTRUMENTS = ("green-certificate", "green-power-trading", "ppa", "onsite")
#: Charging efficiency where the native input gives none: grid kWh = battery kWh / 0.92 (notes
#: §1.7: DC 0.90-0.95) [E].
DEFAULT_CHARGING_EFFICIENCY = 0.92

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
    "MEE/NBS 2023 regional grid CO2 average {co2:.4f} kg/kWh (generation); WTW = that x national "
    "footprint/CO2 ratio 0.6205/0.5306 (our construction, notes §2.2)"
)

#: Grid electricity by region, all of :data:`GRID_YEAR`. ``national`` is the default of every
#: charging place that names no region and no factor; a station or depot names its region with
#: ``grid_region`` (the native format also takes one ``grid_region`` for the whole instance).
GRID_FACTORS: dict[str, GridFactor] = {
    "national": GridFactor(
        "national",
        GRID_WTW_KG_PER_KWH,
        GRID_GENERATION_KG_PER_KWH,
        "China national electricity carbon-footprint factor 2023 (MEE/NBS/NEA 2025 No. 3); "
        "generation: national average CO2 factor 2023 (MEE/NBS)",
        GRID_YEAR,
        "V",
    ),
    **{
        region: GridFactor(
            region,
            round(co2 * FOOTPRINT_OVER_GENERATION, 4),
            co2,
            _REGIONAL_SOURCE.format(co2=co2),
            GRID_YEAR,
            "D",
        )
        for region, co2 in _REGIONAL_CO2_2023.items()
    },
}

#: LNG: CO2 of combustion 2.75 kg/kg (IPCC 56.1 t CO2/TJ [R]) plus a methane slip of 1.5 % of
#: the fuel mass (middle of 0.5-3 % [E]) at GWP 29.8: the slip leaves the exhaust, so it is
#: tank-to-wheel; WTT about 0.6 kg/kg [E]; WTW 3.8 as the notes propose.
LNG_CO2_KG_PER_KG = 2.75
LNG_METHANE_SLIP_KG_PER_KG = 0.015
_LNG_TTW = LNG_CO2_KG_PER_KG + LNG_METHANE_SLIP_KG_PER_KG * GWP_AR6_CH4_FOSSIL

DEFAULT_FACTORS: dict[str, EmissionFactor] = {
    "diesel": EmissionFactor(
        "diesel",
        "L",
        2.67,
        3.24,
        "EN 16258:2012 Annex A (fossil diesel), as cited by GLEC; DEFRA 2025 and DKV agree within 1-2 %",
        2012,
        gwp_set="IPCC AR4 GWP100 (as in EN 16258:2012)",
        status="R",
    ),
    "lng": EmissionFactor(
        "lng",
        "kg",
        _LNG_TTW,
        3.8,
        f"engine default: TTW = CO2 {LNG_CO2_KG_PER_KG} + methane slip "
        f"{LNG_METHANE_SLIP_KG_PER_KG:.1%} x GWP {GWP_AR6_CH4_FOSSIL} kg/kg; WTW 3.8 kg/kg "
        "(notes §2.1); flagged [E]",
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
        "China national electricity carbon-footprint factor 2023 (MEE/NBS/NEA 2025 No. 3)",
        GRID_YEAR,
        gwp_set="as published by MEE (life-cycle CO2e)",
        status="V",
    ),
    "swap": EmissionFactor(
        "swap",
        "kWh",
        0.0,
        GRID_WTW_KG_PER_KWH,
        "China national electricity carbon-footprint factor 2023 (MEE/NBS/NEA 2025 No. 3)",
        GRID_YEAR,
        gwp_set="as published by MEE (life-cycle CO2e)",
        status="V",
    ),
}


# ----- diesel equivalents of the fleet (the baselines) ------------------------------------------
@dataclass(frozen=True, slots=True)
class DieselClass:
    """Diesel consumption of one vehicle class, by payload capacity: the diesel equivalent of any
    vehicle type whose ``capacity_kg`` is at most ``max_payload_kg`` (and above the class before).

    Why by payload and not by the type's own energy use: converting kWh into litres by one ratio
    made a 1.5 t electric van burn 4.8-6.7 L/100 km (a 3.5 t diesel van burns about 9-12) and a
    battery light truck less than the diesel light truck beside it; a class figure is stated and
    sourced once, and the instance may override it per type
    (``VehicleType.baseline_diesel_l_per_km_empty`` / ``_full``).
    """

    name: str
    max_payload_kg: float
    l_per_km_empty: float
    l_per_km_full: float
    source: str
    year: int
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "class": self.name,
            "max_payload_kg": self.max_payload_kg if math.isfinite(self.max_payload_kg) else None,
            "l_per_km_empty": self.l_per_km_empty,
            "l_per_km_full": self.l_per_km_full,
            "source": self.source,
            "year": self.year,
            "status": self.status,
        }


#: Load slope of a medium diesel truck from the Pollution-Routing Problem model of Demir, Bektaş
#: and Laporte (2012, EJOR 223(2)), its published parameters, flat road at 72 km/h: 0.84 L/100 km
#: per tonne; 16.1 L/100 km at its 6.35 t curb weight (notes §3.3) [D].
_PRP_EMPTY_L_PER_KM = 0.161
_PRP_SLOPE_L_PER_KM_PER_T = 0.0084
_PRP_SOURCE = "Demir, Bektas & Laporte (2012) EJOR 223(2) pollution-routing model, 72 km/h flat"

DIESEL_CLASSES: tuple[DieselClass, ...] = (
    DieselClass(
        "van (<= 3.5 t gross)",
        1_800.0,
        0.09,
        0.12,
        "engineering estimate for a 3.5 t diesel panel van in city delivery, 9-12 L/100 km "
        "empty to full; no public source in shared/carbon: override per type",
        2026,
        "E",
    ),
    DieselClass(
        "light truck (<= 10 t gross)",
        5_000.0,
        _PRP_EMPTY_L_PER_KM,
        round(_PRP_EMPTY_L_PER_KM + 3.65 * _PRP_SLOPE_L_PER_KM_PER_T, 4),
        f"{_PRP_SOURCE}: 10 t gross truck, 16.1 L/100 km empty, 19.1 full (3.65 t payload)",
        2012,
        "D",
    ),
    DieselClass(
        "rigid truck (<= 18 t gross)",
        12_000.0,
        round(_PRP_EMPTY_L_PER_KM + (8.0 - 6.35) * _PRP_SLOPE_L_PER_KM_PER_T, 4),
        round(_PRP_EMPTY_L_PER_KM + (18.0 - 6.35) * _PRP_SLOPE_L_PER_KM_PER_T, 4),
        f"{_PRP_SOURCE} extended to an 18 t rigid (8 t curb, 10 t payload assumed [E]) at its "
        "load slope 0.84 L/100 km per t",
        2012,
        "D",
    ),
    DieselClass(
        "tractor-trailer (49 t gross)",
        math.inf,
        0.24,
        0.38,
        "notes §3.1: typical 33 L/100 km (CATL/Qiji comparison [V]); ICCT EU long-haul 29.9-32.6 "
        "[V]; empty/full split 24/38 [E]",
        2025,
        "E",
    ),
)


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


def fuel_factor_issue(
    carrier: str, wtw_override: float | None, ttw_override: float | None
) -> Issue | None:
    """The problem with a type's factors in force, if any: well-to-wheel below tank-to-wheel.

    Why checked: WTW = TTW + WTT and WTT (producing and delivering the fuel) cannot be negative; a
    WTW below TTW gave a negative WTT and a negative scope 3. Names the field the instance set
    (the WTW one when both or neither were set), since that is where the user must look.
    """
    if carrier not in DEFAULT_FACTORS:
        return None
    ttw, wtw = fuel_factor(carrier, wtw_override, ttw_override)
    if not (math.isfinite(ttw) and math.isfinite(wtw)) or wtw >= ttw:
        return None
    if wtw_override is None:
        return Issue(
            "ttw_co2e_kg_per_unit",
            f"must be <= the well-to-wheel factor in force ({wtw:g}, default for {carrier})",
            ttw,
        )
    return Issue(
        "wtw_co2e_kg_per_unit",
        f"must be >= the tank-to-wheel factor in force ({ttw:g}): well-to-tank cannot be negative",
        wtw,
    )


def electricity_wtw_kg_per_kwh(grid_factor: float | None) -> float:
    """Location-based WTW kg CO2e per kWh drawn from the grid where it is charged: the place's
    factor (its region's, or the instance's), else the national one.

    A green share does not lower it: the location-based method counts the grid the charger draws
    from; green instruments count in the market-based figure only (:func:`place_electricity`)."""
    return GRID_WTW_KG_PER_KWH if grid_factor is None else grid_factor


def grid_region(region: str) -> GridFactor:
    """The grid figures of a named region of :data:`GRID_FACTORS`.

    Raises :class:`~optimizer.errors.InputError` naming the region and the known ones otherwise.
    """
    try:
        return GRID_FACTORS[region]
    except KeyError:
        raise InputError(
            Issue("grid_region", f"must be one of {', '.join(GRID_FACTORS)}", region)
        ) from None


def grid_factor(region: str) -> float:
    """WTW kg CO2e per grid kWh of a named region (see :func:`grid_region`)."""
    return grid_region(region).wtw_kg_per_kwh


@dataclass(frozen=True, slots=True)
class PlaceElectricity:
    """The electricity figures of one charging place (station or depot), per grid kWh.

    Location-based (GHG Protocol scope 2 guidance, 2015): the grid average of the place's region,
    whatever the place buys: ``wtw_kg_per_kwh`` (life cycle; what the plan's WTW counts) and
    ``generation_kg_per_kwh`` (scope 2; the rest, ``upstream``, is scope 3 category 3).
    Market-based: the ``green_share`` backed by a stated ``instrument`` at the renewable factors,
    the rest at the residual mix; a green share without an instrument counts as residual mix
    (``counted_green_share`` 0), which is what the guidance asks of unbacked claims.
    """

    place: str
    wtw_kg_per_kwh: float
    generation_kg_per_kwh: float
    counted_green_share: float
    instrument: str | None
    source: str
    year: int | None
    status: str

    @property
    def upstream_kg_per_kwh(self) -> float:
        return self.wtw_kg_per_kwh - self.generation_kg_per_kwh

    @property
    def market_generation_kg_per_kwh(self) -> float:
        g = self.counted_green_share
        return g * RENEWABLE_GENERATION_KG_PER_KWH + (1.0 - g) * RESIDUAL_GENERATION_KG_PER_KWH

    @property
    def market_wtw_kg_per_kwh(self) -> float:
        g = self.counted_green_share
        return g * RENEWABLE_WTW_KG_PER_KWH + (1.0 - g) * RESIDUAL_WTW_KG_PER_KWH


def place_electricity(place: Station | Depot, label: str) -> PlaceElectricity:
    """Resolve one station's or depot's electricity figures (see :class:`PlaceElectricity`).

    The model has already turned a ``grid_region`` into ``grid_co2e_kg_per_kwh``; a factor equal to
    its region's is the region's default, any other the instance's own (whose generation part is
    taken by the 2023 national ratio, :data:`FOOTPRINT_OVER_GENERATION`, and so labelled).
    """
    value = place.grid_co2e_kg_per_kwh
    region = GRID_FACTORS.get(place.grid_region or "national")
    green = place.green_share if place.green_instrument else 0.0
    if region is not None and (value is None or abs(value - region.wtw_kg_per_kwh) < 1e-12):
        who = "default" if place.grid_region is None else f"grid region {region.region}"
        return PlaceElectricity(
            label,
            region.wtw_kg_per_kwh,
            region.generation_kg_per_kwh,
            green,
            place.green_instrument,
            f"{who}: {region.source}",
            region.year,
            region.status,
        )
    assert value is not None
    return PlaceElectricity(
        label,
        value,
        value / FOOTPRINT_OVER_GENERATION,
        green,
        place.green_instrument,
        "instance (generation part by the 2023 national ratio 0.5306/0.6205)",
        None,
        "instance",
    )


def diesel_class(capacity_kg: float) -> DieselClass:
    """The vehicle class of :data:`DIESEL_CLASSES` a payload capacity falls in."""
    return next(c for c in DIESEL_CLASSES if capacity_kg <= c.max_payload_kg)


def factors_in_force(instance: Instance) -> list[dict[str, Any]]:
    """Every emission factor one instance uses, where, and whence it comes (source and year).

    Why: ISO 14083 asks a report to state its factors and their sources; with overrides per
    vehicle type, station and depot, "the default table" is not the answer for a given instance.
    Returns one JSON-ready row per vehicle type (fuels), per charging place (electricity, both
    methods) and per vehicle type's diesel equivalent (the baselines).
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
                "biogenic_co2": t.biogenic_co2_kg_per_unit
                if t.biogenic_co2_kg_per_unit is not None
                else f.biogenic_co2_kg,
                "gwp_set": "instance" if overridden else f.gwp_set,
                "source": "instance" if overridden else f"default: {f.source}",
                "year": None if overridden else f.year,
                "status": "instance" if overridden else f.status,
            }
        )
    if instance.has_electric:
        places: list[tuple[str, Station | Depot]] = [
            (f"station {s.id}", s) for s in instance.stations
        ]
        places += [(f"depot {d.id}", d) for d in instance.depots]
        for where, place in places:
            e = place_electricity(place, where)
            note = ""
            if place.green_share and not place.green_instrument:
                note = (
                    f"; green share {place.green_share:g} states no instrument: counted at the "
                    "residual mix"
                )
            elif e.counted_green_share:
                note = f"; green share {e.counted_green_share:g} by {e.instrument}"
            rows.append(
                {
                    "applies_to": where,
                    "carrier": "electricity",
                    "unit": "kg CO2e/kWh (grid side)",
                    "ttw": 0.0,
                    "wtw": e.wtw_kg_per_kwh,
                    "generation": e.generation_kg_per_kwh,
                    "market_based_generation": e.market_generation_kg_per_kwh,
                    "market_based_wtw": e.market_wtw_kg_per_kwh,
                    "gwp_set": "as published by MEE (generation: CO2 only)",
                    "source": e.source + note,
                    "year": e.year,
                    "status": e.status,
                }
            )
        rows.append(
            {
                "applies_to": "market-based electricity",
                "carrier": "electricity",
                "unit": "kg CO2e/kWh (grid side)",
                "residual_generation": RESIDUAL_GENERATION_KG_PER_KWH,
                "residual_wtw": RESIDUAL_WTW_KG_PER_KWH,
                "renewable_generation": RENEWABLE_GENERATION_KG_PER_KWH,
                "renewable_wtw": RENEWABLE_WTW_KG_PER_KWH,
                "gwp_set": "as published by MEE (generation: CO2 only)",
                "source": "residual: MEE/NBS national average CO2 factor excluding market-traded "
                "non-fossil power 2023 [V] (WTW by the 2023 ratio [D]); renewable: zero at "
                "generation (GHG Protocol scope 2 guidance 2015), wind life cycle 2023 (MEE) [V]",
                "year": GRID_YEAR,
                "status": "V",
            }
        )
    for t in instance.vehicle_types:
        empty, full, source, year, status = diesel_rates(t, instance.vehicle_types)
        rows.append(
            {
                "applies_to": f"diesel equivalent of vehicle type {t.id} (baselines)",
                "carrier": "diesel",
                "unit": "L/km empty, full",
                "l_per_km_empty": empty,
                "l_per_km_full": full,
                "source": source,
                "year": year,
                "status": status,
            }
        )
    return rows


def diesel_rates(
    t: VehicleType, fleet: Sequence[VehicleType] = ()
) -> tuple[float, float, str, int | None, str]:
    """Diesel litres per km (empty, full) of the diesel equivalent of a vehicle type, with source,
    year and status, first rule that applies:

    1. a diesel type is its own equivalent;
    2. the type's override (``baseline_diesel_l_per_km_empty`` / ``_full``);
    3. a diesel type of ``fleet`` (the instance's types) in the same payload class, the closest in
       payload: the fleet's own diesel truck is the figure an auditor checks first, and a battery
       light truck must not be compared with a diesel that burns more than the one beside it;
    4. the class default of :data:`DIESEL_CLASSES`.
    """
    if t.carrier == "diesel":
        return t.consumption_per_km_empty, t.full_rate_per_km, "the type itself", None, "instance"
    if t.baseline_diesel_l_per_km_empty is not None:
        full = (
            t.baseline_diesel_l_per_km_full
            if t.baseline_diesel_l_per_km_full is not None
            else t.baseline_diesel_l_per_km_empty
        )
        return t.baseline_diesel_l_per_km_empty, full, "instance", None, "instance"
    c = diesel_class(t.capacity_kg)
    peers = [u for u in fleet if u.carrier == "diesel" and diesel_class(u.capacity_kg) == c]
    if peers:
        u = min(peers, key=lambda u: (abs(u.capacity_kg - t.capacity_kg), u.id))
        return (
            u.consumption_per_km_empty,
            u.full_rate_per_km,
            f"the instance's diesel type {u.id} (same class: {c.name})",
            None,
            "instance",
        )
    return (
        c.l_per_km_empty,
        c.l_per_km_full,
        f"default class {c.name}: {c.source}",
        c.year,
        c.status,
    )
