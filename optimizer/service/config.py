"""Settings of the HTTP service, in one frozen object built once by ``optimizer serve``.

Why a dataclass and not globals: the tests and the load benchmark start several services with
different limits in one machine, and each app must see only its own settings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import InputError, Issue

#: Environment variables that ``optimizer serve`` (and :meth:`ServiceConfig.from_env`) reads.
ENV_API_KEY = "OPTIMIZER_API_KEY"
ENV_DB = "OPTIMIZER_DB"
ENV_MAX_TIME_LIMIT_S = "OPTIMIZER_MAX_TIME_LIMIT_S"
ENV_MAX_BODY_MB = "OPTIMIZER_MAX_BODY_MB"
ENV_WORKERS = "OPTIMIZER_WORKERS"

BYTES_PER_MB = 1_000_000


@dataclass(frozen=True)
class ServiceConfig:
    """What an operator can set. Every limit is checked here, so the app never starts half-configured.

    ``workers`` is the number of solver processes: the bound on solves running at once (jobs and
    synchronous ``/solve`` requests share them). ``max_waiting_solves`` bounds the synchronous
    requests waiting for a worker; past it ``/solve`` answers 503 instead of piling up connections
    (queued jobs are not bounded: they wait in the database, not in memory).
    """

    db_path: Path = Path("optimizer-jobs.sqlite3")
    api_key: str | None = None
    max_time_limit_s: float = 300.0
    default_time_limit_s: float = 10.0
    max_body_mb: float = 20.0
    workers: int = 1
    max_waiting_solves: int = 16
    #: A job interrupted this many times (service stopped or worker died mid-solve) is failed
    #: rather than retried, so one poisonous instance cannot crash-loop the service.
    max_attempts: int = 3

    def __post_init__(self) -> None:
        issues = []
        if not self.max_time_limit_s > 0:
            issues.append(Issue("max_time_limit_s", "must be > 0", self.max_time_limit_s))
        if not self.default_time_limit_s > 0:
            issues.append(Issue("default_time_limit_s", "must be > 0", self.default_time_limit_s))
        if not self.max_body_mb > 0:
            issues.append(Issue("max_body_mb", "must be > 0", self.max_body_mb))
        if self.workers < 1:
            issues.append(Issue("workers", "must be >= 1", self.workers))
        if self.max_waiting_solves < 0:
            issues.append(Issue("max_waiting_solves", "must be >= 0", self.max_waiting_solves))
        if self.max_attempts < 1:
            issues.append(Issue("max_attempts", "must be >= 1", self.max_attempts))
        if issues:
            raise InputError(issues, "service configuration")
        if self.api_key == "":
            object.__setattr__(self, "api_key", None)  # an empty key would lock nobody out
        # A default above the cap would make every request without a time limit fail.
        object.__setattr__(
            self, "default_time_limit_s", min(self.default_time_limit_s, self.max_time_limit_s)
        )

    @property
    def max_body_bytes(self) -> int:
        return int(self.max_body_mb * BYTES_PER_MB)

    @classmethod
    def from_env(cls) -> ServiceConfig:
        """Settings from the ``OPTIMIZER_*`` environment variables (for ``uvicorn --factory``)."""
        env = os.environ
        default = cls()
        try:
            return cls(
                db_path=Path(env.get(ENV_DB, str(default.db_path))),
                api_key=env.get(ENV_API_KEY) or None,
                max_time_limit_s=float(env.get(ENV_MAX_TIME_LIMIT_S, default.max_time_limit_s)),
                max_body_mb=float(env.get(ENV_MAX_BODY_MB, default.max_body_mb)),
                workers=int(env.get(ENV_WORKERS, default.workers)),
            )
        except ValueError as e:
            if isinstance(e, InputError):
                raise
            raise InputError(Issue("environment", str(e), has_value=False)) from None
