"""The native JSON formats (version 1) for instances and solutions.

Reading happens in two passes, so that a user sees every problem of a file at once:

1. the shipped JSON Schema checks structure, types and simple bounds (``jsonschema`` reports all
   violations, each with its path);
2. if the structure is sound, the model objects are built; each reports all of its own value
   problems, and the instance then checks references between objects.

The writer emits every field explicitly (defaults included), so ``write(read(x))`` is a fixed point
and a written file documents itself.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
from jsonschema import Draft202012Validator

from ..carbon.factors import DEFAULT_CHARGING_EFFICIENCY, GRID_FACTORS
from ..errors import InputError, Issue
from ..fileio import write_atomic
from ..model import (
    CurveSegment,
    Depot,
    Instance,
    Job,
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
from ..solution import Route, Solution, Stop, Totals
from . import guard

INSTANCE_FORMAT = "optimizer-instance"
SOLUTION_FORMAT = "optimizer-solution"
T = TypeVar("T")


@cache
def schema(kind: str = "instance") -> dict[str, Any]:
    """The shipped JSON Schema (``instance`` or ``solution``), version 1."""
    text = (
        resources.files("optimizer.formats")
        .joinpath(f"schema/{kind}-v1.schema.json")
        .read_text("utf-8")
    )
    return json.loads(text)


def _json_path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _schema_issues(data: Any, kind: str, at: tuple[str, ...] = ()) -> list[Issue]:
    """Every schema issue of ``data`` with its JSON path. With ``at`` (object keys, e.g.
    ``("travel", "road_network")``), ``data`` is that part of a document, checked against that
    part of the schema (whose properties use no ``$ref``), and the paths start there."""
    sub = schema(kind)
    for key in at:
        sub = sub["properties"][key]
    validator = Draft202012Validator(sub)
    issues = []
    for err in sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        path = _json_path([*at, *err.absolute_path])
        if err.validator == "additionalProperties":
            # Name the unknown field itself: nothing given is silently dropped.
            known = set(err.schema.get("properties", {}))
            for extra in sorted(set(err.instance) - known):
                issues.append(
                    Issue(
                        f"{path}.{extra}" if path else extra,
                        "is not a known field",
                        err.instance[extra],
                    )
                )
            continue
        if err.validator == "required":
            missing = err.message.split("'")[1] if "'" in err.message else err.message
            issues.append(
                Issue(f"{path}.{missing}" if path else missing, "is required", has_value=False)
            )
            continue
        issues.append(
            Issue(
                path, _message(str(err.validator), err.validator_value, err.message), err.instance
            )
        )
    return issues


def _message(keyword: str, value: Any, fallback: str) -> str:
    """A short message for one JSON Schema keyword failure, in the package's own words."""
    if keyword == "type":
        return f"must be of type {value}"
    if keyword in ("minimum", "exclusiveMinimum", "maximum"):
        op = {"minimum": ">=", "exclusiveMinimum": ">", "maximum": "<="}[keyword]
        return f"must be {op} {value}"
    if keyword == "enum":
        return "must be one of " + ", ".join(map(str, value))
    if keyword == "const":
        return f"must be {value!r}"
    if keyword in ("minItems", "maxItems"):
        return f"must have {'at least' if keyword == 'minItems' else 'at most'} {value} items"
    if keyword == "minLength":
        return "must not be empty"
    if keyword == "anyOf":
        return "must be " + " or ".join(_describe(s) for s in value)
    return fallback


def _describe(sub: dict[str, Any]) -> str:
    if sub.get("type") == "null":
        return "null"
    if "$ref" in sub:
        return "a [start_min, end_min] pair"
    bits = [str(sub.get("type", "value"))]
    if "exclusiveMinimum" in sub:
        bits.append(f"> {sub['exclusiveMinimum']}")
    if "minimum" in sub:
        bits.append(f">= {sub['minimum']}")
    return " ".join(bits)


def _build(issues: list[Issue], path: str, make: Callable[[], T]) -> T | None:
    """Construct one model object, turning its own complaints into issues under ``path``."""
    try:
        return make()
    except InputError as e:
        issues.extend(i.under(path) for i in e.issues)
        return None


