"""The HTTP API: FastAPI routes over the job store and the solver pool.

Why FastAPI: typed parameters become validated, documented query fields and an OpenAPI page
(``/docs``) with little code, on an ASGI server (uvicorn) whose event loop stays free while
worker processes solve. Request bodies are read raw and parsed by the package's own native loader,
not by pydantic models, so that a bad instance is reported with exactly the paths and messages
the CLI prints (``jobs[3].weight_kg: must be >= 0, got -5``), and the JSON Schema stays the one
source of truth for the format.

Routes: ``POST /solve``, ``POST /jobs``, ``GET /jobs/{id}``, ``POST /validate``, ``GET /health``,
``GET /schema/{kind}``. Every error is JSON (:mod:`optimizer.service.errors`).
"""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Query, Request, Security
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.security import APIKeyHeader
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from ..errors import InputError, Issue
from .config import ServiceConfig
from .errors import ServiceError, from_input_error, from_worker, invalid
from .runner import Runner
from .store import JobStore

log = logging.getLogger("uvicorn.error")


def _version() -> str:
    # The package's own version, which pyproject.toml reads too: the installed metadata is under
    # the distribution's name (evfleet-optimizer), and is stale in an editable checkout.
    from .. import __version__ as version

    return version


__version__ = _version()

API_KEY_HEADER = "X-API-Key"
_api_key_header = APIKeyHeader(
    name=API_KEY_HEADER,
    auto_error=False,
    description="Required when the service was started with an API key.",
)

#: Keys of the envelope form of ``/solve`` and ``/jobs`` bodies.
_SOLVE_FIELDS = ("instance", "time_limit_s", "seed")

_INSTANCE_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "description": (
                    "Either a native instance (the JSON Schema is at GET /schema/instance), or "
                    '{"instance": <native instance>, "time_limit_s": S, "seed": N}.'
                ),
            }
        }
    },
}
_VALIDATE_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["instance", "solution"],
                "properties": {
                    "instance": {"type": "object", "description": "a native instance"},
                    "solution": {"type": "object", "description": "a native plan"},
                },
            }
        }
    },
}
_ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"description": what + ": JSON with code, message, field and value"}
    for code, what in (
        (400, "Malformed JSON (also not UTF-8, or nested too deep), or a Host not served"),
        (401, "Missing or wrong API key"),
        (413, "Request body over the limit"),
        (415, "A body that is not application/json"),
        (422, "Invalid instance or parameter, a model above the size limits, or no plan"),
        (503, "Workers busy or job queue full (with Retry-After)"),
    )
}


#: Seeds are stored as SQLite integers (signed 64-bit).
MAX_SEED = 2**63

# Module level, not inside create_app: FastAPI resolves these annotations by name.
TimeLimit = Annotated[
    float | None,
    Query(gt=0, description="Search time in seconds (default and cap: GET /health)."),
]
Seed = Annotated[
    int | None,
    Query(
        ge=0,
        lt=MAX_SEED,
        description="Seed: same instance, seed and time limit, same plan (default 0).",
    ),
]


@dataclass(frozen=True)
class SolveRequest:
    """A checked ``/solve`` or ``/jobs`` request: the instance as JSON text plus its settings."""

    instance_json: str
    instance_name: str
    time_limit_s: float
    seed: int


# ----------------------------------------------------------------------------------------------
# Parsing (runs in a thread: large instances take a moment to check)


def _parse_json(body: bytes) -> Any:
    from ..formats.guard import MAX_JSON_DEPTH, json_depth

    def no_constants(name: str) -> Any:
        raise ValueError(f"{name} is not allowed in JSON")

    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise ServiceError(
            400,
            "invalid_json",
            f"body: is not UTF-8 text (byte {e.start})",
            field="body",
            extra={"byte": e.start},
        ) from None
    # Nesting is bounded before parsing: json.loads recurses, and a body of 100,000 "[" would
    # end in RecursionError (a 500) here or in the checks after it.
    depth = json_depth(text)
    if depth > MAX_JSON_DEPTH:
        raise ServiceError(
            400,
            "invalid_json",
            f"body: nests arrays and objects {depth} deep, above the limit of {MAX_JSON_DEPTH}",
            field="body",
            value=depth,
        )
    try:
        return json.loads(text, parse_constant=no_constants)
    except json.JSONDecodeError as e:
        raise ServiceError(
            400,
            "invalid_json",
            f"body: is not valid JSON: {e.msg} (line {e.lineno} column {e.colno})",
            field="body",
            extra={"line": e.lineno, "column": e.colno},
        ) from None
    except (ValueError, UnicodeDecodeError) as e:
        raise ServiceError(
            400, "invalid_json", f"body: is not valid JSON: {e}", field="body"
        ) from None


