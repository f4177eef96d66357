"""Plans that once passed although they break a rule (issue 23): NaN and infinite figures, reported
times at the route's depots outside the shift, a plan made for another instance."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import pytest

from optimizer.errors import InputError
from optimizer.formats.native import solution_from_dict, solution_to_dict
from optimizer.model import Depot, Instance, TimeWindow, Vehicle
from optimizer.solution import Route, Solution, Stop, Totals
from optimizer.validator import (
    OTHER_INSTANCE,
    SHIFT,
    STOP_MISMATCH,
    TIME_INCONSISTENT,
    TOTAL_MISMATCH,
    validate,
)

from .conftest import EV, make_plan
from .test_validate import SPARSE, one, with_stop

NAN, INF = float("nan"), float("inf")


def test_nan_charge_at_a_curve_charger_is_flagged(tiny: Instance) -> None:
    # CH has a charging curve; a NaN charge once passed NEGATIVE_CHARGE, BATTERY_OVERFULL and the
    # stay check alike (every comparison with NaN is False).
    report = validate(tiny, with_stop(SPARSE, EV, 2, charged_kwh=NAN))
    assert not report.feasible
    assert "not a finite number" in one(report, STOP_MISMATCH, EV, 2).message
    # The figure is then recomputed (a fill to the full battery), so the report stays finite.
    assert math.isfinite(report.solution.routes[EV].stops[2].charged_kwh or 0.0)
    assert all(math.isfinite(x) for x in report.totals.cost.values())


@pytest.mark.parametrize("value", [NAN, INF, -INF])
@pytest.mark.parametrize(
    ("field", "code"),
    [
        ("arrival_min", TIME_INCONSISTENT),
        ("departure_min", TIME_INCONSISTENT),
        ("load_kg", STOP_MISMATCH),
        ("soc_arrival_kwh", STOP_MISMATCH),
        ("charge_cost", STOP_MISMATCH),
    ],
)
def test_every_non_finite_stop_figure_is_flagged(
    tiny: Instance, field: str, code: str, value: float
) -> None:
    report = validate(tiny, with_stop(SPARSE, EV, 2, **{field: value}))
    assert field in one(report, code, EV, 2).message


def test_non_finite_totals_are_flagged(tiny: Instance) -> None:
    plan = make_plan(Totals(distance_km=NAN, cost={"total": INF}, energy={"bev": -INF}))
    report = validate(tiny, plan)
    messages = [v.message for v in report.violations if v.code == TOTAL_MISMATCH]
    assert len(messages) == 3
    assert all("not a finite number" in m for m in messages)


def test_nan_plan_is_refused_when_read(tiny: Instance) -> None:
    doc = solution_to_dict(with_stop(SPARSE, EV, 2, charged_kwh=55.0))
    doc["routes"][EV]["stops"][2]["charged_kwh"] = NAN
    doc["totals"]["cost"] = {"total": INF}
    with pytest.raises(InputError) as e:
        solution_from_dict(doc, "plan.json")
    paths = {i.path for i in e.value.issues}
    assert paths == {f"routes[{EV}].stops[2].charged_kwh", "totals.cost.total"}
    assert "plan.json" in str(e.value)


def two_depots(tiny: Instance) -> Instance:
    """The tiny instance with a second depot E (at J3's place, open 500-1050) and a truck that
    starts at D and ends at E, on a shift of 400-1100."""
    e = Depot("E", tiny.jobs[2].location, opening=TimeWindow(500, 1050))
    truck = Vehicle("relay", "diesel-truck", "D", end_depot="E", shift=TimeWindow(400, 1100))
    return replace(tiny, depots=(*tiny.depots, e), vehicles=(*tiny.vehicles, truck))


def relay(first: Stop, last: Stop) -> Solution:
    return Solution("tiny", (Route("relay", (first, Stop("job", "J4"), last)),))


def test_two_depots_start_arrival_and_end_departure_against_the_shift(tiny: Instance) -> None:
    inst = two_depots(tiny)
    # Unreported times: the relay leaves D at 400 and is at E long before 1050; no SHIFT.
    base = validate(inst, relay(Stop("depot", "D"), Stop("depot", "E")))
    assert SHIFT not in base.codes()
    # Arriving at the start depot at 350 opens the route before the shift (400): 50 min early.
    early = validate(inst, relay(Stop("depot", "D", arrival_min=350.0), Stop("depot", "E")))
    assert one(early, SHIFT, 0, 0).amount == pytest.approx(50)
    # Leaving E at 1150 closes it after the shift (1100) and after E closes (1050).
    late = validate(inst, relay(Stop("depot", "D"), Stop("depot", "E", departure_min=1150.0)))
    assert one(late, SHIFT, 0, 2).amount == pytest.approx(100)
    # Leaving E at 1080: inside the shift, but E closed at 1050.
    closed = validate(inst, relay(Stop("depot", "D"), Stop("depot", "E", departure_min=1080.0)))
    assert "'E'" in one(closed, SHIFT, 0, 2).message
    # Waiting at either depot inside the shift and the opening is allowed.
    waits = validate(
        inst,
        relay(
            Stop("depot", "D", arrival_min=420.0, departure_min=450.0),
            Stop("depot", "E", departure_min=1000.0),
        ),
    )
    assert SHIFT not in waits.codes() and TIME_INCONSISTENT not in waits.codes()


def test_plan_for_another_instance_is_flagged(tiny: Instance) -> None:
    report = validate(tiny, replace(SPARSE, instance="another-day"))
    assert report.codes() == {OTHER_INSTANCE}
    assert "'another-day'" in report.violations[0].message


def test_huge_finite_figure_is_flagged_and_the_report_stays_finite(tiny: Instance) -> None:
    # 1.7e308 kWh is finite, but the charge time and cost sums after it overflowed to inf/NaN,
    # and the service could not send such a report (strict JSON): a 500.
    report = validate(tiny, with_stop(SPARSE, EV, 2, charged_kwh=1.7e308))
    assert "within ±1e+15" in one(report, STOP_MISMATCH, EV, 2).message
    json.dumps(report.to_dict(), allow_nan=False)
