"""Exact charging on a fixed route: where, and how much, an electric vehicle charges.

Why: the route evaluator (:mod:`.evaluator`) places stations while the search changes routes
millions of times, so it tries only a few charge levels per station (a full battery, what the
rest of the route needs, the curve's breakpoints). Once a plan is found, each route's task order
is fixed and the question left is the fixed-route vehicle charging problem (FRVCP, Montoya et al.
2017; Froger et al. 2019): which stations to visit between consecutive stops and how much to
charge at each, on concave piecewise-linear charging curves. :func:`best_charging` answers it
exactly for one route, and :func:`exact_charges` applies it to a plan; the validator then judges
the plan as any other.

How: a backward recursion over the route's legs on functions of one number, the usable energy
on leaving a stop. ``V_k(x)`` is the least cost from leaving fixed stop ``k`` with ``x`` kWh above
the reserve to the route's end. Driving direct shifts ``V_{k+1}`` by the leg's energy; a station
``s`` on the way gives ``c_s + G_s(x - e_in) - w F_s(x - e_in) - p_s (x - e_in)`` where ``F_s`` is
the minutes to charge from empty (convex: the curve is concave), ``w`` the price of a minute,
``p_s`` the price of a kWh there, and ``G_s(a) = min over y >= a of w F_s(y) + p_s y +
V_{k+1}(y - e_out)`` the best level ``y`` to charge up to from ``a``. Every function is
piecewise linear (:class:`_Fn`), and shifting, adding, the lower envelope of several and the
suffix minimum keep it so, exactly: no level is sampled. The cost counts driving time and
distance, charging time, the per-kWh and per-visit money of charging; it does not see time
windows, opening hours or a tariff that changes in the day, so the plan it returns is checked by
the validator and kept only where it is valid and cheaper (:func:`exact_charges`).

Limits: at most one station between two consecutive stops (as the evaluator), the
``STATIONS_PER_LEG`` stations of least detour per leg, and a swap fills the battery.
"""

from __future__ import annotations

import bisect
import itertools
import math
from dataclasses import dataclass, replace
from operator import itemgetter
from typing import TYPE_CHECKING, cast

from ..model import Instance, Station, VehicleType
from ..solution import Route, Solution, Stop, Totals

if TYPE_CHECKING:
    from ..validator import Report

#: Stations tried between two consecutive stops, least detour first.
STATIONS_PER_LEG = 10
#: Money per minute added to every objective, so that of two plans equal in money the shorter one
#: wins (under a distance objective, time is otherwise free and a plan may wait at a charger).
TIME_TIE_BREAK = 1e-6
#: Money added per station visit, so that of two plans equal in money the one with fewer stops
#: wins (a charge split over two visits of a station on the way out and back costs the same).
VISIT_TIE_BREAK = 1e-6
_EPS = 1e-9

#: A linear piece (x0, y0, x1, y1) with x0 <= x1 (a point where x0 == x1).
_Piece = tuple[float, float, float, float]


def _line(p: _Piece, x: float) -> float:
    x0, y0, x1, y1 = p
    if x1 - x0 <= _EPS:
        return min(y0, y1)
    return y0 + (y1 - y0) * (x - x0) / (x1 - x0)


@dataclass(frozen=True, slots=True)
class _Fn:
    """A piecewise-linear function: the least of its pieces where one holds x, +inf elsewhere.

    The pieces are sorted by ``x0`` and meet only at their ends (a lower envelope, see
    :func:`_envelope`), where a function may jump: a value is the least of the pieces there, so
    that the minimum of a function is attained."""

    pieces: tuple[_Piece, ...]

    def __call__(self, x: float) -> float:
        ps = self.pieces
        k = bisect.bisect_right(ps, x + _EPS, key=itemgetter(0))
        best = math.inf
        for p in ps[max(0, k - 2) : k]:
            if p[0] - _EPS <= x <= p[2] + _EPS:
                best = min(best, _line(p, min(max(x, p[0]), p[2])))
        return best

    def shifted(self, dx: float, dy: float = 0.0) -> _Fn:
        """``x -> f(x - dx) + dy``."""
        return _Fn(tuple((a + dx, b + dy, c + dx, d + dy) for a, b, c, d in self.pieces))

    def clipped(self, lo: float, hi: float) -> _Fn:
        """``f`` on ``[lo, hi]`` only."""
        out = []
        for p in self.pieces:
            a, c = max(p[0], lo), min(p[2], hi)
            if c < a - _EPS:
                continue
            c = max(a, c)
            out.append((a, _line(p, a), c, _line(p, c)))
        return _Fn(tuple(out))

    @property
    def lo(self) -> float:
        return self.pieces[0][0] if self.pieces else math.inf

    def breaks(self) -> list[float]:
        """The ends of the pieces, ascending: where the minimum over an interval may lie."""
        return sorted({x for p in self.pieces for x in (p[0], p[2])})


