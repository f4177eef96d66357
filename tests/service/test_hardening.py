"""The service under bad requests (issue 23): every one answered 4xx with a JSON ``code`` and
``field``, the queue bounded, old jobs deleted, the database private, the docs page offline."""

from __future__ import annotations

import json
import stat
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from optimizer.cli import app
from optimizer.service.config import ServiceConfig, is_loopback
from optimizer.service.store import JobStore

from .test_service import HEADERS, Service, _assert_error, _small_instance


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    tmp = tmp_path_factory.mktemp("hardened")
    svc = Service(tmp / "jobs.sqlite3", tmp / "service.log", "--max-queued-jobs", "2")
    yield svc
    svc.stop()


def test_bad_bodies_are_4xx_with_code_and_field(service: Service) -> None:
    doc = json.dumps(_small_instance())
    key = {"X-API-Key": HEADERS["X-API-Key"]}
    plain = service.client.post(
        "/solve", content=doc, headers={**key, "Content-Type": "text/plain"}
    )
    _assert_error(plain, 415, "unsupported_media_type", "Content-Type")
    untyped = service.client.post("/validate", content=doc, headers=key)
    _assert_error(untyped, 415, "unsupported_media_type", "Content-Type")
    deep = service.client.post("/solve", content=b"[" * 100_000, headers=HEADERS)
    assert "above the limit of 64" in _assert_error(deep, 400, "invalid_json", "body")["message"]
    latin = service.client.post("/solve", content=b'{"name": "caf\xe9"}', headers=HEADERS)
    _assert_error(latin, 400, "invalid_json", "body")
    huge = _small_instance()
    huge["vehicles"][0]["count"] = 10**400
    big = service.client.post("/jobs", content=json.dumps(huge), headers=HEADERS)
    _assert_error(big, 422, "invalid_input", "vehicles[0].count")
    plan = {"format": "optimizer-solution", "version": 1, "instance": "x", "routes": []}
    plan["totals"] = {"distance_km": float("inf")}  # written as Infinity by json.dumps
    nan = service.client.post(
        "/validate",
        content=json.dumps({"instance": _small_instance(), "solution": plan}),
        headers=HEADERS,
    )
    _assert_error(nan, 400, "invalid_json", "body")


def test_unknown_host_is_refused(service: Service) -> None:
    resp = service.client.get("/health", headers={"Host": "attacker.example"})
    body = _assert_error(resp, 400, "invalid_host", "Host")
    assert "attacker.example" in body["message"]
    assert (
        service.client.get("/health", headers={"Host": f"localhost:{service.port}"}).status_code
        == 200
    )


def test_count_100000_over_http_ends_quickly(service: Service) -> None:
    doc = _small_instance()
    doc["vehicles"][0]["count"] = 100_000
    started = time.monotonic()
    resp = service.client.post("/solve", params={"time_limit_s": 1}, json=doc, headers=HEADERS)
    assert resp.status_code == 200, resp.text
    assert time.monotonic() - started < 20


def test_a_limit_below_a_large_days_floor_is_422_before_queueing(service: Service) -> None:
    from optimizer import limits
    from optimizer.formats.native import instance_to_dict
    from optimizer.generate import generate

    inst = generate(300, seed=1)
    doc = {"instance": instance_to_dict(inst), "time_limit_s": 1}
    resp = service.client.post("/jobs", json=doc, headers=HEADERS)
    body = _assert_error(resp, 422, "invalid_input", "time_limit_s")
    assert f"at least {limits.min_time_limit_s(inst):g} s" in body["message"]


def test_full_queue_is_503_with_retry_after(service: Service) -> None:
    answers = [
        service.client.post(
            "/jobs", params={"time_limit_s": 5, "seed": k}, json=_small_instance(k), headers=HEADERS
        )
        for k in range(6)
    ]
    codes = [a.status_code for a in answers]
    assert 202 in codes and 503 in codes, codes
    full = next(a for a in answers if a.status_code == 503)
    body = _assert_error(full, 503, "queue_full", "jobs")
    assert full.headers["Retry-After"] == "5"
    assert "--max-queued-jobs 2" in body["message"]


