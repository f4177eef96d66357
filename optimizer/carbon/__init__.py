"""Carbon accounting (ISO 14083 / GLEC).

- :mod:`.factors`: the default emission factors with source, year and status, and the factors in
  force for an instance (defaults or the instance's overrides).
- :mod:`.accounting`: ``account(instance, solution)``, emissions per trip, shipment, shipper,
  carrier and scope, both scope 2 methods, reductions against the primary baseline, from the
  validator's recomputation of the plan.
- :mod:`.diesel`: diesel equivalents of a fleet and the primary baseline (the plan's own routes on
  diesel).
- :mod:`.ileap`: shipment footprints in the iLEAP data model, for partners.

This package is accounting only: it runs no solver (an import-linter contract in
``pyproject.toml`` keeps it so). The studies that solve, the secondary baseline (the same jobs
re-solved for an all-diesel fleet) and the cost-versus-carbon frontier, live above the solver in
:mod:`optimizer.studies`.

Why only the factors are imported here: the model and the validator import this package for its
factors, and the accounting itself imports the validator. Import the other modules by name.
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
