"""The report as one self-contained HTML page: inline CSS, the figure embedded as base64 PNG.

Why self-contained: the page is mailed, attached to a ticket or archived next to the plan; it must
open anywhere without a server, a network or a folder of assets. Every string from the instance is
escaped (ids are user data).
"""

from __future__ import annotations

import base64
from html import escape
from typing import Any

from ..model import FUEL_UNIT
from .data import factor_figures

_CSS = """
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d2733;
       margin: 0; background: #f5f7fa; }
main { max-width: 1280px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h3 { font-size: 14px; margin: 16px 0 6px; }
h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid #d8dee6; padding-bottom: 4px; }
.sub { color: #5b6775; margin: 0 0 18px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { background: #fff; border: 1px solid #d8dee6; border-radius: 8px; padding: 12px 16px;
        min-width: 170px; }
.card .v { font-size: 22px; font-weight: 650; }
.card .l { color: #5b6775; font-size: 12px; text-transform: uppercase; letter-spacing: .04em; }
.good { color: #1b7f3b; } .bad { color: #b42318; }
.warn { background: #fff4e5; border: 1px solid #f5b971; padding: 10px 14px; border-radius: 6px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { padding: 5px 8px; border-bottom: 1px solid #e6eaef; text-align: right;
         vertical-align: top; }
th { background: #eef2f6; font-weight: 600; position: sticky; top: 0; }
td.t, th.t { text-align: left; }
tr.total td { font-weight: 650; border-top: 2px solid #9aa6b2; }
img.fig { width: 100%; height: auto; border: 1px solid #d8dee6; border-radius: 6px;
          background: #fff; }
.small { font-size: 12px; color: #5b6775; }
code { font-size: 12px; }
"""


def _n(x: float | None, digits: int = 1) -> str:
    return "–" if x is None else f"{x:,.{digits}f}"


def _clock(minutes: float | None) -> str:
    if minutes is None:
        return "–"
    m = round(minutes)
    return f"{m // 60:02d}:{m % 60:02d}"


def _table(
    head: list[str], rows: list[list[str]], left: int = 1, total: list[str] | None = None
) -> str:
    """An HTML table; the first ``left`` columns are text (left-aligned). Cells are pre-escaped."""

    def cells(tag: str, values: list[str]) -> str:
        return "".join(
            f'<{tag} class="t">{v}</{tag}>' if k < left else f"<{tag}>{v}</{tag}>"
            for k, v in enumerate(values)
        )

    body = "".join(f"<tr>{cells('td', r)}</tr>" for r in rows)
    if total is not None:
        body += f'<tr class="total">{cells("td", total)}</tr>'
    return f"<table><thead><tr>{cells('th', head)}</tr></thead><tbody>{body}</tbody></table>"


def _card(label: str, value: str, cls: str = "") -> str:
    return f'<div class="card"><div class="l">{escape(label)}</div><div class="v {cls}">{value}</div></div>'


_COST_PARTS = ("fixed", "distance", "time", "energy", "carbon")


def _cost_section(data: dict[str, Any]) -> str:
    """The plan's cost by component, per vehicle and in all (penalties only in all: they belong
    to no route)."""
    cur = escape(data["currency"])
    cost = data["plan"]["cost"]
    sheet = data.get("run_sheet", {}).get("routes", [])
    head = ["vehicle", *_COST_PARTS, "total"]
    rows = [
        [
            escape(r["vehicle"]),
            *(_n(r["cost"].get(k), 2) for k in _COST_PARTS),
            _n(r["cost"].get("total"), 2),
        ]
        for r in sheet
    ]
    total = ["all", *(_n(cost.get(k), 2) for k in _COST_PARTS), _n(cost.get("total"), 2)]
    out = [f"<h2>Cost ({cur})</h2>", _table(head, rows, total=total)]
    if cost.get("penalty"):
        out.append(
            f"<p>Penalties (unserved or reassigned jobs): {_n(cost['penalty'], 2)} {cur}</p>"
        )
    return "\n".join(out)


