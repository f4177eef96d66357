"""A vehicle day of two trips in the carbon account: one transport operation, each trip counted,
each trip's load on its own legs (``tests/reload_case.py``, figures by hand)."""

from __future__ import annotations

import pytest

from optimizer.carbon.accounting import account
from optimizer.validator import validate
from tests import reload_case


def test_a_day_of_two_trips_counts_two_trips_and_each_trips_load() -> None:
    inst = reload_case.instance()
    report = validate(inst, reload_case.plan())
    assert report.feasible, report.summary()
    acc = account(inst, report.solution, report)
    (trip,) = acc.trips
    assert trip.reloads == 1 and trip.to_dict()["trips"] == 2
    assert acc.by_carrier["bev"].trips == 2
    # 800 kg out 30 km, back empty; 600 kg out 20 km, back empty: 36 t·km carried of 100 km
    # at a 1 t capacity.
    assert trip.load_factor == pytest.approx((0.8 * 30 + 0.6 * 20) / (1.0 * 100))
    assert trip.empty_km == pytest.approx(50.0)
