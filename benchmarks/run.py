"""Benchmark runner: solve a public benchmark set and report the gap to the best known values.

Run from the project root (``benchmarks`` is not part of the installed package)::

    python -m benchmarks.run --set evrptw --instances '*C5' --time-limit 5 --jobs 2
    python -m benchmarks.run --set evrptw --time-limit 5 --baseline     # textbook OR-Tools model
    python -m benchmarks.run --compare results/a.csv results/b.csv      # no solving
    python -m benchmarks.run --pool results/seed1.csv results/seed2.csv # runs on several seeds

Each instance is solved by :func:`optimizer.solve` in a worker process (one failure never stops
the run), and the plan that comes back is validated again in this process by
:func:`optimizer.validate`: every figure reported here is the validator's recomputation, never the
solver's own claim. The protocol (machine, limits, what "gap" means per set) is in
``benchmarks/README.md``.

Outputs ``<out>/<set>[-baseline]-<tag or timestamp>.csv`` and ``.md``; the markdown table and the
summary also go to stdout, one progress line per finished instance to stderr.

Exit status: 0 when every plan that came back passed validation, 1 when one did not (a solver
bug), 2 on bad usage (unknown folder, no matching instance, unreadable CSV).
"""

from __future__ import annotations

import argparse
import csv
import fnmatch
import math
import multiprocessing
import os
import platform
import statistics
import sys
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, fields, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import optimizer
from optimizer.errors import FormatError, OptimizerError
from optimizer.formats import detect
from optimizer.formats.native import solution_from_dict

ROOT = Path(__file__).resolve().parents[1]
#: The shared data lives beside the project root; ``OPTIMIZER_SHARED`` moves it (as in the tests).
SHARED = Path(os.environ.get("OPTIMIZER_SHARED", ROOT.parent / "shared"))
BENCHMARKS = SHARED / "benchmarks"
#: Default output folder (git-ignored).
RESULTS = ROOT / "benchmarks" / "results"

#: ``--set`` name -> folder under ``../shared/benchmarks``.
SETS: dict[str, str] = {
    "evrptw": "evrptw",
    "evrptw-pr": "evrptw",
    "cec2020": "cec2020-evrp",
    "solomon": "solomon",
    "cvrp": "cvrp-x",
    "evrp-nl": "evrp-nl",
    "vrplib": "vrplib",
}
#: Sets whose objective is hierarchical: fewest vehicles first, then distance.
HIERARCHICAL = frozenset({"evrptw", "evrptw-pr"})
#: Sets read from another set's files under other rules: set -> (format, best-known file, the
#: instances it has values for when no ``--instances`` is given).
VARIANTS: dict[str, tuple[str, str, str]] = {
    "evrptw-pr": ("evrptw-pr", "pr_bks_erdelic2022.tsv", "*_21"),
}
#: Sets whose ``bks_distance`` is a total time in hours (driving + charging, service left out).
TIME_OBJECTIVE = frozenset({"evrp-nl"})
#: File suffixes that are never instances (solutions, tables, notes).
NOT_INSTANCES = frozenset({".sol", ".csv", ".md", ".tsv"})
#: Longest message kept in a result row.
MESSAGE_CHARS = 160


# --------------------------------------------------------------------------------------------
# Data


@dataclass(frozen=True)
class Bks:
    """A best known value: ``distance`` (total time in hours for evrp-nl) and ``vehicles``."""

    distance: float | None
    vehicles: int | None
    source: str = ""


@dataclass(frozen=True)
class Row:
    """The result of one instance; the field names are the CSV columns.

    ``distance`` is the validator's recomputed total distance; ``time_h`` (evrp-nl only) the total
    route time in hours without service time, the figure its best known values count. ``gap_pct``
    is measured on that objective value (:func:`objective_value`); ``gap_at_bks_vehicles_pct`` is
    the same gap, filled only for hierarchical sets when the plan uses the best known number of
    vehicles. ``status`` is ``ok`` (a plan came back), ``infeasible`` or ``error``; ``valid`` says
    whether the plan passed validation in the parent process.
    """

    set_name: str
    instance: str
    customers: int | None = None
    vehicles: int | None = None
    distance: float | None = None
    time_h: float | None = None
    cost: float | None = None
    bks_distance: float | None = None
    bks_vehicles: int | None = None
    gap_pct: float | None = None
    gap_at_bks_vehicles_pct: float | None = None
    vehicle_diff: int | None = None
    seconds: float | None = None
    #: CPU seconds of the solve (user + system, its worker processes included): over
    #: ``seconds``, how many cores the solve kept busy.
    cpu_s: float | None = None
    #: What choosing each route's charges exactly after the search saved, in the cost's units
    #: (``meta["exact_charging_saved"]``; blank where it changed nothing).
    charging_saved: float | None = None
    stopped_by: str = ""
    valid: bool = False
    status: str = ""
    message: str = ""


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Row))
_INT_COLUMNS = frozenset({"customers", "vehicles", "bks_vehicles", "vehicle_diff"})
_FLOAT_COLUMNS = frozenset(
    {
        "distance",
        "time_h",
        "cost",
        "bks_distance",
        "gap_pct",
        "gap_at_bks_vehicles_pct",
        "seconds",
        "cpu_s",
        "charging_saved",
    }
)