def _envelope(pieces: list[_Piece]) -> _Fn:
    """The lower envelope of ``pieces`` (each on its closed interval, +inf outside), exactly: on
    each interval between two piece ends the lines present are split where they cross."""
    if not pieces:
        return _Fn(())
    xs = sorted({x for p in pieces for x in (p[0], p[2])})
    merged: list[float] = []
    for x in xs:
        if not merged or x - merged[-1] > _EPS:
            merged.append(x)
    order = sorted(pieces, key=lambda p: p[0])
    out: list[_Piece] = []
    active: list[_Piece] = []
    nxt = 0
    for i, a in enumerate(merged):
        while nxt < len(order) and order[nxt][0] <= a + _EPS:
            active.append(order[nxt])
            nxt += 1
        active = [p for p in active if p[2] >= a - _EPS]
        here = min(_line(p, a) for p in active) if active else math.inf
        if i + 1 == len(merged):
            if here < math.inf:
                out.append((a, here, a, here))
            break
        b = merged[i + 1]
        lines = [p for p in active if p[2] >= b - _EPS and p[2] - p[0] > _EPS]
        if not lines:
            if here < math.inf:
                out.append((a, here, a, here))
            continue
        cuts = {a, b}
        ends = [(_line(p, a), _line(p, b)) for p in lines]
        for j in range(len(ends)):
            for k in range(j + 1, len(ends)):
                da = ends[j][0] - ends[k][0]
                db = ends[j][1] - ends[k][1]
                if da * db < 0:
                    cuts.add(a + (b - a) * da / (da - db))
        pts = sorted(cuts)
        first = True
        for u, v in itertools.pairwise(pts):
            if v - u <= _EPS:
                continue
            mid = (u + v) / 2
            best = min(lines, key=lambda p: _line(p, mid))
            yu, yv = _line(best, u), _line(best, v)
            if first and here < yu - _EPS:
                out.append((a, here, a, here))  # a jump down at a: the point counts
            first = False
            out.append((u, yu, v, yv))
    return _Fn(tuple(_merged(out)))


def _merged(pieces: list[_Piece]) -> list[_Piece]:
    """Adjacent pieces on one line joined, points inside a piece at no lower value dropped."""
    out: list[_Piece] = []
    for p in pieces:
        if out:
            q = out[-1]
            if abs(q[2] - p[0]) <= _EPS and abs(q[3] - p[1]) <= _EPS:
                if p[2] - p[0] <= _EPS:
                    continue  # a point on the end of the piece before it
                if q[2] - q[0] <= _EPS:
                    out[-1] = p
                    continue
                s1 = (q[3] - q[1]) / (q[2] - q[0])
                s2 = (p[3] - p[1]) / (p[2] - p[0])
                if abs(s1 - s2) <= 1e-9 * max(1.0, abs(s1)):
                    out[-1] = (q[0], q[1], p[2], p[3])
                    continue
        out.append(p)
    return out


