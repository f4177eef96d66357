"""VROOM's JSON both ways: its problem read as an instance, a plan written as its solution.

Why: integrators already speak VROOM's API (``docs/API.md`` of VROOM-Project/vroom): jobs,
shipments, vehicles with capacity arrays and skills, time windows in seconds, custom matrices.
Reading it lets them try this engine on the files they have; writing its solution lets their
code read our plans unchanged.

Reading (``--format vroom``, detected from a JSON object with ``vehicles`` and ``jobs`` or
``shipments`` and no ``format`` tag):

- ``matrices.<profile>.durations`` (s) and ``distances`` (m), or the older ``matrix``
  (durations only, then ``distances`` must come from coordinates): tasks and vehicles name rows
  by ``location_index``. Without matrices, ``location`` ``[lon, lat]`` places them and travel is
  the great circle x 1.3 at 40 km/h (VROOM would ask a road router; ``meta.travel_note`` says so).
  Every vehicle must use the same profile: the model has one pair of matrices.
- Amount arrays: dimension 0 is weight in kg, dimension 1 (if any) volume in m3; more
  dimensions are refused. A job with both ``delivery`` and ``pickup`` is refused (a job is one or
  the other here).
- ``skills``: a task may be served by the vehicles whose skills include all of its own.
- Times: seconds become minutes. A vehicle's ``time_window`` is its shift. ``service`` and
  ``setup`` add up to the service time (VROOM skips the setup after a stop at the same place).
- Costs: ``costs.fixed``, ``per_hour`` (default 3600, VROOM's "cost = seconds of travel") and
  ``per_km``. Here ``per_hour`` prices the route's whole duration (service and waiting
  included), VROOM's its travel time: plan costs are comparable, not equal.
- VROOM leaves a task unassigned when no vehicle can serve it; here that costs a penalty larger
  than any route can cost, so tasks are dropped only when they must be.
- Refused by name rather than ignored: ``breaks``, ``max_tasks``, ``max_travel_time``,
  ``max_distance``, ``steps``, a non-zero ``priority``, vehicles without ``start`` or ``end``.

Electric extension (not VROOM's; VROOM ignores unknown keys, so such a file still runs there):

- a vehicle's ``"electric": {"carrier": "bev"|"swap", "battery_kwh", "reserve_kwh",
  "kwh_per_km_empty", "kwh_per_km_full", "initial_soc"}``;
- the problem's ``"stations": [{"id", "location_index"|"location", "kind": "charger"|"swap",
  "power_kw", "swap_min", "price_per_kwh", "fee_per_visit", "chargers"}]``.

Writing (``--out-format vroom``): ``code``, ``summary``, ``unassigned`` and ``routes`` with
``steps`` of type ``start``, ``job``, ``pickup``, ``delivery``, ``end`` as VROOM writes them
(``arrival`` in s, ``duration`` the cumulative travel time, ``distance`` the cumulative metres,
``load`` after the step, ``waiting_time``, ``service``). Electric extension: a step of type
``charge`` (or ``swap``) at a station with ``station``, ``charged_kwh`` and ``charge_cost``, and
``soc_kwh`` (on departure) on every step of a battery vehicle. ``cost`` is this engine's plan cost
(the validator's), rounded to an integer as VROOM's is.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..errors import FormatError, InputError, Issue
from ..fileio import write_atomic
from ..model import (
    Depot,
    Instance,
    Job,
    Location,
    Objective,
    Shipment,
    ShipmentStop,
    Station,
    TariffPeriod,
    TimeWindow,
    Travel,
    Vehicle,
    VehicleType,
)
from ..runsheet import build_run_sheet, reload_indices
from ..solution import Solution
from ..validator import validate

#: Travel when a VROOM problem has coordinates and no matrices (a road router's stand-in).
DETOUR_FACTOR = 1.3
SPEED_KMH = 40.0
_UNSUPPORTED_VEHICLE_KEYS = ("breaks", "max_tasks", "max_travel_time", "max_distance", "steps")


def looks_like(data: Any) -> bool:
    """Whether parsed JSON is a VROOM problem rather than a native instance."""
    return (
        isinstance(data, dict)
        and "format" not in data
        and isinstance(data.get("vehicles"), list)
        and ("jobs" in data or "shipments" in data)
    )


class _Reader:
    """Builds the instance; collects every problem with its JSON path before raising."""

    def __init__(self, data: Mapping[str, Any], source: str | None) -> None:
        self.data = data
        self.source = source
        self.issues: list[Issue] = []
        self.locations: list[Location] = []
        self.index_of: dict[Any, int] = {}  # matrix index or (lon, lat) -> location row

    def bad(self, path: str, message: str, value: Any = None, has_value: bool = True) -> None:
        self.issues.append(Issue(path, message, value, has_value))

    def number(self, obj: Mapping[str, Any], key: str, path: str, default: float = 0.0) -> float:
        v = obj.get(key, default)
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v < 0:
            self.bad(f"{path}.{key}", "must be a number >= 0", v)
            return default
        return float(v)

    def amounts(self, obj: Mapping[str, Any], key: str, path: str) -> tuple[float, float]:
        raw = obj.get(key, [])
        if not isinstance(raw, list) or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and x >= 0 for x in raw
        ):
            self.bad(f"{path}.{key}", "must be an array of numbers >= 0", raw)
            return 0.0, 0.0
        if len(raw) > 2:
            self.bad(
                f"{path}.{key}",
                "has more than 2 dimensions (here: [weight kg, volume m3])",
                raw,
            )
        return (float(raw[0]) if raw else 0.0, float(raw[1]) if len(raw) > 1 else 0.0)

    def windows(self, obj: Mapping[str, Any], key: str, path: str) -> tuple[TimeWindow, ...]:
        raw = obj.get(key, [])
        out: list[TimeWindow] = []
        if key == "time_window":
            raw = [raw] if raw else []
        if not isinstance(raw, list):
            self.bad(f"{path}.{key}", "must be an array of [start, end] pairs in seconds", raw)
            return ()
        for k, w in enumerate(raw):
            where = f"{path}.{key}" if key == "time_window" else f"{path}.{key}[{k}]"
            if (
                not isinstance(w, list)
                or len(w) != 2
                or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in w)
                or w[1] < w[0]
            ):
                self.bad(where, "must be [start, end] in seconds with start <= end", w)
                continue
            out.append(TimeWindow(w[0] / 60.0, w[1] / 60.0))
        return tuple(sorted(out, key=lambda w: w.start_min))

    def place(self, obj: Mapping[str, Any], path: str, key: str = "location") -> int:
        """The location row of a task or vehicle end (``location_index`` or coordinates)."""
        index_key = f"{key}_index" if key != "location" else "location_index"
        if self.matrix_size is not None:
            ix = obj.get(index_key)
            if not isinstance(ix, int) or isinstance(ix, bool) or not 0 <= ix < self.matrix_size:
                self.bad(
                    f"{path}.{index_key}",
                    f"must index a row of the matrix (0..{self.matrix_size - 1})",
                    ix,
                )
                return 0
            coords = obj.get(key)
            if isinstance(coords, list) and len(coords) == 2 and ix not in self.coords_at:
                self.coords_at[ix] = (float(coords[0]), float(coords[1]))
            return ix
        coords = obj.get(key)
        if (
            not isinstance(coords, list)
            or len(coords) != 2
            or not all(isinstance(c, int | float) and not isinstance(c, bool) for c in coords)
        ):
            self.bad(f"{path}.{key}", "must be [lon, lat] (or give matrices and *_index)", coords)
            return 0
        point = (float(coords[0]), float(coords[1]))
        if point not in self.index_of:
            self.index_of[point] = len(self.index_of)
        return self.index_of[point]

    def read(self) -> Instance:
        data = self.data
        self.matrix_size: int | None = None
        self.coords_at: dict[int, tuple[float, float]] = {}
        durations, distances = self.matrices()
        vehicles_raw = data.get("vehicles", [])
        jobs_raw = data.get("jobs", [])
        shipments_raw = data.get("shipments", [])
        for key, raw in (
            ("vehicles", vehicles_raw),
            ("jobs", jobs_raw),
            ("shipments", shipments_raw),
        ):
            if not isinstance(raw, list) or not all(isinstance(x, dict) for x in raw):
                self.bad(key, "must be an array of objects", type(raw).__name__)
        if self.issues:
            raise FormatError(self.issues, self.source)
        if not vehicles_raw:
            self.bad("vehicles", "must not be empty", 0)

        # Vehicles: one entry and one type each (VROOM has no vehicle types).
        types: list[VehicleType] = []
        vehicles: list[Vehicle] = []
        depots: dict[int, str] = {}
        skills: dict[str, set[Any]] = {}
        vehicle_ids: dict[str, Any] = {}
        for k, v in enumerate(vehicles_raw):
            path = f"vehicles[{k}]"
            for key in _UNSUPPORTED_VEHICLE_KEYS:
                if key in v:
                    self.bad(f"{path}.{key}", "is not modelled by this engine", v[key])
            vid = v.get("id")
            if not isinstance(vid, int) or isinstance(vid, bool):
                self.bad(f"{path}.id", "must be an integer", vid)
                continue
            ends: list[int] = []
            for key in ("start", "end"):
                if key not in v and f"{key}_index" not in v:
                    self.bad(
                        f"{path}.{key}",
                        "is required here (open routes are not modelled)",
                        has_value=False,
                    )
                    ends.append(0)
                else:
                    ends.append(self.place(v, path, key))
            for loc in ends:
                depots.setdefault(loc, f"depot-{loc}")
            costs = v.get("costs", {}) if isinstance(v.get("costs", {}), dict) else {}
            cap_kg, cap_m3 = self.amounts(v, "capacity", path)
            if "capacity" not in v:
                cap_kg = math.inf
            electric = v.get("electric")
            tid = f"vehicle-{vid}"
            kw: dict[str, Any] = {
                "id": tid,
                "carrier": "diesel",
                "capacity_kg": cap_kg if math.isfinite(cap_kg) and cap_kg > 0 else 1e12,
                "capacity_m3": cap_m3 if cap_m3 > 0 else None,
                "fixed_cost": self.number(costs, "fixed", f"{path}.costs"),
                "cost_per_hour": self.number(costs, "per_hour", f"{path}.costs", 3600.0),
                "cost_per_km": self.number(costs, "per_km", f"{path}.costs"),
                "speed_factor": v.get("speed_factor", 1.0),
            }
            initial_soc = 1.0
            if isinstance(electric, dict):
                e_path = f"{path}.electric"
                kw["carrier"] = electric.get("carrier", "bev")
                kw["battery_kwh"] = self.number(electric, "battery_kwh", e_path)
                kw["reserve_kwh"] = self.number(electric, "reserve_kwh", e_path)
                kw["consumption_per_km_empty"] = self.number(electric, "kwh_per_km_empty", e_path)
                kw["consumption_per_km_full"] = self.number(
                    electric, "kwh_per_km_full", e_path, kw["consumption_per_km_empty"]
                )
                initial_soc = self.number(electric, "initial_soc", e_path, 1.0)
            elif electric is not None:
                self.bad(f"{path}.electric", "must be an object", electric)
            try:
                types.append(VehicleType(**kw))
            except InputError as e:
                self.issues.extend(i.under(path) for i in e.issues)
                continue
            shift = self.windows(v, "time_window", path)
            try:
                vehicles.append(
                    Vehicle(
                        id=str(vid),
                        type=tid,
                        start_depot=depots[ends[0]],
                        end_depot=depots[ends[1]],
                        shift=shift[0] if shift else None,
                        initial_soc=initial_soc,
                    )
                )
            except InputError as e:
                self.issues.extend(i.under(path) for i in e.issues)
                continue
            skills[str(vid)] = set(v.get("skills", []) or [])
            vehicle_ids[str(vid)] = vid

        def allowed(task: Mapping[str, Any], path: str) -> tuple[str, ...]:
            need = task.get("skills", []) or []
            if not isinstance(need, list):
                self.bad(f"{path}.skills", "must be an array of integers", need)
                return ()
            if task.get("priority", 0):
                self.bad(
                    f"{path}.priority", "is not modelled (must be 0 or absent)", task["priority"]
                )
            if not need:
                return ()
            ok = tuple(vid for vid, have in skills.items() if set(need) <= have)
            if not ok:
                self.bad(f"{path}.skills", "no vehicle has all of these skills", need)
            return ok

        jobs: list[Job] = []
        job_ids: dict[str, Any] = {}
        for k, j in enumerate(jobs_raw):
            path = f"jobs[{k}]"
            jid = j.get("id")
            if not isinstance(jid, int) or isinstance(jid, bool):
                self.bad(f"{path}.id", "must be an integer", jid)
                continue
            if str(jid) in job_ids:
                self.bad(f"{path}.id", "is used by another job", jid)
                continue
            loc = self.place(j, path)
            d = self.amounts(j, "delivery", path)
            p = self.amounts(j, "pickup", path)
            legacy = self.amounts(j, "amount", path)
            if any(d) and any(p):
                self.bad(path, "has both delivery and pickup (here a job is one or the other)", jid)
            kind: Literal["delivery", "pickup"] = "pickup" if any(p) else "delivery"
            weight, volume = p if any(p) else (d if any(d) else legacy)
            service = self.number(j, "service", path) + self.number(j, "setup", path)
            try:
                jobs.append(
                    Job(
                        id=str(jid),
                        location=loc,
                        kind=kind,
                        weight_kg=weight,
                        volume_m3=volume,
                        time_windows=self.windows(j, "time_windows", path),
                        service_min=service / 60.0,
                        vehicles=allowed(j, path),
                    )
                )
                job_ids[str(jid)] = jid
            except InputError as e:
                self.issues.extend(i.under(path) for i in e.issues)

        shipments: list[Shipment] = []
        shipment_ids: dict[str, list[Any]] = {}
        for k, s in enumerate(shipments_raw):
            path = f"shipments[{k}]"
            ends_s: list[ShipmentStop] = []
            ids: list[Any] = []
            for key in ("pickup", "delivery"):
                step = s.get(key)
                if not isinstance(step, dict):
                    self.bad(f"{path}.{key}", "must be an object", step)
                    break
                sid = step.get("id")
                if not isinstance(sid, int) or isinstance(sid, bool):
                    self.bad(f"{path}.{key}.id", "must be an integer", sid)
                ids.append(sid)
                service = self.number(step, "service", f"{path}.{key}") + self.number(
                    step, "setup", f"{path}.{key}"
                )
                ends_s.append(
                    ShipmentStop(
                        location=self.place(step, f"{path}.{key}"),
                        time_windows=self.windows(step, "time_windows", f"{path}.{key}"),
                        service_min=service / 60.0,
                    )
                )
            if len(ends_s) != 2:
                continue
            weight, volume = self.amounts(s, "amount", path)
            our_id = f"shipment-{ids[0]}-{ids[1]}"
            try:
                shipments.append(
                    Shipment(
                        our_id, ends_s[0], ends_s[1], weight, volume, vehicles=allowed(s, path)
                    )
                )
                shipment_ids[our_id] = ids
            except InputError as e:
                self.issues.extend(i.under(path) for i in e.issues)

        stations = self.stations()
        if self.issues:
            raise FormatError(self.issues, self.source)

        # Locations: the matrix rows, or the distinct coordinates in order of first use.
        if self.matrix_size is not None:
            locations = [
                Location(f"i{ix}", self.coords_at.get(ix)) for ix in range(self.matrix_size)
            ]
            travel = Travel(
                metric="matrix",
                distance_km=np.asarray(distances, dtype=float) / 1000.0,
                duration_min=np.asarray(durations, dtype=float) / 60.0,
            )
            note = "matrices given: durations s -> min, distances m -> km"
        else:
            locations = [Location(f"p{ix}", pt) for pt, ix in self.index_of.items()]
            travel = Travel(metric="haversine", detour_factor=DETOUR_FACTOR, speed_kmh=SPEED_KMH)
            note = (
                f"no matrices: great circle x {DETOUR_FACTOR} at {SPEED_KMH:g} km/h "
                "(VROOM would ask a road router)"
            )
        ends_min = [w.end_min for j in jobs for w in j.time_windows]
        ends_min += [
            w.end_min for s in shipments for e in (s.pickup, s.delivery) for w in e.time_windows
        ]
        ends_min += [v.shift.end_min for v in vehicles if v.shift is not None]
        durations_min = travel.matrices(locations)[1]
        work = float(durations_min.max(initial=0.0)) * (len(jobs) + 2 * len(shipments) + 2)
        work += sum(j.service_min for j in jobs) + sum(
            s.pickup.service_min + s.delivery.service_min for s in shipments
        )
        starts_min = [v.shift.start_min for v in vehicles if v.shift is not None]
        open_min = min([0.0, *starts_min])
        close_min = max([open_min + work + 1.0, *ends_min])
        depot_list = [
            Depot(name, loc, TimeWindow(open_min, close_min)) for loc, name in depots.items()
        ]
        horizon_h = (close_min - open_min) / 60.0
        longest_km = float(travel.matrices(locations)[0].max(initial=0.0))
        route_bound = max(
            (
                t.fixed_cost
                + t.cost_per_hour * horizon_h
                + t.cost_per_km * longest_km * (len(jobs) + 2 * len(shipments) + 2)
                for t in types
            ),
            default=0.0,
        )
        try:
            return Instance(
                name=str(
                    data.get("description") or (Path(self.source).stem if self.source else "vroom")
                ),
                locations=tuple(locations),
                depots=tuple(depot_list),
                vehicle_types=tuple(types),
                vehicles=tuple(vehicles),
                jobs=tuple(jobs),
                shipments=tuple(shipments),
                stations=tuple(stations),
                travel=travel,
                # VROOM assigns what it can: unserved tasks cost more than any route.
                objective=Objective(kind="cost", unserved_penalty=10.0 * route_bound + 1.0),
                meta={
                    "format": "vroom",
                    "travel_note": note,
                    "vroom": {
                        "vehicles": vehicle_ids,
                        "jobs": job_ids,
                        "shipments": shipment_ids,
                        "matrix": self.matrix_size is not None,
                    },
                },
            )
        except InputError as e:
            raise InputError(e.issues, self.source) from None

    def matrices(self) -> tuple[Any, Any]:
        data = self.data
        mats = data.get("matrices")
        durations = distances = None
        if mats is not None:
            profiles = {
                str(v.get("profile", "car"))
                for v in data.get("vehicles", [])
                if isinstance(v, dict)
            }
            if not isinstance(mats, dict) or not mats:
                self.bad("matrices", "must be an object of profiles", mats)
                return None, None
            if len(profiles) > 1:
                self.bad(
                    "vehicles",
                    "use several profiles; one pair of matrices is modelled",
                    sorted(profiles),
                )
            profile = next(iter(profiles), "car")
            block = mats.get(profile)
            if not isinstance(block, dict):
                self.bad(
                    f"matrices.{profile}", "is missing (the vehicles' profile)", has_value=False
                )
                return None, None
            durations, distances = block.get("durations"), block.get("distances")
            where = f"matrices.{profile}"
        elif "matrix" in data:
            durations, where = data["matrix"], "matrix"
        else:
            return None, None
        n = len(durations) if isinstance(durations, list) else 0
        for name, m in (("durations", durations), ("distances", distances)):
            path = where if where == "matrix" else f"{where}.{name}"
            if m is None:
                self.bad(
                    path,
                    "is required: the model needs durations (s) and distances (m)",
                    has_value=False,
                )
                continue
            arr = np.asarray(m, dtype=object)
            if arr.ndim != 2 or arr.shape != (n, n):
                self.bad(path, "must be a square array of arrays", f"shape {arr.shape}")
                continue
            try:
                num = np.asarray(m, dtype=float)
            except (TypeError, ValueError):
                self.bad(path, "must hold numbers only", has_value=False)
                continue
            if not np.all(np.isfinite(num)) or np.any(num < 0):
                i, j = map(int, np.argwhere(~np.isfinite(num) | (num < 0))[0])
                self.bad(f"{path}[{i}][{j}]", "must be a number >= 0", m[i][j])
        if durations is not None and distances is not None and len(distances) != n:
            self.bad(f"{where}.distances", f"must be {n} x {n} like durations", len(distances))
        self.matrix_size = n
        return durations, distances

    def stations(self) -> list[Station]:
        out: list[Station] = []
        raw = self.data.get("stations", [])
        if not isinstance(raw, list):
            self.bad("stations", "must be an array of objects", raw)
            return out
        for k, s in enumerate(raw):
            path = f"stations[{k}]"
            if not isinstance(s, dict):
                self.bad(path, "must be an object", s)
                continue
            price = self.number(s, "price_per_kwh", path)
            try:
                out.append(
                    Station(
                        id=str(s.get("id", f"station-{k}")),
                        location=self.place(s, path),
                        kind=s.get("kind", "charger"),
                        power_kw=s.get("power_kw"),
                        swap_min=self.number(s, "swap_min", path),
                        tariff=(TariffPeriod(0.0, price),) if price else (),
                        fee_per_visit=self.number(s, "fee_per_visit", path),
                        chargers=s.get("chargers", 1),
                    )
                )
            except InputError as e:
                self.issues.extend(i.under(path) for i in e.issues)
        return out


def instance_from_vroom(data: Any, source: str | None = None) -> Instance:
    """The instance of a parsed VROOM problem (see the module doc for the mapping)."""
    if not isinstance(data, dict):
        raise FormatError(
            Issue("", "a VROOM problem is a JSON object", type(data).__name__), source
        )
    return _Reader(data, source).read()


def read_instance(path: str | Path) -> Instance:
    """Read a VROOM problem file."""
    from . import guard

    p = Path(path)
    # Within the readers' bounds (size, UTF-8, nesting depth, finite numbers), naming the file.
    data = guard.parse_json(guard.read_text(p), str(path))
    return instance_from_vroom(data, str(path))


# ----- solutions ------------------------------------------------------------------------------
def _trip_delivery_m3(
    instance: Instance, stops: Sequence[Any], reloads: tuple[int, ...]
) -> list[float]:
    """The volume of the deliveries each trip of a route loads at the depot (one per trip)."""
    out = [0.0]
    for k, s in enumerate(stops):
        if k in reloads:
            out.append(0.0)
        elif s.kind == "job" and instance.job_by_id[s.ref].kind == "delivery":
            out[-1] += instance.job_by_id[s.ref].volume_m3
    return out


def _vroom_id(value: str, table: Mapping[str, Any] | None) -> Any:
    """VROOM's integer id for one of ours: the one read, else the integer it spells, else ours."""
    if table is not None and value in table:
        return table[value]
    return int(value) if value.isdigit() else value


