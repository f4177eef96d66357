"""Format detection over every shared benchmark file, and every instance loading through it."""

from __future__ import annotations

from pathlib import Path

import pytest

from optimizer.errors import FormatError
from optimizer.formats import detect, load
from optimizer.model import Instance
from tests.conftest import BENCHMARKS, benchmark_file

#: Files that are not instances: solutions, tables, notes.
NOT_INSTANCES = (".sol", ".csv", ".md", ".tsv")
#: The format of each file under ../shared/benchmarks, by folder (exceptions by file name).
EXPECTED_BY_FOLDER = {
    "evrptw": "evrptw",
    "cec2020-evrp": "cec2020",
    "evrp-nl": "evrp-nl",
    "solomon": "solomon",
    "cvrp-x": "cvrp",
}
EXPECTED_BY_FILE = {
    ("vrplib", "RC208.vrp"): "solomon",
    ("vrplib", "E-n22-k4.txt"): "cvrp",
    ("vrplib", "X115-HVRP.vrp"): "vrplib",
    ("vrplib", "PR01.vrp"): "vrplib",
}


def _is_instance(path: Path) -> bool:
    return path.suffix not in NOT_INSTANCES and not path.name.endswith(".sol.txt")


def _files(instances: bool) -> list[Path]:
    if not BENCHMARKS.is_dir():
        return []
    return sorted(p for p in BENCHMARKS.rglob("*") if p.is_file() and _is_instance(p) == instances)


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


INSTANCE_FILES = _files(instances=True)
OTHER_FILES = _files(instances=False)


def _expected(path: Path) -> str:
    key = (path.parent.name, path.name)
    if key in EXPECTED_BY_FILE:
        return EXPECTED_BY_FILE[key]
    return EXPECTED_BY_FOLDER[path.parent.name]


def test_every_set_is_present(benchmarks_dir: Path) -> None:
    folders = {p.parent.name for p in INSTANCE_FILES}
    assert folders == {*EXPECTED_BY_FOLDER, "vrplib"}
    # 84 E-VRPTW, 17 CEC, 120 EVRP-NL, 56 Solomon, 16 X, 4 VRPLIB anchors
    assert len(INSTANCE_FILES) == 84 + 17 + 120 + 56 + 16 + 4


@pytest.mark.parametrize("path", INSTANCE_FILES, ids=_id)
def test_detects_and_loads(path: Path) -> None:
    fmt = detect(path)
    assert fmt == _expected(path)
    inst = load(path)
    assert isinstance(inst, Instance)
    assert inst.meta["format"] == fmt
    assert inst.jobs and inst.depots and inst.vehicles


@pytest.mark.parametrize("path", OTHER_FILES, ids=_id)
def test_non_instances_are_refused(path: Path) -> None:
    with pytest.raises(FormatError, match="no format"):
        detect(path)


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        ('{"format": "optimizer-instance"}', "native"),
        ('<?xml version="1.0"?>\n<instance><network/></instance>', "evrp-nl"),
        ("StringID   Type  x  y\n", "evrptw"),
        ("Name: x\nTYPE: EVRP \nENERGY_CAPACITY: 4\n", "cec2020"),
        ("NAME : a\nTYPE : CVRP\nNODE_COORD_SECTION\n1 0 0\nDEPOT_SECTION\n1\n-1\nEOF\n", "cvrp"),
        (
            "NAME : a\nTYPE : CVRPTW\nNODE_COORD_SECTION\n1 0 0\nTIME_WINDOW_SECTION\n1 0 9\nEOF\n",
            "solomon",
        ),
        (
            "NAME : a\nTYPE : VRPTW\nNODE_COORD_SECTION\n1 0 0\nTIME_WINDOW_SECTION\n1 0 9\n"
            "VEHICLES_MAX_DURATION_SECTION\n1 5\nEOF\n",
            "vrplib",
        ),
        (
            "NAME : a\nTYPE : CVRP\nNODE_COORD_SECTION\n1 0 0\nDEPOT_SECTION\n1\n2\n-1\nEOF\n",
            "vrplib",
        ),
        ("NAME : a\nTYPE : HFVRP\nNODE_COORD_SECTION\n1 0 0\nEOF\n", "vrplib"),
    ],
)
def test_detect_from_content(tmp_path: Path, text: str, fmt: str) -> None:
    path = tmp_path / "file"
    path.write_text(text, "utf-8")
    assert detect(path) == fmt


@pytest.mark.parametrize("text", ["", "hello world\n", "Route #1: 1 2\nCost 3\n", "a,b\n1,2\n"])
def test_detect_refuses_other_text(tmp_path: Path, text: str) -> None:
    path = tmp_path / "file"
    path.write_text(text, "utf-8")
    with pytest.raises(FormatError, match="no format"):
        detect(path)


def test_detect_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="cannot be read"):
        detect(tmp_path / "nothing.vrp")


ONE_PER_FORMAT = [
    ("evrptw", "c101C5.txt"),
    ("cec2020-evrp", "E-n22-k4.evrp"),
    ("evrp-nl", "tc0c10s2cf1.xml"),
    ("solomon", "C101.vrp"),
    ("cvrp-x", "X-n101-k25.vrp"),
    ("vrplib", "X115-HVRP.vrp"),
    ("vrplib", "PR01.vrp"),
]


@pytest.mark.parametrize(("folder", "name"), ONE_PER_FORMAT)
def test_loaded_instances_survive_native_json(tmp_path: Path, folder: str, name: str) -> None:
    """What a benchmark loader builds is expressible in the native format, field for field."""
    from optimizer.formats import save
    from optimizer.formats.native import instance_to_dict

    inst = load(benchmark_file(folder, name))
    out = tmp_path / "again.json"
    save(inst, out)
    again = load(out)
    assert instance_to_dict(again) == instance_to_dict(inst)
    assert (again.distance_km == inst.distance_km).all()
    assert (again.duration_min == inst.duration_min).all()