def _added(f: _Fn, g: _Fn) -> _Fn:
    """``f + g`` where both hold."""
    xs = sorted(set(f.breaks()) | set(g.breaks()))
    lo, hi = max(f.lo, g.lo), min(f.pieces[-1][2], g.pieces[-1][2]) if f.pieces and g.pieces else 0
    pts = [x for x in xs if lo - _EPS <= x <= hi + _EPS]
    out: list[_Piece] = []
    for a in pts:
        ya = f(a) + g(a)
        if ya < math.inf:
            out.append((a, ya, a, ya))
    for a, b in itertools.pairwise(pts):
        if b - a <= _EPS:
            continue
        fa, fb = _inner(f, a, b)
        ga, gb = _inner(g, a, b)
        if fa < math.inf and ga < math.inf:
            out.append((a, fa + ga, b, fb + gb))
    return _envelope(out)


def _inner(f: _Fn, a: float, b: float) -> tuple[float, float]:
    """The ends of ``f``'s piece across the open interval (a, b) (no break inside), or inf."""
    mid = (a + b) / 2
    for p in f.pieces:
        if p[0] - _EPS <= a and b <= p[2] + _EPS and p[2] - p[0] > _EPS:
            return _line(p, a), _line(p, b)
        if p[0] > mid:
            break
    return math.inf, math.inf


def _suffix_min(f: _Fn, lo: float) -> _Fn:
    """``a -> min over y >= a of f(y)``, for ``a`` from ``lo`` to the end of ``f``."""
    out: list[_Piece] = []
    m = math.inf
    right = math.inf
    for p in reversed(f.pieces):
        x0, y0, x1, y1 = p
        if right < math.inf and right - x1 > _EPS:
            out.append((x1, m, right, m))
        if y0 < y1 and y0 < m:
            if y1 <= m:
                out.append(p)
            else:
                xc = x0 + (x1 - x0) * (m - y0) / (y1 - y0)
                out.append((xc, m, x1, m))
                out.append((x0, y0, xc, m))
        else:
            v = min(m, y1, y0)
            out.append((x0, v, x1, v))
        m = min(m, y0, y1)
        right = x0
    if out and lo < right - _EPS:
        out.append((lo, m, right, m))
    return _envelope(out).clipped(lo, math.inf)


# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Via:
    """A station between two fixed stops: its detour and its charging, in money."""

    station: Station
    cost: float  # the detour's driving (distance and time) and the per-visit fee
    in_kwh: float
    out_kwh: float
    per_kwh: float  # money per kWh put in the battery, net of the overnight refill it saves
    charge: _Fn  # money of the charging time from empty up to a usable level (w * F)


@dataclass(frozen=True, slots=True)
class _Leg:
    direct_cost: float
    direct_kwh: float
    vias: tuple[_Via, ...]


@dataclass(frozen=True, slots=True)
class Charging:
    """The best charging of one route: per leg (between fixed stops k and k+1), the station
    visited and the kWh charged there, or None; and the cost the recursion gave it."""

    stops: tuple[tuple[Station, float] | None, ...]
    cost: float


def best_charging(
    instance: Instance, t: VehicleType, fixed: list[int], loads_kg: list[float], soc_kwh: float
) -> Charging | None:
    """The least-cost charging of a route through the locations ``fixed`` (start depot, tasks,
    end depot, in order), leaving each with ``loads_kg[k]`` on board and the start with
    ``soc_kwh`` in the battery; None where no charging with one station per leg reaches the end
    above the reserve."""
    battery = t.battery_kwh or 0.0
    cap = battery - t.reserve_kwh
    x0 = soc_kwh - t.reserve_kwh
    if cap <= 0 or x0 < -_EPS:
        return None
    prices = _prices(instance, t)
    sites = _sites(instance, t, prices)
    legs = [
        _leg(instance, t, a, b, load, prices, sites)
        for a, b, load in zip(fixed, fixed[1:], loads_kg, strict=False)
    ]
    values: list[_Fn] = [_Fn(((0.0, 0.0, cap, 0.0),))]
    lifts: list[list[_Fn]] = []
    for leg in reversed(legs):
        nxt = values[-1]
        pieces: list[_Piece] = list(
            nxt.shifted(leg.direct_kwh, leg.direct_cost).clipped(0, cap).pieces
        )
        lift: list[_Fn] = []
        for via in leg.vias:
            h, option = _via_option(via, nxt, cap)
            lift.append(h)
            pieces.extend(option.pieces)
        lifts.append(lift)
        values.append(_envelope(pieces))
    values.reverse()
    lifts.reverse()
    total = values[0](x0)
    if total == math.inf:
        return None
    return Charging(_unwind(legs, values, lifts, x0, cap), total)


