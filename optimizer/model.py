"""The problem model: one immutable representation that every loader produces and every part reads.

Conventions (see the glossary in README.md):

- Units are in the names. Distances in km, durations and clock times in minutes from the start of
  the planning day, energy in kWh, weights in kg, volumes in m3, money in the instance's currency.
  Fuel consumption of non-electric carriers is in the carrier's own unit (``fuel_unit``: litres
  for diesel and methanol, kilograms for LNG and hydrogen), because that is how fleets buy it and
  how emission factors are published.
- A *location* is a row of the travel matrices. Depots, job stops and stations each point at one by
  integer index; the native JSON refers to locations by id and the loader maps ids to indices.
- Objects check themselves on construction and raise :class:`~optimizer.errors.InputError` with
  every problem found, paths relative to the object; :class:`Instance` re-roots them
  (``vehicle_types[2].battery_kwh``) so that a user can find the field in their file.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Literal, get_args

import numpy as np
from shapely.geometry import Polygon

from .errors import InputError, Issue, Problems

Carrier = Literal["diesel", "bev", "swap", "lng", "methanol", "hydrogen"]
CARRIERS: tuple[str, ...] = get_args(Carrier)
#: Carriers whose vehicles run on a battery and therefore need the battery dimension and stations.
ELECTRIC_CARRIERS = frozenset({"bev", "swap"})
FUEL_UNIT: dict[str, str] = {
    "diesel": "L",
    "methanol": "L",
    "lng": "kg",
    "hydrogen": "kg",
    "bev": "kWh",
    "swap": "kWh",
}
#: Which station kinds each carrier can use (see ``VehicleType.can_use``).
STATION_KINDS_BY_CARRIER: dict[str, frozenset[str]] = {
    "bev": frozenset({"charger"}),
    "swap": frozenset({"charger", "swap"}),
}
JobKind = Literal["delivery", "pickup"]
StationKind = Literal["charger", "swap"]
Metric = Literal["euclidean", "haversine", "matrix"]
Rounding = Literal["none", "round", "truncate"]
ObjectiveKind = Literal["cost", "vehicles_then_distance", "distance"]

EARTH_RADIUS_KM = 6371.0088  # IUGG mean Earth radius, the usual choice for great-circle distances
#: Tolerance used when comparing times or energies computed through different float paths.
EPS = 1e-6


#: The stated range of every number of the model: |x| <= 1e12 (minutes, km, kg, kWh, money).
#: Why: a finite 1e300 passes every other check, then overflows the solver's integers or the
#: validator's sums; nothing real comes near 1e12 (a trillion euros, two million years).
MAX_QUANTITY = 1e12
#: What a number beyond :data:`MAX_QUANTITY` is told, by the model and by the road graph reader.
TOO_LARGE = f"must be at most {MAX_QUANTITY:.0e} in magnitude (optimizer.model.MAX_QUANTITY)"


def _finite(p: Problems, value: float, path: str) -> bool:
    if not p.check(
        isinstance(value, int | float) and math.isfinite(value),
        path,
        "must be a finite number",
        value,
    ):
        return False
    return p.check(
        abs(value) <= MAX_QUANTITY,
        path,
        TOO_LARGE,
        value,
    )


def _positive(p: Problems, value: float, path: str) -> None:
    if _finite(p, value, path):
        p.check(value > 0, path, "must be > 0", value)


def _non_negative(p: Problems, value: float | None, path: str) -> None:
    if value is not None and _finite(p, value, path):
        p.check(value >= 0, path, "must be >= 0", value)


def _whole_at_least_one(p: Problems, value: object, path: str) -> None:
    p.check(
        isinstance(value, int) and not isinstance(value, bool) and value >= 1,
        path,
        "must be an integer >= 1",
        value,
    )


def _fraction(p: Problems, value: float, path: str) -> None:
    if _finite(p, value, path):
        p.check(0 <= value <= 1, path, "must be between 0 and 1", value)


def _one_of(p: Problems, value: Any, allowed: Sequence[str], path: str) -> None:
    p.check(value in allowed, path, f"must be one of {', '.join(allowed)}", value)


def _non_empty_id(p: Problems, value: Any) -> None:
    p.check(isinstance(value, str) and value != "", "id", "must be a non-empty string", value)


def _party(p: Problems, value: Any, path: str) -> None:
    if value is not None:
        p.check(isinstance(value, str) and value != "", path, "must be a non-empty string", value)


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """A closed interval of clock time, in minutes from the start of the planning day."""

    start_min: float
    end_min: float

    def __post_init__(self) -> None:
        p = Problems()
        ok = _finite(p, self.start_min, "start_min") & _finite(p, self.end_min, "end_min")
        if ok:
            p.check(
                self.start_min <= self.end_min,
                "end_min",
                f"must be >= start_min ({self.start_min:g})",
                self.end_min,
            )
        p.raise_if_any()

    def contains(self, t: float, tol: float = EPS) -> bool:
        return self.start_min - tol <= t <= self.end_min + tol


def _check_windows(p: Problems, windows: Sequence[TimeWindow], path: str) -> None:
    """Several windows must be sorted and disjoint: the solver picks the first one that fits."""
    for i in range(1, len(windows)):
        if windows[i].start_min <= windows[i - 1].end_min:
            p.add(
                f"{path}[{i}].start_min",
                f"windows must be sorted and disjoint; previous ends at {windows[i - 1].end_min:g}",
                windows[i].start_min,
            )


@dataclass(frozen=True, slots=True)
class Location:
    """A place. ``coordinates`` are (x, y) in km for Euclidean travel, (lon, lat) in degrees for
    haversine travel, and may be absent when the user gives matrices (then only plots lack it)."""

    id: str
    coordinates: tuple[float, float] | None = None

    def __post_init__(self) -> None:
        p = Problems()
        _non_empty_id(p, self.id)
        if self.coordinates is not None:
            if len(self.coordinates) != 2:
                p.add("coordinates", "must be a pair [x, y] or [lon, lat]", list(self.coordinates))
            else:
                for k, c in enumerate(self.coordinates):
                    _finite(p, c, f"coordinates[{k}]")
        p.raise_if_any()


@dataclass(frozen=True, eq=False)
class Travel:
    """How distances and durations between locations are known.

    ``metric`` is ``euclidean`` or ``haversine`` (computed from coordinates, multiplied by
    ``detour_factor`` because roads are not straight, then rounded as ``rounding`` says, which is how
    benchmark sets fix their conventions), or ``matrix`` (both matrices given, from any road router).
    Durations are distance / ``speed_kmh`` unless a duration matrix is given.
    """

    metric: Metric = "euclidean"
    detour_factor: float = 1.0
    speed_kmh: float = 60.0
    rounding: Rounding = "none"
    rounding_decimals: int = 0
    distance_km: np.ndarray | None = field(default=None, repr=False)
    duration_min: np.ndarray | None = field(default=None, repr=False)
    #: Whether durations are rounded like distances (the DIMACS Solomon rule truncates both).
    round_durations: bool = False

    def __post_init__(self) -> None:
        p = Problems()
        _one_of(p, self.metric, get_args(Metric), "metric")
        _positive(p, self.detour_factor, "detour_factor")
        _positive(p, self.speed_kmh, "speed_kmh")
        _one_of(p, self.rounding, get_args(Rounding), "rounding")
        p.check(
            isinstance(self.rounding_decimals, int) and 0 <= self.rounding_decimals <= 9,
            "rounding_decimals",
            "must be an integer from 0 to 9",
            self.rounding_decimals,
        )
        for name in ("distance_km", "duration_min"):
            m = getattr(self, name)
            if m is None:
                continue
            arr = np.asarray(m, dtype=float)
            if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
                p.add(name, "must be a square matrix", f"shape {arr.shape}")
            elif not np.all(np.isfinite(arr)):
                i, j = map(int, np.argwhere(~np.isfinite(arr))[0])
                p.add(f"{name}[{i}][{j}]", "must be a finite number", float(arr[i, j]))
            elif np.any(arr < 0):
                i, j = map(int, np.argwhere(arr < 0)[0])
                p.add(f"{name}[{i}][{j}]", "must be >= 0", float(arr[i, j]))
            arr.setflags(write=False)
            object.__setattr__(self, name, arr)
        if self.metric == "matrix" and self.distance_km is None:
            p.add("distance_km", "is required when metric is 'matrix'", has_value=False)
        p.raise_if_any()

    def _round(self, m: np.ndarray) -> np.ndarray:
        if self.rounding == "none":
            return m
        scale = 10.0**self.rounding_decimals
        if self.rounding == "round":
            # TSPLIB nint: round half up, as the CVRP sets define it (not banker's rounding).
            return np.floor(m * scale + 0.5) / scale
        # Truncation with a guard against 0.3 being stored as 0.29999999.
        return np.floor(m * scale + 1e-9) / scale

    def matrices(self, locations: Sequence[Location]) -> tuple[np.ndarray, np.ndarray]:
        """Distance (km) and duration (min) matrices over ``locations``, read-only."""
        n = len(locations)
        from .limits import check_matrix  # here, not at the top: limits imports this module

        check_matrix(n)
        if self.distance_km is not None:
            dist = self.distance_km
            if dist.shape != (n, n):
                raise InputError(
                    Issue(
                        "travel.distance_km",
                        f"must be {n} x {n} (one row per location)",
                        f"shape {dist.shape}",
                    )
                )
        else:
            missing = [i for i, loc in enumerate(locations) if loc.coordinates is None]
            if missing:
                raise InputError(
                    Issue(
                        f"locations[{missing[0]}].coordinates",
                        f"are required when travel.metric is '{self.metric}'",
                        has_value=False,
                    )
                )
            xy = np.array([loc.coordinates for loc in locations], dtype=float).reshape(n, 2)
            if self.metric == "haversine":
                lon, lat = np.radians(xy[:, 0]), np.radians(xy[:, 1])
                dlat = lat[:, None] - lat[None, :]
                dlon = lon[:, None] - lon[None, :]
                a = (
                    np.sin(dlat / 2) ** 2
                    + np.cos(lat)[:, None] * np.cos(lat)[None, :] * np.sin(dlon / 2) ** 2
                )
                raw = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))
            else:
                # Coordinates near 1e308 overflow here; the finiteness check below reports it.
                with np.errstate(over="ignore", invalid="ignore"):
                    diff = xy[:, None, :] - xy[None, :, :]
                    raw = np.sqrt((diff**2).sum(axis=2))
            with np.errstate(over="ignore", invalid="ignore"):
                dist = self._round(raw * self.detour_factor)
        if self.duration_min is not None:
            dur = self.duration_min
            if dur.shape != (n, n):
                raise InputError(
                    Issue(
                        "travel.duration_min",
                        f"must be {n} x {n} (one row per location)",
                        f"shape {dur.shape}",
                    )
                )
        else:
            with np.errstate(over="ignore", invalid="ignore"):
                dur = dist / self.speed_kmh * 60.0
                if self.round_durations:
                    dur = self._round(dur)
        dist = np.array(dist, dtype=float)
        dur = np.array(dur, dtype=float)
        # Each input number may be finite and still give an infinite distance (coordinates 1e300
        # apart) or duration (a tiny speed): nothing downstream can plan with one.
        for key, m in (("distance_km", dist), ("duration_min", dur)):
            if m.size and not np.isfinite(m).all():
                i, j = (int(x) for x in np.argwhere(~np.isfinite(m))[0])
                raise InputError(
                    Issue(
                        f"travel.{key}",
                        f"must be finite (from location {i} to {j}; coordinates, "
                        "detour_factor and speed_kmh give it)",
                        float(m[i, j]),
                    )
                )
        dist.setflags(write=False)
        dur.setflags(write=False)
        return dist, dur


def _grid_place(p: Problems, place: Any) -> None:
    """Check a charging place's grid fields and resolve its ``grid_region`` into its factor.

    Why resolved here: the validator and the solver read one location-based factor per place
    (``grid_co2e_kg_per_kwh``); naming the region once in the input gives the depot and the
    chargers of one city the same factor of the same year.
    """
    from .carbon.factors import GREEN_INSTRUMENTS, GRID_FACTORS

    _fraction(p, place.green_share, "green_share")
    if place.green_instrument is not None:
        _one_of(p, place.green_instrument, GREEN_INSTRUMENTS, "green_instrument")
    if place.grid_region is not None:
        if place.grid_region not in GRID_FACTORS:
            _one_of(p, place.grid_region, tuple(GRID_FACTORS), "grid_region")
        elif place.grid_co2e_kg_per_kwh is None:
            object.__setattr__(
                place, "grid_co2e_kg_per_kwh", GRID_FACTORS[place.grid_region].wtw_kg_per_kwh
            )


@dataclass(frozen=True, slots=True)
class Depot:
    """Where vehicles start and end. ``energy_price_per_kwh`` prices the overnight recharge of the
    energy a battery vehicle used beyond what it bought on the road; ``grid_co2e_kg_per_kwh`` is that
    electricity's well-to-wheel factor (``None``: the default grid factor)."""

    id: str
    location: int
    opening: TimeWindow = TimeWindow(0.0, 1440.0)
    energy_price_per_kwh: float = 0.0
    grid_co2e_kg_per_kwh: float | None = None
    charging_efficiency: float = 1.0
    #: The grid region of ``optimizer.carbon.GRID_FACTORS`` the depot draws from; sets
    #: ``grid_co2e_kg_per_kwh`` to the region's factor when that is not given.
    grid_region: str | None = None
    #: Share of the depot's electricity bought green, counted (market-based only) when
    #: ``green_instrument`` says how (see ``optimizer.carbon.factors.GREEN_INSTRUMENTS``).
    green_share: float = 0.0
    green_instrument: str | None = None

    def __post_init__(self) -> None:
        p = Problems()
        _non_empty_id(p, self.id)
        _non_negative(p, self.energy_price_per_kwh, "energy_price_per_kwh")
        _non_negative(p, self.grid_co2e_kg_per_kwh, "grid_co2e_kg_per_kwh")
        _grid_place(p, self)
        if _finite(p, self.charging_efficiency, "charging_efficiency"):
            p.check(
                0 < self.charging_efficiency <= 1,
                "charging_efficiency",
                "must be in (0, 1]",
                self.charging_efficiency,
            )
        p.raise_if_any()


