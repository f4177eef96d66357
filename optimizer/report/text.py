"""The report on the console: rich tables per route, per shipment, per carrier, and the totals.

Why rich: aligned columns with units in the headers read at a glance in a terminal, and rich falls
back to plain text when the output is a file or a pipe.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table

from .data import factor_figures


def _f(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _clock(minutes: float | None) -> str:
    if minutes is None:
        return "-"
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def _reloads(r: dict[str, Any]) -> str:
    """A route's reloads as ``depot HH:MM-HH:MM``, one per extra trip ("" for one trip)."""
    return "; ".join(
        f"{x['depot']} {_clock(x['arrival_min'])}-{_clock(x['departure_min'])}"
        for x in r.get("reloads", [])
    )


def routes_table(data: dict[str, Any]) -> Table:
    """One row per route; a route of several trips says so in its stops and names its reloads
    (a depot stop in the middle of a route is the vehicle loading its next trip, not its end)."""
    cur = data["currency"]
    multi = any(r.get("trips", 1) > 1 for r in data["routes"])
    title = (
        "Routes (one line per vehicle; a reload at the depot starts each further trip)"
        if multi
        else "Routes (one trip each)"
    )
    table = Table(title=title, title_justify="left", show_lines=False)
    for name, justify in (
        ("vehicle", "left"),
        ("type", "left"),
        ("stops", "right"),
        ("km", "right"),
        ("hours", "right"),
        ("out-back", "left"),
        ("energy", "right"),
        (f"charging (kWh, {cur})", "left"),
        ("CO2e kg", "right"),
        ("load factor", "right"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for r in data["routes"]:
        charging = (
            "; ".join(
                f"{c['station']} +{c['battery_kwh']:.0f} kWh {c['cost']:.0f}"
                for c in r["charging_stops"]
            )
            or "-"
        )
        energy = f"{r['energy']:,.1f} {r['energy_unit']}"
        if r["energy_unit"] == "kWh":
            energy += f" ({r['grid_kwh']:,.0f} grid)"
        stops = str(r["task_stops"])
        trips = r.get("trips", 1)
        if trips > 1:
            stops += f" in {trips} trips (reload {_reloads(r)})"
        table.add_row(
            r["vehicle"],
            r["vehicle_type"],
            stops,
            _f(r["distance_km"]),
            _f(r["duration_h"], 2),
            f"{_clock(r['start_min'])}-{_clock(r['end_min'])}",
            energy,
            charging,
            _f(r["co2e_wtw_kg"]),
            f"{100 * r['load_factor']:.0f} %",
        )
    return table


def shipments_table(data: dict[str, Any]) -> Table:
    table = Table(
        title="Shipments (mass x shortest feasible distance; trip emissions allocated by t·km)",
        title_justify="left",
    )
    for name, justify in (
        ("job / shipment", "left"),
        ("kind", "left"),
        ("vehicle", "left"),
        ("from -> to", "left"),
        ("t", "right"),
        ("SFD km", "right"),
        ("t·km", "right"),
        ("CO2e kg WTW", "right"),
        ("CO2e kg TTW", "right"),
        ("g/t·km", "right"),
        ("diesel kg", "right"),
        ("cut kg", "right"),
        ("shipper", "left"),
    ):
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in data["emissions"]["by_shipment"]:
        table.add_row(
            s["id"],
            s["kind"],
            s["vehicle"],
            f"{s['origin']} -> {s['destination']}",
            _f(s["mass_kg"] / 1000.0, 2),
            _f(s["distance_km"]),
            _f(s["tkm"]),
            _f(s["co2e_wtw_kg"], 2),
            _f(s["co2e_ttw_kg"], 2),
            _f(s["intensity_wtw_g_per_tkm"], 0),
            _f(s["baseline_diesel_wtw_kg"], 2),
            _f(s["reduction_kg"], 2),
            s["shipper"] or "",
        )
    return table


def shippers_table(data: dict[str, Any], key: str = "by_shipper") -> Table:
    """The shared footprint per shipper (or partner): emissions, both baselines, the cut and its
    cost share."""
    em = data["emissions"]
    cur = data["currency"]
    what = "Shippers" if key == "by_shipper" else "Partners"
    table = Table(
        title=f"{what}: the shared footprint (reductions against the primary baseline; cut cost "
        "shared by reduction)",
        title_justify="left",
    )
    for name in (
        what[:-1].lower(),
        "shipments",
        "t·km",
        "CO2e kg WTW",
        "g/t·km",
        "diesel kg (same routes)",
        "cut kg",
        "cut %",
        "diesel kg (re-solved)",
        "cut kg (re-solved)",
        f"cut cost {cur}",
    ):
        table.add_column(name, justify="left" if name == what[:-1].lower() else "right")
    for name, r in em[key].items():
        table.add_row(
            name,
            str(r["shipments"]),
            _f(r["tkm"]),
            _f(r["co2e_wtw_kg"], 2),
            _f(r["intensity_wtw_g_per_tkm"], 0),
            _f(r.get("baseline_diesel_wtw_kg"), 2),
            _f(r.get("reduction_kg"), 2),
            _f(r.get("reduction_pct"), 1),
            _f(r.get("baseline_resolved_wtw_kg"), 2),
            _f(r.get("reduction_vs_resolved_kg"), 2),
            _f(r.get("cut_cost"), 2),
        )
    return table


def totals_table(data: dict[str, Any]) -> Table:
    em = data["emissions"]
    table = Table(title="Totals by energy carrier", title_justify="left")
    for name in ("carrier", "trips", "km", "energy", "grid kWh", "TTW kg", "WTT kg", "WTW kg"):
        table.add_column(name, justify="left" if name == "carrier" else "right")
    for carrier, c in em["by_carrier"].items():
        table.add_row(
            carrier,
            str(c["trips"]),
            _f(c["distance_km"]),
            f"{c['energy']:,.1f} {c['energy_unit']}",
            _f(c["grid_kwh"]) if c["energy_unit"] == "kWh" else "-",
            _f(c["co2e_ttw_kg"]),
            _f(c["co2e_wtt_kg"]),
            _f(c["co2e_wtw_kg"]),
        )
    table.add_row(
        "all",
        str(len(em["by_trip"])),
        _f(data["plan"]["distance_km"]),
        "",
        "",
        _f(em["ttw_kg"]),
        _f(em["wtt_kg"]),
        _f(em["wtw_kg"]),
        style="bold",
    )
    return table


def summary_lines(data: dict[str, Any]) -> list[str]:
    em = data["emissions"]
    plan = data["plan"]
    cur = data["currency"]
    sc = em["scopes"]
    lines = [
        f"plan: {'feasible' if plan['feasible'] else 'INFEASIBLE'}, "
        f"{plan['vehicles_used']} vehicles, {_f(plan['distance_km'])} km, "
        f"cost {_f(plan['cost'].get('total'), 2)} {cur}",
        f"CO2e WTW {_f(em['wtw_kg'], 2)} kg = TTW {_f(em['ttw_kg'], 2)} + WTT {_f(em['wtt_kg'], 2)}; "
        f"{_f(em['tkm'])} t·km, {_f(em['intensity_wtw_g_per_tkm'], 0)} g CO2e/t·km",
        f"scopes: 1 (fuel burned) {_f(sc['scope1_kg'], 2)} kg, 2 (electricity, location-based "
        f"generation) {_f(sc['scope2_kg'], 2)} kg, 3 (upstream of fuels and electricity) "
        f"{_f(sc['scope3_kg'], 2)} kg",
    ]
    el = em["electricity"]
    if el["grid_kwh"] > 0:
        lines.append(
            f"electricity: {_f(el['grid_kwh'])} kWh from the grid; scope 2 location-based "
            f"{_f(el['location_based_kg'], 2)} kg, market-based {_f(el['market_based_kg'], 2)} kg; "
            f"green (with an instrument) {_f(100 * (el['green_share_of_kwh'] or 0), 1)} % of kWh"
        )
    op = em["operating"]
    if op["new_energy_share_of_km"] is not None:
        lines.append(
            f"new-energy vehicles: {_f(100 * op['new_energy_share_of_km'], 1)} % of km, "
            f"{_f(100 * (op['new_energy_share_of_tkm'] or 0), 1)} % of t·km"
        )
    if em["biogenic_co2_kg"]:
        lines.append(f"biogenic CO2 (not in CO2e): {_f(em['biogenic_co2_kg'], 2)} kg")
    if em["baseline_diesel_wtw_kg"] is not None:
        b = em["baseline"]
        lines.append(
            f"primary baseline (same routes, each vehicle's diesel equivalent; exact): "
            f"{_f(em['baseline_diesel_wtw_kg'], 2)} kg WTW, {_f(b['diesel_l'])} L; reduction "
            f"{_f(em['reduction_kg'], 2)} kg ({_f(em['reduction_pct'], 1)} %)"
        )
    if em["baseline_resolved_wtw_kg"] is not None:
        b = em["baseline_resolved"]
        how = (
            "reproducible: the work budget ended the search"
            if b["reproducible"]
            else "reproducibility not guaranteed: the wall clock ended the search"
        )
        lines.append(
            f"secondary baseline (all-diesel fleet re-solved, {b['time_limit_s']:g} s, seed "
            f"{b['seed']}, {how}): {_f(em['baseline_resolved_wtw_kg'], 2)} kg WTW, "
            f"{b['vehicles_used']} vehicles, {_f(b['distance_km'])} km, {_f(b['diesel_l'])} L, "
            f"cost {_f(b['cost'].get('total'), 2)} {cur}; reduction "
            f"{_f(em['reduction_vs_resolved_kg'], 2)} kg ({_f(em['reduction_vs_resolved_pct'], 1)} %)"
        )
    elif em.get("baseline_resolved_error"):
        lines.append(f"secondary baseline: not available ({em['baseline_resolved_error']})")
    if em["cut_cost"] is not None:
        lines.append(
            f"cost of the cut (plan minus primary baseline, money): {_f(em['cut_cost'], 2)} {cur}, "
            "shared by shipper in proportion to reduction"
        )
    if em["unserved"]:
        lines.append(f"unserved (no emissions counted): {', '.join(em['unserved'])}")
    lines.append(
        f"method: {em['method']['standard']}; {em['method']['allocation']}; "
        f"{em['method']['distance_type']}; GWP set per factor; hubs not included"
    )
    return lines


def factors_table(data: dict[str, Any]) -> Table:
    """Every factor in force with its source and year (ISO 14083 asks a report to state them)."""
    table = Table(title="Factors in force (source, year, status)", title_justify="left")
    for name in ("applies to", "figures", "GWP set", "year", "status", "source"):
        table.add_column(name, justify="left", overflow="fold")
    for f in data["emissions"]["method"].get("factors", []):
        figures = factor_figures(f)
        table.add_row(
            f["applies_to"],
            f"{figures} {f['unit']}",
            str(f.get("gwp_set") or "-"),
            str(f.get("year") or "-"),
            f["status"],
            f["source"],
        )
    return table


def render(data: dict[str, Any], console: Console | None = None) -> None:
    """Print the report: routes, shipments, carriers, then the summary lines."""
    out = console or Console(width=160)
    if not data["plan"]["feasible"]:
        n = len(data["plan"]["violations"])
        out.print(
            f"[bold red]warning:[/] the plan breaks {n} rule(s) (see optimizer validate); "
            "the figures are what it would emit as written"
        )
    out.print(routes_table(data))
    out.print(shipments_table(data))
    out.print(shippers_table(data))
    if any(name != "(not stated)" for name in data["emissions"]["by_partner"]):
        out.print(shippers_table(data, "by_partner"))
    out.print(totals_table(data))
    out.print(factors_table(data))
    for line in summary_lines(data):
        out.print(line, highlight=False)
