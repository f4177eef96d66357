"""The solver pool behind the service: bounded concurrency, the job dispatcher, crash recovery.

Why a process pool (``spawn``) and not threads: a solve is CPU-bound Python plus OR-Tools, which
would hold the GIL and stall the event loop; a separate process also keeps a crash in native code
away from the server. ``workers`` processes run at most ``workers`` solves at once; synchronous
``/solve`` requests and queued jobs take turns for them through one semaphore, and the dispatcher
claims a job from the database only when a worker is free, so queued jobs wait on disk, not in
memory.
"""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any

from .config import ServiceConfig
from .errors import ServiceError
from .store import Job, JobStore
from .worker import ping, solve_json, warm_up

log = logging.getLogger("uvicorn.error")

WORKER_DIED = {
    "code": "worker_died",
    "message": "the solver process died during this solve (crash or out of memory)",
}


class Runner:
    """Owns the worker pool and the job dispatcher of one running service."""

    def __init__(self, config: ServiceConfig, store: JobStore) -> None:
        self.config = config
        self.store = store
        self._pool = self._new_pool()
        self._slots = asyncio.Semaphore(config.workers)
        self._wake = asyncio.Event()
        self._waiting = 0
        self._running = 0
        self._dispatcher: asyncio.Task[None] | None = None
        self._job_tasks: set[asyncio.Task[None]] = set()

    def _new_pool(self) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=self.config.workers,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=warm_up,
        )

    # -- life cycle ---------------------------------------------------------------------------
    async def start(self) -> None:
        """Recover interrupted jobs, start the workers, then the dispatcher."""
        requeued, failed = self.store.recover(self.config.max_attempts)
        if requeued or failed:
            log.info("job queue: %d interrupted job(s) queued again, %d failed", requeued, failed)
        for _ in range(self.config.workers):
            self._pool.submit(ping)  # the pool starts its processes lazily: start them now
        self._dispatcher = asyncio.create_task(self._dispatch(), name="job-dispatcher")

    async def stop(self) -> None:
        """Stop at once: running jobs stay ``running`` in the database and are rerun on restart.

        Why not wait for them: a solve may take minutes, and a rerun gives the same plan.
        """
        tasks = [t for t in (self._dispatcher, *self._job_tasks) if t is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._terminate(self._pool)

    @staticmethod
    def _terminate(pool: ProcessPoolExecutor) -> None:
        # The executor has no public way to stop a running task; its own processes are the
        # exact set to end (never anything found by name).
        processes: dict[int, Any] = dict(getattr(pool, "_processes", None) or {})
        for process in processes.values():
            if process.is_alive():
                process.terminate()
        pool.shutdown(wait=False, cancel_futures=True)

    # -- solving ------------------------------------------------------------------------------
    @property
    def running(self) -> int:
        return self._running

    @property
    def waiting(self) -> int:
        return self._waiting

    async def solve_now(self, instance_json: str, time_limit_s: float, seed: int) -> dict[str, Any]:
        """Solve for a synchronous request: wait for a free worker (bounded), then solve."""
        if self._waiting >= self.config.max_waiting_solves and self._slots.locked():
            raise ServiceError(
                503,
                "busy",
                f"all {self.config.workers} solver worker(s) are busy and"
                f" {self._waiting} request(s) are waiting; retry later or use POST /jobs",
                field="workers",
                value=self._waiting,
                headers={"Retry-After": str(self.config.retry_after_s)},
            )
        self._waiting += 1
        try:
            await self._slots.acquire()
        finally:
            self._waiting -= 1
        try:
            return await self._run(instance_json, time_limit_s, seed)
        finally:
            self._slots.release()

    def wake(self) -> None:
        """Tell the dispatcher a job was queued."""
        self._wake.set()

    async def _run(self, instance_json: str, time_limit_s: float, seed: int) -> dict[str, Any]:
        pool = self._pool
        self._running += 1
        try:
            future = pool.submit(solve_json, instance_json, time_limit_s, seed)
            result: dict[str, Any] = await asyncio.wrap_future(future)
            return result
        except BrokenProcessPool:
            # A worker died (native crash, out of memory): every solve on that pool is lost.
            # Replace the pool once; the other solves that shared it see the same error.
            if self._pool is pool:
                log.error("a solver worker died; starting a new pool")
                self._pool = self._new_pool()
                self._terminate(pool)
            return {"status": "failed", "error": dict(WORKER_DIED)}
        finally:
            self._running -= 1

    async def _dispatch(self) -> None:
        """Forever: wait for a free worker, claim the oldest queued job, run it."""
        while True:
            await self._slots.acquire()
            self._wake.clear()  # before the claim: a job queued after it sets the event again
            job = self.store.claim_next()
            if job is None:
                self._slots.release()
                await self._wake.wait()
                continue
            task = asyncio.create_task(self._run_job(job), name=f"job-{job.id}")
            self._job_tasks.add(task)
            task.add_done_callback(self._job_tasks.discard)

    async def _run_job(self, job: Job) -> None:
        try:
            outcome = await self._run(job.instance_json, job.time_limit_s, job.seed)
            if (
                outcome.get("error", {}).get("code") == WORKER_DIED["code"]
                and job.attempts < self.config.max_attempts
            ):
                self.store.requeue(job.id)  # maybe another job's crash: try again, bounded
                self.wake()
            else:
                self.store.finish(job.id, outcome)
        finally:
            self._slots.release()
