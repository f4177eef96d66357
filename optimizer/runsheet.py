"""The run sheet: per vehicle, its stops in order with clock times, load, charge and costs.

Why one module that every plan output reads: the console run sheet, the HTML report, the CSV of
stops and the GeoJSON points must say the same thing about every stop. The figures come from the
validator's recomputation (``Report.solution`` and ``Report.traces``), never from the solver's own
numbers, so a dispatcher reads what the independent check found.

Clock times are minutes from the start of the planning day (``model`` conventions); the sheet
prints them as ``HH:MM``, and a time past midnight as ``24:30`` rather than wrapping, so that a
late return is not read as an early one.

A vehicle that may make several trips (``VehicleType.max_trips``) has one route whose stops pass
its start depot in the middle: ``depot, job..., depot, job..., depot``. Each such depot stop is a
*reload* (unload the pickups, load the next trip's deliveries) and starts the next trip;
:func:`reload_indices` and :func:`trip_count` say where, and every writer of a plan reads them
from here so that none of them takes a depot in the middle for the end of the day.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from .model import FUEL_UNIT, Instance
from .solution import Stop
from .validator.report import COST_KEYS, Report

#: Column names of one stop row, in order (the CSV header; the GeoJSON point properties).
STOP_FIELDS: tuple[str, ...] = (
    "route",
    "vehicle",
    "vehicle_type",
    "seq",
    "kind",
    "ref",
    "location",
    "lon_or_x",
    "lat_or_y",
    "arrival",
    "departure",
    "arrival_min",
    "start_min",
    "departure_min",
    "wait_min",
    "service_min",
    "load_kg",
    "soc_arrival_kwh",
    "soc_departure_kwh",
    "soc_departure_pct",
    "charged_kwh",
    "charge_min",
    "charge_cost",
    "station_kind",
)


def clock(minutes: float | None) -> str:
    """``HH:MM`` of a clock time in minutes from the start of the day (``""`` for ``None``)."""
    if minutes is None or not math.isfinite(minutes):
        return ""
    m = round(minutes)
    sign = "-" if m < 0 else ""
    m = abs(m)
    return f"{sign}{m // 60:02d}:{m % 60:02d}"


class _Visit(Protocol):
    """Anything with a stop kind: a plan's :class:`Stop` or a :class:`SheetStop`."""

    @property
    def kind(self) -> str: ...


def reload_indices(stops: Sequence[_Visit]) -> tuple[int, ...]:
    """The positions of the depot stops strictly between a route's first and last stop.

    Each is a reload: the vehicle is back at its depot between two trips. The first and the last
    stop are the start and the end of the day, never a reload.
    """
    return tuple(k for k in range(1, len(stops) - 1) if stops[k].kind == "depot")


def trip_count(stops: Sequence[_Visit]) -> int:
    """How many trips a route makes: one, plus one per reload (0 for a route without stops)."""
    return 1 + len(reload_indices(stops)) if stops else 0


def stop_location(instance: Instance, stop: Stop) -> int | None:
    """The location index a stop is at (``None`` for an id the instance does not know)."""
    return instance.location_of(stop.kind, stop.ref)


