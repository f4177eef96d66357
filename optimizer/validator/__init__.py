"""The independent checker: recomputes every figure of a plan from the Instance and the stop
sequence alone, and lists every rule the plan breaks.

Why independent: the validator trusts neither the solver nor the loader, so a bug in one cannot
hide in the other. It imports neither ``optimizer.solver`` nor OR-Tools (an import-linter contract
in ``pyproject.toml`` enforces this); it reads only the model, the solution, the errors and the
carbon factors. The rules below define what a plan costs, so the solver must follow them too.

Semantics
---------
``tol`` (default 1e-6) is the absolute tolerance of every time, load and energy comparison, plus
1e-9 relative for per-stop figures; ``totals_tol`` (default 5e-4) that of reported totals.

*Route and vehicle.* A route drives unit ``route.unit`` of the vehicle entry V named by
``route.vehicle``, of type T = ``instance.type_by_id[V.type]``. A route whose vehicle entry does
not exist (UNKNOWN_VEHICLE) cannot be recomputed: its stops still count as served, it adds nothing
to the totals. The first stop must be V's start depot and the last V's end depot
(ROUTE_ENDPOINTS). A known depot stop at either end is used as that end even when it is the wrong
depot; when an end is not a known depot stop, the vehicle's own depot is an implicit endpoint, so
the legs to and from it are still driven, timed and costed. A stop at V's start depot in between
is a *reload* when V may make several trips: at most ``instance.max_trips_of(V) - 1`` of them
(``max_trips`` of V, else of T). A reload starts at the arrival (or the reported start; not before
the depot opens), takes ``T.reload_min`` (TIME_INCONSISTENT if the reported departure is earlier),
all inside the depot's opening hours (SHIFT); there the pickups of the trip before are unloaded
(shipments on board stay) and the next trip's deliveries are loaded. The battery carries over: a
reload does not charge. Any other depot stop in between, or a reload beyond ``max_trips``, is
DEPOT_MID_ROUTE (the message says which) and is passed through with no service and no reloading.
The route's duration, shift, fixed cost and duration limit are those of the whole day of trips. A
stop whose reference is unknown (UNKNOWN_REF) is skipped: the route drives from the stop before it
to the stop after it.

*Start.* Departure from the start depot = the first stop's reported ``departure_min`` if given,
else the shift start (``instance.shift_of(V).start_min``). It must not be before the shift start
nor outside the start depot's opening hours (SHIFT). Load on leaving = the sum of ``weight_kg``
(and ``volume_m3``) of the ``delivery``-kind Jobs served on the route (on its first trip, where
it reloads). Battery on leaving =
``V.initial_soc * T.battery_kwh`` (electric types only).

*Arc* prev -> stop: distance d = ``instance.distance_km[a, b]``, driving minutes =
``instance.duration_min[a, b] / T.speed_factor``, energy = ``d * T.rate_per_km(load on board)`` in
the carrier's unit (kWh taken from the battery for electric types). Arrival = previous departure
+ driving minutes; a reported ``arrival_min`` that differs is TIME_INCONSISTENT.

*Start of service* (``start_min``): the reported one if given (before the arrival ->
TIME_INCONSISTENT); else the earliest feasible: at a job or shipment end, ``max(arrival, start of
the first time window whose end >= arrival)`` (no windows: the arrival); at a station,
``max(arrival, start of the first opening window in which the whole charge fits)``, else of the
first window whose end >= arrival; at a depot, the arrival. A job or shipment end whose start lies
in none of its windows is TIME_WINDOW, amount = minutes late after the last window closed before
it (or early before the first window).

*Stations* (electric types only; otherwise NOT_ELECTRIC, and the stop takes no time and no money;
a type that cannot use the station's kind, ``VehicleType.can_use``, gives STATION_KIND).
Charged kWh: at a swap station always ``battery_kwh - soc on arrival`` (a fresh pack; a different
reported figure is STOP_MISMATCH); at a charger the reported ``charged_kwh`` if given, else the
fill to ``battery_kwh``. A negative reported charge is NEGATIVE_CHARGE; under
``rules.full_recharge`` a charge below the fill is FULL_RECHARGE; ``soc_arrival + charged >
battery_kwh`` is BATTERY_OVERFULL (the battery is not capped: the reported energy is paid for).
Stay: a swap takes ``station.swap_min``; a charger takes ``station.charge_minutes(T.battery_kwh,
soc_arrival, soc_arrival + charged)``, or 0 under ``rules.instant_charging``. The interval
[start, start + stay] must lie inside one opening window (STATION_HOURS); the vehicle may then
stay parked longer. A reported ``start_min`` later than the arrival is a wait before charging (in
the queue for a free charger, or for the station to open): allowed, like waiting for a time
window, and counted in the route's duration and shift like any other minute of the route.

*Departure* = the reported one if given (before start + service or stay -> TIME_INCONSISTENT at
depots and jobs, CHARGE_TIME at stations), else start + service (``job.service_min``, or the
ShipmentStop's ``service_min``) or start + stay.

*Load* after a stop: a delivery Job -weight, a pickup Job +weight, a shipment pickup +weight, a
shipment delivery -weight (volumes alike). Load on leaving the start depot and every stop must be
<= ``capacity_kg`` (CAPACITY_WEIGHT) and, when ``T.capacity_m3`` is set, <= ``capacity_m3``
(CAPACITY_VOLUME); amount = the excess.

*Battery*: the state of charge on arrival at every stop, the end depot included, must be >=
``T.reserve_kwh`` (BATTERY, amount = shortfall; below zero is below any reserve).

*Place*: a type banned from a zone must not stop (job, shipment end or station) at a location the
zone covers, ``instance.banned(T, location)`` (ZONE). A job or shipment end whose ``vehicles``
list is not empty must be served by a route of one of those vehicle entries (VEHICLE_NOT_ALLOWED).

*End*: arrival at the end depot must be <= the shift end and inside the end depot's opening
(SHIFT); so must a reported departure from it. A reported arrival at the start depot must lie
inside the shift (SHIFT). Route duration = end-depot arrival - start-depot departure; it must not exceed the smaller
of ``V.max_duration_min`` and ``T.max_duration_min`` where set (MAX_DURATION).

*Unused routes*: a route with no stop other than depots is an unused vehicle: its figures are
filled and checked, but it costs nothing and does not count in ``vehicles_used``.

*Instance*: a plan whose ``instance`` names another instance than the one given (both names
set) is OTHER_INSTANCE. Non-finite reported figures (NaN, infinities, or beyond +-1e15,
``core.MAX_FIGURE``: the sums after them would overflow) are flagged first
(TIME_INCONSISTENT for times, STOP_MISMATCH for other stop figures, TOTAL_MISMATCH for totals)
and then treated as not reported; every comparison is written so that a NaN fails it.

*Coverage*: every job and shipment is served exactly once or listed in ``unserved``, never both
(MISSING_JOB, DUPLICATE_JOB; an ``unserved`` entry naming nothing is UNKNOWN_REF). Listing any as
unserved when ``objective.unserved_penalty`` is None is UNSERVED_NOT_ALLOWED (one per id). A
shipment's pickup and delivery are on the same route, pickup first (PICKUP_ORDER). Vehicle units
lie in 0..count-1 and each drives at most one route (VEHICLE_UNIT: the vehicle-count check).

*Totals* (over used routes): ``distance_km``, ``duration_min``, ``vehicles_used``, ``energy`` =
{carrier: energy used} (kWh on the battery side for bev/swap; L or kg for fuels), and ``cost``:

- ``fixed`` = sum of T.fixed_cost; ``distance`` = sum of d * T.cost_per_km;
  ``time`` = sum of duration / 60 * T.cost_per_hour;
- ``energy``: fuel types: fuel used * T.fuel_price_per_unit; electric types: each station stop's
  ``charge_cost`` = charged / station.charging_efficiency * (station.price_at(start_min) +
  station.fee_per_kwh) + station.fee_per_visit, plus the depot refill max(0, initial battery - battery on arrival at the
  end) / end_depot.charging_efficiency * end_depot.energy_price_per_kwh;
- ``carbon`` = co2e_wtw_kg / 1000 * objective.carbon_price_per_t_co2e;
- ``penalty`` = number of distinct known ids in ``unserved`` * (objective.unserved_penalty or 0)
  + number of distinct jobs and shipments served (an end of them) by a vehicle entry other than
  their ``preferred_vehicle`` * objective.reassignment_penalty;
- ``total`` = the sum of the six.

``co2e_wtw_kg``: fuels: fuel used * the WTW factor (``optimizer.carbon.fuel_factor``); electric:
the grid kWh (charged / efficiency) at each station's factor
(``electricity_wtw_kg_per_kwh(station.grid_co2e_kg_per_kwh)``, location-based: a green share does
not lower it) plus the depot
refill's grid kWh at the end depot's factor.

*Reported figures*: every total that is not None (each cost component and energy entry present;
an unknown one is compared with 0) differing from the recomputed one by more than
``max(totals_tol, 1e-9 * |value|)`` is TOTAL_MISMATCH. A reported per-stop ``load_kg``,
``soc_arrival_kwh``, ``soc_departure_kwh``, ``charged_kwh`` or ``charge_cost`` differing by more
than ``tol`` (+1e-9 relative) is STOP_MISMATCH; charge figures at non-station stops are compared
with 0, a state of charge on a vehicle without a battery is always a mismatch.

*Charger capacity* (checked across routes after the per-route pass): a vehicle occupies one of a
station's ``chargers`` (swap bays at a swap station) from the recomputed ``start_min`` until its
``departure_min``, so one parked after charging still blocks the plug; waiting before
``start_min`` does not. At no instant may more of these half-open intervals [start, departure)
overlap at one station than it has chargers; touching ends (one leaves as the next starts) are
allowed and intervals no longer than ``tol`` (instant charging) occupy nothing. Each vehicle that
starts while all chargers are taken is CHARGER_CAPACITY, at its route and stop, amount = how many
vehicles are over the station's count at that instant; the message names the station, the time
and every vehicle (route, interval) charging then. Routes of unknown vehicles are left out.

All violations are reported; the validator never stops at the first.

*Traces*: ``Report.traces`` has, per route, the arcs driven (distance, driving minutes, load on
board, energy in the carrier's unit) and the energy bought (each station stop and the depot refill:
battery kWh, grid kWh, the place's WTW factor, cost), exactly the figures behind the totals. Carbon
accounting reads them instead of recomputing the physics a second time.

Examples
--------
>>> from optimizer.validator import validate  # doctest: +SKIP
>>> report = validate(instance, solution)  # doctest: +SKIP
>>> report.feasible, report.totals.distance_km  # doctest: +SKIP
(True, 974.832...)
"""