def _check_instance(doc: Any, prefix: str, time_limit_s: float) -> str:
    """Build the instance once to report every problem now; return its name."""
    from ..formats.native import instance_from_dict
    from ..limits import check_instance, check_time_limit

    try:
        inst = instance_from_dict(doc)
        check_instance(inst)  # refused now (422), not after waiting in the queue
    except InputError as e:
        raise from_input_error(e, prefix) from None
    try:
        check_time_limit(inst, time_limit_s)  # a request field, not one of the instance
    except InputError as e:
        raise from_input_error(e) from None
    return inst.name


def parse_solve_request(
    body: bytes, time_limit_s: float | None, seed: int | None, config: ServiceConfig
) -> SolveRequest:
    """Read a ``/solve`` or ``/jobs`` body: a bare instance, or the envelope with the settings.

    Settings may come as query parameters or as envelope fields, not both (which would win is
    a guess a client should not have to make).
    """
    doc = _parse_json(body)
    prefix = ""
    if isinstance(doc, dict) and "instance" in doc:
        unknown = sorted(set(doc) - set(_SOLVE_FIELDS))
        if unknown:
            raise invalid(
                unknown[0],
                "is not a known field (expected instance, time_limit_s, seed)",
                doc[unknown[0]],
            )
        for name, query in (("time_limit_s", time_limit_s), ("seed", seed)):
            if name in doc and query is not None:
                raise invalid(name, "is given both as a query parameter and in the body", doc[name])
        time_limit_s = _number(doc, "time_limit_s", time_limit_s)
        seed = _seed(doc, seed)
        doc, prefix = doc["instance"], "instance"
    if not isinstance(doc, dict):
        raise invalid(prefix or "body", "must be a JSON object (a native instance)", doc)
    limit = config.default_time_limit_s if time_limit_s is None else time_limit_s
    if limit > config.max_time_limit_s:
        raise invalid(
            "time_limit_s",
            f"must be <= {config.max_time_limit_s:g} (this service's limit)",
            limit,
        )
    name = _check_instance(doc, prefix, limit)
    return SolveRequest(json.dumps(doc), name, float(limit), 0 if seed is None else seed)


def _number(doc: dict[str, Any], name: str, default: float | None) -> float | None:
    if name not in doc:
        return default
    value = doc[name]
    if isinstance(value, bool) or not isinstance(value, int | float) or not value > 0:
        raise invalid(name, "must be a number > 0", value)
    return float(value)


def _seed(doc: dict[str, Any], default: int | None) -> int | None:
    if "seed" not in doc:
        return default
    value = doc["seed"]
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < MAX_SEED:
        raise invalid("seed", "must be an integer >= 0 and < 2^63", value)
    return value


def parse_validate_request(body: bytes) -> dict[str, Any]:
    """Check a ``/validate`` body and run the validator: the report as JSON."""
    from ..formats.native import instance_from_dict, solution_from_dict
    from ..validator import validate

    doc = _parse_json(body)
    if not isinstance(doc, dict):
        raise invalid("body", 'must be a JSON object {"instance": ..., "solution": ...}', doc)
    issues = [
        Issue(k, "is required", has_value=False) for k in ("instance", "solution") if k not in doc
    ]
    issues += [
        Issue(k, "is not a known field (expected instance, solution)", doc[k])
        for k in sorted(set(doc) - {"instance", "solution"})
    ]
    if issues:
        raise from_input_error(InputError(issues))
    errors: list[Issue] = []
    inst = sol = None
    try:
        inst = instance_from_dict(doc["instance"])
    except InputError as e:
        errors += e.under("instance").issues
    try:
        sol = solution_from_dict(doc["solution"])
    except InputError as e:
        errors += e.under("solution").issues
    if errors or inst is None or sol is None:
        raise from_input_error(InputError(errors))
    report = validate(inst, sol)
    return {**report.to_dict(), "summary": report.summary()}


# ----------------------------------------------------------------------------------------------
# Request plumbing