def _via_option(via: _Via, nxt: _Fn, cap: float) -> tuple[_Fn, _Fn]:
    """(H, the option's cost as a function of the energy on leaving the stop before): ``H(y)`` is
    the money of charging from empty to ``y``, then of the rest from the station (see the module
    docstring)."""
    if via.station.kind == "swap":
        rest = nxt(cap - via.out_kwh)
        h = _Fn(((cap, rest, cap, rest),))
        if rest == math.inf:
            return h, _Fn(())
        c = via.cost + via.charge(cap)  # the swap's minutes, priced (see _leg)
        return h, _Fn(((via.in_kwh, c + rest, cap, c + rest),)) if via.in_kwh <= cap else _Fn(())
    price = _Fn(((0.0, 0.0, cap, via.per_kwh * cap),))
    h = _added(_added(via.charge, price), nxt.shifted(via.out_kwh).clipped(0, cap))
    if not h.pieces:
        return h, _Fn(())
    g = _suffix_min(h, 0.0)
    # option(x) = cost + G(a) - (w F(a) + p a), a = x - in_kwh
    own = _added(via.charge, price)
    neg = _Fn(tuple((a, -b, c, -d) for a, b, c, d in own.pieces))
    option = _added(g, neg).shifted(via.in_kwh, via.cost).clipped(0, cap)
    return h, option


def _unwind(
    legs: list[_Leg], values: list[_Fn], lifts: list[list[_Fn]], x0: float, cap: float
) -> tuple[tuple[Station, float] | None, ...]:
    """The choices that reach ``values[0](x0)``, leg by leg, direct on ties."""
    out: list[tuple[Station, float] | None] = []
    x = x0
    for k, leg in enumerate(legs):
        nxt = values[k + 1]
        best = nxt(x - leg.direct_kwh) + leg.direct_cost if x >= leg.direct_kwh - _EPS else math.inf
        choice: tuple[Station, float] | None = None
        x_next = x - leg.direct_kwh
        for via, h in zip(leg.vias, lifts[k], strict=True):
            a = x - via.in_kwh
            if a < -_EPS or not h.pieces:
                continue
            a = max(a, 0.0)
            if via.station.kind == "swap":
                y = cap
                v = via.cost + via.charge(cap) + h(cap)
            else:
                own = via.charge(a) + via.per_kwh * a
                cands = [a, *(b for b in h.breaks() if b > a + _EPS)]
                y = min(cands, key=lambda z: (round(h(z), 9), z))
                v = via.cost + h(y) - own
            if v < best - 1e-9:
                best, choice, x_next = v, (via.station, max(0.0, y - a)), y - via.out_kwh
        out.append(choice)
        x = x_next
    return tuple(out)


#: Per station the type may use, what does not depend on the leg: (station, per-visit fee, net
#: money per kWh, money of the charging time from the reserve up to a level).
_Site = tuple[Station, float, float, _Fn]


def _sites(instance: Instance, t: VehicleType, prices: tuple[float, float, float]) -> list[_Site]:
    """The stations ``t`` may use, with their leg-free figures, worked out once per route."""
    _, per_min, depot = prices
    cap = (t.battery_kwh or 0.0) - t.reserve_kwh
    return [
        (
            st,
            _visit_fee(instance, st),
            _net_price(instance, st, depot),
            _charge_money(instance, t, st, per_min, cap),
        )
        for st in instance.stations
        if t.can_use(st.kind)
    ]


