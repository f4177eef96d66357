"""The recomputation: one pass over each route, from the instance and the stop sequence alone.

The rules implemented here are written out in the package docstring (:mod:`optimizer.validator`);
this module follows them line by line. Why a single forward pass per route: every figure of a stop
(time, load, state of charge) depends only on the stops before it, so one pass computes them all
and can check each rule where it applies, without stopping at the first problem.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..carbon import electricity_wtw_kg_per_kwh, fuel_factor
from ..model import (
    Depot,
    Instance,
    Job,
    Shipment,
    ShipmentStop,
    Station,
    TimeWindow,
    Vehicle,
    VehicleType,
)
from ..solution import Route, Solution, Stop, Totals
from . import codes as C
from .report import Charge, Leg, Report, RouteTrace, Violation

#: Relative slack added to absolute tolerances, so that large figures (a 1e6 kg-km total) do not
#: fail on the last bits of a float sum.
REL_TOL = 1e-9
_TASK_KINDS = ("job", "pickup", "delivery")
#: The per-stop figures the validator recomputes and fills in.
_STOP_FIGURES = (
    "arrival_min",
    "start_min",
    "departure_min",
    "load_kg",
    "soc_arrival_kwh",
    "soc_departure_kwh",
    "charged_kwh",
    "charge_cost",
)


#: The largest magnitude a reported figure may have (minutes, kg, kWh, money alike). Larger ones
#: are flagged and not used: 1.7e308 kWh charged is finite, but the sums after it are not.
MAX_FIGURE = 1e15


def _finite_or_none(value: Any) -> bool:
    """True for ``None`` or a finite number within :data:`MAX_FIGURE`; False for NaN, an
    infinity, a huge number or a non-number."""
    if value is None:
        return True
    try:
        return math.isfinite(value) and abs(value) <= MAX_FIGURE
    except (TypeError, OverflowError):
        return False


@dataclass(frozen=True, slots=True)
class _Resolved:
    """A stop's reference looked up: the matrix row it stands at and the object it names."""

    location: int
    target: Depot | Job | Shipment | Station
    #: For a shipment end: which end (its windows and service time).
    end: ShipmentStop | None = None


@dataclass
class _RouteFigures:
    """What one route contributes to the totals (zero for an unused route)."""

    used: bool = False
    carrier: str | None = None
    distance_km: float = 0.0
    duration_min: float = 0.0
    energy: float = 0.0
    cost: dict[str, float] = field(default_factory=dict)
    co2e_wtw_kg: float = 0.0
    #: What the carbon accounting reads (see :class:`~optimizer.validator.report.RouteTrace`).
    trace: RouteTrace = field(default_factory=lambda: RouteTrace(used=False))


def _earliest_in_windows(arrival: float, windows: Sequence[TimeWindow], tol: float) -> float:
    """Start of service at the earliest: wait for the first window that has not closed yet."""
    for w in windows:
        if w.end_min >= arrival - tol:
            return max(arrival, w.start_min)
    return arrival


def _window_miss(t: float, windows: Sequence[TimeWindow]) -> tuple[float, str]:
    """How far ``t`` (inside none of the sorted ``windows``) misses them: late after the last window
    that closed before it, else early before the first."""
    closed = [w for w in windows if w.end_min < t]
    if closed:
        w = closed[-1]
        return (
            t - w.end_min,
            f"late by {t - w.end_min:g} min for window [{w.start_min:g}, {w.end_min:g}]",
        )
    w = windows[0]
    return (
        w.start_min - t,
        f"early by {w.start_min - t:g} min for window [{w.start_min:g}, {w.end_min:g}]",
    )


def _fits(windows: Sequence[TimeWindow], start: float, end: float, tol: float) -> bool:
    """Whether [start, end] lies inside one window (no windows: always open)."""
    if not windows:
        return True
    return any(w.contains(start, tol) and w.contains(end, tol) for w in windows)


def _outside(windows: Sequence[TimeWindow], start: float, end: float) -> float:
    """Minutes of [start, end] outside the window it overlaps best."""
    return min(max(0.0, w.start_min - start) + max(0.0, end - w.end_min) for w in windows)


def _station_start(
    arrival: float, station: Station, minutes: float, tol: float
) -> tuple[float, bool]:
    """Earliest start of a charge of ``minutes`` at ``station``: the first opening window in which
    the whole charge fits, else the first window still open (the charge will overrun it)."""
    if not station.opening:
        return arrival, True
    for w in station.opening:
        s = max(arrival, w.start_min)
        if s + minutes <= w.end_min + tol:
            return s, True
    return _earliest_in_windows(arrival, station.opening, tol), False


def _trip_deliveries(
    stops: Sequence[Stop], res: list[_Resolved | None], visits: list[int], reloads: set[int]
) -> list[tuple[float, float]]:
    """(kg, m3) of the deliveries each trip loads at the depot: the route's first trip, then one
    per reload."""
    out = [(0.0, 0.0)]
    for k in visits:
        if k in reloads:
            out.append((0.0, 0.0))
            continue
        rk = res[k]
        target = rk.target if rk is not None else None
        if stops[k].kind == "job" and isinstance(target, Job) and target.kind == "delivery":
            kg, m3 = out[-1]
            out[-1] = (kg + target.weight_kg, m3 + target.volume_m3)
    return out


def _station_factor(station: Station) -> float:
    """Location-based well-to-wheel kg CO2e per grid kWh at ``station`` (its region's or its own
    factor; a green share counts only in the market-based figure of the carbon report)."""
    return electricity_wtw_kg_per_kwh(station.grid_co2e_kg_per_kwh)