@dataclass(frozen=True, slots=True)
class SheetStop:
    """One stop as the driver reads it. ``charge_min`` is the time spent charging or swapping
    (departure less start); ``wait_min`` the time between arrival and the start of service."""

    route: int
    vehicle: str
    vehicle_type: str
    seq: int
    kind: str
    ref: str
    location: str
    coordinates: tuple[float, float] | None
    arrival_min: float | None
    start_min: float | None
    departure_min: float | None
    load_kg: float | None
    soc_arrival_kwh: float | None
    soc_departure_kwh: float | None
    battery_kwh: float | None
    charged_kwh: float | None
    charge_cost: float | None
    station_kind: str | None

    @property
    def wait_min(self) -> float | None:
        if self.arrival_min is None or self.start_min is None:
            return None
        return max(0.0, self.start_min - self.arrival_min)

    @property
    def service_min(self) -> float | None:
        """Time at the stop after the wait (handling, charging or swapping)."""
        if self.start_min is None or self.departure_min is None:
            return None
        return max(0.0, self.departure_min - self.start_min)

    @property
    def charge_min(self) -> float | None:
        return self.service_min if self.kind == "station" else None

    @property
    def soc_departure_pct(self) -> float | None:
        if self.soc_departure_kwh is None or not self.battery_kwh:
            return None
        return 100.0 * self.soc_departure_kwh / self.battery_kwh

    def row(self) -> dict[str, Any]:
        """The stop as a flat row keyed by :data:`STOP_FIELDS` (numbers rounded for reading)."""
        x, y = self.coordinates if self.coordinates is not None else (None, None)
        return {
            "route": self.route,
            "vehicle": self.vehicle,
            "vehicle_type": self.vehicle_type,
            "seq": self.seq,
            "kind": self.kind,
            "ref": self.ref,
            "location": self.location,
            "lon_or_x": x,
            "lat_or_y": y,
            "arrival": clock(self.arrival_min),
            "departure": clock(self.departure_min),
            "arrival_min": _r(self.arrival_min),
            "start_min": _r(self.start_min),
            "departure_min": _r(self.departure_min),
            "wait_min": _r(self.wait_min),
            "service_min": _r(self.service_min),
            "load_kg": _r(self.load_kg),
            "soc_arrival_kwh": _r(self.soc_arrival_kwh),
            "soc_departure_kwh": _r(self.soc_departure_kwh),
            "soc_departure_pct": _r(self.soc_departure_pct, 1),
            "charged_kwh": _r(self.charged_kwh),
            "charge_min": _r(self.charge_min),
            "charge_cost": _r(self.charge_cost, 2),
            "station_kind": self.station_kind,
        }


@dataclass(frozen=True, slots=True)
class SheetRoute:
    """One vehicle's day: its stops and what the validator recomputed for the whole route.

    ``cost`` holds the route's ``fixed``, ``distance``, ``time`` and ``energy`` costs, ``carbon``
    (its CO2e at the objective's carbon price) and their ``total``.
    """

    route: int
    vehicle: str
    vehicle_type: str
    carrier: str
    stops: tuple[SheetStop, ...]
    distance_km: float
    duration_min: float
    energy: float
    energy_unit: str
    co2e_wtw_kg: float
    cost: Mapping[str, float]

    @property
    def station_stops(self) -> tuple[SheetStop, ...]:
        return tuple(s for s in self.stops if s.kind == "station")

    @property
    def reloads(self) -> tuple[SheetStop, ...]:
        """The depot stops between two trips (see :func:`reload_indices`)."""
        return tuple(self.stops[k] for k in reload_indices(self.stops))

    @property
    def trips(self) -> int:
        """Trips the vehicle makes: 1 plus one per reload at its depot."""
        return trip_count(self.stops)

    @property
    def charged_kwh(self) -> float:
        return math.fsum(s.charged_kwh or 0.0 for s in self.station_stops)

    @property
    def charge_min(self) -> float:
        return math.fsum(s.charge_min or 0.0 for s in self.station_stops)

    @property
    def charge_cost(self) -> float:
        return math.fsum(s.charge_cost or 0.0 for s in self.station_stops)


@dataclass(frozen=True, slots=True)
class RunSheet:
    """The whole plan as a dispatcher hands it out; ``cost`` is the validator's plan total by
    component (penalties for unserved jobs included)."""

    instance: str
    currency: str
    feasible: bool
    routes: tuple[SheetRoute, ...]
    unserved: tuple[str, ...]
    distance_km: float
    duration_min: float
    cost: Mapping[str, float]
    co2e_wtw_kg: float
    #: Whether coordinates are (lon, lat) degrees; otherwise they are (x, y) in km.
    geographic: bool

    def rows(self) -> list[dict[str, Any]]:
        """Every stop of every route as a flat row (see :data:`STOP_FIELDS`)."""
        return [s.row() for r in self.routes for s in r.stops]


