"""The interactive map of the HTML report: routes, numbered stops, charging and swap stops, zones.

Why Leaflet inlined rather than folium or a CDN link: the report is one self-contained file that
must open anywhere, offline included (``page.py``); folium loads Leaflet from a CDN at view time.
Leaflet 1.9.4 (BSD-2-Clause, ``static/LEAFLET-LICENSE``) is shipped in ``static/`` and written
into the page, about 160 kB.

Background: with no ``tiles_url`` the map has a plain background, so nothing is fetched and no
tile server's terms apply; with one (``https://tile.openstreetmap.org/{z}/{x}/{y}.png`` or a
company's own server) tiles are loaded from it when the page is viewed. Instances on Euclidean
travel (coordinates in km, not degrees) are drawn on a flat plane without tiles.

Routes are drawn straight from stop to stop, or along the roads where the report was given the
instance's road network (:func:`optimizer.report.add_road_paths`).
"""

from __future__ import annotations

import json
import re
from functools import cache
from html import escape
from importlib import resources
from typing import Any

from ..model import Instance

#: One colour per route, cycled (colour-blind-safe Okabe-Ito order, then Tableau).
PALETTE = (
    "#0072B2",
    "#D55E00",
    "#009E73",
    "#CC79A7",
    "#E69F00",
    "#56B4E9",
    "#8c564b",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
)


@cache
def _static(name: str) -> str:
    text = resources.files(__package__).joinpath("static", name).read_text("utf-8")
    if name.endswith(".css"):
        # Comments only: they name bug trackers, and a page that fetches nothing should not
        # appear to point anywhere.
        text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return text


def map_layers(instance: Instance) -> dict[str, Any]:
    """What the map needs from the instance beyond the run sheet: zones, stations and depots, with
    coordinates as ``[x, y]`` (lon, lat on a geographic instance)."""

    def xy(loc: int) -> list[float] | None:
        c = instance.locations[loc].coordinates
        return None if c is None else [c[0], c[1]]

    banned: dict[str, list[str]] = {}
    for t in instance.vehicle_types:
        for z in t.banned_zones:
            banned.setdefault(z, []).append(t.id)
    return {
        "zones": [
            {"id": z.id, "ring": [list(p) for p in z.ring], "banned": banned.get(z.id, [])}
            for z in instance.zones
        ],
        "stations": [
            {"id": s.id, "kind": s.kind, "at": xy(s.location)}
            for s in instance.stations
            if xy(s.location) is not None
        ],
        "depots": [
            {"id": d.id, "at": xy(d.location)}
            for d in instance.depots
            if xy(d.location) is not None
        ],
    }


_SCRIPT = """
(function () {
  var data = %(data)s;
  var geo = data.geographic;
  var opts = geo ? {} : {crs: L.CRS.Simple, minZoom: -5};
  var map = L.map(%(id)s, opts);
  // [x, y] (lon, lat) to Leaflet's [lat, lng]; on the flat plane y is up as on the PNG figure.
  function ll(p) { return [p[1], p[0]]; }
  if (geo && data.tiles) {
    L.tileLayer(data.tiles, {maxZoom: 19, attribution: data.attribution}).addTo(map);
  }
  var bounds = [];
  var zones = L.layerGroup().addTo(map);
  data.layers.zones.forEach(function (z) {
    var poly = L.polygon(z.ring.map(ll), {color: "#b42318", weight: 1, fillOpacity: 0.12,
                                          dashArray: "4 3"});
    poly.bindTooltip("zone " + z.id + (z.banned.length ? ": no " + z.banned.join(", ") : ""));
    poly.addTo(zones);
  });
  var stations = L.layerGroup().addTo(map);
  data.layers.stations.forEach(function (s) {
    var m = L.circleMarker(ll(s.at), {radius: 6, color: "#444", weight: 1, fillColor:
      s.kind === "swap" ? "#ffd54f" : "#aed581", fillOpacity: 0.9});
    m.bindTooltip((s.kind === "swap" ? "swap station " : "charger ") + s.id);
    m.addTo(stations);
    bounds.push(ll(s.at));
  });
  data.layers.depots.forEach(function (d) {
    L.marker(ll(d.at), {icon: L.divIcon({className: "m-depot", html: "D", iconSize: [20, 20]})})
      .bindTooltip("depot " + d.id).addTo(map);
    bounds.push(ll(d.at));
  });
  var overlays = {"zones": zones, "stations": stations};
  data.routes.forEach(function (r, k) {
    var colour = data.palette[k %% data.palette.length];
    var group = L.layerGroup().addTo(map);
    var line = r.path ? r.path.map(ll)
      : r.stops.filter(function (s) { return s.at; }).map(function (s) { return ll(s.at); });
    L.polyline(line, {color: colour, weight: 3, opacity: 0.85}).bindTooltip(r.label).addTo(group);
    r.stops.forEach(function (s, i) {
      if (!s.at || (s.kind === "depot" && !s.reload)) { return; }
      bounds.push(ll(s.at));
      var cls = s.reload ? "m-reload"
        : s.kind === "station" ? (s.station_kind === "swap" ? "m-swap" : "m-charge") : "m-stop";
      var icon = L.divIcon({className: "m " + cls, iconSize: [20, 20],
                            html: "<span style='border-color:" + colour + "'>" + s.seq + "</span>"});
      L.marker(ll(s.at), {icon: icon}).bindTooltip(s.tip).addTo(group);
    });
    overlays[r.label] = group;
  });
  L.control.layers(null, overlays, {collapsed: false}).addTo(map);
  if (bounds.length) { map.fitBounds(bounds, {padding: [20, 20]}); } else { map.setView([0, 0], 1); }
})();
"""