class _Checker:
    """State of one validation: the violations found so far and where each task is served."""

    def __init__(self, instance: Instance, solution: Solution, tol: float, totals_tol: float):
        self.inst = instance
        self.sol = solution
        self.tol = tol
        self.totals_tol = totals_tol
        self.violations: list[Violation] = []
        #: (stop kind, job or shipment id) -> [(route, stop)] where that task end is served.
        self.served: dict[tuple[str, str], list[tuple[int, int]]] = defaultdict(list)
        self.unserved: list[str] = []
        #: Ids of jobs and shipments served by a vehicle entry other than their preferred one.
        self.reassigned: set[str] = set()

    # ----- helpers -----------------------------------------------------------------------------
    def add(
        self,
        code: str,
        message: str,
        route: int | None = None,
        stop: int | None = None,
        amount: float | None = None,
    ) -> None:
        self.violations.append(
            Violation(code, route, stop, None if amount is None else float(amount), message)
        )

    def differs(self, reported: float, recomputed: float) -> bool:
        # Written as "not within" so that a NaN on either side differs (NaN > x is False).
        return not abs(reported - recomputed) <= self.tol + REL_TOL * abs(recomputed)

    def finite_only(self, sol: Solution) -> Solution:
        """``sol`` with every non-finite reported figure flagged and then taken as unreported.

        Why first: a NaN compares false with everything, so ``charged_kwh: NaN`` would pass the
        negative-charge, overfull and mismatch checks alike, and poison every figure after it.
        The readers refuse such numbers already; a plan built in Python reaches this point.
        """
        routes = []
        for r, route in enumerate(sol.routes):
            stops = []
            for s, stop in enumerate(route.stops):
                bad = [f for f in _STOP_FIGURES if not _finite_or_none(getattr(stop, f))]
                for f in bad:
                    self.add(
                        C.TIME_INCONSISTENT if f.endswith("_min") else C.STOP_MISMATCH,
                        f"{route.vehicle}#{route.unit} reports {f} {getattr(stop, f)!r} at "
                        f"{stop.kind} {stop.ref!r}, not a finite number within ±{MAX_FIGURE:g}",
                        r,
                        s,
                    )
                none: dict[str, Any] = dict.fromkeys(bad)
                stops.append(replace(stop, **none) if bad else stop)
            routes.append(replace(route, stops=tuple(stops)))
        t = sol.totals
        scalars = {
            f: getattr(t, f)
            for f in ("distance_km", "duration_min", "vehicles_used", "co2e_wtw_kg")
            if not _finite_or_none(getattr(t, f))
        }
        maps = {
            name: {k for k, x in getattr(t, name).items() if not _finite_or_none(x)}
            for name in ("cost", "energy")
        }
        for name, x in scalars.items():
            self.add(
                C.TOTAL_MISMATCH,
                f"reported {name} {x!r} is not a finite number within ±{MAX_FIGURE:g}",
            )
        for name, keys in maps.items():
            for k in sorted(keys):
                x = getattr(t, name)[k]
                self.add(
                    C.TOTAL_MISMATCH,
                    f"reported {name}.{k} {x!r} is not a finite number within ±{MAX_FIGURE:g}",
                )
        cleared: dict[str, Any] = dict.fromkeys(scalars)
        totals = replace(
            t,
            **cleared,
            cost={k: x for k, x in t.cost.items() if k not in maps["cost"]},
            energy={k: x for k, x in t.energy.items() if k not in maps["energy"]},
        )
        return replace(sol, routes=tuple(routes), totals=totals)

    def _describe_other(self, ref: str) -> str:
        """Say what ``ref`` is when it names something of another kind (a common slip)."""
        inst = self.inst
        for what, table in (
            ("a depot", inst.depot_by_id),
            ("a job", inst.job_by_id),
            ("a shipment", inst.shipment_by_id),
            ("a station", inst.station_by_id),
        ):
            if ref in table:
                return f" ({ref!r} is {what})"
        return ""

    def resolve(self, r: int, s: int, stop: Stop) -> _Resolved | None:
        inst = self.inst
        found: _Resolved | None = None
        what = {
            "depot": "depot",
            "job": "job",
            "pickup": "shipment",
            "delivery": "shipment",
            "station": "station",
        }.get(stop.kind)
        if stop.kind == "depot":
            d = inst.depot_by_id.get(stop.ref)
            found = None if d is None else _Resolved(d.location, d)
        elif stop.kind == "job":
            j = inst.job_by_id.get(stop.ref)
            found = None if j is None else _Resolved(j.location, j)
        elif stop.kind in ("pickup", "delivery"):
            sh = inst.shipment_by_id.get(stop.ref)
            if sh is not None:
                end = sh.pickup if stop.kind == "pickup" else sh.delivery
                found = _Resolved(end.location, sh, end)
        elif stop.kind == "station":
            st = inst.station_by_id.get(stop.ref)
            found = None if st is None else _Resolved(st.location, st)
        if found is None:
            if what is None:
                msg = f"stop kind {stop.kind!r} is not one of depot, job, pickup, delivery, station"
            else:
                msg = (
                    f"{stop.kind} stop names no {what} {stop.ref!r}{self._describe_other(stop.ref)}"
                )
            self.add(C.UNKNOWN_REF, msg, r, s)
        return found

    # ----- the whole plan ----------------------------------------------------------------------
    def run(self) -> Report:
        sol = self.sol = self.finite_only(self.sol)
        if sol.instance and self.inst.name and sol.instance != self.inst.name:
            # A plan for another day can share every id with this one and still be nonsense here.
            self.add(
                C.OTHER_INSTANCE,
                f"the plan names instance {sol.instance!r}, not {self.inst.name!r}",
            )
        resolved = [
            [self.resolve(r, s, stop) for s, stop in enumerate(route.stops)]
            for r, route in enumerate(sol.routes)
        ]
        for r, route in enumerate(sol.routes):
            for s, stop in enumerate(route.stops):
                if resolved[r][s] is not None and stop.kind in _TASK_KINDS:
                    self.served[(stop.kind, stop.ref)].append((r, s))
        self.check_units()
        self.check_assignments(resolved)
        routes: list[Route] = []
        figures: list[_RouteFigures] = []
        for r, route in enumerate(sol.routes):
            filled, fig = self.route(r, route, resolved[r])
            routes.append(filled)
            figures.append(fig)
        self.check_chargers(routes)  # charger capacity (issue 7): across routes, on the filled ones
        self.check_coverage()
        totals = self.totals(figures)
        self.check_totals(totals)
        return Report(
            feasible=not self.violations,
            violations=tuple(self.violations),
            solution=replace(sol, routes=tuple(routes), totals=totals),
            totals=totals,
            traces=tuple(f.trace for f in figures),
        )

    def check_assignments(self, resolved: list[list[_Resolved | None]]) -> None:
        """Each task served by a vehicle entry its ``vehicles`` list allows (VEHICLE_NOT_ALLOWED),
        and the tasks served by another entry than their ``preferred_vehicle`` (priced in the
        totals). Routes of unknown vehicles are left to UNKNOWN_VEHICLE."""
        for r, route in enumerate(self.sol.routes):
            if route.vehicle not in self.inst.vehicle_by_id:
                continue
            for s, stop in enumerate(route.stops):
                res = resolved[r][s]
                if res is None or stop.kind not in _TASK_KINDS:
                    continue
                task = res.target
                assert isinstance(task, Job | Shipment)
                if task.vehicles and route.vehicle not in task.vehicles:
                    self.add(
                        C.VEHICLE_NOT_ALLOWED,
                        f"{route.vehicle}#{route.unit} serves {stop.kind} {stop.ref!r}, which only "
                        f"{', '.join(map(repr, task.vehicles))} may serve",
                        r,
                        s,
                    )
                if task.preferred_vehicle is not None and task.preferred_vehicle != route.vehicle:
                    self.reassigned.add(task.id)

    def check_units(self) -> None:
        """Vehicle entries exist, units are in range and no unit drives two routes."""
        seen: dict[tuple[str, int], int] = {}
        for r, route in enumerate(self.sol.routes):
            v = self.inst.vehicle_by_id.get(route.vehicle)
            if v is None:
                self.add(
                    C.UNKNOWN_VEHICLE,
                    f"route {r} names vehicle {route.vehicle!r}, which the instance does not have",
                    r,
                )
                continue
            if not 0 <= route.unit < v.count:
                self.add(
                    C.VEHICLE_UNIT,
                    f"vehicle {v.id!r} has {v.count} unit(s), numbered 0..{v.count - 1}; "
                    f"route {r} uses unit {route.unit}",
                    r,
                )
            key = (v.id, route.unit)
            if key in seen:
                self.add(
                    C.VEHICLE_UNIT,
                    f"vehicle {v.id!r} unit {route.unit} already drives route {seen[key]}",
                    r,
                )
            else:
                seen[key] = r

    # ----- one route ---------------------------------------------------------------------------
    def route(
        self, r: int, route: Route, res: list[_Resolved | None]
    ) -> tuple[Route, _RouteFigures]:
        inst, tol = self.inst, self.tol
        stops = route.stops
        n = len(stops)
        v = inst.vehicle_by_id.get(route.vehicle)
        if v is None:
            # Nothing can be recomputed without a vehicle type; the stops still count as served.
            used_unknown = any(s.kind != "depot" for s in stops)
            return route, _RouteFigures(used=used_unknown, trace=RouteTrace(used=used_unknown))
        t = inst.type_by_id[v.type]
        label = f"{v.id}#{route.unit}"
        shift = inst.shift_of(v)

        # Endpoints: a known depot stop at either end is the origin / destination (even the wrong
        # depot, reported); otherwise the vehicle's own depot is an implicit endpoint, so that the
        # legs to and from it are still driven, timed and costed.
        origin = 0 if n >= 1 and stops[0].kind == "depot" and res[0] is not None else None
        end = n - 1 if n >= 2 and stops[-1].kind == "depot" and res[-1] is not None else None
        first_res = res[0] if origin is not None else None
        last_res = res[-1] if end is not None else None
        start_depot = first_res.target if first_res is not None else inst.depot_by_id[v.start_depot]
        end_depot = last_res.target if last_res is not None else inst.depot_by_id[v.end]
        assert isinstance(start_depot, Depot) and isinstance(end_depot, Depot)
        if origin is None:
            self.add(
                C.ROUTE_ENDPOINTS,
                f"{label}: the first stop is not a known depot; taken to start at {v.start_depot!r}",
                r,
                0 if n else None,
            )
        elif start_depot.id != v.start_depot:
            self.add(
                C.ROUTE_ENDPOINTS,
                f"{label} starts at depot {start_depot.id!r}, not at its start depot "
                f"{v.start_depot!r}",
                r,
                0,
            )
        if end is None:
            self.add(
                C.ROUTE_ENDPOINTS,
                f"{label}: the last stop is not a known depot; taken to end at {v.end!r}",
                r,
                n - 1 if n else None,
            )
        elif end_depot.id != v.end:
            self.add(
                C.ROUTE_ENDPOINTS,
                f"{label} ends at depot {end_depot.id!r}, not at its end depot {v.end!r}",
                r,
                end,
            )
        visits = [s for s in range(n) if s not in (origin, end)]
        reloads = self.reloads(r, label, v, stops, res, visits)
        used = any(stops[k].kind != "depot" for k in visits)

        # Deliveries are loaded at the start depot: each trip's at the start or at its reload.
        trip_loads = _trip_deliveries(stops, res, visits, reloads)
        load_kg, load_m3 = trip_loads[0]
        trip = 0
        # What the trip picked up for the depot, unloaded at a reload (shipments stay on board).
        for_depot_kg = for_depot_m3 = 0.0

        electric = t.is_electric
        battery = float(t.battery_kwh) if electric and t.battery_kwh is not None else 0.0
        initial_soc = v.initial_soc * battery if electric else None
        soc = initial_soc

        figs: dict[int, dict[str, Any]] = {}

        # ---- leaving the start depot
        first = stops[origin] if origin is not None else None
        dep = (
            first.departure_min
            if first is not None and first.departure_min is not None
            else shift.start_min
        )
        if dep < shift.start_min - tol:
            self.add(
                C.SHIFT,
                f"{label} leaves at {dep:g}, before its shift starts at {shift.start_min:g}",
                r,
                origin,
                shift.start_min - dep,
            )
        elif not start_depot.opening.contains(dep, tol):
            o = start_depot.opening
            self.add(
                C.SHIFT,
                f"{label} leaves depot {start_depot.id!r} at {dep:g}, outside its opening hours "
                f"[{o.start_min:g}, {o.end_min:g}]",
                r,
                origin,
                _outside((o,), dep, dep),
            )
        if first is not None and origin is not None:
            arr_o = first.arrival_min if first.arrival_min is not None else dep
            start_o = first.start_min if first.start_min is not None else dep
            # The reported arrival at the start depot opens the route: inside the shift too.
            if first.arrival_min is not None and not shift.contains(arr_o, tol):
                self.add(
                    C.SHIFT,
                    f"{label} reports arriving at its start depot {start_depot.id!r} at "
                    f"{arr_o:g}, outside its shift [{shift.start_min:g}, {shift.end_min:g}]",
                    r,
                    origin,
                    _outside((shift,), arr_o, arr_o),
                )
            if arr_o > start_o + tol or start_o > dep + tol:
                self.add(
                    C.TIME_INCONSISTENT,
                    f"{label} at its start depot: arrival {arr_o:g}, start {start_o:g} and "
                    f"departure {dep:g} are not in order",
                    r,
                    origin,
                    max(arr_o - start_o, start_o - dep),
                )
                arr_o = start_o = dep
            figs[origin] = {
                "arrival_min": arr_o,
                "start_min": start_o,
                "departure_min": dep,
                "load_kg": load_kg,
                "soc_arrival_kwh": initial_soc,
                "soc_departure_kwh": initial_soc,
            }
        self.check_load(r, origin, label, f"depot {start_depot.id!r}", t, load_kg, load_m3)

        # ---- the stops, then the end depot (implicit when the route lacks it)
        loc = start_depot.location
        t_dep = dep
        distance = energy = 0.0
        station_cost = station_co2 = 0.0
        legs: list[Leg] = []
        charges: list[Charge] = []
        end_arrival = dep
        soc_end = soc
        points: list[int | None] = [*visits, end]
        for s in points:
            stop = stops[s] if s is not None else None
            rs = res[s] if s is not None else None
            if s is not None and rs is None:
                continue  # unknown reference, already reported; the route goes on without it
            is_end = s == end
            location = rs.location if rs is not None else end_depot.location
            d = float(inst.distance_km[loc, location])
            drive = float(inst.duration_min[loc, location]) / t.speed_factor
            used_energy = d * t.rate_per_km(load_kg)
            distance += d
            energy += used_energy
            legs.append(Leg(s, loc, location, d, drive, load_kg, used_energy))
            entered = inst.zones_entered(t, loc, location) if t.banned_zones else []
            if entered:
                where = f"{stop.kind} {stop.ref!r}" if stop else f"depot {end_depot.id!r}"
                self.add(
                    C.ZONE,
                    f"{label} (type {t.id!r}) drives through zone(s) "
                    f"{', '.join(map(repr, entered))}, where the type is banned, on its way from "
                    f"{inst.locations[loc].id!r} to {where} (straight-line travel)",
                    r,
                    s,
                )
            loc = location
            arrival = t_dep + drive
            if (
                stop is not None
                and stop.arrival_min is not None
                and self.differs(stop.arrival_min, arrival)
            ):
                self.add(
                    C.TIME_INCONSISTENT,
                    f"{label} reports arrival {stop.arrival_min:g} at {stop.kind} "
                    f"{stop.ref!r}, but leaving at {t_dep:g} and driving {drive:g} min "
                    f"arrives at {arrival:g}",
                    r,
                    s,
                    abs(stop.arrival_min - arrival),
                )
            soc_arr: float | None = None
            if soc is not None:
                soc_arr = soc - used_energy
                soc = soc_arr
                if soc_arr < t.reserve_kwh - tol:
                    where = f"{stop.kind} {stop.ref!r}" if stop else f"depot {end_depot.id!r}"
                    self.add(
                        C.BATTERY,
                        f"{label} arrives at {where} with {soc_arr:g} kWh, below the reserve of "
                        f"{t.reserve_kwh:g} kWh",
                        r,
                        s,
                        t.reserve_kwh - soc_arr,
                    )

            if stop is None or is_end:
                start = self.stay_start(r, s, label, stop, arrival)
                end_arrival = arrival
                soc_end = soc
                if stop is not None and s is not None:
                    departure = self.stay_departure(r, s, label, stop, start, 0.0)
                    # A reported departure from the end depot closes the route: inside the
                    # shift and the depot's opening, like the arrival checked below.
                    if stop.departure_min is not None and (
                        not shift.contains(departure, tol)
                        or not end_depot.opening.contains(departure, tol)
                    ):
                        self.add(
                            C.SHIFT,
                            f"{label} reports leaving its end depot {end_depot.id!r} at "
                            f"{departure:g}, outside its shift [{shift.start_min:g}, "
                            f"{shift.end_min:g}] or the depot's opening "
                            f"[{end_depot.opening.start_min:g}, {end_depot.opening.end_min:g}]",
                            r,
                            s,
                            max(
                                _outside((shift,), departure, departure),
                                _outside((end_depot.opening,), departure, departure),
                            ),
                        )
                    figs[s] = {
                        "arrival_min": arrival,
                        "start_min": start,
                        "departure_min": departure,
                        "load_kg": load_kg,
                        "soc_arrival_kwh": soc_arr,
                        "soc_departure_kwh": soc_arr,
                    }
                break
            assert s is not None and rs is not None
            fig: dict[str, Any] = {"arrival_min": arrival, "soc_arrival_kwh": soc_arr}
            if s in reloads:
                start, departure = self.reload(r, s, label, stop, start_depot, t, arrival)
                trip += 1
                load_kg += trip_loads[trip][0] - for_depot_kg
                load_m3 += trip_loads[trip][1] - for_depot_m3
                for_depot_kg = for_depot_m3 = 0.0
            elif stop.kind == "depot":  # mid-route: a pass-through, already reported
                start = self.stay_start(r, s, label, stop, arrival)
                departure = self.stay_departure(r, s, label, stop, start, 0.0)
            elif stop.kind in _TASK_KINDS:
                start, departure, dkg, dm3 = self.serve(r, s, label, stop, rs, arrival)
                load_kg += dkg
                load_m3 += dm3
                if stop.kind == "job" and dkg > 0:
                    for_depot_kg += dkg
                    for_depot_m3 += dm3
            else:
                station = rs.target
                assert isinstance(station, Station)
                start, departure, charged, cost, co2 = self.charge(
                    r, s, label, stop, station, t, arrival, soc_arr
                )
                station_cost += cost
                station_co2 += co2
                if soc_arr is not None:  # a vehicle without a battery buys nothing here
                    grid_kwh = charged / station.charging_efficiency
                    charges.append(
                        Charge(
                            s,
                            station.id,
                            station.kind,
                            charged,
                            grid_kwh,
                            _station_factor(station),
                            cost,
                        )
                    )
                fig["charged_kwh"] = charged
                fig["charge_cost"] = cost
                if soc is not None:
                    soc += charged
            if stop.kind != "depot" and inst.banned(t, location):
                coords = inst.locations[location].coordinates
                zones = [
                    z
                    for z in t.banned_zones
                    if coords is not None and inst.zone_by_id[z].covers(coords)
                ]
                self.add(
                    C.ZONE,
                    f"{label} (type {t.id!r}) stops at {stop.kind} {stop.ref!r} inside zone(s) "
                    f"{', '.join(map(repr, zones))}, where the type is banned",
                    r,
                    s,
                )
            self.check_load(r, s, label, f"{stop.kind} {stop.ref!r}", t, load_kg, load_m3)
            fig.update(
                start_min=start,
                departure_min=departure,
                load_kg=load_kg,
                soc_departure_kwh=soc,
            )
            figs[s] = fig
            t_dep = departure

        # ---- shift and duration
        end_ix = end
        if end_arrival > shift.end_min + tol:
            self.add(
                C.SHIFT,
                f"{label} returns at {end_arrival:g}, after its shift ends at {shift.end_min:g}",
                r,
                end_ix,
                end_arrival - shift.end_min,
            )
        elif not end_depot.opening.contains(end_arrival, tol):
            o = end_depot.opening
            self.add(
                C.SHIFT,
                f"{label} returns to depot {end_depot.id!r} at {end_arrival:g}, outside its "
                f"opening hours [{o.start_min:g}, {o.end_min:g}]",
                r,
                end_ix,
                _outside((o,), end_arrival, end_arrival),
            )
        duration = end_arrival - dep
        limits = [x for x in (v.max_duration_min, t.max_duration_min) if x is not None]
        if limits and duration > min(limits) + tol:
            self.add(
                C.MAX_DURATION,
                f"{label} is out for {duration:g} min (from {dep:g} to {end_arrival:g}), longer "
                f"than the maximum of {min(limits):g} min",
                r,
                None,
                duration - min(limits),
            )

        # ---- compare reported per-stop figures, fill in the recomputed ones
        filled = list(stops)
        for s, fig in figs.items():
            stop = stops[s]
            self.compare_stop(r, s, label, stop, fig, electric)
            if not electric:
                fig["soc_arrival_kwh"] = fig["soc_departure_kwh"] = None
            # Charge figures exist only at stations; a figure the recomputation has not is None.
            full = dict.fromkeys(_STOP_FIGURES)
            full.update(fig)
            num = {k: None if x is None else float(x) for k, x in full.items()}
            filled[s] = replace(
                stop,
                arrival_min=num["arrival_min"],
                start_min=num["start_min"],
                departure_min=num["departure_min"],
                load_kg=num["load_kg"],
                soc_arrival_kwh=num["soc_arrival_kwh"],
                soc_departure_kwh=num["soc_departure_kwh"],
                charged_kwh=num["charged_kwh"],
                charge_cost=num["charge_cost"],
            )

        out = _RouteFigures(used=used, carrier=t.carrier)
        if used:
            out.distance_km = distance
            out.duration_min = duration
            out.energy = energy
            if electric:
                assert initial_soc is not None and soc_end is not None
                # The overnight refill at the end depot of what the day used beyond what was bought.
                refill_battery = max(0.0, initial_soc - soc_end)
                refill_grid = refill_battery / end_depot.charging_efficiency
                refill_factor = electricity_wtw_kg_per_kwh(end_depot.grid_co2e_kg_per_kwh)
                refill_cost = refill_grid * end_depot.energy_price_per_kwh
                energy_cost = station_cost + refill_cost
                co2 = station_co2 + refill_grid * refill_factor
                charges.append(
                    Charge(
                        None,
                        end_depot.id,
                        "depot",
                        refill_battery,
                        refill_grid,
                        refill_factor,
                        refill_cost,
                    )
                )
            else:
                energy_cost = energy * t.fuel_price_per_unit
                co2 = (
                    energy
                    * fuel_factor(t.carrier, t.wtw_co2e_kg_per_unit, t.ttw_co2e_kg_per_unit)[1]
                )
            out.cost = {
                "fixed": t.fixed_cost,
                "distance": distance * t.cost_per_km,
                "time": duration / 60.0 * t.cost_per_hour,
                "energy": energy_cost,
            }
            out.co2e_wtw_kg = co2
        out.trace = RouteTrace(
            used=used,
            vehicle_type=t.id,
            carrier=t.carrier,
            start_depot=start_depot.id,
            end_depot=end_depot.id,
            legs=tuple(legs),
            charges=tuple(charges) if used else (),
            distance_km=out.distance_km,
            duration_min=out.duration_min,
            energy=out.energy,
            co2e_wtw_kg=out.co2e_wtw_kg,
            cost=dict(out.cost),
        )
        return replace(route, stops=tuple(filled)), out

    def reloads(
        self,
        r: int,
        label: str,
        v: Vehicle,
        stops: Sequence[Stop],
        res: list[_Resolved | None],
        visits: list[int],
    ) -> set[int]:
        """The mid-route stops that are reloads: the start depot again, at most ``max_trips`` - 1
        times. Any other depot stop between the ends is DEPOT_MID_ROUTE, saying why."""
        allowed = self.inst.max_trips_of(v) - 1
        out: set[int] = set()
        for k in visits:
            stop = stops[k]
            if stop.kind != "depot" or res[k] is None:
                continue
            if stop.ref == v.start_depot and len(out) < allowed:
                out.add(k)
                continue
            if stop.ref != v.start_depot:
                why = f"; only its start depot {v.start_depot!r} can reload it"
            elif allowed == 0:
                why = "; a reload there needs max_trips above 1 on its type or vehicle entry"
            else:
                why = f"; that is trip {len(out) + 2}, beyond its max_trips of {allowed + 1}"
            self.add(
                C.DEPOT_MID_ROUTE,
                f"{label} stops at depot {stop.ref!r} between its first and last stop{why}",
                r,
                k,
            )
        return out

    def reload(
        self,
        r: int,
        s: int,
        label: str,
        stop: Stop,
        depot: Depot,
        t: VehicleType,
        arrival: float,
    ) -> tuple[float, float]:
        """A reload at the start depot: it starts once the depot is open and takes the type's
        ``reload_min``, all inside the depot's opening hours. (start, departure)."""
        o = depot.opening
        if stop.start_min is None:
            start = max(arrival, o.start_min)
        else:
            start = self.stay_start(r, s, label, stop, arrival)
        departure = self.stay_departure(r, s, label, stop, start, t.reload_min, why="reloading")
        if not o.contains(start, self.tol) or not o.contains(start + t.reload_min, self.tol):
            self.add(
                C.SHIFT,
                f"{label} reloads at depot {depot.id!r} from {start:g} for {t.reload_min:g} min, "
                f"outside its opening hours [{o.start_min:g}, {o.end_min:g}]",
                r,
                s,
                _outside((o,), start, start + t.reload_min),
            )
        return start, departure

    def stay_start(
        self, r: int, s: int | None, label: str, stop: Stop | None, arrival: float
    ) -> float:
        """Start at a depot: the reported one (not before arrival), else the arrival."""
        if stop is None or stop.start_min is None:
            return arrival
        if stop.start_min < arrival - self.tol:
            self.add(
                C.TIME_INCONSISTENT,
                f"{label} reports start {stop.start_min:g} at {stop.kind} {stop.ref!r}, before "
                f"its arrival at {arrival:g}",
                r,
                s,
                arrival - stop.start_min,
            )
        return stop.start_min

    def stay_departure(
        self,
        r: int,
        s: int,
        label: str,
        stop: Stop,
        start: float,
        minutes: float,
        code: str = C.TIME_INCONSISTENT,
        why: str = "service",
    ) -> float:
        """Departure: the reported one (not before start + ``minutes``), else start + ``minutes``."""
        earliest = start + minutes
        if stop.departure_min is None:
            return earliest
        if stop.departure_min < earliest - self.tol:
            self.add(
                code,
                f"{label} reports leaving {stop.kind} {stop.ref!r} at {stop.departure_min:g}, "
                f"but {why} from {start:g} takes {minutes:g} min, until {earliest:g}",
                r,
                s,
                earliest - stop.departure_min,
            )
        return stop.departure_min

    def serve(
        self, r: int, s: int, label: str, stop: Stop, rs: _Resolved, arrival: float
    ) -> tuple[float, float, float, float]:
        """A job or shipment end: (start, departure, load change kg, load change m3)."""
        target = rs.target
        if isinstance(target, Job):
            windows, service = target.time_windows, target.service_min
            sign = -1.0 if target.kind == "delivery" else 1.0
            what = f"{target.kind} job {target.id!r}"
        else:
            assert isinstance(target, Shipment) and rs.end is not None
            windows, service = rs.end.time_windows, rs.end.service_min
            sign = 1.0 if stop.kind == "pickup" else -1.0
            what = f"the {stop.kind} of shipment {target.id!r}"
        assert isinstance(target, Job | Shipment)
        if stop.start_min is None:
            start = _earliest_in_windows(arrival, windows, self.tol)
        else:
            start = self.stay_start(r, s, label, stop, arrival)
        if windows and not any(w.contains(start, self.tol) for w in windows):
            amount, how = _window_miss(start, windows)
            self.add(C.TIME_WINDOW, f"{label} starts {what} at {start:g}, {how}", r, s, amount)
        departure = self.stay_departure(r, s, label, stop, start, service)
        return start, departure, sign * target.weight_kg, sign * target.volume_m3

    def charge(
        self,
        r: int,
        s: int,
        label: str,
        stop: Stop,
        station: Station,
        t: VehicleType,
        arrival: float,
        soc_arr: float | None,
    ) -> tuple[float, float, float, float, float]:
        """A station visit: (start, departure, charged kWh, cost incl. fee, grid CO2e kg)."""
        tol = self.tol
        if soc_arr is None or t.battery_kwh is None:
            self.add(
                C.NOT_ELECTRIC,
                f"{label} (type {t.id!r}, {t.carrier}) has no battery but visits station "
                f"{station.id!r}",
                r,
                s,
            )
            start = self.stay_start(r, s, label, stop, arrival)
            return start, self.stay_departure(r, s, label, stop, start, 0.0), 0.0, 0.0, 0.0
        battery = t.battery_kwh
        fill = battery - soc_arr
        rules = self.inst.rules
        if not t.can_use(station.kind):
            self.add(
                C.STATION_KIND,
                f"{label} (type {t.id!r}, {t.carrier}) cannot use {station.kind} station {station.id!r}",
                r,
                s,
            )
        if station.kind == "swap":
            charged = fill  # a fresh pack: the battery is full again, whatever was reported
        elif stop.charged_kwh is not None:
            charged = stop.charged_kwh
            if charged < -tol:
                self.add(
                    C.NEGATIVE_CHARGE,
                    f"{label} reports charging {charged:g} kWh at station {station.id!r}",
                    r,
                    s,
                    -charged,
                )
            if rules.full_recharge and charged < fill - tol:
                self.add(
                    C.FULL_RECHARGE,
                    f"{label} charges {charged:g} kWh at station {station.id!r}, but the rules "
                    f"require a full battery: {fill:g} kWh from {soc_arr:g} to {battery:g}",
                    r,
                    s,
                    fill - charged,
                )
        else:
            charged = max(fill, 0.0)
        if soc_arr + charged > battery + tol:
            self.add(
                C.BATTERY_OVERFULL,
                f"{label} charges {charged:g} kWh at station {station.id!r} on top of "
                f"{soc_arr:g} kWh, above the battery's {battery:g} kWh",
                r,
                s,
                soc_arr + charged - battery,
            )
        minutes = station.stay_minutes(
            battery, soc_arr, soc_arr + charged, instant=rules.instant_charging
        )
        if stop.start_min is None:
            start, _ = _station_start(arrival, station, minutes, tol)
        else:
            start = self.stay_start(r, s, label, stop, arrival)
        if not _fits(station.opening, start, start + minutes, tol):
            hours = ", ".join(f"[{w.start_min:g}, {w.end_min:g}]" for w in station.opening)
            self.add(
                C.STATION_HOURS,
                f"{label} charges at station {station.id!r} from {start:g} to "
                f"{start + minutes:g}, not inside one opening window ({hours})",
                r,
                s,
                _outside(station.opening, start, start + minutes),
            )
        departure = self.stay_departure(
            r, s, label, stop, start, minutes, C.CHARGE_TIME, f"charging {charged:g} kWh"
        )
        grid_kwh = charged / station.charging_efficiency
        cost = grid_kwh * (station.price_at(start) + station.fee_per_kwh) + station.fee_per_visit
        co2 = grid_kwh * _station_factor(station)
        return start, departure, charged, cost, co2

    def check_load(
        self,
        r: int,
        s: int | None,
        label: str,
        where: str,
        t: VehicleType,
        load_kg: float,
        load_m3: float,
    ) -> None:
        """Load on leaving a place against the type's capacities."""
        if load_kg > t.capacity_kg + self.tol:
            self.add(
                C.CAPACITY_WEIGHT,
                f"{label} leaves {where} with {load_kg:g} kg, above its capacity of "
                f"{t.capacity_kg:g} kg",
                r,
                s,
                load_kg - t.capacity_kg,
            )
        if t.capacity_m3 is not None and load_m3 > t.capacity_m3 + self.tol:
            self.add(
                C.CAPACITY_VOLUME,
                f"{label} leaves {where} with {load_m3:g} m3, above its capacity of "
                f"{t.capacity_m3:g} m3",
                r,
                s,
                load_m3 - t.capacity_m3,
            )

    def compare_stop(
        self, r: int, s: int, label: str, stop: Stop, fig: dict[str, Any], electric: bool
    ) -> None:
        """Reported load, state of charge, charged kWh and charge cost against the recomputation."""
        for name in (
            "load_kg",
            "soc_arrival_kwh",
            "soc_departure_kwh",
            "charged_kwh",
            "charge_cost",
        ):
            reported = getattr(stop, name)
            if reported is None:
                continue
            recomputed = fig.get(name)
            if name.startswith("soc") and not electric:
                self.add(
                    C.STOP_MISMATCH,
                    f"{label} reports {name} {reported:g} at {stop.kind} {stop.ref!r}, but the "
                    "vehicle has no battery",
                    r,
                    s,
                    abs(reported),
                )
                continue
            if recomputed is None:
                recomputed = 0.0  # no charging happens at a depot or a job
            if self.differs(reported, recomputed):
                self.add(
                    C.STOP_MISMATCH,
                    f"{label} reports {name} {reported:g} at {stop.kind} {stop.ref!r}; "
                    f"recomputed {recomputed:g}",
                    r,
                    s,
                    abs(reported - recomputed),
                )

    # ----- charger capacity (issue 7): begin ---------------------------------------------------
    def check_chargers(self, routes: Sequence[Route]) -> None:
        """No station has more vehicles charging at one instant than it has chargers.

        Why a separate pass: every other rule is a property of one route, this one couples routes,
        so it runs on the recomputed (filled) routes once all of them are known. A sweep over the
        start and end events of each station's occupied intervals [start, departure) finds every
        instant the count rises above ``station.chargers``; ends are shifted ``tol`` earlier and
        sorted before starts at the same time, so one vehicle may start as another leaves.
        """
        inst, tol = self.inst, self.tol
        #: station id -> (start, departure, route, stop, vehicle label) of each occupied interval.
        occupied: dict[str, list[tuple[float, float, int, int, str]]] = defaultdict(list)
        for r, route in enumerate(routes):
            if route.vehicle not in inst.vehicle_by_id:
                continue  # nothing was recomputed for this route (UNKNOWN_VEHICLE)
            for s, stop in enumerate(route.stops):
                if stop.kind != "station" or stop.ref not in inst.station_by_id:
                    continue
                start, departure = stop.start_min, stop.departure_min
                if start is None or departure is None or departure - start <= tol:
                    continue  # instant charging (or nothing done) occupies no charger
                occupied[stop.ref].append((start, departure, r, s, f"{route.vehicle}#{route.unit}"))
        for station in inst.stations:
            intervals = occupied.get(station.id, [])
            if len(intervals) <= station.chargers:
                continue
            # (time, 0 = leaves / 1 = starts, index): at equal times the leaver goes first.
            events = sorted(
                [(iv[0], 1, k) for k, iv in enumerate(intervals)]
                + [(iv[1] - tol, 0, k) for k, iv in enumerate(intervals)]
            )
            active: dict[int, None] = {}  # insertion-ordered set of the intervals charging now
            for time, starts, k in events:
                if not starts:
                    active.pop(k, None)
                    continue
                active[k] = None
                over = len(active) - station.chargers
                if over <= 0:
                    continue
                _, _, r, s, label = intervals[k]
                who = ", ".join(
                    f"{intervals[j][4]} (route {intervals[j][2]}, "
                    f"{intervals[j][0]:g}-{intervals[j][1]:g})"
                    for j in active
                )
                self.add(
                    C.CHARGER_CAPACITY,
                    f"{label} starts charging at station {station.id!r} at {time:g} while "
                    f"{len(active)} vehicles charge there and it has {station.chargers} "
                    f"charger(s): {who}",
                    r,
                    s,
                    over,
                )

    # ----- charger capacity (issue 7): end -----------------------------------------------------

    # ----- coverage and totals -----------------------------------------------------------------
    def check_coverage(self) -> None:
        """Every job and shipment served exactly once or listed unserved; shipments in order."""
        inst = self.inst
        listed: set[str] = set()
        for u in self.sol.unserved:
            if u not in inst.job_by_id and u not in inst.shipment_by_id:
                self.add(C.UNKNOWN_REF, f"unserved lists {u!r}, which names no job or shipment")
            elif u in listed:
                self.add(C.DUPLICATE_JOB, f"unserved lists {u!r} more than once")
            else:
                listed.add(u)
                self.unserved.append(u)
        if self.unserved and inst.objective.unserved_penalty is None:
            for u in self.unserved:
                self.add(
                    C.UNSERVED_NOT_ALLOWED,
                    f"{u!r} is left unserved, but the objective sets no unserved_penalty "
                    "(every job must be served)",
                )

        def places(where: list[tuple[int, int]]) -> str:
            return ", ".join(f"route {r} stop {s}" for r, s in where)

        def once(kind: str, tid: str, what: str) -> list[tuple[int, int]]:
            where = self.served.get((kind, tid), [])
            if len(where) > 1:
                r, s = where[1]
                self.add(C.DUPLICATE_JOB, f"{what} is served more than once: {places(where)}", r, s)
            if where and tid in listed:
                r, s = where[0]
                self.add(
                    C.DUPLICATE_JOB,
                    f"{what} is served ({places(where)}) and also listed as unserved",
                    r,
                    s,
                )
            return where

        for job in inst.jobs:
            if not once("job", job.id, f"job {job.id!r}") and job.id not in listed:
                self.add(C.MISSING_JOB, f"job {job.id!r} is neither served nor listed unserved")
        for sh in inst.shipments:
            pick = once("pickup", sh.id, f"the pickup of shipment {sh.id!r}")
            drop = once("delivery", sh.id, f"the delivery of shipment {sh.id!r}")
            if not pick and not drop:
                if sh.id not in listed:
                    self.add(
                        C.MISSING_JOB, f"shipment {sh.id!r} is neither served nor listed unserved"
                    )
            elif not pick or not drop:
                (r, s), done, missing = (
                    (pick[0], "pickup", "delivery") if pick else (drop[0], "delivery", "pickup")
                )
                self.add(
                    C.PICKUP_ORDER,
                    f"shipment {sh.id!r}: the {done} is served but the {missing} is not",
                    r,
                    s,
                )
            else:
                (rp, sp), (rd, sd) = pick[0], drop[0]
                if rp != rd:
                    self.add(
                        C.PICKUP_ORDER,
                        f"shipment {sh.id!r} is picked up on route {rp} but delivered on "
                        f"route {rd}",
                        rd,
                        sd,
                    )
                elif sd < sp:
                    self.add(
                        C.PICKUP_ORDER,
                        f"shipment {sh.id!r} is delivered at stop {sd} before its pickup at "
                        f"stop {sp}",
                        rd,
                        sd,
                    )

    def totals(self, figures: list[_RouteFigures]) -> Totals:
        objective = self.inst.objective
        used = [f for f in figures if f.used]
        energy: dict[str, float] = {}
        cost = dict.fromkeys(("fixed", "distance", "time", "energy"), 0.0)
        co2 = 0.0
        for f in used:
            if f.carrier is not None:
                energy[f.carrier] = energy.get(f.carrier, 0.0) + f.energy
            for k, x in f.cost.items():
                cost[k] += x
            co2 += f.co2e_wtw_kg
        cost["carbon"] = co2 / 1000.0 * objective.carbon_price_per_t_co2e
        cost["penalty"] = (
            len(self.unserved) * (objective.unserved_penalty or 0.0)
            + len(self.reassigned) * objective.reassignment_penalty
        )
        cost["total"] = sum(cost.values())
        return Totals(
            distance_km=sum(f.distance_km for f in used),
            duration_min=sum(f.duration_min for f in used),
            vehicles_used=len(used),
            cost=cost,
            energy=energy,
            co2e_wtw_kg=co2,
        )

    def check_totals(self, totals: Totals) -> None:
        """Each reported total that is not ``None`` against the recomputed one."""
        rep = self.sol.totals

        def compare(name: str, reported: float | None, recomputed: float, note: str = "") -> None:
            if reported is None:
                return
            diff = abs(reported - recomputed)
            if not diff <= max(self.totals_tol, REL_TOL * abs(recomputed)):
                self.add(
                    C.TOTAL_MISMATCH,
                    f"reported {name} {reported:g} differs from the recomputed {recomputed:g}"
                    f"{note}",
                    amount=diff,
                )

        compare("distance_km", rep.distance_km, totals.distance_km or 0.0)
        compare("duration_min", rep.duration_min, totals.duration_min or 0.0)
        if rep.vehicles_used is not None:
            compare("vehicles_used", float(rep.vehicles_used), float(totals.vehicles_used or 0))
        for k, x in rep.cost.items():
            known = k in totals.cost
            compare(
                f"cost.{k}",
                x,
                totals.cost.get(k, 0.0),
                "" if known else " (not a cost component the validator knows)",
            )
        for k, x in rep.energy.items():
            compare(f"energy.{k}", x, totals.energy.get(k, 0.0))
        compare("co2e_wtw_kg", rep.co2e_wtw_kg, totals.co2e_wtw_kg or 0.0)


def validate(
    instance: Instance, solution: Solution, *, tol: float = 1e-6, totals_tol: float = 5e-4
) -> Report:
    """Recompute ``solution`` from ``instance`` and check every rule; never stops at the first.

    Parameters
    ----------
    instance
        The problem.
    solution
        The plan, possibly sparse (stop sequences only).
    tol
        Absolute tolerance (plus 1e-9 relative) for times, loads, energies and per-stop figures.
    totals_tol
        Absolute tolerance for reported totals (plus 1e-9 relative); the default, half a unit of
        the third decimal, is the precision the public E-VRPTW verifier prints.

    Returns
    -------
    Report
        The violations, and the solution with every stop figure and the totals recomputed.

    Examples
    --------
    >>> report = validate(instance, solution)  # doctest: +SKIP
    >>> print(report.summary())  # doctest: +SKIP
    """
    return _Checker(instance, solution, tol, totals_tol).run()