@dataclass(frozen=True, slots=True)
class Job:
    """A single-stop task. A ``delivery`` is loaded at the start depot and dropped here; a
    ``pickup`` is collected here and brought to the end depot."""

    id: str
    location: int
    kind: JobKind = "delivery"
    weight_kg: float = 0.0
    volume_m3: float = 0.0
    time_windows: tuple[TimeWindow, ...] = ()
    service_min: float = 0.0
    #: Vehicle entry ids allowed to serve this job; empty means any. Why: goods already on a
    #: truck can only be delivered by that truck (replanning, :mod:`optimizer.replan`).
    vehicles: tuple[str, ...] = ()
    #: The vehicle entry this job was promised to; serving it with another costs
    #: ``Objective.reassignment_penalty`` (replanning keeps promises unless moving pays).
    preferred_vehicle: str | None = None
    #: Who the goods are moved for (the carbon report's ``by_shipper``), and the subcontracted
    #: carrier that moves them, if any (``by_partner``). Free text; ``None``: not stated.
    shipper: str | None = None
    partner: str | None = None

    def __post_init__(self) -> None:
        p = Problems()
        _non_empty_id(p, self.id)
        _party(p, self.shipper, "shipper")
        _party(p, self.partner, "partner")
        _one_of(p, self.kind, get_args(JobKind), "kind")
        _non_negative(p, self.weight_kg, "weight_kg")
        _non_negative(p, self.volume_m3, "volume_m3")
        _non_negative(p, self.service_min, "service_min")
        _check_windows(p, self.time_windows, "time_windows")
        p.raise_if_any()


