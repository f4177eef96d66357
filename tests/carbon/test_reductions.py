"""Primary baseline, per-shipment reductions and the shipper / partner view, computed by hand on the
worked example (arithmetic in ``test_accounting.py``'s docstring, "Primary baseline")."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from optimizer.carbon.accounting import NOT_STATED, CarbonAccount, account
from optimizer.carbon.diesel import diesel_equivalent, same_routes_baseline
from optimizer.model import Instance
from optimizer.validator import validate

from .worked_example import make_instance, make_plan


def _with_parties(inst: Instance) -> Instance:
    """J1, J3 for shipper A; J2 and S1 for shipper B; S1 moved by partner P."""
    who = {"J1": "A", "J3": "A", "J2": "B"}
    jobs = tuple(replace(j, shipper=who[j.id]) for j in inst.jobs)
    (s1,) = inst.shipments
    return replace(inst, jobs=jobs, shipments=(replace(s1, shipper="B", partner="P"),))


@pytest.fixture
def acc() -> CarbonAccount:
    return account(_with_parties(make_instance()), make_plan())


def test_same_routes_baseline_by_hand(acc: CarbonAccount) -> None:
    dsl, ev = acc.trips
    # The diesel tractor is its own equivalent: baseline = its emissions.
    assert dsl.baseline_diesel_l == pytest.approx(111.0)
    assert dsl.baseline_wtw_kg == pytest.approx(359.64)
    # The battery tractor on the instance's diesel tractor, charger dropped: 107.5 L.
    assert ev.baseline_diesel_l == pytest.approx(107.5)
    assert ev.baseline_wtw_kg == pytest.approx(348.3)
    assert acc.baseline_wtw_kg == pytest.approx(707.94)
    assert acc.reduction_kg == pytest.approx(60.8)
    assert acc.reduction_pct == pytest.approx(100 * 60.8 / 707.94)
    assert acc.baseline is not None
    assert acc.baseline.ttw_kg == pytest.approx(111 * 2.67 + 287.025)


def test_per_shipment_baselines_add_up_to_the_plan(acc: CarbonAccount) -> None:
    by_id = {s.id: s for s in acc.shipments}
    assert by_id["J1"].reduction_kg == pytest.approx(0.0, abs=1e-9)
    assert by_id["J2"].reduction_kg == pytest.approx(0.0, abs=1e-9)
    assert by_id["J3"].baseline_wtw_kg == pytest.approx(116.1)
    assert by_id["J3"].reduction_kg == pytest.approx(20.2667, abs=1e-4)
    assert by_id["S1"].baseline_wtw_kg == pytest.approx(232.2)
    assert by_id["S1"].reduction_kg == pytest.approx(40.5333, abs=1e-4)
    assert acc.baseline_wtw_kg is not None and acc.reduction_kg is not None
    assert abs(math.fsum(s.baseline_wtw_kg for s in acc.shipments) - acc.baseline_wtw_kg) <= 1e-9
    assert abs(math.fsum(s.reduction_kg for s in acc.shipments) - acc.reduction_kg) <= 1e-9
    row = next(r for r in acc.to_dict()["by_shipment"] if r["id"] == "S1")
    assert (row["shipper"], row["partner"]) == ("B", "P")
    assert row["baseline_diesel_wtw_kg"] == pytest.approx(232.2)


def test_shipper_view_by_hand(acc: CarbonAccount) -> None:
    a, b = acc.by_shipper["A"], acc.by_shipper["B"]
    assert set(acc.by_shipper) == {"A", "B"}
    # A: J1 (diesel, 1000 t·km) + J3 (battery, 500 t·km).
    assert a["shipments"] == 2 and a["tkm"] == pytest.approx(1500.0)
    assert a["co2e_wtw_kg"] == pytest.approx(163.4727 + 95.8333, abs=1e-4)
    assert a["baseline_diesel_wtw_kg"] == pytest.approx(163.4727 + 116.1, abs=1e-4)
    assert a["reduction_kg"] == pytest.approx(20.2667, abs=1e-4)
    assert a["intensity_wtw_g_per_tkm"] == pytest.approx(259.3061 / 1.5, abs=1e-3)
    # B: J2 (diesel, 1200 t·km) + S1 (battery, 1000 t·km).
    assert b["tkm"] == pytest.approx(2200.0)
    assert b["co2e_wtw_kg"] == pytest.approx(196.1673 + 191.6667, abs=1e-4)
    assert b["reduction_kg"] == pytest.approx(40.5333, abs=1e-4)
    # The cut costs 2289.5 - 2929.5 = -640 (it saves money), shared by reduction: 1/3 and 2/3.
    assert acc.money_cost == pytest.approx(2289.5)
    assert acc.cut_cost == pytest.approx(-640.0)
    assert a["reduction_share"] == pytest.approx(1 / 3)
    assert b["reduction_share"] == pytest.approx(2 / 3)
    assert a["cut_cost"] == pytest.approx(-640.0 / 3)
    assert b["cut_cost"] == pytest.approx(-1280.0 / 3)
    # Partners: S1 by P; the rest states none.
    assert acc.by_partner["P"]["reduction_kg"] == pytest.approx(40.5333, abs=1e-4)
    assert acc.by_partner[NOT_STATED]["shipments"] == 3


def test_no_shipper_is_one_group_and_baselines_are_reproducible() -> None:
    inst, plan = make_instance(), make_plan()
    first, second = account(inst, plan), account(inst, plan)
    assert list(first.by_shipper) == [NOT_STATED]
    assert first.by_shipper[NOT_STATED]["reduction_kg"] == pytest.approx(60.8)
    # No solver: the same plan gives the same baseline to the last bit.
    assert first.baseline_wtw_kg == second.baseline_wtw_kg


def test_without_a_diesel_peer_the_class_default_applies() -> None:
    # Without the diesel tractor the battery tractor's class default (0.24 L/km empty, 0.38 full:
    # +0.007 per t) drives the same route: 50 * 0.31 + 50 * 0.24 + 100 * 0.31 + 200 * 0.24 = 106.5 L.
    inst = make_instance()
    dsl, bev = inst.vehicle_types
    alone = replace(inst, vehicle_types=(replace(dsl, capacity_kg=3_000), bev))
    b = same_routes_baseline(alone, validate(alone, make_plan()))
    assert b.trips[1].diesel_l == pytest.approx(106.5)


def test_type_override_of_the_diesel_equivalent() -> None:
    inst = make_instance()
    dsl, bev = inst.vehicle_types
    bev = replace(bev, baseline_diesel_l_per_km_empty=0.3, baseline_diesel_l_per_km_full=0.5)
    inst = replace(inst, vehicle_types=(dsl, bev))
    base = diesel_equivalent(inst).type_by_id["tractor-bev"]
    assert (base.consumption_per_km_empty, base.full_rate_per_km) == (0.3, 0.5)
    b = same_routes_baseline(inst, validate(inst, make_plan()))
    # 50 km * 0.4 + 50 * 0.3 + 100 * 0.4 + 200 * 0.3 = 135 L with 10 t = half of the 20 t payload.
    assert b.trips[1].diesel_l == pytest.approx(135.0)
