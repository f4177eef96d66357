"""The model checks itself on construction and reports every problem with its path."""

from __future__ import annotations

import math

import numpy as np
import pytest

from optimizer.errors import InputError
from optimizer.model import (
    CurveSegment,
    Depot,
    Instance,
    Location,
    Station,
    TariffPeriod,
    TimeWindow,
    Travel,
    Vehicle,
    VehicleType,
    Zone,
)


def _instance(**overrides: object) -> Instance:
    base: dict[str, object] = {
        "name": "t",
        "locations": (Location("D", (0.0, 0.0)), Location("A", (3.0, 4.0))),
        "depots": (Depot("d", 0),),
        "vehicle_types": (VehicleType("ev", "bev", 100.0, 1.0, battery_kwh=50.0),),
        "vehicles": (Vehicle("v", "ev", "d"),),
    }
    base.update(overrides)
    return Instance(**base)  # type: ignore[arg-type]


def test_euclidean_and_haversine_distances() -> None:
    inst = _instance()
    # 3-4-5 triangle: 5 km; at the default 60 km/h that is 5 minutes.
    assert inst.distance_km[0, 1] == pytest.approx(5.0)
    assert inst.duration_min[0, 1] == pytest.approx(5.0)
    # One degree of latitude on the mean-radius sphere: 2*pi*6371.0088/360 = 111.1951 km.
    geo = _instance(
        locations=(Location("D", (0.0, 0.0)), Location("A", (0.0, 1.0))),
        travel=Travel(metric="haversine", detour_factor=1.0, speed_kmh=40.0),
    )
    assert geo.distance_km[0, 1] == pytest.approx(2 * math.pi * 6371.0088 / 360, rel=1e-9)
    assert geo.duration_min[0, 1] == pytest.approx(geo.distance_km[0, 1] / 40 * 60)


def test_rounding_conventions() -> None:
    locs = (Location("D", (0.0, 0.0)), Location("A", (1.0, 1.0)))  # sqrt(2) = 1.41421...
    nint = _instance(locations=locs, travel=Travel(rounding="round"))
    trunc = _instance(
        locations=locs,
        travel=Travel(rounding="truncate", rounding_decimals=1, round_durations=True),
    )
    assert nint.distance_km[0, 1] == 1.0
    assert trunc.distance_km[0, 1] == pytest.approx(1.4)
    assert trunc.duration_min[0, 1] == pytest.approx(1.4)


def test_matrices_are_read_only() -> None:
    inst = _instance()
    with pytest.raises(ValueError):
        inst.distance_km[0, 1] = 1.0


def test_vehicle_type_reports_every_problem() -> None:
    with pytest.raises(InputError) as err:
        VehicleType("ev", "bev", -1.0, -2.0, battery_kwh=-5.0)
    paths = {i.path for i in err.value.issues}
    assert {"capacity_kg", "consumption_per_km_empty", "battery_kwh"} <= paths
    assert "battery_kwh: must be > 0, got -5.0" in str(err.value)


def test_battery_only_for_electric_carriers() -> None:
    with pytest.raises(InputError, match="battery_kwh: is only for electric"):
        VehicleType("d", "diesel", 100.0, battery_kwh=10.0)
    with pytest.raises(InputError, match="battery_kwh: is required for carrier 'swap'"):
        VehicleType("s", "swap", 100.0)


def test_load_dependent_rate() -> None:
    t = VehicleType("ev", "bev", 31000.0, 1.0, 1.7, battery_kwh=400.0)
    # Linear between empty (1.0) and full (1.7): half load -> 1.35 kWh/km.
    assert t.rate_per_km(15500.0) == pytest.approx(1.35)
    assert t.rate_per_km(0.0) == 1.0
    assert t.rate_per_km(40000.0) == pytest.approx(1.7)  # clamped at full


def test_instance_reports_bad_references_all_at_once() -> None:
    with pytest.raises(InputError) as err:
        _instance(
            vehicles=(Vehicle("v", "nope", "x"), Vehicle("v", "ev", "d")), depots=(Depot("d", 7),)
        )
    text = str(err.value)
    assert "vehicles[0].type: names no vehicle type, got 'nope'" in text
    assert "vehicles[0].start_depot: names no depot, got 'x'" in text
    assert "vehicles[1].id: duplicates vehicles[0].id" in text
    assert "depots[0].location: must index a location (0..1), got 7" in text


def test_matrix_travel_checks_shape_and_values() -> None:
    with pytest.raises(InputError, match=r"distance_km\[0\]\[1\]: must be >= 0"):
        Travel(metric="matrix", distance_km=np.array([[0.0, -1.0], [1.0, 0.0]]))
    with pytest.raises(InputError, match=r"travel\.distance_km: must be 2 x 2"):
        _instance(travel=Travel(metric="matrix", distance_km=np.zeros((3, 3))))


def test_time_window_order() -> None:
    with pytest.raises(InputError, match="end_min: must be >= start_min"):
        TimeWindow(10.0, 5.0)


