"""Seeded generator of realistic city-day instances, from a handful of jobs to several thousand.

Why a generator: public benchmark sets have neither mixed fleets nor diesel-free zones nor
time-of-use tariffs, so scaling and regression tests need instances that have all of them, with a
known seed instead of a stored file.

What it builds (every number is a default a planner in a Chinese megacity would recognise; the
consumption figures are those of ``shared/carbon/method-and-factors.md`` section 3.1, the tariff is
the Guangdong time-of-use scheme of section 4.1):

- a city centred on Shenzhen (114.06 E, 22.54 N) whose radius grows with the number of jobs
  (8 km for 10 jobs, about 35 km for 5,000), haversine travel with detour factor 1.3 at 40 km/h;
- a diesel-free octagon over the city core (30 % of the radius), banned for the diesel tractor;
- one depot, two above 500 jobs and three above 2,000, each a logistics park outside the core
  with its own vehicles;
- four vehicle types: diesel 49 t tractor, battery-electric tractor, battery-swap tractor and an
  electric van; the fleet of each depot is sized from the work nearest to it, so that capacity is
  at least 1.5 times demand, with a van per 25 small tasks and a tractor per 12 large ones;
  with ``max_trips`` N above 1 every type may make N trips a shift (reloading at its depot,
  :data:`RELOAD_MIN_TRACTOR` / :data:`RELOAD_MIN_VAN` minutes) and the capacity is 1.5 times demand
  over N: the same vehicle serves a morning and an afternoon wave;
- chargers (fixed power or a curve tapering above 80-85 % state of charge, 1-4 points, opening
  hours on some, the Guangdong time-of-use tariff, a service fee and a green share on some) and
  swap stations (5 min per swap, energy sold at a flat per-kWh price);
- ``jobs`` tasks in all: one in ten is a shipment (pickup at A, delivery at B), the rest are
  deliveries and some pickups, with none, one or two time windows and 5-20 min of service.

Windows are drawn so that every task can be reached in time from some depot (windows open by
16:00 and stay open for at least two hours), and every battery type can reach any customer from its
depot and come back on one charge (the smallest range, the van's, is 225 km empty);
``tests/test_generate.py`` checks both with :mod:`optimizer.reach`.

Only ``numpy.random.default_rng(seed)`` draws numbers, and every figure is rounded to a short
decimal, so the same arguments give a byte-identical native JSON file.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np

from .errors import InputError, Issue
from .model import (
    EARTH_RADIUS_KM,
    CurveSegment,
    Depot,
    Instance,
    Job,
    JobKind,
    Location,
    Objective,
    Rules,
    Shipment,
    ShipmentStop,
    Station,
    TariffPeriod,
    TimeWindow,
    Travel,
    Vehicle,
    VehicleType,
    Zone,
)

MAX_JOBS = 20_000
#: Most trips a shift: a 14 h shift of 10 trips already leaves barely an hour per trip.
MAX_TRIPS = 10
#: Minutes at the depot between two trips: a trailer swap and paperwork at the dock, or a van's
#: roll cages rolled out and in (the figures a dispatcher plans with, not measured ones).
RELOAD_MIN_TRACTOR = 30.0
RELOAD_MIN_VAN = 15.0
#: Fleet capacity over demand, per depot and per size class: room for windows and route shapes.
FLEET_MARGIN = 1.5
CITY = "Shenzhen"
CENTRE_LON, CENTRE_LAT = 114.06, 22.54
KM_PER_DEG_LAT = EARTH_RADIUS_KM * math.pi / 180.0
CORE_ZONE = "core"
#: Guangdong time-of-use periods (valley 0-8 h, peak 10-12 h and 14-19 h, flat otherwise) with
#: the proposed default prices in CNY/kWh (flat 0.65, peak 1.105, valley 0.247: peak/valley 4.5).
TOU_PERIODS: tuple[tuple[float, float], ...] = (
    (0.0, 0.247),
    (480.0, 0.65),
    (600.0, 1.105),
    (720.0, 0.65),
    (840.0, 1.105),
    (1140.0, 0.65),
)
FLAT_PRICE_PER_KWH = 0.65


def tou_periods(peak_to_valley: float | None = None) -> tuple[tuple[float, float], ...]:
    """The Guangdong periods with their default prices, or with the peak and valley prices set
    ``peak_to_valley`` to 1 around the flat price (the flat price stays the mean of the two): for
    studies of how much re-timing charges saves at a given spread (issue 4 measures 3:1)."""
    if peak_to_valley is None:
        return TOU_PERIODS
    valley = 2 * FLAT_PRICE_PER_KWH / (1 + peak_to_valley)
    peak = peak_to_valley * valley
    prices = {0.247: valley, 0.65: FLAT_PRICE_PER_KWH, 1.105: peak}
    return tuple((t, _r(prices[p], 4)) for t, p in TOU_PERIODS)


#: Swap stations sell the energy of the fresh pack with the service included (battery-as-a-service).
SWAP_PRICE_PER_KWH = 1.2
#: Location-based well-to-wheel factor for the southern grid: the 2023 regional CO2 average 0.4042
#: times the national footprint/CO2 ratio 0.6205/0.5306 (our construction, method notes section 2.2).
SOUTH_GRID_CO2E_KG_PER_KWH = 0.4725
SHIFT_TRACTOR = TimeWindow(360.0, 1200.0)  # 06:00-20:00
SHIFT_VAN = TimeWindow(420.0, 1140.0)  # 07:00-19:00
DEPOT_OPENING = TimeWindow(300.0, 1320.0)  # 05:00-22:00

VEHICLE_TYPES: tuple[VehicleType, ...] = (
    VehicleType(
        id="diesel-tractor",
        carrier="diesel",
        capacity_kg=31_000.0,
        capacity_m3=86.0,
        consumption_per_km_empty=0.24,  # L/km, 49 t tractor-trailer (section 3.1)
        consumption_per_km_full=0.38,
        fixed_cost=900.0,
        cost_per_km=0.9,
        cost_per_hour=60.0,
        fuel_price_per_unit=7.5,  # CNY/L
        speed_factor=0.9,
        banned_zones=(CORE_ZONE,),
    ),
    VehicleType(
        id="bev-tractor",
        carrier="bev",
        capacity_kg=28_000.0,  # the pack costs payload
        capacity_m3=86.0,
        battery_kwh=423.0,
        reserve_kwh=42.0,
        consumption_per_km_empty=1.0,  # kWh/km, battery side (section 3.1)
        consumption_per_km_full=1.7,
        fixed_cost=1_100.0,
        cost_per_km=0.5,
        cost_per_hour=60.0,
        speed_factor=0.9,
    ),
    VehicleType(
        id="swap-tractor",
        carrier="swap",
        capacity_kg=29_000.0,
        capacity_m3=86.0,
        battery_kwh=342.0,  # two 171 kWh packs
        reserve_kwh=34.0,
        consumption_per_km_empty=1.0,
        consumption_per_km_full=1.7,
        fixed_cost=1_000.0,
        cost_per_km=0.5,
        cost_per_hour=60.0,
        speed_factor=0.9,
    ),
    VehicleType(
        id="e-van",
        carrier="bev",
        capacity_kg=1_500.0,
        capacity_m3=12.0,
        battery_kwh=50.0,
        reserve_kwh=5.0,
        consumption_per_km_empty=0.20,  # light e-van 3.5-4.5 t (section 3.1)
        consumption_per_km_full=0.30,
        fixed_cost=250.0,
        cost_per_km=0.3,
        cost_per_hour=45.0,
    ),
)
_VAN = VEHICLE_TYPES[3]
_TRACTORS = VEHICLE_TYPES[:3]
_COMPASS = ("e", "ne", "n", "nw", "w", "sw", "s", "se")


def _r(x: float, nd: int) -> float:
    """A Python float rounded to ``nd`` decimals: short, exact in JSON, no numpy type leaks out."""
    return round(float(x), nd)


def city_radius_km(jobs: int) -> float:
    """Radius of the served area: a day of 10 jobs is a district, 5,000 jobs a whole city."""
    return 8.0 + 3.0 * math.log2(max(jobs, 10) / 10.0)


def default_stations(jobs: int) -> int:
    """Station count when not given: one per 30 jobs, at least 3, at most 60."""
    return min(60, max(3, jobs // 30))


@dataclass(frozen=True, slots=True)
class _Place:
    """A point in km east/north of the centre."""

    x_km: float
    y_km: float

    def lonlat(self) -> tuple[float, float]:
        lat = CENTRE_LAT + self.y_km / KM_PER_DEG_LAT
        lon = CENTRE_LON + self.x_km / (KM_PER_DEG_LAT * math.cos(math.radians(CENTRE_LAT)))
        return (_r(lon, 6), _r(lat, 6))


def _disc(rng: np.random.Generator, n: int, radius_km: float) -> np.ndarray:
    """``n`` points uniform in a disc (radius by the square root, so density is even)."""
    r = radius_km * np.sqrt(rng.random(n))
    a = 2 * math.pi * rng.random(n)
    return np.column_stack([r * np.cos(a), r * np.sin(a)])


def _customer_points(rng: np.random.Generator, n: int, radius_km: float) -> np.ndarray:
    """Customers: 60 % in districts (Gaussian clusters), the rest spread evenly; all in the city."""
    n_clusters = min(40, max(3, n // 100))
    centres = _disc(rng, n_clusters, 0.8 * radius_km)
    which = rng.integers(0, n_clusters, n)
    clustered = centres[which] + rng.normal(0.0, 0.08 * radius_km, (n, 2))
    spread = _disc(rng, n, radius_km)
    pts = np.where((rng.random(n) < 0.6)[:, None], clustered, spread)
    norm = np.hypot(pts[:, 0], pts[:, 1])
    scale = np.where(norm > radius_km, 0.98 * radius_km / np.maximum(norm, 1e-9), 1.0)
    return pts * scale[:, None]


def _weights(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Weights (kg) and a size class: 0 cases and parcels (75 %), 1 pallets (20 %), 2 part loads."""
    cls = np.searchsorted(np.array([0.75, 0.95]), rng.random(n), side="right")
    small = np.clip(rng.lognormal(math.log(80.0), 0.9, n), 5.0, 1_000.0)
    pallets = rng.uniform(1_000.0, 4_000.0, n)
    loads = rng.uniform(4_000.0, 15_000.0, n)
    w = np.choose(cls, [small, pallets, loads])
    return np.round(w / 5.0) * 5.0, cls


