"""Plans along the cost-versus-carbon frontier: a carbon-price sweep made robust to a noisy search.

Why a price sweep: the objective is money plus carbon priced at ``carbon_price_per_t_co2e``, so
each price picks the plan that is cheapest under it; the plans that some price makes optimal are
the supported points of the frontier between money and CO2e (the weighted-sum method).

Why more than a sweep: the solver is a heuristic under a time limit, and on a city day its plans
vary more from one seed to the next (measured on ``city-day.json``: money 5,450-7,280 CNY, CO2e
340-540 kg over 17 solves) than the frontier is wide, so a price sweep alone leaves two or three
points, the lucky plans dominating the rest. Three things help (see :func:`sweep`):

- every plan found counts, at every price: a plan's money and CO2e do not depend on the price it
  was found at, and a plan of a smaller fleet is a plan of the whole fleet;
- further solves where the frontier has its widest gap (the tie price of its two ends), under an
  epsilon constraint on CO2e (halfway across the widest CO2e gap, relaxed into the price, see
  :func:`_epsilon_target`), with the dirtiest vehicle entry taken away (a bound through the
  fleet), and at both ends again, each with a fresh seed;
- **vehicle reassignment**: the routes of each plan found driven by other vehicles (one or two
  routes at a time; a diesel tractor drops the charging stops, an electric one fills up where it
  charges). This is exactly the trade-off a fleet manager faces (the diesel tractor costs less per
  day and emits more), and every such plan is checked by the validator, so it costs milliseconds,
  not a solve.

Money is the plan's cost without the carbon component (fixed + distance + time + energy +
penalties): what the operator pays; CO2e is the validator's well-to-wheel figure. Every point is
validated, on the instance as given: the exported plans carry totals at the instance's own carbon
price (so ``optimizer validate`` accepts them), and the price each was found at stays in its
``meta`` (``pareto_found_at_carbon_price_per_t_co2e``). Only the distinct non-dominated points
are kept.
"""

from __future__ import annotations

import itertools
import math
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from typing import Any

from ..errors import InputError, Issue
from ..formats.native import solution_to_dict
from ..model import Instance, Vehicle
from ..solution import Route, Solution, Stop, Totals
from ..validator import validate

#: Validations spent on vehicle reassignment per sweep (about 3 ms each on city-day).
REASSIGN_BUDGET = 4000
#: Two plans whose CO2e differ by less than this share count as one point of the frontier.
DISTINCT_CO2E_SHARE = 0.001


@dataclass(frozen=True)
class ParetoPoint:
    """One validated plan: what it costs, what it emits, and how it was found.

    ``carbon_price_per_t_co2e`` is the price it was solved at (for a reassigned plan, the price of
    the plan it came from); ``found_by`` says which move found it (``price sweep``, ``gap``,
    ``without <vehicle entry>``, ``clean end``, ``cheap end``, or ``reassigned: ...``).
    """

    carbon_price_per_t_co2e: float
    money_cost: float
    co2e_wtw_kg: float
    vehicles_by_type: dict[str, int]
    distance_km: float
    solution: Solution
    feasible: bool
    seed: int = 0
    found_by: str = "price sweep"

    def to_dict(self) -> dict[str, Any]:
        return {
            "carbon_price_per_t_co2e": self.carbon_price_per_t_co2e,
            "money_cost": self.money_cost,
            "co2e_wtw_kg": self.co2e_wtw_kg,
            "vehicles_by_type": self.vehicles_by_type,
            "distance_km": self.distance_km,
            "feasible": self.feasible,
            "seed": self.seed,
            "found_by": self.found_by,
        }


@dataclass(frozen=True)
class ParetoResult:
    """Every plan solved (``points``, in order), the frontier (distinct, non-dominated, by
    increasing money and decreasing CO2e) and how many reassigned plans were checked."""

    instance: str
    points: tuple[ParetoPoint, ...]
    frontier: tuple[ParetoPoint, ...]
    time_limit_s: float
    seed: int
    currency: str
    reassigned_checked: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "instance": self.instance,
            "time_limit_s": self.time_limit_s,
            "seed": self.seed,
            "currency": self.currency,
            "frontier": [
                {
                    **p.to_dict(),
                    "marginal_abatement_cost_per_t_co2e": cost,
                    "plan": solution_to_dict(p.solution),
                }
                for p, cost in zip(self.frontier, abatement_costs(self.frontier), strict=True)
            ],
            "solved": [p.to_dict() for p in self.points],
            "reassigned_checked": self.reassigned_checked,
        }


