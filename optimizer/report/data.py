"""The report as one JSON-ready dictionary: the single source the text, HTML and JSON outputs read.

Why one dictionary first: the console table, the HTML page and the JSON file must never disagree,
so the figures are computed once here (from the validator's recomputed plan and the carbon
account) and the three writers only format them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ..carbon.accounting import CarbonAccount
from ..model import Instance
from ..runsheet import RunSheet, build_run_sheet, reload_indices, trip_count
from ..studies.baseline import Baseline
from ..validator import Report
from .map import map_layers

#: Format tag and version of the report JSON.
REPORT_FORMAT = "optimizer-report"
REPORT_VERSION = 1


@dataclass(frozen=True)
class ReportInputs:
    """Everything a report is made of: the instance, the validator's verdict on the plan (with
    the plan filled in), the plan's carbon account, and the diesel baseline (or why it is missing)."""

    instance: Instance
    validation: Report
    account: CarbonAccount
    baseline: Baseline | None = None
    baseline_error: str | None = None


def _route_rows(inputs: ReportInputs) -> list[dict[str, Any]]:
    """One row per used route: what a dispatcher reads (stops, km, hours, energy, charging, CO2e)."""
    sol = inputs.validation.solution
    rows = []
    for trip in inputs.account.trips:
        route = sol.routes[trip.route]
        rows.append(
            {
                "route": trip.route,
                "vehicle": trip.label,
                "vehicle_type": trip.vehicle_type,
                "carrier": trip.carrier,
                "stops": [f"{s.kind}:{s.ref}" for s in route.visits],
                "task_stops": trip.stops,
                # A multi-trip route passes its depot in the middle: one reload per extra trip.
                "trips": trip_count(route.stops),
                "reloads": [
                    {
                        "stop": k,
                        "depot": route.stops[k].ref,
                        "arrival_min": route.stops[k].arrival_min,
                        "departure_min": route.stops[k].departure_min,
                    }
                    for k in reload_indices(route.stops)
                ],
                "distance_km": trip.distance_km,
                "empty_km": trip.empty_km,
                "duration_h": trip.duration_min / 60.0,
                "start_min": route.stops[0].departure_min,
                "end_min": route.stops[-1].arrival_min,
                "energy": trip.energy,
                "energy_unit": trip.fuel_unit,
                "grid_kwh": trip.grid_kwh,
                "charging_stops": [
                    {
                        "stop": c.stop,
                        "station": c.place,
                        "kind": c.kind,
                        "battery_kwh": c.battery_kwh,
                        "grid_kwh": c.grid_kwh,
                        "cost": c.cost,
                        "co2e_wtw_kg": c.co2e_wtw_kg,
                        "start_min": route.stops[c.stop].start_min if c.stop is not None else None,
                    }
                    for c in trip.station_charges
                ],
                "depot_refill_grid_kwh": math.fsum(
                    c.grid_kwh for c in trip.charges if c.stop is None
                ),
                "co2e_wtw_kg": trip.wtw_kg,
                "co2e_ttw_kg": trip.ttw_kg,
                "load_factor": trip.load_factor,
            }
        )
    return rows


def _run_sheet(sheet: RunSheet) -> dict[str, Any]:
    """The run sheet for the page and the JSON: per vehicle its stop rows and its cost."""
    return {
        "geographic": sheet.geographic,
        "routes": [
            {
                "route": r.route,
                "vehicle": r.vehicle,
                "vehicle_type": r.vehicle_type,
                "carrier": r.carrier,
                "trips": r.trips,
                "distance_km": r.distance_km,
                "duration_min": r.duration_min,
                "energy": r.energy,
                "energy_unit": r.energy_unit,
                "charged_kwh": r.charged_kwh,
                "charge_min": r.charge_min,
                "charge_cost": r.charge_cost,
                "co2e_wtw_kg": r.co2e_wtw_kg,
                "cost": dict(r.cost),
                "stops": [s.row() for s in r.stops],
            }
            for r in sheet.routes
        ],
    }