@dataclass(frozen=True, slots=True)
class ShipmentStop:
    """One end of a shipment: where, when and how long the handling takes."""

    location: int
    time_windows: tuple[TimeWindow, ...] = ()
    service_min: float = 0.0

    def __post_init__(self) -> None:
        p = Problems()
        _non_negative(p, self.service_min, "service_min")
        _check_windows(p, self.time_windows, "time_windows")
        p.raise_if_any()


@dataclass(frozen=True, slots=True)
class Shipment:
    """Goods picked up at ``pickup`` and delivered at ``delivery`` by the same vehicle, pickup first."""

    id: str
    pickup: ShipmentStop
    delivery: ShipmentStop
    weight_kg: float = 0.0
    volume_m3: float = 0.0
    #: As ``Job.vehicles``: vehicle entry ids allowed to serve both ends; empty means any.
    vehicles: tuple[str, ...] = ()
    #: As ``Job.preferred_vehicle``.
    preferred_vehicle: str | None = None
    #: As ``Job.shipper`` and ``Job.partner``.
    shipper: str | None = None
    partner: str | None = None

    def __post_init__(self) -> None:
        p = Problems()
        _non_empty_id(p, self.id)
        _party(p, self.shipper, "shipper")
        _party(p, self.partner, "partner")
        _non_negative(p, self.weight_kg, "weight_kg")
        _non_negative(p, self.volume_m3, "volume_m3")
        p.raise_if_any()