def _volumes(rng: np.random.Generator, weight_kg: np.ndarray) -> np.ndarray:
    """Volume from a density of 250-400 kg/m3 (mixed retail goods), at least 0.1 m3."""
    density = rng.uniform(250.0, 400.0, weight_kg.shape)
    return np.maximum(np.round(weight_kg / density, 1), 0.1)


def _job_windows(rng: np.random.Generator) -> tuple[TimeWindow, ...]:
    """None (35 %), one window of 2-4 h opening 08:00-16:00 (50 %), or morning + afternoon (15 %)."""
    u = rng.random()
    if u < 0.35:
        return ()
    if u < 0.85:
        start = 480.0 + 30.0 * int(rng.integers(0, 17))
        length = 60.0 * int(rng.integers(2, 5))
        return (TimeWindow(start, min(start + length, 1080.0)),)
    morning = 480.0 + 30.0 * int(rng.integers(0, 5))
    afternoon = 780.0 + 30.0 * int(rng.integers(0, 5))
    return (
        TimeWindow(morning, morning + 120.0),
        TimeWindow(afternoon, afternoon + 60.0 * int(rng.integers(2, 4))),
    )


def _charger(
    rng: np.random.Generator,
    k: int,
    location: int,
    periods: tuple[tuple[float, float], ...] = TOU_PERIODS,
) -> Station:
    power = float(rng.choice([120.0, 180.0, 240.0, 360.0, 480.0]))
    curve: tuple[CurveSegment, ...] = ()
    if rng.random() < 0.5:
        # Constant-current up to 80-85 %, then the constant-voltage taper (Montoya et al. 2017).
        knee = 0.8 if rng.random() < 0.5 else 0.85
        curve = (
            CurveSegment(knee, power),
            CurveSegment(0.95, _r(power * 0.5, 1)),
            CurveSegment(1.0, _r(power * 0.2, 1)),
        )
    scale = rng.uniform(0.9, 1.1)  # operators price around the regulated tariff
    opening = (TimeWindow(360.0, 1380.0),) if rng.random() < 0.3 else ()
    fee = _r(rng.uniform(0.6, 0.8), 2) if rng.random() < 0.6 else 0.0
    green = _r(rng.uniform(0.2, 0.6), 2) if rng.random() < 0.3 else 0.0
    return Station(
        id=f"chg-{k:02d}",
        location=location,
        kind="charger",
        power_kw=None if curve else power,
        curve=curve,
        chargers=int(rng.integers(1, 5)),
        opening=opening,
        tariff=tuple(TariffPeriod(t, _r(p * scale, 3)) for t, p in periods),
        fee_per_kwh=fee,
        green_share=green,
        charging_efficiency=0.92,
    )


