"""Solve many instances in parallel: a process pool on one machine, or Ray across a cluster.

``solve_many(paths_or_instances, time_limit_s=..., seed=..., workers=N)`` yields one
:class:`BatchResult` per instance as each finishes. Three rules shape it:

- *A failure stays with its instance.* An unreadable file, an instance no plan can serve, a solver
  bug or a worker process that dies is reported in that instance's result, and the batch goes on.
  A worker that dies takes the pool with it; the instances then in flight are solved again, each
  alone in a fresh process, so the crash is pinned on the instance that causes it.
- *Every plan is checked here.* Workers send back the plan as native JSON (what the files hold);
  this process rebuilds it and runs the independent validator (:func:`optimizer.validate`) against
  its own copy of the instance. A plan that fails is a failed result, with the violation codes.
- *Parallel does not mean irreproducible.* Each solve gets the same seed and time limit it would
  get alone, and the solver's budget is counted in work, not wall time; keep ``workers`` at most
  the number of cores, or the wall-clock safety cap may cut searches short (``meta.stopped_by``).

Why processes with ``spawn``: OR-Tools is not fork-safe once used, and a solve is CPU-bound, so
threads would queue on the GIL. Why Ray, and only as an option: it spreads the same tasks over a
cluster with one call, but it is a large dependency that one machine does not need (install the
``ray`` extra; it is imported only when asked for).
"""

from __future__ import annotations

import logging
import multiprocessing
import time
from collections.abc import Hashable, Iterable, Iterator, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol

from .errors import InputError, Issue, OptimizerError
from .model import Instance
from .procutil import exit_with_parent
from .solution import Solution

if TYPE_CHECKING:
    from .validator import Report

BatchStatus = Literal["ok", "failed"]
#: What a worker sends back when its process died instead of answering.
_BROKEN: dict[str, Any] = {"status": "broken"}
WORKER_DIED = "the worker process died (crash or out of memory)"


class MissingDependencyError(OptimizerError):
    """An optional dependency (Ray) is asked for but not installed."""

    code = "missing_dependency"


class BackendError(OptimizerError):
    """The parallel backend could not be started or reached (e.g. no Ray cluster at the address)."""

    code = "backend_unavailable"


@dataclass(frozen=True)
class BatchResult:
    """The outcome of one instance of a batch.

    ``status`` is ``ok`` when a plan came back *and* passed the validator; otherwise ``failed``
    with ``error`` saying why (a plan that fails validation is kept in ``solution`` and
    ``report`` for inspection). ``report`` is the validator's verdict computed in this process:
    its ``totals`` are the figures to trust. ``seconds`` is the solve's wall time in its worker
    (0 when the instance could not be read). ``index`` is the position in the input: results
    arrive in the order they finish.
    """

    index: int
    name: str
    status: BatchStatus
    seconds: float
    solution: Solution | None = None
    report: Report | None = None
    error: str | None = None
    #: Jobs plus shipments of the instance (``None`` when it could not be read).
    jobs: int | None = None
    source: str | None = None

    @property
    def valid(self) -> bool:
        """True when the validator found no violation in the plan."""
        return self.report is not None and self.report.feasible


# ----------------------------------------------------------------------------------------------
# The task that runs in a worker (a process of the pool, or a Ray worker)


def solve_task(instance: Instance, time_limit_s: float, seed: int) -> dict[str, Any]:
    """Solve one instance; never raises (a failure is data, so one bad instance cannot break the
    pool). Returns ``status`` ``ok`` with the plan as native JSON data, or ``failed`` with a
    one-line ``message``; ``seconds`` either way."""
    from .formats.native import solution_to_dict
    from .solver import solve

    started = time.perf_counter()
    try:
        plan = solve(instance, time_limit_s=time_limit_s, seed=seed)
        data = solution_to_dict(plan)
    except Exception as e:  # reported in this instance's result; the batch goes on
        return {
            "status": "failed",
            "message": _one_line(e),
            "seconds": time.perf_counter() - started,
        }
    return {"status": "ok", "solution": data, "seconds": time.perf_counter() - started}


def _one_line(err: BaseException) -> str:
    text = " ".join(str(err).split())
    # The package's own errors speak for themselves; anything else is a bug: name its type.
    if isinstance(err, OptimizerError) and text:
        return text
    return f"{type(err).__name__}: {text}" if text else type(err).__name__


# ----------------------------------------------------------------------------------------------
# Backends: where the tasks run


class _Backend(Protocol):
    #: Tasks kept in flight: enough to keep every worker busy, few enough to bound memory.
    capacity: int

    def submit(
        self, instance: Instance, time_limit_s: float, seed: int, *, isolated: bool = False
    ) -> Hashable: ...

    def wait_any(self, handles: Sequence[Hashable]) -> list[tuple[Hashable, dict[str, Any]]]: ...

    def close(self, *, early: bool) -> None: ...


