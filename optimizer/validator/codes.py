"""Violation codes: stable, machine-readable names for every way a plan can break the rules.

Why constants in one module: the CLI, the service and the tests match on these strings; one place
means a renamed code cannot silently leave a caller matching on the old spelling. ``CODES`` maps
each code to its one-line meaning (used in documentation and ``optimizer validate --help``).
"""

from __future__ import annotations

# --- structure: who drives, where routes start and end, what the stops name -------------------
#: A route names no vehicle entry of the instance.
UNKNOWN_VEHICLE = "UNKNOWN_VEHICLE"
#: A route's unit is < 0 or >= the vehicle entry's count, or two routes use the same vehicle+unit
#: (the vehicle-count check).
VEHICLE_UNIT = "VEHICLE_UNIT"
#: A stop (or an ``unserved`` entry) names no depot / job / shipment / station of its kind.
UNKNOWN_REF = "UNKNOWN_REF"
#: The first stop is not the vehicle's start depot or the last stop is not its end depot.
ROUTE_ENDPOINTS = "ROUTE_ENDPOINTS"
#: A depot stop between the first and the last stop.
DEPOT_MID_ROUTE = "DEPOT_MID_ROUTE"

#: The plan names another instance than the one it is checked against (both names set).
OTHER_INSTANCE = "OTHER_INSTANCE"

# --- coverage of jobs and shipments --------------------------------------------------------------
#: A job or shipment is neither served nor listed as unserved.
MISSING_JOB = "MISSING_JOB"
#: A job or shipment end is served twice, or served and also listed as unserved (or listed twice).
DUPLICATE_JOB = "DUPLICATE_JOB"
#: Jobs are left unserved although the objective sets no unserved penalty (all must be served).
UNSERVED_NOT_ALLOWED = "UNSERVED_NOT_ALLOWED"
#: A shipment's delivery comes before its pickup, only one end is served, or the ends are on
#: different routes.
PICKUP_ORDER = "PICKUP_ORDER"

# --- capacity, time and place --------------------------------------------------------------------
#: The weight on board when leaving a stop exceeds the type's capacity_kg.
CAPACITY_WEIGHT = "CAPACITY_WEIGHT"
#: The volume on board when leaving a stop exceeds the type's capacity_m3.
CAPACITY_VOLUME = "CAPACITY_VOLUME"
#: Service at a job or shipment end starts inside none of its time windows.
TIME_WINDOW = "TIME_WINDOW"
#: The vehicle leaves before its shift starts (or while the start depot is closed), or returns
#: after its shift ends or outside the end depot's opening hours.
SHIFT = "SHIFT"
#: The route lasts longer than the vehicle's or the type's max_duration_min.
MAX_DURATION = "MAX_DURATION"
#: Charging (or a swap) does not lie inside one opening window of the station.
STATION_HOURS = "STATION_HOURS"
#: A vehicle type banned from a zone stops at a place inside that zone.
ZONE = "ZONE"
#: More vehicles charge (or swap) at a station at one instant than it has chargers (issue 7).
CHARGER_CAPACITY = "CHARGER_CAPACITY"
#: A job or shipment end is served by a vehicle entry its ``vehicles`` list does not name (goods
#: already on board another truck, when replanning).
VEHICLE_NOT_ALLOWED = "VEHICLE_NOT_ALLOWED"

# --- energy --------------------------------------------------------------------------------------
#: The state of charge on arrival at a stop is below the type's reserve_kwh (or below zero).
BATTERY = "BATTERY"
#: A charge would put more energy in the battery than battery_kwh.
BATTERY_OVERFULL = "BATTERY_OVERFULL"
#: A stop reports a negative charged_kwh (a charger cannot take energy out of a battery).
NEGATIVE_CHARGE = "NEGATIVE_CHARGE"
#: The reported stay at a station is shorter than the charge (or swap) needs.
CHARGE_TIME = "CHARGE_TIME"
#: The instance's rules require every charger visit to fill the battery and this one does not.
FULL_RECHARGE = "FULL_RECHARGE"
#: A vehicle without a battery visits a station.
NOT_ELECTRIC = "NOT_ELECTRIC"
#: An electric vehicle visits a station it cannot use (a plug-in truck at a battery-swap station).
STATION_KIND = "STATION_KIND"

# --- reported figures ----------------------------------------------------------------------------
#: Reported times are impossible: an arrival differing from the previous departure plus travel
#: time, a start before the arrival, or a departure before start + service.
TIME_INCONSISTENT = "TIME_INCONSISTENT"
#: A reported per-stop figure (load, state of charge, charged kWh, charge cost) differs from the
#: recomputed one.
STOP_MISMATCH = "STOP_MISMATCH"
#: A reported total differs from the recomputed one.
TOTAL_MISMATCH = "TOTAL_MISMATCH"

#: Every code with its one-line meaning, in the order a report lists them.
CODES: dict[str, str] = {
    UNKNOWN_VEHICLE: "a route names no vehicle entry",
    VEHICLE_UNIT: "unit out of range for the vehicle entry's count, or one vehicle unit used twice",
    UNKNOWN_REF: "a stop or unserved entry names no depot/job/shipment/station of its kind",
    ROUTE_ENDPOINTS: "the route does not start at the start depot or does not end at the end depot",
    DEPOT_MID_ROUTE: "a depot stop between the first and the last stop",
    OTHER_INSTANCE: "the plan was made for another instance (its instance name differs)",
    MISSING_JOB: "a job or shipment neither served nor listed as unserved",
    DUPLICATE_JOB: "a job or shipment end served twice, or served and also listed as unserved",
    UNSERVED_NOT_ALLOWED: "jobs left unserved while the objective has no unserved penalty",
    PICKUP_ORDER: "a shipment delivered before its pickup, half served, or split over routes",
    CAPACITY_WEIGHT: "weight on board above capacity_kg",
    CAPACITY_VOLUME: "volume on board above capacity_m3",
    TIME_WINDOW: "service starts inside none of the stop's time windows",
    SHIFT: "leaves before the shift / depot opening, or returns after the shift / depot closing",
    MAX_DURATION: "the route lasts longer than the maximum duration",
    STATION_HOURS: "charging does not fit inside one opening window of the station",
    ZONE: "a vehicle type banned from a zone stops inside it or (straight-line travel) drives "
    "through it",
    CHARGER_CAPACITY: "more vehicles charge at a station at one instant than it has chargers",
    VEHICLE_NOT_ALLOWED: "a job or shipment served by a vehicle its vehicles list does not allow",
    BATTERY: "state of charge on arrival below the reserve (or below zero)",
    BATTERY_OVERFULL: "a charge above the battery capacity",
    NEGATIVE_CHARGE: "a negative charged_kwh",
    CHARGE_TIME: "the stay at a station is shorter than the charge needs",
    FULL_RECHARGE: "a charger visit does not fill the battery under the full-recharge rule",
    NOT_ELECTRIC: "a vehicle without a battery visits a station",
    STATION_KIND: "an electric vehicle visits a station of a kind it cannot use",
    TIME_INCONSISTENT: "reported arrival, start or departure times are impossible",
    STOP_MISMATCH: "a reported per-stop figure differs from the recomputed one",
    TOTAL_MISMATCH: "a reported total differs from the recomputed one",
}