def test_docs_page_loads_nothing_from_other_sites(service: Service) -> None:
    resp = httpx.get(f"{service.url}/docs")
    assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/html")
    assert "<script src" not in resp.text and "cdn" not in resp.text.lower()
    assert "default-src 'self'" in resp.headers["content-security-policy"]
    assert httpx.get(f"{service.url}/openapi.json").json()["paths"]


def test_database_is_created_private_and_old_jobs_are_deleted(tmp_path: Path) -> None:
    store = JobStore(tmp_path / "jobs.sqlite3")
    assert stat.S_IMODE((tmp_path / "jobs.sqlite3").stat().st_mode) == 0o600
    old, new = store.add("{}", 1.0, 0, "a"), store.add("{}", 1.0, 0, "b")
    for job in (old, new):
        store.finish(job, {"status": "done", "result": {}})
    ten_days_ago = (datetime.now(UTC) - timedelta(days=10)).isoformat(timespec="milliseconds")
    store._conn.execute("UPDATE jobs SET finished_at = ? WHERE id = ?", (ten_days_ago, old))
    assert store.purge(7) == 1
    assert store.get(old) is None and store.get(new) is not None
    # A finished job no longer holds its instance.
    row = store._conn.execute("SELECT instance_json FROM jobs WHERE id = ?", (new,)).fetchone()
    assert row[0] == ""
    store.close()


class _IdleRunner:
    """Stands in for the worker pool: the retention timer needs no solver processes."""

    def __init__(self, config: ServiceConfig, store: JobStore) -> None:
        pass

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass


def _finished_job(store: JobStore, days_ago: float) -> str:
    job = store.add("{}", 1.0, 0, "x")
    store.finish(job, {"status": "done", "result": {}})
    when = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat(timespec="milliseconds")
    store._conn.execute("UPDATE jobs SET finished_at = ? WHERE id = ?", (when, job))
    return job


def test_retention_runs_on_a_timer_without_requests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from fastapi.testclient import TestClient

    from optimizer.service import app as service_app

    monkeypatch.setattr(service_app, "Runner", _IdleRunner)
    monkeypatch.setattr(service_app, "PURGE_EVERY_S", 0.05)
    app = service_app.create_app(ServiceConfig(db_path=tmp_path / "jobs.sqlite3", keep_days=7))
    with TestClient(app):
        store: JobStore = app.state.store
        # Both jobs finish after the start-up pass: only the timer can delete the old one.
        old, recent = _finished_job(store, days_ago=10), _finished_job(store, days_ago=1)
        deadline = time.monotonic() + 10
        while store.get(old) is not None and time.monotonic() < deadline:
            time.sleep(0.02)  # no request is sent: the timer alone must purge
        assert store.get(old) is None and store.get(recent) is not None
        task = app.state.retention
        assert not task.done()
    assert task.cancelled()  # stopped with the service, before its database closed

    idle = service_app.create_app(ServiceConfig(db_path=tmp_path / "j2.sqlite3", keep_days=None))
    with TestClient(idle):
        assert idle.state.retention is None  # keep_days None: jobs are kept, no timer runs


def test_api_key_required_beyond_loopback(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        ["serve", "--host", "0.0.0.0", "--db", str(tmp_path / "j.sqlite3")],
        env={"OPTIMIZER_API_KEY": ""},
    )
    assert result.exit_code == 2
    assert "--api-key: is required when --host is not a loopback address" in result.output
    assert is_loopback("127.0.0.1") and is_loopback("::1") and not is_loopback("0.0.0.0")


def test_host_allow_list() -> None:
    config = ServiceConfig(allowed_hosts=("plans.example.com",))
    assert config.host_allowed("127.0.0.1:8000") and config.host_allowed("[::1]:80")
    assert config.host_allowed("Plans.Example.com:443")
    assert not config.host_allowed("evil.example") and not config.host_allowed("")
    assert ServiceConfig(allowed_hosts=("*",)).host_allowed("anything")
