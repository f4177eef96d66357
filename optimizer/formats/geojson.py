"""A plan as GeoJSON (RFC 7946): a ``LineString`` per route and a ``Point`` per stop.

Why GeoJSON: every map library and GIS opens it as it is (Leaflet, QGIS, kepler.gl, geojson.io).
Point properties are the run sheet's row (:data:`optimizer.runsheet.STOP_FIELDS`): the order on
the route (``seq``), clock times, load, state of charge and what was charged there. A route's
properties carry its vehicle, distance, duration, energy and cost.

Coordinates: GeoJSON means longitude and latitude (WGS 84). An instance on haversine travel (or a
road graph) has them; an instance on Euclidean travel has (x, y) in km, written as they are, and the
collection's ``coordinates`` property says so (``"x/y km"``), so that nobody places it on a globe.
Routes are drawn straight from stop to stop, or along the roads when the instance's road network
is given (``travel.road_network``; the CLI finds it in the instance file): the route's ``drawn``
property says which.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ..fileio import write_atomic
from ..model import Instance
from ..roads.matrices import RoadNetwork
from ..runsheet import RunSheet, build_run_sheet
from ..solution import Solution
from ..validator import validate


def sheet_to_geojson(
    sheet: RunSheet, lines: Mapping[int, Sequence[tuple[float, float]]] | None = None
) -> dict[str, Any]:
    """The FeatureCollection of a run sheet (routes first, then their stops); ``lines`` gives a
    route's line along the roads (by ``SheetRoute.route``), else it is drawn stop to stop."""
    features: list[dict[str, Any]] = []
    for r in sheet.routes:
        along = lines is not None and r.route in lines
        line = (
            [list(pt) for pt in lines[r.route]]
            if lines is not None and along
            else [list(s.coordinates) for s in r.stops if s.coordinates is not None]
        )
        if len(line) >= 2:
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": line},
                    "properties": {
                        "feature": "route",
                        "route": r.route,
                        "vehicle": r.vehicle,
                        "vehicle_type": r.vehicle_type,
                        "carrier": r.carrier,
                        "stops": len(r.stops),
                        "distance_km": round(r.distance_km, 3),
                        "duration_min": round(r.duration_min, 3),
                        "energy": round(r.energy, 3),
                        "energy_unit": r.energy_unit,
                        "charged_kwh": round(r.charged_kwh, 3),
                        "co2e_wtw_kg": round(r.co2e_wtw_kg, 3),
                        "cost": {k: round(v, 2) for k, v in r.cost.items()},
                        "drawn": "roads" if along else "straight",
                    },
                }
            )
        for s in r.stops:
            if s.coordinates is None:
                continue
            features.append(
                {
                    "type": "Feature",
                    "geometry": {"type": "Point", "coordinates": list(s.coordinates)},
                    "properties": {"feature": "stop", **s.row()},
                }
            )
    return {
        "type": "FeatureCollection",
        "properties": {
            "instance": sheet.instance,
            "currency": sheet.currency,
            "coordinates": "lon/lat" if sheet.geographic else "x/y km",
            "cost": {k: round(v, 2) for k, v in sheet.cost.items()},
            "unserved": list(sheet.unserved),
        },
        "features": features,
    }


def plan_to_geojson(
    instance: Instance, solution: Solution, network: RoadNetwork | None = None
) -> dict[str, Any]:
    """The plan's FeatureCollection, figures recomputed by the validator; with the instance's
    road ``network`` (:func:`optimizer.roads.paths.network_of`) routes follow the roads."""
    sheet = build_run_sheet(instance, validate(instance, solution))
    lines = None
    if network is not None:
        from ..roads.paths import route_lines

        lines = route_lines(instance, sheet, network)
    return sheet_to_geojson(sheet, lines)


def write_plan_geojson(
    instance: Instance, solution: Solution, path: str | Path, network: RoadNetwork | None = None
) -> None:
    """Write :func:`plan_to_geojson` to ``path`` (UTF-8 JSON)."""
    doc = plan_to_geojson(instance, solution, network)
    write_atomic(path, json.dumps(doc, indent=1) + "\n")


__all__ = ["plan_to_geojson", "sheet_to_geojson", "write_plan_geojson"]