def test_station_curve_and_tariff() -> None:
    # Montoya's fast charger on a 16 kWh pack: 0-85 % at 13.6/0.31 kW, 85-95 % at 1.6/0.08 kW,
    # 95-100 % at 0.8/0.12 kW. From 0 to full: 0.31 + 0.08 + 0.12 = 0.51 h = 30.6 min.
    curve = (
        CurveSegment(0.85, 13.6 / 0.31),
        CurveSegment(0.95, 1.6 / 0.08),
        CurveSegment(1.0, 0.8 / 0.12),
    )
    st = Station("s", 0, curve=curve, tariff=(TariffPeriod(0, 0.3), TariffPeriod(480, 0.9)))
    assert st.charge_minutes(16.0, 0.0, 16.0) == pytest.approx(30.6)
    # 12 -> 15.2 kWh: 1.6 kWh at 43.87 kW (0.036 h) + 1.6 kWh at 20 kW (0.08 h) = 0.1165 h.
    assert st.charge_minutes(16.0, 12.0, 15.2) == pytest.approx((1.6 * 0.31 / 13.6 + 0.08) * 60)
    assert st.price_at(100) == 0.3 and st.price_at(480) == 0.9 and st.price_at(1000) == 0.9
    with pytest.raises(InputError, match=r"the last segment must reach 1\.0"):
        Station("s", 0, curve=(CurveSegment(0.8, 50.0),))
    with pytest.raises(InputError, match="give either power_kw or curve"):
        Station("s", 0, power_kw=50.0, curve=(CurveSegment(1.0, 50.0),))


def test_zone_ban() -> None:
    zone = Zone("core", ((2.0, 3.0), (4.0, 3.0), (4.0, 5.0), (2.0, 5.0)))
    inst = _instance(
        zones=(zone,),
        vehicle_types=(VehicleType("dsl", "diesel", 100.0, 0.3, banned_zones=("core",)),),
        vehicles=(Vehicle("v", "dsl", "d"),),
    )
    assert inst.banned(inst.vehicle_types[0], 1)  # (3, 4) lies in the square
    assert not inst.banned(inst.vehicle_types[0], 0)
    with pytest.raises(InputError, match="names no zone"):
        _instance(
            vehicle_types=(VehicleType("dsl", "diesel", 100.0, banned_zones=("nope",)),),
            vehicles=(Vehicle("v", "dsl", "d"),),
        )


def test_zone_entered_by_a_straight_leg() -> None:
    zone = Zone("core", ((2.0, 3.0), (4.0, 3.0), (4.0, 5.0), (2.0, 5.0)))
    assert zone.entered_by((0.0, 4.0), (6.0, 4.0))  # straight through
    assert zone.entered_by((1.0, 2.0), (5.0, 6.0))  # corner to corner: only vertices touched
    assert not zone.entered_by((0.0, 3.0), (6.0, 3.0))  # along its border
    assert not zone.entered_by((0.0, 1.0), (4.0, 3.0))  # touching a corner
    assert not zone.entered_by((0.0, 0.0), (6.0, 0.0))  # clear of it
    assert not zone.entered_by((3.0, 0.0), (3.0, 4.0))  # ends inside: a stop there, not a leg
    # The matrix (the solver's) against shapely's DE-9IM predicate as the oracle, pair by pair,
    # with points on the square's lines and corners among random ones.
    import shapely
    from shapely.geometry import LineString

    rng = np.random.default_rng(7)
    grid = [[x, y] for x in (0.0, 1.0, 2.0, 4.0, 6.0) for y in (1.0, 3.0, 5.0, 7.0)]
    xy = np.vstack([rng.uniform(0.0, 6.0, size=(60, 2)), grid])
    m = zone.entered(xy)
    expected = [
        not zone.covers(tuple(a))
        and not zone.covers(tuple(b))
        and tuple(a) != tuple(b)
        and bool(shapely.relate_pattern(LineString([a, b]), zone.polygon, "T********"))
        for a in xy
        for b in xy
    ]
    assert m.reshape(-1).tolist() == expected
    assert 0 < m.sum() < m.size


def test_leg_bans_only_for_straight_legs_between_places_outside() -> None:
    # D (0, 4) and E (6, 4) lie either side of the square; A (3, 4) inside it; F (0, 0) below.
    zone = Zone("core", ((2.0, 3.0), (4.0, 3.0), (4.0, 5.0), (2.0, 5.0)))
    locs = tuple(
        Location(k, c)
        for k, c in (("D", (0.0, 4.0)), ("E", (6.0, 4.0)), ("A", (3.0, 4.0)), ("F", (0.0, 0.0)))
    )
    dsl = VehicleType("dsl", "diesel", 100.0, 0.3, banned_zones=("core",))
    inst = _instance(
        locations=locs, zones=(zone,), vehicle_types=(dsl,), vehicles=(Vehicle("v", "dsl", "d"),)
    )
    assert inst.straight_legs
    assert inst.zones_entered(dsl, 0, 1) == ["core"] and inst.zones_entered(dsl, 1, 0) == ["core"]
    # A leg into A is not "driving through": A itself is banned (a stop there), which says more.
    assert inst.zones_entered(dsl, 0, 2) == [] and inst.banned(dsl, 2)
    assert inst.zones_entered(dsl, 3, 1) == []  # F (0, 0) to E (6, 4) passes below the square
    bans = inst.leg_bans(dsl)
    assert bans is not None
    assert np.argwhere(bans).tolist() == [[0, 1], [1, 0]]
    # A type without bans drives every leg; a matrix says nothing of the path driven.
    assert inst.leg_bans(VehicleType("ev", "bev", 100.0, 1.0, battery_kwh=50.0)) is None
    dist = inst.distance_km
    as_matrix = _instance(
        locations=locs,
        zones=(zone,),
        vehicle_types=(dsl,),
        vehicles=(Vehicle("v", "dsl", "d"),),
        travel=Travel("matrix", distance_km=dist),
    )
    assert not as_matrix.straight_legs
    assert as_matrix.leg_bans(dsl) is None and as_matrix.zones_entered(dsl, 0, 1) == []
