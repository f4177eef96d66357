"""Reports of a two-trip route (``depot, job, depot, job, depot``): the depot in the middle is a
reload that starts trip 2, in the console tables, the HTML run sheet, the map and the figure.

The run-sheet parts are rendered from the hand-built sheet of ``tests/reload_case.py``, so they
hold whatever the validator says about the plan. The route tables and the figure need the whole
report (``prepare``: validator and carbon account); they check only the shape of the route (a
reload and two trips), which does not depend on the validator accepting the plan.
"""

from __future__ import annotations

import io

import pytest
from matplotlib.figure import Figure
from rich.console import Console

from optimizer.report import prepare
from optimizer.report.data import ReportInputs, _run_sheet
from optimizer.report.map import map_layers, map_section
from optimizer.report.page import _run_sheet_section, render_html
from optimizer.report.plot import _soc
from optimizer.report.text import render, routes_table
from tests import reload_case


@pytest.fixture(scope="module")
def prepared() -> tuple[ReportInputs, dict]:
    return prepare(reload_case.instance(), reload_case.plan(), baseline_time_limit_s=0)


def _sheet_data() -> dict:
    """The report dictionary's run-sheet parts, from the hand-built sheet (no validator)."""
    return {
        "currency": "EUR",
        "run_sheet": _run_sheet(reload_case.sheet()),
        "map": map_layers(reload_case.instance()),
    }


def test_run_sheet_data_counts_the_trips() -> None:
    (route,) = _sheet_data()["run_sheet"]["routes"]
    assert route["trips"] == 2
    assert [s["kind"] for s in route["stops"]] == ["depot", "job", "depot", "job", "depot"]


def test_html_run_sheet_reads_the_middle_depot_as_a_reload() -> None:
    html = _run_sheet_section(_sheet_data())
    assert "2 trips, 100.0 km" in html
    assert '<td class="t">reload 30 min, trip 2</td>' in html
    # The ends stay the start and the end of the day; the reload keeps both its times.
    assert '<td class="t">start</td>' in html and '<td class="t">end</td>' in html
    row = html[html.index("reload 30 min") :].split("</tr>")[0]
    assert "07:20" in row and "07:50" in row


def test_map_draws_the_reload_as_a_numbered_stop() -> None:
    html = map_section(_sheet_data())
    assert '"reload": true' in html and html.count('"reload": true') == 1
    assert "#2 reload at depot, trip 2 starts: depot" in html
    assert "dark squares reload at the depot" in html


def test_route_rows_carry_trips_and_reloads(prepared: tuple[ReportInputs, dict]) -> None:
    _, data = prepared
    (row,) = data["routes"]
    assert row["trips"] == 2
    (reload,) = row["reloads"]
    assert (reload["stop"], reload["depot"]) == (2, "depot")
    assert (reload["arrival_min"], reload["departure_min"]) == (440, 470)
    assert data["run_sheet"]["routes"][0]["trips"] == 2


def test_console_route_table_names_the_reload(prepared: tuple[ReportInputs, dict]) -> None:
    _, data = prepared
    console = Console(file=io.StringIO(), width=240)
    console.print(routes_table(data))
    text = console.file.getvalue()  # type: ignore[attr-defined]
    assert "a reload at the depot starts each further trip" in text
    assert "2 in 2 trips (reload depot 07:20-07:50)" in text
    # The whole report renders too (a plan the validator refuses still gets its figures).
    render(data, Console(file=io.StringIO(), width=240))


def test_one_trip_route_table_keeps_its_title() -> None:
    from tests.carbon.worked_example import make_instance, make_plan

    _, data = prepare(make_instance(), make_plan(), baseline_time_limit_s=0)
    assert all(r["trips"] == 1 and r["reloads"] == [] for r in data["routes"])
    assert routes_table(data).title == "Routes (one trip each)"


def test_html_page_of_a_two_trip_plan(prepared: tuple[ReportInputs, dict]) -> None:
    _, data = prepared
    html = render_html(data, None)
    assert "reload 30 min, trip 2" in html and "2 in 2 trips" in html


def test_soc_figure_shades_the_reload(prepared: tuple[ReportInputs, dict]) -> None:
    inputs, _ = prepared
    ax = Figure().add_subplot()
    _soc(ax, inputs, inputs.account.trips)
    assert "shaded: reload at the depot between trips" in ax.get_title(loc="left")
    spans = [p.get_x() for p in ax.patches] + [p.get_x() + p.get_width() for p in ax.patches]
    assert 440 in spans and 470 in spans