def default_prices(instance: Instance, points: int) -> list[float]:
    """``points`` carbon prices: zero, then geometric from 20 to a price where carbon dominates.

    The top price makes 100 kg of CO2e worth the largest fixed cost of a vehicle type (at least
    10,000 per tonne): a plan that saves 100 kg may then use one more vehicle. The geometric
    spacing covers China's ETS (~80 CNY/t), the EU ETS (~600 CNY/t) and internal prices alike.
    """
    if points < 1:
        raise InputError(Issue("points", "must be an integer >= 1", points))
    if points == 1:
        return [instance.objective.carbon_price_per_t_co2e]
    fixed = max((t.fixed_cost for t in instance.vehicle_types), default=0.0)
    top = max(10_000.0, fixed * 10.0)
    low = 20.0
    n = points - 1
    if n == 1:
        return [0.0, top]
    ratio = (top / low) ** (1.0 / (n - 1))
    return [0.0] + [round(low * ratio**k, 2) for k in range(n)]


def _money(sol: Solution) -> float:
    cost = sol.totals.cost
    return cost.get("total", 0.0) - cost.get("carbon", 0.0)


def _vehicles_by_type(instance: Instance, sol: Solution) -> dict[str, int]:
    counts: Counter[str] = Counter()
    for route in sol.routes:
        if route.visits and route.vehicle in instance.vehicle_by_id:
            counts[instance.vehicle_by_id[route.vehicle].type] += 1
    return dict(sorted(counts.items()))


def frontier(points: Sequence[ParetoPoint]) -> tuple[ParetoPoint, ...]:
    """The distinct non-dominated points, cheapest first.

    Non-dominated: no other point is at most as dear and as dirty. Distinct: a dearer plan counts
    only if it emits at least :data:`DISTINCT_CO2E_SHARE` less than every cheaper one (and 0.01 kg):
    closer than that, two plans emit the same for any report, since the factors themselves are
    known to a few per cent. Invalid plans never count.
    """
    feasible = [p for p in points if p.feasible]
    ordered = sorted(feasible, key=lambda p: (p.money_cost, p.co2e_wtw_kg))
    out: list[ParetoPoint] = []
    for p in ordered:
        best_co2 = out[-1].co2e_wtw_kg if out else math.inf
        if not out or p.co2e_wtw_kg < best_co2 - max(0.01, DISTINCT_CO2E_SHARE * best_co2):
            out.append(p)
    return tuple(out)


def abatement_costs(front: Sequence[ParetoPoint]) -> list[float | None]:
    """Marginal abatement cost along a frontier (cheapest first): the money per tonne of CO2e
    avoided by each plan over the next cheaper one, i.e. the carbon price above which it is worth
    its extra cost. ``None`` for the cheapest plan."""
    return [None] + [_tie_price(a, b) for a, b in itertools.pairwise(front)]


def _tie_price(a: ParetoPoint, b: ParetoPoint) -> float:
    """The carbon price per tonne at which two plans cost the same (``a`` cheaper and dirtier)."""
    return 1000.0 * (b.money_cost - a.money_cost) / (a.co2e_wtw_kg - b.co2e_wtw_kg)


def _widest_gap(
    front: Sequence[ParetoPoint], refined: set[tuple[int, int]]
) -> tuple[tuple[int, int], float] | None:
    """The widest gap between neighbours of the frontier not refined yet (widths normalised by the
    frontier's span, money and CO2e alike) and the price at which its two plans tie."""
    if len(front) < 2:
        return None
    span_m = max(front[-1].money_cost - front[0].money_cost, 1e-9)
    span_c = max(front[0].co2e_wtw_kg - front[-1].co2e_wtw_kg, 1e-9)
    best: tuple[float, tuple[int, int], float] | None = None
    for a, b in itertools.pairwise(front):
        key = (id(a.solution), id(b.solution))
        if key in refined:
            continue
        width = math.hypot(
            (b.money_cost - a.money_cost) / span_m, (a.co2e_wtw_kg - b.co2e_wtw_kg) / span_c
        )
        if best is None or width > best[0]:
            best = (width, key, _tie_price(a, b))
    return None if best is None else (best[1], best[2])