def _count(value: float, name: str = "count") -> int:
    """A whole number of the file (a vehicle entry's count or trips, a station's chargers, the
    rounding decimals) as an integer, refused where it would be written back
    with more digits than a file may hold (``count: 1e18`` read as a float became a 19-digit
    integer that the same loader then refused)."""
    n = int(value)
    if abs(n) >= 10**guard.MAX_INT_DIGITS:
        raise InputError(
            Issue(name, f"must be below 10^{guard.MAX_INT_DIGITS}", value, has_value=True)
        )
    return n


def _windows(raw: list[list[float]] | None) -> tuple[TimeWindow, ...]:
    return tuple(TimeWindow(float(a), float(b)) for a, b in (raw or []))


def instance_from_dict(
    data: Any, source: str | None = None, *, base_dir: str | Path | None = None
) -> Instance:
    """Build an :class:`Instance` from parsed native JSON, or raise :class:`InputError` with every issue.

    ``base_dir`` is where files the instance names (``travel.road_network.graph``) are looked up;
    by default the directory of ``source``. Without either, such an instance is refused: a document
    from memory (an HTTP body) must not make the process read files it names.

    Numbers are checked first (:func:`.guard.check_numbers`): a document parsed elsewhere may hold
    ``NaN``, infinities or integers too long for a float, and nothing below expects them.
    """
    guard.check_numbers(data, source)
    return _instance_from_dict(data, source, base_dir)