_MAP_CSS = """
#plan-map { height: 560px; border: 1px solid #d8dee6; border-radius: 6px; background: #eef2f6; }
.m span { display: block; width: 18px; height: 18px; line-height: 18px; border-radius: 50%;
          background: #fff; border: 2px solid; font: 600 10px system-ui, sans-serif;
          text-align: center; box-sizing: content-box; margin: -2px; }
.m-charge span { background: #aed581; border-radius: 3px; }
.m-swap span { background: #ffd54f; border-radius: 3px; }
.m-reload span { background: #1d2733; color: #fff; border-radius: 3px; }
.m-depot { background: #1d2733; color: #fff; border-radius: 3px; font: 700 12px system-ui;
           text-align: center; line-height: 20px; }
"""


def _tip(stop: dict[str, Any], currency: str, trip: int | None = None) -> str:
    """A stop's tooltip: what, when, load, charge (escaped: ids are user data); ``trip`` is the
    trip a reload at the depot starts (``None``: not a reload)."""
    what = f"reload at depot, trip {trip} starts:" if trip is not None else escape(stop["kind"])
    parts = [f"#{stop['seq']} {what} {escape(stop['ref'])}"]
    parts.append(f"{stop['arrival']}–{stop['departure']}")
    if stop["load_kg"] is not None:
        parts.append(f"load {stop['load_kg']:,.0f} kg")
    if stop["soc_departure_kwh"] is not None:
        parts.append(f"SoC {stop['soc_departure_kwh']:,.0f} kWh")
    if stop["kind"] == "station":
        parts.append(
            f"+{stop['charged_kwh'] or 0:,.1f} kWh in {stop['charge_min'] or 0:,.0f} min, "
            f"{stop['charge_cost'] or 0:,.2f} {escape(currency)}"
        )
    return "<br>".join(parts)


def map_section(
    data: dict[str, Any], tiles_url: str | None = None, element_id: str = "plan-map"
) -> str:
    """The HTML of the map (heading, Leaflet inline, the data and the script that draws it).

    ``data`` is the report dictionary (:func:`optimizer.report.data.build`); it must carry
    ``run_sheet`` and ``map`` (from :func:`map_layers`). Empty when no stop has coordinates.
    """
    sheet = data.get("run_sheet") or {}
    layers = data.get("map")
    routes: list[dict[str, Any]] = []
    for r in sheet.get("routes", []):
        # A depot stop between the first and the last is a reload: drawn numbered, like a stop,
        # so that the second trip's start is on the map (the ends sit under the depot's marker).
        # (the rule of :func:`optimizer.runsheet.reload_indices`, on the run sheet's rows).
        last = len(r["stops"]) - 1
        mid = [k for k, s in enumerate(r["stops"]) if s["kind"] == "depot" and 0 < k < last]
        trip_of = {k: n + 2 for n, k in enumerate(mid)}
        stops = [
            {
                "seq": s["seq"],
                "kind": s["kind"],
                "station_kind": s["station_kind"],
                "reload": k in trip_of,
                "at": None if s["lon_or_x"] is None else [s["lon_or_x"], s["lat_or_y"]],
                "tip": _tip(s, data["currency"], trip_of.get(k)),
            }
            for k, s in enumerate(r["stops"])
        ]
        routes.append(
            {
                "label": f"{r['vehicle']} ({r['vehicle_type']})",
                "stops": stops,
                "path": r.get("path"),
            }
        )
    if layers is None or not any(s["at"] for r in routes for s in r["stops"]):
        return ""
    payload = {
        "geographic": bool(sheet.get("geographic")),
        "tiles": tiles_url,
        "attribution": "tiles: " + escape(tiles_url.split("/")[2]) if tiles_url else "",
        "palette": PALETTE,
        "layers": layers,
        "routes": routes,
    }
    # "</" inside a <script> would end it early: JSON may carry it in a user's id.
    text = json.dumps(payload).replace("</", "<\\/")
    drawn = "along the roads" if any(r["path"] for r in routes) else "straight from stop to stop"
    note = (
        "tiles from " + escape(tiles_url)
        if tiles_url
        else "plain background (no tiles: give the report a tile URL to draw streets)"
    )
    return (
        "<h2>Map</h2>"
        f'<p class="small">Routes drawn {drawn}; numbered stops in route order; '
        f"green squares charge, yellow squares swap, dark squares reload at the depot; dashed red: "
        f"zones; {note}.</p>"
        f"<style>{_static('leaflet.css')}{_MAP_CSS}</style>"
        f'<div id="{escape(element_id)}"></div>'
        f"<script>{_static('leaflet.js')}</script>"
        f"<script>{_SCRIPT % {'data': text, 'id': json.dumps(element_id)}}</script>"
    )


__all__ = ["PALETTE", "map_layers", "map_section"]
