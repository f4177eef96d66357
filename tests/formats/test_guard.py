"""The reading bounds (issue 23): one regression test per crash class the fuzzer found.

Each input below once ended in a traceback (RecursionError, UnicodeDecodeError, OverflowError) or
in an instance holding infinities; now each ends in an :class:`InputError` naming the file, the
path and the value.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from optimizer import load, load_solution
from optimizer.errors import FormatError, InputError
from optimizer.formats import guard
from optimizer.formats.native import instance_from_dict, solution_from_dict
from tests.conftest import INSTANCES

SMALL = INSTANCES / "city-day-small.json"


def _doc() -> dict[str, Any]:
    return json.loads(SMALL.read_text("utf-8"))


def _write(tmp_path: Path, text: str | bytes, name: str = "bad.json") -> Path:
    path = tmp_path / name
    if isinstance(text, str):
        path.write_text(text, "utf-8")
    else:
        path.write_bytes(text)
    return path


def test_deep_nesting_is_refused_before_parsing(tmp_path: Path) -> None:
    # 5,000 nested arrays: json.loads itself raised RecursionError.
    path = _write(tmp_path, '{"meta": ' + "[" * 5000 + "]" * 5000 + "}")
    with pytest.raises(FormatError) as e:
        load(path)
    assert str(path) in str(e.value)
    assert "deeper than the limit of 64" in str(e.value) and "got 5001" in str(e.value)


def test_nesting_just_below_the_parser_limit_is_refused_too(tmp_path: Path) -> None:
    # 900 deep parses, then overflowed the schema walk (RecursionError in _schema_issues).
    doc = _doc()
    doc["meta"] = json.loads("[" * 900 + "]" * 900)
    with pytest.raises(FormatError, match="deeper than the limit"):
        load(_write(tmp_path, json.dumps(doc)))


def test_nesting_in_a_document_from_memory(tmp_path: Path) -> None:
    deep: Any = 0
    for _ in range(3000):
        deep = [deep]
    doc = _doc()
    doc["meta"] = {"x": deep}
    with pytest.raises(InputError, match=r"meta\.x.*deeper than the limit of 64"):
        instance_from_dict(doc)


def test_non_utf8_bytes_name_the_byte_and_line(tmp_path: Path) -> None:
    text = SMALL.read_bytes().replace(b'"city-day-small"', b'"city-\xff\xfe-small"', 1)
    path = _write(tmp_path, text)
    with pytest.raises(FormatError) as e:
        load(path)
    assert str(path) in str(e.value) and "is not UTF-8 text" in str(e.value)
    assert "line 4" in str(e.value)


def test_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    inst = load(_write(tmp_path, b"\xef\xbb\xbf" + SMALL.read_bytes()))
    assert inst.name == "city-day-small"


def test_huge_integer_names_its_path(tmp_path: Path) -> None:
    # 400 digits: float() raised OverflowError at a dozen places.
    text = SMALL.read_text("utf-8").replace('"capacity_kg": 31000', '"capacity_kg": ' + "9" * 400)
    assert text != SMALL.read_text("utf-8")
    with pytest.raises(InputError) as e:
        load(_write(tmp_path, text))
    issue = e.value.issues[0]
    assert issue.path.startswith("vehicle_types[") and issue.path.endswith(".capacity_kg")
    assert "at most 18 digits" in issue.message


@pytest.mark.parametrize("token", ["NaN", "Infinity", "-Infinity", "1e999"])
def test_non_finite_numbers_name_their_path(tmp_path: Path, token: str) -> None:
    text = SMALL.read_text("utf-8").replace('"capacity_kg": 31000', f'"capacity_kg": {token}')
    with pytest.raises(InputError) as e:
        load(_write(tmp_path, text))
    (issue,) = e.value.issues
    assert issue.path.endswith(".capacity_kg") and issue.message == "must be a finite number"
    assert issue.value == token


def test_non_finite_numbers_in_a_parsed_document() -> None:
    # An HTTP body parsed by another client may hold real NaN floats and long ints.
    doc = _doc()
    doc["vehicle_types"][0]["capacity_kg"] = float("nan")
    doc["vehicles"][0]["count"] = 10**400
    with pytest.raises(InputError) as e:
        instance_from_dict(doc)
    paths = {i.path: i for i in e.value.issues}
    assert paths["vehicle_types[0].capacity_kg"].message == "must be a finite number"
    assert "about 401 digits" in str(paths["vehicles[0].count"])


def test_durations_that_overflow(tmp_path: Path) -> None:
    # Each number is finite and in range; a speed of 1e-310 km/h makes every duration infinite
    # (numpy overflow, then inf in the model). Coordinates of 1e308 did the same to distances;
    # those are now refused by the range check (optimizer.model.MAX_QUANTITY).
    doc = _doc()
    doc["travel"]["speed_kmh"] = 1e-310
    with pytest.raises(InputError, match=r"travel\.duration_min: must be finite"):
        instance_from_dict(doc)
    doc = _doc()
    doc["locations"][0]["coordinates"] = [1e308, 1e308]
    with pytest.raises(InputError, match=r"locations\[0\]\.coordinates\[0\]: must be at most"):
        instance_from_dict(doc)


def test_vrplib_header_integer_overflow(tmp_path: Path) -> None:
    text = (
        "NAME : t\nTYPE : CVRP\nDIMENSION : 2\nEDGE_WEIGHT_TYPE : EUC_2D\nCAPACITY : "
        + "9" * 400
        + "\nNODE_COORD_SECTION\n1 0 0\n2 3 4\nDEMAND_SECTION\n1 0\n2 1\nDEPOT_SECTION\n1\n-1\nEOF\n"
    )
    with pytest.raises(InputError, match="CAPACITY"):
        load(_write(tmp_path, text, "t.vrp"), format="cvrp")


def test_file_size_is_checked_before_reading(tmp_path: Path, monkeypatch: Any) -> None:
    monkeypatch.setattr(guard, "MAX_INPUT_BYTES", 100)
    with pytest.raises(FormatError, match="larger than the limit"):
        load(SMALL)


def test_solution_with_bad_bytes_and_nan(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match="not UTF-8"):
        load_solution(_write(tmp_path, b'{"format": "optimizer-solution", "\xff": 1}'))
    with pytest.raises(InputError, match=r"routes\[0\]\.unit: must be an integer of at most"):
        solution_from_dict(
            {
                "format": "optimizer-solution",
                "version": 1,
                "instance": "x",
                "routes": [{"vehicle": "v", "unit": 10**30, "stops": []}],
            }
        )


def test_json_depth_ignores_brackets_inside_strings() -> None:
    assert guard.json_depth('{"a": "[[[[[[", "b": [[1]]}') == 3
    assert guard.json_depth('{"a": "\\"[[[["}') == 1