def _instance_from_dict(data: Any, source: str | None, base_dir: str | Path | None) -> Instance:
    """:func:`instance_from_dict` once the numbers are known sound (``guard.parse_json`` checked
    them while parsing: a second walk over a large matrix is wasted time)."""
    issues = _schema_issues(data, "instance")
    if issues:
        raise InputError(issues, source)
    loc_ix = {loc["id"]: k for k, loc in enumerate(data["locations"])}

    def loc(ref: str, path: str) -> int:
        if ref not in loc_ix:
            issues.append(Issue(path, "names no location", ref))
            return 0
        return loc_ix[ref]

    def window_at(raw: list[float], path: str) -> TimeWindow | None:
        return _build(issues, path, lambda: TimeWindow(float(raw[0]), float(raw[1])))

    def windows_at(raw: list[list[float]] | None, path: str) -> tuple[TimeWindow, ...]:
        out = [window_at(w, f"{path}[{k}]") for k, w in enumerate(raw or [])]
        return tuple(w for w in out if w is not None)

    locations = [
        _build(
            issues,
            f"locations[{k}]",
            lambda r=r: Location(r["id"], _pair(r["coordinates"]) if "coordinates" in r else None),
        )
        for k, r in enumerate(data["locations"])
    ]
    t = data.get("travel", {})
    road = t.get("road_network")
    if road is not None:
        # The road graph gives distances and times; any other travel field would be ignored.
        for key in sorted(set(t) - {"road_network"}):
            issues.append(
                Issue(
                    f"travel.{key}",
                    "has no effect with travel.road_network (the road graph gives distances and times)",
                    t[key],
                )
            )
        t = {}
    travel = _build(
        issues,
        "travel",
        lambda: Travel(
            metric=t.get("metric", "euclidean"),
            detour_factor=float(t.get("detour_factor", 1.0)),
            speed_kmh=float(t.get("speed_kmh", 60.0)),
            rounding=t.get("rounding", "none"),
            rounding_decimals=_count(t.get("rounding_decimals", 0), "rounding_decimals"),
            round_durations=bool(t.get("round_durations", False)),
            distance_km=_matrix(t, "distance_km", issues),
            duration_min=_matrix(t, "duration_min", issues),
        ),
    )
    grid_region = data.get("grid_region")
    if grid_region is not None and grid_region not in GRID_FACTORS:
        # Named once here rather than once per depot and station that would inherit it.
        issues.append(
            Issue("grid_region", f"must be one of {', '.join(GRID_FACTORS)}", grid_region)
        )
        grid_region = None
    depots = []
    for k, r in enumerate(data["depots"]):
        p = f"depots[{k}]"
        opening = (
            window_at(r["opening"], f"{p}.opening") if "opening" in r else TimeWindow(0.0, 1440.0)
        )
        depots.append(
            _build(
                issues,
                p,
                lambda r=r, p=p, opening=opening: Depot(
                    r["id"],
                    loc(r["location"], f"{p}.location"),
                    opening or TimeWindow(0.0, 1440.0),
                    float(r.get("energy_price_per_kwh", 0.0)),
                    _opt(r.get("grid_co2e_kg_per_kwh")),
                    float(r.get("charging_efficiency", DEFAULT_CHARGING_EFFICIENCY)),
                    **_grid_fields(r, grid_region),
                ),
            )
        )
    jobs = []
    for k, r in enumerate(data.get("jobs", [])):
        p = f"jobs[{k}]"
        tw = windows_at(r.get("time_windows"), f"{p}.time_windows")
        jobs.append(
            _build(
                issues,
                p,
                lambda r=r, p=p, tw=tw: Job(
                    r["id"],
                    loc(r["location"], f"{p}.location"),
                    r.get("kind", "delivery"),
                    float(r.get("weight_kg", 0.0)),
                    float(r.get("volume_m3", 0.0)),
                    tw,
                    float(r.get("service_min", 0.0)),
                    tuple(r.get("vehicles", ())),
                    r.get("preferred_vehicle"),
                    r.get("shipper"),
                    r.get("partner"),
                ),
            )
        )
    shipments = []
    for k, r in enumerate(data.get("shipments", [])):
        p = f"shipments[{k}]"
        ends = {}
        for end in ("pickup", "delivery"):
            e = r[end]
            tw = windows_at(e.get("time_windows"), f"{p}.{end}.time_windows")
            ends[end] = _build(
                issues,
                f"{p}.{end}",
                lambda e=e, tw=tw, end=end, p=p: ShipmentStop(
                    loc(e["location"], f"{p}.{end}.location"), tw, float(e.get("service_min", 0.0))
                ),
            )
        if ends["pickup"] is not None and ends["delivery"] is not None:
            shipments.append(
                _build(
                    issues,
                    p,
                    lambda r=r, ends=ends: Shipment(
                        r["id"],
                        ends["pickup"],
                        ends["delivery"],
                        float(r.get("weight_kg", 0.0)),
                        float(r.get("volume_m3", 0.0)),
                        tuple(r.get("vehicles", ())),
                        r.get("preferred_vehicle"),
                        r.get("shipper"),
                        r.get("partner"),
                    ),
                )
            )
    types = [
        _build(
            issues,
            f"vehicle_types[{k}]",
            lambda r=r: VehicleType(
                id=r["id"],
                carrier=r["carrier"],
                capacity_kg=float(r["capacity_kg"]),
                consumption_per_km_empty=float(r.get("consumption_per_km_empty", 0.0)),
                consumption_per_km_full=_opt(r.get("consumption_per_km_full")),
                capacity_m3=_opt(r.get("capacity_m3")),
                battery_kwh=_opt(r.get("battery_kwh")),
                reserve_kwh=float(r.get("reserve_kwh", 0.0)),
                fixed_cost=float(r.get("fixed_cost", 0.0)),
                cost_per_km=float(r.get("cost_per_km", 0.0)),
                cost_per_hour=float(r.get("cost_per_hour", 0.0)),
                fuel_price_per_unit=float(r.get("fuel_price_per_unit", 0.0)),
                speed_factor=float(r.get("speed_factor", 1.0)),
                banned_zones=tuple(r.get("banned_zones", [])),
                max_duration_min=_opt(r.get("max_duration_min")),
                max_trips=_count(r.get("max_trips", 1), "max_trips"),
                reload_min=float(r.get("reload_min", 0.0)),
                wtw_co2e_kg_per_unit=_opt(r.get("wtw_co2e_kg_per_unit")),
                ttw_co2e_kg_per_unit=_opt(r.get("ttw_co2e_kg_per_unit")),
                biogenic_co2_kg_per_unit=_opt(r.get("biogenic_co2_kg_per_unit")),
                baseline_diesel_l_per_km_empty=_opt(r.get("baseline_diesel_l_per_km_empty")),
                baseline_diesel_l_per_km_full=_opt(r.get("baseline_diesel_l_per_km_full")),
            ),
        )
        for k, r in enumerate(data["vehicle_types"])
    ]
    # References are checked here too (the Instance checks them again) so that a file with both
    # bad values and bad references gets all of its problems in one report.
    raw_ids = {
        key: {r["id"] for r in data.get(key, [])} for key in ("vehicle_types", "depots", "zones")
    }
    for k, r in enumerate(data["vehicle_types"]):
        for z, zid in enumerate(r.get("banned_zones", [])):
            if zid not in raw_ids["zones"]:
                issues.append(Issue(f"vehicle_types[{k}].banned_zones[{z}]", "names no zone", zid))
    vehicles = []
    for k, r in enumerate(data["vehicles"]):
        p = f"vehicles[{k}]"
        for key, what, table in (
            ("type", "vehicle type", "vehicle_types"),
            ("start_depot", "depot", "depots"),
            ("end_depot", "depot", "depots"),
        ):
            if r.get(key) is not None and r[key] not in raw_ids[table]:
                issues.append(Issue(f"{p}.{key}", f"names no {what}", r[key]))
        shift = window_at(r["shift"], f"{p}.shift") if r.get("shift") is not None else None
        vehicles.append(
            _build(
                issues,
                p,
                lambda r=r, shift=shift: Vehicle(
                    id=r["id"],
                    type=r["type"],
                    start_depot=r["start_depot"],
                    end_depot=r.get("end_depot"),
                    count=_count(r.get("count", 1)),
                    shift=shift,
                    initial_soc=float(r.get("initial_soc", 1.0)),
                    max_duration_min=_opt(r.get("max_duration_min")),
                    max_trips=(
                        _count(r["max_trips"], "max_trips")
                        if r.get("max_trips") is not None
                        else None
                    ),
                ),
            )
        )
    stations = []
    for k, r in enumerate(data.get("stations", [])):
        p = f"stations[{k}]"
        curve = [
            _build(
                issues,
                f"{p}.curve[{c}]",
                lambda s=s: CurveSegment(float(s["up_to_soc"]), float(s["power_kw"])),
            )
            for c, s in enumerate(r.get("curve", []))
        ]
        tariff = [
            _build(
                issues,
                f"{p}.tariff[{c}]",
                lambda s=s: TariffPeriod(float(s["from_min"]), float(s["price_per_kwh"])),
            )
            for c, s in enumerate(r.get("tariff", []))
        ]
        hours = windows_at(r.get("opening"), f"{p}.opening")
        stations.append(
            _build(
                issues,
                p,
                lambda r=r, p=p, curve=curve, tariff=tariff, hours=hours: Station(
                    id=r["id"],
                    location=loc(r["location"], f"{p}.location"),
                    kind=r.get("kind", "charger"),
                    power_kw=_opt(r.get("power_kw")),
                    curve=tuple(c for c in curve if c is not None),
                    chargers=_count(r.get("chargers", 1), "chargers"),
                    opening=hours,
                    tariff=tuple(x for x in tariff if x is not None),
                    fee_per_visit=float(r.get("fee_per_visit", 0.0)),
                    fee_per_kwh=float(r.get("fee_per_kwh", 0.0)),
                    swap_min=float(r.get("swap_min", 0.0)),
                    grid_co2e_kg_per_kwh=_opt(r.get("grid_co2e_kg_per_kwh")),
                    charging_efficiency=float(
                        r.get("charging_efficiency", DEFAULT_CHARGING_EFFICIENCY)
                    ),
                    **_grid_fields(r, grid_region),
                ),
            )
        )
    zones = [
        _build(
            issues,
            f"zones[{k}]",
            lambda r=r: Zone(r["id"], tuple((float(a), float(b)) for a, b in r["polygon"])),
        )
        for k, r in enumerate(data.get("zones", []))
    ]
    o = data.get("objective", {})
    objective = _build(
        issues,
        "objective",
        lambda: Objective(
            o.get("kind", "cost"),
            float(o.get("carbon_price_per_t_co2e", 0.0)),
            _opt(o.get("unserved_penalty")),
            o.get("currency", "EUR"),
            float(o.get("reassignment_penalty", 0.0)),
        ),
    )
    ru = data.get("rules", {})
    rules = Rules(bool(ru.get("full_recharge", False)), bool(ru.get("instant_charging", False)))
    if issues:
        raise InputError(issues, source)
    # No issue means every object above was built: the Nones below cannot occur.
    assert travel is not None and objective is not None
    if road is not None:
        # A placeholder until the road matrices replace it (they need the built instance: which
        # vehicle type may visit which location).
        n = len(locations)
        travel = Travel(metric="matrix", distance_km=np.zeros((n, n)))
    try:
        inst = Instance(
            name=data.get("name", ""),
            locations=_built(locations),
            depots=_built(depots),
            vehicle_types=_built(types),
            vehicles=_built(vehicles),
            jobs=_built(jobs),
            shipments=_built(shipments),
            stations=_built(stations),
            zones=_built(zones),
            travel=travel,
            objective=objective,
            rules=rules,
            meta=dict(data.get("meta", {})),
        )
    except InputError as e:
        raise InputError(e.issues, source) from None
    if road is None:
        return inst
    from ..roads import RoadNetwork, attach

    if base_dir is None:
        if source is None:
            # A document from memory (an HTTP body) has no directory: resolving its file names
            # against the working directory would let a request read any file the process can.
            raise InputError(
                Issue(
                    "travel.road_network.graph",
                    "names a file, but this instance was not read from a file "
                    "(load it from a file, or pass base_dir)",
                    road["graph"],
                )
            )
        base_dir = Path(source).parent
    try:
        return attach(inst, RoadNetwork.from_dict(road, Path(base_dir)))[0]
    except InputError as e:
        # Problems inside the graph file keep that file as their source.
        raise InputError(e.issues, e.source or source) from None