def build_run_sheet(instance: Instance, report: Report) -> RunSheet:
    """The run sheet of the plan the validator checked (``report.solution``, its figures filled in).

    Routes that serve nothing are left out: no driver needs a sheet for staying at the depot.
    """
    sol = report.solution
    carbon_price = instance.objective.carbon_price_per_t_co2e
    routes: list[SheetRoute] = []
    for r, (route, trace) in enumerate(zip(sol.routes, report.traces, strict=False)):
        if not trace.used or not route.visits:
            continue
        vehicle = instance.vehicle_by_id.get(route.vehicle)
        vtype = instance.type_by_id.get(vehicle.type) if vehicle is not None else None
        label = f"{route.vehicle}#{route.unit}"
        battery = vtype.battery_kwh if vtype is not None else None
        stops: list[SheetStop] = []
        for k, stop in enumerate(route.stops):
            loc = stop_location(instance, stop)
            place = instance.locations[loc] if loc is not None else None
            station = instance.station_by_id.get(stop.ref) if stop.kind == "station" else None
            stops.append(
                SheetStop(
                    route=r,
                    vehicle=label,
                    vehicle_type=trace.vehicle_type or "",
                    seq=k,
                    kind=stop.kind,
                    ref=stop.ref,
                    location=place.id if place is not None else "",
                    coordinates=place.coordinates if place is not None else None,
                    arrival_min=stop.arrival_min,
                    start_min=stop.start_min,
                    departure_min=stop.departure_min,
                    load_kg=stop.load_kg,
                    soc_arrival_kwh=stop.soc_arrival_kwh,
                    soc_departure_kwh=stop.soc_departure_kwh,
                    battery_kwh=battery,
                    charged_kwh=stop.charged_kwh,
                    charge_cost=stop.charge_cost,
                    station_kind=station.kind if station is not None else None,
                )
            )
        cost = {k: trace.cost.get(k, 0.0) for k in ("fixed", "distance", "time", "energy")}
        cost["carbon"] = trace.co2e_wtw_kg / 1000.0 * carbon_price
        cost["total"] = math.fsum(cost.values())
        carrier = trace.carrier or ""
        routes.append(
            SheetRoute(
                route=r,
                vehicle=label,
                vehicle_type=trace.vehicle_type or "",
                carrier=carrier,
                stops=tuple(stops),
                distance_km=trace.distance_km,
                duration_min=trace.duration_min,
                energy=trace.energy,
                energy_unit=FUEL_UNIT.get(carrier, ""),
                co2e_wtw_kg=trace.co2e_wtw_kg,
                cost=cost,
            )
        )
    t = report.totals
    return RunSheet(
        instance=sol.instance or instance.name,
        currency=instance.objective.currency,
        feasible=report.feasible,
        routes=tuple(routes),
        unserved=tuple(sol.unserved),
        distance_km=t.distance_km or 0.0,
        duration_min=t.duration_min or 0.0,
        cost={k: t.cost[k] for k in COST_KEYS if k in t.cost},
        co2e_wtw_kg=t.co2e_wtw_kg or 0.0,
        geographic=_geographic(instance),
    )


def _geographic(instance: Instance) -> bool:
    """Whether coordinates are (lon, lat): haversine travel, or a road graph in lon/lat."""
    if instance.travel.metric == "haversine":
        return True
    road = instance.meta.get("road_network")
    return isinstance(road, Mapping) and road.get("coordinates") == "lon/lat"


def _count(n: int, what: str) -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def _r(x: float | None, digits: int = 3) -> float | None:
    return None if x is None else round(x, digits)


def _n(x: float | None, digits: int = 1) -> str:
    return "" if x is None else f"{x:,.{digits}f}"


def _what(s: SheetStop, last: int, trip: int) -> str:
    """What the driver does at ``s``; ``last`` is the route's last position, ``trip`` the trip
    that a reload at ``s`` starts."""
    if s.kind == "station":
        return f"{'swap' if s.station_kind == 'swap' else 'charge'} {s.ref}"
    if s.kind == "depot":
        if 0 < s.seq < last:
            held = s.service_min
            took = f", {held:.0f} min" if held is not None else ""
            return f"reload at {s.ref}{took}, trip {trip} starts"
        return f"{'start' if s.seq == 0 else 'end'} {s.ref}"
    return f"{s.kind} {s.ref}"


def _soc(s: SheetStop) -> str:
    if s.soc_departure_kwh is None:
        return ""
    pct = s.soc_departure_pct
    text = f"{s.soc_departure_kwh:,.0f} kWh"
    if pct is not None:
        text += f" {pct:3.0f}%"
    return text