def _run_sheet_section(data: dict[str, Any]) -> str:
    """Per vehicle its stops in order, as the driver's sheet (:mod:`optimizer.runsheet`)."""
    cur = escape(data["currency"])
    sheet = data.get("run_sheet", {}).get("routes", [])
    out = ["<h2>Run sheet</h2>"]
    for r in sheet:
        stops = r["stops"]
        trips = r.get("trips", 1)
        out.append(
            f"<h3>{escape(r['vehicle'])} <span class='small'>{escape(r['vehicle_type'])} "
            f"({escape(r['carrier'])}), {stops[0]['departure']}–{stops[-1]['arrival']}, "
            + (f"{trips} trips, " if trips > 1 else "")
            + f"{_n(r['distance_km'])} km, {_n(r['duration_min'] / 60.0, 2)} h, "
            f"cost {_n(r['cost'].get('total'), 2)} {cur}</span></h3>"
        )
        rows = []
        trip = 1
        for k, s in enumerate(stops):
            what = s["kind"]
            if what == "station":
                what = "swap" if s["station_kind"] == "swap" else "charge"
            elif what == "depot" and 0 < k < len(stops) - 1:
                # Back at the depot between two trips: unload, load the next trip, leave again.
                trip += 1
                held = s["service_min"]
                what = f"reload{f' {held:.0f} min' if held is not None else ''}, trip {trip}"
            elif what == "depot":
                what = "start" if k == 0 else "end"
            soc = ""
            if s["soc_departure_kwh"] is not None:
                soc = _n(s["soc_departure_kwh"], 0) + " kWh"
                if s["soc_departure_pct"] is not None:
                    soc += f" ({s['soc_departure_pct']:.0f} %)"
            charge = ""
            if s["kind"] == "station":
                charge = (
                    f"+{_n(s['charged_kwh'])} kWh, {_n(s['charge_min'], 0)} min, "
                    f"{_n(s['charge_cost'], 2)} {cur}"
                )
            wait = s["wait_min"]
            rows.append(
                [
                    str(s["seq"]),
                    escape(what),
                    escape(s["ref"]),
                    "" if k == 0 else s["arrival"],
                    "" if k == len(stops) - 1 else s["departure"],
                    _n(wait, 0) if wait and k > 0 else "",
                    _n(s["load_kg"], 0),
                    soc,
                    charge,
                ]
            )
        out.append(
            _table(
                [
                    "#",
                    "what",
                    "stop",
                    "arrive",
                    "depart",
                    "wait min",
                    "load kg",
                    "SoC left",
                    "charge / swap",
                ],
                rows,
                left=3,
            )
        )
    return "\n".join(out)