def solution_to_vroom(instance: Instance, solution: Solution) -> dict[str, Any]:
    """VROOM's solution object for ``solution`` (figures recomputed by the validator)."""
    report = validate(instance, solution)
    sheet = build_run_sheet(instance, report)
    ids = instance.meta.get("vroom", {}) if isinstance(instance.meta.get("vroom"), dict) else {}
    from_matrix = bool(ids.get("matrix"))
    two_dims = any(t.capacity_m3 is not None for t in instance.vehicle_types)

    def amount(weight: float, volume: float) -> list[int | float]:
        vals = [weight, volume] if two_dims else [weight]
        return [round(x) if abs(x - round(x)) < 1e-9 else round(x, 3) for x in vals]

    def task_of(kind: str, ref: str) -> tuple[Any, float, float, str]:
        """(VROOM id, weight, volume, VROOM type) of a stop."""
        if kind == "job":
            j = instance.job_by_id[ref]
            return _vroom_id(ref, ids.get("jobs")), j.weight_kg, j.volume_m3, "job"
        sh = instance.shipment_by_id[ref]
        pair = ids.get("shipments", {}).get(ref)
        sid = pair[0 if kind == "pickup" else 1] if pair else ref
        return sid, sh.weight_kg, sh.volume_m3, kind

    routes_out: list[dict[str, Any]] = []
    totals = dict.fromkeys(("service", "duration", "waiting_time", "distance"), 0.0)
    delivered = [0.0, 0.0]
    picked = [0.0, 0.0]
    for r in sheet.routes:
        trace = report.traces[r.route]
        legs = {leg.to_stop: leg for leg in trace.legs}
        # Volume on board is not a stop figure: start with the first trip's deliveries, follow
        # the stops, and at a reload unload the trip's pickups and load the next trip's.
        reloads = reload_indices(r.stops)
        trip_m3 = _trip_delivery_m3(instance, r.stops, reloads)
        volume = trip_m3[0]
        for_depot_m3 = 0.0
        travel_s = dist_m = 0.0
        steps: list[dict[str, Any]] = []
        r_service = r_wait = 0.0
        r_delivery = [0.0, 0.0]
        r_pickup = [0.0, 0.0]
        for k, s in enumerate(r.stops):
            leg = legs.get(k)
            if leg is not None:
                travel_s += leg.duration_min * 60.0
                dist_m += leg.distance_km * 1000.0
            step: dict[str, Any] = {}
            if s.kind == "depot" and k in reloads:
                # VROOM has no reload step: like "charge" and "swap", an extension type.
                step["type"] = "reload"
                step["depot"] = s.ref
                volume += trip_m3[reloads.index(k) + 1] - for_depot_m3
                for_depot_m3 = 0.0
            elif s.kind == "depot":
                step["type"] = "start" if k == 0 else "end"
            elif s.kind == "station":
                step["type"] = "swap" if s.station_kind == "swap" else "charge"
                step["station"] = s.ref
            else:
                vid, w, vol, typ = task_of(s.kind, s.ref)
                step["type"] = typ
                step["id"] = vid
                step["description"] = s.ref
                is_pickup = typ == "pickup" or (
                    typ == "job" and instance.job_by_id[s.ref].kind == "pickup"
                )
                volume += vol if is_pickup else -vol
                if is_pickup and typ == "job":
                    for_depot_m3 += vol
                target = r_pickup if is_pickup else r_delivery
                target[0] += w
                target[1] += vol
            if s.coordinates is not None:
                step["location"] = list(s.coordinates)
            loc_id = s.location
            if from_matrix and loc_id.startswith("i") and loc_id[1:].isdigit():
                step["location_index"] = int(loc_id[1:])
            wait = (s.wait_min or 0.0) * 60.0 if k > 0 else 0.0
            service = (s.service_min or 0.0) * 60.0 if s.kind != "depot" else 0.0
            arrival = s.arrival_min if k > 0 else s.departure_min
            step.update(
                {
                    "setup": 0,
                    "service": round(service),
                    "waiting_time": round(wait),
                    "load": amount(s.load_kg or 0.0, max(volume, 0.0)),
                    "arrival": round((arrival or 0.0) * 60.0),
                    "duration": round(travel_s),
                    "distance": round(dist_m),
                    "violations": [],
                }
            )
            if r.carrier in ("bev", "swap"):
                step["soc_kwh"] = (
                    None if s.soc_departure_kwh is None else round(s.soc_departure_kwh, 3)
                )
            if s.kind == "station":
                step["charged_kwh"] = round(s.charged_kwh or 0.0, 3)
                step["charge_cost"] = round(s.charge_cost or 0.0, 2)
            r_service += service
            r_wait += wait
            steps.append(step)
        vehicle = r.vehicle.rsplit("#", 1)[0]
        routes_out.append(
            {
                "vehicle": _vroom_id(vehicle, ids.get("vehicles")),
                "description": r.vehicle,
                "cost": round(r.cost.get("total", 0.0)),
                "setup": 0,
                "service": round(r_service),
                "duration": round(travel_s),
                "waiting_time": round(r_wait),
                "priority": 0,
                "delivery": amount(*r_delivery),
                "pickup": amount(*r_pickup),
                "distance": round(dist_m),
                "violations": [],
                "steps": steps,
            }
        )
        totals["service"] += r_service
        totals["duration"] += travel_s
        totals["waiting_time"] += r_wait
        totals["distance"] += dist_m
        for i in range(2):
            delivered[i] += r_delivery[i]
            picked[i] += r_pickup[i]
    unassigned: list[dict[str, Any]] = []
    for ref in sheet.unserved:
        if ref in instance.job_by_id:
            j = instance.job_by_id[ref]
            item: dict[str, Any] = {"id": _vroom_id(ref, ids.get("jobs")), "type": "job"}
            coords = instance.locations[j.location].coordinates
            if coords is not None:
                item["location"] = list(coords)
            unassigned.append({**item, "description": ref})
        elif ref in instance.shipment_by_id:
            pair = ids.get("shipments", {}).get(ref) or [ref, ref]
            unassigned.append({"id": pair[0], "type": "pickup", "description": ref})
            unassigned.append({"id": pair[1], "type": "delivery", "description": ref})
    wall = solution.meta.get("wall_time_s")
    return {
        "code": 0,
        "summary": {
            "cost": round(sheet.cost.get("total", 0.0)),
            "routes": len(routes_out),
            "unassigned": len(unassigned),
            "delivery": amount(*delivered),
            "pickup": amount(*picked),
            "setup": 0,
            "service": round(totals["service"]),
            "duration": round(totals["duration"]),
            "waiting_time": round(totals["waiting_time"]),
            "priority": 0,
            "distance": round(totals["distance"]),
            "violations": [],
            "computing_times": {
                "loading": 0,
                "solving": round(1000 * wall) if isinstance(wall, int | float) else 0,
                "routing": 0,
            },
            # Extension: the plan's cost by component, in the instance's currency.
            "cost_breakdown": {k: round(v, 2) for k, v in sheet.cost.items()},
            "currency": sheet.currency,
        },
        "unassigned": unassigned,
        "routes": routes_out,
    }


def write_solution(instance: Instance, solution: Solution, path: str | Path) -> None:
    """Write :func:`solution_to_vroom` as JSON."""
    write_atomic(path, json.dumps(solution_to_vroom(instance, solution), indent=1) + "\n")


__all__ = [
    "instance_from_vroom",
    "looks_like",
    "read_instance",
    "solution_to_vroom",
    "write_solution",
]
