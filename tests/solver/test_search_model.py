"""The search model every phase reads (``optimizer.solver.search_model``): its node numbering,
units and station copies, and the charging-time cuts it shares with the OR-Tools model."""

from __future__ import annotations

import numpy as np
import pytest

import optimizer
from optimizer.generate import generate
from optimizer.solver.search_model import ModelOptions, build, charge_time_cuts
from tests.conftest import benchmark_file


def test_nodes_are_depots_then_tasks_then_station_copies_per_battery_class() -> None:
    """The node numbers are the model's identity (plans are read back by them): depots first,
    then one node per job and a pickup and a delivery per shipment, then each station's copies
    per battery class, which only that class's units may use."""
    inst = generate(30, seed=3)
    assert inst.shipments and inst.stations
    rm = build(inst, ModelOptions(copies_per_station=2))
    kinds = [nd.kind for nd in rm.nodes]
    n_depots, n_jobs, n_ships = len(inst.depots), len(inst.jobs), len(inst.shipments)
    assert kinds[:n_depots] == ["depot"] * n_depots
    tasks_end = n_depots + n_jobs + 2 * n_ships
    assert kinds[n_depots : n_depots + n_jobs] == ["job"] * n_jobs
    assert kinds[n_depots + n_jobs : tasks_end] == ["pickup", "delivery"] * n_ships
    assert set(kinds[tasks_end:]) == {"station"}
    for s in inst.shipments:
        pickup, delivery = rm.task_nodes[s.id]
        assert delivery == pickup + 1
        assert rm.nodes[pickup].weight_kg == -rm.nodes[delivery].weight_kg == s.weight_kg
    # One class per distinct (battery, reserve) among the electric units; the rest have none.
    for k, un in enumerate(rm.units):
        c = rm.unit_class[k]
        if un.type.is_electric:
            assert rm.battery_classes[c] == (float(un.type.battery_kwh or 0.0), un.type.reserve_kwh)
        else:
            assert c == -1
    assert len(rm.station_nodes) == len(inst.stations) * len(rm.battery_classes)
    for (sid, c), copies in rm.station_nodes.items():
        assert len(copies) == 2
        assert all(rm.nodes[i].ref == sid and rm.nodes[i].battery_class == c for i in copies)
    assert len(rm.fixed) == len(rm.units)
    assert rm.ortools_model is None  # built only where its phase asks (ortools_model.ortools)


def test_unit_caps_cut_the_fleet_the_model_carries() -> None:
    inst = generate(30, seed=3)
    full = build(inst, ModelOptions())
    entry = inst.vehicles[0]
    capped = build(inst, ModelOptions(unit_caps={entry.id: 1}))
    assert sum(1 for un in capped.units if un.vehicle.id == entry.id) == 1
    assert len(capped.units) == len(full.units) - (
        sum(1 for un in full.units if un.vehicle.id == entry.id) - 1
    )


def test_charge_time_cuts_never_promise_a_charge_faster_than_the_curve() -> None:
    """The time the cuts demand at a charger is at least the curve's charging time for any
    arrival and departure level (sound: a plan OR-Tools accepts keeps its times once the exact
    charge is computed), and exactly that while the vehicle arrives below the curve's first
    taper (the usual case)."""
    inst = optimizer.load(benchmark_file("evrp-nl", "tc0c20s3cf2.xml"))
    battery = float(inst.vehicle_types[0].battery_kwh or 0.0)
    first_taper_kwh = min(seg.up_to_soc for st in inst.stations for seg in st.curve) * battery
    for st in inst.stations:
        cuts = charge_time_cuts(st, battery, 0.0)
        assert len(cuts) == len(st.curve)
        for before in np.linspace(0.0, battery, 17):
            for after in np.linspace(before, battery, 9):
                # tslack (0.01 min) * 1e6 >= a * after_wh - b * before_wh + c
                bound_min = max(a * after * 1e3 - b * before * 1e3 + c for a, b, c in cuts) / 1e8
                true_min = st.charge_minutes(battery, float(before), float(after))
                assert bound_min >= true_min - 1e-3
                if before <= first_taper_kwh:
                    assert bound_min == pytest.approx(true_min, abs=1e-3)
