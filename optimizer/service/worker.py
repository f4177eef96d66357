"""What runs inside a solver worker process: plain JSON text in, plain data out.

Why a separate process and plain data: OR-Tools holds the GIL for long stretches and is not
fork-safe, so the server process never imports it; it hands the instance's JSON text to a worker
started with ``spawn`` and gets back dicts that pickle cheaply and go straight into the response or
the job database. A worker never raises: every failure comes back as an error dict with a ``code``
(:func:`error_dict`), so one bad solve cannot break the pool.
"""

from __future__ import annotations

import json
import time
from typing import Any

from ..errors import InputError, OptimizerError


def warm_up() -> None:
    """Pool initializer: exit with the server if it dies, and import the solver once per worker
    (before the first request pays for it)."""
    from ..procutil import exit_with_parent

    exit_with_parent()
    from .. import solver  # noqa: F401


def ping() -> bool:
    """A no-op task that makes the pool start its workers (they start lazily)."""
    return True


def error_dict(err: BaseException) -> dict[str, Any]:
    """A failure as the service's JSON error fields (``code``, ``message``, details)."""
    from .errors import issue_dicts

    text = " ".join(str(err).split())
    if isinstance(err, InputError):
        return {"code": err.code, "message": text, "errors": issue_dicts(err.issues)}
    if isinstance(err, OptimizerError):
        out: dict[str, Any] = {"code": err.code, "message": text}
        diagnosis = getattr(err, "diagnosis", None)  # InfeasibleError: why each job is unservable
        if isinstance(diagnosis, dict):
            out["unservable"] = diagnosis
        return out
    # A bug, not the user's fault: name the exception type, never the traceback.
    return {"code": "solver_error", "message": f"{type(err).__name__}: {text}"}


def solve_json(instance_json: str, time_limit_s: float, seed: int) -> dict[str, Any]:
    """Solve one native instance (JSON text) and validate the plan; never raises.

    Returns
    -------
    dict
        ``{"status": "done", "result": {"plan", "emissions", "validation", "seconds"}}`` where
        ``plan`` is the native solution JSON (what :func:`optimizer.save_solution` writes),
        ``emissions`` its carbon account (:func:`optimizer.carbon.accounting.account`) and
        ``validation`` the
        validator's report (``feasible``, ``violations``, recomputed ``totals``, ``summary``), or
        ``{"status": "failed", "error": {...}}``.
    """
    from ..carbon.accounting import account
    from ..formats.native import instance_from_dict, solution_to_dict
    from ..solver import solve
    from ..validator import validate

    started = time.perf_counter()
    try:
        inst = instance_from_dict(json.loads(instance_json))
        plan = solve(inst, time_limit_s=time_limit_s, seed=seed)
        report = validate(inst, plan)
        # The carbon account (ISO 14083 / GLEC) of the plan: a platform wants the footprint with
        # the plan, in one call. (The all-diesel baseline is a second solve: `optimizer report`.)
        emissions = account(inst, plan, report).to_dict()
    except Exception as e:  # reported to the client; the worker stays alive for the next solve
        return {"status": "failed", "error": error_dict(e)}
    return {
        "status": "done",
        "result": {
            "plan": solution_to_dict(plan),
            "emissions": emissions,
            "validation": {**report.to_dict(), "summary": report.summary()},
            "seconds": round(time.perf_counter() - started, 3),
        },
    }
