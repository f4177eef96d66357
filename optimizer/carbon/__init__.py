"""Carbon accounting (ISO 14083 / GLEC). Default emission factors live in :mod:`.factors`."""

from .factors import DEFAULT_FACTORS, EmissionFactor, electricity_wtw_kg_per_kwh, fuel_factor

__all__ = ["DEFAULT_FACTORS", "EmissionFactor", "electricity_wtw_kg_per_kwh", "fuel_factor"]
