"""Studies that run the solver to answer a carbon question: above the solver and the accounting.

- :mod:`.baseline`: the secondary baseline, the same jobs re-solved for an all-diesel fleet and
  accounted (``solve_diesel_baseline``; the report's ``prepare`` calls it).
- :mod:`.pareto`: plans along the cost-versus-carbon frontier (``sweep``; ``optimizer pareto``).

Why a package of their own: carbon accounting (:mod:`optimizer.carbon`) is read by the model, the
validator and the solver, so it must not import the solver; what solves lives here, and the
import-linter contracts in ``pyproject.toml`` keep the layers apart. Each module imports the
solver inside the function that solves, so importing the report loads no OR-Tools. Import the
modules by name.
"""
