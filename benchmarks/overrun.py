"""How far past its time limit a solve ends, and where the time goes (issue 23).

    python -m benchmarks.overrun                          # 20/100/300/1000 jobs x 1/2/5/10 s
    python -m benchmarks.overrun --jobs 100 300 --limits 2 5 --runs 3 --cli

For each generated day (:func:`optimizer.generate.generate`, seed 1) and each limit, the wall
time of :func:`optimizer.solve` (median of ``--runs`` runs for limits up to 2 s, one run above:
the whole table stays a few minutes on a 2-core machine), its ratio to the limit and its excess
over it, and the phases of the median run from the solve's ``meta``: PyVRP (``hgs_s``), our
construction (``construct_s``, ruin and recreate ``lns_s`` inside it), OR-Tools' search and
everything else (``other``: model building, read-back, validation, re-timing the charges, parts
joined; the wall time less the phases named). ``cap`` says whether a wall-clock cap fired
(``stopped_by: time``, the plan then depends on the machine). ``load`` is reading the day back
from native JSON, which happens before the solve's clock starts; ``--cli`` adds the time of a
whole ``python -m optimizer solve -t LIMIT`` process (interpreter start and imports included).

Limits below a day's floor (:func:`optimizer.limits.min_time_limit_s`, days solved in parts) are
refused by the solver, and the table says so; the floor itself is always tried.

No assertion: a table to read (timed tests would fail on a loaded machine).
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import optimizer
from optimizer import limits
from optimizer.generate import generate
from optimizer.solver.driver import overrun_margin


def _phases(meta: dict[str, Any], wall: float) -> dict[str, float]:
    """Seconds per phase; ``parts`` is the decomposed search (all parts), ``rest`` what the
    phases named leave of the wall time (diagnosis, checks, rebuilding the model)."""
    ph = {
        k: float(meta.get(key, 0.0) or 0.0)
        for k, key in (
            ("build", "build_s"),
            ("hgs", "hgs_s"),
            ("construct", "construct_s"),
            ("ortools", "ortools_s"),
            ("parts", "parts_s"),
            ("after", "after_search_s"),
        )
    }
    ph["rest"] = max(0.0, wall - sum(ph.values()))
    return ph


def _cli_time(path: Path, limit: float) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "plan.json"
        t0 = time.monotonic()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "optimizer",
                "solve",
                str(path),
                "-t",
                str(limit),
                "-o",
                str(out),
            ],
            check=True,
            capture_output=True,
        )
        return time.monotonic() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--jobs", type=int, nargs="+", default=[20, 100, 300, 1000])
    ap.add_argument("--limits", type=float, nargs="+", default=[1.0, 2.0, 5.0, 10.0])
    ap.add_argument("--runs", type=int, default=3, help="runs per cell for limits up to 2 s")
    ap.add_argument("--seed", type=int, default=1, help="the generated day's seed")
    ap.add_argument("--cli", action="store_true", help="also time a whole CLI process (one run)")
    args = ap.parse_args(argv)

    head = (
        f"{'jobs':>5} {'limit':>5} {'n':>2} {'wall':>6} {'ratio':>5} {'over':>5} {'cap':>3} "
        f"{'load':>5} {'build':>5} {'hgs':>5} {'constr':>6} {'ortools':>7} {'parts':>6} "
        f"{'after':>5} {'rest':>5}" + (f" {'cli':>6} {'ratio':>5}" if args.cli else "")
    )
    print(head)
    print("-" * len(head))
    worst = 0.0
    for module in ("optimizer.solver.pipeline", "optimizer.solver.hgs", "optimizer.validator"):
        importlib.import_module(module)  # imported outside the first solve's clock

    with tempfile.TemporaryDirectory() as tmp:
        for jobs in args.jobs:
            inst = generate(jobs, args.seed)
            path = Path(tmp) / f"day{jobs}.json"
            optimizer.save(inst, path)
            t0 = time.monotonic()
            inst = optimizer.load(path)
            load_s = time.monotonic() - t0
            floor = limits.min_time_limit_s(inst)
            tried = sorted({*args.limits, *([floor] if floor else [])})
            for limit in tried:
                if limit < floor:
                    print(f"{jobs:>5} {limit:>5.1f}  refused: below the floor of {floor:g} s")
                    continue
                runs = args.runs if limit <= 2.0 else 1
                walls: list[tuple[float, dict[str, Any]]] = []
                for _ in range(runs):
                    t0 = time.monotonic()
                    sol = optimizer.solve(inst, time_limit_s=limit, seed=0)
                    walls.append((time.monotonic() - t0, dict(sol.meta)))
                walls.sort(key=lambda w: w[0])
                wall, meta = walls[len(walls) // 2]
                ph = _phases(meta, wall)
                capped = any(m.get("stopped_by") == "time" for _, m in walls)
                worst = max(worst, max(w - limit - overrun_margin(limit) for w, _ in walls))
                row = (
                    f"{jobs:>5} {limit:>5.1f} {runs:>2} {wall:>6.2f} {wall / limit:>5.2f} "
                    f"{wall - limit:>+5.2f} {'yes' if capped else 'no':>3} {load_s:>5.2f} "
                    f"{ph['build']:>5.2f} {ph['hgs']:>5.2f} {ph['construct']:>6.2f} "
                    f"{ph['ortools']:>7.2f} {ph['parts']:>6.2f} {ph['after']:>5.2f} {ph['rest']:>5.2f}"
                )
                if args.cli:
                    cli = _cli_time(path, limit)
                    row += f" {cli:>6.2f} {cli / limit:>5.2f}"
                print(row, flush=True)
    print(f"\nlargest excess of any run over its limit and margin: {worst:+.2f} s")
    print(
        f"median of {args.runs} runs for limits <= 2 s, else one; python {sys.version.split()[0]}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