@dataclass(frozen=True)
class Task:
    """One instance to solve: its name (the file stem), file, detected format and parent copy."""

    name: str
    path: Path
    fmt: str
    instance: optimizer.Instance


@dataclass(frozen=True)
class Summary:
    """Aggregate figures of a run; means and the median are ``None`` when nothing counts.

    ``veh_le_bks`` and ``veh_le_bks1`` count valid plans with at most the best known number of
    vehicles (plus one), out of ``with_bks_vehicles`` valid plans that have a best known count.
    ``mean_gap_at_bks`` averages the gap over the ``at_bks`` valid plans at exactly that count.
    """

    total: int
    valid: int
    with_bks_vehicles: int
    veh_le_bks: int
    veh_le_bks1: int
    mean_gap: float | None
    with_gap: int
    mean_gap_at_bks: float | None
    at_bks: int
    median_seconds: float | None
    #: Median over instances of CPU seconds over wall seconds (cores kept busy).
    median_cpu_per_wall: float | None = None


@dataclass(frozen=True)
class Comparison:
    """Two runs on their common instances: ``wins`` / ``ties`` / ``losses`` are B against A."""

    pairs: tuple[tuple[Row, Row], ...]
    only_a: int
    only_b: int
    mean_gap_a: float | None
    mean_gap_b: float | None
    gap_ratio: float | None
    wins: int
    ties: int
    losses: int


@dataclass(frozen=True)
class Pool:
    """Several runs of one set (one per seed, say): each run's summary, and per instance the gap
    of every run. Why: on E-VRPTW R2/RC2 one instance's gap moves by 2 to 12 points between
    seeds, so a single run cannot tell apart changes worth a few tenths of a point.

    ``mean_gap_at_bks`` is the mean of the runs' means at the bks vehicle count (each over its
    own instances); ``common_at_bks`` averages, over the instances at that count in every run,
    each one's mean gap (the same instances in every run, so runs are comparable).
    """

    names: tuple[str, ...]
    summaries: tuple[Summary, ...]
    instances: tuple[str, ...]
    gaps: dict[str, tuple[float | None, ...]]
    at_bks: dict[str, tuple[bool, ...]]
    mean_gap: float | None
    mean_gap_at_bks: float | None
    common_at_bks: float | None
    n_common: int


# --------------------------------------------------------------------------------------------
# Pure helpers


def read_bks(path: Path) -> dict[str, Bks]:
    """Read a ``bks.csv`` (``instance,bks_distance,bks_vehicles,source``); blanks become ``None``.

    Parameters
    ----------
    path
        The CSV file. A missing file gives an empty mapping (the ``vrplib`` set has none).

    Returns
    -------
    dict
        Instance name -> :class:`Bks`.
    """
    if not path.is_file():
        return {}
    out: dict[str, Bks] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh):
            name = (rec.get("instance") or "").strip()
            if not name:
                continue
            out[name] = Bks(
                distance=_float(rec.get("bks_distance")),
                vehicles=_int(rec.get("bks_vehicles")),
                source=(rec.get("source") or "").strip(),
            )
    return out


def read_pr_bks(path: Path) -> dict[str, Bks]:
    """Read Erdelić & Carić's E-VRPTW-PR best known solutions (tab-separated ``INSTANCE``,
    ``NUM_VEHICLES``, ``TOTAL_DISTANCE``, ...), keyed by the file stem they belong to
    (``C101`` -> ``c101_21``)."""
    if not path.is_file():
        return {}
    out: dict[str, Bks] = {}
    with path.open(newline="", encoding="utf-8") as fh:
        for rec in csv.DictReader(fh, delimiter="\t"):
            name = (rec.get("INSTANCE") or "").strip()
            if name:
                out[f"{name.lower()}_21"] = Bks(
                    distance=_float(rec.get("TOTAL_DISTANCE")),
                    vehicles=_int(rec.get("NUM_VEHICLES")),
                    source="Erdelić & Carić 2022 (E-VRPTW-PR)",
                )
    return out


def lookup_bks(bks: dict[str, Bks], name: str) -> Bks | None:
    """The best known value of instance ``name``: exact name first, then ignoring case."""
    if name in bks:
        return bks[name]
    folded = {k.casefold(): v for k, v in bks.items()}
    return folded.get(name.casefold())


def gap_pct(value: float | None, bks: float | None) -> float | None:
    """The gap ``(value - bks) / bks * 100``; ``None`` when either is missing or ``bks`` is 0."""
    if value is None or bks is None or bks == 0 or not math.isfinite(value):
        return None
    return (value - bks) / bks * 100.0


def objective_value(row: Row) -> float | None:
    """The figure a set's best known values count: time in hours for evrp-nl, else distance."""
    return row.time_h if row.set_name in TIME_OBJECTIVE else row.distance


def matches(stem: str, patterns: Sequence[str] | None) -> bool:
    """Whether a file stem matches any of the globs (case-insensitive; no globs: everything)."""
    if not patterns:
        return True
    return any(fnmatch.fnmatchcase(stem.casefold(), p.casefold()) for p in patterns)