def build(inputs: ReportInputs) -> dict[str, Any]:
    """The report dictionary; ``emissions`` carries the ISO 14083 figures and both baselines.

    ``run_sheet.routes`` holds per used route its stops (the rows of
    :data:`optimizer.runsheet.STOP_FIELDS`), its ``trips`` and its ``cost`` by component; a
    ``routes`` row has its ``trips`` and its ``reloads`` (depot stops between two trips: position,
    depot, arrival and departure minutes).

    Keys a consumer can rely on: ``emissions.wtw_kg``, ``emissions.ttw_kg``, ``emissions.wtt_kg``,
    ``emissions.by_shipment`` (one TCE per job or shipment, with ``baseline_diesel_wtw_kg`` and
    ``reduction_kg``), ``emissions.by_shipper`` and ``by_partner``, ``emissions.by_trip``,
    ``emissions.by_carrier``, ``emissions.scopes``, ``emissions.electricity``,
    ``emissions.operating``; ``emissions.baseline_diesel_wtw_kg``, ``reduction_kg`` and
    ``reduction_pct`` against the **primary** baseline (the same routes on diesel, described in
    ``emissions.baseline``); ``emissions.baseline_resolved_wtw_kg`` and
    ``reduction_vs_resolved_kg`` / ``_pct`` against the **secondary** one (re-solved, described in
    ``emissions.baseline_resolved``; ``None`` when not solved, ``baseline_resolved_error`` says why).
    """
    inst = inputs.instance
    rep = inputs.validation
    acc = inputs.account
    totals = rep.totals
    emissions = acc.to_dict()
    emissions["baseline"] = acc.baseline.to_dict() if acc.baseline is not None else None
    base = inputs.baseline
    base_kg = base.wtw_kg if base is not None else None
    emissions["baseline_resolved_wtw_kg"] = base_kg
    emissions["baseline_resolved"] = base.to_dict() if base is not None else None
    emissions["baseline_resolved_error"] = inputs.baseline_error
    if base_kg is not None:
        emissions["reduction_vs_resolved_kg"] = base_kg - acc.wtw_kg
        emissions["reduction_vs_resolved_pct"] = (
            100.0 * (base_kg - acc.wtw_kg) / base_kg if base_kg > 0 else None
        )
    else:
        emissions["reduction_vs_resolved_kg"] = emissions["reduction_vs_resolved_pct"] = None
    if base is not None:
        # The re-solved plan serves the same jobs, each carrying its shipper and partner.
        for key, view in (("shipper", "by_shipper"), ("partner", "by_partner")):
            resolved = base.account.groups_by(key)
            for name, row in emissions[view].items():
                other = resolved.get(name)
                kg = other["co2e_wtw_kg"] if other is not None else 0.0
                row["baseline_resolved_wtw_kg"] = kg
                row["reduction_vs_resolved_kg"] = kg - row["co2e_wtw_kg"]
    return {
        "format": REPORT_FORMAT,
        "version": REPORT_VERSION,
        "instance": inst.name,
        "currency": inst.objective.currency,
        "plan": {
            "feasible": rep.feasible,
            "violations": [v.to_dict() for v in rep.violations],
            "vehicles_used": totals.vehicles_used,
            "distance_km": totals.distance_km,
            "duration_min": totals.duration_min,
            "energy": dict(totals.energy),
            "cost": dict(totals.cost),
            "carbon_price_per_t_co2e": inst.objective.carbon_price_per_t_co2e,
            "unserved": list(rep.solution.unserved),
            "meta": dict(rep.solution.meta),
        },
        "routes": _route_rows(inputs),
        "run_sheet": _run_sheet(build_run_sheet(inst, rep)),
        "map": map_layers(inst),
        "emissions": emissions,
    }


#: The figures of a factor row (``method.factors``) worth a column, in print order.
FACTOR_FIGURES = (
    "ttw",
    "wtw",
    "generation",
    "market_based_generation",
    "residual_generation",
    "renewable_wtw",
    "l_per_km_empty",
    "l_per_km_full",
)


def factor_figures(row: dict[str, Any]) -> str:
    """A factor row's figures as one line (the console table and the HTML page print the same)."""
    return ", ".join(
        f"{k.replace('_', ' ')} {row[k]:.4g}" for k in FACTOR_FIGURES if row.get(k) is not None
    )