@dataclass(frozen=True, slots=True)
class VehicleType:
    """What a class of vehicle can carry, how it uses energy and what it costs.

    Consumption is linear in the load on board (the NTM / FCVRP model, see shared/carbon):
    ``rate(load) = consumption_per_km_empty + (full - empty) * load / capacity_kg``, in the carrier's
    ``fuel_unit`` per km. Battery vehicles may use the battery between ``reserve_kwh`` and
    ``battery_kwh``. Emission factors left ``None`` come from the default table.
    """

    id: str
    carrier: Carrier
    capacity_kg: float
    consumption_per_km_empty: float = 0.0
    consumption_per_km_full: float | None = None
    capacity_m3: float | None = None
    battery_kwh: float | None = None
    reserve_kwh: float = 0.0
    fixed_cost: float = 0.0
    cost_per_km: float = 0.0
    cost_per_hour: float = 0.0
    fuel_price_per_unit: float = 0.0
    speed_factor: float = 1.0
    banned_zones: tuple[str, ...] = ()
    max_duration_min: float | None = None
    #: Trips a vehicle of this type may make in its shift: after each but the last it comes back
    #: to its start depot to unload what it picked up and load the next trip's deliveries
    #: (morning and afternoon waves). 1: one trip, the depot only at the ends.
    max_trips: int = 1
    #: Minutes at the start depot between two trips (unloading and loading).
    reload_min: float = 0.0
    wtw_co2e_kg_per_unit: float | None = None
    ttw_co2e_kg_per_unit: float | None = None
    #: Biogenic CO2 per unit of fuel (bio-methanol, bio-LNG, HVO): reported apart, outside CO2e.
    biogenic_co2_kg_per_unit: float | None = None
    #: Diesel litres per km of this type's diesel equivalent in the baselines (default: its payload
    #: class, ``optimizer.carbon.factors.DIESEL_CLASSES``); ignored for diesel types.
    baseline_diesel_l_per_km_empty: float | None = None
    baseline_diesel_l_per_km_full: float | None = None

    def __post_init__(self) -> None:
        p = Problems()
        _non_empty_id(p, self.id)
        _one_of(p, self.carrier, CARRIERS, "carrier")
        _positive(p, self.capacity_kg, "capacity_kg")
        _non_negative(p, self.consumption_per_km_empty, "consumption_per_km_empty")
        _non_negative(p, self.consumption_per_km_full, "consumption_per_km_full")
        if self.capacity_m3 is not None:
            _positive(p, self.capacity_m3, "capacity_m3")
        for name in (
            "reserve_kwh",
            "fixed_cost",
            "cost_per_km",
            "cost_per_hour",
            "fuel_price_per_unit",
        ):
            _non_negative(p, getattr(self, name), name)
        _positive(p, self.speed_factor, "speed_factor")
        if self.max_duration_min is not None:
            _positive(p, self.max_duration_min, "max_duration_min")
        _whole_at_least_one(p, self.max_trips, "max_trips")
        _non_negative(p, self.reload_min, "reload_min")
        _non_negative(p, self.wtw_co2e_kg_per_unit, "wtw_co2e_kg_per_unit")
        _non_negative(p, self.ttw_co2e_kg_per_unit, "ttw_co2e_kg_per_unit")
        _non_negative(p, self.biogenic_co2_kg_per_unit, "biogenic_co2_kg_per_unit")
        _non_negative(p, self.baseline_diesel_l_per_km_empty, "baseline_diesel_l_per_km_empty")
        _non_negative(p, self.baseline_diesel_l_per_km_full, "baseline_diesel_l_per_km_full")
        if (
            self.baseline_diesel_l_per_km_full is not None
            and self.baseline_diesel_l_per_km_empty is None
        ):
            p.add(
                "baseline_diesel_l_per_km_empty",
                "is required when baseline_diesel_l_per_km_full is given",
                has_value=False,
            )
        if not p and self.carrier in CARRIERS:
            from .carbon.factors import fuel_factor_issue

            issue = fuel_factor_issue(
                self.carrier, self.wtw_co2e_kg_per_unit, self.ttw_co2e_kg_per_unit
            )
            if issue is not None:
                p.add(issue.path, issue.message, issue.value)
        if self.carrier in ELECTRIC_CARRIERS:
            if self.battery_kwh is None:
                p.add("battery_kwh", f"is required for carrier '{self.carrier}'", has_value=False)
            else:
                _positive(p, self.battery_kwh, "battery_kwh")
                if math.isfinite(self.battery_kwh) and self.reserve_kwh >= self.battery_kwh:
                    p.add(
                        "reserve_kwh",
                        f"must be below battery_kwh ({self.battery_kwh:g})",
                        self.reserve_kwh,
                    )
        elif self.battery_kwh is not None:
            p.add(
                "battery_kwh",
                f"is only for electric carriers (bev, swap), not '{self.carrier}'",
                self.battery_kwh,
            )
        p.raise_if_any()

    @property
    def is_electric(self) -> bool:
        return self.carrier in ELECTRIC_CARRIERS

    def can_use(self, station_kind: str) -> bool:
        """Whether this type can use a station of ``station_kind``. A plug-in truck has no
        swappable pack; swap trucks (CATL #75-standard chassis and the like) can also plug in."""
        return station_kind in STATION_KINDS_BY_CARRIER.get(self.carrier, frozenset())

    @property
    def fuel_unit(self) -> str:
        return FUEL_UNIT[self.carrier]

    @property
    def full_rate_per_km(self) -> float:
        return (
            self.consumption_per_km_empty
            if self.consumption_per_km_full is None
            else self.consumption_per_km_full
        )

    def rate_per_km(self, load_kg: float) -> float:
        """Consumption per km with ``load_kg`` on board (linear between empty and full)."""
        share = min(max(load_kg / self.capacity_kg, 0.0), 1.0)
        return (
            self.consumption_per_km_empty
            + (self.full_rate_per_km - self.consumption_per_km_empty) * share
        )


@dataclass(frozen=True, slots=True)
class Vehicle:
    """``count`` identical vehicles of one type, with their depots, shift and morning charge."""

    id: str
    type: str
    start_depot: str
    end_depot: str | None = None
    count: int = 1
    shift: TimeWindow | None = None
    initial_soc: float = 1.0
    max_duration_min: float | None = None
    #: Trips each of these vehicles may make (``None``: its type's ``max_trips``).
    max_trips: int | None = None

    def __post_init__(self) -> None:
        p = Problems()
        _non_empty_id(p, self.id)
        _whole_at_least_one(p, self.count, "count")
        _fraction(p, self.initial_soc, "initial_soc")
        if self.max_duration_min is not None:
            _positive(p, self.max_duration_min, "max_duration_min")
        if self.max_trips is not None:
            _whole_at_least_one(p, self.max_trips, "max_trips")
        p.raise_if_any()

    @property
    def end(self) -> str:
        return self.end_depot if self.end_depot is not None else self.start_depot


@dataclass(frozen=True, slots=True)
class CurveSegment:
    """Charging power is ``power_kw`` while the state of charge is below ``up_to_soc`` (a fraction)
    and above the previous segment's bound: a piecewise-constant power, which is the same as the
    piecewise-linear level-versus-time curves of the literature (Montoya et al. 2017)."""

    up_to_soc: float
    power_kw: float

    def __post_init__(self) -> None:
        p = Problems()
        _fraction(p, self.up_to_soc, "up_to_soc")
        _positive(p, self.power_kw, "power_kw")
        p.raise_if_any()


