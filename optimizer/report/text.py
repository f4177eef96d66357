"""The report on the console: rich tables per route, per shipment, per carrier, and the totals.

Why rich: aligned columns with units in the headers read at a glance in a terminal, and rich falls
back to plain text when the output is a file or a pipe.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table


def _f(x: float | None, digits: int = 1) -> str:
    return "-" if x is None else f"{x:,.{digits}f}"


def _clock(minutes: float | None) -> str:
    if minutes is None:
        return "-"
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def routes_table(data: dict[str, Any]) -> Table:
    cur = data["currency"]
    table = Table(title="Routes (one trip each)", title_justify="left", show_lines=False)
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
        table.add_row(
            r["vehicle"],
            r["vehicle_type"],
            str(r["task_stops"]),
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
        f"scopes: 1 (fuel burned) {_f(sc['scope1_kg'], 2)} kg, 2 (electricity) "
        f"{_f(sc['scope2_kg'], 2)} kg, 3 (fuel upstream) {_f(sc['scope3_kg'], 2)} kg",
    ]
    if em["baseline_diesel_wtw_kg"] is not None:
        b = em["baseline"]
        lines.append(
            f"all-diesel baseline (solved, {b['time_limit_s']:g} s, seed {b['seed']}): "
            f"{_f(em['baseline_diesel_wtw_kg'], 2)} kg WTW, {b['vehicles_used']} vehicles, "
            f"{_f(b['distance_km'])} km, {_f(b['diesel_l'])} L, cost {_f(b['cost'].get('total'), 2)} {cur}"
        )
        lines.append(
            f"reduction against the baseline: {_f(em['reduction_kg'], 2)} kg "
            f"({_f(em['reduction_pct'], 1)} %)"
        )
    elif em.get("baseline_error"):
        lines.append(f"all-diesel baseline: not available ({em['baseline_error']})")
    if em["unserved"]:
        lines.append(f"unserved (no emissions counted): {', '.join(em['unserved'])}")
    lines.append(
        f"method: {em['method']['standard']}; {em['method']['allocation']}; "
        f"{em['method']['distance_type']}; {em['method']['gwp_set']}; hubs not included"
    )
    return lines


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
    out.print(totals_table(data))
    for line in summary_lines(data):
        out.print(line, highlight=False)
