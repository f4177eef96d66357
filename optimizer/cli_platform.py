"""The platform commands: ``optimizer serve`` (the HTTP service) and ``optimizer batch``.

Why a module of their own: they pull in uvicorn, FastAPI and rich's progress display, which the
planning commands do not need; ``optimizer/cli.py`` registers these functions on its app (wrapped
in its ``_clean_errors``, so the package's errors end as one line and an exit status here too).
Every heavy import happens inside the command that needs it, so ``optimizer --help`` stays fast.
"""

from __future__ import annotations

import csv
import glob
import io
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .cli_options import InstanceFormat
from .errors import EXIT_INFEASIBLE, EXIT_OK, InputError, Issue
from .fileio import write_atomic
from .service.config import (
    ENV_API_KEY,
    ENV_DB,
    ENV_KEEP_DAYS,
    ENV_MAX_BODY_MB,
    ENV_MAX_QUEUED_JOBS,
    ENV_MAX_TIME_LIMIT_S,
    ENV_WORKERS,
    ServiceConfig,
)

if TYPE_CHECKING:
    from .batch import BatchResult

#: File endings taken from a folder by ``optimizer batch`` (the formats ``optimizer.load`` reads).
INSTANCE_SUFFIXES = (".json", ".txt", ".evrp", ".xml", ".vrp")
#: Solution files that sit beside instances in the public sets: never taken as instances.
SOLUTION_SUFFIXES = (".sol", ".sol.txt", ".plan.json")
SUMMARY_COLUMNS = (
    "instance",
    "status",
    "jobs",
    "vehicles",
    "cost",
    "valid",
    "seconds",
    "plan",
    "error",
)


def serve(
    host: Annotated[
        str, typer.Option(help="Address to listen on (loopback by default).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.")] = 8000,
    db: Annotated[
        Path,
        typer.Option(help="SQLite file of the job queue (created if absent).", envvar=ENV_DB),
    ] = Path("optimizer-jobs.sqlite3"),
    api_key: Annotated[
        str | None,
        typer.Option(
            help="Require this key in the X-API-Key header (prefer the environment variable: a"
            " command line is visible to other users of the machine).",
            envvar=ENV_API_KEY,
            show_default=False,
        ),
    ] = None,
    max_time_limit: Annotated[
        float,
        typer.Option(
            help="Largest time limit a request may ask for, in seconds.",
            envvar=ENV_MAX_TIME_LIMIT_S,
        ),
    ] = 300.0,
    max_body_mb: Annotated[
        float,
        typer.Option(
            help="Largest request body, in MB (10^6 bytes); larger ones get 413.",
            envvar=ENV_MAX_BODY_MB,
        ),
    ] = 20.0,
    workers: Annotated[
        int,
        typer.Option(
            help="Solver processes: the number of solves run at once.", envvar=ENV_WORKERS
        ),
    ] = 1,
    max_queued_jobs: Annotated[
        int,
        typer.Option(
            help="Jobs waiting at most; past it POST /jobs answers 503 with Retry-After.",
            envvar=ENV_MAX_QUEUED_JOBS,
        ),
    ] = 100,
    keep_days: Annotated[
        float,
        typer.Option(
            help="Delete finished jobs this many days after they finished (0: keep).",
            envvar=ENV_KEEP_DAYS,
        ),
    ] = 7.0,
    allow_host: Annotated[
        list[str] | None,
        typer.Option(
            "--allow-host",
            help="A Host header name to answer besides the loopback ones (repeat it; '*' any).",
        ),
    ] = None,
) -> None:
    """Run the HTTP service: POST /solve, POST /jobs, GET /jobs/{id}, POST /validate, GET /health.

    Jobs are kept in the SQLite file given by --db: jobs queued or running when the service
    stopped are run when it starts again. OpenAPI documentation is at /docs.
    """
    import sqlite3

    import uvicorn

    from .service import create_app
    from .service.config import is_loopback
    from .service.store import JobStore

    if not is_loopback(host) and not api_key:
        # Beyond this machine anyone who reaches the port could queue work and read plans.
        raise InputError(
            Issue(
                "--api-key",
                f"is required when --host is not a loopback address (set {ENV_API_KEY})",
                host,
            )
        )
    config = ServiceConfig(
        db_path=db,
        api_key=api_key,
        max_time_limit_s=max_time_limit,
        max_body_mb=max_body_mb,
        workers=workers,
        max_queued_jobs=max_queued_jobs,
        keep_days=keep_days if keep_days > 0 else None,
        allowed_hosts=tuple(allow_host or ()),
    )
    try:  # open the job database now: a bad path is one line here, not a traceback at start-up
        JobStore(db).close()
    except (sqlite3.Error, RuntimeError) as e:
        raise InputError(Issue("--db", f"cannot open the job database: {e}", db)) from None
    typer.echo(
        f"optimizer service on http://{host}:{port} ({workers} worker(s), jobs in {db},"
        f" API key {'required' if config.api_key else 'not required'})",
        err=True,
    )
    uvicorn.run(
        create_app(config), host=host, port=port, log_level="info", timeout_graceful_shutdown=5
    )


def find_instance_files(pattern: str) -> list[Path]:
    """The instance files a ``batch`` argument names: every instance file in a folder, or a glob.

    Raises :class:`InputError` when nothing matches, so a typo does not pass as an empty batch.
    """
    path = Path(pattern)
    if path.is_dir():
        found = [
            p
            for p in sorted(path.iterdir())
            if not p.name.startswith(".") and p.name.lower().endswith(INSTANCE_SUFFIXES)
        ]
    else:
        found = sorted(Path(p) for p in glob.glob(pattern))
    # Plans written by an earlier batch into the same folder are never taken as instances.
    found = [p for p in found if p.is_file() and not p.name.lower().endswith(SOLUTION_SUFFIXES)]
    if not found:
        raise InputError(Issue("DIR_OR_GLOB", "matches no instance file", pattern))
    return found