class _ProcessBackend:
    """A ``spawn`` process pool; an instance retried after a crash gets a one-process pool of its
    own, so a second crash is certainly its own."""

    def __init__(self, workers: int) -> None:
        self._ctx = multiprocessing.get_context("spawn")
        self._workers = workers
        self._pool = self._new_pool(workers)
        self._solo: dict[Future[dict[str, Any]], ProcessPoolExecutor] = {}
        self.capacity = 2 * workers

    def submit(
        self, instance: Instance, time_limit_s: float, seed: int, *, isolated: bool = False
    ) -> Hashable:
        if isolated:
            pool = self._new_pool(1)
            future = pool.submit(solve_task, instance, time_limit_s, seed)
            self._solo[future] = pool
            return future
        try:
            return self._pool.submit(solve_task, instance, time_limit_s, seed)
        except BrokenProcessPool:
            self._renew()
            return self._pool.submit(solve_task, instance, time_limit_s, seed)

    def _renew(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self._pool = self._new_pool(self._workers)

    def _new_pool(self, workers: int) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=workers, mp_context=self._ctx, initializer=exit_with_parent
        )

    def wait_any(self, handles: Sequence[Hashable]) -> list[tuple[Hashable, dict[str, Any]]]:
        futures: list[Future[dict[str, Any]]] = list(handles)  # type: ignore[arg-type]
        done, _ = wait(futures, return_when=FIRST_COMPLETED)
        out: list[tuple[Hashable, dict[str, Any]]] = []
        for future in done:
            solo = self._solo.pop(future, None)
            if solo is not None:
                solo.shutdown(wait=False)
            try:
                outcome = future.result()
            except BrokenProcessPool:
                # Renew the shared pool once: its other futures break too, and one of an
                # older pool must not replace a pool renewed since.
                if solo is None and getattr(self._pool, "_broken", False):
                    self._renew()
                outcome = dict(_BROKEN)
            except Exception as e:  # e.g. an instance that would not pickle
                outcome = {"status": "failed", "message": _one_line(e), "seconds": 0.0}
            out.append((future, outcome))
        return out

    def close(self, *, early: bool) -> None:
        for pool in [self._pool, *self._solo.values()]:
            pool.shutdown(wait=not early, cancel_futures=early)


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise MissingDependencyError(
            'Ray is not installed: pip install "optimizer[ray]" (or pip install ray), or leave'
            " out --ray / ray_address to use the process pool"
        ) from None
    return ray


#: Seconds to wait for a Ray head node to accept a TCP connection before giving up.
RAY_CONNECT_TIMEOUT_S = 5.0


def _check_reachable(address: str) -> None:
    """Fail fast on a ``host:port`` or ``ray://host:port`` address nothing listens on.

    Why: ``ray.init`` retries an unreachable head node for minutes, printing a warning every few
    seconds; a user who mistyped the address deserves one line at once.
    """
    import socket

    target = address.removeprefix("ray://")
    host, sep, port = target.rpartition(":")
    if not sep or not port.isdigit() or not host:
        return  # "local", "auto" or a form Ray resolves itself
    try:
        socket.create_connection((host, int(port)), timeout=RAY_CONNECT_TIMEOUT_S).close()
    except OSError as e:
        raise BackendError(f"Ray at {address!r}: nothing answers there ({e})") from None


class _RayBackend:
    """``ray.remote`` tasks. Joins the Ray session already open in this process if there is one;
    otherwise starts a local Ray (``"local"``) or connects to ``address`` (``"auto"``, a head
    node's ``host:port`` or a ``ray://`` client address), and closes what it opened."""

    def __init__(self, address: str, workers: int) -> None:
        ray = self._ray = _import_ray()
        self._opened = False
        if not ray.is_initialized():
            _check_reachable(address)
            try:
                if address == "local":
                    ray.init(
                        num_cpus=workers, include_dashboard=False, logging_level=logging.WARNING
                    )
                else:
                    ray.init(address=address, logging_level=logging.WARNING)
            except Exception as e:
                raise BackendError(
                    f"Ray at {address!r}: cannot start or connect: {_one_line(e)}"
                ) from None
            self._opened = True
        # A task whose worker dies is retried once by Ray itself (max_retries), the same rule as
        # the process pool.
        self._remote = ray.remote(num_cpus=1, max_retries=1)(solve_task)
        cpus = int(ray.cluster_resources().get("CPU", workers))
        self.capacity = 2 * max(workers, cpus)

    def submit(
        self, instance: Instance, time_limit_s: float, seed: int, *, isolated: bool = False
    ) -> Hashable:
        ref: Hashable = self._remote.remote(instance, time_limit_s, seed)
        return ref

    def wait_any(self, handles: Sequence[Hashable]) -> list[tuple[Hashable, dict[str, Any]]]:
        ready, _ = self._ray.wait(list(handles), num_returns=1)
        out: list[tuple[Hashable, dict[str, Any]]] = []
        for ref in ready:
            try:
                outcome = self._ray.get(ref)
            except Exception as e:  # the task's worker died twice, or the cluster went away
                outcome = {
                    "status": "failed",
                    "message": f"{WORKER_DIED}: {_one_line(e)}",
                    "seconds": 0.0,
                }
            out.append((ref, outcome))
        return out

    def close(self, *, early: bool) -> None:
        if self._opened:
            self._ray.shutdown()


