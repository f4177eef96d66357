"""``optimizer info INSTANCE``: what is in a file, on one screen, before anyone waits for a solve.

Why: the first question about an instance is never "what is the optimum" but "did it load the
way I think": how many jobs, which fleet, can the fleet carry the demand at all, which charging rules
apply, and which jobs are impossible whatever the solver does (:mod:`optimizer.reach`). The text
stays within about 40 lines whatever the size of the instance, so it fits a terminal and a log;
:func:`summarize` gives the same facts as a JSON-ready dict for tools.
"""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

from .model import Instance, Station, VehicleType
from .reach import analyse, fleet_shortfall, format_clock

#: Rows of the fleet table and of the unreachable list shown before "... and N more".
MAX_FLEET_ROWS = 12
MAX_UNREACHABLE_ROWS = 10


def range_empty_km(vt: VehicleType) -> float | None:
    """Usable battery over the empty consumption rate: the farthest an empty truck gets on one charge.

    ``None`` for non-electric types and for a zero consumption rate (no range limit)."""
    if not vt.is_electric or vt.battery_kwh is None or vt.consumption_per_km_empty <= 0:
        return None
    return (vt.battery_kwh - vt.reserve_kwh) / vt.consumption_per_km_empty


def _max_power_kw(s: Station) -> float | None:
    if s.curve:
        return max(c.power_kw for c in s.curve)
    return s.power_kw


def _span(values: list[float]) -> list[float] | None:
    return [min(values), max(values)] if values else None