def _plan_names(files: Sequence[Path]) -> list[str]:
    """One output name per file: the stem, made unique when two folders share a stem."""
    seen: dict[str, int] = {}
    names = []
    for f in files:
        stem = f.stem
        n = seen.get(stem, 0)
        seen[stem] = n + 1
        names.append(stem if n == 0 else f"{stem}-{n + 1}")
    return names


def batch(
    instances: Annotated[
        str,
        typer.Argument(
            metavar="DIR_OR_GLOB",
            help="A folder of instance files, or a quoted glob such as 'data/*.json'.",
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder for the plans and summary.csv.")],
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", help="Solver processes (default: the number of cores)."),
    ] = None,
    ray: Annotated[
        str | None,
        typer.Option(
            "--ray",
            help="Solve on Ray instead: 'local' starts one on this machine, 'auto' or an address"
            " joins a running cluster (needs the 'ray' extra).",
        ),
    ] = None,
    time_limit: Annotated[
        float, typer.Option("--time-limit", "-t", help="Search time per instance, in seconds.")
    ] = 10.0,
    seed: Annotated[
        int, typer.Option("--seed", "-s", help="Seed: same seed and limit, same plans.")
    ] = 0,
    format: Annotated[
        InstanceFormat | None,
        typer.Option("--format", "-f", help="Instance format (default: detected per file)."),
    ] = None,
) -> None:
    """Solve many instances in parallel; write each plan as NAME.plan.json and a summary.csv.

    Every plan is checked by the validator. Exit 0 when every instance got a valid plan, 1 when any
    failed (bad input, no plan, invalid plan), 2 when nothing could be started.
    """
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from .batch import solve_many
    from .formats import save_solution

    if time_limit <= 0:
        raise InputError(Issue("--time-limit", "must be > 0", time_limit))
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    if n_workers < 1:
        raise InputError(Issue("--workers", "must be >= 1", n_workers))
    files = find_instance_files(instances)
    names = _plan_names(files)
    out.mkdir(parents=True, exist_ok=True)
    # Start the workers (or reach Ray) before drawing the bar: a backend error is then one line.
    solving = solve_many(
        files,
        time_limit_s=time_limit,
        seed=seed,
        workers=n_workers,
        ray_address=ray,
        format=format,
        names=names,
    )
    err = Console(stderr=True)
    results: list[tuple[BatchResult, Path | None]] = []
    with Progress(
        TextColumn("[bold]batch"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=err,
        transient=False,
    ) as progress:
        task = progress.add_task("", total=len(files))
        for result in solving:
            plan_path = None
            if result.solution is not None:
                plan_path = out / f"{result.name}.plan.json"
                save_solution(result.solution, plan_path)
            results.append((result, plan_path))
            progress.update(task, advance=1, description=escape(f"{result.name}: {result.status}"))
    results.sort(key=lambda r: r[0].index)
    _print_summary(results, out)
    failed = sum(1 for r, _ in results if r.status != "ok")
    raise typer.Exit(EXIT_INFEASIBLE if failed else EXIT_OK)


def _row(result: BatchResult, plan: Path | None) -> dict[str, str]:
    totals = result.report.totals if result.report is not None else None
    cost = totals.cost.get("total") if totals is not None else None
    return {
        "instance": result.name,
        "status": result.status,
        "jobs": "" if result.jobs is None else str(result.jobs),
        "vehicles": ""
        if totals is None or totals.vehicles_used is None
        else str(totals.vehicles_used),
        "cost": "" if cost is None else f"{cost:.2f}",
        "valid": "" if result.report is None else str(result.valid).lower(),
        "seconds": f"{result.seconds:.2f}",
        "plan": "" if plan is None else str(plan),
        "error": result.error or "",
    }


def _print_summary(results: Sequence[tuple[BatchResult, Path | None]], out: Path) -> None:
    """The table on stdout (errors shortened), the full rows in ``out/summary.csv``."""
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    rows = [_row(r, p) for r, p in results]
    csv_path = out / "summary.csv"
    buf = io.StringIO(newline="")
    writer = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    write_atomic(csv_path, buf.getvalue())
    table = Table(title=f"batch: {len(rows)} instance(s)")
    for col in ("instance", "status", "jobs", "vehicles", "cost", "valid", "seconds"):
        table.add_column(
            col, justify="right" if col in ("jobs", "vehicles", "cost", "seconds") else "left"
        )
    for row in rows:
        # Text, not markup: an error or a name may hold brackets (``jobs[3].weight_kg``).
        table.add_row(
            *(
                Text(row[c])
                for c in ("instance", "status", "jobs", "vehicles", "cost", "valid", "seconds")
            )
        )
    console = Console(width=max(100, Console().width))
    console.print(table)
    failed = [r for r in rows if r["status"] != "ok"]
    for row in failed:
        error = row["error"] if len(row["error"]) <= 200 else row["error"][:197] + "..."
        console.print(Text.assemble(("failed ", "red"), f"{row['instance']}: {error}"))
    ok = len(rows) - len(failed)
    typer.echo(f"{ok} ok, {len(failed)} failed; plans and summary.csv in {out}", err=True)


__all__ = ["batch", "find_instance_files", "serve"]
