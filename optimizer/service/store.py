"""The job queue: one SQLite table, so that a restart of the service loses no job.

Why SQLite (stdlib ``sqlite3``): the queue must outlive the process, and an embedded file needs no
server to install or run. A job is written (with its instance's JSON text) before ``POST /jobs``
answers, with ``synchronous=FULL``, so an accepted job survives a crash of the process or the
machine. On start, jobs left ``running`` by a stopped service are queued again
(:meth:`JobStore.recover`); since a solve is reproducible (same instance, seed and time limit, same
plan), running it again gives the answer the first run would have given.

One service per database file: :meth:`JobStore.recover` takes over every ``running`` job.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Literal

JobStatus = Literal["queued", "running", "done", "failed"]
STATUSES: tuple[JobStatus, ...] = ("queued", "running", "done", "failed")

#: Bumped when the table changes; ``PRAGMA user_version`` records it in the file.
SCHEMA_VERSION = 1
_SCHEMA = """
CREATE TABLE IF NOT EXISTS jobs (
    id            TEXT PRIMARY KEY,
    status        TEXT NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    created_at    TEXT NOT NULL,
    started_at    TEXT,
    finished_at   TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    instance_name TEXT,
    time_limit_s  REAL NOT NULL,
    seed          INTEGER NOT NULL,
    instance_json TEXT NOT NULL,
    result_json   TEXT,
    error_json    TEXT
);
CREATE INDEX IF NOT EXISTS jobs_by_status ON jobs (status, created_at);
"""


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass(frozen=True)
class Job:
    """A claimed job: what a worker needs to solve it."""

    id: str
    instance_json: str
    time_limit_s: float
    seed: int
    attempts: int


class JobStore:
    """Jobs in one SQLite file; every method is one short transaction, safe from any thread."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.parent and not self.path.parent.exists():
            self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            # Created readable by the owner only: jobs hold customers' addresses and plans.
            # SQLite gives its -wal and -shm files the same permissions.
            os.close(os.open(self.path, os.O_CREAT | os.O_WRONLY, 0o600))
        # One connection shared under a lock: statements take milliseconds, and the event loop
        # and the request threads both use it.
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        self._lock = threading.Lock()
        with self._lock:
            self._conn.execute("PRAGMA journal_mode=WAL")
            self._conn.execute("PRAGMA synchronous=FULL")
            self._conn.execute("PRAGMA busy_timeout=5000")
            version = self._conn.execute("PRAGMA user_version").fetchone()[0]
            if version not in (0, SCHEMA_VERSION):
                raise RuntimeError(
                    f"{self.path}: job database version {version}, this service reads {SCHEMA_VERSION}"
                )
            self._conn.executescript(_SCHEMA)
            self._conn.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def add(
        self, instance_json: str, time_limit_s: float, seed: int, instance_name: str | None
    ) -> str:
        """Queue a job and return its id (committed to disk before this returns)."""
        job_id = uuid.uuid4().hex
        with self._lock:
            self._conn.execute(
                "INSERT INTO jobs (id, status, created_at, instance_name, time_limit_s, seed,"
                " instance_json) VALUES (?, 'queued', ?, ?, ?, ?, ?)",
                (job_id, _now(), instance_name, time_limit_s, seed, instance_json),
            )
        return job_id

    def claim_next(self) -> Job | None:
        """Mark the oldest queued job running and return it; ``None`` when none is queued.

        One statement, so two claims can never take the same job.
        """
        with self._lock:
            row = self._conn.execute(
                "UPDATE jobs SET status = 'running', started_at = ?, attempts = attempts + 1"
                " WHERE id = (SELECT id FROM jobs WHERE status = 'queued' ORDER BY created_at, rowid LIMIT 1)"
                " RETURNING id, instance_json, time_limit_s, seed, attempts",
                (_now(),),
            ).fetchone()
        if row is None:
            return None
        return Job(
            row["id"],
            row["instance_json"],
            float(row["time_limit_s"]),
            int(row["seed"]),
            int(row["attempts"]),
        )

    def finish(self, job_id: str, outcome: Mapping[str, Any]) -> None:
        """Record a worker's outcome (``status`` done with ``result``, or failed with ``error``)."""
        status = "done" if outcome.get("status") == "done" else "failed"
        result = json.dumps(outcome["result"]) if status == "done" else None
        error = None if status == "done" else json.dumps(outcome.get("error", {}))
        # The instance is dropped once the job ended: nothing reads it again, and it is the bulk
        # of the row (up to the service's body limit).
        with self._lock:
            self._conn.execute(
                "UPDATE jobs SET status = ?, finished_at = ?, result_json = ?, error_json = ?,"
                " instance_json = '' WHERE id = ?",
                (status, _now(), result, error, job_id),
            )

    def purge(self, keep_days: float) -> int:
        """Delete the jobs that finished more than ``keep_days`` ago; returns how many."""
        cutoff = (datetime.now(UTC) - timedelta(days=keep_days)).isoformat(timespec="milliseconds")
        with self._lock:
            return int(
                self._conn.execute(
                    "DELETE FROM jobs WHERE status IN ('done', 'failed') AND finished_at < ?",
                    (cutoff,),
                ).rowcount
            )

    def requeue(self, job_id: str) -> None:
        """Put a job whose worker died back in the queue (it keeps its place by age)."""
        with self._lock:
            self._conn.execute(
                "UPDATE jobs SET status = 'queued', started_at = NULL WHERE id = ?", (job_id,)
            )

    def recover(self, max_attempts: int) -> tuple[int, int]:
        """On start: queue again the jobs a stopped service left running; fail those tried too often.

        Returns (requeued, failed).
        """
        error = json.dumps(
            {
                "code": "interrupted",
                "message": f"the service stopped or its worker died during this job {max_attempts}"
                " times; not retried",
            }
        )
        with self._lock:
            failed = self._conn.execute(
                "UPDATE jobs SET status = 'failed', finished_at = ?, error_json = ?"
                " WHERE status = 'running' AND attempts >= ?",
                (_now(), error, max_attempts),
            ).rowcount
            requeued = self._conn.execute(
                "UPDATE jobs SET status = 'queued', started_at = NULL WHERE status = 'running'"
            ).rowcount
        return requeued, failed

    def get(self, job_id: str) -> dict[str, Any] | None:
        """The public view of a job: status, times, settings, and its result or error when ended."""
        with self._lock:
            row = self._conn.execute(
                "SELECT id, status, created_at, started_at, finished_at, attempts, instance_name,"
                " time_limit_s, seed, result_json, error_json FROM jobs WHERE id = ?",
                (job_id,),
            ).fetchone()
        if row is None:
            return None
        out: dict[str, Any] = {
            "id": row["id"],
            "status": row["status"],
            "instance": row["instance_name"],
            "time_limit_s": row["time_limit_s"],
            "seed": row["seed"],
            "created_at": row["created_at"],
            "started_at": row["started_at"],
            "finished_at": row["finished_at"],
            "attempts": row["attempts"],
        }
        if row["result_json"] is not None:
            out["result"] = json.loads(row["result_json"])
        if row["error_json"] is not None:
            out["error"] = json.loads(row["error_json"])
        return out

    def counts(self) -> dict[str, int]:
        """Jobs per status (all four statuses, zeros included)."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT status, COUNT(*) AS n FROM jobs GROUP BY status"
            ).fetchall()
        found = {r["status"]: int(r["n"]) for r in rows}
        return {s: found.get(s, 0) for s in STATUSES}