def _swap(rng: np.random.Generator, k: int, location: int) -> Station:
    return Station(
        id=f"swap-{k:02d}",
        location=location,
        kind="swap",
        chargers=int(rng.integers(1, 3)),
        tariff=(TariffPeriod(0.0, SWAP_PRICE_PER_KWH),),
        swap_min=5.0,
        green_share=_r(rng.uniform(0.1, 0.4), 2) if rng.random() < 0.3 else 0.0,
        charging_efficiency=0.9,  # pack charging plus cooling at the station
    )


def _fleet(
    depot: str,
    light: tuple[int, float],
    heavy: tuple[int, float],
    reach: float = 1.0,
    trips: int = 1,
) -> list[Vehicle]:
    """Vehicles of one depot: vans for the parcels, tractors (diesel, bev, swap in turn) for the rest.

    ``light``/``heavy`` are (task count, total kg). Capacity is 1.5 x demand and a van makes at most
    about 25 stops, a tractor 12, so that the fleet comfortably covers the work. On a regional day
    (an area wider than the city of that size) the drives are longer and each vehicle makes
    fewer stops: the counts shrink by ``reach``, the square of the city radius over the area's
    (longer drives, and fewer of them fit the morning windows). With ``trips`` per shift a vehicle
    carries its capacity ``trips`` times, so the capacity is 1.5 x demand / ``trips``; the stops a
    day stay the same (the clock, not the load space, bounds them, and reloads take time).
    """
    n_light, kg_light = light
    n_heavy, kg_heavy = heavy
    van_stops, tractor_stops = max(4, round(25 * reach)), max(3, round(12 * reach))
    vans = max(
        1,
        math.ceil(FLEET_MARGIN * kg_light / trips / _VAN.capacity_kg),
        math.ceil(n_light / van_stops),
    )
    tractors = [1, 1, 1]
    need_kg, need_n = FLEET_MARGIN * kg_heavy / trips, math.ceil(n_heavy / tractor_stops)
    k = 0
    while (
        sum(c * t.capacity_kg for c, t in zip(tractors, _TRACTORS, strict=True)) < need_kg
        or sum(tractors) < need_n
    ):
        tractors[k % 3] += 1
        k += 1
    out = [
        Vehicle(
            id=f"{depot}-{t.carrier}",
            type=t.id,
            start_depot=depot,
            count=c,
            shift=SHIFT_TRACTOR,
        )
        for c, t in zip(tractors, _TRACTORS, strict=True)
    ]
    out.append(
        Vehicle(id=f"{depot}-van", type=_VAN.id, start_depot=depot, count=vans, shift=SHIFT_VAN)
    )
    return out