def _epsilon_target(front: Sequence[ParetoPoint], done: set[float]) -> tuple[float, float] | None:
    """The next epsilon constraint: the CO2e bound halfway across the frontier's widest CO2e gap
    not bounded yet, and the price to start at (the gap's tie price; 1.5 times the dearest
    plan's price when the frontier has one point: below the cleanest plan found so far).

    Why a CO2e bound beside the price sweep: the sweep's prices are fixed before anything is known
    about the instance, a bound aims at the CO2e level where the frontier has no plan yet (the
    epsilon-constraint method, Haimes, Lasdon & Wismer 1971). The solver takes no constraint on
    CO2e, so the bound is relaxed into the objective (its Lagrange multiplier is the carbon
    price, raised until a plan meets the bound): exact optimisation would then find supported
    points only, a heuristic search with fresh seeds also lands between them.
    """
    if not front:
        return None
    if len(front) == 1:
        p = front[0]
        eps = round(0.97 * p.co2e_wtw_kg, 3)
        return None if eps in done else (eps, max(1.5 * p.carbon_price_per_t_co2e, 200.0))
    best: tuple[float, float, float] | None = None
    for a, b in itertools.pairwise(front):
        eps = round((a.co2e_wtw_kg + b.co2e_wtw_kg) / 2.0, 3)
        width = a.co2e_wtw_kg - b.co2e_wtw_kg
        if eps in done or width <= 0:
            continue
        if best is None or width > best[0]:
            best = (width, eps, max(_tie_price(a, b), 1.0))
    return None if best is None else (best[1], best[2])


def _intensity_kg_per_km(instance: Instance, type_id: str) -> float:
    """Rough WTW kg CO2e per km of a vehicle type at half load (electric: at the depots' factor and
    efficiency): only to rank the fleet from dirtiest to cleanest."""
    from ..carbon.factors import electricity_wtw_kg_per_kwh, fuel_factor

    t = instance.type_by_id[type_id]
    rate = (t.consumption_per_km_empty + t.full_rate_per_km) / 2
    if t.is_electric:
        factors = [
            electricity_wtw_kg_per_kwh(d.grid_co2e_kg_per_kwh) / d.charging_efficiency
            for d in instance.depots
        ]
        return rate * sum(factors) / len(factors)
    return rate * fuel_factor(t.carrier, t.wtw_co2e_kg_per_unit, t.ttw_co2e_kg_per_unit)[1]


def fleet_variants(instance: Instance) -> list[tuple[str, Instance]]:
    """The fleet-bound move: the instance without one vehicle entry, dirtiest entry first.

    Why the fleet and not a CO2e bound: the solver has no constraint on CO2e, but taking the
    dirtiest vehicles away bounds the plan's emissions in the same spirit and sends the search to
    a structurally different plan. The cleanest entries are never removed.
    """
    intensity = {v.id: _intensity_kg_per_km(instance, v.type) for v in instance.vehicles}
    cleanest = min(intensity.values())
    out = []
    for v in sorted(instance.vehicles, key=lambda v: -intensity[v.id]):
        if intensity[v.id] <= cleanest + 1e-12:
            break
        rest = tuple(u for u in instance.vehicles if u.id != v.id)
        out.append((f"without {v.id}", replace(instance, vehicles=rest)))
    return out


def _drive(instance: Instance, route: Route, vehicle: Vehicle, unit: int) -> Route:
    """``route``'s stops driven by ``vehicle`` instead: its own depots, a reload at its own start
    depot (the validator refuses it where ``vehicle`` may not make that many trips); a vehicle
    without a battery skips the charging stops, a battery vehicle fills up at them (the
    validator's default)."""
    electric = instance.type_by_id[vehicle.type].is_electric
    stops = [
        Stop("depot", vehicle.start_depot) if s.kind == "depot" else Stop(s.kind, s.ref)
        for s in route.visits
        if s.kind != "station" or electric
    ]
    return Route(
        vehicle.id,
        (Stop("depot", vehicle.start_depot), *stops, Stop("depot", vehicle.end)),
        unit,
    )