def render_html(data: dict[str, Any], png: bytes | None, tiles_url: str | None = None) -> str:
    """The page for a report dictionary (:func:`optimizer.report.data.build`) and its figure;
    ``tiles_url`` is the interactive map's tile server (``None``: plain background)."""
    from .map import map_section

    em = data["emissions"]
    plan = data["plan"]
    cur = escape(data["currency"])
    parts: list[str] = []
    parts.append(f"<h1>Carbon report: {escape(data['instance'])}</h1>")
    parts.append(
        '<p class="sub">ISO 14083:2023 / GLEC Framework v3: well-to-wheel CO2e of every trip from '
        "the energy really used, allocated to shipments by mass x shortest feasible distance.</p>"
    )
    if not plan["feasible"]:
        parts.append(
            f'<p class="warn">The plan breaks {len(plan["violations"])} rule(s); the figures are '
            "what it would emit as written. Run <code>optimizer validate</code> for the list.</p>"
        )
    cards = [
        _card("CO2e well-to-wheel", f"{_n(em['wtw_kg'])} kg"),
        _card("tank-to-wheel / well-to-tank", f"{_n(em['ttw_kg'])} / {_n(em['wtt_kg'])} kg"),
        _card("intensity", f"{_n(em['intensity_wtw_g_per_tkm'], 0)} g/t·km"),
        _card("plan cost", f"{_n(plan['cost'].get('total'), 0)} {cur}"),
        _card("vehicles / km", f"{plan['vehicles_used']} / {_n(plan['distance_km'], 0)}"),
    ]
    if em["baseline_diesel_wtw_kg"] is not None:
        pct = em["reduction_pct"]
        cards.append(
            _card("diesel, same routes (primary)", f"{_n(em['baseline_diesel_wtw_kg'])} kg")
        )
        cards.append(
            _card(
                "reduction vs diesel",
                f"{_n(em['reduction_kg'])} kg ({_n(pct)} %)",
                "good" if (pct or 0) > 0 else "bad",
            )
        )
    parts.append(f'<div class="cards">{"".join(cards)}</div>')
    if png is not None:
        b64 = base64.b64encode(png).decode("ascii")
        parts.append("<h2>Routes and state of charge</h2>")
        parts.append(
            f'<img class="fig" alt="routes and state of charge" src="data:image/png;base64,{b64}">'
        )

    parts.append(_cost_section(data))
    parts.append(map_section(data, tiles_url))
    parts.append(_run_sheet_section(data))

    parts.append("<h2>Routes</h2>")
    rows = []
    for r in data["routes"]:
        charging = (
            "<br>".join(
                f"{escape(c['station'])} @ {_clock(c['start_min'])}: +{_n(c['battery_kwh'])} kWh, "
                f"{_n(c['cost'], 2)} {cur}"
                for c in r["charging_stops"]
            )
            or "–"
        )
        energy = f"{_n(r['energy'])} {escape(r['energy_unit'])}"
        if r["energy_unit"] == "kWh":
            energy += f"<br><span class='small'>{_n(r['grid_kwh'])} from the grid</span>"
        rows.append(
            [
                escape(r["vehicle"]),
                escape(r["vehicle_type"]),
                charging,
                str(r["task_stops"]) + (f" in {r['trips']} trips" if r.get("trips", 1) > 1 else ""),
                _n(r["distance_km"]),
                _n(r["duration_h"], 2),
                f"{_clock(r['start_min'])}–{_clock(r['end_min'])}",
                energy,
                f"{100 * r['load_factor']:.0f} %",
                _n(r["co2e_wtw_kg"]),
            ]
        )
    parts.append(
        _table(
            [
                "vehicle",
                "type",
                f"charging stops (kWh, {cur})",
                "stops",
                "km",
                "hours",
                "out–back",
                "energy",
                "load factor",
                "CO2e kg",
            ],
            rows,
            left=3,
        )
    )

    parts.append("<h2>Shipments</h2>")
    rows = [
        [
            escape(s["id"]),
            escape(s["kind"]),
            escape(s["vehicle"]),
            f"{escape(s['origin'])} → {escape(s['destination'])}",
            _n(s["mass_kg"] / 1000.0, 2),
            _n(s["distance_km"]),
            _n(s["tkm"]),
            _n(s["co2e_wtw_kg"], 2),
            _n(s["co2e_ttw_kg"], 2),
            _n(s["intensity_wtw_g_per_tkm"], 0),
        ]
        for s in em["by_shipment"]
    ]
    parts.append(
        _table(
            [
                "job / shipment",
                "kind",
                "vehicle",
                "from → to",
                "t",
                "SFD km",
                "t·km",
                "CO2e kg WTW",
                "CO2e kg TTW",
                "g/t·km",
            ],
            rows,
            left=4,
            total=[
                "all",
                "",
                "",
                "",
                "",
                "",
                _n(em["tkm"]),
                _n(em["wtw_kg"], 2),
                _n(em["ttw_kg"], 2),
                _n(em["intensity_wtw_g_per_tkm"], 0),
            ],
        )
    )

    parts.append("<h2>By energy carrier and scope</h2>")
    rows = [
        [
            escape(k),
            str(c["trips"]),
            _n(c["distance_km"]),
            f"{_n(c['energy'])} {escape(c['energy_unit'])}",
            _n(c["grid_kwh"]) if c["energy_unit"] == "kWh" else "–",
            _n(c["co2e_ttw_kg"]),
            _n(c["co2e_wtt_kg"]),
            _n(c["co2e_wtw_kg"]),
        ]
        for k, c in em["by_carrier"].items()
    ]
    parts.append(
        _table(
            ["carrier", "trips", "km", "energy", "grid kWh", "TTW kg", "WTT kg", "WTW kg"],
            rows,
            total=[
                "all",
                "",
                _n(plan["distance_km"]),
                "",
                "",
                _n(em["ttw_kg"]),
                _n(em["wtt_kg"]),
                _n(em["wtw_kg"]),
            ],
        )
    )
    sc = em["scopes"]
    parts.append(
        _table(
            ["scope (carrier's view)", "kg CO2e"],
            [
                ["scope 1: fuel burned in the vehicles (TTW)", _n(sc["scope1_kg"], 2)],
                [
                    "scope 2: purchased electricity (location-based, generation)",
                    _n(sc["scope2_kg"], 2),
                ],
                [
                    "scope 2 market-based (reported apart, not in the total)",
                    _n(em["electricity"]["market_based_kg"], 2),
                ],
                ["scope 3 cat. 3: upstream of fuels and electricity", _n(sc["scope3_kg"], 2)],
            ],
        )
    )

    op = em["operating"]
    parts.append(
        _table(
            ["operating figure", "value"],
            [
                ["new-energy vehicles' share of km", _n(100 * (op["new_energy_share_of_km"] or 0))],
                [
                    "new-energy vehicles' share of t·km",
                    _n(100 * (op["new_energy_share_of_tkm"] or 0)),
                ],
                [
                    "green electricity (with an instrument), % of kWh charged",
                    _n(100 * (op["green_electricity_share_of_kwh"] or 0)),
                ],
            ],
        )
    )
    if em["baseline"] is not None:
        b = em["baseline"]
        rb = em["baseline_resolved"]
        parts.append("<h2>All-diesel baselines</h2>")
        parts.append(f"<p>Primary: {escape(b['method'])}.</p>")
        rows = [
            [
                "this plan",
                str(plan["vehicles_used"]),
                _n(plan["distance_km"]),
                ", ".join(
                    f"{escape(k)} {_n(v)} {FUEL_UNIT.get(k, '')}" for k, v in plan["energy"].items()
                ),
                _n(em["wtw_kg"]),
                "",
            ],
            [
                "primary: same routes on diesel",
                str(plan["vehicles_used"]),
                _n(b["distance_km"]),
                f"diesel {_n(b['diesel_l'])} L",
                _n(b["co2e_wtw_kg"]),
                f"{_n(em['reduction_kg'])} kg ({_n(em['reduction_pct'])} %)",
            ],
        ]
        if rb is not None:
            parts.append(
                f"<p>Secondary: {escape(rb['method'])}: {rb['time_limit_s']:g} s, seed "
                f"{rb['seed']}, {'reproducible' if rb['reproducible'] else 'reproducibility not guaranteed (wall clock)'}.</p>"
            )
            rows.append(
                [
                    "secondary: re-solved on diesel",
                    str(rb["vehicles_used"]),
                    _n(rb["distance_km"]),
                    f"diesel {_n(rb['diesel_l'])} L",
                    _n(rb["co2e_wtw_kg"]),
                    f"{_n(em['reduction_vs_resolved_kg'])} kg "
                    f"({_n(em['reduction_vs_resolved_pct'])} %)",
                ]
            )
        elif em.get("baseline_resolved_error"):
            parts.append(
                f'<p class="warn">Secondary baseline not available: '
                f"{escape(em['baseline_resolved_error'])}</p>"
            )
        parts.append(_table(["plan", "vehicles", "km", "energy", "CO2e WTW kg", "reduction"], rows))
        parts.append("<h2>Shippers</h2>")
        parts.append(
            _table(
                ["shipper", "t·km", "CO2e WTW kg", "diesel kg", "cut kg", "cut share", "cut cost"],
                [
                    [
                        escape(name),
                        _n(r["tkm"]),
                        _n(r["co2e_wtw_kg"]),
                        _n(r.get("baseline_diesel_wtw_kg")),
                        _n(r.get("reduction_kg")),
                        _n(r.get("reduction_share"), 3),
                        _n(r.get("cut_cost")),
                    ]
                    for name, r in em["by_shipper"].items()
                ],
            )
        )

    m = em["method"]
    parts.append("<h2>Method and factors</h2>")
    parts.append(
        "<ul>"
        + "".join(
            f"<li><b>{escape(k.replace('_', ' '))}</b>: {escape(str(m[k]))}</li>"
            for k in (
                "standard",
                "gwp_set",
                "boundary",
                "energy",
                "electricity",
                "allocation",
                "allocation_parameter",
                "distance_type",
                "scopes",
                "baseline",
                "cut_cost_rule",
            )
            if k in m
        )
        + "</ul>"
    )
    parts.append(
        _table(
            ["applies to", "carrier", "unit", "figures", "GWP set", "source", "year", "status"],
            [
                [
                    escape(f["applies_to"]),
                    escape(f["carrier"]),
                    escape(f["unit"]),
                    escape(factor_figures(f)),
                    escape(str(f.get("gwp_set", "–"))),
                    f"<span class='small'>{escape(f['source'])}</span>",
                    escape(str(f.get("year") or "–")),
                    escape(f["status"]),
                ]
                for f in m.get("factors", [])
            ],
            left=3,
        )
    )
    if em["unserved"]:
        parts.append(f"<p>Unserved (no emissions counted): {escape(', '.join(em['unserved']))}</p>")
    body = "\n".join(parts)
    title = escape(f"Carbon report: {data['instance']}")
    return (
        "<!DOCTYPE html>\n"
        f'<html lang="en"><head><meta charset="utf-8"><title>{title}</title>'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<style>{_CSS}</style></head><body><main>\n{body}\n</main></body></html>\n"
    )