def _leg(
    instance: Instance,
    t: VehicleType,
    a: int,
    b: int,
    load_kg: float,
    prices: tuple[float, float, float],
    sites: list[_Site],
) -> _Leg:
    """The direct drive from location ``a`` to ``b`` and the stations worth a detour between."""
    per_km, per_min, depot = prices
    rate = t.rate_per_km(load_kg)
    km_money = per_km + rate * depot  # the energy a km takes, bought back at the depot
    cap = (t.battery_kwh or 0.0) - t.reserve_kwh
    d, m = instance.distance_km, instance.duration_min

    def drive(u: int, v: int) -> float:
        return float(d[u, v]) * km_money + float(m[u, v]) / t.speed_factor * per_min

    vias = []
    for st, fee, net, charge in sites:
        e_in, e_out = float(d[a, st.location]) * rate, float(d[st.location, b]) * rate
        if e_in > cap + _EPS or e_out > cap + _EPS:
            continue
        vias.append(
            _Via(st, drive(a, st.location) + drive(st.location, b) + fee, e_in, e_out, net, charge)
        )
    vias.sort(key=lambda v: v.cost)
    return _Leg(drive(a, b), float(d[a, b]) * rate, tuple(vias[:STATIONS_PER_LEG]))


def _prices(instance: Instance, t: VehicleType) -> tuple[float, float, float]:
    """(money per km before energy, money per minute, money per kWh refilled at the depot) of
    ``t`` under the instance's objective, as the validator prices a route (the per-minute price
    with the time tie-break). Distance objectives price a km at 1 and nothing else."""
    if instance.objective.kind != "cost":
        return 1.0, TIME_TIE_BREAK, 0.0
    return t.cost_per_km, t.cost_per_hour / 60.0 + TIME_TIE_BREAK, _depot_unit(instance)


def _carbon_price(instance: Instance) -> float:
    return instance.objective.carbon_price_per_t_co2e / 1000.0


def _depot_unit(instance: Instance) -> float:
    """Money per kWh put back in a battery overnight at the depot (energy and its priced carbon,
    through the charger's efficiency); the least of the depots where there are several."""
    from ..carbon import electricity_wtw_kg_per_kwh

    carbon = _carbon_price(instance)
    return min(
        (d.energy_price_per_kwh + carbon * electricity_wtw_kg_per_kwh(d.grid_co2e_kg_per_kwh))
        / d.charging_efficiency
        for d in instance.depots
    )


def _visit_fee(instance: Instance, st: Station) -> float:
    fee = st.fee_per_visit if instance.objective.kind == "cost" else 0.0
    return fee + VISIT_TIE_BREAK


def _net_price(instance: Instance, st: Station, depot: float) -> float:
    """Money per kWh charged at ``st`` less the overnight refill at the depot it saves (the
    validator refills what the day used beyond what was bought), never below 0: a station cheaper
    than the depot is not a reason to fill up here. The first tariff period stands for the day."""
    if instance.objective.kind != "cost" or st.kind == "swap":
        return 0.0
    from ..carbon import electricity_wtw_kg_per_kwh

    price = st.price_at(-math.inf) + st.fee_per_kwh
    carbon = _carbon_price(instance) * electricity_wtw_kg_per_kwh(st.grid_co2e_kg_per_kwh)
    return max(0.0, (price + carbon) / st.charging_efficiency - depot)


def _charge_money(
    instance: Instance, t: VehicleType, st: Station, per_min: float, cap: float
) -> _Fn:
    """``y -> per_min * minutes to charge from the reserve up to y usable kWh`` at ``st``: convex
    piecewise linear, breaking where the curve's power changes. A swap: its minutes, flat."""
    battery = t.battery_kwh or 0.0
    r = t.reserve_kwh
    instant = instance.rules.instant_charging
    if st.kind == "swap":
        v = per_min * st.swap_min
        return _Fn(((0.0, v, cap, v),))
    xs = {0.0, cap}
    for seg in st.curve:
        x = seg.up_to_soc * battery - r
        if 0 < x < cap:
            xs.add(x)
    pts = sorted(xs)

    def money(x: float) -> float:
        return per_min * st.stay_minutes(battery, r, x + r, instant=instant)

    return _Fn(tuple((u, money(u), v, money(v)) for u, v in itertools.pairwise(pts)))


