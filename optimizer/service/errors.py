"""One JSON shape for every failure the service reports, built from the package's own errors.

Why: a client should handle a bad time limit, a schema violation in the 40th job and a missing API
key with the same code. Every body has ``code`` (stable, machine-readable: the same codes as
:mod:`optimizer.errors`, plus the service's own), ``message`` (one line for a person) and, where
one field is at fault, ``field`` (the JSON path, as the CLI prints it) and ``value``. Input errors
list every problem in ``errors``, each with ``field``, ``message`` and ``value``::

    {"code": "invalid_input", "message": "jobs[0].weight_kg: must be >= 0, got -5",
     "field": "jobs[0].weight_kg", "value": -5,
     "errors": [{"field": "jobs[0].weight_kg", "message": "must be >= 0", "value": -5}]}
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

from ..errors import InputError, Issue

#: The longest JSON text of an offending value echoed back; longer ones are shortened to a preview
#: (a user needs to recognise the value, not receive their 5,000-job array again).
MAX_VALUE_CHARS = 200

#: HTTP status of an error reported by a solver worker, by code. Anything else is the service's
#: fault: 500.
WORKER_STATUS: Mapping[str, int] = {
    "invalid_input": 422,
    "unreadable_input": 422,
    "infeasible": 422,
}


class _Missing:
    """Marks "no offending value" apart from a JSON ``null`` value."""


MISSING: Any = _Missing()


class ServiceError(Exception):
    """An error answered as JSON with ``status_code``; raised anywhere in a request's handling."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        *,
        field: str | None = None,
        value: Any = MISSING,
        errors: list[dict[str, Any]] | None = None,
        extra: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        #: HTTP headers of the answer (``Retry-After`` on a 503).
        self.headers = dict(headers or {})
        self.status_code = status_code
        self.code = code
        self.message = message
        self.field = field
        self.value = value
        self.errors = errors
        self.extra = dict(extra or {})

    def body(self) -> dict[str, Any]:
        """The JSON body: code, message, field and value where known, then the details."""
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field is not None:
            out["field"] = self.field
        if self.value is not MISSING:
            out["value"] = jsonable_value(self.value)
        if self.errors is not None:
            out["errors"] = self.errors
        out.update(self.extra)
        return out


def jsonable_value(value: Any) -> Any:
    """``value`` as JSON can carry it, shortened to a preview when its text is long."""
    try:
        text = json.dumps(value, allow_nan=False)
    except (TypeError, ValueError):
        text = json.dumps(str(value))
        value = str(value)
    if len(text) <= MAX_VALUE_CHARS:
        return value
    return text[: MAX_VALUE_CHARS - 3] + "..."


def issue_dicts(issues: Iterable[Issue]) -> list[dict[str, Any]]:
    """The package's issues in the service's spelling (``field`` for the path)."""
    out = []
    for i in issues:
        item: dict[str, Any] = {"field": i.path, "message": i.message}
        if i.has_value:
            item["value"] = jsonable_value(i.value)
        out.append(item)
    return out


def from_issues(
    issues: Iterable[Issue], *, code: str = "invalid_input", status_code: int = 422
) -> ServiceError:
    """A 422 naming the first offending field and listing every issue."""
    items = list(issues)
    first = items[0]
    message = str(first) if len(items) == 1 else f"{len(items)} problems; first: {first}"
    return ServiceError(
        status_code,
        code,
        message,
        field=first.path,
        value=first.value if first.has_value else MISSING,
        errors=issue_dicts(items),
    )


def from_input_error(err: InputError, prefix: str = "") -> ServiceError:
    """An :class:`InputError` (or :class:`FormatError`) seen from ``prefix`` in the request body."""
    return from_issues(err.under(prefix).issues, code=err.code)


def invalid(field: str, message: str, value: Any = MISSING) -> ServiceError:
    """A 422 for one bad request field (a parameter, not part of the instance)."""
    return from_issues(
        [Issue(field, message, None if value is MISSING else value, value is not MISSING)]
    )


def from_worker(error: Mapping[str, Any]) -> ServiceError:
    """The error dict a worker returned (see :mod:`optimizer.service.worker`) as a ServiceError."""
    code = str(error.get("code", "solver_error"))
    errors = error.get("errors")
    first = errors[0] if isinstance(errors, list) and errors else {}
    extra = {k: v for k, v in error.items() if k not in ("code", "message", "errors")}
    return ServiceError(
        WORKER_STATUS.get(code, 500),
        code,
        str(error.get("message", code)),
        field=first.get("field"),
        value=first.get("value", MISSING),
        errors=errors if isinstance(errors, list) else None,
        extra=extra,
    )
