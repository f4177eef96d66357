"""Settings of the HTTP service, in one frozen object built once by ``optimizer serve``.

Why a dataclass and not globals: the tests and the load benchmark start several services with
different limits in one machine, and each app must see only its own settings.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, Issue

#: Environment variables that ``optimizer serve`` (the first five) and
#: :meth:`ServiceConfig.from_env` (all) read.
ENV_API_KEY = "OPTIMIZER_API_KEY"
ENV_DB = "OPTIMIZER_DB"
ENV_MAX_TIME_LIMIT_S = "OPTIMIZER_MAX_TIME_LIMIT_S"
ENV_MAX_BODY_MB = "OPTIMIZER_MAX_BODY_MB"
ENV_WORKERS = "OPTIMIZER_WORKERS"
ENV_DEFAULT_TIME_LIMIT_S = "OPTIMIZER_DEFAULT_TIME_LIMIT_S"
ENV_MAX_WAITING_SOLVES = "OPTIMIZER_MAX_WAITING_SOLVES"
ENV_MAX_ATTEMPTS = "OPTIMIZER_MAX_ATTEMPTS"
ENV_MAX_QUEUED_JOBS = "OPTIMIZER_MAX_QUEUED_JOBS"
#: Days; ``0`` keeps finished jobs forever (as ``--keep-days 0``).
ENV_KEEP_DAYS = "OPTIMIZER_KEEP_DAYS"
#: Host names separated by commas or spaces; ``*`` accepts any.
ENV_ALLOWED_HOSTS = "OPTIMIZER_ALLOWED_HOSTS"
ENV_RETRY_AFTER_S = "OPTIMIZER_RETRY_AFTER_S"
#: Every :class:`ServiceConfig` field and the variable that sets it in :meth:`~ServiceConfig.from_env`.
ENV_VARS: dict[str, str] = {
    "db_path": ENV_DB,
    "api_key": ENV_API_KEY,
    "max_time_limit_s": ENV_MAX_TIME_LIMIT_S,
    "default_time_limit_s": ENV_DEFAULT_TIME_LIMIT_S,
    "max_body_mb": ENV_MAX_BODY_MB,
    "workers": ENV_WORKERS,
    "max_waiting_solves": ENV_MAX_WAITING_SOLVES,
    "max_attempts": ENV_MAX_ATTEMPTS,
    "max_queued_jobs": ENV_MAX_QUEUED_JOBS,
    "keep_days": ENV_KEEP_DAYS,
    "allowed_hosts": ENV_ALLOWED_HOSTS,
    "retry_after_s": ENV_RETRY_AFTER_S,
}
#: Fields read from their variable as integers (the others as numbers, text or host lists).
_INT_FIELDS = frozenset(
    {"workers", "max_waiting_solves", "max_attempts", "max_queued_jobs", "retry_after_s"}
)

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
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceConfig:
        """Settings from the ``OPTIMIZER_*`` environment variables (for ``uvicorn --factory``).

        Every field has its variable (:data:`ENV_VARS`); an unset one keeps the default. Why every
        field: under ``uvicorn --factory`` the environment is the only way in, so a setting
        without a variable (the queue bound, the retention) could not be changed there at all.
        All bad values are reported at once, each with its variable and the text found.
        """
        env = os.environ if env is None else env
        issues: list[Issue] = []
        values: dict[str, Any] = {}
        for name, var in ENV_VARS.items():
            raw = env.get(var)
            if raw is None:
                continue
            text = raw.strip()
            if name == "api_key":
                values[name] = raw or None  # empty: no key (as `optimizer serve` reads it)
            elif name == "db_path":
                if text:
                    values[name] = Path(text)
                else:
                    issues.append(Issue(var, "must name the job database file", raw))
            elif name == "allowed_hosts":
                values[name] = tuple(h for h in re.split(r"[,\s]+", text) if h)
            elif name in _INT_FIELDS:
                if re.fullmatch(r"[+-]?[0-9]{1,18}", text):
                    values[name] = int(text)
                else:
                    issues.append(Issue(var, "must be an integer", raw))
            else:
                try:
                    number = float(text)
                except ValueError:
                    number = math.nan
                if not math.isfinite(number):
                    issues.append(Issue(var, "must be a finite number", raw))
                elif name == "keep_days" and number == 0:
                    values[name] = None  # 0 keeps finished jobs, as --keep-days 0
                else:
                    values[name] = number
        try:
            config = cls(**values)
        except InputError as e:  # a field's own check: name the variable that set it
            issues += [
                Issue(ENV_VARS[i.path], i.message, env[ENV_VARS[i.path]], i.has_value)
                if i.path in values
                else i
                for i in e.issues
            ]
        if issues:
            raise InputError(issues, "environment")
        return config