def reassignments(
    instance: Instance, plan: Solution, max_changes: int = 2
) -> Iterator[tuple[str, Solution]]:
    """Plans with the same routes, one or two of them driven by other vehicles (not validated).

    Units are renumbered per vehicle entry; a change needs a free unit of the new entry.
    """
    used = [r for r in plan.routes if r.visits and r.vehicle in instance.vehicle_by_id]
    entries = instance.vehicles
    for k in range(1, max_changes + 1):
        for which in itertools.combinations(range(len(used)), k):
            for targets in itertools.product(entries, repeat=k):
                if any(used[i].vehicle == v.id for i, v in zip(which, targets, strict=True)):
                    continue
                drivers = [instance.vehicle_by_id[r.vehicle] for r in used]
                for i, v in zip(which, targets, strict=True):
                    drivers[i] = v
                counts = Counter(v.id for v in drivers)
                if any(counts[v.id] > v.count for v in entries):
                    continue
                units: Counter[str] = Counter()
                routes = []
                for i, (route, v) in enumerate(zip(used, drivers, strict=True)):
                    unit = units[v.id]
                    units[v.id] += 1
                    if i in which:
                        routes.append(_drive(instance, route, v, unit))
                    else:
                        routes.append(replace(route, unit=unit))
                label = ", ".join(
                    f"{used[i].vehicle}#{used[i].unit} -> {v.id}"
                    for i, v in zip(which, targets, strict=True)
                )
                yield (
                    f"reassigned: {label}",
                    Solution(plan.instance, tuple(routes), plan.unserved, Totals(), plan.meta),
                )