# ----------------------------------------------------------------------------------------------
# The batch


@dataclass(frozen=True)
class _Pending:
    index: int
    name: str
    instance: Instance
    source: str | None
    retried: bool = False


def solve_many(
    instances: Iterable[str | Path | Instance],
    time_limit_s: float = 10.0,
    seed: int = 0,
    workers: int = 1,
    ray_address: str | None = None,
    *,
    format: str | None = None,
    names: Sequence[str] | None = None,
) -> Iterator[BatchResult]:
    """Solve every instance in parallel and yield a validated :class:`BatchResult` as each finishes.

    Parameters
    ----------
    instances
        Files in any supported format (read here, in this process, so a bad file fails alone)
        or :class:`~optimizer.Instance` objects. Consumed lazily: at most a few per worker are
        held in memory at once.
    time_limit_s, seed
        Passed to :func:`optimizer.solve` for every instance.
    workers
        Worker processes on this machine; with Ray, the CPUs of a local Ray (``"local"``).
    ray_address
        ``None``: a process pool. ``"local"``: start Ray on this machine. ``"auto"`` or an
        address: join that Ray cluster (every node needs this package installed). If Ray is
        already initialised in this process, that session is used.
    format
        Instance format of the files (default: detected per file).
    names
        A name per instance for the results (default: the file stem or the instance's name).

    Examples
    --------
    >>> from optimizer.batch import solve_many
    >>> for r in solve_many(["a.json", "b.json"], time_limit_s=5, workers=2):  # doctest: +SKIP
    ...     print(r.name, r.status, r.report.totals.cost["total"] if r.valid else r.error)
    """
    if not time_limit_s > 0:
        raise InputError(Issue("time_limit_s", "must be > 0", time_limit_s))
    if workers < 1:
        raise InputError(Issue("workers", "must be >= 1", workers))
    backend: _Backend = (
        _ProcessBackend(workers) if ray_address is None else _RayBackend(ray_address, workers)
    )
    return _run(backend, instances, time_limit_s, seed, format, names)


def _run(
    backend: _Backend,
    instances: Iterable[str | Path | Instance],
    time_limit_s: float,
    seed: int,
    format: str | None,
    names: Sequence[str] | None,
) -> Iterator[BatchResult]:
    inflight: dict[Hashable, _Pending] = {}
    finished = False
    try:
        for index, item in enumerate(instances):
            source = None if isinstance(item, Instance) else str(item)
            name = names[index] if names is not None else _name(item)
            try:
                inst = item if isinstance(item, Instance) else _load(item, format)
            except Exception as e:  # unreadable: this instance fails, the batch goes on
                yield BatchResult(index, name, "failed", 0.0, error=_one_line(e), source=source)
                continue
            pending = _Pending(index, name, inst, source)
            inflight[backend.submit(inst, time_limit_s, seed)] = pending
            while len(inflight) >= backend.capacity:
                yield from _collect(backend, inflight, time_limit_s, seed)
        while inflight:
            yield from _collect(backend, inflight, time_limit_s, seed)
        finished = True
    finally:
        backend.close(early=not finished)


def _collect(
    backend: _Backend, inflight: dict[Hashable, _Pending], time_limit_s: float, seed: int
) -> Iterator[BatchResult]:
    for handle, outcome in backend.wait_any(list(inflight)):
        pending = inflight.pop(handle)
        if outcome.get("status") == "broken":
            if not pending.retried:
                retry = backend.submit(pending.instance, time_limit_s, seed, isolated=True)
                inflight[retry] = replace(pending, retried=True)
                continue
            outcome = {"status": "failed", "message": WORKER_DIED, "seconds": 0.0}
        yield _result(pending, outcome)


def _result(pending: _Pending, outcome: dict[str, Any]) -> BatchResult:
    """Turn a worker's outcome into a result, validating the plan here against our instance."""
    from .formats.native import solution_from_dict
    from .validator import validate

    inst = pending.instance
    base = BatchResult(
        pending.index,
        pending.name,
        "failed",
        float(outcome.get("seconds") or 0.0),
        jobs=len(inst.jobs) + len(inst.shipments),
        source=pending.source,
    )
    if outcome.get("status") != "ok":
        return replace(base, error=str(outcome.get("message", "failed")))
    try:
        solution = solution_from_dict(outcome["solution"])
        report = validate(inst, solution)
    except Exception as e:  # a plan that does not even read back is the solver's bug
        return replace(base, error=f"the plan could not be checked: {_one_line(e)}")
    if not report.feasible:
        codes = ", ".join(sorted(report.codes()))
        return replace(
            base, solution=solution, report=report, error=f"the plan fails validation: {codes}"
        )
    return replace(base, status="ok", solution=solution, report=report)


def _name(item: str | Path | Instance) -> str:
    if isinstance(item, Instance):
        return item.name
    return Path(item).stem


def _load(path: str | Path, format: str | None) -> Instance:
    from .formats import load

    return load(path, format)


__all__ = ["BackendError", "BatchResult", "MissingDependencyError", "solve_many", "solve_task"]