def find_instances(
    directory: Path, patterns: Sequence[str] | None = None
) -> list[tuple[Path, str]]:
    """The instance files of ``directory`` whose stem matches ``patterns``, with their format.

    Solutions, tables and notes are skipped by suffix, and anything :func:`optimizer.formats.detect`
    does not recognise (such as ``r205_21.sol.txt``) is skipped too.
    """
    found: list[tuple[Path, str]] = []
    for path in sorted(directory.iterdir()):
        if not path.is_file() or path.suffix.lower() in NOT_INSTANCES:
            continue
        if not matches(path.stem, patterns):
            continue
        try:
            fmt = detect(path)
        except FormatError:
            continue
        found.append((path, fmt))
    return found


def summarize(rows: Sequence[Row]) -> Summary:
    """The aggregate figures of a run (see :class:`Summary`); only valid plans count in gaps."""
    valid = [r for r in rows if r.valid]
    with_bks_v = [r for r in valid if r.bks_vehicles is not None and r.vehicles is not None]
    gaps = [r.gap_pct for r in valid if r.gap_pct is not None]
    at_bks = [r.gap_at_bks_vehicles_pct for r in valid if r.gap_at_bks_vehicles_pct is not None]
    seconds = [r.seconds for r in rows if r.seconds is not None]
    busy = [r.cpu_s / r.seconds for r in rows if r.cpu_s is not None and r.seconds]
    return Summary(
        total=len(rows),
        valid=len(valid),
        with_bks_vehicles=len(with_bks_v),
        veh_le_bks=sum(1 for r in with_bks_v if _le(r.vehicles, r.bks_vehicles, 0)),
        veh_le_bks1=sum(1 for r in with_bks_v if _le(r.vehicles, r.bks_vehicles, 1)),
        mean_gap=statistics.fmean(gaps) if gaps else None,
        with_gap=len(gaps),
        mean_gap_at_bks=statistics.fmean(at_bks) if at_bks else None,
        at_bks=len(at_bks),
        median_seconds=statistics.median(seconds) if seconds else None,
        median_cpu_per_wall=statistics.median(busy) if busy else None,
    )


def summary_lines(summary: Summary, hierarchical: bool) -> list[str]:
    """The summary as text lines; the vehicle-count lines only for hierarchical sets."""
    s = summary
    lines = [f"valid: {s.valid} / {s.total}"]
    if hierarchical:
        lines += [
            f"vehicles <= bks: {s.veh_le_bks} / {s.with_bks_vehicles}",
            f"vehicles <= bks + 1: {s.veh_le_bks1} / {s.with_bks_vehicles}",
        ]
    lines.append(f"mean gap (all valid): {_pct(s.mean_gap)} (n={s.with_gap})")
    if hierarchical:
        lines.append(f"mean gap at the bks vehicle count: {_pct(s.mean_gap_at_bks)} (n={s.at_bks})")
    lines.append(f"median seconds: {_num(s.median_seconds, 1)}")
    if s.median_cpu_per_wall is not None:
        lines.append(f"median CPU time over wall time: {_num(s.median_cpu_per_wall, 2)}")
    return lines


