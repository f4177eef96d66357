"""Orders from a spreadsheet (CSV or Excel ``.xlsx``) added as jobs to a native day.

Why: a dispatcher's orders live in a spreadsheet with latitudes and longitudes, while the fleet,
depots and stations of a day change rarely and live in the native JSON. ``optimizer solve
DAY.json --orders ORDERS.csv`` joins the two; ``optimizer convert`` writes the joined day.

Columns (the header row names them, in any order, case and surrounding spaces ignored):

============== ======== =====================================================================
column         required meaning
============== ======== =====================================================================
id             yes      the job id (unique among the day's jobs and shipments)
lat, lon       yes      WGS 84 degrees
weight_kg      yes      weight delivered (or picked up)
earliest       yes*     start of the time window, ``HH:MM`` from the start of the day
latest         yes*     end of the time window, ``HH:MM`` (``24:00`` and later allowed)
service_min    yes      handling time in minutes
volume_m3      no       volume
kind           no       ``delivery`` (default) or ``pickup``
shipper        no       who the goods belong to (kept in the day's ``meta.order_shippers``)
vehicle_types  no       vehicle type ids allowed to serve it, separated by ``;`` or ``|``
============== ======== =====================================================================

\\* both cells of a row may be left empty for an order without a time window.

Rows are numbered as a spreadsheet shows them: the header is row 1, the first order row 2. Every
problem is reported at once as ``row N, column C`` with the value found there. Each order gets a
location of its own (``order:ID``); the day must place locations by longitude and latitude
(``travel.metric`` ``haversine``, or a road network), because a matrix cannot grow new rows.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import FormatError, InputError, Issue

REQUIRED = ("id", "lat", "lon", "weight_kg", "earliest", "latest", "service_min")
OPTIONAL = ("volume_m3", "kind", "shipper", "vehicle_types")
_CLOCK = re.compile(r"^\s*(\d{1,2}):(\d{2})(?::(\d{2}))?\s*$")


@dataclass(frozen=True, slots=True)
class Order:
    """One spreadsheet row, checked; times in minutes from the start of the day."""

    row: int
    id: str
    lat: float
    lon: float
    weight_kg: float
    window_min: tuple[float, float] | None
    service_min: float
    volume_m3: float = 0.0
    kind: str = "delivery"
    shipper: str | None = None
    vehicle_types: tuple[str, ...] = ()


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def read_rows(path: str | Path) -> tuple[list[str], list[dict[str, Any]]]:
    """The header (lower-cased, stripped) and the rows of a CSV or ``.xlsx`` file as dictionaries.

    CSV: UTF-8 (a BOM is fine), comma, semicolon or tab separated (sniffed, since spreadsheets
    in many locales save with semicolons). Excel: the first worksheet, values as stored (a time
    cell arrives as a time, a number as a number).
    """
    p = Path(path)
    if not p.is_file():
        raise FormatError(Issue(str(path), "is not a file", has_value=False))
    if p.suffix.lower() in (".xlsx", ".xlsm"):
        return _read_xlsx(p)
    text = p.read_text("utf-8-sig", errors="replace")
    try:
        dialect: Any = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    table = [row for row in reader]
    return _to_dicts(table, str(path))


def _read_xlsx(p: Path) -> tuple[list[str], list[dict[str, Any]]]:
    try:
        import openpyxl
    except ImportError:  # pragma: no cover - openpyxl is a dependency; kept for trimmed installs
        raise FormatError(
            Issue(str(p), "needs the openpyxl package to read Excel files", has_value=False)
        ) from None
    try:
        book = openpyxl.load_workbook(p, read_only=True, data_only=True)
    except Exception as e:  # openpyxl raises zipfile, KeyError and its own errors on bad files
        raise FormatError(
            Issue(str(p), f"is not a readable .xlsx workbook ({type(e).__name__})", has_value=False)
        ) from None
    sheet = book.worksheets[0]
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    book.close()
    return _to_dicts(table, str(p))


def _to_dicts(table: list[list[Any]], source: str) -> tuple[list[str], list[dict[str, Any]]]:
    while table and all(_cell_text(c) == "" for c in table[-1]):
        table.pop()
    if not table:
        raise FormatError(Issue(source, "is empty (a header row is expected)", has_value=False))
    header = [_cell_text(c).lower() for c in table[0]]
    rows = []
    for cells in table[1:]:
        rows.append({h: (cells[k] if k < len(cells) else None) for k, h in enumerate(header) if h})
    return header, rows


def _clock_min(value: Any) -> float | None:
    """Minutes from ``HH:MM`` text, an Excel time or datetime; ``None`` when unreadable."""
    if isinstance(value, dt.datetime):
        return value.hour * 60.0 + value.minute + value.second / 60.0
    if isinstance(value, dt.time):
        return value.hour * 60.0 + value.minute + value.second / 60.0
    if isinstance(value, dt.timedelta):  # Excel durations past 24:00
        return value.total_seconds() / 60.0
    m = _CLOCK.match(_cell_text(value))
    if m is None or int(m.group(2)) >= 60:
        return None
    return int(m.group(1)) * 60.0 + int(m.group(2)) + int(m.group(3) or 0) / 60.0


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    try:
        x = float(_cell_text(value))
    except ValueError:
        return None
    return x if math.isfinite(x) else None


def parse_orders(
    header: Sequence[str], rows: Sequence[Mapping[str, Any]], source: str | None = None
) -> list[Order]:
    """Check every row and return the orders, or raise :class:`InputError` with every problem
    as ``row N, column C`` (spreadsheet numbering: the header is row 1)."""
    issues: list[Issue] = []
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise InputError(
            [Issue("header (row 1)", f"has no column {c!r}", list(header)) for c in missing],
            source,
        )
    unknown = [h for h in header if h and h not in REQUIRED + OPTIONAL]
    for h in unknown:
        issues.append(
            Issue(
                f"row 1, column {h}",
                "is not a known column (" + ", ".join(REQUIRED + OPTIONAL) + ")",
                h,
            )
        )
    orders: list[Order] = []
    seen: dict[str, int] = {}
    for k, raw in enumerate(rows):
        n = k + 2
        if all(_cell_text(v) == "" for v in raw.values()):
            continue  # a blank line between blocks of orders is not an error
        before = len(issues)

        def bad(col: str, message: str, value: Any, n: int = n) -> None:
            issues.append(Issue(f"row {n}, column {col}", message, value))

        oid = _cell_text(raw.get("id"))
        if not oid:
            bad("id", "must not be empty", raw.get("id"))
        elif oid in seen:
            bad("id", f"duplicates row {seen[oid]}", oid)
        else:
            seen[oid] = n
        nums: dict[str, float] = {}
        for col, lo, hi in (
            ("lat", -90.0, 90.0),
            ("lon", -180.0, 180.0),
            ("weight_kg", 0.0, math.inf),
            ("service_min", 0.0, math.inf),
        ):
            x = _number(raw.get(col))
            if x is None:
                bad(col, "must be a number", raw.get(col))
            elif not lo <= x <= hi:
                rng = f"between {lo:g} and {hi:g}" if math.isfinite(hi) else f">= {lo:g}"
                bad(col, f"must be {rng}", raw.get(col))
            else:
                nums[col] = x
        volume = 0.0
        if _cell_text(raw.get("volume_m3")) != "":
            v = _number(raw.get("volume_m3"))
            if v is None or v < 0:
                bad("volume_m3", "must be a number >= 0", raw.get("volume_m3"))
            else:
                volume = v
        window: tuple[float, float] | None = None
        e_raw, l_raw = raw.get("earliest"), raw.get("latest")
        if _cell_text(e_raw) == "" and _cell_text(l_raw) == "":
            window = None
        else:
            e, late = _clock_min(e_raw), _clock_min(l_raw)
            if e is None:
                bad("earliest", "must be a clock time HH:MM", e_raw)
            if late is None:
                bad("latest", "must be a clock time HH:MM", l_raw)
            if e is not None and late is not None:
                if late < e:
                    bad("latest", f"must not be before earliest ({_cell_text(e_raw)})", l_raw)
                else:
                    window = (e, late)
        kind = _cell_text(raw.get("kind")).lower() or "delivery"
        if kind not in ("delivery", "pickup"):
            bad("kind", "must be delivery or pickup", raw.get("kind"))
        shipper = _cell_text(raw.get("shipper")) or None
        types = tuple(
            t for t in re.split(r"[;|]", _cell_text(raw.get("vehicle_types"))) if t.strip()
        )
        if len(issues) == before:
            orders.append(
                Order(
                    row=n,
                    id=oid,
                    lat=nums["lat"],
                    lon=nums["lon"],
                    weight_kg=nums["weight_kg"],
                    window_min=window,
                    service_min=nums["service_min"],
                    volume_m3=volume,
                    kind=kind,
                    shipper=shipper,
                    vehicle_types=tuple(t.strip() for t in types),
                )
            )
    if issues:
        raise InputError(issues, source)
    if not orders:
        raise InputError(Issue("rows", "no order rows below the header", 0), source)
    return orders


def add_orders(day: Mapping[str, Any], orders: Sequence[Order], source: str) -> dict[str, Any]:
    """A copy of the native day ``day`` (parsed JSON) with one location and one job per order.

    Refused with the row and column named: an id the day already uses, a vehicle type it does
    not have, or a day whose travel cannot place a latitude and longitude.
    """
    data: dict[str, Any] = dict(day)
    travel = data.get("travel", {})
    if "road_network" not in travel and travel.get("metric", "euclidean") != "haversine":
        raise InputError(
            Issue(
                "travel.metric",
                "must be 'haversine' (or a road_network given) to add orders placed by "
                "latitude and longitude",
                travel.get("metric", "euclidean"),
            ),
            source,
        )
    issues: list[Issue] = []

    def entries(key: str) -> list[dict[str, Any]]:
        # The day is checked as a whole after the orders are added; skip what is malformed here.
        items = data.get(key, [])
        return [x for x in items if isinstance(x, dict)] if isinstance(items, list) else []

    taken = {j.get("id") for j in entries("jobs")} | {s.get("id") for s in entries("shipments")}
    loc_ids = {loc.get("id") for loc in entries("locations")}
    types: dict[str, list[str]] = {}
    for v in entries("vehicles"):
        types.setdefault(str(v.get("type")), []).append(str(v.get("id")))
    known_types = {str(t.get("id")) for t in entries("vehicle_types")}
    locations: list[Any] = list(data.get("locations", []))
    jobs: list[Any] = list(data.get("jobs", []))
    shippers: dict[str, str] = dict(data.get("meta", {}).get("order_shippers", {}))
    for o in orders:
        where = f"row {o.row}, column"
        if o.id in taken:
            issues.append(Issue(f"{where} id", "is already a job or shipment of the day", o.id))
            continue
        vehicles: list[str] = []
        for t in o.vehicle_types:
            if t not in known_types:
                issues.append(
                    Issue(
                        f"{where} vehicle_types",
                        "names no vehicle type of the day (" + ", ".join(sorted(known_types)) + ")",
                        t,
                    )
                )
            vehicles += types.get(t, [])
        if o.vehicle_types and not vehicles and all(t in known_types for t in o.vehicle_types):
            issues.append(
                Issue(
                    f"{where} vehicle_types",
                    "no vehicle of the day has these types",
                    ";".join(o.vehicle_types),
                )
            )
        loc_id = f"order:{o.id}"
        suffix = 2
        while loc_id in loc_ids:
            loc_id, suffix = f"order:{o.id}:{suffix}", suffix + 1
        loc_ids.add(loc_id)
        locations.append({"id": loc_id, "coordinates": [o.lon, o.lat]})
        job: dict[str, Any] = {
            "id": o.id,
            "location": loc_id,
            "kind": o.kind,
            "weight_kg": o.weight_kg,
            "service_min": o.service_min,
        }
        if o.volume_m3:
            job["volume_m3"] = o.volume_m3
        if o.window_min is not None:
            job["time_windows"] = [list(o.window_min)]
        if vehicles:
            job["vehicles"] = list(dict.fromkeys(vehicles))
        jobs.append(job)
        if o.shipper is not None:
            shippers[o.id] = o.shipper
    if issues:
        raise InputError(issues, source)
    data["locations"] = locations
    data["jobs"] = jobs
    meta = dict(data.get("meta", {}))
    meta["orders_from"] = Path(source).name
    if shippers:
        meta["order_shippers"] = shippers
    data["meta"] = meta
    return data


def read_orders(path: str | Path) -> list[Order]:
    """The checked orders of a CSV or ``.xlsx`` file (see the module doc for the columns)."""
    header, rows = read_rows(path)
    return parse_orders(header, rows, str(path))


__all__ = ["OPTIONAL", "REQUIRED", "Order", "add_orders", "parse_orders", "read_orders"]