def _with_trips(trips: int) -> tuple[VehicleType, ...]:
    """The vehicle types allowed ``trips`` trips a shift, with their reload time at the depot.

    One trip gives :data:`VEHICLE_TYPES` themselves (reload 0), so that a default day is the
    same file as before multi-trip existed.
    """
    if trips == 1:
        return VEHICLE_TYPES
    return tuple(
        replace(
            t,
            max_trips=trips,
            reload_min=RELOAD_MIN_VAN if t.id == _VAN.id else RELOAD_MIN_TRACTOR,
        )
        for t in VEHICLE_TYPES
    )


def generate(
    jobs: int,
    seed: int,
    *,
    stations: int | None = None,
    name: str | None = None,
    peak_to_valley: float | None = None,
    radius_km: float | None = None,
    max_trips: int = 1,
) -> Instance:
    """A city-day instance with ``jobs`` tasks in all (about 10 % of them shipments).

    Parameters
    ----------
    jobs
        Number of tasks, 1 to 20,000 (``jobs // 10`` shipments, the rest single-stop jobs).
    seed
        Seed of ``numpy.random.default_rng``; the same arguments give the same instance.
    stations
        Number of stations (about one in four a swap station); default :func:`default_stations`.
    name
        Instance name; default ``city-day-<jobs>-s<seed>``.
    peak_to_valley
        Ratio of the peak to the valley electricity price (default: Guangdong's, about 4.5); the
        depots' own chargers sell at the valley price (see :func:`tou_periods`).
    radius_km
        Radius of the served area (default :func:`city_radius_km`); a larger one makes a regional
        day, on which electric trucks charge on the way.
    max_trips
        Trips every vehicle may make in its shift, 1 to :data:`MAX_TRIPS` (default 1: the
        instances generated before, byte for byte). Above 1 each type reloads at its depot
        (:data:`RELOAD_MIN_TRACTOR` / :data:`RELOAD_MIN_VAN` minutes) and the fleet is sized for
        that many waves: capacity 1.5 x demand / ``max_trips``, still one vehicle of each type.

    Raises
    ------
    InputError
        When ``jobs``, ``seed``, ``stations``, ``peak_to_valley``, ``radius_km`` or ``max_trips``
        is out of range.
    """
    problems = []
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
        problems.append(Issue("jobs", f"must be an integer from 1 to {MAX_JOBS}", jobs))
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        problems.append(Issue("seed", "must be an integer >= 0", seed))
    if stations is not None and (
        isinstance(stations, bool) or not isinstance(stations, int) or not 0 <= stations <= 1_000
    ):
        problems.append(Issue("stations", "must be an integer from 0 to 1000", stations))
    if peak_to_valley is not None and (
        isinstance(peak_to_valley, bool)
        or not isinstance(peak_to_valley, int | float)
        or not 1.0 <= peak_to_valley <= 100.0
    ):
        problems.append(Issue("peak_to_valley", "must be a number from 1 to 100", peak_to_valley))
    if radius_km is not None and (
        isinstance(radius_km, bool)
        or not isinstance(radius_km, int | float)
        or not 1.0 <= radius_km <= 500.0
    ):
        problems.append(Issue("radius_km", "must be a number from 1 to 500", radius_km))
    if (
        isinstance(max_trips, bool)
        or not isinstance(max_trips, int)
        or not 1 <= max_trips <= MAX_TRIPS
    ):
        problems.append(Issue("max_trips", f"must be an integer from 1 to {MAX_TRIPS}", max_trips))
    if problems:
        raise InputError(problems)
    rng = np.random.default_rng(seed)
    radius = city_radius_km(jobs) if radius_km is None else float(radius_km)
    n_ship = jobs // 10
    n_job = jobs - n_ship
    n_st = default_stations(jobs) if stations is None else stations
    n_swap = 0 if n_st < 2 else max(1, n_st // 4)
    periods = tou_periods(peak_to_valley)

    locations: list[Location] = []

    def place(id_: str, p: _Place) -> int:
        locations.append(Location(id_, p.lonlat()))
        return len(locations) - 1

    # The core zone: a regular octagon, so the border is easy to read on a map.
    core_km = max(3.0, 0.3 * radius)
    ring = tuple(
        _Place(core_km * math.cos(a), core_km * math.sin(a)).lonlat()
        for a in (2 * math.pi * k / 8 + math.pi / 8 for k in range(8))
    )
    zone = Zone(CORE_ZONE, ring)

    # Depots: logistics parks evenly around the city at 55-65 % of the radius.
    n_dep = 1 if jobs <= 500 else (2 if jobs <= 2000 else 3)
    base = 2 * math.pi * rng.random()
    depots: list[Depot] = []
    depot_xy = []
    for k in range(n_dep):
        a = base + 2 * math.pi * k / n_dep
        d = radius * rng.uniform(0.55, 0.65)
        xy = (d * math.cos(a), d * math.sin(a))
        depot_xy.append(xy)
        did = "depot-" + _COMPASS[round((a % (2 * math.pi)) / (math.pi / 4)) % 8]
        depots.append(
            Depot(
                id=did,
                location=place(did, _Place(*xy)),
                opening=DEPOT_OPENING,
                # own chargers, overnight at the valley price
                energy_price_per_kwh=0.25 if peak_to_valley is None else periods[0][1],
                grid_co2e_kg_per_kwh=SOUTH_GRID_CO2E_KG_PER_KWH,
                charging_efficiency=0.92,
            )
        )

    # Stations across the whole served area (a little beyond it: highway service areas).
    st_xy = _disc(rng, n_st, 1.05 * radius)
    station_list: list[Station] = []
    for k in range(n_st):
        if k < n_swap:
            sid = f"swap-{k + 1:02d}"
            station_list.append(_swap(rng, k + 1, place(sid, _Place(*st_xy[k]))))
        else:
            sid = f"chg-{k - n_swap + 1:02d}"
            station_list.append(
                _charger(rng, k - n_swap + 1, place(sid, _Place(*st_xy[k])), periods)
            )

    # Jobs.
    width = max(4, len(str(n_job)))
    job_xy = _customer_points(rng, n_job, radius)
    weight, cls = _weights(rng, n_job)
    volume = _volumes(rng, weight)
    kinds = np.where(rng.random(n_job) < 0.15, "pickup", "delivery")
    service_lo = np.array([5, 10, 15])[cls]
    service_hi = np.array([12, 20, 20])[cls]
    job_list: list[Job] = []
    for k in range(n_job):
        jid = f"job-{k + 1:0{width}d}"
        kind: JobKind = "pickup" if kinds[k] == "pickup" else "delivery"
        job_list.append(
            Job(
                id=jid,
                location=place(jid, _Place(*job_xy[k])),
                kind=kind,
                weight_kg=_r(weight[k], 1),
                volume_m3=_r(volume[k], 1),
                time_windows=_job_windows(rng),
                service_min=float(rng.integers(service_lo[k], service_hi[k] + 1)),
            )
        )

    # Shipments: pickup at a supplier, delivery to a customer, both anywhere in the city.
    ship_from = _disc(rng, n_ship, radius)
    ship_to = _customer_points(rng, n_ship, radius)
    ship_cls = np.where(rng.random(n_ship) < 0.6, 1, 0)
    ship_w = np.where(
        ship_cls == 1, rng.uniform(500.0, 5_000.0, n_ship), rng.uniform(50.0, 1_000.0, n_ship)
    )
    ship_w = np.round(ship_w / 5.0) * 5.0
    ship_v = _volumes(rng, ship_w)
    ship_list: list[Shipment] = []
    for k in range(n_ship):
        sid = f"shp-{k + 1:0{width}d}"
        p_tw: tuple[TimeWindow, ...] = ()
        d_tw: tuple[TimeWindow, ...] = ()
        if rng.random() < 0.8:
            # Pickup opens 07:00-11:00 for 2-4 h; delivery opens 1-2 h later for 4 h (by 18:00).
            ps = 420.0 + 30.0 * int(rng.integers(0, 9))
            p_tw = (TimeWindow(ps, ps + 60.0 * int(rng.integers(2, 5))),)
            ds = ps + 60.0 * int(rng.integers(1, 3))
            d_tw = (TimeWindow(ds, min(ds + 240.0, 1080.0)),)
        ship_list.append(
            Shipment(
                id=sid,
                pickup=ShipmentStop(
                    place(f"{sid}-from", _Place(*ship_from[k])),
                    p_tw,
                    float(rng.integers(10, 21)),
                ),
                delivery=ShipmentStop(
                    place(f"{sid}-to", _Place(*ship_to[k])),
                    d_tw,
                    float(rng.integers(10, 21)),
                ),
                weight_kg=_r(ship_w[k], 1),
                volume_m3=_r(ship_v[k], 1),
            )
        )

    # Fleet: each depot gets vehicles for the work nearest to it.
    dxy = np.array(depot_xy)
    first_xy = np.vstack([job_xy, ship_from]) if n_ship else job_xy
    nearest = np.argmin(
        np.hypot(first_xy[:, None, 0] - dxy[None, :, 0], first_xy[:, None, 1] - dxy[None, :, 1]),
        axis=1,
    )
    task_w = np.concatenate([weight, ship_w])
    task_v = np.concatenate([volume, ship_v])
    is_light = (task_w <= 1_000.0) & (task_v <= _VAN.capacity_m3)
    vehicles: list[Vehicle] = []
    for k, dep in enumerate(depots):
        mine = nearest == k
        light = mine & is_light
        heavy = mine & ~is_light
        vehicles += _fleet(
            dep.id,
            (int(light.sum()), float(task_w[light].sum())),
            (int(heavy.sum()), float(task_w[heavy].sum())),
            reach=min(1.0, city_radius_km(jobs) / radius) ** 2,
            trips=max_trips,
        )

    return Instance(
        name=name if name is not None else f"city-day-{jobs}-s{seed}",
        locations=tuple(locations),
        depots=tuple(depots),
        vehicle_types=_with_trips(max_trips),
        vehicles=tuple(vehicles),
        jobs=tuple(job_list),
        shipments=tuple(ship_list),
        stations=tuple(station_list),
        zones=(zone,),
        travel=Travel(metric="haversine", detour_factor=1.3, speed_kmh=40.0),
        objective=Objective("cost", 80.0, None, "CNY"),
        rules=Rules(),
        meta={
            "format": "generated",
            "source": f"optimizer generate --jobs {jobs} --seed {seed}"
            + (f" --stations {stations}" if stations is not None else "")
            + (f" --max-trips {max_trips}" if max_trips != 1 else ""),
            "city": CITY,
            "seed": seed,
        },
    )
