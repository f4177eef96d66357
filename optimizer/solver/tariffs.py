"""When and how much to charge on fixed routes, at the time-of-use tariffs (issue 4).

Why a pass of its own: the routing model prices energy at one average per kWh (a linear cost
is all a routing dimension can carry), so the plan it returns charges on arrival and as much as
its energy dimension happened to leave. With time-of-use tariffs that can cost a lot: a truck
reaching a charger at 11:00 (peak) may wait until 12:00 (flat) at a third of the price, and a
truck that charges to full at midday pays peak prices for energy its depot would have sold it
overnight at the valley price. Those choices do not change the stop sequence, so they are made
here, route by route, after the search.

How (:func:`time_charging`): for each electric route with station stops, a label-setting pass
over its stops. A label is (departure time, battery energy, money so far). At a job the label
advances to the earliest service start inside the job's windows; at a station it branches on

- the start: on arrival (the earliest that fits the opening hours) or at each later tariff
  boundary whose price is below every earlier choice (waiting for the cheaper period);
- the amount (chargers without the full-recharge rule): the level that just reaches each later
  station stop or the end depot with the reserve, the level that brings the truck home with the
  energy it left with (the depot's refill then costs nothing), a full battery, and the amount the
  search chose (so the search's own decision is always among the options). With prices linear in
  the energy, these breakpoints are where the cheapest amounts lie.

Labels later, emptier and dearer than another at the same stop are dropped. At the end depot the
money adds the overnight refill at the depot's price and the route's time cost; the cheapest label
wins. Money is what the validator charges: grid kWh times (tariff at the charge's start + the per-kWh
fee), visit fees, the priced carbon of that energy, and hours times the type's hourly cost.

The pass follows the validator's timing rules (:mod:`optimizer.validator`), and its result is
handed to the validator all the same: a plan is returned only when the validator accepts it and
prices it no higher than the plan it started from. Changing charge times can make vehicles
overlap at a station with few chargers; routes whose change does that are kept as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from ..carbon import electricity_wtw_kg_per_kwh
from ..model import Depot, Instance, Job, Station, TimeWindow, VehicleType
from ..solution import Route, Solution, Stop, Totals
from ..validator import Report, validate

#: Labels kept per stop (the cheapest after dominance); routes carry few station stops.
MAX_LABELS = 64
#: Energy margin (kWh) above the reserve for the "just enough" levels, far below the
#: validator's tolerance, so that rounding never lands an arrival under the reserve.
MARGIN_KWH = 1e-6
#: Routes tried one at a time when the changes together fail (each try validates the plan).
MAX_ONE_BY_ONE = 40
#: The validator's default tolerance (minutes, kWh).
TOL = 1e-6


@dataclass(frozen=True, slots=True)
class Saving:
    """What the pass did to a plan: money before and after, routes changed."""

    cost_before: float
    cost_after: float
    routes_changed: int

    @property
    def saved(self) -> float:
        return self.cost_before - self.cost_after


@dataclass(slots=True)
class _Label:
    t: float  # departure time (min)
    soc: float  # battery on departure (kWh)
    money: float
    parent: _Label | None
    decision: tuple[float, float] | None  # (start, kWh) at the station this label left


def time_charging(instance: Instance, report: Report) -> tuple[Report, Saving]:
    """The validator's report of ``report.solution`` with its charges re-timed and re-sized to cost
    the least, and what that saved; ``report`` itself when nothing cheaper is found.

    ``report`` must be the validator's (feasible) report of the plan: its filled-in stop figures
    (arrival, departure, battery levels) are what the pass reads.
    """
    before = report.totals.cost.get("total", 0.0)
    unchanged = (report, Saving(before, before, 0))
    if (
        instance.objective.kind != "cost"
        or not report.feasible
        or not any(s.kind == "station" for r in report.solution.routes for s in r.stops)
    ):
        return unchanged
    # Per route the variants to try, best first: without the station stops that now charge
    # nothing (a shorter route), then with them (the schedule the pass computed).
    candidates: dict[int, list[Route]] = {}
    for k, route in enumerate(report.solution.routes):
        better = _best_route(instance, route)
        if better is not None:
            trimmed = replace(better, stops=tuple(s for s in better.stops if not _idle(s)))
            candidates[k] = [trimmed, better] if trimmed != better else [better]
    if not candidates:
        return unchanged
    base = list(report.solution.routes)

    def plan(changed: dict[int, Route]) -> Solution:
        routes = tuple(changed.get(k, r) for k, r in enumerate(base))
        # The reported totals are the old plan's: leave them to the validator.
        return replace(report.solution, routes=routes, totals=Totals())

    def total(rep: Report) -> float:
        return rep.totals.cost.get("total", 0.0)

    kept = {k: v[0] for k, v in candidates.items()}
    after = validate(instance, plan(kept))
    if not (after.feasible and total(after) <= before + 1e-9):
        # Most likely new overlaps at small stations: take the routes one at a time instead
        # (each try validates the whole plan, so only the first few on a very large plan).
        kept, after = {}, report
        for k, variants in list(candidates.items())[:MAX_ONE_BY_ONE]:
            for r in variants:
                trial = validate(instance, plan({**kept, k: r}))
                if trial.feasible and total(trial) <= total(after):
                    kept[k] = r
                    after = trial
                    break
        if not kept:
            return unchanged
    solution = replace(after.solution, meta=report.solution.meta)
    return replace(after, solution=solution), Saving(before, total(after), len(kept))


def _idle(stop: Stop) -> bool:
    """A charger stop that the pass left charging nothing."""
    return stop.kind == "station" and stop.charged_kwh is not None and stop.charged_kwh <= 1e-9


def _windows(instance: Instance, stop: Stop) -> tuple[tuple[TimeWindow, ...], float] | None:
    """(time windows, service minutes) of a job or shipment end; None for other stops."""
    if stop.kind == "job":
        job: Job = instance.job_by_id[stop.ref]
        return job.time_windows, job.service_min
    if stop.kind in ("pickup", "delivery"):
        sh = instance.shipment_by_id[stop.ref]
        end = sh.pickup if stop.kind == "pickup" else sh.delivery
        return end.time_windows, end.service_min
    return None


def _earliest(arrival: float, windows: Sequence[TimeWindow]) -> float | None:
    """Service start at the earliest inside ``windows``; None when all have closed."""
    if not windows:
        return arrival
    for w in windows:
        if w.end_min >= arrival - TOL:
            return max(arrival, w.start_min)
    return None


def _fits(windows: Sequence[TimeWindow], start: float, end: float) -> bool:
    return not windows or any(w.contains(start, TOL) and w.contains(end, TOL) for w in windows)


def _starts(station: Station, arrival: float, minutes: float) -> list[float]:
    """Charge starts worth trying: the earliest that fits the opening hours, then each later
    tariff boundary (fitting them too) cheaper than every earlier choice."""
    out: list[float] = []
    best_price = float("inf")
    points = [arrival, *(w.start_min for w in station.opening if w.start_min > arrival)]
    points += [p.from_min for p in station.tariff if p.from_min > arrival]
    for s in sorted(set(points)):
        if not _fits(station.opening, s, s + minutes):
            continue
        price = station.price_at(s)
        if price < best_price - 1e-12:
            out.append(s)
            best_price = price
    return out


def _best_route(instance: Instance, route: Route) -> Route | None:
    """``route`` (validator-filled) with cheaper charging decisions, or None when there are none."""
    fr = _RouteFrame.of(instance, route)
    if fr is None:
        return None
    labels = [_Label(fr.dep0, fr.start_kwh, 0.0, None, None)]
    for s in range(1, fr.n - 1):
        found = _extend(fr, s, labels)
        if not found:
            return None
        labels = _pareto(found)
    best: tuple[float, _Label] | None = None
    for lab in labels:
        total = fr.finish(lab)
        if total is not None and (best is None or total < best[0] - 1e-12):
            best = (total, lab)
    if best is None:
        return None
    original_money = _money_of_original(instance, route, fr.t, fr.carbon_per_kg, fr.dep0)
    if best[0] >= original_money - 1e-6:
        return None
    return _rebuilt(fr, best[1])


@dataclass(frozen=True, slots=True)
class _RouteFrame:
    """What the label pass over one route reads at every stop: the vehicle, its limits, and
    the legs' fixed driving minutes and energy.

    Why the legs are fixed: charging decisions change when the vehicle leaves a stop and with
    how much energy, never the sequence, so each leg's drive and drain are the validator's.
    """

    instance: Instance
    route: Route
    t: VehicleType
    #: The vehicle's battery share at the start, which the depot refills to overnight.
    initial_soc: float
    battery: float
    carbon_per_kg: float
    end_depot: Depot
    shift: TimeWindow
    max_span: float | None
    dep0: float
    start_kwh: float
    #: Drive minutes and energy into stop s (charging does not change them).
    drive: list[float]
    drain: list[float]
    #: Later station stops and the end, for the "just enough" levels.
    anchors: list[int]
    #: Energy used from the start to stop s.
    drained: list[float]

    @property
    def n(self) -> int:
        return len(self.route.stops)

    @classmethod
    def of(cls, instance: Instance, route: Route) -> _RouteFrame | None:
        """The frame of ``route``, or None when the pass does not apply (no station stop, a depot
        mid-route, no battery, or a figure the validator left unfilled)."""
        stops = route.stops
        if len(stops) < 3 or not any(s.kind == "station" for s in stops):
            return None
        if any(s.kind == "depot" for s in stops[1:-1]):
            return None  # passes through a depot mid-route: not modelled here
        vehicle = instance.vehicle_by_id[route.vehicle]
        t = instance.type_by_id[vehicle.type]
        if not t.is_electric or t.battery_kwh is None:
            return None
        if any(
            x is None
            for s in stops
            for x in (s.arrival_min, s.departure_min, s.soc_arrival_kwh, s.soc_departure_kwh)
        ):
            return None
        limits = [x for x in (vehicle.max_duration_min, t.max_duration_min) if x is not None]
        dep0 = stops[0].departure_min
        assert dep0 is not None
        n = len(stops)
        drive = [0.0] * n
        drain = [0.0] * n
        for s in range(1, n):
            drive[s] = stops[s].arrival_min - stops[s - 1].departure_min  # type: ignore[operator]
            drain[s] = stops[s - 1].soc_departure_kwh - stops[s].soc_arrival_kwh  # type: ignore[operator]
        drained = [0.0] * n
        for s in range(1, n):
            drained[s] = drained[s - 1] + drain[s]
        return cls(
            instance,
            route,
            t,
            vehicle.initial_soc,
            t.battery_kwh,
            instance.objective.carbon_price_per_t_co2e / 1000.0,
            instance.depot_by_id[stops[-1].ref],
            instance.shift_of(vehicle),
            min(limits) if limits else None,
            dep0,
            vehicle.initial_soc * t.battery_kwh,
            drive,
            drain,
            [s for s in range(1, n) if stops[s].kind == "station" or s == n - 1],
            drained,
        )

    def finish(self, lab: _Label) -> float | None:
        """The money of a label's route once home, or None when it cannot get home in time.

        Why the depot's refill is counted: energy not bought on the way is bought at the depot
        overnight, at the depot's price, so a label that charged less is not cheaper for free.
        """
        n, t = self.n, self.t
        arrival = lab.t + self.drive[n - 1]
        soc = lab.soc - self.drain[n - 1]
        if soc < t.reserve_kwh - TOL:
            return None
        if arrival > self.shift.end_min + TOL or not self.end_depot.opening.contains(arrival, TOL):
            return None
        if self.max_span is not None and arrival - self.dep0 > self.max_span + TOL:
            return None
        refill = _refill_money(
            self.end_depot, self.initial_soc * self.battery - soc, self.carbon_per_kg
        )
        return lab.money + refill + (arrival - self.dep0) / 60.0 * t.cost_per_hour


def _extend(fr: _RouteFrame, s: int, labels: list[_Label]) -> list[_Label] | None:
    """The labels after stop ``s`` (not yet filtered), or None when the stop is not a job,
    shipment end or station (the pass then gives up on the route).

    Why a station branches on both the start and the amount: with time-of-use prices the
    cheapest charge may wait for a cheaper period, and the cheapest amount depends on what
    the later stations and the depot charge (see the module docstring).
    """
    instance, t = fr.instance, fr.t
    rules = instance.rules
    stop = fr.route.stops[s]
    new: list[_Label] = []
    for lab in labels:
        arrival = lab.t + fr.drive[s]
        soc = lab.soc - fr.drain[s]
        if soc < t.reserve_kwh - TOL:
            continue
        if stop.kind != "station":
            found = _windows(instance, stop)
            if found is None:
                return None
            windows, service = found
            start = _earliest(arrival, windows)
            if start is None:
                continue
            new.append(_Label(start + service, soc, lab.money, lab, None))
            continue
        station = instance.station_by_id[stop.ref]
        amounts = _amounts(
            stop, s, soc, t, station, rules.full_recharge, fr.anchors, fr.drained, fr.start_kwh
        )
        for kwh in amounts:
            minutes = station.stay_minutes(
                fr.battery, soc, soc + kwh, instant=rules.instant_charging
            )
            for start in _starts(station, arrival, minutes):
                money = lab.money + _charge_money(station, start, kwh, fr.carbon_per_kg)
                new.append(_Label(start + minutes, soc + kwh, money, lab, (start, kwh)))
    return new


def _rebuilt(fr: _RouteFrame, best: _Label) -> Route:
    """The route with the best label's charging decisions, as a sparse plan.

    Why sparse (only the start's departure, and each station's start and charge): the validator
    fills in every other figure from these, so nothing of the pass's own arithmetic is reported.
    """
    stops = fr.route.stops
    decisions: dict[int, tuple[float, float]] = {}
    cur: _Label | None = best
    s = fr.n - 2
    while cur is not None and cur.parent is not None:
        if cur.decision is not None:
            decisions[s] = cur.decision
        cur = cur.parent
        s -= 1
    out = [Stop("depot", stops[0].ref, departure_min=fr.dep0)]
    for s in range(1, fr.n - 1):
        stop = stops[s]
        if s in decisions:
            start, kwh = decisions[s]
            station = fr.instance.station_by_id[stop.ref]
            out.append(
                Stop(
                    "station",
                    stop.ref,
                    start_min=start,
                    charged_kwh=None if station.kind == "swap" else kwh,
                )
            )
        else:
            out.append(Stop(stop.kind, stop.ref))
    out.append(Stop("depot", stops[-1].ref))
    return replace(fr.route, stops=tuple(out))


def _amounts(
    stop: Stop,
    s: int,
    soc: float,
    t: VehicleType,
    station: Station,
    full_recharge: bool,
    anchors: Sequence[int],
    drained: Sequence[float],
    start_kwh: float,
) -> list[float]:
    """kWh worth charging at station stop ``s`` reached with ``soc`` (see the module doc):
    ``anchors`` are the later station stops and the end, ``drained[k]`` the energy used from the
    start to stop k, ``start_kwh`` the battery on leaving the depot."""
    battery = t.battery_kwh or 0.0
    if station.kind == "swap" or full_recharge:
        return [max(0.0, battery - soc)]
    later = [a for a in anchors if a > s]
    need_next = t.reserve_kwh + drained[later[0]] - drained[s] + MARGIN_KWH
    levels = {battery}
    for a in later:
        levels.add(min(battery, t.reserve_kwh + drained[a] - drained[s] + MARGIN_KWH))
    # Home with what the day started with: beyond that the depot refill is nothing to save.
    levels.add(min(battery, start_kwh + drained[later[-1]] - drained[s]))
    if stop.charged_kwh is not None:
        levels.add(min(battery, soc + stop.charged_kwh))
    out = sorted(
        {round(max(0.0, lv - soc), 9) for lv in levels if lv >= min(need_next, battery) - TOL}
    )
    return out


def _pareto(labels: list[_Label]) -> list[_Label]:
    """Drop labels later, emptier and dearer than another; keep the cheapest ``MAX_LABELS``."""
    labels.sort(key=lambda lab: (lab.money, lab.t, -lab.soc))
    kept: list[_Label] = []
    for lab in labels:
        if any(
            k.t <= lab.t + 1e-9 and k.soc >= lab.soc - 1e-9 and k.money <= lab.money + 1e-9
            for k in kept
        ):
            continue
        kept.append(lab)
        if len(kept) >= MAX_LABELS:
            break
    return kept


def _charge_money(station: Station, start: float, kwh: float, carbon_per_kg: float) -> float:
    """What the validator charges for ``kwh`` (battery side) charged at ``station`` from
    ``start``: grid energy at the tariff then in force plus the per-kWh fee, the visit fee, and
    the energy's priced carbon."""
    grid = kwh / station.charging_efficiency
    factor = electricity_wtw_kg_per_kwh(station.grid_co2e_kg_per_kwh)
    return (
        grid * (station.price_at(start) + station.fee_per_kwh + factor * carbon_per_kg)
        + station.fee_per_visit
    )