def _jsonable(value: Any) -> Any:
    """Meta is free-form: keep what JSON can hold, show the rest as text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    return str(value)


def summarize(inst: Instance) -> dict[str, Any]:
    """The facts :func:`format_info` prints, as a JSON-ready dict (no infinities, no numpy types)."""
    kinds = Counter(j.kind for j in inst.jobs)
    st_kinds = Counter(s.kind for s in inst.stations)
    fleet = []
    for v in inst.vehicles:
        vt = inst.type_by_id[v.type]
        shift = inst.shift_of(v)
        fleet.append(
            {
                "id": v.id,
                "type": vt.id,
                "carrier": vt.carrier,
                "count": v.count,
                "capacity_kg": vt.capacity_kg,
                "capacity_m3": vt.capacity_m3,
                "battery_kwh": vt.battery_kwh,
                "reserve_kwh": vt.reserve_kwh if vt.is_electric else None,
                "range_empty_km": range_empty_km(vt),
                "start_depot": v.start_depot,
                "end_depot": v.end,
                "shift": [shift.start_min, shift.end_min],
                "initial_soc": v.initial_soc if vt.is_electric else None,
                "max_trips": inst.max_trips_of(v),
                "reload_min": vt.reload_min,
            }
        )
    chargers = [s for s in inst.stations if s.kind == "charger"]
    swaps = [s for s in inst.stations if s.kind == "swap"]
    prices = [p.price_per_kwh for s in inst.stations for p in s.tariff]
    weight = sum(j.weight_kg for j in inst.jobs) + sum(s.weight_kg for s in inst.shipments)
    volume = sum(j.volume_m3 for j in inst.jobs) + sum(s.volume_m3 for s in inst.shipments)
    cap_kg = sum(v.count * inst.type_by_id[v.type].capacity_kg for v in inst.vehicles)
    vols = [inst.type_by_id[v.type].capacity_m3 for v in inst.vehicles]
    cap_m3 = (
        sum(v.count * c for v, c in zip(inst.vehicles, vols, strict=True) if c is not None)
        if all(c is not None for c in vols)
        else None
    )
    shifts = [inst.shift_of(v) for v in inst.vehicles]
    reach = analyse(inst)
    return {
        "name": inst.name,
        "meta": _jsonable(dict(inst.meta)),
        "counts": {
            "locations": len(inst.locations),
            "depots": len(inst.depots),
            "jobs": len(inst.jobs),
            "jobs_by_kind": {"delivery": kinds["delivery"], "pickup": kinds["pickup"]},
            "jobs_with_time_windows": sum(1 for j in inst.jobs if j.time_windows),
            "jobs_with_several_windows": sum(1 for j in inst.jobs if len(j.time_windows) > 1),
            "shipments": len(inst.shipments),
            "stations": len(inst.stations),
            "stations_by_kind": {"charger": st_kinds["charger"], "swap": st_kinds["swap"]},
            "zones": len(inst.zones),
            "vehicle_entries": len(inst.vehicles),
            "vehicles": inst.fleet_size,
        },
        "travel": {
            "metric": inst.travel.metric,
            "detour_factor": inst.travel.detour_factor,
            "speed_kmh": inst.travel.speed_kmh,
            "rounding": inst.travel.rounding,
        },
        "horizon": {"start_min": inst.horizon.start_min, "end_min": inst.horizon.end_min},
        "shifts": {
            "start_min": min(s.start_min for s in shifts),
            "end_min": max(s.end_min for s in shifts),
        },
        "fleet": fleet,
        "stations": {
            "charger_power_kw": _span([p for s in chargers if (p := _max_power_kw(s)) is not None]),
            "swap_min": _span([s.swap_min for s in swaps]),
            "with_curve": sum(1 for s in chargers if s.curve),
            "with_tariff": sum(1 for s in inst.stations if s.tariff),
            "with_time_of_use": sum(1 for s in inst.stations if len(s.tariff) > 1),
            "tariff_price_per_kwh": _span(prices),
            "with_opening_hours": sum(1 for s in inst.stations if s.opening),
            "with_fee_per_visit": sum(
                1 for s in inst.stations if s.fee_per_kwh > 0 or s.fee_per_visit > 0
            ),
            "with_green_share": sum(1 for s in inst.stations if s.green_share > 0),
            "charge_points": sum(s.chargers for s in chargers),
        },
        "zones": [
            {
                "id": z.id,
                "banned_for": [t.id for t in inst.vehicle_types if z.id in t.banned_zones],
            }
            for z in inst.zones
        ],
        "demand": {
            "weight_kg": weight,
            "volume_m3": volume,
            "fleet_capacity_kg": cap_kg,
            "fleet_capacity_m3": cap_m3,
        },
        "rules": {
            "full_recharge": inst.rules.full_recharge,
            "instant_charging": inst.rules.instant_charging,
        },
        "objective": {
            "kind": inst.objective.kind,
            "carbon_price_per_t_co2e": inst.objective.carbon_price_per_t_co2e,
            "unserved_penalty": inst.objective.unserved_penalty,
            "currency": inst.objective.currency,
        },
        "unreachable": [
            {"id": u.task, "code": u.code, "reason": u.reason} for u in reach.unreachable
        ],
        # The fleet, or the vehicles that alone can serve some jobs, against those jobs (None:
        # no bound proves it short).
        "fleet_shortfall": fleet_shortfall(inst, reach),
    }


# ----------------------------------------------------------------------------------------------
# text
def _n(x: float) -> str:
    """A quantity for reading: thousands separated, no useless decimals."""
    return f"{x:,.0f}" if abs(x) >= 100 or x == int(x) else f"{x:,.1f}"


def _window(a: float, b: float) -> str:
    return f"{format_clock(a)}-{format_clock(b)}"


def _pct(part: float, whole: float | None) -> str:
    return f" ({100 * part / whole:.0f} %)" if whole else ""


def _table(rows: list[list[str]], right: set[int]) -> list[str]:
    widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
    return [
        "  "
        + "  ".join(
            cell.rjust(widths[c]) if c in right else cell.ljust(widths[c])
            for c, cell in enumerate(r)
        ).rstrip()
        for r in rows
    ]


def format_info(inst: Instance) -> str:
    """One screen of plain text about ``inst`` (at most about 40 lines, whatever its size)."""
    s = summarize(inst)
    c, st, d, o = s["counts"], s["stations"], s["demand"], s["objective"]
    meta = s["meta"]
    out: list[str] = [f"{s['name'] or '(unnamed)'}  [format: {meta.get('format', 'not recorded')}]"]
    extra = [f"{k}={v}" for k, v in meta.items() if isinstance(v, str | int | float)]
    extra = [x for x in extra if not x.startswith(("format=", "source="))]
    source = "; ".join(([str(meta["source"])] if "source" in meta else []) + extra)
    if source:
        out.append("  " + (source if len(source) <= 96 else source[:93] + "..."))
    zones = "; ".join(
        f"{z['id']} (banned for {', '.join(z['banned_for']) or 'no type'})" for z in s["zones"]
    )
    out.append(
        f"Locations {c['locations']:,} | depots {c['depots']} | shipments {c['shipments']:,}"
        f" | zones {c['zones']}" + (f": {zones}" if zones else "")
    )
    out.append(
        f"Jobs {c['jobs']:,}: {c['jobs_by_kind']['delivery']:,} deliveries,"
        f" {c['jobs_by_kind']['pickup']:,} pickups; {c['jobs_with_time_windows']:,} with time"
        f" windows ({c['jobs_with_several_windows']:,} with two or more)"
    )
    tr = s["travel"]
    travel = (
        "given matrices"
        if tr["metric"] == "matrix"
        else f"{tr['metric']} x{tr['detour_factor']:g} at {tr['speed_kmh']:g} km/h"
    )
    if tr["rounding"] != "none":
        travel += f", {tr['rounding']}ed"
    h, sh = s["horizon"], s["shifts"]
    out.append(
        f"Horizon {_window(h['start_min'], h['end_min'])} ({h['start_min']:g}-{h['end_min']:g} min),"
        f" shifts {_window(sh['start_min'], sh['end_min'])} | travel {travel}"
    )

    out.append(f"Fleet: {c['vehicles']:,} vehicles in {c['vehicle_entries']} entries")
    trips = any(f["max_trips"] > 1 for f in s["fleet"])
    head = ["id", "type", "carrier", "count", "kg", "kWh", "range km", "SoC", "shift", "depot"]
    rows = [head + (["trips"] if trips else [])]
    for f in s["fleet"][:MAX_FLEET_ROWS]:
        depot = f["start_depot"] + (
            "" if f["end_depot"] == f["start_depot"] else f">{f['end_depot']}"
        )
        rows.append(
            [
                f["id"],
                f["type"],
                f["carrier"],
                str(f["count"]),
                _n(f["capacity_kg"]),
                "-" if f["battery_kwh"] is None else _n(f["battery_kwh"]),
                "-" if f["range_empty_km"] is None else _n(f["range_empty_km"]),
                "-" if f["initial_soc"] is None else f"{100 * f['initial_soc']:.0f}%",
                _window(*f["shift"]),
                depot,
            ]
            + (
                [
                    f"{f['max_trips']} ({_n(f['reload_min'])} min reload)"
                    if f["max_trips"] > 1
                    else "1"
                ]
                if trips
                else []
            )
        )
    out += _table(rows, right={3, 4, 5, 6, 7})
    if len(s["fleet"]) > MAX_FLEET_ROWS:
        rest = s["fleet"][MAX_FLEET_ROWS:]
        out.append(
            f"  ... and {len(rest)} more entries ({sum(f['count'] for f in rest):,} vehicles)"
        )

    if c["stations"]:
        parts = []
        if c["stations_by_kind"]["charger"]:
            lo, hi = st["charger_power_kw"] or [0.0, 0.0]
            power = f"{_n(lo)}-{_n(hi)} kW" if lo != hi else f"{_n(lo)} kW"
            parts.append(
                f"{c['stations_by_kind']['charger']} chargers {power}"
                f" ({st['charge_points']} points, {st['with_curve']} with a curve)"
            )
        if c["stations_by_kind"]["swap"]:
            lo, hi = st["swap_min"]
            parts.append(
                f"{c['stations_by_kind']['swap']} swap"
                + (f" ({lo:g}-{hi:g} min)" if lo != hi else f" ({lo:g} min)")
            )
        out.append(f"Stations {c['stations']}: " + ", ".join(parts))
        tariff = (
            f"tariffs {st['with_tariff']} ({st['with_time_of_use']} time-of-use,"
            f" {st['tariff_price_per_kwh'][0]:g}-{st['tariff_price_per_kwh'][1]:g}"
            f" {o['currency']}/kWh)"
            if st["with_tariff"]
            else "no tariffs (energy free at stations)"
        )
        out.append(
            f"  {tariff} | opening hours {st['with_opening_hours']} | service fee"
            f" {st['with_fee_per_visit']} | green share {st['with_green_share']}"
        )
    else:
        out.append("Stations: none")

    demand = (
        f"Demand {_n(d['weight_kg'])} kg of {_n(d['fleet_capacity_kg'])} kg fleet capacity"
        + _pct(d["weight_kg"], d["fleet_capacity_kg"])
    )
    if d["volume_m3"] > 0:
        demand += f"; {_n(d['volume_m3'])} m3" + (
            f" of {_n(d['fleet_capacity_m3'])} m3" + _pct(d["volume_m3"], d["fleet_capacity_m3"])
            if d["fleet_capacity_m3"] is not None
            else ""
        )
    if d["weight_kg"] > d["fleet_capacity_kg"]:
        demand += "  << demand exceeds one trip of the whole fleet"
    out.append(demand)
    r = s["rules"]
    out.append(
        "Charging: "
        + ("full recharge at every visit" if r["full_recharge"] else "partial charging allowed")
        + ", "
        + ("instant (charging takes no time)" if r["instant_charging"] else "charging takes time")
    )
    unserved = (
        "every job must be served"
        if o["unserved_penalty"] is None
        else f"unserved jobs cost {o['unserved_penalty']:g} each"
    )
    carbon = (
        f", carbon {o['carbon_price_per_t_co2e']:g} {o['currency']}/t CO2e"
        if o["kind"] == "cost"
        else ""
    )
    out.append(f"Objective: {o['kind']} ({o['currency']}){carbon}; {unserved}")

    if s["fleet_shortfall"] is not None:
        out.append(f"Fleet short: {s['fleet_shortfall']}")
    un = s["unreachable"]
    if not un:
        out.append("Unreachable jobs: none found")
    else:
        total = c["jobs"] + c["shipments"]
        out.append(f"Unreachable jobs: {len(un):,} of {total:,}")
        for u in un[:MAX_UNREACHABLE_ROWS]:
            line = f"  {u['id']}: {u['reason']}"
            out.append(line if len(line) <= 160 else line[:157] + "...")
        if len(un) > MAX_UNREACHABLE_ROWS:
            out.append(f"  ... and {len(un) - MAX_UNREACHABLE_ROWS:,} more")
    return "\n".join(out)