from __future__ import annotations

from . import codes
from .codes import (
    BATTERY,
    BATTERY_OVERFULL,
    CAPACITY_VOLUME,
    CAPACITY_WEIGHT,
    CHARGE_TIME,
    CHARGER_CAPACITY,
    CODES,
    DEPOT_MID_ROUTE,
    DUPLICATE_JOB,
    FULL_RECHARGE,
    MAX_DURATION,
    MISSING_JOB,
    NEGATIVE_CHARGE,
    NOT_ELECTRIC,
    OTHER_INSTANCE,
    PICKUP_ORDER,
    ROUTE_ENDPOINTS,
    SHIFT,
    STATION_HOURS,
    STATION_KIND,
    STOP_MISMATCH,
    TIME_INCONSISTENT,
    TIME_WINDOW,
    TOTAL_MISMATCH,
    UNKNOWN_REF,
    UNKNOWN_VEHICLE,
    UNSERVED_NOT_ALLOWED,
    VEHICLE_NOT_ALLOWED,
    VEHICLE_UNIT,
    ZONE,
)
from .core import validate
from .report import COST_KEYS, Charge, Leg, Report, RouteTrace, Violation

__all__ = [
    "BATTERY",
    "BATTERY_OVERFULL",
    "CAPACITY_VOLUME",
    "CAPACITY_WEIGHT",
    "CHARGER_CAPACITY",
    "CHARGE_TIME",
    "CODES",
    "COST_KEYS",
    "DEPOT_MID_ROUTE",
    "DUPLICATE_JOB",
    "FULL_RECHARGE",
    "MAX_DURATION",
    "MISSING_JOB",
    "NEGATIVE_CHARGE",
    "NOT_ELECTRIC",
    "OTHER_INSTANCE",
    "PICKUP_ORDER",
    "ROUTE_ENDPOINTS",
    "SHIFT",
    "STATION_HOURS",
    "STATION_KIND",
    "STOP_MISMATCH",
    "TIME_INCONSISTENT",
    "TIME_WINDOW",
    "TOTAL_MISMATCH",
    "UNKNOWN_REF",
    "UNKNOWN_VEHICLE",
    "UNSERVED_NOT_ALLOWED",
    "VEHICLE_NOT_ALLOWED",
    "VEHICLE_UNIT",
    "ZONE",
    "Charge",
    "Leg",
    "Report",
    "RouteTrace",
    "Violation",
    "codes",
    "validate",
]