def _charge(s: SheetStop, currency: str) -> str:
    if s.kind != "station":
        return ""
    return (
        f"+{_n(s.charged_kwh)} kWh from {_n(s.soc_arrival_kwh, 0)}, {_n(s.charge_min, 0)} min, "
        f"{_n(s.charge_cost, 2)} {currency}"
    )


def _cost_line(cost: Mapping[str, float], currency: str) -> str:
    parts = [f"{k} {cost[k]:,.2f}" for k in COST_KEYS if k != "total" and cost.get(k)]
    return f"{' + '.join(parts) or '0'} = {cost.get('total', 0.0):,.2f} {currency}"


def render_text(sheet: RunSheet) -> str:
    """The run sheet as plain text, one block per vehicle, then the plan's totals.

    Plain text (not a rich table) because it is printed, mailed and pasted into messages: fixed
    columns, no box characters, nothing that a pipe or a printer mangles.
    """
    cur = sheet.currency
    out: list[str] = [f"Run sheet: {sheet.instance} ({_count(len(sheet.routes), 'vehicle')})"]
    for r in sheet.routes:
        first, last = r.stops[0], r.stops[-1]
        tasks = sum(1 for s in r.stops if s.kind in ("job", "pickup", "delivery"))
        trips = f"{_count(r.trips, 'trip')}  " if r.trips > 1 else ""
        out.append("")
        out.append(
            f"{r.vehicle}  {r.vehicle_type} ({r.carrier})  "
            f"{clock(first.departure_min)}-{clock(last.arrival_min)}  {trips}"
            f"{_count(tasks, 'stop')}  {r.distance_km:,.1f} km  {r.duration_min / 60.0:,.2f} h"
        )
        out.append(
            f"  {'#':>2}  {'arrive':>6}  {'depart':>6}  {'stop':<38} {'load kg':>9}  "
            f"{'SoC left':>13}  charge / swap"
        )
        trip = 1
        for s in r.stops:
            arrive = "" if s.seq == 0 else clock(s.arrival_min)
            depart = "" if s.seq == len(r.stops) - 1 else clock(s.departure_min)
            wait = s.wait_min
            if s.kind == "depot" and 0 < s.seq < len(r.stops) - 1:
                trip += 1
            what = _what(s, len(r.stops) - 1, trip)
            if wait is not None and wait >= 0.5 and s.seq > 0:
                what += f" (wait {wait:.0f} min)"
            out.append(
                f"  {s.seq:>2}  {arrive:>6}  {depart:>6}  {what:<38} {_n(s.load_kg, 0):>9}  "
                f"{_soc(s):>13}  {_charge(s, cur)}".rstrip()
            )
        energy = f"{r.energy:,.1f} {r.energy_unit}"
        line = f"  total: {r.distance_km:,.1f} km, {r.duration_min / 60.0:,.2f} h, {energy}"
        if r.trips > 1:
            line += f"; {r.trips} trips, {_count(len(r.reloads), 'reload')} at the depot"
        if r.station_stops:
            line += (
                f"; {_count(len(r.station_stops), 'charge/swap stop')}, {r.charged_kwh:,.1f} kWh, "
                f"{r.charge_min:,.0f} min, {r.charge_cost:,.2f} {cur}"
            )
        out.append(line + f"; CO2e {r.co2e_wtw_kg:,.1f} kg")
        out.append(f"  cost: {_cost_line(r.cost, cur)}")
    out.append("")
    out.append(
        f"Plan: {_count(len(sheet.routes), 'vehicle')}, {sheet.distance_km:,.1f} km, "
        f"{sheet.duration_min / 60.0:,.2f} h, CO2e {sheet.co2e_wtw_kg:,.1f} kg"
    )
    out.append(f"  cost: {_cost_line(sheet.cost, cur)}")
    if sheet.unserved:
        out.append(f"  unserved: {', '.join(sheet.unserved)}")
    return "\n".join(out)


__all__ = [
    "STOP_FIELDS",
    "RunSheet",
    "SheetRoute",
    "SheetStop",
    "build_run_sheet",
    "clock",
    "reload_indices",
    "render_text",
    "stop_location",
    "trip_count",
]