def markdown_table(rows: Sequence[Row], set_name: str) -> str:
    """A markdown table of the rows, with the columns that make sense for ``set_name``."""
    timed = set_name in TIME_OBJECTIVE
    hier = set_name in HIERARCHICAL
    head = ["instance", "customers", "vehicles", "bks veh", "Δveh", "distance"]
    head += ["time h", "bks time h"] if timed else ["bks distance"]
    head += ["gap %"] + (["gap % at bks veh"] if hier else [])
    head += ["cost", "seconds", "stopped by", "valid", "status", "message"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for r in rows:
        cells = [
            r.instance,
            _num(r.customers),
            _num(r.vehicles),
            _num(r.bks_vehicles),
            _signed(r.vehicle_diff),
            _num(r.distance, 2),
        ]
        cells += (
            [_num(r.time_h, 2), _num(r.bks_distance, 2)] if timed else [_num(r.bks_distance, 2)]
        )
        cells.append(_num(r.gap_pct, 2))
        if hier:
            cells.append(_num(r.gap_at_bks_vehicles_pct, 2))
        cells += [
            _num(r.cost, 2),
            _num(r.seconds, 1),
            r.stopped_by,
            "yes" if r.valid else "no",
            r.status,
            r.message.replace("|", "/"),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_csv(rows: Sequence[Row], path: Path) -> None:
    """Write the rows with a header of :data:`COLUMNS`; ``None`` is written as a blank."""
    with path.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(COLUMNS)
        for r in rows:
            writer.writerow([_cell(getattr(r, c)) for c in COLUMNS])


def read_csv(path: Path) -> list[Row]:
    """Read a result CSV written by :func:`write_csv`; missing columns take their defaults.

    Raises
    ------
    ValueError
        When the file has no ``instance`` column.
    """
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or "instance" not in reader.fieldnames:
            raise ValueError(f"{path}: not a result CSV (no 'instance' column)")
        rows = []
        for rec in reader:
            values: dict[str, Any] = {}
            for col in COLUMNS:
                raw = rec.get(col)
                if raw is None:
                    continue
                if col in _INT_COLUMNS:
                    values[col] = _int(raw)
                elif col in _FLOAT_COLUMNS:
                    values[col] = _float(raw)
                elif col == "valid":
                    values[col] = raw.strip().lower() in ("true", "yes", "1")
                else:
                    values[col] = raw
            values.setdefault("set_name", "")
            rows.append(Row(**values))
    return rows


def compare(a: Sequence[Row], b: Sequence[Row]) -> Comparison:
    """Compare two runs on their common instances (in A's order).

    B *wins* an instance when it is better under the set's objective: a valid plan beats an
    invalid or missing one; for hierarchical sets fewer vehicles come first; then the smaller
    objective value (:func:`objective_value`) wins, with a relative tolerance of 1e-6. The gap
    ratio is mean gap of B / mean gap of A over the common instances where both have a gap.
    """
    by_b = {r.instance: r for r in b}
    names_a = {r.instance for r in a}
    pairs = tuple((r, by_b[r.instance]) for r in a if r.instance in by_b)
    both = [
        (x.gap_pct, y.gap_pct) for x, y in pairs if x.gap_pct is not None and y.gap_pct is not None
    ]
    mean_a = statistics.fmean(g for g, _ in both) if both else None
    mean_b = statistics.fmean(g for _, g in both) if both else None
    ratio = mean_b / mean_a if mean_a is not None and mean_b is not None and mean_a != 0 else None
    verdicts = [_better(y, x) for x, y in pairs]
    return Comparison(
        pairs=pairs,
        only_a=len(names_a - by_b.keys()),
        only_b=len(by_b.keys() - names_a),
        mean_gap_a=mean_a,
        mean_gap_b=mean_b,
        gap_ratio=ratio,
        wins=verdicts.count(1),
        ties=verdicts.count(0),
        losses=verdicts.count(-1),
    )


def compare_markdown(cmp: Comparison, name_a: str = "A", name_b: str = "B") -> str:
    """The side-by-side markdown table of a :class:`Comparison` and its summary lines."""
    timed = bool(cmp.pairs) and all(x.set_name in TIME_OBJECTIVE for x, _ in cmp.pairs)
    what = "time h" if timed else "distance"
    head = ["instance", "veh A", "veh B", "Δveh", f"{what} A", f"{what} B", f"Δ{what}"]
    head += ["gap % A", "gap % B", "Δgap"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for x, y in cmp.pairs:
        va, vb = objective_value(x), objective_value(y)
        cells = [
            x.instance,
            _num(x.vehicles) + ("" if x.valid else " (invalid)"),
            _num(y.vehicles) + ("" if y.valid else " (invalid)"),
            _signed(_diff(y.vehicles, x.vehicles)),
            _num(va, 2),
            _num(vb, 2),
            _signed(_diff(vb, va), 2),
            _num(x.gap_pct, 2),
            _num(y.gap_pct, 2),
            _signed(_diff(y.gap_pct, x.gap_pct), 2),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    lines += [
        "",
        f"A = {name_a}",
        f"B = {name_b}",
        f"common instances: {len(cmp.pairs)} (only in A: {cmp.only_a}, only in B: {cmp.only_b})",
        f"mean gap A: {_pct(cmp.mean_gap_a)}, B: {_pct(cmp.mean_gap_b)}, "
        f"ratio B/A: {_num(cmp.gap_ratio, 3)}",
        f"B against A: {cmp.wins} wins, {cmp.ties} ties, {cmp.losses} losses",
    ]
    return "\n".join(lines)


def pool(runs: Sequence[Sequence[Row]], names: Sequence[str]) -> Pool:
    """Pool several runs of one set (see :class:`Pool`); instances in the first run's order,
    then any only the later runs have. A gap is ``None`` where a run has no valid plan."""
    if not runs:
        raise ValueError("no run to pool")
    order: list[str] = []
    for run_rows in runs:
        order += [r.instance for r in run_rows if r.instance not in order]
    by_run = [{r.instance: r for r in run_rows} for run_rows in runs]
    gaps: dict[str, tuple[float | None, ...]] = {}
    at_bks: dict[str, tuple[bool, ...]] = {}
    for name in order:
        rows = [b.get(name) for b in by_run]
        gaps[name] = tuple(r.gap_pct if r is not None and r.valid else None for r in rows)
        at_bks[name] = tuple(
            r is not None and r.valid and r.gap_at_bks_vehicles_pct is not None for r in rows
        )
    summaries = tuple(summarize(run_rows) for run_rows in runs)
    means = [s.mean_gap for s in summaries if s.mean_gap is not None]
    at = [s.mean_gap_at_bks for s in summaries if s.mean_gap_at_bks is not None]
    common = [n for n in order if all(at_bks[n])]
    return Pool(
        names=tuple(names),
        summaries=summaries,
        instances=tuple(order),
        gaps=gaps,
        at_bks=at_bks,
        mean_gap=statistics.fmean(means) if len(means) == len(runs) else None,
        mean_gap_at_bks=statistics.fmean(at) if len(at) == len(runs) else None,
        common_at_bks=(
            statistics.fmean(statistics.fmean(g for g in gaps[n] if g is not None) for n in common)
            if common
            else None
        ),
        n_common=len(common),
    )


def pool_markdown(p: Pool, hierarchical: bool) -> str:
    """Per instance the gap of each run (``*``: not at the bks vehicle count, where the set has
    one), their mean and spread (largest less smallest); then each run's summary and the means."""
    runs = range(len(p.names))
    head = ["instance", *(f"gap % {k + 1}" for k in runs), "mean", "spread"]
    lines = ["| " + " | ".join(head) + " |", "|" + "|".join("---" for _ in head) + "|"]
    for name in p.instances:
        gs = p.gaps[name]
        known = [g for g in gs if g is not None]
        cells = [name]
        for k in runs:
            mark = "*" if hierarchical and gs[k] is not None and not p.at_bks[name][k] else ""
            cells.append(_num(gs[k], 2) + mark if gs[k] is not None else "-")
        cells.append(_num(statistics.fmean(known), 2) if known else "-")
        cells.append(_num(max(known) - min(known), 2) if len(known) > 1 else "-")
        lines.append("| " + " | ".join(cells) + " |")
    lines.append("")
    if hierarchical:
        lines.append("`*`: not at the best-known vehicle count (out of the at-bks means)")
    for k, (name, s) in enumerate(zip(p.names, p.summaries, strict=True), start=1):
        text = f"run {k} ({name}): valid {s.valid}/{s.total}, mean gap {_pct(s.mean_gap)}"
        if hierarchical:
            text += (
                f", vehicles <= bks {s.veh_le_bks}/{s.with_bks_vehicles}"
                f", at the bks vehicle count {_pct(s.mean_gap_at_bks)} (n={s.at_bks})"
            )
        lines.append(text)
    lines.append(f"mean over runs: mean gap {_pct(p.mean_gap)}")
    if hierarchical:
        lines[-1] += f", at the bks vehicle count {_pct(p.mean_gap_at_bks)}"
        lines.append(
            f"instances at the bks vehicle count in every run: {p.n_common}, "
            f"mean of their mean gaps {_pct(p.common_at_bks)}"
        )
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------
# Solving


def solve_task(
    path: str,
    fmt: str,
    time_limit_s: float,
    seed: int,
    baseline: bool,
    settings: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Solve one instance in a worker process; never raises for a solver or input failure.

    Returns
    -------
    dict
        ``status`` (``ok``, ``infeasible`` or ``error``), ``message``, ``seconds`` (wall time of
        the solve), ``stopped_by`` and, when ``ok``, ``solution`` as native JSON data (plain data
        crosses the process boundary; the parent rebuilds and re-validates it).
    """
    from optimizer.formats.native import solution_to_dict
    from optimizer.solver import InfeasibleError, SolveOptions

    started = time.perf_counter()
    cpu0 = os.times()
    try:
        inst = optimizer.load(path, format=fmt)
        # The textbook model searches the whole time limit (the wall clock alone stops it): the
        # issue compares at equal time, and its solution budget, calibrated for our model, ends
        # the textbook search after a tenth of the limit on a fast machine.
        fields = {"construct": False, "deterministic": False} if baseline else {}
        options = SolveOptions(**{**fields, **(settings or {})})
        sol = optimizer.solve(inst, time_limit_s=time_limit_s, seed=seed, options=options)
    except InfeasibleError as e:
        return _failure("infeasible", e, time.perf_counter() - started)
    except OptimizerError as e:
        return _failure("error", e, time.perf_counter() - started)
    except Exception as e:  # a bug in the solver must not stop the run
        return _failure("error", e, time.perf_counter() - started, with_type=True)
    seconds = sol.meta.get("wall_time_s", time.perf_counter() - started)
    cpu1 = os.times()
    return {
        "status": "ok",
        "message": "",
        "seconds": float(seconds),
        # user + system of this process and of the solve's worker processes (reaped by now)
        "cpu_s": round(sum(cpu1[:4]) - sum(cpu0[:4]), 3),
        "stopped_by": str(sol.meta.get("stopped_by", "")),
        "charging_saved": sol.meta.get("exact_charging_saved"),
        "solution": solution_to_dict(sol),
    }


def solve_all(
    tasks: Sequence[Task],
    time_limit_s: float,
    seed: int,
    jobs: int,
    baseline: bool,
    settings: dict[str, Any] | None = None,
) -> Iterator[tuple[Task, dict[str, Any]]]:
    """Solve the tasks in ``jobs`` worker processes and yield ``(task, outcome)`` as they finish.

    A worker that dies (crash, out of memory) breaks the whole pool; the tasks that were then
    pending are rerun one per fresh process, so the crash is pinned on its own instance.
    """
    ctx = multiprocessing.get_context("spawn")
    args = (time_limit_s, seed, baseline, settings)
    broken: list[Task] = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=ctx) as pool:
        futures = {pool.submit(solve_task, str(t.path), t.fmt, *args): t for t in tasks}
        for fut in as_completed(futures):
            outcome = _outcome(fut)
            if outcome is None:
                broken.append(futures[fut])
            else:
                yield futures[fut], outcome
    for task in sorted(broken, key=lambda t: t.name):
        with ProcessPoolExecutor(max_workers=1, mp_context=ctx) as pool:
            outcome = _outcome(pool.submit(solve_task, str(task.path), task.fmt, *args))
        yield (
            task,
            outcome
            or {
                "status": "error",
                "message": "the worker process died (crash or out of memory)",
            },
        )


def evaluate(set_name: str, task: Task, bks: Bks | None, outcome: dict[str, Any]) -> Row:
    """Turn a worker's outcome into a row, validating its plan here against the parent's instance.

    Every figure of the row is the validator's recomputation. An invalid plan keeps its figures
    (to help find the bug) but gets no gap; its message lists the violation codes.
    """
    inst = task.instance
    row = Row(
        set_name=set_name,
        instance=task.name,
        customers=len(inst.jobs) + len(inst.shipments),
        bks_distance=bks.distance if bks else None,
        bks_vehicles=bks.vehicles if bks else None,
        seconds=_float(outcome.get("seconds")),
        cpu_s=_float(outcome.get("cpu_s")),
        charging_saved=_float(outcome.get("charging_saved")),
        stopped_by=str(outcome.get("stopped_by", "")),
        status=str(outcome.get("status", "error")),
        message=_short(str(outcome.get("message", ""))),
    )
    if row.status != "ok":
        return row
    try:
        report = optimizer.validate(inst, solution_from_dict(outcome["solution"]))
    except Exception as e:  # an unreadable plan is a failed run, not a crash of the harness
        return replace(row, status="error", message=_short(f"validation failed: {e}"))
    t = report.totals
    total_cost = t.cost.get("total") if t.cost else None
    row = replace(
        row,
        vehicles=t.vehicles_used,
        distance=t.distance_km,
        time_h=_time_h(inst, t.duration_min) if set_name in TIME_OBJECTIVE else None,
        cost=total_cost,
        vehicle_diff=_diff(t.vehicles_used, row.bks_vehicles),
        valid=report.feasible,
    )
    if not report.feasible:
        codes = sorted(report.codes())
        return replace(
            row, message=_short(f"INVALID: {len(report.violations)} violations: {', '.join(codes)}")
        )
    gap = gap_pct(objective_value(row), row.bks_distance)
    at_bks = (
        gap
        if set_name in HIERARCHICAL
        and row.vehicles is not None
        and row.vehicles == row.bks_vehicles
        else None
    )
    return replace(row, gap_pct=gap, gap_at_bks_vehicles_pct=at_bks)


def run(
    set_name: str,
    directory: Path,
    time_limit_s: float,
    *,
    patterns: Sequence[str] | None = None,
    seed: int = 1,
    jobs: int = 1,
    baseline: bool = False,
    settings: dict[str, Any] | None = None,
) -> list[Row]:
    """Solve every matching instance of ``directory`` and return the rows in instance order.

    Raises
    ------
    FileNotFoundError
        When ``directory`` is not a folder or no instance matches.
    """
    if not directory.is_dir():
        raise FileNotFoundError(f"benchmark folder not found: {directory}")
    variant = VARIANTS.get(set_name)
    if variant is not None and not patterns:
        patterns = [variant[2]]
    files = find_instances(directory, patterns)
    if not files:
        raise FileNotFoundError(f"no instance in {directory} matches {list(patterns or ['*'])}")
    if variant is not None:
        files = [(path, variant[0]) for path, _ in files]
        bks = read_pr_bks(directory / variant[1])
    else:
        bks = read_bks(directory / "bks.csv")
    rows: dict[str, Row] = {}
    tasks: list[Task] = []
    for path, fmt in files:
        try:
            tasks.append(Task(path.stem, path, fmt, optimizer.load(path, format=fmt)))
        except Exception as e:
            b = lookup_bks(bks, path.stem)
            rows[path.stem] = Row(
                set_name,
                path.stem,
                bks_distance=b.distance if b else None,
                bks_vehicles=b.vehicles if b else None,
                status="error",
                message=_short(f"load failed: {e}"),
            )
            _progress(len(rows), len(files), rows[path.stem])
    for task, outcome in solve_all(tasks, time_limit_s, seed, jobs, baseline, settings):
        rows[task.name] = evaluate(set_name, task, lookup_bks(bks, task.name), outcome)
        _progress(len(rows), len(files), rows[task.name])
    return [rows[p.stem] for p, _ in files]


# --------------------------------------------------------------------------------------------
# Command line


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser of ``python -m benchmarks.run``."""
    p = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Solve a public benchmark set and report the gap to the best known values.",
    )
    p.add_argument("--set", dest="set_name", choices=list(SETS), help="the benchmark set")
    p.add_argument("--time-limit", type=float, help="seconds per instance")
    p.add_argument(
        "--instances",
        action="append",
        metavar="GLOB",
        help="glob on the file stem, case-insensitive (repeat or separate by commas)",
    )
    p.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    p.add_argument("--seed", type=int, default=1, help="seed passed to optimizer.solve (default 1)")
    p.add_argument("--dir", type=Path, help="instance folder (default ../shared/benchmarks/<set>)")
    p.add_argument("--out", type=Path, default=RESULTS, help="output folder")
    p.add_argument("--tag", help="file name tag instead of the timestamp")
    p.add_argument(
        "--compare",
        nargs=2,
        type=Path,
        metavar=("A.csv", "B.csv"),
        help="compare two result CSVs; no solving",
    )
    p.add_argument(
        "--pool",
        nargs="+",
        type=Path,
        metavar="CSV",
        help="pool result CSVs of one set (one per seed, say): gaps side by side and means",
    )
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help="searches per instance, side by side in processes (default 1; jobs x workers "
        "should not exceed the cores)",
    )
    p.add_argument(
        "--work-of",
        type=float,
        metavar="S",
        help="give every solve the work budgets of an S-second solve (the rates per second "
        "scaled by S / --time-limit), the time limit then only a wall-clock cap: with a limit "
        "well above S the caps never fire and the plans do not depend on the machine's load",
    )
    p.add_argument(
        "--option",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="a SolveOptions field for every solve (repeatable), e.g. recombine_work_per_second=0",
    )
    p.add_argument(
        "--baseline",
        action="store_true",
        help="measure the textbook OR-Tools model, searching until the time limit",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (see the module docstring)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.compare:
        a_path, b_path = args.compare
        try:
            cmp = compare(read_csv(a_path), read_csv(b_path))
        except (OSError, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        print(compare_markdown(cmp, str(a_path), str(b_path)))
        return 0
    if args.pool:
        try:
            runs = [read_csv(path) for path in args.pool]
            pooled = pool(runs, [str(path) for path in args.pool])
        except (OSError, ValueError) as e:
            print(f"error: {e}", file=sys.stderr)
            return 2
        sets = {r.set_name for run_rows in runs for r in run_rows}
        if len(sets) > 1:
            print(f"error: --pool takes runs of one set, got {sorted(sets)}", file=sys.stderr)
            return 2
        print(pool_markdown(pooled, bool(sets & HIERARCHICAL)))
        return 0
    if args.set_name is None or args.time_limit is None:
        parser.error("--set and --time-limit are required (unless --compare)")
    if args.time_limit <= 0 or args.jobs < 1:
        parser.error("--time-limit must be > 0 and --jobs >= 1")
    patterns = [p.strip() for raw in args.instances or [] for p in raw.split(",") if p.strip()]
    try:
        settings = solve_settings(args.option, args.workers)
        if args.work_of is not None:
            settings = {**scaled_rates(args.work_of / args.time_limit), **settings}
    except ValueError as e:
        parser.error(str(e))
    directory = args.dir or BENCHMARKS / SETS[args.set_name]
    started = datetime.now()
    try:
        rows = run(
            args.set_name,
            directory,
            args.time_limit,
            patterns=patterns,
            seed=args.seed,
            jobs=args.jobs,
            baseline=args.baseline,
            settings=settings,
        )
    except FileNotFoundError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    tag = args.tag or started.strftime("%Y%m%d-%H%M%S")
    stem = f"{args.set_name}-{'baseline-' if args.baseline else ''}{tag}"
    args.out.mkdir(parents=True, exist_ok=True)
    csv_path, md_path = args.out / f"{stem}.csv", args.out / f"{stem}.md"
    write_csv(rows, csv_path)
    table = markdown_table(rows, args.set_name)
    lines = summary_lines(summarize(rows), args.set_name in HIERARCHICAL)
    header = _run_header(args, directory, patterns, started)
    md_path.write_text(
        header + "\n\n" + table + "\n\n" + "\n".join(f"- {x}" for x in lines) + "\n", "utf-8"
    )
    print(table)
    print()
    print("\n".join(lines))
    print(f"wrote {csv_path} and {md_path}", file=sys.stderr)
    return 1 if any(r.status == "ok" and not r.valid for r in rows) else 0


# --------------------------------------------------------------------------------------------
# Internals


def _outcome(fut: Future[dict[str, Any]]) -> dict[str, Any] | None:
    """A finished future's outcome; ``None`` when its pool broke (the worker died)."""
    try:
        return fut.result()
    except BrokenProcessPool:
        return None
    except Exception as e:  # e.g. an import error in the worker, or an unpicklable result
        return _failure("error", e, None, with_type=True)


def _failure(
    status: str, err: BaseException, seconds: float | None, *, with_type: bool = False
) -> dict[str, Any]:
    """An outcome for a failed task; the message is the error's text on one line, shortened."""
    text = " ".join(str(err).split())
    text = f"{type(err).__name__}: {text}" if with_type or not text else text
    return {"status": status, "message": _short(text), "seconds": seconds, "stopped_by": ""}


def _time_h(inst: optimizer.Instance, duration_min: float | None) -> float | None:
    """Route time in hours without service time (the evrp-nl best known values' convention)."""
    if duration_min is None:
        return None
    service_h = inst.meta.get("total_service_h")
    if service_h is None:
        service_min = sum(j.service_min for j in inst.jobs) + sum(
            s.pickup.service_min + s.delivery.service_min for s in inst.shipments
        )
        service_h = service_min / 60.0
    return duration_min / 60.0 - float(service_h)


def _run_header(
    args: argparse.Namespace, directory: Path, patterns: Sequence[str], started: datetime
) -> str:
    mode = (
        "baseline (SolveOptions(construct=False, deterministic=False))"
        if args.baseline
        else "default solver"
    )
    return "\n".join(
        [
            f"# Benchmark {args.set_name}{' (baseline)' if args.baseline else ''}",
            "",
            f"- started: {started.isoformat(timespec='seconds')}",
            f"- data: {directory}" + (f", instances {', '.join(patterns)}" if patterns else ""),
            f"- time limit: {args.time_limit:g} s, seed {args.seed}, jobs {args.jobs}, "
            f"workers {args.workers}, {mode}"
            + (f", options {' '.join(args.option)}" if args.option else "")
            + (f", work budgets of a {args.work_of:g} s solve" if args.work_of else ""),
            f"- machine: {platform.node()}, {_cpu_model()}, {os.cpu_count()} CPUs, "
            f"Python {platform.python_version()}, {platform.system()} {platform.release()}",
            f"- optimizer {optimizer.__version__}",
        ]
    )


def solve_settings(pairs: Sequence[str], workers: int) -> dict[str, Any]:
    """``SolveOptions`` fields from ``--option FIELD=VALUE`` pairs and ``--workers``: each value
    read as the field's type (int, float, bool, str); an unknown field or bad value is an error
    naming it."""
    from dataclasses import fields

    from optimizer.solver import SolveOptions

    known = {f.name: f for f in fields(SolveOptions)}
    defaults = SolveOptions()
    out: dict[str, Any] = {}
    for pair in pairs:
        name, eq, text = pair.partition("=")
        if not eq or name not in known:
            raise ValueError(f"--option {pair!r}: expected FIELD=VALUE with a SolveOptions field")
        current = getattr(defaults, name)
        try:
            if isinstance(current, bool):
                if text.lower() not in ("true", "false", "1", "0"):
                    raise ValueError(text)
                out[name] = text.lower() in ("true", "1")
            elif isinstance(current, int) or (current is None and text.isdigit()):
                out[name] = int(text)
            elif isinstance(current, float):
                out[name] = float(text)
            else:
                out[name] = text
        except ValueError:
            raise ValueError(f"--option {name}: bad value {text!r}") from None
    if workers < 1:
        raise ValueError(f"--workers must be >= 1, got {workers}")
    if workers != 1:
        out["workers"] = workers
    return out


#: The ``SolveOptions`` fields that turn seconds of time limit into work.
RATE_FIELDS = (
    "solution_rate",
    "solution_rate_no_windows",
    "route_min_work_per_second",
    "fleet_work_per_second",
    "lns_work_per_second",
    "lns_work_per_second_no_windows",
    "lns_work_per_second_partial_no_windows",
    "recombine_work_per_second",
    "hgs_iterations_per_second",
)


def scaled_rates(factor: float) -> dict[str, float]:
    """Every work rate of the default ``SolveOptions`` times ``factor`` (``--work-of``)."""
    from optimizer.solver import SolveOptions

    defaults = SolveOptions()
    return {name: getattr(defaults, name) * factor for name in RATE_FIELDS}


def _cpu_model() -> str:
    """The CPU's model name (from ``/proc/cpuinfo`` on Linux), else the machine type."""
    try:
        for line in Path("/proc/cpuinfo").read_text("utf-8", errors="replace").splitlines():
            if line.lower().startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _progress(done: int, total: int, r: Row) -> None:
    parts = [f"[{done}/{total}] {r.instance}: {r.status}"]
    if r.status == "ok":
        parts.append("valid" if r.valid else "INVALID")
        parts.append(f"vehicles {_num(r.vehicles)}")
        parts.append(f"distance {_num(r.distance, 2)}")
        if r.time_h is not None:
            parts.append(f"time {_num(r.time_h, 2)} h")
        parts.append(f"gap {_pct(r.gap_pct)}")
    if r.seconds is not None:
        parts.append(f"{r.seconds:.1f}s")
    if r.message:
        parts.append(f"({r.message})")
    print("  ".join(parts), file=sys.stderr, flush=True)


def _better(x: Row, y: Row) -> int:
    """1 when ``x`` beats ``y`` under the set's objective, -1 when it loses, 0 on a tie."""
    if x.valid != y.valid:
        return 1 if x.valid else -1
    if not x.valid:
        return 0
    if x.set_name in HIERARCHICAL and x.vehicles != y.vehicles:
        if x.vehicles is None or y.vehicles is None:
            return 1 if y.vehicles is None else -1
        return 1 if x.vehicles < y.vehicles else -1
    vx, vy = objective_value(x), objective_value(y)
    if vx is None or vy is None:
        return 0 if vx is vy else (1 if vy is None else -1)
    if abs(vx - vy) <= 1e-6 * max(1.0, abs(vx), abs(vy)):
        return 0
    return 1 if vx < vy else -1


def _le(a: int | None, b: int | None, slack: int) -> bool:
    return a is not None and b is not None and a <= b + slack


def _diff(a: float | None, b: float | None) -> Any:
    return None if a is None or b is None else a - b


def _float(raw: Any) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, (int, float)):
        return float(raw)
    text = str(raw).strip()
    if not text:
        return None
    try:
        return float(text)
    except ValueError:
        return None


def _int(raw: Any) -> int | None:
    value = _float(raw)
    return None if value is None or not math.isfinite(value) else round(value)


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= MESSAGE_CHARS else text[: MESSAGE_CHARS - 3] + "..."


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") if math.isfinite(value) else str(value)
    return str(value)


def _num(value: float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    return _no_minus_zero(f"{value:.{digits}f}") if digits else str(round(value))


def _signed(value: float | None, digits: int = 0) -> str:
    if value is None:
        return ""
    if not digits:
        return f"{round(value):+d}"
    text = f"{value:+.{digits}f}"
    return "+" + text[1:] if float(text) == 0 else text


def _pct(value: float | None) -> str:
    return "n/a" if value is None else _no_minus_zero(f"{value:.2f}") + " %"


def _no_minus_zero(text: str) -> str:
    """``-0.00`` (a tiny negative rounded away) reads as ``0.00``."""
    return text[1:] if text.startswith("-") and float(text) == 0 else text


if __name__ == "__main__":
    sys.exit(main())
