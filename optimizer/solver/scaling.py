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

#: Integer units per real unit.
DISTANCE_PER_KM = 1000  # metres
TIME_PER_MIN = 100  # 0.6 s resolution
ENERGY_PER_KWH = 1000  # Wh
LOAD_PER_KG = 10  # 100 g
VOLUME_PER_M3 = 1000  # litres
COST_PER_UNIT = 1000  # thousandths of the currency unit

#: A bound for "no limit" that stays far from int64 overflow when OR-Tools adds a few of them.
INFINITE = 10**15


def up(value: float, per_unit: int) -> int:
    """Scale a consumed amount, rounding up (with a guard so 1.0000000001 ulp noise does not add 1)."""
    return math.ceil(value * per_unit - 1e-7)


def down(value: float, per_unit: int) -> int:
    """Scale a bound, rounding down."""
    return math.floor(value * per_unit + 1e-7)


def nearest(value: float, per_unit: int) -> int:
    return round(value * per_unit)


def span_cost_per_time(cost_per_hour: float) -> int:
    """A vehicle's per-hour cost as scaled money per scaled time unit: OR-Tools' span cost
    coefficient, PyVRP's unit duration cost and the route evaluator's time price, one rounding
    for all three so that they rank plans alike. At least 1 where the hour costs anything (a
    coefficient rounded to 0 would make time free to the search)."""
    if cost_per_hour <= 0:
        return 0
    return max(1, nearest(cost_per_hour / 60.0 / TIME_PER_MIN, COST_PER_UNIT))


def matrix_up(m: np.ndarray, per_unit: float) -> np.ndarray:
    """Scale a whole matrix of consumed amounts, rounding up, as int64."""
    return np.ceil(np.asarray(m, dtype=float) * per_unit - 1e-7).astype(np.int64)


def matrix_nearest(m: np.ndarray, per_unit: float) -> np.ndarray:
    return np.rint(np.asarray(m, dtype=float) * per_unit).astype(np.int64)
