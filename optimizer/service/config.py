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
#: Host header names a service answers to by default: the loopback ones. A service bound to another
#: address must name its public host names (``--allow-host``), so that a DNS-rebinding page in a
#: user's browser cannot reach a service on that user's machine under a name of its own.
LOOPBACK_HOSTS = ("localhost", "127.0.0.1", "::1", "[::1]")


def is_loopback(host: str) -> bool:
    """Whether binding to ``host`` keeps the service on this machine."""
    import ipaddress

    if host.lower() in ("localhost", "[::1]"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


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
    #: Jobs waiting in the database at most; past it ``POST /jobs`` answers 503 with Retry-After
    #: (each job holds its instance, up to ``max_body_mb``: the queue must not fill the disk).
    max_queued_jobs: int = 100
    #: Finished jobs (done or failed) are deleted this many days after they finished; None keeps
    #: them forever.
    keep_days: float | None = 7.0
    #: Host header names accepted besides the loopback ones; ``"*"`` accepts any.
    allowed_hosts: tuple[str, ...] = ()
    #: Seconds a client is told to wait (Retry-After) when the service is busy.
    retry_after_s: int = 5

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
        if self.max_queued_jobs < 1:
            issues.append(Issue("max_queued_jobs", "must be >= 1", self.max_queued_jobs))
        if self.keep_days is not None and not self.keep_days > 0:
            issues.append(Issue("keep_days", "must be > 0", self.keep_days))
        if self.retry_after_s < 1:
            issues.append(Issue("retry_after_s", "must be >= 1", self.retry_after_s))
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

    def host_allowed(self, host: str) -> bool:
        """Whether a request's Host header (port included or not) names this service."""
        if "*" in self.allowed_hosts:
            return True
        name = host.strip().lower()
        if name.startswith("["):
            name = name[: name.find("]") + 1] if "]" in name else name
        elif name.count(":") == 1:
            name = name.split(":", 1)[0]
        return name in LOOPBACK_HOSTS or name in {h.lower() for h in self.allowed_hosts}

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