def _pair(raw: list[float]) -> tuple[float, float]:
    return float(raw[0]), float(raw[1])


def _built(items: list[T | None]) -> tuple[T, ...]:
    return tuple(x for x in items if x is not None)


def _grid_fields(r: dict[str, Any], grid_region: str | None) -> dict[str, Any]:
    """A charging place's grid fields; the instance's ``grid_region`` applies to every place that
    names neither a region nor a factor of its own (one region, one year, for a city's chargers)."""
    region = r.get("grid_region")
    if region is None and r.get("grid_co2e_kg_per_kwh") is None:
        region = grid_region
    return {
        "grid_region": region,
        "green_share": float(r.get("green_share", 0.0)),
        "green_instrument": r.get("green_instrument"),
    }


def _opt(value: Any) -> float | None:
    return None if value is None else float(value)


def _matrix(t: dict[str, Any], key: str, issues: list[Issue]) -> np.ndarray | None:
    raw = t.get(key)
    if raw is None:
        return None
    widths = {len(row) for row in raw}
    if len(widths) > 1 or (widths and widths.pop() != len(raw)):
        issues.append(
            Issue(
                f"travel.{key}",
                "must be a square matrix (every row as long as there are rows)",
                f"{len(raw)} rows",
            )
        )
        return None
    return np.array(raw, dtype=float).reshape(len(raw), len(raw))