async def read_body(request: Request, limit_bytes: int) -> bytes:
    """The request body, or a 413 as soon as it is known to exceed ``limit_bytes``.

    The declared Content-Length is checked before reading anything; a chunked body is counted
    while it arrives, so an oversized upload never sits whole in memory.
    """
    kind = request.headers.get("content-type", "")
    if kind.split(";", 1)[0].strip().lower() != "application/json":
        # Only JSON: a text/plain body is what a cross-site form may send without a preflight.
        raise ServiceError(
            415,
            "unsupported_media_type",
            f"Content-Type: must be application/json, got {kind or 'none'!r}",
            field="Content-Type",
            value=kind,
        )
    declared = request.headers.get("content-length")
    if declared is not None:
        try:
            size = int(declared)
        except ValueError:
            raise ServiceError(
                400,
                "invalid_header",
                "Content-Length: must be an integer",
                field="Content-Length",
                value=declared,
            ) from None
        if size > limit_bytes:
            raise _too_large(size, limit_bytes)
    chunks: list[bytes] = []
    total = 0
    async for chunk in request.stream():
        total += len(chunk)
        if total > limit_bytes:
            raise _too_large(total, limit_bytes, at_least=True)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(size: int, limit_bytes: int, *, at_least: bool = False) -> ServiceError:
    return ServiceError(
        413,
        "request_too_large",
        f"body: {'at least ' if at_least else ''}{size:,} bytes; this service accepts at most"
        f" {limit_bytes:,} bytes (--max-body-mb)",
        field="body",
        value=size,
        extra={"limit_bytes": limit_bytes},
    )


class CatchAll:
    """Outermost guard: an unexpected exception becomes a JSON 500 and one log line, never a
    traceback sent to the client (nor uvicorn's plain-text "Internal Server Error")."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, receive, tracked)
        except Exception as e:
            log.error(
                "%s %s failed: %s: %s", scope.get("method"), scope.get("path"), type(e).__name__, e
            )
            if not started:
                err = ServiceError(500, "internal_error", f"{type(e).__name__}: {e}")
                await JSONResponse(err.body(), status_code=500)(scope, receive, send)


def _error_response(err: ServiceError) -> JSONResponse:
    return JSONResponse(err.body(), status_code=err.status_code, headers=err.headers or None)


class HostCheck:
    """Answer 400 (JSON) to a request whose Host header does not name this service.

    Why: a page on any web site can make a browser send requests to ``127.0.0.1:8000`` under a
    host name of its own (DNS rebinding); checking the Host keeps a loopback service private.
    """

    def __init__(self, app: ASGIApp, config: ServiceConfig) -> None:
        self.app = app
        self.config = config

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = next(
                (v.decode("latin-1") for k, v in scope.get("headers", ()) if k == b"host"), ""
            )
            if not self.config.host_allowed(host):
                err = ServiceError(
                    400,
                    "invalid_host",
                    f"Host: {host!r} is not a name of this service (see --allow-host)",
                    field="Host",
                    value=host,
                )
                await _error_response(err)(scope, receive, send)
                return
        await self.app(scope, receive, send)


DOCS_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>optimizer API</title>
<style>body{font:15px/1.4 system-ui,sans-serif;max-width:60em;margin:2em auto;padding:0 1em}
code,pre{background:#f4f4f4;padding:0 .2em}h2{margin-top:1.5em}.m{font-weight:bold}</style>
</head><body><h1>optimizer API</h1>
<p>The machine-readable description is <a href="/openapi.json">/openapi.json</a>.
This page is self-contained: it loads nothing from other sites.</p>
<div id="ops">Loading...</div>
<script>
fetch('/openapi.json').then(r => r.json()).then(spec => {
  const out = document.getElementById('ops');
  out.textContent = '';
  for (const [path, ops] of Object.entries(spec.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      const h = document.createElement('h2');
      h.innerHTML = '<span class="m"></span> <code></code>';
      h.querySelector('.m').textContent = method.toUpperCase();
      h.querySelector('code').textContent = path;
      const p = document.createElement('pre');
      p.textContent = (op.summary || '') + '\n\n' + (op.description || '');
      out.append(h, p);
    }
  }
});
</script></body></html>
"""


#: Seconds between two retention passes (``keep_days``) while the service runs.
PURGE_EVERY_S = 3600.0


