"""The HTTP service, run for real: uvicorn in a subprocess on a free loopback port, called over HTTP.

Every plan the service returns is checked again here with the validator; a queued job must survive
a hard kill of the service; every error must be JSON with a code and the offending field.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

import optimizer
from optimizer.formats.native import instance_from_dict, instance_to_dict, solution_from_dict
from optimizer.generate import generate
from tests.conftest import INSTANCES, ROOT

API_KEY = "test-key"
HEADERS = {"X-API-Key": API_KEY, "Content-Type": "application/json"}
MAX_BODY_MB = 0.2
MAX_TIME_LIMIT_S = 5.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Service:
    """``optimizer serve`` in its own process group, so a test can kill it and its workers hard."""

    def __init__(self, db: Path, log: Path, *extra: str) -> None:
        self.port = _free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log = log.open("ab")
        env = {**os.environ, "OPTIMIZER_API_KEY": API_KEY}
        self.proc = subprocess.Popen(
            [
                *(sys.executable, "-m", "optimizer.cli", "serve", "--port", str(self.port)),
                *("--db", str(db), "--max-body-mb", str(MAX_BODY_MB)),
                *("--max-time-limit", str(MAX_TIME_LIMIT_S), "--workers", "1", *extra),
            ],
            cwd=ROOT,
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.client = httpx.Client(base_url=self.url, timeout=60.0)
        deadline = time.monotonic() + 30
        while True:
            try:
                if self.client.get("/health").status_code == 200:
                    return
            except httpx.TransportError:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"the service did not start; see {log}")
            time.sleep(0.2)

    def kill(self) -> None:
        """SIGKILL the whole group (server and solver workers): a crash, not a clean stop."""
        self.client.close()
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        self._log.close()

    def stop(self) -> None:
        """A clean stop (SIGTERM), as an operator would do it."""
        self.client.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self._log.close()


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("service")
    svc = Service(tmp / "jobs.sqlite3", tmp / "service.log")
    yield svc
    svc.stop()


def _small_instance(seed: int = 3) -> dict[str, Any]:
    """A generated 12-job day: solves in well under a second, so limits stay short."""
    return instance_to_dict(generate(12, seed))


def _assert_error(
    resp: httpx.Response, status: int, code: str, field: str | None
) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    assert resp.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = resp.json()
    assert body["code"] == code, body
    assert body.get("field") == field, body
    assert "Traceback" not in resp.text
    return body


def test_health_is_open_and_states_the_limits(service: Service) -> None:
    resp = httpx.get(f"{service.url}/health")  # no key: a load balancer must reach it
    assert resp.status_code == 200
    body = resp.json()
    assert body["status"] == "ok"
    assert body["api_key_required"] is True
    assert body["max_time_limit_s"] == MAX_TIME_LIMIT_S
    assert body["max_body_bytes"] == int(MAX_BODY_MB * 1_000_000)


def test_solve_returns_a_plan_the_validator_accepts(service: Service) -> None:
    doc = json.loads((INSTANCES / "city-day-small.json").read_text())
    resp = service.client.post(
        "/solve", params={"time_limit_s": 2, "seed": 1}, content=json.dumps(doc), headers=HEADERS
    )
    assert resp.status_code == 200, resp.text
    body = resp.json()
    inst = instance_from_dict(doc)
    plan = solution_from_dict(body["plan"])  # the native plan format, as save_solution writes
    report = optimizer.validate(inst, plan)
    assert report.feasible, report.summary()
    served = {s.ref for r in plan.routes for s in r.visits if s.kind != "station"}
    assert served == {j.id for j in inst.jobs} | {s.id for s in inst.shipments}
    assert plan.meta["seed"] == 1 and plan.meta["time_limit_s"] == 2
    # The plan's own totals, the service's report and our recomputation agree.
    total = report.totals.cost["total"]
    assert plan.totals.cost["total"] == pytest.approx(total, rel=1e-6)
    assert body["validation"]["feasible"] is True
    assert body["validation"]["violations"] == []
    assert body["validation"]["totals"]["cost"]["total"] == pytest.approx(total, rel=1e-6)
    assert "feasible" in body["validation"]["summary"]
    # The carbon account comes with the plan: the same figures as the accounting run here, and
    # the shipments add up to the plan's total.
    emissions = body["emissions"]
    assert emissions["wtw_kg"] == pytest.approx(report.totals.co2e_wtw_kg, rel=1e-9)
    assert sum(s["co2e_wtw_kg"] for s in emissions["by_shipment"]) == pytest.approx(
        emissions["wtw_kg"], rel=1e-9
    )

    # /validate gives the same verdict, and catches a route removed from the plan.
    check = service.client.post(
        "/validate", json={"instance": doc, "solution": body["plan"]}, headers=HEADERS
    )
    assert check.status_code == 200, check.text
    assert check.json()["feasible"] is True
    assert check.json()["totals"]["cost"]["total"] == pytest.approx(total, rel=1e-6)
    broken = {**body["plan"], "routes": body["plan"]["routes"][1:]}
    bad = service.client.post(
        "/validate", json={"instance": doc, "solution": broken}, headers=HEADERS
    )
    assert bad.status_code == 200
    assert not bad.json()["feasible"]
    assert "MISSING_JOB" in {v["code"] for v in bad.json()["violations"]}


def test_bad_json_is_reported_with_the_field(service: Service) -> None:
    syntax = service.client.post(
        "/solve", content=b'{"format": "optimizer-instance",', headers=HEADERS
    )
    body = _assert_error(syntax, 400, "invalid_json", "body")
    assert body["line"] == 1 and body["column"] > 1

    doc = _small_instance()
    doc["jobs"][2]["weight_kg"] = -5
    doc["vehicle_types"][0]["colour"] = "red"
    schema = service.client.post("/solve", json={"instance": doc, "seed": 1}, headers=HEADERS)
    body = _assert_error(schema, 422, "invalid_input", "instance.jobs[2].weight_kg")
    assert body["value"] == -5
    fields = {e["field"]: e.get("value") for e in body["errors"]}
    assert fields["instance.vehicle_types[0].colour"] == "red"  # every problem, not the first

    param = service.client.post(
        "/solve", params={"time_limit_s": "soon"}, json=_small_instance(), headers=HEADERS
    )
    assert _assert_error(param, 422, "invalid_input", "time_limit_s")["value"] == "soon"
    over = service.client.post(
        "/solve", params={"time_limit_s": 60}, json=_small_instance(), headers=HEADERS
    )
    assert _assert_error(over, 422, "invalid_input", "time_limit_s")["value"] == 60
    _assert_error(service.client.get("/jobs/no-such-job", headers=HEADERS), 404, "not_found", "id")
    both = service.client.post(
        "/solve",
        params={"seed": 1},
        json={"instance": _small_instance(), "seed": 2},
        headers=HEADERS,
    )
    _assert_error(both, 422, "invalid_input", "seed")  # which would win is not for us to guess


def test_a_job_no_vehicle_can_serve_is_422_with_the_reason(service: Service) -> None:
    doc = _small_instance()
    doc["jobs"][0]["weight_kg"] = 1e6
    resp = service.client.post("/solve", params={"time_limit_s": 1}, json=doc, headers=HEADERS)
    body = _assert_error(resp, 422, "infeasible", None)
    assert "too heavy" in body["unservable"][doc["jobs"][0]["id"]]


def test_oversized_request_is_413(service: Service) -> None:
    doc = _small_instance()
    doc["meta"] = {"padding": "x" * int(MAX_BODY_MB * 1_000_000)}
    resp = service.client.post("/solve", json=doc, headers=HEADERS)
    body = _assert_error(resp, 413, "request_too_large", "body")
    assert body["limit_bytes"] == int(MAX_BODY_MB * 1_000_000)

    # Without a Content-Length (chunked upload) the body is counted as it arrives.
    data = json.dumps(doc).encode()
    chunks = (data[i : i + 50_000] for i in range(0, len(data), 50_000))
    chunked = service.client.post("/jobs", content=chunks, headers=HEADERS)
    _assert_error(chunked, 413, "request_too_large", "body")


def test_api_key_is_required(service: Service) -> None:
    doc = _small_instance()
    missing = service.client.post("/solve", json=doc)
    _assert_error(missing, 401, "unauthorized", "X-API-Key")
    wrong = service.client.post("/jobs", json=doc, headers={"X-API-Key": "guess"})
    body = _assert_error(wrong, 401, "unauthorized", "X-API-Key")
    assert "guess" not in json.dumps(body)  # a wrong key is never echoed
    _assert_error(service.client.get("/jobs/x"), 401, "unauthorized", "X-API-Key")


def _wait_for(
    client: httpx.Client, job_id: str, statuses: set[str], timeout_s: float
) -> dict[str, Any]:
    deadline = time.monotonic() + timeout_s
    while True:
        job: dict[str, Any] = client.get(f"/jobs/{job_id}", headers=HEADERS).json()
        if job["status"] in statuses or time.monotonic() > deadline:
            return job
        time.sleep(0.1)


def test_a_job_survives_a_restart_of_the_service(tmp_path: Path) -> None:
    db = tmp_path / "jobs.sqlite3"
    doc = _small_instance(seed=5)
    first = Service(db, tmp_path / "first.log")
    try:
        resp = first.client.post(
            "/jobs", params={"time_limit_s": 1, "seed": 7}, json=doc, headers=HEADERS
        )
        assert resp.status_code == 202, resp.text
        job_id = resp.json()["id"]
        assert resp.headers["location"] == f"/jobs/{job_id}"
        assert _wait_for(first.client, job_id, {"running", "done"}, 30)["status"] == "running"
    finally:
        first.kill()  # mid-solve, server and worker at once
    with sqlite3.connect(db) as conn:
        (status,) = conn.execute("SELECT status FROM jobs WHERE id = ?", (job_id,)).fetchone()
    assert status == "running"  # what a crash leaves behind

    second = Service(db, tmp_path / "second.log")
    try:
        job = _wait_for(second.client, job_id, {"done", "failed"}, 60)
        assert job["status"] == "done", job
        assert job["attempts"] == 2  # run again after the restart
        inst = instance_from_dict(doc)
        plan = solution_from_dict(job["result"]["plan"])
        report = optimizer.validate(inst, plan)
        assert report.feasible, report.summary()
        assert plan.totals.cost["total"] == pytest.approx(report.totals.cost["total"], rel=1e-6)
        assert job["result"]["validation"]["feasible"] is True

        # Seeded and reproducible: the same instance, seed and limit give the same routes.
        again = second.client.post(
            "/solve", params={"time_limit_s": 1, "seed": 7}, json=doc, headers=HEADERS
        )
        assert again.status_code == 200, again.text
        other = solution_from_dict(again.json()["plan"])
        if plan.meta["stopped_by"] == other.meta["stopped_by"] == "solutions":
            assert other.routes == plan.routes
            assert other.totals.cost["total"] == plan.totals.cost["total"]
    finally:
        second.stop()
