"""The one place where real quantities become OR-Tools integers.

OR-Tools routing works on int64. Every conversion goes through these functions so that the
rounding direction is a decision, not an accident: anything that *consumes* a resource (travel
time, service time, energy, load) is rounded **up**, anything that *bounds* it (a window's end, a
capacity, a battery) is rounded **down**. An integer plan that OR-Tools finds feasible is then
feasible in real numbers too, and the validator (which works in floats) agrees. Costs are rounded to
nearest: they only rank plans.
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import InputError, Issue

#: Integer units per real unit.
DISTANCE_PER_KM = 1000  # metres
TIME_PER_MIN = 100  # 0.6 s resolution
ENERGY_PER_KWH = 1000  # Wh
LOAD_PER_KG = 10  # 100 g
VOLUME_PER_M3 = 1000  # litres
COST_PER_UNIT = 1000  # thousandths of the currency unit

#: A bound for "no limit" that stays far from int64 overflow when OR-Tools adds a few of them.
INFINITE = 10**15


def _fits(scaled: float, value: float) -> float:
    """``scaled`` when it is finite and within :data:`INFINITE`, else an :class:`InputError`.

    Why here: every real number reaches OR-Tools through this module. A cost of 1e300 is finite
    and passes the model's checks, but its scaled integer overflows int64 (an OverflowError deep
    in OR-Tools, or a silent wrap-around in numpy): the input is refused instead, with the limit.
    """
    if not (math.isfinite(scaled) and abs(scaled) <= INFINITE):
        raise InputError(
            Issue(
                "instance",
                "holds a figure too large for the solver (a cost, time, distance, load or energy "
                f"whose integer form exceeds {INFINITE:.0e}, optimizer.solver.scaling.INFINITE)",
                value,
            )
        )
    return scaled


def up(value: float, per_unit: int) -> int:
    """Scale a consumed amount, rounding up (with a guard so 1.0000000001 ulp noise does not add 1)."""
    return math.ceil(_fits(value * per_unit, value) - 1e-7)


def away(value: float, per_unit: int) -> int:
    """Scale a signed amount, rounding away from zero (a pickup's load up, a delivery's down by
    as much), so that what is loaded and unloaded cancels exactly."""
    return up(value, per_unit) if value >= 0 else -up(-value, per_unit)


def down(value: float, per_unit: int) -> int:
    """Scale a bound, rounding down. A bound beyond :data:`INFINITE` is no bound: it is cut to it
    (exact: nothing the solver adds up comes near it)."""
    scaled = value * per_unit
    if math.isfinite(scaled) and abs(scaled) > INFINITE:
        return INFINITE if scaled > 0 else -INFINITE
    return math.floor(_fits(scaled, value) + 1e-7)


def nearest(value: float, per_unit: int) -> int:
    return round(_fits(value * per_unit, value))


def span_cost_per_time(cost_per_hour: float) -> int:
    """A vehicle's per-hour cost as scaled money per scaled time unit: OR-Tools' span cost
    coefficient, PyVRP's unit duration cost and the route evaluator's time price, one rounding
    for all three so that they rank plans alike. At least 1 where the hour costs anything (a
    coefficient rounded to 0 would make time free to the search)."""
    if cost_per_hour <= 0:
        return 0
    return max(1, nearest(cost_per_hour / 60.0 / TIME_PER_MIN, COST_PER_UNIT))


def _matrix_fits(scaled: np.ndarray) -> np.ndarray:
    if scaled.size and not (np.isfinite(scaled).all() and np.abs(scaled).max() <= INFINITE):
        worst = float(np.nanmax(np.abs(np.where(np.isfinite(scaled), scaled, np.inf))))
        _fits(worst, worst)
    return scaled


def matrix_up(m: np.ndarray, per_unit: float) -> np.ndarray:
    """Scale a whole matrix of consumed amounts, rounding up, as int64."""
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = np.asarray(m, dtype=float) * per_unit
    return np.ceil(_matrix_fits(scaled) - 1e-7).astype(np.int64)


def matrix_nearest(m: np.ndarray, per_unit: float) -> np.ndarray:
    with np.errstate(over="ignore", invalid="ignore"):
        scaled = np.asarray(m, dtype=float) * per_unit
    return np.rint(_matrix_fits(scaled)).astype(np.int64)