def sweep(
    instance: Instance,
    points: int = 6,
    time_limit_s: float = 5.0,
    seed: int = 0,
    prices: Sequence[float] | None = None,
    on_point: Callable[[ParetoPoint], None] | None = None,
    max_solves: int | None = None,
    reassign: bool = True,
) -> ParetoResult:
    """Solve ``instance`` at several carbon prices and keep the frontier.

    1. ``points`` prices from :func:`default_prices` (or the ``prices`` given), all with ``seed``.
    2. While the frontier has fewer than ``points`` plans and fewer than ``max_solves`` (default
       ``3 * points``; with ``prices``: their number) solves were made, one more solve by each move
       in turn, each with a fresh seed (``seed + 1``, ``+ 2``, ...): *gap* (the price at which the
       plans around the widest gap of the frontier tie: the dichotomic method of Aneja & Nair,
       1979), *epsilon* (CO2e at most halfway across the frontier's widest CO2e gap, up to three
       solves at rising prices, :func:`_epsilon_target`), *fleet* (the fleet without its dirtiest
       remaining entry, :func:`fleet_variants`, at the instance's price; a fleet that cannot serve
       every job is skipped), *clean end* (the highest price), *cheap end* (price zero).
    3. After each solve (and ``reassign``), the routes of the new plan and of every new frontier
       plan driven by other vehicles (:func:`reassignments`), each validated, up to
       :data:`REASSIGN_BUDGET` checks in all.

    Parameters
    ----------
    instance
        The problem; its objective must be ``cost`` (the other objectives ignore carbon).
    points
        Distinct frontier points to aim for; also the number of first prices.
    time_limit_s, seed
        Per solve.
    prices
        Explicit carbon prices per tonne CO2e, in the instance's currency.
    on_point
        Called after each solve (progress).
    max_solves
        Cap on the number of solves.
    reassign
        Whether to look for reassigned plans (step 3).
    """
    from ..errors import OptimizerError
    from ..solver import solve

    if instance.objective.kind != "cost":
        raise InputError(
            Issue(
                "objective.kind",
                "must be 'cost' for a cost-versus-carbon frontier (other objectives ignore carbon)",
                instance.objective.kind,
            )
        )
    first = list(prices) if prices is not None else default_prices(instance, points)
    for k, price in enumerate(first):
        if not (isinstance(price, int | float) and math.isfinite(price) and price >= 0):
            raise InputError(Issue(f"prices[{k}]", "must be a number >= 0", price))
    cap = max_solves if max_solves is not None else (len(first) if prices else 3 * points)
    solved: list[ParetoPoint] = []
    variants: list[ParetoPoint] = []
    expanded: set[int] = set()
    checks = [0]
    attempts = [0]

    def point(plan: Solution, price: float, run_seed: int, how: str) -> ParetoPoint | None:
        # Validated against the whole fleet at the *instance's* carbon price: the plan as exported
        # then carries totals that `optimizer validate` recomputes on the instance file; the price
        # it was found at is kept in its metadata (money and CO2e do not depend on the price).
        report = validate(instance, replace(plan, totals=Totals()))
        if not report.feasible:
            return None
        sol = report.solution
        sol = replace(
            sol,
            meta={
                **dict(sol.meta),
                "pareto_found_at_carbon_price_per_t_co2e": price,
                "pareto_found_by": how,
                "pareto_seed": run_seed,
                "totals_at_carbon_price_per_t_co2e": instance.objective.carbon_price_per_t_co2e,
            },
        )
        return ParetoPoint(
            carbon_price_per_t_co2e=price,
            money_cost=_money(sol),
            co2e_wtw_kg=report.totals.co2e_wtw_kg or 0.0,
            vehicles_by_type=_vehicles_by_type(instance, plan),
            distance_km=report.totals.distance_km or 0.0,
            solution=sol,
            feasible=True,
            seed=run_seed,
            found_by=how,
        )

    def expand() -> None:
        """Reassign the vehicles of every solved plan and of every frontier plan, once each.

        Dominated plans too: on city-day their reassigned variants filled two of five frontier
        points that the frontier plans' own variants did not (measured on a pool of 17 plans)."""
        while reassign and checks[0] < REASSIGN_BUDGET:
            candidates = [*solved, *frontier(solved + variants)]
            todo = [p for p in candidates if id(p) not in expanded]
            if not todo:
                return
            for p in todo:
                expanded.add(id(p))
                for how, plan in reassignments(instance, p.solution):
                    if checks[0] >= REASSIGN_BUDGET:
                        return
                    checks[0] += 1
                    q = point(plan, p.carbon_price_per_t_co2e, p.seed, how)
                    if q is not None:
                        variants.append(q)

    def run(base: Instance, price: float, run_seed: int, how: str) -> None:
        attempts[0] += 1
        priced = replace(base, objective=replace(base.objective, carbon_price_per_t_co2e=price))
        plan = solve(priced, time_limit_s=time_limit_s, seed=run_seed)
        p = point(plan, price, run_seed, how)
        if p is None:  # the solver validates its plans; this would be a bug
            raise RuntimeError(f"internal error: the plan solved at price {price} is invalid")
        solved.append(p)
        if on_point is not None:
            on_point(p)
        expand()

    # An instance the fleet cannot serve fails at every price: the solver's error goes up.
    for price in first[:cap]:
        run(instance, price, seed, "price sweep")
    if prices is None:
        refined: set[tuple[int, int]] = set()
        smaller = fleet_variants(instance)
        top = max(first) if first else 0.0
        bounds: set[float] = set()
        move = 0
        while attempts[0] < cap and len(frontier(solved + variants)) < points:
            kind = ("gap", "epsilon", "fleet", "clean end", "cheap end")[move % 5]
            move += 1
            run_seed = seed + attempts[0] - len(first) + 1
            if kind == "gap":
                gap = _widest_gap(frontier(solved + variants), refined)
                if gap is None:
                    continue
                refined.add(gap[0])
                run(instance, round(gap[1], 2), run_seed, "gap")
            elif kind == "epsilon":
                target = _epsilon_target(frontier(solved + variants), bounds)
                if target is None:
                    continue
                eps, price = target
                bounds.add(eps)
                # The epsilon constraint CO2e <= eps, relaxed into the objective: solve at a price,
                # raise it fourfold while the plan emits more than eps (two more solves at most).
                for _ in range(3):
                    if attempts[0] >= cap:
                        break
                    run(instance, round(price, 2), run_seed, f"epsilon co2e <= {eps:.1f} kg")
                    if solved[-1].co2e_wtw_kg <= eps:
                        break
                    price *= 4.0
                    run_seed += 1
            elif kind == "fleet":
                if not smaller:
                    continue
                label, fleet = smaller.pop(0)
                try:
                    run(fleet, instance.objective.carbon_price_per_t_co2e, run_seed, label)
                except OptimizerError:
                    continue  # that fleet cannot serve every job: a bound too tight
            else:
                run(instance, top if kind == "clean end" else 0.0, run_seed, kind)
    return ParetoResult(
        instance=instance.name,
        points=tuple(solved),
        frontier=frontier(solved + variants),
        time_limit_s=time_limit_s,
        seed=seed,
        currency=instance.objective.currency,
        reassigned_checked=checks[0],
    )