# ----------------------------------------------------------------------------------------------
def exact_charges(instance: Instance, report: Report) -> Report:
    """``report``'s plan with each electric route's stations and charges chosen by
    :func:`best_charging`, where the validator accepts the result and it costs less. Only where
    charges may be partial (a full-recharge rule fixes the amounts).

    Each route is judged alone first (a plan of that one route, where only the other tasks are
    missing), so that the whole plan is validated once more, not once per route: on a
    decomposed day of a thousand jobs a whole validation per route would add seconds past the
    time limit. Where the whole plan then fails (two routes' new charges overlapping at a
    charger), ``report`` is kept."""
    from ..validator import validate

    if instance.rules.full_recharge or not report.feasible or not instance.stations:
        return report
    # The totals belong to the old routes: the validator recomputes them.
    timed = replace(report.solution, totals=Totals())
    routes = [_sparse(instance, r) for r in timed.routes]
    changed = False
    for i, route in enumerate(timed.routes):
        new = _recharged(instance, route)
        if new is not None and _alone(instance, new) < _alone(instance, routes[i]) - 1e-9:
            routes[i] = new
            changed = True
    if not changed:
        return report
    after = validate(instance, replace(timed, routes=tuple(routes)))
    if after.feasible and _total(after) < _total(report) - 1e-9:
        return after
    return report


def recharged_plan(instance: Instance, timed: Solution) -> Solution | None:
    """``timed`` (a plan the validator filled in, valid or not) with each electric route's
    stations and charges chosen by :func:`best_charging` for its task order, or None where no
    route changes. Neither cost nor validity is judged here: a plan read from the search's task
    sequences (the driver's direct read) takes it where full charges and least charges both
    break a duration limit that the evaluator's own levels kept."""
    routes = [_recharged(instance, r) for r in timed.routes]
    if all(r is None for r in routes):
        return None
    kept = zip(routes, timed.routes, strict=True)
    return replace(
        timed, routes=tuple(new if new is not None else old for new, old in kept), totals=Totals()
    )


def _alone(instance: Instance, route: Route) -> float:
    """The validator's cost of a plan of ``route`` alone, +inf where anything but the other
    tasks' absence is wrong with it."""
    from ..validator import validate

    rep = validate(instance, Solution(instance.name, (route,)))
    return _total(rep) if rep.codes() <= {"MISSING_JOB"} else math.inf


def _total(report: Report) -> float:
    return float(report.totals.cost.get("total", 0.0))


def _sparse(instance: Instance, route: Route) -> Route:
    """``route`` as the validator reads a plan it must time again: kinds, places, the departure,
    and the amount at each charger."""
    first = route.stops[0]
    stops = [Stop(first.kind, first.ref, departure_min=first.departure_min)]
    for s in route.stops[1:]:
        keep = s.kind == "station" and instance.station_by_id[s.ref].kind == "charger"
        stops.append(Stop(s.kind, s.ref, charged_kwh=s.charged_kwh if keep else None))
    return replace(route, stops=tuple(stops))


def _recharged(instance: Instance, route: Route) -> Route | None:
    """``route`` (timed by the validator) with its stations and charges chosen afresh, or None
    where it has no station stop, is not electric, or no charging with one station per leg
    reaches its end (a route that chains two stations between stops). Whether it is cheaper is
    the validator's to say (:func:`exact_charges`)."""
    v = instance.vehicle_by_id[route.vehicle]
    t = instance.type_by_id[v.type]
    if t.battery_kwh is None or not any(s.kind == "station" for s in route.stops):
        return None
    fixed = [s for s in route.stops if s.kind != "station"]
    if any(s.load_kg is None for s in fixed[:-1]):
        return None
    where = [instance.location_of(s.kind, s.ref) for s in fixed]
    if any(w is None for w in where):
        return None
    loads = [float(s.load_kg or 0.0) for s in fixed[:-1]]
    found = best_charging(instance, t, cast(list[int], where), loads, v.initial_soc * t.battery_kwh)
    if found is None:
        return None
    first = route.stops[0]
    stops = [Stop(first.kind, first.ref, departure_min=first.departure_min)]
    for stop, choice in zip(fixed[1:], found.stops, strict=True):
        if choice is not None:
            st, kwh = choice
            stops.append(Stop("station", st.id, charged_kwh=kwh if st.kind == "charger" else None))
        stops.append(Stop(stop.kind, stop.ref))
    return replace(route, stops=tuple(stops))