def _refill_money(depot: Depot, kwh: float, carbon_per_kg: float) -> float:
    """The overnight refill at ``depot`` of ``kwh`` (battery side; nothing when not positive),
    with its priced carbon, as the validator charges it."""
    grid = max(0.0, kwh) / depot.charging_efficiency
    factor = electricity_wtw_kg_per_kwh(depot.grid_co2e_kg_per_kwh)
    return grid * (depot.energy_price_per_kwh + factor * carbon_per_kg)


def _money_of_original(
    instance: Instance, route: Route, t: VehicleType, carbon_per_kg: float, dep0: float
) -> float:
    """The money the pass minimises, for ``route`` as it stands (validator-filled figures)."""
    vehicle = instance.vehicle_by_id[route.vehicle]
    money = 0.0
    for stop in route.stops:
        if stop.kind == "station" and stop.charged_kwh is not None:
            assert stop.start_min is not None
            station = instance.station_by_id[stop.ref]
            money += _charge_money(station, stop.start_min, stop.charged_kwh, carbon_per_kg)
    end = route.stops[-1]
    assert end.arrival_min is not None and end.soc_arrival_kwh is not None
    start_kwh = vehicle.initial_soc * (t.battery_kwh or 0.0)
    money += _refill_money(
        instance.depot_by_id[end.ref], start_kwh - end.soc_arrival_kwh, carbon_per_kg
    )
    return money + (end.arrival_min - dep0) / 60.0 * t.cost_per_hour
