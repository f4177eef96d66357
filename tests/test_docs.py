"""Every Python block of ``docs/python-api.md`` runs, in order, in one namespace."""

from __future__ import annotations

import re

import pytest

from tests.conftest import ROOT

PAGE = ROOT / "docs" / "python-api.md"


def test_the_python_api_page_runs(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    blocks = re.findall(r"```python\n(.*?)```", PAGE.read_text("utf-8"), re.S)
    assert len(blocks) >= 5
    monkeypatch.chdir(ROOT)  # the page names files relative to the project root
    namespace: dict[str, object] = {}
    for k, code in enumerate(blocks):
        exec(compile(code, f"{PAGE.name} block {k + 1}", "exec"), namespace)
    out = capsys.readouterr().out
    assert "kg CO2e well-to-wheel" in out and "Run sheet: two-shops" in out