# ----------------------------------------------------------------------------------------------
# writing
def _w(tw: TimeWindow) -> list[float]:
    return [tw.start_min, tw.end_min]


def instance_to_dict(inst: Instance) -> dict[str, Any]:
    """The native JSON form of ``inst``, every field explicit."""
    L = [loc.id for loc in inst.locations]
    tr = inst.travel
    travel: dict[str, Any] = {
        "metric": tr.metric,
        "detour_factor": tr.detour_factor,
        "speed_kmh": tr.speed_kmh,
        "rounding": tr.rounding,
        "rounding_decimals": tr.rounding_decimals,
        "round_durations": tr.round_durations,
    }
    if tr.distance_km is not None:
        travel["distance_km"] = tr.distance_km.tolist()
    if tr.duration_min is not None:
        travel["duration_min"] = tr.duration_min.tolist()
    return {
        "format": INSTANCE_FORMAT,
        "version": 1,
        "name": inst.name,
        "meta": dict(inst.meta),
        "locations": [
            {
                "id": loc.id,
                **({"coordinates": list(loc.coordinates)} if loc.coordinates is not None else {}),
            }
            for loc in inst.locations
        ],
        "travel": travel,
        "depots": [
            {
                "id": d.id,
                "location": L[d.location],
                "opening": _w(d.opening),
                "energy_price_per_kwh": d.energy_price_per_kwh,
                "grid_co2e_kg_per_kwh": d.grid_co2e_kg_per_kwh,
                "charging_efficiency": d.charging_efficiency,
                "grid_region": d.grid_region,
                "green_share": d.green_share,
                "green_instrument": d.green_instrument,
            }
            for d in inst.depots
        ],
        "jobs": [
            {
                "id": j.id,
                "location": L[j.location],
                "kind": j.kind,
                "weight_kg": j.weight_kg,
                "volume_m3": j.volume_m3,
                "time_windows": [_w(w) for w in j.time_windows],
                "service_min": j.service_min,
                "vehicles": list(j.vehicles),
                "preferred_vehicle": j.preferred_vehicle,
                "shipper": j.shipper,
                "partner": j.partner,
            }
            for j in inst.jobs
        ],
        "shipments": [
            {
                "id": s.id,
                "weight_kg": s.weight_kg,
                "volume_m3": s.volume_m3,
                **{
                    end: {
                        "location": L[e.location],
                        "time_windows": [_w(w) for w in e.time_windows],
                        "service_min": e.service_min,
                    }
                    for end, e in (("pickup", s.pickup), ("delivery", s.delivery))
                },
                "vehicles": list(s.vehicles),
                "preferred_vehicle": s.preferred_vehicle,
                "shipper": s.shipper,
                "partner": s.partner,
            }
            for s in inst.shipments
        ],
        "vehicle_types": [
            {
                "id": t.id,
                "carrier": t.carrier,
                "capacity_kg": t.capacity_kg,
                "capacity_m3": t.capacity_m3,
                "battery_kwh": t.battery_kwh,
                "reserve_kwh": t.reserve_kwh,
                "consumption_per_km_empty": t.consumption_per_km_empty,
                "consumption_per_km_full": t.consumption_per_km_full,
                "fixed_cost": t.fixed_cost,
                "cost_per_km": t.cost_per_km,
                "cost_per_hour": t.cost_per_hour,
                "fuel_price_per_unit": t.fuel_price_per_unit,
                "speed_factor": t.speed_factor,
                "banned_zones": list(t.banned_zones),
                "max_duration_min": t.max_duration_min,
                "max_trips": t.max_trips,
                "reload_min": t.reload_min,
                "wtw_co2e_kg_per_unit": t.wtw_co2e_kg_per_unit,
                "ttw_co2e_kg_per_unit": t.ttw_co2e_kg_per_unit,
                "biogenic_co2_kg_per_unit": t.biogenic_co2_kg_per_unit,
                "baseline_diesel_l_per_km_empty": t.baseline_diesel_l_per_km_empty,
                "baseline_diesel_l_per_km_full": t.baseline_diesel_l_per_km_full,
            }
            for t in inst.vehicle_types
        ],
        "vehicles": [
            {
                "id": v.id,
                "type": v.type,
                "count": v.count,
                "start_depot": v.start_depot,
                "end_depot": v.end_depot,
                "shift": _w(v.shift) if v.shift is not None else None,
                "initial_soc": v.initial_soc,
                "max_duration_min": v.max_duration_min,
                "max_trips": v.max_trips,
            }
            for v in inst.vehicles
        ],
        "stations": [
            {
                "id": s.id,
                "location": L[s.location],
                "kind": s.kind,
                "power_kw": s.power_kw,
                "curve": [{"up_to_soc": c.up_to_soc, "power_kw": c.power_kw} for c in s.curve],
                "chargers": s.chargers,
                "opening": [_w(w) for w in s.opening],
                "tariff": [
                    {"from_min": p.from_min, "price_per_kwh": p.price_per_kwh} for p in s.tariff
                ],
                "fee_per_visit": s.fee_per_visit,
                "fee_per_kwh": s.fee_per_kwh,
                "swap_min": s.swap_min,
                "grid_co2e_kg_per_kwh": s.grid_co2e_kg_per_kwh,
                "green_share": s.green_share,
                "charging_efficiency": s.charging_efficiency,
                "grid_region": s.grid_region,
                "green_instrument": s.green_instrument,
            }
            for s in inst.stations
        ],
        "zones": [{"id": z.id, "polygon": [list(c) for c in z.ring]} for z in inst.zones],
        "objective": {
            "kind": inst.objective.kind,
            "carbon_price_per_t_co2e": inst.objective.carbon_price_per_t_co2e,
            "unserved_penalty": inst.objective.unserved_penalty,
            "currency": inst.objective.currency,
            "reassignment_penalty": inst.objective.reassignment_penalty,
        },
        "rules": {
            "full_recharge": inst.rules.full_recharge,
            "instant_charging": inst.rules.instant_charging,
        },
    }


