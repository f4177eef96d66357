"""The cost-versus-carbon frontier: distinct, non-dominated, validated plans."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.errors import InputError
from optimizer.formats import load
from optimizer.solution import Solution
from optimizer.studies.pareto import (
    ParetoPoint,
    ParetoResult,
    _epsilon_target,
    abatement_costs,
    default_prices,
    frontier,
    reassignments,
    sweep,
)
from optimizer.validator import validate
from tests.carbon.worked_example import make_instance, make_plan
from tests.conftest import INSTANCES

SMALL = INSTANCES / "city-day-small.json"


def _point(money: float, co2: float, price: float = 0.0) -> ParetoPoint:
    return ParetoPoint(price, money, co2, {}, 0.0, Solution("x", ()), True)


def test_frontier_keeps_distinct_non_dominated_points() -> None:
    pts = [
        _point(100, 50),
        _point(100, 50, price=80),  # the same plan found twice
        _point(120, 40),
        _point(130, 45),  # dominated by (120, 40)
        _point(150, 30),
        _point(90, 70),
        replace(_point(80, 10), feasible=False),  # invalid plans never count
    ]
    front = frontier(pts)
    assert [(p.money_cost, p.co2e_wtw_kg) for p in front] == [
        (90, 70),
        (100, 50),
        (120, 40),
        (150, 30),
    ]
    assert front[1].carbon_price_per_t_co2e == 0.0


def test_default_prices_span_zero_to_dominant_carbon() -> None:
    inst = load(SMALL)
    prices = default_prices(inst, 6)
    assert len(prices) == 6 and prices[0] == 0.0
    assert prices == sorted(prices) and prices[-1] >= 10_000
    with pytest.raises(InputError, match="points"):
        default_prices(inst, 0)


def test_sweep_on_city_day_small_returns_valid_distinct_points() -> None:
    inst = load(SMALL)
    result = sweep(inst, points=3, time_limit_s=1.0, seed=1, max_solves=4)
    assert 3 <= len(result.points) <= 4
    assert result.frontier
    keys = {(round(p.money_cost, 2), round(p.co2e_wtw_kg, 2)) for p in result.frontier}
    assert len(keys) == len(result.frontier)
    for p in result.frontier:
        # Exported as it is: totals at the instance's own price (80 CNY/t), found-at price in meta.
        report = validate(inst, p.solution)
        assert report.feasible and p.feasible, report.summary()
        assert report.totals.co2e_wtw_kg == pytest.approx(p.co2e_wtw_kg)
        assert p.solution.totals.cost["carbon"] == pytest.approx(p.co2e_wtw_kg / 1000 * 80.0)
        meta = p.solution.meta
        assert meta["pareto_found_at_carbon_price_per_t_co2e"] == p.carbon_price_per_t_co2e
        assert meta["totals_at_carbon_price_per_t_co2e"] == 80.0
        assert sum(p.vehicles_by_type.values()) == report.totals.vehicles_used
    for a in result.frontier:
        for b in result.points:
            dominates = (
                b.money_cost <= a.money_cost
                and b.co2e_wtw_kg <= a.co2e_wtw_kg
                and (b.money_cost < a.money_cost or b.co2e_wtw_kg < a.co2e_wtw_kg - 0.01)
            )
            assert not dominates
    # Cheaper means dirtier along the frontier.
    money = [p.money_cost for p in result.frontier]
    co2 = [p.co2e_wtw_kg for p in result.frontier]
    assert money == sorted(money) and co2 == sorted(co2, reverse=True)


def test_sweep_refuses_an_objective_without_carbon() -> None:
    inst = load(SMALL)
    inst = replace(inst, objective=replace(inst.objective, kind="distance"))
    with pytest.raises(InputError, match=r"objective\.kind"):
        sweep(inst, points=2, time_limit_s=0.5)


def test_cli_pareto_writes_png_json_and_plans_that_validate(tmp_path: Path) -> None:
    png, js = tmp_path / "front.png", tmp_path / "front.json"
    args = ["pareto", str(SMALL), "--points", "2", "--max-solves", "2", "-t", "1", "-s", "1", "-q"]
    result = CliRunner().invoke(
        app, [*args, "--png", str(png), "--json-out", str(js), "--plans-dir", str(tmp_path)]
    )
    assert result.exit_code == 0, result.output
    assert "frontier" in result.output.lower()
    data = json.loads(js.read_text("utf-8"))
    assert data["frontier"] and all(p["feasible"] for p in data["frontier"])
    plans = sorted(tmp_path.glob("frontier-*.json"))
    assert len(plans) == len(data["frontier"])
    for plan in plans:
        checked = CliRunner().invoke(app, ["validate", str(SMALL), str(plan)])
        assert checked.exit_code == 0, checked.output
    with Image.open(io.BytesIO(png.read_bytes())) as im:
        assert im.size[0] >= 800 and im.size[1] >= 500


def test_cli_pareto_bad_points() -> None:
    result = CliRunner().invoke(app, ["pareto", str(SMALL), "--points", "0"])
    assert result.exit_code == 2
    assert "--points" in result.output and "Traceback" not in result.output


def test_abatement_cost_is_the_tie_price() -> None:
    front = frontier([_point(100, 50), _point(120, 40), _point(150, 30)])
    # 20 more for 10 kg less: 2 per kg = 2,000 per tonne; then 30 for 10 kg: 3,000 per tonne.
    assert abatement_costs(front) == [None, pytest.approx(2000.0), pytest.approx(3000.0)]
    data = ParetoResult("x", front, front, 1.0, 0, "CNY").to_dict()
    assert data["frontier"][1]["marginal_abatement_cost_per_t_co2e"] == pytest.approx(2000.0)


def test_epsilon_target_halves_the_widest_co2e_gap() -> None:
    front = frontier([_point(1000, 500), _point(1100, 300), _point(1300, 250)])
    # Widest CO2e gap 500 -> 300: bound 400 kg, starting at the tie price 1000 * 100 / 200 = 500.
    assert _epsilon_target(front, set()) == (400.0, pytest.approx(500.0))
    assert _epsilon_target(front, {400.0}) == (275.0, pytest.approx(4000.0))
    assert _epsilon_target(front, {400.0, 275.0}) is None


def test_near_equal_emissions_count_once() -> None:
    # 0.04 kg less for 200 more is the same plan for any report (under 0.1 % of 347 kg).
    front = frontier([_point(6448, 347.77), _point(6677, 347.73), _point(6693, 346.38)])
    assert [p.money_cost for p in front] == [6448, 6693]


def test_reassignments_swap_vehicles_and_drop_chargers_for_diesel() -> None:
    inst, plan = make_instance(), make_plan()
    options = list(reassignments(inst, plan))
    # One unit each: the only change is to swap the two tractors (both routes at once).
    assert [label for label, _ in options] == ["reassigned: dsl#0 -> ev, ev#0 -> dsl"]
    _, swapped = options[0]
    diesel_route = next(r for r in swapped.routes if r.vehicle == "dsl")
    assert [s.kind for s in diesel_route.stops] == ["depot", "job", "pickup", "delivery", "depot"]
    report = validate(inst, swapped)
    # The battery tractor cannot drive the 400 km diesel route on 360 usable kWh.
    assert "BATTERY" in report.codes()
