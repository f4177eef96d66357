"""Carbon accounting (ISO 14083 / GLEC).

- :mod:`.factors`: the default emission factors with source, year and status, and the factors in
  force for an instance (defaults or the instance's overrides).
- :mod:`.accounting`: ``account(instance, solution)``, emissions per trip, shipment, carrier and
  scope, from the validator's recomputation of the plan.
- :mod:`.baseline`: the same jobs served by an all-diesel fleet, solved (imports the solver).
- :mod:`.pareto`: plans along the cost-versus-carbon frontier (imports the solver).

Why only the factors are imported here: the validator imports this package for its factors, and
the validator must not (even indirectly) import the solver, which the baseline and the frontier
need; the accounting itself imports the validator. Import those modules by name.
"""

from .factors import (
    DEFAULT_FACTORS,
    GRID_FACTORS,
    GWP_SET,
    EmissionFactor,
    GridFactor,
    electricity_wtw_kg_per_kwh,
    factors_in_force,
    fuel_factor,
    grid_factor,
)

__all__ = [
    "DEFAULT_FACTORS",
    "GRID_FACTORS",
    "GWP_SET",
    "EmissionFactor",
    "GridFactor",
    "electricity_wtw_kg_per_kwh",
    "factors_in_force",
    "fuel_factor",
    "grid_factor",
]