def _parse_json(text: str, source: str | None) -> Any:
    """Parse within the bounds of :mod:`.guard` (depth, finite numbers), naming the file."""
    return guard.parse_json(text, source)


def read_instance(path: str | Path) -> Instance:
    p = Path(path)
    return _instance_from_dict(_parse_json(guard.read_text(p), str(path)), str(path), p.parent)


def write_instance(inst: Instance, path: str | Path) -> None:
    write_atomic(path, json.dumps(instance_to_dict(inst), indent=1) + "\n")


# ----------------------------------------------------------------------------------------------
# solutions
_STOP_FIELDS = (
    "arrival_min",
    "start_min",
    "departure_min",
    "load_kg",
    "soc_arrival_kwh",
    "soc_departure_kwh",
    "charged_kwh",
    "charge_cost",
)


def solution_from_dict(data: Any, source: str | None = None) -> Solution:
    """Build a :class:`Solution` from native JSON, or raise :class:`InputError` with every issue.

    Non-finite numbers are refused here, each named by its path (``routes[0].stops[3].charged_kwh``):
    a NaN compares false with everything, so a plan holding one could pass every later check.
    """
    guard.check_numbers(data, source)
    return _solution_from_dict(data, source)


def _solution_from_dict(data: Any, source: str | None) -> Solution:
    """:func:`solution_from_dict` once the numbers are known sound."""
    issues = _schema_issues(data, "solution")
    if issues:
        raise InputError(issues, source)
    routes = tuple(
        Route(
            r["vehicle"],
            tuple(
                Stop(s["kind"], s["ref"], **{f: _opt(s.get(f)) for f in _STOP_FIELDS})
                for s in r["stops"]
            ),
            int(r.get("unit", 0)),
        )
        for r in data["routes"]
    )
    t = data.get("totals", {})
    totals = Totals(
        distance_km=_opt(t.get("distance_km")),
        duration_min=_opt(t.get("duration_min")),
        vehicles_used=t.get("vehicles_used"),
        cost={k: float(v) for k, v in t.get("cost", {}).items()},
        energy={k: float(v) for k, v in t.get("energy", {}).items()},
        co2e_wtw_kg=_opt(t.get("co2e_wtw_kg")),
    )
    return Solution(
        data["instance"],
        routes,
        tuple(data.get("unserved", [])),
        totals,
        dict(data.get("meta", {})),
    )


def solution_to_dict(sol: Solution) -> dict[str, Any]:
    t = sol.totals
    return {
        "format": SOLUTION_FORMAT,
        "version": 1,
        "instance": sol.instance,
        "meta": dict(sol.meta),
        "routes": [
            {
                "vehicle": r.vehicle,
                "unit": r.unit,
                "stops": [
                    {
                        "kind": s.kind,
                        "ref": s.ref,
                        **{f: getattr(s, f) for f in _STOP_FIELDS if getattr(s, f) is not None},
                    }
                    for s in r.stops
                ],
            }
            for r in sol.routes
        ],
        "unserved": list(sol.unserved),
        "totals": {
            "distance_km": t.distance_km,
            "duration_min": t.duration_min,
            "vehicles_used": t.vehicles_used,
            "cost": dict(t.cost),
            "energy": dict(t.energy),
            "co2e_wtw_kg": t.co2e_wtw_kg,
        },
    }


def read_solution(path: str | Path) -> Solution:
    return _solution_from_dict(_parse_json(guard.read_text(path), str(path)), str(path))


def write_solution(sol: Solution, path: str | Path) -> None:
    write_atomic(path, json.dumps(solution_to_dict(sol), indent=1) + "\n")