@dataclass(frozen=True, slots=True)
class TariffPeriod:
    """From ``from_min`` until the next period starts, electricity costs ``price_per_kwh``."""

    from_min: float
    price_per_kwh: float

    def __post_init__(self) -> None:
        p = Problems()
        _finite(p, self.from_min, "from_min")
        _non_negative(p, self.price_per_kwh, "price_per_kwh")
        p.raise_if_any()


@dataclass(frozen=True, slots=True)
class Station:
    """A place to charge (``charger``: power or curve) or to swap batteries (``swap``: a full pack
    in ``swap_min`` minutes). ``opening`` empty means always open. ``tariff`` empty means energy is free
    there. A visit costs ``fee_per_visit`` plus, per kWh metered at the charger (grid side),
    the tariff price plus ``fee_per_kwh`` (the service fee Chinese charging operators add per kWh).
    ``green_share`` of the energy comes from renewables (lowers the grid factor)."""

    id: str
    location: int
    kind: StationKind = "charger"
    power_kw: float | None = None
    curve: tuple[CurveSegment, ...] = ()
    chargers: int = 1
    opening: tuple[TimeWindow, ...] = ()
    tariff: tuple[TariffPeriod, ...] = ()
    fee_per_visit: float = 0.0
    fee_per_kwh: float = 0.0
    swap_min: float = 0.0
    grid_co2e_kg_per_kwh: float | None = None
    green_share: float = 0.0
    charging_efficiency: float = 1.0
    #: As ``Depot.grid_region`` and ``Depot.green_instrument``.
    grid_region: str | None = None
    green_instrument: str | None = None

    def __post_init__(self) -> None:
        p = Problems()
        _non_empty_id(p, self.id)
        _grid_place(p, self)
        _one_of(p, self.kind, get_args(StationKind), "kind")
        p.check(
            isinstance(self.chargers, int)
            and not isinstance(self.chargers, bool)
            and self.chargers >= 1,
            "chargers",
            "must be an integer >= 1",
            self.chargers,
        )
        if self.power_kw is not None:
            _positive(p, self.power_kw, "power_kw")
        if self.curve:
            if self.power_kw is not None:
                p.add("curve", "give either power_kw or curve, not both", has_value=False)
            prev = 0.0
            for k, seg in enumerate(self.curve):
                if seg.up_to_soc <= prev:
                    p.add(
                        f"curve[{k}].up_to_soc",
                        f"must increase (previous bound {prev:g})",
                        seg.up_to_soc,
                    )
                prev = seg.up_to_soc
            if prev < 1.0:
                p.add(
                    f"curve[{len(self.curve) - 1}].up_to_soc",
                    "the last segment must reach 1.0",
                    prev,
                )
        _non_negative(p, self.fee_per_visit, "fee_per_visit")
        _non_negative(p, self.fee_per_kwh, "fee_per_kwh")
        _non_negative(p, self.swap_min, "swap_min")
        _non_negative(p, self.grid_co2e_kg_per_kwh, "grid_co2e_kg_per_kwh")
        if _finite(p, self.charging_efficiency, "charging_efficiency"):
            p.check(
                0 < self.charging_efficiency <= 1,
                "charging_efficiency",
                "must be in (0, 1]",
                self.charging_efficiency,
            )
        _check_windows(p, self.opening, "opening")
        for k in range(1, len(self.tariff)):
            if self.tariff[k].from_min <= self.tariff[k - 1].from_min:
                p.add(
                    f"tariff[{k}].from_min",
                    "tariff periods must be in increasing order",
                    self.tariff[k].from_min,
                )
        p.raise_if_any()

    def price_at(self, t_min: float) -> float:
        """Price per kWh in force at clock time ``t_min`` (the first period also covers earlier times)."""
        price = self.tariff[0].price_per_kwh if self.tariff else 0.0
        for period in self.tariff:
            if period.from_min <= t_min + EPS:
                price = period.price_per_kwh
        return price

    def is_open(self, start_min: float, end_min: float) -> bool:
        """Whether the interval [start, end] lies inside one opening window."""
        if not self.opening:
            return True
        return any(w.contains(start_min) and w.contains(end_min) for w in self.opening)

    def stay_minutes(
        self, battery_kwh: float, from_kwh: float, to_kwh: float, *, instant: bool
    ) -> float:
        """Minutes a visit takes: the swap, else nothing where charging is instant
        (``Rules.instant_charging``), else :meth:`charge_minutes`. One rule for the validator and
        the solver's repairs."""
        if self.kind == "swap":
            return self.swap_min
        if instant:
            return 0.0
        return self.charge_minutes(battery_kwh, from_kwh, to_kwh)

    def charge_minutes(self, battery_kwh: float, from_kwh: float, to_kwh: float) -> float:
        """Minutes to charge a ``battery_kwh`` pack from ``from_kwh`` to ``to_kwh`` here (swap: fixed)."""
        if self.kind == "swap":
            return self.swap_min
        if to_kwh <= from_kwh:
            return 0.0
        if self.curve:
            minutes, lower = 0.0, 0.0
            for seg in self.curve:
                lo = max(from_kwh, lower * battery_kwh)
                hi = min(to_kwh, seg.up_to_soc * battery_kwh)
                if hi > lo:
                    minutes += (hi - lo) / seg.power_kw * 60.0
                lower = seg.up_to_soc
            return minutes
        if self.power_kw is None:
            return 0.0
        return (to_kwh - from_kwh) / self.power_kw * 60.0


#: DE-9IM pattern of a line whose inside meets a polygon's inside (it drives through the zone).
ZONE_ENTERED = "T********"


