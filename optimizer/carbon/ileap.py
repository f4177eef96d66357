"""Shipment footprints for partners, after the iLEAP data model of the Smart Freight Centre.

Why iLEAP: it is the exchange format the Smart Freight Centre and SINE maintain for ISO 14083
figures between shippers, carriers and subcontractors (``github.com/sine-fdn/ileap-extension``,
schemas ``gen/schemas/shipment-footprint.json`` and ``toc.json``): a *ShipmentFootprint* is a
shipment with its transport chain elements (TCEs), each pointing at the transport operation
category (TOC) whose intensity it was computed with. A partner who receives it can add the legs to
its own chain without re-deriving our figures.

What we map (see :func:`ileap_export`): one ShipmentFootprint per job or shipment served; it has
one TCE here (our plans are one road leg from loading to unloading); one TOC per vehicle trip
(GLEC's narrowest TOC, exactly how the account allocates). Numbers are decimal strings, as iLEAP
requires (pattern ``-?digits(.digits)``, never an exponent). Units: mass in kg, distance in km
(typed ``sfd``: the shortest feasible distance), transport activity in t·km, CO2e in kg; TOC
intensities in kg CO2e per t·km; an energy carrier's emission factors in kg CO2e per unit of
``energyConsumptionUnit`` (for electricity the trip's location-based grid factor, feedstock
``Grid``: iLEAP leaves market-based electricity out of its scope).

Not mapped: times (our clock has no date), origin and destination addresses (we hold location
ids and coordinates, iLEAP wants a city and a country), hubs (not in the account).
"""

from __future__ import annotations

import math
from typing import Any

from .accounting import CarbonAccount, TripEmissions
from .factors import DEFAULT_FACTORS, fuel_factor

#: iLEAP energy-carrier names and consumption units of our carriers.
_CARRIER = {
    "diesel": ("Diesel", "l"),
    "lng": ("LNG", "kg"),
    "methanol": ("Methanol", "l"),
    "hydrogen": ("Hydrogen", "kg"),
    "bev": ("Electric", "kWh"),
    "swap": ("Electric", "kWh"),
}


def decimal(x: float, digits: int = 6) -> str:
    """``x`` as an iLEAP Decimal string: fixed point, at most ``digits`` decimals, no trailing
    zeros, no exponent, no negative zero. Raises ``ValueError`` on NaN or infinity."""
    if not math.isfinite(x):
        raise ValueError(f"not a finite number: {x!r}")
    text = f"{x:.{digits}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _toc_id(account: CarbonAccount, trip: TripEmissions) -> str:
    return f"{account.instance}:route-{trip.route}:{trip.label}"


def _toc(account: CarbonAccount, trip: TripEmissions, instance_types: dict[str, Any]) -> dict:
    name, unit = _CARRIER[trip.carrier]
    if trip.fuel_unit == "kWh":
        energy = trip.grid_kwh
        wtw_factor = trip.wtw_kg / energy if energy > 0 else 0.0
        ttw_factor = 0.0
        feedstocks: list[dict[str, Any]] | None = [{"feedstock": "Grid"}]
    else:
        energy = trip.energy
        t = instance_types.get(trip.vehicle_type)
        ttw_factor, wtw_factor = (
            fuel_factor(trip.carrier, t.wtw_co2e_kg_per_unit, t.ttw_co2e_kg_per_unit)
            if t is not None
            else (DEFAULT_FACTORS[trip.carrier].ttw_kg, DEFAULT_FACTORS[trip.carrier].wtw_kg)
        )
        feedstocks = [{"feedstock": "Fossil"}] if trip.carrier == "diesel" else None
    carrier: dict[str, Any] = {
        "energyCarrier": name,
        "emissionFactorWTW": decimal(wtw_factor),
        "emissionFactorTTW": decimal(ttw_factor),
        "energyConsumption": decimal(energy),
        "energyConsumptionUnit": unit,
    }
    if feedstocks is not None:
        carrier["feedstocks"] = feedstocks
    tkm = trip.tkm
    return {
        "tocId": _toc_id(account, trip),
        "description": f"one vehicle trip: {trip.label} ({trip.vehicle_type}), "
        f"{decimal(trip.distance_km, 1)} km; intensities in kg CO2e per t·km",
        "mode": "Road",
        "isVerified": False,
        "isAccredited": False,
        "energyCarriers": [carrier],
        "co2eIntensityWTW": decimal(trip.wtw_kg / tkm if tkm > 0 else 0.0),
        "co2eIntensityTTW": decimal(trip.ttw_kg / tkm if tkm > 0 else 0.0),
        "co2eIntensityThroughput": "tkm",
        "loadFactor": decimal(trip.load_factor),
        "emptyDistanceFactor": decimal(
            trip.empty_km / trip.distance_km if trip.distance_km > 0 else 0.0
        ),
    }


def ileap_export(account: CarbonAccount, instance_types: dict[str, Any] | None = None) -> dict:
    """The plan's shipment footprints and TOCs in the iLEAP data model (see the module docstring).

    ``instance_types`` (``Instance.type_by_id``) lets a fuel TOC state the type's own factors; the
    default factors are stated otherwise. The TCEs' ``co2eWTW`` are the account's shipment figures,
    so they add up to the plan's WTW total (to the 6 decimals printed).
    """
    types = instance_types or {}
    footprints = []
    for trip in account.trips:
        toc = _toc_id(account, trip)
        for s in trip.shipments:
            tce = {
                "tceId": f"{s.id}:tce-1",
                "prevTceIds": [],
                "tocId": toc,
                "shipmentId": s.id,
                "mass": decimal(s.mass_kg),
                "distance": {"sfd": decimal(s.sfd_km)},
                "transportActivity": decimal(s.tkm),
                "co2eWTW": decimal(s.wtw_kg),
                "co2eTTW": decimal(s.ttw_kg),
            }
            footprints.append({"shipmentId": s.id, "mass": decimal(s.mass_kg), "tces": [tce]})
    return {
        "format": "ileap-shipment-footprints",
        "note": "iLEAP data model (Smart Freight Centre / SINE, github.com/sine-fdn/ileap-extension): "
        "mass kg, distance km (sfd), transportActivity t·km, co2e kg, TOC intensities kg CO2e/t·km",
        "shipmentFootprints": footprints,
        "tocs": [_toc(account, trip, types) for trip in account.trips],
    }
