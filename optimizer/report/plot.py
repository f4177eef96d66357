"""A picture of the plan: the routes on a map with the charging stops, and the state of charge of
every electric vehicle through the day.

Why :class:`matplotlib.figure.Figure` and not ``pyplot``: pyplot keeps global state and picks a GUI
backend; a figure of its own renders with Agg, needs no display, and is safe to make from a server
thread. Routes are drawn as straight lines between stops: the instance knows distances, not road
geometry.
"""

from __future__ import annotations

import io
import itertools
import math
from collections.abc import Sequence
from typing import Any

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Polygon as PolygonPatch
from matplotlib.ticker import FuncFormatter, MultipleLocator

from ..carbon.accounting import TripEmissions
from ..runsheet import reload_indices
from ..solution import Route
from .data import ReportInputs

#: Distinct colours for routes (matplotlib's tab10 without its grey, which marks unused places).
COLOURS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#bcbd22",
    "#17becf",
)
CHARGE_COLOUR = "#ffd21f"
#: A white box behind labels that sit on route lines of the same colour.
_LABEL_BOX = {"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.85}


def _colour(k: int) -> str:
    return COLOURS[k % len(COLOURS)]


def _clock(x: float, _pos: Any = None) -> str:
    m = round(x)
    return f"{m // 60:02d}:{m % 60:02d}"


def _route_xy(inputs: ReportInputs, route: Route) -> list[tuple[float, float]]:
    inst = inputs.instance
    out = []
    for stop in route.stops:
        loc = inputs.instance.location_of(stop.kind, stop.ref)
        if loc is None:
            continue
        c = inst.locations[loc].coordinates
        if c is not None:
            out.append((float(c[0]), float(c[1])))
    return out


def _map(ax: Axes, inputs: ReportInputs, trips: Sequence[TripEmissions]) -> None:
    inst = inputs.instance
    sol = inputs.validation.solution
    if any(loc.coordinates is None for loc in inst.locations):
        ax.text(0.5, 0.5, "no coordinates in the instance", ha="center", va="center")
        ax.set_axis_off()
        return
    geographic = inst.travel.metric == "haversine"
    for z in inst.zones:
        banned = [t.id for t in inst.vehicle_types if z.id in t.banned_zones]
        ax.add_patch(
            PolygonPatch(
                list(z.ring),
                closed=True,
                facecolor="#f4cccc",
                edgecolor="#cc4125",
                hatch="//",
                alpha=0.45,
                lw=1.0,
                zorder=0,
            )
        )
        cx = sum(p[0] for p in z.ring) / len(z.ring)
        top = max(p[1] for p in z.ring)
        ax.annotate(
            f"{z.id}\n(no {', '.join(banned)})" if banned else z.id,
            (cx, top),
            ha="center",
            va="bottom",
            fontsize=7,
            color="#990000",
        )
    served_locs = {
        inputs.instance.location_of(s.kind, s.ref)
        for r in sol.routes
        for s in r.stops
        if s.kind != "depot"
    }
    task_locs = [j.location for j in inst.jobs] + [
        e.location for sh in inst.shipments for e in (sh.pickup, sh.delivery)
    ]
    xs = [inst.locations[k].coordinates[0] for k in task_locs]  # type: ignore[index]
    ys = [inst.locations[k].coordinates[1] for k in task_locs]  # type: ignore[index]
    ax.scatter(xs, ys, s=14, c="#999999", zorder=1, label="job / shipment end")
    for st in inst.stations:
        x, y = inst.locations[st.location].coordinates  # type: ignore[misc]
        visited = st.location in served_locs
        ax.scatter(
            [x],
            [y],
            s=70,
            marker="^" if st.kind == "charger" else "D",
            facecolors="none",
            edgecolors="#333333" if visited else "#aaaaaa",
            zorder=2,
        )
        ax.annotate(
            st.id,
            (x, y),
            xytext=(4, -10),
            textcoords="offset points",
            fontsize=6.5,
            color="#555555",
        )
    #: Charges already labelled per station location, so that labels of several vehicles charging
    #: at one station stack instead of overprinting each other.
    labelled: dict[int, int] = {}
    for k, trip in enumerate(trips):
        route = sol.routes[trip.route]
        xy = _route_xy(inputs, route)
        if len(xy) < 2:
            continue
        colour = _colour(k)
        ax.plot(
            [p[0] for p in xy],
            [p[1] for p in xy],
            "-",
            color=colour,
            lw=1.8,
            alpha=0.9,
            zorder=3,
            label=f"{trip.label} {trip.vehicle_type}: {trip.distance_km:.0f} km, "
            f"{trip.wtw_kg:.0f} kg CO2e",
        )
        ax.scatter([p[0] for p in xy[1:-1]], [p[1] for p in xy[1:-1]], s=22, color=colour, zorder=4)
        for (x0, y0), (x1, y1) in itertools.pairwise(xy):
            if (x0, y0) == (x1, y1):
                continue
            ax.annotate(
                "",
                xy=(x0 + 0.55 * (x1 - x0), y0 + 0.55 * (y1 - y0)),
                xytext=(x0 + 0.45 * (x1 - x0), y0 + 0.45 * (y1 - y0)),
                arrowprops={"arrowstyle": "-|>", "color": colour, "lw": 1.2},
                zorder=4,
            )
        for c in trip.station_charges:
            assert c.stop is not None
            loc = inputs.instance.location_of("station", c.place)
            if loc is None:
                continue
            x, y = inst.locations[loc].coordinates  # type: ignore[misc]
            ax.scatter(
                [x],
                [y],
                s=260,
                marker="*",
                color=CHARGE_COLOUR,
                edgecolors=colour,
                lw=1.5,
                zorder=6,
            )
            n = labelled.get(loc, 0)
            labelled[loc] = n + 1
            ax.annotate(
                f"{trip.label} +{c.battery_kwh:.0f} kWh",
                (x, y),
                xytext=(9, 5 + 11 * n),
                textcoords="offset points",
                fontsize=7.5,
                fontweight="bold",
                color=colour,
                bbox=_LABEL_BOX,
                zorder=7,
            )
    for d in inst.depots:
        x, y = inst.locations[d.location].coordinates  # type: ignore[misc]
        ax.scatter([x], [y], s=130, marker="s", color="black", zorder=8)
        ax.annotate(
            d.id, (x, y), xytext=(6, 6), textcoords="offset points", fontsize=8, fontweight="bold"
        )
    unserved = [inst.job_by_id[u].location for u in sol.unserved if u in inst.job_by_id]
    if unserved:
        ax.scatter(
            [inst.locations[k].coordinates[0] for k in unserved],  # type: ignore[index]
            [inst.locations[k].coordinates[1] for k in unserved],  # type: ignore[index]
            s=60,
            marker="x",
            color="red",
            zorder=5,
            label="unserved",
        )
    if geographic:
        lat = sum(ys) / len(ys) if ys else 0.0
        ax.set_aspect(1.0 / max(math.cos(math.radians(lat)), 0.1))
        ax.set_xlabel("longitude (°)")
        ax.set_ylabel("latitude (°)")
    else:
        ax.set_aspect("equal")
        ax.set_xlabel("x (km)")
        ax.set_ylabel("y (km)")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(
        Line2D([], [], marker="*", ls="", color=CHARGE_COLOUR, markeredgecolor="#333333", ms=13)
    )
    labels.append("charging / swap stop (kWh added)")
    handles.append(Line2D([], [], marker="s", ls="", color="black", ms=8))
    labels.append("depot")
    ax.legend(
        handles,
        labels,
        fontsize=7,
        loc="upper left",
        bbox_to_anchor=(0.0, -0.1),
        ncol=2,
        frameon=False,
    )
    ax.set_title("Routes (straight lines between stops)", fontsize=11, loc="left")
    ax.grid(True, lw=0.3, alpha=0.5)


def _soc_profile(route: Route, battery_kwh: float) -> tuple[list[float], list[float]]:
    """(clock minutes, state of charge in %) through the day, from the validator's stop figures."""
    ts: list[float] = []
    socs: list[float] = []

    def add(t: float | None, soc: float | None) -> None:
        if t is not None and soc is not None:
            ts.append(t)
            socs.append(100.0 * soc / battery_kwh)

    for k, stop in enumerate(route.stops):
        if k > 0:
            add(stop.arrival_min, stop.soc_arrival_kwh)
        if stop.kind == "station":
            add(stop.start_min, stop.soc_arrival_kwh)
            start = stop.start_min if stop.start_min is not None else stop.arrival_min
            if start is not None and stop.departure_min is not None and stop.charged_kwh:
                # Charging ends before the departure when the vehicle stays parked after it.
                add(stop.departure_min, stop.soc_departure_kwh)
        elif k < len(route.stops) - 1:
            add(stop.departure_min, stop.soc_departure_kwh)
    return ts, socs


def _soc(ax: Axes, inputs: ReportInputs, trips: Sequence[TripEmissions]) -> None:
    inst = inputs.instance
    sol = inputs.validation.solution
    electric = [(k, t) for k, t in enumerate(trips) if t.fuel_unit == "kWh"]
    if not electric:
        ax.text(0.5, 0.5, "no electric vehicle in this plan", ha="center", va="center")
        ax.set_axis_off()
        return
    reserves: set[float] = set()
    labelled: dict[str, int] = {}
    reloaded = False
    t_min, t_max = math.inf, -math.inf
    for k, trip in electric:
        vt = inst.type_by_id[trip.vehicle_type]
        assert vt.battery_kwh is not None
        route = sol.routes[trip.route]
        ts, socs = _soc_profile(route, vt.battery_kwh)
        if not ts:
            continue
        t_min, t_max = min(t_min, ts[0]), max(t_max, ts[-1])
        colour = _colour(k)
        ax.plot(ts, socs, "-", color=colour, lw=1.8, label=f"{trip.label} ({vt.battery_kwh:g} kWh)")
        reserves.add(round(100.0 * vt.reserve_kwh / vt.battery_kwh, 1))
        for r in reload_indices(route.stops):
            # Back at the depot between two trips: shaded, so a flat or rising stretch of the
            # line reads as the reload it is, not as a charging stop or a gap.
            stop = route.stops[r]
            if stop.arrival_min is None or stop.departure_min is None:
                continue
            ax.axvspan(stop.arrival_min, stop.departure_min, color=colour, alpha=0.15, lw=0)
            reloaded = True
        for c in trip.station_charges:
            assert c.stop is not None
            stop = route.stops[c.stop]
            if stop.departure_min is None or stop.soc_departure_kwh is None:
                continue
            start = stop.start_min if stop.start_min is not None else stop.departure_min
            lo = 100.0 * (stop.soc_arrival_kwh or 0.0) / vt.battery_kwh
            hi = 100.0 * stop.soc_departure_kwh / vt.battery_kwh
            ax.plot([start, stop.departure_min], [lo, hi], "-", color=colour, lw=4, alpha=0.5)
            ax.scatter(
                [stop.departure_min],
                [hi],
                s=160,
                marker="*",
                color=CHARGE_COLOUR,
                edgecolors=colour,
                zorder=5,
            )
            n = labelled.get(c.place, 0)
            labelled[c.place] = n + 1
            # Stack the labels of one station; below the star near a full battery (the title).
            dy = -16 - 12 * n if hi > 85 else 5 + 12 * n
            ax.annotate(
                f"{c.place} +{c.battery_kwh:.0f} kWh",
                (stop.departure_min, hi),
                xytext=(7, dy),
                textcoords="offset points",
                fontsize=7,
                color=colour,
                bbox=_LABEL_BOX,
                zorder=6,
            )
    for pct in sorted(reserves):
        ax.axhline(pct, color="#888888", ls=":", lw=1)
    if reserves:
        ax.annotate(
            "reserve",
            (t_min, max(reserves)),
            xytext=(2, 3),
            textcoords="offset points",
            fontsize=7,
            color="#666666",
        )
    ax.set_ylim(0, 105)
    ax.set_ylabel("state of charge (% of battery)")
    ax.set_xlabel("time of day")
    span = t_max - t_min if math.isfinite(t_max - t_min) else 60.0
    ax.xaxis.set_major_locator(MultipleLocator(60 if span <= 8 * 60 else 120))
    ax.xaxis.set_major_formatter(FuncFormatter(_clock))
    ax.grid(True, lw=0.3, alpha=0.5)
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(0.0, -0.1), ncol=2, frameon=False)
    shaded = "; shaded: reload at the depot between trips" if reloaded else ""
    ax.set_title(
        f"State of charge of the electric vehicles (thick: charging{shaded})",
        fontsize=11,
        loc="left",
    )


def render_png(inputs: ReportInputs, data: dict[str, Any], dpi: int = 110) -> bytes:
    """The two-panel figure as PNG bytes (about 1,650 x 800 pixels at the default dpi)."""
    fig = Figure(figsize=(15, 7.3), dpi=dpi, layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1.1, 1.0])
    trips = inputs.account.trips
    _map(left, inputs, trips)
    _soc(right, inputs, trips)
    em = data["emissions"]
    title = f"{data['instance']}: {em['wtw_kg']:,.0f} kg CO2e well-to-wheel, {len(trips)} routes"
    pct = em.get("reduction_pct")
    if em.get("baseline_diesel_wtw_kg") is not None and pct is not None:
        title += (
            f"; same routes on diesel {em['baseline_diesel_wtw_kg']:,.0f} kg "
            f"({abs(pct):.1f} % {'less' if pct >= 0 else 'more'} with this plan)"
        )
    fig.suptitle(title, fontsize=13, fontweight="bold")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()