@dataclass(frozen=True, eq=False)
class Zone:
    """A polygon some vehicle types may not enter (for example a diesel-free city core). A job whose
    location lies inside (or on the border of) the polygon may not be served by a banned type, and
    with straight-line travel a banned type may not drive through it either
    (:meth:`Instance.zones_entered`)."""

    id: str
    ring: tuple[tuple[float, float], ...]

    def __post_init__(self) -> None:
        p = Problems()
        _non_empty_id(p, self.id)
        if len(self.ring) < 3:
            p.add("polygon", "needs at least 3 points", len(self.ring))
        elif not all(math.isfinite(c) for pt in self.ring for c in pt):
            # GEOS raises its own exception on NaN or infinite coordinates: name the field instead.
            p.add("polygon", "coordinates must be finite numbers", [list(c) for c in self.ring][:4])
        else:
            poly = Polygon(self.ring)
            if not poly.is_valid or poly.area <= 0:
                p.add(
                    "polygon",
                    "must be a simple polygon with positive area",
                    [list(c) for c in self.ring][:4],
                )
        p.raise_if_any()

    @cached_property
    def polygon(self) -> Polygon:
        return Polygon(self.ring)

    def covers(self, point: tuple[float, float]) -> bool:
        from shapely.geometry import Point

        return bool(self.polygon.covers(Point(point)))

    def entered_by(self, a: tuple[float, float], b: tuple[float, float]) -> bool:
        """Whether the straight leg from ``a`` to ``b``, both outside the zone, passes through
        its inside (see :meth:`crossed`; a leg with an end in the zone gives False)."""
        return bool(self.crossed(np.array([a], dtype=float), np.array([b], dtype=float))[0])

    def crossed(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """For the legs ``a[k] -> b[k]`` (arrays of shape m x 2): whether each passes through the
        zone's inside with both its ends outside the zone (on the border counts as in, as for
        :meth:`covers`). A leg with an end in the zone gives False: a stop there is the zone's
        and is banned as such; a leg along the border or touching a corner does not enter.

        Why not shapely alone: the solver asks this for every pair of places (25 million on a
        5,000-job day), where a geometry per leg takes minutes and gigabytes. A leg between two
        points outside a simple polygon enters its inside exactly when it crosses an edge at a
        point inside both (orientation tests, vectorised); only a leg through a vertex, where
        that test cannot tell, is handed to shapely's predicate (DE-9IM ``T********``).
        """
        import shapely

        a = np.asarray(a, dtype=float).reshape(-1, 2)
        b = np.asarray(b, dtype=float).reshape(-1, 2)
        out = np.zeros(len(a), dtype=bool)
        if not len(a):
            return out
        poly = self.polygon
        idx = np.flatnonzero(self._near(a, b))
        if not len(idx):
            return out
        idx = idx[
            ~(
                shapely.covers(poly, shapely.points(a[idx]))
                | shapely.covers(poly, shapely.points(b[idx]))
            )
        ]
        out[idx] = self._crosses(a[idx], b[idx])
        return out

    def _near(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Which legs ``a[k] -> b[k]`` have a length and a bounding box that meets the zone's:
        the only ones that may cross it (most legs of a city day do not)."""
        x0, y0, x1, y1 = self.polygon.bounds
        return (
            (np.minimum(a[:, 0], b[:, 0]) <= x1)
            & (np.maximum(a[:, 0], b[:, 0]) >= x0)
            & (np.minimum(a[:, 1], b[:, 1]) <= y1)
            & (np.maximum(a[:, 1], b[:, 1]) >= y0)
            & np.any(a != b, axis=1)
        )

    def _crosses(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """:meth:`crossed` for legs already known to have both ends outside the zone."""
        import shapely

        ax, ay, bx, by = a[:, 0], a[:, 1], b[:, 0], b[:, 1]
        hit = np.zeros(len(a), dtype=bool)
        vertex = np.zeros(len(a), dtype=bool)
        ring = np.asarray(self.polygon.exterior.coords, dtype=float)
        for (px, py), (qx, qy) in itertools.pairwise(ring):
            d1 = (qx - px) * (ay - py) - (qy - py) * (ax - px)
            d2 = (qx - px) * (by - py) - (qy - py) * (bx - px)
            d3 = (bx - ax) * (py - ay) - (by - ay) * (px - ax)
            d4 = (bx - ax) * (qy - ay) - (by - ay) * (qx - ax)
            hit |= (d1 * d2 < 0) & (d3 * d4 < 0)
            vertex |= (
                (d3 == 0)
                & (np.minimum(ax, bx) <= px)
                & (px <= np.maximum(ax, bx))
                & (np.minimum(ay, by) <= py)
                & (py <= np.maximum(ay, by))
            )
        odd = np.flatnonzero(vertex & ~hit)
        if len(odd):
            lines = shapely.linestrings(np.stack([a[odd], b[odd]], axis=1))
            hit[odd] = shapely.relate_pattern(lines, self.polygon, ZONE_ENTERED)
        return hit

    def entered(self, xy: np.ndarray) -> np.ndarray:
        """Which legs between the points ``xy`` (shape n x 2) pass through the zone with both
        ends outside it, as an n x n bool matrix: :meth:`crossed` for every pair, by blocks of
        rows so that memory stays in proportion to the matrix."""
        import shapely

        xy = np.asarray(xy, dtype=float).reshape(-1, 2)
        n = len(xy)
        out = np.zeros((n, n), dtype=bool)
        if n < 2:
            return out
        inside = shapely.covers(self.polygon, shapely.points(xy))
        outside = np.flatnonzero(~inside)
        block = max(1, 2_000_000 // max(1, n))
        for lo in range(0, len(outside), block):
            rows = outside[lo : lo + block]
            i = np.repeat(rows, len(outside))
            j = np.tile(outside, len(rows))
            keep = i < j
            i, j = i[keep], j[keep]
            near = self._near(xy[i], xy[j])
            i, j = i[near], j[near]
            hit = self._crosses(xy[i], xy[j])
            out[i[hit], j[hit]] = True
            out[j[hit], i[hit]] = True
        return out


@dataclass(frozen=True, slots=True)
class Objective:
    """What "best" means. ``cost``: money plus priced carbon plus penalties. The benchmark loaders
    set their set's own rule (E-VRPTW: fewest vehicles, then distance; CEC and CVRP: distance).

    ``unserved_penalty`` ``None`` means every job must be served; a number allows leaving jobs out
    at that price each. ``reassignment_penalty`` is charged once per job or shipment served by a
    vehicle entry other than its ``preferred_vehicle`` (a broken promise when replanning); it is
    part of the ``penalty`` cost component."""

    kind: ObjectiveKind = "cost"
    carbon_price_per_t_co2e: float = 0.0
    unserved_penalty: float | None = None
    currency: str = "EUR"
    reassignment_penalty: float = 0.0

    def __post_init__(self) -> None:
        p = Problems()
        _one_of(p, self.kind, get_args(ObjectiveKind), "kind")
        _non_negative(p, self.carbon_price_per_t_co2e, "carbon_price_per_t_co2e")
        _non_negative(p, self.unserved_penalty, "unserved_penalty")
        _non_negative(p, self.reassignment_penalty, "reassignment_penalty")
        p.raise_if_any()


@dataclass(frozen=True, slots=True)
class Rules:
    """Set-wide charging rules that benchmark sets impose.

    ``full_recharge``: every charger visit fills the battery (Schneider E-VRPTW, CEC-2020).
    ``instant_charging``: charging takes no time (CEC-2020).
    """

    full_recharge: bool = False
    instant_charging: bool = False


@dataclass(frozen=True, eq=False)
class Instance:
    """One day of work for one fleet. Immutable; checked as a whole on construction.

    Cross-references (vehicle type ids, depot ids, zone ids, location indices) are checked here, and
    every problem is reported at once with its path.
    """

    name: str
    locations: tuple[Location, ...]
    depots: tuple[Depot, ...]
    vehicle_types: tuple[VehicleType, ...]
    vehicles: tuple[Vehicle, ...]
    jobs: tuple[Job, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    stations: tuple[Station, ...] = ()
    zones: tuple[Zone, ...] = ()
    travel: Travel = field(default_factory=Travel)
    objective: Objective = field(default_factory=Objective)
    rules: Rules = field(default_factory=Rules)
    #: Free-form provenance (source file, format, benchmark set). Round-trips through JSON.
    meta: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        p = Problems()
        n = len(self.locations)
        p.check(n > 0, "locations", "must not be empty", n)
        p.check(len(self.depots) > 0, "depots", "must not be empty", len(self.depots))
        p.check(len(self.vehicles) > 0, "vehicles", "must not be empty", len(self.vehicles))

        def unique(items: Sequence[Any], what: str) -> dict[str, int]:
            seen: dict[str, int] = {}
            for k, it in enumerate(items):
                if it.id in seen:
                    p.add(f"{what}[{k}].id", f"duplicates {what}[{seen[it.id]}].id", it.id)
                else:
                    seen[it.id] = k
            return seen

        unique(self.locations, "locations")
        depot_ix = unique(self.depots, "depots")
        type_ix = unique(self.vehicle_types, "vehicle_types")
        unique(self.vehicles, "vehicles")
        zone_ix = unique(self.zones, "zones")
        unique(self.stations, "stations")
        # Jobs and shipments share one id space: a solution names either in its stops.
        task_seen: dict[str, str] = {}
        tasks: tuple[tuple[str, Sequence[Job | Shipment]], ...] = (
            ("jobs", self.jobs),
            ("shipments", self.shipments),
        )
        for what, items in tasks:
            for k, it in enumerate(items):
                if it.id in task_seen:
                    p.add(
                        f"{what}[{k}].id",
                        f"duplicates {task_seen[it.id]}.id (jobs and shipments share ids)",
                        it.id,
                    )
                else:
                    task_seen[it.id] = f"{what}[{k}]"

        def loc_ok(idx: Any, path: str) -> None:
            ok = bool(
                isinstance(idx, int | np.integer) and not isinstance(idx, bool) and 0 <= idx < n
            )
            p.check(ok, path, f"must index a location (0..{n - 1})", idx)

        for k, d in enumerate(self.depots):
            loc_ok(d.location, f"depots[{k}].location")
        for k, j in enumerate(self.jobs):
            loc_ok(j.location, f"jobs[{k}].location")
        for k, s in enumerate(self.shipments):
            loc_ok(s.pickup.location, f"shipments[{k}].pickup.location")
            loc_ok(s.delivery.location, f"shipments[{k}].delivery.location")
        for k, st in enumerate(self.stations):
            loc_ok(st.location, f"stations[{k}].location")
        for k, vt in enumerate(self.vehicle_types):
            for z, zid in enumerate(vt.banned_zones):
                p.check(
                    zid in zone_ix, f"vehicle_types[{k}].banned_zones[{z}]", "names no zone", zid
                )
        for k, v in enumerate(self.vehicles):
            p.check(v.type in type_ix, f"vehicles[{k}].type", "names no vehicle type", v.type)
            p.check(
                v.start_depot in depot_ix,
                f"vehicles[{k}].start_depot",
                "names no depot",
                v.start_depot,
            )
            if v.end_depot is not None:
                p.check(
                    v.end_depot in depot_ix,
                    f"vehicles[{k}].end_depot",
                    "names no depot",
                    v.end_depot,
                )
        vehicle_ids = {v.id for v in self.vehicles}
        for what, items in tasks:
            for k, it in enumerate(items):
                for z, vid in enumerate(it.vehicles):
                    p.check(
                        vid in vehicle_ids, f"{what}[{k}].vehicles[{z}]", "names no vehicle", vid
                    )
                if it.preferred_vehicle is not None:
                    p.check(
                        it.preferred_vehicle in vehicle_ids,
                        f"{what}[{k}].preferred_vehicle",
                        "names no vehicle",
                        it.preferred_vehicle,
                    )
        if p:
            raise InputError(p.items)
        try:
            dist, dur = self.travel.matrices(self.locations)
        except InputError as e:
            raise InputError(e.issues) from None
        object.__setattr__(self, "_distance_km", dist)
        object.__setattr__(self, "_duration_min", dur)

    # ----- lookups -------------------------------------------------------------------------
    @property
    def distance_km(self) -> np.ndarray:
        """Distance matrix in km over ``locations`` (read-only)."""
        return self._distance_km  # type: ignore[attr-defined]

    @property
    def duration_min(self) -> np.ndarray:
        """Driving time in minutes at speed factor 1 (read-only); divide by a type's speed factor."""
        return self._duration_min  # type: ignore[attr-defined]

    @property
    def windowed(self) -> bool:
        """Whether any task has a time window (the solver's search steps cost more then, and
        PyVRP's relaxation serves as a seed only then)."""
        return any(j.time_windows for j in self.jobs) or any(
            s.pickup.time_windows or s.delivery.time_windows for s in self.shipments
        )

    @cached_property
    def depot_by_id(self) -> dict[str, Depot]:
        return {d.id: d for d in self.depots}

    @cached_property
    def type_by_id(self) -> dict[str, VehicleType]:
        return {t.id: t for t in self.vehicle_types}

    @cached_property
    def vehicle_by_id(self) -> dict[str, Vehicle]:
        return {v.id: v for v in self.vehicles}

    @cached_property
    def job_by_id(self) -> dict[str, Job]:
        return {j.id: j for j in self.jobs}

    @cached_property
    def shipment_by_id(self) -> dict[str, Shipment]:
        return {s.id: s for s in self.shipments}

    @cached_property
    def station_by_id(self) -> dict[str, Station]:
        return {s.id: s for s in self.stations}

    @cached_property
    def zone_by_id(self) -> dict[str, Zone]:
        return {z.id: z for z in self.zones}

    @property
    def horizon(self) -> TimeWindow:
        """The span covered by all depots' opening hours."""
        return TimeWindow(
            min(d.opening.start_min for d in self.depots),
            max(d.opening.end_min for d in self.depots),
        )

    @property
    def fleet_size(self) -> int:
        return sum(v.count for v in self.vehicles)

    @property
    def has_electric(self) -> bool:
        return any(t.is_electric for t in self.vehicle_types)

    def location_of(self, kind: str, ref: str) -> int | None:
        """The location index of a plan's stop of ``kind`` (depot, job, pickup, delivery,
        station) naming ``ref``; ``None`` for an id the instance does not know. One place for
        what the run sheet, the charger queue and the trip chaining each looked up."""
        if kind == "depot" and ref in self.depot_by_id:
            return self.depot_by_id[ref].location
        if kind == "job" and ref in self.job_by_id:
            return self.job_by_id[ref].location
        if kind in ("pickup", "delivery") and ref in self.shipment_by_id:
            sh = self.shipment_by_id[ref]
            return sh.pickup.location if kind == "pickup" else sh.delivery.location
        if kind == "station" and ref in self.station_by_id:
            return self.station_by_id[ref].location
        return None

    def max_trips_of(self, vehicle: Vehicle) -> int:
        """The trips each unit of ``vehicle`` may make in its shift (its own, else its type's)."""
        if vehicle.max_trips is not None:
            return vehicle.max_trips
        return self.type_by_id[vehicle.type].max_trips

    @property
    def multi_trip(self) -> bool:
        """Whether some vehicle may make more than one trip (reload at its depot)."""
        return any(self.max_trips_of(v) > 1 for v in self.vehicles)

    def shift_of(self, vehicle: Vehicle) -> TimeWindow:
        """A vehicle's shift, defaulting to its start depot's opening hours."""
        return (
            vehicle.shift
            if vehicle.shift is not None
            else self.depot_by_id[vehicle.start_depot].opening
        )

    def banned(self, vehicle_type: VehicleType, location: int) -> bool:
        """Whether ``vehicle_type`` may not stop at ``location`` because it lies in a banned zone."""
        if not vehicle_type.banned_zones:
            return False
        return bool(self.banned_places(vehicle_type.banned_zones)[location])

    def banned_places(self, zone_ids: tuple[str, ...]) -> np.ndarray:
        """Per location, whether it lies in (or on the edge of) one of the zones ``zone_ids``; a
        location without coordinates lies in none.

        Why once per set of zones for all locations: the search, the reachability checks and
        the validator ask :meth:`banned` for every stop of every type, often more than once; a
        point built and tested alone cost 17 us of CPU a call, a look-up here 2 us (a generated
        1,000-job day)."""
        cache = self._banned_cache
        key = tuple(sorted(set(zone_ids)))
        if key not in cache:
            import shapely

            xy = np.array(
                [
                    c if (c := loc.coordinates) is not None else (np.nan, np.nan)
                    for loc in self.locations
                ],
                dtype=float,
            ).reshape(-1, 2)
            inside = np.zeros(len(self.locations), dtype=bool)
            for z in key:
                # A point meets a polygon exactly where the polygon covers it (edge included).
                inside |= shapely.intersects_xy(self.zone_by_id[z].polygon, xy[:, 0], xy[:, 1])
            cache[key] = inside
        return cache[key]

    @cached_property
    def _banned_cache(self) -> dict[tuple[str, ...], np.ndarray]:
        return {}

    @property
    def straight_legs(self) -> bool:
        """Whether a leg is the straight line between its ends' coordinates (``euclidean`` or
        ``haversine`` travel): then a zone ban applies to the line driven, as well as to stops.
        A matrix (a road router's, or a road graph's, where a type's closed roads already keep it
        out) says nothing of the path, so there the ban applies to stops only."""
        return self.travel.metric in ("euclidean", "haversine") and self.travel.distance_km is None

    def zones_entered(self, vehicle_type: VehicleType, a: int, b: int) -> list[str]:
        """The zones banned to ``vehicle_type`` that the leg from location ``a`` to ``b`` drives
        through (see :attr:`straight_legs`). A leg with an end inside such a zone is not counted:
        a stop there is banned already (:meth:`banned`), and a depot there is the vehicle's home,
        which it must leave and reach."""
        if not vehicle_type.banned_zones or not self.straight_legs:
            return []
        ca, cb = self.locations[a].coordinates, self.locations[b].coordinates
        if ca is None or cb is None:
            return []
        return [z for z in vehicle_type.banned_zones if self.zone_by_id[z].entered_by(ca, cb)]

    def leg_bans(self, vehicle_type: VehicleType) -> np.ndarray | None:
        """Location x location bool matrix of the legs ``vehicle_type`` may not drive because they
        pass through a zone banned to it (:meth:`zones_entered`, for every pair); None where the
        type drives every leg. Remembered per type: the solver asks for it in every phase."""
        if not vehicle_type.banned_zones or not self.straight_legs:
            return None
        cache: dict[str, np.ndarray | None] = self.__dict__.setdefault("_leg_bans", {})
        if vehicle_type.id in cache:
            return cache[vehicle_type.id]
        xy = np.array(
            [
                loc.coordinates if loc.coordinates is not None else (np.nan, np.nan)
                for loc in self.locations
            ],
            dtype=float,
        ).reshape(len(self.locations), 2)
        ban = np.zeros((len(xy), len(xy)), dtype=bool)
        for zid in vehicle_type.banned_zones:
            ban |= self.zone_by_id[zid].entered(xy)
        found = ban if ban.any() else None
        if found is not None:
            found.setflags(write=False)
        cache[vehicle_type.id] = found
        return found