async def _retention(app: FastAPI, store: JobStore, keep_days: float, every_s: float) -> None:
    """Delete finished jobs older than ``keep_days`` every ``every_s`` seconds, until cancelled.

    Why a timer and not only the pass in :func:`_check_queue`: that pass runs when a job is
    posted, so a service that is only polled, or idle for weeks, kept its finished jobs (each with
    its plan: customers' addresses) past the retention the operator set. The pass runs in a
    thread: a large ``DELETE`` must not stall the event loop. A failed pass (a database locked by
    another process past its busy timeout) is logged and tried again at the next tick, rather
    than ending the retention for the rest of the service's life.
    """
    while True:
        await asyncio.sleep(every_s)
        try:
            purged = await run_in_threadpool(store.purge, keep_days)
        except Exception:
            log.exception("job queue: retention pass failed; trying again in %g s", every_s)
            continue
        app.state.purged_at = time.monotonic()
        if purged:
            log.info("job queue: %d job(s) older than %g day(s) deleted", purged, keep_days)


def _check_queue(app: FastAPI, store: JobStore, config: ServiceConfig) -> None:
    """503 with Retry-After when ``max_queued_jobs`` wait; also runs the retention when the timer
    (:func:`_retention`) has not run it for :data:`PURGE_EVERY_S`."""
    if config.keep_days is not None and time.monotonic() - app.state.purged_at > PURGE_EVERY_S:
        app.state.purged_at = time.monotonic()
        store.purge(config.keep_days)
    queued = store.counts()["queued"]
    if queued >= config.max_queued_jobs:
        raise ServiceError(
            503,
            "queue_full",
            f"jobs: {queued} job(s) are waiting, the limit of this service"
            f" (--max-queued-jobs {config.max_queued_jobs}); retry later",
            field="jobs",
            value=queued,
            headers={"Retry-After": str(config.retry_after_s)},
        )


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """The service for ``config``: its job database opens and its workers start with the app."""
    config = config or ServiceConfig()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = JobStore(config.db_path)
        if config.keep_days is not None:
            purged = store.purge(config.keep_days)
            if purged:
                log.info(
                    "job queue: %d job(s) older than %g day(s) deleted", purged, config.keep_days
                )
        app.state.purged_at = time.monotonic()
        runner = Runner(config, store)
        await runner.start()
        app.state.store, app.state.runner = store, runner
        app.state.retention = (
            None
            if config.keep_days is None
            else asyncio.create_task(
                _retention(app, store, config.keep_days, PURGE_EVERY_S), name="job-retention"
            )
        )
        try:
            yield
        finally:
            if app.state.retention is not None:  # before the store closes under it
                app.state.retention.cancel()
                await asyncio.gather(app.state.retention, return_exceptions=True)
            await runner.stop()
            store.close()

    async def check_api_key(key: Annotated[str | None, Security(_api_key_header)] = None) -> None:
        if config.api_key is None:
            return
        if not key:
            raise ServiceError(
                401, "unauthorized", f"{API_KEY_HEADER}: header is required", field=API_KEY_HEADER
            )
        if not secrets.compare_digest(key.encode(), config.api_key.encode()):
            # The wrong key is not echoed back: it may be a real key of something else.
            raise ServiceError(
                401, "unauthorized", f"{API_KEY_HEADER}: wrong API key", field=API_KEY_HEADER
            )

    app = FastAPI(
        title="optimizer",
        version=__version__,
        summary="Routes and charging for mixed diesel / electric freight fleets.",
        lifespan=lifespan,
        responses=_ERROR_RESPONSES,
        # FastAPI's own pages load Swagger UI / ReDoc from a CDN: our /docs is self-contained.
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(HostCheck, config=config)
    app.add_middleware(CatchAll)  # added last: the outermost layer
    guarded = [Depends(check_api_key)]

    @app.exception_handler(ServiceError)
    async def on_service_error(request: Request, err: ServiceError) -> JSONResponse:
        return _error_response(err)

    @app.exception_handler(RequestValidationError)
    async def on_bad_parameter(request: Request, err: RequestValidationError) -> JSONResponse:
        items = []
        for e in err.errors():
            loc = [str(p) for p in e.get("loc", ()) if p not in ("query", "path", "header", "body")]
            field = ".".join(loc) or "request"
            items.append(
                Issue(field, str(e.get("msg", "is invalid")).lower(), e.get("input"), "input" in e)
            )
        return _error_response(from_input_error(InputError(items)))

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, err: StarletteHTTPException) -> JSONResponse:
        codes = {404: "not_found", 405: "method_not_allowed"}
        body = ServiceError(
            err.status_code,
            codes.get(err.status_code, f"http_{err.status_code}"),
            f"{request.method} {request.url.path}: {err.detail}",
        )
        return _error_response(body)

    async def _solve_request(
        request: Request, time_limit_s: float | None, seed: int | None
    ) -> SolveRequest:
        body = await read_body(request, config.max_body_bytes)
        return await run_in_threadpool(parse_solve_request, body, time_limit_s, seed, config)

    @app.post("/solve", dependencies=guarded, openapi_extra={"requestBody": _INSTANCE_BODY})
    async def solve(
        request: Request, time_limit_s: TimeLimit = None, seed: Seed = None
    ) -> JSONResponse:
        """Plan an instance now and answer with the plan and the validator's report.

        The answer is ``{"plan": <native plan, as save_solution writes it>, "validation":
        {"feasible", "violations", "totals", "summary"}, "seconds"}``. For solves longer than a
        client wants to hold a connection, use ``POST /jobs``.
        """
        req = await _solve_request(request, time_limit_s, seed)
        runner: Runner = request.app.state.runner
        outcome = await runner.solve_now(req.instance_json, req.time_limit_s, req.seed)
        if outcome["status"] != "done":
            raise from_worker(outcome["error"])
        return JSONResponse(outcome["result"])

    @app.post(
        "/jobs",
        dependencies=guarded,
        status_code=202,
        openapi_extra={"requestBody": _INSTANCE_BODY},
    )
    async def submit_job(
        request: Request, time_limit_s: TimeLimit = None, seed: Seed = None
    ) -> JSONResponse:
        """Queue a solve; answers 202 with the job's id at once. Poll ``GET /jobs/{id}``.

        Jobs are kept in the service's SQLite database: a restart loses none (a job that was
        running is solved again, with the same result).
        """
        store: JobStore = request.app.state.store
        # The queue is bounded before the body is even read: a full queue costs no parsing.
        await run_in_threadpool(_check_queue, request.app, store, config)
        req = await _solve_request(request, time_limit_s, seed)
        job_id = await run_in_threadpool(
            store.add, req.instance_json, req.time_limit_s, req.seed, req.instance_name
        )
        request.app.state.runner.wake()
        url = f"/jobs/{job_id}"
        return JSONResponse(
            {"id": job_id, "status": "queued", "url": url},
            status_code=202,
            headers={"Location": url},
        )

    @app.get("/jobs/{job_id}", dependencies=guarded)
    async def get_job(request: Request, job_id: str) -> JSONResponse:
        """A job's status (queued, running, done, failed), with ``result`` (as ``/solve``
        answers) when done or ``error`` (code, message) when failed."""
        store: JobStore = request.app.state.store
        job = await run_in_threadpool(store.get, job_id)
        if job is None:
            raise ServiceError(404, "not_found", f"id: no job {job_id!r}", field="id", value=job_id)
        return JSONResponse(job)

    @app.post("/validate", dependencies=guarded, openapi_extra={"requestBody": _VALIDATE_BODY})
    async def validate(request: Request) -> JSONResponse:
        """Check a plan against an instance, recomputing every figure (the CLI's ``validate``).

        Answers 200 with ``feasible`` true or false and every violation; 4xx only when the
        input cannot be read.
        """
        body = await read_body(request, config.max_body_bytes)
        return JSONResponse(await run_in_threadpool(parse_validate_request, body))

    @app.get("/health")
    async def health(request: Request) -> JSONResponse:
        """Liveness and load: open without an API key, so a load balancer can probe it."""
        store: JobStore = request.app.state.store
        runner: Runner = request.app.state.runner
        return JSONResponse(
            {
                "status": "ok",
                "version": __version__,
                "workers": config.workers,
                "solves_running": runner.running,
                "solves_waiting": runner.waiting,
                "jobs": await run_in_threadpool(store.counts),
                "max_time_limit_s": config.max_time_limit_s,
                "default_time_limit_s": config.default_time_limit_s,
                "max_body_bytes": config.max_body_bytes,
                "api_key_required": config.api_key is not None,
            }
        )

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        """The API documentation page (no external script: see DOCS_PAGE)."""
        return HTMLResponse(
            DOCS_PAGE,
            headers={"Content-Security-Policy": "default-src 'self'; script-src 'unsafe-inline'"},
        )

    @app.get("/schema/{kind}")
    async def schema(kind: str) -> JSONResponse:
        """The JSON Schema of the native ``instance`` or ``solution`` format."""
        from ..formats.native import schema as get_schema

        if kind not in ("instance", "solution"):
            raise invalid("kind", "must be one of instance, solution", kind)
        return JSONResponse(get_schema(kind))

    return app


__all__ = ["SolveRequest", "create_app", "parse_solve_request", "read_body"]
