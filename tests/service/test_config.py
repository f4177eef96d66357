"""``ServiceConfig.from_env``: every setting reachable from an ``OPTIMIZER_*`` variable (the only
way in under ``uvicorn --factory optimizer.service:app_from_env``), and a bad value reported with
its variable and the text found."""

from __future__ import annotations

from dataclasses import fields
from pathlib import Path

import pytest

from optimizer.errors import InputError
from optimizer.service import app_from_env
from optimizer.service.config import ENV_VARS, ServiceConfig

#: A value for every variable, none of them the default.
ENV = {
    "OPTIMIZER_DB": "/srv/optimizer/jobs.sqlite3",
    "OPTIMIZER_API_KEY": "s3cret",
    "OPTIMIZER_MAX_TIME_LIMIT_S": "120",
    "OPTIMIZER_DEFAULT_TIME_LIMIT_S": "4.5",
    "OPTIMIZER_MAX_BODY_MB": "2.5",
    "OPTIMIZER_WORKERS": "3",
    "OPTIMIZER_MAX_WAITING_SOLVES": "0",
    "OPTIMIZER_MAX_ATTEMPTS": "5",
    "OPTIMIZER_MAX_QUEUED_JOBS": "40",
    "OPTIMIZER_KEEP_DAYS": "0.5",
    "OPTIMIZER_ALLOWED_HOSTS": "plans.example.com, api.example.com *.internal",
    "OPTIMIZER_RETRY_AFTER_S": "9",
}
EXPECTED = ServiceConfig(
    db_path=Path("/srv/optimizer/jobs.sqlite3"),
    api_key="s3cret",
    max_time_limit_s=120.0,
    default_time_limit_s=4.5,
    max_body_mb=2.5,
    workers=3,
    max_waiting_solves=0,
    max_attempts=5,
    max_queued_jobs=40,
    keep_days=0.5,
    allowed_hosts=("plans.example.com", "api.example.com", "*.internal"),
    retry_after_s=9,
)


def test_every_field_has_a_variable() -> None:
    assert set(ENV_VARS) == {f.name for f in fields(ServiceConfig)}
    assert set(ENV) == set(ENV_VARS.values())


def test_each_variable_sets_its_field() -> None:
    config = ServiceConfig.from_env(ENV)
    assert config == EXPECTED
    for name in ENV_VARS:  # no field left at its default by accident
        assert getattr(config, name) != getattr(ServiceConfig(), name), name


def test_unset_variables_keep_the_defaults_and_keep_days_0_keeps_jobs() -> None:
    assert ServiceConfig.from_env({}) == ServiceConfig()
    assert ServiceConfig.from_env({"OPTIMIZER_KEEP_DAYS": "0"}).keep_days is None
    assert ServiceConfig.from_env({"OPTIMIZER_API_KEY": ""}).api_key is None


def test_app_from_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    # What `uvicorn --factory optimizer.service:app_from_env` calls.
    captured: list[ServiceConfig] = []
    monkeypatch.setattr("optimizer.service.create_app", captured.append)
    for var, value in ENV.items():
        monkeypatch.setenv(var, value)
    app_from_env()
    assert captured == [EXPECTED]


@pytest.mark.parametrize(
    ("var", "value", "message"),
    [
        ("OPTIMIZER_WORKERS", "two", "must be an integer"),
        ("OPTIMIZER_WORKERS", "1.5", "must be an integer"),
        ("OPTIMIZER_MAX_QUEUED_JOBS", "9" * 400, "must be an integer"),
        ("OPTIMIZER_MAX_BODY_MB", "inf", "must be a finite number"),
        ("OPTIMIZER_KEEP_DAYS", "a week", "must be a finite number"),
        ("OPTIMIZER_DB", " ", "must name the job database file"),
        # The field's own checks, reported under the variable that set it:
        ("OPTIMIZER_WORKERS", "0", "must be >= 1"),
        ("OPTIMIZER_KEEP_DAYS", "-1", "must be > 0"),
        ("OPTIMIZER_RETRY_AFTER_S", "0", "must be >= 1"),
    ],
)
def test_a_bad_value_names_the_variable_and_the_value(var: str, value: str, message: str) -> None:
    with pytest.raises(InputError) as info:
        ServiceConfig.from_env({var: value})
    (issue,) = info.value.issues
    assert (issue.path, issue.message, issue.value) == (var, message, value)
    assert str(info.value).startswith(f"environment: {var}: {message}, got ")


def test_all_bad_values_are_reported_at_once() -> None:
    bad = {
        "OPTIMIZER_WORKERS": "x",
        "OPTIMIZER_MAX_TIME_LIMIT_S": "soon",
        "OPTIMIZER_KEEP_DAYS": "-2",
    }
    with pytest.raises(InputError) as info:
        ServiceConfig.from_env(bad)
    # Unreadable values and a field's own check (keep_days > 0) in one report.
    assert {(i.path, i.value) for i in info.value.issues} == set(bad.items())


def test_uvicorn_factory_stops_with_the_error_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("OPTIMIZER_WORKERS", "x")
    with pytest.raises(SystemExit) as info:
        app_from_env()
    assert info.value.code == 2
    assert capsys.readouterr().err == (
        "optimizer service: environment: OPTIMIZER_WORKERS: must be an integer, got 'x'\n"
    )
