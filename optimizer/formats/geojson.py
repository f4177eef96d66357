"""A plan as GeoJSON (RFC 7946): a ``LineString`` per route and a ``Point`` per stop.

Why GeoJSON: every map library and GIS opens it as it is (Leaflet, QGIS, kepler.gl, geojson.io).
Point properties are the run sheet's row (:data:`optimizer.runsheet.STOP_FIELDS`): the order on
the route (``seq``), clock times, load, state of charge and what was charged there. A route's
properties carry its vehicle, distance, duration, energy and cost.

Coordinates: GeoJSON means longitude and latitude (WGS 84). An instance on haversine travel (or a
road graph) has them; an instance on Euclidean travel has (x, y) in km, written as they are, and the
collection's ``coordinates`` property says so (``"x/y km"``), so that nobody places it on a globe.
Routes are drawn straight from stop to stop: the road path of each leg is not kept in the model.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..model import Instance
from ..runsheet import RunSheet, build_run_sheet
from ..solution import Solution
from ..validator import validate


def sheet_to_geojson(sheet: RunSheet) -> dict[str, Any]:
    """The FeatureCollection of a run sheet (routes first, then their stops)."""
    features: list[dict[str, Any]] = []
    for r in sheet.routes:
        line = [list(s.coordinates) for s in r.stops if s.coordinates is not None]
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
                        "drawn": "straight",
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


def plan_to_geojson(instance: Instance, solution: Solution) -> dict[str, Any]:
    """The plan's FeatureCollection, figures recomputed by the validator."""
    return sheet_to_geojson(build_run_sheet(instance, validate(instance, solution)))


def write_plan_geojson(instance: Instance, solution: Solution, path: str | Path) -> None:
    """Write :func:`plan_to_geojson` to ``path`` (UTF-8 JSON)."""
    Path(path).write_text(json.dumps(plan_to_geojson(instance, solution), indent=1) + "\n", "utf-8")


__all__ = ["plan_to_geojson", "sheet_to_geojson", "write_plan_geojson"]
